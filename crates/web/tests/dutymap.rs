//! The duty map, the supervision catalogue, claims and implementation lists through the
//! UI and the API, with their denials, on both stores.

mod capsupport;
mod common;

use axum::http::StatusCode;
use capsupport::*;
use common::*;
use jianguan_domain::auth::Role;

async fn item_id(app: &App, code: &str) -> i64 {
    app.t.store.sup_item_by_code(code).await.unwrap().unwrap().id
}

async fn new_item(c: &mut Client, code: &str, name: &str) -> Resp {
    c.post_form(
        "/catalog/items",
        &[("code", code), ("name", name), ("sector", "食品安全"), ("basis", "《中华人民共和国食品安全法》")],
    )
    .await
}

#[tokio::test]
async fn catalogue_claims_and_implementation_lists() {
    for app in App::all().await {
        let mut wx = staff(&app, "wx1", "wxb").await;
        let mut sc = staff(&app, "sc1", "scjgj").await;
        let mut wj = staff(&app, "wj1", "wjw").await;
        let mut ledger = {
            app.account("ledger1", "zfb", &[Role::LedgerOffice]).await;
            app.login("ledger1").await
        };
        // Only 区委网信办 keeps the catalogue; a bad code is explained.
        assert_eq!(new_item(&mut sc, "11120104001000", "对食品经营者的监督检查").await.status, StatusCode::FORBIDDEN);
        let r = new_item(&mut wx, "1112", "短编码").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("应为14位数字"));
        assert_eq!(new_item(&mut wx, "11120104001000", "对食品经营者的监督检查").await.status, StatusCode::SEE_OTHER);
        assert_eq!(new_item(&mut wx, "11120104002000", "对公共场所的卫生监督检查").await.status, StatusCode::SEE_OTHER);
        let r = new_item(&mut wx, "11120104001000", "重复").await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        let food = item_id(&app, "11120104001000").await;
        let public_place = item_id(&app, "11120104002000").await;

        // Claim; a second claim by the same department is refused with a clear message.
        assert_eq!(sc.post_form(&format!("/catalog/items/{food}/claim"), &[]).await.status, StatusCode::SEE_OTHER);
        let r = sc.post_form(&format!("/catalog/items/{food}/claim"), &[]).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(
            r.text.contains("本部门已认领监管事项“对食品经营者的监督检查”") && r.text.contains("不能重复认领"),
            "{}",
            r.text
        );
        let api = sc.post_json(&format!("/api/v1/catalog/items/{food}/claim"), &serde_json::json!({})).await;
        assert_eq!((api.status, api.json()["code"].as_str()), (StatusCode::CONFLICT, Some("conflict")));
        let claims = app.t.store.claims(&Default::default()).await.unwrap();
        assert_eq!(claims.len(), 1, "{}: nothing half-saved", app.name());
        let claim = claims[0].id;

        // The implementation list: required columns, then saved; versions guard edits.
        let fields = [
            ("basis", "《中华人民共和国食品安全法》第一百一十条"),
            ("content", "经营条件保持情况、进货查验记录"),
            ("method", ""),
            ("object", "辖区食品经营者"),
            ("body", "区市场监管局"),
            ("frequency", "每年至少1次"),
            ("handling", "责令改正;依法处罚"),
            ("version", "0"),
        ];
        let r = sc.post_form(&format!("/catalog/claims/{claim}/implementation"), &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.text.contains("请填写:检查方式") && r.text.contains("辖区食品经营者"),
            "{}: the entered values stay",
            app.name()
        );
        let mut ok = fields.to_vec();
        ok[2] = ("method", "现场检查");
        assert_eq!(
            sc.post_form(&format!("/catalog/claims/{claim}/implementation"), &ok).await.status,
            StatusCode::SEE_OTHER
        );

        // Another department cannot edit it (page or API), only read it.
        let r = wj.post_form(&format!("/catalog/claims/{claim}/implementation"), &ok).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", app.name());
        assert!(r.text.contains("只能填写本部门认领事项的检查实施清单"));
        let body = serde_json::json!({ "version": 1, "basis": "x", "content": "x", "method": "x", "object": "x", "body": "x", "frequency": "x" });
        let r = wj.post_json(&format!("/api/v1/catalog/claims/{claim}/implementation"), &body).await;
        assert_eq!((r.status, r.json()["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));
        let view = wj.get(&format!("/catalog/claims/{claim}")).await;
        assert!(view.text.contains("implementation-view") && !view.text.contains("implementation-form"));
        assert_eq!(
            wj.post_form(&format!("/catalog/claims/{claim}/withdraw"), &[("note", "x")]).await.status,
            StatusCode::FORBIDDEN
        );
        let saved = app.t.store.claim_get(claim).await.unwrap();
        assert_eq!(saved.implementation.as_ref().unwrap().version, 1);
        assert_eq!(saved.implementation.unwrap().input.method, "现场检查");
        // The owner's API with a stale version: conflict.
        let r = sc.post_json(&format!("/api/v1/catalog/claims/{claim}/implementation"), &serde_json::json!({ "version": 0, "basis": "a", "content": "b", "method": "c", "object": "d", "body": "e", "frequency": "f" })).await;
        assert_eq!(r.status, StatusCode::CONFLICT);

        // Unclaimed items: 区委网信办 assigns; the department is notified.
        let un = ledger.get("/api/v1/catalog/unclaimed").await.json();
        assert_eq!(un.as_array().unwrap().len(), 1);
        let wjw = app.dept("wjw").await.to_string();
        assert_eq!(
            sc.post_form(
                &format!("/catalog/items/{public_place}/reconfirm"),
                &[("decision", "assign"), ("department_id", &wjw)]
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        let r = wx
            .post_form(
                &format!("/catalog/items/{public_place}/reconfirm"),
                &[("decision", "assign"), ("department_id", ""), ("note", "")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("须选择部门"));
        let r = wx
            .post_form(
                &format!("/catalog/items/{public_place}/reconfirm"),
                &[("decision", "assign"), ("department_id", &wjw), ("note", "属卫生监督职责")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(wj.get("/notifications").await.text.contains("请认领监管事项:对公共场所的卫生监督检查"));
        assert!(wj.get("/catalog").await.text.contains("区委网信办指派本部门认领"));

        // Rules: a claiming department publishes versions; empty and forbidden files refused; public.
        let r = post_multipart(
            &mut sc,
            &format!("/catalog/items/{food}/rules"),
            &[("title", "食品经营监督检查细则"), ("body", "")],
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("正文不能为空"));
        let r = post_multipart(
            &mut sc,
            &format!("/catalog/items/{food}/rules"),
            &[("title", "细则"), ("body", "第一条")],
            Some(("细则.html", b"<html><script>x</script>")),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let huge = "字".repeat(jianguan_domain::catalog::MAX_RULE_TEXT + 1);
        let r = post_multipart(
            &mut sc,
            &format!("/catalog/items/{food}/rules"),
            &[("title", "细则"), ("body", &huge)],
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("正文过长"));
        let r = post_multipart(
            &mut wj,
            &format!("/catalog/items/{food}/rules"),
            &[("title", "细则"), ("body", "第一条")],
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("未认领"));
        assert!(app.t.store.rules(food).await.unwrap().is_empty(), "{}: nothing half-saved", app.name());
        for (body, file) in [("第一条 <script>alert(1)</script>", None), ("第一条\n第二条", Some(("细则.pdf", PDF)))]
        {
            let r = post_multipart(
                &mut sc,
                &format!("/catalog/items/{food}/rules"),
                &[("title", "食品经营监督检查细则"), ("body", body), ("change_note", "修订")],
                file,
            )
            .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        }
        let rules = app.t.store.rules(food).await.unwrap();
        assert_eq!(rules.iter().map(|r| r.version).collect::<Vec<_>>(), vec![2, 1]);
        let mut anon = app.client();
        let v1 = anon.get(&format!("/public/catalog/rules/{}", rules[1].id)).await;
        assert!(
            v1.text.contains("&lt;script&gt;alert(1)") && !v1.text.contains("<script>alert"),
            "{}: escaped",
            app.name()
        );
        assert_eq!(anon.get(&format!("/public/catalog/rules/{}/attachment", rules[0].id)).await.status, StatusCode::OK);
        let public = anon.get("/public/catalog").await;
        assert!(public.text.contains("食品经营监督检查细则(第 2 版,区市场监管局)"));
        let mut audited = actions(&app, "catalog.").await;
        audited.sort();
        assert_eq!(
            audited,
            vec![
                "catalog.claim",
                "catalog.implementation",
                "catalog.reconfirm",
                "catalog.rule_publish",
                "catalog.rule_publish"
            ]
        );
    }
}

#[tokio::test]
async fn gaps_overlaps_and_disputes_resolved_by_the_staffing_office() {
    for app in App::all().await {
        let mut wx = staff(&app, "wx1", "wxb").await;
        let mut bb = staff(&app, "bb1", "bb").await;
        let mut sc = staff(&app, "sc1", "scjgj").await;
        let mut wj = staff(&app, "wj1", "wjw").await;
        let mut jy = staff(&app, "jy1", "jyj").await;
        new_item(&mut wx, "11120104001000", "对食品经营者的监督检查").await;
        new_item(&mut wx, "11120104002000", "对餐饮服务的卫生监督检查").await;
        let food = item_id(&app, "11120104001000").await;
        let catering = item_id(&app, "11120104002000").await;
        let (scjgj, wjw) = (app.dept("scjgj").await.to_string(), app.dept("wjw").await.to_string());

        // 区委编办 records what stands, here an overlap; others may not.
        let two_leads = [
            (format!("role_{scjgj}"), "lead".to_string()),
            (format!("role_{wjw}"), "lead".to_string()),
            ("note".into(), "按各自三定规定".into()),
        ];
        let f: Vec<(&str, &str)> = two_leads.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert_eq!(
            sc.post_form(&format!("/duty-map/items/{catering}/assignments"), &f).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            bb.post_form(&format!("/duty-map/items/{catering}/assignments"), &f).await.status,
            StatusCode::SEE_OTHER
        );

        // The scan finds the gap and the overlap and tells 区委编办, once.
        assert_eq!(sc.post_form("/duty-map/scan", &[]).await.status, StatusCode::SEE_OTHER);
        jianguan_web::pages::dutymap::scheduled(&app.state).await.unwrap();
        let notes = bb.get("/notifications").await.text;
        assert_eq!(notes.matches("空白区:对食品经营者的监督检查").count(), 1, "{}", app.name());
        assert_eq!(notes.matches("重合区:对餐饮服务的卫生监督检查").count(), 1);
        let map = sc.get("/duty-map").await;
        assert!(map.text.contains("id=\"gap-count\">1<") && map.text.contains("id=\"overlap-count\">1<"));

        // A department raises a dispute; an empty description is refused.
        let r = sc
            .post_form("/duty-map/issues", &[("item_id", &food.to_string()), ("kind", "dispute"), ("description", " ")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = sc
            .post_form(
                "/duty-map/issues",
                &[
                    ("item_id", &food.to_string()),
                    ("kind", "dispute"),
                    ("description", "餐饮环节由卫健委负责"),
                    ("department", &wjw),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let issue = r.location().split('/').nth(3).unwrap().split('?').next().unwrap().parse::<i64>().unwrap();
        // Visible to those concerned and to 区委编办, not to others.
        assert_eq!(wj.get(&format!("/duty-map/issues/{issue}")).await.status, StatusCode::OK);
        assert_eq!(jy.get(&format!("/duty-map/issues/{issue}")).await.status, StatusCode::NOT_FOUND);
        assert!(!jy.get("/duty-map/issues").await.text.contains("餐饮环节由卫健委负责"));
        // Only 区委编办 resolves; a resolution without a lead is refused and changes nothing.
        assert_eq!(
            sc.post_form(&format!("/duty-map/issues/{issue}/act"), &[("action", "accept")]).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            bb.post_form(&format!("/duty-map/issues/{issue}/act"), &[("action", "accept")]).await.status,
            StatusCode::SEE_OTHER
        );
        let r = bb
            .post_form(
                &format!("/duty-map/issues/{issue}/act"),
                &[("action", "resolve"), (&format!("role_{wjw}"), "cooperating"), ("note", "界定")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("必须明确一个主责部门"));
        assert!(app.t.store.sup_item_get(food).await.unwrap().assignments.is_empty());
        let r = bb
            .post_form(
                &format!("/duty-map/issues/{issue}/act"),
                &[
                    ("action", "resolve"),
                    (&format!("role_{scjgj}"), "lead"),
                    (&format!("role_{wjw}"), "cooperating"),
                    ("note", "流通环节由市场监管局主责"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        assert!(wj.get("/notifications").await.text.contains("争议区“对食品经营者的监督检查”:已界定"));
        let item = sc.get(&format!("/duty-map/items/{food}")).await;
        assert!(
            item.text.contains("流通环节由市场监管局主责") && item.text.contains("区市场监管局(主责)"),
            "{}: history kept",
            app.name()
        );
        // API: the overlap is resolved too; the public map shows the result.
        let issues = bb.get("/api/v1/duty-map/issues?open=1").await.json();
        let overlap =
            issues.as_array().unwrap().iter().find(|i| i["kind"] == "overlap").unwrap()["id"].as_i64().unwrap();
        let r = bb
            .post_json(
                &format!("/api/v1/duty-map/issues/{overlap}/act"),
                &serde_json::json!({ "action": "resolve", "note": "卫健委主责", "assignments": [{ "department_id": wjw.parse::<i64>().unwrap(), "role": "lead" }] }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.json()["status"], "resolved");
        let r = sc
            .post_json(
                &format!("/api/v1/duty-map/issues/{overlap}/act"),
                &serde_json::json!({ "action": "reject", "note": "x" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let public = app.client().get("/public/duty-map").await;
        assert!(public.text.contains("对餐饮服务的卫生监督检查") && !public.text.contains("待界定"));
        let map = app.client().get("/api/v1/duty-map").await;
        assert_eq!(map.status, StatusCode::UNAUTHORIZED, "the API map needs a key or a session");
        let map = sc.get("/api/v1/duty-map").await.json();
        assert!(map.as_array().unwrap().iter().all(|i| i["finding"].is_null()));
    }
}
