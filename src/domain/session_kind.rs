//! The kinds of session that share the `sessions` table.

use super::string_enum::string_enum;

string_enum! {
    /// A session's `kind`, in the order pages list them.
    pub enum SessionKind {
        /// The API's cookie session.
        Browser = "browser",
        /// A refresh-token session of a bearer client.
        Bearer = "bearer",
        /// The admin panel's actix-session.
        Admin = "admin",
    }
}
