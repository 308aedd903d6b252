// A benchmark panics on a broken premise: that is its failure report.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::as_conversions,
    clippy::needless_collect
)]
//! What a passkey sign-in costs next to a password login, on one thread with
//! Sekisho's parameters: an argon2id verification (the password login's work) against
//! the relying party's work for one passkey sign-in (request options with a fresh
//! challenge and their state, then the answer checked: client data, RP ID hash, user
//! verification, the ES256 signature, the counter, and the record updated). The
//! answers come from the tests' software authenticator, made before the clock starts.
//! The database round trips (the ceremony row, the passkey, the session) are the same
//! kind as a login's and are not counted here.
//!
//! cargo bench --bench passkey -- [seconds per measurement]

use std::time::{Duration, Instant};

mod timing;
use timing::{per_run, seconds_per_measurement};

use sekisho::config::RelyingPartySettings;
use sekisho::crypto::passkey::RelyingParty;
use sekisho::crypto::password::PasswordEngine;

// The tests' software authenticator, shared rather than copied. It is test code: it
// panics on options it cannot read, as the tests want.
#[path = "../tests/api/helpers/authenticator.rs"]
#[allow(dead_code, clippy::expect_used, clippy::unwrap_used)]
mod authenticator;

use authenticator::Authenticator;

const USER_ID: &str = "0b0c6f6e-2f6c-4a8e-9d43-8f1b2b0c9a11";

fn fail(what: &str) -> ! {
    eprintln!("{what}");
    std::process::exit(1);
}

fn main() {
    let seconds = seconds_per_measurement();
    let Ok(origin) = url::Url::parse("http://localhost:3000") else {
        fail("origin");
    };
    let settings = RelyingPartySettings {
        id: "localhost".into(),
        origins: vec![origin],
    };
    let Ok(rp) = RelyingParty::new(&settings, "Sekisho") else {
        fail("relying party");
    };
    let mut device = Authenticator::new("http://localhost:3000");
    let Ok((creation, state)) = rp.registration_options(USER_ID, "a@example.com", "A", &[]) else {
        fail("registration options");
    };
    let Ok(new) = rp.finish_registration(device.create(&creation), &state) else {
        fail("registration");
    };
    let mut record = new.record;

    let mut engine = PasswordEngine::new();
    let Ok(phc) = engine.hash("correct horse battery") else {
        fail("hashing");
    };
    let argon2 = per_run(seconds, || {
        assert!(engine.verify("correct horse battery", &phc));
    });

    // Each sign-in needs its own authenticator answer: made before the clock starts,
    // as many as the measurement needs.
    let mut ceremonies = Vec::new();
    let preparing = Instant::now();
    while preparing.elapsed() < Duration::from_secs(seconds) {
        let Ok((options, state)) = rp.sign_in_options() else {
            fail("sign-in options");
        };
        let Some(answer) = device.get(&options) else {
            fail("no credential");
        };
        ceremonies.push((state, answer));
    }
    let count = ceremonies.len() as u32;
    let started = Instant::now();
    for (state, answer) in ceremonies {
        // The options a sign-in hands out (its challenge and state) are part of its cost.
        std::hint::black_box(rp.sign_in_options().is_ok());
        let Ok(presented) = RelyingParty::presented(answer) else {
            fail("the answer does not read");
        };
        match rp.finish_sign_in(&presented, &state, &record) {
            Ok(used) => record = used.record,
            Err(e) => fail(&format!("refused: {e}")),
        }
    }
    let passkey = started.elapsed() / count.max(1);
    println!(
        "argon2id verification (password login): {:>10.1} µs",
        argon2.as_secs_f64() * 1e6
    );
    println!(
        "passkey sign-in (options + answer):     {:>10.1} µs",
        passkey.as_secs_f64() * 1e6
    );
    println!(
        "argon2id ÷ passkey sign-in: {:.0}×",
        argon2.as_secs_f64() / passkey.as_secs_f64()
    );
}
