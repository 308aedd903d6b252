//! The query functions, run unchanged on both backends: the schemas agree in use.

use chrono::TimeDelta;
use diesel::result::{DatabaseErrorKind, Error};
use sekisho::db::{self, DbConnection, RunOn, audit, sessions, users};
use sekisho::domain::{AuditEvent, SessionEndReason};

use crate::helpers::{Backend, TestApp, insert_user};

crate::on_both_backends!(
    an_unknown_stored_value_fails_to_load,
    users_round_trip,
    emails_are_unique,
    sessions_lifecycle,
    deleting_a_user_removes_its_sessions,
    audit_log_pages_newest_first,
    migrations_are_idempotent,
    housekeeping_removes_only_unusable_rows,
    housekeeping_purges_ended_rate_limit_windows,
);

/// A throttle row whose window began `started` ago, blocked until `blocked` from now.
fn throttle_row(
    conn: &mut DbConnection,
    key: &str,
    started: TimeDelta,
    blocked: Option<TimeDelta>,
) {
    use diesel::prelude::*;
    use sekisho::db::schema::auth_throttles as t;
    let now = db::now();
    diesel::insert_into(t::table)
        .values((
            t::key.eq(key),
            t::attempts.eq(3_i64),
            t::window_started_at.eq(now - started),
            t::blocked_until.eq(blocked.map(|b| now + b)),
        ))
        .execute_on(conn)
        .unwrap();
}

async fn housekeeping_purges_ended_rate_limit_windows(app: TestApp) {
    app.with_db(|conn| {
        throttle_row(conn, "ended", TimeDelta::hours(2), None);
        throttle_row(
            conn,
            "ended-block",
            TimeDelta::hours(2),
            Some(TimeDelta::minutes(-1)),
        );
        throttle_row(
            conn,
            "still-blocking",
            TimeDelta::hours(2),
            Some(TimeDelta::minutes(5)),
        );
        throttle_row(conn, "current", TimeDelta::minutes(10), None);
    })
    .await;
    sekisho::startup::housekeeping_pass(&app.pool, &app.settings).await;
    let left = app
        .with_db(|conn| {
            use diesel::prelude::*;
            use sekisho::db::schema::auth_throttles as t;
            let mut keys: Vec<String> = t::table.select(t::key).load_on(conn).unwrap();
            keys.sort();
            keys
        })
        .await;
    assert_eq!(left, ["current", "still-blocking"]);
}

fn new_session(
    conn: &mut DbConnection,
    user_id: Option<&str>,
    kind: sekisho::domain::SessionKind,
    ttl: TimeDelta,
) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    let now = db::now();
    sessions::insert(
        conn,
        &sessions::NewSession {
            id: &id,
            user_id,
            kind,
            token_hash: None,
            refresh_token_hash: None,
            state: None,
            created_at: now,
            last_seen_at: now,
            expires_at: now + ttl,
            ip: Some("127.0.0.1"),
            user_agent: Some("tests"),
            sign_in_method: None,
        },
    )
    .unwrap();
    id
}

async fn users_round_trip(app: TestApp) {
    app.with_db(|conn| {
        let id = insert_user(conn, "tanaka@example.com");
        let user = users::find_by_email(conn, "tanaka@example.com")
            .unwrap()
            .unwrap();
        assert_eq!(user.id, id);
        assert_eq!(user.name.as_deref(), Some("田中太郎"));
        assert_eq!(user.role, sekisho::domain::Role::User);
        assert!(!user.email_verified);
        assert!(user.disabled_at.is_none() && user.deleted_at.is_none());
        // Timestamps survive the round trip to the microsecond on both backends.
        let again = users::find_by_id(conn, &id).unwrap().unwrap();
        assert_eq!(again.created_at, user.created_at);

        assert_eq!(
            users::set_role(conn, &id, sekisho::domain::Role::Admin).unwrap(),
            1
        );
        assert!(users::find_by_id(conn, &id).unwrap().unwrap().is_admin());
        assert_eq!(users::count_active(conn).unwrap(), 1);
        assert!(
            users::find_by_email(conn, "nobody@example.com")
                .unwrap()
                .is_none()
        );
    })
    .await;
}

