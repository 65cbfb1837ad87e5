//! Credit record store tests, on SQLite and PostgreSQL.

mod support;

use jianguan_store::credit::*;
use jianguan_store::testing;
use jianguan_store::*;
use support::*;

fn penalty(uscc: &str, ref_id: &str) -> NewCreditEvent {
    NewCreditEvent {
        uscc: uscc.into(),
        kind: "penalty".into(),
        source_department_id: None,
        occurred_on: d(2026, 3, 2),
        title: "警告并处罚款 5000 元".into(),
        detail: serde_json::json!({"文书号": "南开市监罚〔2026〕12号"}),
        ref_kind: "penalty".into(),
        ref_id: ref_id.into(),
        severity: Severity::Serious,
        public: true,
        public_until: Some(d(2026, 6, 2)),
    }
}

#[tokio::test]
async fn the_credit_record_keeps_each_fact_once_in_change_order() {
    for t in testing::all().await {
        let s = &t.store;
        s.seed_organisation(&Actor::system()).await.unwrap();
        let scj = dept(s, "scjgj").await;
        let code = codes(2);
        entities(s, vec![record(&code[0], "甲公司", None, "存续"), record(&code[1], "乙公司", None, "存续")]).await;
        let a = staff(scj, "credit1");

        let first = s
            .credit_event_add(&a, &NewCreditEvent { source_department_id: Some(scj), ..penalty(&code[0], "1") })
            .await
            .unwrap();
        let again = s
            .credit_event_add(&a, &NewCreditEvent { source_department_id: Some(scj), ..penalty(&code[0], "1") })
            .await
            .unwrap();
        assert_eq!(first.id, again.id, "the same source fact is recorded once");
        let second = s
            .credit_event_add(
                &a,
                &NewCreditEvent { kind: "licence".into(), severity: Severity::Neutral, ..penalty(&code[0], "1") },
            )
            .await
            .unwrap();
        assert!(second.change_seq > first.change_seq);
        assert_eq!(s.credit_events(&code[0]).await.unwrap().len(), 2);
        assert!(s.credit_events(&code[1]).await.unwrap().is_empty());
        assert_eq!(first.detail["文书号"], "南开市监罚〔2026〕12号");
        assert_eq!(first.severity, Severity::Serious);
        assert_eq!(first.public_until, Some(d(2026, 6, 2)));
        assert!(audited(s, "credit.event.add").await >= 2);

        // Unknown entity, bad kind, publication ending before the fact: refused, nothing written.
        let before = s.credit_events(&code[0]).await.unwrap().len();
        assert!(matches!(
            s.credit_event_add(&a, &penalty("91120104MA05XXXXXX", "9")).await,
            Err(StoreError::NotFound(_))
        ));
        assert!(matches!(
            s.credit_event_add(&a, &NewCreditEvent { kind: "Penalty!".into(), ..penalty(&code[0], "2") }).await,
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            s.credit_event_add(&a, &NewCreditEvent { public_until: Some(d(2026, 1, 1)), ..penalty(&code[0], "3") })
                .await,
            Err(StoreError::Invalid(_))
        ));
        assert_eq!(s.credit_events(&code[0]).await.unwrap().len(), before);
    }
}

use jianguan_domain::credit::{Decision, Stage};

async fn setup(s: &DynStore, n: usize) -> (i64, i64, Vec<String>) {
    s.seed_organisation(&Actor::system()).await.unwrap();
    let scj = dept(s, "scjgj").await;
    let fgw = dept(s, "fgw").await;
    let code = codes(n);
    entities(s, code.iter().enumerate().map(|(i, c)| record(c, &format!("测试公司{i}"), None, "存续")).collect()).await;
    (scj, fgw, code)
}

