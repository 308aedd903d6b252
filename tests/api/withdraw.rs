//! Withdrawal: soft delete, obfuscated identity, sessions gone, address free again.

use sekisho::db::RunOn;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, client, error_code};

crate::on_both_backends!(withdrawal_soft_deletes_and_frees_the_address);

async fn withdrawal_soft_deletes_and_frees_the_address(app: TestApp) {
    let user = app.signup("leaving@example.com").await;
    let id = user["id"].as_str().unwrap().to_owned();
    let phone = app.login_elsewhere("leaving@example.com").await;

    let wrong = app
        .post(
            "/api/v1/user/withdraw",
            json!({ "confirmPassword": "wrong password" }),
        )
        .await;
    assert_eq!(error_code(wrong).await.1, "INVALID_PASSWORD");
    let anonymous = client()
        .post(app.url("/api/v1/user/withdraw"))
        .json(&json!({ "confirmPassword": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    let response = app
        .post(
            "/api/v1/user/withdraw",
            json!({ "confirm_password": PASSWORD }),
        )
        .await;
    assert_eq!(response.status(), 200);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.contains("Max-Age=0"), "{cookie}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["success"], true);
    assert_eq!(app.me_status(&phone).await, 401);

    let lookup = id.clone();
    let (row, sessions) = app
        .with_db(move |conn| {
            use diesel::prelude::*;
            use sekisho::db::schema::sessions;
            let row = sekisho::db::users::find_by_id(conn, &lookup)
                .unwrap()
                .unwrap();
            let count: i64 = sessions::table
                .filter(sessions::user_id.eq(&lookup))
                .count()
                .get_result_on(conn)
                .unwrap();
            (row, count)
        })
        .await;
    assert!(row.deleted_at.is_some());
    assert_ne!(row.email, "leaving@example.com");
    assert!(row.name.is_none());
    assert_eq!(sessions, 0, "sessions deleted");

    let login = app.attempt_login("leaving@example.com", PASSWORD).await;
    assert_eq!(login.status(), 401);
    let again = app
        .post_with(
            &client(),
            "/api/v1/auth/signup",
            json!({ "email": "leaving@example.com", "password": PASSWORD }),
        )
        .await;
    assert_eq!(again.status(), 201, "the address can sign up again");
    let body: Value = again.json().await.unwrap();
    assert_ne!(body["user"]["id"], id);
}
