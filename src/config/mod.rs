//! Settings, read once at start-up from the environment (and `.env`, loaded by main).
//! Names and defaults are those of the contract's configuration table; anything
//! invalid stops the process with one line naming the variable.

mod database_url;
mod frontend_routes;
mod origins;
mod passkeys;
mod secret_files;
mod secret_key;
mod social;
mod tokens;
mod trusted_proxies;
mod webhooks;

use std::net::ToSocketAddrs;
use std::path::PathBuf;
use std::time::Duration;

use actix_web::cookie::SameSite;
pub use database_url::DatabaseUrl;
pub use frontend_routes::{FrontendRoute, FrontendRoutes};
pub use origins::{AllowedOrigins, OriginRule, normalize_origin};
pub use passkeys::{PasskeySettings, RelyingPartySettings};
use secrecy::SecretString;
pub use secret_key::SecretKey;
pub use social::{ProviderSettings, ProviderSource};
pub use tokens::TokenSettings;
pub use trusted_proxies::TrustedProxies;
pub use webhooks::WebhookSettings;

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {var}: {problem}")]
pub struct ConfigError {
    pub var: &'static str,
    pub problem: String,
}

impl ConfigError {
    pub fn new(var: &'static str, problem: impl Into<String>) -> Self {
        Self {
            var,
            problem: problem.into(),
        }
    }
}

/// The formats LOG_FORMAT names (the logger reads it before the settings, which
/// refuse any other value naming the variable).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    /// None for a value that is neither.
    pub fn parse(raw: Option<&str>) -> Option<Self> {
        match raw.map(str::trim) {
            None | Some("" | "text") => Some(Self::Text),
            Some("json") => Some(Self::Json),
            Some(_) => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Production,
}

impl AppEnv {
    pub fn is_production(self) -> bool {
        self == Self::Production
    }
}

/// Every setting, grouped by what it configures.
#[derive(Debug, Clone)]
pub struct Settings {
    pub app_env: AppEnv,
    /// LOG_FORMAT, as the logger read it.
    pub log_format: LogFormat,
    pub secret_key: SecretKey,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub cookie: CookieSettings,
    pub session: SessionSettings,
    /// How JWTs are signed and what they claim (JWT_*).
    pub tokens: TokenSettings,
    pub accounts: AccountSettings,
    pub frontend: FrontendSettings,
    /// WEBAUTHN_RP_ID, WEBAUTHN_ORIGINS (the name is WEBAUTHN_RP_NAME, in accounts).
    pub passkeys: PasskeySettings,
    pub mail: MailSettings,
    pub admin: AdminSettings,
    pub metrics: MetricsSettings,
    /// Google and the OpenID Connect providers of OIDC_PROVIDERS.
    pub social_providers: Vec<ProviderSettings>,
    pub webhooks: WebhookSettings,
}

/// Where and how the server listens, and whom it believes.
#[derive(Debug, Clone)]
pub struct ServerSettings {
    /// BIND.
    pub bind: String,
    /// DATA_DIR: the SQLite file's folder by default, `secret.key`, the outbox.
    pub data_dir: PathBuf,
    /// WORKERS: actix worker threads; the number of cores when unset.
    pub workers: Option<usize>,
    /// HASHER_THREADS: argon2 threads; the number of cores when unset.
    pub hasher_threads: Option<usize>,
    /// BODY_TIMEOUT_SECONDS: how long a request's body may take to arrive (408 after).
    pub body_timeout: Duration,
    /// MAX_CONNECTIONS: open client connections across the workers; beyond it new
    /// ones wait in the listen backlog.
    pub max_connections: usize,
    /// MAX_CONNECTIONS_PER_IP: open connections from one address (an IPv6 client's
    /// network of IPV6_PREFIX_LENGTH bits); more are closed as they are accepted.
    /// Peers in TRUSTED_PROXIES are not limited (a proxy carries many clients).
    pub max_connections_per_ip: usize,
    /// HEADER_TIMEOUT_SECONDS: how long a connection may take to send a whole request
    /// head, counted from its start or from the end of the previous answer.
    pub header_timeout: Duration,
    /// PUBLIC_ORIGIN: this server's origin as browsers reach it, for the CSRF check
    /// and redirect URIs (derived from the Host header and BIND when unset).
    pub public_origin: Option<String>,
    /// TRUSTED_PROXIES: proxies whose X-Forwarded-For is believed (none by default).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// SHUTDOWN_DRAIN_SECONDS: after SIGTERM, how long the listener still serves (with
    /// `Connection: close`) while readiness says 503.
    pub shutdown_drain: Duration,
    /// SHUTDOWN_TIMEOUT_SECONDS: then, how long requests in flight get to finish.
    pub shutdown_timeout: Duration,
}

/// DATABASE_URL and the pool.
#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    pub url: DatabaseUrl,
    /// DB_POOL_SIZE.
    pub pool_size: u32,
    /// DB_TIMEOUT_MS: how long a request waits for a connection.
    pub timeout: Duration,
    /// MIGRATE_ON_START: `serve` applies pending migrations (else `sekisho migrate`
    /// does, before the instances start or while the previous release serves).
    pub migrate_on_start: bool,
}

