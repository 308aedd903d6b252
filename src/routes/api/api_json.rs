//! `ApiJson<T>`: a JSON body as the contract wants it, the one way the API reads
//! bodies. Content type, size, time limit and syntax are checked as for `web::Json`
//! (415, 413, 408, 422); then a value of the wrong type (`{"email": 12345}`) or a
//! missing required field is a VALIDATION_ERROR naming each such field, instead of
//! serde's first complaint.

use std::collections::BTreeMap;
use std::ops::Deref;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::error::{ApiError, ErrorCode};

pub struct ApiJson<T>(pub T);

impl<T> Deref for ApiJson<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = web::Json::<Value>::from_request(req, payload);
        Box::pin(async move {
            let value = body.await?.into_inner();
            Ok(ApiJson(deserialize_naming_fields(value)?))
        })
    }
}

/// A JSON body that may be left out altogether (no body and no Content-Type):
/// `T::default()` then. A body that is there is read as `ApiJson` reads it.
pub struct OptionalApiJson<T>(pub T);

impl<T> Deref for OptionalApiJson<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + Default + 'static> FromRequest for OptionalApiJson<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let headers = req.headers();
        let no_body = !headers.contains_key(actix_web::http::header::CONTENT_TYPE)
            && headers
                .get(actix_web::http::header::CONTENT_LENGTH)
                .is_none_or(|length| length.as_bytes() == b"0")
            && !headers.contains_key(actix_web::http::header::TRANSFER_ENCODING);
        if no_body {
            return Box::pin(async { Ok(OptionalApiJson(T::default())) });
        }
        // A JSON `null` is no body too (the document says `null` or the object).
        let body = ApiJson::<Option<T>>::from_request(req, payload);
        Box::pin(async move { Ok(OptionalApiJson(body.await?.0.unwrap_or_default())) })
    }
}

/// Deserializes `value`; each top-level field of the wrong type is set aside (as if
/// missing) and named, and the rest is tried again, so one answer names them all.
fn deserialize_naming_fields<T: DeserializeOwned>(mut value: Value) -> Result<T, ApiError> {
    // serde reads a struct from an array of its fields in order (`[null, null]` would be
    // a profile update); every body of the API is an object.
    if value.is_array() {
        return Err(ApiError::new(ErrorCode::ValidationError)
            .with_details(json!({ "reason": "the body must be a JSON object", "fields": {} })));
    }
    let mut wrong: BTreeMap<String, String> = BTreeMap::new();
    loop {
        let error = match serde_path_to_error::deserialize::<_, T>(&value) {
            Ok(parsed) if wrong.is_empty() => return Ok(parsed),
            Ok(_) => return Err(ApiError::validation(wrong)),
            Err(error) => error,
        };
        // A required field that is absent: serde reports it once it has read every
        // present field, so the wrongly typed ones are already named.
        let text = error.inner().to_string();
        if let Some(missing) = text
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next())
        {
            wrong.insert(missing.to_owned(), "is required".to_owned());
            return Err(ApiError::validation(wrong));
        }
        let field = error
            .path()
            .iter()
            .next()
            .map(ToString::to_string)
            .filter(|field| !field.is_empty() && field != ".");
        let removed = match (&field, value.as_object_mut()) {
            (Some(field), Some(object)) if !wrong.contains_key(field) => {
                object.remove(field).is_some()
            }
            _ => false,
        };
        let Some(field) = field.filter(|_| removed) else {
            // Not an object at all, or nothing left to set aside: say what serde said,
            // without its position.
            let reason = text.split(" at line ").next().unwrap_or(&text).to_owned();
            return Err(ApiError::new(ErrorCode::ValidationError)
                .with_details(json!({ "reason": reason, "fields": wrong })));
        };
        wrong.insert(field, problem(&error.inner().to_string()).to_owned());
    }
}

fn problem(serde_message: &str) -> &'static str {
    if serde_message.contains("expected a string") {
        "must be a string"
    } else if serde_message.contains("expected a boolean") {
        "must be true or false"
    } else {
        "is invalid"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Login {
        email: Option<String>,
        password: Option<String>,
        remember_me: Option<bool>,
    }

    #[test]
    fn every_wrongly_typed_field_is_named() {
        let error = deserialize_naming_fields::<Login>(
            json!({ "email": 12345, "password": true, "remember_me": "yes" }),
        )
        .unwrap_err();
        let details = error.body().details.clone().unwrap();
        assert_eq!(details["fields"]["email"], "must be a string");
        assert_eq!(details["fields"]["password"], "must be a string");
        assert_eq!(details["fields"]["remember_me"], "must be true or false");

        let fine = deserialize_naming_fields::<Login>(json!({ "email": "a@b.c" })).unwrap();
        assert_eq!(fine.email.as_deref(), Some("a@b.c"));

        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Strict {
            email: String,
            name: Option<String>,
        }
        let missing = deserialize_naming_fields::<Strict>(json!({ "name": 42 })).unwrap_err();
        let details = missing.body().details.clone().unwrap();
        assert_eq!(details["fields"]["email"], "is required");
        assert_eq!(details["fields"]["name"], "must be a string");

        let not_an_object = deserialize_naming_fields::<Login>(json!([1, 2])).unwrap_err();
        assert_eq!(not_an_object.code(), ErrorCode::ValidationError);
    }
}
