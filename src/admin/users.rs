//! Finding users and acting on one: ban (disable with a reason and an optional end),
//! enable, delete, change the role, revoke every session, resend the verification
//! mail; and creating a user who chooses their password from a mailed link. Each
//! change commits with its audit entry.

use chrono::{NaiveDateTime, TimeDelta};

use crate::auth::email_verification;
use crate::config::FrontendRoute;
use crate::crypto::tokens;
use crate::db::decisions::{self, Subject};
use crate::db::identities::Identity;
use crate::db::passkeys::PasskeyInfo;
use crate::db::sessions::Session;
use crate::db::single_use::{self, PasswordReset};
use crate::db::users::{Ban, NewUser, User, UserStatus};
use crate::db::{
    self, DbConnection, DbError, Pool, audit, identities, sessions, two_factor, users,
};
use crate::domain::SessionEndReason;
use crate::domain::string_enum::string_enum;
use crate::domain::{AuditEvent, AuditTarget, BanReason, Email, Password, Role, UserId};
use crate::failure::Fault;
use crate::i18n::Lang;
use crate::mail;
use crate::state::AppState;

use super::Actor;

/// How long an invitation's set-your-password link works.
const INVITATION_LIFETIME: TimeDelta = TimeDelta::days(7);

string_enum! {
    /// What an operator can do to an account: the last segment of
    /// `POST /admin/users/{id}/{action}`.
    pub enum UserAction {
        Disable = "disable",
        Enable = "enable",
        Delete = "delete",
        SetRole = "role",
        RevokeSessions = "revoke-sessions",
        ResendVerification = "resend-verification",
        ResendInvitation = "resend-invitation",
        ResetTwoFactor = "reset-two-factor",
    }
}

/// The longest operator's note on a ban, in characters.
pub const MAX_BAN_NOTE: usize = 500;

/// What is wrong with a ban as asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BanProblem {
    NoteTooLong,
    EndInThePast,
}

/// A ban as the rules allow it, whoever asks (the panel, the management API): the
/// note trimmed (none when blank) and at most `MAX_BAN_NOTE` characters, the end (if
/// any) after `now`.
pub fn ban(
    reason: BanReason,
    note: Option<&str>,
    until: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Result<Ban, BanProblem> {
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > MAX_BAN_NOTE) {
        return Err(BanProblem::NoteTooLong);
    }
    if until.is_some_and(|until| until <= now) {
        return Err(BanProblem::EndInThePast);
    }
    Ok(Ban {
        reason,
        note: note.map(str::to_owned),
        until,
    })
}

/// An action with what it needs, validated.
#[derive(Debug, Clone)]
pub enum UserCommand {
    Disable(Ban),
    Enable,
    Delete,
    SetRole(Role),
    RevokeSessions,
    ResendVerification,
    /// A new set-your-password link for a user who has no password yet (the first
    /// expired, or never arrived); earlier links stop working.
    ResendInvitation,
    /// Turns the user's second factor off (a lost phone and no recovery code left)
    /// and signs them out everywhere.
    ResetTwoFactor,
}

impl UserCommand {
    pub fn action(&self) -> UserAction {
        match self {
            Self::Disable(_) => UserAction::Disable,
            Self::Enable => UserAction::Enable,
            Self::Delete => UserAction::Delete,
            Self::SetRole(_) => UserAction::SetRole,
            Self::RevokeSessions => UserAction::RevokeSessions,
            Self::ResendVerification => UserAction::ResendVerification,
            Self::ResendInvitation => UserAction::ResendInvitation,
            Self::ResetTwoFactor => UserAction::ResetTwoFactor,
        }
    }

    /// Whether the form must carry the ticked confirmation box.
    pub fn needs_confirmation(&self) -> bool {
        !matches!(
            self,
            Self::Enable | Self::ResendVerification | Self::ResendInvitation
        )
    }

    /// What an operator may not do to their own account here.
    fn forbidden_on_self(&self) -> bool {
        matches!(
            self,
            Self::Disable(_) | Self::Delete | Self::SetRole(_) | Self::ResetTwoFactor
        )
    }

