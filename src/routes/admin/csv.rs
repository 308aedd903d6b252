//! CSV as spreadsheets read it (RFC 4180), with cells that a spreadsheet would run as
//! a formula (`=`, `+`, `-`, `@`, tab, CR at the start) turned into text by a leading
//! apostrophe: an audit row holds what strangers typed (emails, user agents).

/// One record: fields quoted when they must be, ending in CRLF.
pub fn record<'a>(fields: impl IntoIterator<Item = &'a str>) -> String {
    let mut line = fields.into_iter().map(field).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

fn field(raw: &str) -> String {
    let text = if raw.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{raw}")
    } else {
        raw.to_owned()
    };
    if text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::record;

    #[test]
    fn quotes_what_must_be_quoted_and_defuses_formulas() {
        assert_eq!(record(["a", "b c", ""]), "a,b c,\r\n");
        assert_eq!(
            record(["x,y", "say \"hi\""]),
            "\"x,y\",\"say \"\"hi\"\"\"\r\n"
        );
        assert_eq!(record(["line\nbreak"]), "\"line\nbreak\"\r\n");
        assert_eq!(
            record(["=HYPERLINK(\"x\")"]),
            "\"'=HYPERLINK(\"\"x\"\")\"\r\n"
        );
        assert_eq!(record(["+1", "-2", "@a"]), "'+1,'-2,'@a\r\n");
    }
}
