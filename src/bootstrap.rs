//! The first operator: created or promoted by `create-admin`, or at every start-up
//! from ADMIN_EMAIL/ADMIN_PASSWORD.

use crate::config::Settings;
use crate::crypto::password;
use crate::db::migrations::{self, PrepareError};
use crate::db::{self, DbConnection, audit, users};
use crate::domain::{AuditEvent, AuditTarget, Email, Password, Role, UserId};

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error(transparent)]
    Prepare(#[from] PrepareError),
    #[error("{var}: {problem}")]
    Invalid { var: &'static str, problem: String },
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("password hashing failed: {0}")]
    Hash(argon2::password_hash::Error),
}

#[derive(Debug, PartialEq, Eq)]
pub enum AdminOutcome {
    Created,
    Promoted,
    AlreadyAdmin,
}

pub enum PasswordPolicy {
    /// `create-admin`: the operator asked for this password, so an existing account
    /// gets it too.
    Overwrite,
    /// ADMIN_EMAIL/ADMIN_PASSWORD at every start-up: create the account once, never
    /// reset a password the operator may have changed since.
    KeepExisting,
}

/// Creates the operator, or gives an existing account the admin role.
pub fn ensure_admin(
    conn: &mut DbConnection,
    email: &str,
    name: Option<&str>,
    password: &str,
    policy: PasswordPolicy,
) -> Result<AdminOutcome, BootstrapError> {
    let email = Email::parse(email).map_err(|problem| BootstrapError::Invalid {
        var: "email",
        problem: problem.into(),
    })?;
    let password = Password::parse(password).map_err(|problem| BootstrapError::Invalid {
        var: "password",
        problem: problem.into(),
    })?;
    let existing = users::find_by_email(conn, email.as_str())?;
    if let (Some(user), PasswordPolicy::KeepExisting) = (&existing, &policy)
        && user.is_admin()
    {
        return Ok(AdminOutcome::AlreadyAdmin);
    }
    let hash = password::hash(password.expose()).map_err(BootstrapError::Hash)?;
    let now = db::now();
    let (outcome, user_id) = match existing {
        Some(user) => {
            users::set_role(conn, &user.id, Role::Admin)?;
            // One who only signed in with a provider gets the password: an operator
            // signs in to the panel with one.
            if matches!(policy, PasswordPolicy::Overwrite) || user.password_hash.is_none() {
                users::set_password_hash(conn, &user.id, &hash)?;
            }
            let outcome = if user.is_admin() {
                AdminOutcome::AlreadyAdmin
            } else {
                AdminOutcome::Promoted
            };
            (outcome, user.id)
        }
        None => {
            let id = UserId::new_random();
            users::insert(
                conn,
                &users::NewUser {
                    id: &id,
                    email: email.as_str(),
                    name,
                    password_hash: Some(&hash),
                    email_verified: false,
                    image: None,
                    role: Role::Admin,
                    created_at: now,
                    updated_at: now,
                },
            )?;
            (AdminOutcome::Created, id)
        }
    };
    let email = email.as_str().to_owned();
    let event = match outcome {
        AdminOutcome::Created => AuditEvent::AdminCreated { email },
        AdminOutcome::Promoted => AuditEvent::AdminPromoted { email },
        AdminOutcome::AlreadyAdmin => AuditEvent::AdminPasswordSet { email },
    };
    let entry = audit::Entry::system().on(AuditTarget::User, &user_id);
    audit::record(conn, &event, entry)?;
    Ok(outcome)
}

/// The ADMIN_EMAIL/ADMIN_PASSWORD operator, when configured.
pub fn ensure_configured_admin(settings: &Settings) -> Result<(), BootstrapError> {
    let (Some(email), Some(password)) = (&settings.admin.email, &settings.admin.password) else {
        return Ok(());
    };
    let mut conn = migrations::connect(&settings.database.url)?;
    let password = secrecy::ExposeSecret::expose_secret(password);
    let mut outcome = ensure_admin(
        &mut conn,
        email,
        None,
        password,
        PasswordPolicy::KeepExisting,
    );
    // Instances starting together both find no operator and both insert one: the
    // loser's insert fails on the unique email, and a second look finds the winner's.
    if let Err(BootstrapError::Query(error)) = &outcome
        && db::is_unique_violation(error)
    {
        outcome = ensure_admin(
            &mut conn,
            email,
            None,
            password,
            PasswordPolicy::KeepExisting,
        );
    }
    let outcome = outcome.map_err(|e| match e {
        BootstrapError::Invalid {
            var: "email",
            problem,
        } => BootstrapError::Invalid {
            var: "ADMIN_EMAIL",
            problem,
        },
        BootstrapError::Invalid {
            var: "password",
            problem,
        } => BootstrapError::Invalid {
            var: "ADMIN_PASSWORD",
            problem,
        },
        other => other,
    })?;
    if outcome != AdminOutcome::AlreadyAdmin {
        log::info!("operator {email}: {outcome:?} from ADMIN_EMAIL");
    }
    Ok(())
}
