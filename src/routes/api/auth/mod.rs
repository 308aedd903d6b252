//! /api/v1/auth: sign-up, login, logout, me, sessions, passwords.

mod login;
mod logout;
mod me;
mod password;
mod sessions;
mod signup;
mod token;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(
        scope("/api/v1/auth")
            .service(signup::signup)
            .service(login::login)
            .service(token::issue_token)
            .service(token::refresh)
            .service(logout::logout)
            .service(me::me)
            .service(sessions::list)
            .service(sessions::revoke_others)
            .service(sessions::revoke_one)
            .service(password::change_password)
            .service(password::forgot_password)
            .service(password::reset_password),
    );
}
