//! GET /.well-known/jwks.json: the public keys other services verify Sekisho's tokens
//! with (PyJWT's `PyJWKClient`, `jose`'s `createRemoteJWKSet`): the key that signs,
//! a key about to sign, and every superseded key whose tokens may still be valid.

use actix_web::http::header::{ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL};
use actix_web::{HttpResponse, web};
use serde::Serialize;

use crate::auth::signing_keys;
use crate::crypto::signing_keys::PublicJwk;
use crate::error::ApiError;
use crate::state::AppState;

/// As the contract says: caches may keep the set five minutes; a rotated-in key is
/// published JWT_KEY_PUBLISH_SECONDS (ten minutes by default) before it signs.
const MAX_AGE_SECONDS: u32 = 300;

#[derive(Serialize)]
struct KeySet {
    keys: Vec<PublicJwk>,
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/.well-known/jwks.json").route(web::get().to(key_set)));
}

async fn key_set(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let keys = signing_keys::published(&state.pool, &state.settings).await?;
    Ok(HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, format!("public, max-age={MAX_AGE_SECONDS}")))
        // Public keys: any page may fetch them (a browser-side verifier, a docs page).
        .insert_header((ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .json(KeySet { keys }))
}
