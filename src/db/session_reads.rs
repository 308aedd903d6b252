//! The session reads of the session check. On PostgreSQL up to `READS_AT_ONCE` reads
//! are at the database at a time; the checks that arrive while they all are wait, and
//! then go together in one query: under load one statement, one round trip and one hop
//! to the blocking pool serve many requests instead of one each (the cost a check paid
//! over /api/health was the statement's, not its rows'). A check never waits for a
//! timer: with a read free it goes at once, and a check that waits reads the database
//! after it arrived, so a revocation committed before a request still refuses it. On
//! SQLite a read is a call into a local file on the worker itself (`db::run_read`),
//! with nothing to share.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::oneshot;

use super::sessions::{self, LiveSession};
use super::users::User;
use super::{DbError, Pool};
use crate::config::DatabaseUrl;
use crate::db;

/// The most sessions one query asks for; more wait for the next.
const MOST_IN_ONE_READ: usize = 128;

/// Reads at the database at once: as many checks as this go alone, as they did before
/// checks were read together, so light load keeps its latency.
const READS_AT_ONCE: usize = 4;

/// A live session and its user, or None.
type Found = Option<(User, LiveSession)>;

/// The checks waiting for a read, and how many reads are at the database.
pub struct SessionReads {
    pool: Pool,
    queue: Mutex<Queue>,
}

#[derive(Default)]
struct Queue {
    /// Reads at the database: checks reading alone, and reading tasks.
    reading: usize,
    waiting: Vec<Waiter>,
}

struct Waiter {
    sid: String,
    sub: String,
    reply: oneshot::Sender<Result<Found, DbError>>,
}

impl SessionReads {
    pub fn new(pool: Pool) -> Self {
        Self {
            pool,
            queue: Mutex::default(),
        }
    }

    /// The session `sid` of user `sub` with its user, if the session is live and the
    /// user has not withdrawn.
    pub async fn find_live(
        self: &Arc<Self>,
        url: &DatabaseUrl,
        sid: &str,
        sub: &str,
    ) -> Result<Found, DbError> {
        let (sid, sub) = (sid.to_owned(), sub.to_owned());
        if matches!(url, DatabaseUrl::Sqlite(_)) {
            return db::run_read(&self.pool, url, move |conn| -> Result<_, DbError> {
                Ok(sessions::find_live_with_user(conn, &sid, &sub, db::now())?)
            })
            .await;
        }
        let waiting = {
            let mut queue = self.queue();
            if queue.reading < READS_AT_ONCE {
                queue.reading += 1;
                None
            } else {
                let (reply, answer) = oneshot::channel();
                let (sid, sub) = (sid.clone(), sub.clone());
                queue.waiting.push(Waiter { sid, sub, reply });
                Some(answer)
            }
        };
        if let Some(answer) = waiting {
            return answer
                .await
                .unwrap_or_else(|_| Err(DbError::Interrupted("the session read stopped".into())));
        }
        // The read this check holds goes, once it is done (or the request is gone), to
        // the checks that queued meanwhile.
        let _held = HeldRead(self.clone());
        db::run(&self.pool, move |conn| -> Result<_, DbError> {
            Ok(sessions::find_live_with_user(conn, &sid, &sub, db::now())?)
        })
        .await
    }

    fn queue(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next checks to read, or None (and one read fewer at the database) when none
    /// wait.
    fn next_batch(&self) -> Option<Vec<Waiter>> {
        let mut queue = self.queue();
        if queue.waiting.is_empty() {
            queue.reading = queue.reading.saturating_sub(1);
            return None;
        }
        let take = queue.waiting.len().min(MOST_IN_ONE_READ);
        Some(queue.waiting.drain(..take).collect())
    }
}

/// A read a check made alone. When it ends, the checks that queued meanwhile get it:
/// a task reads for them (the request that held it may be gone); with none waiting it
/// is free again.
struct HeldRead(Arc<SessionReads>);

impl Drop for HeldRead {
    fn drop(&mut self) {
        let hand_on = {
            let mut queue = self.0.queue();
            if queue.waiting.is_empty() {
                queue.reading = queue.reading.saturating_sub(1);
            }
            !queue.waiting.is_empty()
        };
        if !hand_on {
            return;
        }
        let reading = Reading {
            reads: self.0.clone(),
            done: false,
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(read_while_waiting(reading));
        }
        // Without a runtime `reading` is dropped here: it answers the waiting checks.
    }
}

/// Reads for the waiting checks until none wait.
async fn read_while_waiting(mut reading: Reading) {
    loop {
        let Some(batch) = reading.reads.next_batch() else {
            reading.done = true;
            return;
        };
        let mut asked: Vec<(String, String)> = batch
            .iter()
            .map(|waiter| (waiter.sid.clone(), waiter.sub.clone()))
            .collect();
        asked.sort_unstable();
        asked.dedup();
        let found = db::run(&reading.reads.pool, move |conn| -> Result<_, DbError> {
            Ok(sessions::find_live_with_users(conn, &asked, db::now())?)
        })
        .await;
        answer(batch, found);
    }
}

/// A reading task's read, for as long as the task runs. A task dropped before it is
/// done (its worker stopped) counts itself out, and when it was the last read it
/// answers the checks still waiting, rather than leaving them waiting for no one.
struct Reading {
    reads: Arc<SessionReads>,
    /// Whether it ended with no check waiting (`next_batch` counted it out).
    done: bool,
}

impl Drop for Reading {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let waiting = {
            let mut queue = self.reads.queue();
            queue.reading = queue.reading.saturating_sub(1);
            if queue.reading > 0 {
                return;
            }
            std::mem::take(&mut queue.waiting)
        };
        for waiter in waiting {
            let stopped = DbError::Interrupted("the session read stopped".into());
            let _ = waiter.reply.send(Err(stopped));
        }
    }
}

