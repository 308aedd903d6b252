//! One address's share of the open connections (MAX_CONNECTIONS_PER_IP). Without it,
//! one client could open every connection the cap allows and keep everyone else
//! waiting in the listen backlog for as long as it liked. Connections are counted by
//! the address the limits use (an IPv6 client's whole network of IPV6_PREFIX_LENGTH
//! bits); trusted proxies are not limited, since each carries many clients.
//! Refusals are counted in a metric and logged at most once a minute per address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ipnet::IpNet;
use prometheus_client::metrics::counter::Counter;

use crate::limits::throttle::limit_subject;

const LOG_EVERY: Duration = Duration::from_secs(60);
/// Past this many addresses remembered for the log, those logged over a minute ago
/// are forgotten.
const SWEEP_AT: usize = 10_000;

/// Who is exempt, how many each address may hold, and how addresses are grouped.
#[derive(Debug, Clone)]
pub struct ShareRules {
    pub per_address: usize,
    pub exempt: Vec<IpNet>,
    pub ipv6_prefix: u8,
}

pub struct AddressShares {
    rules: ShareRules,
    books: Mutex<Books>,
    refused: Counter,
}

#[derive(Default)]
struct Books {
    open: HashMap<IpAddr, usize>,
    /// When each refused address was last logged, and its refusals since.
    logged: HashMap<IpAddr, (Instant, u64)>,
}

/// A connection counted against its address; gives the place back when dropped.
pub struct Slot {
    shares: Arc<AddressShares>,
    subject: Option<IpAddr>,
}

impl AddressShares {
    pub fn new(rules: ShareRules, refused: Counter) -> Self {
        Self {
            rules,
            books: Mutex::new(Books::default()),
            refused,
        }
    }

    /// A place for a connection from `peer`, or None when its address holds its share
    /// already (refused: counted and, once a minute, logged).
    pub fn admit(self: &Arc<Self>, peer: IpAddr) -> Option<Slot> {
        if self.rules.exempt.iter().any(|net| net.contains(&peer)) {
            return Some(Slot {
                shares: self.clone(),
                subject: None,
            });
        }
        let subject = limit_subject(peer, self.rules.ipv6_prefix);
        let Ok(mut books) = self.books.lock() else {
            // A poisoned lock means a panic elsewhere; serving beats refusing everyone.
            return Some(Slot {
                shares: self.clone(),
                subject: None,
            });
        };
        let open = books.open.entry(subject).or_insert(0);
        if *open < self.rules.per_address {
            *open += 1;
            return Some(Slot {
                shares: self.clone(),
                subject: Some(subject),
            });
        }
        self.refused.inc();
        books.note_refusal(subject, self.rules.per_address);
        None
    }

    /// Connections `peer`'s address holds now.
    #[cfg(test)]
    fn open_from(&self, peer: IpAddr) -> usize {
        let subject = limit_subject(peer, self.rules.ipv6_prefix);
        self.books
            .lock()
            .map(|books| books.open.get(&subject).copied().unwrap_or(0))
            .unwrap_or(0)
    }

    fn release(&self, subject: IpAddr) {
        let Ok(mut books) = self.books.lock() else {
            return;
        };
        if let Some(open) = books.open.get_mut(&subject) {
            *open = open.saturating_sub(1);
            if *open == 0 {
                books.open.remove(&subject);
            }
        }
    }
}

impl Books {
    fn note_refusal(&mut self, subject: IpAddr, share: usize) {
        let now = Instant::now();
        if self.logged.len() > SWEEP_AT {
            self.logged
                .retain(|_, (at, _)| now.duration_since(*at) < LOG_EVERY);
        }
        let entry = self.logged.entry(subject).or_insert((now - LOG_EVERY, 0));
        entry.1 += 1;
        if now.duration_since(entry.0) >= LOG_EVERY {
            log::warn!(
                "connections from {subject} refused: it holds its share of {share} open \
                 connections (MAX_CONNECTIONS_PER_IP); {} refused since the last report",
                entry.1
            );
            *entry = (now, 0);
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(subject) = self.subject {
            self.shares.release(subject);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shares(per_address: usize, exempt: &[&str]) -> Arc<AddressShares> {
        Arc::new(AddressShares::new(
            ShareRules {
                per_address,
                exempt: exempt.iter().filter_map(|n| n.parse().ok()).collect(),
                ipv6_prefix: 64,
            },
            Counter::default(),
        ))
    }

    fn ip(text: &str) -> IpAddr {
        text.parse()
            .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
    }

    #[test]
    fn an_address_holds_its_share_and_no_more_until_one_closes() {
        let shares = shares(2, &[]);
        let first = shares.admit(ip("192.0.2.1"));
        let second = shares.admit(ip("192.0.2.1"));
        assert!(first.is_some() && second.is_some());
        assert!(
            shares.admit(ip("192.0.2.1")).is_none(),
            "a third is refused"
        );
        assert!(
            shares.admit(ip("192.0.2.2")).is_some(),
            "another address is not"
        );
        drop(first);
        assert_eq!(shares.open_from(ip("192.0.2.1")), 1);
        assert!(shares.admit(ip("192.0.2.1")).is_some(), "a place came free");
        assert_eq!(shares.refused.get(), 1);
    }

    #[test]
    fn ipv6_addresses_of_one_network_share_one_allowance() {
        let shares = shares(2, &[]);
        let _a = shares.admit(ip("2001:db8:1:2::1"));
        let _b = shares.admit(ip("2001:db8:1:2:ffff::9"));
        assert!(
            shares.admit(ip("2001:db8:1:2::abcd")).is_none(),
            "the same /64"
        );
        assert!(
            shares.admit(ip("2001:db8:1:3::1")).is_some(),
            "the next /64"
        );
        let _mapped = shares.admit(ip("::ffff:192.0.2.7"));
        let _plain = shares.admit(ip("192.0.2.7"));
        assert!(
            shares.admit(ip("192.0.2.7")).is_none(),
            "an IPv4-mapped address is its IPv4 address"
        );
    }

    #[test]
    fn trusted_proxies_are_not_limited() {
        let shares = shares(1, &["10.0.0.0/8"]);
        let held: Vec<_> = (0..5).map(|_| shares.admit(ip("10.1.2.3"))).collect();
        assert!(held.iter().all(Option::is_some));
        assert_eq!(shares.open_from(ip("10.1.2.3")), 0, "not counted at all");
    }
}
