//! Traceability through the UI and the API: CSV import, bulk upload with
//! Idempotency-Key and refusals, trace forward three hops with the graph, recalls to
//! completion, incidents into the credit record, observation periods, denials across
//! departments; on both stores.

mod capsupport;
mod common;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use capsupport::*;
use common::*;
use jianguan_domain::auth::Role;

const CODE: &str = "(01)06901234567892(10)L2026";

fn csv(c: &[String]) -> String {
    format!(
        "事件,编码方案,代码,批号,发出方,接收方,时间,数量,地点\n\
         生产,gtin,{CODE},,,{p},2026-03-01 08:00,1000,南开工厂\n\
         发货,gtin,{CODE},,{p},{d},2026-03-02 09:00,600,南开工厂\n\
         收货,gtin,{CODE},,{p},{d},2026-03-02 15:00,600,南开仓库\n\
         发货,gtin,{CODE},,{d},{r},2026-03-03 10:00,200,南开仓库\n\
         销售,gtin,{CODE},,{r},{s},2026-03-04 10:00,50,南开超市\n",
        p = c[0],
        d = c[1],
        r = c[2],
        s = c[3]
    )
}

async fn upload(c: &mut Client, body: &serde_json::Value, key: Option<&str>) -> Resp {
    let mut b = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/trace/events")
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(t) = c.csrf.clone() {
        b = b.header("x-csrf-token", t);
    }
    if let Some(k) = key {
        b = b.header("idempotency-key", k);
    }
    c.send(b.body(Body::from(body.to_string())).unwrap()).await
}

