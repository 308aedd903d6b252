// A benchmark panics on a broken premise: that is its failure report.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::as_conversions,
    clippy::needless_collect
)]
//! The raw argon2id rate of this machine with Sekisho's parameters: one thread per
//! core, each reusing its memory, verifying a known hash in a loop. The login
//! benchmark (`benches/bench.sh`) compares the server's login rate with this.
//!
//! cargo bench --bench argon2_rate -- [threads] [seconds]

use std::time::{Duration, Instant};

use sekisho::crypto::password::PasswordEngine;

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| !a.starts_with('-'));
    let threads: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1)
    });
    let seconds: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let Ok(phc) = PasswordEngine::new().hash("correct horse battery") else {
        eprintln!("hashing failed");
        std::process::exit(1);
    };
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let phc = phc.clone();
            std::thread::spawn(move || {
                let mut engine = PasswordEngine::new();
                let mut count = 0u64;
                while Instant::now() < deadline {
                    assert!(engine.verify("correct horse battery", &phc));
                    count += 1;
                }
                count
            })
        })
        .collect();
    let total: u64 = workers.into_iter().map(|w| w.join().unwrap_or(0)).sum();
    let rate = total as f64 / started.elapsed().as_secs_f64();
    println!("argon2id verifications/s on {threads} threads: {rate:.1}");
}
