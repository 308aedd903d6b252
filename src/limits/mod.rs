//! Rate limits and account protection: per-IP budgets shared through the database,
//! growing delays for accounts under attack, mail cooldowns.

mod ip_limiter;
pub mod throttle;
