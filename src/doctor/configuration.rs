//! Checks of the configuration alone against the app's URL: the mistakes that cost a
//! silently dropped cookie or a failed sign-in, each with its fix.

use actix_web::cookie::SameSite;
use url::Url;

use super::hosts::{
    domain_covers, host_of, is_ip, is_loopback, loopback_twin, loopback_twins, same_site,
};
use super::round_trip::Shape;
use super::{Finding, Targets, origin};
use crate::config::Settings;
use crate::config::{FrontendRoute, OriginRule, PasskeySettings};

/// `shape`: how the app reaches Sekisho, when a round trip through it found out.
pub fn check_configuration(
    settings: &Settings,
    targets: &Targets,
    shape: Option<Shape>,
) -> Vec<Finding> {
    let public = public_url(settings, targets);
    let public = public.as_ref();
    let mut findings = Vec::new();
    if targets.app_given {
        findings.push(frontend_url(settings, &targets.app));
    }
    findings.push(frontend_routes(settings));
    findings.push(match shape {
        Some(Shape::SameOrigin) => same_origin_csrf(settings, &targets.app),
        _ => cors_origins(settings, &targets.app, public),
    });
    findings.push(cookie_secure(settings, &targets.app));
    findings.push(same_site_rule(settings, &targets.app, public));
    findings.push(cookie_domain(settings, &targets.app, public));
    findings.extend(social_providers(settings, targets));
    findings.push(passkeys(settings, &targets.app));
    findings.push(trusted_proxies(settings));
    findings
}

/// Where browsers reach Sekisho: PUBLIC_ORIGIN, else `--api`; None when neither says
/// (a browser may name a loopback server `localhost` while it listens on 127.0.0.1).
pub fn public_url(settings: &Settings, targets: &Targets) -> Option<Url> {
    settings
        .server
        .public_origin
        .as_deref()
        .and_then(|o| Url::parse(o).ok())
        .or_else(|| targets.api_given.then(|| targets.api.clone()))
}

fn frontend_url(settings: &Settings, app: &Url) -> Finding {
    let frontend = &settings.frontend.url;
    if origin(frontend) == origin(app) {
        return Finding::ok(
            "FRONTEND_URL",
            format!("links in mails open the app ({})", origin(app)),
        );
    }
    let fix = format!("FRONTEND_URL={}", origin(app));
    if loopback_twins(frontend, app) {
        return Finding::error(
            "FRONTEND_URL",
            format!(
                "is {} but the app is at {}: one machine, two hosts to a browser, so a mailed link opens where the app's session cookie is not sent",
                origin(frontend),
                origin(app)
            ),
            fix,
        );
    }
    Finding::warning(
        "FRONTEND_URL",
        format!(
            "links in mails (reset, verification) open {}, not the app at {}",
            origin(frontend),
            origin(app)
        ),
        fix,
    )
}

/// The app's pages that mails and redirects open, as full URLs: what the app must
/// serve.
fn frontend_routes(settings: &Settings) -> Finding {
    let pages: Vec<String> = FrontendRoute::ALL
        .iter()
        .map(|route| format!("{} {}", route.name(), settings.frontend.page(*route)))
        .collect();
    Finding::ok(
        "FRONTEND_ROUTES",
        format!(
            "mails and redirects open these pages of the app: {} ({})",
            pages.join(", "),
            settings.frontend.routes.describe()
        ),
    )
}