    /// Whether it would leave no operator if `target` is the last one.
    fn removes_an_operator(&self) -> bool {
        matches!(
            self,
            Self::Disable(_) | Self::Delete | Self::SetRole(Role::User)
        )
    }

    fn audit_event(&self) -> AuditEvent {
        match self {
            Self::Disable(ban) => AuditEvent::AdminUserDisabled {
                reason: ban.reason,
                until: ban.until.map(|until| until.and_utc()),
            },
            Self::Enable => AuditEvent::AdminUserEnabled,
            Self::Delete => AuditEvent::AdminUserDeleted,
            Self::SetRole(role) => AuditEvent::AdminRoleChanged { role: *role },
            Self::RevokeSessions => AuditEvent::AdminSessionsRevoked,
            Self::ResendVerification => AuditEvent::AdminVerificationResent,
            Self::ResendInvitation => AuditEvent::AdminInvitationResent,
            Self::ResetTwoFactor => AuditEvent::AdminTwoFactorReset,
        }
    }
}

/// What the users page searches by.
#[derive(Debug, Clone, Default)]
pub struct UserSearch {
    pub q: String,
    pub status: Option<UserStatus>,
    pub verified: Option<bool>,
}

/// One page of users (`limit + 1` rows at most: the extra one says a next page exists).
pub async fn search(
    pool: &Pool,
    search: UserSearch,
    offset: i64,
    limit: i64,
) -> Result<Vec<User>, DbError> {
    db::run(pool, move |conn| {
        Ok(users::search(
            conn,
            Some(&search.q),
            search.status,
            search.verified,
            db::now(),
            offset,
            limit,
        )?)
    })
    .await
}

/// Users as the management API lists them: each with when they last signed in.
pub async fn search_with_sign_ins(
    pool: &Pool,
    search: UserSearch,
    offset: i64,
    limit: i64,
) -> Result<Vec<(User, Option<NaiveDateTime>)>, DbError> {
    db::run(pool, move |conn| {
        let found = users::search(
            conn,
            Some(&search.q),
            search.status,
            search.verified,
            db::now(),
            offset,
            limit,
        )?;
        let mut listed = Vec::with_capacity(found.len());
        for user in found {
            let last = sessions::last_sign_in_at(conn, &user.id)?;
            listed.push((user, last));
        }
        Ok(listed)
    })
    .await
}

/// One user and when they last signed in, or None.
pub async fn find_with_sign_in(
    pool: &Pool,
    id: UserId,
) -> Result<Option<(User, Option<NaiveDateTime>)>, DbError> {
    db::run(pool, move |conn| {
        let Some(user) = users::find_by_id(conn, &id)? else {
            return Ok(None);
        };
        let last = sessions::last_sign_in_at(conn, &user.id)?;
        Ok(Some((user, last)))
    })
    .await
}

/// A user as the user page shows them.
pub struct UserDetail {
    pub user: User,
    /// The requested page of their live sessions, newest first (one row beyond it
    /// when another page follows).
    pub live_sessions: Vec<Session>,
    /// All their live sessions.
    pub live_session_count: i64,
    pub identities: Vec<Identity>,
    pub passkeys: Vec<PasskeyInfo>,
}

/// The user, with `limit` of their live sessions from `offset`.
pub async fn detail(
    pool: &Pool,
    id: String,
    offset: i64,
    limit: i64,
) -> Result<Option<UserDetail>, DbError> {
    db::run(pool, move |conn| {
        let Some(user) = users::find_by_id(conn, &id)? else {
            return Ok(None);
        };
        let now = db::now();
        Ok(Some(UserDetail {
            live_sessions: sessions::page_active_for_user(conn, &id, now, offset, limit)?,
            live_session_count: sessions::count_active_for_user(conn, &id, now)?,
            identities: identities::for_user(conn, &id)?,
            passkeys: db::passkeys::for_user(conn, &id)?,
            user,
        }))
    })
    .await
}

