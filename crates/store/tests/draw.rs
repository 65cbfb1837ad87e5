//! “双随机、一公开” store tests: item lists, roster, plans, verifiable draws, results and
//! their denials, each run on SQLite and PostgreSQL.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use jianguan_domain::draw::{verify_record, Quota, WeightRules};
use jianguan_domain::sampling::{witness_commitment, InspectionAction, InspectionStatus, PlanKind, Witness};
use jianguan_store::draw::*;
use jianguan_store::registry::{EntityRecord, ImportBatch, NewImportJob};
use jianguan_store::testing;
use jianguan_store::*;
use sha2::Digest;
use std::collections::BTreeMap;

fn staff(dept: i64) -> Actor {
    Actor { name: "staff".into(), role: "dept_staff".into(), account_id: None, department_id: Some(dept) }
}

async fn dept(s: &DynStore, code: &str) -> i64 {
    s.list_units().await.unwrap().into_iter().find(|u| u.code == code).unwrap().id
}

fn today() -> NaiveDate {
    (Utc::now() + Duration::hours(8)).date_naive()
}

/// Entities through the registry's own import path: `(tags, status)` per entity.
async fn entities(s: &DynStore, spec: &[(&[&str], &str)]) -> Vec<String> {
    let codes: Vec<String> =
        jianguan_domain::uscc::demo::generate(spec.len() * 2 + 10, 5).filter(|e| !e.legacy).map(|e| e.uscc).collect();
    let records: Vec<EntityRecord> = spec
        .iter()
        .enumerate()
        .map(|(n, (tags, status))| EntityRecord {
            uscc: codes[n].clone(),
            name: format!("测试主体{n}有限公司"),
            kind: "企业".into(),
            legal_rep_sealed: "v1:00".into(),
            legal_rep_index: format!("idx{n}"),
            legal_rep_masked: "张*".into(),
            address: "天津市南开区黄河道1号".into(),
            division: "120104".into(),
            industry: "5211".into(),
            industry_name: "百货零售".into(),
            registered_on: NaiveDate::from_ymd_opt(2020, 1, 2),
            status: status.to_string(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            legacy: false,
            legacy_warning: String::new(),
            row_hash: format!("h{n}"),
        })
        .collect();
    let a = Actor::system();
    let job = s
        .import_begin(
            &a,
            &NewImportJob {
                kind: "entities".into(),
                file_name: "t.csv".into(),
                file_sha256: format!("sha-{}", spec.len()),
                file_bytes: 1,
                options: "{}".into(),
                department_id: None,
            },
        )
        .await
        .unwrap();
    s.import_batch(
        &a,
        &ImportBatch {
            job_id: job.id,
            start_row: 0,
            rows: records.len() as i64,
            bytes_to: 1,
            records: records.clone(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    s.import_finish(&a, job.id, None).await.unwrap();
    records.into_iter().map(|r| r.uscc).collect()
}

fn item(code: &str, interval_months: u32) -> DrawItemInput {
    DrawItemInput {
        joint: false,
        code: code.into(),
        name: format!("{code} 食品经营者落实主体责任情况检查"),
        sub_items: vec!["许可证件公示情况".into(), "从业人员健康证明".into()],
        legal_basis: "《中华人民共和国食品安全法》第一百一十条".into(),
        inspecting_body: "区市场监管局".into(),
        scope: Scope { kinds: vec!["企业".into()], industries: vec!["52".into()], tags: vec![] },
        ratio_per_mille: 50,
        interval_months,
        method: "实地核查".into(),
        certificates: vec!["行政执法证".into()],
        departments: vec![],
        active: true,
    }
}

fn inspector(name: &str, cert: &str, items: &[i64], account_id: Option<i64>) -> InspectorInput {
    InspectorInput {
        name: name.into(),
        certificate_no: cert.into(),
        valid_from: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
        valid_until: NaiveDate::from_ymd_opt(2030, 12, 31).unwrap(),
        status: "active".into(),
        item_ids: items.to_vec(),
        account_id,
    }
}

fn task(items: &[i64], stratify: bool, quotas: &[(&str, Quota)]) -> TaskInput {
    let y = today().year();
    TaskInput {
        name: "食品经营者双随机抽查".into(),
        item_ids: items.to_vec(),
        scope: Scope { kinds: vec!["企业".into()], industries: vec![], tags: vec![] },
        supervised_only: false,
        stratify,
        quotas: quotas.iter().map(|(l, q)| (l.to_string(), *q)).collect::<BTreeMap<_, _>>(),
        weight_rules: WeightRules::UNIFORM,
        starts_on: today(),
        ends_on: NaiveDate::from_ymd_opt(y, 12, 31).unwrap(),
        directed: false,
        team_size: 2,
    }
}

fn commit_req(task_id: i64, reason: Option<&str>) -> CommitRequest {
    CommitRequest {
        task_id,
        source: "上海证券交易所公布的上证综合指数收盘点位(两位小数)".into(),
        available_at: Utc::now() + Duration::seconds(30),
        witnesses: vec![],
        redraw_reason: reason.map(str::to_string),
    }
}

fn exec_req(draw_id: i64) -> ExecuteRequest {
    ExecuteRequest { draw_id, public_value: "3312.45".into(), secrets: vec![] }
}

fn later() -> chrono::DateTime<Utc> {
    Utc::now() + Duration::seconds(60)
}

async fn account(s: &DynStore, name: &str, dept: i64) -> i64 {
    s.create_account(
        &Actor::system(),
        &NewAccount {
            username: name.into(),
            display_name: name.into(),
            department_id: dept,
            password_hash: "x".into(),
            must_change_password: false,
        },
    )
    .await
    .unwrap()
    .id
}

#[tokio::test]
async fn plan_draw_results_and_publication() {
    for t in testing::all().await {
        let s = &t.store;
        let n = t.name;
        s.seed_organisation(&Actor::system()).await.unwrap();
        let scj = dept(s, "scjgj").await;
        let wjw = dept(s, "wjw").await;
        let a = staff(scj);
        let mut spec: Vec<(&[&str], &str)> = Vec::new();
        for i in 0..40 {
            spec.push(match i % 4 {
                0 => (&["信用风险A类"], "存续"),
                1 => (&["信用风险B类", "告知承诺"], "在业"),
                2 => (&[], "存续"),
                _ => (&["信用风险D类"], "存续"),
            });
        }
        spec.push((&["重点监管"], "存续"));
        spec.push((&["信用风险A类"], "注销"));
        let codes = entities(s, &spec).await;

        let it = s.draw_item_create(&a, scj, &item("SCJ-SP-001", 12)).await.unwrap();
        assert_eq!(it.department, "区市场监管局");
        // Another department does not see, and cannot edit, the item.
        assert!(s.draw_items(wjw).await.unwrap().is_empty(), "{n}");
        assert!(matches!(
            s.draw_item_update(&staff(wjw), wjw, it.id, &item("SCJ-SP-001", 6), it.version).await,
            Err(StoreError::NotFound(_))
        ));
        let acc = account(s, "insp1", scj).await;
        let r1 = s.roster_create(&a, scj, &inspector("张执法", "TJ-SC-001", &[it.id], Some(acc))).await.unwrap();
        s.roster_create(&a, scj, &inspector("李执法", "TJ-SC-002", &[it.id], None)).await.unwrap();
        s.roster_create(&a, scj, &inspector("王执法", "TJ-SC-003", &[it.id], None)).await.unwrap();
        assert!(matches!(
            s.roster_create(&a, scj, &inspector("重复", "TJ-SC-003", &[it.id], None)).await,
            Err(StoreError::Conflict(_))
        ));
        // A conflict of interest declared by the inspector, for the first entity.
        s.recusal_declare(&a, r1.id, &codes[0], "v1:sealed", "self").await.unwrap();
        assert!(matches!(
            s.recusal_declare(&a, r1.id, &codes[0], "v1:sealed", "self").await,
            Err(StoreError::Conflict(_))
        ));

        let y = today().year();
        let plan = s
            .plan_create(
                &a,
                scj,
                &PlanInput {
                    year: y,
                    kind: PlanKind::Annual,
                    title: format!("区市场监管局{y}年度双随机抽查计划"),
                    reason: String::new(),
                    departments: vec![],
                },
                today(),
            )
            .await
            .unwrap();
        assert!(plan.code.ends_with("-SCJGJ-ND-1"), "{}", plan.code);
        let q = Quota::PerMille(250);
        let tk = s
            .task_add(
                &a,
                scj,
                plan.id,
                &task(&[it.id], true, &[("A", q), ("B", q), ("C", q), ("D", q), ("unclassified", q)]),
            )
            .await
            .unwrap();
        // Only published plans are drawn.
        assert!(s.draw_commit(&a, scj, &commit_req(tk.id, None), Utc::now()).await.is_err());
        assert_eq!(s.departments_missing_annual_plan(y).await.unwrap().iter().filter(|d| d.id == scj).count(), 1);
        let query = jianguan_domain::publicity::parse_query(&plan.title).unwrap();
        assert!(
            s.search(&query, 50, 0).await.unwrap().hits.iter().all(|h| h.kind != "draw_plan"),
            "a draft plan is not public"
        );
        s.plan_publish(&a, scj, plan.id).await.unwrap();
        assert!(
            s.search(&query, 50, 0)
                .await
                .unwrap()
                .hits
                .iter()
                .any(|h| h.url == format!("/public/draw/plans/{}", plan.id)),
            "a published plan is found by the public search"
        );
        assert!(s.departments_missing_annual_plan(y).await.unwrap().iter().all(|d| d.id != scj));
        assert!(matches!(
            s.task_add(&a, scj, plan.id, &task(&[it.id], false, &[("all", q)])).await,
            Err(StoreError::Conflict(_))
        ));

        let preview = s.pool_preview(tk.id, today()).await.unwrap();
        assert_eq!(preview.size, 40, "{n}: key supervision and deregistered left out");
        assert_eq!(preview.exclusions.len(), 2, "{n}: {:?}", preview.exclusions);

        // Another department can neither commit nor execute.
        assert!(matches!(
            s.draw_commit(&staff(wjw), wjw, &commit_req(tk.id, None), Utc::now()).await,
            Err(StoreError::NotFound(_))
        ));
        let d = s.draw_commit(&a, scj, &commit_req(tk.id, None), Utc::now()).await.unwrap();
        assert_eq!((d.status.as_str(), d.draw_number, d.pool_size), ("committed", 1, 40));
        // The commit is in the audit trail, byte for byte, before anything is drawn.
        let entries = s
            .audit_search(&AuditFilter { action: Some("draw.commit".into()), limit: 10, ..Default::default() })
            .await
            .unwrap();
        let entry = entries.iter().find(|e| e.seq == d.commit_seq).expect("commit entry");
        let detail: serde_json::Value = serde_json::from_str(&entry.detail).unwrap();
        let text = detail["commit"].as_str().unwrap();
        assert_eq!(text, d.commit_json);
        assert_eq!(hex::encode(sha2::Sha256::digest(text.as_bytes())), d.commit_hash);
        assert!(!text.contains(&codes[1]) && !text.contains("张执法"), "the commit names no entity and no person");
        // Before the value is public, nothing can be drawn.
        let early = s.draw_execute(&a, scj, &exec_req(d.id), Utc::now()).await.unwrap_err();
        assert!(early.to_string().contains("此前不能抽取"), "{n}: {early}");
        assert!(matches!(
            s.draw_execute(&staff(wjw), wjw, &exec_req(d.id), later()).await,
            Err(StoreError::NotFound(_))
        ));

        let out = s.draw_execute(&a, scj, &exec_req(d.id), later()).await.unwrap();
        assert_eq!(out.draw.status, "drawn");
        // 10 per class stratum at 250‰: ceil(10 × 0.25) = 3 each from A, B, C(empty), D, unclassified.
        assert_eq!(out.selected, 12, "{n}");
        let rec = s.draw_record(d.id).await.unwrap();
        verify_record(&rec).expect("the published record verifies");
        assert_eq!(rec.commit_hash.to_hex(), d.commit_hash);
        assert_eq!(rec.pool_size, 40);
        assert!(rec.parameters.exclusions.iter().any(|x| x.reason.contains("重点监管") && x.count == 1));
        assert!(rec.parameters.exclusions.iter().any(|x| x.reason.contains("注销") && x.count == 1));
        // The commitment flag doubles nothing under UNIFORM rules; every weight is 1.
        assert!(rec.pool.iter().all(|c| c.weight == 1));
        let exec_entry = s
            .audit_search(&AuditFilter { action: Some("draw.execute".into()), limit: 10, ..Default::default() })
            .await
            .unwrap();
        assert!(exec_entry[0].seq > d.commit_seq);

        let list = s.inspections(&InspectionFilter { draw_id: Some(d.id), ..Default::default() }).await.unwrap();
        assert_eq!(list.len(), 12);
        for i in &list {
            assert_eq!(i.team.len(), 2, "{n}");
            assert_eq!(i.team.iter().filter(|m| m.leader).count(), 1);
            assert!(!(i.uscc == codes[0] && i.team.iter().any(|m| m.certificate_no == "TJ-SC-001")), "recusal held");
            assert!(!i.entity_name.is_empty());
        }
        let loads = s.workloads(y).await.unwrap();
        assert_eq!(loads.values().sum::<i64>(), 24);

        // Results: only a member of the team records them.
        let mine = list.iter().find(|i| i.team.iter().any(|m| m.account_id == Some(acc))).expect("an assignment");
        let other_acc = account(s, "insp2", scj).await;
        let input = ResultInput {
            inspected_on: today(),
            summary: "现场检查,经营正常".into(),
            results: vec![ItemResult { item_id: it.id, result: "no_problem".into(), note: String::new() }],
            submit: true,
            expected_version: mine.version,
        };
        assert!(matches!(
            s.inspection_record(&a, other_acc, mine.id, &input, today()).await,
            Err(StoreError::NotFound(_))
        ));
        let bad = ResultInput {
            results: vec![ItemResult { item_id: it.id, result: "corrected".into(), note: String::new() }],
            ..input.clone()
        };
        assert!(s.inspection_record(&a, acc, mine.id, &bad, today()).await.unwrap_err().to_string().contains("须填写"));
        let rec1 = s.inspection_record(&a, acc, mine.id, &input, today()).await.unwrap();
        assert_eq!(rec1.status, InspectionStatus::Submitted);
        assert!(rec1.publish_due.unwrap() > today());
        // Review by another department is refused; a return needs a reason.
        assert!(matches!(
            s.inspection_review(&staff(wjw), wjw, mine.id, InspectionAction::Approve, "").await,
            Err(StoreError::NotFound(_))
        ));
        assert!(s.inspection_review(&a, scj, mine.id, InspectionAction::Return, " ").await.is_err());
        let back = s.inspection_review(&a, scj, mine.id, InspectionAction::Return, "请补充现场照片").await.unwrap();
        assert_eq!((back.status, back.return_reason.as_str()), (InspectionStatus::Pending, "请补充现场照片"));
        s.evidence_add(
            &a,
            acc,
            mine.id,
            &NewEvidence {
                file_name: "现场.pdf".into(),
                content_type: "application/pdf".into(),
                data: b"%PDF-1.4".to_vec(),
            },
        )
        .await
        .unwrap();
        let again = ResultInput { expected_version: back.version + 1, ..input.clone() };
        s.inspection_record(&a, acc, mine.id, &again, today()).await.unwrap();
        assert!(
            s.inspection_review(&a, scj, mine.id, InspectionAction::Publish, "").await.is_err(),
            "not approved yet"
        );
        s.inspection_review(&a, scj, mine.id, InspectionAction::Approve, "").await.unwrap();
        assert!(s.public_results(&mine.uscc).await.unwrap().is_empty(), "{n}: not yet published");
        let due = s.overdue_publications(today() + Duration::days(60)).await.unwrap();
        assert!(due.iter().any(|o| o.inspection_id == mine.id), "{n}: overdue once the 20 working days pass");
        let done = s.inspection_review(&a, scj, mine.id, InspectionAction::Publish, "").await.unwrap();
        assert_eq!(done.status, InspectionStatus::Published);
        let public = s.public_results(&mine.uscc).await.unwrap();
        assert_eq!(public.len(), 1);
        assert_eq!(public[0].results[0].2, "no_problem");
        assert!(s
            .overdue_publications(today() + Duration::days(60))
            .await
            .unwrap()
            .iter()
            .all(|o| o.inspection_id != mine.id));

        // Frequency cap: a temporary plan on the same item leaves out the 12 just drawn,
        // unless the task is directed.
        let tmp = s
            .plan_create(
                &a,
                scj,
                &PlanInput {
                    year: y,
                    kind: PlanKind::Temporary,
                    title: "投诉集中领域临时抽查".into(),
                    reason: "上级交办".into(),
                    departments: vec![],
                },
                today(),
            )
            .await
            .unwrap();
        let capped = s.task_add(&a, scj, tmp.id, &task(&[it.id], false, &[("all", Quota::Count(2))])).await.unwrap();
        let directed = s
            .task_add(
                &a,
                scj,
                tmp.id,
                &TaskInput { directed: true, ..task(&[it.id], false, &[("all", Quota::Count(2))]) },
            )
            .await
            .unwrap();
        let p1 = s.pool_preview(capped.id, today()).await.unwrap();
        assert_eq!(p1.size, 40 - 12, "{n}: {:?}", p1.exclusions);
        assert!(p1.exclusions.iter().any(|(r, c)| r.contains("抽查间隔期") && *c == 12));
        assert_eq!(s.pool_preview(directed.id, today()).await.unwrap().size, 40);

        // A re-draw is a new numbered draw with a reason; the earlier stays public.
        let other = list.iter().find(|i| i.id != mine.id).unwrap();
        let _ = other;
        assert!(s
            .draw_commit(&a, scj, &commit_req(tk.id, None), Utc::now())
            .await
            .unwrap_err()
            .to_string()
            .contains("原因"));
        let refused = s.draw_commit(&a, scj, &commit_req(tk.id, Some("检查人员变动")), Utc::now()).await.unwrap_err();
        assert!(refused.to_string().contains("已有1户录入了检查结果"), "{n}: {refused}");

        assert!(s.verify_audit().await.unwrap().is_ok(), "{n}");
        let public = s.public_draws(None, 10).await.unwrap();
        assert!(public.iter().any(|p| p.id == d.id));
    }
}

#[tokio::test]
async fn redraw_supersedes_and_keeps_the_earlier_draw() {
    for t in testing::all().await {
        let s = &t.store;
        s.seed_organisation(&Actor::system()).await.unwrap();
        let scj = dept(s, "scjgj").await;
        let a = staff(scj);
        let spec: Vec<(&[&str], &str)> = (0..12).map(|_| (&[][..], "存续")).collect();
        entities(s, &spec).await;
        let it = s.draw_item_create(&a, scj, &item("SCJ-RD-1", 0)).await.unwrap();
        for c in ["R-1", "R-2", "R-3"] {
            s.roster_create(&a, scj, &inspector(c, c, &[it.id], None)).await.unwrap();
        }
        let plan = s
            .plan_create(
                &a,
                scj,
                &PlanInput {
                    year: today().year(),
                    kind: PlanKind::Annual,
                    title: "年度计划".into(),
                    reason: String::new(),
                    departments: vec![],
                },
                today(),
            )
            .await
            .unwrap();
        let tk = s.task_add(&a, scj, plan.id, &task(&[it.id], false, &[("all", Quota::Count(3))])).await.unwrap();
        s.plan_publish(&a, scj, plan.id).await.unwrap();
        let d1 = s.draw_commit(&a, scj, &commit_req(tk.id, None), Utc::now()).await.unwrap();
        s.draw_execute(&a, scj, &exec_req(d1.id), later()).await.unwrap();
        let d2 = s.draw_commit(&a, scj, &commit_req(tk.id, Some("原检查组成员调离")), Utc::now()).await.unwrap();
        assert_eq!((d2.draw_number, d2.redraw_of.as_deref()), (2, Some(d1.code.as_str())));
        let out = s.draw_execute(&a, scj, &exec_req(d2.id), later()).await.unwrap();
        assert_eq!(out.selected, 3);
        assert_eq!(s.draw(d1.id).await.unwrap().status, "superseded", "{}", t.name);
        let old = s
            .inspections(&InspectionFilter {
                draw_id: Some(d1.id),
                status: Some(InspectionStatus::Cancelled),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(old.len(), 3);
        let rec2 = s.draw_record(d2.id).await.unwrap();
        verify_record(&rec2).unwrap();
        assert_eq!(rec2.redraw.as_ref().unwrap().reason, "原检查组成员调离");
        // The superseded draw stays public and still verifies.
        verify_record(&s.draw_record(d1.id).await.unwrap()).unwrap();
        let public = s.public_draws(Some(plan.id), 10).await.unwrap();
        assert_eq!(public.len(), 2);
    }
}

#[tokio::test]
async fn bad_input_is_refused_with_nothing_drawn() {
    for t in testing::all().await {
        let s = &t.store;
        let n = t.name;
        s.seed_organisation(&Actor::system()).await.unwrap();
        let scj = dept(s, "scjgj").await;
        let wjw = dept(s, "wjw").await;
        let a = staff(scj);
        let spec: Vec<(&[&str], &str)> =
            (0..6).map(|i| (if i == 0 { &["独家标签"][..] } else { &[][..] }, "存续")).collect();
        let codes = entities(s, &spec).await;
        let it = s.draw_item_create(&a, scj, &item("SCJ-BAD-1", 0)).await.unwrap();
        let it2 = s.draw_item_create(&a, scj, &item("SCJ-BAD-2", 0)).await.unwrap();
        let r1 = s.roster_create(&a, scj, &inspector("甲", "B-1", &[it.id], None)).await.unwrap();
        s.roster_create(&a, scj, &inspector("乙", "B-2", &[it2.id], None)).await.unwrap();
        let y = today().year();

        // A plan outside its year, a task outside the plan's year.
        let old = PlanInput {
            year: y - 1,
            kind: PlanKind::Annual,
            title: "旧计划".into(),
            reason: String::new(),
            departments: vec![],
        };
        assert!(s.plan_create(&a, scj, &old, today()).await.unwrap_err().to_string().contains("年无效"));
        let tmp = PlanInput { kind: PlanKind::Temporary, reason: String::new(), year: y, ..old.clone() };
        assert!(s.plan_create(&a, scj, &tmp, today()).await.unwrap_err().to_string().contains("原因"));
        let joint = PlanInput { kind: PlanKind::Joint, departments: vec![scj], year: y, ..old.clone() };
        assert!(s
            .plan_create(&staff(wjw), wjw, &joint, today())
            .await
            .unwrap_err()
            .to_string()
            .contains("区市场监管局"));
        let plan = s.plan_create(&a, scj, &PlanInput { year: y, ..old.clone() }, today()).await.unwrap();
        let outside = TaskInput {
            starts_on: NaiveDate::from_ymd_opt(y + 1, 1, 1).unwrap(),
            ends_on: NaiveDate::from_ymd_opt(y + 1, 2, 1).unwrap(),
            ..task(&[it.id], false, &[("all", Quota::Count(1))])
        };
        assert!(s.task_add(&a, scj, plan.id, &outside).await.unwrap_err().to_string().contains("超出计划年度"));
        assert!(matches!(
            s.task_add(&staff(wjw), wjw, plan.id, &task(&[it.id], false, &[("all", Quota::Count(1))])).await,
            Err(StoreError::NotFound(_))
        ));

        let empty = TaskInput {
            scope: Scope { tags: vec!["不存在的标签".into()], ..Default::default() },
            ..task(&[it.id], false, &[("all", Quota::Count(1))])
        };
        let t_empty = s.task_add(&a, scj, plan.id, &empty).await.unwrap();
        let t_big = s.task_add(&a, scj, plan.id, &task(&[it.id], false, &[("all", Quota::Count(100))])).await.unwrap();
        let t_one = s.task_add(&a, scj, plan.id, &task(&[it.id], false, &[("all", Quota::Count(1))])).await.unwrap();
        let only = TaskInput {
            scope: Scope { tags: vec!["独家标签".into()], ..Default::default() },
            ..task(&[it.id, it2.id], false, &[("all", Quota::Count(1))])
        };
        let t_only = s.task_add(&a, scj, plan.id, &only).await.unwrap();
        s.plan_publish(&a, scj, plan.id).await.unwrap();

        let e = s.draw_commit(&a, scj, &commit_req(t_empty.id, None), Utc::now()).await.unwrap_err();
        assert!(e.to_string().contains("候选名录为空"), "{n}: {e}");
        let e = s.draw_commit(&a, scj, &commit_req(t_big.id, None), Utc::now()).await.unwrap_err();
        assert!(e.to_string().contains("超过候选对象数"), "{n}: {e}");
        // Only one inspector holds item SCJ-BAD-1: refused at the commit, naming why.
        let e = s.draw_commit(&a, scj, &commit_req(t_one.id, None), Utc::now()).await.unwrap_err().to_string();
        assert!(e.contains("不足2名") && e.contains("乙(B-2)") && e.contains("执法证不含检查事项"), "{n}: {e}");
        // The entropy must become public after the commit.
        let past = CommitRequest { available_at: Utc::now() - Duration::minutes(1), ..commit_req(t_only.id, None) };
        assert!(s.draw_commit(&a, scj, &past, Utc::now()).await.unwrap_err().to_string().contains("须晚于"));
        for t in [t_empty.id, t_big.id, t_one.id, t_only.id] {
            assert!(s.draws_for_task(t).await.unwrap().is_empty(), "{n}: nothing committed");
        }

        // A recusal that only bites once the entity is drawn: the draw fails, draws nothing.
        s.recusal_declare(&a, r1.id, &codes[0], "v1:sealed", "department").await.unwrap();
        let w = vec![Witness { name: "见证人".into(), commitment: witness_commitment("s3cret") }];
        let d = s
            .draw_commit(&a, scj, &CommitRequest { witnesses: w, ..commit_req(t_only.id, None) }, Utc::now())
            .await
            .unwrap();
        let wrong = ExecuteRequest { secrets: vec!["guess".into()], ..exec_req(d.id) };
        assert!(s.draw_execute(&a, scj, &wrong, later()).await.unwrap_err().to_string().contains("不一致"));
        let right = ExecuteRequest { secrets: vec!["s3cret".into()], ..exec_req(d.id) };
        let e = s.draw_execute(&a, scj, &right, later()).await.unwrap_err().to_string();
        assert!(e.contains("已回避") && e.contains("本次抽取未产生任何结果"), "{n}: {e}");
        let failed = s.draw(d.id).await.unwrap();
        assert_eq!(failed.status, "failed");
        assert_eq!(failed.entropy_value.as_deref(), Some("3312.45|s3cret"));
        assert!(s
            .inspections(&InspectionFilter { draw_id: Some(d.id), ..Default::default() })
            .await
            .unwrap()
            .is_empty());
        assert!(s.draw_record(d.id).await.is_err(), "a failed draw has no record");

        // Two commits of the same task at once: one wins, the other is refused.
        let (r1, r2) = (commit_req(t_big.id, None), commit_req(t_big.id, None));
        let (x, y2) = tokio::join!(s.draw_commit(&a, scj, &r1, Utc::now()), s.draw_commit(&a, scj, &r2, Utc::now()));
        assert!(x.is_err() && y2.is_err(), "{n}: k > pool refuses both");
        let t_two = {
            // A fresh published plan (tasks can only be added to drafts).
            let p = s
                .plan_create(
                    &a,
                    scj,
                    &PlanInput { kind: PlanKind::Temporary, reason: "并发测试".into(), year: y, ..old.clone() },
                    today(),
                )
                .await
                .unwrap();
            s.roster_create(&a, scj, &inspector("丙", "B-3", &[it.id], None)).await.unwrap();
            s.roster_create(&a, scj, &inspector("丁", "B-4", &[it.id], None)).await.unwrap();
            let tk = s.task_add(&a, scj, p.id, &task(&[it.id], false, &[("all", Quota::Count(1))])).await.unwrap();
            s.plan_publish(&a, scj, p.id).await.unwrap();
            tk
        };
        let (r1, r2) = (commit_req(t_two.id, None), commit_req(t_two.id, None));
        let (x, y2) = tokio::join!(s.draw_commit(&a, scj, &r1, Utc::now()), s.draw_commit(&a, scj, &r2, Utc::now()));
        let won: Vec<&Draw> = [&x, &y2].into_iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(won.len(), 1, "{n}: {x:?} / {y2:?}");
        let lost = [x.as_ref().err(), y2.as_ref().err()].into_iter().flatten().next().unwrap();
        assert!(matches!(lost, StoreError::Conflict(_)), "{n}: {lost}");
        let id = won[0].id;
        let (e1, e2) = (exec_req(id), exec_req(id));
        let (x, y2) = tokio::join!(s.draw_execute(&a, scj, &e1, later()), s.draw_execute(&a, scj, &e2, later()));
        assert_eq!([x.is_ok(), y2.is_ok()].iter().filter(|o| **o).count(), 1, "{n}: one execution wins: {x:?} {y2:?}");
        assert_eq!(
            s.inspections(&InspectionFilter { draw_id: Some(id), ..Default::default() }).await.unwrap().len(),
            1
        );
        assert!(s.verify_audit().await.unwrap().is_ok());
    }
}

#[tokio::test]
async fn joint_items_and_plans_are_coordinated_by_market_supervision() {
    for t in testing::all().await {
        let s = &t.store;
        s.seed_organisation(&Actor::system()).await.unwrap();
        let scj = dept(s, "scjgj").await;
        let wjw = dept(s, "wjw").await;
        let a = staff(scj);
        let spec: Vec<(&[&str], &str)> = (0..10).map(|_| (&[][..], "存续")).collect();
        entities(s, &spec).await;
        let joint_item = DrawItemInput { joint: true, departments: vec![wjw], ..item("LH-001", 0) };
        assert!(s
            .draw_item_create(&staff(wjw), wjw, &joint_item)
            .await
            .unwrap_err()
            .to_string()
            .contains("区市场监管局"));
        let ji = s.draw_item_create(&a, scj, &joint_item).await.unwrap();
        // The participant sees the joint item and can certify its inspectors for it.
        assert_eq!(s.draw_items(wjw).await.unwrap().len(), 1);
        s.roster_create(&a, scj, &inspector("市监一", "J-S1", &[ji.id], None)).await.unwrap();
        s.roster_create(&a, scj, &inspector("市监二", "J-S2", &[ji.id], None)).await.unwrap();
        s.roster_create(&staff(wjw), wjw, &inspector("卫健一", "J-W1", &[ji.id], None)).await.unwrap();
        s.set_workload_cap(&staff(wjw), wjw, 5).await.unwrap();
        assert_eq!(s.workload_cap(wjw).await.unwrap(), 5);
        let plan = s
            .plan_create(
                &a,
                scj,
                &PlanInput {
                    year: today().year(),
                    kind: PlanKind::Joint,
                    title: "部门联合抽查".into(),
                    reason: String::new(),
                    departments: vec![wjw],
                },
                today(),
            )
            .await
            .unwrap();
        assert_eq!(plan.departments.len(), 2);
        assert_eq!(s.plans(&PlanFilter { department_id: Some(wjw), ..Default::default() }).await.unwrap().len(), 1);
        let tk = s.task_add(&a, scj, plan.id, &task(&[ji.id], false, &[("all", Quota::Count(4))])).await.unwrap();
        s.plan_publish(&a, scj, plan.id).await.unwrap();
        let d = s.draw_commit(&a, scj, &commit_req(tk.id, None), Utc::now()).await.unwrap();
        s.draw_execute(&a, scj, &exec_req(d.id), later()).await.unwrap();
        let rec = s.draw_record(d.id).await.unwrap();
        verify_record(&rec).unwrap();
        let params = rec.parameters.inspection.as_ref().unwrap();
        assert_eq!(params.workload_cap, 5, "the lower cap of the participants");
        // One team across departments: the only 卫健委 inspector sits in every team
        // until the cap (5) would be passed; here 4 visits.
        for team in &rec.teams {
            assert!(team.members.iter().any(|m| m.department == "区卫生健康委"), "{}", t.name);
            assert!(team.members.iter().any(|m| m.department == "区市场监管局"));
        }
    }
}

/// The pool takes each entity's class from the credit capability (`credit_classes`),
/// falling back to the registry tag only for entities it has not classified.
#[tokio::test]
async fn the_pool_uses_credit_classes_before_tags() {
    use jianguan_store::credit::{NewCreditEvent, Severity};
    for t in testing::all().await {
        let s = &t.store;
        s.seed_organisation(&Actor::system()).await.unwrap();
        let scj = dept(s, "scjgj").await;
        let a = staff(scj);
        let spec: Vec<(&[&str], &str)> = vec![(&["信用风险A类"], "存续"), (&["信用风险A类"], "存续"), (&[], "存续")];
        let codes = entities(s, &spec).await;
        // A grave penalty makes the first entity D, whatever its tag says.
        s.credit_event_add(
            &a,
            &NewCreditEvent {
                uscc: codes[0].clone(),
                kind: "penalty".into(),
                source_department_id: Some(scj),
                occurred_on: today(),
                title: "严重违法".into(),
                detail: serde_json::json!({}),
                ref_kind: "penalty".into(),
                ref_id: "pool-1".into(),
                severity: Severity::Grave,
                public: true,
                public_until: None,
            },
        )
        .await
        .unwrap();
        let it = s.draw_item_create(&a, scj, &item("SCJ-CR-1", 0)).await.unwrap();
        let plan = s
            .plan_create(
                &a,
                scj,
                &PlanInput {
                    year: today().year(),
                    kind: PlanKind::Annual,
                    title: "年度计划".into(),
                    reason: String::new(),
                    departments: vec![],
                },
                today(),
            )
            .await
            .unwrap();
        let q = Quota::PerMille(1000);
        let tk = s
            .task_add(
                &a,
                scj,
                plan.id,
                &task(&[it.id], true, &[("A", q), ("B", q), ("C", q), ("D", q), ("unclassified", q)]),
            )
            .await
            .unwrap();
        let strata = s.pool_preview(tk.id, today()).await.unwrap().strata;
        let size = |l: &str| strata.iter().find(|(x, _)| x == l).map_or(0, |(_, n)| *n);
        assert_eq!((size("A"), size("D"), size("unclassified")), (1, 1, 1), "{}: {strata:?}", t.name);
    }
}