async fn emails_are_unique(app: TestApp) {
    app.with_db(|conn| {
        insert_user(conn, "sato@example.com");
        let now = db::now();
        let duplicate = users::insert(
            conn,
            &users::NewUser {
                id: &uuid::Uuid::new_v4().to_string(),
                email: "sato@example.com",
                name: None,
                password_hash: Some("x"),
                email_verified: false,
                image: None,
                role: sekisho::domain::Role::User,
                created_at: now,
                updated_at: now,
            },
        );
        assert!(
            matches!(
                duplicate,
                Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _))
            ),
            "{duplicate:?}"
        );
    })
    .await;
}

async fn sessions_lifecycle(app: TestApp) {
    app.with_db(|conn| {
        let user = insert_user(conn, "suzuki@example.com");
        let now = db::now();
        let browser = new_session(
            conn,
            Some(&user),
            sekisho::domain::SessionKind::Browser,
            TimeDelta::days(7),
        );
        let bearer = new_session(
            conn,
            Some(&user),
            sekisho::domain::SessionKind::Bearer,
            TimeDelta::days(30),
        );
        let expired = new_session(
            conn,
            Some(&user),
            sekisho::domain::SessionKind::Browser,
            TimeDelta::seconds(-1),
        );
        // An admin-panel session exists before its operator logs in.
        let anonymous = new_session(
            conn,
            None,
            sekisho::domain::SessionKind::Admin,
            TimeDelta::minutes(30),
        );

        assert!(
            sessions::find_active(conn, &browser, now)
                .unwrap()
                .is_some()
        );
        assert!(
            sessions::find_active(conn, &expired, now)
                .unwrap()
                .is_none()
        );
        assert!(
            sessions::find_active(conn, &anonymous, now)
                .unwrap()
                .is_some()
        );
        let listed = sessions::list_active_for_user(conn, &user, now, None, 100).unwrap();
        assert_eq!(listed.len(), 2);

        assert_eq!(
            sessions::revoke(conn, &browser, SessionEndReason::SignedOut, now).unwrap(),
            1
        );
        assert_eq!(
            sessions::revoke(conn, &browser, SessionEndReason::SignedOut, now).unwrap(),
            0,
            "already revoked"
        );
        assert!(
            sessions::find_active(conn, &browser, now)
                .unwrap()
                .is_none()
        );

        let other = new_session(
            conn,
            Some(&user),
            sekisho::domain::SessionKind::Browser,
            TimeDelta::days(1),
        );
        let revoked = sessions::revoke_all_for_user(
            conn,
            &user,
            Some(&bearer),
            SessionEndReason::RevokedByUser,
            now,
        )
        .unwrap();
        assert_eq!(revoked, 2, "the other browser session and the expired one");
        assert!(sessions::find_active(conn, &bearer, now).unwrap().is_some());
        assert!(sessions::find_active(conn, &other, now).unwrap().is_none());
    })
    .await;
}

async fn deleting_a_user_removes_its_sessions(app: TestApp) {
    use diesel::prelude::*;
    use sekisho::db::schema;
    app.with_db(|conn| {
        let user = insert_user(conn, "ito@example.com");
        new_session(
            conn,
            Some(&user),
            sekisho::domain::SessionKind::Browser,
            TimeDelta::days(1),
        );
        diesel::delete(schema::users::table.find(&user))
            .execute_on(conn)
            .unwrap();
        let left: i64 = schema::sessions::table.count().get_result_on(conn).unwrap();
        assert_eq!(
            left, 0,
            "ON DELETE CASCADE needs foreign keys on (SQLite: PRAGMA)"
        );

        // And a session cannot point at a user that does not exist.
        let orphan = sessions::insert(
            conn,
            &sessions::NewSession {
                id: "orphan",
                user_id: Some("no-such-user"),
                kind: sekisho::domain::SessionKind::Browser,
                token_hash: None,
                refresh_token_hash: None,
                state: None,
                created_at: db::now(),
                last_seen_at: db::now(),
                expires_at: db::now(),
                ip: None,
                user_agent: None,
                sign_in_method: None,
            },
        );
        assert!(
            matches!(
                orphan,
                Err(Error::DatabaseError(
                    DatabaseErrorKind::ForeignKeyViolation,
                    _
                ))
            ),
            "{orphan:?}"
        );
    })
    .await;
}

