//! Credit supervision through the UI and the API: the public query (masking, publication
//! period, 404, cache headers), three-level repair, objections, measures, the change
//! export and denials (other department, wrong role, anonymous); on both stores.

mod capsupport;
mod common;

use axum::http::{header, StatusCode};
use capsupport::*;
use common::*;
use jianguan_domain::auth::Role;
use jianguan_store::credit::{NewCreditEvent, Severity};
use jianguan_store::Actor;

fn penalty(uscc: &str, ref_id: &str, dept: i64, on: chrono::NaiveDate, severity: Severity) -> NewCreditEvent {
    NewCreditEvent {
        uscc: uscc.into(),
        kind: "penalty".into(),
        source_department_id: Some(dept),
        occurred_on: on,
        title: "警告并处罚款 5000 元".into(),
        detail: serde_json::json!({ "文书号": "南开市监罚〔2026〕12号", "联系电话": "13812345678" }),
        ref_kind: "penalty".into(),
        ref_id: ref_id.into(),
        severity,
        public: true,
        public_until: Some(d(2027, 3, 1)),
    }
}

async fn credit_manager(app: &App, name: &str, dept: &str) -> Client {
    app.account(name, dept, &[Role::CreditManager]).await;
    app.login(name).await
}

fn id_from(location: &str) -> i64 {
    location.trim_start_matches("/credit/repairs/").split('?').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn public_query_repair_and_objection() {
    for app in App::all().await {
        let c = codes(2);
        entities(&app, &[(&c[0], "<script>alert(1)</script>南开餐饮有限公司"), (&c[1], "南开百货有限公司")]).await;
        let scj = app.dept("scjgj").await;
        let s = &app.t.store;
        let ev = s
            .credit_event_add(&Actor::system(), &penalty(&c[0], "p1", scj, d(2026, 3, 2), Severity::Minor))
            .await
            .unwrap();

        // Anonymous public query: masked, cached, unknown code → 404 in Chinese.
        let mut anon = app.client();
        let r = anon.get(&format!("/api/v1/public/credit/{}", c[0])).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert!(r.headers.get(header::CACHE_CONTROL).unwrap().to_str().unwrap().contains("max-age"));
        assert!(r.text.contains("138****5678") && !r.text.contains("13812345678"), "{}", r.text);
        assert_eq!(r.json()["legal_representative"], "李*");
        assert_eq!(r.json()["events"].as_array().unwrap().len(), 1);
        let r = anon.get("/api/v1/public/credit/91120104MA05XXXXXX").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(r.json()["code"], "not_found");
        assert!(r.json()["message"].as_str().unwrap().contains("未查询到"));
        let page = anon.get(&format!("/public/credit/{}", c[0])).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.text.contains("<script>alert(1)") && page.text.contains("&lt;script&gt;"));
        assert!(page.text.contains("警告并处罚款 5000 元"));
        let hits = anon.get("/api/v1/public/credit?q=%E5%8D%97%E5%BC%80%E7%99%BE%E8%B4%A7").await;
        assert_eq!(hits.json().as_array().unwrap().len(), 1);

        // Denials: anonymous, wrong role, other department.
        assert_eq!(anon.get("/credit").await.status, StatusCode::SEE_OTHER);
        let mut staff_sc = staff(&app, "st1", "scjgj").await;
        assert_eq!(staff_sc.get("/credit/repairs").await.status, StatusCode::FORBIDDEN);
        assert_eq!(staff_sc.get(&format!("/credit/entities/{}", c[0])).await.status, StatusCode::OK);
        let mut cm1 = credit_manager(&app, "cm1", "scjgj").await;
        let mut cm2 = credit_manager(&app, "cm2", "scjgj").await;
        let mut cm3 = credit_manager(&app, "cm3", "scjgj").await;
        let mut other = credit_manager(&app, "cmx", "fgw").await;
        let form = [
            ("event_id", ev.id.to_string()),
            ("applicant", "南开餐饮有限公司".into()),
            ("reason", "已缴清罚款并整改".into()),
            ("evidence", "缴款凭证".into()),
        ];
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(other.post_form("/credit/repairs", &form).await.status, StatusCode::FORBIDDEN);

        // Repair asked too early: refused with the earliest date.
        let fresh = s
            .credit_event_add(
                &Actor::system(),
                &NewCreditEvent { public_until: None, ..penalty(&c[1], "p2", scj, d(2026, 11, 1), Severity::Grave) },
            )
            .await
            .unwrap();
        let early: Vec<(&str, &str)> =
            form.iter().map(|(k, v)| if *k == "event_id" { (*k, "") } else { (*k, *v) }).collect();
        let fresh_id = fresh.id.to_string();
        let early: Vec<(&str, &str)> =
            early.iter().map(|(k, v)| if *k == "event_id" { (*k, fresh_id.as_str()) } else { (*k, *v) }).collect();
        let r = cm1.post_form("/credit/repairs", &early).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("最早可于 2027-11-01"), "{}", r.text);

        // Three levels, three people.
        let r = cm1.post_form("/credit/repairs", &form).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let id = id_from(&r.location());
        assert_eq!(other.get(&format!("/credit/repairs/{id}")).await.status, StatusCode::NOT_FOUND);
        let review = |stage: &'static str| vec![("stage", stage), ("decision", "pass"), ("opinion", "同意")];
        assert_eq!(
            other.post_form(&format!("/credit/repairs/{id}/review"), &review("first")).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            cm1.post_form(&format!("/credit/repairs/{id}/review"), &review("first")).await.status,
            StatusCode::SEE_OTHER
        );
        let r = cm1.post_form(&format!("/credit/repairs/{id}/review"), &review("second")).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "a reviewer reviewing a second stage");
        assert!(r.text.contains("不同人员"));
        let r = cm2
            .post_form(
                &format!("/credit/repairs/{id}/review"),
                &[("stage", "second"), ("decision", "return"), ("opinion", "请补充整改照片")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            cm1.post_form(&format!("/credit/repairs/{id}/resubmit"), &[("evidence", "整改照片")]).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            cm2.post_form(&format!("/credit/repairs/{id}/review"), &review("second")).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            cm3.post_form(&format!("/credit/repairs/{id}/review"), &review("final")).await.status,
            StatusCode::SEE_OTHER
        );
        assert!(cm3.get(&format!("/credit/repairs/{id}")).await.text.contains("修复成功"));
        let r = anon.get(&format!("/api/v1/public/credit/{}", c[0])).await;
        assert!(r.json()["events"].as_array().unwrap().iter().all(|e| e["kind"] != "penalty"), "{}", r.text);
        assert_eq!(actions(&app, "credit.repair.review").await.len(), 4);

        // Objection on the other entity's penalty: the field reads 异议处理中 publicly.
        let obj = [
            ("event_id", fresh_id.as_str()),
            ("field", "severity"),
            ("applicant", "南开百货有限公司"),
            ("reason", "违法情节认定有误"),
        ];
        let bad: Vec<(&str, &str)> =
            obj.iter().map(|(k, v)| if *k == "field" { (*k, "amount") } else { (*k, *v) }).collect();
        let r = cm1.post_form("/credit/objections", &bad).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("没有“amount”这一字段"));
        assert_eq!(cm1.post_form("/credit/objections", &obj).await.status, StatusCode::SEE_OTHER);
        let r = anon.get(&format!("/api/v1/public/credit/{}", c[1])).await;
        assert_eq!(r.json()["events"][0]["severity"], "异议处理中", "{}", r.text);
        let oid = s.objection_list(Some(&c[1])).await.unwrap()[0].id;
        let resolve = [("outcome", "correct"), ("new_value", "serious"), ("reasons", "经复核属较重失信")];
        assert_eq!(
            other.post_form(&format!("/credit/objections/{oid}/resolve"), &resolve).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            staff_sc.post_form(&format!("/credit/objections/{oid}/resolve"), &resolve).await.status,
            StatusCode::SEE_OTHER
        );
        let r = anon.get(&format!("/api/v1/public/credit/{}", c[1])).await;
        assert_eq!(r.json()["events"][0]["severity"], "较重失信");
        let o = s.objection_get(oid).await.unwrap();
        assert_eq!((o.old_value.as_str(), o.new_value.as_deref()), ("grave", Some("serious")));
    }
}