/// The session cookie.
#[derive(Debug, Clone)]
pub struct CookieSettings {
    /// COOKIE_NAME.
    pub name: String,
    /// COOKIE_SECURE.
    pub secure: bool,
    /// COOKIE_DOMAIN: for an app and an API on sibling hosts (`app.example.com`,
    /// `api.example.com`); host-only when unset.
    pub domain: Option<String>,
    /// COOKIE_SAMESITE: Lax by default; None needs COOKIE_SECURE.
    pub same_site: SameSite,
}

/// How long sessions and tokens live.
#[derive(Debug, Clone)]
pub struct SessionSettings {
    /// ACCESS_TOKEN_EXPIRE_DAYS: a remembered browser session's lifetime.
    pub remember_days: i64,
    /// REFRESH_GRACE_SECONDS: how long a spent refresh token still gets the pair it
    /// was rotated into (a second tab).
    pub refresh_grace_seconds: u64,
    /// ACCESS_TOKEN_TTL_SECONDS: a bearer access token's lifetime.
    pub access_token_ttl: chrono::TimeDelta,
}

/// Rules for accounts.
#[derive(Debug, Clone)]
pub struct AccountSettings {
    /// REQUIRE_EMAIL_VERIFICATION: login and /token of an unverified address answer
    /// 403 EMAIL_NOT_VERIFIED.
    pub require_email_verification: bool,
    /// EMAIL_SIGN_IN (default true): sign-in by a mailed link or code.
    pub email_sign_in: bool,
    /// EMAIL_SIGN_IN_CREATES_USERS (default true): an address without an account gets
    /// one (verified) at its first sign-in by email.
    pub email_sign_in_creates_users: bool,
    /// RATE_LIMIT_ENABLED: off only for benchmarks of the login path.
    pub rate_limit_enabled: bool,
    /// IPV6_PREFIX_LENGTH: IPv6 clients count against the limits by this network
    /// (default /64, one subscriber's usual allocation).
    pub ipv6_prefix_length: u8,
    /// WEBAUTHN_RP_NAME (default `Sekisho`): the name authenticator apps show next to
    /// a TOTP code, and passkey prompts for the relying party.
    pub second_factor_issuer: String,
}

/// The front-end: where links in mails point, and which origins may call the API.
#[derive(Debug, Clone)]
pub struct FrontendSettings {
    /// FRONTEND_URL.
    pub url: url::Url,
    /// CORS_ORIGINS.
    pub cors_origins: AllowedOrigins,
    /// FRONTEND_ROUTES: the app's pages that mails and redirects name.
    pub routes: FrontendRoutes,
}

