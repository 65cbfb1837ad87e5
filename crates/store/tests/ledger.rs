//! Ledger store tests, each run on SQLite and PostgreSQL.

use jianguan_domain::deadline::ReportingCycle;
use jianguan_domain::ledger::{builtin_annexes, Annex};
use jianguan_domain::progress::ManualStatus;
use jianguan_store::ledger::*;
use jianguan_store::testing;
use jianguan_store::*;

fn office() -> Actor {
    Actor { name: "ledger".into(), role: "ledger_office".into(), account_id: None, department_id: None }
}

fn staff(dept: i64) -> Actor {
    Actor { name: format!("staff{dept}"), role: "dept_staff".into(), account_id: None, department_id: Some(dept) }
}

async fn plan(s: &DynStore, annex: &Annex, target: PlanTarget) -> LedgerPlan {
    let dir = unit_directory(&s.list_units().await.unwrap());
    let tasks = plan_tasks(&annex.rows, &dir, ReportingCycle::Quarterly).unwrap();
    LedgerPlan { target, tasks, action: "ledger.load_builtin".into(), detail: serde_json::json!({}) }
}

fn new_target(annex: &Annex) -> PlanTarget {
    PlanTarget::New {
        code: format!("annex{}", annex.number),
        title: annex.title.clone(),
        source: format!("南开政发〔2021〕8号 附件{}", annex.number),
        layout: annex.layout(),
        builtin: true,
    }
}

async fn dept(s: &DynStore, code: &str) -> i64 {
    s.list_units().await.unwrap().into_iter().find(|u| u.code == code).unwrap().id
}

/// Loads both annexes; returns (annex1, annex2).
async fn load(s: &DynStore) -> (Ledger, Ledger) {
    s.seed_organisation(&Actor::system()).await.unwrap();
    let mut out = Vec::new();
    for annex in builtin_annexes() {
        let p = plan(s, &annex, new_target(&annex)).await;
        out.push(s.ledger_apply(&Actor::system(), &p).await.unwrap().ledger);
    }
    let b = out.pop().unwrap();
    (out.pop().unwrap(), b)
}

async fn task_by_seq(s: &DynStore, ledger: i64, seq: u32) -> LedgerTask {
    s.ledger_tasks(Some(ledger)).await.unwrap().into_iter().find(|t| t.row.seq == seq).unwrap()
}

async fn share_of(s: &DynStore, task: i64, dept: i64) -> LedgerShare {
    s.ledger_shares(ShareFilter { task_id: Some(task), department_id: Some(dept), ..Default::default() })
        .await
        .unwrap()
        .pop()
        .unwrap()
}

fn report(share: i64, text: &str) -> NewReport {
    NewReport { share_id: share, progress: text.into(), ..Default::default() }
}

#[tokio::test]
async fn builtin_annexes_load_once_row_for_row_with_shares() {
    for t in testing::all().await {
        let s = &t.store;
        let (a1, a2) = load(s).await;
        assert_eq!((a1.task_count, a2.task_count), (37, 14), "{}", t.name);
        assert_eq!(a1.layout, jianguan_domain::ledger::LedgerLayout::LeadAndResponsible);
        let annexes = builtin_annexes();
        let tasks = s.ledger_tasks(Some(a1.id)).await.unwrap();
        let rows: Vec<_> = tasks.iter().map(|t| t.row.clone()).collect();
        assert_eq!(rows, annexes[0].rows, "{}: 附件1 stored row for row", t.name);
        let tasks2 = s.ledger_tasks(Some(a2.id)).await.unwrap();
        assert_eq!(tasks2.iter().map(|t| t.row.clone()).collect::<Vec<_>>(), annexes[1].rows);
        assert_eq!(tasks2[4].label(), "4-2");
        // 附件1 第3项: 区政务服务办 leads; 25 departments each get a share.
        let t3 = &tasks[2];
        let shares = s.ledger_shares(ShareFilter { task_id: Some(t3.id), ..Default::default() }).await.unwrap();
        assert_eq!(shares.len(), 25);
        assert_eq!(shares.iter().filter(|x| x.is_lead).count(), 1);
        assert_eq!(shares[0].department_id, dept(s, "zwfwb").await);
        let units = s.ledger_task_units(t3.id).await.unwrap();
        assert_eq!(units.iter().filter(|u| u.role == UnitRole::Responsible).count(), 2);
        assert_eq!(t3.deadline_kind, "date");
        assert_eq!(tasks[5].deadline_kind, "missing");
        assert_eq!(t3.reporting_cycle, ReportingCycle::Quarterly);

        // Loading again: the code is taken, nothing is duplicated.
        let again = plan(s, &annexes[0], new_target(&annexes[0])).await;
        assert!(matches!(s.ledger_apply(&Actor::system(), &again).await, Err(StoreError::Conflict(_))));
        assert_eq!(s.ledger_list().await.unwrap().len(), 2);
        // Applying the same rows to the existing ledger changes nothing.
        let same = plan(s, &annexes[0], PlanTarget::Existing { id: a1.id }).await;
        let out = s.ledger_apply(&Actor::system(), &same).await.unwrap();
        assert_eq!((out.tasks_unchanged, out.tasks_added, out.shares_added, out.shares_removed), (37, 0, 0, 0));
        let all = s.ledger_shares(ShareFilter::default()).await.unwrap();
        assert!(all.len() > 500, "{}", all.len());
        assert_eq!(s.ledger_by_code("annex2").await.unwrap().unwrap().id, a2.id);
        assert!(s.verify_audit().await.unwrap().is_ok());
        let audit = s
            .audit_search(&AuditFilter { action: Some("ledger.".into()), limit: 100, ..Default::default() })
            .await
            .unwrap();
        assert_eq!(audit.len(), 3, "two loads and one re-apply, each audited");
    }
}

