use actix_web::{HttpRequest, HttpResponse, post, web};
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::{refuse_foreign_origin, start_browser_session};
use crate::db::{self, throttles, users};
use crate::error::{ApiError, ErrorCode};
use crate::rate_limit::Action;
use crate::routes::api::dto::{ErrorResponse, SignupRequest, UserResponse, UserView};
use crate::routes::api::validate::Fields;
use crate::state::AppState;

/// Sign-ups per email address within an hour, on every instance.
const SIGNUP_POLICY: throttles::Policy = throttles::Policy {
    max_attempts: 5,
    window: chrono::TimeDelta::hours(1),
};

/// Create an account and sign in.
#[utoipa::path(
    tag = "auth",
    request_body = SignupRequest,
    responses(
        (status = 201, description = "Account created; the session cookie is set", body = UserResponse),
        (status = 400, description = "VALIDATION_ERROR or EMAIL_TAKEN", body = ErrorResponse),
        (status = 403, description = "CSRF_FAILED: a browser on a foreign origin", body = ErrorResponse),
        (status = 429, description = "RATE_LIMITED", body = ErrorResponse),
    )
)]
#[post("/signup")]
pub async fn signup(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<SignupRequest>,
) -> Result<HttpResponse, ApiError> {
    refuse_foreign_origin(&req, &state)?;
    let mut fields = Fields::default();
    let email = fields.email("email", body.email.as_deref());
    let password = fields.new_password("password", body.password.as_deref());
    let name = fields.display_name("name", body.name.as_deref());
    fields.finish()?;
    let (Some(email), Some(password)) = (email, password) else {
        return Err(ApiError::new(ErrorCode::ValidationError));
    };
    state
        .limiter
        .check(Action::Signup, state.proxies.client_ip(&req))?;

    let limited = state.limiter.enabled();
    let lookup = email.clone();
    let taken = db::run(&state.pool, move |conn| {
        let key = format!("signup:{}", lookup.as_str());
        if limited {
            if let Some(retry) = throttles::blocked_for(conn, &key, db::now())? {
                return Err(ApiError::new(ErrorCode::RateLimited).with_retry_after(retry));
            }
            throttles::record_attempt(conn, &key, SIGNUP_POLICY, db::now())?;
        }
        Ok(users::find_by_email(conn, lookup.as_str())?.is_some())
    })
    .await?;
    if taken {
        return Err(ApiError::new(ErrorCode::EmailTaken));
    }

    let hash = state.hasher.hash(password.expose()).await?;
    let now = db::now();
    let user = users::User {
        id: uuid::Uuid::new_v4().to_string(),
        email: email.as_str().to_owned(),
        name,
        password_hash: hash,
        email_verified: false,
        image: None,
        role: users::ROLE_USER.to_owned(),
        disabled_at: None,
        deleted_at: None,
        created_at: now,
        updated_at: now,
    };
    let row = user.clone();
    db::run(&state.pool, move |conn| {
        let inserted = users::insert(conn, &users::NewUser::from(&row));
        match inserted {
            // Two sign-ups racing for one address: the loser hears EMAIL_TAKEN.
            Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                Err(ApiError::new(ErrorCode::EmailTaken))
            }
            other => other.map_err(ApiError::from),
        }
    })
    .await?;

    let cookie = start_browser_session(&state, &req, &user, true, "user.signup").await?;
    Ok(HttpResponse::Created().cookie(cookie).json(UserResponse {
        user: UserView::from(&user),
    }))
}
