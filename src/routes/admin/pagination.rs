//! Offset pagination of the panel's lists: 1-based page numbers, one row fetched
//! beyond the page to tell whether a next one exists.

/// Page numbers in query strings: 1-based, clamped.
pub fn page_number(raw: Option<u32>) -> i64 {
    i64::from(raw.unwrap_or(1).clamp(1, 100_000))
}

pub const PER_PAGE: i64 = 25;

/// The queries fetch one row more than a page: its presence says whether a next page
/// exists, without counting the table. Returns the page and that answer.
pub fn split_page<T>(mut rows: Vec<T>) -> (Vec<T>, bool) {
    let has_next = rows.len() as i64 > PER_PAGE;
    rows.truncate(PER_PAGE as usize);
    (rows, has_next)
}
