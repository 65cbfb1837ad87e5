//! Sign-in, sessions, CSRF, separation of powers and bad input, on the real router and
//! both stores.

mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use common::*;
use jianguan_domain::auth::Role;
use jianguan_store::{now, AuditFilter};

async fn actions(app: &App, prefix: &str) -> Vec<String> {
    app.t
        .store
        .audit_search(&AuditFilter { action: Some(prefix.into()), limit: 10_000, ..Default::default() })
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

#[tokio::test]
async fn login_logout_and_lockout() {
    for app in App::all().await {
        let id = app.account("zhang", "scjgj", &[Role::DeptStaff]).await;
        let mut c = app.client();
        let page = c.get("/login").await;
        assert!(page.text.contains("登录"));
        let r = c.login("zhang", PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.location(), "/home");
        c.refresh_csrf().await;
        let home = c.get("/home").await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(home.text.contains("工作台") && home.text.contains("区市场监管局"));
        let old_cookie = c.cookies.get("jg_session").cloned().unwrap();
        assert_eq!(c.post_form("/logout", &[]).await.location(), "/login");
        // The old cookie no longer opens anything.
        let mut thief = app.client();
        thief.cookies.insert("jg_session".into(), old_cookie);
        assert!(thief.get("/home").await.location().starts_with("/login"), "{}", app.name());

        // Five failures in the window lock the account for 30 minutes, whatever the password.
        let mut c = app.client();
        for i in 1..=4 {
            let r = c.login("zhang", "wrong-password").await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED);
            assert!(r.text.contains(&format!("再错 {} 次", 5 - i)), "{}", r.text);
        }
        let r = c.login("zhang", "wrong-password").await;
        assert_eq!(r.status, StatusCode::LOCKED);
        assert!(r.text.contains("账号已锁定"));
        let r = c.login("zhang", PASSWORD).await;
        assert_eq!(r.status, StatusCode::LOCKED, "{}: right password while locked", app.name());
        let a = app.t.store.get_account(id).await.unwrap();
        let until = a.locked_until.unwrap();
        assert!(until > now() + chrono::Duration::minutes(29) && until < now() + chrono::Duration::minutes(31));
        // Time-based, never permanent: once the lock has passed, the right password works.
        app.t.store.lock_account(id, now() - chrono::Duration::seconds(1)).await.unwrap();
        assert_eq!(c.login("zhang", PASSWORD).await.status, StatusCode::SEE_OTHER);
        assert!(actions(&app, "auth.login_failed").await.len() >= 6);
        assert!(actions(&app, "account.lock").await.len() == 2);
        // Unknown users get the same answer as a wrong password.
        let r = app.client().login("nobody", "whatever1A").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.text.contains("用户名或密码错误"));
    }
}

#[tokio::test]
async fn ip_throttle() {
    let mut stores = vec![jianguan_store::testing::sqlite().await];
    stores.extend(jianguan_store::testing::postgres().await);
    for t in stores {
        let mut cfg = jianguan_domain::config::Config::default();
        cfg.lockout.ip_max_failures = 3;
        let app = App::on(t, cfg).await;
        let mut c = app.client();
        for u in ["a1", "a2", "a3"] {
            assert_eq!(c.login(u, "x").await.status, StatusCode::UNAUTHORIZED);
        }
        let r = c.login("a4", "x").await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", app.name());
        assert!(r.text.contains("该地址登录失败次数过多"));
        assert_eq!(actions(&app, "auth.ip_throttled").await.len(), 1);
    }
}

