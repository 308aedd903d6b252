//! Mails that tell a user their account's protection changed: a second factor turned
//! on or off (by them or by an operator), a recovery code spent, new recovery codes,
//! a passkey added or removed.
//! Someone who did not do it learns it at once; the link goes to the app's settings.

use lettre::Message;
use lettre::message::Mailbox;

use super::letter::{Wording, compose, in_lang};
use crate::i18n::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityNotice {
    TwoFactorEnabled,
    TwoFactorDisabled,
    RecoveryCodeUsed,
    RecoveryCodesRenewed,
    /// An operator turned the second factor off.
    TwoFactorReset,
    PasskeyAdded,
    PasskeyRemoved,
    /// An operator deleted one of the user's passkeys.
    PasskeyDeletedByOperator,
    /// The owner of the address signed in with a provider and took over an account
    /// that had been made with it but never confirmed.
    AccountReclaimed,
    /// Someone signed in asked to move the account to another address (to the old one).
    EmailChangeRequested,
}

const CLOSING_EN: &str =
    "If this was not you, change your password now and turn two-step verification on again.";
const CLOSING_JA: &str =
    "お心当たりがない場合は、すぐにパスワードを変更し、2段階認証を再び有効にしてください。";

const PASSKEY_CLOSING_EN: &str = "If this was not you, review your passkeys in your security settings and change your password now.";
const PASSKEY_CLOSING_JA: &str = "お心当たりがない場合は、セキュリティ設定でパスキーを確認し、すぐにパスワードを変更してください。";

/// A passkey notice: the same wording, with the passkey closing.
const fn about_passkeys(en: Wording, ja: Wording) -> (Wording, Wording) {
    (
        Wording {
            closing: PASSKEY_CLOSING_EN,
            ..en
        },
        Wording {
            closing: PASSKEY_CLOSING_JA,
            ..ja
        },
    )
}

const fn en(subject: &'static str, lead: &'static str) -> Wording {
    Wording {
        subject,
        heading: subject,
        lead,
        button: "Review your security settings",
        closing: CLOSING_EN,
    }
}

const fn ja(subject: &'static str, lead: &'static str) -> Wording {
    Wording {
        subject,
        heading: subject,
        lead,
        button: "セキュリティ設定を確認する",
        closing: CLOSING_JA,
    }
}

const ENABLED: (Wording, Wording) = (
    en(
        "Two-step verification is on",
        "Signing in to your account now also asks for a code from your authenticator app.",
    ),
    ja(
        "2段階認証が有効になりました",
        "今後のサインインでは、認証アプリのコードも求められます。",
    ),
);
const DISABLED: (Wording, Wording) = (
    en(
        "Two-step verification is off",
        "Signing in to your account no longer asks for a code.",
    ),
    ja(
        "2段階認証が無効になりました",
        "今後のサインインでは、コードは求められません。",
    ),
);
const CODE_USED: (Wording, Wording) = (
    en(
        "A recovery code was used",
        "Someone signed in to your account with one of your recovery codes. Each code works once.",
    ),
    ja(
        "リカバリーコードが使われました",
        "リカバリーコードのひとつを使ってアカウントにサインインがありました。各コードは1回だけ使えます。",
    ),
);
const RENEWED: (Wording, Wording) = (
    en(
        "New recovery codes",
        "New recovery codes were made for your account; the old ones no longer work.",
    ),
    ja(
        "新しいリカバリーコード",
        "アカウントの新しいリカバリーコードが作られました。以前のコードは使えなくなりました。",
    ),
);
const RESET: (Wording, Wording) = (
    en(
        "Two-step verification was reset",
        "An operator turned two-step verification off for your account and signed you out everywhere.",
    ),
    ja(
        "2段階認証がリセットされました",
        "管理者がアカウントの2段階認証を無効にし、すべての端末からサインアウトさせました。",
    ),
);

