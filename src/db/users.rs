//! Queries on `users`. Emails arrive here already normalized (`domain::Email`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::users;
use super::{DbConnection, RunOn, columns, like_pattern};
use crate::domain::{BanReason, Email, Role, SessionEndReason, UserId};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name: Option<String>,
    /// None for a user who only ever signed in with a provider, and after withdrawal.
    pub password_hash: Option<String>,
    pub email_verified: bool,
    pub image: Option<String>,
    pub role: Role,
    pub disabled_at: Option<NaiveDateTime>,
    pub deleted_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// A ban's end; None with `disabled_at` set: until an operator enables it.
    pub disabled_until: Option<NaiveDateTime>,
    /// Why it was disabled, shown to the user.
    pub disabled_reason: Option<BanReason>,
    /// The operator's note, shown in the panel only.
    pub disabled_note: Option<String>,
    /// When the TOTP second factor was turned on; None when it is off.
    pub two_factor_enabled_at: Option<NaiveDateTime>,
}

impl User {
    /// A new member with `email`: role user, unverified, no password, name or picture,
    /// not disabled; callers fill in what they know.
    pub fn new_member(email: &Email, now: NaiveDateTime) -> Self {
        Self {
            id: UserId::new_random(),
            email: email.as_str().to_owned(),
            name: None,
            password_hash: None,
            email_verified: false,
            image: None,
            role: Role::User,
            disabled_at: None,
            deleted_at: None,
            created_at: now,
            updated_at: now,
            disabled_until: None,
            disabled_reason: None,
            disabled_note: None,
            two_factor_enabled_at: None,
        }
    }

    /// Disabled now: a ban whose end has passed is lifted by itself.
    pub fn is_disabled_at(&self, now: NaiveDateTime) -> bool {
        self.disabled_at.is_some() && self.disabled_until.is_none_or(|until| until > now)
    }

    /// The code shown to a disabled user (`other` for an account disabled without one).
    pub fn ban_reason(&self) -> BanReason {
        self.disabled_reason.unwrap_or(BanReason::Other)
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

// None is written as NULL, not DEFAULT: one SQL text whatever is absent, so the
// statement cache keeps a single INSERT (with DEFAULT it varies and is never cached).
#[derive(Debug, Insertable)]
#[diesel(table_name = users, treat_none_as_default_value = false)]
pub struct NewUser<'a> {
    pub id: &'a str,
    pub email: &'a str,
    pub name: Option<&'a str>,
    pub password_hash: Option<&'a str>,
    pub email_verified: bool,
    pub image: Option<&'a str>,
    pub role: Role,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl<'a> From<&'a User> for NewUser<'a> {
    fn from(user: &'a User) -> Self {
        Self {
            id: &user.id,
            email: &user.email,
            name: user.name.as_deref(),
            password_hash: user.password_hash.as_deref(),
            email_verified: user.email_verified,
            image: user.image.as_deref(),
            role: user.role,
            created_at: user.created_at,
            updated_at: user.updated_at,
        }
    }
}

pub fn insert(conn: &mut DbConnection, user: &NewUser<'_>) -> QueryResult<()> {
    diesel::insert_into(users::table)
        .values(user)
        .execute_on(conn)
        .map(drop)
}

/// A user who has not withdrawn. Disabled users are found: callers decide what
/// disabling means for them.
pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::email.eq(email))
        .filter(users::deleted_at.is_null())
        .select(columns::<User>())
        .first_on(conn)
        .optional()
}

pub fn find_by_id(conn: &mut DbConnection, id: &str) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .select(columns::<User>())
        .first_on(conn)
        .optional()
}

pub fn set_role(conn: &mut DbConnection, id: &str, role: Role) -> QueryResult<usize> {
    super::update(
        users::table.find(id),
        (
            users::role.eq(role.as_str()),
            users::updated_at.eq(super::now()),
        ),
    )
    .execute_on(conn)
}

pub fn set_password_hash(conn: &mut DbConnection, id: &str, hash: &str) -> QueryResult<usize> {
    super::update(
        users::table.find(id),
        (
            users::password_hash.eq(Some(hash)),
            users::updated_at.eq(super::now()),
        ),
    )
    .execute_on(conn)
}

/// Marks the address verified, if it is still the user's address (a token or a
/// provider vouches for one address, not for whatever the account holds later).
pub fn set_email_verified(
    conn: &mut DbConnection,
    id: &str,
    email: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    super::update(
        users::table
            .find(id)
            .filter(users::email.eq(email))
            .filter(users::deleted_at.is_null()),
        (users::email_verified.eq(true), users::updated_at.eq(now)),
    )
    .execute_on(conn)
}