#[tokio::test]
async fn forced_password_change_and_policy() {
    for app in App::all().await {
        let id = app.account("li.si", "sfj", &[Role::LegalReviewer]).await;
        app.t
            .store
            .set_password(&jianguan_store::Actor::system(), id, &jianguan_web::security::hash_password(PASSWORD), true)
            .await
            .unwrap();
        let mut c = app.client();
        assert_eq!(c.login("li.si", PASSWORD).await.location(), "/home");
        // Every page leads to the password form until the password is changed.
        let r = c.get("/home").await;
        assert_eq!(r.location(), "/account/password");
        let api = c.get("/api/v1/me").await;
        assert_eq!(api.status, StatusCode::FORBIDDEN);
        c.csrf_from_page("/account/password").await;
        let page = c.get("/account/password").await;
        assert!(page.text.contains("首次登录或密码已被重置"));
        let bad = |cur: &'static str, new: &'static str, confirm: &'static str| {
            [("current", cur), ("new_password", new), ("confirm", confirm)]
        };
        let r = c.post_form("/account/password", &bad("nope", "Abcdef12!", "Abcdef12!")).await;
        assert!(r.text.contains("当前密码不正确"));
        let r = c.post_form("/account/password", &bad(PASSWORD, "short1A", "short1A")).await;
        assert!(r.text.contains("密码至少 8 位"), "{}", r.text);
        let r = c.post_form("/account/password", &bad(PASSWORD, "alllowercase1", "alllowercase1")).await;
        assert!(r.text.contains("至少 3 类"));
        let r = c.post_form("/account/password", &bad(PASSWORD, "Abcdef12!", "Abcdef12?")).await;
        assert!(r.text.contains("两次输入的新密码不一致"));
        let r = c.post_form("/account/password", &bad(PASSWORD, PASSWORD, PASSWORD)).await;
        assert!(r.text.contains("不能使用最近 5 次用过的密码"), "{}", r.text);
        let r = c.post_form("/account/password", &bad(PASSWORD, "New-Passw0rd", "New-Passw0rd")).await;
        assert_eq!(r.location(), "/home");
        assert_eq!(c.get("/home").await.status, StatusCode::OK);
        assert!(!app.t.store.get_account(id).await.unwrap().must_change_password);
    }
}

#[tokio::test]
async fn session_timeouts_and_fixation() {
    for app in App::all().await {
        let id = app.account("wang", "scjgj", &[Role::Inspector]).await;
        let mut c = app.client();
        // A session id planted before login is never adopted.
        c.cookies.insert("jg_session".into(), "planted-by-attacker".into());
        c.login("wang", PASSWORD).await;
        let sid = c.cookies.get("jg_session").cloned().unwrap();
        assert_ne!(sid, "planted-by-attacker");
        assert_eq!(c.get("/home").await.status, StatusCode::OK);

        // Idle for 31 minutes: the session ends.
        let hash = jianguan_web::security::sha256_hex(&sid);
        let store = &app.t.store;
        store.touch_session(&hash, now() - chrono::Duration::minutes(31)).await.unwrap();
        let r = c.get("/home").await;
        assert!(r.location().starts_with("/login?expired=1"), "{}: {}", app.name(), r.location());
        assert!(store.get_session(&hash).await.unwrap().unwrap().ended_at.is_some());
        assert!(actions(&app, "auth.session_expired").await.len() == 1);

        // Absolute limit: 8 hours after login, however active.
        let mut c = app.client();
        c.login("wang", PASSWORD).await;
        let sid = c.cookies.get("jg_session").cloned().unwrap();
        let hash = jianguan_web::security::sha256_hex(&sid);
        store
            .create_session(&jianguan_store::NewSession {
                id_hash: "old-but-active".into(),
                account_id: id,
                csrf_token: "t".into(),
                at: now() - chrono::Duration::hours(9),
                ip: "127.0.0.1".into(),
                user_agent: "x".into(),
                totp_passed: true,
            })
            .await
            .unwrap();
        store.touch_session("old-but-active", now()).await.unwrap();
        let mut c2 = app.client();
        // The cookie carries the raw token; the store keeps its SHA-256, so plant a raw
        // token whose hash is the row id by creating the row under that hash.
        let raw = "absolute-timeout-token";
        store
            .create_session(&jianguan_store::NewSession {
                id_hash: jianguan_web::security::sha256_hex(raw),
                account_id: id,
                csrf_token: "t".into(),
                at: now() - chrono::Duration::hours(9),
                ip: "127.0.0.1".into(),
                user_agent: "x".into(),
                totp_passed: true,
            })
            .await
            .unwrap();
        store.touch_session(&jianguan_web::security::sha256_hex(raw), now()).await.unwrap();
        c2.cookies.insert("jg_session".into(), raw.into());
        assert!(c2.get("/home").await.location().starts_with("/login?expired=1"), "{}", app.name());
        // Disabling the account ends its live session at once.
        assert_eq!(c.get("/home").await.status, StatusCode::OK);
        store.set_account_disabled(&jianguan_store::Actor::system(), id, true).await.unwrap();
        assert!(c.get("/home").await.location().starts_with("/login"));
        assert!(store.get_session(&hash).await.unwrap().unwrap().ended_at.is_some());
    }
}

#[tokio::test]
async fn admin_sessions_idle_out_sooner() {
    for app in App::all().await {
        app.account("u_audit", "wxb", &[Role::AuditAdmin]).await;
        let mut c = app.login("u_audit").await;
        let hash = jianguan_web::security::sha256_hex(c.cookies.get("jg_session").unwrap());
        app.t.store.touch_session(&hash, now() - chrono::Duration::minutes(16)).await.unwrap();
        assert!(c.get("/audit").await.location().starts_with("/login?expired=1"), "{}", app.name());
    }
}