/// The app forwards /api: the browser never leaves the app's origin, so CORS plays no
/// part; what decides is the CSRF rule, which must take the app's origin for
/// Sekisho's own (PUBLIC_ORIGIN) or find it in CORS_ORIGINS.
fn same_origin_csrf(settings: &Settings, app: &Url) -> Finding {
    let app_origin = origin(app);
    let fix = format!("PUBLIC_ORIGIN={app_origin}");
    match settings.server.public_origin.as_deref() {
        Some(public) if public == app_origin => Finding::ok(
            "PUBLIC_ORIGIN",
            format!(
                "{app_origin}: the app forwards /api, so no CORS is involved, and the CSRF rule takes the app's origin for Sekisho's own"
            ),
        ),
        Some(public) if settings.frontend.cors_origins.allows(&app_origin) => Finding::warning(
            "PUBLIC_ORIGIN",
            format!(
                "is {public} while the app at {app_origin} forwards /api: the CSRF rule still accepts the app through CORS_ORIGINS, but providers return to {public}"
            ),
            fix,
        ),
        Some(public) => Finding::error(
            "PUBLIC_ORIGIN",
            format!(
                "is {public} but the app at {app_origin} forwards /api: the CSRF rule refuses every sign-in from the app's pages (CSRF_FAILED)"
            ),
            fix,
        ),
        None => Finding::warning(
            "PUBLIC_ORIGIN",
            format!(
                "unset while the app at {app_origin} forwards /api (no CORS involved): the CSRF rule then trusts the host the app forwards, and providers return to Sekisho's own address"
            ),
            fix,
        ),
    }
}

fn cors_origins(settings: &Settings, app: &Url, public: Option<&Url>) -> Finding {
    let app_origin = origin(app);
    if public.is_some_and(|p| origin(p) == app_origin) {
        return Finding::ok(
            "CORS_ORIGINS",
            "the app and Sekisho share one origin: no CORS involved",
        );
    }
    let allowed = &settings.frontend.cors_origins;
    if allowed.allows(&app_origin) {
        return Finding::ok(
            "CORS_ORIGINS",
            format!("{app_origin} may call Sekisho with its cookie"),
        );
    }
    let fix = format!("CORS_ORIGINS={app_origin}");
    if let Some(twin) = loopback_twin(app).map(|t| origin(&t))
        && allowed
            .rules()
            .iter()
            .any(|rule| matches!(rule, OriginRule::Exact(o) if *o == twin))
    {
        return Finding::error(
            "CORS_ORIGINS",
            format!(
                "lists {twin} but the app is at {app_origin}: localhost and 127.0.0.1 are different origins, and the browser refuses every answer"
            ),
            fix,
        );
    }
    Finding::warning(
        "CORS_ORIGINS",
        format!(
            "{app_origin} is not allowed: a page there that calls Sekisho directly (NEXT_PUBLIC_API_URL) is refused; fine when the app forwards /api to Sekisho"
        ),
        format!(
            "{fix} for a browser calling Sekisho directly, or forward /api through the app (app/api/[...path]/route.ts)"
        ),
    )
}

fn cookie_secure(settings: &Settings, app: &Url) -> Finding {
    let secure = settings.cookie.secure;
    let https = app.scheme() == "https";
    match (secure, https) {
        (true, false) if is_loopback(app) => Finding::warning(
            "COOKIE_SECURE",
            format!(
                "is true and the app is on {}: Chrome and Firefox keep a Secure cookie on http://localhost, Safari drops it",
                origin(app)
            ),
            "COOKIE_SECURE=false for local http; true once the app is served over https",
        ),
        (true, false) => Finding::error(
            "COOKIE_SECURE",
            format!(
                "is true but the app is on {}: browsers drop a Secure cookie set over http, so nobody stays signed in",
                origin(app)
            ),
            "serve the app over https (COOKIE_SECURE=false only for a local test)",
        ),
        (false, true) => Finding::warning(
            "COOKIE_SECURE",
            format!(
                "is false while the app is on {}: the session cookie may travel over plain http",
                origin(app)
            ),
            "COOKIE_SECURE=true",
        ),
        _ => Finding::ok("COOKIE_SECURE", format!("{secure} suits {}", origin(app))),
    }
}

