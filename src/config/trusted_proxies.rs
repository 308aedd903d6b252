//! TRUSTED_PROXIES: the peers whose forwarding headers may be believed.

use std::net::IpAddr;

use actix_web::HttpRequest;
use ipnet::IpNet;

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

    /// The peer address, unless the peer is a trusted proxy: then X-Forwarded-For is
    /// read from the right, each entry written by the hop to its right, for as long
    /// as those hops are trusted proxies: the first entry that is not a trusted proxy
    /// is the client. An entry that cannot be read (not an address, `ip:port` and
    /// `[v6]:port` are) ends the chain there: the last hop read is the client, since
    /// nothing left of it can be believed. Never the header on its own word.
    pub fn client_ip(&self, req: &HttpRequest) -> Option<IpAddr> {
        let peer = req.peer_addr()?.ip();
        if !self.trusts(&peer) {
            return Some(peer);
        }
        let mut entries: Vec<Option<IpAddr>> = Vec::new();
        for value in req.headers().get_all("x-forwarded-for") {
            match value.to_str() {
                Ok(text) => entries.extend(text.split(',').map(forwarded_address)),
                Err(_) => entries.push(None),
            }
        }
        let mut client = peer;
        for entry in entries.into_iter().rev() {
            let Some(ip) = entry else { break };
            client = ip;
            if !self.trusts(&ip) {
                break;
            }
        }
        Some(client)
    }
}

/// One X-Forwarded-For entry as an address: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`,
/// `[2001:db8::1]` or `[2001:db8::1]:443`; None for anything else (`unknown`, an
/// obfuscated name, garbage).
fn forwarded_address(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Ok(socket) = entry.parse::<std::net::SocketAddr>() {
        return Some(socket.ip().to_canonical());
    }
    entry
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .and_then(|inner| inner.parse::<std::net::Ipv6Addr>().ok())
        .map(|v6| IpAddr::V6(v6).to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn through_proxy(forwarded: &[&str]) -> Option<String> {
        let proxies = TrustedProxies::new(vec![
            "10.0.0.0/8".parse().unwrap(),
            "2001:db8:ffff::/48".parse().unwrap(),
        ]);
        let mut req = TestRequest::default().peer_addr("10.0.0.2:1234".parse().unwrap());
        for value in forwarded {
            req = req.append_header(("x-forwarded-for", *value));
        }
        proxies
            .client_ip(&req.to_http_request())
            .map(|ip| ip.to_string())
    }

    #[test]
    fn entries_with_ports_are_addresses() {
        assert_eq!(
            forwarded_address("198.51.100.9:4433"),
            "198.51.100.9".parse().ok()
        );
        assert_eq!(
            forwarded_address(" [2001:db8::7]:443 "),
            "2001:db8::7".parse().ok()
        );
        assert_eq!(
            forwarded_address("[2001:db8::7]"),
            "2001:db8::7".parse().ok()
        );
        assert_eq!(
            forwarded_address("::ffff:192.0.2.1"),
            "192.0.2.1".parse().ok()
        );
        assert_eq!(forwarded_address("unknown"), None);
        assert_eq!(forwarded_address("_hidden"), None);
        assert_eq!(forwarded_address(""), None);
    }

    #[test]
    fn the_client_is_the_first_untrusted_hop_from_the_right() {
        let client = through_proxy(&["6.6.6.6, 198.51.100.7:5000, 10.0.0.9"]);
        assert_eq!(client.as_deref(), Some("198.51.100.7"), "ip:port is read");
        let client = through_proxy(&["6.6.6.6", "[2001:db8::5]:443, [2001:db8:ffff::1]:80"]);
        assert_eq!(
            client.as_deref(),
            Some("2001:db8::5"),
            "across headers, v6 with ports"
        );
    }

    #[test]
    fn an_unreadable_entry_ends_the_trusted_chain() {
        // The attacker's own entry on the left never becomes the client.
        let client = through_proxy(&["6.6.6.6, garbage"]);
        assert_eq!(
            client.as_deref(),
            Some("10.0.0.2"),
            "the peer: nothing else is known"
        );
        let client = through_proxy(&["6.6.6.6, garbage, 10.0.0.7"]);
        assert_eq!(
            client.as_deref(),
            Some("10.0.0.7"),
            "the last trusted hop read"
        );
        let client = through_proxy(&["6.6.6.6, "]);
        assert_eq!(client.as_deref(), Some("10.0.0.2"), "an empty entry");
        let client = through_proxy(&[]);
        assert_eq!(client.as_deref(), Some("10.0.0.2"), "no header");
    }
}
