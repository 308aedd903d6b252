//! Wakes this process's webhook worker when a transaction that wrote to the outbox
//! commits, so a delivery starts at once rather than at the worker's next poll. The
//! mark is per thread (a transaction runs on one thread) and is dropped on rollback:
//! a change that rolled back wakes nobody. Other instances find the work by polling.

use std::cell::Cell;

use tokio::sync::Notify;

thread_local! {
    static MARKED: Cell<bool> = const { Cell::new(false) };
}

static COMMITTED: Notify = Notify::const_new();

/// The open transaction wrote work for the worker.
pub fn mark() {
    MARKED.with(|marked| marked.set(true));
}

/// The outermost transaction committed: wake the worker if it wrote work.
pub fn committed() {
    if MARKED.with(Cell::take) {
        COMMITTED.notify_waiters();
    }
}

/// The outermost transaction rolled back: what it wrote is gone.
pub fn rolled_back() {
    MARKED.with(|marked| marked.set(false));
}

/// What the worker waits on.
pub fn wakeup() -> &'static Notify {
    &COMMITTED
}
