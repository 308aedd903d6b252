//! The log. LOG_FORMAT=text (the default): env_logger's usual line (`[time LEVEL
//! target] message`), with every control character of the message written as an
//! escape. Messages carry values from outside (a path segment, a provider's `error=`,
//! a User-Agent): a `%0a` decoded into one of them wrote a forged line of its own, and
//! an ANSI escape could repaint an operator's terminal. Escaping where the line is
//! written covers every value logged, wherever it comes from.
//!
//! LOG_FORMAT=json: one JSON object a line (`timestamp`, `level`, `target`, `message`,
//! and the record's key-values: a request's `requestId`, `method`, `path`, `status`,
//! `durationMs`, `ip`), for a log pipeline to read without parsing text. JSON's own
//! escaping keeps a value on its line.

use std::fmt::{self, Write as _};
use std::io::Write as _;

use serde_json::{Map, Value};

use crate::config::LogFormat;

/// Starts the logger (RUST_LOG, default `info`; LOG_FORMAT, read here because the log
/// starts before the settings are read: an unknown value logs as text until the
/// settings refuse it).
pub fn init() {
    let format =
        LogFormat::parse(std::env::var("LOG_FORMAT").ok().as_deref()).unwrap_or(LogFormat::Text);
    let mut builder =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"));
    match format {
        LogFormat::Text => builder.format(|buf, record| {
            let level = buf.default_level_style(record.level());
            writeln!(
                buf,
                "[{} {level}{:<5}{level:#} {}] {}",
                buf.timestamp(),
                record.level(),
                record.target(),
                Escaped(record.args())
            )
        }),
        LogFormat::Json => builder.format(|buf, record| {
            let line = json_line(record, chrono::Utc::now());
            writeln!(buf, "{line}")
        }),
    };
    builder.init();
}

/// One record as one line of JSON.
fn json_line(record: &log::Record<'_>, at: chrono::DateTime<chrono::Utc>) -> String {
    let mut object = Map::new();
    object.insert(
        "timestamp".into(),
        Value::String(at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
    );
    object.insert("level".into(), Value::String(record.level().to_string()));
    object.insert("target".into(), Value::String(record.target().to_owned()));
    object.insert("message".into(), Value::String(record.args().to_string()));
    let mut fields = Fields(&mut object);
    // A field that cannot be visited is left out; the line is still written.
    let _ = record.key_values().visit(&mut fields);
    Value::Object(object).to_string()
}

struct Fields<'a>(&'a mut Map<String, Value>);

impl<'kvs> log::kv::VisitSource<'kvs> for Fields<'_> {
    fn visit_pair(
        &mut self,
        key: log::kv::Key<'kvs>,
        value: log::kv::Value<'kvs>,
    ) -> Result<(), log::kv::Error> {
        let json = if let Some(n) = value.to_u64() {
            Value::from(n)
        } else if let Some(n) = value.to_i64() {
            Value::from(n)
        } else if let Some(x) = value.to_f64() {
            Value::from(x)
        } else if let Some(b) = value.to_bool() {
            Value::Bool(b)
        } else {
            Value::String(value.to_string())
        };
        self.0.insert(key.as_str().to_owned(), json);
        Ok(())
    }
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
    use super::{Escaped, LogFormat, json_line};

    #[test]
    fn a_json_line_is_one_object_with_the_records_fields() {
        let args = format_args!("GET /api/health 200\nforged");
        let kvs: &[(&str, log::kv::Value<'_>)] = &[
            ("requestId", log::kv::Value::from("abc")),
            ("status", log::kv::Value::from(200u16)),
            ("durationMs", log::kv::Value::from(1.5f64)),
        ];
        let record = log::Record::builder()
            .args(args)
            .level(log::Level::Info)
            .target("sekisho::request")
            .key_values(&kvs)
            .build();
        let at = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let line = json_line(&record, at);
        assert!(!line.contains('\n'), "{line}");
        let parsed: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(parsed["timestamp"], "2027-01-15T08:00:00.000Z");
        assert_eq!(parsed["level"], "INFO");
        assert_eq!(parsed["target"], "sekisho::request");
        assert_eq!(parsed["message"], "GET /api/health 200\nforged");
        assert_eq!(parsed["requestId"], "abc");
        assert_eq!(parsed["status"], 200);
        assert_eq!(parsed["durationMs"], 1.5);
        assert_eq!(LogFormat::parse(Some("json")), Some(LogFormat::Json));
        assert_eq!(LogFormat::parse(None), Some(LogFormat::Text));
        assert_eq!(LogFormat::parse(Some("yaml")), None);
    }

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
