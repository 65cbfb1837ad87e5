//! Reports and complaints, rewards, the joint meeting and data risk warnings, each on
//! SQLite and PostgreSQL.

mod support;

use jianguan_domain::calendar::WorkCalendar;
use jianguan_domain::complaints::{self as cp, Kind, Status};
use jianguan_store::complaints::*;
use jianguan_store::fairness::NewFile;
use jianguan_store::testing;
use jianguan_store::*;
use support::*;

fn sealed(tag: &str) -> SealedReporter {
    SealedReporter {
        name_sealed: format!("v1:sealed-name-{tag}"),
        name_masked: "王*".into(),
        phone_sealed: format!("v1:sealed-phone-{tag}"),
        phone_masked: "138****0000".into(),
    }
}

fn new(kind: Kind, uscc: Option<&str>, dept: i64, day: chrono::NaiveDate) -> NewComplaint {
    NewComplaint {
        kind,
        channel: "web".into(),
        category: "food".into(),
        subject_uscc: uscc.map(str::to_string),
        subject_name: "某餐馆".into(),
        content: "<script>alert('x')</script>后厨卫生差".into(),
        reporter: sealed("a"),
        department_id: dept,
        received_on: day,
        due: cp::due_dates(&WorkCalendar::builtin(), kind, day),
        files: vec![],
        client_hash: Some("client-1".into()),
    }
}

fn pdf(tag: &str) -> NewFile {
    NewFile {
        name: format!("{tag}.pdf"),
        media_type: "application/pdf".into(),
        content: format!("%PDF-1.4 {tag}").into_bytes(),
    }
}

