//! Who may try how often, in one place: the limits of the endpoints that cost a
//! password hash or send mail, per client IP and per account (both in the database,
//! shared by every instance), and the check-then-record sequences that apply them.

use std::net::IpAddr;
use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};

use super::ip_limiter::IpLimiter;
use crate::db::throttles::{self, Policy, Status, Turn};
use crate::db::{DbConnection, Pool, sessions};
use crate::domain::Email;
use crate::failure::{Fault, LimitError, Limited};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// /login, /token and the panel's login share one budget: each checks a password.
    Login,
    Signup,
    ForgotPassword,
    ResetPassword,
    /// Asking for a verification mail (send-verification-email).
    VerificationMail,
    /// Presenting a verification token (verify-email).
    VerifyEmail,
    /// Starting a social sign-in, and the provider's redirect back.
    SocialSignIn,
    /// Re-entering the password before a sensitive change (change-password, withdraw).
    ConfirmPassword,
    /// Asking for passkey sign-in options (every login page load, with autofill).
    PasskeyOptions,
    /// Answering them.
    PasskeySignIn,
    /// A management key that is no live key (a guess): only failures are counted.
    ManagementKeyGuess,
    /// Asking for a sign-in mail (sign-in/email).
    EmailSignIn,
    /// Presenting its link or code (sign-in/email/verify).
    EmailSignInVerify,
}

impl Action {
    /// The action's name in its per-IP counter's key.
    pub fn name(self) -> &'static str {
        match self {
            Action::Login => "login",
            Action::Signup => "signup",
            Action::ForgotPassword => "forgot",
            Action::ResetPassword => "reset",
            Action::VerificationMail => "verify-mail",
            Action::VerifyEmail => "verify",
            Action::SocialSignIn => "social",
            Action::ConfirmPassword => "confirm",
            Action::PasskeyOptions => "passkey-options",
            Action::PasskeySignIn => "passkey",
            Action::ManagementKeyGuess => "management-key",
            Action::EmailSignIn => "email-sign-in",
            Action::EmailSignInVerify => "email-sign-in-verify",
        }
    }

    /// Requests per client IP within a window, across every instance.
    pub fn per_ip(self) -> (u32, TimeDelta) {
        match self {
            Action::Login => (30, TimeDelta::minutes(5)),
            Action::Signup => (10, TimeDelta::hours(1)),
            Action::ForgotPassword => (10, TimeDelta::hours(1)),
            Action::ResetPassword => (30, TimeDelta::hours(1)),
            Action::VerificationMail => (10, TimeDelta::hours(1)),
            Action::VerifyEmail => (30, TimeDelta::hours(1)),
            // A start and a callback per sign-in: 30 sign-ins per 5 minutes, as login.
            Action::SocialSignIn => (60, TimeDelta::minutes(5)),
            Action::ConfirmPassword => (30, TimeDelta::minutes(5)),
            // A login page asks for options as it loads (autofill), so an office behind
            // one address asks often; options cost a row and no hashing.
            Action::PasskeyOptions => (300, TimeDelta::minutes(5)),
            // An answer costs a signature check, not an argon2 hash: twice login's.
            Action::PasskeySignIn => (60, TimeDelta::minutes(5)),
            // Wrong keys from one address, as wrong passwords are limited: a backend
            // with a right key never counts here.
            Action::ManagementKeyGuess => (30, TimeDelta::minutes(5)),
            // As forgot-password: each request may send a mail.
            Action::EmailSignIn => (10, TimeDelta::hours(1)),
            // Links and codes tried from one address, whatever the addresses they are
            // for: a guesser of six-digit codes gets 30 tries an hour.
            Action::EmailSignInVerify => (30, TimeDelta::hours(1)),
        }
    }
}

/// No window of any limit is longer: a throttle row whose window began before that
/// (and that blocks nothing) counts for nothing and is purged.
pub const LONGEST_WINDOW: TimeDelta = TimeDelta::hours(1);

/// Password checks for one account from one client IP: each is counted before the
/// hash (so parallel attempts cannot all slip past the check), a success forgets
/// them, and the fifth within 15 minutes blocks that client, and only it, for the
/// rest of the window.
const LOGIN_PER_CLIENT: Policy = Policy {
    max_attempts: Some(5),
    window: TimeDelta::minutes(15),
};

