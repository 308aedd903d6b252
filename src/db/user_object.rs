//! The user object of the contract: what the API answers, the management API lists
//! and webhooks carry, from one type (the OpenAPI document's `UserView`).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};

use super::users::User;
use crate::domain::Role;

/// `user` or `admin`, from the constants the server stores.
pub fn role_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(Role::ALL.iter().map(|role| role.as_str())))
        .build()
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    #[schema(example = "0b0c6f6e-2f6c-4a8e-9d43-8f1b2b0c9a11")]
    pub id: String,
    #[schema(example = "tanaka@example.com")]
    pub email: String,
    /// Always present; null when the user gave none.
    #[schema(example = "田中太郎", required = true)]
    pub name: Option<String>,
    pub email_verified: bool,
    /// Always present; null when there is none.
    #[schema(required = true)]
    pub image: Option<String>,
    #[schema(schema_with = role_schema, example = "user")]
    pub role: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Whether sign-in asks for a TOTP code after the password.
    pub two_factor_enabled: bool,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        Self {
            id: user.id.to_string(),
            email: user.email.clone(),
            name: user.name.clone(),
            email_verified: user.email_verified,
            image: user.image.clone(),
            role: user.role.as_str().to_owned(),
            created_at: user.created_at.and_utc(),
            updated_at: user.updated_at.and_utc(),
            two_factor_enabled: user.two_factor_enabled_at.is_some(),
        }
    }
}
