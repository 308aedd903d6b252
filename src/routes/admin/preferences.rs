//! GET /admin/preferences: the header's language and time zone switch. The choice is
//! kept in two cookies of the panel's path, for a year, and works signed out too.

use actix_web::cookie::time::Duration;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::{HttpResponse, web};
use chrono_tz::Tz;
use serde::Deserialize;

use super::error::AdminError;
use super::input::safe_return;
use super::layout::redirect;
use super::text::{LANG_COOKIE, ZONE_COOKIE, parse_lang};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct PreferencesQuery {
    lang: Option<String>,
    tz: Option<String>,
    back: Option<String>,
}

fn preference_cookie(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/admin")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .max_age(Duration::days(365))
        .finish()
}

/// Keeps what is valid of the choice (an unknown language or zone is ignored) and goes
/// back to the page it was made on.
pub async fn set(
    state: web::Data<AppState>,
    query: web::Query<PreferencesQuery>,
) -> Result<HttpResponse, AdminError> {
    let back = safe_return(query.back.as_deref(), "/admin")?;
    let mut response = redirect(&back);
    let secure = state.settings.cookie.secure;
    if let Some(lang) = query.lang.as_deref().filter(|l| parse_lang(l).is_some()) {
        response
            .add_cookie(&preference_cookie(LANG_COOKIE, lang.to_owned(), secure))
            .map_err(|e| AdminError::internal(e.to_string()))?;
    }
    if let Some(zone) = query.tz.as_deref().and_then(|z| z.parse::<Tz>().ok()) {
        response
            .add_cookie(&preference_cookie(
                ZONE_COOKIE,
                zone.name().to_owned(),
                secure,
            ))
            .map_err(|e| AdminError::internal(e.to_string()))?;
    }
    Ok(response)
}