#[tokio::test]
async fn reports_returns_revisions_and_idempotency() {
    for t in testing::all().await {
        let s = &t.store;
        let (a1, _) = load(s).await;
        let scj = dept(s, "scjgj").await;
        let t3 = task_by_seq(s, a1.id, 3).await;
        let share = share_of(s, t3.id, scj).await;
        assert_eq!((share.last_report, share.report_count), (None, 0));

        let r1 =
            s.ledger_submit_report(&staff(scj), &report(share.id, "已梳理本局许可事项 12 项。"), None).await.unwrap();
        let Submitted::Created(r1) = r1 else { panic!("created") };
        assert_eq!(r1.status, ReportStatus::Submitted);
        let share = s.ledger_share(share.id).await.unwrap();
        assert_eq!(share.last_report, Some(beijing_today()));
        assert_eq!(share.last_completion, None);

        // Empty progress and completion of ongoing work are refused; nothing is written.
        let empty = s.ledger_submit_report(&staff(scj), &report(share.id, "  "), None).await;
        assert!(matches!(empty, Err(StoreError::Invalid(_))));
        let t1 = task_by_seq(s, a1.id, 2).await;
        let ongoing = share_of(s, t1.id, scj).await;
        let done = NewReport { completes: true, ..report(ongoing.id, "完成") };
        let e = s.ledger_submit_report(&staff(scj), &done, None).await.unwrap_err();
        assert!(e.to_string().contains("持续推进"), "{e}");
        assert_eq!(s.ledger_reports(Some(share.id), None).await.unwrap().len(), 1);

        // The lead unit returns it; the share no longer counts it.
        let zw = dept(s, "zwfwb").await;
        let c = s.ledger_comment(&staff(zw), r1.id, CommentKind::Return, "请补充清单明细。").await.unwrap();
        assert_eq!(c.kind, CommentKind::Return);
        assert_eq!(s.ledger_report(r1.id).await.unwrap().status, ReportStatus::Returned);
        let again = s.ledger_comment(&staff(zw), r1.id, CommentKind::Return, "再退").await;
        assert!(matches!(again, Err(StoreError::Conflict(_))));
        assert!(matches!(
            s.ledger_comment(&staff(zw), r1.id, CommentKind::Comment, "").await,
            Err(StoreError::Invalid(_))
        ));
        let share = s.ledger_share(share.id).await.unwrap();
        assert_eq!((share.last_report, share.report_count), (None, 1));

        // The revision, completing the task, with an idempotency key.
        let key = IdempotencyKey { scope: "ledger.report:staff".into(), key: "k-1".into(), request_hash: "h1".into() };
        let rev = NewReport {
            revises_id: Some(r1.id), completes: true, ..report(share.id, "已补充明细,清单已发布。")
        };
        let first = s.ledger_submit_report(&staff(scj), &rev, Some(&key)).await.unwrap();
        assert!(matches!(first, Submitted::Created(_)));
        let replay = s.ledger_submit_report(&staff(scj), &rev, Some(&key)).await.unwrap();
        assert!(matches!(replay, Submitted::Replayed(_)));
        assert_eq!(replay.report().id, first.report().id);
        let other = IdempotencyKey { request_hash: "h2".into(), ..key.clone() };
        let e = s.ledger_submit_report(&staff(scj), &report(share.id, "别的内容"), Some(&other)).await.unwrap_err();
        assert!(matches!(e, StoreError::Invalid(_)), "{e}");
        assert_eq!(s.ledger_reports(Some(share.id), None).await.unwrap().len(), 2, "{}: no extra report", t.name);
        let share = s.ledger_share(share.id).await.unwrap();
        assert_eq!(share.last_completion, Some(beijing_today()));
        // Only a returned report of the same share can be revised.
        let bad = NewReport { revises_id: Some(first.report().id), ..report(share.id, "x") };
        assert!(matches!(s.ledger_submit_report(&staff(scj), &bad, None).await, Err(StoreError::Invalid(_))));

        let latest = s.ledger_latest_reports(a1.id, None).await.unwrap();
        assert_eq!(latest.len(), 1);
        assert_eq!(latest[0].id, first.report().id);
        assert!(s.ledger_latest_reports(a1.id, Some(zw)).await.unwrap().is_empty());
        assert_eq!(s.ledger_comments(t3.id).await.unwrap().len(), 1);
        // A paused share takes no reports.
        s.ledger_set_share_manual(&office(), share.id, Some(ManualStatus::Paused), "市级暂缓").await.unwrap();
        assert!(matches!(
            s.ledger_submit_report(&staff(scj), &report(share.id, "x"), None).await,
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            s.ledger_set_share_manual(&office(), share.id, Some(ManualStatus::Completed), " ").await,
            Err(StoreError::Invalid(_))
        ));
        let cleared = s.ledger_set_share_manual(&office(), share.id, None, "").await.unwrap();
        assert_eq!(cleared.manual_status, None);
        assert!(s.verify_audit().await.unwrap().is_ok());
        for action in ["ledger.report_submit", "ledger.report_return", "ledger.share_status"] {
            let n = s
                .audit_search(&AuditFilter { action: Some(action.into()), limit: 100, ..Default::default() })
                .await
                .unwrap();
            assert!(!n.is_empty(), "{}: {action} audited", t.name);
        }
    }
}

