//! Offset pagination of the panel's lists: 1-based page numbers, one row fetched
//! beyond the page to tell whether a next one exists, and the pager under each list.

/// Page numbers in query strings: 1-based, clamped.
pub fn page_number(raw: Option<u32>) -> i64 {
    i64::from(raw.unwrap_or(1).clamp(1, 100_000))
}

pub const PER_PAGE: i64 = 25;

/// The rows to skip before page `page`.
pub fn offset(page: i64) -> i64 {
    (page - 1) * PER_PAGE
}

/// A list's address with its filters, `/admin/users?q=a&status=`: what the pager's
/// links and the forms' return addresses keep.
pub fn list_url(path: &str, filters: &[(&str, &str)]) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(filters)
        .finish();
    format!("{path}?{query}")
}

/// What `templates/admin/pager.html` shows: this page and links to its neighbours
/// that keep the list's filters.
pub struct Pager {
    pub page: i64,
    pub previous: Option<String>,
    pub next: Option<String>,
    /// Catalog keys.
    pub previous_label: &'static str,
    pub next_label: &'static str,
}

impl Pager {
    /// The queries fetch one row more than a page: its presence says whether a next
    /// page exists, without counting the table. Returns the page's rows and its pager;
    /// `list` is the list's path with its filters (`/admin/users?q=a&status=`).
    pub fn split<T>(mut rows: Vec<T>, list: &str, page: i64) -> (Vec<T>, Self) {
        let has_next = i64::try_from(rows.len()).unwrap_or(i64::MAX) > PER_PAGE;
        rows.truncate(usize::try_from(PER_PAGE).unwrap_or(usize::MAX));
        let separator = if list.contains('?') { '&' } else { '?' };
        let link = |n: i64| format!("{list}{separator}page={n}");
        let pager = Self {
            page,
            previous: (page > 1).then(|| link(page - 1)),
            next: has_next.then(|| link(page + 1)),
            previous_label: "pager.previous",
            next_label: "pager.next",
        };
        (rows, pager)
    }

    /// For lists read newest first (the audit log).
    pub fn newer_older(self) -> Self {
        Self {
            previous_label: "pager.newer",
            next_label: "pager.older",
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_urls_encode_their_filters() {
        assert_eq!(
            list_url("/admin/users", &[("q", "a b&c"), ("status", "")]),
            "/admin/users?q=a+b%26c&status="
        );
    }

    #[test]
    fn pages_link_to_their_neighbours_with_the_filters() {
        let (rows, pager) = Pager::split((0..26).collect::<Vec<_>>(), "/admin/users?q=a", 1);
        assert_eq!(rows.len(), 25);
        assert_eq!(pager.previous, None);
        assert_eq!(pager.next.as_deref(), Some("/admin/users?q=a&page=2"));

        let (rows, pager) = Pager::split(vec![1, 2], "/admin/audit", 3);
        assert_eq!(rows, [1, 2]);
        assert_eq!(pager.previous.as_deref(), Some("/admin/audit?page=2"));
        assert_eq!(pager.next, None);
    }
}