#[tokio::test]
async fn classes_follow_the_record_with_reasons_and_history() {
    for t in testing::all().await {
        let s = &t.store;
        let (scj, _, code) = setup(s, 3).await;
        let a = staff(scj, "credit1");
        assert!(s.credit_class(&code[0]).await.unwrap().is_none(), "unclassified before anything happens");

        let ev = NewCreditEvent {
            source_department_id: Some(scj),
            occurred_on: d(2026, 9, 1),
            public_until: None,
            ..penalty(&code[0], "10")
        };
        s.credit_event_add(&a, &ev).await.unwrap();
        let c = s.credit_class(&code[0]).await.unwrap().unwrap();
        assert_eq!(c.class, "C", "a serious penalty in the last two years: 25 points");
        assert_eq!(c.reasons[0].rule, "serious-penalty");
        assert_eq!(c.rules_version, "2026.1");
        let grave = NewCreditEvent { severity: Severity::Grave, ref_id: "11".into(), ..ev.clone() };
        s.credit_event_add(&a, &grave).await.unwrap();
        let c = s.credit_class(&code[0]).await.unwrap().unwrap();
        assert_eq!(c.class, "D");
        assert!(c.reasons.iter().any(|r| r.rule == "grave-penalty"));
        let h = s.credit_class_history(&code[0]).await.unwrap();
        assert_eq!(h.iter().map(|x| x.class.as_str()).collect::<Vec<_>>(), ["C", "D"]);
        assert_eq!(h[1].previous.as_deref(), Some("C"));

        let (n, changed) = s.credit_reclassify_all(&Actor::system(), d(2026, 11, 1)).await.unwrap();
        assert_eq!(n, 3);
        assert_eq!(changed, 2, "the two entities without a class get B");
        assert_eq!(s.credit_class(&code[1]).await.unwrap().unwrap().class, "B");
        let counts = s.credit_class_counts().await.unwrap();
        assert!(counts.contains(&("B".to_string(), 2)) && counts.contains(&("D".to_string(), 1)));
        assert!(audited(s, "credit.class.batch").await >= 1);

        // Incremental export by change sequence.
        let all = s.credit_changes(0, 100).await.unwrap();
        assert_eq!(all.len(), 2);
        assert!(s.credit_changes(all[1].change_seq, 100).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn commitments_lists_and_measures() {
    for t in testing::all().await {
        let s = &t.store;
        let (scj, fgw, code) = setup(s, 2).await;
        let a = staff(fgw, "credit1");
        let input = CommitmentInput {
            uscc: code[0].clone(),
            kind: "notification".into(),
            body: "本企业承诺所填报信息真实、准确,如有不实愿承担相应责任".into(),
            licence_ref: "JY11201040012345".into(),
            signed_on: d(2026, 5, 1),
            due_on: d(2026, 8, 1),
        };
        assert!(matches!(
            s.commitment_create(&a, scj, &CommitmentInput { kind: "other".into(), ..input.clone() }).await,
            Err(StoreError::Invalid(_))
        ));
        let c = s.commitment_create(&a, scj, &input).await.unwrap();
        assert_eq!(c.kind_label(), "告知承诺");
        assert!(s.credit_class(&code[0]).await.unwrap().unwrap().commitment_approval);
        let c = s.commitment_check(&a, c.id, false, "核查发现经营场所与承诺不符", d(2026, 8, 2)).await.unwrap();
        assert_eq!(c.status, "broken");
        assert!(matches!(s.commitment_check(&a, c.id, true, "", d(2026, 8, 3)).await, Err(StoreError::Conflict(_))));
        let cls = s.credit_class(&code[0]).await.unwrap().unwrap();
        assert!(!cls.commitment_approval, "a broken commitment no longer counts as a commitment approval");
        assert!(cls.reasons.iter().any(|r| r.rule == "broken-commitment"));
        assert!(s.credit_events(&code[0]).await.unwrap().iter().any(|e| e.kind == "commitment_broken"));

        assert_eq!(s.list_kinds().await.unwrap().len(), 3);
        let entry = ListEntryInput {
            uscc: code[1].clone(),
            list_kind: "serious_dishonest".into(),
            basis: "南开市监罚〔2026〕3号".into(),
            effective_on: d(2026, 6, 1),
            expires_on: Some(d(2029, 5, 31)),
        };
        assert!(matches!(
            s.list_entry_add(&a, fgw, &ListEntryInput { list_kind: "grey".into(), ..entry.clone() }).await,
            Err(StoreError::Invalid(_))
        ));
        let e = s.list_entry_add(&a, fgw, &entry).await.unwrap();
        assert!(matches!(s.list_entry_add(&a, fgw, &entry).await, Err(StoreError::Conflict(_))));
        let m = s.measures_in_force(&code[1], d(2026, 7, 1)).await.unwrap();
        assert_eq!(m.entries.len(), 1);
        assert!(m.measures.iter().any(|x| x.category == "restriction"));
        assert!(s.measures_in_force(&code[1], d(2026, 5, 1)).await.unwrap().measures.is_empty(), "not yet effective");
        assert_eq!(s.credit_class(&code[1]).await.unwrap().unwrap().class, "D");
        assert!(matches!(s.measures_in_force("91120104MA05XXXXXX", d(2026, 7, 1)).await, Err(StoreError::NotFound(_))));
        s.list_entry_exit(&a, e.id, "名单有效期内完成信用修复", d(2026, 11, 1)).await.unwrap();
        assert!(s.measures_in_force(&code[1], d(2026, 11, 2)).await.unwrap().measures.is_empty());
        assert_ne!(s.credit_class(&code[1]).await.unwrap().unwrap().class, "D");
        assert!(matches!(s.list_entry_exit(&a, e.id, "again", d(2026, 11, 2)).await, Err(StoreError::Conflict(_))));
        assert!(audited(s, "credit.list.").await >= 2);
    }
}

#[tokio::test]
async fn repair_passes_three_levels_and_leaves_the_public_record() {
    for t in testing::all().await {
        let s = &t.store;
        let (scj, fgw, code) = setup(s, 1).await;
        let a = staff(scj, "enf1");
        let ev = s
            .credit_event_add(
                &a,
                &NewCreditEvent {
                    source_department_id: Some(scj),
                    severity: Severity::Minor,
                    public_until: Some(d(2027, 3, 1)),
                    ..penalty(&code[0], "20")
                },
            )
            .await
            .unwrap();
        let today = d(2026, 7, 1);
        let p = s.credit_public(&code[0], today).await.unwrap().unwrap();
        assert!(p.events.iter().any(|e| e.id == ev.id));

        let input = RepairInput {
            event_id: ev.id,
            applicant: "甲公司".into(),
            reason: "已全额缴纳罚款并完成整改".into(),
            evidence: "缴款凭证;整改报告".into(),
        };
        let early = s.repair_apply(&a, &input, d(2026, 4, 1)).await.unwrap_err();
        assert!(early.to_string().contains("2026-06-02"), "{early}");
        let r = s.repair_apply(&a, &input, today).await.unwrap();
        assert_eq!(r.status, "pending_first");
        assert!(r.stage_due_on.unwrap() > today);
        assert!(matches!(s.repair_apply(&a, &input, today).await, Err(StoreError::Conflict(_))));

        let (r1, r2, r3) = (staff(fgw, "rev1"), staff(fgw, "rev2"), staff(fgw, "rev3"));
        assert!(matches!(
            s.repair_review(&r1, r.id, Stage::Second, Decision::Pass, "同意", today).await,
            Err(StoreError::Conflict(_))
        ));
        s.repair_review(&r1, r.id, Stage::First, Decision::Pass, "材料齐全", today).await.unwrap();
        let same = s.repair_review(&r1, r.id, Stage::Second, Decision::Pass, "同意", today).await.unwrap_err();
        assert!(same.to_string().contains("初审"), "{same}");
        let back = s.repair_review(&r2, r.id, Stage::Second, Decision::Return, "请补充整改照片", today).await.unwrap();
        assert_eq!(back.status, "returned_second");
        s.repair_resubmit(&a, r.id, "整改照片5张", today).await.unwrap();
        s.repair_review(&r2, r.id, Stage::Second, Decision::Pass, "同意", today).await.unwrap();
        let done = s.repair_review(&r3, r.id, Stage::Final, Decision::Pass, "同意修复", today).await.unwrap();
        assert_eq!(done.status, "approved");
        let (_, reviews) = s.repair_get(r.id).await.unwrap();
        assert_eq!(reviews.len(), 5);

        let evs = s.credit_events(&code[0]).await.unwrap();
        assert!(evs.iter().find(|e| e.id == ev.id).unwrap().withdrawn_at.is_some());
        assert!(evs.iter().any(|e| e.kind == "repair"));
        let p = s.credit_public(&code[0], today).await.unwrap().unwrap();
        assert!(!p.events.iter().any(|e| e.id == ev.id), "the penalty left the public record");
        assert!(s.credit_class(&code[0]).await.unwrap().unwrap().reasons.is_empty());
        assert!(audited(s, "credit.repair.review").await == 4);

        let tr = s
            .credit_training_create(
                &r1,
                fgw,
                &CreditTrainingInput {
                    title: "信用修复专题培训".into(),
                    held_on: d(2026, 6, 20),
                    location: "区政务服务中心".into(),
                    attendees: vec![(code[0].clone(), "李四".into())],
                },
            )
            .await
            .unwrap();
        assert_eq!(tr.attendees.len(), 1);
    }
}

#[tokio::test]
async fn objections_mark_the_field_and_keep_old_and_new() {
    for t in testing::all().await {
        let s = &t.store;
        let (scj, _, code) = setup(s, 1).await;
        let a = staff(scj, "enf1");
        let ev = s
            .credit_event_add(&a, &NewCreditEvent { source_department_id: Some(scj), ..penalty(&code[0], "30") })
            .await
            .unwrap();
        let input = ObjectionInput {
            event_id: ev.id,
            field: "nonexistent".into(),
            applicant: "甲公司".into(),
            reason: "罚款金额有误".into(),
        };
        assert!(matches!(s.objection_file(&a, &input).await, Err(StoreError::Invalid(_))));
        let o = s.objection_file(&a, &ObjectionInput { field: "title".into(), ..input.clone() }).await.unwrap();
        assert_eq!(o.old_value, "警告并处罚款 5000 元");
        assert!(matches!(
            s.objection_file(&a, &ObjectionInput { field: "title".into(), ..input.clone() }).await,
            Err(StoreError::Conflict(_))
        ));
        let p = s.credit_public(&code[0], d(2026, 4, 1)).await.unwrap().unwrap();
        let pe = p.events.iter().find(|e| e.id == ev.id).unwrap();
        assert_eq!(pe.title, "异议处理中");
        assert_eq!(pe.occurred_on, "2026-03-02");

        assert!(matches!(s.objection_resolve(&a, o.id, true, None, "核实").await, Err(StoreError::Invalid(_))));
        let o =
            s.objection_resolve(&a, o.id, true, Some("警告并处罚款 3000 元"), "经核实原记录金额有误").await.unwrap();
        assert_eq!(o.status, "corrected");
        assert_eq!(o.old_value, "警告并处罚款 5000 元");
        assert_eq!(o.new_value.as_deref(), Some("警告并处罚款 3000 元"));
        assert!(matches!(s.objection_resolve(&a, o.id, false, None, "x").await, Err(StoreError::Conflict(_))));
        let p = s.credit_public(&code[0], d(2026, 4, 1)).await.unwrap().unwrap();
        assert_eq!(p.events.iter().find(|e| e.id == ev.id).unwrap().title, "警告并处罚款 3000 元");
        assert!(
            s.credit_public(&code[0], d(2026, 7, 1)).await.unwrap().unwrap().events.iter().all(|e| e.id != ev.id),
            "outside the publication period"
        );
        assert!(s.credit_public("91120104MA05XXXXXX", d(2026, 4, 1)).await.unwrap().is_none());
        assert_eq!(s.credit_search("测试公司").await.unwrap().len(), 1);
        assert_eq!(s.credit_search(&code[0].to_lowercase()).await.unwrap().len(), 1);
        assert_eq!(audited(s, "credit.objection.").await, 2);
    }
}
