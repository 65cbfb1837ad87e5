//! The ledgers through the real router on both stores: the whole sheet and its filters,
//! department isolation (and its denials), reports with evidence, returns and revisions,
//! the API with Idempotency-Key, Excel export and import with bad input, schedules,
//! milestones, the working-day calendar, warnings and dashboards.

mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use common::*;
use jianguan_domain::auth::Role;
use jianguan_domain::ledger::{builtin_annexes, LedgerRow};
use jianguan_exchange::ledger_sheet::{write_ledger, ExportRow, ExportSheet};
use jianguan_store::ledger::{LedgerTask, ReportStatus, ShareFilter};
use jianguan_store::AuditFilter;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

/// A multipart body: text fields, then files as (field, file name, bytes).
fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----jianguan-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    for (field, name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn post_multipart(c: &mut Client, path: &str, fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Resp {
    let (ct, body) = multipart(fields, files);
    let sep = if path.contains('?') { '&' } else { '?' };
    let url = format!("{path}{sep}_csrf={}", urlencoding::encode(c.csrf.as_deref().unwrap_or("")));
    c.request(Method::POST, &url, Body::from(body), Some(&ct), None).await
}

async fn ledger_id(app: &App, code: &str) -> i64 {
    app.t.store.ledger_by_code(code).await.unwrap().unwrap().id
}

async fn task(app: &App, code: &str, seq: u32) -> LedgerTask {
    let id = ledger_id(app, code).await;
    app.t
        .store
        .ledger_tasks(Some(id))
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.row.seq == seq && t.row.sub.is_none())
        .unwrap()
}

async fn share_id(app: &App, task_id: i64, dept: &str) -> i64 {
    let d = app.dept(dept).await;
    let f = ShareFilter { task_id: Some(task_id), department_id: Some(d), ..Default::default() };
    app.t.store.ledger_shares(f).await.unwrap()[0].id
}

/// Sets up the annexes and four accounts: the office, 区市场监管局, 区政务服务办 (lead of
/// 附件1 第3项) and 区司法局.
async fn setup(app: &App) {
    app.load_ledgers().await;
    app.account("office", "zfb", &[Role::LedgerOffice]).await;
    app.account("scj", "scjgj", &[Role::DeptStaff]).await;
    app.account("zwf", "zwfwb", &[Role::DeptStaff]).await;
    app.account("sfj", "sfj", &[Role::DeptStaff]).await;
}

fn rows_of(html: &str) -> usize {
    html.matches("<tr id=\"task-").count()
}

#[tokio::test]
async fn whole_sheet_filters_and_department_isolation() {
    for app in App::all().await {
        setup(&app).await;
        let a1 = ledger_id(&app, "annex1").await;
        let mut office = app.login("office").await;
        let r = office.get("/ledger").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.text.contains("南开区落实《天津市人民政府关于加强和规范事中事后监管的实施意见》工作责任台账"));
        let all = office.get(&format!("/ledger/{a1}")).await;
        assert_eq!(rows_of(&all.text), 37, "{}", app.name());
        assert!(!all.text.contains("style="), "no inline styles under the CSP");
        // The fixed 2021 deadlines have passed: 第3、5、14项 are overdue.
        // As the filter form submits it, with every other field left at 全部.
        let overdue = office.get(&format!("/ledger/{a1}?status=overdue&chapter=&unit=&kind=&q=")).await;
        assert_eq!(overdue.status, StatusCode::OK);
        assert_eq!(rows_of(&overdue.text), 3, "{}", app.name());
        for seq in [3, 5, 14] {
            assert!(overdue.text.contains(&format!("id=\"task-{}\"", task(&app, "annex1", seq).await.id)));
        }
        assert!(overdue.text.contains("逾期 3"));
        let ongoing = office.get(&format!("/ledger/{a1}?kind=ongoing")).await;
        assert_eq!(rows_of(&ongoing.text), 33);
        let missing = office.get(&format!("/ledger/{a1}?kind=missing")).await;
        assert_eq!(rows_of(&missing.text), 1);
        assert!(missing.text.contains("时限待确认"));
        let chapter =
            office.get(&format!("/ledger/{a1}?chapter={}", urlencoding::encode("三、健全监管规则和标准"))).await;
        assert_eq!(rows_of(&chapter.text), 2);
        let sfj = app.dept("sfj").await;
        let by_unit = office.get(&format!("/ledger/{a1}?unit={sfj}&status=overdue")).await;
        assert_eq!(rows_of(&by_unit.text), 3, "区司法局 is in 区各相关部门 for 第3、5、14项");
        let q = office.get(&format!("/ledger/{a1}?q={}", urlencoding::encode("收支两条线"))).await;
        assert_eq!(rows_of(&q.text), 1);

        // A department sees only its tasks, with its own share's state.
        let mut scj = app.login("scj").await;
        let mine = scj.get(&format!("/ledger/{a1}")).await;
        let expected = app
            .t
            .store
            .ledger_shares(ShareFilter {
                ledger_id: Some(a1),
                department_id: Some(app.dept("scjgj").await),
                ..Default::default()
            })
            .await
            .unwrap()
            .len();
        assert_eq!(rows_of(&mine.text), expected, "{}", app.name());
        let t1 = task(&app, "annex1", 1).await;
        assert!(!mine.text.contains(&format!("id=\"task-{}\"", t1.id)), "第1项 is not 区市场监管局's");
        assert_eq!(scj.get(&format!("/ledger/tasks/{}", t1.id)).await.status, StatusCode::FORBIDDEN);
        let t3 = task(&app, "annex1", 3).await;
        let sfj_share = share_id(&app, t3.id, "sfj").await;
        let denied = scj.get(&format!("/ledger/shares/{sfj_share}")).await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN, "{}: another department's share", app.name());
        assert!(denied.text.contains("无权查看其他部门的任务分解"));
        let api = scj.get(&format!("/api/v1/ledger/shares/{sfj_share}")).await;
        assert_eq!(api.status, StatusCode::FORBIDDEN);
        assert_eq!(api.json()["code"], "forbidden");
        let api_task = scj.get(&format!("/api/v1/ledger/tasks/{}", t1.id)).await;
        assert_eq!(api_task.status, StatusCode::FORBIDDEN);
        // Through the API a department lists only its tasks and sees only its share.
        let tasks = scj.get(&format!("/api/v1/ledgers/{a1}/tasks")).await.json();
        assert_eq!(tasks.as_array().unwrap().len(), expected);
        let detail = scj.get(&format!("/api/v1/ledger/tasks/{}", t3.id)).await.json();
        assert_eq!(detail["shares"].as_array().unwrap().len(), 1);
        assert_eq!(scj.get(&format!("/ledger/{a1}/dashboard")).await.status, StatusCode::FORBIDDEN);
        assert_eq!(scj.get(&format!("/ledger/{a1}/export.xlsx")).await.status, StatusCode::FORBIDDEN);
        // The lead unit (区政务服务办) follows every share of 第3项.
        let mut zwf = app.login("zwf").await;
        assert_eq!(zwf.get(&format!("/ledger/shares/{sfj_share}")).await.status, StatusCode::OK);
        let lead = zwf.get(&format!("/api/v1/ledger/tasks/{}", t3.id)).await.json();
        assert_eq!(lead["shares"].as_array().unwrap().len(), 25);
        assert_eq!(lead["task"]["status"], "overdue");
        assert_eq!(lead["task"]["deadline"]["due"], "2021-12-31");
        // The office's and the department's own lists.
        let my = scj.get("/ledger/my").await;
        assert_eq!(my.status, StatusCode::OK);
        assert!(my.text.contains("区市场监管局 · 台账任务"));
        let home = scj.get("/home").await;
        assert!(home.text.contains("本部门台账任务") && home.text.contains("本期未报送"));
        let home = office.get("/home").await;
        assert!(home.text.contains("台账 · 附件1") && home.text.contains("查看逾期任务"));
    }
}

