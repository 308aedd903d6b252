//! What the server says when it starts: where it listens, where the panel and the API
//! reference are, which origins may call it, the redirect URIs to register at sign-in
//! providers, and what to do first when nobody can sign in to the panel yet.

use crate::db::{self, users};
use crate::startup::Application;

pub async fn where_to_start(app: &Application) {
    let settings = &app.state().settings;
    let base = base_url(&settings.server.bind, app.port());
    log::info!(
        "sekisho listening on {base} ({})",
        settings.database.url.backend_name()
    );
    log::info!("admin panel: {base}/admin");
    log::info!("API reference: {base}/api/docs");
    let origins: Vec<String> = settings
        .frontend
        .cors_origins
        .rules()
        .iter()
        .map(ToString::to_string)
        .collect();
    if origins.is_empty() {
        log::info!(
            "allowed origins (CORS_ORIGINS): none, so no browser app on another origin can call the API"
        );
    } else {
        log::info!("allowed origins (CORS_ORIGINS): {}", origins.join(", "));
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
    use super::base_url;

    #[test]
    fn urls_are_ones_a_person_can_open() {
        assert_eq!(base_url("127.0.0.1:0", 41234), "http://127.0.0.1:41234");
        assert_eq!(base_url("0.0.0.0:8080", 8080), "http://127.0.0.1:8080");
        assert_eq!(base_url("[::]:8080", 8080), "http://[::1]:8080");
        assert_eq!(base_url("localhost:8080", 8080), "http://localhost:8080");
    }
}
