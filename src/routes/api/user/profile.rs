//! PATCH /api/v1/user/profile.

use actix_web::{HttpResponse, patch, web};

use crate::auth::profile::{self, ProfileChanges};
use crate::domain::ClientInfo;
use crate::error::ApiError;
use crate::http::AuthUser;
use crate::routes::api::api_json::ApiJson;
use crate::routes::api::dto::{ErrorResponse, UpdateProfileRequest, UserResponse, UserView};
use crate::routes::api::validate::Fields;
use crate::state::AppState;

/// Change your name or picture: each field sent is set (null clears it), each one
/// left out is kept. Audited; webhooks get `user.updated`.
#[utoipa::path(
    tag = "account",
    request_body = UpdateProfileRequest,
    responses(
        (status = 200, body = UserResponse),
        (status = 400, description = "VALIDATION_ERROR: a name over 100 characters or with control characters, a picture that is not an https:// URL", body = ErrorResponse),
        (status = 401, description = "UNAUTHORIZED", body = ErrorResponse),
        (status = 403, description = "CSRF_FAILED", body = ErrorResponse),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
#[patch("/profile")]
pub async fn update_profile(
    state: web::Data<AppState>,
    client: ClientInfo,
    caller: AuthUser,
    body: ApiJson<UpdateProfileRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut fields = Fields::default();
    let name = fields.nullable("name", body.name.as_ref(), |fields, raw| {
        fields.display_name("name", Some(raw))
    });
    let image = fields.nullable("image", body.image.as_ref(), |fields, raw| {
        fields.profile_image("image", raw)
    });
    fields.finish()?;
    let user = profile::update(
        &state,
        &client,
        &caller.user,
        ProfileChanges { name, image },
    )
    .await?;
    Ok(HttpResponse::Ok().json(UserResponse {
        user: UserView::from(&user),
    }))
}