#[tokio::test]
async fn reports_with_evidence_returned_by_the_lead_and_revised() {
    for app in App::all().await {
        setup(&app).await;
        let t3 = task(&app, "annex1", 3).await;
        let mine = share_id(&app, t3.id, "scjgj").await;
        let mut scj = app.login("scj").await;
        let page = scj.get(&format!("/ledger/shares/{mine}")).await;
        assert!(page.text.contains("报送进展") && page.text.contains("enctype=\"multipart/form-data\""));
        let url = format!("/ledger/shares/{mine}/reports");

        // Bad evidence: refused with a Chinese message, nothing written.
        let exe: &[u8] = b"MZ\x90\x00\x03\x00\x00\x00";
        let r =
            post_multipart(&mut scj, &url, &[("progress", "已梳理许可事项。")], &[("evidence", "清单.exe", exe)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert!(r.text.contains("类型不受支持"), "{}", r.text);
        assert!(r.text.contains("已梳理许可事项。"), "the draft is kept");
        let r = post_multipart(&mut scj, &url, &[("progress", "x")], &[("evidence", "伪装.docx", PDF)]).await;
        assert!(r.text.contains("扩展名与内容不符"), "{}", r.text);
        let zeros = vec![0u8; 3 << 20];
        let bomb = zip_bomb(&[("[Content_Types].xml", b"<x/>"), ("word/document.xml", &zeros)]);
        let r = post_multipart(&mut scj, &url, &[("progress", "x")], &[("evidence", "说明.docx", &bomb)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("压缩炸弹"), "{}", r.text);
        assert!(
            app.t.store.ledger_reports(Some(mine), None).await.unwrap().is_empty(),
            "{}: nothing half-written",
            app.name()
        );
        assert!(app.t.store.ledger_files(t3.id).await.unwrap().is_empty());

        // A report with two evidence files; a double submission (same form key) is one report.
        let fields = [
            ("progress", "已完成本局许可事项梳理,报区政务服务办汇总。"),
            ("problems", "无"),
            ("idempotency_key", "form-key-1"),
        ];
        let files: [(&str, &str, &[u8]); 2] =
            [("evidence", "许可事项清单.pdf", PDF), ("evidence", "说明.txt", "梳理说明".as_bytes())];
        let r = post_multipart(&mut scj, &url, &fields, &files).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let again = post_multipart(&mut scj, &url, &fields, &files).await;
        assert_eq!(again.status, StatusCode::SEE_OTHER);
        let reports = app.t.store.ledger_reports(Some(mine), None).await.unwrap();
        assert_eq!(reports.len(), 1, "{}: the double submission made one report", app.name());
        let report = &reports[0];
        let files = app.t.store.ledger_files(t3.id).await.unwrap();
        assert_eq!(files.len(), 2);
        let pdf = files.iter().find(|f| f.kind == "pdf").unwrap();
        assert_eq!(pdf.sha256, jianguan_domain::crypto::sha256_hex(PDF));
        let on_disk = t_dir(&app).join("files").join(&pdf.sha256[..2]).join(&pdf.sha256);
        assert_eq!(std::fs::read(on_disk).unwrap(), PDF, "stored by SHA-256 under <data_dir>/files");
        let dl = scj.get(&format!("/ledger/files/{}", pdf.id)).await;
        assert_eq!(dl.status, StatusCode::OK);
        assert_eq!(dl.headers["content-type"], "application/pdf");
        assert!(dl.headers["content-disposition"].to_str().unwrap().starts_with("attachment;"));
        let mut sfj = app.login("sfj").await;
        assert_eq!(sfj.get(&format!("/ledger/files/{}", pdf.id)).await.status, StatusCode::FORBIDDEN);
        // Another department cannot report on this share.
        let r = post_multipart(&mut sfj, &url, &[("progress", "冒名报送")], &[]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", app.name());

        // Returning: not by the reporting department itself, not by a non-lead unit.
        let ret = |c: &'static str| [("body", c), ("action", "return")];
        let own = scj.post_form(&format!("/ledger/reports/{}/comments", report.id), &ret("自己退回")).await;
        assert_eq!(own.status, StatusCode::FORBIDDEN);
        let other = sfj.post_form(&format!("/ledger/reports/{}/comments", report.id), &ret("越权退回")).await;
        assert_eq!(other.status, StatusCode::FORBIDDEN);
        let mut zwf = app.login("zwf").await;
        assert_eq!(
            zwf.get(&format!("/ledger/files/{}", pdf.id)).await.status,
            StatusCode::OK,
            "the lead reads evidence"
        );
        let empty = zwf
            .post_form(&format!("/ledger/reports/{}/comments", report.id), &[("body", ""), ("action", "return")])
            .await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(empty.text.contains("退回时须写明退回原因"));
        let r = zwf
            .post_form(&format!("/ledger/reports/{}/comments", report.id), &ret("请附清单电子版并注明梳理口径。"))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        assert_eq!(app.t.store.ledger_report(report.id).await.unwrap().status, ReportStatus::Returned);
        let page = scj.get(&format!("/ledger/shares/{mine}")).await;
        assert!(page.text.contains("请附清单电子版并注明梳理口径。") && page.text.contains("修改后重新报送"));
        assert!(page.text.contains(&format!("name=\"revises_id\" value=\"{}\"", report.id)));

        // The revision, declaring the work completed.
        let rid = report.id.to_string();
        let fields = [
            ("progress", "已补充清单电子版,口径为现行有效许可事项。"),
            ("revises_id", rid.as_str()),
            ("completes", "1"),
        ];
        let r = post_multipart(&mut scj, &url, &fields, &[("evidence", "清单电子版.pdf", PDF)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let share = scj.get(&format!("/api/v1/ledger/shares/{mine}")).await.json();
        assert_eq!(share["share"]["status"], "completed", "{}", app.name());
        assert_eq!(share["reports"].as_array().unwrap().len(), 2);
        assert_eq!(share["reports"][1]["status"], "returned");
        assert_eq!(share["reports"][1]["comments"][0]["kind"], "return");
        // The lead comments without returning.
        let latest = share["reports"][0]["id"].as_i64().unwrap();
        let r = zwf
            .post_form(&format!("/ledger/reports/{latest}/comments"), &[("body", "已收到。"), ("action", "comment")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let actions: Vec<String> = app
            .t
            .store
            .audit_search(&AuditFilter { action: Some("ledger.report".into()), limit: 100, ..Default::default() })
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(actions.iter().filter(|a| *a == "ledger.report_submit").count(), 2);
        assert_eq!(actions.iter().filter(|a| *a == "ledger.report_return").count(), 1);
        assert_eq!(actions.iter().filter(|a| *a == "ledger.report_comment").count(), 1);
        assert!(app.t.store.verify_audit().await.unwrap().is_ok());
    }
}

fn t_dir(app: &App) -> std::path::PathBuf {
    app.t.dir.clone()
}

fn zip_bomb(entries: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in entries {
        w.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[tokio::test]
async fn api_reports_with_idempotency_keys_and_department_keys() {
    for app in App::all().await {
        setup(&app).await;
        let t14 = task(&app, "annex1", 14).await;
        let mine = share_id(&app, t14.id, "scjgj").await;
        let mut scj = app.login("scj").await;
        let url = format!("/api/v1/ledger/shares/{mine}/reports");
        let send = |key: Option<&'static str>, body: serde_json::Value| {
            let mut b = axum::http::Request::builder()
                .method(Method::POST)
                .uri(url.clone())
                .header("content-type", "application/json");
            if let Some(k) = key {
                b = b.header("idempotency-key", k);
            }
            (b, body)
        };
        let body = serde_json::json!({ "progress": "存量文件清理已完成 80%。", "next_steps": "12 月底前全部完成。" });
        let (b, j) = send(Some("rep-0001"), body.clone());
        let csrf = scj.csrf.clone().unwrap();
        let first = scj.send(b.header("x-csrf-token", &csrf).body(Body::from(j.to_string())).unwrap()).await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
        assert_eq!(first.headers["idempotent-replayed"], "false");
        let (b, j) = send(Some("rep-0001"), body.clone());
        let replay = scj.send(b.header("x-csrf-token", &csrf).body(Body::from(j.to_string())).unwrap()).await;
        assert_eq!(replay.status, StatusCode::CREATED);
        assert_eq!(replay.headers["idempotent-replayed"], "true");
        assert_eq!(replay.json()["id"], first.json()["id"], "{}: same key and payload, same report", app.name());
        let (b, j) = send(Some("rep-0001"), serde_json::json!({ "progress": "另一份报告" }));
        let clash = scj.send(b.header("x-csrf-token", &csrf).body(Body::from(j.to_string())).unwrap()).await;
        assert_eq!(clash.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(clash.json()["code"], "idempotency_key_reused");
        let (b, j) = send(Some("键"), body.clone());
        let bad_key = scj.send(b.header("x-csrf-token", &csrf).body(Body::from(j.to_string())).unwrap()).await;
        assert_eq!(bad_key.status, StatusCode::BAD_REQUEST);
        assert_eq!(app.t.store.ledger_reports(Some(mine), None).await.unwrap().len(), 1);
        // Unknown fields and empty progress: Chinese 422s.
        let r = scj.post_json(&url, &serde_json::json!({ "progress": "x", "evil": 1 })).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = scj.post_json(&url, &serde_json::json!({ "progress": " " })).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["message"], "工作进展不能为空");
        // Ongoing work cannot be declared completed.
        let t2 = task(&app, "annex1", 2).await;
        let ongoing = share_id(&app, t2.id, "scjgj").await;
        let r = scj
            .post_json(
                &format!("/api/v1/ledger/shares/{ongoing}/reports"),
                &serde_json::json!({ "progress": "x", "completes": true }),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.json()["message"].as_str().unwrap().contains("持续推进"));

        // Evidence through the API, then referenced by a report.
        let (ct, mp) = multipart(&[], &[("file", "清理目录.pdf", PDF)]);
        let up = scj.request(Method::POST, "/api/v1/ledger/files", Body::from(mp), Some(&ct), Some(&csrf)).await;
        assert_eq!(up.status, StatusCode::CREATED, "{}", up.text);
        let fid = up.json()["id"].as_i64().unwrap();
        let r = scj.post_json(&url, &serde_json::json!({ "progress": "附清理目录。", "evidence": [fid] })).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.json()["files"][0]["sha256"], jianguan_domain::crypto::sha256_hex(PDF));
        let (ct, mp) = multipart(&[], &[("file", "a.txt", b"\x00\x01binary")]);
        let bad = scj.request(Method::POST, "/api/v1/ledger/files", Body::from(mp), Some(&ct), Some(&csrf)).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.json()["message"].as_str().unwrap().contains("类型不受支持"));

        // The office does not report; another department cannot report on this share.
        let mut office = app.login("office").await;
        assert_eq!(office.post_json(&url, &serde_json::json!({ "progress": "x" })).await.status, StatusCode::FORBIDDEN);
        let mut sfj = app.login("sfj").await;
        let r = sfj.post_json(&url, &serde_json::json!({ "progress": "x" })).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(r.json()["code"], "forbidden");

        // A department's API key reports on its own shares only.
        let (key, _) = api_key(&app, "scjgj", &["ledger:read", "ledger:write"]).await;
        let call = |path: String, body: serde_json::Value| {
            axum::http::Request::builder()
                .method(Method::POST)
                .uri(path)
                .header("authorization", format!("Bearer {key}"))
                .header("content-type", "application/json")
                .header("idempotency-key", "oa-42")
                .body(Body::from(body.to_string()))
                .unwrap()
        };
        let mut machine = app.client();
        let r = machine.send(call(url.clone(), serde_json::json!({ "progress": "OA 系统推送:已完成。" }))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let sfj_share = share_id(&app, t14.id, "sfj").await;
        let r = machine
            .send(call(format!("/api/v1/ledger/shares/{sfj_share}/reports"), serde_json::json!({ "progress": "x" })))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let (read_only, _) = api_key(&app, "scjgj", &["ledger:read"]).await;
        let r = machine
            .send(
                axum::http::Request::builder()
                    .method(Method::POST)
                    .uri(url.clone())
                    .header("authorization", format!("Bearer {read_only}"))
                    .header("content-type", "application/json")
                    .body(Body::from("{\"progress\":\"x\"}"))
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "ledger:read cannot write");
    }
}

/// Creates an API key for a department; returns (secret, id).
async fn api_key(app: &App, dept: &str, scopes: &[&str]) -> (String, i64) {
    use jianguan_web::security;
    let prefix = format!("jgk_{}", hex::encode(security::random_bytes::<5>()));
    let secret = format!("{prefix}.{}", security::token());
    let k = app
        .t
        .store
        .create_api_key(
            &jianguan_store::Actor::system(),
            &jianguan_store::NewApiKey {
                department_id: app.dept(dept).await,
                name: "OA".into(),
                prefix,
                key_hash: security::sha256_hex(&secret),
                scopes: scopes.iter().map(|s| s.to_string()).collect(),
            },
        )
        .await
        .unwrap();
    (secret, k.id)
}

/// The hidden fields of the import confirmation form.
fn confirm_fields(html: &str) -> Vec<(String, String)> {
    let form = html.split("id=\"import-confirm\"").nth(1).expect("confirmation form");
    form.split("<input type=\"hidden\" name=\"")
        .skip(1)
        .map(|s| {
            let name = s.split('"').next().unwrap().to_owned();
            let value = s.split("value=\"").nth(1).unwrap().split('"').next().unwrap().replace("&#x2f;", "/");
            (name, value)
        })
        .filter(|(n, _)| n != "_csrf")
        .collect()
}

async fn confirm(c: &mut Client, html: &str) -> Resp {
    let fields = confirm_fields(html);
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    c.post_form("/ledger/import/confirm", &refs).await
}

fn sheet_of(rows: &[LedgerRow], layout: jianguan_domain::ledger::LedgerLayout, title: &str) -> Vec<u8> {
    let rows = rows.iter().map(|r| ExportRow { row: r, status: String::new(), progress: String::new() }).collect();
    write_ledger(&ExportSheet { title, layout, rows, date: jianguan_store::ledger::beijing_today() }).unwrap()
}

#[tokio::test]
async fn excel_export_import_round_trip_and_bad_input() {
    for app in App::all().await {
        setup(&app).await;
        let a1 = ledger_id(&app, "annex1").await;
        let mut office = app.login("office").await;
        let first = office.get(&format!("/ledger/{a1}/export.xlsx")).await;
        assert_eq!(first.status, StatusCode::OK);
        assert_eq!(first.headers["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        assert!(first.headers["content-disposition"].to_str().unwrap().contains("filename*=UTF-8''"));
        let bytes = body_bytes(&mut office, &format!("/ledger/{a1}/export.xlsx")).await;
        let grid = jianguan_exchange::xlsx::read_first_sheet(&bytes, &Default::default(), 1000).unwrap();
        assert_eq!(grid.cell(1, 0), "序号");
        assert_eq!(grid.cell(1, 7), "最新进展");
        assert_eq!(grid.cell(4, 6), "逾期(已完成 0/25,逾期 25)", "第3项");

        // Import the export as a new ledger: preview, confirm, export again: identical.
        let r = post_multipart(
            &mut office,
            "/ledger/import",
            &[("mode", "new"), ("code", "a1copy")],
            &[("file", "附件1.xlsx", &bytes)],
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert!(r.text.contains("新增 37 项"), "{}", r.text);
        let done = confirm(&mut office, &r.text).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
        let copy = ledger_id(&app, "a1copy").await;
        assert!(done.location().starts_with(&format!("/ledger/{copy}?done=imported&added=37")));
        let again = body_bytes(&mut office, &format!("/ledger/{copy}/export.xlsx")).await;
        assert_eq!(again, bytes, "{}: export → import → export is identical", app.name());
        let copy_rows: Vec<LedgerRow> =
            app.t.store.ledger_tasks(Some(copy)).await.unwrap().into_iter().map(|t| t.row).collect();
        let annex_rows: Vec<LedgerRow> =
            builtin_annexes()[0].rows.iter().map(|r| LedgerRow { note: None, ..r.clone() }).collect();
        assert_eq!(copy_rows, annex_rows);

        // Bad rows: an unknown unit (with suggestions), an empty required cell, a bad 序号.
        let mut rows = builtin_annexes()[1].rows.clone();
        rows.truncate(3);
        rows[0].lead_text = "区市场监督局".into();
        rows[1].measures = String::new();
        let bad = sheet_of(&rows, jianguan_domain::ledger::LedgerLayout::Combined, "测试台账");
        let before = app.t.store.ledger_list().await.unwrap().len();
        let r = post_multipart(
            &mut office,
            "/ledger/import",
            &[("mode", "new"), ("code", "bad1")],
            &[("file", "bad.xlsx", &bad)],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("第 4 行:落实举措不能为空"), "{}", r.text);
        let with_units = {
            let mut rows = builtin_annexes()[1].rows.clone();
            rows.truncate(2);
            rows[1].lead_text = "区市场监督局、区司法局".into();
            sheet_of(&rows, jianguan_domain::ledger::LedgerLayout::Combined, "测试台账")
        };
        let r = post_multipart(
            &mut office,
            "/ledger/import",
            &[("mode", "new"), ("code", "bad2")],
            &[("file", "bad.xlsx", &with_units)],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.text.contains("第 4 行:单位“区市场监督局”不是已登记的部门或部门组,是否为:区市场监管局"),
            "{}",
            r.text
        );
        assert!(!r.text.contains("id=\"import-confirm\""), "no confirmation with errors");
        // Files that are not xlsx, and a zip bomb named .xlsx.
        let r = post_multipart(
            &mut office,
            "/ledger/import",
            &[("mode", "new"), ("code", "bad3")],
            &[("file", "a.xlsx", "序号,工作任务\n1,x".as_bytes())],
        )
        .await;
        assert!(r.text.contains("文件不是 Excel(.xlsx)格式"), "{}", r.text);
        let zeros = vec![0u8; 4 << 20];
        let bomb = zip_bomb(&[
            ("[Content_Types].xml", b"<x/>"),
            ("xl/workbook.xml", b"<x/>"),
            ("xl/worksheets/sheet1.xml", &zeros),
        ]);
        let r = post_multipart(
            &mut office,
            "/ledger/import",
            &[("mode", "new"), ("code", "bad4")],
            &[("file", "bomb.xlsx", &bomb)],
        )
        .await;
        assert!(r.text.contains("压缩炸弹"), "{}", r.text);
        let r = post_multipart(
            &mut office,
            "/ledger/import",
            &[("mode", "new"), ("code", "bad5")],
            &[("file", "old.xlsx", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1....")],
        )
        .await;
        assert!(r.text.contains("旧版 Excel(.xls)"));
        assert_eq!(app.t.store.ledger_list().await.unwrap().len(), before, "{}: nothing half-imported", app.name());

        // Updating 附件2: one row changed, one added; a reported row cannot be dropped.
        let a2 = ledger_id(&app, "annex2").await;
        let mut rows = builtin_annexes()[1].rows.clone();
        rows[0].deadline_text = "2027年6月底前".into();
        let mut extra = rows[2].clone();
        extra.seq = 14;
        extra.measures = "新增的承接任务。".into();
        rows.push(extra);
        let update = sheet_of(&rows, jianguan_domain::ledger::LedgerLayout::Combined, "附件2");
        let a2s = a2.to_string();
        let r = post_multipart(
            &mut office,
            "/ledger/import",
            &[("mode", "existing"), ("ledger_id", &a2s)],
            &[("file", "a2.xlsx", &update)],
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert!(r.text.contains("新增 1 项,修改 1 项,删除 0 项,不变 13 项"), "{}", r.text);
        assert!(r.text.contains("第 1 项:完成时限"));
        // A report meanwhile does not change what the import does: it goes through.
        let stale = r.text.clone();
        let t3 = task(&app, "annex2", 3).await;
        let mut scj = app.login("scj").await;
        let share = share_id(&app, t3.id, "scjgj").await;
        assert_eq!(
            scj.post_json(
                &format!("/api/v1/ledger/shares/{share}/reports"),
                &serde_json::json!({ "progress": "已开展。" })
            )
            .await
            .status,
            StatusCode::CREATED
        );
        // The rows change between preview and confirmation: the new preview is shown instead.
        let t2 = task(&app, "annex2", 2).await;
        let edit = [
            ("label", "2"),
            ("chapter", t2.row.chapter.as_str()),
            ("task", t2.row.task.as_str()),
            ("measures", "修改后的举措。"),
            ("lead_text", t2.row.lead_text.as_str()),
            ("deadline_text", t2.row.deadline_text.as_str()),
        ];
        assert_eq!(
            office.post_form(&format!("/ledger/tasks/{}/edit", t2.id), &edit).await.status,
            StatusCode::SEE_OTHER
        );
        let r = confirm(&mut office, &stale).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert!(r.text.contains("台账在预览后已发生变化") && r.text.contains("修改 2 项"), "{}", r.text);
        let done = confirm(&mut office, &r.text).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
        assert_eq!(app.t.store.ledger_get(a2).await.unwrap().task_count, 15);
        let without = {
            let mut rows = rows.clone();
            rows.retain(|r| r.seq != 3);
            sheet_of(&rows, jianguan_domain::ledger::LedgerLayout::Combined, "附件2")
        };
        let r = post_multipart(
            &mut office,
            "/ledger/import",
            &[("mode", "existing"), ("ledger_id", &a2s)],
            &[("file", "a2.xlsx", &without)],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("第 3 项已有进展报告,文件中却没有该项"), "{}", r.text);
        // A layout that does not match the ledger.
        let r = post_multipart(
            &mut office,
            "/ledger/import",
            &[("mode", "existing"), ("ledger_id", &a2s)],
            &[("file", "a1.xlsx", &bytes)],
        )
        .await;
        assert!(r.text.contains("与台账“"), "{}", r.text);
        let imports = app
            .t
            .store
            .audit_search(&AuditFilter { action: Some("ledger.import".into()), limit: 10, ..Default::default() })
            .await
            .unwrap();
        assert_eq!(imports.len(), 2);
        assert!(imports.iter().all(|e| e.detail.contains("file_sha256")));
        assert!(app.t.store.verify_audit().await.unwrap().is_ok());
    }
}

async fn body_bytes(c: &mut Client, path: &str) -> Vec<u8> {
    // The client keeps text; fetch raw bytes through the router directly.
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let cookie = c.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
    let req = axum::http::Request::builder().uri(path).header("cookie", cookie).body(Body::empty()).unwrap();
    let resp = c.router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.into_body().collect().await.unwrap().to_bytes().to_vec()
}

#[tokio::test]
async fn tasks_roadmaps_milestones_calendar_and_warnings() {
    for app in App::all().await {
        setup(&app).await;
        let mut office = app.login("office").await;
        let mut scj = app.login("scj").await;
        let mut sfj = app.login("sfj").await;
        // 按市级机关规定时间完成: pending until the office enters the city's date.
        let t3 = task(&app, "annex2", 3).await;
        let page = office.get(&format!("/ledger/tasks/{}", t3.id)).await;
        assert!(page.text.contains("待市级明确时限"));
        let r = office
            .post_form(
                &format!("/ledger/tasks/{}/schedule", t3.id),
                &[("set_due_date", "2026-13-01"), ("cycle", "quarterly")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("不是有效日期"));
        assert_eq!(
            scj.post_form(
                &format!("/ledger/tasks/{}/schedule", t3.id),
                &[("set_due_date", "2027-01-01"), ("cycle", "monthly")]
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        // 2027 is not in the built-in calendar: 1 January 2027 (a Friday) is a working day ...
        let r = office
            .post_form(
                &format!("/ledger/tasks/{}/schedule", t3.id),
                &[("set_due_date", "2027-01-01"), ("note", "津市监函〔2026〕1号"), ("cycle", "monthly")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let t = scj.get(&format!("/api/v1/ledger/tasks/{}", t3.id)).await.json();
        assert_eq!(t["task"]["deadline"]["due"], "2027-01-01");
        assert_eq!(t["task"]["deadline"]["reporting_cycle"], "monthly");
        // ... until the office adds 2027's arrangement; then the due date moves to 4 January.
        let y2027 = serde_json::json!({
            "year": 2027,
            "notices": [{ "number": "国办发明电〔2026〕X号", "title": "国务院办公厅关于2027年部分节假日安排的通知" }],
            "festivals": [{ "name": "元旦", "holidays": ["2027-01-01", "2027-01-02", "2027-01-03"], "workdays": [] }]
        });
        let bad = serde_json::json!({
            "year": 2027, "notices": [{ "number": "X", "title": "X" }],
            "festivals": [{ "name": "元旦", "holidays": ["2027-01-01"], "workdays": ["2027-01-05"] }]
        });
        let r = office.post_form("/calendar", &[("arrangement", &bad.to_string())]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("调休上班日 2027-01-05 不是周六或周日"), "{}", r.text);
        let r = office.post_form("/calendar", &[("arrangement", "{not json")]).await;
        assert!(r.text.contains("JSON 格式不符合节假日安排格式"));
        let r = office.post_form("/calendar", &[("arrangement", &y2027.to_string())]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let r = office.post_form("/calendar", &[("arrangement", &y2027.to_string())]).await;
        assert!(r.text.contains("2027 年的节假日安排已存在"));
        let t = scj.get(&format!("/api/v1/ledger/tasks/{}", t3.id)).await.json();
        assert_eq!(t["task"]["deadline"]["due"], "2027-01-04", "{}: the added year is used at once", app.name());
        let years = office.get("/api/v1/calendar/years").await.json();
        assert!(years.as_array().unwrap().iter().any(|y| y["year"] == 2027 && y["source"] == "stored"));
        app.account("sys", "wxb", &[Role::SysAdmin]).await;
        let mut sys = app.login("sys").await;
        let r = sys
            .post_json("/api/v1/calendar/years", &serde_json::json!({ "arrangement": y2027, "replace": true }))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(scj.get("/calendar").await.status, StatusCode::FORBIDDEN);

        // The lead unit (区市场监管局 leads 附件1 第11项) writes the roadmap and timetable.
        let t11 = task(&app, "annex1", 11).await;
        let url = format!("/ledger/tasks/{}/milestones", t11.id);
        let scjd = app.dept("scjgj").await.to_string();
        let r = scj
            .post_form(
                &format!("/ledger/tasks/{}/roadmap", t11.id),
                &[("roadmap", "一、制定联合抽查计划;二、公示;三、组织实施。")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = scj
            .post_form(&url, &[("title", "联合抽查计划公示"), ("due_date", "2027-01-29"), ("owner_id", &scjd)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let group = app.dept("g-xgbm").await.to_string();
        let r = scj.post_form(&url, &[("title", "x"), ("due_date", "2027-01-29"), ("owner_id", &group)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("节点的负责单位须是承担该任务的部门"));
        let r = scj.post_form(&url, &[("title", "x"), ("due_date", "明年"), ("owner_id", &scjd)]).await;
        assert!(r.text.contains("不是有效日期"));
        assert_eq!(
            sfj.post_form(&url, &[("title", "x"), ("due_date", "2027-01-29"), ("owner_id", &scjd)]).await.status,
            StatusCode::FORBIDDEN
        );
        let tt = sfj.get(&format!("/ledger/tasks/{}/timetable", t11.id)).await;
        assert_eq!(tt.status, StatusCode::OK, "a responsible unit reads the timetable");
        assert!(
            tt.text.contains("<svg") && tt.text.contains("联合抽查计划公示") && tt.text.contains("制定联合抽查计划")
        );
        let api = scj
            .post_json(&format!("/api/v1/ledger/tasks/{}/milestones", t11.id), &serde_json::json!({ "title": "组织实施", "due_date": "2027-06-30", "owner_id": app.dept("sfj").await }))
            .await;
        assert_eq!(api.status, StatusCode::CREATED, "{}", api.text);
        assert_eq!(api.json()["owner"], "区司法局");

        // Warnings: computed and sent once, shown on the home page and in notifications.
        let r = office.post_form("/ledger/warnings/run", &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let notes = scj.get("/notifications").await;
        assert!(notes.text.contains("台账预警") && notes.text.contains("【已逾期】附件1第3项"), "{}", app.name());
        let count = |s: &str| s.matches("【已逾期】").count();
        let n1 = count(&notes.text);
        office.post_form("/ledger/warnings/run", &[]).await;
        assert_eq!(count(&scj.get("/notifications").await.text), n1, "{}: each warning is sent once", app.name());
        assert!(office.get("/notifications").await.text.contains("台账预警日报"));
        assert!(office.get("/ledger").await.text.contains("最近一次"));

        // Adding, editing and deleting a task (office), with unit suggestions.
        let a1 = ledger_id(&app, "annex1").await;
        let form = [
            ("label", "38"),
            ("chapter", "七、其他"),
            ("measures", "开展专项培训。"),
            ("lead_text", "区市场监督局"),
            ("deadline_text", "尽快"),
        ];
        let r = office.post_form(&format!("/ledger/{a1}/tasks"), &form).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("是否为:区市场监管局"), "{}", r.text);
        let form = [
            ("label", "38"),
            ("chapter", "七、其他"),
            ("measures", "开展专项培训。"),
            ("lead_text", "区市场监管局"),
            ("deadline_text", "尽快"),
        ];
        assert_eq!(office.post_form(&format!("/ledger/{a1}/tasks"), &form).await.status, StatusCode::SEE_OTHER);
        let t38 = task(&app, "annex1", 38).await;
        assert_eq!(t38.deadline_kind, "unparsed", "kept as text, flagged");
        let page = office.get(&format!("/ledger/tasks/{}", t38.id)).await;
        assert!(page.text.contains("尽快") && page.text.contains("时限待确认"));
        let edit = [
            ("label", "38"),
            ("chapter", "七、其他"),
            ("measures", "开展专项培训。"),
            ("lead_text", "区市场监管局"),
            ("deadline_text", "2027年3月底前"),
        ];
        assert_eq!(
            office.post_form(&format!("/ledger/tasks/{}/edit", t38.id), &edit).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(task(&app, "annex1", 38).await.deadline_kind, "date");
        assert_eq!(
            office.post_form(&format!("/ledger/tasks/{}/delete", t38.id), &[]).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(app.t.store.ledger_get(a1).await.unwrap().task_count, 37);
        assert!(app.t.store.verify_audit().await.unwrap().is_ok());
    }
}

#[tokio::test]
async fn dashboards_print_layout_and_the_public_annexes() {
    for app in App::all().await {
        setup(&app).await;
        let a1 = ledger_id(&app, "annex1").await;
        let mut office = app.login("office").await;
        let d = office.get(&format!("/ledger/{a1}/dashboard")).await;
        assert_eq!(d.status, StatusCode::OK);
        for part in
            ["按章节", "按单位", "按完成时限类型", "逾期清单", "<svg", "限期任务分解完成率", "持续推进任务本期报送率"]
        {
            assert!(d.text.contains(part), "{}: {part}", app.name());
        }
        assert!(!d.text.contains("style="), "no inline styles under the CSP");
        // 第3、5、14项 have 25 shares each (the lead is also a member of 区各相关部门).
        let overdue = d.text.split("id=\"overdue-list\"").nth(1).unwrap();
        assert_eq!(overdue.matches("<tr><td><a href=\"/ledger/tasks/").count(), 75, "{}", app.name());
        let p = office.get(&format!("/ledger/{a1}/dashboard/print")).await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(p.text.contains("class=\"print-a4\"") && !p.text.contains("class=\"main-nav\""));
        let css = office.get("/static/ledger.css").await;
        assert!(css.text.contains("@page { size:A4"));

        let mut anon = app.client();
        let public = anon.get("/public/ledgers/annex2").await;
        assert_eq!(public.status, StatusCode::OK);
        assert_eq!(public.text.matches("<td class=\"seq\">").count(), 14);
        assert!(public.text.contains("对口承接任务单位"));
        assert!(anon.get("/").await.text.contains("ledgers&#x2f;annex1"), "the portal links the annexes");
        // Only built-in ledgers are public.
        app.t
            .store
            .ledger_apply(
                &jianguan_store::Actor::system(),
                &jianguan_store::ledger::LedgerPlan {
                    target: jianguan_store::ledger::PlanTarget::New {
                        code: "internal".into(),
                        title: "内部台账".into(),
                        source: String::new(),
                        layout: Default::default(),
                        builtin: false,
                    },
                    tasks: vec![],
                    action: "ledger.create".into(),
                    detail: serde_json::json!({}),
                },
            )
            .await
            .unwrap();
        assert_eq!(anon.get("/public/ledgers/internal").await.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn oversized_evidence_is_refused_before_it_is_stored() {
    let t = jianguan_store::testing::sqlite().await;
    let mut cfg = jianguan_domain::config::Config::default();
    cfg.upload.max_file_bytes = 1024;
    let app = App::on(t, cfg).await;
    setup(&app).await;
    let t3 = task(&app, "annex1", 3).await;
    let mine = share_id(&app, t3.id, "scjgj").await;
    let mut scj = app.login("scj").await;
    let big = vec![b'a'; 4096];
    let r = post_multipart(
        &mut scj,
        &format!("/ledger/shares/{mine}/reports"),
        &[("progress", "x")],
        &[("evidence", "大文件.txt", &big)],
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);
    assert!(r.text.contains("超过单个文件 1.0 KB 的上限"), "{}", r.text);
    assert!(app.t.store.ledger_reports(Some(mine), None).await.unwrap().is_empty());
    assert!(!t_dir(&app).join("files").exists(), "nothing stored");
}
