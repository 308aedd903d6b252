//! The mail that proves an address: sent at sign-up and on request.

use lettre::Message;
use lettre::message::Mailbox;

use super::letter::{Wording, compose, in_lang};
use crate::i18n::Lang;

const EN: Wording = Wording {
    subject: "Confirm your email address",
    heading: "Confirm your email address",
    lead: "To confirm that this address is yours, open this link within 24 hours.",
    button: "Confirm my address",
    closing: "If you did not create an account, ignore this mail.",
};

const JA: Wording = Wording {
    subject: "メールアドレスの確認",
    heading: "メールアドレスの確認",
    lead: "このメールアドレスがご本人のものであることを確認するため、24時間以内に次のリンクを開いてください。",
    button: "メールアドレスを確認する",
    closing: "アカウントを作成した覚えがない場合は、このメールを破棄してください。",
};

pub fn verification_message(
    from: &Mailbox,
    to: &str,
    lang: Lang,
    link: &str,
) -> Result<Message, String> {
    compose(from, to, lang, in_lang(lang, &EN, &JA), link)
}
