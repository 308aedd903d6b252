//! Types that can only be built valid: handlers parse raw input into these once.

mod email;
pub mod password;

pub use email::Email;
pub use password::Password;
