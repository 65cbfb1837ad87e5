//! Safety-risk self-reports through the UI and the API: routing to the departments with
//! safety duties, contact details sealed, warnings, the reminder cycle, denials; on both
//! stores.

mod capsupport;
mod common;

use axum::http::StatusCode;
use capsupport::*;
use common::*;
use jianguan_domain::auth::Role;

fn shown_code(page: &str) -> String {
    page.split("id=\"application-code\">").nth(1).unwrap().split('<').next().unwrap().trim().to_string()
}

async fn public_client(app: &App, form: &str) -> Client {
    let mut c = app.client();
    assert_eq!(c.get(form).await.status, StatusCode::OK);
    c
}

#[tokio::test]
async fn safety_reports_are_routed_warned_and_closed() {
    for app in App::all().await {
        let c = codes(3);
        entities(
            &app,
            &[(&c[0], "南开燃气餐饮有限公司"), (&c[1], "南开特种设备有限公司"), (&c[2], "南开锅炉使用有限公司")],
        )
        .await;
        let mut cg = staff(&app, "cg1", "cgw").await;
        let mut yj = staff(&app, "yj1", "yjj").await;
        let mut sc = staff(&app, "sc1", "scjgj").await;
        let mut cz = staff(&app, "cz1", "czj").await;
        let mut ledger = {
            app.account("ledger1", "zfb", &[Role::LedgerOffice]).await;
            app.login("ledger1").await
        };
        // Only departments with safety duties issue codes.
        assert_eq!(cz.post_form("/safety/codes", &[("uscc", &c[0])]).await.status, StatusCode::FORBIDDEN);
        let r = cg.post_form("/safety/codes", &[("uscc", &c[0])]).await;
        assert_eq!(r.status, StatusCode::OK);
        let code = shown_code(&r.text);

        let mut anon = public_client(&app, "/public/safety-report").await;
        let mut form = vec![
            ("uscc", c[0].as_str()),
            ("code", code.as_str()),
            ("category", "gas"),
            ("level", "major"),
            ("location", "后厨燃气间"),
            ("description", "燃气管道锈蚀,存在泄漏风险"),
            ("measures", ""),
            ("contact_name", "王小明"),
            ("contact_phone", "13812345678"),
        ];
        let r = anon.post_form("/public/safety-report", &form).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("管控措施不能为空") && r.text.contains("后厨燃气间"));
        form[6] = ("measures", "已关闭总阀,联系燃气公司更换");
        let r = anon.post_form("/public/safety-report", &form).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        assert!(anon.get(&r.location()).await.text.contains("报告已提交"));
        let rep = app.t.store.safety_reports(&Default::default()).await.unwrap().remove(0);
        let routed: Vec<String> = rep.routes.iter().map(|t| t.department.clone()).collect();
        assert_eq!(routed.len(), 2, "{}: 城管委 for gas, 应急管理局 for a major risk: {routed:?}", app.name());
        assert_eq!(rep.warnings.len(), 1);
        assert!(cg.get("/notifications").await.text.contains("【红色预警】南开燃气餐饮有限公司报告重大风险(红)"));
        assert!(yj.get("/notifications").await.text.contains("红色预警"));

        // Contact details: clear for a routed department, masked for the ledger office, hidden from others.
        let id = rep.id;
        let page = cg.get(&format!("/safety/reports/{id}")).await;
        assert!(page.text.contains("王小明 13812345678"));
        let page = ledger.get(&format!("/safety/reports/{id}")).await;
        assert!(page.text.contains("王** 138****5678") && !page.text.contains("13812345678"));
        assert_eq!(sc.get(&format!("/safety/reports/{id}")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(
            sc.post_form(&format!("/safety/reports/{id}/acknowledge"), &[("note", "x")]).await.status,
            StatusCode::NOT_FOUND
        );
        let trail = app
            .t
            .store
            .audit_search(&jianguan_store::AuditFilter { limit: 10_000, ..Default::default() })
            .await
            .unwrap();
        assert!(
            trail.iter().all(|e| !e.detail.contains("13812345678") && !e.detail.contains("王小明")),
            "{}",
            app.name()
        );

        // Sign, then close; closing settles the warning.
        let r = yj.post_form(&format!("/safety/reports/{id}/close"), &[("note", "已整改")]).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.text.contains("请先签收"));
        assert_eq!(
            cg.post_form(&format!("/safety/reports/{id}/acknowledge"), &[("note", "")]).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            cg.post_form(&format!("/safety/reports/{id}/acknowledge"), &[("note", "已派员核查")]).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            cg.post_form(&format!("/safety/reports/{id}/close"), &[("note", "管道已更换,复查合格")]).await.status,
            StatusCode::SEE_OTHER
        );
        assert!(app.t.store.safety_warnings(None, true).await.unwrap().is_empty());

        // A missed signing deadline raises a yellow warning, told to the department and 应急管理局.
        let scjgj = app.dept("scjgj").await;
        let contact = jianguan_store::safety::SealedContact {
            name_sealed: "v1:00".into(),
            name_masked: "李*".into(),
            phone_sealed: "v1:00".into(),
            phone_masked: "139****0000".into(),
        };
        let yesterday = jianguan_web::helpers::today() - chrono::Duration::days(1);
        let old = app
            .t
            .store
            .safety_submit(
                &jianguan_store::Actor::system(),
                &jianguan_store::safety::NewSafetyReport {
                    uscc: c[1].clone(),
                    category: "special_equipment".into(),
                    level: jianguan_domain::safety::RiskLevel::General,
                    location: "锅炉房".into(),
                    description: "压力表未检定".into(),
                    measures: "停用锅炉".into(),
                    contact,
                    submitted_on: yesterday - chrono::Duration::days(7),
                    routes: vec![(scjgj, yesterday)],
                },
                &jianguan_store::declaration::Via::Staff { department_id: scjgj },
            )
            .await
            .unwrap();
        // Reminder cycle: an obligation whose cycle has passed without a report.
        let since = (jianguan_web::helpers::today() - chrono::Duration::days(100)).to_string();
        let r =
            cg.post_form("/safety/obligations", &[("uscc", &c[0]), ("cycle_days", "3"), ("since_on", &since)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "cycle too short");
        let r = sc
            .post_form(
                "/safety/obligations",
                &[("uscc", &c[2]), ("cycle_days", "30"), ("since_on", &since), ("note", "锅炉使用单位月度报告")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        jianguan_web::pages::safety::scheduled(&app.state).await.unwrap();
        jianguan_web::pages::safety::scheduled(&app.state).await.unwrap();
        let notes = sc.get("/notifications").await.text;
        assert_eq!(notes.matches("【黄色预警(逾期未签收)】").count(), 1, "{}", app.name());
        assert!(yj.get("/notifications").await.text.contains("黄色预警"));
        assert_eq!(notes.matches("未按周期报告安全生产风险").count(), 1, "{}", notes);
        assert!(sc.get("/safety/warnings").await.text.contains("超过签收期限"));
        assert_eq!(sc.get("/api/v1/safety/warnings").await.json().as_array().unwrap().len(), 1);
        assert!(sc.get(&format!("/safety/reports/{}", old.id)).await.text.contains("ack-form"));

        // The entity-side API.
        let api_code = shown_code(&cg.post_form("/safety/codes", &[("uscc", &c[0])]).await.text);
        let body = serde_json::json!({ "uscc": c[0], "code": api_code, "category": "gas", "level": "extreme", "location": "x", "description": "x", "measures": "x", "contact_name": "王", "contact_phone": "13800000000" });
        let r = app.client().post_json("/api/v1/safety/reports", &body).await;
        assert_eq!((r.status, r.json()["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid")));
        let mut ok = body.clone();
        ok["level"] = serde_json::json!("low");
        let r = app.client().post_json("/api/v1/safety/reports", &ok).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let r = app.client().post_json("/api/v1/safety/reports", &ok).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "one-time");
    }
}
