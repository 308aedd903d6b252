//! What the handlers' own annotations cannot say, added to the OpenAPI document after
//! the routes are registered, so that it tells a generated client or a fuzzer the
//! truth (schemathesis runs it in CI):
//! - the answers of the layers around every handler: a JSON body that is too large
//!   (413), of another content type (415) or not JSON (422), a cookie-authenticated
//!   unsafe request from a foreign origin (403 CSRF_FAILED), an unreachable database
//!   (503);
//! - which fields a request needs one of (a code or a recovery code);
//! - for the server serving it: the configured providers, and the callback URLs its
//!   FRONTEND_URL and CORS_ORIGINS allow.

use std::collections::BTreeMap;

use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{
    AllOfBuilder, AnyOfBuilder, ObjectBuilder, OneOfBuilder, Schema, Type,
};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, ResponseBuilder};

use crate::config::{OriginRule, Settings};
use crate::http::origin_check::takes_cookie;

/// Answers every operation with a JSON body may get before its handler runs.
const BODY_ANSWERS: [(&str, &str); 3] = [
    ("413", "PAYLOAD_TOO_LARGE: the body is over 64 KiB"),
    (
        "415",
        "UNSUPPORTED_MEDIA_TYPE: a body that is not `application/json` (or none where one is required)",
    ),
    ("422", "INVALID_REQUEST: the body is not well-formed JSON"),
];

/// The document's fixed additions (see the top).
pub fn complete(document: &mut OpenApi) {
    for item in document.paths.paths.values_mut() {
        let unsafe_methods = [
            item.post.as_mut(),
            item.put.as_mut(),
            item.patch.as_mut(),
            item.delete.as_mut(),
        ];
        for operation in unsafe_methods.into_iter().flatten() {
            if operation.request_body.is_some() {
                for (status, description) in BODY_ANSWERS {
                    add_answer(operation, status, description);
                }
            }
            let csrf = if takes_cookie(operation) {
                "CSRF_FAILED: a cookie-authenticated request whose Origin (or Referer) is not allowed, or a browser's request from a foreign origin"
            } else {
                "CSRF_FAILED: a browser's request from a foreign origin"
            };
            add_answer(operation, "403", csrf);
        }
        let every_method = [
            item.get.as_mut(),
            item.post.as_mut(),
            item.put.as_mut(),
            item.patch.as_mut(),
            item.delete.as_mut(),
        ];
        for operation in every_method.into_iter().flatten() {
            add_answer(
                operation,
                "503",
                "SERVICE_UNAVAILABLE: the database cannot be reached (the server recovers by itself)",
            );
        }
    }
    let Some(components) = document.components.as_mut() else {
        return;
    };
    let schemas = &mut components.schemas;
    needs(
        schemas,
        "TwoFactorVerifyRequest",
        Needs::OneOf(&["code", "recoveryCode"]),
    );
    needs(
        schemas,
        "TwoFactorTokenRequest",
        Needs::OneOf(&["code", "recoveryCode"]),
    );
    needs(
        schemas,
        "TwoFactorProofRequest",
        Needs::AnyOf(&["password", "code"]),
    );
    needs(
        schemas,
        "EmailSignInVerifyRequest",
        Needs::AnyOfGroups(&[&["token"], &["email", "code"]]),
    );
}

/// Adds `status` with the error envelope, unless the handler documented it already.
fn add_answer(operation: &mut Operation, status: &str, description: &str) {
    if operation.responses.responses.contains_key(status) {
        return;
    }
    let answer = ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorResponse")))
                .build(),
        )
        .build();
    operation
        .responses
        .responses
        .insert(status.to_owned(), RefOr::T(answer));
}

