//! What the audit log records, one variant per kind of event.

use super::string_enum::string_enum;

string_enum! {
    /// An audit entry's `action`.
    pub enum AuditAction {
        UserSignup = "user.signup",
        UserLogin = "user.login",
        UserTokenIssued = "user.token_issued",
        UserPasswordChanged = "user.password_changed",
        UserPasswordResetRequested = "user.password_reset_requested",
        UserPasswordReset = "user.password_reset",
        UserEmailVerified = "user.email_verified",
        UserAccountLinked = "user.account_linked",
        UserAccountUnlinked = "user.account_unlinked",
        /// The owner of an address, vouched for by a provider, took over the account
        /// someone had made with it without proving it; what was removed is in the
        /// details.
        UserAccountReclaimed = "user.account_reclaimed",
        UserWithdrawn = "user.withdrawn",
        SessionRefreshTokenReused = "session.refresh_token_reused",
        AdminCreated = "admin.created",
        AdminPromoted = "admin.promoted",
        AdminPasswordSet = "admin.password_set",
        AdminLogin = "admin.login",
        AdminLoginFailed = "admin.login_failed",
        AdminLoginRefused = "admin.login_refused",
        AdminLogout = "admin.logout",
        AdminUserDisabled = "admin.user_disabled",
        AdminUserEnabled = "admin.user_enabled",
        AdminUserDeleted = "admin.user_deleted",
        AdminSessionsRevoked = "admin.sessions_revoked",
        AdminSessionRevoked = "admin.session_revoked",
        AdminVerificationResent = "admin.verification_resent",
        AdminRoleChanged = "admin.role_changed",
        AdminUserCreated = "admin.user_created",
        AdminAuditExported = "admin.audit_exported",
        UserBanEnded = "user.ban_ended",
        UserTwoFactorEnabled = "user.two_factor_enabled",
        UserTwoFactorDisabled = "user.two_factor_disabled",
        UserRecoveryCodeUsed = "user.recovery_code_used",
        UserRecoveryCodesRenewed = "user.recovery_codes_renewed",
        /// A wrong second-factor code or recovery code (`step=sign-in` or `step=proof`,
        /// and which kind).
        UserSecondFactorFailed = "user.second_factor_failed",
        AdminTwoFactorReset = "admin.two_factor_reset",
        UserPasskeyAdded = "user.passkey_added",
        UserPasskeyRenamed = "user.passkey_renamed",
        UserPasskeyRemoved = "user.passkey_removed",
        /// A passkey answered with a signature counter at or below the stored one:
        /// refused, since the authenticator may have been cloned.
        UserPasskeyCounterRegressed = "user.passkey_counter_regressed",
        AdminPasskeyDeleted = "admin.passkey_deleted",
    }
}

impl AuditAction {
    /// The actions that count as a sign-in on the dashboard.
    pub const SIGN_INS: [AuditAction; 3] = [
        AuditAction::UserLogin,
        AuditAction::UserTokenIssued,
        AuditAction::AdminLogin,
    ];
}

#[cfg(test)]
mod tests {
    use super::AuditAction;

    #[test]
    fn every_spelling_reads_back_and_none_repeats() {
        let mut seen = std::collections::HashSet::new();
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(*action));
            assert!(seen.insert(action.as_str()), "{action} twice");
        }
        assert_eq!(AuditAction::parse("user.nothing"), None);
    }
}
