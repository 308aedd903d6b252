//! The mails that carry one link for the user to open: a password reset, an address
//! verification, an operator's invitation to choose a first password. One shape
//! (`letter`), each kind its words.

use lettre::Message;
use lettre::message::Mailbox;

use super::letter::{Wording, compose, compose_with_code, in_lang};
use crate::i18n::Lang;

/// Which link a mail carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkMail {
    /// Someone asked to reset the password (30 minutes).
    Reset,
    /// The address is to be proven (24 hours).
    Verification,
    /// An operator created the account: choose a first password (7 days).
    Invitation,
    /// The user asked for this address to become the account's (24 hours).
    EmailChange,
}

impl LinkMail {
    /// What the mailer's log and metrics call it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Reset => "reset",
            Self::Verification => "verification",
            Self::Invitation => "invitation",
            Self::EmailChange => "email change",
        }
    }

    fn wording(self, lang: Lang) -> &'static Wording {
        match self {
            Self::Reset => in_lang(lang, &RESET_EN, &RESET_JA),
            Self::Verification => in_lang(lang, &VERIFICATION_EN, &VERIFICATION_JA),
            Self::Invitation => in_lang(lang, &INVITATION_EN, &INVITATION_JA),
            Self::EmailChange => in_lang(lang, &EMAIL_CHANGE_EN, &EMAIL_CHANGE_JA),
        }
    }
}

/// The mail of `kind` to `to`, in `lang`, carrying `link`.
pub fn link_message(
    from: &Mailbox,
    to: &str,
    lang: Lang,
    kind: LinkMail,
    link: &str,
) -> Result<Message, String> {
    compose(from, to, lang, kind.wording(lang), link)
}

/// The mail of a sign-in by email: its link, and the code to type instead.
pub fn sign_in_message(
    from: &Mailbox,
    to: &str,
    lang: Lang,
    link: &str,
    code: &str,
) -> Result<Message, String> {
    let wording = in_lang(lang, &SIGN_IN_EN, &SIGN_IN_JA);
    compose_with_code(from, to, lang, wording, link, Some(code))
}

const SIGN_IN_EN: Wording = Wording {
    subject: "Your sign-in link",
    heading: "Sign in",
    lead: "To sign in, open this link within 10 minutes. It works once.",
    button: "Sign in",
    closing: "If you did not ask to sign in, ignore this mail: nobody can sign in without it.",
};

const SIGN_IN_JA: Wording = Wording {
    subject: "サインイン用リンク",
    heading: "サインイン",
    lead: "10分以内に次のリンクを開いてサインインしてください。リンクは1回だけ使えます。",
    button: "サインインする",
    closing: "サインインを申請した覚えがない場合は、このメールを破棄してください。このメールがなければ誰もサインインできません。",
};

const RESET_EN: Wording = Wording {
    subject: "Reset your password",
    heading: "Reset your password",
    lead: "Someone asked to reset the password of your account. To choose a new password, open this link within 30 minutes.",
    button: "Choose a new password",
    closing: "If it was not you, ignore this mail: your password stays as it is.",
};

const RESET_JA: Wording = Wording {
    subject: "パスワードの再設定",
    heading: "パスワードの再設定",
    lead: "パスワード再設定のリクエストを受け付けました。30分以内に次のリンクを開いて、新しいパスワードを設定してください。",
    button: "新しいパスワードを設定する",
    closing: "お心当たりがない場合は、このメールを破棄してください。パスワードは変更されません。",
};

const VERIFICATION_EN: Wording = Wording {
    subject: "Confirm your email address",
    heading: "Confirm your email address",
    lead: "To confirm that this address is yours, open this link within 24 hours.",
    button: "Confirm my address",
    closing: "If you did not create an account, ignore this mail.",
};

const VERIFICATION_JA: Wording = Wording {
    subject: "メールアドレスの確認",
    heading: "メールアドレスの確認",
    lead: "このメールアドレスがご本人のものであることを確認するため、24時間以内に次のリンクを開いてください。",
    button: "メールアドレスを確認する",
    closing: "アカウントを作成した覚えがない場合は、このメールを破棄してください。",
};

const INVITATION_EN: Wording = Wording {
    subject: "Your new account",
    heading: "Choose your password",
    lead: "An operator created an account for you with this address. To start using it, open this link within 7 days and choose your password.",
    button: "Choose my password",
    closing: "If you did not expect this, ignore this mail: nobody can sign in to the account until a password is chosen.",
};

const INVITATION_JA: Wording = Wording {
    subject: "アカウントが作成されました",
    heading: "パスワードを設定してください",
    lead: "運用者があなたのメールアドレスでアカウントを作成しました。7日以内に次のリンクを開いて、パスワードを設定してください。",
    button: "パスワードを設定する",
    closing: "お心当たりがない場合は、このメールを破棄してください。パスワードが設定されるまで、誰もこのアカウントにサインインできません。",
};

const EMAIL_CHANGE_EN: Wording = Wording {
    subject: "Confirm your new email address",
    heading: "Confirm your new email address",
    lead: "You asked for this address to become the one of your account. To make the change, open this link within 24 hours; until then your account keeps its current address.",
    button: "Use this address",
    closing: "If you did not ask for this, ignore this mail: nothing changes.",
};

const EMAIL_CHANGE_JA: Wording = Wording {
    subject: "新しいメールアドレスの確認",
    heading: "新しいメールアドレスの確認",
    lead: "アカウントのメールアドレスをこのアドレスに変更するリクエストを受け付けました。24時間以内に次のリンクを開くと変更されます。それまでは現在のアドレスのままです。",
    button: "このアドレスに変更する",
    closing: "お心当たりがない場合は、このメールを破棄してください。何も変更されません。",
};
