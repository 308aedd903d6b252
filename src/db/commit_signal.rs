//! Wakes this process's webhook or mail worker when a transaction that wrote work for
//! it commits, so a delivery starts at once rather than at the worker's next poll.
//! Each worker has its own signal: a queued mail does not send the webhook worker to
//! claim (on SQLite, under the write lock), nor an event the mail worker. The marks
//! are per thread (a transaction runs on one thread) and are dropped on rollback: a
//! change that rolled back wakes nobody. Other instances find the work by polling.

use std::cell::Cell;

use tokio::sync::Notify;

/// Whose work a transaction wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    Webhooks,
    Mail,
}

impl Work {
    fn bit(self) -> u8 {
        match self {
            Self::Webhooks => 1,
            Self::Mail => 2,
        }
    }

    /// What the worker waits on.
    pub fn wakeup(self) -> &'static Notify {
        match self {
            Self::Webhooks => &WEBHOOKS,
            Self::Mail => &MAIL,
        }
    }
}

thread_local! {
    static MARKED: Cell<u8> = const { Cell::new(0) };
}

static WEBHOOKS: Notify = Notify::const_new();
static MAIL: Notify = Notify::const_new();

/// The open transaction wrote work for `work`'s worker.
pub fn mark(work: Work) {
    MARKED.with(|marked| marked.set(marked.get() | work.bit()));
}

/// The outermost transaction committed: wake the workers it wrote work for.
pub fn committed() {
    let marked = MARKED.with(Cell::take);
    for work in [Work::Webhooks, Work::Mail] {
        if marked & work.bit() != 0 {
            work.wakeup().notify_waiters();
        }
    }
}

/// The outermost transaction rolled back: what it wrote is gone.
pub fn rolled_back() {
    MARKED.with(|marked| marked.set(0));
}
