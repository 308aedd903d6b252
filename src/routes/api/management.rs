//! /api/v1/admin: the panel's operations as JSON for the app's own backend, with a
//! management key (`Authorization: Bearer sk_…`, `http::management_key`). Each
//! handler checks its scope and calls the panel's own use case, so a rule (never the
//! last operator, what a ban may say) has one copy; the key is the audited actor.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::admin::sessions::{self as admin_sessions, Revoked};
use crate::admin::users::{
    self, ActionOutcome, BanProblem, Created, NewUserCommand, Updated, UserChanges, UserCommand,
    UserSearch,
};
use crate::db::users::{User, UserStatus};
use crate::domain::{BanReason, ManagementScope, Role, SessionId, UserId};
use crate::error::{ApiError, ErrorCode};
use crate::http::management_key::ManagementCaller;
use crate::i18n::Lang;
use crate::routes::api::ApiJson;
use crate::routes::api::dto::{
    ErrorResponse, SessionView, UserView, nullable_ban_reason_schema, nullable_role_schema, utc,
};
use crate::routes::api::validate::Fields;
use crate::state::AppState;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(
        scope("/api/v1/admin")
            .service(list_users)
            .service(create_user)
            .service(get_user)
            .service(update_user)
            .service(ban_user)
            .service(unban_user)
            .service(delete_user)
            .service(user_sessions)
            .service(revoke_user_sessions)
            .service(revoke_session)
            .service(super::management_webhooks::list_webhooks)
            .service(super::management_webhooks::create_webhook)
            .service(super::management_webhooks::delete_webhook)
            // A wrong method on a path of this scope: 405 with Allow, as at /api.
            .default_service(web::to(super::not_found)),
    );
}

const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 100;

/// A user as the management API shows them: the user object, and what an operator sees.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManagedUser {
    #[serde(flatten)]
    pub user: UserView,
    pub disabled: bool,
    /// The ban, while the account is disabled; null otherwise.
    #[schema(required = true)]
    pub ban: Option<BanView>,
    /// When the user last signed in (null: never).
    #[schema(required = true)]
    pub last_sign_in_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BanView {
    #[schema(example = "spam")]
    pub reason: String,
    /// The operator's note (never shown to the user).
    #[schema(required = true)]
    pub note: Option<String>,
    /// When the ban ends; null: until an operator lifts it.
    #[schema(required = true)]
    pub until: Option<DateTime<Utc>>,
}

