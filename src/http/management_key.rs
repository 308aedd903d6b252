//! The management API's caller: `Authorization: Bearer sk_…`, checked as a live
//! management key (`admin::management_keys::check`). Nothing else is accepted here (a
//! user's session or token is not a key), and a key is accepted nowhere else.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use super::origin_check;
use crate::admin::Actor;
use crate::admin::management_keys::{self, KeyHolder};
use crate::domain::{ClientInfo, ManagementScope};
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// A request made with a live management key.
pub struct ManagementCaller {
    pub key: KeyHolder,
    pub client: ClientInfo,
}

impl ManagementCaller {
    /// 403 FORBIDDEN unless the key has `scope`.
    pub fn require(&self, scope: ManagementScope) -> Result<(), ApiError> {
        if self.key.allows(scope) {
            return Ok(());
        }
        Err(ApiError::new(ErrorCode::Forbidden)
            .with_cause(format!("management key `{}` lacks {scope}", self.key.name)))
    }

    /// The key as the actor of the panel's use cases (audited under its name).
    pub fn actor(&self) -> Actor {
        self.key.actor(self.client.ip_text())
    }
}

impl FromRequest for ManagementCaller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| ApiError::internal("AppState missing"))?;
            let client = ClientInfo::from_request(&req, &state.proxies);
            let Some(presented) = origin_check::bearer_token(&req) else {
                return Err(ApiError::new(ErrorCode::Unauthorized));
            };
            let key = management_keys::check(state, presented, client.ip).await?;
            Ok(Self { key, client })
        })
    }
}
