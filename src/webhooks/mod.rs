//! Delivering webhooks: where a URL may point (`target`), the endpoint's secret
//! (`secret`), one signed attempt (`sender`), and the worker every instance runs
//! (`worker`), which claims due deliveries from the outbox, sends them and settles
//! each by the retry schedule.

pub mod secret;
pub mod sender;
pub mod target;
pub mod worker;
