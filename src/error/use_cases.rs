//! Each use case's error as the API answers it: its code, its status, what the caller
//! may know (a ban's reason and end, a limit's wait). This is the one place where a
//! use case's words become the contract's codes; the panel puts the same errors in
//! its own words (`routes::admin::error`).

use serde_json::json;

use super::{ApiError, ErrorCode};
use crate::admin::management_keys::KeyError;
use crate::admin::webhooks::{EndpointError, MAX_DESCRIPTION};
use crate::auth::account_lifecycle::SignUpError;
use crate::auth::credentials::{ConfirmError, SignInError};
use crate::auth::email_change::EmailChangeError;
use crate::auth::email_sign_in::EmailSignInError;
use crate::auth::email_verification::{NotVerified, VerifyError};
use crate::auth::passkeys::PasskeysError;
use crate::auth::password_reset::ResetError;
use crate::auth::second_step::SecondStepError;
use crate::auth::session_check::SessionError;
use crate::auth::session_lifecycle::{LoginError, RefreshError, RevokeError};
use crate::auth::two_factor::TwoFactorError;
use crate::failure::{Disabled, Fault, Invalid, LimitError, Limited};
use crate::social::{SocialError, UnlinkError};

impl From<Fault> for ApiError {
    fn from(fault: Fault) -> Self {
        match fault {
            Fault::Database(error) => error.into(),
            Fault::Hashing(error) => error.into(),
            Fault::Internal(cause) => Self::internal(cause),
        }
    }
}

impl From<Limited> for ApiError {
    fn from(limited: Limited) -> Self {
        Self::new(ErrorCode::RateLimited).with_retry_after(limited.retry_after)
    }
}

impl From<LimitError> for ApiError {
    fn from(error: LimitError) -> Self {
        match error {
            LimitError::Limited(limited) => limited.into(),
            LimitError::Fault(fault) => fault.into(),
        }
    }
}

/// What the user may know of the ban; the operator's note stays private.
impl From<Disabled> for ApiError {
    fn from(disabled: Disabled) -> Self {
        Self::new(ErrorCode::AccountDisabled).with_details(json!({
            "reason": disabled.reason.as_str(),
            "until": disabled.until.map(|t| t.and_utc().to_rfc3339()),
        }))
    }
}

impl From<Invalid> for ApiError {
    fn from(invalid: Invalid) -> Self {
        Self::validation_field(invalid.field, invalid.problem)
    }
}

impl From<NotVerified> for ApiError {
    fn from(_: NotVerified) -> Self {
        Self::new(ErrorCode::EmailNotVerified)
    }
}

impl From<SignInError> for ApiError {
    fn from(error: SignInError) -> Self {
        match error {
            SignInError::WrongCredentials => Self::new(ErrorCode::InvalidCredentials),
            SignInError::Disabled(disabled) => disabled.into(),
            SignInError::Limited(limited) => limited.into(),
            SignInError::Fault(fault) => fault.into(),
        }
    }
}

impl From<ConfirmError> for ApiError {
    fn from(error: ConfirmError) -> Self {
        match error {
            ConfirmError::WrongPassword => Self::new(ErrorCode::InvalidPassword),
            ConfirmError::ReauthenticationRequired => {
                Self::new(ErrorCode::ReauthenticationRequired)
            }
            ConfirmError::Limited(limited) => limited.into(),
            ConfirmError::Fault(fault) => fault.into(),
        }
    }
}

impl From<EmailChangeError> for ApiError {
    fn from(error: EmailChangeError) -> Self {
        match error {
            EmailChangeError::EmailTaken => Self::new(ErrorCode::EmailTaken),
            EmailChangeError::Invalid(invalid) => invalid.into(),
            EmailChangeError::Unconfirmed(unconfirmed) => unconfirmed.into(),
            EmailChangeError::Limited(limited) => limited.into(),
            EmailChangeError::Fault(fault) => fault.into(),
        }
    }
}

impl From<EmailSignInError> for ApiError {
    fn from(error: EmailSignInError) -> Self {
        match error {
            EmailSignInError::InvalidToken => Self::new(ErrorCode::InvalidToken),
            EmailSignInError::InvalidCode => Self::new(ErrorCode::InvalidCode),
            EmailSignInError::Disabled(disabled) => disabled.into(),
            EmailSignInError::Limited(limited) => limited.into(),
            EmailSignInError::Fault(fault) => fault.into(),
        }
    }
}

impl From<LoginError> for ApiError {
    fn from(error: LoginError) -> Self {
        match error {
            LoginError::Credentials(error) => error.into(),
            LoginError::NotVerified(error) => error.into(),
            LoginError::Fault(fault) => fault.into(),
        }
    }
}

impl From<RefreshError> for ApiError {
    fn from(error: RefreshError) -> Self {
        match error {
            RefreshError::Reused => Self::new(ErrorCode::TokenReused),
            RefreshError::Unknown => Self::new(ErrorCode::Unauthorized),
            RefreshError::Fault(fault) => fault.into(),
        }
    }
}

impl From<RevokeError> for ApiError {
    fn from(error: RevokeError) -> Self {
        match error {
            RevokeError::NotFound => Self::new(ErrorCode::NotFound),
            RevokeError::Fault(fault) => fault.into(),
        }
    }
}

