//! The password-reset mail.

use lettre::Message;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Mailbox, SinglePart};

/// The password-reset mail: English and Japanese, plain text, one link.
pub fn reset_message(from: &Mailbox, to: &str, link: &str) -> Result<Message, String> {
    let to: Mailbox = to.parse().map_err(|e| format!("recipient: {e}"))?;
    let body = format!(
        "Someone asked to reset the password of your account.\n\
         To choose a new password, open this link within 30 minutes:\n\n{link}\n\n\
         If it was not you, ignore this mail: your password stays as it is.\n\n\
         ---\n\n\
         パスワード再設定のリクエストを受け付けました。\n\
         30分以内に次のリンクを開いて、新しいパスワードを設定してください。\n\n{link}\n\n\
         お心当たりがない場合は、このメールを破棄してください。パスワードは変更されません。\n"
    );
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject("Reset your password / パスワードの再設定")
        // Quoted-printable keeps the link readable in a raw .eml file.
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .header(ContentTransferEncoding::QuotedPrintable)
                .body(body),
        )
        .map_err(|e| e.to_string())
}
