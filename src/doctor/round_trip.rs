//! `--app`: a real round trip through the app, as a browser would make it. Does the
//! app forward /api to Sekisho (same origin) or do its pages call Sekisho directly
//! (cross origin, where CORS and the cookie's host decide)? And where does a cookie
//! Sekisho sets land: a social sign-in is started for real (its pending state expires
//! unused within ten minutes), and its binding cookie and redirect URI are read.

use std::net::{IpAddr, ToSocketAddrs};
use std::time::Duration;

use openidconnect::reqwest::{self, header};
use url::Url;

use super::configuration::public_url;
use super::hosts::{domain_covers, host_of, loopback_twins};
use super::{Finding, Targets, origin};
use crate::config::Settings;
use crate::http::cookies::social_binding_cookie_name;

const TIMEOUT: Duration = Duration::from_secs(10);

/// How the app's pages reach Sekisho.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// The app forwards /api (its Route Handler proxy or rewrites).
    SameOrigin,
    /// The app's pages call Sekisho at its own address.
    CrossOrigin,
}

/// The round trip's findings, and the shape it found (None when the app did not answer).
pub async fn check(settings: &Settings, targets: &Targets) -> (Option<Shape>, Vec<Finding>) {
    let client = match reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            return (
                None,
                vec![Finding::error(
                    "--app",
                    format!("no HTTP client: {error}"),
                    "report this as a bug",
                )],
            );
        }
    };
    let probe = Probe {
        client,
        settings,
        targets,
    };
    match probe.forwards_api().await {
        Err(error) => (
            None,
            vec![Finding::error(
                "--app",
                format!("nothing answers at {}: {error}", origin(&targets.app)),
                "start the app first, or pass its URL as --app",
            )],
        ),
        Ok(true) => (Some(Shape::SameOrigin), probe.same_origin().await),
        Ok(false) => (Some(Shape::CrossOrigin), probe.cross_origin().await),
    }
}

/// The running server refused what this configuration allows: it was started with
/// other settings (an edited .env, another shell's environment). Advice to set what is
/// set already would send the reader in circles.
fn restart_finding(topic: &'static str, observed: String, configured: &str) -> Finding {
    Finding::error(
        topic,
        format!(
            "{observed}, but the configuration the doctor reads already has {configured}: the running server was started with other settings"
        ),
        "restart Sekisho with this configuration (the same .env and environment the doctor ran with), then run the doctor again",
    )
}

struct Probe<'a> {
    client: reqwest::Client,
    settings: &'a Settings,
    targets: &'a Targets,
}

/// What a started social sign-in showed: the binding cookie's `Set-Cookie`, and the
/// redirect URI the provider was given.
struct Started {
    set_cookie: Option<String>,
    redirect_uri: Option<Url>,
}

