//! A mail as a person reads it from the outbox folder (no SMTP_URL): its
//! quoted-printable parts decoded and marked 8bit, so that a link is one line to copy,
//! not one broken by soft line breaks and `=3D`. Only for files: what goes by SMTP
//! keeps its 7-bit-safe encoding.

/// The mail with every quoted-printable part decoded; the links of its text parts.
pub struct Readable {
    pub eml: Vec<u8>,
    pub links: Vec<String>,
}

pub fn readable(raw: &[u8]) -> Readable {
    let text = String::from_utf8_lossy(raw);
    let mut out = String::with_capacity(text.len());
    let mut links = Vec::new();
    let mut in_headers = true;
    let mut part_is_qp = false;
    let mut part_is_text = false;
    let mut body: Vec<&str> = Vec::new();
    // Only the multipart's own delimiter lines end a part: a body line may start with
    // `--` too (a signature, CSS).
    let delimiter = boundary(&text).map(|b| format!("--{b}"));
    let is_delimiter = |line: &str| {
        delimiter.as_deref().is_some_and(|d| {
            line.strip_prefix(d)
                .is_some_and(|rest| rest.is_empty() || rest == "--")
        })
    };
    for line in text.split("\r\n") {
        if is_delimiter(line) {
            flush(&mut out, &mut body, part_is_qp, part_is_text, &mut links);
            out.push_str(line);
            out.push_str("\r\n");
            in_headers = true;
            part_is_qp = false;
            part_is_text = false;
            continue;
        }
        if in_headers {
            let lower = line.to_ascii_lowercase();
            if lower.starts_with("content-transfer-encoding:") && lower.contains("quoted-printable")
            {
                part_is_qp = true;
                out.push_str("Content-Transfer-Encoding: 8bit\r\n");
                continue;
            }
            if lower.starts_with("content-type: text/plain") {
                part_is_text = true;
            }
            if line.is_empty() {
                in_headers = false;
            }
            out.push_str(line);
            out.push_str("\r\n");
            continue;
        }
        body.push(line);
    }
    flush(&mut out, &mut body, part_is_qp, part_is_text, &mut links);
    // split() leaves one "\r\n" too many after the last line.
    if out.ends_with("\r\n") && !text.ends_with("\r\n") {
        out.truncate(out.len() - 2);
    }
    Readable {
        eml: out.into_bytes(),
        links,
    }
}

/// The `boundary` parameter of the mail's own Content-Type (in its header block).
fn boundary(text: &str) -> Option<&str> {
    let headers = text.split("\r\n\r\n").next()?;
    let at = headers.find("boundary=\"")? + "boundary=\"".len();
    let rest = headers.get(at..)?;
    rest.split('"').next().filter(|b| !b.is_empty())
}

/// Writes a part's body, decoded when it was quoted-printable; collects its links.
fn flush(out: &mut String, body: &mut Vec<&str>, qp: bool, text: bool, links: &mut Vec<String>) {
    if body.is_empty() {
        return;
    }
    let joined = body.join("\r\n");
    body.clear();
    let decoded = if qp {
        quoted_printable::decode(joined.as_bytes(), quoted_printable::ParseMode::Robust)
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or(joined)
    } else {
        joined
    };
    if text {
        links.extend(
            decoded
                .split_whitespace()
                .filter(|word| word.starts_with("https://") || word.starts_with("http://"))
                .map(str::to_owned),
        );
    }
    out.push_str(&decoded);
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::readable;
    use crate::i18n::Lang;
    use crate::mail::{LinkMail, link_message};

    #[test]
    fn a_filed_mail_shows_its_link_whole_and_names_it() {
        let from = "Sekisho <auth@example.com>".parse().expect("mailbox");
        let link = "http://localhost:3000/verify-email?token=Abc-123_xyz&callbackURL=http%3A%2F%2Flocalhost%3A3000%2Fa-rather-long-path-that-makes-the-line-wrap";
        let message = link_message(
            &from,
            "user@example.com",
            Lang::Ja,
            LinkMail::Verification,
            link,
        )
        .expect("a mail");
        let raw = message.formatted();
        assert!(
            !String::from_utf8_lossy(&raw).contains(link),
            "the raw mail wraps it"
        );
        let filed = readable(&raw);
        let text = String::from_utf8(filed.eml).expect("UTF-8");
        assert!(text.contains(&format!("\r\n{link}\r\n")), "{text}");
        assert!(
            text.contains(
                "href=\"http://localhost:3000/verify-email?token=Abc-123_xyz&#38;callbackURL"
            ),
            "{text}"
        );
        assert!(!text.contains("quoted-printable"), "{text}");
        assert!(text.contains("Content-Transfer-Encoding: 8bit"), "{text}");
        assert!(text.contains("メール"), "Japanese is readable: {text}");
        assert!(text.contains("Subject: "), "{text}");
        assert_eq!(filed.links, vec![link.to_owned()]);
    }

    #[test]
    fn only_the_mails_own_delimiter_ends_a_part() {
        let raw = "Content-Type: multipart/alternative;\r\n boundary=\"B1\"\r\n\r\n--B1\r\n\
                   Content-Type: text/plain; charset=utf-8\r\n\
                   Content-Transfer-Encoding: quoted-printable\r\n\r\n\
                   Open https://example.com/verify-email?token=3Dab=\r\ncd\r\n-- \r\nSekisho\r\n--B1--\r\n";
        let filed = readable(raw.as_bytes());
        let text = String::from_utf8(filed.eml).expect("UTF-8");
        // (quoted-printable drops a line's trailing space)
        assert!(
            text.contains("token=abcd\r\n--\r\nSekisho\r\n--B1--"),
            "{text}"
        );
        assert_eq!(
            filed.links,
            vec!["https://example.com/verify-email?token=abcd".to_owned()]
        );
    }
}
