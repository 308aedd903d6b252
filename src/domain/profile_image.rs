//! A profile picture's address, as a user sets it: the page shows it to whoever views
//! the profile, so only `https://` (no mixed content, no `javascript:` or `data:`), a
//! host, no credentials in the URL, at most 2,000 characters.

const MAX_CHARS: usize = 2000;

/// The address to store, or what is wrong with it.
pub fn profile_image(raw: &str) -> Result<String, &'static str> {
    let trimmed = raw.trim();
    if trimmed.chars().count() > MAX_CHARS {
        return Err("must be at most 2000 characters");
    }
    let Ok(url) = url::Url::parse(trimmed) else {
        return Err("must be an https:// URL");
    };
    if url.scheme() != "https" || url.host_str().is_none_or(str::is_empty) {
        return Err("must be an https:// URL");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain credentials");
    }
    Ok(url.into())
}

#[cfg(test)]
mod tests {
    use super::profile_image;

    #[test]
    fn only_plain_https_addresses() {
        assert_eq!(
            profile_image(" https://cdn.example.com/a.png "),
            Ok("https://cdn.example.com/a.png".into())
        );
        for bad in [
            "http://cdn.example.com/a.png",
            "javascript:alert(1)",
            "data:image/png;base64,AAAA",
            "https://user:secret@cdn.example.com/a.png",
            "//cdn.example.com/a.png",
            "not a url",
            "",
        ] {
            assert!(profile_image(bad).is_err(), "{bad}");
        }
        let long = format!("https://cdn.example.com/{}", "a".repeat(2000));
        assert!(profile_image(&long).is_err());
    }
}
