//! Policy publicity, enterprise liaisons, training and industry associations through the
//! UI routes and the API, on both stores: the flows, the denials (liaison data never
//! public, department isolation) and bad input (empty, oversized, forbidden types, script
//! payloads, answering twice).

mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use common::*;
use jianguan_domain::auth::Role;
use jianguan_domain::config::Config;
use jianguan_store::testing;

/// Apps with a small upload limit so that "too large" is cheap to test.
async fn apps() -> Vec<App> {
    let mut out = Vec::new();
    for t in testing::all().await {
        let mut cfg = Config::default();
        cfg.upload.max_file_bytes = 4096;
        out.push(App::on(t, cfg).await);
    }
    out
}

fn multipart(name: &str, content: &[u8]) -> (String, Vec<u8>) {
    let boundary = "jgBOUNDARYjg";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(c: &mut Client, article: i64, name: &str, content: &[u8]) -> Resp {
    let (ct, body) = multipart(name, content);
    let csrf = c.csrf.clone().unwrap();
    c.request(
        Method::POST,
        &format!("/publicity/{article}/attachments?_csrf={csrf}"),
        Body::from(body),
        Some(&ct),
        None,
    )
    .await
}

fn id_from_location(r: &Resp) -> i64 {
    r.location().trim_start_matches("/publicity/").split('?').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn publicity_flow_sanitises_searches_and_isolates() {
    for app in apps().await {
        app.account("ed1", "scjgj", &[Role::DeptStaff]).await;
        app.account("ed2", "scjgj", &[Role::DeptStaff]).await;
        app.account("other", "sfj", &[Role::DeptStaff]).await;
        app.account("legal", "sfj", &[Role::LegalReviewer]).await;
        let mut ed = app.login("ed1").await;
        let mut ed2 = app.login("ed2").await;
        let mut other = app.login("other").await;
        let mut legal = app.login("legal").await;
        let mut anon = app.client();

        // Bad input: empty body, script-only body, oversized body, unknown section.
        let r = ed
            .post_form("/publicity", &[("section", "interpretation"), ("title", "空正文"), ("body_html", "  ")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", app.name());
        assert!(r.text.contains("正文不能为空"));
        let r = ed
            .post_form(
                "/publicity",
                &[("section", "interpretation"), ("title", "脚本"), ("body_html", "<script>alert(1)</script>")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let big = "长".repeat(100_001);
        let r = ed.post_form("/publicity", &[("section", "laws"), ("title", "过长"), ("body_html", &big)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("正文过长"));
        let r = ed.post_form("/publicity", &[("section", "nope"), ("title", "x"), ("body_html", "<p>x</p>")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(app.t.store.article_list(&Default::default()).await.unwrap().is_empty(), "nothing half-saved");

        // A draft with a script payload: stored sanitised.
        let payload = "<p onclick=\"steal()\">依法开展<strong>信用修复</strong></p><script>alert('x')</script><img src=x onerror=alert(1)><a href=\"javascript:alert(1)\">链接</a>";
        let r = ed
            .post_form(
                "/publicity",
                &[
                    ("section", "interpretation"),
                    ("title", "信用修复政策解读"),
                    ("body_html", payload),
                    ("source", "区市场监管局"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}: {}", app.name(), r.text);
        let id = id_from_location(&r);
        let a = app.t.store.article_get(id).await.unwrap();
        assert_eq!(a.body_html, "<p>依法开展<strong>信用修复</strong></p><a rel=\"noopener noreferrer\">链接</a>");

        // Attachments: forbidden type, oversized, then a PDF.
        let r = upload(&mut ed, id, "tool.exe", b"MZ\x90\x00\x03").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert!(r.text.contains("类型不允许"));
        let r = upload(&mut ed, id, "page.html", b"<html><script>alert(1)</script>").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = upload(&mut ed, id, "big.pdf", &[b"%PDF-1.4 ".as_slice(), &vec![b'x'; 5000]].concat()).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);
        let r = upload(&mut ed, id, "说明.pdf", b"%PDF-1.4 demo").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let att = app.t.store.article_get(id).await.unwrap().attachments;
        assert_eq!(att.len(), 1);
        assert_eq!(
            anon.get(&format!("/public/attachments/{}", att[0].id)).await.status,
            StatusCode::NOT_FOUND,
            "draft attachment not public"
        );
        assert_eq!(anon.get(&format!("/public/articles/{id}")).await.status, StatusCode::NOT_FOUND);

        // Department isolation: another department sees no draft and cannot act on it.
        assert_eq!(other.get(&format!("/publicity/{id}")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(other.post_form(&format!("/publicity/{id}/submit"), &[]).await.status, StatusCode::NOT_FOUND);
        assert_eq!(
            legal.get(&format!("/publicity/{id}")).await.status,
            StatusCode::NOT_FOUND,
            "a reviewer sees drafts only once submitted"
        );
        assert_eq!(anon.get("/publicity").await.status, StatusCode::SEE_OTHER);

        // Submit; the submitter cannot approve (four eyes); a colleague sends it back.
        assert_eq!(ed.post_form(&format!("/publicity/{id}/submit"), &[]).await.status, StatusCode::SEE_OTHER);
        let r = ed.post_form(&format!("/publicity/{id}/review"), &[("decision", "approve")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(r.text.contains("不能审核本人提交的稿件"));
        let r = ed2.post_form(&format!("/publicity/{id}/review"), &[("decision", "reject"), ("comment", "")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = ed2
            .post_form(&format!("/publicity/{id}/review"), &[("decision", "reject"), ("comment", "请补充办理流程")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(ed.get(&format!("/publicity/{id}")).await.text.contains("请补充办理流程"));
        ed.post_form(&format!("/publicity/{id}/submit"), &[]).await;
        // Another department's staff cannot review; the legal reviewer publishes.
        assert_eq!(
            other.post_form(&format!("/publicity/{id}/review"), &[("decision", "approve")]).await.status,
            StatusCode::NOT_FOUND
        );
        assert!(legal.get("/publicity").await.text.contains("信用修复政策解读"), "in the reviewer's queue");
        let r = legal.post_form(&format!("/publicity/{id}/review"), &[("decision", "approve")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);

        // Public page: sanitised body, attachment downloadable as a file.
        let page = anon.get(&format!("/public/articles/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text.contains("<strong>信用修复</strong>"));
        assert!(
            !page.text.contains("<script>alert")
                && !page.text.contains("onerror")
                && !page.text.contains("javascript:")
        );
        let dl = anon.get(&format!("/public/attachments/{}", att[0].id)).await;
        assert_eq!(dl.status, StatusCode::OK);
        assert!(dl.headers.get("content-disposition").unwrap().to_str().unwrap().starts_with("attachment"));
        assert_eq!(dl.headers.get("content-type").unwrap(), "application/pdf");
        assert!(anon.get("/public/articles?section=interpretation").await.text.contains("信用修复政策解读"));
        assert!(anon.get("/").await.text.contains("action=\"/public/search\""), "search box on the public index");

        // Search: two characters, one character, JSON shape, the page, bad queries.
        for q in ["信用", "修复", "信", "信用修复"] {
            let r = anon.get(&format!("/api/v1/public/search?q={}", urlencoding::encode(q))).await;
            assert_eq!(r.status, StatusCode::OK);
            let j = r.json();
            assert_eq!(j["total"], 1, "{}: {q}", app.name());
            let hit = &j["results"][0];
            assert_eq!(hit["title"], "信用修复政策解读");
            assert_eq!(hit["section"], "政策权威解读");
            assert_eq!(hit["url"], format!("/public/articles/{id}"));
            assert_eq!(hit["date"].as_str().unwrap().len(), 10);
        }
        let r = anon.get("/api/v1/public/search?q=%20").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["code"], "invalid");
        let r = anon.get(&format!("/api/v1/public/search?q={}", "长".repeat(51))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let page = anon.get(&format!("/public/search?q={}", urlencoding::encode("修复"))).await;
        assert!(page.text.contains("共找到 1 条结果") && page.text.contains("信用修复政策解读"));
        let page = anon.get(&format!("/public/search?q={}", urlencoding::encode("<script>alert(1)</script>"))).await;
        assert!(!page.text.contains("<script>alert(1)</script>"), "query echoed escaped");

        // Withdraw: gone from the site and the search.
        let r = legal.post_form(&format!("/publicity/{id}/withdraw"), &[("reason", "")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            ed.post_form(&format!("/publicity/{id}/withdraw"), &[("reason", "政策已调整")]).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(anon.get(&format!("/public/articles/{id}")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(anon.get(&format!("/public/attachments/{}", att[0].id)).await.status, StatusCode::NOT_FOUND);
        assert_eq!(anon.get("/api/v1/public/search?q=%E4%BF%A1%E7%94%A8").await.json()["total"], 0);

        // The API: create and submit as an editor; a stale edit is refused.
        let r = ed
            .post_json(
                "/api/v1/publicity/articles",
                &serde_json::json!({"section": "legal_guidance", "title": "餐饮合规", "body_html": "<p>亮证经营</p>"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let aid = r.json()["id"].as_i64().unwrap();
        let r = ed
            .post_form(
                &format!("/publicity/{aid}"),
                &[("section", "legal_guidance"), ("title", "改"), ("body_html", "<p>改</p>"), ("version", "9")],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        let r = other.post_json(&format!("/api/v1/publicity/articles/{aid}/submit"), &serde_json::json!({})).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "another department's draft does not exist for it: {}", r.text);
        let r = ed.post_json(&format!("/api/v1/publicity/articles/{aid}/submit"), &serde_json::json!({})).await;
        assert_eq!(r.json()["status"], "review");
        let r = legal
            .post_json(&format!("/api/v1/publicity/articles/{aid}/review"), &serde_json::json!({"decision": "approve"}))
            .await;
        assert_eq!(r.json()["status"], "published", "{}", r.text);
        assert_eq!(anon.get(&format!("/api/v1/public/articles/{aid}")).await.json()["body_html"], "<p>亮证经营</p>");
        assert!(app.t.store.verify_audit().await.unwrap().is_ok());
    }
}

#[tokio::test]
async fn liaisons_are_registered_by_code_and_never_public() {
    for app in apps().await {
        testing::import_demo_entities(&app.t.store, &jianguan_store::Actor::system(), &app.state.cipher, 8, 3)
            .await
            .unwrap();
        let ents = app.t.store.entity_search(&Default::default()).await.unwrap().rows;
        app.account("staff", "scjgj", &[Role::DeptStaff]).await;
        app.account("other", "sfj", &[Role::DeptStaff]).await;
        app.account("insp", "scjgj", &[Role::Inspector]).await;
        let mut staff = app.login("staff").await;
        let mut other = app.login("other").await;
        let mut insp = app.login("insp").await;
        let mut anon = app.client();

        // Issue a code (API), register through the public API.
        let r = staff.post_json("/api/v1/liaison/codes", &serde_json::json!({"uscc": "911201040000000000"})).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
        let r = staff.post_json("/api/v1/liaison/codes", &serde_json::json!({"uscc": ents[0].rec.uscc})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let code = r.json()["code"].as_str().unwrap().to_string();
        let bad_phone = anon
            .post_json(
                "/api/v1/public/liaison/register",
                &serde_json::json!({"code": code, "name": "王建华", "phone": "123"}),
            )
            .await;
        assert_eq!(bad_phone.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = anon
            .post_json("/api/v1/public/liaison/register", &serde_json::json!({"code": code.to_lowercase(), "name": "王建华", "phone": "13812345678", "position": "经理"}))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", app.name(), r.text);
        assert!(!r.text.contains("13812345678") && !r.text.contains("王建华"));
        let again = anon
            .post_json(
                "/api/v1/public/liaison/register",
                &serde_json::json!({"code": code, "name": "李四", "phone": "13900000000"}),
            )
            .await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "a code works once");
        assert_eq!(again.json()["code"], "bad_code");

        // Second liaison through the public form (double-submit cookie).
        let r = staff.post_form("/liaisons/codes", &[("uscc", &ents[1].rec.uscc)]).await;
        assert_eq!(r.status, StatusCode::OK);
        let code2 = r.text.split("class=\"mono secret\">").nth(1).unwrap().split('<').next().unwrap().to_string();
        let mut browser = app.client();
        let form = browser.get("/liaison/register").await;
        assert!(form.headers.get_all("set-cookie").iter().any(|v| v.to_str().unwrap().starts_with("jg_csrf=")));
        let r = browser
            .post_form(
                "/liaison/register",
                &[("code", &code2), ("name", "周敏"), ("phone", "022-23456789"), ("position", "")],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert!(r.text.contains("已登记") && r.text.contains("周*") && !r.text.contains("23456789"));
        let mut no_cookie = app.client();
        let r = no_cookie
            .post_form("/liaison/register", &[("code", "ABCD-EFGH-JKMN"), ("name", "周敏"), ("phone", "13800000000")])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "CSRF on the anonymous form");

        // The directory: masked, own department only, full data audited.
        let list = staff.get("/liaisons").await.text;
        assert!(list.contains("王*") && list.contains("138****5678") && !list.contains("13812345678"));
        let api = staff.get("/api/v1/liaisons").await.json();
        assert_eq!(api.as_array().unwrap().len(), 2);
        assert!(api[0]["phone"].as_str().unwrap().contains('*'));
        let lid = api.as_array().unwrap().iter().find(|l| l["uscc"] == ents[0].rec.uscc.as_str()).unwrap()["id"]
            .as_i64()
            .unwrap();
        let detail = staff.get(&format!("/liaisons/{lid}")).await;
        assert!(detail.text.contains("13812345678") && detail.text.contains("王建华"));
        let views = app
            .t
            .store
            .audit_search(&jianguan_store::AuditFilter {
                action: Some("liaison.view".into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(views.len(), 1);
        assert!(!views[0].detail.contains("13812345678"));
        assert!(
            other.get("/api/v1/liaisons").await.json().as_array().unwrap().is_empty(),
            "another department sees none"
        );
        assert_eq!(other.get(&format!("/liaisons/{lid}")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(insp.get("/liaisons").await.status, StatusCode::FORBIDDEN);
        assert_eq!(anon.get("/api/v1/liaisons").await.status, StatusCode::UNAUTHORIZED);
        assert!(anon.get(&format!("/liaisons/{lid}")).await.location().starts_with("/login"));
        for page in ["/", "/public/articles", "/liaison/register", "/liaison/reply", "/public/associations"] {
            let t = anon.get(page).await.text;
            assert!(!t.contains("13812345678") && !t.contains("王建华") && !t.contains("138****5678"), "{page}");
        }
        let s = anon.get(&format!("/api/v1/public/search?q={}", urlencoding::encode("王建华"))).await.json();
        assert_eq!(s["total"], 0);

        // A notice by industry; replies through the public form; feedback collected.
        let industry = &ents[0].rec.industry;
        let r = staff
            .post_json("/api/v1/liaison/notices", &serde_json::json!({"title": "自查通知", "body": "请自查", "target_kind": "industry", "target_value": industry}))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let sent = r.json();
        let nid = sent["notice"]["id"].as_i64().unwrap();
        let reply_code = sent["codes"][0]["code"].as_str().unwrap().to_string();
        let r = staff
            .post_json(
                "/api/v1/liaison/notices",
                &serde_json::json!({"title": "x", "body": "y", "target_kind": "tag", "target_value": "没有这个标签"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let mut ent = app.client();
        ent.get("/liaison/reply").await;
        let r = ent.post_form("/liaison/reply", &[("code", &reply_code), ("step", "open")]).await;
        assert!(r.text.contains("自查通知") && r.text.contains("请自查"), "{}", r.text);
        let r = ent
            .post_form("/liaison/reply", &[("code", &reply_code), ("step", "send"), ("reply", ""), ("feedback", "")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("回复内容不能为空") && r.text.contains("自查通知"));
        let r = ent
            .post_form(
                "/liaison/reply",
                &[("code", &reply_code), ("step", "send"), ("reply", "已自查"), ("feedback", "建议培训")],
            )
            .await;
        assert!(r.text.contains("回复已提交"), "{}", r.text);
        let r = anon
            .post_json("/api/v1/public/liaison/reply", &serde_json::json!({"code": reply_code, "reply": "再次"}))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let n = staff.get(&format!("/api/v1/liaison/notices/{nid}")).await.json();
        assert_eq!(n["notice"]["replied"], 1);
        assert!(n["recipients"].as_array().unwrap().iter().any(|r| r["feedback"] == "建议培训"));
        assert_eq!(other.get(&format!("/liaisons/notices/{nid}")).await.status, StatusCode::NOT_FOUND);

        // Guessing codes is rate-limited per client address.
        let mut guesser = app.client();
        let mut last = StatusCode::OK;
        for _ in 0..12 {
            last = guesser
                .post_json("/api/v1/public/liaison/reply", &serde_json::json!({"code": "ACDE-FGHJ-KMNP", "reply": "x"}))
                .await
                .status;
        }
        assert_eq!(last, StatusCode::TOO_MANY_REQUESTS, "{}", app.name());
        assert!(app.t.store.verify_audit().await.unwrap().is_ok());
    }
}

#[tokio::test]
async fn training_tests_score_once_and_records_are_protected() {
    for app in apps().await {
        app.account("staff", "scjgj", &[Role::DeptStaff]).await;
        let insp = app.account("insp", "scjgj", &[Role::Inspector]).await;
        let outsider = app.account("insp_sfj", "sfj", &[Role::Inspector]).await;
        app.account("ledger", "zfb", &[Role::LedgerOffice]).await;
        let mut staff = app.login("staff").await;
        let mut ic = app.login("insp").await;
        let mut oc = app.login("insp_sfj").await;
        let mut ledger = app.login("ledger").await;

        let r = staff
            .post_form(
                "/training/sessions",
                &[("kind", "training"), ("title", "执法业务培训"), ("held_on", "2026-03-01"), ("hours", "2.5")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let sid: i64 =
            r.location().trim_start_matches("/training/sessions/").split('?').next().unwrap().parse().unwrap();
        let r = staff
            .post_form(
                "/training/sessions",
                &[("kind", "training"), ("title", "x"), ("held_on", "2026-13-01"), ("hours", "2")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        for (stem, opts, ans) in [("至少几名执法人员?", "一人\n两人", "B"), ("结果公示时限?", "20个工作日\n一年", "A")]
        {
            let r = staff
                .post_form(
                    "/training/questions",
                    &[("category", "法律"), ("stem", stem), ("options", opts), ("answer", ans)],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER);
        }
        let r =
            staff.post_form("/training/questions", &[("stem", "坏题"), ("options", "甲\n甲"), ("answer", "A")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let qs = app.t.store.question_list(app.dept("scjgj").await).await.unwrap();
        let body = format!(
            "title=%E7%BB%93%E4%B8%9A%E6%B5%8B%E8%AF%95&pass_mark=60&question_id={}&question_id={}&_csrf={}",
            qs[0].id,
            qs[1].id,
            staff.csrf.clone().unwrap()
        );
        let r = staff
            .request(
                Method::POST,
                &format!("/training/sessions/{sid}/tests"),
                Body::from(body),
                Some("application/x-www-form-urlencoded"),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let tid: i64 = r.location().trim_start_matches("/training/tests/").split('?').next().unwrap().parse().unwrap();
        let body = format!("account_id={insp}&_csrf={}", staff.csrf.clone().unwrap());
        let r = staff
            .request(
                Method::POST,
                &format!("/training/sessions/{sid}/attendance"),
                Body::from(body),
                Some("application/x-www-form-urlencoded"),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);

        // The candidate never sees the key; answering twice is refused, nothing changes.
        let page = ic.get(&format!("/training/tests/{tid}")).await;
        assert!(page.text.contains("至少几名执法人员") && !page.text.contains("正确答案"));
        let r = ic.post_form(&format!("/training/tests/{tid}/answers"), &[("q0", "1")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("第 2 题未作答"));
        let r = ic.post_form(&format!("/training/tests/{tid}/answers"), &[("q0", "1"), ("q1", "0")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(ic.get(&format!("/training/tests/{tid}")).await.text.contains("<strong>100</strong> 分"));
        let r = ic.post_form(&format!("/training/tests/{tid}/answers"), &[("q0", "0"), ("q1", "1")]).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.text.contains("每人只能作答一次"));
        let r = ic
            .post_json(&format!("/api/v1/training/tests/{tid}/answers"), &serde_json::json!({"answers": [0, 1]}))
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert_eq!(r.json()["code"], "conflict");
        assert_eq!(app.t.store.test_results(tid).await.unwrap()[0].points, 100);
        // Another department's inspector: the session and test do not exist for them.
        assert_eq!(oc.get(&format!("/training/sessions/{sid}")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(
            oc.post_json(&format!("/api/v1/training/tests/{tid}/answers"), &serde_json::json!({"answers": [1, 0]}))
                .await
                .status,
            StatusCode::NOT_FOUND
        );

        // Records: self, the department's staff and the ledger office; nobody else.
        let rec = ic.get(&format!("/api/v1/training/records/{insp}")).await.json();
        assert_eq!(rec["hours"], 2.5);
        assert_eq!(rec["results"][0]["points"], 100);
        assert!(staff.get(&format!("/training/records/{insp}")).await.text.contains("执法业务培训"));
        assert_eq!(ledger.get(&format!("/api/v1/training/records/{insp}")).await.status, StatusCode::OK);
        assert_eq!(oc.get(&format!("/training/records/{insp}")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(ic.get(&format!("/api/v1/training/records/{outsider}")).await.status, StatusCode::NOT_FOUND);
        let by = ledger.get("/api/v1/training/departments").await.json();
        assert!(by.as_array().unwrap().iter().any(|d| d["department"] == "区市场监管局" && d["tests_taken"] == 1));
        assert_eq!(ic.get("/training/departments").await.status, StatusCode::FORBIDDEN);
        // The inspector roster entry linked to the account shows the same record.
        let entry = app
            .t
            .store
            .roster_create(
                &jianguan_store::Actor::system(),
                app.dept("scjgj").await,
                &jianguan_store::draw::InspectorInput {
                    name: "测试检查员".into(),
                    certificate_no: "12010420260001".into(),
                    valid_from: chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
                    valid_until: chrono::NaiveDate::from_ymd_opt(2030, 12, 31).unwrap(),
                    status: "active".into(),
                    item_ids: Vec::new(),
                    account_id: Some(insp),
                },
            )
            .await
            .unwrap();
        let page = staff.get(&format!("/training/inspectors/{}", entry.id)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        assert!(page.text.contains("12010420260001") && page.text.contains("执法业务培训"));
        let sum = ic.get(&format!("/api/v1/training/inspectors/{}", entry.id)).await.json();
        assert_eq!((sum["tests"].as_i64(), sum["latest_points"].as_i64()), (Some(1), Some(100)));
        assert_eq!(oc.get(&format!("/training/inspectors/{}", entry.id)).await.status, StatusCode::NOT_FOUND);
        let roster = staff.get(&format!("/draw/roster/{}", entry.id)).await;
        assert_eq!(roster.status, StatusCode::OK, "{}", roster.text);
        assert!(
            roster.text.contains("id=\"roster-training\"")
                && roster.text.contains("合格 1 次")
                && roster.text.contains("最近一次 100 分")
        );

        assert!(app.t.store.verify_audit().await.unwrap().is_ok());
    }
}

fn social_code(body: &str) -> String {
    let org = format!("{body}{}", jianguan_domain::uscc::compute_org_check(body).unwrap());
    let first17 = format!("51120104{org}");
    format!("{first17}{}", jianguan_domain::uscc::compute_check_char(&first17).unwrap())
}

#[tokio::test]
async fn associations_registry_conventions_and_cases() {
    for app in apps().await {
        testing::import_demo_entities(&app.t.store, &jianguan_store::Actor::system(), &app.state.cipher, 4, 8)
            .await
            .unwrap();
        let ents = app.t.store.entity_search(&Default::default()).await.unwrap().rows;
        app.account("staff", "scjgj", &[Role::DeptStaff]).await;
        app.account("other", "sfj", &[Role::DeptStaff]).await;
        let mut staff = app.login("staff").await;
        let mut other = app.login("other").await;
        let mut anon = app.client();

        let r = staff
            .post_json(
                "/api/v1/associations",
                &serde_json::json!({"uscc": ents[0].rec.uscc, "name": "某某行业协会", "kind": "association"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "an enterprise code is refused");
        assert!(r.json()["message"].as_str().unwrap().contains("以 5 开头"));
        let r = staff.post_json("/api/v1/associations", &serde_json::json!({"uscc": social_code("MJ001111"), "name": "南开区美容美发行业协会", "kind": "association", "industry": "居民服务"})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let aid = r.json()["id"].as_i64().unwrap();
        let r = staff
            .post_json(
                "/api/v1/associations",
                &serde_json::json!({"uscc": social_code("MJ001111"), "name": "重复登记协会", "kind": "association"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);

        assert_eq!(
            staff.post_form(&format!("/associations/{aid}/members"), &[("uscc", &ents[1].rec.uscc)]).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            other.post_form(&format!("/associations/{aid}/members"), &[("uscc", &ents[2].rec.uscc)]).await.status,
            StatusCode::FORBIDDEN
        );
        let r = staff
            .post_form(
                &format!("/associations/{aid}/conventions"),
                &[
                    ("title", "美容美发行业自律公约"),
                    ("adopted_on", "2025-06-01"),
                    ("body_html", "<p>明码标价,不得诱导办卡<script>alert(1)</script></p>"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = staff
            .post_form(
                &format!("/associations/{aid}/conventions"),
                &[("title", "空"), ("adopted_on", "2025-06-01"), ("body_html", "<iframe src=x></iframe>")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

        // A case by another department stays with it until published.
        let r = other
            .post_form(
                &format!("/associations/{aid}/cases"),
                &[
                    ("kind", "barrier"),
                    ("title", "协会限制会员跨区经营案"),
                    ("decided_on", "2025-08-08"),
                    ("summary_html", "<p>协会章程限制会员跨区经营</p>"),
                    ("outcome", "责令修改章程"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let cid = app.t.store.case_list(Some(aid), app.dept("sfj").await.into()).await.unwrap()[0].id;
        assert_eq!(anon.get(&format!("/public/association-cases/{cid}")).await.status, StatusCode::NOT_FOUND);
        assert!(!staff.get(&format!("/associations/{aid}")).await.text.contains("限制会员跨区经营"));
        assert_eq!(
            staff.post_form(&format!("/associations/cases/{cid}/publish"), &[]).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            other.post_form(&format!("/associations/cases/{cid}/publish"), &[]).await.status,
            StatusCode::SEE_OTHER
        );

        let page = anon.get(&format!("/public/associations/{aid}")).await.text;
        assert!(
            page.contains("美容美发行业自律公约")
                && page.contains("协会限制会员跨区经营案")
                && page.contains(&ents[1].rec.name)
        );
        let conv = app.t.store.convention_list(aid).await.unwrap()[0].id;
        let doc = anon.get(&format!("/public/conventions/{conv}")).await.text;
        assert!(doc.contains("不得诱导办卡") && !doc.contains("<script>alert"));
        let list = anon.get("/api/v1/public/associations").await.json();
        assert_eq!(list[0]["members"], 1);
        for q in ["美发", "诱导办卡", "跨区"] {
            let s = anon.get(&format!("/api/v1/public/search?q={}", urlencoding::encode(q))).await.json();
            assert!(s["total"].as_i64().unwrap() >= 1, "{}: {q}", app.name());
        }
        assert_eq!(anon.get("/associations").await.status, StatusCode::SEE_OTHER);
        assert!(app.t.store.verify_audit().await.unwrap().is_ok());
    }
}
