//! An operator's browser, for the admin-panel tests: a cookie-keeping client that
//! reads the CSRF token from the pages like a form would.

use super::{TestApp, client};

pub const OPERATOR: &str = "ops@example.com";
pub const OPERATOR_PASSWORD: &str = "operator password 1";

pub struct AdminBrowser {
    pub client: reqwest::Client,
    base: String,
}

/// The hidden csrf_token of a page.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("a csrf_token field") + marker.len();
    html[start..].split('"').next().expect("token").to_owned()
}

impl TestApp {
    /// Creates the operator account (as `create-admin` would).
    pub async fn create_operator(&self) {
        self.with_db(|conn| {
            sekisho::bootstrap::ensure_admin(
                conn,
                OPERATOR,
                Some("運用"),
                OPERATOR_PASSWORD,
                sekisho::bootstrap::PasswordPolicy::Overwrite,
            )
            .expect("operator created");
        })
        .await;
    }

    /// A fresh browser signed in to the panel as `email`.
    pub async fn admin_login(
        &self,
        email: &str,
        password: &str,
    ) -> (AdminBrowser, reqwest::Response) {
        let browser = AdminBrowser {
            client: client(),
            base: self.address.clone(),
        };
        let page = browser.get("/admin/login").await.text().await.unwrap();
        let response = browser
            .post(
                "/admin/login",
                &[
                    ("email", email),
                    ("password", password),
                    ("csrf_token", &csrf_of(&page)),
                ],
            )
            .await;
        (browser, response)
    }

    pub async fn operator(&self) -> AdminBrowser {
        self.create_operator().await;
        let (browser, response) = self.admin_login(OPERATOR, OPERATOR_PASSWORD).await;
        assert_eq!(response.status(), 303, "operator login");
        browser
    }
}

impl AdminBrowser {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request sent")
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .await
            .expect("request sent")
    }

    /// The HTML of a page, asked for with `Accept-Language: accept_language`.
    pub async fn page_in(&self, path: &str, accept_language: &str) -> String {
        self.client
            .get(format!("{}{path}", self.base))
            .header("accept-language", accept_language)
            .send()
            .await
            .expect("request sent")
            .text()
            .await
            .expect("page body")
    }

    /// The HTML of a page.
    pub async fn page(&self, path: &str) -> String {
        self.get(path).await.text().await.expect("page body")
    }

    /// The CSRF token of this browser's session, read off a page.
    pub async fn csrf(&self) -> String {
        csrf_of(&self.page("/admin").await)
    }

    /// Submits a panel form with this session's token and returns the response.
    pub async fn submit(&self, path: &str, extra: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf().await;
        let mut form = vec![("csrf_token", token.as_str())];
        form.extend_from_slice(extra);
        self.post(path, &form).await
    }
}
