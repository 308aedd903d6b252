//! The mails a use case queues with its change: a security notice (the user learns at
//! once that their account's protection changed, even when someone else did it), and
//! a link to a page of the app (reset, verification, invitation). Queued on the
//! change's connection, they go out only if it commits (`mail_delivery`).

use std::sync::Arc;

use lettre::message::Mailbox;

use crate::config::{FrontendRoute, Settings};
use crate::db::{DbConnection, DbError};
use crate::i18n::Lang;
use crate::mail::{self, LinkMail, SecurityNotice};
use crate::state::AppState;

/// What writing a mail takes, moved into a transaction's closure.
#[derive(Clone)]
pub struct Letters {
    from: Mailbox,
    settings: Arc<Settings>,
}

impl Letters {
    pub fn new(state: &AppState) -> Self {
        Self {
            from: state.mailer.from().clone(),
            settings: state.settings.clone(),
        }
    }

    /// A mail carrying the app's page `route` with `?token=…` to `to`, in `lang`.
    pub fn mail_link(
        &self,
        conn: &mut DbConnection,
        to: &str,
        lang: Lang,
        kind: LinkMail,
        route: FrontendRoute,
        token: &str,
    ) -> Result<(), DbError> {
        let link = self.settings.frontend.link(route, token);
        let built = mail::link_message(&self.from, to, lang, kind, link.as_str());
        self.queue(conn, kind.label(), built)
    }

    /// A sign-in mail to `to`: the app's sign-in/email page with `?token=…` (and
    /// `callbackURL` after it when one was given) and the code.
    pub fn mail_sign_in(
        &self,
        conn: &mut DbConnection,
        to: &str,
        lang: Lang,
        token: &str,
        code: &str,
        callback: Option<&url::Url>,
    ) -> Result<(), DbError> {
        let mut link = self
            .settings
            .frontend
            .link(FrontendRoute::EmailSignIn, token);
        if let Some(callback) = callback {
            link.query_pairs_mut()
                .append_pair("callbackURL", callback.as_str());
        }
        let built = mail::sign_in_message(&self.from, to, lang, link.as_str(), code);
        self.queue(conn, "email sign-in", built)
    }

    pub fn notify(
        &self,
        conn: &mut DbConnection,
        email: &str,
        lang: Lang,
        notice: SecurityNotice,
    ) -> Result<(), DbError> {
        let link = self.settings.frontend.page(FrontendRoute::Settings);
        let built = mail::security_notice_message(&self.from, email, lang, notice, link.as_str());
        self.queue(conn, "security notice", built)
    }

    fn queue(
        &self,
        conn: &mut DbConnection,
        kind: &str,
        built: Result<lettre::Message, String>,
    ) -> Result<(), DbError> {
        crate::mail_delivery::queue(conn, self.settings.secret_key.bytes(), kind, built)
    }
}
