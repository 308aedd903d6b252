//! One shape for every mail the server sends: a subject, a lead paragraph, one link,
//! a closing line; as plain text and as HTML (multipart/alternative), in one language.

use askama::Template;
use lettre::Message;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Mailbox, MultiPart, SinglePart};

use crate::i18n::Lang;

/// The words of one mail in one language.
pub struct Wording {
    pub subject: &'static str,
    pub heading: &'static str,
    pub lead: &'static str,
    pub button: &'static str,
    pub closing: &'static str,
}

#[derive(Template)]
#[template(path = "mail/letter.html")]
struct LetterHtml<'a> {
    lang: &'a str,
    subject: &'a str,
    heading: &'a str,
    lead: &'a str,
    button: &'a str,
    fallback: &'a str,
    link: &'a str,
    /// A one-time code the mail carries besides its link, and the words before it.
    code: Option<&'a str>,
    code_lead: &'a str,
    closing: &'a str,
}

/// The wording of a mail in `lang`, of its English and Japanese ones.
pub fn in_lang<'a>(lang: Lang, en: &'a Wording, ja: &'a Wording) -> &'a Wording {
    match lang {
        Lang::En => en,
        Lang::Ja => ja,
    }
}

pub fn compose(
    from: &Mailbox,
    to: &str,
    lang: Lang,
    wording: &Wording,
    link: &str,
) -> Result<Message, String> {
    compose_with_code(from, to, lang, wording, link, None)
}

/// The same letter, with a one-time code under the link when `code` is given.
pub fn compose_with_code(
    from: &Mailbox,
    to: &str,
    lang: Lang,
    wording: &Wording,
    link: &str,
    code: Option<&str>,
) -> Result<Message, String> {
    let to: Mailbox = to.parse().map_err(|e| format!("recipient: {e}"))?;
    let (lang_code, fallback, code_lead) = match lang {
        Lang::En => (
            "en",
            "If the button does not work, open this link:",
            "Or enter this code:",
        ),
        Lang::Ja => (
            "ja",
            "ボタンが機能しない場合は、次のリンクを開いてください。",
            "または、次のコードを入力してください。",
        ),
    };
    let code_text = code
        .map(|code| format!("{code_lead}\n\n{code}\n\n"))
        .unwrap_or_default();
    let text = format!(
        "{}\n\n{}\n\n{link}\n\n{code_text}{}\n",
        wording.heading, wording.lead, wording.closing
    );
    let html = LetterHtml {
        lang: lang_code,
        subject: wording.subject,
        heading: wording.heading,
        lead: wording.lead,
        button: wording.button,
        fallback,
        link,
        code,
        code_lead,
        closing: wording.closing,
    }
    .render()
    .map_err(|e| format!("html part: {e}"))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(wording.subject)
        .multipart(
            MultiPart::alternative()
                // Quoted-printable keeps the link readable in a raw .eml file.
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .header(ContentTransferEncoding::QuotedPrintable)
                        .body(text),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .header(ContentTransferEncoding::QuotedPrintable)
                        .body(html),
                ),
        )
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORDING: Wording = Wording {
        subject: "Subject",
        heading: "Heading",
        lead: "Lead <b>",
        button: "Go",
        closing: "Bye",
    };

    #[test]
    fn a_letter_has_a_text_and_an_escaped_html_part() {
        let from: Mailbox = "Sekisho <no-reply@localhost>".parse().unwrap();
        let link = "http://localhost:3000/verify-email?token=abc&x=1";
        let raw = compose(&from, "to@example.com", Lang::En, &WORDING, link)
            .unwrap()
            .formatted();
        // Undo quoted-printable's soft line breaks and `=3D`.
        let raw = String::from_utf8(raw)
            .unwrap()
            .replace("=\r\n", "")
            .replace("=3D", "=");
        assert!(raw.contains("multipart/alternative"));
        assert!(raw.contains("text/plain"));
        assert!(raw.contains("text/html"));
        assert!(raw.contains("Lead &#60;b&#62;"), "HTML is escaped: {raw}");
        assert!(
            raw.contains("token=abc&#38;x=1"),
            "the link, escaped in HTML"
        );
        assert!(
            raw.contains("token=abc&x=1\r\n"),
            "the link, as is in the text"
        );
    }
}