/// Whether the operation may be authenticated by the session cookie.
enum Needs<'a> {
    /// Exactly one of these fields.
    OneOf(&'a [&'a str]),
    /// At least one.
    AnyOf(&'a [&'a str]),
    /// Every field of at least one of the groups.
    AnyOfGroups(&'a [&'a [&'a str]]),
}

/// The schema `name`, with its fields as they are and the rule on which must be there.
fn needs(schemas: &mut BTreeMap<String, RefOr<Schema>>, name: &str, rule: Needs<'_>) {
    let Some(RefOr::T(fields)) = schemas.remove(name) else {
        return;
    };
    // Present and a string: a `null` counts as absent, as the server reads it.
    let present = |field: &str| {
        ObjectBuilder::new()
            .required(field)
            .property(field, ObjectBuilder::new().schema_type(Type::String))
            .build()
    };
    let rule: Schema = match rule {
        Needs::OneOf(names) => names
            .iter()
            .fold(OneOfBuilder::new(), |b, field| b.item(present(field)))
            .build()
            .into(),
        Needs::AnyOf(names) => names
            .iter()
            .fold(AnyOfBuilder::new(), |b, field| b.item(present(field)))
            .build()
            .into(),
        Needs::AnyOfGroups(groups) => groups
            .iter()
            .fold(AnyOfBuilder::new(), |b, group| {
                let all = group.iter().fold(ObjectBuilder::new(), |o, field| {
                    o.required(*field)
                        .property(*field, ObjectBuilder::new().schema_type(Type::String))
                });
                b.item(all.build())
            })
            .build()
            .into(),
    };
    let description = match &fields {
        Schema::Object(object) => object.description.clone(),
        _ => None,
    };
    let combined = AllOfBuilder::new()
        .item(fields)
        .item(rule)
        .description(description)
        .build();
    schemas.insert(name.to_owned(), RefOr::T(Schema::AllOf(combined)));
}

/// The document as the server configured by `settings` serves it: a social sign-in's
/// `provider` is one of the configured ones, and its return URLs are paths or URLs on
/// the origins FRONTEND_URL and CORS_ORIGINS allow. `docs/openapi.json` is this with
/// the default settings.
pub fn for_deployment(document: &mut OpenApi, settings: &Settings) {
    let Some(components) = document.components.as_mut() else {
        return;
    };
    let Some(RefOr::T(Schema::Object(request))) = components.schemas.get_mut("SocialSignInRequest")
    else {
        return;
    };
    let providers: Vec<serde_json::Value> = settings
        .social_providers
        .iter()
        .map(|p| serde_json::Value::String(p.id.clone()))
        .collect();
    if let (false, Some(RefOr::T(Schema::Object(provider)))) =
        (providers.is_empty(), request.properties.get_mut("provider"))
    {
        provider.enum_values = Some(providers);
    }
    let pattern = return_url_pattern(settings);
    for field in ["callbackURL", "errorCallbackURL"] {
        if let Some(RefOr::T(Schema::Object(url))) = request.properties.get_mut(field) {
            url.pattern = Some(pattern.clone());
        }
    }
    // Sign-in by email takes a return URL by the same rule.
    if let Some(RefOr::T(Schema::Object(request))) =
        components.schemas.get_mut("EmailSignInRequest")
        && let Some(RefOr::T(Schema::Object(url))) = request.properties.get_mut("callbackURL")
    {
        url.pattern = Some(pattern);
    }
}

/// A return URL as `social::return_url::trusted` takes it, in ASCII: a path (not
/// `//host`, no backslash), or an http(s) URL on an allowed origin.
fn return_url_pattern(settings: &Settings) -> String {
    const REST: &str = r"[ !-\[\]-~]*";
    let mut origins = vec![regex_escape(
        &settings.frontend.url.origin().ascii_serialization(),
    )];
    for rule in settings.frontend.cors_origins.rules() {
        origins.push(match rule {
            OriginRule::Exact(origin) => regex_escape(origin),
            OriginRule::Subdomains {
                scheme,
                suffix,
                port,
            } => format!(
                "{}://[a-z0-9-]+(\\.[a-z0-9-]+)*\\.{}{}",
                regex_escape(scheme),
                regex_escape(suffix),
                port.map(|p| format!(":{p}")).unwrap_or_default()
            ),
        });
    }
    origins.sort();
    origins.dedup();
    format!("^(/(?![/\\\\]){REST}|({})(/{REST})?)$", origins.join("|"))
}

fn regex_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\^$.|?*+()[]{}".contains(c) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}
