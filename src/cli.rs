//! The command line: `serve` (the default), `migrate`, `create-admin`, `keys`,
//! `management-key`, `openapi`, `doctor`.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use secrecy::{ExposeSecret, SecretString};

use crate::bootstrap::{self, AdminOutcome, PasswordPolicy};
use crate::config::Settings;
use crate::db;
use crate::domain::password::{MAX_CHARS, MIN_CHARS, Password};
use crate::startup::Application;

#[derive(Debug, Parser)]
#[command(
    name = "sekisho",
    version = crate::build_info::LONG_VERSION,
    about = "An authentication server for Next.js apps"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Apply migrations and serve the API and the admin panel (the default).
    Serve,
    /// Apply pending migrations to DATABASE_URL under the migration lock and exit (run
    /// it before a rolling upgrade, with MIGRATE_ON_START=false on the instances).
    Migrate {
        /// List this binary's migrations (applied or pending) and any a newer release
        /// applied; apply nothing.
        #[arg(long)]
        status: bool,
        /// Give up when another instance holds the migration lock (or a table a
        /// migration needs is locked) for this many seconds.
        #[arg(long, value_name = "SECONDS", default_value_t = 300)]
        lock_timeout: u64,
    },
    /// Create an operator (role admin), or promote an existing account and set its
    /// password. The password comes from ADMIN_PASSWORD or is asked for without echo.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: Option<String>,
    },
    /// The JWT signing keys: `rotate` adds one that is published now and signs after
    /// JWT_KEY_PUBLISH_SECONDS; `list` shows them.
    Keys {
        #[command(subcommand)]
        action: KeysCommand,
    },
    /// Management keys for the management API (`/api/v1/admin`): `create NAME
    /// --scopes users:read,users:write [--expires-in-days N]` prints the new key alone
    /// on its line; `list`; `revoke NAME`.
    ManagementKey {
        #[command(subcommand)]
        action: ManagementKeyCommand,
    },
    /// Write a consistent copy of the SQLite database to PATH (a new file) while the
    /// server runs (SQLite's `VACUUM INTO`). On PostgreSQL: says to use pg_dump.
    Backup { path: std::path::PathBuf },
    /// Put the backup at PATH in place of the SQLite database, after checking its
    /// integrity and that this binary can serve its schema; the replaced file is kept
    /// beside it. Every instance must be stopped. On PostgreSQL: says to use pg_restore.
    Restore { path: std::path::PathBuf },
    /// Print the OpenAPI document of the API as JSON and exit (no database, no
    /// configuration needed): `sekisho openapi > docs/openapi.json`.
    Openapi,
    /// Check the configuration against the app, the database and SMTP, and say how to
    /// fix what is wrong. Exits 1 when something is. Changes nothing.
    Doctor {
        /// The Next.js app's URL, e.g. http://localhost:3000: a round trip through it
        /// (is /api forwarded, a CORS preflight, where a cookie lands). Default:
        /// FRONTEND_URL, checked from the configuration only.
        #[arg(long)]
        app: Option<url::Url>,
        /// Sekisho's URL, e.g. http://localhost:8080: where the doctor reaches the
        /// running server, and, when PUBLIC_ORIGIN is unset, the address the app's
        /// pages call it at (NEXT_PUBLIC_API_URL), against which the cookie's host and
        /// the providers' redirect URIs are checked. Default: BIND, on this machine.
        #[arg(long)]
        api: Option<url::Url>,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Add a signing key of JWT_ALGORITHM: published at once, signing after
    /// JWT_KEY_PUBLISH_SECONDS; the current key stays published until the last token
    /// it signed has expired.
    Rotate,
    /// The stored keys: id, algorithm, from when each signs, and which signs now.
    List,
    /// After replacing SECRET_KEY (the old value in PREVIOUS_SECRET_KEYS): seal every
    /// stored secret (TOTP secrets, signing keys, webhook secrets, queued mail) under
    /// the current key. Refresh tokens are re-keyed at their next refresh.
    Reseal,
}

#[derive(Debug, Subcommand)]
enum ManagementKeyCommand {
    /// Make a key; it is printed once, alone on its line (only its hash is kept).
    Create {
        name: String,
        /// Comma-separated: users:read, users:write, sessions:write, webhooks:write,
        /// tokens:introspect.
        #[arg(long)]
        scopes: String,
        #[arg(long)]
        expires_in_days: Option<u32>,
    },
    /// The keys: name, scopes, expiry, last use, revoked or not (never a key).
    List,
    /// Revoke the key named NAME: it stops working at once.
    Revoke { name: String },
}

