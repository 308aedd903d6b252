//! The operator's language and time zone, and the words and dates of a page in them.
//! Both are the operator's settings (the switch in the header keeps them in cookies);
//! without one, the language is Accept-Language's and the zone is UTC.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use actix_web::HttpRequest;
use chrono::NaiveDateTime;
use chrono_tz::Tz;

use super::catalog::CATALOG;
use crate::i18n::Lang;

pub const LANG_COOKIE: &str = "sekisho_admin_lang";
pub const ZONE_COOKIE: &str = "sekisho_admin_tz";

/// The zones the header offers; any other IANA name works when set by hand.
pub const ZONES: &[&str] = &[
    "UTC",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Asia/Shanghai",
    "Asia/Singapore",
    "Asia/Kolkata",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Australia/Sydney",
    "Pacific/Auckland",
];

static BY_KEY: LazyLock<HashMap<&'static str, (&'static str, &'static str)>> =
    LazyLock::new(|| CATALOG.iter().map(|(k, en, ja)| (*k, (*en, *ja))).collect());

/// A page's words and dates.
#[derive(Debug, Clone, Copy)]
pub struct Text {
    pub lang: Lang,
    pub zone: Tz,
}

impl Default for Text {
    fn default() -> Self {
        Self {
            lang: Lang::En,
            zone: Tz::UTC,
        }
    }
}

/// The language a cookie value names, if it names one.
pub fn parse_lang(raw: &str) -> Option<Lang> {
    match raw {
        "en" => Some(Lang::En),
        "ja" => Some(Lang::Ja),
        _ => None,
    }
}

impl Text {
    /// The operator's settings for this request.
    pub fn of(req: &HttpRequest) -> Self {
        let lang = req
            .cookie(LANG_COOKIE)
            .and_then(|c| parse_lang(c.value()))
            .unwrap_or_else(|| Lang::from_request(req));
        let zone = req
            .cookie(ZONE_COOKIE)
            .and_then(|c| c.value().parse::<Tz>().ok())
            .unwrap_or(Tz::UTC);
        Self { lang, zone }
    }