#[tokio::test]
async fn lists_measures_commitments_and_export() {
    for app in App::all().await {
        let c = codes(1);
        entities(&app, &[(&c[0], "南开建材有限公司")]).await;
        let mut cm = credit_manager(&app, "cm1", "fgw").await;
        let mut other = credit_manager(&app, "cm2", "scjgj").await;
        let mut insp = {
            app.account("in1", "scjgj", &[Role::Inspector]).await;
            app.login("in1").await
        };
        let r = cm
            .post_form(
                "/credit/lists",
                &[
                    ("uscc", &c[0]),
                    ("list_kind", "serious_dishonest"),
                    ("basis", "南开市监罚〔2026〕3号"),
                    ("effective_on", "2026-06-01"),
                    ("expires_on", "2029-05-31"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let m = insp.get(&format!("/api/v1/credit/{}/measures", c[0])).await;
        assert_eq!(m.status, StatusCode::OK);
        assert_eq!(m.json()["risk_class"], "D");
        assert!(m.json()["measures"].as_array().unwrap().iter().any(|x| x["category"] == "restriction"));
        let r = insp.get("/api/v1/credit/91120104MA05XXXXXX/measures").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(r.json()["message"].as_str().unwrap().contains("未查询到"));
        let page = insp.get(&format!("/credit/entities/{}", c[0])).await;
        assert!(page.text.contains("列入严重失信主体名单(黑名单)"), "the class shows its reasons");

        let entry = app.t.store.list_entries(Some(&c[0])).await.unwrap()[0].id;
        assert_eq!(
            other.post_form(&format!("/credit/lists/{entry}/exit"), &[("reason", "x")]).await.status,
            StatusCode::FORBIDDEN
        );
        let r = cm
            .post_form(
                "/credit/commitments",
                &[
                    ("uscc", &c[0]),
                    ("kind", "notification"),
                    ("body", "承诺具备许可条件"),
                    ("licence_ref", "JY1"),
                    ("signed_on", "2026-05-01"),
                    ("due_on", "2026-08-01"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let pubc = app.client().get(&format!("/api/v1/public/credit/{}", c[0])).await;
        assert_eq!(pubc.json()["commitments"][0]["kind"], "告知承诺");
        assert_eq!(pubc.json()["lists"][0]["colour"], "black");
        let home = cm.get("/home").await;
        assert!(home.text.contains("到期待核查承诺"), "the dashboard counts commitments past their check date");

        // Bulk export by change sequence.
        let r = cm.get("/api/v1/credit/changes?after=0").await;
        assert_eq!(r.status, StatusCode::OK);
        let lines: Vec<serde_json::Value> = r.text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 2);
        let last = r.headers.get("x-last-change-seq").unwrap().to_str().unwrap().to_string();
        assert_eq!(cm.get(&format!("/api/v1/credit/changes?after={last}")).await.text, "");
        let x = cm.get("/api/v1/credit/changes?after=0&format=xlsx").await;
        assert!(x.headers.get(header::CONTENT_TYPE).unwrap().to_str().unwrap().contains("spreadsheetml"));
        assert_eq!(cm.get("/api/v1/credit/changes?format=csv").await.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(insp.get("/api/v1/credit/changes").await.status, StatusCode::FORBIDDEN);
        let e = insp.get(&format!("/credit/entities/{}/export.jsonl", c[0])).await;
        assert_eq!(e.text.lines().count(), 2);
        assert_eq!(insp.get(&format!("/credit/entities/{}/export.xlsx", c[0])).await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn the_public_query_is_rate_limited_per_address() {
    // Each test runs in its own process under nextest, so the limit set here is this test's.
    jianguan_web::pages::credit::PUBLIC_RATE_PER_MINUTE.store(3, std::sync::atomic::Ordering::Relaxed);
    let app = App::all().await.remove(0);
    let c = codes(1);
    entities(&app, &[(&c[0], "南开五金有限公司")]).await;
    let mut anon = app.client();
    for _ in 0..3 {
        assert_eq!(anon.get(&format!("/api/v1/public/credit/{}", c[0])).await.status, StatusCode::OK);
    }
    let r = anon.get(&format!("/api/v1/public/credit/{}", c[0])).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.json()["code"], "rate_limited");
    assert!(r.json()["message"].as_str().unwrap().contains("过于频繁"));
}

#[tokio::test]
async fn public_pages_are_cached_for_anonymous_visitors_only() {
    let app = App::all().await.remove(0);
    let c = codes(1);
    entities(&app, &[(&c[0], "南开眼镜有限公司")]).await;
    let path = format!("/public/credit/{}", c[0]);
    let r = app.client().get(&path).await;
    assert!(r.headers.get(header::CACHE_CONTROL).unwrap().to_str().unwrap().starts_with("public"));
    let mut signed_in = staff(&app, "st9", "scjgj").await;
    let r = signed_in.get(&path).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers.get(header::CACHE_CONTROL).unwrap(), "no-store", "a page with the visitor's navigation");
}
