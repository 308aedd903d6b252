//! FRONTEND_ROUTES: the app's pages that mails and redirects send people to, so that an
//! app whose pages live elsewhere (`/auth/login`, `/account`) gets links that work.
//! Written `name=/path` pairs separated by commas; each path is appended to
//! FRONTEND_URL's own path, as the defaults are.

use super::ConfigError;

const VAR: &str = "FRONTEND_ROUTES";

/// A page of the app that Sekisho links to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrontendRoute {
    /// Where a failed social sign-in lands (`?error=`) unless it named its own page.
    Login,
    /// The verification mail's and the email change's link (`?token=`).
    VerifyEmail,
    /// The reset mail's and an operator's invitation's link (`?token=`).
    ResetPassword,
    /// Where a social sign-in of a user with a second factor asks for it (`?next=`).
    TwoFactor,
    /// The security notices' "review your account" link.
    Settings,
    /// The email sign-in mail's link (`?token=`).
    EmailSignIn,
}

impl FrontendRoute {
    pub const ALL: [FrontendRoute; 6] = [
        FrontendRoute::Login,
        FrontendRoute::VerifyEmail,
        FrontendRoute::ResetPassword,
        FrontendRoute::TwoFactor,
        FrontendRoute::Settings,
        FrontendRoute::EmailSignIn,
    ];

    /// Its name in FRONTEND_ROUTES.
    pub fn name(self) -> &'static str {
        match self {
            FrontendRoute::Login => "login",
            FrontendRoute::VerifyEmail => "verify-email",
            FrontendRoute::ResetPassword => "reset-password",
            FrontendRoute::TwoFactor => "two-factor",
            FrontendRoute::Settings => "settings",
            FrontendRoute::EmailSignIn => "sign-in-email",
        }
    }

    pub fn default_path(self) -> &'static str {
        match self {
            FrontendRoute::Login => "/login",
            FrontendRoute::VerifyEmail => "/verify-email",
            FrontendRoute::ResetPassword => "/reset-password",
            FrontendRoute::TwoFactor => "/two-factor",
            FrontendRoute::Settings => "/settings",
            FrontendRoute::EmailSignIn => "/sign-in/email",
        }
    }
}

/// The routes FRONTEND_ROUTES names, with their paths; every other route keeps its
/// default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FrontendRoutes(Vec<(FrontendRoute, String)>);

impl FrontendRoutes {
    /// Reads `login=/auth/login,settings=/account`; unset or blank keeps every
    /// default. An unknown name, a name given twice or a path that is not a plain
    /// absolute path is refused, naming what is accepted.
    pub fn parse(raw: Option<&str>) -> Result<Self, ConfigError> {
        let mut routes = Self::default();
        let Some(raw) = raw.map(str::trim).filter(|raw| !raw.is_empty()) else {
            return Ok(routes);
        };
        for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((name, path)) = pair.split_once('=') else {
                return Err(ConfigError::new(
                    VAR,
                    format!("`{pair}` is not name=/path (e.g. login=/auth/login)"),
                ));
            };
            let (name, path) = (name.trim(), path.trim());
            let route = FrontendRoute::ALL
                .into_iter()
                .find(|route| route.name() == name)
                .ok_or_else(|| {
                    ConfigError::new(
                        VAR,
                        format!("`{name}` is not a route; the routes are {}", names()),
                    )
                })?;
            if routes.0.iter().any(|(given, _)| *given == route) {
                return Err(ConfigError::new(VAR, format!("`{name}` is given twice")));
            }
            check_path(name, path)?;
            let trimmed = path.trim_end_matches('/');
            let path = if trimmed.is_empty() { "/" } else { trimmed };
            routes.0.push((route, path.to_owned()));
        }
        Ok(routes)
    }

    pub fn path(&self, route: FrontendRoute) -> &str {
        self.0
            .iter()
            .find(|(given, _)| *given == route)
            .map_or(route.default_path(), |(_, path)| path.as_str())
    }

    /// `name=/path` for every route, in the variable's own format (doctor, start-up log).
    pub fn describe(&self) -> String {
        FrontendRoute::ALL
            .iter()
            .map(|route| format!("{}={}", route.name(), self.path(*route)))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// `{frontend}{path}` with FRONTEND_URL's own path kept in front, no query.
    pub fn url(&self, frontend: &url::Url, route: FrontendRoute) -> url::Url {
        let mut url = frontend.clone();
        let prefix = frontend.path().trim_end_matches('/');
        let path = self.path(route);
        url.set_path(&format!("{prefix}{path}"));
        url.set_query(None);
        url.set_fragment(None);
        url
    }
}

fn names() -> String {
    FrontendRoute::ALL
        .iter()
        .map(|route| route.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A path of the app: starts with `/`, no query, fragment, `..` or characters a URL
/// would have to escape (what is written here is what the mail shows).
fn check_path(name: &str, path: &str) -> Result<(), ConfigError> {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/-_.~".contains(c);
    let refused = !path.starts_with('/')
        || path.starts_with("//")
        || !path.chars().all(plain)
        || path
            .split('/')
            .any(|segment| segment == ".." || segment == ".");
    if refused {
        return Err(ConfigError::new(
            VAR,
            format!(
                "{name}: `{path}` must be a path of the app such as /auth/{name} \
                 (starting with /, letters, digits, - _ . ~ and /, no query)"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(raw: &str) -> url::Url {
        url::Url::parse(raw).expect("test URL")
    }

    #[test]
    fn unset_keeps_every_default() {
        let routes = FrontendRoutes::parse(None).expect("defaults");
        assert_eq!(
            routes.describe(),
            "login=/login,verify-email=/verify-email,reset-password=/reset-password,\
             two-factor=/two-factor,settings=/settings,sign-in-email=/sign-in/email"
        );
        assert_eq!(FrontendRoutes::parse(Some("  ")).expect("blank"), routes);
    }

    #[test]
    fn named_routes_replace_their_defaults_only() {
        let routes =
            FrontendRoutes::parse(Some(" login=/auth/login , settings=/account/ ")).expect("ok");
        assert_eq!(routes.path(FrontendRoute::Login), "/auth/login");
        assert_eq!(routes.path(FrontendRoute::Settings), "/account");
        assert_eq!(routes.path(FrontendRoute::TwoFactor), "/two-factor");
    }

    #[test]
    fn urls_keep_the_front_ends_path_prefix() {
        let routes = FrontendRoutes::parse(Some("reset-password=/auth/reset")).expect("ok");
        assert_eq!(
            routes
                .url(
                    &url("https://example.com/app/"),
                    FrontendRoute::ResetPassword
                )
                .as_str(),
            "https://example.com/app/auth/reset"
        );
        assert_eq!(
            routes
                .url(&url("http://localhost:3000"), FrontendRoute::EmailSignIn)
                .as_str(),
            "http://localhost:3000/sign-in/email"
        );
    }

    #[test]
    fn bad_values_are_refused_naming_what_is_accepted() {
        for (raw, expected) in [
            ("signin=/x", "the routes are login, verify-email"),
            ("login", "is not name=/path"),
            ("login=auth", "must be a path of the app"),
            ("login=//evil.example", "must be a path of the app"),
            ("login=/a?b=1", "must be a path of the app"),
            ("login=/a/../b", "must be a path of the app"),
            ("login=/a,login=/b", "given twice"),
        ] {
            let error = FrontendRoutes::parse(Some(raw)).expect_err(raw);
            assert_eq!(error.var, "FRONTEND_ROUTES");
            assert!(error.problem.contains(expected), "{raw}: {}", error.problem);
        }
    }
}
