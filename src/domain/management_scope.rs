//! What a management key may do: the contract's scopes.

use super::string_enum::string_enum;

string_enum! {
    /// One scope of a management key.
    pub enum ManagementScope {
        UsersRead = "users:read",
        UsersWrite = "users:write",
        SessionsWrite = "sessions:write",
        WebhooksWrite = "webhooks:write",
        TokensIntrospect = "tokens:introspect",
    }
}

impl ManagementScope {
    /// Scopes from their comma-separated spellings (`users:read,users:write`): the
    /// first spelling that is no scope, as the error.
    pub fn parse_list(text: &str) -> Result<Vec<Self>, String> {
        let mut scopes = Vec::new();
        for raw in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let scope = Self::parse(raw).ok_or_else(|| raw.to_owned())?;
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        Ok(scopes)
    }

    /// The comma-separated form `parse_list` reads.
    pub fn join(scopes: &[Self]) -> String {
        scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_reads_back_and_an_unknown_scope_is_named() {
        let scopes = ManagementScope::parse_list("users:read, users:write,users:read").unwrap();
        assert_eq!(
            scopes,
            [ManagementScope::UsersRead, ManagementScope::UsersWrite]
        );
        assert_eq!(ManagementScope::join(&scopes), "users:read,users:write");
        assert_eq!(
            ManagementScope::parse_list("users:read,admin"),
            Err("admin".to_owned())
        );
    }
}
