//! `NAME_FILE`: any setting `NAME` read from the file it names (systemd credentials,
//! container secrets), so a secret need not sit in the environment where every child
//! process and `/proc/<pid>/environ` can read it. One trailing newline is dropped (an
//! editor's or `echo`'s); setting both `NAME` and `NAME_FILE` is refused as ambiguous.

use std::collections::HashMap;
use std::ffi::OsString;

use super::ConfigError;

/// The values of every `NAME_FILE` in `vars`, by `NAME`.
pub fn read(
    vars: impl Iterator<Item = (OsString, OsString)>,
) -> Result<HashMap<String, String>, ConfigError> {
    let vars: HashMap<String, OsString> = vars
        .filter_map(|(name, value)| Some((name.into_string().ok()?, value)))
        .collect();
    let mut values = HashMap::new();
    for (file_var, path) in &vars {
        let Some(name) = file_var.strip_suffix("_FILE").filter(|n| !n.is_empty()) else {
            continue;
        };
        if path.is_empty() {
            continue;
        }
        if vars.get(name).is_some_and(|value| !value.is_empty()) {
            return Err(ConfigError::new(
                named(file_var),
                format!("set {name} or {file_var}, not both"),
            ));
        }
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigError::new(
                named(file_var),
                format!("cannot read {}: {e}", std::path::Path::new(path).display()),
            )
        })?;
        let value = text
            .strip_suffix("\r\n")
            .or_else(|| text.strip_suffix('\n'))
            .unwrap_or(&text);
        values.insert(name.to_owned(), value.to_owned());
    }
    Ok(values)
}

/// A variable's name for the error: errors name `&'static str`s, and this one is known
/// only now. Leaked once, on the way to refusing to start.
fn named(var: &str) -> &'static str {
    Box::leak(var.to_owned().into_boxed_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Iterator<Item = (OsString, OsString)> {
        pairs
            .iter()
            .map(|(n, v)| (OsString::from(n), OsString::from(v)))
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn a_file_gives_the_value_and_both_forms_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("key");
        std::fs::write(&key, "a-key-from-a-file-0123456789-0123456789\n").unwrap();
        let key = key.to_str().unwrap();
        let read = read(vars(&[("SECRET_KEY_FILE", key), ("BIND", "x")])).unwrap();
        assert_eq!(
            read["SECRET_KEY"],
            "a-key-from-a-file-0123456789-0123456789"
        );
        assert_eq!(read.len(), 1);
        let both = read_err(&[("SECRET_KEY_FILE", key), ("SECRET_KEY", "inline")]);
        assert_eq!(both.var, "SECRET_KEY_FILE");
        assert!(both.problem.contains("not both"));
        let missing = read_err(&[("SMTP_URL_FILE", "/nonexistent/smtp")]);
        assert_eq!(missing.var, "SMTP_URL_FILE");
        assert!(missing.problem.contains("/nonexistent/smtp"));
    }

    fn read_err(pairs: &[(&str, &str)]) -> ConfigError {
        match read(vars(pairs)) {
            Err(e) => e,
            Ok(values) => panic!("read {values:?}"),
        }
    }
}
