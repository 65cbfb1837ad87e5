//! Self-declarations with application codes and annual reports through the UI and the
//! API, with their denials, on both stores.

mod capsupport;
mod common;

use axum::body::Body;
use axum::http::StatusCode;
use capsupport::*;
use common::*;
use jianguan_domain::auth::Role;
use jianguan_domain::declaration as decl;

fn send(f: &[(String, String)]) -> Vec<(&str, &str)> {
    f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
}

fn shown_code(page: &str) -> String {
    page.split("id=\"application-code\">").nth(1).unwrap().split('<').next().unwrap().trim().to_string()
}

async fn public_client(app: &App, form: &str) -> Client {
    let mut c = app.client();
    let r = c.get(form).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(c.cookies.contains_key("jg_csrf"), "the public form sets its CSRF cookie");
    c
}

#[tokio::test]
async fn declarations_with_one_time_codes() {
    for app in App::all().await {
        let c = codes(2);
        entities(&app, &[(&c[0], "南开速冻食品有限公司"), (&c[1], "南开餐饮管理有限公司")]).await;
        let mut sc = staff(&app, "sc1", "scjgj").await;
        let mut wj = staff(&app, "wj1", "wjw").await;

        let r = sc.post_form("/declarations/codes", &[("uscc", "123")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("统一社会信用代码"));
        let r = sc.post_form("/declarations/codes", &[("uscc", &c[0].to_lowercase())]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let code = shown_code(&r.text);
        assert_eq!(code.len(), 16, "{code}");
        let stored = app.t.store.access_codes(app.dept("scjgj").await, 10).await.unwrap();
        assert!(!format!("{stored:?}").contains(&code.replace('-', "")), "{}: only the hash is kept", app.name());

        let mut anon = public_client(&app, "/public/declarations/new").await;
        let fields = |code: &str, content: &str| {
            vec![
                ("uscc".to_string(), c[0].clone()),
                ("code".to_string(), code.to_string()),
                ("kind".to_string(), "standard".to_string()),
                ("subject".to_string(), "速冻水饺".to_string()),
                ("standard_no".to_string(), "Q/NKSP 0001S-2025".to_string()),
                ("title".to_string(), "速冻水饺企业标准".to_string()),
                ("content".to_string(), content.to_string()),
            ]
        };
        // Forbidden attachment and oversized content: refused, code not used, not counted.
        let f = fields(&code, "菌落总数 ≤ 10000 CFU/g");
        let r = post_multipart(&mut anon, "/public/declarations", &send(&f), Some(("标准.exe", b"MZ\x90\x00"))).await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", r.text);
        let f = fields(&code, &"字".repeat(decl::MAX_CONTENT + 1));
        let r = post_multipart(&mut anon, "/public/declarations", &send(&f), None).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("声明内容过长"));
        assert!(r.text.contains("速冻水饺企业标准"), "{}: the form keeps what was typed", app.name());
        // A script and a phone number in the content: published escaped and masked.
        let f = fields(&code, "<script>alert(1)</script>咨询电话 13812345678");
        let r = post_multipart(&mut anon, "/public/declarations", &send(&f), Some(("标准.pdf", PDF))).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let page = anon.get(&r.location()).await;
        assert!(page.text.contains("&lt;script&gt;alert(1)") && !page.text.contains("<script>alert"));
        assert!(page.text.contains("138****5678") && !page.text.contains("13812345678"), "{}", app.name());
        assert!(page.text.contains("市场主体自行申报"));
        assert!(sc.get("/notifications").await.text.contains("南开速冻食品有限公司提交了企业标准自我声明公开"));
        // One-time: the same code again is refused like any bad code.
        let f = fields(&code, "再次提交");
        let r = post_multipart(&mut anon, "/public/declarations", &send(&f), None).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains(jianguan_store::declaration::BAD_CODE));
        // Rate limit: after five failures from this address, even a good code waits.
        for _ in 0..4 {
            let r =
                post_multipart(&mut anon, "/public/declarations", &send(&fields("AAAA-BBBB-CCCC-D", "x")), None).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        }
        let fresh = shown_code(&sc.post_form("/declarations/codes", &[("uscc", &c[0])]).await.text);
        let r = post_multipart(&mut anon, "/public/declarations", &send(&fields(&fresh, "x")), None).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", app.name());
        assert!(r.text.contains("失败次数过多"));
        assert_eq!(actions(&app, "public.code_rejected").await.len(), 5);
        assert_eq!(
            app.t.store.declarations(&Default::default()).await.unwrap().len(),
            1,
            "{}: nothing half-saved",
            app.name()
        );

        // Staff enter on the entity's behalf; only the receiving department or the lead withdraws.
        let r = post_multipart(
            &mut wj,
            "/declarations",
            &[
                ("uscc", &c[1]),
                ("kind", "service"),
                ("subject", "餐饮服务"),
                ("standard_no", ""),
                ("title", "食品安全服务承诺"),
                ("content", "承诺不使用过期原料"),
            ],
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let id: i64 = r.location().split('/').nth(2).unwrap().split('?').next().unwrap().parse().unwrap();
        let mut jy = staff(&app, "jy1", "jyj").await;
        assert_eq!(
            jy.post_form(&format!("/declarations/{id}/withdraw"), &[("reason", "x")]).await.status,
            StatusCode::FORBIDDEN
        );
        let list = app.client().get("/public/declarations?q=%E9%A4%90%E9%A5%AE").await;
        assert!(list.text.contains("食品安全服务承诺"));
        assert_eq!(
            sc.post_form(&format!("/declarations/{id}/withdraw"), &[("reason", "")]).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            sc.post_form(&format!("/declarations/{id}/withdraw"), &[("reason", "企业申请撤回")]).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(app.client().get(&format!("/public/declarations/{id}")).await.status, StatusCode::NOT_FOUND);

        // The entity-side API: JSON with a code (no CSRF, no account).
        let api_code = shown_code(&sc.post_form("/declarations/codes", &[("uscc", &c[1])]).await.text);
        let mut other_ip = app.client();
        let body = serde_json::json!({ "uscc": c[1], "code": api_code, "kind": "standard", "subject": "盒饭", "standard_no": "NOT-A-STANDARD", "title": "盒饭标准", "content": "x" });
        let r = other_ip.post_json("/api/v1/declarations", &body).await;
        // The limit is per address: this client is also 127.0.0.1 in tests, so it waits too.
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.json()["code"], "rate_limited");
        let listed = app.client().get("/api/v1/declarations").await.json();
        assert_eq!(listed.as_array().unwrap().len(), 1);
        assert!(listed[0]["content"].as_str().unwrap().contains("138****5678"));
        assert!(listed[0].get("created_by").is_none());
    }
}

#[tokio::test]
async fn annual_reports_overdue_flags_and_push() {
    for app in App::all().await {
        let c = codes(3);
        entities(&app, &[(&c[0], "按时报送有限公司"), (&c[1], "逾期未报有限公司"), (&c[2], "接口推送有限公司")]).await;
        let mut sc = staff(&app, "sc1", "scjgj").await;
        let today = jianguan_web::helpers::today();
        let year = decl::last_closed_year(today);
        let (start, end) = decl::annual_window(year);
        let r = sc
            .post_form(
                "/declarations/annual",
                &[
                    ("uscc", &c[0]),
                    ("year", &year.to_string()),
                    ("filed_on", &(start - chrono::Duration::days(1)).to_string()),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("最早"));
        let r = sc
            .post_form(
                "/declarations/annual",
                &[("uscc", &c[0]), ("year", &year.to_string()), ("filed_on", &end.to_string())],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let r = sc
            .post_form(
                "/declarations/annual",
                &[("uscc", &c[0]), ("year", &year.to_string()), ("filed_on", &end.to_string())],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);

        // A push through an API key: all or nothing.
        app.account("sec1", "wxb", &[Role::SecAdmin]).await;
        let mut sec = app.login("sec1").await;
        let dept = app.dept("scjgj").await.to_string();
        let r = sec
            .post_form(
                "/admin/api-keys",
                &[("name", "公示系统"), ("department_id", &dept), ("scope", "annual_reports:write")],
            )
            .await;
        let key = r.text.split("id=\"new-api-key\">").nth(1).unwrap().split('<').next().unwrap().to_string();
        let push = |rows: serde_json::Value| {
            axum::http::Request::builder()
                .method("POST")
                .uri("/api/v1/annual-reports")
                .header("authorization", format!("Bearer {key}"))
                .header("content-type", "application/json")
                .body(Body::from(rows.to_string()))
                .unwrap()
        };
        let mut api = app.client();
        let late = (end + chrono::Duration::days(3)).min(today);
        let r = api.send(push(serde_json::json!([{ "uscc": c[2], "year": year, "filed_on": late.to_string() }, { "uscc": "91120104MA05Y0000X", "year": year, "filed_on": late.to_string() }]))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert!(r.json()["message"].as_str().unwrap().contains("第 2 条"));
        let r = api.send(push(serde_json::json!([{ "uscc": c[2], "year": year, "filed_on": late.to_string() }]))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.json()["written"], 1);

        // The overdue list, its CSV and the public status page.
        let page = sc.get("/declarations/annual").await;
        assert!(
            page.text.contains("逾期未报有限公司") && !page.text.contains("按时报送有限公司</td>"),
            "{}",
            app.name()
        );
        let csv = sc.get(&format!("/declarations/annual?year={year}&format=csv")).await;
        assert!(csv.text.contains(&c[1]) && csv.text.contains("逾期未报"));
        let overdue = sc.get("/api/v1/annual-reports/overdue").await.json();
        assert_eq!(overdue["total"], 1);
        let public = app.client().get(&format!("/public/annual-reports?uscc={}", c[1])).await;
        assert!(public.text.contains("逾期未报有限公司") && public.text.contains("逾期未报"));
        let public = app.client().get(&format!("/public/annual-reports?uscc={}", c[0])).await;
        assert!(public.text.contains("已按时报送"));
        let bad = app.client().get("/public/annual-reports?uscc=abc").await;
        assert!(bad.text.contains("统一社会信用代码“ABC”不正确"));

        // The warning goes to 区市场监管局 once.
        jianguan_web::pages::declaration::scheduled(&app.state).await.unwrap();
        jianguan_web::pages::declaration::scheduled(&app.state).await.unwrap();
        let notes = sc.get("/notifications").await.text;
        assert_eq!(notes.matches(&format!("{year}年度年报逾期未报 1 户")).count(), 1, "{}", app.name());
    }
}
