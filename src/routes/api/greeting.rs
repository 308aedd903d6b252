//! GET /api/v1/greeting: the example endpoint for guests and users alike.

use actix_web::{HttpResponse, get};

use crate::http::MaybeUser;
use crate::routes::api::dto::{ErrorResponse, GreetingResponse};

/// A greeting for the signed-in user, or for a guest.
#[utoipa::path(
    tag = "examples",
    responses(
        (status = 200, body = GreetingResponse),
        (status = 403, description = "ACCOUNT_DISABLED", body = ErrorResponse),
    ),
    security((), ("cookie" = []), ("bearer" = []))
)]
#[get("/api/v1/greeting")]
pub async fn greeting(caller: MaybeUser) -> HttpResponse {
    let response = match caller.0 {
        Some(caller) => {
            let name = caller
                .user
                .name
                .clone()
                .unwrap_or_else(|| caller.user.email.clone());
            GreetingResponse {
                message: format!("Hello, {name}!"),
                user_name: Some(name),
                is_logged_in: true,
            }
        }
        None => GreetingResponse {
            message: "Hello, guest!".into(),
            user_name: None,
            is_logged_in: false,
        },
    };
    HttpResponse::Ok().json(response)
}
