//! The admin panel: server-rendered pages for operators (users with role `admin`).
//! Its session is actix-session on the shared `sessions` table (kind `admin`), with
//! actix-identity on top; every form carries a CSRF token bound to that session.

mod assets;
mod audit_log;
mod catalog;
mod csv;
mod dashboard;
mod error;
mod flash;
mod form_token;
mod input;
mod layout;
mod login;
mod login_form_token;
mod management_keys;
mod operator;
mod pagination;
mod preferences;
mod sessions;
mod signing_keys;
mod text;
mod user_agent;
mod user_passkeys;
mod users;
mod webhooks;

use actix_identity::IdentityMiddleware;
use actix_session::SessionMiddleware;
use actix_session::config::{PersistentSession, TtlExtensionPolicy};
use actix_web::cookie::time::Duration;
use actix_web::cookie::{Key, SameSite};
use actix_web::middleware::DefaultHeaders;
use actix_web::web;
use sha2::{Digest, Sha512};

use crate::admin::session_store::DbSessionStore;
use crate::state::AppState;

pub const COOKIE_NAME: &str = "sekisho_admin";

/// No inline script or style is needed, and nothing may come from elsewhere.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub fn configure(cfg: &mut web::ServiceConfig, state: &AppState) {
    let settings = &state.settings;
    // The cookie only carries the session key; it is still encrypted and signed,
    // with a key of its own derived from SECRET_KEY.
    let key = Key::from(&Sha512::digest(
        [
            b"sekisho admin cookie\0".as_slice(),
            settings.secret_key.bytes(),
        ]
        .concat(),
    ));
    let idle = Duration::minutes(settings.admin.idle_minutes);
    let sessions = SessionMiddleware::builder(DbSessionStore::new(state.pool.clone()), key)
        .cookie_name(COOKIE_NAME.to_owned())
        .cookie_path("/admin".to_owned())
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Strict)
        .cookie_secure(settings.cookie.secure)
        .session_lifecycle(
            PersistentSession::default()
                .session_ttl(idle)
                .session_ttl_extension_policy(TtlExtensionPolicy::OnEveryRequest),
        )
        .build();
    let identity = IdentityMiddleware::builder()
        .visit_deadline(Some(std::time::Duration::from_secs(
            u64::try_from(settings.admin.idle_minutes).unwrap_or(0) * 60,
        )))
        .build();
    let headers = DefaultHeaders::new()
        .add(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        .add(("X-Frame-Options", "DENY"))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "same-origin"))
        .add(("Cache-Control", "no-store"));

    cfg.configure(assets::configure).service(
        web::scope("/admin")
            .app_data(error::form_config())
            .app_data(error::query_config())
            .wrap(identity)
            .wrap(sessions)
            .wrap(actix_web::middleware::from_fn(error::localize))
            .wrap(headers)
            .service(web::resource("").route(web::get().to(dashboard::show)))
            .service(
                web::resource("/login")
                    .route(web::get().to(login::form))
                    .route(web::post().to(login::submit)),
            )
            .service(web::resource("/logout").route(web::post().to(login::logout)))
            .service(web::resource("/preferences").route(web::get().to(preferences::set)))
            .service(web::resource("/users").route(web::get().to(users::list)))
            .service(
                web::resource("/users/new")
                    .route(web::get().to(users::new_form))
                    .route(web::post().to(users::create)),
            )
            .service(web::resource("/users/{id}").route(web::get().to(users::show)))
            .service(web::resource("/users/{id}/{action}").route(web::post().to(users::act)))
            .service(
                web::resource("/users/{id}/passkeys/{passkey}/delete")
                    .route(web::post().to(user_passkeys::delete)),
            )
            .service(web::resource("/sessions").route(web::get().to(sessions::list)))
            .service(web::resource("/sessions/{id}/revoke").route(web::post().to(sessions::revoke)))
            .service(
                web::resource("/management-keys")
                    .route(web::get().to(management_keys::list))
                    .route(web::post().to(management_keys::create)),
            )
            .service(
                web::resource("/management-keys/{name}/revoke")
                    .route(web::post().to(management_keys::revoke)),
            )
            .service(
                web::resource("/webhooks")
                    .route(web::get().to(webhooks::list))
                    .route(web::post().to(webhooks::create)),
            )
            .service(web::resource("/webhooks/{id}").route(web::get().to(webhooks::show)))
            .service(
                web::resource("/webhooks/{id}/deliveries/{delivery}/resend")
                    .route(web::post().to(webhooks::resend)),
            )
            .service(web::resource("/webhooks/{id}/{action}").route(web::post().to(webhooks::act)))
            .service(web::resource("/keys").route(web::get().to(signing_keys::list)))
            .service(web::resource("/keys/rotate").route(web::post().to(signing_keys::rotate)))
            .service(web::resource("/audit").route(web::get().to(audit_log::list)))
            .service(web::resource("/audit/export").route(web::post().to(audit_log::export))),
    );
}
