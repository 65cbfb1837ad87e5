//! Enforcement through the UI and the API, on both stores: out-of-band penalties need a
//! reason and a second approval; major decisions wait for a legal reviewer other than the
//! handler; publicity shows public fields only; evidence limits; department isolation;
//! no route ranks by fines.

mod capsupport;
mod common;

use axum::http::StatusCode;
use capsupport::*;
use common::*;
use jianguan_domain::auth::Role;
use jianguan_domain::config::Config;
use jianguan_store::testing;

const BANDS: &str = "轻微|警告|0|0\n一般|警告,罚款|5000|30000\n较重|罚款,没收违法所得|30000|60000\n严重|罚款,吊销许可证件,没收违法所得|60000|150000";

async fn benchmark(c: &mut Client) {
    let r = c
        .post_form(
            "/enforcement/benchmarks",
            &[
                ("violation_code", "FOOD-001"),
                ("name", "经营超过保质期的食品"),
                ("legal_basis", "《食品安全法》第一百二十四条"),
                ("bands", BANDS),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
}

fn penalty_form<'a>(
    uscc: &'a str,
    no: &'a str,
    action: &'a str,
    fine: &'a str,
    circumstance: &'a str,
    reason: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("uscc", uscc),
        ("item_code", "SCJG-SP-001"),
        ("action_no", action),
        ("subject_name", "王小明"),
        ("subject_is_person", "1"),
        ("officers", "张三 12010400001\n李四 12010400002"),
        ("occurred_on", "2026-03-02"),
        ("case_source", "inspection"),
        ("violation_code", "FOOD-001"),
        ("circumstance", circumstance),
        ("facts", "货架上陈列超过保质期的酸奶 12 盒,联系电话 13812345678"),
        ("legal_basis", "《中华人民共和国食品安全法》第一百二十四条"),
        ("kinds", "warning"),
        ("kinds", "fine"),
        ("fine_yuan", fine),
        ("decision_no", no),
        ("remedy", "none"),
        ("band_reason", reason),
    ]
}

