//! Asymmetric signing keys: the JWKS, tokens another service verifies with a stock
//! library (jsonwebtoken here, from the published JWK only), an earlier release's
//! HS256 cookie still accepted, rotation (publish first, sign later), a key another
//! instance made, retirement.

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, TestDb};

crate::on_both_backends!(
    the_jwks_publishes_the_key_that_signs_the_cookie,
    an_earlier_releases_cookie_still_works,
    a_kid_is_checked_with_its_own_algorithm_only,
    a_rotated_key_is_published_before_it_signs,
);
crate::on_both_databases!(
    a_key_another_instance_made_is_loaded_when_a_token_names_it,
    a_superseded_key_is_retired_once_its_tokens_have_expired,
    ed25519_keys_by_configuration,
);

const SECRET: &str = "test-secret-key-that-is-long-enough-0123456789";

async fn jwks(app: &TestApp) -> (JwkSet, reqwest::header::HeaderMap) {
    let response = app.get("/.well-known/jwks.json").await;
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    (response.json().await.expect("a key set"), headers)
}

/// The audit entries of `action`, newest first.
async fn audited(app: &TestApp, action: &'static str) -> Vec<sekisho::db::audit::AuditEntry> {
    app.with_db(move |conn| {
        sekisho::db::audit::list(conn, None, 200)
            .unwrap()
            .into_iter()
            .filter(|e| e.action.as_str() == action)
            .collect()
    })
    .await
}

fn kids_of(set: &JwkSet) -> Vec<String> {
    set.keys
        .iter()
        .filter_map(|k| k.common.key_id.clone())
        .collect()
}

/// Rotates with the panel's button; the new key's id, the one the JWKS did not have.
async fn rotate_in_panel(app: &TestApp) -> String {
    let before = kids_of(&jwks(app).await.0);
    let operator = app.operator().await;
    let response = operator.submit("/admin/keys/rotate", &[]).await;
    assert_eq!(response.status(), 303);
    kids_of(&jwks(app).await.0)
        .into_iter()
        .find(|kid| !before.contains(kid))
        .expect("a new key is published")
}

async fn me_with_cookie(app: &TestApp, token: &str) -> u16 {
    app.client
        .get(app.url("/api/v1/auth/me"))
        .header("cookie", format!("access_token={token}"))
        .send()
        .await
        .expect("request sent")
        .status()
        .as_u16()
}

/// Verifies `token` as another service would: the key its kid names in the JWKS,
/// the issuer and the audience the contract says.
fn verify_with(set: &JwkSet, token: &str, issuer: &str) -> Value {
    let header = jsonwebtoken::decode_header(token).expect("a header");
    let kid = header.kid.expect("a kid");
    let jwk = set.find(&kid).expect("the kid is published");
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&["sekisho"]);
    jsonwebtoken::decode::<Value>(
        token,
        &DecodingKey::from_jwk(jwk).expect("a key"),
        &validation,
    )
    .expect("the token verifies with the published key")
    .claims
}

async fn the_jwks_publishes_the_key_that_signs_the_cookie(app: TestApp) {
    let user = app.signup("keys@example.com").await;
    let token = app.cookie_token("keys@example.com").await;
    let (set, headers) = jwks(&app).await;
    assert_eq!(
        headers.get("cache-control").and_then(|v| v.to_str().ok()),
        Some("public, max-age=300")
    );
    assert_eq!(set.keys.len(), 1, "one key at first");
    let header = jsonwebtoken::decode_header(&token).expect("a header");
    assert_eq!(header.alg, Algorithm::ES256, "ES256 by default");
    let claims = verify_with(&set, &token, "http://localhost:3000");
    assert_eq!(claims["sub"], user["id"]);
    assert_eq!(claims["email"], "keys@example.com");
    assert_eq!(claims["emailVerified"], false);
    assert_eq!(claims["role"], "user");
    assert_eq!(claims["aud"], "sekisho");
    assert!(claims["sid"].is_string() && claims["iat"].is_i64() && claims["exp"].is_i64());
    // The JWK as the contract lists it, no private part.
    let raw: Value = app
        .get("/.well-known/jwks.json")
        .await
        .json()
        .await
        .unwrap();
    let key = &raw["keys"][0];
    assert_eq!(key["kty"], "EC");
    assert_eq!(key["crv"], "P-256");
    assert_eq!(key["alg"], "ES256");
    assert_eq!(key["use"], "sig");
    assert!(key["x"].is_string() && key["y"].is_string());
    assert!(key.get("d").is_none(), "never the private key");

    // A bearer access token: the same key, the same claims.
    let pair: Value = app
        .post(
            "/api/v1/auth/token",
            json!({"email": "keys@example.com", "password": PASSWORD}),
        )
        .await
        .json()
        .await
        .unwrap();
    let access = pair["token"].as_str().expect("a token");
    let claims = verify_with(&set, access, "http://localhost:3000");
    assert_eq!(claims["sub"], user["id"]);
}

