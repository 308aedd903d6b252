//! Password hashing off the actix workers: one thread per core, each reusing its own
//! argon2 memory. A login flood queues here (bounded) instead of starting a blocking
//! task and a 19 MiB allocation per request, so other requests keep their threads and
//! memory stays flat.
//!
//! The queue is fair: every job belongs to a lane (one account's logins, one user's
//! password change), a lane runs one job at a time, and lanes take turns. A flood
//! against one account therefore occupies at most one hashing thread and puts at most
//! one of its jobs ahead of anyone else's, however many of them wait.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
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
    /// This lane (one account) already has as many jobs waiting as it may.
    #[error("too many password checks waiting for one account")]
    LaneFull,
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
    Derive {
        inputs: Vec<String>,
        salt: Vec<u8>,
        params: argon2::Params,
        reply: oneshot::Sender<Result<Vec<Vec<u8>>, HashError>>,
    },
}

/// One lane's waiting jobs, and whether one of its jobs is running.
#[derive(Default)]
struct Lane {
    waiting: VecDeque<Queued>,
    running: bool,
}

/// The jobs of every lane. A lane is in `turns` exactly when it has a job waiting and
/// none running, so a worker takes the front lane's next job and the lane goes to the
/// back of the line when that job is done.
#[derive(Default)]
struct Lanes {
    lanes: HashMap<Arc<str>, Lane>,
    turns: VecDeque<Arc<str>>,
    waiting: usize,
    stopped: bool,
}

struct Shared {
    lanes: Mutex<Lanes>,
    job_ready: Condvar,
    capacity: usize,
    per_lane: usize,
    metrics: QueueMetrics,
}

impl Shared {
    fn lock(&self) -> Result<MutexGuard<'_, Lanes>, HasherError> {
        self.lanes.lock().map_err(|_| HasherError::Stopped)
    }
}

/// Stops the threads when the last handle to the pool is dropped (tests start many
/// servers in one process; each would otherwise keep its threads and their memory).
struct StopOnDrop(Arc<Shared>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        if let Ok(mut lanes) = self.0.lanes.lock() {
            lanes.stopped = true;
        }
        self.0.job_ready.notify_all();
    }
}

#[derive(Clone)]
pub struct HasherPool {
    shared: Arc<Shared>,
    _stop: Arc<StopOnDrop>,
    /// Verifying against this costs what a real verification costs: logins for
    /// unknown emails take as long as those for known ones.
    dummy_hash: Arc<str>,
    /// Jobs accepted since start: what a metric or a test reads to see whether a
    /// request cost a hash.
    accepted: Arc<AtomicU64>,
}

/// Jobs waiting per thread before new ones are turned away with 503.
const QUEUE_PER_THREAD: usize = 256;
/// Jobs one lane may have waiting: a person signs in from a device or two at a time;
/// more at once is a flood, refused with 429 without a hash.
const WAITING_PER_LANE: usize = 8;

impl HasherPool {
    pub fn start(threads: usize, queue: QueueMetrics) -> std::io::Result<Self> {
        Self::start_with_queue(threads, threads.max(1) * QUEUE_PER_THREAD, queue)
    }