impl ManagedUser {
    fn new(user: &User, last_sign_in: Option<chrono::NaiveDateTime>) -> Self {
        let disabled = user.is_disabled_at(crate::db::now());
        Self {
            user: UserView::from(user),
            disabled,
            ban: disabled.then(|| BanView {
                reason: user.ban_reason().as_str().to_owned(),
                note: user.disabled_note.clone(),
                until: user.disabled_until.map(utc),
            }),
            last_sign_in_at: last_sign_in.map(utc),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManagedUsersPage {
    pub users: Vec<ManagedUser>,
    /// Where the next page starts (pass it as `cursor`); null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ManagedUserResponse {
    pub user: ManagedUser,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManagedSessionsPage {
    pub sessions: Vec<SessionView>,
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsersQuery {
    /// Part of the email or name, or the exact id.
    q: Option<String>,
    /// `active`, `disabled` or `deleted`.
    #[param(pattern = "^(active|disabled|deleted)?$")]
    status: Option<String>,
    /// 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// `nextCursor` of the page before.
    #[param(pattern = "^[0-9]{0,15}$")]
    cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// `nextCursor` of the page before.
    #[param(pattern = "^[0-9]{0,15}$")]
    cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BanRequest {
    /// spam, abuse, fraud, terms, security or other (what the user is told); default
    /// other.
    #[schema(schema_with = nullable_ban_reason_schema, example = "spam")]
    reason: Option<String>,
    /// The operator's note, up to 500 characters (never shown to the user).
    #[schema(max_length = 500)]
    note: Option<String>,
    /// When the ban ends (RFC 3339, in the future); none: until it is lifted.
    #[schema(format = DateTime)]
    until: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateUserRequest {
    #[schema(value_type = String, required = true, example = "tanaka@example.com", format = Email, max_length = 254)]
    email: Option<String>,
    /// Up to 100 characters, no control characters; blank is no name.
    #[schema(max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$")]
    name: Option<String>,
    /// 8 to 128 characters; none: the user chooses one (send the invitation).
    #[schema(min_length = 8, max_length = 128)]
    password: Option<String>,
    /// The address is known to be the user's (default false).
    email_verified: Option<bool>,
    /// `user` (default) or `admin`.
    #[schema(schema_with = nullable_role_schema, example = "user")]
    role: Option<String>,
    /// Mail a set-your-password link, valid 7 days (default: true without a password).
    send_invitation: Option<bool>,
}

/// The page's limit and offset from `limit` and `cursor` (an offset, opaque to the
/// caller), or VALIDATION_ERROR.
fn page(limit: Option<i64>, cursor: Option<&str>) -> Result<(i64, i64), ApiError> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::validation_field("limit", "must be 1 to 100"));
    }
    let offset =
        match cursor {
            None | Some("") => 0,
            Some(raw) => raw.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
                ApiError::validation_field("cursor", "is not a cursor of this list")
            })?,
        };
    Ok((limit, offset))
}

/// Rows fetched with one beyond `limit`: the page, and the next cursor when more follow.
fn split<T>(mut rows: Vec<T>, limit: i64, offset: i64) -> (Vec<T>, Option<String>) {
    let more = i64::try_from(rows.len()).unwrap_or(i64::MAX) > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    (rows, more.then(|| (offset + limit).to_string()))
}

/// Users, newest first, by search and status.
#[utoipa::path(
    tag = "management",
    params(UsersQuery),
    responses(
        (status = 200, description = "A page of users", body = ManagedUsersPage),
        (status = 400, description = "VALIDATION_ERROR: a bad limit, cursor or status", body = ErrorResponse),
        (status = 401, description = "UNAUTHORIZED: no live management key", body = ErrorResponse),
        (status = 403, description = "FORBIDDEN: the key lacks users:read", body = ErrorResponse),
        (status = 429, description = "RATE_LIMITED: too many wrong keys from this address", body = ErrorResponse),
    ),
    security(("managementKey" = []))
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    caller: ManagementCaller,
    query: web::Query<UsersQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ManagementScope::UsersRead)?;
    let (limit, offset) = page(query.limit, query.cursor.as_deref())?;
    let status = match query.status.as_deref() {
        None | Some("") => None,
        Some(raw) => Some(UserStatus::parse(raw).ok_or_else(|| {
            ApiError::validation_field("status", "must be active, disabled or deleted")
        })?),
    };
    let search = UserSearch {
        q: query.q.clone().unwrap_or_default().trim().to_owned(),
        status,
        verified: None,
    };
    let found = users::search_with_sign_ins(&state.pool, search, offset, limit + 1).await?;
    let (found, next_cursor) = split(found, limit, offset);
    Ok(HttpResponse::Ok().json(ManagedUsersPage {
        users: found
            .iter()
            .map(|(user, last)| ManagedUser::new(user, *last))
            .collect(),
        next_cursor,
    }))
}

/// Create a user: with a password, or invited to choose one by mail.
#[utoipa::path(
    tag = "management",
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "Created", body = ManagedUserResponse),
        (status = 400, description = "EMAIL_TAKEN, VALIDATION_ERROR", body = ErrorResponse),
        (status = 401, description = "UNAUTHORIZED", body = ErrorResponse),
        (status = 403, description = "FORBIDDEN: the key lacks users:write", body = ErrorResponse),
        (status = 429, description = "RATE_LIMITED", body = ErrorResponse),
    ),
    security(("managementKey" = []))
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    caller: ManagementCaller,
    body: ApiJson<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ManagementScope::UsersWrite)?;
    let mut fields = Fields::default();
    let email = fields.email("email", body.email.as_deref());
    let name = fields.display_name("name", body.name.as_deref());
    let password = body
        .password
        .as_deref()
        .and_then(|raw| fields.new_password("password", Some(raw)));
    let role = match body.role.as_deref() {
        None => Some(Role::User),
        Some(raw) => fields.parsed("role", Some(raw), |r| {
            Role::parse(r).ok_or("must be user or admin")
        }),
    };
    fields.finish()?;
    let (Some(email), Some(role)) = (email, role) else {
        return Err(ApiError::internal("validated fields are missing"));
    };
    let send_invitation = body.send_invitation.unwrap_or(password.is_none());
    let command = NewUserCommand {
        email,
        name,
        role,
        password,
        email_verified: body.email_verified.unwrap_or(false),
        send_invitation,
    };
    // The user's own language is not known: the invitation goes in the default one.
    match users::create(&state, caller.actor(), command, Lang::En).await? {
        Created::User(id) => Ok(HttpResponse::Created().json(managed_user(&state, id).await?)),
        Created::EmailTaken => Err(ApiError::new(ErrorCode::EmailTaken)),
    }
}

