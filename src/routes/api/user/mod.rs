//! /api/v1/user: the account itself.

mod change_email;
mod profile;
mod withdraw;

use actix_web::web;
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(
        scope("/api/v1/user")
            .service(change_email::change_email)
            .service(profile::update_profile)
            .service(withdraw::withdraw)
            .default_service(web::to(super::not_found)),
    );
}
