//! The API's use cases for accounts and sessions: signing up and in, passwords,
//! email verification, second factors and passkeys, a session's life. They take the
//! state and plain values and return outcomes; `routes/` turns those into cookies and
//! responses.

pub mod account_lifecycle;
pub mod acting;
mod after_answer;
pub mod credentials;
pub mod email_change;
pub mod email_sign_in;
pub mod email_verification;
pub mod notices;
pub mod passkeys;
pub mod password_reset;
pub mod profile;
pub mod second_step;
pub mod session_check;
pub mod session_lifecycle;
pub mod sign_in_methods;
pub mod signing_keys;
pub mod two_factor;