impl From<SignUpError> for ApiError {
    fn from(error: SignUpError) -> Self {
        match error {
            SignUpError::EmailTaken => Self::new(ErrorCode::EmailTaken),
            SignUpError::Limited(limited) => limited.into(),
            SignUpError::Fault(fault) => fault.into(),
        }
    }
}

impl From<ResetError> for ApiError {
    fn from(error: ResetError) -> Self {
        match error {
            ResetError::InvalidToken => Self::new(ErrorCode::InvalidToken),
            ResetError::Limited(limited) => limited.into(),
            ResetError::Fault(fault) => fault.into(),
        }
    }
}

impl From<VerifyError> for ApiError {
    fn from(error: VerifyError) -> Self {
        match error {
            VerifyError::InvalidToken => Self::new(ErrorCode::InvalidToken),
            VerifyError::EmailTaken => Self::new(ErrorCode::EmailTaken),
            VerifyError::Disabled(disabled) => disabled.into(),
            VerifyError::Limited(limited) => limited.into(),
            VerifyError::Fault(fault) => fault.into(),
        }
    }
}

impl From<SecondStepError> for ApiError {
    fn from(error: SecondStepError) -> Self {
        match error {
            SecondStepError::NoChallenge => Self::new(ErrorCode::Unauthorized),
            SecondStepError::WrongCode => Self::new(ErrorCode::InvalidCode),
            SecondStepError::Disabled(disabled) => disabled.into(),
            SecondStepError::Limited(limited) => limited.into(),
            SecondStepError::Fault(fault) => fault.into(),
        }
    }
}

impl From<TwoFactorError> for ApiError {
    fn from(error: TwoFactorError) -> Self {
        match error {
            TwoFactorError::Invalid(invalid) => invalid.into(),
            TwoFactorError::WrongPassword => Self::new(ErrorCode::InvalidPassword),
            TwoFactorError::ReauthenticationRequired => {
                Self::new(ErrorCode::ReauthenticationRequired)
            }
            TwoFactorError::WrongCode => Self::new(ErrorCode::InvalidCode),
            TwoFactorError::NotOn => {
                Self::new(ErrorCode::NotFound).with_cause("two-step verification is not on")
            }
            TwoFactorError::UserGone => Self::new(ErrorCode::Unauthorized),
            TwoFactorError::Limited(limited) => limited.into(),
            TwoFactorError::Fault(fault) => fault.into(),
        }
    }
}

impl From<SessionError> for ApiError {
    fn from(error: SessionError) -> Self {
        match error {
            SessionError::NoSession => Self::new(ErrorCode::Unauthorized),
            SessionError::Disabled(disabled) => disabled.into(),
            SessionError::Fault(fault) => fault.into(),
        }
    }
}

impl From<PasskeysError> for ApiError {
    fn from(error: PasskeysError) -> Self {
        match error {
            PasskeysError::Failed(why) => Self::new(ErrorCode::PasskeyFailed).with_cause(why),
            PasskeysError::Invalid(invalid) => invalid.into(),
            PasskeysError::NotFound => Self::new(ErrorCode::NotFound),
            PasskeysError::LastSignInMethod => Self::new(ErrorCode::LastSignInMethod),
            PasskeysError::UnknownCredential => Self::new(ErrorCode::InvalidCredentials)
                .with_cause("no passkey has this credential id"),
            PasskeysError::NotVerified(error) => error.into(),
            PasskeysError::Disabled(disabled) => disabled.into(),
            PasskeysError::Limited(limited) => limited.into(),
            PasskeysError::Fault(fault) => fault.into(),
        }
    }
}

impl From<SocialError> for ApiError {
    fn from(error: SocialError) -> Self {
        match error {
            SocialError::OauthFailed => Self::new(ErrorCode::OauthFailed),
            SocialError::AccountNotLinked => Self::new(ErrorCode::AccountNotLinked),
            SocialError::NotVerified(error) => error.into(),
            SocialError::Disabled(disabled) => disabled.into(),
            SocialError::Limited(limited) => limited.into(),
            SocialError::Fault(fault) => fault.into(),
        }
    }
}

impl From<UnlinkError> for ApiError {
    fn from(error: UnlinkError) -> Self {
        match error {
            UnlinkError::NotFound => Self::new(ErrorCode::NotFound),
            UnlinkError::LastSignInMethod => Self::new(ErrorCode::LastSignInMethod),
            UnlinkError::Fault(fault) => fault.into(),
        }
    }
}

impl From<KeyError> for ApiError {
    fn from(error: KeyError) -> Self {
        match error {
            KeyError::Unknown => Self::new(ErrorCode::Unauthorized),
            KeyError::Limited(limited) => limited.into(),
            KeyError::Fault(fault) => fault.into(),
        }
    }
}

impl From<EndpointError> for ApiError {
    fn from(error: EndpointError) -> Self {
        match error {
            EndpointError::Url(problem) => Self::validation_field("url", &problem.to_string()),
            EndpointError::DescriptionTooLong => Self::validation_field(
                "description",
                &format!("is longer than {MAX_DESCRIPTION} characters"),
            ),
            EndpointError::Fault(fault) => fault.into(),
        }
    }
}
