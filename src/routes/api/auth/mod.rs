//! /api/v1/auth: sign-up, login, logout, me, sessions, passwords, email
//! verification, social sign-in, the second factor, passkeys.

mod email_sign_in;
mod introspect;
mod login;
mod logout;
mod me;
mod my_sessions;
mod passkeys;
mod password;
mod signup;
mod social;
mod token;
mod two_factor;
mod verification;

use actix_web::web;
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(
        scope("/api/v1/auth")
            .service(signup::signup)
            .service(login::login)
            .service(token::issue_token)
            .service(token::refresh)
            .service(introspect::introspect)
            .service(two_factor::token)
            .service(logout::logout)
            .service(me::me)
            .service(me::session)
            .service(my_sessions::list)
            .service(my_sessions::revoke_others)
            .service(my_sessions::revoke_one)
            .service(password::change_password)
            .service(password::forgot_password)
            .service(password::reset_password)
            .service(verification::send_verification_email)
            .service(verification::verify_email)
            .service(social::providers)
            .service(social::sign_in_social)
            .service(social::callback)
            .service(social::accounts)
            .service(social::unlink)
            .service(two_factor::setup)
            .service(two_factor::enable)
            .service(two_factor::disable)
            .service(two_factor::recovery_codes)
            .service(two_factor::verify)
            .service(passkeys::register_options)
            .service(passkeys::register)
            .service(passkeys::list)
            .service(passkeys::rename)
            .service(passkeys::remove)
            .service(passkeys::sign_in_options)
            .service(passkeys::sign_in)
            .service(email_sign_in::sign_in_email)
            .service(email_sign_in::verify_email_sign_in)
            // A wrong method on a path of this scope: 405 with Allow, as at /api.
            .default_service(web::to(super::not_found)),
    );
}