const PASSKEY_ADDED: (Wording, Wording) = about_passkeys(
    en(
        "A passkey was added",
        "A new passkey can now sign in to your account without a password.",
    ),
    ja(
        "パスキーが追加されました",
        "新しいパスキーで、パスワードなしでアカウントにサインインできるようになりました。",
    ),
);
const PASSKEY_REMOVED: (Wording, Wording) = about_passkeys(
    en(
        "A passkey was removed",
        "One of your passkeys was removed from your account and can no longer sign in.",
    ),
    ja(
        "パスキーが削除されました",
        "アカウントからパスキーがひとつ削除され、そのパスキーではサインインできなくなりました。",
    ),
);
const PASSKEY_DELETED: (Wording, Wording) = about_passkeys(
    en(
        "A passkey was deleted by an operator",
        "An operator deleted one of your passkeys and signed you out everywhere.",
    ),
    ja(
        "管理者がパスキーを削除しました",
        "管理者がパスキーをひとつ削除し、すべての端末からサインアウトさせました。",
    ),
);

const RECLAIMED: (Wording, Wording) = (
    Wording {
        subject: "Your account is now yours alone",
        heading: "Your account is now yours alone",
        lead: "You signed in with a provider that confirmed this address. An account had been made with it before, and its address was never confirmed, so whoever made it may not have been you: its password, sessions, two-step verification, passkeys and other linked sign-ins were removed.",
        button: "Review your security settings",
        closing: "If you made that account yourself, set a password again with \"Forgot password\" and add your passkeys and two-step verification again.",
    },
    Wording {
        subject: "アカウントをあなた専用にしました",
        heading: "アカウントをあなた専用にしました",
        lead: "このメールアドレスを確認済みのプロバイダーでサインインしました。以前このアドレスで作られたアカウントがあり、アドレスが確認されていなかったため、作成者があなたではない可能性があります。そのため、パスワード、セッション、2段階認証、パスキー、その他の連携サインインを削除しました。",
        button: "セキュリティ設定を確認する",
        closing: "そのアカウントをご自身で作成していた場合は、「パスワードをお忘れの方」からパスワードを設定し直し、パスキーと2段階認証を再度追加してください。",
    },
);

const EMAIL_CHANGE_REQUESTED: (Wording, Wording) = (
    Wording {
        subject: "A new email address was asked for your account",
        heading: "A new email address was asked for your account",
        lead: "Someone signed in to your account asked to change its email address. A link went to the new address; the change happens only if it is opened within 24 hours.",
        button: "Review your security settings",
        closing: "If this was not you, change your password now: that cancels the change and signs out every other session.",
    },
    Wording {
        subject: "メールアドレスの変更が申請されました",
        heading: "メールアドレスの変更が申請されました",
        lead: "あなたのアカウントにサインインした人が、メールアドレスの変更を申請しました。新しいアドレスに確認リンクを送りました。24時間以内にリンクが開かれた場合にのみ変更されます。",
        button: "セキュリティ設定を確認する",
        closing: "お心当たりがない場合は、すぐにパスワードを変更してください。変更は取り消され、他のすべてのセッションはサインアウトされます。",
    },
);

pub fn security_notice_message(
    from: &Mailbox,
    to: &str,
    lang: Lang,
    notice: SecurityNotice,
    link: &str,
) -> Result<Message, String> {
    let (en, ja) = match notice {
        SecurityNotice::TwoFactorEnabled => &ENABLED,
        SecurityNotice::TwoFactorDisabled => &DISABLED,
        SecurityNotice::RecoveryCodeUsed => &CODE_USED,
        SecurityNotice::RecoveryCodesRenewed => &RENEWED,
        SecurityNotice::TwoFactorReset => &RESET,
        SecurityNotice::PasskeyAdded => &PASSKEY_ADDED,
        SecurityNotice::PasskeyRemoved => &PASSKEY_REMOVED,
        SecurityNotice::PasskeyDeletedByOperator => &PASSKEY_DELETED,
        SecurityNotice::AccountReclaimed => &RECLAIMED,
        SecurityNotice::EmailChangeRequested => &EMAIL_CHANGE_REQUESTED,
    };
    compose(from, to, lang, in_lang(lang, en, ja), link)
}
