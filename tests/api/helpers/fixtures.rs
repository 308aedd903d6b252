//! Fixtures shared by the test files: users made or found in the database, bearer
//! tokens, and readers of the error envelope.

use reqwest::StatusCode;
use sekisho::db::users::{self, User};
use sekisho::db::{self, DbConnection};
use serde_json::{Value, json};

use super::{PASSWORD, TestApp, client};

/// Inserts a user straight into the database (no password that verifies); returns
/// its id.
pub fn insert_user(conn: &mut DbConnection, email: &str) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    let now = db::now();
    users::insert(
        conn,
        &users::NewUser {
            id: &id,
            email,
            name: Some("田中太郎"),
            password_hash: Some("$argon2id$placeholder"),
            email_verified: false,
            image: None,
            role: sekisho::domain::Role::User,
            created_at: now,
            updated_at: now,
        },
    )
    .unwrap();
    id
}

/// The error envelope's status and code.
pub async fn error_code(response: reqwest::Response) -> (StatusCode, String) {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    (
        status,
        body["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

/// Asserts a whole envelope (status, JSON content type, code, a message) and returns
/// the body.
/// Every `Set-Cookie` header of a response, as text.
pub fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("a text header").to_owned())
        .collect()
}

pub async fn envelope(response: reqwest::Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        !body["error"]["message"].as_str().unwrap().is_empty(),
        "{body}"
    );
    body
}

impl TestApp {
    /// The mails in the outbox folder (SMTP unset), as (file, text).
    pub fn outbox_mails(&self) -> Vec<(std::path::PathBuf, String)> {
        std::fs::read_dir(self.db.data_dir().join("outbox"))
            .map(|dir| {
                dir.flatten()
                    .filter(|e| e.file_name().to_string_lossy().ends_with(".eml"))
                    .map(|e| (e.path(), std::fs::read_to_string(e.path()).unwrap()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The outbox's mails once there are at least `count` (mail goes out after the
    /// answer), waiting up to five seconds.
    pub async fn wait_for_outbox(&self, count: usize) -> Vec<(std::path::PathBuf, String)> {
        for _ in 0..50 {
            let mails = self.outbox_mails();
            if mails.len() >= count {
                return mails;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("fewer than {count} mails in the outbox after 5 s");
    }

    /// The outbox's mails that link to the front-end's `page`, oldest first.
    pub fn outbox_mails_to(&self, page: &str) -> Vec<String> {
        let mut mails = self.outbox_mails();
        mails.sort();
        mails
            .into_iter()
            .map(|(_, text)| text)
            .filter(|text| super::smtp::link_to(text, page).is_some())
            .collect()
    }

    /// The outbox's mails linking to `page` once there are at least `count`,
    /// waiting up to five seconds.
    pub async fn wait_for_outbox_to(&self, page: &str, count: usize) -> Vec<String> {
        for _ in 0..50 {
            let mails = self.outbox_mails_to(page);
            if mails.len() >= count {
                return mails;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("fewer than {count} mails to /{page} in the outbox after 5 s");
    }

    /// The live user with this email, as stored.
    pub async fn user_by_email(&self, email: &str) -> User {
        let email = email.to_owned();
        self.with_db(move |conn| users::find_by_email(conn, &email).unwrap().unwrap())
            .await
    }

    pub async fn user_id(&self, email: &str) -> String {
        self.user_by_email(email).await.id.to_string()
    }

    /// Disables `email`'s account as an operator would (reason `security`).
    pub async fn disable_user(&self, email: &str) {
        let id = self.user_id(email).await;
        self.with_db(move |conn| {
            let ban = users::Ban {
                reason: sekisho::domain::BanReason::Security,
                note: None,
                until: None,
            };
            users::set_disabled(conn, &id, Some(&ban), db::now()).unwrap();
        })
        .await;
    }

    /// Takes `email`'s password away, as for an account made by a provider sign-in.
    /// The details of the audit entries of `action`, oldest first.
    pub async fn audit_details(&self, action: &'static str) -> Vec<Option<String>> {
        self.with_db(move |conn| {
            use diesel::prelude::*;
            use sekisho::db::RunOn;
            use sekisho::db::schema::audit_log as a;
            a::table
                .filter(a::action.eq(action))
                .order(a::id.asc())
                .select(a::details)
                .load_on::<Option<String>>(conn)
                .unwrap()
        })
        .await
    }

    /// Marks `email`'s address as proven, as its verification link would.
    pub async fn mark_verified(&self, email: &str) {
        let user = self.user_by_email(email).await;
        self.with_db(move |conn| {
            users::set_email_verified(conn, &user.id, &user.email, db::now()).unwrap();
        })
        .await;
    }

    pub async fn drop_password(&self, email: &str) {
        let id = self.user_id(email).await;
        self.with_db(move |conn| {
            use diesel::prelude::*;
            use sekisho::db::RunOn;
            use sekisho::db::schema::users as u;
            db::update(u::table.find(&id), u::password_hash.eq(None::<String>))
                .execute_on(conn)
                .unwrap();
        })
        .await;
    }

    /// Moves the sign-in of every session of `email` `minutes` into the past (the
    /// recent-sign-in rule reads it).
    pub async fn signed_in_minutes_ago(&self, email: &str, minutes: i64) {
        let id = self.user_id(email).await;
        self.with_db(move |conn| {
            use diesel::prelude::*;
            use sekisho::db::RunOn;
            use sekisho::db::schema::sessions as s;
            let then = db::now() - chrono::TimeDelta::minutes(minutes);
            db::update(s::table.filter(s::user_id.eq(&id)), s::created_at.eq(then))
                .execute_on(conn)
                .unwrap();
        })
        .await;
    }

    /// `/token` for `email` with `PASSWORD`: the token response, asserted 200.
    pub async fn issue_tokens(&self, email: &str) -> Value {
        let response = client()
            .post(self.url("/api/v1/auth/token"))
            .json(&json!({ "email": email, "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }
}