async fn managed_user(state: &AppState, id: UserId) -> Result<ManagedUserResponse, ApiError> {
    let (user, last) = users::find_with_sign_in(&state.pool, id)
        .await?
        .filter(|(user, _)| user.deleted_at.is_none())
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
    Ok(ManagedUserResponse {
        user: ManagedUser::new(&user, last),
    })
}

/// One user.
#[utoipa::path(
    tag = "management",
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 200, description = "The user", body = ManagedUserResponse),
        (status = 401, description = "UNAUTHORIZED", body = ErrorResponse),
        (status = 403, description = "FORBIDDEN: the key lacks users:read", body = ErrorResponse),
        (status = 404, description = "NOT_FOUND", body = ErrorResponse),
        (status = 429, description = "RATE_LIMITED", body = ErrorResponse),
    ),
    security(("managementKey" = []))
)]
#[get("/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    caller: ManagementCaller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ManagementScope::UsersRead)?;
    let user = managed_user(&state, UserId::from(id.into_inner())).await?;
    Ok(HttpResponse::Ok().json(user))
}

/// What an action's outcome answers, when it is not done.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateUserRequest {
    /// The display name (up to 100 characters, no control characters; blank or null
    /// clears it); omitted leaves it.
    #[schema(value_type = Option<String>, example = "田中太郎", max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$")]
    #[serde(default, deserialize_with = "super::dto::present")]
    name: Option<serde_json::Value>,
    #[schema(schema_with = nullable_role_schema, example = "admin")]
    role: Option<String>,
    email_verified: Option<bool>,
}

#[utoipa::path(
    tag = "management",
    params(("id" = String, Path, description = "User id")),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, description = "Updated (the fields given; an unchanged one is not audited)", body = ManagedUserResponse),
        (status = 400, description = "VALIDATION_ERROR: a bad name or role, or demoting the last operator", body = ErrorResponse),
        (status = 401, description = "UNAUTHORIZED", body = ErrorResponse),
        (status = 403, description = "FORBIDDEN: the key lacks users:write", body = ErrorResponse),
        (status = 404, description = "NOT_FOUND", body = ErrorResponse),
        (status = 429, description = "RATE_LIMITED", body = ErrorResponse),
    ),
    security(("managementKey" = []))
)]
#[patch("/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    caller: ManagementCaller,
    id: web::Path<String>,
    body: ApiJson<UpdateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ManagementScope::UsersWrite)?;
    let mut fields = Fields::default();
    let name = fields.nullable("name", body.name.as_ref(), |fields, raw| {
        fields.display_name("name", Some(raw))
    });
    let role = match body.role.as_deref() {
        None => None,
        Some(raw) => fields.parsed("role", Some(raw), |r| {
            Role::parse(r).ok_or("must be user or admin")
        }),
    };
    fields.finish()?;
    let changes = UserChanges {
        name,
        role,
        email_verified: body.email_verified,
    };
    let id = UserId::from(id.into_inner());
    match users::update(&state, caller.actor(), id.clone(), changes).await? {
        Updated::Done => Ok(HttpResponse::Ok().json(managed_user(&state, id).await?)),
        Updated::NotFound => Err(ApiError::new(ErrorCode::NotFound)),
        Updated::LastOperator => Err(ApiError::validation_field(
            "role",
            "would demote the last operator: the panel would have none",
        )),
    }
}

