//! RFC 6238 time-based one-time passwords as authenticator apps expect them: SHA-1,
//! six digits, 30-second steps, one step of clock skew either side (totp-rs computes
//! the codes); the `otpauth://` URI and its QR code (qrcode, as SVG) for enrolling.

use qrcode::QrCode;
use qrcode::render::svg;
use rand::RngCore;
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, TOTP};

/// 160 bits, the size RFC 4226 recommends (and what SHA-1's block suits).
const SECRET_BYTES: usize = 20;
pub const STEP_SECONDS: i64 = 30;
const DIGITS: usize = 6;

pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    secret
}

fn totp(secret: &[u8], issuer: &str, account: &str) -> Option<TOTP> {
    // totp-rs refuses ':' in either (it separates them in the URI's label).
    TOTP::new(
        Algorithm::SHA1,
        DIGITS,
        1,
        STEP_SECONDS.unsigned_abs(),
        secret.to_vec(),
        Some(issuer.replace(':', " ")),
        account.replace(':', " "),
    )
    .ok()
}

/// The secret in base32 (no padding), for typing into an app by hand.
pub fn base32(secret: &[u8]) -> Option<String> {
    totp(secret, "x", "x").map(|t| t.get_secret_base32())
}

/// The bytes of a base32 secret (what an app does with the typed secret).
pub fn from_base32(encoded: &str) -> Option<Vec<u8>> {
    totp_rs::Secret::Encoded(encoded.to_owned()).to_bytes().ok()
}

/// `otpauth://totp/{issuer}:{account}?secret=…&issuer=…`.
pub fn otpauth_uri(secret: &[u8], issuer: &str, account: &str) -> Option<String> {
    totp(secret, issuer, account).map(|t| t.get_url())
}

/// The URI as a QR code: a self-contained `<svg>` (no script, no external reference).
pub fn qr_svg(uri: &str) -> Option<String> {
    let code = QrCode::new(uri.as_bytes()).ok()?;
    Some(
        code.render::<svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
    )
}

/// The step of `unix_time`.
pub fn step_of(unix_time: i64) -> i64 {
    unix_time.div_euclid(STEP_SECONDS)
}

/// The step (the current one, or one either side) whose code `code` is, when that
/// step is later than `last_used`: a code is accepted once, and never one older than
/// the last accepted. None for anything else, malformed codes included.
pub fn matching_step(
    secret: &[u8],
    code: &str,
    unix_time: i64,
    last_used: Option<i64>,
) -> Option<i64> {
    let code = code.trim().replace([' ', '-'], "");
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = totp(secret, "x", "x")?;
    let now = step_of(unix_time);
    // Every candidate is computed and compared, so the time taken does not say which
    // step (if any) matched.
    let mut found = None;
    for step in [now - 1, now, now + 1] {
        let Ok(at) = u64::try_from(step * STEP_SECONDS) else {
            continue;
        };
        let expected = totp.generate(at);
        let equal: bool = expected.as_bytes().ct_eq(code.as_bytes()).into();
        if equal && last_used.is_none_or(|last| step > last) {
            found = Some(step);
        }
    }
    found
}

/// The code of `secret` at `unix_time` (tests and the panel's own checks).
pub fn code_at(secret: &[u8], unix_time: i64) -> Option<String> {
    let at = u64::try_from(unix_time).ok()?;
    totp(secret, "x", "x").map(|t| t.generate(at))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B: the SHA-1 secret "12345678901234567890" at 59 s gives
    /// 94287082 in eight digits; six digits are its last six.
    #[test]
    fn codes_match_the_rfc_test_vector() {
        let secret = b"12345678901234567890";
        assert_eq!(code_at(secret, 59).unwrap(), "287082");
        assert_eq!(code_at(secret, 1_111_111_109).unwrap(), "081804");
    }

    #[test]
    fn a_code_is_accepted_one_step_either_side_and_once() {
        let secret = new_secret();
        let now = 1_800_000_000;
        let current = code_at(&secret, now).unwrap();
        assert_eq!(
            matching_step(&secret, &current, now, None),
            Some(step_of(now))
        );
        let previous = code_at(&secret, now - 30).unwrap();
        assert_eq!(
            matching_step(&secret, &previous, now, None),
            Some(step_of(now) - 1)
        );
        let next = code_at(&secret, now + 30).unwrap();
        assert_eq!(
            matching_step(&secret, &next, now, None),
            Some(step_of(now) + 1)
        );
        let stale = code_at(&secret, now - 60).unwrap();
        assert_eq!(matching_step(&secret, &stale, now, None), None);
        // Used once: the same code, or an older one, is refused.
        assert_eq!(
            matching_step(&secret, &current, now, Some(step_of(now))),
            None
        );
        assert_eq!(
            matching_step(&secret, &previous, now, Some(step_of(now))),
            None
        );
        assert_eq!(matching_step(&secret, "12345", now, None), None);
        assert_eq!(matching_step(&secret, "abcdef", now, None), None);
        let spaced = format!("{} {}", &current[..3], &current[3..]);
        assert_eq!(
            matching_step(&secret, &spaced, now, None),
            Some(step_of(now))
        );
    }

    #[test]
    fn the_enrolment_uri_and_its_qr_code() {
        let secret = new_secret();
        let uri = otpauth_uri(&secret, "Sekisho", "tanaka@example.com").unwrap();
        assert!(
            uri.starts_with("otpauth://totp/Sekisho:tanaka%40example.com?"),
            "{uri}"
        );
        assert!(uri.contains(&format!("secret={}", base32(&secret).unwrap())));
        assert!(uri.contains("issuer=Sekisho"));
        let svg = qr_svg(&uri).unwrap();
        assert!(svg.contains("<svg") && !svg.contains("<script"));
    }
}
