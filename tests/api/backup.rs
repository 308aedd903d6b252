//! `sekisho backup` while the server takes writes, and `sekisho restore`: every write
//! acknowledged before the backup began is in the restored database, and the server
//! starts on it. A restore refuses while a server runs, a damaged copy, and a copy
//! made by a newer release.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sekisho::config::DatabaseUrl;
use sekisho::db::{migrations, users};

use crate::cli::{Serving, sekisho, serve};
use crate::helpers::{Backend, TestDb};

fn run(command: &mut std::process::Command) -> (bool, String, String) {
    let output = command.output().unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_writes_restores_every_acknowledged_write() {
    let db = TestDb::create(Backend::Sqlite).await.unwrap();
    let Serving {
        mut child, port, ..
    } = serve(sekisho(&db).env("RATE_LIMIT_ENABLED", "false"));
    let base = format!("http://127.0.0.1:{port}");
    // Sign-ups, each recorded with the moment its 201 came back.
    let acknowledged: Arc<Mutex<Vec<(String, Instant)>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..2)
        .map(|writer| {
            let (acknowledged, stop, base) = (acknowledged.clone(), stop.clone(), base.clone());
            tokio::spawn(async move {
                let client = crate::helpers::client();
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    n += 1;
                    let email = format!("writer{writer}-{n}@example.com");
                    let answer = client
                        .post(format!("{base}/api/v1/auth/signup"))
                        .json(&serde_json::json!({"email": email, "password": "a long password"}))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(answer.status(), 201);
                    acknowledged.lock().unwrap().push((email, Instant::now()));
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let copy = db.dir().join("backup.db");
    let started = Instant::now();
    let (ok, out, err) = run(sekisho(&db).arg("backup").arg(&copy));
    assert!(ok, "{out}{err}");
    assert!(out.contains("backed up to"), "{out}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for writer in writers {
        writer.await.unwrap();
    }
    let before_backup: Vec<String> = acknowledged
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, at)| *at < started)
        .map(|(email, _)| email.clone())
        .collect();
    let after_backup = acknowledged.lock().unwrap().len() - before_backup.len();
    assert!(
        before_backup.len() >= 5,
        "too few writes to tell: {before_backup:?}"
    );
    assert!(after_backup > 0, "no write overlapped the backup's end");
    // A second backup to the same name is refused: nothing is overwritten.
    let (ok, _, err) = run(sekisho(&db).arg("backup").arg(&copy));
    assert!(!ok && err.contains("exists already"), "{err}");

    // While the server runs, a restore refuses.
    let (ok, _, err) = run(sekisho(&db).arg("restore").arg(&copy));
    assert!(!ok && err.contains("a server is running"), "{err}");
    let _ = child.kill();
    let _ = child.wait();

    let (ok, out, err) = run(sekisho(&db).arg("restore").arg(&copy));
    assert!(ok, "{out}{err}");
    assert!(out.contains("integrity ok"), "{out}");
    assert!(out.contains(".before-restore-"), "{out}");
    let url = DatabaseUrl::parse(&db.url()).unwrap();
    let mut conn = migrations::connect(&url).unwrap();
    for email in &before_backup {
        assert!(
            users::find_by_email(&mut conn, email).unwrap().is_some(),
            "{email} was acknowledged before the backup began but is not in it"
        );
    }
    drop(conn);
    // The server starts on the restored file and serves its users.
    let Serving {
        mut child, port, ..
    } = serve(&mut sekisho(&db));
    let answer = crate::helpers::client()
        .post(format!("http://127.0.0.1:{port}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": before_backup[0], "password": "a long password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test]
async fn restore_refuses_a_damaged_copy_and_a_newer_schema() {
    let db = TestDb::create(Backend::Sqlite).await.unwrap();
    assert!(sekisho(&db).arg("migrate").status().unwrap().success());
    let copy = db.dir().join("copy.db");
    let (ok, out, err) = run(sekisho(&db).arg("backup").arg(&copy));
    assert!(ok, "{out}{err}");

    // Not a database at all.
    let garbage = db.dir().join("garbage.db");
    std::fs::write(&garbage, vec![7u8; 8192]).unwrap();
    let (ok, _, err) = run(sekisho(&db).arg("restore").arg(&garbage));
    assert!(!ok, "{err}");
    // A newer release's copy.
    let newer = db.dir().join("newer.db");
    std::fs::copy(&copy, &newer).unwrap();
    let mut conn =
        migrations::connect(&DatabaseUrl::parse(&format!("sqlite://{}", newer.display())).unwrap())
            .unwrap();
    conn.batch_execute(
        "INSERT INTO __diesel_schema_migrations (version) VALUES ('20991231000001')",
    )
    .unwrap();
    drop(conn);
    let (ok, _, err) = run(sekisho(&db).arg("restore").arg(&newer));
    assert!(!ok && err.contains("newer release"), "{err}");
    // Neither touched the database, and no half-restored file is left.
    assert!(!db.dir().join("auth.db.restoring").exists());
    let kept: Vec<_> = std::fs::read_dir(db.dir())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("before-restore"))
        .collect();
    assert!(kept.is_empty());
    // PostgreSQL: the command says what to use instead.
    let (ok, _, err) = run(sekisho(&db)
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .arg("backup")
        .arg(db.dir().join("pg.db")));
    assert!(!ok && err.contains("pg_dump"), "{err}");
}
