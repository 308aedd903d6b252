//! The two languages of error messages, chosen from Accept-Language.

use actix_web::HttpRequest;
use actix_web::http::header::ACCEPT_LANGUAGE;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Ja,
}

/// A handler's argument: the language of the request (mails, messages).
impl actix_web::FromRequest for Lang {
    type Error = std::convert::Infallible;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(Ok(Self::from_request(req)))
    }
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

/// A field message of `details.fields` in `lang`. Validation writes them in English
/// from a fixed set; one this table does not know stays English.
pub fn field_message(english: &str, lang: Lang) -> &str {
    if lang == Lang::En {
        return english;
    }
    match english {
        "is required" => "必須です",
        "must be a valid email address" => "有効なメールアドレスを入力してください",
        "must be at least 8 characters" => "8文字以上にしてください",
        "must be at most 100 characters" => "100文字以内にしてください",
        "must be at most 128 characters" => "128文字以内にしてください",
        "must be at most 254 characters" => "254文字以内にしてください",
        "must not contain control characters" => "制御文字は使えません",
        "must not contain look-alike characters" => {
            "紛らわしい文字(全角文字や互換文字など)は使えません"
        }
        "must be a string" => "文字列にしてください",
        "must be a whole number from 1 to 100" => "1から100までの整数にしてください",
        "must be the nextCursor of a previous page" => "前のページの nextCursor を指定してください",
        "must be true or false" => "true か false にしてください",
        "is invalid" => "正しくありません",
        "is not a configured provider" => "設定されていないプロバイダーです",
        "must be a path or a URL of a trusted origin" => {
            "パスか、許可されたオリジンの URL にしてください"
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::{Lang, field_message};

    #[test]
    fn field_messages_in_japanese() {
        assert_eq!(field_message("is required", Lang::Ja), "必須です");
        assert_eq!(field_message("is required", Lang::En), "is required");
        assert_eq!(field_message("something new", Lang::Ja), "something new");
    }

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