fn case_id(location: &str) -> i64 {
    location.trim_start_matches("/enforcement/cases/").split('?').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn out_of_band_penalty_needs_reason_and_second_approval_then_is_published() {
    for app in App::all().await {
        let c = codes(1);
        entities(&app, &[(&c[0], "王小明食品店")]).await;
        let mut a = staff(&app, "handler1", "scjgj").await;
        let mut b = staff(&app, "colleague1", "scjgj").await;
        let mut other = staff(&app, "other1", "wjw").await;
        benchmark(&mut a).await;

        // Missing legal basis; fine outside every band; out of band without a reason.
        let mut f = penalty_form(&c[0], "津南市监罚〔2026〕7号", "AJ-7", "500", "general", "");
        f.retain(|(k, _)| *k != "legal_basis");
        let r = a.post_form("/enforcement/penalties", &f).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("处罚依据不能为空"), "{}", app.name());
        let r = a
            .post_form(
                "/enforcement/penalties",
                &penalty_form(&c[0], "津南市监罚〔2026〕7号", "AJ-7", "900000", "general", "x"),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("所有裁量档次"));
        let r = a
            .post_form(
                "/enforcement/penalties",
                &penalty_form(&c[0], "津南市监罚〔2026〕7号", "AJ-7", "40000", "general", ""),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("须填写书面理由") && r.text.contains("AJ-7"), "the form is shown again");
        assert!(app.t.store.enf_cases(&Default::default()).await.unwrap().is_empty(), "nothing half-saved");

        // With a reason: registered, the decision waits for someone else's approval.
        let r = a
            .post_form(
                "/enforcement/penalties",
                &penalty_form(
                    &c[0],
                    "津南市监罚〔2026〕7号",
                    "AJ-7",
                    "40000",
                    "general",
                    "多次违法,社会影响较大,从重处罚",
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let id = case_id(&r.location());
        let page = a.get(&format!("/enforcement/cases/{id}")).await.text;
        assert!(page.contains("待超幅审批") && page.contains("承办人不能审批自己的案件"));
        let r = a.post_form(&format!("/enforcement/cases/{id}/decide"), &[("on", "")]).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.text.contains("须经承办人以外的人员审批"));
        let r = a.post_form(&format!("/enforcement/cases/{id}/band-approve"), &[("opinion", "同意")]).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.text.contains("承办人不能审批自己的案件"));
        // Another department sees nothing.
        assert_eq!(other.get(&format!("/enforcement/cases/{id}")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(
            other.post_form(&format!("/enforcement/cases/{id}/band-approve"), &[("opinion", "同意")]).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(other.get(&format!("/api/v1/enforcement/cases/{id}")).await.status, StatusCode::NOT_FOUND);
        assert!(other.get("/enforcement").await.text.contains("暂无记录"));
        let r = b.post_form(&format!("/enforcement/cases/{id}/band-approve"), &[("opinion", "理由充分,同意")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let r = a.post_form(&format!("/enforcement/cases/{id}/decide"), &[("on", "")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);

        // Not yet public; then published, with the natural person masked and the phone scrubbed.
        let mut anon = app.client();
        assert!(!anon.get("/public/enforcement").await.text.contains("津南市监罚〔2026〕7号"));
        let r = a.post_form(&format!("/enforcement/cases/{id}/publish"), &[("on", "")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let public = anon.get("/public/enforcement").await.text;
        assert!(public.contains("津南市监罚〔2026〕7号") && public.contains("王**"));
        assert!(!public.contains("王小明") && !public.contains("13812345678"), "public fields only");
        let api = anon.get("/api/v1/public/enforcement/penalties").await.json();
        assert_eq!(api[0]["decision_no"], "津南市监罚〔2026〕7号");
        assert!(api[0].get("handler").is_none() && api[0].get("officers").is_none());
        // The credit record has the penalty, public.
        let ev = app.t.store.credit_events(&c[0]).await.unwrap();
        assert!(ev.iter().any(|e| e.kind == "penalty" && e.public));
        // Withdrawn after a repair: gone from the public page.
        let r = b.post_form(&format!("/enforcement/cases/{id}/withdraw"), &[("reason", "repaired")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        assert!(!anon.get("/public/enforcement").await.text.contains("津南市监罚〔2026〕7号"));
        assert!(actions(&app, "enforcement.penalty.").await.len() >= 4);
    }
}

#[tokio::test]
async fn major_decision_is_blocked_until_another_reviewer_approves() {
    for app in App::all().await {
        let c = codes(1);
        entities(&app, &[(&c[0], "南开大型超市有限公司")]).await;
        // The handler also holds the reviewer role: he still cannot review his own case.
        app.account("handler2", "scjgj", &[Role::DeptStaff, Role::LegalReviewer]).await;
        let mut a = app.login("handler2").await;
        app.account("rev_wjw", "wjw", &[Role::LegalReviewer]).await;
        let mut rev_other = app.login("rev_wjw").await;
        app.account("rev_sfj", "sfj", &[Role::LegalReviewer]).await;
        let mut rev = app.login("rev_sfj").await;
        benchmark(&mut a).await;
        let mut f = penalty_form(&c[0], "津南市监罚〔2026〕8号", "AJ-8", "120000", "severe", "");
        f.retain(|(k, v)| !(*k == "kinds" && *v == "warning"));
        let r = a.post_form("/enforcement/penalties", &f).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let id = case_id(&r.location());
        let page = a.get(&format!("/enforcement/cases/{id}")).await.text;
        assert!(page.contains("待法制审核") && page.contains("重大执法决定未经法制审核通过"));
        let r = a.post_form(&format!("/enforcement/cases/{id}/decide"), &[("on", "")]).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        let r = a
            .post_form(&format!("/enforcement/cases/{id}/review"), &[("opinion", "同意"), ("decision", "approve")])
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.text.contains("不能审核自己承办的案件"));
        // A reviewer of another department does not see it; 区司法局's reviewer does.
        assert!(!rev_other.get("/enforcement/reviews").await.text.contains("津南市监罚〔2026〕8号"));
        assert_eq!(
            rev_other
                .post_form(&format!("/enforcement/cases/{id}/review"), &[("opinion", "同意"), ("decision", "approve")])
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert!(rev.get("/enforcement/reviews").await.text.contains("津南市监罚〔2026〕8号"));
        let r = rev
            .post_form(&format!("/enforcement/cases/{id}/review"), &[("opinion", ""), ("decision", "approve")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "an opinion is required");
        let r = rev
            .post_form(
                &format!("/enforcement/cases/{id}/review"),
                &[("opinion", "事实清楚,证据确凿,程序合法,同意"), ("decision", "approve")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        // Anonymous callers are sent to log in.
        let mut anon = app.client();
        let r = anon.get(&format!("/enforcement/cases/{id}")).await;
        assert!(r.status == StatusCode::SEE_OTHER && r.location().starts_with("/login"));
        let r = a.post_form(&format!("/enforcement/cases/{id}/decide"), &[("on", "")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let case = app.t.store.enf_case(id).await.unwrap();
        assert_eq!(case.status, "decided");
        assert_eq!(case.reviews[0].reviewer, "rev_sfj");
        assert!(case.publish_due.unwrap() > case.decided_on.unwrap());

        // The JSON API: the same rules, stable codes.
        let r = a
            .post_json(
                "/api/v1/enforcement/penalties",
                &serde_json::json!({
                    "uscc": c[0], "item_code": "SCJG-SP-001", "action_no": "AJ-9", "subject_name": "南开大型超市有限公司",
                    "officers": [{"name": "张三", "certificate_no": "12010400001"}, {"name": "李四", "certificate_no": "12010400002"}],
                    "occurred_on": "2026-03-02", "case_source": "report", "violation_code": "FOOD-001", "circumstance": "general",
                    "facts": "x", "legal_basis": "", "kinds": ["fine"], "fine_fen": 1000000, "decision_no": "津南市监罚〔2026〕9号"
                }),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert_eq!(r.json()["code"], "invalid");
        assert_eq!(r.json()["message"], "处罚依据不能为空");
    }
}

#[tokio::test]
async fn evidence_is_checked_stored_by_hash_and_exported() {
    for t in testing::all().await {
        let mut config = Config::default();
        config.upload.max_file_bytes = 64 * 1024;
        let app = App::on(t, config).await;
        let c = codes(1);
        entities(&app, &[(&c[0], "南开检查对象有限公司")]).await;
        let mut a = staff(&app, "insp_staff", "scjgj").await;
        let mut other = staff(&app, "other2", "wjw").await;
        let r = a
            .post_form(
                "/enforcement/inspections",
                &[
                    ("uscc", c[0].as_str()),
                    ("item_code", "SCJG-SP-001"),
                    ("action_no", "JC-1"),
                    ("subject_name", "南开检查对象有限公司"),
                    ("officers", "张三 12010400001\n李四 12010400002"),
                    ("occurred_on", "2026-03-02"),
                    ("form", "routine"),
                    ("type", "onsite"),
                    ("method", "solo"),
                    ("result", "no_problem"),
                    ("result_note", "未发现问题"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let id = case_id(&r.location());
        assert!(app.t.store.credit_events(&c[0]).await.unwrap().iter().any(|e| e.kind == "inspection"));
        let url = format!("/enforcement/cases/{id}/evidence");
        let r = post_multipart(&mut a, &url, &[("step", "inspection")], Some(("现场笔录.pdf", PDF))).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let case = app.t.store.enf_case(id).await.unwrap();
        let ev = &case.evidence[0];
        assert_eq!(ev.sha256, jianguan_domain::crypto::sha256_hex(PDF));
        assert!(app.state.files_dir.join(&ev.sha256[..2]).join(&ev.sha256).exists(), "content-addressed on disk");
        let audit = app
            .t
            .store
            .audit_search(&jianguan_store::AuditFilter {
                action: Some("enforcement.evidence.add".into()),
                limit: 5,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(audit[0].detail.contains(&ev.sha256), "the audit trail references the hash");
        let r = a.get(&format!("/enforcement/evidence/{}", ev.id)).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.text.as_bytes(), PDF);
        assert_eq!(other.get(&format!("/enforcement/evidence/{}", ev.id)).await.status, StatusCode::NOT_FOUND);

        // Too large; forbidden type; extension disagreeing with content: refused, nothing saved.
        let big = [PDF, &vec![b'0'; 70 * 1024][..]].concat();
        let r = post_multipart(&mut a, &url, &[("step", "inspection")], Some(("big.pdf", &big))).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);
        let r =
            post_multipart(&mut a, &url, &[("step", "inspection")], Some(("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00")))
                .await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", r.text);
        assert!(r.text.contains("类型不受支持"));
        let r = post_multipart(&mut a, &url, &[("step", "inspection")], Some(("photo.jpg", PDF))).await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(app.t.store.enf_case(id).await.unwrap().evidence.len(), 1);
        assert_eq!(
            post_multipart(&mut other, &url, &[("step", "inspection")], Some(("x.pdf", PDF))).await.status,
            StatusCode::NOT_FOUND
        );

        // The export bundle: a zip, its export audited.
        let r = a.get(&format!("/enforcement/cases/{id}/bundle")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.headers.get("content-type").unwrap(), "application/zip");
        assert_eq!(actions(&app, "enforcement.bundle.export").await.len(), 1);
        assert_eq!(other.get(&format!("/enforcement/cases/{id}/bundle")).await.status, StatusCode::NOT_FOUND);
        // Accountability lists the case with its steps.
        let page = a.get("/enforcement/accountability").await.text;
        assert!(page.contains("JC-1") && page.contains("上传检查现场材料"));
        assert!(page.contains("accountability-officers") && page.contains("12010400002"), "per officer");
    }
}

#[test]
fn bundles_verify_offline_and_tampering_is_named() {
    use jianguan_web::pages::enforcement::bundle;
    let zip = bundle::build("<html>案件</html>", &[("files/ab-现场.pdf".into(), PDF.to_vec())]).unwrap();
    assert_eq!(bundle::verify(&zip).unwrap(), 2);
    // Replace the file's content inside the archive: the verifier names it.
    let tampered = {
        use std::io::{Cursor, Read, Write};
        let mut src = zip::ZipArchive::new(Cursor::new(&zip)).unwrap();
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..src.len() {
            let mut f = src.by_index(i).unwrap();
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).unwrap();
            let name = f.name().to_string();
            w.start_file(name.as_str(), zip::write::SimpleFileOptions::default()).unwrap();
            w.write_all(if name.starts_with("files/") { b"%PDF-forged" } else { &bytes }).unwrap();
        }
        w.finish().unwrap().into_inner()
    };
    let e = bundle::verify(&tampered).unwrap_err();
    assert!(e.contains("files/ab-现场.pdf") && e.contains("不符"), "{e}");
    assert!(bundle::verify(b"not a zip").is_err());
}

/// 收支两条线: no route ranks units or people, by fines or otherwise.
#[test]
fn no_route_ranks_by_fines() {
    for d in jianguan_web::routes::table() {
        let p = d.path.to_ascii_lowercase();
        for bad in ["rank", "leaderboard", "top", "排名", "排行", "fine-stat", "fines"] {
            assert!(!p.contains(bad), "route {} {} looks like a ranking", d.method, d.path);
        }
    }
}