/// SMTP_URL and MAIL_FROM; neither: mails go to the outbox folder.
#[derive(Debug, Clone)]
pub struct MailSettings {
    pub smtp_url: Option<SecretString>,
    pub from: Option<String>,
    /// MAIL_RETRY_SCHEDULE: seconds to wait after each failed SMTP send; after the
    /// last, the mail is kept in `outbox/failed/`. Shorter ones serve drills and tests.
    pub retry_schedule: Vec<Duration>,
}

/// 10 s, 1 min, 5 min, 30 min, 2 h, 6 h: an SMTP server down for most of a working
/// day still gets the mail; a reset link older than that has expired anyway.
const MAIL_RETRY_SCHEDULE: [u64; 6] = [10, 60, 300, 1_800, 7_200, 21_600];

/// The operators' panel.
#[derive(Debug, Clone)]
pub struct AdminSettings {
    /// ADMIN_EMAIL and ADMIN_PASSWORD: an operator created or promoted at start-up.
    pub email: Option<String>,
    pub password: Option<SecretString>,
    /// ADMIN_IDLE_MINUTES: a panel session ends after this long without a request.
    pub idle_minutes: i64,
    /// ADMIN_REQUIRE_TWO_FACTOR: no operator signs in to the panel without a second
    /// factor turned on.
    pub require_two_factor: bool,
}

/// Who may read GET /metrics.
#[derive(Debug, Clone)]
pub struct MetricsSettings {
    /// METRICS_BIND: a second address serving only /metrics, without a token.
    pub bind: Option<String>,
    /// METRICS_TOKEN: the bearer token that opens /metrics on the main address.
    pub token: Option<SecretString>,
}

/// A setting's raw value, None when unset or blank.
type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

impl Settings {
    /// The origin browsers reach this server at: PUBLIC_ORIGIN, else the address it
    /// listens on (`port` is the bound one; `localhost` for an all-interfaces bind).
    /// Redirect URIs registered at sign-in providers start with it.
    pub fn public_base_url(&self, port: u16) -> String {
        if let Some(origin) = &self.server.public_origin {
            return origin.clone();
        }
        let bind = &self.server.bind;
        let host = bind
            .rsplit_once(':')
            .map_or(bind.as_str(), |(host, _)| host);
        match host {
            "0.0.0.0" | "[::]" | "" => format!("http://localhost:{port}"),
            host => format!("http://{host}:{port}"),
        }
    }

    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        // A NAME_FILE that cannot be read stops the start, naming it (the lookup
        // itself can only answer a value).
        let problem = std::cell::RefCell::new(None);
        let settings = Self::from_lookup(|name| {
            secret_files::lookup(name, |var| std::env::var_os(var)).unwrap_or_else(|e| {
                problem.borrow_mut().get_or_insert(e);
                None
            })
        });
        match problem.into_inner() {
            Some(error) => Err(error),
            None => settings,
        }
    }

    /// Reads settings through `lookup`, so tests can build settings without touching
    /// the (process-global) environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let app_env = match get("APP_ENV").as_deref().map(str::trim) {
            None | Some("development") | Some("dev") | Some("test") => AppEnv::Development,
            Some("production") | Some("prod") => AppEnv::Production,
            Some(other) => {
                return Err(ConfigError::new(
                    "APP_ENV",
                    format!("must be `development` or `production`, not `{other}`"),
                ));
            }
        };
        let server = ServerSettings::read(&get)?;
        // Read by the logger itself (it starts first); refused here when unknown.
        let log_format = LogFormat::parse(get("LOG_FORMAT").as_deref())
            .ok_or_else(|| ConfigError::new("LOG_FORMAT", "must be `text` or `json`"))?;
        let frontend = FrontendSettings::read(&get)?;
        let passkeys = PasskeySettings::read(
            get("WEBAUTHN_RP_ID").as_deref(),
            get("WEBAUTHN_ORIGINS").as_deref(),
            &frontend.url,
            &frontend.cors_origins,
        )?;
        let tokens = TokenSettings::read(&get, server.public_origin.as_deref(), &frontend.url)?;
        Ok(Self {
            app_env,
            log_format,
            secret_key: SecretKey::load(get("SECRET_KEY"), app_env, &server.data_dir)?
                .with_previous(get("PREVIOUS_SECRET_KEYS").as_deref())?,
            server,
            database: DatabaseSettings::read(&get)?,
            cookie: CookieSettings::read(&get)?,
            session: SessionSettings::read(&get)?,
            tokens,
            accounts: AccountSettings::read(&get)?,
            frontend,
            passkeys,
            mail: MailSettings::read(&get)?,
            admin: AdminSettings::read(&get)?,
            metrics: MetricsSettings::read(&get)?,
            social_providers: social::parse_providers(get)?,
            webhooks: WebhookSettings::read(&get)?,
        })
    }
}