pub fn main() -> ExitCode {
    // Before anything is written (.env aside): secret.key, the database, the outbox.
    crate::private_files::owner_only_from_now_on();
    if let Err(error) = dotenvy::dotenv()
        && !error.not_found()
    {
        eprintln!("error: .env: {error}");
        return ExitCode::from(2);
    }
    crate::logging::init();
    let cli = Cli::parse();
    if let Some(Command::Openapi) = cli.command {
        return print_openapi();
    }
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(error) if matches!(cli.command, Some(Command::Doctor { .. })) => {
            // The doctor's first finding: the server would not start.
            println!("ERROR   {}: {}", error.var, error.problem);
            println!(
                "        fix: correct {} (see docs/API.md, configuration); the server refuses to start until then",
                error.var
            );
            return ExitCode::FAILURE;
        }
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings),
        Command::Migrate {
            status: true,
            lock_timeout: _,
        } => migration_status(&settings),
        Command::Migrate {
            status: false,
            lock_timeout,
        } => migrate(&settings, std::time::Duration::from_secs(lock_timeout)),
        Command::CreateAdmin { email, name } => create_admin(&settings, &email, name.as_deref()),
        Command::Keys { action } => keys(settings, action),
        Command::ManagementKey { action } => management_key(settings, action),
        Command::Backup { path } => backup(&settings, &path),
        Command::Restore { path } => restore(&settings, &path),
        Command::Openapi => return print_openapi(),
        Command::Doctor { app, api } => return doctor(&settings, app, api),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn serve(settings: Settings) -> Result<(), String> {
    actix_web::rt::System::new().block_on(async move {
        let mut app = Application::build(settings)
            .await
            .map_err(|e| e.to_string())?;
        crate::lifecycle::watch_signals(app.shutdown())
            .map_err(|e| format!("cannot watch SIGTERM/SIGINT: {e}"))?;
        crate::announce::where_to_start(&app).await;
        app.run_until_stopped().await.map_err(|e| e.to_string())
    })
}

/// A small pool for a command that talks to the database the server uses.
fn command_pool(settings: &Settings) -> Result<db::Pool, String> {
    db::migrations::prepare(&settings.database.url).map_err(|e| e.to_string())?;
    let metrics = crate::metrics::Metrics::new();
    Ok(db::build_pool(
        &settings.database.url,
        2,
        settings.database.timeout,
        metrics.db.clone(),
        metrics.pool_events(),
    ))
}

fn management_key(settings: Settings, action: ManagementKeyCommand) -> Result<(), String> {
    use crate::admin::management_keys;
    use crate::domain::ManagementScope;
    let pool = command_pool(&settings)?;
    actix_web::rt::System::new().block_on(async move {
        match action {
            ManagementKeyCommand::Create {
                name,
                scopes,
                expires_in_days,
            } => {
                let scopes = ManagementScope::parse_list(&scopes).map_err(|unknown| {
                    format!(
                        "--scopes: `{unknown}` is no scope (users:read, users:write, sessions:write, webhooks:write, tokens:introspect)"
                    )
                })?;
                let created =
                    management_keys::create(&pool, None, &name, scopes, expires_in_days)
                        .await
                        .map_err(|e| e.to_string())?;
                // Alone on its line, for scripts; what it is goes to stderr.
                eprintln!(
                    "management key `{}` ({}): shown once, store it now",
                    created.name,
                    ManagementScope::join(&created.scopes)
                );
                println!("{}", created.key);
            }
            ManagementKeyCommand::List => {
                for key in management_keys::list(&pool).await.map_err(|e| e.to_string())? {
                    let when = |at: Option<chrono::NaiveDateTime>| {
                        at.map_or("-".to_owned(), |t| t.format("%Y-%m-%d %H:%M").to_string())
                    };
                    let state = if key.revoked_at.is_some() { "revoked" } else { "live" };
                    println!(
                        "{}  {}  expires {}  last used {}  {state}",
                        key.name,
                        key.scopes,
                        when(key.expires_at),
                        when(key.last_used_at)
                    );
                }
            }
            ManagementKeyCommand::Revoke { name } => {
                if !management_keys::revoke(&pool, None, &name)
                    .await
                    .map_err(|e| e.to_string())?
                {
                    return Err(format!("no live management key is named `{name}`"));
                }
                println!("revoked management key `{name}`");
            }
        }
        Ok(())
    })
}