async fn audit_log_pages_newest_first(app: TestApp) {
    app.with_db(|conn| {
        for n in 0..5 {
            let event = AuditEvent::UserLogout {
                session: format!("s{n}"),
            };
            let entry = audit::Entry::by(None, Some("ops@example.com"), Some("203.0.113.9"));
            audit::record(conn, &event, entry).unwrap();
        }
        let sessions_of = |entries: &[audit::AuditEntry]| -> Vec<String> {
            entries
                .iter()
                .map(|e| match e.event() {
                    Some(AuditEvent::UserLogout { session }) => session,
                    other => panic!("{other:?}"),
                })
                .collect()
        };
        let first = audit::list(conn, None, 2).unwrap();
        assert_eq!(sessions_of(&first), ["s4", "s3"]);
        assert_eq!(first[0].details.as_deref(), Some(r#"{"session":"s4"}"#));
        let second = audit::list(conn, Some(first[1].id), 2).unwrap();
        assert_eq!(sessions_of(&second), ["s2", "s1"]);
        let last = audit::list(conn, Some(second[1].id), 2).unwrap();
        assert_eq!(last.len(), 1);
        assert_eq!(last[0].ip.as_deref(), Some("203.0.113.9"));
    })
    .await;
}

async fn migrations_are_idempotent(app: TestApp) {
    let url = app.settings.database.url.clone();
    let applied = tokio::task::spawn_blocking(move || db::migrations::prepare(&url))
        .await
        .unwrap()
        .unwrap();
    assert!(
        applied.is_empty(),
        "already applied at start-up: {applied:?}"
    );
    if app.backend == Backend::Sqlite {
        sqlite_connections_are_tuned(&app).await;
    }
}

async fn sqlite_connections_are_tuned(app: &TestApp) {
    use diesel::prelude::*;
    use diesel::sql_types::{BigInt, Text};

    #[derive(QueryableByName)]
    struct Mode {
        #[diesel(sql_type = Text)]
        journal_mode: String,
    }
    #[derive(QueryableByName)]
    struct Number {
        #[diesel(sql_type = BigInt)]
        value: i64,
    }
    app.with_db(|conn| {
        let DbConnection::Sqlite(conn) = conn else {
            panic!("sqlite expected")
        };
        let mode: Mode = diesel::sql_query("PRAGMA journal_mode")
            .get_result(conn)
            .unwrap();
        assert_eq!(mode.journal_mode, "wal");
        let number = |conn: &mut SqliteConnection, pragma: &str, column: &str| -> i64 {
            diesel::sql_query(format!("SELECT \"{column}\" AS value FROM pragma_{pragma}"))
                .get_result::<Number>(conn)
                .unwrap()
                .value
        };
        assert_eq!(number(conn, "foreign_keys", "foreign_keys"), 1);
        assert_eq!(number(conn, "synchronous", "synchronous"), 1, "NORMAL");
        assert_eq!(number(conn, "busy_timeout", "timeout"), 5000);
    })
    .await;
}

async fn housekeeping_removes_only_unusable_rows(app: TestApp) {
    app.with_db(|conn| {
        let user = insert_user(conn, "kept@example.com");
        let stale_anonymous = new_session(
            conn,
            None,
            sekisho::domain::SessionKind::Admin,
            TimeDelta::seconds(-1),
        );
        let live_anonymous = new_session(
            conn,
            None,
            sekisho::domain::SessionKind::Admin,
            TimeDelta::minutes(30),
        );
        let ended = new_session(
            conn,
            Some(&user),
            sekisho::domain::SessionKind::Browser,
            TimeDelta::seconds(-1),
        );
        let removed = sessions::purge_stale(conn, db::now()).unwrap();
        assert_eq!(removed, 1, "only the expired anonymous session");
        use diesel::prelude::*;
        use sekisho::db::schema::sessions::dsl;
        let left: Vec<String> = dsl::sessions.select(dsl::id).load_on(conn).unwrap();
        assert!(!left.contains(&stale_anonymous));
        assert!(left.contains(&live_anonymous) && left.contains(&ended));
    })
    .await;
}

/// Closed sets map to their columns through diesel: a row holding a spelling the code
/// does not know (written by hand, or by a newer release) fails to load, loudly,
/// instead of passing as some default.
async fn an_unknown_stored_value_fails_to_load(app: TestApp) {
    app.signup("odd@example.com").await;
    app.with_db(|conn| {
        diesel::sql_query(
            "UPDATE users SET disabled_reason = 'bribery' WHERE email = 'odd@example.com'",
        )
        .execute_on(conn)
        .unwrap();
        let loaded = users::find_by_email(conn, "odd@example.com");
        assert!(
            matches!(loaded, Err(Error::DeserializationError(_))),
            "{loaded:?}"
        );
    })
    .await;
}