async fn an_earlier_releases_cookie_still_works(app: TestApp) {
    app.signup("legacy@example.com").await;
    let token = app.cookie_token("legacy@example.com").await;
    let claims = jsonwebtoken::dangerous::insecure_decode::<Value>(&token)
        .expect("claims")
        .claims;
    // What the release before asymmetric keys put in the cookie: HS256 under
    // SECRET_KEY, no kid, these four claims, for a session row that is live.
    let legacy = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &json!({"sub": claims["sub"], "sid": claims["sid"], "iat": claims["iat"], "exp": claims["exp"]}),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    assert_eq!(
        me_with_cookie(&app, &legacy).await,
        200,
        "an upgrade signs nobody out"
    );

    // Still a session check: once the session is revoked, the old cookie is refused.
    let logout = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .header("cookie", format!("access_token={legacy}"))
        .header("origin", crate::helpers::FRONTEND)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 200);
    assert_eq!(me_with_cookie(&app, &legacy).await, 401);

    // Another secret's HS256 token is nobody's.
    let forged = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &json!({"sub": claims["sub"], "sid": claims["sid"], "iat": claims["iat"], "exp": claims["exp"]}),
        &EncodingKey::from_secret(b"another-secret-key-that-is-long-enough-0123"),
    )
    .unwrap();
    assert_eq!(me_with_cookie(&app, &forged).await, 401);
}