#[tokio::test]
async fn evidence_files_attach_once_to_their_own_department() {
    for t in testing::all().await {
        let s = &t.store;
        let (a1, _) = load(s).await;
        let scj = dept(s, "scjgj").await;
        let sfj = dept(s, "sfj").await;
        let task = task_by_seq(s, a1.id, 14).await;
        let share = share_of(s, task.id, scj).await;
        let sha = "a".repeat(64);
        let file = NewFile {
            sha256: sha.clone(),
            size: 10,
            kind: "pdf".into(),
            name: "清理台账.pdf".into(),
            department_id: scj,
        };
        let f1 = s.ledger_add_file(&staff(scj), &file).await.unwrap();
        let f2 = s.ledger_add_file(&staff(sfj), &NewFile { department_id: sfj, ..file.clone() }).await.unwrap();
        let bad_sha = NewFile { sha256: "zz".into(), ..file.clone() };
        assert!(matches!(s.ledger_add_file(&staff(scj), &bad_sha).await, Err(StoreError::Invalid(_))));

        // Another department's file: refused, and no report is left behind.
        let with_other = NewReport { file_ids: vec![f2.id], ..report(share.id, "已清理") };
        assert!(matches!(s.ledger_submit_report(&staff(scj), &with_other, None).await, Err(StoreError::Invalid(_))));
        assert!(s.ledger_reports(Some(share.id), None).await.unwrap().is_empty(), "{}: nothing half-written", t.name);

        let ok = NewReport { file_ids: vec![f1.id, f1.id], ..report(share.id, "已清理") };
        let r = s.ledger_submit_report(&staff(scj), &ok, None).await.unwrap();
        let files = s.ledger_files(task.id).await.unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].report_id, Some(r.report().id));
        assert_eq!(s.ledger_file(f1.id).await.unwrap().sha256, sha);
        let reuse = NewReport { file_ids: vec![f1.id], ..report(share.id, "再报") };
        let e = s.ledger_submit_report(&staff(scj), &reuse, None).await.unwrap_err();
        assert!(e.to_string().contains("已附在其他报告中"), "{e}");
        assert_eq!(s.ledger_reports(Some(share.id), None).await.unwrap().len(), 1);

        // Files stored with the report are recorded in its transaction, or not at all.
        let mine = NewFile {
            sha256: "b".repeat(64),
            size: 3,
            kind: "txt".into(),
            name: "说明.txt".into(),
            department_id: scj,
        };
        let theirs = NewFile { department_id: sfj, ..mine.clone() };
        let bad = NewReport { new_files: vec![mine.clone(), theirs], ..report(share.id, "附说明") };
        assert!(matches!(s.ledger_submit_report(&staff(scj), &bad, None).await, Err(StoreError::Invalid(_))));
        assert_eq!(s.ledger_files(task.id).await.unwrap().len(), 1, "{}: no file row left behind", t.name);
        let good = NewReport { new_files: vec![mine], ..report(share.id, "附说明") };
        let r2 = s.ledger_submit_report(&staff(scj), &good, None).await.unwrap();
        let files = s.ledger_files(task.id).await.unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(files[1].report_id, Some(r2.report().id));
        assert_eq!(files[1].uploaded_by, staff(scj).name);
    }
}

