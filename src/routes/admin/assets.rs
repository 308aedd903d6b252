//! The panel's static files (stylesheet, icon), compiled into the binary: nothing is
//! read from disk or fetched from elsewhere.

use actix_web::{HttpResponse, web};

use crate::routes::embedded::asset;

const STYLESHEET: &str = include_str!("../../../static/admin.css");
const FAVICON: &str = include_str!("../../../static/favicon.svg");

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/static/admin.css").route(web::get().to(stylesheet)))
        .service(web::resource("/static/favicon.svg").route(web::get().to(favicon)));
}

async fn stylesheet() -> HttpResponse {
    asset("text/css; charset=utf-8", STYLESHEET, 3600)
}

async fn favicon() -> HttpResponse {
    asset("image/svg+xml", FAVICON, 3600)
}