/// Moves the account from `previous` to `new`, verified (its link was opened there):
/// 1 when it did, 0 when the account's address is no longer `previous` or it was
/// withdrawn. A unique violation means `new` belongs to another account.
pub fn change_email(
    conn: &mut DbConnection,
    id: &str,
    previous: &str,
    new: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    super::update(
        users::table
            .find(id)
            .filter(users::email.eq(previous))
            .filter(users::deleted_at.is_null()),
        (
            users::email.eq(new),
            users::email_verified.eq(true),
            users::updated_at.eq(now),
        ),
    )
    .execute_on(conn)
}

/// An operator's (or the app's) word on whether the address is the user's.
pub fn set_email_verified_to(
    conn: &mut DbConnection,
    id: &str,
    verified: bool,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    super::update(
        users::table.find(id).filter(users::deleted_at.is_null()),
        (
            users::email_verified.eq(verified),
            users::updated_at.eq(now),
        ),
    )
    .execute_on(conn)
}

pub fn count_active(conn: &mut DbConnection) -> QueryResult<i64> {
    users::table
        .filter(users::deleted_at.is_null())
        .count()
        .get_result_on(conn)
}

/// Operators who can sign in to the panel (admin, not disabled, not withdrawn).
pub fn count_operators(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<i64> {
    users::table
        .filter(users::role.eq(Role::Admin.as_str()))
        .filter(users::deleted_at.is_null())
        .filter(
            users::disabled_at
                .is_null()
                .or(users::disabled_until.le(now)),
        )
        .count()
        .get_result_on(conn)
}

/// What disables an account: the reason's code shown to the user, the operator's
/// note, and the ban's end (None: until an operator enables it).
#[derive(Debug, Clone)]
pub struct Ban {
    pub reason: BanReason,
    pub note: Option<String>,
    pub until: Option<NaiveDateTime>,
}

/// Withdrawal (by the user or an operator): the row stays, with `deleted_at` set, the
/// email and name obfuscated so the address can sign up again, and no password;
/// sessions, reset and verification tokens, provider identities, second factors and
/// passkeys are deleted (the identity can sign up afresh).
pub fn soft_delete(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<()> {
    use super::schema::sessions as s;
    super::transaction(conn, |conn| {
        super::update(
            users::table.find(id),
            (
                users::email.eq(format!("deleted+{id}@withdrawn.invalid")),
                users::name.eq(None::<String>),
                users::image.eq(None::<String>),
                users::password_hash.eq(None::<String>),
                users::deleted_at.eq(now),
                users::updated_at.eq(now),
            ),
        )
        .execute_on(conn)?;
        super::sessions::announce_deletion(conn, id, now)?;
        diesel::delete(s::table.filter(s::user_id.eq(id))).execute_on(conn)?;
        remove_ways_in(conn, id, now)?;
        Ok(())
    })
}

/// What `remove_ways_in` removed that a user set up.
struct Removed {
    passkeys: usize,
    identities: usize,
}

/// Everything but the password and the sessions that signs in to account `id` or
/// speaks for it: linked identities and pending links, the second factor and its
/// challenges, passkeys and their ceremonies, reset and verification links. Shared by
/// withdrawal and by a takeover, so that both remove the same things.
fn remove_ways_in(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<Removed> {
    use super::schema::{accounts as a, passkeys as p};
    // Links, challenges, ceremonies, pending social links: every single-use token
    // acting for the account.
    super::single_use::spend_everything_for_user(conn, id)?;
    let identities = diesel::delete(a::table.filter(a::user_id.eq(id))).execute_on(conn)?;
    super::two_factor::remove(conn, id, now)?;
    let passkeys = diesel::delete(p::table.filter(p::user_id.eq(id))).execute_on(conn)?;
    Ok(Removed {
        passkeys,
        identities,
    })
}

/// What taking over an account whose address was never proven removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stripped {
    pub password: bool,
    pub second_factor: bool,
    pub sessions: usize,
    pub passkeys: usize,
    pub identities: usize,
}

/// The takeover's audit details (`user.account_reclaimed`'s `removed`).
impl From<Stripped> for crate::domain::Removed {
    fn from(stripped: Stripped) -> Self {
        let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        Self {
            password: stripped.password,
            second_factor: stripped.second_factor,
            sessions: count(stripped.sessions),
            passkeys: count(stripped.passkeys),
            identities: count(stripped.identities),
        }
    }
}

/// Removes everything that signs in to account `id` or speaks for it: the password,
/// every session (revoked, so they stay in the history), refresh tokens with them,
/// the second factor and its challenges, passkeys and their ceremonies, linked
/// identities, pending social links, reset and verification links. For an account
/// taken over by the owner of its address (see `social::linking`): nothing its maker
/// set up survives.
pub fn strip_unproven(
    conn: &mut DbConnection,
    user: &User,
    now: NaiveDateTime,
) -> QueryResult<Stripped> {
    let id = user.id.as_str();
    super::update(
        users::table.find(id),
        (
            users::password_hash.eq(None::<String>),
            users::updated_at.eq(now),
        ),
    )
    .execute_on(conn)?;
    let sessions = super::sessions::revoke_all_for_user(
        conn,
        id,
        None,
        SessionEndReason::AccountReclaimed,
        now,
    )?;
    let removed = remove_ways_in(conn, id, now)?;
    Ok(Stripped {
        password: user.password_hash.is_some(),
        second_factor: user.two_factor_enabled_at.is_some(),
        sessions,
        passkeys: removed.passkeys,
        identities: removed.identities,
    })
}

/// The name and picture a provider gave, in place of what the account had.
pub fn set_profile(
    conn: &mut DbConnection,
    id: &str,
    name: Option<&str>,
    image: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    super::update(
        users::table.find(id),
        (
            users::name.eq(name),
            users::image.eq(image),
            users::updated_at.eq(now),
        ),
    )
    .execute_on(conn)
    .map(drop)
}

/// Disables an account with `ban` (revoking every session), or with None enables it
/// again (forgetting the ban's details).
pub fn set_disabled(
    conn: &mut DbConnection,
    id: &str,
    ban: Option<&Ban>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    super::transaction(conn, |conn| {
        let changed = super::update(
            users::table.find(id).filter(users::deleted_at.is_null()),
            (
                users::disabled_at.eq(ban.map(|_| now)),
                users::disabled_until.eq(ban.and_then(|b| b.until)),
                users::disabled_reason.eq(ban.map(|b| b.reason)),
                users::disabled_note.eq(ban.and_then(|b| b.note.as_deref())),
                users::updated_at.eq(now),
            ),
        )
        .execute_on(conn)?;
        if ban.is_some() {
            super::sessions::revoke_all_for_user(conn, id, None, SessionEndReason::Banned, now)?;
        }
        Ok(changed)
    })
}

/// Accounts whose ban has ended: enabled again, the details forgotten. Returns their
/// ids and emails (the housekeeping task audits each).
pub fn lift_ended_bans(
    conn: &mut DbConnection,
    now: NaiveDateTime,
) -> QueryResult<Vec<(String, String)>> {
    // Reads, then writes: a write transaction (see `write_transaction`).
    super::write_transaction(conn, |conn| {
        let ended: Vec<(String, String)> = users::table
            .filter(users::disabled_at.is_not_null())
            .filter(users::disabled_until.le(now))
            .select((users::id, users::email))
            .load_on(conn)?;
        for (id, _) in &ended {
            set_disabled(conn, id, None, now)?;
        }
        Ok(ended)
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatus {
    Active,
    Disabled,
    Deleted,
}

impl UserStatus {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "active" => Some(Self::Active),
            "disabled" => Some(Self::Disabled),
            "deleted" => Some(Self::Deleted),
            _ => None,
        }
    }
}

/// One page of users, newest first. Returns `limit + 1` rows at most, so the caller
/// knows whether a next page exists without counting the table.
pub fn search(
    conn: &mut DbConnection,
    q: Option<&str>,
    status: Option<UserStatus>,
    verified: Option<bool>,
    now: NaiveDateTime,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<User>> {
    crate::per_backend!(conn, |conn| {
        let mut query = users::table
            .select(columns::<User>())
            .order((users::created_at.desc(), users::id.desc()))
            .offset(offset)
            .limit(limit + 1)
            .into_boxed();
        if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
            let pattern = like_pattern(&q.to_lowercase());
            let name_pattern = like_pattern(q);
            query = query.filter(
                users::email
                    .like(pattern)
                    .escape('\\')
                    .or(users::name.like(name_pattern).escape('\\')),
            );
        }
        if let Some(verified) = verified {
            query = query.filter(users::email_verified.eq(verified));
        }
        query = match status {
            None => query,
            // A ban whose end has passed counts as lifted.
            Some(UserStatus::Active) => query.filter(users::deleted_at.is_null()).filter(
                users::disabled_at
                    .is_null()
                    .or(users::disabled_until.le(now)),
            ),
            Some(UserStatus::Disabled) => query
                .filter(users::deleted_at.is_null())
                .filter(users::disabled_at.is_not_null())
                .filter(
                    users::disabled_until
                        .is_null()
                        .or(users::disabled_until.gt(now)),
                ),
            Some(UserStatus::Deleted) => query.filter(users::deleted_at.is_not_null()),
        };
        query.load(conn)
    })
}
