//! The error codes of the envelope: each one's HTTP status and its English and
//! Japanese message.

use actix_web::http::StatusCode;

use crate::i18n::Lang;

/// The contract's error codes. The code is for programs and never changes with
/// the language; the message is for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    ValidationError,
    EmailTaken,
    InvalidToken,
    InvalidPassword,
    InvalidCode,
    PasskeyFailed,
    Unauthorized,
    InvalidCredentials,
    TokenReused,
    OauthFailed,
    AccountNotLinked,
    LastSignInMethod,
    AccountDisabled,
    EmailNotVerified,
    Forbidden,
    ReauthenticationRequired,
    CsrfFailed,
    NotFound,
    MethodNotAllowed,
    PayloadTooLarge,
    RequestTimeout,
    UnsupportedMediaType,
    InvalidRequest,
    RateLimited,
    InternalError,
    ServiceUnavailable,
}

impl ErrorCode {
    /// Generic codes before specific ones: `for_status` takes the first match.
    pub const ALL: [ErrorCode; 26] = [
        Self::ValidationError,
        Self::Unauthorized,
        Self::Forbidden,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::PayloadTooLarge,
        Self::RequestTimeout,
        Self::UnsupportedMediaType,
        Self::InvalidRequest,
        Self::RateLimited,
        Self::InternalError,
        Self::ServiceUnavailable,
        Self::EmailTaken,
        Self::InvalidToken,
        Self::InvalidPassword,
        Self::InvalidCode,
        Self::PasskeyFailed,
        Self::InvalidCredentials,
        Self::TokenReused,
        Self::AccountDisabled,
        Self::CsrfFailed,
        Self::OauthFailed,
        Self::AccountNotLinked,
        Self::LastSignInMethod,
        Self::EmailNotVerified,
        Self::ReauthenticationRequired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ValidationError => "VALIDATION_ERROR",
            Self::EmailTaken => "EMAIL_TAKEN",
            Self::InvalidToken => "INVALID_TOKEN",
            Self::InvalidPassword => "INVALID_PASSWORD",
            Self::InvalidCode => "INVALID_CODE",
            Self::PasskeyFailed => "PASSKEY_FAILED",
            Self::Unauthorized => "UNAUTHORIZED",
            Self::InvalidCredentials => "INVALID_CREDENTIALS",
            Self::TokenReused => "TOKEN_REUSED",
            Self::OauthFailed => "OAUTH_FAILED",
            Self::AccountNotLinked => "ACCOUNT_NOT_LINKED",
            Self::LastSignInMethod => "LAST_SIGN_IN_METHOD",
            Self::EmailNotVerified => "EMAIL_NOT_VERIFIED",
            Self::AccountDisabled => "ACCOUNT_DISABLED",
            Self::Forbidden => "FORBIDDEN",
            Self::ReauthenticationRequired => "REAUTHENTICATION_REQUIRED",
            Self::CsrfFailed => "CSRF_FAILED",
            Self::NotFound => "NOT_FOUND",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::RequestTimeout => "REQUEST_TIMEOUT",
            Self::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Self::InvalidRequest => "INVALID_REQUEST",
            Self::RateLimited => "RATE_LIMITED",
            Self::InternalError => "INTERNAL_ERROR",
            Self::ServiceUnavailable => "SERVICE_UNAVAILABLE",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            Self::ValidationError
            | Self::EmailTaken
            | Self::InvalidToken
            | Self::InvalidPassword
            | Self::InvalidCode
            | Self::PasskeyFailed
            | Self::OauthFailed
            | Self::AccountNotLinked
            | Self::LastSignInMethod => StatusCode::BAD_REQUEST,
            Self::Unauthorized | Self::InvalidCredentials | Self::TokenReused => {
                StatusCode::UNAUTHORIZED
            }
            Self::AccountDisabled
            | Self::EmailNotVerified
            | Self::Forbidden
            | Self::ReauthenticationRequired
            | Self::CsrfFailed => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::InvalidRequest => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
            Self::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The code for a response the framework produced on its own (no handler error).
    pub fn for_status(status: StatusCode) -> Self {
        Self::ALL
            .into_iter()
            // The first code with this status; 400 is VALIDATION_ERROR, 401 UNAUTHORIZED.
            .find(|code| code.status() == status)
            .unwrap_or(if status.is_client_error() {
                Self::InvalidRequest
            } else {
                Self::InternalError
            })
    }

    pub fn message(self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.message_en(),
            Lang::Ja => self.message_ja(),
        }
    }