#[tokio::test]
async fn import_trace_three_hops_and_recall_to_completion() {
    for app in App::all().await {
        let c = codes(5);
        entities(
            &app,
            &[
                (&c[0], "南开食品厂"),
                (&c[1], "南开配送中心"),
                (&c[2], "南开超市"),
                (&c[3], "南开便利店"),
                (&c[4], "南开批发"),
            ],
        )
        .await;
        let mut sc = staff(&app, "sc1", "scjgj").await;
        let mut other = staff(&app, "cz1", "czj").await;
        let mut ledger = {
            app.account("ledger1", "zfb", &[Role::LedgerOffice]).await;
            app.login("ledger1").await
        };
        assert_eq!(sc.get("/trace").await.status, StatusCode::OK);
        // A bad row refuses the whole file, with its line number; the text is kept.
        let bad = csv(&c).replace(",200,", ",-200,");
        let r = sc.post_form("/trace/events/import", &[("csv", &bad)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", app.name());
        assert!(r.text.contains("第 5 行") && r.text.contains("负数"), "{}", r.text);
        assert!(app.t.store.trace_events(&Default::default()).await.unwrap().is_empty());
        let r = sc.post_form("/trace/events/import", &[("csv", &csv(&c))]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let r = sc.get("/trace").await;
        assert!(r.text.contains("产品代码不在目录中"), "unknown product flagged as pending");
        let r = sc
            .post_form(
                "/trace/products",
                &[
                    ("owner_uscc", &c[0]),
                    ("scheme", "gtin"),
                    ("code", "06901234567892"),
                    ("name", "速冻水饺"),
                    ("spec", "500g"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);

        // Forward three hops, with the graph and the responsible party of each step.
        let q = format!("/trace/query?scheme=gtin&code={}&direction=forward&depth=5", urlencoding::encode(CODE));
        let r = ledger.get(&q).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.text.contains("速冻水饺") && r.text.contains("<svg") && r.text.contains("南开便利店"));
        assert!(r.text.contains("data-depth=\"3\""));
        let j = sc.get(&format!("/api/v1/trace/forward?scheme=gtin&code={}", urlencoding::encode(CODE))).await.json();
        assert_eq!(j["nodes"].as_array().unwrap().len(), 4);
        assert_eq!(j["edges"].as_array().unwrap().iter().filter(|e| e["responsible_uscc"] == c[1].as_str()).count(), 1);
        let j = sc
            .get(&format!("/api/v1/trace/back?scheme=gtin&code={}&holder={}", urlencoding::encode(CODE), c[3]))
            .await
            .json();
        assert_eq!(j["nodes"].as_array().unwrap().len(), 4);
        let svg = sc.get(&format!("/trace/graph.svg?scheme=gtin&code={}", urlencoding::encode(CODE))).await;
        assert!(svg.text.starts_with("<svg") && !svg.text.contains("<script"));
        assert_eq!(sc.get("/trace/query?scheme=gtin&code=123").await.status, StatusCode::UNPROCESSABLE_ENTITY);

        // Recall: every downstream holder with its quantity; each confirms; completed.
        let r = sc
            .post_form(
                "/trace/recalls",
                &[
                    ("scheme", "gtin"),
                    ("code", CODE),
                    ("initiator_uscc", &c[0]),
                    ("level", "2"),
                    ("reason", "检出致病菌"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let loc = r.location();
        let id: i64 = loc.trim_start_matches("/trace/recalls/").split('?').next().unwrap().parse().unwrap();
        let page = sc.get(&loc).await.text;
        assert!(page.contains("南开配送中心") && page.contains("南开超市") && page.contains("南开便利店"));
        // Another department: not found, cannot confirm; the ledger office reads it.
        assert_eq!(other.get(&format!("/trace/recalls/{id}")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(
            other
                .post_form(&format!("/trace/recalls/{id}/confirm"), &[("uscc", &c[1]), ("returned", "400")])
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(ledger.get(&format!("/trace/recalls/{id}")).await.status, StatusCode::OK);
        let r = sc.post_form(&format!("/trace/recalls/{id}/confirm"), &[("uscc", &c[1]), ("returned", "9999")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        for (u, q) in [(&c[1], "400"), (&c[2], "150"), (&c[3], "50")] {
            let r = sc
                .post_form(&format!("/trace/recalls/{id}/confirm"), &[("uscc", u), ("returned", q), ("note", "已下架")])
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        }
        let page = sc.get(&format!("/trace/recalls/{id}")).await.text;
        assert!(page.contains("已完成") && page.contains("已确认 3/3"), "{page}");
        assert_eq!(actions(&app, "trace.recall").await.len(), 4);
    }
}

#[tokio::test]
async fn bulk_api_incidents_observations_and_denials() {
    for app in App::all().await {
        let c = codes(3);
        entities(&app, &[(&c[0], "南开药业"), (&c[1], "南开医药连锁"), (&c[2], "南开新零售")]).await;
        let mut sc = staff(&app, "sc1", "scjgj").await;
        let mut other = staff(&app, "cz1", "czj").await;
        let mut admin = {
            app.account("u_sys", "wxb", &[Role::SysAdmin]).await;
            app.login("u_sys").await
        };
        let ev = |kind: &str, from: Option<&str>, to: &str, q: i64| serde_json::json!({ "kind": kind, "scheme": "drug", "code": "81234560000012345678", "from_uscc": from, "to_uscc": to, "occurred_at": "2026-03-02T08:00:00Z", "quantity": q });
        let body =
            serde_json::json!({ "events": [ev("produce", None, &c[0], 10), ev("ship", Some(&c[0]), &c[1], 10)] });
        let r = upload(&mut sc, &body, Some("k-1")).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let first = r.json();
        let r = upload(&mut sc, &body, Some("k-1")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["upload_id"], first["upload_id"]);
        assert_eq!(r.json()["replayed"], true);
        let changed = serde_json::json!({ "events": [ev("produce", None, &c[0], 11)] });
        assert_eq!(upload(&mut sc, &changed, Some("k-1")).await.status, StatusCode::UNPROCESSABLE_ENTITY);
        // Refused events: every reason, stable code, nothing written.
        let bad = serde_json::json!({ "events": [ev("ship", Some(&c[0]), &c[1], -1), ev("teleport", None, &c[1], 1), ev("ship", Some(&c[1]), &c[0], 1)] });
        let r = upload(&mut sc, &bad, None).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let j = r.json();
        assert_eq!(j["code"], "events_refused");
        assert_eq!(
            j["refused"].as_array().unwrap().iter().map(|x| x["index"].as_i64().unwrap()).collect::<Vec<_>>(),
            vec![0, 1]
        );
        assert_eq!(app.t.store.trace_events(&Default::default()).await.unwrap().len(), 2);
        let too_many = serde_json::json!({ "events": vec![ev("produce", None, &c[0], 1); 10_001] });
        assert_eq!(upload(&mut sc, &too_many, None).await.status, StatusCode::PAYLOAD_TOO_LARGE);
        // Admins see no business data.
        assert_eq!(upload(&mut admin, &body, None).await.status, StatusCode::FORBIDDEN);
        assert_eq!(admin.get("/trace").await.status, StatusCode::FORBIDDEN);

        // An incident report goes to the credit record.
        let r = sc
            .post_form(
                "/trace/incidents",
                &[
                    ("uscc", &c[0]),
                    ("scheme", "drug"),
                    ("code", "81234560000012345678"),
                    ("occurred_on", "2026-03-01"),
                    ("severity", "serious"),
                    ("title", "注射液不良反应"),
                    ("description", "3 名患者过敏"),
                    ("injured", "3"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let credit = app.t.store.credit_events(&c[0]).await.unwrap();
        assert_eq!(credit.iter().filter(|e| e.kind == "incident").count(), 1);
        let r = sc
            .post_form(
                "/trace/incidents",
                &[
                    ("uscc", &c[0]),
                    ("scheme", "drug"),
                    ("code", "123"),
                    ("occurred_on", "2026-03-01"),
                    ("severity", "serious"),
                    ("title", "x"),
                    ("description", "y"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(sc.get("/trace").await.text.contains("注射液不良反应"));
        assert!(!other.get("/trace").await.text.contains("注射液不良反应"));

        // Observation period: added, isolated per department, reviewed.
        let r = sc
            .post_form(
                "/trace/observations",
                &[
                    ("uscc", &c[2]),
                    ("model", "无人零售"),
                    ("category", "unclear"),
                    ("starts_on", "2026-01-01"),
                    ("ends_on", "2026-12-31"),
                    ("review_on", "2027-01-10"),
                    ("rules", "首次轻微违法不予处罚"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let r = sc
            .post_form(
                "/trace/observations",
                &[
                    ("uscc", &c[1]),
                    ("model", "x"),
                    ("category", "unclear"),
                    ("starts_on", "2026-06-01"),
                    ("ends_on", "2026-01-01"),
                    ("review_on", "2026-07-01"),
                    ("rules", "r"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let id = app.t.store.trace_observations(None, None).await.unwrap()[0].id;
        assert!(!other.get("/trace/observations").await.text.contains("无人零售"));
        assert_eq!(
            other
                .post_form(&format!("/trace/observations/{id}/review"), &[("decision", "regular"), ("note", "x")])
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let r = sc
            .post_form(&format!("/trace/observations/{id}/review"), &[("decision", "regular"), ("note", "经营规范")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(sc.get("/trace/observations").await.text.contains("转入常规监管"));
    }
}
