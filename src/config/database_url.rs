//! DATABASE_URL: which backend, and where; a password in it never reaches a message.

use super::ConfigError;

/// Which backend DATABASE_URL names, decided by its scheme alone (SQLite would accept
/// any string as a path, so trying backends in turn would hide typos).
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A file path (or `:memory:`), as given after `sqlite://`.
    Sqlite(String),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, ConfigError> {
        let raw = raw.trim();
        if let Some(path) = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err(ConfigError::new(
                    "DATABASE_URL",
                    "sqlite:// needs a file path, e.g. sqlite://data/auth.db",
                ));
            }
            return Ok(Self::Sqlite(path.to_string()));
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            let parsed = url::Url::parse(raw).map_err(|e| {
                ConfigError::new("DATABASE_URL", format!("not a valid postgres:// URL ({e})"))
            })?;
            if parsed.host().is_none() {
                return Err(ConfigError::new(
                    "DATABASE_URL",
                    "a postgres:// URL needs a host",
                ));
            }
            return Ok(Self::Postgres(raw.to_string()));
        }
        let scheme = raw.split("://").next().unwrap_or(raw);
        Err(ConfigError::new(
            "DATABASE_URL",
            format!("must start with sqlite:// or postgres:// (got `{scheme}`)"),
        ))
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }
}

// Never print a PostgreSQL password into a log.
impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite://{path}"),
            Self::Postgres(raw) => match url::Url::parse(raw) {
                Ok(mut url) => {
                    if url.password().is_some() {
                        let _ = url.set_password(Some("***"));
                    }
                    write!(f, "{url}")
                }
                Err(_) => write!(f, "postgres://…"),
            },
        }
    }
}

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_pick_the_backend() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/auth.db").ok(),
            Some(DatabaseUrl::Sqlite("data/auth.db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///tmp/x.db").ok(),
            Some(DatabaseUrl::Sqlite("/tmp/x.db".into()))
        );
        assert!(matches!(
            DatabaseUrl::parse("postgresql://u:p@localhost/db"),
            Ok(DatabaseUrl::Postgres(_))
        ));
        assert!(DatabaseUrl::parse("data/auth.db").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
        assert!(DatabaseUrl::parse("postgres://").is_err());
    }

    #[test]
    fn passwords_stay_out_of_logs() {
        let url = DatabaseUrl::parse("postgres://me:hunter2@db.internal:5432/auth").unwrap();
        let shown = format!("{url:?} {url}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