/// One address's default share of MAX_CONNECTIONS: a fiftieth (200 of the default
/// 10,000), enough for an office behind one NAT address, too little for one client
/// to keep everyone else waiting.
fn default_share_per_ip(max_connections: usize) -> usize {
    (max_connections / 50).max(16).min(max_connections)
}

impl ServerSettings {
    fn read(get: Lookup<'_>) -> Result<Self, ConfigError> {
        let max_connections = parse_number(
            "MAX_CONNECTIONS",
            get("MAX_CONNECTIONS"),
            10_000,
            1..=1_000_000,
        )?;
        Ok(Self {
            bind: parse_listen_address(
                "BIND",
                get("BIND").unwrap_or_else(|| "127.0.0.1:8080".into()),
            )?,
            data_dir: PathBuf::from(get("DATA_DIR").unwrap_or_else(|| "data".into())),
            workers: get("WORKERS")
                .map(|raw| parse_number("WORKERS", Some(raw), 1, 1..=1024))
                .transpose()?,
            hasher_threads: get("HASHER_THREADS")
                .map(|raw| parse_number("HASHER_THREADS", Some(raw), 1, 1..=256))
                .transpose()?,
            body_timeout: Duration::from_secs(parse_number(
                "BODY_TIMEOUT_SECONDS",
                get("BODY_TIMEOUT_SECONDS"),
                5,
                1..=300,
            )?),
            max_connections,
            max_connections_per_ip: parse_number(
                "MAX_CONNECTIONS_PER_IP",
                get("MAX_CONNECTIONS_PER_IP"),
                default_share_per_ip(max_connections),
                1..=max_connections,
            )?,
            header_timeout: Duration::from_secs(parse_number(
                "HEADER_TIMEOUT_SECONDS",
                get("HEADER_TIMEOUT_SECONDS"),
                5,
                1..=300,
            )?),
            public_origin: get("PUBLIC_ORIGIN")
                .map(|raw| {
                    normalize_origin(raw.trim_end_matches('/')).ok_or_else(|| {
                        ConfigError::new("PUBLIC_ORIGIN", format!("`{raw}` is not an origin"))
                    })
                })
                .transpose()?,
            trusted_proxies: parse_proxies(get("TRUSTED_PROXIES").as_deref())?,
            shutdown_drain: Duration::from_secs(parse_number(
                "SHUTDOWN_DRAIN_SECONDS",
                get("SHUTDOWN_DRAIN_SECONDS"),
                5,
                0..=600,
            )?),
            shutdown_timeout: Duration::from_secs(parse_number(
                "SHUTDOWN_TIMEOUT_SECONDS",
                get("SHUTDOWN_TIMEOUT_SECONDS"),
                30,
                0..=3600,
            )?),
        })
    }
}

impl DatabaseSettings {
    fn read(get: Lookup<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            url: DatabaseUrl::parse(
                get("DATABASE_URL")
                    .as_deref()
                    .unwrap_or("sqlite://data/auth.db"),
            )?,
            pool_size: parse_number("DB_POOL_SIZE", get("DB_POOL_SIZE"), 10, 1..=200)?,
            timeout: Duration::from_millis(parse_number(
                "DB_TIMEOUT_MS",
                get("DB_TIMEOUT_MS"),
                3000,
                100..=60_000,
            )?),
            migrate_on_start: parse_bool("MIGRATE_ON_START", get("MIGRATE_ON_START"), true)?,
        })
    }
}

