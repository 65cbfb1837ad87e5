//! HTTP test harness: the real router on a real store (SQLite and PostgreSQL), and a
//! small cookie-keeping client.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use jianguan_domain::auth::{totp, Role};
use jianguan_domain::config::Config;
use jianguan_domain::crypto::FieldCipher;
use jianguan_store::testing::{self, TestStore};
use jianguan_store::{Actor, NewAccount};
use jianguan_web::{security, AppState};
use std::collections::HashMap;
use tower::ServiceExt;

pub const PASSWORD: &str = "Test-Passw0rd";
pub const TOTP_SECRET: &[u8] = b"12345678901234567890";

pub struct App {
    pub t: TestStore,
    pub state: AppState,
    pub router: Router,
}

impl App {
    pub async fn all() -> Vec<App> {
        let mut out = Vec::new();
        for t in testing::all().await {
            out.push(App::on(t, Config::default()).await);
        }
        out
    }

    pub async fn on(t: TestStore, config: Config) -> App {
        // Uploaded files go to the test's own temporary directory.
        let config = Config { data_dir: t.dir.display().to_string(), ..config };
        t.store.seed_organisation(&Actor::system()).await.unwrap();
        let state = AppState::new(
            t.store.clone(),
            config,
            FieldCipher::from_master(b"test-master-key-0123456789abcdef"),
            vec![7u8; 32],
        );
        let router = jianguan_web::router(state.clone());
        App { t, state, router }
    }

    /// Loads the built-in annexes as `serve` does at start-up.
    pub async fn load_ledgers(&self) {
        jianguan_web::pages::ledger::service::load_builtin(&self.t.store, Default::default()).await.unwrap();
    }

    pub fn name(&self) -> &'static str {
        self.t.name
    }

    pub async fn dept(&self, code: &str) -> i64 {
        self.t.store.list_units().await.unwrap().into_iter().find(|u| u.code == code).unwrap().id
    }

    /// An account ready to log in with [`PASSWORD`] (admins get a TOTP secret).
    pub async fn account(&self, username: &str, dept: &str, roles: &[Role]) -> i64 {
        let s = &self.t.store;
        let a = s
            .create_account(
                &Actor::system(),
                &NewAccount {
                    username: username.into(),
                    display_name: format!("测试{username}"),
                    department_id: self.dept(dept).await,
                    password_hash: security::hash_password(PASSWORD),
                    must_change_password: false,
                },
            )
            .await
            .unwrap();
        s.set_roles(&Actor::system(), a.id, roles).await.unwrap();
        if roles.iter().any(|r| r.is_admin()) {
            let sealed = self.state.cipher.encrypt(&hex::encode(TOTP_SECRET), [3u8; 16]);
            s.set_totp(&Actor::system(), a.id, Some(&sealed), true).await.unwrap();
        }
        a.id
    }

    pub fn client(&self) -> Client {
        Client { router: self.router.clone(), cookies: HashMap::new(), csrf: None }
    }

    /// A client signed in as `username` (password, and TOTP for admins).
    pub async fn login(&self, username: &str) -> Client {
        let mut c = self.client();
        let r = c.login(username, PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}: login {username}: {}", self.name(), r.text);
        if r.location().starts_with("/login/totp") {
            c.csrf_from_page("/login/totp").await;
            // Each TOTP code is accepted once: use the next window's code on a second login.
            let now = chrono::Utc::now().timestamp();
            let mut ok = false;
            for offset in [0i64, 30, -30] {
                let code = totp::code(TOTP_SECRET, now + offset);
                let r = c.post_form("/login/totp", &[("code", &code)]).await;
                if r.status == StatusCode::SEE_OTHER && !r.location().starts_with("/login") {
                    ok = true;
                    break;
                }
            }
            assert!(ok, "{}: TOTP for {username}", self.name());
        }
        c.refresh_csrf().await;
        c
    }
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub text: String,
}

impl Resp {
    pub fn location(&self) -> String {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

pub struct Client {
    pub router: Router,
    pub cookies: HashMap<String, String>,
    pub csrf: Option<String>,
}

impl Client {
    pub async fn send(&mut self, req: Request<Body>) -> Resp {
        let mut req = req;
        if !self.cookies.is_empty() {
            let c = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
            req.headers_mut().insert(header::COOKIE, c.parse().unwrap());
        }
        let resp = self.router.clone().oneshot(req).await.unwrap();
        for v in resp.headers().get_all(header::SET_COOKIE) {
            let v = v.to_str().unwrap();
            let (kv, rest) = v.split_once(';').unwrap_or((v, ""));
            let (k, val) = kv.split_once('=').unwrap();
            if rest.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), val.to_string());
            }
        }
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        Resp { status, headers, text: String::from_utf8_lossy(&bytes).into_owned() }
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        self.send(Request::builder().uri(path).body(Body::empty()).unwrap()).await
    }

    pub async fn request(
        &mut self,
        method: Method,
        path: &str,
        body: Body,
        content_type: Option<&str>,
        csrf: Option<&str>,
    ) -> Resp {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(ct) = content_type {
            b = b.header(header::CONTENT_TYPE, ct);
        }
        if let Some(t) = csrf {
            b = b.header("x-csrf-token", t);
        }
        self.send(b.body(body).unwrap()).await
    }

    /// A urlencoded form post carrying the right CSRF token (session or double-submit).
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let token =
            self.csrf.clone().or_else(|| self.cookies.get(security::PRE_CSRF_COOKIE).cloned()).unwrap_or_default();
        let mut body: Vec<String> =
            fields.iter().map(|(k, v)| format!("{}={}", urlencoding::encode(k), urlencoding::encode(v))).collect();
        body.push(format!("_csrf={}", urlencoding::encode(&token)));
        self.request(Method::POST, path, Body::from(body.join("&")), Some("application/x-www-form-urlencoded"), None)
            .await
    }

    pub async fn post_json(&mut self, path: &str, json: &serde_json::Value) -> Resp {
        let csrf = self.csrf.clone();
        self.request(Method::POST, path, Body::from(json.to_string()), Some("application/json"), csrf.as_deref()).await
    }

    pub async fn login(&mut self, username: &str, password: &str) -> Resp {
        if !self.cookies.contains_key(security::PRE_CSRF_COOKIE) {
            self.get("/login").await;
        }
        self.post_form("/login", &[("username", username), ("password", password)]).await
    }

    /// Reads the CSRF token a page's forms carry.
    pub async fn csrf_from_page(&mut self, path: &str) {
        let r = self.get(path).await;
        self.csrf =
            r.text.split("name=\"_csrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).map(str::to_string);
    }

    pub async fn refresh_csrf(&mut self) {
        let r = self.get("/api/v1/me").await;
        self.csrf = if r.status == StatusCode::OK { r.json()["csrf_token"].as_str().map(str::to_string) } else { None };
    }
}

/// Every role with the demo account name the harness gives it.
pub fn role_accounts() -> Vec<(&'static str, Role, &'static str)> {
    vec![
        ("u_ledger", Role::LedgerOffice, "zfb"),
        ("u_staff", Role::DeptStaff, "scjgj"),
        ("u_inspector", Role::Inspector, "scjgj"),
        ("u_legal", Role::LegalReviewer, "sfj"),
        ("u_credit", Role::CreditManager, "fgw"),
        ("u_grid", Role::GridIntake, "wgzx"),
        ("u_sys", Role::SysAdmin, "wxb"),
        ("u_sec", Role::SecAdmin, "wxb"),
        ("u_audit", Role::AuditAdmin, "wxb"),
    ]
}