    /// The words of `key`; `⟦key⟧` when the catalog lacks it, so that a test sees it.
    pub fn get(&self, key: &str) -> Cow<'static, str> {
        match BY_KEY.get(key) {
            Some((en, _)) if self.lang == Lang::En => Cow::Borrowed(en),
            Some((_, ja)) => Cow::Borrowed(ja),
            None => Cow::Owned(format!("⟦{key}⟧")),
        }
    }

    /// The words for a stored code of a closed set (`status.active`, `kind.bearer`):
    /// the code itself when the catalog has no words for it.
    pub fn code(&self, prefix: &str, code: &str) -> Cow<'static, str> {
        match BY_KEY.get(format!("{prefix}.{code}").as_str()) {
            Some(_) => self.get(&format!("{prefix}.{code}")),
            None => Cow::Owned(code.to_owned()),
        }
    }

    /// `<html lang>`.
    pub fn lang_tag(&self) -> &'static str {
        match self.lang {
            Lang::En => "en",
            Lang::Ja => "ja",
        }
    }

    /// ` (inner)` in English, `（inner）` in Japanese (full-width, no space).
    pub fn paren(&self, inner: impl std::fmt::Display) -> String {
        match self.lang {
            Lang::En => format!(" ({inner})"),
            Lang::Ja => format!("（{inner}）"),
        }
    }

    /// `paren` of `first second`.
    pub fn paren_two(
        &self,
        first: impl std::fmt::Display,
        second: impl std::fmt::Display,
    ) -> String {
        self.paren(format!("{first} {second}"))
    }

    pub fn zone_name(&self) -> &'static str {
        self.zone.name()
    }

    pub fn is_zone(&self, name: &str) -> bool {
        self.zone.name() == name
    }

    /// A stored (UTC) time in the operator's zone, to the minute.
    pub fn when(&self, utc: NaiveDateTime) -> String {
        utc.and_utc()
            .with_timezone(&self.zone)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    /// The same, to the second (the audit log).
    pub fn when_exact(&self, utc: NaiveDateTime) -> String {
        utc.and_utc()
            .with_timezone(&self.zone)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    }

    /// A browser's `datetime-local` value (`2026-12-31T18:00`), read in the operator's
    /// zone, as a stored (UTC) time. None when it is not one, or names a local time
    /// the zone skips.
    pub fn parse_local(&self, raw: &str) -> Option<NaiveDateTime> {
        let local = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
            .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
            .ok()?;
        let zoned = local.and_local_timezone(self.zone).earliest()?;
        Some(zoned.naive_utc())
    }

    /// The zones to offer: the short list, with the operator's own first if it is not
    /// on it.
    pub fn zones(&self) -> Vec<&'static str> {
        let own = self.zone_name();
        let mut zones = ZONES.to_vec();
        if !zones.contains(&own) {
            zones.insert(0, own);
        }
        zones
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_words_in_both_languages_once() {
        let mut seen = std::collections::HashSet::new();
        for (key, en, ja) in CATALOG {
            assert!(seen.insert(key), "{key} twice");
            assert!(!en.is_empty() && !ja.is_empty(), "{key}");
        }
    }

    #[test]
    fn every_audit_event_and_detail_field_has_words() {
        use crate::domain::{AuditAction, AuditEvent};
        let missing = |key: String| (!BY_KEY.contains_key(key.as_str())).then_some(key);
        let nested = [
            "password",
            "second_factor",
            "sessions",
            "passkeys",
            "identities",
            "passkey",
            "name",
            "sessions_ended",
        ];
        let mut gaps: Vec<String> = AuditAction::ALL
            .iter()
            .filter_map(|action| missing(format!("audit.event.{action}")))
            .collect();
        gaps.extend(
            AuditEvent::DETAIL_FIELDS
                .iter()
                .chain(nested.iter())
                .chain(["note"].iter())
                .filter_map(|field| missing(format!("audit.field.{field}"))),
        );
        assert!(gaps.is_empty(), "no words for {gaps:?}");
    }

    #[test]
    fn every_key_the_templates_and_handlers_name_is_in_the_catalog() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut sources = Vec::new();
        for dir in ["templates/admin", "src/routes/admin"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap().flatten() {
                if entry.path().ends_with("catalog.rs") {
                    continue;
                }
                sources.push(std::fs::read_to_string(entry.path()).unwrap());
            }
        }
        // Any quoted `prefix.name` whose prefix the catalog uses is a key: the ones
        // handlers pass around (flash messages, error pages, pager labels) too.
        let prefixes: std::collections::HashSet<&str> = CATALOG
            .iter()
            .filter_map(|(key, _, _)| key.split('.').next())
            .collect();
        let mut named = 0;
        for source in &sources {
            for quoted in source.split('"').skip(1).step_by(2) {
                let Some((prefix, rest)) = quoted.split_once('.') else {
                    continue;
                };
                let is_key = prefixes.contains(prefix)
                    && !rest.is_empty()
                    && rest
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.');
                if is_key {
                    assert!(
                        BY_KEY.contains_key(quoted),
                        "`{quoted}` is not in the catalog"
                    );
                    named += 1;
                }
            }
        }
        assert!(named > 150, "only {named} keys found");
    }

    #[test]
    fn missing_keys_show_and_dates_follow_the_zone() {
        let ja = Text {
            lang: Lang::Ja,
            zone: "Asia/Tokyo".parse().unwrap(),
        };
        assert_eq!(ja.get("nav.users"), "ユーザー");
        assert_eq!(ja.get("no.such.key"), "⟦no.such.key⟧");
        assert_eq!(ja.code("status", "active"), "有効");
        assert_eq!(ja.code("status", "odd"), "odd");
        let noon = chrono::NaiveDate::from_ymd_opt(2026, 12, 3)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap();
        assert_eq!(ja.when(noon), "2026-12-03 21:00");
        assert_eq!(Text::default().when(noon), "2026-12-03 12:00");
        assert_eq!(ja.parse_local("2026-12-03T21:00"), Some(noon));
        assert_eq!(
            Text::default().parse_local("2026-12-03T12:00:00"),
            Some(noon)
        );
        assert_eq!(ja.parse_local("tomorrow"), None);
        assert_eq!(ja.zones()[0], "UTC");
        let lima = Text {
            lang: Lang::En,
            zone: "America/Lima".parse().unwrap(),
        };
        assert_eq!(lima.zones()[0], "America/Lima");
    }
}
