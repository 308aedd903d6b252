//! Which build this is: the package version and the git commit (`build.rs`).

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub const COMMIT: &str = env!("SEKISHO_GIT_COMMIT");
/// `0.1.0 (3f2a9c1e0b7d)`: what `--version` and the start-up line say.
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("SEKISHO_GIT_COMMIT"),
    ")"
);