fn same_site_rule(settings: &Settings, app: &Url, public: Option<&Url>) -> Finding {
    let rule = settings.cookie.same_site;
    let cross_site = public.filter(|p| origin(app) != origin(p) && !same_site(app, p));
    if let Some(public) = cross_site
        && rule != SameSite::None
    {
        return Finding::warning(
            "COOKIE_SAMESITE",
            format!(
                "{rule}: the app ({}) and Sekisho ({}) are different sites, so a page calling Sekisho directly gets no cookie sent back",
                origin(app),
                origin(public)
            ),
            "forward /api through the app (same origin), or serve both under one domain (app.example.com, api.example.com)",
        );
    }
    match rule {
        SameSite::None => Finding::warning(
            "COOKIE_SAMESITE",
            "None: the cookie goes with cross-site requests, and browsers that block third-party cookies (Safari, Firefox's strict mode) refuse it anyway",
            "forward /api through the app (same origin) and keep COOKIE_SAMESITE=Lax",
        ),
        SameSite::Strict => Finding::warning(
            "COOKIE_SAMESITE",
            "Strict: a visitor who follows a link from another site (a mail, a search result) arrives signed out on that first page",
            "COOKIE_SAMESITE=Lax unless you need Strict",
        ),
        SameSite::Lax => Finding::ok("COOKIE_SAMESITE", "Lax"),
    }
}

fn cookie_domain(settings: &Settings, app: &Url, public: Option<&Url>) -> Finding {
    let Some(domain) = settings.cookie.domain.as_deref() else {
        return Finding::ok(
            "COOKIE_DOMAIN",
            "unset: the cookie belongs to the host that sets it (the app's, when it forwards /api)",
        );
    };
    let app_host = host_of(app);
    if is_loopback(app) || is_ip(app) {
        return Finding::error(
            "COOKIE_DOMAIN",
            format!(
                "is {domain} but the app is on {app_host}: browsers refuse a Domain attribute on localhost and IP addresses, so no cookie is set"
            ),
            "leave COOKIE_DOMAIN unset",
        );
    }
    if !domain_covers(domain, &app_host) {
        return Finding::error(
            "COOKIE_DOMAIN",
            format!(
                "{domain} does not cover the app's host {app_host}: the browser refuses the cookie"
            ),
            "COOKIE_DOMAIN=<a domain the app's host ends with>, or unset",
        );
    }
    if let Some(public) = public
        && origin(app) != origin(public)
        && !domain_covers(domain, &host_of(public))
    {
        return Finding::warning(
            "COOKIE_DOMAIN",
            format!(
                "{domain} covers the app ({app_host}) but not Sekisho's host {}: a cookie set by Sekisho directly is refused",
                host_of(public)
            ),
            "COOKIE_DOMAIN=<the domain both hosts end with>",
        );
    }
    Finding::ok(
        "COOKIE_DOMAIN",
        format!("{domain} covers the app's host {app_host}"),
    )
}

fn social_providers(settings: &Settings, targets: &Targets) -> Vec<Finding> {
    if settings.social_providers.is_empty() {
        return vec![Finding::ok("social sign-in", "no provider configured")];
    }
    let app = &targets.app;
    let port = targets.api.port_or_known_default().unwrap_or(80);
    let base = settings.public_base_url(port);
    let mut findings = Vec::new();
    match settings
        .server
        .public_origin
        .as_deref()
        .and_then(|o| Url::parse(o).ok())
    {
        None if origin(app) != origin(&targets.api) && host_of(app) == host_of(&targets.api) => {
            findings.push(Finding::warning(
                "PUBLIC_ORIGIN",
                format!(
                    "unset, so providers return to {base}, Sekisho's own port: the sign-in's binding cookie (cookies go by host, not port) reaches it, but only a browser that can open {base} itself gets there",
                ),
                format!(
                    "PUBLIC_ORIGIN={} and register {}/api/v1/auth/callback/<provider> when the app forwards /api",
                    origin(app),
                    origin(app)
                ),
            ));
        }
        None if origin(app) != origin(&targets.api) => findings.push(Finding::warning(
            "PUBLIC_ORIGIN",
            format!(
                "unset, so providers return to {base} while the app is at {}: when the app forwards /api, the sign-in starts on the app's host and its binding cookie is not where the provider returns, so every sign-in ends in OAUTH_FAILED",
                origin(app)
            ),
            format!(
                "PUBLIC_ORIGIN={} and register {}/api/v1/auth/callback/<provider> (same origin); keep it unset only when browsers call Sekisho at {base} directly",
                origin(app),
                origin(app)
            ),
        )),
        Some(public) if loopback_twins(&public, app) => findings.push(Finding::error(
            "PUBLIC_ORIGIN",
            format!(
                "is {} but the app is at {}: the provider returns to the other host, where the sign-in's binding cookie is not",
                origin(&public),
                origin(app)
            ),
            format!("PUBLIC_ORIGIN={}", origin(app)),
        )),
        Some(public) if public.scheme() == "http" && !is_loopback(&public) => {
            findings.push(Finding::warning(
                "PUBLIC_ORIGIN",
                format!(
                    "{} is plain http: providers (Google among them) accept http redirect URIs only for localhost",
                    origin(&public)
                ),
                "serve it over https",
            ));
        }
        _ => {}
    }
    for provider in &settings.social_providers {
        findings.push(Finding::ok(
            "social sign-in",
            format!(
                "{} ({}): the redirect URI to register is {base}/api/v1/auth/callback/{}",
                provider.name, provider.id, provider.id
            ),
        ));
    }
    findings
}