/// Wrong passwords for one account from every client: counted, never a block (that
/// would lock the owner out). From `DELAY_FROM` on, checks from addresses the
/// account never signed in from take turns, `login_delay` apart across every
/// instance; an attempt whose turn is more than `MAX_WAIT` away is refused.
const LOGIN_PER_ACCOUNT: Policy = Policy {
    max_attempts: None,
    window: TimeDelta::minutes(15),
};
const DELAY_FROM: i64 = 10;
const FIRST_DELAY: Duration = Duration::from_millis(250);
const MAX_DELAY: Duration = Duration::from_secs(5);
const MAX_WAIT: TimeDelta = TimeDelta::seconds(5);

/// Sign-ups of one address within an hour.
const SIGNUP_PER_ADDRESS: Policy = Policy {
    max_attempts: Some(5),
    window: TimeDelta::hours(1),
};

/// Reset or verification mails to one address: one of each a minute. Not a refusal: a
/// request within the minute is answered as usual and sends nothing, since the mail
/// already sent went to the owner's inbox, whoever asked for it.
const MAIL_PER_ADDRESS: Policy = Policy {
    max_attempts: Some(1),
    window: TimeDelta::minutes(1),
};

/// Wrong confirmation passwords within one session.
const CONFIRM_PER_SESSION: Policy = Policy {
    max_attempts: Some(5),
    window: TimeDelta::minutes(15),
};

/// The wait before checking a password of an account that has had `failures` wrong
/// ones within the window, from anyone: 0.25 s at the tenth, doubling, at most 5 s.
pub fn login_delay(failures: i64) -> Duration {
    if failures < DELAY_FROM {
        return Duration::ZERO;
    }
    let doublings = u32::try_from(failures - DELAY_FROM)
        .unwrap_or(u32::MAX)
        .min(16);
    FIRST_DELAY.saturating_mul(1 << doublings).min(MAX_DELAY)
}

fn login_account_key(email: &str) -> String {
    format!("login:{email}")
}

fn login_turn_key(email: &str) -> String {
    format!("login-turn:{email}")
}

fn login_client_key(email: &str, ip: Option<IpAddr>, ipv6_prefix: u8) -> String {
    match ip {
        Some(ip) => format!("login:{email}:{}", limit_subject(ip, ipv6_prefix)),
        None => format!("login:{email}:unknown"),
    }
}

/// The limits of one server; `RATE_LIMIT_ENABLED=false` turns them off (benchmarks).
pub struct Throttle {
    enabled: bool,
    ipv6_prefix: u8,
    per_ip: IpLimiter,
}

/// The address limits count against: an IPv4 address itself, an IPv6 address's
/// network of `ipv6_prefix` bits (one subscriber usually holds a whole /64, so a
/// fresh address per attempt would otherwise be a fresh budget), an IPv4-mapped IPv6
/// address as the IPv4 address it is.
pub fn limit_subject(ip: IpAddr, ipv6_prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => ipnet::Ipv6Net::new(v6, ipv6_prefix.min(128))
                .map_or(ip, |net| IpAddr::V6(net.network())),
        },
    }
}

impl Throttle {
    pub fn new(enabled: bool, ipv6_prefix: u8) -> Self {
        Self {
            enabled,
            ipv6_prefix,
            per_ip: IpLimiter::default(),
        }
    }

    /// Counts one request of `action` from `ip`: 429 once the IP's budget is spent.
    pub async fn check_ip(
        &self,
        pool: &Pool,
        action: Action,
        ip: Option<IpAddr>,
    ) -> Result<(), LimitError> {
        let (Some(ip), true) = (ip, self.enabled) else {
            return Ok(());
        };
        let (max, window) = action.per_ip();
        let subject = limit_subject(ip, self.ipv6_prefix);
        self.per_ip.count(pool, action, subject, max, window).await
    }

    /// Gives back the request of `action` that `ip` was just counted for: it was
    /// refused before any work (an account's pacing), and a refusal is not charged.
    pub async fn refund_ip(&self, pool: &Pool, action: Action, ip: Option<IpAddr>) {
        let (Some(ip), true) = (ip, self.enabled) else {
            return;
        };
        let subject = limit_subject(ip, self.ipv6_prefix);
        if let Err(e) = self.per_ip.refund(pool, action, subject).await {
            log::warn!("a refused attempt could not be refunded: {e}");
        }
    }

