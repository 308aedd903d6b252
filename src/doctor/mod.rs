//! `sekisho doctor`: what people get wrong when they put Sekisho behind a Next.js app,
//! found from the configuration, from the services it needs (database, SMTP) and,
//! with `--app`, from a real round trip through the app. Each finding says what is
//! wrong and how to fix it; nothing secret is printed.

mod configuration;
mod hosts;
mod round_trip;
mod services;

use std::fmt::Write as _;

use url::Url;

use crate::config::Settings;

pub use configuration::check_configuration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Ok,
    Warning,
    Error,
}

/// One thing the doctor found: `topic` names the setting or service, `fix` what to
/// change (absent when there is nothing to do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub level: Level,
    pub topic: &'static str,
    pub message: String,
    pub fix: Option<String>,
}

impl Finding {
    pub fn ok(topic: &'static str, message: impl Into<String>) -> Self {
        Self {
            level: Level::Ok,
            topic,
            message: message.into(),
            fix: None,
        }
    }

    pub fn warning(
        topic: &'static str,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            level: Level::Warning,
            topic,
            message: message.into(),
            fix: Some(fix.into()),
        }
    }

    pub fn error(topic: &'static str, message: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            level: Level::Error,
            topic,
            message: message.into(),
            fix: Some(fix.into()),
        }
    }
}

/// Where the doctor looks: the app (`--app`, else FRONTEND_URL) and this server as
/// the app's server reaches it (`--api`, else BIND).
#[derive(Debug, Clone)]
pub struct Targets {
    pub app: Url,
    /// Whether the app's URL came from `--app` (a round trip is made only then).
    pub app_given: bool,
    pub api: Url,
    /// Whether `api` came from `--api` (then it is also how browsers name Sekisho).
    pub api_given: bool,
}

impl Targets {
    pub fn new(settings: &Settings, app: Option<Url>, api: Option<Url>) -> Result<Self, String> {
        let (app_given, api_given) = (app.is_some(), api.is_some());
        let app = app.unwrap_or_else(|| settings.frontend.url.clone());
        let api = match api {
            Some(api) => api,
            None => listening_url(&settings.server.bind)?,
        };
        Ok(Self {
            app,
            app_given,
            api,
            api_given,
        })
    }
}

/// The URL this machine reaches the server at: an all-interfaces bind through loopback.
fn listening_url(bind: &str) -> Result<Url, String> {
    let (host, port) = bind
        .rsplit_once(':')
        .ok_or_else(|| format!("BIND `{bind}` has no port: pass --api http://host:port"))?;
    let host = match host {
        "0.0.0.0" | "" => "127.0.0.1",
        "[::]" => "[::1]",
        host => host,
    };
    Url::parse(&format!("http://{host}:{port}"))
        .map_err(|e| format!("BIND `{bind}` is not host:port ({e}): pass --api http://host:port"))
}

/// Every check, in the order they are printed.
pub async fn examine(settings: &Settings, targets: &Targets) -> Vec<Finding> {
    let mut findings = services::check_database(settings).await;
    findings.extend(services::check_smtp(settings).await);
    findings.extend(services::check_management_keys(settings).await);
    findings.extend(services::check_webhooks(settings).await);
    // The round trip goes first: whether the app forwards /api decides which
    // configuration findings apply (CORS or the CSRF rule), though they print before.
    let (shape, round_trip) = if targets.app_given {
        round_trip::check(settings, targets).await
    } else {
        (None, Vec::new())
    };
    findings.extend(check_configuration(settings, targets, shape));
    findings.extend(round_trip);
    findings
}

/// The report as printed, and whether it holds an error.
pub fn report(targets: &Targets, findings: &[Finding]) -> (String, bool) {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "sekisho doctor: the app at {}, Sekisho at {}",
        origin(&targets.app),
        origin(&targets.api)
    );
    for finding in findings {
        let mark = match finding.level {
            Level::Ok => "ok     ",
            Level::Warning => "WARNING",
            Level::Error => "ERROR  ",
        };
        let _ = writeln!(out, "{mark} {}: {}", finding.topic, finding.message);
        if let Some(fix) = &finding.fix {
            let _ = writeln!(out, "        fix: {fix}");
        }
    }
    let errors = findings.iter().filter(|f| f.level == Level::Error).count();
    let warnings = findings
        .iter()
        .filter(|f| f.level == Level::Warning)
        .count();
    let _ = writeln!(
        out,
        "{errors} error{}, {warnings} warning{}",
        plural(errors),
        plural(warnings)
    );
    (out, errors > 0)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

pub(crate) fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_all_interfaces_bind_is_reached_through_loopback() {
        let url = |bind: &str| listening_url(bind).unwrap().to_string();
        assert_eq!(url("0.0.0.0:8080"), "http://127.0.0.1:8080/");
        assert_eq!(url("[::]:9000"), "http://[::1]:9000/");
        assert_eq!(url("127.0.0.1:8080"), "http://127.0.0.1:8080/");
        assert!(listening_url("somewhere").is_err());
    }

    #[test]
    fn the_report_counts_and_says_how_to_fix() {
        let targets = Targets {
            app: Url::parse("http://localhost:3000").unwrap(),
            app_given: false,
            api: Url::parse("http://127.0.0.1:8080").unwrap(),
            api_given: false,
        };
        let (text, failed) = report(
            &targets,
            &[
                Finding::ok("database", "up to date"),
                Finding::error(
                    "CORS_ORIGINS",
                    "refused",
                    "CORS_ORIGINS=http://localhost:3000",
                ),
            ],
        );
        assert!(failed);
        assert!(text.contains(
            "ERROR   CORS_ORIGINS: refused\n        fix: CORS_ORIGINS=http://localhost:3000"
        ));
        assert!(text.ends_with("1 error, 0 warnings\n"));
    }
}
