//! Collects every invalid field of a request, so one VALIDATION_ERROR names them all.

use std::collections::BTreeMap;

use super::dto::SignupRequest;
use crate::auth::account_lifecycle::NewAccount;
use crate::domain::{Email, Password};
use crate::error::ApiError;

#[derive(Default)]
pub struct Fields(BTreeMap<String, String>);

impl Fields {
    pub fn email(&mut self, name: &str, raw: Option<&str>) -> Option<Email> {
        self.check(name, Email::parse(raw.unwrap_or("")))
    }

    /// A new password: 8 to 128 characters.
    pub fn new_password(&mut self, name: &str, raw: Option<&str>) -> Option<Password> {
        self.check(name, Password::parse(raw.unwrap_or("")))
    }

    /// A password to compare with a stored one: present and not absurdly long (the
    /// bound spares argon2 a megabyte of input); its quality is not judged here.
    pub fn given_password<'a>(&mut self, name: &str, raw: Option<&'a str>) -> Option<&'a str> {
        match raw {
            None | Some("") => self.fail(name, "is required"),
            Some(p) if p.chars().count() > crate::domain::password::MAX_CHARS => {
                self.fail(name, "must be at most 128 characters")
            }
            Some(p) => Some(p),
        }
    }

    pub fn required<'a>(&mut self, name: &str, raw: Option<&'a str>) -> Option<&'a str> {
        match raw.map(str::trim) {
            None | Some("") => self.fail(name, "is required"),
            Some(value) => Some(value),
        }
    }

    /// A required field that `parse` turns into a value, or names what is wrong.
    pub fn parsed<T>(
        &mut self,
        name: &str,
        raw: Option<&str>,
        parse: impl FnOnce(&str) -> Result<T, &'static str>,
    ) -> Option<T> {
        let value = self.required(name, raw)?;
        self.check(name, parse(value))
    }

    /// An optional display name: trimmed, empty means none, at most 100 characters.
    pub fn display_name(&mut self, name: &str, raw: Option<&str>) -> Option<String> {
        self.check(name, crate::domain::display_name(raw)).flatten()
    }

    /// A field of an update (sent through `dto::present`): None when it was not sent,
    /// `Some(None)` for null, `Some(parse(string))` for a string (`parse` gives None
    /// for a value that clears, or names the field when it is invalid: `finish` then
    /// refuses). Another JSON type names the field.
    pub fn nullable<T>(
        &mut self,
        name: &str,
        sent: Option<&serde_json::Value>,
        parse: impl FnOnce(&mut Self, &str) -> Option<T>,
    ) -> Option<Option<T>> {
        match sent? {
            serde_json::Value::Null => Some(None),
            serde_json::Value::String(raw) => Some(parse(self, raw)),
            _ => self.fail(name, "must be a string or null"),
        }
    }

    /// A profile picture's address: `https://`, no credentials, at most 2000 characters.
    pub fn profile_image(&mut self, name: &str, raw: &str) -> Option<String> {
        self.check(name, crate::domain::profile_image(raw))
    }

    fn check<T>(&mut self, name: &str, result: Result<T, &'static str>) -> Option<T> {
        result
            .map_err(|problem| self.fail::<()>(name, problem))
            .ok()
    }

    fn fail<T>(&mut self, name: &str, problem: &str) -> Option<T> {
        self.0
            .entry(name.to_owned())
            .or_insert_with(|| problem.to_owned());
        None
    }

    /// The `email` and `password` of a login-like request (/login, /token).
    pub fn credentials<'a>(
        email: Option<&str>,
        password: Option<&'a str>,
    ) -> Result<(Email, &'a str), ApiError> {
        let mut fields = Fields::default();
        let email = fields.email("email", email);
        let password = fields.given_password("password", password);
        fields.validated(email.zip(password))
    }

    /// Ok when every field passed.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(self.0))
        }
    }

    /// The validated values (`a.zip(b)` of the checks), or one VALIDATION_ERROR naming
    /// every bad field. A check that gave None has named its field, so `value` is
    /// Some whenever no field failed.
    pub fn validated<T>(self, value: Option<T>) -> Result<T, ApiError> {
        self.finish()?;
        value.ok_or_else(|| ApiError::new(crate::error::ErrorCode::ValidationError))
    }
}

/// POST /signup's body as the command the use case takes (the zero2prod way: a
/// request converts into a type that can only hold valid values).
impl TryFrom<&SignupRequest> for NewAccount {
    type Error = ApiError;

    fn try_from(body: &SignupRequest) -> Result<Self, ApiError> {
        let mut fields = Fields::default();
        let email = fields.email("email", body.email.as_deref());
        let password = fields.new_password("password", body.password.as_deref());
        let name = fields.display_name("name", body.name.as_deref());
        let (email, password) = fields.validated(email.zip(password))?;
        Ok(NewAccount {
            email,
            password,
            name,
        })
    }
}