#[tokio::test]
async fn workflow_credit_and_isolation() {
    for t in testing::all().await {
        let s = &t.store;
        s.seed_organisation(&Actor::system()).await.unwrap();
        let c = codes(2);
        entities(s, vec![record(&c[0], "南开某餐馆", Some(d(2020, 1, 1)), "存续")]).await;
        let scjgj = dept(s, "scjgj").await;
        let wjw = dept(s, "wjw").await;
        let a = staff(scjgj, "handler");
        let day = d(2026, 11, 20);

        let mut n = new(Kind::Report, Some(&c[0]), scjgj, day);
        n.files = vec![pdf("one"), pdf("two")];
        let item = s.complaint_submit(&Actor::public(), &n).await.unwrap();
        assert_eq!(item.status, Status::Received);
        assert_eq!(item.files.len(), 2);
        assert!(item.content.contains("<script>"), "stored as typed; the page escapes it");
        assert_eq!(item.ack_due_on, d(2026, 11, 23));

        // Another department cannot act on it.
        let other = staff(wjw, "other");
        assert!(matches!(
            s.complaint_act(&other, item.id, wjw, &Act::Acknowledge { note: String::new() }).await,
            Err(StoreError::NotFound(_))
        ));
        // Out of order.
        assert!(matches!(
            s.complaint_act(&a, item.id, scjgj, &Act::Accept { note: "立案".into() }).await,
            Err(StoreError::Conflict(_))
        ));
        s.complaint_act(&a, item.id, scjgj, &Act::Acknowledge { note: String::new() }).await.unwrap();
        s.complaint_act(&a, item.id, scjgj, &Act::Accept { note: "立案调查".into() }).await.unwrap();
        // A reply is required.
        assert!(matches!(
            s.complaint_act(&a, item.id, scjgj, &Act::Close { substantiated: true, reply: " ".into(), today: day })
                .await,
            Err(StoreError::Invalid(_))
        ));
        assert_eq!(s.credit_events(&c[0]).await.unwrap().len(), 0, "nothing half-saved");
        let closed = s
            .complaint_act(
                &a,
                item.id,
                scjgj,
                &Act::Close { substantiated: true, reply: "经查属实,已依法处理".into(), today: day },
            )
            .await
            .unwrap();
        assert_eq!(closed.status, Status::Closed);
        assert_eq!(closed.events.len(), 4);
        let credit = s.credit_events(&c[0]).await.unwrap();
        assert_eq!(credit.len(), 1);
        assert_eq!(credit[0].kind, "complaint");
        assert!(!credit[0].public);

        // Unsubstantiated: no credit event; an unknown subject code is fine.
        let item2 = s.complaint_submit(&Actor::public(), &new(Kind::Complaint, Some(&c[1]), scjgj, day)).await.unwrap();
        s.complaint_act(&a, item2.id, scjgj, &Act::Acknowledge { note: String::new() }).await.unwrap();
        s.complaint_act(&a, item2.id, scjgj, &Act::Decline { note: "不属于本部门管辖".into() }).await.unwrap();
        assert!(s
            .complaint_act(&a, item2.id, scjgj, &Act::Close { substantiated: true, reply: "x".into(), today: day })
            .await
            .is_err());
        s.complaint_act(&a, item2.id, scjgj, &Act::Close { substantiated: false, reply: "已告知".into(), today: day })
            .await
            .unwrap();
        assert_eq!(s.credit_events(&c[0]).await.unwrap().len(), 1);

        // Transfer moves it to another department with fresh dates.
        let item3 = s.complaint_submit(&Actor::public(), &new(Kind::Report, None, scjgj, day)).await.unwrap();
        let due = cp::due_dates(&WorkCalendar::builtin(), Kind::Report, d(2026, 11, 24));
        let moved = s
            .complaint_act(&a, item3.id, scjgj, &Act::Transfer { to: wjw, due, note: "属医疗机构".into() })
            .await
            .unwrap();
        assert_eq!(moved.department_id, wjw);
        assert_eq!(moved.ack_due_on, due.acknowledge);
        assert_eq!(
            s.complaints(&ComplaintFilter { department_id: Some(wjw), ..Default::default() }).await.unwrap().len(),
            1
        );
        assert_eq!(
            s.complaints(&ComplaintFilter { department_id: Some(scjgj), ..Default::default() }).await.unwrap().len(),
            2
        );

        // Reveal is audited; audit details never hold the sealed values.
        let r = s.complaint_reveal(&a, item.id).await.unwrap();
        assert_eq!(r.name_sealed, "v1:sealed-name-a");
        assert_eq!(audited(s, "complaints.reporter.reveal").await, 1);
        let all = s
            .audit_search(&AuditFilter { action: Some("complaints".into()), limit: 1000, ..Default::default() })
            .await
            .unwrap();
        assert!(all.iter().all(|e| !e.detail.to_string().contains("sealed-name")));
        assert_eq!(audited(s, "complaints.submit").await, 3);
        assert_eq!(s.complaints_from_client("client-1", now() - chrono::Duration::hours(1)).await.unwrap(), 3);
        assert_eq!(s.complaints_from_client("client-2", now() - chrono::Duration::hours(1)).await.unwrap(), 0);

        // Attachment
        let sha = &item.files[0].sha256;
        let (f, doc) = s.complaint_file(item.id, sha).await.unwrap();
        assert!(doc.content.starts_with(b"%PDF"));
        assert!(f.name.ends_with(".pdf"));
        assert!(s.complaint_file(item2.id, sha).await.is_err());

        // Overdue
        let late = s.complaint_overdue(d(2026, 12, 31)).await.unwrap();
        assert!(late.iter().any(|o| o.id == item3.id));
        assert!(!late.iter().any(|o| o.id == item.id));
    }
}

#[tokio::test]
async fn bad_input_saves_nothing() {
    for t in testing::all().await {
        let s = &t.store;
        s.seed_organisation(&Actor::system()).await.unwrap();
        let scjgj = dept(s, "scjgj").await;
        let day = d(2026, 11, 20);
        let mut n = new(Kind::Report, None, scjgj, day);
        n.content = String::new();
        assert!(matches!(s.complaint_submit(&Actor::public(), &n).await, Err(StoreError::Invalid(_))));
        let mut n = new(Kind::Report, None, scjgj, day);
        n.reporter.name_sealed.clear();
        assert!(matches!(s.complaint_submit(&Actor::public(), &n).await, Err(StoreError::Invalid(_))));
        let mut n = new(Kind::Report, None, scjgj, day);
        n.files = (0..6).map(|i| pdf(&i.to_string())).collect();
        assert!(matches!(s.complaint_submit(&Actor::public(), &n).await, Err(StoreError::Invalid(_))));
        let mut n = new(Kind::Report, None, 999_999, day);
        n.files = vec![pdf("orphan")];
        assert!(s.complaint_submit(&Actor::public(), &n).await.is_err());
        assert!(s.complaints(&ComplaintFilter::default()).await.unwrap().is_empty());
        assert_eq!(audited(s, "complaints").await, 0);
    }
}

