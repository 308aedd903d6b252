//! What the server says when it starts: where it listens, where the panel and the API
//! reference are, which origins may call it, the redirect URIs to register at sign-in
//! providers, and what to do first when nobody can sign in to the panel yet.

use crate::db::{self, users};
use crate::startup::Application;

pub async fn where_to_start(app: &Application) {
    let settings = &app.state().settings;
    let base = base_url(&settings.server.bind, app.port());
    log::info!(
        "sekisho {} listening on {base} ({})",
        crate::build_info::LONG_VERSION,
        settings.database.url.backend_name()
    );
    log::info!("admin panel: {base}/admin");
    log::info!("API reference: {base}/api/docs");
    if settings.frontend.cors_origins.rules().is_empty() {
        log::info!(
            "allowed origins (CORS_ORIGINS): none, so no browser app on another origin can call the API"
        );
    } else {
        log::info!(
            "allowed origins (CORS_ORIGINS): {}",
            settings.frontend.cors_origins.describe()
        );
    }
    for line in settings_in_force(settings) {
        log::info!("{line}");
    }
    for provider in &settings.social_providers {
        log::info!(
            "sign-in provider `{}` ({}): register the redirect URI {}/api/v1/auth/callback/{}",
            provider.id,
            provider.name,
            settings.public_base_url(app.port()),
            provider.id
        );
    }
    if let Some(warning) = social_origin_warning(settings, app.port()) {
        log::warn!("{warning}");
    }
    match db::run(&app.state().pool, |conn| -> Result<_, db::DbError> {
        Ok(users::count_operators(conn, db::now())?)
    })
    .await
    {
        Ok(0) => log::warn!(
            "no operator yet: run `sekisho create-admin --email you@example.com` \
             (from a checkout: `cargo run --release -- create-admin --email you@example.com`), \
             or set ADMIN_EMAIL and ADMIN_PASSWORD"
        ),
        Ok(_) => {}
        Err(error) => log::warn!("could not count the operators: {error}"),
    }
}

/// The settings people get wrong behind a Next.js app, as the server read them: a
/// glance at the start-up log answers "which value is it running with?".
fn settings_in_force(settings: &crate::config::Settings) -> Vec<String> {
    let frontend = &settings.frontend;
    let cookie = &settings.cookie;
    let proxies: Vec<String> = settings
        .server
        .trusted_proxies
        .iter()
        .map(ToString::to_string)
        .collect();
    vec![
        format!("FRONTEND_URL: {}", frontend.url),
        format!("FRONTEND_ROUTES: {}", frontend.routes.describe()),
        format!(
            "PUBLIC_ORIGIN: {}",
            settings
                .server
                .public_origin
                .as_deref()
                .unwrap_or("not set (cross-origin: the app calls this server's own origin)")
        ),
        format!(
            "TRUSTED_PROXIES: {}",
            if proxies.is_empty() {
                "none (forwarding headers are ignored; the peer is the client)".to_owned()
            } else {
                proxies.join(", ")
            }
        ),
        format!(
            "cookies: COOKIE_NAME={} COOKIE_SECURE={} COOKIE_SAMESITE={:?} COOKIE_DOMAIN={}",
            cookie.name,
            cookie.secure,
            cookie.same_site,
            cookie.domain.as_deref().unwrap_or("(host-only)")
        ),
    ]
}

/// Social sign-in without PUBLIC_ORIGIN while the app is on another origin: when the
/// app proxies /api (the usual Next.js set-up) the sign-in starts on the app's host
/// and the provider returns to this server's, where the binding cookie is not, and
/// every sign-in ends in OAUTH_FAILED.
fn social_origin_warning(settings: &crate::config::Settings, port: u16) -> Option<String> {
    if settings.social_providers.is_empty() || settings.server.public_origin.is_some() {
        return None;
    }
    let app = settings.frontend.url.origin().ascii_serialization();
    let callbacks = settings.public_base_url(port);
    (app != callbacks).then(|| {
        format!(
            "social sign-in: PUBLIC_ORIGIN is not set, so providers return to {callbacks} \
             while the app is at {app}; if the app proxies /api (same-origin set-up), set \
             PUBLIC_ORIGIN={app} and register {app}/api/v1/auth/callback/<provider>, or \
             every sign-in ends in OAUTH_FAILED"
        )
    })
}

