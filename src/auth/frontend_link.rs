//! Links into the front-end that mails carry (`{FRONTEND_URL}/reset-password?token=…`).

/// `{frontend}/{page}?token={token}`, keeping a path prefix of FRONTEND_URL.
pub fn frontend_link(frontend: &url::Url, page: &str, token: &str) -> String {
    let mut url = frontend.clone();
    let path = format!("{}/{page}", frontend.path().trim_end_matches('/'));
    url.set_path(&path);
    url.query_pairs_mut().clear().append_pair("token", token);
    url.to_string()
}

/// `{frontend}/{page}`, keeping a path prefix of FRONTEND_URL.
pub fn frontend_page(frontend: &url::Url, page: &str) -> String {
    let mut url = frontend.clone();
    let path = format!("{}/{page}", frontend.path().trim_end_matches('/'));
    url.set_path(&path);
    url.set_query(None);
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::frontend_link;

    #[test]
    fn links_keep_the_front_ends_path_prefix() {
        let root = url::Url::parse("http://localhost:3000").unwrap();
        assert_eq!(
            frontend_link(&root, "verify-email", "a-b_c"),
            "http://localhost:3000/verify-email?token=a-b_c"
        );
        let prefixed = url::Url::parse("https://example.com/app/").unwrap();
        assert_eq!(
            frontend_link(&prefixed, "reset-password", "t"),
            "https://example.com/app/reset-password?token=t"
        );
    }
}
