//! The mail to a user an operator created: a link to choose their first password.

use lettre::Message;
use lettre::message::Mailbox;

use super::letter::{Wording, compose, in_lang};
use crate::i18n::Lang;

const EN: Wording = Wording {
    subject: "Your new account",
    heading: "Choose your password",
    lead: "An operator created an account for you with this address. To start using it, open this link within 7 days and choose your password.",
    button: "Choose my password",
    closing: "If you did not expect this, ignore this mail: nobody can sign in to the account until a password is chosen.",
};

const JA: Wording = Wording {
    subject: "アカウントが作成されました",
    heading: "パスワードを設定してください",
    lead: "運用者があなたのメールアドレスでアカウントを作成しました。7日以内に次のリンクを開いて、パスワードを設定してください。",
    button: "パスワードを設定する",
    closing: "お心当たりがない場合は、このメールを破棄してください。パスワードが設定されるまで、誰もこのアカウントにサインインできません。",
};

/// The invitation in `lang`.
pub fn invitation_message(
    from: &Mailbox,
    to: &str,
    lang: Lang,
    link: &str,
) -> Result<Message, String> {
    compose(from, to, lang, in_lang(lang, &EN, &JA), link)
}