/// A URL a person can open: an unspecified address (`0.0.0.0`, `[::]`) is reached
/// through loopback on this machine.
fn base_url(bind: &str, port: u16) -> String {
    let host = bind.rsplit_once(':').map_or(bind, |(host, _)| host);
    let host = match host {
        "0.0.0.0" | "" => "127.0.0.1",
        "[::]" => "[::1]",
        other => other,
    };
    format!("http://{host}:{port}")
}

#[cfg(test)]
mod tests {
    use super::{base_url, settings_in_force, social_origin_warning};
    use crate::config::Settings;

    fn settings(extra: &[(&str, &str)]) -> Settings {
        let mut vars: std::collections::HashMap<String, String> = [
            (
                "SECRET_KEY",
                "test-secret-key-that-is-long-enough-0123456789",
            ),
            ("OIDC_PROVIDERS", "acme"),
            ("OIDC_ACME_ISSUER", "https://idp.example.com"),
            ("OIDC_ACME_CLIENT_ID", "client"),
            ("OIDC_ACME_CLIENT_SECRET", "secret"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for (k, v) in extra {
            vars.insert(k.to_string(), v.to_string());
        }
        Settings::from_lookup(|name| vars.get(name).cloned()).unwrap()
    }

    #[test]
    fn social_sign_in_on_another_origin_without_public_origin_is_warned_about() {
        let warning = social_origin_warning(&settings(&[]), 8080).unwrap();
        assert!(
            warning.contains("PUBLIC_ORIGIN=http://localhost:3000"),
            "{warning}"
        );
        // Right: PUBLIC_ORIGIN set, or the app and the callbacks on one origin.
        let set = settings(&[("PUBLIC_ORIGIN", "http://localhost:3000")]);
        assert_eq!(social_origin_warning(&set, 8080), None);
        let same = settings(&[("FRONTEND_URL", "http://127.0.0.1:8080")]);
        assert_eq!(social_origin_warning(&same, 8080), None);
        let none = settings(&[("OIDC_PROVIDERS", "")]);
        assert_eq!(social_origin_warning(&none, 8080), None);
    }

    #[test]
    fn the_start_up_log_names_the_settings_in_force() {
        let lines = settings_in_force(&settings(&[
            ("FRONTEND_ROUTES", "settings=/account"),
            ("TRUSTED_PROXIES", "10.0.0.0/8"),
            ("PUBLIC_ORIGIN", "https://app.example.com"),
            ("COOKIE_SECURE", "true"),
        ]))
        .join("\n");
        for expected in [
            "FRONTEND_URL: http://localhost:3000/",
            "settings=/account",
            "login=/login",
            "PUBLIC_ORIGIN: https://app.example.com",
            "TRUSTED_PROXIES: 10.0.0.0/8",
            "COOKIE_NAME=access_token COOKIE_SECURE=true COOKIE_SAMESITE=Lax",
        ] {
            assert!(lines.contains(expected), "{expected} missing in\n{lines}");
        }
        let unset = settings_in_force(&settings(&[])).join("\n");
        assert!(unset.contains("PUBLIC_ORIGIN: not set"), "{unset}");
        assert!(unset.contains("TRUSTED_PROXIES: none"), "{unset}");
    }

    #[test]
    fn urls_are_ones_a_person_can_open() {
        assert_eq!(base_url("127.0.0.1:0", 41234), "http://127.0.0.1:41234");
        assert_eq!(base_url("0.0.0.0:8080", 8080), "http://127.0.0.1:8080");
        assert_eq!(base_url("[::]:8080", 8080), "http://[::1]:8080");
        assert_eq!(base_url("localhost:8080", 8080), "http://localhost:8080");
    }
}
