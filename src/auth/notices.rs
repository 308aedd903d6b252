//! The mails a use case sends once its change committed: a security notice (the
//! user learns at once that their account's protection changed, even when someone
//! else did it), and a link to a page of the app (reset, verification, invitation).

use crate::i18n::Lang;
use crate::mail::{self, LinkMail, SecurityNotice};
use crate::state::AppState;

/// A mail carrying `{FRONTEND_URL}/{page}?token=…` to `to`, in `lang`.
pub fn mail_link(state: &AppState, to: &str, lang: Lang, kind: LinkMail, page: &str, token: &str) {
    let link = super::frontend_link::frontend_link(&state.settings.frontend.url, page, token);
    let built = mail::link_message(state.mailer.from(), to, lang, kind, &link);
    state.mailer.send_built(kind.label(), built);
}

pub fn notify(state: &AppState, email: &str, lang: Lang, notice: SecurityNotice) {
    let link = super::frontend_link::frontend_page(&state.settings.frontend.url, "settings");
    let built = mail::security_notice_message(state.mailer.from(), email, lang, notice, &link);
    state.mailer.send_built("security notice", built);
}
