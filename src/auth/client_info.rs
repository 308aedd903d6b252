//! Who is asking: the client's IP (honouring X-Forwarded-For only from trusted
//! proxies) and user agent, as recorded on sessions and in the audit log.

use std::net::IpAddr;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::{Ready, ready};
use ipnet::IpNet;

use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    pub fn new(nets: Vec<IpNet>) -> Self {
        Self(nets)
    }

    fn trusts(&self, ip: &IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(ip))
    }

    /// Whether the request came straight from a trusted proxy, whose forwarding
    /// headers (X-Forwarded-For, -Host, -Proto, Forwarded) may be believed.
    pub fn from_trusted_proxy(&self, req: &HttpRequest) -> bool {
        req.peer_addr().is_some_and(|peer| self.trusts(&peer.ip()))
    }

    /// The peer address, unless the peer is a trusted proxy: then the right-most
    /// X-Forwarded-For entry that is not itself a trusted proxy. Never the header on
    /// its own word.
    pub fn client_ip(&self, req: &HttpRequest) -> Option<IpAddr> {
        let peer = req.peer_addr()?.ip();
        if !self.trusts(&peer) {
            return Some(peer);
        }
        let forwarded: Vec<IpAddr> = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|part| part.trim().parse().ok())
            .collect();
        Some(
            forwarded
                .into_iter()
                .rev()
                .find(|ip| !self.trusts(ip))
                .unwrap_or(peer),
        )
    }
}

const MAX_USER_AGENT: usize = 512;

pub fn user_agent(req: &HttpRequest) -> Option<String> {
    let ua = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)?
        .to_str()
        .ok()?;
    Some(ua.chars().take(MAX_USER_AGENT).collect())
}

/// The client as sessions, the audit log and the per-IP limits see it.
#[derive(Debug, Clone)]
pub struct ClientInfo {
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

impl ClientInfo {
    pub fn from_request(req: &HttpRequest, proxies: &TrustedProxies) -> Self {
        Self {
            ip: proxies.client_ip(req),
            user_agent: user_agent(req),
        }
    }

    /// The IP as stored on session rows and audit entries.
    pub fn ip_text(&self) -> Option<String> {
        self.ip.map(|ip| ip.to_string())
    }
}

impl FromRequest for ClientInfo {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.app_data::<web::Data<AppState>>()
                .map(|state| Self::from_request(req, &state.proxies))
                .ok_or_else(|| ApiError::internal("AppState missing")),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn forwarded_for_only_through_trusted_proxies() {
        let proxies = TrustedProxies::new(vec!["10.0.0.0/8".parse().unwrap()]);
        let direct = TestRequest::default()
            .peer_addr("203.0.113.5:1234".parse().unwrap())
            .insert_header(("x-forwarded-for", "1.2.3.4"))
            .to_http_request();
        assert_eq!(
            proxies.client_ip(&direct).unwrap().to_string(),
            "203.0.113.5"
        );

        let proxied = TestRequest::default()
            .peer_addr("10.0.0.2:1234".parse().unwrap())
            .insert_header(("x-forwarded-for", "6.6.6.6, 198.51.100.7, 10.0.0.9"))
            .to_http_request();
        assert_eq!(
            proxies.client_ip(&proxied).unwrap().to_string(),
            "198.51.100.7"
        );

        let untrusting = TrustedProxies::default();
        assert_eq!(
            untrusting.client_ip(&proxied).unwrap().to_string(),
            "10.0.0.2"
        );
    }
}
