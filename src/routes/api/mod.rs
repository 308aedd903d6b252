//! The JSON API under /api: thin handlers, one file per area. Routes are registered
//! through utoipa-actix-web, so registering a handler documents it.

mod api_json;
pub use api_json::ApiJson;
mod auth;
pub mod dto;
mod greeting;
mod health;
mod management;
mod management_webhooks;
mod openapi;
mod openapi_rules;
mod user;
mod validate;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{App, HttpRequest, HttpResponse, web};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_actix_web::service_config::ServiceConfig;

pub use openapi::BaseDocument;

use crate::error::{ApiError, ErrorCode};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::health)
        .service(health::live)
        .service(health::ready)
        .service(openapi::openapi_json)
        .service(greeting::greeting)
        .configure(auth::configure)
        .configure(user::configure)
        .configure(management::configure);
}

/// The OpenAPI document of every /api route as the server configured by `settings`
/// serves it, from the handlers' own registrations and `openapi_rules`: what
/// `sekisho openapi` prints (with the default settings) and `docs/openapi.json` holds.
/// The server builds the same document while it registers the routes (see
/// `startup`, which finishes it with `finish_document`).
pub fn document(settings: &crate::config::Settings) -> utoipa::openapi::OpenApi {
    let (_, mut document) = App::new()
        .into_utoipa_app()
        .openapi(BaseDocument::openapi())
        .configure(configure)
        .split_for_parts();
    finish_document(&mut document, settings);
    document
}

/// What the registrations leave out (`openapi_rules`).
pub fn finish_document(
    document: &mut utoipa::openapi::OpenApi,
    settings: &crate::config::Settings,
) {
    openapi_rules::complete(document);
    openapi_rules::for_deployment(document, settings);
}

/// Anything under /api that no route matched: 405 with `Allow` when the path is a
/// documented route with other methods (the document is the route table), else 404.
pub async fn not_found(
    req: HttpRequest,
    document: web::Data<utoipa::openapi::OpenApi>,
) -> Result<HttpResponse, ApiError> {
    let methods = allowed_methods(&document, req.path());
    if methods.is_empty() {
        return Err(ApiError::new(ErrorCode::NotFound));
    }
    let error = ApiError::new(ErrorCode::MethodNotAllowed);
    let mut response = actix_web::ResponseError::error_response(&error);
    if let Ok(value) = HeaderValue::from_str(&methods.join(", ")) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    Ok(response)
}

fn allowed_methods(document: &utoipa::openapi::OpenApi, path: &str) -> Vec<String> {
    let Some((_, item)) = document
        .paths
        .paths
        .iter()
        .find(|(template, _)| crate::http::origin_check::path_matches(template, path))
    else {
        return Vec::new();
    };
    let mut methods: Vec<String> = [
        ("GET", item.get.is_some()),
        ("POST", item.post.is_some()),
        ("PUT", item.put.is_some()),
        ("PATCH", item.patch.is_some()),
        ("DELETE", item.delete.is_some()),
    ]
    .into_iter()
    .filter(|(_, present)| *present)
    .map(|(method, _)| method.to_owned())
    .collect();
    methods.push("OPTIONS".into());
    methods
}