/// How an action on a user ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionOutcome {
    Done(UserAction),
    /// A destructive action without the ticked box: nothing was done.
    NeedsConfirmation,
    /// Disabling, deleting or changing the role of one's own account from the panel.
    NotOnYourself,
    /// It would leave the panel without an operator.
    LastOperator,
    /// The acting operator is no longer one (another operator removed them meanwhile).
    ActorNotOperator,
    /// The address was already verified: no mail.
    AlreadyVerified,
    /// An invitation for a user who has a password already: no mail.
    HasPassword,
    NotFound,
}

/// Applies `command` to user `target` as `actor`: the rules first, then the change and
/// its audit entry in one transaction (a verification mail goes out after it).
pub async fn act(
    state: &AppState,
    actor: Actor,
    target: UserId,
    command: UserCommand,
    confirmed: bool,
) -> Result<ActionOutcome, Fault> {
    if command.needs_confirmation() && !confirmed {
        return Ok(ActionOutcome::NeedsConfirmation);
    }
    if command.forbidden_on_self() && actor.user_id() == Some(&target) {
        return Ok(ActionOutcome::NotOnYourself);
    }
    let resend = matches!(command, UserCommand::ResendVerification);
    let letters = crate::auth::notices::Letters::new(state);
    let (outcome, user) = db::write(&state.pool, move |conn| {
        apply(conn, &letters, &actor, &target, &command)
    })
    .await?;
    // The operator's language is not the user's: mails go in the default one.
    match (&outcome, user) {
        (ActionOutcome::Done(UserAction::ResendVerification), Some(user)) if resend => {
            email_verification::mail_later(state, &user, Lang::En);
        }
        _ => {}
    }
    Ok(outcome)
}

fn apply(
    conn: &mut DbConnection,
    letters: &crate::auth::notices::Letters,
    actor: &Actor,
    target: &str,
    command: &UserCommand,
) -> Result<(ActionOutcome, Option<User>), DbError> {
    let Some(user) = users::find_by_id(conn, target)? else {
        return Ok((ActionOutcome::NotFound, None));
    };
    let now = db::now();
    if user.deleted_at.is_some() && !matches!(command, UserCommand::RevokeSessions) {
        return Ok((ActionOutcome::NotFound, None));
    }
    if command.removes_an_operator()
        && let Some(refused) = operator_removal_refused(conn, actor, target, now)?
    {
        return Ok((refused, None));
    }
    match command {
        UserCommand::Disable(ban) => {
            users::set_disabled(conn, &user.id, Some(ban), now).map(drop)?;
        }
        UserCommand::Enable => users::set_disabled(conn, &user.id, None, now).map(drop)?,
        UserCommand::Delete => {
            // Audited first: `user.deleted` carries the address the deletion obfuscates.
            audit::record(
                conn,
                &command.audit_event(),
                actor.entry().on(AuditTarget::User, &user.id),
            )?;
            users::soft_delete(conn, &user.id, now)?;
            return Ok((ActionOutcome::Done(command.action()), Some(user)));
        }
        UserCommand::SetRole(role) => change_role(conn, &user.id, *role, now)?,
        UserCommand::RevokeSessions => {
            sessions::revoke_all_for_user(
                conn,
                &user.id,
                None,
                SessionEndReason::RevokedByOperator,
                now,
            )
            .map(drop)?;
        }
        UserCommand::ResendVerification if user.email_verified => {
            return Ok((ActionOutcome::AlreadyVerified, None));
        }
        UserCommand::ResendVerification => {}
        UserCommand::ResendInvitation if user.password_hash.is_some() => {
            return Ok((ActionOutcome::HasPassword, None));
        }
        UserCommand::ResendInvitation => {
            // Only the newest invitation sets the password.
            single_use::spend_all_for_user(conn, PasswordReset, &user.id)?;
            invite(conn, letters, &user.id, &user.email, Lang::En, now)?;
        }
        UserCommand::ResetTwoFactor if user.two_factor_enabled_at.is_none() => {
            return Ok((ActionOutcome::NotFound, None));
        }
        UserCommand::ResetTwoFactor => {
            two_factor::remove(conn, &user.id, now)?;
            sessions::revoke_all_for_user(
                conn,
                &user.id,
                None,
                SessionEndReason::TwoFactorReset,
                now,
            )?;
            // The operator's language is not the user's: the default one.
            let notice = mail::SecurityNotice::TwoFactorReset;
            letters.notify(conn, &user.email, Lang::En, notice)?;
        }
    }
    audit::record(
        conn,
        &command.audit_event(),
        actor.entry().on(AuditTarget::User, &user.id),
    )?;
    Ok((ActionOutcome::Done(command.action()), Some(user)))
}

