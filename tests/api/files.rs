//! What the server leaves on disk is its owner's only: the SQLite files, the data
//! folder and the outbox (whose mails hold live reset links).

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use serde_json::json;

use crate::helpers::{Backend, TestApp, TestDb};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_files_are_owner_only_and_an_old_outbox_is_tightened() {
    let db = TestDb::create(Backend::Sqlite)
        .await
        .expect("SQLite is always there");
    // What an older version left: an outbox readable by every local user.
    let outbox = db.data_dir().join("outbox");
    std::fs::create_dir_all(&outbox).unwrap();
    std::fs::set_permissions(&outbox, std::fs::Permissions::from_mode(0o755)).unwrap();
    let old_mail = outbox.join("old.eml");
    std::fs::write(&old_mail, "a reset link").unwrap();
    std::fs::set_permissions(&old_mail, std::fs::Permissions::from_mode(0o644)).unwrap();

    let app = TestApp::spawn_on(db, &[]).await;
    app.signup("private@example.com").await;
    let response = app
        .post(
            "/api/v1/auth/forgot-password",
            json!({ "email": "private@example.com" }),
        )
        .await;
    assert_eq!(response.status(), 200);
    let new_mail = app
        .wait_for_outbox(2)
        .await
        .into_iter()
        .map(|(path, _)| path)
        .find(|path| !path.ends_with("old.eml"))
        .expect("the reset mail in the outbox");

    let database = app.db.dir().join("auth.db");
    for (path, expected) in [
        (app.db.data_dir(), 0o700),
        (outbox.clone(), 0o700),
        (old_mail, 0o600),
        (new_mail, 0o600),
        (database.clone(), 0o600),
        (database.with_extension("db-wal"), 0o600),
        (database.with_extension("db-shm"), 0o600),
    ] {
        assert_eq!(mode(&path), expected, "{}", path.display());
    }
}
