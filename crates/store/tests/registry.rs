//! Registry store tests (entities and imports, item lists, the approval handoff), each
//! run on SQLite and PostgreSQL.

use chrono::NaiveDate;
use jianguan_domain::registry::ListKind;
use jianguan_store::registry::*;
use jianguan_store::testing;
use jianguan_store::*;

fn staff(dept: i64) -> Actor {
    Actor { name: "staff".into(), role: "dept_staff".into(), account_id: None, department_id: Some(dept) }
}

fn record(uscc: &str, name: &str, hash: &str) -> EntityRecord {
    EntityRecord {
        uscc: uscc.into(),
        name: name.into(),
        kind: "企业".into(),
        legal_rep_sealed: "v1:00".into(),
        legal_rep_index: "idx".into(),
        legal_rep_masked: "张*".into(),
        address: "天津市南开区".into(),
        division: "120104".into(),
        industry: "5211".into(),
        industry_name: "百货零售".into(),
        registered_on: NaiveDate::from_ymd_opt(2020, 1, 2),
        status: "存续".into(),
        tags: vec!["重点监管".into(), "食品经营".into()],
        legacy: false,
        legacy_warning: String::new(),
        row_hash: hash.into(),
    }
}

fn codes(n: usize) -> Vec<String> {
    jianguan_domain::uscc::demo::generate(n, 11).filter(|e| !e.legacy).map(|e| e.uscc).collect()
}

async fn dept(s: &DynStore, code: &str) -> i64 {
    s.list_units().await.unwrap().into_iter().find(|u| u.code == code).unwrap().id
}

fn new_job(sha: &str) -> NewImportJob {
    NewImportJob {
        kind: "entities".into(),
        file_name: "a.csv".into(),
        file_sha256: sha.into(),
        file_bytes: 100,
        options: "{}".into(),
        department_id: None,
    }
}

