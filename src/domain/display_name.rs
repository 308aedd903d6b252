//! A display name, the one rule for the API's sign-up and the panel's new user:
//! trimmed, blank is no name, at most 100 characters, no control characters.

const MAX_CHARS: usize = 100;

/// The name to store (None for a blank one), or what is wrong with it.
pub fn display_name(raw: Option<&str>) -> Result<Option<String>, &'static str> {
    let Some(trimmed) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if trimmed.chars().count() > MAX_CHARS {
        return Err("must be at most 100 characters");
    }
    if trimmed.chars().any(char::is_control) {
        return Err("must not contain control characters");
    }
    Ok(Some(trimmed.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::display_name;

    #[test]
    fn blank_is_none_and_bad_names_say_why() {
        assert_eq!(display_name(None), Ok(None));
        assert_eq!(display_name(Some("  ")), Ok(None));
        assert_eq!(display_name(Some(" 田中 ")), Ok(Some("田中".into())));
        assert!(display_name(Some(&"x".repeat(101))).is_err());
        assert!(display_name(Some("a\u{7}b")).is_err());
    }
}