impl CookieSettings {
    fn read(get: Lookup<'_>) -> Result<Self, ConfigError> {
        let name = get("COOKIE_NAME").unwrap_or_else(|| "access_token".into());
        if !is_cookie_token(&name) {
            return Err(ConfigError::new(
                "COOKIE_NAME",
                "must be letters, digits, `-` or `_` only",
            ));
        }
        let secure = parse_bool("COOKIE_SECURE", get("COOKIE_SECURE"), false)?;
        Ok(Self {
            name,
            secure,
            domain: get("COOKIE_DOMAIN")
                .map(|raw| parse_cookie_domain(&raw))
                .transpose()?,
            same_site: parse_same_site(get("COOKIE_SAMESITE").as_deref(), secure)?,
        })
    }
}

impl SessionSettings {
    fn read(get: Lookup<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            remember_days: parse_number(
                "ACCESS_TOKEN_EXPIRE_DAYS",
                get("ACCESS_TOKEN_EXPIRE_DAYS"),
                7,
                1..=365,
            )?,
            refresh_grace_seconds: parse_number(
                "REFRESH_GRACE_SECONDS",
                get("REFRESH_GRACE_SECONDS"),
                10,
                0..=300,
            )?,
            access_token_ttl: chrono::TimeDelta::seconds(parse_number(
                "ACCESS_TOKEN_TTL_SECONDS",
                get("ACCESS_TOKEN_TTL_SECONDS"),
                900,
                60..=86_400,
            )?),
        })
    }
}

impl AccountSettings {
    fn read(get: Lookup<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            require_email_verification: parse_bool(
                "REQUIRE_EMAIL_VERIFICATION",
                get("REQUIRE_EMAIL_VERIFICATION"),
                false,
            )?,
            email_sign_in: parse_bool("EMAIL_SIGN_IN", get("EMAIL_SIGN_IN"), true)?,
            email_sign_in_creates_users: parse_bool(
                "EMAIL_SIGN_IN_CREATES_USERS",
                get("EMAIL_SIGN_IN_CREATES_USERS"),
                true,
            )?,
            rate_limit_enabled: parse_bool("RATE_LIMIT_ENABLED", get("RATE_LIMIT_ENABLED"), true)?,
            ipv6_prefix_length: parse_number(
                "IPV6_PREFIX_LENGTH",
                get("IPV6_PREFIX_LENGTH"),
                64,
                32..=128,
            )?,
            second_factor_issuer: parse_issuer(get("WEBAUTHN_RP_NAME"))?,
        })
    }
}

/// A name for authenticator apps: the `:` would split the otpauth label.
fn parse_issuer(raw: Option<String>) -> Result<String, ConfigError> {
    let name = raw
        .map(|r| r.trim().to_owned())
        .unwrap_or_else(|| "Sekisho".into());
    if name.contains(':') || name.chars().any(char::is_control) || name.chars().count() > 64 {
        return Err(ConfigError::new(
            "WEBAUTHN_RP_NAME",
            "must be a plain name of at most 64 characters, without `:`",
        ));
    }
    Ok(name)
}

impl FrontendSettings {
    fn read(get: Lookup<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            url: parse_frontend_url(get("FRONTEND_URL").as_deref())?,
            cors_origins: AllowedOrigins::parse(
                get("CORS_ORIGINS")
                    .as_deref()
                    .unwrap_or("http://localhost:3000"),
            )?,
            routes: FrontendRoutes::parse(get("FRONTEND_ROUTES").as_deref())?,
        })
    }

    /// The app's page `route` (FRONTEND_URL and FRONTEND_ROUTES), no query.
    pub fn page(&self, route: FrontendRoute) -> url::Url {
        self.routes.url(&self.url, route)
    }

    /// The app's page `route` with `?token=`: the links mails carry.
    pub fn link(&self, route: FrontendRoute, token: &str) -> url::Url {
        let mut url = self.page(route);
        url.query_pairs_mut().append_pair("token", token);
        url
    }
}

