//! Where a social sign-in may send the browser back to: a path of the front-end, or a
//! URL on an origin the server already trusts (FRONTEND_URL, CORS_ORIGINS). Anything
//! else would make the callback an open redirect.

use crate::config::{Settings, normalize_origin};

const MAX_LENGTH: usize = 2048;

/// The URL to redirect to, or None when `raw` is not one we may send a browser to.
pub fn trusted(settings: &Settings, raw: &str) -> Option<url::Url> {
    if raw.is_empty() || raw.len() > MAX_LENGTH || raw.chars().any(char::is_control) {
        return None;
    }
    if raw.starts_with('/') {
        // `//host` and `/\host` are other hosts to a browser.
        if raw.starts_with("//") || raw.contains('\\') {
            return None;
        }
        let url = settings.frontend.url.join(raw).ok()?;
        return (url.origin() == settings.frontend.url.origin()).then_some(url);
    }
    let url = url::Url::parse(raw).ok()?;
    if !matches!(url.scheme(), "https" | "http")
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return None;
    }
    let origin = normalize_origin(&url.origin().ascii_serialization())?;
    let frontend = url.origin() == settings.frontend.url.origin();
    (frontend || settings.frontend.cors_origins.allows(&origin)).then_some(url)
}

/// `url` with `error=<code>` added to its query.
pub fn with_error(mut url: url::Url, code: &str) -> String {
    url.query_pairs_mut().append_pair("error", code);
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings::from_lookup(|name| match name {
            "FRONTEND_URL" => Some("https://app.example.com".into()),
            "CORS_ORIGINS" => Some("https://app.example.com,https://*.example.org".into()),
            _ => None,
        })
        .unwrap()
    }

    #[test]
    fn only_paths_and_trusted_origins_are_accepted() {
        let s = settings();
        let ok = |raw: &str| trusted(&s, raw).map(|u| u.to_string());
        assert_eq!(
            ok("/dashboard?tab=1").as_deref(),
            Some("https://app.example.com/dashboard?tab=1")
        );
        assert_eq!(
            ok("https://app.example.com/x").as_deref(),
            Some("https://app.example.com/x")
        );
        assert_eq!(
            ok("https://shop.example.org/back").as_deref(),
            Some("https://shop.example.org/back")
        );
        for bad in [
            "//evil.example.net/x",
            "/\\evil.example.net",
            "https://evil.example.net/",
            "https://app.example.com.evil.net/",
            "https://user@app.example.com/",
            "javascript:alert(1)",
            "dashboard",
            "",
            "/x\ny",
        ] {
            assert_eq!(ok(bad), None, "{bad:?} accepted");
        }
    }

    #[test]
    fn errors_are_added_to_the_query() {
        let url = url::Url::parse("https://app.example.com/login?next=%2Fx").unwrap();
        assert_eq!(
            with_error(url, "OAUTH_FAILED"),
            "https://app.example.com/login?next=%2Fx&error=OAUTH_FAILED"
        );
    }
}
