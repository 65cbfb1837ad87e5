//! The authorisation matrix: every route × every role (and anonymous), each with its
//! expected allow or deny, in one table. A route missing from the table fails the test.

mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use common::*;
use jianguan_web::routes;

#[path = "matrix/mod.rs"]
mod matrix;

use matrix::MATRIX;

fn concrete(path: &str) -> String {
    // An id that exists nowhere: allowed callers reach the handler (404/422), denied ones don't.
    path.replace("{id}", "999999")
}

fn denied(r: &Resp) -> bool {
    r.status == StatusCode::UNAUTHORIZED
        || r.status == StatusCode::FORBIDDEN && !r.text.contains("\"code\":\"not_found\"")
        || (r.status == StatusCode::SEE_OTHER
            && (r.location().starts_with("/login?next=") || r.location().starts_with("/login?expired")))
}

#[tokio::test]
async fn every_route_is_in_the_matrix_and_enforced() {
    let table = routes::table();
    for d in &table {
        assert!(
            MATRIX.iter().any(|(m, p, _)| *m == d.method.as_str() && *p == d.path),
            "route {} {} is missing from the authorisation matrix",
            d.method,
            d.path
        );
    }
    for (m, p, _) in MATRIX.iter() {
        assert!(
            table.iter().any(|d| d.method.as_str() == *m && d.path == *p),
            "matrix names a route that does not exist: {m} {p}"
        );
    }

    for app in App::all().await {
        for (name, role, dept) in role_accounts() {
            app.account(name, dept, &[role]).await;
        }
        let mut principals: Vec<(&str, Client)> = vec![("anon", app.client())];
        for (name, role, _) in role_accounts() {
            principals.push((role.code(), app.login(name).await));
        }
        for (who, client) in principals.iter_mut() {
            if *who == "anon" {
                client.get("/login").await;
            }
            // Logout last: it ends the session the other checks need.
            let mut ordered: Vec<&(&str, &str, &[&str])> = MATRIX.iter().filter(|(_, p, _)| *p != "/logout").collect();
            ordered.extend(MATRIX.iter().filter(|(_, p, _)| *p == "/logout"));
            for (method, path, allowed) in ordered {
                let url = concrete(path);
                let r = if *method == "GET" {
                    client.get(&url).await
                } else {
                    // Valid CSRF, empty or meaningless body: access is what is under test.
                    let r = client.post_form(&url, &[("x", "1")]).await;
                    if r.status == StatusCode::UNSUPPORTED_MEDIA_TYPE {
                        let csrf = client.csrf.clone();
                        client
                            .request(Method::POST, &url, Body::from("{}"), Some("application/json"), csrf.as_deref())
                            .await
                    } else {
                        r
                    }
                };
                let expect_allowed = allowed.contains(who);
                assert_eq!(
                    !denied(&r),
                    expect_allowed,
                    "{}: {method} {path} as {who}: status {} location {:?} body {}",
                    app.name(),
                    r.status,
                    r.location(),
                    &r.text.chars().take(200).collect::<String>()
                );
            }
        }
        // Every denial of a signed-in user was audited.
        let denials = app
            .t
            .store
            .audit_search(&jianguan_store::AuditFilter {
                action: Some("auth.denied".into()),
                limit: 10_000,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(denials.len() >= 9 * 10, "{}: {} denials audited", app.name(), denials.len());
        assert!(app.t.store.verify_audit().await.unwrap().is_ok());
    }
}

#[tokio::test]
async fn api_keys_are_scoped_and_revocable() {
    for app in App::all().await {
        app.account("u_sec", "wxb", &[jianguan_domain::auth::Role::SecAdmin]).await;
        let mut sec = app.login("u_sec").await;
        let dept = app.dept("zwfwb").await.to_string();
        let r = sec
            .post_form("/admin/api-keys", &[("name", "审批系统"), ("department_id", &dept), ("scope", "org:read")])
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let key = r.text.split("id=\"new-api-key\">").nth(1).unwrap().split('<').next().unwrap().to_string();
        let r2 = sec
            .post_form("/admin/api-keys", &[("name", "无权限"), ("department_id", &dept), ("scope", "licences:write")])
            .await;
        let other = r2.text.split("id=\"new-api-key\">").nth(1).unwrap().split('<').next().unwrap().to_string();

        let mut api = app.client();
        let call = |k: &str| {
            axum::http::Request::builder()
                .uri("/api/v1/departments")
                .header("authorization", format!("Bearer {k}"))
                .body(Body::empty())
                .unwrap()
        };
        let ok = api.send(call(&key)).await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
        assert!(ok.json().as_array().unwrap().len() > 20);
        let wrong_scope = api.send(call(&other)).await;
        assert_eq!(wrong_scope.status, StatusCode::FORBIDDEN);
        assert_eq!(wrong_scope.json()["code"], "forbidden");
        let ui = api
            .send(
                axum::http::Request::builder()
                    .uri("/admin/accounts")
                    .header("authorization", format!("Bearer {key}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(ui.status, StatusCode::FORBIDDEN, "an API key is no user");
        let forged = api.send(call(&format!("{}x", key))).await;
        assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
        assert_eq!(forged.json()["code"], "bad_api_key");

        let id = app.t.store.list_api_keys().await.unwrap()[0].id;
        let r = sec.post_form(&format!("/admin/api-keys/{id}/revoke"), &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            api.send(call(&key)).await.status,
            StatusCode::UNAUTHORIZED,
            "{}: revoked key still works",
            app.name()
        );
        let keys = app.t.store.list_api_keys().await.unwrap();
        assert!(keys.iter().all(|k| !k.key_hash.contains(&key) && k.key_hash.len() == 64), "only the hash is stored");
    }
}
