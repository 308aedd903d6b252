use actix_web::{HttpRequest, HttpResponse, post, web};
use diesel::prelude::*;

use crate::auth::client::ClientInfo;
use crate::auth::{AuthUser, cookies, credentials};
use crate::db::{self, audit, reset_tokens, schema};
use crate::error::{ApiError, ErrorCode};
use crate::routes::api::dto::{ErrorResponse, SuccessResponse, WithdrawRequest};
use crate::routes::api::validate::Fields;
use crate::state::AppState;

/// Delete the account: the row is kept soft-deleted with its email and name
/// obfuscated (so the address can sign up again), every session is deleted, and the
/// cookie is cleared.
#[utoipa::path(
    tag = "account",
    request_body = WithdrawRequest,
    responses(
        (status = 200, body = SuccessResponse),
        (status = 400, description = "INVALID_PASSWORD or VALIDATION_ERROR", body = ErrorResponse),
        (status = 401, description = "UNAUTHORIZED", body = ErrorResponse),
        (status = 403, description = "CSRF_FAILED", body = ErrorResponse),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
#[post("/withdraw")]
pub async fn withdraw(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
    body: web::Json<WithdrawRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut fields = Fields::default();
    let password = fields.given_password("confirmPassword", body.confirm_password.as_deref());
    fields.finish()?;
    let Some(password) = password else {
        return Err(ApiError::new(ErrorCode::ValidationError));
    };
    credentials::confirm(&state, &caller.user, password).await?;
    let client = ClientInfo::from_request(&req, &state.proxies);
    let user = caller.user;
    db::run(&state.pool, move |conn| {
        conn.transaction(|conn| {
            use schema::{sessions as s, users as u};
            let now = db::now();
            diesel::update(u::table.find(&user.id))
                .set((
                    u::email.eq(format!("deleted+{}@withdrawn.invalid", user.id)),
                    u::name.eq(None::<String>),
                    u::image.eq(None::<String>),
                    // No password verifies against "!": the account cannot sign in.
                    u::password_hash.eq("!"),
                    u::deleted_at.eq(now),
                    u::updated_at.eq(now),
                ))
                .execute(conn)?;
            diesel::delete(s::table.filter(s::user_id.eq(&user.id))).execute(conn)?;
            reset_tokens::delete_all_for_user(conn, &user.id)?;
            audit::record_user_action(
                conn,
                &user.id,
                &user.email,
                "user.withdrawn",
                client.ip.as_deref(),
            )
        })?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::Ok()
        .cookie(cookies::cleared_cookie(&state.settings))
        .json(SuccessResponse::new("Your account has been deleted")))
}