/// A passkey ceremony runs in the app's page: its origin must be one the relying party
/// accepts, and its host under the RP ID (the browser refuses otherwise).
fn passkeys(settings: &Settings, app: &Url) -> Finding {
    let rp = match &settings.passkeys {
        PasskeySettings::Off(why) => {
            return Finding::warning(
                "passkeys",
                format!("off: {why}"),
                "WEBAUTHN_RP_ID=<the app's domain> (passkeys need a domain: use localhost, not 127.0.0.1, in development)",
            );
        }
        PasskeySettings::On(rp) => rp,
    };
    let accepted = rp.origins.iter().any(|o| origin(o) == origin(app));
    if accepted {
        return Finding::ok(
            "passkeys",
            format!(
                "relying party {}; {} may run ceremonies",
                rp.id,
                origin(app)
            ),
        );
    }
    let host = host_of(app);
    let under = host == rp.id || host.ends_with(&format!(".{}", rp.id));
    let fix = if under {
        format!("WEBAUTHN_ORIGINS={} (or FRONTEND_URL)", origin(app))
    } else if is_ip(app) || loopback_twins(app, &settings.frontend.url) {
        // An IP address is no relying party (the server refuses one): the page must be
        // opened where FRONTEND_URL and the RP ID already point.
        let mut there = app.clone();
        let _ = there.set_host(Some(&rp.id));
        format!(
            "open the app at {} (the host FRONTEND_URL and WEBAUTHN_RP_ID use): passkeys need a domain name, never an IP address",
            origin(&there)
        )
    } else {
        format!("WEBAUTHN_RP_ID={host} and FRONTEND_URL={}", origin(app))
    };
    Finding::error(
        "passkeys",
        format!(
            "the app's pages ({}) are not among the origins the relying party {} accepts: every passkey ceremony there ends in PASSKEY_FAILED",
            origin(app),
            rp.id
        ),
        fix,
    )
}

