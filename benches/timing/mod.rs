//! What the one-thread benches share: the measuring loop and the command line's
//! seconds per measurement.

use std::time::{Duration, Instant};

/// The first argument that is a number (cargo bench passes `--bench` too), or 3.
pub fn seconds_per_measurement() -> u64 {
    std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .and_then(|a| a.parse().ok())
        .unwrap_or(3)
}

/// Runs `work` repeatedly for `seconds`; the mean time of one run.
pub fn per_run(seconds: u64, mut work: impl FnMut()) -> Duration {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut runs = 0u32;
    while Instant::now() < deadline {
        work();
        runs += 1;
    }
    started.elapsed() / runs.max(1)
}