    /// 429 when this instance already knows `ip` to be out of `action`'s budget, without
    /// touching the database (for answers that must not wait for it).
    pub fn refuse_known_block(&self, action: Action, ip: Option<IpAddr>) -> Result<(), LimitError> {
        match (ip, self.enabled) {
            (Some(ip), true) => self
                .per_ip
                .refuse_known_block(action, limit_subject(ip, self.ipv6_prefix)),
            _ => Ok(()),
        }
    }

    /// The per-account half, as a value that database work can take along.
    pub fn accounts(&self) -> AccountLimits {
        AccountLimits {
            enabled: self.enabled,
            ipv6_prefix: self.ipv6_prefix,
        }
    }
}

/// The mails an address can be sent on anyone's request.
#[derive(Debug, Clone, Copy)]
pub enum MailKind {
    Reset,
    Verification,
    EmailChange,
    SignIn,
}

/// Per-account limits, applied inside database work.
#[derive(Debug, Clone, Copy)]
pub struct AccountLimits {
    enabled: bool,
    ipv6_prefix: u8,
}

impl AccountLimits {
    /// Whether limits are on (RATE_LIMIT_ENABLED): off, there is nothing to count or
    /// forget, and no database round trip for it.
    pub fn enabled(self) -> bool {
        self.enabled
    }

    /// Sign-ups: refused while the address is blocked, else counted.
    pub fn count_signup(
        self,
        conn: &mut DbConnection,
        email: &Email,
        now: NaiveDateTime,
    ) -> Result<(), LimitError> {
        if !self.enabled {
            return Ok(());
        }
        let key = format!("signup:{}", email.as_str());
        refuse_if_blocked(conn, &key, SIGNUP_PER_ADDRESS, now)?;
        throttles::record_attempt(conn, &key, SIGNUP_PER_ADDRESS, now)?;
        Ok(())
    }

    /// Whether a mail of `kind` may go to `email` now: the first request of the minute
    /// may. Counting is one atomic increment, so of racing requests exactly one may.
    pub fn mail_allowed(
        self,
        conn: &mut DbConnection,
        kind: MailKind,
        email: &str,
        now: NaiveDateTime,
    ) -> Result<bool, Fault> {
        if !self.enabled {
            return Ok(true);
        }
        let prefix = match kind {
            MailKind::Reset => "forgot",
            MailKind::Verification => "verify-mail",
            MailKind::EmailChange => "change-email",
            MailKind::SignIn => "sign-in-mail",
        };
        let key = format!("{prefix}:{email}");
        let recorded = throttles::record_attempt(conn, &key, MAIL_PER_ADDRESS, now)?;
        Ok(recorded.attempts == 1)
    }

    /// Before a password or code check of `email` (whose account is `user_id`, if
    /// any): refuses a client this account has blocked; when the account is under
    /// attack and this address never signed in to it, takes the account's next turn
    /// (429 when that is too far away); then counts the attempt against this client
    /// (429 when it is one too many). An attempt refused for want of a turn is not
    /// counted: the owner trying from a new device while strangers flood the account
    /// is kept waiting, not blocked for the rest of the window. Returns how long to
    /// wait for the turn.
    pub fn check_login(
        self,
        conn: &mut DbConnection,
        email: &Email,
        user_id: Option<&str>,
        ip: Option<IpAddr>,
        now: NaiveDateTime,
    ) -> Result<Duration, LimitError> {
        if !self.enabled {
            return Ok(Duration::ZERO);
        }
        let email = email.as_str();
        let client_key = login_client_key(email, ip, self.ipv6_prefix);
        refuse_if_blocked(conn, &client_key, LOGIN_PER_CLIENT, now)?;
        let account = throttles::status(
            conn,
            &login_account_key(email),
            LOGIN_PER_ACCOUNT.window,
            now,
        )?;
        let account_failures = match account {
            Status::Counting(n) => n,
            _ => 0,
        };
        let spacing = login_delay(account_failures);
        let mut delay = Duration::ZERO;
        if !spacing.is_zero() && !signed_in_from(conn, user_id, ip)? {
            let spacing = TimeDelta::from_std(spacing).unwrap_or(MAX_WAIT);
            match throttles::take_turn(conn, &login_turn_key(email), spacing, MAX_WAIT, now)? {
                Turn::StartsAt(at) => delay = (at - now).to_std().unwrap_or_default(),
                Turn::Full(retry) => return Err(rate_limited(retry)),
            }
        }
        count_attempt(conn, &client_key, LOGIN_PER_CLIENT, now)?;
        Ok(delay)
    }

