//! What webhooks announce: the contract's event types, which audited change is which,
//! and why a session ended.

use super::AuditEvent;
use super::string_enum::string_enum;

string_enum! {
    /// A webhook event's `type`.
    pub enum WebhookEventType {
        UserCreated = "user.created",
        UserUpdated = "user.updated",
        UserEmailVerified = "user.email_verified",
        /// Withdrawn, or deleted by an operator.
        UserDeleted = "user.deleted",
        UserBanned = "user.banned",
        UserUnbanned = "user.unbanned",
        UserPasswordChanged = "user.password_changed",
        UserTwoFactorEnabled = "user.two_factor_enabled",
        UserTwoFactorDisabled = "user.two_factor_disabled",
        UserPasskeyAdded = "user.passkey_added",
        UserPasskeyRemoved = "user.passkey_removed",
        SessionCreated = "session.created",
        SessionRevoked = "session.revoked",
    }
}

impl WebhookEventType {
    /// The event an audited change announces, if any. Session events are not here:
    /// they are announced where sessions are written, which knows their ids.
    pub fn of(event: &AuditEvent) -> Option<Self> {
        use AuditEvent as A;
        Some(match event {
            A::UserSignup { .. } | A::AdminUserCreated { .. } | A::AdminCreated { .. } => {
                Self::UserCreated
            }
            A::AdminRoleChanged { .. }
            | A::AdminPromoted { .. }
            | A::AdminUserUpdated { .. }
            | A::UserProfileUpdated { .. }
            | A::UserEmailChanged { .. } => Self::UserUpdated,
            A::UserEmailVerified => Self::UserEmailVerified,
            A::UserWithdrawn | A::AdminUserDeleted => Self::UserDeleted,
            A::AdminUserDisabled { .. } => Self::UserBanned,
            A::AdminUserEnabled | A::UserBanEnded { .. } => Self::UserUnbanned,
            A::UserPasswordChanged | A::UserPasswordReset | A::AdminPasswordSet { .. } => {
                Self::UserPasswordChanged
            }
            A::UserTwoFactorEnabled => Self::UserTwoFactorEnabled,
            A::UserTwoFactorDisabled | A::AdminTwoFactorReset => Self::UserTwoFactorDisabled,
            A::UserPasskeyAdded { .. } => Self::UserPasskeyAdded,
            A::UserPasskeyRemoved { .. } | A::AdminPasskeyDeleted { .. } => {
                Self::UserPasskeyRemoved
            }
            _ => return None,
        })
    }

    /// Whether an endpoint subscribed to `types` (comma-separated, empty for all)
    /// wants this event.
    pub fn wanted_by(self, types: &str) -> bool {
        types.trim().is_empty() || types.split(',').any(|t| t.trim() == self.as_str())
    }
}

string_enum! {
    /// Why a session ended: `session.revoked`'s `reason`.
    pub enum SessionEndReason {
        /// The user signed out of it.
        SignedOut = "signed_out",
        /// The user ended it from another session.
        RevokedByUser = "revoked_by_user",
        /// An operator (or a management key) ended it.
        RevokedByOperator = "revoked_by_operator",
        Banned = "banned",
        /// The operator's role was taken away (panel sessions end with it).
        Demoted = "demoted",
        PasswordChanged = "password_changed",
        PasswordReset = "password_reset",
        TwoFactorReset = "two_factor_reset",
        /// A passkey was removed and the sessions it signed in ended with it.
        PasskeyRemoved = "passkey_removed",
        /// The account was withdrawn or deleted.
        UserDeleted = "user_deleted",
        /// Someone proved the address and took the account over.
        AccountReclaimed = "account_reclaimed",
        /// A spent refresh token came back: the session may be stolen.
        RefreshTokenReused = "refresh_token_reused",
        /// The user has more sessions than allowed: the least recently used ends.
        SessionLimit = "session_limit",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_name_types_or_take_all() {
        assert!(WebhookEventType::UserCreated.wanted_by(""));
        assert!(WebhookEventType::UserCreated.wanted_by("session.created, user.created"));
        assert!(!WebhookEventType::UserCreated.wanted_by("user.created_x,session.created"));
    }

    #[test]
    fn sign_ins_are_announced_by_their_session_not_their_audit_entry() {
        assert_eq!(WebhookEventType::of(&AuditEvent::AdminLogin), None);
        assert_eq!(
            WebhookEventType::of(&AuditEvent::UserWithdrawn),
            Some(WebhookEventType::UserDeleted)
        );
    }
}