#[tokio::test]
async fn roadmaps_milestones_and_schedules() {
    for t in testing::all().await {
        let s = &t.store;
        let (a1, a2) = load(s).await;
        let scj = dept(s, "scjgj").await;
        let task = task_by_seq(s, a1.id, 11).await;
        let lead = staff(scj);
        let updated = s.ledger_set_roadmap(&lead, task.id, "一、制定计划;二、公示;三、组织抽查。").await.unwrap();
        assert_eq!(updated.roadmap_by.as_deref(), Some(lead.name.as_str()));
        let m = MilestoneInput {
            title: "联合抽查计划公示".into(),
            due_date: chrono::NaiveDate::from_ymd_opt(2027, 1, 31).unwrap(),
            owner_id: scj,
            detail: String::new(),
        };
        let m1 = s.ledger_add_milestone(&lead, task.id, &m).await.unwrap();
        let group = s.list_units().await.unwrap().into_iter().find(|u| u.code == "g-xgbm").unwrap().id;
        let to_group = MilestoneInput { owner_id: group, ..m.clone() };
        assert!(matches!(s.ledger_add_milestone(&lead, task.id, &to_group).await, Err(StoreError::Invalid(_))));
        let empty = MilestoneInput { title: " ".into(), ..m.clone() };
        assert!(matches!(s.ledger_add_milestone(&lead, task.id, &empty).await, Err(StoreError::Invalid(_))));
        let m2 = s
            .ledger_add_milestone(&lead, task.id, &MilestoneInput { title: "组织抽查".into(), ..m.clone() })
            .await
            .unwrap();
        let m2 = s
            .ledger_update_milestone(
                &lead,
                m2.id,
                &MilestoneInput { due_date: chrono::NaiveDate::from_ymd_opt(2027, 6, 30).unwrap(), ..m.clone() },
            )
            .await
            .unwrap();
        assert_eq!(m2.due_date.to_string(), "2027-06-30");
        let list = s.ledger_milestones(Some(task.id)).await.unwrap();
        assert_eq!(list.iter().map(|x| x.id).collect::<Vec<_>>(), vec![m1.id, m2.id]);

        // Reaching a milestone by a report; a milestone of another owner or task is refused.
        let share = share_of(s, task.id, scj).await;
        let reach = NewReport { milestone_id: Some(m1.id), ..report(share.id, "计划已公示") };
        s.ledger_submit_report(&lead, &reach, None).await.unwrap();
        assert_eq!(s.ledger_milestone(m1.id).await.unwrap().reached_on, Some(beijing_today()));
        let other = share_of(s, task.id, dept(s, "sfj").await).await;
        let wrong = NewReport { milestone_id: Some(m2.id), ..report(other.id, "x") };
        assert!(matches!(
            s.ledger_submit_report(&staff(other.department_id), &wrong, None).await,
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(s.ledger_delete_milestone(&lead, m1.id).await, Err(StoreError::Conflict(_))));
        s.ledger_delete_milestone(&lead, m2.id).await.unwrap();
        assert!(matches!(s.ledger_milestone(m2.id).await, Err(StoreError::NotFound(_))));

        // 按市级机关规定时间完成: the office enters the city's date; a cycle for ongoing work.
        let city = task_by_seq(s, a2.id, 3).await;
        assert!(city.schedule().awaits_date());
        let date = chrono::NaiveDate::from_ymd_opt(2027, 3, 31).unwrap();
        let city = s
            .ledger_set_schedule(&office(), city.id, Some(date), "津市监〔2026〕X号", ReportingCycle::Monthly)
            .await
            .unwrap();
        assert_eq!(city.set_due_date, Some(date));
        assert!(!city.schedule().awaits_date());
        assert_eq!(city.reporting_cycle, ReportingCycle::Monthly);
        assert!(s.verify_audit().await.unwrap().is_ok());
        for action in [
            "ledger.roadmap",
            "ledger.milestone_add",
            "ledger.milestone_update",
            "ledger.milestone_delete",
            "ledger.task_schedule",
        ] {
            let n = s
                .audit_search(&AuditFilter { action: Some(action.into()), limit: 100, ..Default::default() })
                .await
                .unwrap();
            assert!(!n.is_empty(), "{}: {action} audited", t.name);
        }
    }
}

#[tokio::test]
async fn plans_never_drop_reported_work_and_fail_whole() {
    for t in testing::all().await {
        let s = &t.store;
        let (_, a2) = load(s).await;
        let scj = dept(s, "scjgj").await;
        let annex = builtin_annexes().remove(1);
        let t3 = task_by_seq(s, a2.id, 3).await;
        let share = share_of(s, t3.id, scj).await;
        s.ledger_submit_report(&staff(scj), &report(share.id, "已开展强制性认证监管。"), None).await.unwrap();
        let before = s.audit_count().await.unwrap();

        // Removing the reported task: refused, and the first row's change is rolled back.
        let mut edited = annex.clone();
        edited.rows[0].measures.push_str("(修订)");
        edited.rows.retain(|r| r.seq != 3);
        let p = plan(s, &edited, PlanTarget::Existing { id: a2.id }).await;
        let e = s.ledger_apply(&office(), &p).await.unwrap_err();
        assert!(e.to_string().contains("第 3 项已有进展报告"), "{e}");
        let row1 = task_by_seq(s, a2.id, 1).await;
        assert_eq!(row1.row.measures, annex.rows[0].measures, "{}: nothing half-applied", t.name);
        assert_eq!(s.audit_count().await.unwrap(), before);

        // Moving the task away from the reporting department: refused too.
        let mut moved = annex.clone();
        let r3 = moved.rows.iter_mut().find(|r| r.seq == 3).unwrap();
        r3.lead_text = "区司法局".into();
        r3.lead_units = vec!["区司法局".into()];
        let p = plan(s, &moved, PlanTarget::Existing { id: a2.id }).await;
        let e = s.ledger_apply(&office(), &p).await.unwrap_err();
        assert!(e.to_string().contains("区市场监管局已有进展报告"), "{e}");

        // A change without reported work goes through: a task edited, one added, one removed.
        let mut ok = annex.clone();
        ok.rows[0].deadline_text = "2027年6月底前".into();
        ok.rows.retain(|r| r.seq != 13);
        let mut extra = ok.rows[1].clone();
        extra.seq = 14;
        ok.rows.push(extra);
        let p = plan(s, &ok, PlanTarget::Existing { id: a2.id }).await;
        let out = s.ledger_apply(&office(), &p).await.unwrap();
        assert_eq!((out.tasks_added, out.tasks_changed, out.tasks_removed), (1, 1, 1), "{}", t.name);
        let row1 = task_by_seq(s, a2.id, 1).await;
        assert_eq!(row1.deadline_kind, "date");
        assert!(s.ledger_tasks(Some(a2.id)).await.unwrap().iter().all(|t| t.row.seq != 13));
        assert!(s.verify_audit().await.unwrap().is_ok());
    }
}

#[tokio::test]
async fn calendar_years_are_stored_and_replaced_on_request() {
    for t in testing::all().await {
        let s = &t.store;
        assert!(s.calendar_years().await.unwrap().is_empty());
        let y = s.calendar_put_year(&office(), 2027, "{\"year\":2027}", false).await.unwrap();
        assert_eq!((y.year, y.added_by.as_str()), (2027, "ledger"));
        let dup = s.calendar_put_year(&office(), 2027, "{\"year\":2027,\"x\":1}", false).await;
        assert!(matches!(dup, Err(StoreError::Conflict(_))), "{}", t.name);
        s.calendar_put_year(&office(), 2027, "{\"year\":2027,\"x\":1}", true).await.unwrap();
        let years = s.calendar_years().await.unwrap();
        assert_eq!(years.len(), 1);
        assert!(years[0].arrangement.contains("\"x\":1"));
        let audit = s
            .audit_search(&AuditFilter { action: Some("calendar.".into()), limit: 10, ..Default::default() })
            .await
            .unwrap();
        assert_eq!(audit.len(), 2);
    }
}