    fn start_with_queue(
        threads: usize,
        capacity: usize,
        metrics: QueueMetrics,
    ) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            lanes: Mutex::default(),
            job_ready: Condvar::new(),
            capacity,
            per_lane: WAITING_PER_LANE,
            metrics,
        });
        let stop = Arc::new(StopOnDrop(shared.clone()));
        for n in 0..threads.max(1) {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || work(&shared))?;
        }
        let dummy_hash = PasswordEngine::new()
            .hash(&uuid::Uuid::new_v4().to_string())
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(Self {
            shared,
            _stop: stop,
            dummy_hash: dummy_hash.into(),
            accepted: Arc::default(),
        })
    }

    /// A new PHC string for `password`, hashed in `lane`'s turn.
    pub async fn hash(&self, lane: &str, password: &str) -> Result<String, HasherError> {
        let password = password.to_owned();
        self.run(lane, |reply| Job::Hash { password, reply })
            .await?
            .map_err(|e| HasherError::Failed(e.to_string()))
    }

    pub async fn verify(&self, lane: &str, password: &str, phc: &str) -> Result<bool, HasherError> {
        let (password, phc) = (password.to_owned(), phc.to_owned());
        self.run(lane, |reply| Job::Verify {
            password,
            phc,
            reply,
        })
        .await
    }

    /// argon2id of each of `inputs` with `salt` under `params`, as raw bytes, in one
    /// job of `lane`'s turn (see `PasswordEngine::derive`).
    pub async fn derive(
        &self,
        lane: &str,
        inputs: Vec<String>,
        salt: Vec<u8>,
        params: argon2::Params,
    ) -> Result<Vec<Vec<u8>>, HasherError> {
        self.run(lane, |reply| Job::Derive {
            inputs,
            salt,
            params,
            reply,
        })
        .await?
        .map_err(|e| HasherError::Failed(e.to_string()))
    }

    /// Queues the job `make` builds around its reply channel, and waits for the reply.
    async fn run<R>(
        &self,
        lane: &str,
        make: impl FnOnce(oneshot::Sender<R>) -> Job,
    ) -> Result<R, HasherError> {
        let (reply, answer) = oneshot::channel();
        self.submit(lane, make(reply))?;
        answer.await.map_err(|_| HasherError::Stopped)
    }

    /// Like `verify`; a user without a password (social sign-in only) takes the same
    /// time as anyone and is refused.
    pub async fn verify_stored(
        &self,
        lane: &str,
        password: &str,
        phc: Option<&str>,
    ) -> Result<bool, HasherError> {
        match phc {
            Some(phc) => self.verify(lane, password, phc).await,
            None => self.verify_dummy(lane, password).await,
        }
    }

    /// Spends a verification's time and returns false: the unknown-user path.
    pub async fn verify_dummy(&self, lane: &str, password: &str) -> Result<bool, HasherError> {
        let dummy = self.dummy_hash.clone();
        self.verify(lane, password, &dummy).await.map(|_| false)
    }

    /// How many hash or verify jobs were accepted since start.
    pub fn jobs_accepted(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed)
    }

    fn submit(&self, lane: &str, job: Job) -> Result<(), HasherError> {
        enqueue(&self.shared, lane, job)?;
        self.accepted.fetch_add(1, Ordering::Relaxed);
        self.shared.job_ready.notify_one();
        Ok(())
    }
}

/// Puts the job in its lane, the lane in the line when it has no turn yet.
fn enqueue(shared: &Shared, lane: &str, job: Job) -> Result<(), HasherError> {
    {
        let mut lanes = shared.lock()?;
        if lanes.stopped {
            return Err(HasherError::Stopped);
        }
        if lanes.waiting >= shared.capacity {
            return Err(HasherError::Busy);
        }
        let key: Arc<str> = Arc::from(lane);
        let entry = lanes.lanes.entry(key.clone()).or_default();
        if entry.waiting.len() >= shared.per_lane {
            return Err(HasherError::LaneFull);
        }
        entry.waiting.push_back(Queued {
            job,
            since: Instant::now(),
        });
        let takes_a_turn = !entry.running && entry.waiting.len() == 1;
        lanes.waiting += 1;
        if takes_a_turn {
            lanes.turns.push_back(key);
        }
        // Counted under the lock: a worker may take the job as soon as it is released.
        shared.metrics.depth.inc();
    }
    Ok(())
}

/// The next job whose lane's turn it is, marking the lane as running; None once the
/// pool has stopped.
fn next_job(shared: &Shared) -> Option<(Arc<str>, Queued)> {
    let mut lanes = shared.lanes.lock().ok()?;
    loop {
        if lanes.stopped {
            return None;
        }
        if let Some(key) = lanes.turns.pop_front() {
            let next = lanes.lanes.get_mut(&key).and_then(|lane| {
                lane.running = true;
                lane.waiting.pop_front()
            });
            if let Some(queued) = next {
                lanes.waiting -= 1;
                return Some((key, queued));
            }
            continue;
        }
        lanes = shared.job_ready.wait(lanes).ok()?;
    }
}

/// The lane's job is done: the lane goes to the back of the line if it has more, and
/// is forgotten if not.
fn finish(shared: &Shared, key: Arc<str>) {
    let Ok(mut lanes) = shared.lanes.lock() else {
        return;
    };
    let more = match lanes.lanes.get_mut(&key) {
        Some(lane) => {
            lane.running = false;
            !lane.waiting.is_empty()
        }
        None => false,
    };
    if more {
        lanes.turns.push_back(key);
        drop(lanes);
        shared.job_ready.notify_one();
    } else {
        lanes.lanes.remove(&key);
    }
}

