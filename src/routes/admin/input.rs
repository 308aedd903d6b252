//! What an operator's browser sends besides form fields: ids in paths and the page to
//! return to. A control character in either is a 400 page: it can only be forged, and
//! in a Location header it would be a header injection.

use super::error::AdminError;

fn has_control(text: &str) -> bool {
    text.chars().any(char::is_control)
}

/// An id from the path, refused when it holds a control character.
pub fn path_id<Id: From<String>>(raw: String) -> Result<Id, AdminError> {
    if has_control(&raw) {
        return Err(AdminError::BadRequest("error.bad_id.text"));
    }
    Ok(Id::from(raw))
}

/// Only a path inside the panel may be a redirect target (no open redirect); none
/// given, or one elsewhere, is `fallback`.
pub fn safe_return(target: Option<&str>, fallback: &str) -> Result<String, AdminError> {
    match target {
        Some(t) if has_control(t) => Err(AdminError::BadRequest("error.bad_return.text")),
        Some(t) if t.starts_with("/admin") && !t.starts_with("//") && !t.contains("://") => {
            Ok(t.to_owned())
        }
        _ => Ok(fallback.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_foreign_targets() {
        assert_eq!(
            safe_return(Some("/admin/users?page=2"), "/admin").unwrap(),
            "/admin/users?page=2"
        );
        assert_eq!(
            safe_return(Some("https://evil.example/admin"), "/admin").unwrap(),
            "/admin"
        );
        assert_eq!(
            safe_return(Some("//evil.example"), "/admin").unwrap(),
            "/admin"
        );
        assert_eq!(safe_return(None, "/admin").unwrap(), "/admin");
        assert!(safe_return(Some("/admin\r\nSet-Cookie: x=1"), "/admin").is_err());
        assert!(path_id::<String>("abc\n".into()).is_err());
        assert_eq!(
            path_id::<String>("0b0c6f6e-2f6c".into()).unwrap(),
            "0b0c6f6e-2f6c"
        );
    }
}