fn refused(outcome: ActionOutcome) -> Result<(), ApiError> {
    match outcome {
        ActionOutcome::Done(_) => Ok(()),
        ActionOutcome::NotFound => Err(ApiError::new(ErrorCode::NotFound)),
        ActionOutcome::LastOperator => Err(ApiError::validation_field(
            "id",
            "is the last operator: the panel would have none",
        )),
        // A key confirms by calling; it is no operator, so neither can apply.
        ActionOutcome::NeedsConfirmation
        | ActionOutcome::NotOnYourself
        | ActionOutcome::ActorNotOperator
        | ActionOutcome::AlreadyVerified
        | ActionOutcome::HasPassword => Err(ApiError::internal(format!(
            "a management call ended as {outcome:?}"
        ))),
    }
}

async fn act(
    state: &AppState,
    caller: &ManagementCaller,
    id: &UserId,
    command: UserCommand,
) -> Result<(), ApiError> {
    let outcome = users::act(state, caller.actor(), id.clone(), command, true).await?;
    refused(outcome)
}

/// Ban a user: every session ends; the user is told the reason and the end.
#[utoipa::path(
    tag = "management",
    params(("id" = String, Path, description = "User id")),
    request_body = BanRequest,
    responses(
        (status = 200, description = "Banned", body = ManagedUserResponse),
        (status = 400, description = "VALIDATION_ERROR: a bad reason, note or end, or the last operator", body = ErrorResponse),
        (status = 401, description = "UNAUTHORIZED", body = ErrorResponse),
        (status = 403, description = "FORBIDDEN: the key lacks users:write", body = ErrorResponse),
        (status = 404, description = "NOT_FOUND", body = ErrorResponse),
        (status = 429, description = "RATE_LIMITED", body = ErrorResponse),
    ),
    security(("managementKey" = []))
)]
#[post("/users/{id}/ban")]
pub async fn ban_user(
    state: web::Data<AppState>,
    caller: ManagementCaller,
    id: web::Path<String>,
    body: ApiJson<BanRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ManagementScope::UsersWrite)?;
    let reason = match body.reason.as_deref() {
        None => BanReason::Other,
        Some(raw) => BanReason::parse(raw).ok_or_else(|| {
            ApiError::validation_field(
                "reason",
                "must be spam, abuse, fraud, terms, security or other",
            )
        })?,
    };
    // Blank is no end, as absent (JSON Schema's `format` does not exclude it).
    let until = match body.until.as_deref() {
        None | Some("") => None,
        Some(raw) => Some(
            DateTime::parse_from_rfc3339(raw)
                .map_err(|_| ApiError::validation_field("until", "is not an RFC 3339 time"))?
                .naive_utc(),
        ),
    };
    let ban =
        users::ban(reason, body.note.as_deref(), until, crate::db::now()).map_err(|problem| {
            match problem {
                BanProblem::NoteTooLong => {
                    ApiError::validation_field("note", "is longer than 500 characters")
                }
                BanProblem::EndInThePast => {
                    ApiError::validation_field("until", "is not in the future")
                }
            }
        })?;
    let id = UserId::from(id.into_inner());
    act(&state, &caller, &id, UserCommand::Disable(ban)).await?;
    Ok(HttpResponse::Ok().json(managed_user(&state, id).await?))
}

/// Lift a user's ban.
#[utoipa::path(
    tag = "management",
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 200, description = "Enabled", body = ManagedUserResponse),
        (status = 401, description = "UNAUTHORIZED", body = ErrorResponse),
        (status = 403, description = "FORBIDDEN: the key lacks users:write", body = ErrorResponse),
        (status = 404, description = "NOT_FOUND", body = ErrorResponse),
        (status = 429, description = "RATE_LIMITED", body = ErrorResponse),
    ),
    security(("managementKey" = []))
)]
#[post("/users/{id}/unban")]
pub async fn unban_user(
    state: web::Data<AppState>,
    caller: ManagementCaller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ManagementScope::UsersWrite)?;
    let id = UserId::from(id.into_inner());
    act(&state, &caller, &id, UserCommand::Enable).await?;
    Ok(HttpResponse::Ok().json(managed_user(&state, id).await?))
}