fn work(shared: &Shared) {
    let mut engine = PasswordEngine::new();
    while let Some((lane, Queued { job, since })) = next_job(shared) {
        shared.metrics.depth.dec();
        shared.metrics.wait.observe(since.elapsed().as_secs_f64());
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
            Job::Derive {
                inputs,
                salt,
                params,
                reply,
            } => {
                let derived = inputs
                    .iter()
                    .map(|input| engine.derive(input, &salt, &params))
                    .collect();
                let _ = reply.send(derived);
            }
        }
        finish(shared, lane);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<F: Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }

    fn pool(threads: usize, capacity: usize) -> HasherPool {
        HasherPool::start_with_queue(
            threads,
            capacity,
            QueueMetrics {
                depth: Gauge::default(),
                wait: Histogram::new([0.1]),
            },
        )
        .unwrap()
    }

    #[test]
    fn verifies_and_turns_work_away_when_the_queue_is_full() {
        let pool = pool(1, 1);
        let phc = block_on(pool.hash("a", "correct horse")).unwrap();
        assert!(block_on(pool.verify("a", "correct horse", &phc)).unwrap());
        assert!(!block_on(pool.verify("a", "wrong horse", &phc)).unwrap());
        assert!(!block_on(pool.verify_dummy("a", "correct horse")).unwrap());

        // One job running, one waiting: the rest are refused at once with 503.
        let flood = (0..6).map(|n| pool.verify(["a", "b", "c"][n % 3], "correct horse", &phc));
        let results = block_on(futures_util::future::join_all(flood));
        let refused = results
            .iter()
            .filter(|r| matches!(r, Err(HasherError::Busy)))
            .count();
        assert!(refused >= 1, "{results:?}");
        assert!(results.iter().any(|r| matches!(r, Ok(true))), "{results:?}");
    }

    #[test]
    fn one_lane_may_not_queue_more_than_its_share() {
        let pool = pool(1, 1_000);
        let phc = block_on(pool.hash("a", "correct horse")).unwrap();
        let flood = (0..12).map(|_| pool.verify("flooded", "guess", &phc));
        let results = block_on(futures_util::future::join_all(flood));
        let refused = results
            .iter()
            .filter(|r| matches!(r, Err(HasherError::LaneFull)))
            .count();
        // Eight wait (one of them perhaps already running): three or four turned away.
        assert!((3..=4).contains(&refused), "{results:?}");
        // Another lane is still welcome.
        assert!(block_on(pool.verify("quiet", "correct horse", &phc)).unwrap());
    }

    /// Five jobs of one lane queued first, one job of another lane after them: the
    /// workers take the other lane's job second, before four of the five (first come,
    /// first served would take it last). Driven step by step, with no thread, so that
    /// the order is the queue's and not the scheduler's: with two workers both take a
    /// job before either finishes; with one, each finishes before the next is taken.
    #[test]
    fn a_busy_lane_does_not_make_another_wait_behind_it() {
        let queued = || {
            let (reply, _) = oneshot::channel();
            Job::Verify {
                password: "guess".into(),
                phc: String::new(),
                reply,
            }
        };
        for workers in [1, 2] {
            let shared = Shared {
                lanes: Mutex::default(),
                job_ready: Condvar::new(),
                capacity: 100,
                per_lane: WAITING_PER_LANE,
                metrics: QueueMetrics {
                    depth: Gauge::default(),
                    wait: Histogram::new([0.1]),
                },
            };
            for _ in 0..5 {
                enqueue(&shared, "flooded", queued()).unwrap();
            }
            enqueue(&shared, "other", queued()).unwrap();
            let mut order = Vec::new();
            let mut running = Vec::new();
            while order.len() < 6 {
                // next_job waits for work: ask only when a lane has its turn.
                while running.len() < workers && !shared.lock().unwrap().turns.is_empty() {
                    let (lane, _) = next_job(&shared).unwrap();
                    order.push(lane.to_string());
                    running.push(lane);
                }
                finish(&shared, running.remove(0));
            }
            assert_eq!(
                order,
                [
                    "flooded", "other", "flooded", "flooded", "flooded", "flooded"
                ],
                "{workers} worker(s)"
            );
        }
    }
}
