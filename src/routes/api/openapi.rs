//! The OpenAPI document: its fixed parts (title, security schemes) and GET
//! /api/openapi.json. The paths come from the registered handlers.

use actix_web::{HttpResponse, get, web};
use utoipa::openapi::OpenApi as Document;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::api::dto::ErrorResponse;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Sekisho",
        description = "The authentication API: cookie sessions for browsers, bearer tokens for other clients. Every non-2xx response is an ErrorResponse."
    ),
    // Relative: the document describes the server that serves it, wherever that is.
    servers((url = "/", description = "The Sekisho server serving this document")),
    components(schemas(ErrorResponse)),
    modifiers(&SecuritySchemes)
)]
pub struct BaseDocument;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "access_token",
                "HttpOnly session cookie holding a JWT signed with the key its kid names in /.well-known/jwks.json (its name is COOKIE_NAME)",
            ))),
        );
        components.add_security_scheme(
            "managementKey",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("sk_…")
                    .description(Some(
                        "A management key (`sekisho management-key create`), for the app's own backend",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The document itself, generated at start-up from the registered handlers.
#[utoipa::path(tag = "health", responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json")))]
#[get("/api/openapi.json")]
pub async fn openapi_json(document: web::Data<Document>) -> HttpResponse {
    HttpResponse::Ok().json(document.get_ref())
}