fn keys(settings: Settings, action: KeysCommand) -> Result<(), String> {
    use crate::auth::signing_keys::{self, Requester};
    let pool = command_pool(&settings)?;
    actix_web::rt::System::new().block_on(async move {
        if let KeysCommand::Reseal = action {
            return reseal(&pool, &settings).await;
        }
        let jwt = crate::crypto::jwt::JwtKeys::new(&settings.secret_key, &settings.tokens);
        if let KeysCommand::Rotate = action {
            let requester = Requester {
                operator: None,
                ip: None,
            };
            let rotated = signing_keys::rotate(&pool, &settings, &jwt, requester)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "added signing key {}: published now, signing from {} UTC",
                rotated.kid,
                rotated.signs_from.format("%Y-%m-%d %H:%M:%S")
            );
            return Ok(());
        }
        signing_keys::load(&pool, &settings, &jwt)
            .await
            .map_err(|e| e.to_string())?;
        let now = chrono::Utc::now().timestamp();
        let signing = jwt.signing_kid(now);
        for key in signing_keys::list(&pool).await.map_err(|e| e.to_string())? {
            let state = if Some(&key.kid) == signing.as_ref() {
                "signing"
            } else if key.signs_from.and_utc().timestamp() > now {
                "published, signs later"
            } else {
                "superseded, still published"
            };
            println!(
                "{}  {}  signs from {} UTC  {state}",
                key.kid,
                key.algorithm,
                key.signs_from.format("%Y-%m-%d %H:%M:%S")
            );
        }
        Ok(())
    })
}

async fn reseal(pool: &db::Pool, settings: &Settings) -> Result<(), String> {
    let report = crate::admin::reseal::reseal(pool, &settings.secret_key)
        .await
        .map_err(|e| e.to_string())?;
    for (what, resealed, current, unreadable) in &report.columns {
        println!(
            "{what}: {resealed} sealed anew, {current} already current, {unreadable} unreadable"
        );
    }
    if report.total_unreadable() > 0 {
        return Err(format!(
            "{} value(s) were sealed under a key neither SECRET_KEY nor PREVIOUS_SECRET_KEYS holds: add that key to PREVIOUS_SECRET_KEYS and run reseal again",
            report.total_unreadable()
        ));
    }
    if settings.secret_key.has_previous() {
        let last = settings.session.remember_days;
        println!(
            "every sealed value is under the current key; keep PREVIOUS_SECRET_KEYS until refresh tokens issued before the rotation have been refreshed or have expired (at most {last} days), then remove it"
        );
    }
    Ok(())
}

