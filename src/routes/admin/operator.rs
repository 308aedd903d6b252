//! The signed-in operator, as an extractor: no identity is a redirect to the login
//! page, a user without the admin role (or disabled since) a 403.

use actix_identity::Identity;
use actix_session::Session;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use super::error::AdminError;
use super::flash::{FlashKind, flash, take_flash};
use super::form_token;
use super::layout::Layout;
use super::text::Text;
use crate::admin::Actor;
use crate::admin::sign_in::{OperatorCheck, check_operator};
use crate::db::users::User;
use crate::domain::ClientInfo;
use crate::state::AppState;

pub struct Operator {
    pub user: User,
    pub session: Session,
    pub client: ClientInfo,
    /// The operator's language and time zone.
    pub t: Text,
    /// The page asked for, path and query.
    here: String,
}

impl Operator {
    /// This operator as their audit entries record them.
    pub fn actor(&self) -> Actor {
        Actor::operator(
            self.user.id.clone(),
            self.user.email.clone(),
            self.client.ip_text(),
        )
    }

    /// The layout of a page for this operator (takes the pending flash message).
    pub fn layout(&self) -> Result<Layout, AdminError> {
        Ok(Layout {
            operator: self.user.email.clone(),
            csrf: form_token::token(&self.session)?,
            flash: take_flash(&self.session),
            here: self.here.clone(),
        })
    }

    /// Shows the catalog's `key` on the next page this operator sees.
    pub fn flash(&self, kind: FlashKind, key: &str) {
        flash(&self.session, kind, self.t.get(key));
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
            let user = match check_operator(&state.pool, user_id).await? {
                OperatorCheck::Allowed(user) => *user,
                OperatorCheck::Gone => return Err(AdminError::LoginRequired),
                OperatorCheck::Forbidden => return Err(AdminError::Forbidden),
            };
            Ok(Operator {
                user,
                session,
                client: ClientInfo::from_request(&req, &state.proxies),
                t: Text::of(&req),
                here: req
                    .uri()
                    .path_and_query()
                    .map_or_else(|| "/admin".to_owned(), |p| p.as_str().to_owned()),
            })
        })
    }
}