impl MailSettings {
    fn read(get: Lookup<'_>) -> Result<Self, ConfigError> {
        let from = get("MAIL_FROM");
        let smtp_url = get("SMTP_URL").map(SecretString::from);
        if smtp_url.is_some() && from.is_none() {
            return Err(ConfigError::new(
                "MAIL_FROM",
                "must be set when SMTP_URL is set (the From address of reset and verification mails)",
            ));
        }
        let retry_schedule =
            webhooks::retry_schedule(get, "MAIL_RETRY_SCHEDULE", &MAIL_RETRY_SCHEDULE)?;
        Ok(Self {
            smtp_url,
            from,
            retry_schedule,
        })
    }
}

impl AdminSettings {
    fn read(get: Lookup<'_>) -> Result<Self, ConfigError> {
        let email = get("ADMIN_EMAIL");
        let password = get("ADMIN_PASSWORD").map(SecretString::from);
        // ADMIN_PASSWORD alone is fine: `create-admin` reads it.
        if email.is_some() && password.is_none() {
            return Err(ConfigError::new(
                "ADMIN_PASSWORD",
                "must be set when ADMIN_EMAIL is (the operator created at start-up)",
            ));
        }
        Ok(Self {
            email,
            password,
            idle_minutes: parse_number(
                "ADMIN_IDLE_MINUTES",
                get("ADMIN_IDLE_MINUTES"),
                30,
                1..=1440,
            )?,
            require_two_factor: parse_bool(
                "ADMIN_REQUIRE_TWO_FACTOR",
                get("ADMIN_REQUIRE_TWO_FACTOR"),
                false,
            )?,
        })
    }
}

impl MetricsSettings {
    fn read(get: Lookup<'_>) -> Result<Self, ConfigError> {
        let token = get("METRICS_TOKEN").map(|raw| raw.trim().to_owned());
        if token.as_ref().is_some_and(|t| t.len() < 16) {
            return Err(ConfigError::new(
                "METRICS_TOKEN",
                "must be at least 16 characters (it opens /metrics to whoever knows it)",
            ));
        }
        Ok(Self {
            bind: get("METRICS_BIND")
                .map(|raw| parse_listen_address("METRICS_BIND", raw))
                .transpose()?,
            token: token.map(SecretString::from),
        })
    }
}

/// HOST:PORT that resolves to at least one address.
fn parse_listen_address(var: &'static str, raw: String) -> Result<String, ConfigError> {
    if raw
        .to_socket_addrs()
        .map(|mut a| a.next().is_none())
        .unwrap_or(true)
    {
        return Err(ConfigError::new(
            var,
            format!("`{raw}` is not an address to listen on (expected HOST:PORT)"),
        ));
    }
    Ok(raw)
}

fn parse_number<T>(
    var: &'static str,
    raw: Option<String>,
    default: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    let Some(raw) = raw else { return Ok(default) };
    let value: T = raw
        .trim()
        .parse()
        .map_err(|_| ConfigError::new(var, format!("`{raw}` is not a whole number")))?;
    if !range.contains(&value) {
        return Err(ConfigError::new(
            var,
            format!(
                "{value} is out of range ({} to {})",
                range.start(),
                range.end()
            ),
        ));
    }
    Ok(value)
}

/// Comma-separated IP addresses and CIDR ranges.
fn parse_proxies(raw: Option<&str>) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse::<ipnet::IpNet>()
                .or_else(|_| item.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    ConfigError::new(
                        "TRUSTED_PROXIES",
                        format!("`{item}` is not an IP address or CIDR range"),
                    )
                })
        })
        .collect()
}

fn parse_bool(var: &'static str, raw: Option<String>, default: bool) -> Result<bool, ConfigError> {
    match raw
        .as_deref()
        .map(|v| v.trim().to_ascii_lowercase())
        .as_deref()
    {
        None => Ok(default),
        Some("true" | "1" | "yes" | "on") => Ok(true),
        Some("false" | "0" | "no" | "off") => Ok(false),
        Some(other) => Err(ConfigError::new(
            var,
            format!("`{other}` is not true or false"),
        )),
    }
}

