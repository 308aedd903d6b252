//! The password-reset mail.

use lettre::Message;
use lettre::message::Mailbox;

use super::letter::{Wording, compose, in_lang};
use crate::i18n::Lang;

const EN: Wording = Wording {
    subject: "Reset your password",
    heading: "Reset your password",
    lead: "Someone asked to reset the password of your account. To choose a new password, open this link within 30 minutes.",
    button: "Choose a new password",
    closing: "If it was not you, ignore this mail: your password stays as it is.",
};

const JA: Wording = Wording {
    subject: "パスワードの再設定",
    heading: "パスワードの再設定",
    lead: "パスワード再設定のリクエストを受け付けました。30分以内に次のリンクを開いて、新しいパスワードを設定してください。",
    button: "新しいパスワードを設定する",
    closing: "お心当たりがない場合は、このメールを破棄してください。パスワードは変更されません。",
};

/// The password-reset mail in the language of the request that asked for it.
pub fn reset_message(from: &Mailbox, to: &str, lang: Lang, link: &str) -> Result<Message, String> {
    compose(from, to, lang, in_lang(lang, &EN, &JA), link)
}
