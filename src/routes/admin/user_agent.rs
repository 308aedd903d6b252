//! A user agent in a few words ("Chrome 156 on Linux") for the session tables; the
//! full string stays available on hover and in the page's source.

/// Browsers in the order their tokens must be tested: Edge and Opera also say Chrome,
/// Chrome also says Safari.
const BROWSERS: [(&str, &str); 6] = [
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Version/", "Safari"),
    ("curl/", "curl"),
];

const SYSTEMS: [(&str, &str); 7] = [
    ("Windows", "Windows"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
];

/// Longest text shown for an agent none of the rules recognise.
const MAX_UNKNOWN: usize = 32;

pub fn short(ua: &str) -> String {
    let browser = BROWSERS.iter().find_map(|(token, name)| {
        let version = ua.split(token).nth(1)?;
        let major: String = version.chars().take_while(char::is_ascii_digit).collect();
        Some(if major.is_empty() {
            (*name).to_owned()
        } else {
            format!("{name} {major}")
        })
    });
    let system = SYSTEMS
        .iter()
        .find(|(token, _)| ua.contains(token))
        .map(|(_, name)| *name);
    match (browser, system) {
        (Some(browser), Some(system)) => format!("{browser} on {system}"),
        (Some(browser), None) => browser,
        // A library or script: its product token (`reqwest/0.12` -> `reqwest 0.12`).
        (None, _) => {
            let product = ua.split_whitespace().next().unwrap_or("").replace('/', " ");
            if product.chars().count() > MAX_UNKNOWN {
                let cut: String = product.chars().take(MAX_UNKNOWN).collect();
                format!("{cut}…")
            } else {
                product
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::short;

    #[test]
    fn common_agents_in_a_few_words() {
        let cases = [
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.8078.73 Safari/537.36",
                "Chrome 156 on Linux",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
                "Edge 120 on Windows",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
                "Safari 17 on iOS",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.2; rv:121.0) Gecko/20100101 Firefox/121.0",
                "Firefox 121 on macOS",
            ),
            ("curl/8.5.0", "curl 8"),
            ("reqwest/0.12", "reqwest 0.12"),
            ("", ""),
        ];
        for (ua, expected) in cases {
            assert_eq!(short(ua), expected, "{ua}");
        }
        assert!(short(&"x".repeat(500)).chars().count() <= 33);
    }
}
