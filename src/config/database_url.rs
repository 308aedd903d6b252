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
            check_postgres(raw)?;
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

/// A PostgreSQL URL as libpq reads it, several hosts included: `postgres://a,b:5433/db`
/// (each `host[:port]`, tried in turn) or `postgres:///db?host=a,b&port=5432,5433`,
/// with `target_session_attrs=read-write` to skip a standby. The url crate reads one
/// host, so the URL is checked with the first host in place of the list.
fn check_postgres(raw: &str) -> Result<(), ConfigError> {
    let invalid = |why: String| ConfigError::new("DATABASE_URL", why);
    let (scheme, rest) = raw.split_once("://").unwrap_or((raw, ""));
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let (userinfo, hosts) = match authority.rsplit_once('@') {
        Some((userinfo, hosts)) => (Some(userinfo), hosts),
        None => (None, authority),
    };
    let hosts: Vec<&str> = hosts.split(',').collect();
    if hosts.iter().any(|h| h.is_empty()) && hosts.len() > 1 {
        return Err(invalid("an empty host in the host list".into()));
    }
    let first = hosts.first().copied().unwrap_or_default();
    let rebuilt = format!(
        "{scheme}://{}{first}{tail}",
        userinfo.map(|u| format!("{u}@")).unwrap_or_default()
    );
    let parsed = url::Url::parse(&rebuilt)
        .map_err(|e| invalid(format!("not a valid postgres:// URL ({e})")))?;
    for host in hosts.iter().skip(1) {
        url::Url::parse(&format!("{scheme}://{host}/"))
            .map_err(|e| invalid(format!("`{host}` in the host list is no host[:port] ({e})")))?;
    }
    let host_in_query = parsed
        .query_pairs()
        .any(|(key, value)| key == "host" && !value.is_empty());
    if first.is_empty() && !host_in_query {
        return Err(invalid(
            "a postgres:// URL needs a host (postgres://HOST/DB, postgres://A,B/DB or ?host=A,B)"
                .into(),
        ));
    }
    Ok(())
}

/// The URL with any password replaced by `***`: in the user part and in a
/// `password=` parameter.
fn redacted(raw: &str) -> String {
    let (scheme, rest) = raw.split_once("://").unwrap_or(("postgres", raw));
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, hosts)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{hosts}"),
            None => format!("{userinfo}@{hosts}"),
        },
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_owned(),
    };
    format!("{scheme}://{authority}{tail}")
}

// Never print a PostgreSQL password into a log.
impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite://{path}"),
            Self::Postgres(raw) => write!(f, "{}", redacted(raw)),
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
        for raw in [
            "postgres://me:hunter2@db.internal:5432/auth",
            "postgres://me:hunter2@a:5432,b:5433/auth?target_session_attrs=read-write",
            "postgres:///auth?host=a,b&user=me&password=hunter2",
        ] {
            let url = DatabaseUrl::parse(raw).unwrap();
            let shown = format!("{url:?} {url}");
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(shown.contains("***"), "{shown}");
        }
    }

    #[test]
    fn libpq_host_lists_are_accepted_in_both_forms() {
        for raw in [
            "postgres://u@db1,db2/auth?target_session_attrs=read-write",
            "postgres://u:p@db1:5432,db2:5433/auth",
            "postgresql://[::1]:5432,db2/auth",
            "postgres:///auth?host=db1,db2&port=5432,5433&target_session_attrs=read-write",
        ] {
            assert!(
                matches!(DatabaseUrl::parse(raw), Ok(DatabaseUrl::Postgres(_))),
                "{raw}: {:?}",
                DatabaseUrl::parse(raw).err()
            );
        }
        for raw in [
            "postgres:///auth",
            "postgres://db1,/auth",
            "postgres://db1,db2:port/auth",
        ] {
            assert!(DatabaseUrl::parse(raw).is_err(), "{raw}");
        }
    }
}
