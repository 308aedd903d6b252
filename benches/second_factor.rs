// A benchmark panics on a broken premise: that is its failure report.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::as_conversions,
    clippy::needless_collect
)]
//! What a second factor costs next to the password it follows, on one thread with
//! Sekisho's parameters: an argon2id verification, a TOTP check as the sign-in step
//! makes it (open the sealed secret, compute and compare three steps' codes), and a
//! recovery code's normalising and its salted argon2id derivation (one per try,
//! compared with all ten stored codes; ten when a set is made). The database round trips each step also
//! makes are the same kind as a login's and are not counted here.
//!
//! cargo bench --bench second_factor -- [seconds per measurement]

mod timing;
use timing::{per_run, seconds_per_measurement};

use sekisho::crypto::password::PasswordEngine;
use sekisho::crypto::{recovery_codes, sealed, totp};

fn main() {
    let seconds = seconds_per_measurement();
    let key = b"bench-secret-key-that-is-long-enough-0123456789";
    let mut engine = PasswordEngine::new();
    let Ok(phc) = engine.hash("correct horse battery") else {
        eprintln!("hashing failed");
        std::process::exit(1);
    };
    let secret = totp::new_secret();
    let Some(sealed_secret) = sealed::seal(key, b"totp secret", &secret) else {
        eprintln!("sealing failed");
        std::process::exit(1);
    };
    let now = chrono::Utc::now().timestamp();
    let code = totp::code_at(&secret, now).unwrap_or_default();
    let recovery = recovery_codes::generate().remove(0);

    let argon2 = per_run(seconds, || {
        assert!(engine.verify("correct horse battery", &phc));
    });
    let totp_check = per_run(seconds, || {
        let opened = sealed::open(key, b"totp secret", &sealed_secret).unwrap_or_default();
        assert!(totp::matching_step(&opened, &code, now, None).is_some());
    });
    let (salt, params) = (recovery_codes::salt("bench-user"), recovery_codes::params());
    let recovery_check = per_run(seconds, || {
        let normalized = recovery_codes::normalize(&recovery).unwrap_or_default();
        let derived = engine
            .derive(&normalized, &salt, &params)
            .unwrap_or_default();
        std::hint::black_box(recovery_codes::stored_form(&derived));
    });
    println!(
        "argon2id verification: {:>10.1} µs",
        argon2.as_secs_f64() * 1e6
    );
    println!(
        "TOTP check:            {:>10.1} µs",
        totp_check.as_secs_f64() * 1e6
    );
    println!(
        "recovery code check:   {:>10.1} µs",
        recovery_check.as_secs_f64() * 1e6
    );
    println!(
        "argon2id ÷ TOTP check: {:.0}×; argon2id ÷ recovery code: {:.0}×",
        argon2.as_secs_f64() / totp_check.as_secs_f64(),
        argon2.as_secs_f64() / recovery_check.as_secs_f64()
    );
}
