//! Reports and complaints through the UI and the API: public intake and routing, the
//! reporter sealed and revealed only to granted roles (audited), handling with its credit
//! outcome, rewards, the joint meeting, risk warnings, bad input, and the canary that
//! must appear nowhere in clear text; on both stores.

mod capsupport;
mod common;

use axum::http::StatusCode;
use capsupport::*;
use common::*;
use jianguan_domain::auth::Role;
use jianguan_domain::config::{Config, UploadLimits};
use jianguan_domain::sampling::PlanKind;
use jianguan_store::complaints::ComplaintFilter;
use jianguan_store::draw::{DrawItemInput, PlanInput, Scope};
use jianguan_store::testing;
use serde_json::json;

async fn public_client(app: &App) -> Client {
    let mut c = app.client();
    assert_eq!(c.get("/public/report").await.status, StatusCode::OK);
    c
}

fn filed_id(location: &str) -> i64 {
    location.split("filed=").nth(1).unwrap().parse().unwrap()
}

#[tokio::test]
async fn public_report_is_routed_and_reporter_protected() {
    for app in App::all().await {
        let c = codes(1);
        entities(&app, &[(&c[0], "南开某诊所")]).await;
        let mut anon = public_client(&app).await;
        let r = post_multipart(
            &mut anon,
            "/public/report",
            &[
                ("kind", "report"),
                ("category", "medical"),
                ("subject_name", "南开某诊所"),
                ("subject_uscc", &c[0]),
                ("content", "无证行医<script>alert('x')</script>"),
                ("reporter_name", "赵公明"),
                ("reporter_phone", "139 1111 2222"),
            ],
            Some(("证据.pdf", PDF)),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}: {}", app.name(), r.text);
        let id = filed_id(&r.location());
        let page = anon.get(&r.location()).await;
        assert!(page.text.contains(&format!("受理编号 <strong id=\"filed-number\">{id}</strong>")));
        assert!(!page.text.contains("区卫生健康委"), "the public is not told the department");

        let item = app.t.store.complaint_get(id).await.unwrap();
        assert_eq!(item.department, "区卫生健康委", "medical → 卫健委");
        assert_eq!(item.files.len(), 1);
        assert_eq!(item.reporter.name_masked, "赵**");
        assert_eq!(item.reporter.phone_masked, "139****2222");

        let mut wj = staff(&app, "wj1", "wjw").await;
        let mut sc = staff(&app, "sc1", "scjgj").await;
        app.account("grid1", "wgzx", &[Role::GridIntake]).await;
        let mut grid = app.login("grid1").await;
        app.account("ledger1", "zfb", &[Role::LedgerOffice]).await;
        let mut ledger = app.login("ledger1").await;
        app.account("insp1", "wjw", &[Role::Inspector]).await;
        let mut insp = app.login("insp1").await;

        // The holding department sees it masked, script inert.
        let page = wj.get(&format!("/complaints/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text.contains("赵** 139****2222"));
        assert!(!page.text.contains("赵公明") && !page.text.contains("13911112222"));
        assert!(page.text.contains("&lt;script&gt;") && !page.text.contains("<script>alert"));
        // Another department: not found, also for reveal and files.
        assert_eq!(sc.get(&format!("/complaints/{id}")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(sc.post_form(&format!("/complaints/{id}/reveal"), &[]).await.status, StatusCode::NOT_FOUND);
        let sha = &item.files[0].sha256;
        assert_eq!(sc.get(&format!("/complaints/{id}/files/{sha}")).await.status, StatusCode::NOT_FOUND);
        assert!(!sc.get("/complaints").await.text.contains("南开某诊所"));
        // The ledger office sees masked only and may not reveal; an inspector gets nothing.
        let page = ledger.get(&format!("/complaints/{id}")).await;
        assert!(page.text.contains("赵** 139****2222") && !page.text.contains("查看举报人"));
        assert_eq!(ledger.post_form(&format!("/complaints/{id}/reveal"), &[]).await.status, StatusCode::FORBIDDEN);
        assert_eq!(insp.get(&format!("/complaints/{id}")).await.status, StatusCode::FORBIDDEN);
        assert_eq!(actions(&app, "complaints.reporter.reveal").await.len(), 0);

        // Granted roles reveal, each time audited.
        let page = wj.post_form(&format!("/complaints/{id}/reveal"), &[]).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text.contains("赵公明 13911112222"));
        assert_eq!(page.headers.get("cache-control").unwrap(), "no-store");
        assert!(grid.post_form(&format!("/complaints/{id}/reveal"), &[]).await.text.contains("赵公明"));
        assert_eq!(actions(&app, "complaints.reporter.reveal").await.len(), 2);
        // Attachment for the holding department.
        let f = wj.get(&format!("/complaints/{id}/files/{sha}")).await;
        assert_eq!(f.status, StatusCode::OK);
        assert!(f.text.starts_with("%PDF"));
        // A notification went to the department.
        assert!(wj.get("/notifications").await.text.contains("新举报:南开某诊所"));
    }
}

#[tokio::test]
async fn api_intake_and_bad_input() {
    for t in testing::all().await {
        let config =
            Config { upload: UploadLimits { max_file_bytes: 2048, ..Default::default() }, ..Default::default() };
        let app = App::on(t, config).await;
        let mut anon = app.client();
        let body = json!({
            "reporter_name": "钱多多", "reporter_phone": "13700001111", "subject_name": "某超市",
            "content": "<img src=x onerror=alert(1)>销售过期食品", "channel": "api", "category": "food"
        });
        let r = anon.post_json("/api/v1/public/reports", &body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", app.name(), r.text);
        let id = r.json()["id"].as_i64().unwrap();
        assert!(r.json().get("department").is_none());
        let item = app.t.store.complaint_get(id).await.unwrap();
        assert_eq!((item.department.as_str(), item.channel.as_str()), ("区市场监管局", "api"));
        let mut sc = staff(&app, "sc1", "scjgj").await;
        let page = sc.get(&format!("/complaints/{id}")).await;
        assert!(page.text.contains("&lt;img src=x onerror=alert(1)&gt;"));

        // Missing fields, bad channel, bad phone: clear Chinese messages, nothing saved.
        for (patch, msg) in [
            (json!({ "reporter_name": "" }), "请填写举报人姓名"),
            (json!({ "content": "  " }), "请填写举报(投诉)内容"),
            (json!({ "subject_name": null }), "请填写被举报(投诉)对象名称"),
            (json!({ "channel": "phone" }), "公众渠道 channel 应为 web 或 api"),
            (json!({ "reporter_phone": "12ab" }), "联系电话应为 7 至 15 位数字"),
            (json!({ "subject_uscc": "123" }), "统一社会信用代码"),
        ] {
            let mut b = body.clone();
            for (k, v) in patch.as_object().unwrap() {
                if v.is_null() {
                    b.as_object_mut().unwrap().remove(k);
                } else {
                    b[k] = v.clone();
                }
            }
            let r = anon.post_json("/api/v1/public/reports", &b).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{patch}: {}", r.text);
            assert!(r.json()["message"].as_str().unwrap().contains(msg), "{patch}: {}", r.text);
        }
        // Oversized and forbidden attachments.
        let mut b = body.clone();
        let big = format!("%PDF-{}", "x".repeat(4000));
        b["attachments"] =
            json!([{ "name": "big.pdf", "content_base64": data_encoding::BASE64.encode(big.as_bytes()) }]);
        let r = anon.post_json("/api/v1/public/reports", &b).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);
        assert_eq!(r.json()["code"], "payload_too_large");
        b["attachments"] =
            json!([{ "name": "run.exe", "content_base64": data_encoding::BASE64.encode(b"MZ\x90\x00") }]);
        let r = anon.post_json("/api/v1/public/reports", &b).await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        // The web form: oversized file, the typed fields come back.
        let mut web = public_client(&app).await;
        let r = post_multipart(
            &mut web,
            "/public/report",
            &[
                ("kind", "complaint"),
                ("category", "consumer"),
                ("subject_name", "某健身房"),
                ("content", "预付卡退费难"),
                ("reporter_name", "孙一"),
                ("reporter_phone", "13600002222"),
            ],
            Some(("big.pdf", big.as_bytes())),
        )
        .await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(r.text.contains("超过上限") && r.text.contains("预付卡退费难"));
        assert_eq!(app.t.store.complaints(&ComplaintFilter::default()).await.unwrap().len(), 1, "nothing half-saved");

        // Rate limit per address: five an hour (one already filed).
        for i in 0..4 {
            let mut b = body.clone();
            b["subject_name"] = json!(format!("超市{i}"));
            assert_eq!(anon.post_json("/api/v1/public/reports", &b).await.status, StatusCode::CREATED);
        }
        let r = anon.post_json("/api/v1/public/reports", &body).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.json()["code"], "rate_limited");
        let r = post_multipart(
            &mut web,
            "/public/report",
            &[
                ("kind", "complaint"),
                ("category", "consumer"),
                ("subject_name", "某健身房"),
                ("content", "预付卡退费难"),
                ("reporter_name", "孙一"),
                ("reporter_phone", "13600002222"),
            ],
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(r.text.contains("每小时最多提交"));
    }
}

#[tokio::test]
async fn handling_credit_and_reward() {
    for app in App::all().await {
        let c = codes(1);
        entities(&app, &[(&c[0], "南开某餐馆")]).await;
        app.account("grid1", "wgzx", &[Role::GridIntake]).await;
        let mut grid = app.login("grid1").await;
        let fields = [
            ("channel", "phone"),
            ("kind", "report"),
            ("category", "food"),
            ("subject_name", "南开某餐馆"),
            ("subject_uscc", c[0].as_str()),
            ("content", "使用过期原料"),
            ("reporter_name", "李来电"),
            ("reporter_phone", "13500003333"),
        ];
        // Intake channels are phone, e-mail and letter only.
        let mut web_channel = fields.to_vec();
        web_channel[0] = ("channel", "web");
        let r = post_multipart(&mut grid, "/complaints", &web_channel, None).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = post_multipart(&mut grid, "/complaints", &fields, Some(("photo.exe", b"MZ\x90\x00"))).await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let r = post_multipart(&mut grid, "/complaints", &fields, None).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let id: i64 = r.location().trim_start_matches("/complaints/").split('?').next().unwrap().parse().unwrap();

        let mut a = staff(&app, "sc1", "scjgj").await;
        let mut b = staff(&app, "sc2", "scjgj").await;
        let mut w = staff(&app, "wj1", "wjw").await;
        let path = format!("/complaints/{id}/act");
        assert_eq!(w.post_form(&path, &[("action", "acknowledge")]).await.status, StatusCode::NOT_FOUND);
        let r = a.post_form(&path, &[("action", "accept"), ("note", "立案")]).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.text.contains("请先签收"));
        assert_eq!(a.post_form(&path, &[("action", "acknowledge")]).await.status, StatusCode::SEE_OTHER);
        let r = a.post_form(&path, &[("action", "accept"), ("note", "")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("意见不能为空"), "{}", r.text);
        assert_eq!(
            a.post_form(&path, &[("action", "accept"), ("note", "立案调查")]).await.status,
            StatusCode::SEE_OTHER
        );
        let r = a.post_form(&path, &[("action", "close"), ("note", "已处罚")]).await;
        assert!(r.text.contains("请选择核查结果"));
        assert_eq!(
            a.post_form(&path, &[("action", "close"), ("substantiated", "yes"), ("note", "经查属实,已立案处罚")])
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        let credit = app.t.store.credit_events(&c[0]).await.unwrap();
        assert_eq!(credit.len(), 1);
        assert_eq!(credit[0].kind, "complaint");

        let rp = format!("/complaints/{id}/reward");
        let r = a
            .post_form(&rp, &[("action", "propose"), ("level", "2"), ("fines_yuan", "50000"), ("note", "提供线索")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let r = a.post_form(&rp, &[("action", "approve")]).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.text.contains("提出人以外"));
        assert_eq!(b.post_form(&rp, &[("action", "approve")]).await.status, StatusCode::SEE_OTHER);
        assert_eq!(a.post_form(&rp, &[("action", "pay")]).await.status, StatusCode::SEE_OTHER);
        let page = a.get(&format!("/complaints/{id}")).await;
        assert!(page.text.contains("举报奖励:2500 元,状态 paid"));
        assert!(a.get("/complaints").await.text.contains("<td>2500</td>"));
        let acts = actions(&app, "complaints.").await;
        for x in [
            "complaints.submit",
            "complaints.acknowledge",
            "complaints.accept",
            "complaints.close",
            "complaints.reward.propose",
            "complaints.reward.approve",
            "complaints.reward.pay",
        ] {
            assert!(acts.iter().any(|a| a == x), "{x} audited");
        }
    }
}

#[tokio::test]
async fn joint_meeting_and_risk_warnings() {
    for app in App::all().await {
        let c = codes(1);
        entities(&app, &[(&c[0], "南开某健身房")]).await;
        let mut office = staff(&app, "sc1", "scjgj").await;
        let mut sw = staff(&app, "sw1", "swuj").await;
        let mut wj = staff(&app, "wj1", "wjw").await;
        let swuj = app.dept("swuj").await.to_string();
        let scjgj = app.dept("scjgj").await.to_string();
        // Only the office creates cases.
        assert_eq!(sw.post_form("/joint-meeting", &[("title", "x")]).await.status, StatusCode::FORBIDDEN);
        let r = office
            .post_form(
                "/joint-meeting",
                &[
                    ("title", "预付卡闭店"),
                    ("summary", "某健身房闭店"),
                    ("dept_1", &scjgj),
                    ("task_1", "立案调查"),
                    ("due_1", "2026-12-31"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("至少需要两个部门"));
        let r = office
            .post_form(
                "/joint-meeting",
                &[
                    ("title", "预付卡闭店"),
                    ("summary", "某健身房闭店"),
                    ("dept_1", &scjgj),
                    ("task_1", "立案调查"),
                    ("due_1", "2026-12-31"),
                    ("dept_2", &swuj),
                    ("task_2", "预付卡备案核查"),
                    ("due_2", "2026-12-31"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let case_path = r.location().split('?').next().unwrap().to_string();
        let case = app.t.store.joint_cases(None).await.unwrap().remove(0);
        assert_eq!(wj.get(&case_path).await.status, StatusCode::NOT_FOUND);
        assert!(sw.get("/joint-meeting").await.text.contains("预付卡闭店"));
        assert!(!wj.get("/joint-meeting").await.text.contains("预付卡闭店"));
        let sw_task = case.tasks.iter().find(|t| t.department == "区商务局").unwrap().id;
        let sc_task = case.tasks.iter().find(|t| t.department == "区市场监管局").unwrap().id;
        assert_eq!(
            wj.post_form(&format!("/joint-meeting/tasks/{sw_task}"), &[("status", "done"), ("note", "x")]).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            sw.post_form(&format!("/joint-meeting/tasks/{sw_task}"), &[("status", "done"), ("note", "备案已核查")])
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        let r = office.post_form(&format!("{case_path}/close"), &[("note", "结案")]).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.text.contains("区市场监管局"));
        office.post_form(&format!("/joint-meeting/tasks/{sc_task}"), &[("status", "done"), ("note", "已立案")]).await;
        assert_eq!(
            office.post_form(&format!("{case_path}/close"), &[("note", "各部门任务完成")]).await.status,
            StatusCode::SEE_OTHER
        );
        assert!(sw.get(&case_path).await.text.contains("已结案"));

        // Warnings: three complaints and one substantiated about the same entity.
        let mut anon = app.client();
        let mut first = 0;
        for i in 0..3 {
            let r = anon
                .post_json(
                    "/api/v1/public/reports",
                    &json!({ "reporter_name": "周某", "reporter_phone": "13300004444", "subject_name": "南开某健身房", "subject_uscc": c[0],
                             "content": format!("第{i}次投诉"), "channel": "web", "category": "consumer", "kind": "complaint" }),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
            if i == 0 {
                first = r.json()["id"].as_i64().unwrap();
            }
        }
        let p = format!("/complaints/{first}/act");
        office.post_form(&p, &[("action", "acknowledge")]).await;
        office.post_form(&p, &[("action", "accept"), ("note", "受理")]).await;
        office.post_form(&p, &[("action", "close"), ("substantiated", "yes"), ("note", "属实")]).await;
        app.account("credit1", "fgw", &[Role::CreditManager]).await;
        let mut credit = app.login("credit1").await;
        assert_eq!(wj.post_form("/risk-warnings/run", &[]).await.status, StatusCode::FORBIDDEN);
        assert_eq!(credit.post_form("/risk-warnings/run", &[]).await.status, StatusCode::SEE_OTHER);
        let page = office.get("/risk-warnings").await;
        assert!(
            page.text.contains("南开某健身房")
                && page.text.contains("一年内举报投诉经查属实")
                && page.text.contains("一年内被举报投诉 3 次以上"),
            "{}",
            page.text
        );
        assert!(!wj.get("/risk-warnings").await.text.contains("南开某健身房"));
        let api = credit.get("/api/v1/risk-warnings").await.json();
        let wid = api[0]["id"].as_i64().unwrap();
        assert_eq!(api[0]["score"], 5);
        // Seeding a directed task needs a draft plan of the department.
        let r = office.post_form(&format!("/risk-warnings/{wid}/task"), &[("plan_id", ""), ("item_id", "")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("请选择本部门的草稿抽查计划"));
        // With a draft plan and an item of the department, the warning seeds a directed task.
        let scj = app.dept("scjgj").await;
        let sys = jianguan_store::Actor::system();
        let item = app
            .t
            .store
            .draw_item_create(
                &sys,
                scj,
                &DrawItemInput {
                    joint: false,
                    code: "SCJ-YJ-001".into(),
                    name: "预付式消费经营者检查".into(),
                    sub_items: vec!["预付卡合同条款".into()],
                    legal_basis: "《中华人民共和国消费者权益保护法》第五十三条".into(),
                    inspecting_body: "区市场监管局".into(),
                    scope: Scope { kinds: vec!["企业".into()], industries: vec![], tags: vec![] },
                    ratio_per_mille: 50,
                    interval_months: 12,
                    method: "实地核查".into(),
                    certificates: vec!["行政执法证".into()],
                    departments: vec![],
                    active: true,
                },
            )
            .await
            .unwrap();
        let day = jianguan_web::helpers::today();
        let year = chrono::Datelike::year(&day);
        let plan = app
            .t
            .store
            .plan_create(
                &sys,
                scj,
                &PlanInput {
                    year,
                    kind: PlanKind::Temporary,
                    title: "风险预警定向抽查".into(),
                    reason: "数据风险预警".into(),
                    departments: vec![],
                },
                day,
            )
            .await
            .unwrap();
        let seed = [("plan_id", plan.id.to_string()), ("item_id", item.id.to_string())];
        let seed: Vec<(&str, &str)> = seed.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = office.post_form(&format!("/risk-warnings/{wid}/task"), &seed).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let w = app.t.store.risk_warning(wid).await.unwrap();
        let task = app.t.store.task(w.task_id.unwrap()).await.unwrap();
        assert!(task.directed && task.name.contains("南开某健身房"));
        assert_eq!(task.scope.industries, vec!["6210".to_string()]);
        let r = office.post_form(&format!("/risk-warnings/{wid}/task"), &seed).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "one task per warning");
        assert_eq!(
            wj.post_form(&format!("/risk-warnings/{wid}/close"), &[("note", "x")]).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            office.post_form(&format!("/risk-warnings/{wid}/close"), &[("note", "已约谈整改")]).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(actions(&app, "complaints.risk").await.len(), 3);
    }
}

/// A writer that keeps everything the tracing subscriber prints.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn all_bytes(dir: &std::path::Path, out: &mut Vec<(String, Vec<u8>)>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            all_bytes(&p, out);
        } else if let Ok(b) = std::fs::read(&p) {
            out.push((p.display().to_string(), b));
        }
    }
}

/// The canary: a reporter with a unique name and phone goes through the whole workflow
/// (web form, intake by phone, handling, credit, reward, reveal, export, audit, backup);
/// neither appears in clear text in the database file, the backup, the logs, the exports
/// or the audit trail.
#[tokio::test(flavor = "current_thread")]
async fn canary_reporter_never_in_clear_text() {
    let logs = Captured::default();
    let sink = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let stamp = format!("{:06}", std::process::id() % 1_000_000);
    let name = format!(
        "金丝雀{}号",
        stamp
            .chars()
            .map(|c| "零一二三四五六七八九".chars().nth(c.to_digit(10).unwrap() as usize).unwrap())
            .collect::<String>()
    );
    let phone = format!("19{stamp}987");
    assert_eq!(phone.len(), 11);
    for app in App::all().await {
        let c = codes(1);
        entities(&app, &[(&c[0], "南开金丝雀餐饮有限公司")]).await;
        let mut anon = public_client(&app).await;
        let r = post_multipart(
            &mut anon,
            "/public/report",
            &[
                ("kind", "report"),
                ("category", "food"),
                ("subject_name", "南开金丝雀餐饮有限公司"),
                ("subject_uscc", &c[0]),
                ("content", "后厨使用过期原料"),
                ("reporter_name", &name),
                ("reporter_phone", &phone),
            ],
            Some(("现场.pdf", PDF)),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let id = filed_id(&r.location());
        app.account("grid1", "wgzx", &[Role::GridIntake]).await;
        let mut grid = app.login("grid1").await;
        let r = post_multipart(
            &mut grid,
            "/complaints",
            &[
                ("channel", "letter"),
                ("kind", "complaint"),
                ("category", "food"),
                ("subject_name", "南开金丝雀餐饮有限公司"),
                ("subject_uscc", &c[0]),
                ("content", "来信反映"),
                ("reporter_name", &name),
                ("reporter_phone", &phone),
            ],
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);

        let mut a = staff(&app, "sc1", "scjgj").await;
        let mut b = staff(&app, "sc2", "scjgj").await;
        let p = format!("/complaints/{id}/act");
        for form in [
            vec![("action", "acknowledge")],
            vec![("action", "accept"), ("note", "立案")],
            vec![("action", "close"), ("substantiated", "yes"), ("note", "属实")],
        ] {
            assert_eq!(a.post_form(&p, &form).await.status, StatusCode::SEE_OTHER);
        }
        let rp = format!("/complaints/{id}/reward");
        a.post_form(&rp, &[("action", "propose"), ("level", "1"), ("fines_yuan", "20000")]).await;
        b.post_form(&rp, &[("action", "approve")]).await;
        // The granted reveal works (and is the only place the clear text appears).
        let shown = a.post_form(&format!("/complaints/{id}/reveal"), &[]).await;
        assert!(shown.text.contains(&name) && shown.text.contains(&phone));
        app.t.store.risk_run(&jianguan_store::Actor::system(), helpers_today()).await.unwrap();

        let mut outputs: Vec<(String, Vec<u8>)> = Vec::new();
        for path in [
            "/complaints",
            "/complaints/export",
            &format!("/complaints/{id}"),
            "/risk-warnings",
            "/api/v1/risk-warnings",
        ] {
            let r = a.get(path).await;
            assert_eq!(r.status, StatusCode::OK, "{path}");
            outputs.push((format!("page {path}"), r.text.into_bytes()));
        }
        let ledger_export = {
            app.account("ledger1", "zfb", &[Role::LedgerOffice]).await;
            app.login("ledger1").await.get("/complaints/export").await
        };
        assert!(ledger_export.text.contains("南开金丝雀餐饮有限公司"), "the export has the items");
        outputs.push(("ledger export".into(), ledger_export.text.into_bytes()));
        let audit = app
            .t
            .store
            .audit_search(&jianguan_store::AuditFilter { limit: 100_000, ..Default::default() })
            .await
            .unwrap();
        assert!(audit.iter().any(|e| e.action == "complaints.reporter.reveal"));
        outputs.push((
            "audit trail".into(),
            serde_json::to_vec(
                &audit
                    .iter()
                    .map(|e| json!({ "action": e.action, "object": e.object, "detail": e.detail, "actor": e.actor }))
                    .collect::<Vec<_>>(),
            )
            .unwrap(),
        ));
        let notes = a.get("/notifications").await;
        outputs.push(("notifications".into(), notes.text.into_bytes()));

        std::fs::create_dir_all(app.t.dir.join("backup")).unwrap();
        let backup = app.t.dir.join("backup").join("canary.backup");
        app.t.store.backup(&backup).await.unwrap();
        all_bytes(&app.t.dir, &mut outputs);
        if app.name() == "postgres" {
            // The custom-format dump is compressed: check its restored SQL text too.
            let sql = std::process::Command::new("pg_restore").arg("--file=-").arg(&backup).output().unwrap();
            assert!(sql.status.success());
            assert!(contains(&sql.stdout, "南开金丝雀餐饮有限公司".as_bytes()), "the restored dump holds the data");
            outputs.push(("restored dump".into(), sql.stdout));
        }
        assert!(outputs.iter().any(|(n, _)| n.contains("canary.backup")));
        if app.name() == "sqlite" {
            // Positive control: the grep sees the database's clear-text columns.
            assert!(outputs.iter().any(|(n, b)| n.ends_with("jianguan.db")
                || n.ends_with("canary.backup") && contains(b, "南开金丝雀餐饮有限公司".as_bytes())));
            assert!(outputs
                .iter()
                .any(|(n, b)| n.ends_with("canary.backup") && contains(b, "南开金丝雀餐饮有限公司".as_bytes())));
        }
        outputs.push(("logs".into(), logs.0.lock().unwrap().clone()));
        assert!(!logs.0.lock().unwrap().is_empty(), "tracing output captured");
        for (what, bytes) in &outputs {
            assert!(!contains(bytes, name.as_bytes()), "{}: canary name in clear text in {what}", app.name());
            assert!(!contains(bytes, phone.as_bytes()), "{}: canary phone in clear text in {what}", app.name());
        }
        // The sealed values open with the key (the data is there, just not in clear).
        let item = app.t.store.complaint_get(id).await.unwrap();
        assert_eq!(app.state.cipher.decrypt(&item.reporter.name_sealed).unwrap(), name);
    }
}

fn helpers_today() -> chrono::NaiveDate {
    jianguan_web::helpers::today()
}
