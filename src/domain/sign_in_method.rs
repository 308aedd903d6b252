//! How a session was signed in: a first factor, and the second one when it was asked.
//! Stored in `sessions.sign_in_method` and in audit details as one text
//! (`password`, `password+totp`, `provider:google`, `passkey`, ...), which `/sessions`
//! shows as `signInMethod`.

use super::string_enum::{string_enum, text_column};

string_enum! {
    /// A second factor proven at sign-in.
    pub enum SecondFactor {
        Totp = "totp",
        RecoveryCode = "recovery_code",
    }
}

/// What signed the user in first.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FirstFactor {
    Password,
    Passkey,
    /// A completed password reset signs its browser in.
    PasswordReset,
    /// Opening the verification link right after sign-up, in the same browser.
    EmailLink,
    /// The link of a sign-in by email.
    MagicLink,
    /// The code of a sign-in by email.
    EmailCode,
    /// A social provider, by its configured id.
    Provider(String),
}

const PROVIDER_PREFIX: &str = "provider:";

impl FirstFactor {
    fn write(&self, out: &mut String) {
        let word = match self {
            Self::Password => "password",
            Self::Passkey => "passkey",
            Self::PasswordReset => "password_reset",
            Self::EmailLink => "email_link",
            Self::MagicLink => "magic_link",
            Self::EmailCode => "email_code",
            Self::Provider(id) => {
                out.push_str(PROVIDER_PREFIX);
                id
            }
        };
        out.push_str(word);
    }

    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "password" => Self::Password,
            "passkey" => Self::Passkey,
            "password_reset" => Self::PasswordReset,
            "email_link" => Self::EmailLink,
            "magic_link" => Self::MagicLink,
            "email_code" => Self::EmailCode,
            other => {
                let id = other.strip_prefix(PROVIDER_PREFIX)?;
                let valid = !id.is_empty()
                    && id
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
                if !valid {
                    return None;
                }
                Self::Provider(id.to_owned())
            }
        })
    }
}

/// A first factor and, when one was asked, the second; kept with its text so that a
/// session row reads it without building it again.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Eq,
    Hash,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub struct SignInMethod {
    first: FirstFactor,
    second: Option<SecondFactor>,
    text: String,
}

impl SignInMethod {
    pub fn new(first: FirstFactor, second: Option<SecondFactor>) -> Self {
        let mut text = String::new();
        first.write(&mut text);
        if let Some(second) = second {
            text.push('+');
            text.push_str(second.as_str());
        }
        Self {
            first,
            second,
            text,
        }
    }

    /// A first factor alone.
    pub fn only(first: FirstFactor) -> Self {
        Self::new(first, None)
    }

    pub fn first(&self) -> &FirstFactor {
        &self.first
    }

    pub fn second(&self) -> Option<SecondFactor> {
        self.second
    }

    /// The same first factor, with `second` proven after it.
    pub fn then(&self, second: SecondFactor) -> Self {
        Self::new(self.first.clone(), Some(second))
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn parse(text: &str) -> Option<Self> {
        let (first, second) = match text.split_once('+') {
            Some((first, second)) => (first, Some(SecondFactor::parse(second)?)),
            None => (text, None),
        };
        Some(Self::new(FirstFactor::parse(first)?, second))
    }
}

impl std::fmt::Display for SignInMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

text_column!(SignInMethod);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_reads_back_as_written() {
        let provider = FirstFactor::Provider("google".into());
        for method in [
            SignInMethod::only(FirstFactor::Password),
            SignInMethod::new(FirstFactor::Password, Some(SecondFactor::Totp)),
            SignInMethod::new(FirstFactor::Password, Some(SecondFactor::RecoveryCode)),
            SignInMethod::only(FirstFactor::Passkey),
            SignInMethod::only(FirstFactor::PasswordReset),
            SignInMethod::only(FirstFactor::EmailLink),
            SignInMethod::only(provider.clone()),
            SignInMethod::new(provider, Some(SecondFactor::Totp)),
        ] {
            assert_eq!(SignInMethod::parse(method.as_str()), Some(method));
        }
        assert_eq!(
            SignInMethod::parse("provider:google+totp").map(|m| m.to_string()),
            Some("provider:google+totp".into())
        );
    }

    #[test]
    fn unknown_forms_are_refused() {
        for text in [
            "",
            "pass",
            "password+",
            "password+sms",
            "provider:",
            "provider:a b",
            "+totp",
        ] {
            assert_eq!(SignInMethod::parse(text), None, "{text}");
        }
    }
}