/// Gives user `id` `role`; the panel sessions of a demoted operator end with it.
fn change_role(
    conn: &mut DbConnection,
    id: &str,
    role: Role,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    users::set_role(conn, id, role)?;
    if role == Role::User {
        sessions::revoke_all_for_user(conn, id, None, SessionEndReason::Demoted, now)?;
    }
    Ok(())
}

/// Why removing `target` from the operators (disabling, deleting or demoting them)
/// may not happen, or None when it may. Operators removing each other at once (on two
/// instances) count in turns, and one that was removed meanwhile removes nobody.
fn operator_removal_refused(
    conn: &mut DbConnection,
    actor: &Actor,
    target: &str,
    now: NaiveDateTime,
) -> Result<Option<ActionOutcome>, DbError> {
    decisions::take_turn(conn, Subject::Operators)?;
    // A management key was checked live by the request; an operator is checked here.
    let still_operator = match actor.user_id() {
        Some(id) => users::find_by_id(conn, id)?
            .is_some_and(|a| a.is_admin() && a.deleted_at.is_none() && !a.is_disabled_at(now)),
        None => true,
    };
    if !still_operator {
        return Ok(Some(ActionOutcome::ActorNotOperator));
    }
    let Some(user) = users::find_by_id(conn, target)? else {
        return Ok(Some(ActionOutcome::NotFound));
    };
    let operator_now = user.is_admin() && !user.is_disabled_at(now);
    if operator_now && users::count_operators(conn, now)? <= 1 {
        return Ok(Some(ActionOutcome::LastOperator));
    }
    Ok(None)
}

/// Changes to a user's details (the management API's PATCH): each field only when
/// given.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    /// Some(None) clears the name.
    pub name: Option<Option<String>>,
    pub role: Option<Role>,
    pub email_verified: Option<bool>,
}

/// How a change of details ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Updated {
    Done,
    NotFound,
    /// It would demote the last operator.
    LastOperator,
}

/// Applies `changes` to user `target` in one transaction with their audit entry (the
/// names of the fields that changed): a demotion follows the role rule of
/// `UserCommand::SetRole` (never the last operator; their panel sessions end).
pub async fn update(
    state: &AppState,
    actor: Actor,
    target: UserId,
    changes: UserChanges,
) -> Result<Updated, Fault> {
    db::write(&state.pool, move |conn| -> Result<_, Fault> {
        let now = db::now();
        let Some(user) = users::find_by_id(conn, &target)?.filter(|u| u.deleted_at.is_none())
        else {
            return Ok(Updated::NotFound);
        };
        let mut fields = Vec::new();
        if let Some(role) = changes.role.filter(|role| *role != user.role) {
            if role == Role::User {
                match operator_removal_refused(conn, &actor, &target, now)? {
                    None => {}
                    Some(ActionOutcome::LastOperator) => return Ok(Updated::LastOperator),
                    Some(_) => return Ok(Updated::NotFound),
                }
            }
            change_role(conn, &user.id, role, now)?;
            fields.push("role".to_owned());
        }
        if let Some(name) = changes.name.filter(|name| *name != user.name) {
            users::set_profile(conn, &user.id, name.as_deref(), user.image.as_deref(), now)?;
            fields.push("name".to_owned());
        }
        if let Some(verified) = changes
            .email_verified
            .filter(|verified| *verified != user.email_verified)
        {
            users::set_email_verified_to(conn, &user.id, verified, now)?;
            fields.push("emailVerified".to_owned());
        }
        if !fields.is_empty() {
            audit::record(
                conn,
                &AuditEvent::AdminUserUpdated { fields },
                actor.entry().on(AuditTarget::User, &user.id),
            )?;
        }
        Ok(Updated::Done)
    })
    .await
}