    fn message_en(self) -> &'static str {
        match self {
            Self::ValidationError => "Invalid input",
            Self::EmailTaken => "An account with this email already exists",
            Self::InvalidToken => "This link is invalid or has expired",
            Self::InvalidPassword => "The password is incorrect",
            Self::InvalidCode => "The code is not right, or it was already used",
            Self::PasskeyFailed => "The passkey could not be used; please try again",
            Self::Unauthorized => "Please sign in",
            Self::InvalidCredentials => "Incorrect email or password",
            Self::TokenReused => "This session has ended for your security; please sign in again",
            Self::OauthFailed => "Signing in with the provider failed; please try again",
            Self::AccountNotLinked => {
                "This email already has an account; sign in to it first, or use a provider that has verified the email"
            }
            Self::LastSignInMethod => {
                "This is your only way to sign in; set a password, add a passkey or link another provider first"
            }
            Self::AccountDisabled => "This account has been disabled",
            Self::EmailNotVerified => {
                "Please verify your email address with the link we mailed you (a new link goes out at most once a minute)"
            }
            Self::Forbidden => "You are not allowed to do this",
            Self::ReauthenticationRequired => {
                "Please sign in again to confirm it is you, then try again"
            }
            Self::CsrfFailed => "The request came from an origin that is not allowed",
            Self::NotFound => "Not found",
            Self::MethodNotAllowed => "Method not allowed",
            Self::PayloadTooLarge => "The request body is too large (limit 64 KiB)",
            Self::RequestTimeout => "The request body did not arrive in time",
            Self::UnsupportedMediaType => {
                "The request body must be JSON (Content-Type: application/json)"
            }
            Self::InvalidRequest => "The request body is not valid JSON",
            Self::RateLimited => "Too many attempts; please try again later",
            Self::InternalError => "Something went wrong on our side",
            Self::ServiceUnavailable => "The service is temporarily unavailable",
        }
    }

    fn message_ja(self) -> &'static str {
        match self {
            Self::ValidationError => "入力内容が正しくありません",
            Self::EmailTaken => "このメールアドレスは既に登録されています",
            Self::InvalidToken => "このリンクは無効か、有効期限が切れています",
            Self::InvalidPassword => "パスワードが正しくありません",
            Self::InvalidCode => "コードが正しくないか、すでに使われています",
            Self::PasskeyFailed => "パスキーを使えませんでした。もう一度お試しください",
            Self::Unauthorized => "ログインしてください",
            Self::InvalidCredentials => "メールアドレスまたはパスワードが正しくありません",
            Self::TokenReused => "安全のためセッションを終了しました。もう一度ログインしてください",
            Self::OauthFailed => "外部サービスでのログインに失敗しました。もう一度お試しください",
            Self::AccountNotLinked => {
                "このメールアドレスのアカウントが既にあります。先にそのアカウントでログインするか、メールアドレスを確認済みのサービスをご利用ください"
            }
            Self::LastSignInMethod => {
                "これが唯一のログイン方法です。先にパスワードを設定するか、パスキーを追加するか、別のサービスを連携してください"
            }
            Self::AccountDisabled => "このアカウントは無効化されています",
            Self::EmailNotVerified => {
                "メールアドレスの確認が必要です。メールのリンクを開いてください（新しいリンクの送信は1分に1回までです）"
            }
            Self::Forbidden => "この操作は許可されていません",
            Self::ReauthenticationRequired => {
                "本人確認のため、もう一度ログインしてから操作してください"
            }
            Self::CsrfFailed => "許可されていないオリジンからのリクエストです",
            Self::NotFound => "見つかりません",
            Self::MethodNotAllowed => "このメソッドは使用できません",
            Self::PayloadTooLarge => "リクエスト本文が大きすぎます（上限 64 KiB）",
            Self::RequestTimeout => "リクエスト本文が時間内に届きませんでした",
            Self::UnsupportedMediaType => {
                "リクエスト本文は JSON（Content-Type: application/json）で送ってください"
            }
            Self::InvalidRequest => "リクエスト本文が正しい JSON ではありません",
            Self::RateLimited => "試行回数が多すぎます。しばらくしてから再度お試しください",
            Self::InternalError => "サーバーでエラーが発生しました",
            Self::ServiceUnavailable => "現在サービスを利用できません",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framework_statuses_get_generic_codes() {
        let cases = [
            (400, ErrorCode::ValidationError),
            (401, ErrorCode::Unauthorized),
            (403, ErrorCode::Forbidden),
            (404, ErrorCode::NotFound),
            (405, ErrorCode::MethodNotAllowed),
            (408, ErrorCode::RequestTimeout),
            (413, ErrorCode::PayloadTooLarge),
            (415, ErrorCode::UnsupportedMediaType),
            (422, ErrorCode::InvalidRequest),
            (429, ErrorCode::RateLimited),
            (500, ErrorCode::InternalError),
            (502, ErrorCode::InternalError),
            (503, ErrorCode::ServiceUnavailable),
        ];
        for (status, code) in cases {
            let status = StatusCode::from_u16(status).unwrap();
            assert_eq!(ErrorCode::for_status(status), code, "{status}");
        }
    }

    #[test]
    fn every_code_has_both_messages() {
        for code in ErrorCode::ALL {
            assert!(!code.message(Lang::En).is_empty());
            assert_ne!(code.message(Lang::En), code.message(Lang::Ja), "{code}");
        }
    }
}