    /// Before a second-factor code is checked outside a sign-in's challenge (the
    /// signed-in user proving it is them with a code): counts the attempt against
    /// this client of the account and against the session, 429 when either is one too
    /// many. Counted before the check, so that parallel guesses cannot all slip past.
    pub fn count_code_attempt(
        self,
        conn: &mut DbConnection,
        email: &Email,
        ip: Option<IpAddr>,
        session_id: &str,
        now: NaiveDateTime,
    ) -> Result<(), LimitError> {
        if !self.enabled {
            return Ok(());
        }
        count_attempt(
            conn,
            &login_client_key(email.as_str(), ip, self.ipv6_prefix),
            LOGIN_PER_CLIENT,
            now,
        )?;
        count_attempt(conn, &confirm_key(session_id), CONFIRM_PER_SESSION, now)
    }

    /// Gives back the attempt `check_login` counted for this client when the password
    /// was then never checked (the hashing queue turned it away).
    pub fn refund_login(
        self,
        conn: &mut DbConnection,
        email: &Email,
        ip: Option<IpAddr>,
    ) -> Result<(), Fault> {
        if self.enabled {
            throttles::refund(
                conn,
                &login_client_key(email.as_str(), ip, self.ipv6_prefix),
            )?;
        }
        Ok(())
    }

    /// A wrong password: the account's count (the client's was taken before the hash).
    pub fn record_failed_login(
        self,
        conn: &mut DbConnection,
        email: &Email,
        now: NaiveDateTime,
    ) -> Result<(), Fault> {
        if self.enabled {
            throttles::record_attempt(
                conn,
                &login_account_key(email.as_str()),
                LOGIN_PER_ACCOUNT,
                now,
            )?;
        }
        Ok(())
    }

    /// After a successful login: the client's attempts are forgotten. The account's
    /// failures are not: they were strangers' guesses, and forgetting them at the
    /// owner's sign-in would hand the guessers ten free attempts.
    pub fn forget_failed_logins(
        self,
        conn: &mut DbConnection,
        email: &str,
        ip: Option<IpAddr>,
    ) -> Result<(), Fault> {
        throttles::clear(conn, &login_client_key(email, ip, self.ipv6_prefix))?;
        Ok(())
    }

    /// `forget_failed_logins`, a no-op when limits are off.
    pub fn forget_failed_logins_if_enabled(
        self,
        conn: &mut DbConnection,
        email: &str,
        ip: Option<IpAddr>,
    ) -> Result<(), Fault> {
        if self.enabled {
            self.forget_failed_logins(conn, email, ip)?;
        }
        Ok(())
    }

    /// After a completed reset: every failure on the account, from every client.
    pub fn forget_all_failed_logins(
        self,
        conn: &mut DbConnection,
        email: &str,
    ) -> Result<(), Fault> {
        throttles::clear(conn, &login_account_key(email))?;
        throttles::clear(conn, &login_turn_key(email))?;
        throttles::clear_prefix(conn, &format!("{}:", login_account_key(email)))?;
        Ok(())
    }

    /// Before a confirmation password is checked: 429 once the session has had too
    /// many wrong ones.
    pub fn check_confirmation(
        self,
        conn: &mut DbConnection,
        session_id: &str,
        now: NaiveDateTime,
    ) -> Result<(), LimitError> {
        if self.enabled {
            refuse_if_blocked(conn, &confirm_key(session_id), CONFIRM_PER_SESSION, now)?;
        }
        Ok(())
    }

    pub fn record_failed_confirmation(
        self,
        conn: &mut DbConnection,
        session_id: &str,
        now: NaiveDateTime,
    ) -> Result<(), Fault> {
        if self.enabled {
            throttles::record_attempt(conn, &confirm_key(session_id), CONFIRM_PER_SESSION, now)?;
        }
        Ok(())
    }
}

/// Counts one attempt on `key` before the work it guards: 429 while the key is blocked
/// or when this attempt is past the maximum. The count is one atomic increment, so of
/// racing attempts exactly the maximum get through (the blocked check before it only
/// spares a blocked client the write; it is not a transaction of its own, which on
/// SQLite would cost a savepoint statement compiled on every login).
fn count_attempt(
    conn: &mut DbConnection,
    key: &str,
    policy: Policy,
    now: NaiveDateTime,
) -> Result<(), LimitError> {
    refuse_if_blocked(conn, key, policy, now)?;
    let recorded = throttles::record_attempt(conn, key, policy, now)?;
    match (policy.max_attempts, recorded.blocked_for) {
        (Some(max), Some(retry)) if recorded.attempts > max => Err(rate_limited(retry)),
        _ => Ok(()),
    }
}

