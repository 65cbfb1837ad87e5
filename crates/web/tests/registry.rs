//! The registry through the real router on SQLite and PostgreSQL: searching entities,
//! importing files with errors and reading the report, item lists with history, and a
//! pushed licence received by its department and shown on the public reception page.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::*;
use jianguan_domain::auth::Role;
use jianguan_domain::config::Config;
use jianguan_domain::registry::DEMO_ITEMS;
use jianguan_domain::uscc::demo;
use jianguan_store::registry::ItemInput;
use jianguan_store::testing;
use jianguan_store::Actor;

async fn apps() -> Vec<App> {
    let mut out = Vec::new();
    for t in testing::all().await {
        let config = Config { data_dir: t.dir.display().to_string(), ..Config::default() };
        out.push(App::on(t, config).await);
    }
    out
}

fn multipart(file_name: &str, data: &[u8], fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = "----jianguan-test-boundary";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(data);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(c: &mut Client, path: &str, file_name: &str, data: &[u8], fields: &[(&str, &str)]) -> Resp {
    let (ct, body) = multipart(file_name, data, fields);
    let url = format!("{path}?_csrf={}", urlencoding::encode(c.csrf.as_deref().unwrap_or("")));
    c.request(Method::POST, &url, Body::from(body), Some(&ct), None).await
}

/// Waits for an upload's background import to end; returns the job id.
async fn finished(app: &App, r: &Resp) -> i64 {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}: {}", app.name(), r.text.chars().take(400).collect::<String>());
    let id: i64 = r.location().rsplit('/').next().unwrap().parse().unwrap();
    for _ in 0..300 {
        if app.t.store.import_job(id).await.unwrap().status != "running" {
            return id;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{}: import {id} did not finish", app.name());
}

fn demo_csv(n: usize, seed: u64) -> (String, Vec<demo::DemoEntity>) {
    let rows: Vec<_> = demo::generate(n, seed).filter(|e| !e.legacy).collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(demo::CSV_HEADERS).unwrap();
    for e in &rows {
        w.write_record(e.to_csv_record()).unwrap();
    }
    (String::from_utf8(w.into_inner().unwrap()).unwrap(), rows)
}

#[tokio::test]
async fn search_an_entity_with_personal_data_masked_where_it_must_be() {
    for app in apps().await {
        app.account("keeper", "scjgj", &[Role::DeptStaff]).await;
        app.account("insp", "scjgj", &[Role::Inspector]).await;
        app.account("grid", "wgzx", &[Role::GridIntake]).await;
        let mut keeper = app.login("keeper").await;
        let (csv, rows) = demo_csv(60, 5);
        let r = upload(&mut keeper, "/registry/imports", "名录.csv", csv.as_bytes(), &[]).await;
        let id = finished(&app, &r).await;
        let job = app.t.store.import_job(id).await.unwrap();
        assert_eq!(job.summary_line(), format!("total={0} imported={0} updated=0 rejected=0 duplicate=0", rows.len()));
        let page = keeper.get(&format!("/registry/imports/{id}")).await;
        assert!(page.text.contains("导入完成") && page.text.contains(&job.summary_line()), "{}", page.text);

        let e = &rows[3];
        let mut grid = app.login("grid").await;
        let found = grid.get(&format!("/registry/entities?q={}", e.uscc.to_lowercase())).await;
        assert_eq!(found.status, StatusCode::OK);
        assert!(found.text.contains(&e.name), "{}", found.text);
        let masked = jianguan_domain::mask::person_name(&e.legal_rep);
        assert!(found.text.contains(&masked) && !found.text.contains(&e.legal_rep));
        let n = e.name.chars().count();
        let word: String = e.name.chars().skip(n / 2 - 1).take(3).collect();
        let by_name = grid.get(&format!("/registry/entities?q={}", urlencoding::encode(&word))).await;
        assert!(by_name.text.contains(&e.uscc), "{}: name search for {word}", app.name());
        let detail = grid.get(&format!("/registry/entities/{}", e.uscc)).await;
        assert!(detail.text.contains(&masked) && !detail.text.contains(&e.legal_rep));

        // The inspector sees the name in full, and that view is audited.
        let mut insp = app.login("insp").await;
        let full = insp.get(&format!("/registry/entities/{}", e.uscc)).await;
        assert!(full.text.contains(&e.legal_rep), "{}", app.name());
        let views = app
            .t
            .store
            .audit_search(&jianguan_store::AuditFilter {
                action: Some("registry.legal_rep_view".into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(views.len(), 1);
        assert!(!views[0].detail.contains(&e.legal_rep), "no personal data in the trail");

        // API: masked; filters by status and tag.
        let api = grid.get(&format!("/api/v1/entities/{}", e.uscc)).await;
        assert_eq!(api.json()["legal_rep"], masked);
        let status = &e.status;
        let list = grid.get(&format!("/api/v1/entities?status={}", urlencoding::encode(status))).await.json();
        assert_eq!(list["total"].as_i64().unwrap() as usize, rows.iter().filter(|x| &x.status == status).count());
        let missing = grid.get("/api/v1/entities/91120104MA05XXXXXX").await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert_eq!(missing.json()["code"], "not_found");

        // The public page: masked too, and nothing without a query.
        let mut anon = app.client();
        let public = anon.get(&format!("/public/entities?q={}", e.uscc)).await;
        assert!(public.text.contains(&e.name) && public.text.contains(&masked) && !public.text.contains(&e.legal_rep));
        assert!(!anon.get("/public/entities").await.text.contains("<td class=\"mono\">"));
        assert!(app.t.store.verify_audit().await.unwrap().is_ok());
    }
}

#[tokio::test]
async fn an_import_with_errors_is_counted_reported_and_idempotent() {
    for app in apps().await {
        app.account("keeper", "scjgj", &[Role::DeptStaff]).await;
        app.account("other", "wjw", &[Role::DeptStaff]).await;
        let mut keeper = app.login("keeper").await;
        let good: Vec<_> = demo::generate(40, 9).collect();
        let ok: Vec<_> = good.iter().filter(|e| !e.legacy).take(5).collect();
        let legacy = good.iter().find(|e| e.legacy).cloned().unwrap_or_else(|| {
            // Make a legacy code by breaking the check character of a valid one.
            let mut e = ok[0].clone();
            let last = if e.uscc.ends_with('0') { '1' } else { '0' };
            e.uscc.replace_range(17.., &last.to_string());
            e
        });
        let line = |e: &demo::DemoEntity| e.to_csv_record().join(",");
        let mut conflicting = ok[1].clone();
        conflicting.name.push_str("(分店)");
        let mut bad_status = ok[4].clone();
        bad_status.status = "正常".into();
        let text = [
            jianguan_domain::uscc::demo::csv_header().to_string(),
            line(ok[0]),                                                                   // 2 imported
            line(ok[1]),                                                                   // 3 imported
            line(ok[0]),        // 4 duplicate (same row again)
            line(&conflicting), // 5 rejected: conflicts with line 3
            "91120104MA05T1L3XZ,某某公司,企业,张三,,120104,5211,,2020-01-01,存续,".into(), // 6 rejected: charset
            line(&legacy),      // 7 rejected: legacy without the flag
            line(&bad_status),  // 8 rejected: status
            line(ok[2]),        // 9 imported
            format!("{},多余列", line(ok[3])), // 10 rejected: extra column
        ]
        .join("\r\n");
        // As Excel writes it on Chinese Windows: GBK.
        let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
        assert!(!unmappable);
        let r = upload(&mut keeper, "/registry/imports", "名录(GBK).csv", &gbk, &[]).await;
        let id = finished(&app, &r).await;
        let job = app.t.store.import_job(id).await.unwrap();
        assert_eq!(job.summary_line(), "total=9 imported=3 updated=0 rejected=5 duplicate=1", "{}", app.name());
        let page = keeper.get(&format!("/registry/imports/{id}")).await;
        assert!(page.text.contains("与第3行的统一社会信用代码相同但内容不同"), "{}", page.text);
        assert!(page.text.contains("存量代码"));
        let report = keeper.get(&format!("/registry/imports/{id}/rejections.csv")).await;
        assert_eq!(report.status, StatusCode::OK);
        let lines: Vec<&str> = report.text.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(lines[0], "行号,统一社会信用代码,名称,原因");
        assert_eq!(
            lines.iter().skip(1).map(|l| l.split(',').next().unwrap()).collect::<Vec<_>>(),
            vec!["5", "6", "7", "8", "10"]
        );
        assert!(lines[2].contains("不是合法字符"), "{}", lines[2]);
        assert!(lines[4].contains("登记状态“正常”无法识别"));
        assert!(lines[5].contains("列数不符"));

        // The same file again changes nothing; with the legacy flag the legacy row goes in, visibly.
        let r = upload(&mut keeper, "/registry/imports", "again.csv", &gbk, &[]).await;
        let again = app.t.store.import_job(finished(&app, &r).await).await.unwrap();
        assert_eq!(again.summary_line(), "total=9 imported=0 updated=0 rejected=5 duplicate=4");
        let r = upload(&mut keeper, "/registry/imports", "legacy.csv", &gbk, &[("accept_legacy", "1")]).await;
        let with_legacy = app.t.store.import_job(finished(&app, &r).await).await.unwrap();
        assert_eq!((with_legacy.imported, with_legacy.updated, with_legacy.rejected), (1, 0, 4));
        let shown = keeper.get(&format!("/registry/entities/{}", legacy.uscc)).await;
        assert!(
            shown.text.contains("id=\"legacy-warning\"") && shown.text.contains("已按存量代码接收"),
            "{}",
            app.name()
        );

        // Files that cannot be imported at all: a clear Chinese error, no job.
        let jobs_before = app.t.store.import_jobs("entities", 100).await.unwrap().len();
        let r =
            upload(&mut keeper, "/registry/imports", "缺列.csv", "名称,住所\n某公司,南开区\n".as_bytes(), &[]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("文件缺少必需的列:统一社会信用代码、主体类型、登记状态"), "{}", r.text);
        let bomb = {
            use std::io::Write;
            let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            let o = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
            w.start_file("xl/worksheets/sheet1.xml", o).unwrap();
            w.write_all(&vec![b' '; 16 * 1024 * 1024]).unwrap();
            w.finish().unwrap().into_inner()
        };
        let r = upload(&mut keeper, "/registry/imports", "bomb.xlsx", &bomb, &[]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("疑似压缩炸弹"), "{}", r.text);
        let r = upload(&mut keeper, "/registry/imports", "old.xls", &[0xD0, 0xCF, 0x11, 0xE0, 1, 2, 3, 4], &[]).await;
        assert!(r.text.contains("不支持旧版 Excel"));
        assert_eq!(app.t.store.import_jobs("entities", 100).await.unwrap().len(), jobs_before);

        // An xlsx file imports the same way.
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in demo::CSV_HEADERS.iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        let fresh: Vec<_> = demo::generate(80, 21).filter(|e| !e.legacy).take(3).collect();
        for (r, e) in fresh.iter().enumerate() {
            for (c, v) in e.to_csv_record().iter().enumerate() {
                ws.write_string(r as u32 + 1, c as u16, v).unwrap();
            }
        }
        let r = upload(&mut keeper, "/registry/imports", "名录.xlsx", &wb.save_to_buffer().unwrap(), &[]).await;
        let x = app.t.store.import_job(finished(&app, &r).await).await.unwrap();
        assert_eq!(x.summary_line(), "total=3 imported=3 updated=0 rejected=0 duplicate=0");

        // Only the registry keeper imports.
        let mut other = app.login("other").await;
        let r = upload(&mut other, "/registry/imports", "x.csv", &gbk, &[]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(other.get(&format!("/registry/imports/{id}/rejections.csv")).await.status, StatusCode::FORBIDDEN);
        assert!(app.t.store.verify_audit().await.unwrap().is_ok());
    }
}

async fn load_items(app: &App) {
    let units = app.t.store.list_units().await.unwrap();
    let id = |c: &str| units.iter().find(|u| u.code == c).unwrap().id;
    let items: Vec<ItemInput> = DEMO_ITEMS
        .iter()
        .map(|d| ItemInput {
            list_kind: d.kind,
            code: d.code.into(),
            name: d.name.into(),
            legal_basis: d.legal_basis.into(),
            approving_department_id: d.approver.map(id),
            supervising: d.supervisors.iter().map(|c| id(c)).collect(),
            catalogue_code: None,
            notes: String::new(),
            active: true,
        })
        .collect();
    app.t.store.items_import(&Actor::system(), &items).await.unwrap();
}

async fn api_key(app: &App, sec: &mut Client, dept: &str, scope: &str) -> String {
    let d = app.dept(dept).await.to_string();
    let r = sec.post_form("/admin/api-keys", &[("name", "审批系统"), ("department_id", &d), ("scope", scope)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.text.split("id=\"new-api-key\">").nth(1).unwrap().split('<').next().unwrap().to_string()
}

fn push_req(key: &str, idem: Option<&str>, body: &serde_json::Value) -> Request<Body> {
    let mut b = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/licences")
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", "application/json");
    if let Some(k) = idem {
        b = b.header("idempotency-key", k);
    }
    b.body(Body::from(body.to_string())).unwrap()
}

#[tokio::test]
async fn a_pushed_licence_is_received_by_its_department_and_published() {
    for app in apps().await {
        load_items(&app).await;
        app.account("u_sec", "wxb", &[Role::SecAdmin]).await;
        app.account("sc_staff", "scjgj", &[Role::DeptStaff]).await;
        app.account("wj_staff", "wjw", &[Role::DeptStaff]).await;
        app.account("ledger", "zfb", &[Role::LedgerOffice]).await;
        let mut sec = app.login("u_sec").await;
        let key = api_key(&app, &mut sec, "zwfwb", "licences:write").await;
        let no_scope = api_key(&app, &mut sec, "zwfwb", "org:read").await;
        let wrong_dept = api_key(&app, &mut sec, "cgw", "licences:write").await;
        let entity = demo::generate(5, 3).find(|e| !e.legacy).unwrap();
        let body = serde_json::json!({
            "record_kind": "licence", "licence_no": "JY11201040000001", "item_code": "NK-XK-001",
            "uscc": entity.uscc, "entity_name": entity.name, "decided_on": "2024-11-01", "valid_until": "2029-10-31",
            "scope": "预包装食品销售;热食类食品制售"
        });
        let mut api = app.client();
        let refused = api.send(push_req(&no_scope, Some("k1"), &body)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(refused.json()["message"].as_str().unwrap().contains("licences:write"));
        let other = api.send(push_req(&wrong_dept, None, &body)).await;
        assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(other.json()["message"].as_str().unwrap().contains("审批部门为区政务服务办"), "{}", other.text);

        let created = api.send(push_req(&key, Some("k1"), &body)).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}: {}", app.name(), created.text);
        let j = created.json();
        let id = j["id"].as_i64().unwrap();
        assert!(j["notice"].as_str().unwrap().contains("该事项的事中事后监管部门为区市场监管局"), "{}", j["notice"]);
        assert_eq!(j["routes"].as_array().unwrap().len(), 1);
        assert_eq!(j["routes"][0]["status"], "pending");
        let replay = api.send(push_req(&key, Some("k1"), &body)).await;
        assert_eq!(replay.status, StatusCode::CREATED);
        assert_eq!(replay.text, created.text, "same key, same payload: same result");
        assert_eq!(replay.headers.get("idempotent-replayed").unwrap(), "true");
        let mut changed = body.clone();
        changed["licence_no"] = "JY11201040000002".into();
        let conflict = api.send(push_req(&key, Some("k1"), &changed)).await;
        assert_eq!(conflict.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(conflict.json()["message"].as_str().unwrap().contains("幂等键"));
        let dup = api.send(push_req(&key, None, &body)).await;
        assert_eq!(dup.status, StatusCode::CONFLICT);
        let mut bad = body.clone();
        bad["uscc"] = "91120104MA05T1L35".into();
        let bad = api.send(push_req(&key, None, &bad)).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.json()["message"].as_str().unwrap().contains("18位"));
        assert_eq!(app.t.store.licence_search(&Default::default()).await.unwrap().len(), 1);

        // Another department can neither see nor receive it.
        let mut wj = app.login("wj_staff").await;
        assert_eq!(wj.get(&format!("/registry/licences/{id}")).await.status, StatusCode::FORBIDDEN);
        let r = wj.post_form(&format!("/registry/licences/{id}/receive"), &[]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = wj.post_json(&format!("/api/v1/licences/{id}/receive"), &serde_json::json!({})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(r.json()["code"], "forbidden");

        // The supervising department sees it in its inbox and receives it.
        let mut sc = app.login("sc_staff").await;
        let inbox = sc.get("/registry/licences?pending=1").await;
        assert!(inbox.text.contains("JY11201040000001") && inbox.text.contains("待接收"), "{}", inbox.text);
        let notes = sc.get("/notifications").await;
        assert!(notes.text.contains("待接收:食品经营许可"), "{}: notification", app.name());
        let page = sc.get(&format!("/registry/licences/{id}")).await;
        assert!(page.text.contains("id=\"receive\"") && page.text.contains("id=\"department-notice\""));
        let r = sc.post_form(&format!("/registry/licences/{id}/receive"), &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let page = sc.get(&r.location()).await;
        assert!(page.text.contains("按时接收") && !page.text.contains("id=\"receive\""), "{}", page.text);
        let again = sc.post_json(&format!("/api/v1/licences/{id}/receive"), &serde_json::json!({})).await;
        assert_eq!(again.status, StatusCode::CONFLICT);

        // Public: reception per department.
        let mut anon = app.client();
        let public = anon.get("/public/reception").await;
        assert_eq!(public.status, StatusCode::OK);
        assert!(public.text.contains("区市场监管局") && public.text.contains("100.0%"), "{}", public.text);
        assert!(public.text.contains(&entity.name));
        let rows = anon.get("/api/v1/reception").await.json();
        let sc_row = rows.as_array().unwrap().iter().find(|r| r["department"] == "区市场监管局").unwrap();
        assert_eq!((sc_row["routed"].as_i64(), sc_row["on_time"].as_i64()), (Some(1), Some(1)));
        let mut ledger = app.login("ledger").await;
        assert!(ledger.get("/registry/licences").await.text.contains("JY11201040000001"));
        let entity_page = ledger.get(&format!("/registry/entities/{}", entity.uscc)).await;
        assert_eq!(entity_page.status, StatusCode::NOT_FOUND, "the entity is not in the registry yet");
        assert!(app.t.store.verify_audit().await.unwrap().is_ok());
    }
}

#[tokio::test]
async fn items_are_edited_with_history_by_their_department_only() {
    for app in apps().await {
        load_items(&app).await;
        app.account("zw_staff", "zwfwb", &[Role::DeptStaff]).await;
        app.account("mz_staff", "mzj", &[Role::DeptStaff]).await;
        let item = app.t.store.item_by_code("NK-XK-001").await.unwrap().unwrap();
        let mut mz = app.login("mz_staff").await;
        assert_eq!(mz.get(&format!("/registry/items/{}/edit", item.id)).await.status, StatusCode::FORBIDDEN);
        let mut zw = app.login("zw_staff").await;
        let form = zw.get(&format!("/registry/items/{}/edit", item.id)).await;
        assert_eq!(form.status, StatusCode::OK);
        let sc = app.dept("scjgj").await.to_string();
        let wj = app.dept("wjw").await.to_string();
        let zwid = app.dept("zwfwb").await.to_string();
        let fields = |code: &str| {
            vec![
                ("list_kind", "licence".to_string()),
                ("code", "NK-XK-001".to_string()),
                ("name", "食品经营许可".to_string()),
                ("legal_basis", "《中华人民共和国食品安全法》第三十五条".to_string()),
                ("approving_department_id", zwid.clone()),
                ("supervising", sc.clone()),
                ("supervising", wj.clone()),
                ("catalogue_code", code.to_string()),
                ("active", "1".to_string()),
                ("version", "1".to_string()),
            ]
        };
        let bad = fields("123");
        let refs: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = zw.post_form(&format!("/registry/items/{}", item.id), &refs).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("监管事项目录编码“123”应为14位数字"), "{}", r.text);
        let good = fields("11120104012000");
        let refs: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = zw.post_form(&format!("/registry/items/{}", item.id), &refs).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let stale = zw.post_form(&format!("/registry/items/{}", item.id), &refs).await;
        assert!(stale.text.contains("已被他人修改"), "a stale version is refused");
        let page = zw.get(&format!("/registry/items/{}", item.id)).await;
        assert!(page.text.contains("区卫生健康委") && page.text.contains("11120104012000"));
        assert_eq!(app.t.store.item_history(item.id).await.unwrap().len(), 2);

        // Export, then import the export: nothing changes.
        let bytes = {
            let resp = tower::ServiceExt::oneshot(
                app.router.clone(),
                Request::builder()
                    .uri("/registry/items/export.xlsx")
                    .header("cookie", zw.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; "))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
            assert_eq!(resp.status(), StatusCode::OK);
            http_body_util::BodyExt::collect(resp.into_body()).await.unwrap().to_bytes()
        };
        let r = upload(&mut zw, "/registry/items/import", "清单.xlsx", &bytes, &[]).await;
        assert!(r.text.contains(&format!("新增 0 项,更新 0 项,未变 {} 项", DEMO_ITEMS.len())), "{}", r.text);
        // Another department's staff cannot import lists.
        let r = upload(&mut mz, "/registry/items/import", "清单.xlsx", &bytes, &[]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // The public list shows the items.
        let public = app.client().get("/public/items?kind=filing").await;
        assert!(public.text.contains("养老机构备案") && !public.text.contains("食品经营许可"));
    }
}
