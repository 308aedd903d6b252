//! How browsers compare hosts for cookies: by name, not by port; `localhost` and
//! `127.0.0.1` are different hosts; a `Domain` attribute covers a host and its
//! subdomains and is refused on IP addresses and `localhost`.

use url::{Host, Url};

pub fn host_of(url: &Url) -> String {
    url.host_str().unwrap_or_default().to_ascii_lowercase()
}

/// A loopback name: `localhost` (and its subdomains), 127.0.0.0/8 or ::1.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(name)) => {
            let name = name.to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Two loopback URLs named differently (`localhost` and `127.0.0.1`): the same
/// machine, but two hosts to a browser.
pub fn loopback_twins(a: &Url, b: &Url) -> bool {
    is_loopback(a) && is_loopback(b) && host_of(a) != host_of(b)
}

/// `url` with `localhost` and `127.0.0.1` swapped, for "did you mean".
pub fn loopback_twin(url: &Url) -> Option<Url> {
    let twin = match url.host() {
        Some(Host::Domain(name)) if name.eq_ignore_ascii_case("localhost") => "127.0.0.1",
        Some(Host::Ipv4(ip)) if ip.is_loopback() => "localhost",
        Some(Host::Ipv6(ip)) if ip.is_loopback() => "localhost",
        _ => return None,
    };
    let mut swapped = url.clone();
    swapped.set_host(Some(twin)).ok()?;
    Some(swapped)
}

pub fn is_ip(url: &Url) -> bool {
    matches!(url.host(), Some(Host::Ipv4(_) | Host::Ipv6(_)))
}

/// Whether a cookie with `Domain=domain` may be set by, and is sent to, `host`.
pub fn domain_covers(domain: &str, host: &str) -> bool {
    let domain = domain.trim_start_matches('.').to_ascii_lowercase();
    let host = host.to_ascii_lowercase();
    host == domain || host.ends_with(&format!(".{domain}"))
}

/// Same site as browsers see it for SameSite cookies: same scheme and same
/// registrable domain. Without the public suffix list this takes the last two labels
/// of a name (right for `example.com`, too lenient for `example.co.uk`): good enough
/// to warn, never used to allow anything.
pub fn same_site(a: &Url, b: &Url) -> bool {
    if a.scheme() != b.scheme() {
        return false;
    }
    if is_ip(a) || is_ip(b) || is_loopback(a) || is_loopback(b) {
        return host_of(a) == host_of(b);
    }
    let site = |url: &Url| {
        let host = host_of(url);
        let mut labels: Vec<&str> = host.rsplitn(3, '.').take(2).collect();
        labels.reverse();
        labels.join(".")
    };
    site(a) == site(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn localhost_and_127_0_0_1_are_twins() {
        assert!(loopback_twins(
            &url("http://localhost:3000"),
            &url("http://127.0.0.1:8080")
        ));
        assert!(!loopback_twins(
            &url("http://localhost:3000"),
            &url("http://localhost:8080")
        ));
        assert_eq!(
            loopback_twin(&url("http://127.0.0.1:3000"))
                .unwrap()
                .as_str(),
            "http://localhost:3000/"
        );
        assert!(loopback_twin(&url("https://app.example.com")).is_none());
    }

    #[test]
    fn a_domain_covers_itself_and_its_subdomains() {
        assert!(domain_covers("example.com", "app.example.com"));
        assert!(domain_covers(".example.com", "example.com"));
        assert!(!domain_covers("example.com", "badexample.com"));
        assert!(!domain_covers("app.example.com", "api.example.com"));
    }

    #[test]
    fn sites_ignore_ports_and_subdomains_but_not_schemes() {
        assert!(same_site(
            &url("http://localhost:3000"),
            &url("http://localhost:8080")
        ));
        assert!(same_site(
            &url("https://app.example.com"),
            &url("https://api.example.com")
        ));
        assert!(!same_site(
            &url("https://app.example.com"),
            &url("https://api.other.dev")
        ));
        assert!(!same_site(
            &url("http://localhost:3000"),
            &url("http://127.0.0.1:8080")
        ));
        assert!(!same_site(
            &url("http://example.com"),
            &url("https://example.com")
        ));
    }
}
