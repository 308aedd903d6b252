//! The log: env_logger's usual line (`[time LEVEL target] message`), with every
//! control character of the message written as an escape. Messages carry values from
//! outside (a path segment, a provider's `error=`, a User-Agent): a `%0a` decoded into
//! one of them wrote a forged line of its own, and an ANSI escape could repaint an
//! operator's terminal. Escaping where the line is written covers every value logged,
//! wherever it comes from.

use std::fmt::{self, Write as _};
use std::io::Write as _;

/// Starts the logger (RUST_LOG, default `info`).
pub fn init() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .format(|buf, record| {
            let level = buf.default_level_style(record.level());
            writeln!(
                buf,
                "[{} {level}{:<5}{level:#} {}] {}",
                buf.timestamp(),
                record.level(),
                record.target(),
                Escaped(record.args())
            )
        })
        .init();
}

/// `value` as text with its control characters escaped: `\n`, `\r`, `\t`, and
/// `\u{…}` for the others (C0, DEL, C1) and the Unicode line and paragraph separators.
pub struct Escaped<T>(pub T);

impl<T: fmt::Display> fmt::Display for Escaped<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        EscapingWriter(f).write_fmt(format_args!("{}", self.0))
    }
}

struct EscapingWriter<'a, 'b>(&'a mut fmt::Formatter<'b>);

impl fmt::Write for EscapingWriter<'_, '_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut plain = 0;
        for (at, c) in s.char_indices() {
            if !c.is_control() && c != '\u{2028}' && c != '\u{2029}' {
                continue;
            }
            self.0.write_str(&s[plain..at])?;
            match c {
                '\n' => self.0.write_str("\\n")?,
                '\r' => self.0.write_str("\\r")?,
                '\t' => self.0.write_str("\\t")?,
                other => write!(self.0, "\\u{{{:x}}}", u32::from(other))?,
            }
            plain = at + c.len_utf8();
        }
        self.0.write_str(&s[plain..])
    }
}

#[cfg(test)]
mod tests {
    use super::Escaped;

    #[test]
    fn control_characters_cannot_start_a_line_of_their_own() {
        let forged = "google\n[2026-12-06T00:00:00Z INFO  sekisho] admin logged in\r";
        let written = Escaped(forged).to_string();
        assert!(
            !written.contains('\n') && !written.contains('\r'),
            "{written}"
        );
        assert_eq!(
            written,
            "google\\n[2026-12-06T00:00:00Z INFO  sekisho] admin logged in\\r"
        );
        assert_eq!(
            Escaped("a\u{1b}[31mred\u{7f}\u{85}\u{2028}b\tc").to_string(),
            "a\\u{1b}[31mred\\u{7f}\\u{85}\\u{2028}b\\tc"
        );
        assert_eq!(
            Escaped("田中 ok").to_string(),
            "田中 ok",
            "text passes as it is"
        );
    }
}
