//! “双随机、一公开” through the UI and the API, on both stores: item lists with xlsx,
//! roster and recusals, plans, a committed draw that can run only after its entropy is
//! public, the public record checked by both verifiers, results with returns and
//! publication, and the denials between departments and inspectors.

mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use chrono::{Datelike, Duration, NaiveDate, Utc};
use common::*;
use jianguan_domain::auth::Role;
use jianguan_store::registry::{EntityRecord, ImportBatch, NewImportJob};
use jianguan_store::Actor;
use std::path::PathBuf;
use std::process::Command;

fn today() -> NaiveDate {
    (Utc::now() + Duration::hours(8)).date_naive()
}

/// Beijing local time `n` seconds from now, as a `datetime-local` value.
fn local_in(secs: i64) -> String {
    (Utc::now() + Duration::hours(8) + Duration::seconds(secs)).format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// Entities through the registry's import path; every third carries a risk class tag.
async fn entities(app: &App, n: usize) -> Vec<String> {
    let s = &app.t.store;
    let demo: Vec<_> = jianguan_domain::uscc::demo::generate(n * 2, 77).filter(|e| !e.legacy).take(n).collect();
    let records: Vec<EntityRecord> = demo
        .iter()
        .enumerate()
        .map(|(i, e)| EntityRecord {
            uscc: e.uscc.clone(),
            name: e.name.clone(),
            kind: "企业".into(),
            legal_rep_sealed: "v1:00".into(),
            legal_rep_index: format!("i{i}"),
            legal_rep_masked: "张*".into(),
            address: e.address.clone(),
            division: "120104".into(),
            industry: "5211".into(),
            industry_name: "百货零售".into(),
            registered_on: Some(e.registered_on),
            status: "存续".into(),
            tags: match i % 3 {
                0 => vec!["信用风险A类".into()],
                1 => vec!["信用风险C类".into(), "食品经营".into()],
                _ => vec![],
            },
            legacy: false,
            legacy_warning: String::new(),
            row_hash: format!("r{i}"),
        })
        .collect();
    let a = Actor::system();
    let job = s
        .import_begin(
            &a,
            &NewImportJob {
                kind: "entities".into(),
                file_name: "t.csv".into(),
                file_sha256: format!("sha{n}"),
                file_bytes: 1,
                options: "{}".into(),
                department_id: None,
            },
        )
        .await
        .unwrap();
    let rows = records.len() as i64;
    s.import_batch(&a, &ImportBatch { job_id: job.id, start_row: 0, rows, bytes_to: 1, records, ..Default::default() })
        .await
        .unwrap();
    s.import_finish(&a, job.id, None).await.unwrap();
    demo.into_iter().map(|e| e.uscc).collect()
}

/// The id at the end of a redirect (`/draw/plans/7?ok=…` → 7).
fn id_in(location: &str) -> i64 {
    location.split('?').next().unwrap().rsplit('/').next().unwrap().parse().unwrap()
}

fn python(file: &std::path::Path) -> (i32, String) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tools/verify_draw.py");
    let out = Command::new("python3").arg(script).arg(file).output().expect("python3 runs the independent verifier");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).lines().next().unwrap_or("").to_string())
}

fn multipart(file_name: &str, data: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----jianguan-draw-test";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(data);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(c: &mut Client, path: &str, file_name: &str, data: &[u8]) -> Resp {
    let (ct, body) = multipart(file_name, data);
    let url = format!("{path}?_csrf={}", urlencoding::encode(c.csrf.as_deref().unwrap_or("")));
    c.request(Method::POST, &url, Body::from(body), Some(&ct), None).await
}

struct Setup {
    item: i64,
    plan: i64,
    task: i64,
    insp_a: i64,
}

