//! The signed-in operator, as an extractor: no identity is a redirect to the login
//! page, a user without the admin role (or disabled since) a 403.

use actix_identity::Identity;
use actix_session::Session;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use super::error::AdminError;
use super::flash::take_flash;
use super::form_token;
use super::layout::Layout;
use crate::auth::client_info::ClientInfo;
use crate::db::{self, users, users::User};
use crate::state::AppState;

pub struct Operator {
    pub user: User,
    pub session: Session,
    pub client: ClientInfo,
}

impl Operator {
    /// The layout of a page for this operator (takes the pending flash message).
    pub fn layout(&self) -> Result<Layout, AdminError> {
        Ok(Layout {
            operator: self.user.email.clone(),
            csrf: form_token::token(&self.session)?,
            flash: take_flash(&self.session),
        })
    }
}

impl FromRequest for Operator {
    type Error = AdminError;
    type Future = LocalBoxFuture<'static, Result<Self, AdminError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let identity = Identity::from_request(&req, payload).into_inner();
        let session = Session::from_request(&req, payload).into_inner();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| AdminError::internal("AppState missing"))?;
            let session = session.map_err(|e| AdminError::internal(e.to_string()))?;
            let user_id = identity
                .ok()
                .and_then(|identity| identity.id().ok())
                .ok_or(AdminError::LoginRequired)?;
            let user = db::run(&state.pool, move |conn| {
                Ok(users::find_by_id(conn, &user_id)?)
            })
            .await?;
            let Some(user) = user.filter(|u| u.deleted_at.is_none()) else {
                return Err(AdminError::LoginRequired);
            };
            if !user.is_admin() || user.disabled_at.is_some() {
                return Err(AdminError::Forbidden);
            }
            Ok(Operator {
                user,
                session,
                client: ClientInfo::from_request(&req, &state.proxies),
            })
        })
    }
}