#[tokio::test]
async fn csrf_missing_or_forged_is_refused_and_nothing_written() {
    for app in App::all().await {
        app.account("u_sys", "wxb", &[Role::SysAdmin]).await;
        let mut c = app.login("u_sys").await;
        let before = app.t.store.list_units().await.unwrap().len();
        let body = "code=x1&name=%E6%B5%8B%E8%AF%95%E9%83%A8%E9%97%A8&kind=department";
        for token in [None, Some("forged-token")] {
            let b = match token {
                Some(t) => format!("{body}&_csrf={t}"),
                None => body.to_string(),
            };
            let r = c
                .request(
                    Method::POST,
                    "/admin/departments",
                    Body::from(b),
                    Some("application/x-www-form-urlencoded"),
                    None,
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", app.name());
            assert!(r.text.contains("CSRF"));
        }
        let r = c
            .request(
                Method::POST,
                "/api/v1/departments",
                Body::from(r#"{"code":"x2","name":"测试二"}"#),
                Some("application/json"),
                Some("forged"),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(r.json()["code"], "csrf");
        assert_eq!(app.t.store.list_units().await.unwrap().len(), before, "nothing written");
        assert_eq!(actions(&app, "auth.csrf_rejected").await.len(), 3);
        // With the token it works.
        let r = c.post_json("/api/v1/departments", &serde_json::json!({ "code": "x3", "name": "测试三" })).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        // Anonymous forms need the double-submit token too.
        let mut anon = app.client();
        let r = anon
            .request(
                Method::POST,
                "/login",
                Body::from("username=u_sys&password=x"),
                Some("application/x-www-form-urlencoded"),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn bad_input_gets_chinese_errors_in_one_shape() {
    for app in App::all().await {
        app.account("u_sys", "wxb", &[Role::SysAdmin]).await;
        let mut c = app.login("u_sys").await;
        let before = app.t.store.audit_count().await.unwrap();
        let csrf = c.csrf.clone();
        let r = c
            .request(
                Method::POST,
                "/api/v1/departments",
                Body::from("{not json"),
                Some("application/json"),
                csrf.as_deref(),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.json()["code"], "bad_json");
        assert!(r.json()["message"].as_str().unwrap().contains("JSON 格式错误"));
        let r = c.post_json("/api/v1/departments", &serde_json::json!({ "name": "缺代码" })).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = c.post_json("/api/v1/departments", &serde_json::json!({ "code": "bad code!", "name": "部门" })).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.json()["message"].as_str().unwrap().contains("部门代码"));
        let r = c.post_json("/api/v1/departments", &serde_json::json!({ "code": "dup", "name": "区司法局" })).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert_eq!(r.json()["code"], "conflict");
        let r = c
            .request(Method::POST, "/api/v1/departments", Body::from("code=a"), Some("text/plain"), csrf.as_deref())
            .await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(r.json()["code"], "unsupported_media_type");
        let big = vec![b'x'; 21 * 1024 * 1024];
        let r = c
            .request(Method::POST, "/api/v1/departments", Body::from(big), Some("application/json"), csrf.as_deref())
            .await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", app.name());
        assert!(r.json()["message"].as_str().unwrap().contains("超过大小限制"));
        assert_eq!(app.t.store.audit_count().await.unwrap(), before, "nothing written by bad input");
        let r = c.get("/api/v1/nothing-here").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(r.json()["code"], "not_found");
        let r = c.get("/nothing-here").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(r.text.contains("页面或资源不存在"));
        let r = c.request(Method::DELETE, "/home", Body::empty(), None, csrf.as_deref()).await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
        assert!(r.text.contains("不支持该请求方法"));
    }
}

#[tokio::test]
async fn separated_powers_and_admin_flows() {
    for app in App::all().await {
        for (n, r, d) in role_accounts() {
            app.account(n, d, &[r]).await;
        }
        let mut sys = app.login("u_sys").await;
        let dept = app.dept("scjgj").await.to_string();
        let r = sys
            .post_form(
                "/admin/accounts",
                &[("username", "new.user"), ("display_name", "新用户"), ("department_id", &dept)],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        let pw = r.text.split("id=\"one-time-password\">").nth(1).unwrap().split('<').next().unwrap().to_string();
        let new_id = app.t.store.find_account("new.user").await.unwrap().unwrap().id;
        let dup = sys
            .post_form(
                "/admin/accounts",
                &[("username", "new.user"), ("display_name", "重复"), ("department_id", &dept)],
            )
            .await;
        assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(dup.text.contains("已存在"));
        // The system administrator cannot grant roles or read the audit trail.
        assert_eq!(
            sys.post_form(&format!("/admin/roles/{new_id}"), &[("role", "dept_staff")]).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(sys.get("/audit").await.status, StatusCode::FORBIDDEN);

        let mut sec = app.login("u_sec").await;
        assert_eq!(
            sec.post_form("/admin/accounts", &[("username", "x.y"), ("display_name", "x"), ("department_id", &dept)])
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let r =
            sec.post_form(&format!("/admin/roles/{new_id}"), &[("role", "sys_admin"), ("role", "audit_admin")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("三权分立"));
        let r =
            sec.post_form(&format!("/admin/roles/{new_id}"), &[("role", "sec_admin"), ("role", "dept_staff")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(app.t.store.get_account(new_id).await.unwrap().roles.is_empty(), "nothing written");
        let sec_id = app.t.store.find_account("u_sec").await.unwrap().unwrap().id;
        assert_eq!(
            sec.post_form(&format!("/admin/roles/{sec_id}"), &[("role", "audit_admin")]).await.status,
            StatusCode::FORBIDDEN,
            "no self-grant"
        );
        let r =
            sec.post_form(&format!("/admin/roles/{new_id}"), &[("role", "dept_staff"), ("role", "inspector")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(app.t.store.get_account(new_id).await.unwrap().roles, vec![Role::DeptStaff, Role::Inspector]);

        // The new user logs in with the one-time password and must change it.
        let mut nu = app.client();
        assert_eq!(nu.login("new.user", &pw).await.status, StatusCode::SEE_OTHER);
        assert_eq!(nu.get("/home").await.location(), "/account/password");

        // The audit administrator reads and exports, and can change nothing.
        let mut aud = app.login("u_audit").await;
        let page = aud.get("/audit?action=account.").await;
        assert!(page.text.contains("account.create") && page.text.contains("account.roles"));
        let csv = aud.get("/audit/export.csv?actor=u_sec").await;
        assert!(csv.headers.get("content-type").unwrap().to_str().unwrap().starts_with("text/csv"));
        assert!(csv.text.contains("account.roles") && !csv.text.contains("account.create"));
        assert_eq!(
            aud.post_form("/admin/accounts", &[("username", "z.z"), ("display_name", "z"), ("department_id", &dept)])
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let api = aud.get("/api/v1/audit?action=auth.login&limit=5").await;
        assert_eq!(api.status, StatusCode::OK);
        assert!(api.json().as_array().unwrap().len() <= 5);

        // Departments: rename, merge, members, with history.
        let g = app.t.store.list_units().await.unwrap().into_iter().find(|u| u.code == "g-aqsc").unwrap();
        let r = sys.post_form(&format!("/admin/departments/{}/members", g.id), &[("member", &dept)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(app.t.store.get_unit(g.id).await.unwrap().members, vec![dept.parse::<i64>().unwrap()]);
        let page = sys.get(&format!("/admin/departments/{}", g.id)).await;
        assert!(page.text.contains("members"));
        assert!(app.t.store.verify_audit().await.unwrap().is_ok());
        // Personal data never enters the trail in clear: no password, no TOTP secret.
        let all = app.t.store.audit_search(&AuditFilter { limit: 100_000, ..Default::default() }).await.unwrap();
        assert!(all.iter().all(|e| !e.detail.contains(&pw) && !e.detail.contains(PASSWORD)));
    }
}

#[tokio::test]
async fn openapi_health_metrics() {
    let app = App::on(jianguan_store::testing::sqlite().await, Default::default()).await;
    let mut c = app.client();
    let doc = c.get("/api/v1/openapi.json").await;
    assert_eq!(doc.status, StatusCode::OK);
    let snapshot_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/openapi.json");
    if std::env::var("UPDATE_SNAPSHOTS").is_ok() {
        std::fs::create_dir_all(snapshot_path.parent().unwrap()).unwrap();
        std::fs::write(&snapshot_path, &doc.text).unwrap();
    }
    let expected = std::fs::read_to_string(&snapshot_path).expect("snapshot (run with UPDATE_SNAPSHOTS=1 to create)");
    assert_eq!(doc.text, expected, "OpenAPI document changed: review and run with UPDATE_SNAPSHOTS=1");
    let health = c.get("/healthz").await;
    assert_eq!(health.json()["status"], "ok");
    let m = c.get("/metrics").await;
    assert!(
        m.text.contains("jianguan_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"),
        "{}",
        m.text
    );
    assert!(m.text.contains("# TYPE jianguan_http_request_duration_seconds histogram"));
    assert!(doc.headers.get("x-request-id").is_some());
}