/// Through the UI as 区市场监管局 staff: an item, three inspectors (two with accounts), an
/// annual plan with one stratified task, published.
async fn ui_setup(app: &App, staff: &mut Client) -> Setup {
    let r = staff
        .post_form(
            "/draw/items",
            &[
                ("code", "SCJ-SP-01"),
                ("name", "食品经营者落实食品安全主体责任情况检查"),
                ("sub_items", "许可证公示\n从业人员健康证明"),
                ("legal_basis", "《中华人民共和国食品安全法》第一百一十条"),
                ("inspecting_body", "区市场监管局"),
                ("kinds", "企业"),
                ("industries", "52"),
                ("tags", ""),
                ("ratio", "5"),
                ("interval_months", "12"),
                ("method", "实地核查"),
                ("certificates", "行政执法证"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}: {}", app.name(), r.text);
    let item = app.t.store.draw_items(app.dept("scjgj").await).await.unwrap()[0].id;
    let acc_a = app.t.store.find_account("insp_a").await.unwrap().unwrap().id;
    let acc_b = app.t.store.find_account("insp_b").await.unwrap().unwrap().id;
    let y = today().year();
    for (name, cert, acc) in
        [("张执法", "TJSC-0001", Some(acc_a)), ("李执法", "TJSC-0002", Some(acc_b)), ("王执法", "TJSC-0003", None)]
    {
        let acc = acc.map(|a| a.to_string()).unwrap_or_default();
        let item_s = item.to_string();
        let r = staff
            .post_form(
                "/draw/roster",
                &[
                    ("name", name),
                    ("certificate_no", cert),
                    ("valid_from", "2024-01-01"),
                    ("valid_until", &format!("{}-12-31", y + 2)),
                    ("status", "active"),
                    ("items", &item_s),
                    ("account_id", &acc),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}: {}", app.name(), r.text);
    }
    let insp_a = app.t.store.roster_entry_for_account(acc_a).await.unwrap().unwrap().id;
    let r = staff
        .post_form(
            "/draw/plans",
            &[("year", &y.to_string()), ("kind", "annual"), ("title", &format!("区市场监管局{y}年度双随机抽查计划"))],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let plan = id_in(&r.location());
    let item_s = item.to_string();
    let start = today().to_string();
    let end = format!("{y}-12-31");
    let r = staff
        .post_form(
            &format!("/draw/plans/{plan}/tasks"),
            &[
                ("name", "食品经营者抽查"),
                ("items", &item_s),
                ("kinds", "企业"),
                ("stratify", "1"),
                ("quota_A", "20%"),
                ("quota_B", "20%"),
                ("quota_C", "2"),
                ("quota_D", "20%"),
                ("quota_unclassified", "20%"),
                ("weight_A", "1"),
                ("commitment_multiply", "2"),
                ("starts_on", &start),
                ("ends_on", &end),
                ("team_size", "2"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}: {}", app.name(), r.text);
    let task = app.t.store.plan(plan).await.unwrap().tasks[0].id;
    let r = staff.post_form(&format!("/draw/plans/{plan}/publish"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    Setup { item, plan, task, insp_a }
}

#[tokio::test]
async fn plan_draw_verify_record_results_and_publish_through_the_ui() {
    for app in App::all().await {
        let n = app.name();
        let codes = entities(&app, 30).await;
        app.account("staff", "scjgj", &[Role::DeptStaff]).await;
        app.account("insp_a", "scjgj", &[Role::Inspector]).await;
        app.account("insp_b", "scjgj", &[Role::Inspector]).await;
        app.account("insp_x", "scjgj", &[Role::Inspector]).await;
        app.account("wjw_staff", "wjw", &[Role::DeptStaff]).await;
        let mut staff = app.login("staff").await;
        let s = ui_setup(&app, &mut staff).await;
        let mut other = app.login("wjw_staff").await;

        // Department isolation: another department sees none of it.
        for path in [
            format!("/draw/plans/{}", s.plan),
            format!("/draw/items/{}", s.item),
            format!("/draw/roster/{}", s.insp_a),
            format!("/draw/tasks/{}", s.task),
        ] {
            assert_eq!(other.get(&path).await.status, StatusCode::NOT_FOUND, "{n}: {path}");
        }
        assert_eq!(
            other.post_form(&format!("/draw/plans/{}/publish", s.plan), &[]).await.status,
            StatusCode::NOT_FOUND
        );
        let r = other.get("/api/v1/draw/plans").await;
        assert_eq!(r.json().as_array().unwrap().len(), 0, "{n}");

        // An inspector declares a conflict with the first entity from their own page.
        let mut a = app.login("insp_a").await;
        let r = a.post_form("/draw/my/recusals", &[("uscc", &codes[0]), ("reason", "配偶在该单位任职")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{n}: {}", r.text);
        let page = a.get("/draw/my").await.text;
        assert!(page.contains(&codes[0]) && page.contains("配偶在该单位任职"), "{n}");
        let sealed = app.t.store.roster_entry(s.insp_a).await.unwrap().recusals[0].reason_sealed.clone();
        assert!(!sealed.contains("配偶"), "the reason is stored sealed");

        // Commit: the entropy value is published two seconds from now.
        let r = staff
            .post_form(
                &format!("/draw/tasks/{}/commit", s.task),
                &[("source", "上海证券交易所公布的上证综合指数收盘点位,保留两位小数"), ("available_at", &local_in(2))],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{n}: {}", r.text);
        let draw = id_in(&r.location());
        let r = staff.post_form(&format!("/draw/draws/{draw}/execute"), &[("public_value", "3301.07")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{n}");
        assert!(r.text.contains("此前不能抽取"), "{n}");
        tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
        let r = staff.post_form(&format!("/draw/draws/{draw}/execute"), &[("public_value", "3301.07")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{n}: {}", r.text);
        let d = app.t.store.draw(draw).await.unwrap();
        assert_eq!(d.status, "drawn");

        // The public page and its record: download, recompute with both verifiers.
        let mut public = app.client();
        let page = public.get(&format!("/public/draw/draws/{}", d.code)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text.contains(&d.commit_hash) && page.text.contains("3301.07"), "{n}");
        let link = format!("/public/draw/draws/{}/record.json", d.code);
        assert!(page.text.contains(&link));
        let file = public.get(&link).await;
        assert_eq!(file.status, StatusCode::OK);
        assert!(file.headers["content-disposition"].to_str().unwrap().contains(&d.code));
        let api = public.get(&format!("/api/v1/public/draw/draws/{}/record", d.code)).await;
        assert_eq!(api.text, file.text, "the page and the API publish the same record");
        let record = jianguan_domain::draw::verify_json(file.text.as_bytes()).expect("Rust verifier: ok");
        assert_eq!(record.commit_hash.to_hex(), d.commit_hash);
        assert!(
            record.roster.iter().any(|i| i.recusals.iter().any(|u| u.as_str() == codes[0])),
            "{n}: recusal in the roster"
        );
        let dir = jianguan_store::testing::temp_dir();
        let path = dir.join("record.json");
        std::fs::write(&path, &file.text).unwrap();
        assert_eq!(python(&path), (0, "ok".to_string()), "{n}: Python verifier");
        // A tampered record: both verifiers name the field.
        let mut v: serde_json::Value = serde_json::from_str(&file.text).unwrap();
        v["entropy"]["value"] = "3301.08".into();
        let tampered = serde_json::to_string_pretty(&v).unwrap();
        let e = jianguan_domain::draw::verify_json(tampered.as_bytes()).unwrap_err();
        assert_eq!(e.field(), Some("seed"));
        std::fs::write(&path, &tampered).unwrap();
        let (code, line) = python(&path);
        assert!(code == 1 && line.contains("seed"), "{n}: {line}");

        // Results: an inspector outside the team is refused; the team records.
        let inspections = app
            .t
            .store
            .inspections(&jianguan_store::draw::InspectionFilter { draw_id: Some(draw), ..Default::default() })
            .await
            .unwrap();
        assert!(!inspections.is_empty());
        let acc_a = app.t.store.find_account("insp_a").await.unwrap().unwrap().id;
        let mine =
            inspections.iter().find(|i| i.team.iter().any(|m| m.account_id == Some(acc_a))).expect("insp_a assigned");
        assert!(mine.uscc != codes[0], "{n}: recused entity not assigned to insp_a");
        let mut x = app.login("insp_x").await;
        assert_eq!(x.get(&format!("/draw/inspections/{}", mine.id)).await.status, StatusCode::NOT_FOUND, "{n}");
        let fields = |submit: &'static str, version: i64| {
            vec![
                ("inspected_on".to_string(), today().to_string()),
                ("summary".to_string(), "现场检查,证照齐全".to_string()),
                (format!("result_{}", s.item), "no_problem".to_string()),
                (format!("note_{}", s.item), String::new()),
                ("submit".to_string(), submit.to_string()),
                ("version".to_string(), version.to_string()),
            ]
        };
        let as_refs = |v: &[(String, String)]| v.iter().map(|(a, b)| (a.clone(), b.clone())).collect::<Vec<_>>();
        let f = as_refs(&fields("1", mine.version));
        let pairs: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let r = x.post_form(&format!("/draw/inspections/{}/result", mine.id), &pairs).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{n}: not in the team");
        let r = upload(&mut a, &format!("/draw/inspections/{}/evidence", mine.id), "现场.txt", b"plain text").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{n}: only PDF/JPEG/PNG");
        let r = upload(&mut a, &format!("/draw/inspections/{}/evidence", mine.id), "现场.pdf", b"%PDF-1.4 test").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{n}: {}", r.text);
        let v = app.t.store.inspection(mine.id).await.unwrap().version;
        let f = as_refs(&fields("1", v));
        let pairs: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let r = a.post_form(&format!("/draw/inspections/{}/result", mine.id), &pairs).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{n}: {}", r.text);
        assert!(r.location().ends_with("ok=submitted"));
        // Another department cannot review; the owner returns, then approves and publishes.
        let r = other.post_form(&format!("/draw/inspections/{}/review", mine.id), &[("action", "approve")]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{n}");
        let r = staff
            .post_form(
                &format!("/draw/inspections/{}/review", mine.id),
                &[("action", "return"), ("reason", "请补充现场照片")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{n}");
        let page = a.get(&format!("/draw/inspections/{}", mine.id)).await.text;
        assert!(page.contains("请补充现场照片"), "{n}: the return reason reaches the inspector");
        let v = app.t.store.inspection(mine.id).await.unwrap().version;
        let body = serde_json::json!({
            "inspected_on": today().to_string(), "summary": "补充照片后提交",
            "results": [{ "item_id": s.item, "result": "no_problem" }], "submit": true, "expected_version": v
        });
        let r = a.post_json(&format!("/api/v1/draw/inspections/{}/result", mine.id), &body).await;
        assert_eq!(r.status, StatusCode::OK, "{n}: {}", r.text);
        assert_eq!(r.json()["status"], "submitted");
        let r = staff
            .post_json(
                &format!("/api/v1/draw/inspections/{}/review", mine.id),
                &serde_json::json!({ "action": "approve" }),
            )
            .await;
        assert_eq!(r.json()["status"], "approved", "{n}: {}", r.text);
        let r = staff.post_form(&format!("/draw/inspections/{}/review", mine.id), &[("action", "publish")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let page = public.get(&format!("/public/draw/entities/{}", mine.uscc)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text.contains("未发现问题") && page.text.contains(&d.code), "{n}");
        let api = public.get(&format!("/api/v1/public/draw/entities/{}/results", mine.uscc)).await;
        assert_eq!(api.json()[0]["results"][0][2], "no_problem");
        // The published plan is on the public site.
        let plans = public.get("/api/v1/public/draw/plans").await.json();
        assert!(plans.as_array().unwrap().iter().any(|p| p["id"] == s.plan));
        assert!(app.t.store.verify_audit().await.unwrap().is_ok(), "{n}");
    }
}

#[tokio::test]
async fn the_api_runs_a_joint_plan_and_refuses_bad_input() {
    for app in App::all().await {
        let n = app.name();
        entities(&app, 12).await;
        app.account("staff", "scjgj", &[Role::DeptStaff]).await;
        app.account("wjw_staff", "wjw", &[Role::DeptStaff]).await;
        let mut scj = app.login("staff").await;
        let mut wjw = app.login("wjw_staff").await;
        let wjw_id = app.dept("wjw").await;
        let item = serde_json::json!({
            "joint": true, "code": "LH-01", "name": "公共场所卫生与食品安全联合检查", "legal_basis": "《公共场所卫生管理条例》",
            "inspecting_body": "区市场监管局、区卫生健康委", "ratio_per_mille": 100, "method": "实地核查",
            "departments": [wjw_id], "scope": { "kinds": ["企业"] }
        });
        let r = wjw.post_json("/api/v1/draw/items", &item).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{n}: only 区市场监管局 keeps the joint list");
        assert!(r.json()["message"].as_str().unwrap().contains("区市场监管局"));
        let r = scj.post_json("/api/v1/draw/items", &item).await;
        assert_eq!(r.status, StatusCode::CREATED, "{n}: {}", r.text);
        let item_id = r.json()["id"].as_i64().unwrap();
        assert_eq!(wjw.get("/api/v1/draw/items").await.json().as_array().unwrap().len(), 1, "participants see it");
        let y = today().year();
        for (c, cert, who) in [(&mut scj, "J-1", "甲"), (&mut wjw, "J-2", "乙")] {
            let r = c
                .post_json(
                    "/api/v1/draw/roster",
                    &serde_json::json!({ "name": who, "certificate_no": cert, "valid_from": "2024-01-01",
                                         "valid_until": format!("{}-12-31", y + 1), "item_ids": [item_id] }),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{n}: {}", r.text);
        }
        let r = scj
            .post_json(
                "/api/v1/draw/plans",
                &serde_json::json!({ "year": y, "kind": "joint", "title": "部门联合双随机抽查", "departments": [wjw_id] }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{n}: {}", r.text);
        let plan = r.json()["id"].as_i64().unwrap();
        let old = serde_json::json!({ "year": y - 1, "kind": "annual", "title": "去年的计划" });
        let r = scj.post_json("/api/v1/draw/plans", &old).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{n}: a plan outside its year");
        let task = |start: String, end: String, count: u64| {
            serde_json::json!({ "name": "联合检查", "item_ids": [item_id], "quotas": { "all": { "count": count } },
                                "starts_on": start, "ends_on": end, "team_size": 2 })
        };
        let r = scj
            .post_json(
                &format!("/api/v1/draw/plans/{plan}/tasks"),
                &task(format!("{}-01-01", y + 1), format!("{}-03-01", y + 1), 2),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{n}: a task outside the plan's year");
        assert!(r.json()["message"].as_str().unwrap().contains("超出计划年度"));
        let r = scj
            .post_json(&format!("/api/v1/draw/plans/{plan}/tasks"), &task(today().to_string(), format!("{y}-12-31"), 3))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{n}: {}", r.text);
        let task_id = r.json()["id"].as_i64().unwrap();
        let r = scj
            .post_json(
                &format!("/api/v1/draw/plans/{plan}/tasks"),
                &task(today().to_string(), format!("{y}-12-31"), 99),
            )
            .await;
        let big_task = r.json()["id"].as_i64().unwrap();
        let r = wjw.post_json(&format!("/api/v1/draw/plans/{plan}/publish"), &serde_json::json!({})).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{n}: a participant does not publish the coordinator's plan");
        let r = scj.post_json(&format!("/api/v1/draw/plans/{plan}/publish"), &serde_json::json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{n}: {}", r.text);
        let notes = app.t.store.notifications_for(wjw_id, 0, 10).await.unwrap();
        assert!(notes.iter().any(|x| x.kind == "draw.plan_published"), "{n}: participants are told");

        let commit = |at: chrono::DateTime<Utc>| serde_json::json!({ "source": "深圳证券交易所公布的深证成份指数收盘点位(两位小数)", "available_at": at.to_rfc3339() });
        let r = scj
            .post_json(&format!("/api/v1/draw/tasks/{task_id}/commit"), &commit(Utc::now() - Duration::hours(1)))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{n}: entropy already public");
        let r = scj
            .post_json(&format!("/api/v1/draw/tasks/{big_task}/commit"), &commit(Utc::now() + Duration::seconds(1)))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.json()["message"].as_str().unwrap().contains("超过候选对象数"), "{n}: {}", r.text);
        // Two commits of one task at once: one wins, the other is refused.
        let body = commit(Utc::now() + Duration::seconds(1));
        let (mut c1, mut c2) = (scj.clone_session(), scj.clone_session());
        let path = format!("/api/v1/draw/tasks/{task_id}/commit");
        let (r1, r2) = tokio::join!(c1.post_json(&path, &body), c2.post_json(&path, &body));
        let statuses = [r1.status, r2.status];
        assert!(
            statuses.contains(&StatusCode::CREATED) && statuses.contains(&StatusCode::CONFLICT),
            "{n}: {statuses:?}"
        );
        let won = if r1.status == StatusCode::CREATED { r1 } else { r2 };
        let draw = won.json()["id"].as_i64().unwrap();
        assert_eq!(won.json()["status"], "committed");
        tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
        let r = scj
            .post_json(
                &format!("/api/v1/draw/draws/{draw}/execute"),
                &serde_json::json!({ "public_value": "10234.56" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{n}: {}", r.text);
        let detail = r.json();
        assert_eq!(detail["inspections"].as_array().unwrap().len(), 3);
        for i in detail["inspections"].as_array().unwrap() {
            let depts: Vec<&str> =
                i["team"].as_array().unwrap().iter().map(|m| m["department"].as_str().unwrap()).collect();
            assert!(
                depts.contains(&"区市场监管局") && depts.contains(&"区卫生健康委"),
                "{n}: one team across departments"
            );
        }
        let again = scj
            .post_json(&format!("/api/v1/draw/draws/{draw}/execute"), &serde_json::json!({ "public_value": "1" }))
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{n}: a draw runs once");
        let code = detail["draw"]["code"].as_str().unwrap().to_string();
        let rec = app.client().get(&format!("/api/v1/public/draw/draws/{code}/record")).await;
        jianguan_domain::draw::verify_json(rec.text.as_bytes()).expect("verifies");
        // A re-draw needs a reason; the earlier draw stays published.
        let r = scj
            .post_json(&format!("/api/v1/draw/tasks/{task_id}/commit"), &commit(Utc::now() + Duration::seconds(1)))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{n}");
        let mut body = commit(Utc::now() + Duration::seconds(1));
        body["redraw_reason"] = "卫健委检查人员临时调整".into();
        let r = scj.post_json(&format!("/api/v1/draw/tasks/{task_id}/commit"), &body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{n}: {}", r.text);
        assert_eq!(r.json()["redraw_of"], code.as_str());
        let second = r.json()["id"].as_i64().unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
        let r = scj
            .post_json(
                &format!("/api/v1/draw/draws/{second}/execute"),
                &serde_json::json!({ "public_value": "10240.00" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{n}: {}", r.text);
        let page = app.client().get(&format!("/public/draw/draws/{code}")).await;
        assert!(page.text.contains("已被重新抽取"), "{n}: the first draw stays public, marked replaced");
        assert_eq!(app.client().get(&format!("/api/v1/public/draw/draws/{code}/record")).await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn item_lists_round_trip_through_xlsx_and_warnings_are_scheduled() {
    for app in App::all().await {
        let n = app.name();
        app.account("staff", "scjgj", &[Role::DeptStaff]).await;
        let mut staff = app.login("staff").await;
        let r = staff
            .post_json(
                "/api/v1/draw/items",
                &serde_json::json!({ "code": "SCJ-X-1", "name": "=HYPERLINK(\"http://x\")", "legal_basis": "依据",
                                     "inspecting_body": "区市场监管局", "ratio_per_mille": 25, "interval_months": 6,
                                     "method": "书面检查", "sub_items": ["甲", "乙"] }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{n}: {}", r.text);
        let req = axum::http::Request::builder()
            .uri("/draw/items/export.xlsx")
            .header("cookie", cookie(&staff))
            .body(Body::empty())
            .unwrap();
        let resp = tower::ServiceExt::oneshot(app.router.clone(), req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{n}");
        let bytes = http_body_util::BodyExt::collect(resp.into_body()).await.unwrap().to_bytes().to_vec();
        // The formula-looking name is written as text, never as a formula.
        let sheet = String::from_utf8_lossy(&unzip_sheet(&bytes)).to_string();
        assert!(!sheet.contains("<f>"), "{n}: no formula cells");
        let r = upload(&mut staff, "/draw/items/import", "items.xlsx", &bytes).await;
        assert_eq!(r.status, StatusCode::OK, "{n}: {}", r.text);
        assert!(r.text.contains("未变 1 项"), "{n}");
        // A bad row: nothing imported, the line named.
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        let header = [
            "事项编码",
            "事项名称",
            "检查内容",
            "检查依据",
            "检查主体",
            "检查对象类型",
            "行业代码",
            "标签",
            "抽查比例(%)",
            "抽查间隔(月)",
            "检查方式",
            "检查人员要求",
            "联合抽查",
            "参与部门",
            "状态",
        ];
        for (c, h) in header.iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        let good = [
            "SCJ-X-2",
            "新事项",
            "",
            "依据",
            "区市场监管局",
            "企业",
            "",
            "",
            "3",
            "12",
            "实地核查",
            "",
            "否",
            "",
            "在用",
        ];
        let bad = [
            "SCJ-X-3",
            "坏事项",
            "",
            "依据",
            "区市场监管局",
            "外星企业",
            "",
            "",
            "300",
            "12",
            "实地核查",
            "",
            "否",
            "",
            "在用",
        ];
        for (c, v) in good.iter().enumerate() {
            ws.write_string(1, c as u16, *v).unwrap();
        }
        for (c, v) in bad.iter().enumerate() {
            ws.write_string(2, c as u16, *v).unwrap();
        }
        let file = wb.save_to_buffer().unwrap();
        let r = upload(&mut staff, "/draw/items/import", "bad.xlsx", &file).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{n}");
        assert!(r.text.contains("第3行") && r.text.contains("比例"), "{n}");
        assert_eq!(app.t.store.draw_items(app.dept("scjgj").await).await.unwrap().len(), 1, "{n}: all or nothing");

        // No annual plan yet: after January a warning reaches the department once.
        jianguan_web::pages::draw::scheduled(&app.state).await.unwrap();
        jianguan_web::pages::draw::scheduled(&app.state).await.unwrap();
        let notes = app.t.store.notifications_for(app.dept("scjgj").await, 0, 50).await.unwrap();
        let warned = notes.iter().filter(|x| x.kind == "draw.annual_plan_missing").count();
        let expected = usize::from(jianguan_domain::sampling::annual_plan_missing_is_late(today()));
        assert_eq!(warned, expected, "{n}");
    }
}

fn cookie(c: &Client) -> String {
    c.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
}

/// The first worksheet's XML of an xlsx.
fn unzip_sheet(xlsx: &[u8]) -> Vec<u8> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut f = z.by_name("xl/worksheets/sheet1.xml").unwrap();
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut f, &mut out).unwrap();
    out
}

trait Session {
    fn clone_session(&self) -> Client;
}

impl Session for Client {
    fn clone_session(&self) -> Client {
        Client { router: self.router.clone(), cookies: self.cookies.clone(), csrf: self.csrf.clone() }
    }
}
