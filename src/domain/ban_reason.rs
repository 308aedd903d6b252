//! Why an operator disabled an account: the code the user is shown (the operator's
//! own note stays in the panel).

use super::string_enum::string_enum;

string_enum! {
    /// A disabled account's `disabled_reason`.
    pub enum BanReason {
        Spam = "spam",
        Abuse = "abuse",
        Fraud = "fraud",
        Terms = "terms",
        Security = "security",
        Other = "other",
    }
}
