//! What the audit log records: one event type, each kind with its typed details. The
//! kind is the entry's `action` (`user.login`); the details are stored as JSON in
//! `details` and read back into the same type, so the panel shows them field by field
//! in the operator's language and the webhooks to come publish them as they are.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::string_enum::string_enum;
use super::{BanReason, Role, SecondFactor, SignInMethod, SigningAlgorithm};

/// Declares `AuditAction` (the kinds, as stored) and `AuditEvent` (a kind with its
/// details), from one list: a kind cannot exist in one and not the other.
macro_rules! audit_events {
    ($(
        $(#[$vmeta:meta])*
        $variant:ident = $text:literal $({ $($(#[$fmeta:meta])* $field:ident : $ty:ty),* $(,)? })?,
    )+) => {
        string_enum! {
            /// An audit entry's `action`: the kind of an `AuditEvent`.
            pub enum AuditAction { $($(#[$vmeta])* $variant = $text,)+ }
        }

        /// An audit event with its details.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "action", content = "details", deny_unknown_fields)]
        pub enum AuditEvent {
            $(
                $(#[$vmeta])*
                #[serde(rename = $text)]
                $variant $({ $($(#[$fmeta])* $field: $ty),* })?,
            )+
        }

        impl AuditEvent {
            /// The names of every kind's detail fields (a field of a nested detail,
            /// like `PasskeyRemoval`'s, is not among them).
            pub const DETAIL_FIELDS: &'static [&'static str] =
                &[$($($(stringify!($field),)*)?)+];

            pub fn action(&self) -> AuditAction {
                match self { $(Self::$variant { .. } => AuditAction::$variant,)+ }
            }
        }
    };
}

audit_events! {
    UserSignup = "user.signup" { method: SignInMethod },
    UserLogin = "user.login" {
        method: SignInMethod,
        /// The passkey's name when one signed in.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        passkey_name: Option<String>,
    },
    UserTokenIssued = "user.token_issued" { method: SignInMethod },
    /// The user signed out of session `session`.
    UserLogout = "user.logout" { session: String },
    /// The user ended one of their other sessions.
    UserSessionRevoked = "user.session_revoked" { session: String },
    /// The user ended every session but the one they asked from.
    UserOtherSessionsRevoked = "user.other_sessions_revoked" { kept: String, ended: u64 },
    UserPasswordChanged = "user.password_changed",
    UserPasswordResetRequested = "user.password_reset_requested",
    UserPasswordReset = "user.password_reset",
    UserEmailVerified = "user.email_verified",
    UserAccountLinked = "user.account_linked" { provider: String },
    UserAccountUnlinked = "user.account_unlinked" { provider: String },
    /// The owner of an address, vouched for by a provider, took over the account
    /// someone had made with it without proving it.
    UserAccountReclaimed = "user.account_reclaimed" { provider: String, removed: Removed },
    UserWithdrawn = "user.withdrawn",
    /// The user changed their own name or picture (the names of the fields).
    UserProfileUpdated = "user.profile_updated" { fields: Vec<String> },
    /// A link to confirm a new address went to it; the address is unchanged yet.
    UserEmailChangeRequested = "user.email_change_requested" { new_email: String },
    /// The link was opened: the account's address is the new one (the entry's email),
    /// verified.
    UserEmailChanged = "user.email_changed" { previous_email: String },
    SessionRefreshTokenReused = "session.refresh_token_reused",
    AdminCreated = "admin.created" { email: String },
    AdminPromoted = "admin.promoted" { email: String },
    AdminPasswordSet = "admin.password_set" { email: String },
    AdminLogin = "admin.login",
    AdminLoginFailed = "admin.login_failed",
    AdminLoginRefused = "admin.login_refused",
    AdminLogout = "admin.logout",
    AdminUserDisabled = "admin.user_disabled" {
        reason: BanReason,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until: Option<DateTime<Utc>>,
    },
    AdminUserEnabled = "admin.user_enabled",
    AdminUserDeleted = "admin.user_deleted",
    AdminSessionsRevoked = "admin.sessions_revoked",
    AdminSessionRevoked = "admin.session_revoked",
    AdminVerificationResent = "admin.verification_resent",
    AdminInvitationResent = "admin.invitation_resent",
    AdminRoleChanged = "admin.role_changed" { role: Role },
    AdminUserCreated = "admin.user_created" { role: Role },
    /// The management API changed these of the user's fields (`name`, `role`,
    /// `emailVerified`).
    AdminUserUpdated = "admin.user_updated" { fields: Vec<String> },
    AdminAuditExported = "admin.audit_exported" {
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        action: String,
        rows: u64,
    },
    UserBanEnded = "user.ban_ended" { email: String },
    UserTwoFactorEnabled = "user.two_factor_enabled",
    UserTwoFactorDisabled = "user.two_factor_disabled",
    UserRecoveryCodeUsed = "user.recovery_code_used",
    UserRecoveryCodesRenewed = "user.recovery_codes_renewed",
    /// A wrong second-factor code or recovery code.
    UserSecondFactorFailed = "user.second_factor_failed" { step: CodeStep, factor: SecondFactor },
    AdminTwoFactorReset = "admin.two_factor_reset",
    UserPasskeyAdded = "user.passkey_added" {
        passkey: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    UserPasskeyRenamed = "user.passkey_renamed" {
        passkey: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    UserPasskeyRemoved = "user.passkey_removed" { removal: PasskeyRemoval },
    /// A passkey answered with a signature counter at or below the stored one:
    /// refused, since the authenticator may have been cloned.
    UserPasskeyCounterRegressed = "user.passkey_counter_regressed" { passkey: String },
    AdminPasskeyDeleted = "admin.passkey_deleted" { removal: PasskeyRemoval },
    /// A JWT signing key was made: published now, signing from `signs_from`.
    KeySigningKeyAdded = "key.signing_key_added" {
        kid: String,
        algorithm: SigningAlgorithm,
        signs_from: DateTime<Utc>,
    },
    /// A superseded signing key was deleted: the last token it signed has expired.
    KeySigningKeyRetired = "key.signing_key_retired" { kid: String },
    /// `sekisho keys reseal`: values sealed under a previous SECRET_KEY sealed anew
    /// under the current one.
    KeySecretsResealed = "key.secrets_resealed" { resealed: u64 },
    KeyManagementKeyCreated = "key.management_key_created" {
        name: String,
        scopes: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expires: Option<DateTime<Utc>>,
    },
    KeyManagementKeyRevoked = "key.management_key_revoked" { name: String },
    WebhookEndpointCreated = "webhook.endpoint_created" { endpoint: String, url: String },
    WebhookEndpointDeleted = "webhook.endpoint_deleted" { endpoint: String, url: String },
    WebhookEndpointEnabled = "webhook.endpoint_enabled" { endpoint: String, url: String },
    /// By an operator, or by Sekisho after five days of failures (`reason` says which).
    WebhookEndpointDisabled = "webhook.endpoint_disabled" {
        endpoint: String,
        url: String,
        reason: String,
    },
    WebhookDeliveryResent = "webhook.delivery_resent" { endpoint: String, event: String },
}

impl AuditAction {
    /// The actions that count as a sign-in on the dashboard.
    pub const SIGN_INS: [AuditAction; 3] = [
        AuditAction::UserLogin,
        AuditAction::UserTokenIssued,
        AuditAction::AdminLogin,
    ];
}

impl AuditEvent {
    /// The details as stored: a JSON object, or None for a kind without details.
    pub fn details_json(&self) -> Option<String> {
        /// The serialized event's details, as written: the fields in the order they
        /// are declared (a `Value` would sort them).
        #[derive(Deserialize)]
        struct Tagged<'a> {
            #[serde(borrow)]
            details: Option<&'a serde_json::value::RawValue>,
        }
        let tagged = serde_json::to_string(self).ok()?;
        let parsed: Tagged<'_> = serde_json::from_str(&tagged).ok()?;
        parsed.details.map(|raw| raw.get().to_owned())
    }

    /// The event an entry records, when its details are this kind's (entries written
    /// before details were typed, and not converted, are None).
    pub fn read(action: &str, details: Option<&str>) -> Option<Self> {
        let mut tagged = serde_json::Map::new();
        tagged.insert("action".into(), action.into());
        if let Some(details) = details {
            tagged.insert("details".into(), serde_json::from_str(details).ok()?);
        }
        serde_json::from_value(serde_json::Value::Object(tagged)).ok()
    }
}

string_enum! {
    /// What an audit entry's `target_id` names.
    pub enum AuditTarget {
        User = "user",
        Session = "session",
    }
}

string_enum! {
    /// Where a second-factor code was asked.
    pub enum CodeStep {
        /// The sign-in's second step.
        SignIn = "sign_in",
        /// A signed-in user proving it is them before changing the factor.
        Proof = "proof",
    }
}

/// What a removed passkey was, and the sessions its removal ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasskeyRemoval {
    pub passkey: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// None in entries from before removals ended sessions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sessions_ended: Option<u64>,
}

/// What a takeover removed from the account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Removed {
    pub password: bool,
    pub second_factor: bool,
    pub sessions: u64,
    pub passkeys: u64,
    pub identities: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::FirstFactor;

    #[test]
    fn every_spelling_reads_back_and_none_repeats() {
        let mut seen = std::collections::HashSet::new();
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(*action));
            assert!(seen.insert(action.as_str()), "{action} twice");
        }
        assert_eq!(AuditAction::parse("user.nothing"), None);
    }

    #[test]
    fn events_read_back_from_what_is_stored() {
        let events = [
            AuditEvent::UserLogin {
                method: SignInMethod::only(FirstFactor::Passkey),
                passkey_name: Some("Laptop".into()),
            },
            AuditEvent::UserWithdrawn,
            AuditEvent::AdminUserDisabled {
                reason: BanReason::Spam,
                until: None,
            },
            AuditEvent::UserPasskeyRemoved {
                removal: PasskeyRemoval {
                    passkey: "p1".into(),
                    name: Some("Phone".into()),
                    sessions_ended: Some(2),
                },
            },
        ];
        for event in events {
            let details = event.details_json();
            assert_eq!(
                AuditEvent::read(event.action().as_str(), details.as_deref()),
                Some(event.clone()),
                "{details:?}"
            );
        }
        assert_eq!(AuditEvent::UserWithdrawn.details_json(), None);
        assert_eq!(
            AuditEvent::UserAccountLinked {
                provider: "google".into()
            }
            .details_json()
            .as_deref(),
            Some(r#"{"provider":"google"}"#)
        );
    }

    #[test]
    fn details_of_another_shape_are_not_read() {
        assert_eq!(
            AuditEvent::read("user.login", Some("provider=google")),
            None
        );
        assert_eq!(
            AuditEvent::read("user.login", Some(r#"{"method":"sms"}"#)),
            None
        );
        assert_eq!(AuditEvent::read("user.nothing", None), None);
    }
}