/// Delete a user, as an operator's delete (the row is withdrawn).
#[utoipa::path(
    tag = "management",
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "VALIDATION_ERROR: the last operator", body = ErrorResponse),
        (status = 401, description = "UNAUTHORIZED", body = ErrorResponse),
        (status = 403, description = "FORBIDDEN: the key lacks users:write", body = ErrorResponse),
        (status = 404, description = "NOT_FOUND", body = ErrorResponse),
        (status = 429, description = "RATE_LIMITED", body = ErrorResponse),
    ),
    security(("managementKey" = []))
)]
#[delete("/users/{id}")]
pub async fn delete_user(
    state: web::Data<AppState>,
    caller: ManagementCaller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ManagementScope::UsersWrite)?;
    let id = UserId::from(id.into_inner());
    act(&state, &caller, &id, UserCommand::Delete).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A user's live sessions, newest first.
#[utoipa::path(
    tag = "management",
    params(("id" = String, Path, description = "User id"), PageQuery),
    responses(
        (status = 200, description = "A page of sessions (`current` is always false)", body = ManagedSessionsPage),
        (status = 400, description = "VALIDATION_ERROR: a bad limit or cursor", body = ErrorResponse),
        (status = 401, description = "UNAUTHORIZED", body = ErrorResponse),
        (status = 403, description = "FORBIDDEN: the key lacks users:read", body = ErrorResponse),
        (status = 404, description = "NOT_FOUND", body = ErrorResponse),
        (status = 429, description = "RATE_LIMITED", body = ErrorResponse),
    ),
    security(("managementKey" = []))
)]
#[get("/users/{id}/sessions")]
pub async fn user_sessions(
    state: web::Data<AppState>,
    caller: ManagementCaller,
    id: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ManagementScope::UsersRead)?;
    let (limit, offset) = page(query.limit, query.cursor.as_deref())?;
    let detail = users::detail(&state.pool, id.into_inner(), offset, limit + 1)
        .await?
        .filter(|detail| detail.user.deleted_at.is_none())
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
    let (sessions, next_cursor) = split(detail.live_sessions, limit, offset);
    Ok(HttpResponse::Ok().json(ManagedSessionsPage {
        sessions: sessions.iter().map(|s| SessionView::new(s, "")).collect(),
        next_cursor,
    }))
}

/// End every session of a user.
#[utoipa::path(
    tag = "management",
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 204, description = "Every session revoked"),
        (status = 401, description = "UNAUTHORIZED", body = ErrorResponse),
        (status = 403, description = "FORBIDDEN: the key lacks sessions:write", body = ErrorResponse),
        (status = 404, description = "NOT_FOUND", body = ErrorResponse),
        (status = 429, description = "RATE_LIMITED", body = ErrorResponse),
    ),
    security(("managementKey" = []))
)]
#[delete("/users/{id}/sessions")]
pub async fn revoke_user_sessions(
    state: web::Data<AppState>,
    caller: ManagementCaller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ManagementScope::SessionsWrite)?;
    let id = UserId::from(id.into_inner());
    act(&state, &caller, &id, UserCommand::RevokeSessions).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// End one session, whoever's it is.
#[utoipa::path(
    tag = "management",
    params(("id" = String, Path, description = "Session id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "UNAUTHORIZED", body = ErrorResponse),
        (status = 403, description = "FORBIDDEN: the key lacks sessions:write", body = ErrorResponse),
        (status = 404, description = "NOT_FOUND: no live session has this id", body = ErrorResponse),
        (status = 429, description = "RATE_LIMITED", body = ErrorResponse),
    ),
    security(("managementKey" = []))
)]
#[delete("/sessions/{id}")]
pub async fn revoke_session(
    state: web::Data<AppState>,
    caller: ManagementCaller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ManagementScope::SessionsWrite)?;
    let id = SessionId::from(id.into_inner());
    match admin_sessions::revoke(&state.pool, caller.actor(), id).await? {
        Revoked::Now => Ok(HttpResponse::NoContent().finish()),
        Revoked::AlreadyEnded => Err(ApiError::new(ErrorCode::NotFound)),
    }
}
