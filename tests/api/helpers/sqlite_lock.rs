//! SQLite's write lock, held by a connection of the test's own (another process, as
//! far as the app can tell) until released.

use std::sync::mpsc;
use std::thread::JoinHandle;

use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};

use super::TestApp;

pub struct WriteLock {
    release: mpsc::Sender<()>,
    holder: JoinHandle<()>,
}

impl WriteLock {
    /// Takes the write lock of the app's SQLite file; returns once it is held. Writes
    /// the app is finishing (a sign-up's after-answer work) are waited for first.
    pub fn take(app: &TestApp) -> WriteLock {
        let path = app.db.url().trim_start_matches("sqlite://").to_owned();
        let (locked_tx, locked_rx) = mpsc::channel();
        let (release, release_rx) = mpsc::channel::<()>();
        let holder = std::thread::spawn(move || {
            let mut conn = SqliteConnection::establish(&path).unwrap();
            conn.batch_execute("PRAGMA busy_timeout = 5000; BEGIN IMMEDIATE")
                .unwrap();
            locked_tx.send(()).unwrap();
            release_rx.recv().unwrap();
            conn.batch_execute("COMMIT").unwrap();
        });
        locked_rx.recv().unwrap();
        WriteLock { release, holder }
    }

    pub fn release(self) {
        self.release.send(()).unwrap();
        self.holder.join().unwrap();
    }
}
