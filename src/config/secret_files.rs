//! `NAME_FILE`: a setting `NAME` read from the file it names (systemd credentials,
//! container secrets), so a secret need not sit in the environment where every child
//! process and `/proc/<pid>/environ` can read it. Only the names Sekisho reads are
//! looked up this way (an unrelated `TF_CLI_CONFIG_FILE` is nobody's business here).
//! One trailing newline is dropped (an editor's or `echo`'s); setting both `NAME` and
//! `NAME_FILE` is refused as ambiguous.

use std::ffi::OsString;

use super::ConfigError;

/// `name`'s value: from the environment (`env`), else from the file `NAME_FILE` names.
pub fn lookup(
    name: &str,
    env: impl Fn(&str) -> Option<OsString>,
) -> Result<Option<String>, ConfigError> {
    let direct = env(name).and_then(|value| value.into_string().ok());
    let file_var = format!("{name}_FILE");
    let Some(path) = env(&file_var).filter(|path| !path.is_empty()) else {
        return Ok(direct);
    };
    if direct.as_deref().is_some_and(|value| !value.is_empty()) {
        return Err(ConfigError::new(
            named(&file_var),
            format!("set {name} or {file_var}, not both"),
        ));
    }
    let text = std::fs::read_to_string(&path).map_err(|e| {
        ConfigError::new(
            named(&file_var),
            format!("cannot read {}: {e}", std::path::Path::new(&path).display()),
        )
    })?;
    let value = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(&text);
    Ok(Some(value.to_owned()))
}

/// A variable's name for the error: errors name `&'static str`s, and this one is known
/// only now. Leaked once, on the way to refusing to start.
fn named(var: &str) -> &'static str {
    Box::leak(var.to_owned().into_boxed_str())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let map: HashMap<String, OsString> = pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), OsString::from(v)))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn a_file_gives_the_value_and_both_forms_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("key");
        std::fs::write(&key, "a-key-from-a-file-0123456789-0123456789\n").unwrap();
        let key = key.to_str().unwrap();
        let from_file = lookup("SECRET_KEY", env(&[("SECRET_KEY_FILE", key)])).unwrap();
        assert_eq!(
            from_file.as_deref(),
            Some("a-key-from-a-file-0123456789-0123456789")
        );
        let direct = lookup(
            "BIND",
            env(&[("BIND", "x"), ("TF_CLI_CONFIG_FILE", "/none")]),
        );
        assert_eq!(direct.unwrap().as_deref(), Some("x"));
        let both = lookup(
            "SECRET_KEY",
            env(&[("SECRET_KEY_FILE", key), ("SECRET_KEY", "inline")]),
        )
        .unwrap_err();
        assert_eq!(both.var, "SECRET_KEY_FILE");
        assert!(both.problem.contains("not both"));
        let missing =
            lookup("SMTP_URL", env(&[("SMTP_URL_FILE", "/nonexistent/smtp")])).unwrap_err();
        assert_eq!(missing.var, "SMTP_URL_FILE");
        assert!(missing.problem.contains("/nonexistent/smtp"));
    }
}
