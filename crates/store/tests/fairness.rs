//! Fair-competition review store tests, each on SQLite and PostgreSQL.

mod support;

use jianguan_domain::fairness::*;
use jianguan_store::fairness::*;
use jianguan_store::testing;
use jianguan_store::*;
use std::collections::BTreeMap;
use support::*;

fn review(version: &str, violate: Option<&str>, conclusion: Conclusion) -> ReviewInput {
    let list = checklist(version).unwrap();
    let mut findings = BTreeMap::new();
    for (_, s) in list.standards() {
        findings.insert(s.code.clone(), Finding::NotInvolved);
    }
    let mut notes = BTreeMap::new();
    if let Some(code) = violate {
        findings.insert(code.into(), Finding::Violates);
        notes.insert(code.into(), "第七条限定本地供应商".into());
    }
    ReviewInput {
        version: version.into(),
        findings,
        notes,
        conclusion,
        exception: None,
        reasoning: if violate.is_some() { "删除第七条后出台".into() } else { String::new() },
        term: String::new(),
    }
}

fn draft(dept: i64, kind: DraftKind) -> NewDraft {
    NewDraft {
        department_id: dept,
        standards_version: "2024".into(),
        title: "南开区促进商贸流通业发展的若干措施(征求意见稿)".into(),
        kind,
        summary: "对新设立的商贸企业给予房租补贴".into(),
        attachment: Some(NewFile {
            name: "C:\\草稿\\措施.pdf".into(),
            media_type: "application/pdf".into(),
            content: b"%PDF-1.7 draft".to_vec(),
        }),
    }
}

#[tokio::test]
async fn a_normative_document_concludes_on_self_review() {
    for t in testing::all().await {
        let s = &t.store;
        s.seed_organisation(&Actor::system()).await.unwrap();
        let swuj = dept(s, "swuj").await;
        let a = staff(swuj, "swuj_staff");
        let d = s.fc_draft_create(&a, &draft(swuj, DraftKind::Normative)).await.unwrap();
        assert_eq!(d.status, DraftStatus::Registered);
        assert_eq!(d.attachment.as_ref().unwrap().name, "措施.pdf", "{}: the path is dropped", t.name);
        let file = s.doc_file(&d.attachment.as_ref().unwrap().sha256).await.unwrap().unwrap();
        assert_eq!(file.content, b"%PDF-1.7 draft");

        // An incomplete checklist is refused and changes nothing.
        let mut bad = review("2024", None, Conclusion::MayIssue);
        bad.findings.remove("B3");
        let e = s.fc_review(&a, d.id, &bad, d.version).await.unwrap_err();
        assert!(e.to_string().contains("B3"), "{}: {e}", t.name);
        assert_eq!(s.fc_draft_get(d.id).await.unwrap().version, d.version);
        // A stale version is a conflict.
        let e = s.fc_review(&a, d.id, &review("2024", None, Conclusion::MayIssue), d.version + 5).await.unwrap_err();
        assert!(matches!(e, StoreError::Conflict(_)), "{}", t.name);
        // The other version's checklist does not fit this draft.
        let e = s.fc_review(&a, d.id, &review("2021", None, Conclusion::MayIssue), d.version).await.unwrap_err();
        assert!(e.to_string().contains("2024"), "{}: {e}", t.name);

        let done =
            s.fc_review(&a, d.id, &review("2024", Some("A3"), Conclusion::AdjustThenIssue), d.version).await.unwrap();
        assert_eq!(done.status, DraftStatus::Concluded);
        assert_eq!(done.final_conclusion, Some(Conclusion::AdjustThenIssue));
        assert_eq!(done.findings.len(), 19);
        assert_eq!(done.findings.iter().find(|f| f.code == "A3").unwrap().finding, Finding::Violates);
        // Concluded: no further review, no new file.
        assert!(matches!(
            s.fc_review(&a, d.id, &review("2024", None, Conclusion::MayIssue), done.version).await,
            Err(StoreError::Conflict(_))
        ));
        let f = NewFile { name: "v2.pdf".into(), media_type: "application/pdf".into(), content: b"%PDF-2".to_vec() };
        assert!(matches!(s.fc_set_attachment(&a, d.id, &f).await, Err(StoreError::Conflict(_))));

        // Outcome: issued with its number.
        assert!(s.fc_record_outcome(&a, d.id, Outcome::Issued, "", None).await.is_err());
        let out = s
            .fc_record_outcome(&a, d.id, Outcome::Issued, "南开商务发〔2026〕3号", Some(support::d(2026, 3, 1)))
            .await
            .unwrap();
        assert_eq!(out.outcome, Some(Outcome::Issued));
        let events: Vec<String> = s.fc_events(d.id).await.unwrap().into_iter().map(|e| e.action).collect();
        assert_eq!(events, vec!["register", "review", "outcome"]);
        assert_eq!(audited(s, "fairness.").await, 3);
        assert!(s.verify_audit().await.unwrap().is_ok());
    }
}

