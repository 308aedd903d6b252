//! What a user may do beyond their own account.

use super::string_enum::string_enum;

string_enum! {
    /// A user's `role`.
    pub enum Role {
        User = "user",
        /// An operator: may use the admin panel.
        Admin = "admin",
    }
}
