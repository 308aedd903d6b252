//! The JSON shapes of the API. The OpenAPI document is generated from these same
//! types, so it cannot drift from what the handlers send and accept.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};

use crate::auth::session_lifecycle::TokenPair;
use crate::db::identities::Identity;
use crate::db::passkeys::PasskeyInfo;
use crate::db::sessions::Session;
pub use crate::db::user_object::{UserView, role_schema};
use crate::domain::{Role, SessionKind};
use crate::error::ErrorCode;

pub fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

// The enums of the document are built from the same constants the server uses, so
// a generated client's unions cannot drift from what is sent.

fn string_enum<'a>(values: impl IntoIterator<Item = &'a str>) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values))
        .build()
}

/// One of `values`, or null (an optional field of a request).
fn nullable_string_enum<'a>(values: impl IntoIterator<Item = &'a str>) -> Object {
    let values = values
        .into_iter()
        .map(serde_json::Value::from)
        .chain(std::iter::once(serde_json::Value::Null));
    ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
            Type::String,
            Type::Null,
        ]))
        .enum_values(Some(values))
        .build()
}

pub fn nullable_ban_reason_schema() -> Object {
    nullable_string_enum(
        crate::domain::BanReason::ALL
            .iter()
            .map(|reason| reason.as_str()),
    )
}

pub fn nullable_role_schema() -> Object {
    nullable_string_enum(Role::ALL.iter().map(|role| role.as_str()))
}

/// The webhook event types an endpoint may ask for (null or empty: all).
pub fn webhook_events_schema() -> utoipa::openapi::schema::Array {
    utoipa::openapi::schema::ArrayBuilder::new()
        .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
            Type::Array,
            Type::Null,
        ]))
        .items(string_enum(
            crate::domain::WebhookEventType::ALL
                .iter()
                .map(|kind| kind.as_str()),
        ))
        .build()
}

fn session_kind_schema() -> Object {
    string_enum(SessionKind::ALL.iter().map(|kind| kind.as_str()))
}

