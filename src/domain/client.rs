//! Who is asking, as the use cases see it (read off the request in `http`).

use std::net::IpAddr;

/// The client as sessions, the audit log and the per-IP limits see it.
#[derive(Debug, Clone)]
pub struct ClientInfo {
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

impl ClientInfo {
    /// The IP as stored on session rows and audit entries.
    pub fn ip_text(&self) -> Option<String> {
        self.ip.map(|ip| ip.to_string())
    }
}