/// A user an operator creates: no password until they choose one from the mail.
#[derive(Debug, Clone)]
pub struct NewUserCommand {
    pub email: Email,
    pub name: Option<String>,
    pub role: Role,
    /// A password chosen for the user (the management API); None: they choose it.
    pub password: Option<Password>,
    /// The address is known to be the user's (the app proved it).
    pub email_verified: bool,
    /// Mail a set-your-password link (the panel always does).
    pub send_invitation: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    /// The new user's id; the invitation is on its way.
    User(UserId),
    EmailTaken,
}

/// Creates the user, their set-your-password link (when asked for) and the audit
/// entry in one transaction, then mails the link (in `lang`, the operator's choice).
/// A given password is hashed first, on the hashing threads.
pub async fn create(
    state: &AppState,
    actor: Actor,
    command: NewUserCommand,
    lang: Lang,
) -> Result<Created, Fault> {
    let address = command.email.as_str().to_owned();
    let password_hash = match &command.password {
        Some(password) => Some(
            state
                .hasher
                .hash(&format!("create:{address}"), password.expose())
                .await?,
        ),
        None => None,
    };
    let send_invitation = command.send_invitation;
    let letters = crate::auth::notices::Letters::new(state);
    let created = db::write(&state.pool, move |conn| -> Result<_, DbError> {
        if users::find_by_email(conn, command.email.as_str())?.is_some() {
            return Ok(Created::EmailTaken);
        }
        let now = db::now();
        let id = UserId::new_random();
        let inserted = users::insert(
            conn,
            &NewUser {
                id: &id,
                email: command.email.as_str(),
                name: command.name.as_deref(),
                password_hash: password_hash.as_deref(),
                email_verified: command.email_verified,
                image: None,
                role: command.role,
                created_at: now,
                updated_at: now,
            },
        );
        match inserted {
            // Two creations racing for one address: the second hears it is taken.
            Err(e) if db::is_unique_violation(&e) => return Ok(Created::EmailTaken),
            other => other?,
        }
        if send_invitation {
            invite(conn, &letters, &id, &address, lang, now)?;
        }
        audit::record(
            conn,
            &AuditEvent::AdminUserCreated { role: command.role },
            actor.entry().on(AuditTarget::User, &id),
        )?;
        Ok(Created::User(id))
    })
    .await?;
    Ok(created)
}

/// A set-your-password link for user `id` at `address`, and its mail (queued with the
/// transaction). The invitation is a reset link that lives longer: the same page sets
/// the password.
fn invite(
    conn: &mut DbConnection,
    letters: &crate::auth::notices::Letters,
    id: &str,
    address: &str,
    lang: Lang,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let token = tokens::new_secret();
    let token_hash = tokens::hash_secret(&token);
    let invitation = single_use::Nothing {};
    single_use::insert(
        conn,
        PasswordReset,
        &token_hash,
        Some(id),
        &invitation,
        now,
        now + INVITATION_LIFETIME,
    )?;
    let kind = mail::LinkMail::Invitation;
    letters.mail_link(
        conn,
        address,
        lang,
        kind,
        FrontendRoute::ResetPassword,
        &token,
    )
}

/// Enables the accounts whose ban has ended, each with its audit entry (the system
/// acts): the housekeeping task runs it. A ban whose end passed already lets its user
/// in before this runs; this only tidies the row and records the end.
pub async fn lift_ended_bans(pool: &Pool) -> Result<usize, DbError> {
    db::write(pool, |conn| {
        let now = db::now();
        let ended = users::lift_ended_bans(conn, now)?;
        for (id, email) in &ended {
            audit::record(
                conn,
                &AuditEvent::UserBanEnded {
                    email: email.clone(),
                },
                audit::Entry::system().on(AuditTarget::User, id),
            )?;
        }
        Ok(ended.len())
    })
    .await
}
