//! Who is asking, read off the request: the client's IP (honouring X-Forwarded-For
//! only from trusted proxies) and user agent, as recorded on sessions and in the audit
//! log.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::{Ready, ready};

use crate::config::TrustedProxies;
use crate::domain::ClientInfo;
use crate::error::ApiError;
use crate::state::AppState;

const MAX_USER_AGENT: usize = 512;

pub fn user_agent(req: &HttpRequest) -> Option<String> {
    let ua = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)?
        .to_str()
        .ok()?;
    Some(ua.chars().take(MAX_USER_AGENT).collect())
}

// `ClientInfo` is plain data for the use cases (`domain`); reading it off a request is
// this adapter's job.
impl ClientInfo {
    pub fn from_request(req: &HttpRequest, proxies: &TrustedProxies) -> Self {
        Self {
            ip: proxies.client_ip(req),
            user_agent: user_agent(req),
        }
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
