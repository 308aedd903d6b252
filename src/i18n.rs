//! The two languages of error messages, chosen from Accept-Language.

use actix_web::HttpRequest;
use actix_web::http::header::ACCEPT_LANGUAGE;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Ja,
}

impl Lang {
    pub fn from_request(req: &HttpRequest) -> Self {
        req.headers()
            .get(ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map(Self::negotiate)
            .unwrap_or_default()
    }

    /// The supported language the header ranks highest; English on a tie or when
    /// neither is named. `fr, ja;q=0.5` is Japanese: French is not offered.
    pub fn negotiate(header: &str) -> Self {
        let mut best: Option<(f32, Lang)> = None;
        for entry in header.split(',') {
            let mut parts = entry.split(';');
            let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let quality = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            let lang = match primary {
                "ja" => Lang::Ja,
                "en" | "*" => Lang::En,
                _ => continue,
            };
            if quality <= 0.0 {
                continue;
            }
            if best.is_none_or(|(q, _)| quality > q) {
                best = Some((quality, lang));
            }
        }
        best.map(|(_, lang)| lang).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::Lang;

    #[test]
    fn negotiation() {
        assert_eq!(Lang::negotiate("ja"), Lang::Ja);
        assert_eq!(Lang::negotiate("ja-JP,ja;q=0.9,en;q=0.8"), Lang::Ja);
        assert_eq!(Lang::negotiate("en-US,en;q=0.9,ja;q=0.8"), Lang::En);
        assert_eq!(Lang::negotiate("fr, ja;q=0.5"), Lang::Ja);
        assert_eq!(Lang::negotiate("de"), Lang::En);
        assert_eq!(Lang::negotiate("ja;q=0, en"), Lang::En);
        assert_eq!(Lang::negotiate("en;q=0.5, ja;q=0.7"), Lang::Ja);
        assert_eq!(Lang::negotiate(""), Lang::En);
    }
}
