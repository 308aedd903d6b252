//! The CSRF origin rules on every route, before any extractor or handler runs: the
//! API's (`http::origin_check::check`) under `/api/`, the panel's (its own origin
//! only) under `/admin`: a new handler cannot forget it, and a refused request
//! never reaches body parsing or the database. A hand-written service, not `from_fn`:
//! a safe request (most of them: /me) passes straight through, with no boxed future.

use std::future::{Ready, ready};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::{Error, HttpResponse, ResponseError, web};
use pin_project_lite::pin_project;

use crate::http::origin_check::{self, CookieRoutes};
use crate::state::AppState;

/// Applies the origin rules to requests under `/api/` and `/admin`.
#[derive(Clone)]
pub struct GuardOrigins {
    cookie_routes: Rc<CookieRoutes>,
}

impl GuardOrigins {
    pub fn new(cookie_routes: CookieRoutes) -> Self {
        Self {
            cookie_routes: Rc::new(cookie_routes),
        }
    }
}

impl<S, B> Transform<S, ServiceRequest> for GuardOrigins
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B, BoxBody>>;
    type Error = Error;
    type Transform = OriginGuard<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(OriginGuard {
            service,
            cookie_routes: self.cookie_routes.clone(),
        }))
    }
}

pub struct OriginGuard<S> {
    service: S,
    cookie_routes: Rc<CookieRoutes>,
}

impl<S, B> Service<ServiceRequest> for OriginGuard<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<EitherBody<B, BoxBody>>;
    type Error = Error;
    type Future = Guarded<S::Future>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        if req.path().starts_with("/admin")
            && origin_check::is_unsafe(req.method())
            && let Some(state) = req.app_data::<web::Data<AppState>>()
            && origin_check::foreign_to_panel(req.request(), &state.settings, &state.proxies)
        {
            let response = req.into_response(
                HttpResponse::Forbidden()
                    .content_type("text/plain; charset=utf-8")
                    .body("403 Forbidden: this form was sent from another site."),
            );
            return Guarded::Refused {
                response: Some(response),
            };
        }
        if req.path().starts_with("/api/")
            && origin_check::is_unsafe(req.method())
            && let Some(state) = req.app_data::<web::Data<AppState>>()
            && let Err(refused) = origin_check::check(
                req.request(),
                &state.settings,
                &state.proxies,
                &self.cookie_routes,
            )
        {
            // Explained only when it is logged: once a minute per claimed origin.
            let origin = origin_check::request_origin(req.request());
            let key = format!("csrf {}", origin.as_deref().unwrap_or("(none)"));
            if state.refusal_log.allows(&key) {
                let why =
                    origin_check::explain_refusal(req.request(), &state.settings, &state.proxies);
                log::warn!("{why} (logged once a minute per origin)");
            }
            let response = req.into_response(refused.error_response());
            return Guarded::Refused {
                response: Some(response),
            };
        }
        Guarded::Passed {
            inner: self.service.call(req),
        }
    }
}

pin_project! {
    /// The handler's answer, or the refusal made before it.
    #[project = GuardedProjection]
    pub enum Guarded<F> {
        Passed { #[pin] inner: F },
        Refused { response: Option<ServiceResponse<BoxBody>> },
    }
}

impl<F, B> Future for Guarded<F>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
{
    type Output = Result<ServiceResponse<EitherBody<B, BoxBody>>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            GuardedProjection::Passed { inner } => inner
                .poll(cx)
                .map(|answer| answer.map(ServiceResponse::map_into_left_body)),
            // Taken once: a future is not polled again after it is ready.
            GuardedProjection::Refused { response } => match response.take() {
                Some(response) => Poll::Ready(Ok(response.map_into_right_body())),
                None => Poll::Pending,
            },
        }
    }
}