#[tokio::test]
async fn a_major_measure_goes_through_joint_review() {
    for t in testing::all().await {
        let s = &t.store;
        s.seed_organisation(&Actor::system()).await.unwrap();
        let fgw = dept(s, "fgw").await;
        let scjgj = dept(s, "scjgj").await;
        let drafter = staff(fgw, "fgw_staff");
        let bureau = staff(scjgj, "scjgj_staff");
        let d = s.fc_draft_create(&drafter, &draft(fgw, DraftKind::GovernmentMajor)).await.unwrap();
        // No joint review before the self-review.
        assert!(matches!(s.fc_request_joint(&drafter, d.id, "").await, Err(StoreError::Conflict(_))));
        let r = s.fc_review(&drafter, d.id, &review("2024", None, Conclusion::MayIssue), d.version).await.unwrap();
        assert_eq!(r.status, DraftStatus::SelfReviewed, "{}: a major measure is not concluded alone", t.name);
        assert_eq!(r.final_conclusion, None);
        assert!(s.fc_joint_opinion(&bureau, d.id, JointResult::Agree, "同意").await.is_err(), "nothing pending");
        let p = s.fc_request_joint(&drafter, d.id, "请区市场监管局会审").await.unwrap();
        assert_eq!(p.status, DraftStatus::JointPending);
        // Empty opinion refused, nothing written.
        assert!(s.fc_joint_opinion(&bureau, d.id, JointResult::Disagree, "  ").await.is_err());
        let back =
            s.fc_joint_opinion(&bureau, d.id, JointResult::Disagree, "第三条对外地企业设置歧视性条件").await.unwrap();
        assert_eq!(back.status, DraftStatus::Returned);
        assert_eq!(back.joint_reviews.len(), 1);
        // Revised and reviewed again, then agreed with changes.
        let r2 = s
            .fc_review(&drafter, d.id, &review("2024", Some("B2"), Conclusion::AdjustThenIssue), back.version)
            .await
            .unwrap();
        assert_eq!(r2.status, DraftStatus::SelfReviewed);
        s.fc_request_joint(&drafter, d.id, "已修改第三条").await.unwrap();
        let fin =
            s.fc_joint_opinion(&bureau, d.id, JointResult::AgreeWithChanges, "删除第五条第二款后出台").await.unwrap();
        assert_eq!(fin.status, DraftStatus::Concluded);
        assert_eq!(fin.final_conclusion, Some(Conclusion::AdjustThenIssue));
        assert_eq!(fin.joint_reviews.len(), 2);
        assert_eq!(fin.joint_reviews[1].result, Some(JointResult::AgreeWithChanges));
        let listed = s.fc_drafts(&DraftFilter { department_id: Some(fgw), ..Default::default() }).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert!(s
            .fc_drafts(&DraftFilter { department_id: Some(scjgj), ..Default::default() })
            .await
            .unwrap()
            .is_empty());
        let today = chrono::Utc::now().date_naive();
        let report = s.fc_report(today - chrono::Duration::days(1), today + chrono::Duration::days(1)).await.unwrap();
        let row = report.iter().find(|r| r.department_id == fgw).unwrap();
        assert_eq!((row.registered, row.concluded, row.adjust, row.joint_reviews), (1, 1, 1, 2), "{}", t.name);
    }
}

#[tokio::test]
async fn cleanups_record_documents_until_submitted() {
    for t in testing::all().await {
        let s = &t.store;
        s.seed_organisation(&Actor::system()).await.unwrap();
        let scjgj = dept(s, "scjgj").await;
        let jyj = dept(s, "jyj").await;
        let wjw = dept(s, "wjw").await;
        let bureau = staff(scjgj, "scjgj_staff");
        assert!(s.fc_cleanup_create(&bureau, "清理", "规范性文件", d(2021, 12, 31), &[]).await.is_err());
        let c = s
            .fc_cleanup_create(
                &bureau,
                "存量规章和规范性文件清理",
                "2021年底前现行有效的规范性文件",
                d(2021, 12, 31),
                &[jyj, wjw, jyj],
            )
            .await
            .unwrap();
        assert_eq!(c.targets.len(), 2);
        let a = staff(jyj, "jyj_staff");
        let doc = NewCleanupDoc {
            title: "南开区校外培训机构管理办法".into(),
            doc_no: "南开教发〔2019〕5号".into(),
            issued_on: Some(d(2019, 4, 1)),
            result: CleanupResult::Repeal,
            reason: "".into(),
        };
        assert!(s.fc_cleanup_record(&a, c.id, jyj, &doc).await.unwrap_err().to_string().contains("清理理由"));
        let doc = NewCleanupDoc { reason: "限定培训机构从指定供应商采购教材".into(), ..doc };
        s.fc_cleanup_record(&a, c.id, jyj, &doc).await.unwrap();
        assert!(matches!(s.fc_cleanup_record(&a, c.id, jyj, &doc).await, Err(StoreError::Conflict(_))), "duplicate");
        let other = staff(dept(s, "swuj").await, "x");
        assert!(matches!(
            s.fc_cleanup_record(&other, c.id, dept(s, "swuj").await, &doc).await,
            Err(StoreError::NotFound(_))
        ));
        assert!(s.fc_public_results().await.unwrap().is_empty(), "{}: not public before submission", t.name);
        let sub = s.fc_cleanup_submit(&a, c.id, jyj, "共清理文件1件,废止1件").await.unwrap();
        assert!(sub.targets.iter().find(|t| t.department_id == jyj).unwrap().submitted_at.is_some());
        assert!(matches!(s.fc_cleanup_submit(&a, c.id, jyj, "again").await, Err(StoreError::Conflict(_))));
        assert!(matches!(
            s.fc_cleanup_record(&a, c.id, jyj, &NewCleanupDoc { title: "另一件".into(), ..doc.clone() }).await,
            Err(StoreError::Conflict(_))
        ));
        let public = s.fc_public_results().await.unwrap();
        assert_eq!(public.len(), 1);
        assert_eq!(public[0].result, CleanupResult::Repeal);
        assert_eq!(s.fc_cleanups().await.unwrap().len(), 1);
        assert!(s.verify_audit().await.unwrap().is_ok());
    }
}