#[tokio::test]
async fn rewards_need_a_second_person() {
    for t in testing::all().await {
        let s = &t.store;
        s.seed_organisation(&Actor::system()).await.unwrap();
        let scjgj = dept(s, "scjgj").await;
        let a = staff(scjgj, "handler");
        let b = staff(scjgj, "chief");
        let day = d(2026, 11, 20);
        let item = s.complaint_submit(&Actor::public(), &new(Kind::Report, None, scjgj, day)).await.unwrap();
        assert!(s.reward_propose(&a, item.id, scjgj, 1, 100_000, "").await.is_err(), "not closed yet");
        for act in [
            Act::Acknowledge { note: String::new() },
            Act::Accept { note: "立案".into() },
            Act::Close { substantiated: true, reply: "属实".into(), today: day },
        ] {
            s.complaint_act(&a, item.id, scjgj, &act).await.unwrap();
        }
        let r = s.reward_propose(&a, item.id, scjgj, 1, 100_000, "提供关键证据").await.unwrap();
        assert_eq!((r.amount_yuan, r.status.as_str()), (6000, "proposed"));
        assert!(s.reward_propose(&a, item.id, scjgj, 2, 0, "").await.is_err(), "one reward per report");
        assert!(matches!(s.reward_act(&a, item.id, scjgj, "approve").await, Err(StoreError::Conflict(_))));
        assert!(s.reward_act(&b, item.id, scjgj, "pay").await.is_err());
        s.reward_act(&b, item.id, scjgj, "approve").await.unwrap();
        let paid = s.reward_act(&a, item.id, scjgj, "pay").await.unwrap();
        assert_eq!(paid.status, "paid");
        assert_eq!(s.rewards(Some(scjgj)).await.unwrap().len(), 1);
        assert_eq!(s.rewards(Some(dept(s, "wjw").await)).await.unwrap().len(), 0);
        assert_eq!(audited(s, "complaints.reward").await, 3);
    }
}

#[tokio::test]
async fn joint_meeting_cases() {
    for t in testing::all().await {
        let s = &t.store;
        s.seed_organisation(&Actor::system()).await.unwrap();
        let scjgj = dept(s, "scjgj").await;
        let swuj = dept(s, "swuj").await;
        let wjw = dept(s, "wjw").await;
        let a = staff(scjgj, "office");
        let one = NewJointCase {
            title: "预付卡跑路".into(),
            summary: "某健身房".into(),
            complaint_id: None,
            tasks: vec![(scjgj, "核查".into(), d(2026, 12, 1))],
        };
        assert!(s.joint_case_create(&a, &one).await.is_err(), "needs two departments");
        let c = s
            .joint_case_create(
                &a,
                &NewJointCase {
                    title: "预付卡跑路".into(),
                    summary: "某健身房闭店".into(),
                    complaint_id: None,
                    tasks: vec![
                        (scjgj, "固定证据".into(), d(2026, 12, 1)),
                        (swuj, "预付卡备案核查".into(), d(2026, 12, 5)),
                    ],
                },
            )
            .await
            .unwrap();
        assert_eq!(c.tasks.len(), 2);
        assert_eq!(s.joint_cases(Some(swuj)).await.unwrap().len(), 1);
        assert_eq!(s.joint_cases(Some(wjw)).await.unwrap().len(), 0);
        let swuj_task = c.tasks.iter().find(|t| t.department_id == swuj).unwrap().id;
        assert!(matches!(
            s.joint_task_update(&staff(wjw, "x"), swuj_task, wjw, "done", "x").await,
            Err(StoreError::NotFound(_))
        ));
        assert!(
            s.joint_task_update(&staff(swuj, "y"), swuj_task, swuj, "done", "").await.is_err(),
            "done needs a note"
        );
        s.joint_task_update(&staff(swuj, "y"), swuj_task, swuj, "done", "已核查备案").await.unwrap();
        assert!(matches!(s.joint_case_close(&a, c.id, "结案").await, Err(StoreError::Conflict(_))));
        let t0 = c.tasks.iter().find(|t| t.department_id == scjgj).unwrap().id;
        s.joint_task_update(&a, t0, scjgj, "done", "已立案").await.unwrap();
        let closed = s.joint_case_close(&a, c.id, "各部门任务完成").await.unwrap();
        assert_eq!(closed.status, "closed");
        assert!(s.joint_task_update(&a, t0, scjgj, "in_progress", "").await.is_err());
    }
}