async fn a_kid_is_checked_with_its_own_algorithm_only(app: TestApp) {
    app.signup("kid@example.com").await;
    let token = app.cookie_token("kid@example.com").await;
    let header = jsonwebtoken::decode_header(&token).unwrap();
    let claims = jsonwebtoken::dangerous::insecure_decode::<Value>(&token)
        .unwrap()
        .claims;
    // The ES256 key's kid on an HS256 token made with SECRET_KEY (which an earlier
    // release's tokens are checked with): refused.
    let mut forged_header = Header::new(Algorithm::HS256);
    forged_header.kid = header.kid;
    let forged = jsonwebtoken::encode(
        &forged_header,
        &claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    assert_eq!(me_with_cookie(&app, &forged).await, 401);
    // A kid nobody made.
    let mut unknown = Header::new(Algorithm::HS256);
    unknown.kid = Some("no-such-key".into());
    let forged = jsonwebtoken::encode(
        &unknown,
        &claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    assert_eq!(me_with_cookie(&app, &forged).await, 401);
    assert_eq!(me_with_cookie(&app, &token).await, 200);
}

async fn a_rotated_key_is_published_before_it_signs(app: TestApp) {
    app.signup("rotate@example.com").await;
    let before = app.cookie_token("rotate@example.com").await;
    let old_kid = jsonwebtoken::decode_header(&before).unwrap().kid.unwrap();
    let new_kid = rotate_in_panel(&app).await;
    let (set, _) = jwks(&app).await;
    let kids = kids_of(&set);
    assert!(
        kids.contains(&old_kid) && kids.contains(&new_kid),
        "both published: {kids:?}"
    );
    let page = app.operator().await.page("/admin/keys").await;
    assert!(
        page.contains(&new_kid) && page.contains("Published, signs later"),
        "{page}"
    );
    // JWT_KEY_PUBLISH_SECONDS (600 by default) has not passed: the old key still signs.
    let after = app.cookie_token("rotate@example.com").await;
    assert_eq!(
        jsonwebtoken::decode_header(&after).unwrap().kid,
        Some(old_kid)
    );
    assert_eq!(me_with_cookie(&app, &before).await, 200);
    assert_eq!(
        audited(&app, "key.signing_key_added").await.len(),
        1,
        "the rotation is audited (the first key is the installation's)"
    );
}

async fn a_key_another_instance_made_is_loaded_when_a_token_names_it(db: TestDb) {
    let first = TestApp::spawn_on(TestDb::reuse(&db), &[("JWT_KEY_PUBLISH_SECONDS", "0")]).await;
    let second = TestApp::spawn_on(TestDb::reuse(&db), &[("JWT_KEY_PUBLISH_SECONDS", "0")]).await;
    first.signup("two@example.com").await;
    let (set, _) = jwks(&first).await;
    assert_eq!(
        set.keys.len(),
        1,
        "the second instance found the first one's key"
    );
    // The second instance rotates; with no publish delay its new key signs at once.
    let new_kid = rotate_in_panel(&second).await;
    let token = second.cookie_token("two@example.com").await;
    assert_eq!(
        jsonwebtoken::decode_header(&token).unwrap().kid,
        Some(new_kid)
    );
    // The first instance has not loaded its ring since; the token's kid makes it.
    assert_eq!(me_with_cookie(&first, &token).await, 200);
    assert_eq!(jwks(&first).await.0.keys.len(), 2);
}

async fn a_superseded_key_is_retired_once_its_tokens_have_expired(db: TestDb) {
    let app = TestApp::spawn_on(TestDb::reuse(&db), &[("JWT_KEY_PUBLISH_SECONDS", "0")]).await;
    app.signup("retire@example.com").await;
    let old = app.cookie_token("retire@example.com").await;
    let old_kid = jsonwebtoken::decode_header(&old).unwrap().kid.unwrap();
    let new_kid = rotate_in_panel(&app).await;
    // Superseded just now: its tokens are valid for days yet, so it stays.
    sekisho::startup::housekeeping_pass(&app.pool, &app.settings).await;
    assert_eq!(jwks(&app).await.0.keys.len(), 2);
    // Superseded longer ago than any token lives (the new key's start moved back).
    let kid = new_kid.clone();
    app.with_db(move |conn| {
        use diesel::prelude::*;
        use sekisho::db::RunOn;
        use sekisho::db::schema::signing_keys::dsl;
        let long_ago = sekisho::db::now() - chrono::TimeDelta::days(400);
        sekisho::db::update(dsl::signing_keys.find(kid), dsl::signs_from.eq(long_ago))
            .execute_on(conn)
            .unwrap();
        let older = long_ago - chrono::TimeDelta::days(1);
        sekisho::db::update(
            dsl::signing_keys.filter(dsl::kid.ne(new_kid)),
            dsl::signs_from.eq(older),
        )
        .execute_on(conn)
        .unwrap();
    })
    .await;
    sekisho::startup::housekeeping_pass(&app.pool, &app.settings).await;
    let kids = kids_of(&jwks(&app).await.0);
    assert!(!kids.contains(&old_kid), "retired: {kids:?}");
    assert_eq!(kids.len(), 1);
    assert_eq!(audited(&app, "key.signing_key_retired").await.len(), 1);
}

async fn ed25519_keys_by_configuration(db: TestDb) {
    let app = TestApp::spawn_on(
        TestDb::reuse(&db),
        &[
            ("JWT_ALGORITHM", "EdDSA"),
            ("JWT_ISSUER", "https://auth.example.com"),
        ],
    )
    .await;
    app.signup("ed@example.com").await;
    let token = app.cookie_token("ed@example.com").await;
    assert_eq!(
        jsonwebtoken::decode_header(&token).unwrap().alg,
        Algorithm::EdDSA
    );
    let (set, _) = jwks(&app).await;
    let claims = verify_with(&set, &token, "https://auth.example.com");
    assert_eq!(claims["email"], "ed@example.com");
    assert_eq!(me_with_cookie(&app, &token).await, 200);
}

crate::on_both_databases!(the_command_line_rotates_and_lists_keys);

async fn the_command_line_rotates_and_lists_keys(db: TestDb) {
    let app = TestApp::spawn_on(TestDb::reuse(&db), &[]).await;
    let first = kids_of(&jwks(&app).await.0);
    let run = |args: &[&str]| {
        let output = crate::cli::sekisho(&db).args(args).output().unwrap();
        assert!(output.status.success(), "{args:?}: {output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    let rotated = run(&["keys", "rotate"]);
    assert!(rotated.starts_with("added signing key "), "{rotated}");
    assert!(rotated.contains("published now, signing from"), "{rotated}");
    let listed = run(&["keys", "list"]);
    assert_eq!(listed.lines().count(), 2, "{listed}");
    assert!(listed.contains(&format!("{}  ES256", first[0])), "{listed}");
    assert!(
        listed.contains("signing") && listed.contains("published, signs later"),
        "{listed}"
    );
    // The running server publishes the new key at once (the JWKS reads the database).
    assert_eq!(jwks(&app).await.0.keys.len(), 2);
    let added = audited(&app, "key.signing_key_added").await;
    assert_eq!(added.len(), 1);
    assert_eq!(
        added[0].actor_email.as_deref(),
        Some("system"),
        "the command line's rotation is the system's"
    );
}
