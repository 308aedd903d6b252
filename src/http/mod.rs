//! HTTP adapters the API's routes and middleware share: who the client is, the
//! session cookie, the extractors that authenticate a request, the origin check.

pub mod client_info;
pub mod cookies;
pub mod extractor;
pub mod management_key;
pub mod origin_check;

pub use extractor::{AuthUser, MaybeUser};