#[tokio::test]
async fn risk_warnings_from_rules() {
    for t in testing::all().await {
        let s = &t.store;
        s.seed_organisation(&Actor::system()).await.unwrap();
        let c = codes(3);
        let mut risky = record(&c[1], "高风险公司", Some(d(2020, 1, 1)), "存续");
        risky.tags = vec!["信用风险D类".into()];
        entities(
            s,
            vec![
                record(&c[0], "常被投诉公司", Some(d(2020, 1, 1)), "存续"),
                risky,
                record(&c[2], "安静公司", None, "存续"),
            ],
        )
        .await;
        let scjgj = dept(s, "scjgj").await;
        let wjw = dept(s, "wjw").await;
        let a = staff(scjgj, "handler");
        let day = d(2026, 11, 20);
        for _ in 0..3 {
            s.complaint_submit(&Actor::public(), &new(Kind::Complaint, Some(&c[0]), scjgj, day)).await.unwrap();
        }
        let run = s.risk_run(&Actor::system(), day).await.unwrap();
        assert_eq!(run.raised.len(), 1, "three complaints score 2 (below 3); class D scores 3");
        let ws = s.risk_warnings(None, true).await.unwrap();
        assert_eq!(ws.len(), 1);
        assert_eq!(ws[0].uscc, c[1]);
        assert_eq!(ws[0].reasons[0].rule, "class_d");
        // One substantiated complaint adds 3 points.
        let first =
            s.complaints(&ComplaintFilter { subject_uscc: Some(c[0].clone()), ..Default::default() }).await.unwrap()[0]
                .id;
        for act in [
            Act::Acknowledge { note: String::new() },
            Act::Accept { note: "受理".into() },
            Act::Close { substantiated: true, reply: "属实".into(), today: day },
        ] {
            s.complaint_act(&a, first, scjgj, &act).await.unwrap();
        }
        let run = s.risk_run(&Actor::system(), day).await.unwrap();
        assert_eq!(run.raised.len(), 1);
        assert!(run.updated.is_empty(), "unchanged warnings are not rewritten");
        let w = s.risk_warning(run.raised[0]).await.unwrap();
        assert_eq!(w.uscc, c[0]);
        assert_eq!(w.score, 5);
        assert_eq!(w.level, "orange");
        assert!(w.departments.contains(&scjgj));
        // Department isolation: wjw neither supervises nor handled them.
        assert_eq!(s.risk_warnings(Some(scjgj), true).await.unwrap().len(), 1);
        assert!(s.risk_warnings(Some(wjw), true).await.unwrap().is_empty());
        // Closing needs a note, and only once.
        assert!(s.risk_close(&a, w.id, "").await.is_err());
        s.risk_close(&a, w.id, "已约谈").await.unwrap();
        assert!(s.risk_close(&a, w.id, "again").await.is_err());
        assert!(matches!(s.risk_link_task(&a, ws[0].id, 999_999).await, Err(StoreError::Invalid(_))));
        // Credit-record facts: a broken commitment recorded as a serious event.
        s.credit_event_add(
            &Actor::system(),
            &jianguan_store::credit::NewCreditEvent {
                uscc: c[2].clone(),
                kind: "commitment_broken".into(),
                source_department_id: Some(scjgj),
                occurred_on: day,
                title: "未履行告知承诺".into(),
                detail: serde_json::json!({}),
                ref_kind: "commitment".into(),
                ref_id: "1".into(),
                severity: jianguan_store::credit::Severity::Serious,
                public: false,
                public_until: None,
            },
        )
        .await
        .unwrap();
        let run3 = s.risk_run(&Actor::system(), day).await.unwrap();
        assert_eq!(run3.raised.len(), 1, "the warning closed after handling is not raised again with the same facts");
        let w3 = s.risk_warning(run3.raised[0]).await.unwrap();
        assert_eq!(w3.uscc, c[2]);
        assert_eq!(w3.reasons.iter().map(|r| r.rule.as_str()).collect::<Vec<_>>(), ["serious_credit", "commitment"]);
        // Outside the look-back window nothing fires any more; open warnings without a task clear.
        let later = s.risk_run(&Actor::system(), day + chrono::Duration::days(cp::WINDOW_DAYS + 1)).await.unwrap();
        assert!(later.cleared.contains(&w3.id));
        assert_eq!(audited(s, "complaints.risk.run").await, 4);
    }
}
