//! The CSRF origin rule and CORS headers of the contract.

use serde_json::{Value, json};

use crate::helpers::{FRONTEND, PASSWORD, TestApp, TestDb, client};

crate::on_both_backends!(
    every_unsafe_route_applies_the_origin_rule,
    cookie_requests_need_an_allowed_origin,
    bearer_requests_are_exempt_from_the_origin_check,
    login_from_a_foreign_browser_origin_is_refused,
);

crate::on_both_databases!(
    cors_headers_follow_the_allow_list,
    forwarded_host_counts_only_from_trusted_proxies,
    preflights_outside_the_grant_and_foreign_origins_get_no_grant,
);

async fn cookie_requests_need_an_allowed_origin(app: TestApp) {
    app.signup("csrf@example.com").await;
    let url = app.url("/api/v1/auth/sessions");
    let cases: &[(Option<(&str, &str)>, u16)] = &[
        (Some(("Origin", FRONTEND)), 204),
        (Some(("Origin", "https://evil.example.net")), 403),
        (Some(("Origin", "null")), 403),
        (
            Some(("Referer", "http://localhost:3000/settings/sessions")),
            204,
        ),
        (Some(("Referer", "https://evil.example.net/page")), 403),
        (None, 403),
    ];
    for (header, expected) in cases {
        let mut request = app.client.delete(&url);
        if let Some((name, value)) = header {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), *expected, "{header:?}");
        if *expected == 403 {
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["error"]["code"], "CSRF_FAILED");
        }
    }
    // The server's own origin is allowed too (same-origin pages).
    let own = app
        .client
        .delete(&url)
        .header("Origin", app.address.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 204);
    // Safe methods need no origin.
    assert_eq!(app.me_status(&app.client).await, 200);
}