/// Each waiting check its row (the session must be the token's user's), or the
/// read's failure.
fn answer(batch: Vec<Waiter>, found: Result<Vec<(User, LiveSession)>, DbError>) {
    match found {
        Ok(rows) => {
            let by_session: HashMap<&str, &(User, LiveSession)> =
                rows.iter().map(|row| (row.1.id.as_str(), row)).collect();
            for waiter in batch {
                let row = by_session
                    .get(waiter.sid.as_str())
                    .filter(|(user, _)| user.id == waiter.sub)
                    .map(|row| (*row).clone());
                // The request may have gone meanwhile; its answer has no one to go to.
                let _ = waiter.reply.send(Ok(row));
            }
        }
        Err(error) => {
            let error = Arc::new(error);
            for waiter in batch {
                let _ = waiter.reply.send(Err(DbError::Shared(error.clone())));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Email, SessionId, UserId};

    /// Reads over a pool that never connects (these tests read nothing).
    fn reads() -> Arc<SessionReads> {
        let pool = db::build_pool(
            &DatabaseUrl::Sqlite(":memory:".into()),
            1,
            std::time::Duration::from_millis(10),
            Arc::default(),
            db::PoolEvents {
                wait: prometheus_client::metrics::histogram::Histogram::new([0.1]),
                timeouts: Default::default(),
            },
        );
        Arc::new(SessionReads::new(pool))
    }

    fn row(user: &str, session: &str) -> (User, LiveSession) {
        let now = db::now();
        let email = Email::parse(&format!("{user}@example.com")).expect("an address");
        let mut member = User::new_member(&email, now);
        member.id = UserId::from(user.to_owned());
        let session = LiveSession {
            id: SessionId::from(session.to_owned()),
            last_seen_at: now,
        };
        (member, session)
    }

    fn waiter(sid: &str, sub: &str) -> (Waiter, oneshot::Receiver<Result<Found, DbError>>) {
        let (reply, answer) = oneshot::channel();
        let waiter = Waiter {
            sid: sid.to_owned(),
            sub: sub.to_owned(),
            reply,
        };
        (waiter, answer)
    }

    /// `waiter` waiting behind `reading` reads at the database.
    fn queue_behind(reads: &SessionReads, reading: usize, waiter: Waiter) {
        let mut queue = reads.queue();
        queue.reading = reading;
        queue.waiting.push(waiter);
    }

    fn user_of(answer: &mut oneshot::Receiver<Result<Found, DbError>>) -> Option<String> {
        let found = answer.try_recv().expect("answered").expect("no failure");
        found.map(|(user, _)| user.id.to_string())
    }

    #[test]
    fn each_check_gets_the_row_of_its_session_and_user_only() {
        let (mine, mut mine_answer) = waiter("s1", "alice");
        let (again, mut again_answer) = waiter("s1", "alice");
        let (wrong_user, mut wrong_user_answer) = waiter("s1", "mallory");
        let (gone, mut gone_answer) = waiter("s9", "bob");
        let (other, mut other_answer) = waiter("s2", "bob");
        answer(
            vec![mine, again, wrong_user, gone, other],
            Ok(vec![row("alice", "s1"), row("bob", "s2")]),
        );
        assert_eq!(user_of(&mut mine_answer).as_deref(), Some("alice"));
        assert_eq!(user_of(&mut again_answer).as_deref(), Some("alice"));
        // A token naming alice's session with another user is no session at all.
        assert_eq!(user_of(&mut wrong_user_answer), None);
        assert_eq!(user_of(&mut gone_answer), None);
        assert_eq!(user_of(&mut other_answer).as_deref(), Some("bob"));
    }

    #[test]
    fn a_failed_read_fails_every_check_in_it_alike() {
        let (first, mut first_answer) = waiter("s1", "alice");
        let (second, mut second_answer) = waiter("s2", "bob");
        let unavailable = diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::ClosedConnection,
            Box::new(String::from("server closed the connection")),
        );
        answer(vec![first, second], Err(DbError::Query(unavailable)));
        for answer in [&mut first_answer, &mut second_answer] {
            let error = answer.try_recv().expect("answered").expect_err("a failure");
            assert!(error.is_unavailable(), "{error}");
        }
    }

    #[test]
    fn a_read_stopped_before_it_is_done_answers_the_waiting_checks() {
        let reads = reads();
        let (waiting, mut waiting_answer) = waiter("s1", "alice");
        queue_behind(&reads, 2, waiting);
        drop(Reading {
            reads: reads.clone(),
            done: false,
        });
        // Another read is still at the database: it takes the waiting check next.
        assert!(
            waiting_answer.try_recv().is_err(),
            "answered with a read left"
        );
        assert_eq!(reads.queue().reading, 1);
        drop(Reading {
            reads: reads.clone(),
            done: false,
        });
        let error = waiting_answer.try_recv().expect("answered");
        assert!(matches!(error, Err(DbError::Interrupted(_))));
        let queue = reads.queue();
        assert_eq!(queue.reading, 0, "the next check could never start a read");
        assert!(queue.waiting.is_empty());
    }

    #[test]
    fn a_read_that_ended_leaves_checks_that_came_after_it_alone() {
        let reads = reads();
        assert!(reads.next_batch().is_none());
        // A check that arrived after the read ended started its own read.
        let (later, mut later_answer) = waiter("s1", "alice");
        queue_behind(&reads, 1, later);
        drop(Reading {
            reads: reads.clone(),
            done: true,
        });
        assert!(later_answer.try_recv().is_err(), "not answered yet");
        assert_eq!(reads.queue().waiting.len(), 1);
    }
}