fn trusted_proxies(settings: &Settings) -> Finding {
    let proxies = &settings.server.trusted_proxies;
    if proxies.is_empty() {
        return Finding::warning(
            "TRUSTED_PROXIES",
            "empty: if the app forwards /api to Sekisho, every visitor counts as the Next.js server in the rate limits and the audit log",
            "TRUSTED_PROXIES=<the Next.js server's address> (127.0.0.1 when both run on one machine)",
        );
    }
    let list: Vec<String> = proxies.iter().map(ToString::to_string).collect();
    Finding::ok(
        "TRUSTED_PROXIES",
        format!("X-Forwarded-For is believed from {}", list.join(", ")),
    )
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::super::Level;
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Settings {
        let mut map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        map.entry("SECRET_KEY".into())
            .or_insert_with(|| "doctor-test-secret-key-that-is-long-enough".into());
        Settings::from_lookup(|name| map.get(name).cloned()).unwrap()
    }

    fn targets(app: &str) -> Targets {
        Targets {
            app: Url::parse(app).unwrap(),
            app_given: true,
            api: Url::parse("http://127.0.0.1:8080").unwrap(),
            api_given: false,
        }
    }

    /// The finding about `topic` (the first, when there are several).
    fn about(vars: &[(&str, &str)], app: &str, topic: &str) -> Finding {
        check_configuration(&settings(vars), &targets(app), None)
            .into_iter()
            .find(|f| f.topic == topic)
            .unwrap_or_else(|| panic!("no finding about {topic}"))
    }

    #[test]
    fn passkey_origins_against_the_app() {
        let ok = about(&[], "http://localhost:3000", "passkeys");
        assert_eq!(ok.level, Level::Ok, "{ok:?}");
        let other_port = about(&[], "http://localhost:3001", "passkeys");
        assert_eq!(other_port.level, Level::Error);
        assert!(
            other_port
                .fix
                .unwrap_or_default()
                .contains("WEBAUTHN_ORIGINS=http://localhost:3001")
        );
        let other_host = about(
            &[
                ("FRONTEND_URL", "https://app.example.com"),
                ("CORS_ORIGINS", "https://app.example.com"),
            ],
            "https://shop.example.org",
            "passkeys",
        );
        assert_eq!(other_host.level, Level::Error);
        assert!(
            other_host
                .fix
                .unwrap_or_default()
                .contains("WEBAUTHN_RP_ID=shop.example.org")
        );
        let off = about(
            &[
                ("FRONTEND_URL", "http://127.0.0.1:3000"),
                ("CORS_ORIGINS", "http://127.0.0.1:3000"),
            ],
            "http://127.0.0.1:3000",
            "passkeys",
        );
        assert_eq!(off.level, Level::Warning);
    }

    /// The app opened at 127.0.0.1 while FRONTEND_URL says localhost: the doctor says
    /// to open it at localhost, never to make an IP address the relying party (the
    /// server refuses one).
    #[test]
    fn an_app_opened_at_an_address_is_sent_to_the_rp_host() {
        let findings = check_configuration(&settings(&[]), &targets("http://127.0.0.1:3000"), None);
        let passkeys = findings
            .iter()
            .find(|f| f.topic == "passkeys")
            .expect("a passkeys finding");
        assert_eq!(passkeys.level, Level::Error);
        let fix = passkeys.fix.clone().unwrap_or_default();
        assert!(
            fix.contains("open the app at http://localhost:3000"),
            "{fix}"
        );
        for finding in &findings {
            let advice = finding.fix.clone().unwrap_or_default();
            assert!(!advice.contains("WEBAUTHN_RP_ID=127.0.0.1"), "{finding:?}");
        }
        // What it would have said instead is refused by the server itself.
        let refused = Settings::from_lookup(|name| match name {
            "SECRET_KEY" => Some("doctor-test-secret-key-that-is-long-enough".into()),
            "WEBAUTHN_RP_ID" => Some("127.0.0.1".into()),
            _ => None,
        });
        assert!(
            refused.is_err()
                || matches!(
                    refused.as_ref().map(|s| &s.passkeys),
                    Ok(PasskeySettings::Off(_))
                ),
            "an IP relying party is not accepted"
        );
    }

    /// The app forwards /api: the CSRF rule's finding replaces CORS's.
    #[test]
    fn same_origin_speaks_of_the_csrf_rule_not_cors() {
        let app = "http://localhost:3000";
        let findings = |vars: &[(&str, &str)]| {
            check_configuration(&settings(vars), &targets(app), Some(Shape::SameOrigin))
        };
        let unset = findings(&[]);
        assert!(unset.iter().all(|f| f.topic != "CORS_ORIGINS"), "{unset:?}");
        let public = unset
            .iter()
            .find(|f| f.topic == "PUBLIC_ORIGIN")
            .expect("PUBLIC_ORIGIN");
        assert_eq!(public.level, Level::Warning);
        assert_eq!(
            public.fix.as_deref(),
            Some("PUBLIC_ORIGIN=http://localhost:3000")
        );
        let set = findings(&[("PUBLIC_ORIGIN", app)]);
        let public = set
            .iter()
            .find(|f| f.topic == "PUBLIC_ORIGIN")
            .expect("PUBLIC_ORIGIN");
        assert_eq!(public.level, Level::Ok, "{public:?}");
        let elsewhere = findings(&[
            ("PUBLIC_ORIGIN", "http://127.0.0.1:8080"),
            ("CORS_ORIGINS", "https://other.example"),
        ]);
        let public = elsewhere
            .iter()
            .find(|f| f.topic == "PUBLIC_ORIGIN")
            .expect("PUBLIC_ORIGIN");
        assert_eq!(public.level, Level::Error, "{public:?}");
        assert!(public.message.contains("CSRF_FAILED"), "{public:?}");
    }

    #[test]
    fn frontend_url_on_the_other_loopback_name_is_an_error() {
        let app = "http://localhost:3000";
        let wrong = about(
            &[("FRONTEND_URL", "http://127.0.0.1:3000")],
            app,
            "FRONTEND_URL",
        );
        assert_eq!(wrong.level, Level::Error);
        assert_eq!(
            wrong.fix.as_deref(),
            Some("FRONTEND_URL=http://localhost:3000")
        );
        let elsewhere = about(
            &[("FRONTEND_URL", "https://shop.example.com")],
            app,
            "FRONTEND_URL",
        );
        assert_eq!(elsewhere.level, Level::Warning);
        let right = about(
            &[("FRONTEND_URL", "http://localhost:3000")],
            app,
            "FRONTEND_URL",
        );
        assert_eq!(right.level, Level::Ok);
    }

    #[test]
    fn the_app_origin_in_cors_origins() {
        let app = "http://localhost:3000";
        let twin = about(
            &[("CORS_ORIGINS", "http://127.0.0.1:3000")],
            app,
            "CORS_ORIGINS",
        );
        assert_eq!(twin.level, Level::Error);
        assert!(
            twin.message.contains("different origins"),
            "{}",
            twin.message
        );
        assert_eq!(
            twin.fix.as_deref(),
            Some("CORS_ORIGINS=http://localhost:3000")
        );
        let missing = about(
            &[("CORS_ORIGINS", "https://other.example.com")],
            app,
            "CORS_ORIGINS",
        );
        assert_eq!(missing.level, Level::Warning);
        let right = about(
            &[("CORS_ORIGINS", "http://localhost:3000")],
            app,
            "CORS_ORIGINS",
        );
        assert_eq!(right.level, Level::Ok);
        let same_origin = about(&[("PUBLIC_ORIGIN", app)], app, "CORS_ORIGINS");
        assert_eq!(same_origin.level, Level::Ok);
        assert!(same_origin.message.contains("no CORS"));
    }

    #[test]
    fn cookie_secure_against_the_app_scheme() {
        let secure = [("COOKIE_SECURE", "true")];
        assert_eq!(
            about(&secure, "http://app.internal:3000", "COOKIE_SECURE").level,
            Level::Error
        );
        assert_eq!(
            about(&secure, "http://localhost:3000", "COOKIE_SECURE").level,
            Level::Warning
        );
        assert_eq!(
            about(&secure, "https://app.example.com", "COOKIE_SECURE").level,
            Level::Ok
        );
        let plain = [("COOKIE_SECURE", "false")];
        assert_eq!(
            about(&plain, "https://app.example.com", "COOKIE_SECURE").level,
            Level::Warning
        );
        assert_eq!(
            about(&plain, "http://localhost:3000", "COOKIE_SECURE").level,
            Level::Ok
        );
    }

    #[test]
    fn same_site_rules() {
        let none = [("COOKIE_SECURE", "true"), ("COOKIE_SAMESITE", "None")];
        assert_eq!(
            about(&none, "https://app.example.com", "COOKIE_SAMESITE").level,
            Level::Warning
        );
        let strict = [
            ("COOKIE_SAMESITE", "Strict"),
            ("PUBLIC_ORIGIN", "http://localhost:3000"),
        ];
        assert_eq!(
            about(&strict, "http://localhost:3000", "COOKIE_SAMESITE").level,
            Level::Warning
        );
        // Lax with the app and Sekisho on two sites: the cookie is not sent back.
        let cross = [("PUBLIC_ORIGIN", "https://auth.other.dev")];
        let finding = about(&cross, "https://app.example.com", "COOKIE_SAMESITE");
        assert_eq!(finding.level, Level::Warning);
        assert!(finding.message.contains("different sites"));
        let sibling = [("PUBLIC_ORIGIN", "https://api.example.com")];
        assert_eq!(
            about(&sibling, "https://app.example.com", "COOKIE_SAMESITE").level,
            Level::Ok
        );
    }

    #[test]
    fn cookie_domain_against_the_hosts() {
        let on_localhost = about(
            &[("COOKIE_DOMAIN", "localhost")],
            "http://localhost:3000",
            "COOKIE_DOMAIN",
        );
        assert_eq!(on_localhost.level, Level::Error);
        assert_eq!(
            on_localhost.fix.as_deref(),
            Some("leave COOKIE_DOMAIN unset")
        );
        let elsewhere = about(
            &[("COOKIE_DOMAIN", "example.org")],
            "https://app.example.com",
            "COOKIE_DOMAIN",
        );
        assert_eq!(elsewhere.level, Level::Error);
        let api_outside = about(
            &[
                ("COOKIE_DOMAIN", "app.example.com"),
                ("PUBLIC_ORIGIN", "https://api.example.com"),
            ],
            "https://app.example.com",
            "COOKIE_DOMAIN",
        );
        assert_eq!(api_outside.level, Level::Warning);
        let right = about(
            &[
                ("COOKIE_DOMAIN", "example.com"),
                ("PUBLIC_ORIGIN", "https://api.example.com"),
            ],
            "https://app.example.com",
            "COOKIE_DOMAIN",
        );
        assert_eq!(right.level, Level::Ok);
        assert_eq!(
            about(&[], "http://localhost:3000", "COOKIE_DOMAIN").level,
            Level::Ok
        );
    }

    const PROVIDER: [(&str, &str); 4] = [
        ("OIDC_PROVIDERS", "acme"),
        ("OIDC_ACME_ISSUER", "https://id.example.com"),
        ("OIDC_ACME_CLIENT_ID", "client"),
        ("OIDC_ACME_CLIENT_SECRET", "secret"),
    ];

    #[test]
    fn public_origin_and_the_redirect_uris() {
        let app = "http://localhost:3000";
        let unset = about(&PROVIDER, app, "PUBLIC_ORIGIN");
        assert_eq!(unset.level, Level::Warning);
        assert!(unset.message.contains("OAUTH_FAILED"));
        let mut twin = PROVIDER.to_vec();
        twin.push(("PUBLIC_ORIGIN", "http://127.0.0.1:3000"));
        assert_eq!(about(&twin, app, "PUBLIC_ORIGIN").level, Level::Error);
        let mut plain = PROVIDER.to_vec();
        plain.push(("PUBLIC_ORIGIN", "http://app.example.com"));
        assert_eq!(
            about(&plain, "http://app.example.com", "PUBLIC_ORIGIN").level,
            Level::Warning
        );
        let mut right = PROVIDER.to_vec();
        right.push(("PUBLIC_ORIGIN", app));
        let findings = check_configuration(&settings(&right), &targets(app), None);
        assert!(!findings.iter().any(|f| f.topic == "PUBLIC_ORIGIN"));
        let uri = findings
            .iter()
            .find(|f| f.topic == "social sign-in")
            .unwrap();
        assert!(
            uri.message
                .contains("http://localhost:3000/api/v1/auth/callback/acme"),
            "{}",
            uri.message
        );
        // GitHub's callback URL, which its OAuth app must name exactly.
        let mut github = right.clone();
        github.extend([
            ("GITHUB_CLIENT_ID", "id"),
            ("GITHUB_CLIENT_SECRET", "secret"),
        ]);
        let findings = check_configuration(&settings(&github), &targets(app), None);
        assert!(
            findings.iter().any(|f| f.topic == "social sign-in"
                && f.message.contains(
                    "GitHub (github): the redirect URI to register is http://localhost:3000/api/v1/auth/callback/github"
                )),
            "{findings:#?}"
        );
    }

    #[test]
    fn trusted_proxies_named_or_not() {
        assert_eq!(
            about(&[], "http://localhost:3000", "TRUSTED_PROXIES").level,
            Level::Warning
        );
        let set = about(
            &[("TRUSTED_PROXIES", "127.0.0.1")],
            "http://localhost:3000",
            "TRUSTED_PROXIES",
        );
        assert_eq!(set.level, Level::Ok);
    }
}