fn error_code_schema() -> Object {
    string_enum(ErrorCode::ALL.iter().map(|code| code.as_str()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    pub user: UserView,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignupResponse {
    pub user: UserView,
    /// True when REQUIRE_EMAIL_VERIFICATION holds the session back until the address
    /// is verified (no session cookie was set).
    pub verification_required: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionUserResponse {
    /// The signed-in user; null when nobody is.
    #[schema(required = true)]
    pub user: Option<UserView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageResponse {
    #[schema(example = "Logged out")]
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SuccessResponse {
    pub success: bool,
    pub message: String,
}

impl SuccessResponse {
    pub fn new(message: &str) -> Self {
        Self {
            success: true,
            message: message.to_owned(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    pub id: String,
    #[schema(schema_with = session_kind_schema)]
    pub kind: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    #[schema(required = true)]
    pub ip: Option<String>,
    #[schema(required = true)]
    pub user_agent: Option<String>,
    /// Whether this is the session making the request.
    pub current: bool,
    /// How it was signed in: a first factor (`password`, `passkey`, `provider:<id>`,
    /// `password_reset`, `email_link`), then `+totp` or `+recovery_code` when a second
    /// one was asked (`password+totp`, `provider:google+totp`); null for sessions
    /// older than this record.
    #[schema(required = true, example = "password+totp")]
    pub sign_in_method: Option<String>,
}

impl SessionView {
    pub fn new(session: &Session, current_id: &str) -> Self {
        Self {
            id: session.id.to_string(),
            kind: session.kind.as_str().to_owned(),
            created_at: utc(session.created_at),
            last_seen_at: utc(session.last_seen_at),
            expires_at: utc(session.expires_at),
            ip: session.ip.clone(),
            user_agent: session.user_agent.clone(),
            current: session.id == current_id,
            sign_in_method: session
                .sign_in_method
                .as_ref()
                .map(|m| m.as_str().to_owned()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionsResponse {
    pub sessions: Vec<SessionView>,
    /// Pass as `cursor` for the next page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GreetingResponse {
    #[schema(example = "Hello, 田中太郎!")]
    pub message: String,
    #[schema(required = true)]
    pub user_name: Option<String>,
    pub is_logged_in: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatusResponse {
    /// `ok` (live) or `ready`.
    #[schema(example = "ready")]
    pub status: String,
}

/// `/api/health/ready`: ready, and which build answers (a rolling upgrade's progress
/// reads here).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadyResponse {
    #[schema(example = "ready")]
    pub status: String,
    #[schema(example = "0.1.0")]
    pub version: String,
    /// The git commit the binary was built from (`unknown` outside a checkout).
    #[schema(example = "3f2a9c1e0b7d")]
    pub commit: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HealthResponse {
    #[schema(example = "ok")]
    pub status: String,
    /// ISO 8601 in UTC, to the second, like the contract's example.
    #[schema(example = "2026-01-15T10:00:00Z", format = DateTime)]
    pub timestamp: String,
    /// `ok`, or `unavailable` (with status 503).
    #[schema(example = "ok")]
    pub database: String,
}

#[derive(Debug, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct TokenResponse {
    /// An HS256 JWT (sub, sid, iat, exp) for `Authorization: Bearer`.
    pub token: String,
    /// Opaque; spent by its first use at /refresh.
    pub refresh_token: String,
    /// Seconds until `token` expires.
    #[schema(example = 900)]
    pub expires_in: i64,
    #[schema(example = "Bearer")]
    pub token_type: String,
}

impl From<TokenPair> for TokenResponse {
    fn from(pair: TokenPair) -> Self {
        Self {
            token: pair.access_token,
            refresh_token: pair.refresh_token,
            expires_in: pair.expires_in,
            token_type: "Bearer".into(),
        }
    }
}

/// `/login` with the right password when the second factor is on: no session yet;
/// the `two_factor` cookie holds the challenge for `/two-factor/verify`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TwoFactorRequiredResponse {
    /// Always true.
    pub two_factor_required: bool,
    /// What `/two-factor/verify` accepts.
    #[schema(example = json!(["totp", "recovery_code"]))]
    pub methods: Vec<String>,
}

/// `/login`: signed in, or a second step is needed.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum LoginResponse {
    SignedIn(UserResponse),
    TwoFactorRequired(TwoFactorRequiredResponse),
}

/// `/reset-password`: the password is set, and the browser signed in (`user`, with the
/// session cookie), or asked for its second factor (`twoFactorRequired`, with the
/// challenge cookie), or neither (a disabled account).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResetPasswordResponse {
    /// Always true.
    pub success: bool,
    pub message: String,
    /// The signed-in user, when a session was started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<UserView>,
    /// True when the code step comes next (`/two-factor/verify`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub two_factor_required: Option<bool>,
    /// What `/two-factor/verify` accepts, with `twoFactorRequired`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub methods: Option<Vec<String>>,
}

/// `/token` when the second factor is on: the pair comes from `/token/two-factor`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenChallengeResponse {
    /// Always true.
    pub two_factor_required: bool,
    /// Opaque; give it to `/token/two-factor` within five minutes.
    pub challenge: String,
}

/// `/token`: a pair, or a challenge for the second step.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum TokenAnswer {
    Pair(TokenResponse),
    TwoFactorRequired(TokenChallengeResponse),
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TwoFactorSetupRequest {
    /// Required when the user has a password.
    #[schema(min_length = 1, max_length = 128)]
    pub password: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TwoFactorSetupResponse {
    /// The secret in base32, for typing into an app by hand.
    pub secret: String,
    /// `otpauth://totp/{issuer}:{email}?secret=…&issuer=…`
    pub otpauth_uri: String,
    /// The URI as a QR code: an `<svg>` element drawn by the server.
    pub qr_svg: String,
}

/// `/enable`: a code of the set-up secret.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TwoFactorEnableRequest {
    /// Six digits from the authenticator app.
    #[schema(value_type = String, required = true, example = "123456", pattern = r"^[0-9]{6}$")]
    pub code: Option<String>,
}

/// The sign-in's second step: `code` or `recoveryCode` (one of them), and
/// `rememberMe`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TwoFactorVerifyRequest {
    /// Six digits from the authenticator app.
    #[schema(example = "123456", pattern = r"^[0-9]{6}$")]
    pub code: Option<String>,
    /// One of the recovery codes (`xxxxx-xxxxx`; case and the dash do not matter).
    #[schema(example = "4k7pq-x2m9d", pattern = r"^[0-9A-Za-z]{5}-?[0-9A-Za-z]{5}$")]
    pub recovery_code: Option<String>,
    /// Default: what the login asked for.
    pub remember_me: Option<bool>,
}

/// A bearer client's second step: the `challenge` `/token` answered, and `code` or
/// `recoveryCode` (one of them).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TwoFactorTokenRequest {
    #[schema(value_type = String, required = true, pattern = r"^[A-Za-z0-9_-]{1,512}$")]
    pub challenge: Option<String>,
    #[schema(example = "123456", pattern = r"^[0-9]{6}$")]
    pub code: Option<String>,
    #[schema(example = "4k7pq-x2m9d", pattern = r"^[0-9A-Za-z]{5}-?[0-9A-Za-z]{5}$")]
    pub recovery_code: Option<String>,
}

/// The password, or a current `code` for an account without a password (at least one
/// of them; a user who has a password must give it).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TwoFactorProofRequest {
    #[schema(min_length = 1, max_length = 128)]
    pub password: Option<String>,
    #[schema(example = "123456", pattern = r"^[0-9]{6}$")]
    pub code: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TwoFactorEnabledResponse {
    /// Ten single-use codes, shown this once.
    pub recovery_codes: Vec<String>,
    pub user: UserView,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryCodesResponse {
    /// Ten new single-use codes; the old ones no longer work.
    pub recovery_codes: Vec<String>,
}

/// The error envelope of every non-2xx response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorResponse {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// For programs: never changes with the language.
    #[schema(schema_with = error_code_schema, example = "VALIDATION_ERROR")]
    pub code: String,
    /// For people: English, or Japanese when Accept-Language prefers `ja`.
    #[schema(example = "Invalid input")]
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub details: Option<ErrorDetails>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetails {
    /// Each invalid or missing field, by its JSON name, with what is wrong with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = json!({"email": "must be a valid email address"}))]
    pub fields: Option<std::collections::BTreeMap<String, String>>,
}

// Requests. Every field is optional at the JSON level so that a missing one becomes
// a VALIDATION_ERROR naming it, like an invalid one; the document still says which
// ones the server requires (`required`, not nullable), so that generated clients do.

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignupRequest {
    #[schema(value_type = String, required = true, example = "tanaka@example.com", format = Email, max_length = 254)]
    pub email: Option<String>,
    /// 8 to 128 characters.
    #[schema(value_type = String, required = true, min_length = 8, max_length = 128)]
    pub password: Option<String>,
    /// Up to 100 characters, no control characters; blank is no name.
    #[schema(
        example = "田中太郎",
        max_length = 100,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub name: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoginRequest {
    #[schema(value_type = String, required = true, format = Email, max_length = 254)]
    pub email: Option<String>,
    #[schema(value_type = String, required = true, min_length = 1, max_length = 128)]
    pub password: Option<String>,
    /// Default true: a 7-day cookie; false: a browser-session cookie and a 1-day session.
    #[serde(alias = "remember_me")]
    pub remember_me: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ForgotPasswordRequest {
    #[schema(value_type = String, required = true, format = Email, max_length = 254)]
    pub email: Option<String>,
}

/// `email` may be left out by a signed-in user: the mail goes to their own address.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SendVerificationEmailRequest {
    #[schema(format = Email, max_length = 254)]
    pub email: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VerifyEmailRequest {
    /// The `token` of the mailed link.
    #[schema(value_type = String, required = true, pattern = r"^[A-Za-z0-9_-]{1,512}$")]
    pub token: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResetPasswordRequest {
    /// The `token` of the mailed link.
    #[schema(value_type = String, required = true, pattern = r"^[A-Za-z0-9_-]{1,512}$")]
    pub token: Option<String>,
    #[serde(alias = "new_password")]
    #[schema(value_type = String, required = true, min_length = 8, max_length = 128)]
    pub new_password: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangePasswordRequest {
    #[serde(alias = "current_password")]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 128)]
    pub current_password: Option<String>,
    #[serde(alias = "new_password")]
    #[schema(value_type = String, required = true, min_length = 8, max_length = 128)]
    pub new_password: Option<String>,
}

/// A field that was sent, even as null (serde reads a null `Option` as absent): for
/// updates, where null clears and absent keeps.
pub fn present<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<serde_json::Value>, D::Error> {
    serde_json::Value::deserialize(deserializer).map(Some)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateProfileRequest {
    /// The display name (up to 100 characters, no control characters; blank or null
    /// clears it); omitted leaves it.
    #[schema(value_type = Option<String>, example = "田中太郎", max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$")]
    #[serde(default, deserialize_with = "present")]
    pub name: Option<serde_json::Value>,
    /// The picture's address: an `https://` URL without credentials, up to 2000
    /// characters; null clears it; omitted leaves it.
    #[schema(value_type = Option<String>, example = "https://cdn.example.com/tanaka.png", max_length = 2000, pattern = "^https://")]
    #[serde(default, deserialize_with = "present")]
    pub image: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmailSignInRequest {
    #[schema(value_type = String, required = true, format = Email, max_length = 254)]
    pub email: Option<String>,
    /// Where the app's page goes once signed in: an absolute URL on FRONTEND_URL's
    /// origin or one of CORS_ORIGINS, or a path (resolved against FRONTEND_URL). The
    /// mailed link carries it as `callbackURL`.
    #[serde(rename = "callbackURL", alias = "callbackUrl")]
    #[schema(value_type = Option<String>, example = "/dashboard")]
    pub callback_url: Option<String>,
}

/// The link's `token`, or the `email` and its `code`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmailSignInVerifyRequest {
    /// The link's token; when it is sent, `email` and `code` are not looked at.
    #[schema(value_type = Option<String>, pattern = r"\S")]
    pub token: Option<String>,
    #[schema(value_type = Option<String>, format = Email, max_length = 254)]
    pub email: Option<String>,
    /// Six digits.
    #[schema(value_type = Option<String>, pattern = "^[0-9]{6}$", example = "042917")]
    pub code: Option<String>,
    #[serde(alias = "remember_me")]
    pub remember_me: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangeEmailRequest {
    #[serde(alias = "new_email")]
    #[schema(value_type = String, required = true, format = Email, max_length = 254)]
    pub new_email: Option<String>,
    /// The password, required when the user has one.
    #[schema(value_type = String, required = false, min_length = 1, max_length = 128)]
    pub password: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WithdrawRequest {
    /// The password, required when the user has one.
    #[serde(alias = "confirm_password")]
    #[schema(value_type = String, required = false, min_length = 1, max_length = 128)]
    pub confirm_password: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenRequest {
    #[schema(value_type = String, required = true, format = Email, max_length = 254)]
    pub email: Option<String>,
    #[schema(value_type = String, required = true, min_length = 1, max_length = 128)]
    pub password: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RefreshRequest {
    #[serde(alias = "refresh_token")]
    #[schema(value_type = String, required = true, pattern = r"^[A-Za-z0-9_-]{1,512}$")]
    pub refresh_token: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderView {
    #[schema(example = "google")]
    pub id: String,
    #[schema(example = "Google")]
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProvidersResponse {
    /// The configured providers ready for sign-in, in the configuration's order.
    pub providers: Vec<ProviderView>,
}

/// The field names are the contract's: `callbackURL`, not `callbackUrl` (both are
/// accepted).
#[derive(Debug, Deserialize, ToSchema)]
pub struct SocialSignInRequest {
    /// One of `GET /providers`' ids.
    #[schema(value_type = String, required = true, example = "google", pattern = r"^[a-z0-9_-]{1,64}$")]
    pub provider: Option<String>,
    /// Where the browser lands signed in: a path of FRONTEND_URL, or a URL on
    /// FRONTEND_URL's origin or one of CORS_ORIGINS.
    #[serde(rename = "callbackURL", alias = "callbackUrl", alias = "callback_url")]
    #[schema(value_type = String, required = true, example = "/dashboard", max_length = 2048)]
    pub callback_url: Option<String>,
    /// Where the browser lands on failure, with `?error=<CODE>`; default
    /// `{FRONTEND_URL}/login`. The same origins as `callbackURL`.
    #[serde(
        rename = "errorCallbackURL",
        alias = "errorCallbackUrl",
        alias = "error_callback_url"
    )]
    #[schema(example = "/login", max_length = 2048)]
    pub error_callback_url: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SocialSignInResponse {
    /// The provider's authorization URL: send the browser there.
    pub url: String,
    pub redirect: bool,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountView {
    #[schema(example = "google")]
    pub provider: String,
    /// The address the provider gave at the last sign-in.
    #[schema(required = true)]
    pub email: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<&Identity> for AccountView {
    fn from(account: &Identity) -> Self {
        Self {
            provider: account.provider.clone(),
            email: account.email.clone(),
            created_at: utc(account.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountsResponse {
    pub accounts: Vec<AccountView>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PasskeyView {
    pub id: String,
    #[schema(example = "MacBook Touch ID")]
    pub name: String,
    pub created_at: DateTime<Utc>,
    #[schema(required = true)]
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<&PasskeyInfo> for PasskeyView {
    fn from(passkey: &PasskeyInfo) -> Self {
        Self {
            id: passkey.id.clone(),
            name: passkey.name.clone(),
            created_at: utc(passkey.created_at),
            last_used_at: passkey.last_used_at.map(utc),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PasskeyResponse {
    pub passkey: PasskeyView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PasskeysResponse {
    pub passkeys: Vec<PasskeyView>,
}

/// WebAuthn Level 3 JSON options: give them to
/// `PublicKeyCredential.parseCreationOptionsFromJSON` (registration) or
/// `parseRequestOptionsFromJSON` (sign-in) as they are.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasskeyOptionsResponse {
    #[schema(value_type = std::collections::HashMap<String, serde_json::Value>)]
    pub options: serde_json::Value,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PasskeyRegisterRequest {
    /// The browser's `credential.toJSON()` (a RegistrationResponseJSON).
    #[schema(value_type = std::collections::HashMap<String, serde_json::Value>, required = true)]
    pub credential: Option<serde_json::Value>,
    /// 1 to 64 characters (trimmed), no control characters. Default: `Passkey N`.
    #[schema(
        example = "MacBook Touch ID",
        max_length = 64,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub name: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasskeyRenameRequest {
    /// 1 to 64 characters (trimmed), no control characters.
    #[schema(value_type = String, required = true, example = "YubiKey 5C", max_length = 64, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$")]
    pub name: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PasskeySignInOptionsRequest {
    /// With an email, only that address's account's passkeys can answer. The options
    /// list no credentials either way (the authenticator offers its discoverable ones:
    /// a passkey button, or autofill), so they tell nothing about the address.
    #[schema(example = "tanaka@example.com", format = Email, max_length = 254)]
    pub email: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PasskeySignInRequest {
    /// The browser's `credential.toJSON()` (an AuthenticationResponseJSON).
    #[schema(value_type = std::collections::HashMap<String, serde_json::Value>, required = true)]
    pub credential: Option<serde_json::Value>,
    #[serde(alias = "remember_me")]
    pub remember_me: Option<bool>,
}
