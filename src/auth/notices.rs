//! Security notices: a mail telling the user, after a change committed, that their
//! account's protection changed (someone who did not do it learns it at once).

use crate::i18n::Lang;
use crate::mail::{self, SecurityNotice};
use crate::state::AppState;

pub fn notify(state: &AppState, email: &str, lang: Lang, notice: SecurityNotice) {
    let link = super::frontend_link::frontend_page(&state.settings.frontend.url, "settings");
    let built = mail::security_notice_message(state.mailer.from(), email, lang, notice, &link);
    state.mailer.send_built("security notice", built);
}