/// Whether the account `user_id` was ever signed in to from `ip`.
fn signed_in_from(
    conn: &mut DbConnection,
    user_id: Option<&str>,
    ip: Option<IpAddr>,
) -> Result<bool, Fault> {
    match (user_id, ip) {
        (Some(user_id), Some(ip)) => Ok(sessions::signed_in_from(conn, user_id, &ip.to_string())?),
        _ => Ok(false),
    }
}

/// The key's status under `policy`, or 429 while it is blocked.
fn refuse_if_blocked(
    conn: &mut DbConnection,
    key: &str,
    policy: Policy,
    now: NaiveDateTime,
) -> Result<Status, LimitError> {
    match throttles::status(conn, key, policy.window, now)? {
        Status::Blocked(retry) => Err(rate_limited(retry)),
        status => Ok(status),
    }
}

fn confirm_key(session_id: &str) -> String {
    format!("confirm:{session_id}")
}

/// Too many: retry after at least a second.
pub(super) fn rate_limited(retry_after: u64) -> LimitError {
    LimitError::Limited(Limited::after(retry_after))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_count_by_their_network() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        // Two addresses of one /64 are one subject; another /64 is another.
        assert_eq!(
            limit_subject(ip("2001:db8:1:2:aaaa::1"), 64),
            limit_subject(ip("2001:db8:1:2:bbbb:cccc:dddd:eeee"), 64)
        );
        assert_eq!(
            limit_subject(ip("2001:db8:1:2:aaaa::1"), 64),
            ip("2001:db8:1:2::")
        );
        assert_ne!(
            limit_subject(ip("2001:db8:1:2::1"), 64),
            limit_subject(ip("2001:db8:1:3::1"), 64)
        );
        // Configurable: /128 is the address itself; /48 a whole site.
        assert_eq!(limit_subject(ip("2001:db8::7"), 128), ip("2001:db8::7"));
        assert_eq!(
            limit_subject(ip("2001:db8:1:ffff::7"), 48),
            ip("2001:db8:1::")
        );
        // IPv4, and IPv4 seen through an IPv6 socket, count by the address.
        assert_eq!(limit_subject(ip("203.0.113.9"), 64), ip("203.0.113.9"));
        assert_eq!(
            limit_subject(ip("::ffff:203.0.113.9"), 64),
            ip("203.0.113.9")
        );
        // The login key of one account from one /64 is one key.
        assert_eq!(
            login_client_key("a@example.com", Some(ip("2001:db8:1:2::1")), 64),
            login_client_key("a@example.com", Some(ip("2001:db8:1:2::ffff")), 64)
        );
    }

    #[test]
    fn no_window_is_longer_than_the_purge_keeps() {
        let actions = [
            Action::Login,
            Action::Signup,
            Action::ForgotPassword,
            Action::ResetPassword,
            Action::VerificationMail,
            Action::VerifyEmail,
            Action::SocialSignIn,
            Action::ConfirmPassword,
        ];
        let policies = [
            LOGIN_PER_CLIENT,
            LOGIN_PER_ACCOUNT,
            SIGNUP_PER_ADDRESS,
            MAIL_PER_ADDRESS,
            CONFIRM_PER_SESSION,
        ];
        let windows = actions
            .iter()
            .map(|a| a.per_ip().1)
            .chain(policies.iter().map(|p| p.window));
        for window in windows {
            assert!(window <= LONGEST_WINDOW, "{window}");
        }
    }

    #[test]
    fn the_delay_grows_from_the_tenth_failure_and_stops_at_five_seconds() {
        assert_eq!(login_delay(0), Duration::ZERO);
        assert_eq!(login_delay(9), Duration::ZERO);
        assert_eq!(login_delay(10), Duration::from_millis(250));
        assert_eq!(login_delay(11), Duration::from_millis(500));
        assert_eq!(login_delay(13), Duration::from_secs(2));
        assert_eq!(login_delay(15), Duration::from_secs(5));
        assert_eq!(login_delay(1_000_000), Duration::from_secs(5));
    }
}