fn doctor(settings: &Settings, app: Option<url::Url>, api: Option<url::Url>) -> ExitCode {
    let targets = match crate::doctor::Targets::new(settings, app, api) {
        Ok(targets) => targets,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let findings =
        actix_web::rt::System::new().block_on(crate::doctor::examine(settings, &targets));
    let (report, failed) = crate::doctor::report(&targets, &findings);
    print!("{report}");
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// The document for the default settings (`docs/openapi.json`): the environment and
/// `.env` are not read, so every checkout prints the same.
fn print_openapi() -> ExitCode {
    let defaults = Settings::from_lookup(|name| {
        (name == "SECRET_KEY").then(|| "a-placeholder-only-read-to-print-the-document".to_owned())
    });
    let settings = match defaults {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    match crate::routes::api::document(&settings).to_pretty_json() {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn migrate(settings: &Settings, lock_timeout: std::time::Duration) -> Result<(), String> {
    let applied = db::migrations::prepare_within(&settings.database.url, lock_timeout)
        .map_err(|e| e.to_string())?;
    if applied.is_empty() {
        println!("database is up to date");
    } else {
        for name in applied {
            println!("applied {name}");
        }
    }
    Ok(())
}

fn backup(settings: &Settings, path: &std::path::Path) -> Result<(), String> {
    let written = db::backup::backup(&settings.database.url, path).map_err(|e| e.to_string())?;
    println!(
        "backed up to {} ({} bytes, {} migrations applied)",
        path.display(),
        written.bytes,
        written.migrations
    );
    Ok(())
}

fn restore(settings: &Settings, path: &std::path::Path) -> Result<(), String> {
    let restored = db::backup::restore(&settings.database.url, path).map_err(|e| e.to_string())?;
    println!("restored {} (integrity ok)", path.display());
    if let Some(kept) = restored.kept {
        println!("the database it replaced is kept as {}", kept.display());
    }
    if !restored.pending.is_empty() {
        println!(
            "{} migration(s) newer than the backup run at the next start (or `sekisho migrate`): {}",
            restored.pending.len(),
            restored.pending.join(", ")
        );
    }
    Ok(())
}

fn migration_status(settings: &Settings) -> Result<(), String> {
    let mut conn = db::migrations::open(&settings.database.url).map_err(|e| e.to_string())?;
    let status = db::migrations::status(&mut conn).map_err(|e| e.to_string())?;
    for (name, applied) in &status.known {
        println!("{}  {name}", if *applied { "applied" } else { "pending" });
    }
    for version in &status.newer {
        println!("newer    {version} (applied by a newer release; this binary still serves)");
    }
    let pending = status.known.iter().filter(|(_, applied)| !applied).count();
    println!(
        "{pending} pending of {} ({})",
        status.known.len(),
        settings.database.url.backend_name()
    );
    Ok(())
}

fn create_admin(settings: &Settings, email: &str, name: Option<&str>) -> Result<(), String> {
    let password = match &settings.admin.password {
        Some(password) => password.clone(),
        None if std::io::stdin().is_terminal() => prompt_password()?,
        // rpassword would fail with "No such device or address": say what to do.
        None => {
            return Err(format!(
                "no terminal to ask for the password: set ADMIN_PASSWORD ({MIN_CHARS} to {MAX_CHARS} characters) and run create-admin again"
            ));
        }
    };
    db::migrations::prepare(&settings.database.url).map_err(|e| e.to_string())?;
    let mut conn = db::migrations::connect(&settings.database.url).map_err(|e| e.to_string())?;
    let outcome = bootstrap::ensure_admin(
        &mut conn,
        email,
        name,
        password.expose_secret(),
        PasswordPolicy::Overwrite,
    )
    .map_err(|e| e.to_string())?;
    let what = match outcome {
        AdminOutcome::Created => "created operator",
        AdminOutcome::Promoted => "promoted to operator (password set)",
        AdminOutcome::AlreadyAdmin => "already an operator (password set)",
    };
    println!("{what}: {}", email.trim().to_lowercase());
    Ok(())
}

fn prompt_password() -> Result<SecretString, String> {
    ask_new_password(|prompt| rpassword::prompt_password(prompt))
}

/// Asks for a new password, checks it against the rules at once (not after it was
/// typed twice), then asks for it again.
fn ask_new_password(
    mut ask: impl FnMut(&str) -> std::io::Result<String>,
) -> Result<SecretString, String> {
    let first = ask("Password: ").map_err(|e| format!("reading the password: {e}"))?;
    Password::parse(&first).map_err(|why| format!("the password {why}"))?;
    let second = ask("Repeat password: ").map_err(|e| format!("reading the password: {e}"))?;
    if first != second {
        return Err("the passwords do not match".into());
    }
    Ok(SecretString::from(first))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The answers given to the prompts, and the prompts that were shown.
    fn asked(answers: &[&str]) -> (Result<SecretString, String>, Vec<String>) {
        let mut answers = answers.iter();
        let mut prompts = Vec::new();
        let result = ask_new_password(|prompt| {
            prompts.push(prompt.to_owned());
            Ok(answers.next().map(ToString::to_string).unwrap_or_default())
        });
        (result, prompts)
    }

    #[test]
    fn a_short_password_is_refused_before_it_is_asked_again() {
        let (result, prompts) = asked(&["short"]);
        assert_eq!(
            result.err().unwrap(),
            "the password must be at least 8 characters"
        );
        assert_eq!(prompts, ["Password: "]);
        let (result, prompts) = asked(&["long enough", "long enough"]);
        assert_eq!(result.unwrap().expose_secret(), "long enough");
        assert_eq!(prompts, ["Password: ", "Repeat password: "]);
        let (result, _) = asked(&["long enough", "another one"]);
        assert_eq!(result.err().unwrap(), "the passwords do not match");
    }
}