fn parse_frontend_url(raw: Option<&str>) -> Result<url::Url, ConfigError> {
    let raw = raw.unwrap_or("http://localhost:3000");
    let url = url::Url::parse(raw.trim())
        .map_err(|e| ConfigError::new("FRONTEND_URL", format!("`{raw}` is not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(ConfigError::new(
            "FRONTEND_URL",
            format!("`{raw}` must be an http:// or https:// URL"),
        ));
    }
    Ok(url)
}

/// A host name such as `example.com` (a leading dot is dropped, as browsers do).
fn parse_cookie_domain(raw: &str) -> Result<String, ConfigError> {
    let domain = raw.trim().trim_start_matches('.').to_ascii_lowercase();
    let is_label = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if domain.is_empty() || !domain.split('.').all(is_label) {
        return Err(ConfigError::new(
            "COOKIE_DOMAIN",
            format!("`{raw}` is not a host name (expected e.g. example.com, no scheme or port)"),
        ));
    }
    Ok(domain)
}

/// Lax unless set; None only with COOKIE_SECURE, since browsers drop a `SameSite=None`
/// cookie that is not `Secure`.
fn parse_same_site(raw: Option<&str>, secure: bool) -> Result<SameSite, ConfigError> {
    let same_site = match raw.map(|r| r.trim().to_ascii_lowercase()).as_deref() {
        None | Some("lax") => SameSite::Lax,
        Some("strict") => SameSite::Strict,
        Some("none") => SameSite::None,
        Some(other) => {
            return Err(ConfigError::new(
                "COOKIE_SAMESITE",
                format!("`{other}` is not one of Lax, Strict, None"),
            ));
        }
    };
    if same_site == SameSite::None && !secure {
        return Err(ConfigError::new(
            "COOKIE_SAMESITE",
            "None requires COOKIE_SECURE=true (browsers drop a SameSite=None cookie without Secure)",
        ));
    }
    Ok(same_site)
}

