//! Password hashing off the actix workers: one thread per core, each reusing its own
//! argon2 memory. A login flood queues here (bounded) instead of starting a blocking
//! task and a 19 MiB allocation per request, so other requests keep their threads and
//! memory stays flat.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use tokio::sync::oneshot;

use super::password::{HashError, PasswordEngine};

/// Why a password could not be hashed or checked.
#[derive(Debug, thiserror::Error)]
pub enum HasherError {
    /// Every hashing thread is busy and the queue is full: try again in a moment.
    #[error("password hashing queue is full")]
    Busy,
    #[error("password hashing threads stopped")]
    Stopped,
    #[error("password hashing failed: {0}")]
    Failed(String),
}

/// A job and when it was queued.
struct Queued {
    job: Job,
    since: Instant,
}

/// The queue's depth and the time jobs wait in it, registered by whoever exposes
/// metrics.
#[derive(Clone)]
pub struct QueueMetrics {
    pub depth: Gauge,
    pub wait: Histogram,
}

enum Job {
    Hash {
        password: String,
        reply: oneshot::Sender<Result<String, HashError>>,
    },
    Verify {
        password: String,
        phc: String,
        reply: oneshot::Sender<bool>,
    },
}

#[derive(Clone)]
pub struct HasherPool {
    jobs: SyncSender<Queued>,
    /// Verifying against this costs what a real verification costs: logins for
    /// unknown emails take as long as those for known ones.
    dummy_hash: Arc<str>,
    /// Jobs accepted since start: what a metric or a test reads to see whether a
    /// request cost a hash.
    accepted: Arc<AtomicU64>,
    queue: QueueMetrics,
}

/// Jobs waiting per thread before new ones are turned away with 503.
const QUEUE_PER_THREAD: usize = 256;

impl HasherPool {
    pub fn start(threads: usize, queue: QueueMetrics) -> std::io::Result<Self> {
        Self::start_with_queue(threads, threads.max(1) * QUEUE_PER_THREAD, queue)
    }

    fn start_with_queue(
        threads: usize,
        queue_len: usize,
        queue: QueueMetrics,
    ) -> std::io::Result<Self> {
        let threads = threads.max(1);
        let (jobs, receiver) = mpsc::sync_channel::<Queued>(queue_len);
        let receiver = Arc::new(Mutex::new(receiver));
        for n in 0..threads {
            let (receiver, queue) = (receiver.clone(), queue.clone());
            std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || work(&receiver, &queue))?;
        }
        let dummy_hash = PasswordEngine::new()
            .hash(&uuid::Uuid::new_v4().to_string())
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(Self {
            jobs,
            dummy_hash: dummy_hash.into(),
            accepted: Arc::default(),
            queue,
        })
    }

    pub async fn hash(&self, password: &str) -> Result<String, HasherError> {
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Hash {
            password: password.to_owned(),
            reply,
        })?;
        answer
            .await
            .map_err(|_| HasherError::Stopped)?
            .map_err(|e| HasherError::Failed(e.to_string()))
    }

    pub async fn verify(&self, password: &str, phc: &str) -> Result<bool, HasherError> {
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Verify {
            password: password.to_owned(),
            phc: phc.to_owned(),
            reply,
        })?;
        answer.await.map_err(|_| HasherError::Stopped)
    }

    /// Like `verify`; a user without a password (social sign-in only) takes the same
    /// time as anyone and is refused.
    pub async fn verify_stored(
        &self,
        password: &str,
        phc: Option<&str>,
    ) -> Result<bool, HasherError> {
        match phc {
            Some(phc) => self.verify(password, phc).await,
            None => self.verify_dummy(password).await,
        }
    }

    /// Spends a verification's time and returns false: the unknown-user path.
    pub async fn verify_dummy(&self, password: &str) -> Result<bool, HasherError> {
        let dummy = self.dummy_hash.clone();
        self.verify(password, &dummy).await.map(|_| false)
    }

    /// How many hash or verify jobs were accepted since start.
    pub fn jobs_accepted(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed)
    }

    fn submit(&self, job: Job) -> Result<(), HasherError> {
        // Counted before sending: a worker may take the job at once and count it out.
        self.queue.depth.inc();
        let queued = Queued {
            job,
            since: Instant::now(),
        };
        self.jobs
            .try_send(queued)
            .map(|()| {
                self.accepted.fetch_add(1, Ordering::Relaxed);
            })
            .inspect_err(|_| {
                self.queue.depth.dec();
            })
            .map_err(|e| match e {
                TrySendError::Full(_) => HasherError::Busy,
                TrySendError::Disconnected(_) => HasherError::Stopped,
            })
    }
}

fn work(receiver: &Mutex<Receiver<Queued>>, queue: &QueueMetrics) {
    let mut engine = PasswordEngine::new();
    loop {
        // The lock is held only while waiting for the next job, not while hashing.
        let next = match receiver.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        let Ok(Queued { job, since }) = next else {
            return;
        };
        queue.depth.dec();
        queue.wait.observe(since.elapsed().as_secs_f64());
        match job {
            Job::Hash { password, reply } => {
                let _ = reply.send(engine.hash(&password));
            }
            Job::Verify {
                password,
                phc,
                reply,
            } => {
                let _ = reply.send(engine.verify(&password, &phc));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }

    #[test]
    fn verifies_and_turns_work_away_when_the_queue_is_full() {
        let pool = HasherPool::start_with_queue(
            1,
            1,
            QueueMetrics {
                depth: Gauge::default(),
                wait: Histogram::new([0.1]),
            },
        )
        .unwrap();
        let phc = block_on(pool.hash("correct horse")).unwrap();
        assert!(block_on(pool.verify("correct horse", &phc)).unwrap());
        assert!(!block_on(pool.verify("wrong horse", &phc)).unwrap());
        assert!(!block_on(pool.verify_dummy("correct horse")).unwrap());

        // One job running, one waiting: the rest are refused at once with 503.
        let flood = (0..6).map(|_| pool.verify("correct horse", &phc));
        let results = block_on(futures_util::future::join_all(flood));
        let refused = results
            .iter()
            .filter(|r| matches!(r, Err(HasherError::Busy)))
            .count();
        assert!(refused >= 1, "{results:?}");
        assert!(results.iter().any(|r| matches!(r, Ok(true))), "{results:?}");
    }
}