async fn bearer_requests_are_exempt_from_the_origin_check(app: TestApp) {
    app.signup("bearer@example.com").await;
    assert_eq!(app.me_status(&app.client).await, 200);
    // The cookie's JWT used as a bearer token by a non-browser client: no Origin.
    let login = client()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "email": "bearer@example.com", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    let cookie = login.headers()["set-cookie"].to_str().unwrap().to_owned();
    let token = cookie
        .trim_start_matches("access_token=")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let response = client()
        .delete(app.url("/api/v1/auth/sessions"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(
        app.me_status(&app.client).await,
        401,
        "the other session was revoked"
    );
}

async fn login_from_a_foreign_browser_origin_is_refused(app: TestApp) {
    app.signup("logincsrf@example.com").await;
    let foreign = client()
        .post(app.url("/api/v1/auth/login"))
        .header("Origin", "https://evil.example.net")
        .json(&json!({ "email": "logincsrf@example.com", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403);
    assert!(foreign.headers().get("set-cookie").is_none());
    // A client without Origin (curl, a server) may log in.
    let plain = client()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "email": "logincsrf@example.com", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), 200);
}

async fn cors_headers_follow_the_allow_list(db: TestDb) {
    let app = TestApp::spawn_on(
        db,
        &[(
            "CORS_ORIGINS",
            "http://localhost:3000, https://*.example.com",
        )],
    )
    .await;
    let preflight = |origin: &'static str| {
        client()
            .request(reqwest::Method::OPTIONS, app.url("/api/v1/auth/login"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "content-type")
            .send()
    };
    for origin in ["http://localhost:3000", "https://app.example.com"] {
        let response = preflight(origin).await.unwrap();
        assert!(
            response.status().is_success(),
            "{origin}: {}",
            response.status()
        );
        let headers = response.headers();
        assert_eq!(headers["access-control-allow-origin"], origin);
        assert_eq!(headers["access-control-allow-credentials"], "true");
        assert_eq!(headers["access-control-max-age"], "86400");
        let methods = headers["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .to_owned();
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] {
            assert!(methods.contains(method), "{methods}");
        }
        let allowed = headers["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .to_ascii_lowercase();
        for header in [
            "content-type",
            "authorization",
            "x-requested-with",
            "accept",
            "origin",
            "x-csrf-token",
        ] {
            assert!(allowed.contains(header), "{allowed}");
        }
        assert!(headers["vary"].to_str().unwrap().contains("Origin"));
    }

    // A foreign origin: no CORS headers, and no 400 from the CORS layer either.
    let foreign = preflight("https://evil.example.net").await.unwrap();
    assert!(foreign.status().as_u16() < 400, "{}", foreign.status());
    assert!(
        foreign
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    let bare_domain = preflight("https://example.com").await.unwrap();
    assert!(
        bare_domain
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );

    let simple = client()
        .get(app.url("/api/health"))
        .header("Origin", "https://evil.example.net")
        .send()
        .await
        .unwrap();
    assert_eq!(simple.status(), 200);
    assert!(
        simple
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    let allowed = client()
        .get(app.url("/api/health"))
        .header("Origin", "https://shop.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://shop.example.com"
    );
    assert_eq!(
        allowed.headers()["access-control-allow-credentials"],
        "true"
    );
}

/// The server's own origin comes from Forwarded / X-Forwarded-Host only when a
/// trusted proxy sends them: a client naming its own page's host there gets nothing.
async fn forwarded_host_counts_only_from_trusted_proxies(db: TestDb) {
    let direct = TestApp::spawn_on(TestDb::reuse(&db), &[]).await;
    direct.signup("host@example.com").await;
    for forged in [
        ("X-Forwarded-Host", "evil.example"),
        ("Forwarded", "host=evil.example;proto=http"),
    ] {
        let response = direct
            .client
            .post(direct.url("/api/v1/auth/logout"))
            .header("Origin", "http://evil.example")
            .header(forged.0, forged.1)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{forged:?}");
    }
    assert_eq!(
        direct.me_status(&direct.client).await,
        200,
        "not logged out"
    );

    // Behind a trusted proxy, the host it forwards is this server's own origin.
    let proxied = TestApp::spawn_on(db, &[("TRUSTED_PROXIES", "127.0.0.1")]).await;
    let browser = proxied.login_elsewhere("host@example.com").await;
    let response = browser
        .post(proxied.url("/api/v1/auth/logout"))
        .header("Origin", "https://auth.example.org")
        .header("X-Forwarded-Host", "auth.example.org")
        .header("X-Forwarded-Proto", "https")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

/// What actix-cors would answer on its own is brought into the contract: a preflight
/// asking for a method or header outside the grant gets 204 without a grant (never
/// plain text), and credentials are never allowed without an origin.
async fn preflights_outside_the_grant_and_foreign_origins_get_no_grant(db: TestDb) {
    let app = TestApp::spawn_on(db, &[]).await;
    for (method, headers) in [("POST", "X-Evil"), ("TRACE", "Content-Type")] {
        let response = client()
            .request(reqwest::Method::OPTIONS, app.url("/api/v1/auth/login"))
            .header("Origin", FRONTEND)
            .header("Access-Control-Request-Method", method)
            .header("Access-Control-Request-Headers", headers)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204, "{method} {headers}");
        assert!(
            !response
                .headers()
                .contains_key("access-control-allow-origin")
        );
        assert!(
            !response
                .headers()
                .contains_key("access-control-allow-credentials")
        );
    }
    // Within the grant: granted.
    let granted = client()
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/auth/login"))
        .header("Origin", FRONTEND)
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "content-type, x-csrf-token",
        )
        .send()
        .await
        .unwrap();
    assert!(granted.status().is_success());
    assert_eq!(granted.headers()["access-control-allow-origin"], FRONTEND);

    let foreign = client()
        .get(app.url("/api/health"))
        .header("Origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 200);
    assert!(
        !foreign
            .headers()
            .contains_key("access-control-allow-origin")
    );
    assert!(
        !foreign
            .headers()
            .contains_key("access-control-allow-credentials")
    );
}

/// The unsafe operations of the served route table (registering a handler documents
/// it), with whether each takes the session cookie.
async fn unsafe_routes(app: &TestApp) -> Vec<(String, String, bool)> {
    let document: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let mut routes = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in ["post", "put", "patch", "delete"] {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let takes_cookie = operation["security"]
                .as_array()
                .is_some_and(|requirements| requirements.iter().any(|r| r.get("cookie").is_some()));
            // Path parameters get a value no row has: the rule answers before any
            // lookup.
            let concrete = crate::helpers::concrete_path(path);
            routes.push((method.to_uppercase(), concrete, takes_cookie));
        }
    }
    routes
}

/// Walks every unsafe route of the API: a browser with the session cookie is refused
/// from a foreign origin everywhere, and without any Origin or Referer wherever the
/// cookie authenticates; a bearer token is exempt. Nothing is reached: the session
/// still works afterwards.
async fn every_unsafe_route_applies_the_origin_rule(app: TestApp) {
    app.signup("walker@example.com").await;
    let routes = unsafe_routes(&app).await;
    let cookie_routes = routes.iter().filter(|r| r.2).count();
    assert!(routes.len() >= 25 && cookie_routes >= 12, "{routes:?}");
    let send = |method: &str, path: &str| {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        app.client
            .request(method, app.url(path))
            .header("content-type", "application/json")
            .body("{}")
    };
    let csrf_failed = |response: reqwest::Response| async move {
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or_default();
        status == 403 && body["error"]["code"] == "CSRF_FAILED"
    };
    let mut unguarded = Vec::new();
    for (method, path, takes_cookie) in &routes {
        let foreign = send(method, path)
            .header("Origin", "https://evil.example.net")
            .send()
            .await
            .unwrap();
        if !csrf_failed(foreign).await {
            unguarded.push(format!("{method} {path} from a foreign origin"));
        }
        if *takes_cookie {
            let bare = send(method, path).send().await.unwrap();
            if !csrf_failed(bare).await {
                unguarded.push(format!("{method} {path} with no Origin"));
            }
        }
    }
    assert!(unguarded.is_empty(), "not refused: {unguarded:#?}");
    // None of it reached a handler: the session is still there.
    assert_eq!(app.me_status(&app.client).await, 200);

    // A bearer token is exempt, whatever the origin: the handler answers.
    let pair: Value = app
        .post_with(
            &client(),
            "/api/v1/auth/token",
            json!({ "email": "walker@example.com", "password": PASSWORD }),
        )
        .await
        .json()
        .await
        .unwrap();
    let token = pair["token"].as_str().unwrap_or_else(|| panic!("{pair}"));
    let exempt = client()
        .post(app.url("/api/v1/auth/two-factor/setup"))
        .bearer_auth(token)
        .header("Origin", "https://evil.example.net")
        .json(&json!({ "password": "not the password" }))
        .send()
        .await
        .unwrap();
    let body: Value = exempt.json().await.unwrap();
    assert_eq!(body["error"]["code"], "INVALID_PASSWORD");
}

/// Every unsafe handler that reads the session (`AuthUser`, `MaybeUser`) says so in
/// its document (`security(("cookie" = [])…)`): the document is what the origin rule
/// reads to know which routes the cookie authenticates.
#[test]
fn every_handler_that_reads_the_session_documents_the_cookie() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/routes/api");
    let mut files = vec![root.clone()];
    let mut undocumented = Vec::new();
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let source = std::fs::read_to_string(&path).unwrap();
        // Each handler: its `#[utoipa::path(...)]` attribute, then its signature.
        for handler in source.split("#[utoipa::path(").skip(1) {
            let Some(fn_at) = handler.find("pub async fn") else {
                continue;
            };
            let (attribute, rest) = handler.split_at(fn_at);
            // The parameters: up to the return type.
            let signature = rest.split(") -> ").next().unwrap_or(rest);
            let reads_session = signature.contains("AuthUser") || signature.contains("MaybeUser");
            let unsafe_method = ["#[post(", "#[put(", "#[patch(", "#[delete("]
                .iter()
                .any(|m| attribute.contains(m));
            if reads_session && unsafe_method && !attribute.contains("\"cookie\"") {
                let name = rest.split('(').next().unwrap_or_default().trim().to_owned();
                undocumented.push(format!("{}: {name}", path.display()));
            }
        }
    }
    assert!(undocumented.is_empty(), "{undocumented:#?}");
}
