//! Rate limits and account protection: per-IP budgets shared through the database,
//! growing delays for accounts under attack, mail cooldowns, and how often a refusal
//! is logged.

mod ip_limiter;
pub mod log_budget;
pub mod throttle;
