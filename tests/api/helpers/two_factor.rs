//! Turning a user's TOTP second factor on as an authenticator app would.

use sekisho::crypto::totp;
use serde_json::{Value, json};

use super::TestApp;

/// The secret (bytes) and the ten recovery codes of a second factor turned on.
pub struct Enrolled {
    pub secret: Vec<u8>,
    pub recovery_codes: Vec<String>,
}

/// The code of `secret` `offset` seconds from now.
pub fn code(secret: &[u8], offset: i64) -> String {
    totp::code_at(secret, chrono::Utc::now().timestamp() + offset).expect("a code")
}

impl TestApp {
    /// Sets the factor up and turns it on for the user signed in on `browser` (whose
    /// password is `password`), with the current step's code.
    pub async fn enable_totp(&self, browser: &reqwest::Client, password: &str) -> Enrolled {
        let setup = self
            .post_with(
                browser,
                "/api/v1/auth/two-factor/setup",
                json!({ "password": password }),
            )
            .await;
        assert_eq!(setup.status(), 200, "two-factor set-up");
        let setup: Value = setup.json().await.expect("JSON body");
        let secret =
            totp::from_base32(setup["secret"].as_str().expect("a secret")).expect("base32");
        let enabled = self
            .post_with(
                browser,
                "/api/v1/auth/two-factor/enable",
                json!({ "code": code(&secret, 0) }),
            )
            .await;
        assert_eq!(enabled.status(), 200, "two-factor enable");
        let enabled: Value = enabled.json().await.expect("JSON body");
        let recovery_codes = enabled["recoveryCodes"]
            .as_array()
            .expect("recovery codes")
            .iter()
            .map(|c| c.as_str().expect("a code").to_owned())
            .collect();
        Enrolled {
            secret,
            recovery_codes,
        }
    }
}