/// RFC 6265 cookie-name characters, narrowed to what a person would choose.
fn is_cookie_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let mut map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        map.entry("SECRET_KEY".into())
            .or_insert_with(|| "x".repeat(40));
        Settings::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_follow_the_contract() {
        let s = settings(&[]).expect("defaults are valid");
        assert_eq!(s.server.bind, "127.0.0.1:8080");
        assert_eq!(s.cookie.name, "access_token");
        assert_eq!(s.session.remember_days, 7);
        assert!(!s.cookie.secure);
        assert_eq!(s.session.refresh_grace_seconds, 10);
        assert_eq!(s.session.access_token_ttl, chrono::TimeDelta::minutes(15));
        assert_eq!(s.frontend.url.as_str(), "http://localhost:3000/");
        assert!(matches!(s.database.url, DatabaseUrl::Sqlite(ref p) if p == "data/auth.db"));
        assert!(s.frontend.cors_origins.allows("http://localhost:3000"));
        assert_eq!(s.server.max_connections_per_ip, 200);
        assert_eq!(s.server.header_timeout, Duration::from_secs(5));
    }

    #[test]
    fn one_address_gets_a_share_of_the_connections() {
        let small = settings(&[("MAX_CONNECTIONS", "4")]).expect("a small cap");
        assert_eq!(
            small.server.max_connections_per_ip, 4,
            "never above the cap"
        );
        let mid = settings(&[("MAX_CONNECTIONS", "300")]).expect("a cap");
        assert_eq!(mid.server.max_connections_per_ip, 16);
        let set = settings(&[("MAX_CONNECTIONS_PER_IP", "50")]).expect("a share");
        assert_eq!(set.server.max_connections_per_ip, 50);
        let over = settings(&[("MAX_CONNECTIONS", "10"), ("MAX_CONNECTIONS_PER_IP", "11")]);
        assert_eq!(
            over.err().map(|e| e.var),
            Some("MAX_CONNECTIONS_PER_IP"),
            "a share above the cap is refused"
        );
    }

    #[test]
    fn cookie_domain_and_same_site() {
        let s = settings(&[]).expect("defaults");
        assert_eq!(s.cookie.domain, None);
        assert_eq!(s.cookie.same_site, SameSite::Lax);
        let s = settings(&[
            ("COOKIE_DOMAIN", ".Example.COM"),
            ("COOKIE_SAMESITE", "None"),
            ("COOKIE_SECURE", "true"),
        ])
        .expect("valid split-host settings");
        assert_eq!(s.cookie.domain.as_deref(), Some("example.com"));
        assert_eq!(s.cookie.same_site, SameSite::None);
        assert_eq!(
            settings(&[("COOKIE_SAMESITE", "strict")])
                .expect("strict")
                .cookie
                .same_site,
            SameSite::Strict
        );
        for (var, value, extra) in [
            ("COOKIE_SAMESITE", "None", None),
            ("COOKIE_SAMESITE", "sometimes", None),
            ("COOKIE_DOMAIN", "https://example.com", None),
            ("COOKIE_DOMAIN", "example.com:443", None),
            (
                "COOKIE_DOMAIN",
                "-bad-.com",
                Some(("COOKIE_SECURE", "true")),
            ),
        ] {
            let mut vars = vec![(var, value)];
            vars.extend(extra);
            let err = settings(&vars).expect_err(value);
            assert_eq!(err.var, var, "{value}");
        }
    }

    #[test]
    fn invalid_values_name_their_variable() {
        let cases: &[(&str, &str, &str)] = &[
            ("CORS_ORIGINS", "*", "CORS_ORIGINS"),
            ("DATABASE_URL", "mysql://x", "DATABASE_URL"),
            ("BIND", "not an address", "BIND"),
            ("COOKIE_SECURE", "maybe", "COOKIE_SECURE"),
            ("ACCESS_TOKEN_EXPIRE_DAYS", "0", "ACCESS_TOKEN_EXPIRE_DAYS"),
            (
                "ACCESS_TOKEN_EXPIRE_DAYS",
                "seven",
                "ACCESS_TOKEN_EXPIRE_DAYS",
            ),
            ("REFRESH_GRACE_SECONDS", "-1", "REFRESH_GRACE_SECONDS"),
            ("ACCESS_TOKEN_TTL_SECONDS", "59", "ACCESS_TOKEN_TTL_SECONDS"),
            (
                "ACCESS_TOKEN_TTL_SECONDS",
                "86401",
                "ACCESS_TOKEN_TTL_SECONDS",
            ),
            ("FRONTEND_URL", "localhost:3000", "FRONTEND_URL"),
            ("COOKIE_NAME", "a b", "COOKIE_NAME"),
            ("APP_ENV", "staging", "APP_ENV"),
            ("SMTP_URL", "smtp://localhost", "MAIL_FROM"),
            ("ADMIN_EMAIL", "a@example.com", "ADMIN_PASSWORD"),
            (
                "TRUSTED_PROXIES",
                "10.0.0.0/8, proxy.local",
                "TRUSTED_PROXIES",
            ),
            ("RATE_LIMIT_ENABLED", "sometimes", "RATE_LIMIT_ENABLED"),
            ("METRICS_BIND", "9100", "METRICS_BIND"),
            ("METRICS_TOKEN", "short-token", "METRICS_TOKEN"),
        ];
        for (var, value, named) in cases {
            let err = settings(&[(var, value)]).expect_err(var);
            assert_eq!(err.var, *named, "{var}={value}: {err}");
        }
    }

    #[test]
    fn production_needs_a_long_secret_key() {
        let err = settings(&[("APP_ENV", "production"), ("SECRET_KEY", "short")])
            .expect_err("short key refused");
        assert_eq!(err.var, "SECRET_KEY");
        let ok = settings(&[("APP_ENV", "production"), ("SECRET_KEY", &"k".repeat(32))]);
        assert!(ok.is_ok());
    }
}