#[tokio::test]
async fn import_batches_account_for_every_row_and_resume() {
    for t in testing::all().await {
        let s = &t.store;
        s.seed_organisation(&Actor::system()).await.unwrap();
        let a = staff(dept(s, "scjgj").await);
        let c = codes(6);
        let job = s.import_begin(&a, &new_job("sha-1")).await.unwrap();
        let batch = ImportBatch {
            job_id: job.id,
            start_row: 0,
            rows: 5,
            bytes_to: 60,
            records: vec![record(&c[0], "甲公司", "h0"), record(&c[1], "乙公司", "h1"), record(&c[2], "丙公司", "h2")],
            rejections: vec![Rejection {
                line: 5,
                uscc: "BAD".into(),
                name: "坏行".into(),
                reason: "统一社会信用代码应为18位".into(),
            }],
            duplicates_in_file: 1,
        };
        let out = s.import_batch(&a, &batch).await.unwrap();
        assert_eq!(out, BatchOutcome { imported: 3, updated: 0, duplicate: 1, rejected: 1 }, "{}", t.name);
        // Applying the same batch twice is refused: progress moved on.
        assert!(matches!(s.import_batch(&a, &batch).await, Err(StoreError::Conflict(_))), "{}", t.name);
        // A second start of the same file resumes the running job.
        let again = s.import_begin(&a, &new_job("sha-1")).await.unwrap();
        assert_eq!((again.id, again.rows_committed, again.bytes_committed), (job.id, 5, 60));
        let b2 = ImportBatch {
            job_id: job.id,
            start_row: 5,
            rows: 1,
            bytes_to: 100,
            records: vec![record(&c[3], "丁公司", "h3")],
            ..Default::default()
        };
        s.import_batch(&a, &b2).await.unwrap();
        let done = s.import_finish(&a, job.id, None).await.unwrap();
        assert_eq!(done.summary_line(), "total=6 imported=4 updated=0 rejected=1 duplicate=1");
        assert_eq!(done.status, "done");
        assert_eq!(s.import_rejections(job.id).await.unwrap()[0].line, 5);

        // Same content again: nothing changes; one changed row is an update with history.
        let j2 = s.import_begin(&a, &new_job("sha-1")).await.unwrap();
        assert_ne!(j2.id, job.id, "a finished job is not resumed");
        let mut changed = record(&c[1], "乙公司(更名)", "h1b");
        changed.tags = vec![];
        let b3 = ImportBatch {
            job_id: j2.id,
            rows: 3,
            records: vec![record(&c[0], "甲公司", "h0"), changed, record(&c[4], "戊公司", "h4")],
            ..Default::default()
        };
        let out = s.import_batch(&a, &b3).await.unwrap();
        assert_eq!(out, BatchOutcome { imported: 1, updated: 1, duplicate: 1, rejected: 0 });
        let e = s.entity_get(&c[1]).await.unwrap().unwrap();
        assert_eq!(e.rec.name, "乙公司(更名)");
        assert!(e.rec.tags.is_empty());
        let h = s.entity_history(&c[1]).await.unwrap();
        assert_eq!(h.len(), 1);
        assert!(h[0].previous.contains("乙公司") && h[0].previous.contains("v1:00"), "{}", h[0].previous);

        // An unbalanced batch is refused whole.
        let bad = ImportBatch {
            job_id: j2.id,
            start_row: 3,
            rows: 2,
            records: vec![record(&c[5], "己", "h5")],
            ..Default::default()
        };
        assert!(matches!(s.import_batch(&a, &bad).await, Err(StoreError::Invalid(_))));
        assert!(s.entity_get(&c[5]).await.unwrap().is_none(), "{}: half-written batch", t.name);
        let failed = s.import_finish(&a, j2.id, Some("测试中止")).await.unwrap();
        assert_eq!((failed.status.as_str(), failed.rows_committed), ("failed", 3));

        // Search.
        let p = s.entity_search(&EntityFilter { q: Some("公司".into()), ..Default::default() }).await.unwrap();
        assert_eq!(p.total, 5);
        let p = s.entity_search(&EntityFilter { q: Some(c[0].to_lowercase()), ..Default::default() }).await.unwrap();
        assert_eq!(p.rows.len(), 1);
        assert_eq!(p.rows[0].rec.name, "甲公司");
        let p = s
            .entity_search(&EntityFilter {
                tag: Some("重点监管".into()),
                industry: Some("52".into()),
                status: Some("存续".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(p.total, 4, "{}", t.name);
        let p = s.entity_search(&EntityFilter { q: Some("%".into()), ..Default::default() }).await.unwrap();
        assert_eq!(p.total, 0, "LIKE wildcards are literal");
        assert_eq!(s.entity_count().await.unwrap(), 5);
        assert!(s.verify_audit().await.unwrap().is_ok());
        let batches = s
            .audit_search(&AuditFilter {
                action: Some("registry.import_batch".into()),
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(batches.len(), 3, "one audit entry per committed batch");
    }
}

fn item(code: &str, kind: ListKind, approver: Option<i64>, sup: Vec<i64>) -> ItemInput {
    ItemInput {
        list_kind: kind,
        code: code.into(),
        name: format!("事项{code}"),
        legal_basis: "《中华人民共和国食品安全法》第三十五条".into(),
        approving_department_id: approver,
        supervising: sup,
        catalogue_code: Some("11120104001000".into()),
        notes: String::new(),
        active: true,
    }
}

#[tokio::test]
async fn items_keep_history_and_import_all_or_nothing() {
    for t in testing::all().await {
        let s = &t.store;
        s.seed_organisation(&Actor::system()).await.unwrap();
        let (zw, sc, wj) = (dept(s, "zwfwb").await, dept(s, "scjgj").await, dept(s, "wjw").await);
        let a = staff(zw);
        let it = s.item_create(&a, &item("XK-001", ListKind::Licence, Some(zw), vec![sc])).await.unwrap();
        assert_eq!(it.version, 1);
        assert!(matches!(
            s.item_create(&a, &item("XK-001", ListKind::Licence, Some(zw), vec![sc])).await,
            Err(StoreError::Conflict(_))
        ));
        let mut bad = item("XK-002", ListKind::Licence, Some(zw), vec![]);
        assert!(matches!(s.item_create(&a, &bad).await, Err(StoreError::Invalid(_))));
        bad.supervising = vec![sc];
        bad.catalogue_code = Some("123".into());
        assert!(matches!(s.item_create(&a, &bad).await, Err(StoreError::Invalid(_))));
        let group = dept(s, "g-hyzg").await;
        let e = s.item_create(&a, &item("XK-003", ListKind::Licence, Some(zw), vec![group])).await.unwrap_err();
        assert!(e.to_string().contains("部门组"), "{e}");

        let mut edit = it.input.clone();
        edit.supervising = vec![wj, sc];
        edit.name = "食品经营许可".into();
        let v2 = s.item_update(&a, it.id, &edit, 1).await.unwrap();
        assert_eq!((v2.version, v2.input.supervising.clone()), (2, vec![sc, wj]));
        assert!(matches!(s.item_update(&a, it.id, &edit, 1).await, Err(StoreError::Conflict(_))), "stale version");
        let h = s.item_history(it.id).await.unwrap();
        assert_eq!(h.iter().map(|v| v.version).collect::<Vec<_>>(), vec![2, 1]);
        assert!(h[1].snapshot.contains("事项XK-001"));

        let batch = vec![
            edit.clone(),
            item("BA-001", ListKind::Filing, Some(zw), vec![sc]),
            item("QX-001", ListKind::Cancelled, None, vec![wj]),
        ];
        let r = s.items_import(&a, &batch).await.unwrap();
        assert_eq!(r, ItemsImported { created: 2, updated: 0, unchanged: 1 });
        let mut broken = batch.clone();
        broken[0].name = "改名".into();
        broken.push(item("BA-002", ListKind::Filing, Some(zw), vec![999_999]));
        assert!(s.items_import(&a, &broken).await.is_err());
        assert_eq!(s.item_get(it.id).await.unwrap().input.name, "食品经营许可", "{}: half-imported", t.name);
        let mine = s.item_list(&ItemFilter { department_id: Some(wj), ..Default::default() }).await.unwrap();
        assert_eq!(mine.iter().map(|i| i.input.code.as_str()).collect::<Vec<_>>(), vec!["QX-001", "XK-001"]);
        let filings = s.item_list(&ItemFilter { kind: Some(ListKind::Filing), ..Default::default() }).await.unwrap();
        assert_eq!(filings.len(), 1);
        assert!(s.verify_audit().await.unwrap().is_ok());
    }
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn push(no: &str, issuer: i64) -> LicencePush {
    LicencePush {
        record_kind: "licence".into(),
        licence_no: no.into(),
        item_code: "XK-001".into(),
        uscc: codes(1)[0].clone(),
        legacy_uscc: false,
        entity_name: "天津市南开区某某餐饮店".into(),
        issuing_department_id: issuer,
        decided_on: d(2024, 11, 1),
        valid_until: Some(d(2029, 10, 31)),
        scope: "热食类食品制售".into(),
        pushed_on: d(2024, 11, 4),
        due_on: d(2024, 11, 11),
        working_days: 5,
    }
}

#[tokio::test]
async fn pushed_licences_are_routed_received_and_idempotent() {
    for t in testing::all().await {
        let s = &t.store;
        s.seed_organisation(&Actor::system()).await.unwrap();
        let (zw, sc, wj, cg) =
            (dept(s, "zwfwb").await, dept(s, "scjgj").await, dept(s, "wjw").await, dept(s, "cgw").await);
        s.item_create(&staff(zw), &item("XK-001", ListKind::Licence, Some(zw), vec![sc, wj])).await.unwrap();
        let api = Actor { name: "api-key:jgk_x".into(), role: "api".into(), account_id: None, department_id: Some(zw) };
        let render = |l: &Licence| (201i64, serde_json::json!({ "id": l.id, "no": l.licence_no }).to_string());
        let key = IdemKey { scope: format!("licences:{zw}"), key: "k-1".into(), request_hash: "h1".into() };
        let first = s.licence_push(&api, &push("JY1", zw), Some(&key), &render).await.unwrap();
        let PushOutcome::Created { licence, status, body } = first else { panic!("not created") };
        assert_eq!(status, 201);
        assert_eq!(licence.routes.len(), 2);
        assert!(licence.notice_text.contains("监管部门为区市场监管局、区卫生健康委"), "{}", licence.notice_text);
        assert!(licence.routes[0].notice_text.starts_with("区市场监管局:"));
        let again = s.licence_push(&api, &push("JY1", zw), Some(&key), &render).await.unwrap();
        assert_eq!(again, PushOutcome::Replayed { status: 201, body: body.clone() });
        let other = IdemKey { request_hash: "h2".into(), ..key.clone() };
        assert!(matches!(
            s.licence_push(&api, &push("JY2", zw), Some(&other), &render).await,
            Err(StoreError::Invalid(_))
        ));
        assert!(
            matches!(s.licence_push(&api, &push("JY1", zw), None, &render).await, Err(StoreError::Conflict(_))),
            "same number twice"
        );
        let wrong_issuer = s.licence_push(&api, &push("JY3", cg), None, &render).await.unwrap_err();
        assert!(wrong_issuer.to_string().contains("审批部门为区政务服务办"), "{wrong_issuer}");
        let mut unknown = push("JY4", zw);
        unknown.item_code = "NOPE".into();
        assert!(matches!(s.licence_push(&api, &unknown, None, &render).await, Err(StoreError::Invalid(_))));
        let mut filing = push("JY5", zw);
        filing.record_kind = "filing".into();
        assert!(s.licence_push(&api, &filing, None, &render).await.unwrap_err().to_string().contains("不符"));
        assert_eq!(
            s.licence_search(&LicenceFilter::default()).await.unwrap().len(),
            1,
            "{}: refused pushes left rows",
            t.name
        );

        // Reception: only a department it was routed to, once.
        let id = licence.id;
        let e = s.licence_receive(&staff(cg), id, cg, d(2024, 11, 5)).await.unwrap_err();
        assert!(matches!(e, StoreError::NotFound(_)));
        let l = s.licence_receive(&staff(sc), id, sc, d(2024, 11, 5)).await.unwrap();
        assert_eq!(l.routes[0].received_on, Some(d(2024, 11, 5)));
        assert!(matches!(s.licence_receive(&staff(sc), id, sc, d(2024, 11, 6)).await, Err(StoreError::Conflict(_))));
        let inbox = s
            .licence_search(&LicenceFilter { routed_to: Some(wj), unreceived_only: true, ..Default::default() })
            .await
            .unwrap();
        assert_eq!(inbox.len(), 1);
        assert!(s
            .licence_search(&LicenceFilter { routed_to: Some(sc), unreceived_only: true, ..Default::default() })
            .await
            .unwrap()
            .is_empty());
        let sum = s.reception_summary(d(2024, 11, 12)).await.unwrap();
        assert_eq!(sum.len(), 2);
        let scr = sum.iter().find(|r| r.department_id == sc).unwrap();
        assert_eq!((scr.routed, scr.on_time, scr.overdue), (1, 1, 0));
        let wjr = sum.iter().find(|r| r.department_id == wj).unwrap();
        assert_eq!((wjr.routed, wjr.pending, wjr.overdue), (1, 0, 1));
        assert_eq!(
            s.reception_summary(d(2024, 11, 11)).await.unwrap().iter().find(|r| r.department_id == wj).unwrap().pending,
            1
        );
        let over = s.overdue_routes(d(2024, 11, 12)).await.unwrap();
        assert_eq!(over.len(), 1);
        assert_eq!(over[0].department_id, wj);
        assert_eq!(s.entity_departments(&l.uscc).await.unwrap(), vec![sc, wj]);
        assert!(s.verify_audit().await.unwrap().is_ok());
    }
}
