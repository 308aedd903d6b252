//! Where a webhook may be sent. With APP_ENV=production a URL must be https and may not
//! reach a loopback, private or link-local address: checked when the endpoint is
//! registered, and again by the resolver of every delivery (a name that resolved to a
//! public address then may resolve to an internal one now).

use std::net::{IpAddr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// Why a URL cannot be an endpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetProblem {
    #[error("is not an absolute http(s) URL")]
    NotHttp,
    #[error("must be https")]
    NotHttps,
    #[error("may not carry a user name or password")]
    Credentials,
    #[error("may not reach a loopback, private or link-local address")]
    Private,
    #[error("does not resolve: {0}")]
    Unresolved(String),
}

/// The most a URL may be.
pub const MAX_URL_LENGTH: usize = 2_000;

/// Checks `raw` as an endpoint URL (`production`: the SSRF rule too, resolving the
/// name now); the URL as it will be stored.
pub async fn check(raw: &str, production: bool) -> Result<Url, TargetProblem> {
    let url = Url::parse(raw.trim()).map_err(|_| TargetProblem::NotHttp)?;
    if raw.len() > MAX_URL_LENGTH || !matches!(url.scheme(), "http" | "https") {
        return Err(TargetProblem::NotHttp);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(TargetProblem::Credentials);
    }
    let host = url.host().ok_or(TargetProblem::NotHttp)?.to_owned();
    if !production {
        return Ok(url);
    }
    if url.scheme() != "https" {
        return Err(TargetProblem::NotHttps);
    }
    let port = url.port_or_known_default().unwrap_or(443);
    let addresses: Vec<IpAddr> = match host {
        Host::Ipv4(ip) => vec![IpAddr::V4(ip)],
        Host::Ipv6(ip) => vec![IpAddr::V6(ip)],
        Host::Domain(name) => tokio::net::lookup_host((name.as_str(), port))
            .await
            .map_err(|e| TargetProblem::Unresolved(e.to_string()))?
            .map(|a| a.ip())
            .collect(),
    };
    if addresses.is_empty() || !addresses.iter().all(|ip| is_public(*ip)) {
        return Err(TargetProblem::Private);
    }
    Ok(url)
}

/// Whether `url` names a non-public address literally (the resolver never sees those).
pub fn is_private_literal(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => !is_public(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => !is_public(IpAddr::V6(ip)),
        _ => false,
    }
}

/// Not loopback, private, link-local, shared (CGNAT), unique-local, unspecified,
/// multicast or broadcast; an IPv4-mapped IPv6 address counts as its IPv4 one.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b)))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments().first().copied().unwrap_or(0);
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80)
        }
    }
}

/// The resolver of deliveries in production: a name's non-public addresses are
/// dropped, and a name with none left fails the attempt.
#[derive(Debug, Clone, Copy)]
pub struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|address| is_public(address.ip()))
                .collect();
            if found.is_empty() {
                return Err(format!("{host} resolves to no public address").into());
            }
            let addrs: Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_not_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            let ip: IpAddr = private.parse().unwrap_or(IpAddr::from([127, 0, 0, 1]));
            assert!(!is_public(ip), "{private}");
        }
        for public in ["93.184.216.34", "2606:2800:220:1::1"] {
            let ip: IpAddr = public.parse().unwrap_or(IpAddr::from([127, 0, 0, 1]));
            assert!(is_public(ip), "{public}");
        }
    }

    #[tokio::test]
    async fn production_wants_https_to_a_public_address() {
        assert_eq!(
            check("http://example.com/hook", true).await,
            Err(TargetProblem::NotHttps)
        );
        assert_eq!(
            check("https://127.0.0.1/hook", true).await,
            Err(TargetProblem::Private)
        );
        assert_eq!(
            check("https://[::1]:8443/hook", true).await,
            Err(TargetProblem::Private)
        );
        assert_eq!(
            check("https://localhost/hook", true).await,
            Err(TargetProblem::Private)
        );
        assert!(check("http://127.0.0.1:9/hook", false).await.is_ok());
        assert_eq!(
            check("ftp://example.com/", false).await,
            Err(TargetProblem::NotHttp)
        );
        assert_eq!(
            check("https://u:p@example.com/", false).await,
            Err(TargetProblem::Credentials)
        );
    }
}