impl Probe<'_> {
    fn app_origin(&self) -> String {
        origin(&self.targets.app)
    }

    /// Whether the app's `/api/v1/auth/session` is Sekisho's (a JSON object with
    /// `user`): then the app forwards /api.
    async fn forwards_api(&self) -> Result<bool, String> {
        let url = join(&self.targets.app, "/api/v1/auth/session")?;
        let response = self
            .client
            .get(url)
            .header(header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(describe)?;
        if !response.status().is_success() {
            return Ok(false);
        }
        Ok(json_body(response).await.get("user").is_some())
    }

    async fn same_origin(&self) -> Vec<Finding> {
        let app = &self.targets.app;
        let mut findings = vec![Finding::ok(
            "--app",
            format!(
                "{} forwards /api to Sekisho: the browser stays on the app's origin, and the session cookie lands on {}",
                self.app_origin(),
                host_of(app)
            ),
        )];
        findings.push(self.trusted_proxies_for_the_app());
        findings.push(self.csrf_through_the_app().await);
        if let Some(provider) = self.settings.social_providers.first() {
            findings.push(
                match self.start_social(app, &provider.id).await {
                    Ok(started) => self.social_landing(&started, app, &provider.id),
                    Err(error) if error.contains("not a configured provider") => Finding::error(
                        "social sign-in",
                        format!("{} is configured but Sekisho does not offer it: its discovery has not succeeded", provider.id),
                        "see the server's log (its issuer URL, and whether this machine reaches it)",
                    ),
                    Err(error) if error.contains("CSRF_FAILED") && self.configuration_accepts_the_app() => {
                        restart_finding(
                            "PUBLIC_ORIGIN",
                            "Sekisho refuses what the app forwards as cross-site (CSRF_FAILED)".to_owned(),
                            &self.what_accepts_the_app(),
                        )
                    }
                    Err(error) if error.contains("CSRF_FAILED") => Finding::error(
                        "PUBLIC_ORIGIN",
                        format!(
                            "Sekisho refuses what the app forwards as cross-site (CSRF_FAILED): it takes its own origin to be {} and {} is not in CORS_ORIGINS, so no browser on the app can sign in",
                            self.settings.server.public_origin.as_deref().unwrap_or("its Host header"),
                            self.app_origin()
                        ),
                        format!("PUBLIC_ORIGIN={}", self.app_origin()),
                    ),
                    Err(error) => Finding::error(
                        "social sign-in",
                        format!("starting a sign-in with {} through the app failed: {error}", provider.id),
                        "see the server's log for the request id",
                    ),
                },
            );
        }
        findings
    }

    async fn cross_origin(&self) -> Vec<Finding> {
        let public = public_url(self.settings, self.targets);
        // How browsers name Sekisho, when PUBLIC_ORIGIN or --api says; else the
        // address the doctor reached it at.
        let called = public.clone().unwrap_or_else(|| self.targets.api.clone());
        let mut findings = vec![Finding::ok(
            "--app",
            format!(
                "{} does not forward /api: its pages call Sekisho at {} directly (cross origin)",
                self.app_origin(),
                origin(&called)
            ),
        )];
        findings.push(match self.preflight().await {
            Ok(()) => Finding::ok(
                "CORS",
                format!(
                    "a preflight from {} is allowed, with credentials",
                    self.app_origin()
                ),
            ),
            Err(error)
                if self
                    .settings
                    .frontend
                    .cors_origins
                    .allows(&self.app_origin()) =>
            {
                restart_finding(
                    "CORS",
                    error,
                    &format!("CORS_ORIGINS allowing {}", self.app_origin()),
                )
            }
            Err(error) => Finding::error(
                "CORS",
                error,
                format!(
                    "CORS_ORIGINS={} (or forward /api through the app: app/api/[...path]/route.ts)",
                    self.app_origin()
                ),
            ),
        });
        findings.push(match &public {
            Some(public) => self.cookie_host_for_direct_calls(public),
            None => self.cookie_host_advice(),
        });
        if let Some(provider) = self.settings.social_providers.first() {
            findings.push(
                match self.start_social(&self.targets.api, &provider.id).await {
                    Ok(started) => self.social_landing(&started, &called, &provider.id),
                    Err(error) => Finding::error(
                        "social sign-in",
                        format!("starting a sign-in with {} failed: {error}", provider.id),
                        "see the server's log for the request id",
                    ),
                },
            );
        }
        findings
    }

    /// The preflight a browser on the app sends before a credentialed POST.
    async fn preflight(&self) -> Result<(), String> {
        let url = join(&self.targets.api, "/api/v1/auth/login")?;
        let response = self
            .client
            .request(reqwest::Method::OPTIONS, url)
            .header(header::ORIGIN, self.app_origin())
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type")
            .send()
            .await
            .map_err(|e| {
                format!(
                    "Sekisho does not answer at {}: {}",
                    origin(&self.targets.api),
                    describe(e)
                )
            })?;
        let headers = response.headers();
        let allowed = headers
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .and_then(|v| v.to_str().ok());
        let credentials = headers
            .get(header::ACCESS_CONTROL_ALLOW_CREDENTIALS)
            .and_then(|v| v.to_str().ok());
        match (allowed, credentials) {
            (Some(o), Some("true")) if o == self.app_origin() => Ok(()),
            (Some(o), _) if o != self.app_origin() => Err(format!(
                "a preflight from {} is answered for {o}: the browser refuses it",
                self.app_origin()
            )),
            _ => Err(format!(
                "a preflight from {} is refused (status {}, no Access-Control-Allow-Origin with credentials)",
                self.app_origin(),
                response.status().as_u16()
            )),
        }
    }

    /// Cross origin, the cookie belongs to the host the browser called: the app's
    /// server (getSession, the guard) only sees it when that is the app's host too,
    /// or a COOKIE_DOMAIN covers both.
    fn cookie_host_for_direct_calls(&self, public: &Url) -> Finding {
        let app = &self.targets.app;
        let (app_host, api_host) = (host_of(app), host_of(public));
        let shared = self
            .settings
            .cookie
            .domain
            .as_deref()
            .is_some_and(|d| domain_covers(d, &app_host) && domain_covers(d, &api_host));
        if app_host == api_host || shared {
            return Finding::ok(
                "cookie",
                format!(
                    "set by {} for {}, which the app's pages on {app_host} also receive",
                    origin(public),
                    self.settings.cookie.domain.as_deref().unwrap_or(&api_host)
                ),
            );
        }
        let why = if loopback_twins(app, public) {
            " (localhost and 127.0.0.1 are two hosts to a browser)"
        } else {
            ""
        };
        Finding::error(
            "cookie",
            format!(
                "lands on {api_host}, Sekisho's host, but the app's pages are on {app_host}{why}: getSession() and the guard never see it, so everybody looks signed out"
            ),
            format!(
                "call Sekisho under the app's host name (NEXT_PUBLIC_API_URL=http://{app_host}:{}, PUBLIC_ORIGIN the same), or forward /api through the app",
                public.port_or_known_default().unwrap_or(80)
            ),
        )
    }

    /// Without PUBLIC_ORIGIN or --api the doctor cannot know how the app's pages name
    /// Sekisho (NEXT_PUBLIC_API_URL); it says what the name must be.
    fn cookie_host_advice(&self) -> Finding {
        let app_host = host_of(&self.targets.app);
        let port = self.targets.api.port_or_known_default().unwrap_or(80);
        Finding::ok(
            "cookie",
            format!(
                "lands on the host the browser calls Sekisho at: name it {app_host} as the app does (NEXT_PUBLIC_API_URL=http://{app_host}:{port}), since cookies go by host name and localhost is not 127.0.0.1; PUBLIC_ORIGIN (or --api) with that URL lets the doctor check it"
            ),
        )
    }

    /// Whether this configuration's CSRF rule takes the app's origin: as Sekisho's own
    /// (PUBLIC_ORIGIN) or through CORS_ORIGINS.
    fn configuration_accepts_the_app(&self) -> bool {
        let app = self.app_origin();
        self.settings.server.public_origin.as_deref() == Some(app.as_str())
            || self.settings.frontend.cors_origins.allows(&app)
    }

    fn what_accepts_the_app(&self) -> String {
        let app = self.app_origin();
        if self.settings.server.public_origin.as_deref() == Some(app.as_str()) {
            format!("PUBLIC_ORIGIN={app}")
        } else {
            format!("CORS_ORIGINS allowing {app}")
        }
    }

    /// A sign-in as the app's pages send it through the app, with an empty body: the
    /// CSRF rule answers before anything is read (403 CSRF_FAILED), else the body's
    /// check does (400). Nothing is created, nobody is signed in.
    async fn csrf_through_the_app(&self) -> Finding {
        let response = match join(&self.targets.app, "/api/v1/auth/login") {
            Ok(url) => {
                self.client
                    .post(url)
                    .header(header::ORIGIN, self.app_origin())
                    .header(header::CONTENT_TYPE, "application/json")
                    .body("{}")
                    .send()
                    .await
            }
            Err(error) => return Finding::error("CSRF", error, "pass the app's URL as --app"),
        };
        let response = match response {
            Ok(response) => response,
            Err(error) => {
                return Finding::error(
                    "CSRF",
                    format!(
                        "a sign-in through the app got no answer: {}",
                        describe(error)
                    ),
                    "see the app's log",
                );
            }
        };
        let code = json_body(response)
            .await
            .pointer("/error/code")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if code != "CSRF_FAILED" {
            return Finding::ok(
                "CSRF",
                format!(
                    "a sign-in from a page on {} passes Sekisho's origin check",
                    self.app_origin()
                ),
            );
        }
        let observed = format!(
            "a sign-in from a page on {} is refused (CSRF_FAILED)",
            self.app_origin()
        );
        if self.configuration_accepts_the_app() {
            return restart_finding("CSRF", observed, &self.what_accepts_the_app());
        }
        Finding::error(
            "CSRF",
            format!(
                "{observed}: Sekisho takes its own origin to be {} and {} is not in CORS_ORIGINS",
                self.settings
                    .server
                    .public_origin
                    .as_deref()
                    .unwrap_or("the host the app forwards"),
                self.app_origin()
            ),
            format!("PUBLIC_ORIGIN={}", self.app_origin()),
        )
    }

    fn trusted_proxies_for_the_app(&self) -> Finding {
        let proxies = &self.settings.server.trusted_proxies;
        let fix = "TRUSTED_PROXIES=<the Next.js server's address> (127.0.0.1 when both run on one machine)";
        if proxies.is_empty() {
            return Finding::error(
                "TRUSTED_PROXIES",
                "empty while the app forwards /api: Sekisho sees every visitor as the Next.js server, so one visitor's failed logins lock out everybody",
                fix,
            );
        }
        // The app's own addresses, when it runs where its name resolves (a remote
        // app's outgoing address is not knowable from here).
        let port = self.targets.app.port_or_known_default().unwrap_or(80);
        let addresses: Vec<IpAddr> = (host_of(&self.targets.app).as_str(), port)
            .to_socket_addrs()
            .map(|found| found.map(|a| a.ip()).collect())
            .unwrap_or_default();
        let loopback = !addresses.is_empty() && addresses.iter().all(IpAddr::is_loopback);
        if loopback
            && !addresses
                .iter()
                .any(|ip| proxies.iter().any(|net| net.contains(ip)))
        {
            return Finding::warning(
                "TRUSTED_PROXIES",
                format!(
                    "the app runs on this machine ({}) but TRUSTED_PROXIES does not name loopback",
                    host_of(&self.targets.app)
                ),
                "TRUSTED_PROXIES=127.0.0.1,::1",
            );
        }
        Finding::ok(
            "TRUSTED_PROXIES",
            "names the app's server: visitors' own addresses reach the limits and the audit log",
        )
    }

    async fn start_social(&self, through: &Url, provider: &str) -> Result<Started, String> {
        let url = join(through, "/api/v1/auth/sign-in/social")?;
        let response = self
            .client
            .post(url)
            .header(header::ORIGIN, self.app_origin())
            .header(header::CONTENT_TYPE, "application/json")
            .body(serde_json::json!({ "provider": provider, "callbackURL": "/" }).to_string())
            .send()
            .await
            .map_err(describe)?;
        let status = response.status();
        let binding = social_binding_cookie_name(self.settings);
        let set_cookie = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with(&format!("{binding}=")))
            .map(str::to_owned);
        let body = json_body(response).await;
        if !status.is_success() {
            let code = body
                .pointer("/error/code")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("no envelope");
            let fields = match body
                .pointer("/error/details/fields")
                .and_then(serde_json::Value::as_object)
            {
                Some(fields) => fields
                    .iter()
                    .map(|(name, problem)| format!("; {name} {}", problem.as_str().unwrap_or("")))
                    .collect::<String>(),
                None => String::new(),
            };
            return Err(format!("status {} ({code}{fields})", status.as_u16()));
        }
        let redirect_uri = body
            .get("url")
            .and_then(serde_json::Value::as_str)
            .and_then(|u| Url::parse(u).ok())
            .and_then(|u| {
                u.query_pairs()
                    .find(|(k, _)| k == "redirect_uri")
                    .and_then(|(_, v)| Url::parse(v.as_ref()).ok())
            });
        Ok(Started {
            set_cookie,
            redirect_uri,
        })
    }

    /// The binding cookie of a started sign-in was set by `called` (the host the
    /// browser talked to); the provider must send the browser back there.
    fn social_landing(&self, started: &Started, called: &Url, provider: &str) -> Finding {
        let Some(set_cookie) = &started.set_cookie else {
            return Finding::error(
                "social sign-in",
                format!(
                    "starting a sign-in with {provider} set no binding cookie on the way to the browser"
                ),
                "make the app's /api forwarding pass Set-Cookie through unchanged",
            );
        };
        let attributes: Vec<&str> = set_cookie.split(';').skip(1).map(str::trim).collect();
        let Some(redirect) = &started.redirect_uri else {
            return Finding::error(
                "social sign-in",
                format!("the authorization URL for {provider} carries no redirect_uri"),
                "report this as a bug",
            );
        };
        if host_of(redirect) != host_of(called) || redirect.scheme() != called.scheme() {
            if self.settings.server.public_origin.as_deref() == Some(origin(called).as_str()) {
                return restart_finding(
                    "PUBLIC_ORIGIN",
                    format!(
                        "the running server sends {provider}'s sign-ins back to {}",
                        origin(redirect)
                    ),
                    &format!("PUBLIC_ORIGIN={}", origin(called)),
                );
            }
            return Finding::error(
                "PUBLIC_ORIGIN",
                format!(
                    "a sign-in with {provider} sets its binding cookie on {} but the provider returns to {}: the cookie is not sent there, so every sign-in ends in OAUTH_FAILED",
                    host_of(called),
                    origin(redirect)
                ),
                format!(
                    "PUBLIC_ORIGIN={} and register {}/api/v1/auth/callback/{provider} at the provider",
                    origin(called),
                    origin(called)
                ),
            );
        }
        Finding::ok(
            "social sign-in",
            format!(
                "a sign-in with {provider} sets its binding cookie on {} ({}) and the provider returns to {redirect}",
                host_of(called),
                attributes.join("; ")
            ),
        )
    }
}

/// The body as JSON, or null when it is not JSON (a proxy's HTML page).
async fn json_body(response: reqwest::Response) -> serde_json::Value {
    let bytes = response.bytes().await.unwrap_or_default();
    serde_json::from_slice(&bytes).unwrap_or_default()
}

fn join(base: &Url, path: &str) -> Result<Url, String> {
    base.join(path).map_err(|e| format!("{base}{path}: {e}"))
}

/// A connection failure without reqwest's nested wording.
fn describe(error: reqwest::Error) -> String {
    if error.is_timeout() {
        return format!("no answer within {} s", TIMEOUT.as_secs());
    }
    if error.is_connect() {
        return "connection refused".into();
    }
    error.to_string()
}
