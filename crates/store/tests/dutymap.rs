//! Supervision catalogue, duty map and implementation-list store tests, each on SQLite
//! and PostgreSQL.

mod support;

use jianguan_domain::catalog::{CatalogueInput, ImplementationInput, Reconfirmation};
use jianguan_domain::dutymap::{DutyRole, IssueAction, IssueKind, IssueStatus};
use jianguan_store::catalog::*;
use jianguan_store::dutymap::*;
use jianguan_store::fairness::NewFile;
use jianguan_store::testing;
use jianguan_store::*;
use support::*;

fn item(code: &str, name: &str) -> CatalogueInput {
    CatalogueInput {
        code: code.into(),
        name: name.into(),
        sub_name: String::new(),
        basis: "《中华人民共和国食品安全法》".into(),
        sector: "食品安全".into(),
        active: true,
    }
}

fn lead(d: i64) -> AssignmentInput {
    AssignmentInput { department_id: d, role: DutyRole::Lead, basis: "三定规定".into() }
}

fn coop(d: i64) -> AssignmentInput {
    AssignmentInput { department_id: d, role: DutyRole::Cooperating, basis: String::new() }
}

#[tokio::test]
async fn gaps_overlaps_and_disputes_are_resolved_by_the_staffing_office() {
    for t in testing::all().await {
        let s = &t.store;
        s.seed_organisation(&Actor::system()).await.unwrap();
        let (scjgj, wjw, bb, swuj) =
            (dept(s, "scjgj").await, dept(s, "wjw").await, dept(s, "bb").await, dept(s, "swuj").await);
        let wx = staff(dept(s, "wxb").await, "wxb_staff");
        let bianban = staff(bb, "bb_staff");
        let gap = s.sup_item_create(&wx, &item("11120104001000", "对食品经营者的监督检查")).await.unwrap();
        let overlap = s.sup_item_create(&wx, &item("11120104002000", "对餐饮服务单位的卫生监督检查")).await.unwrap();
        let fine = s.sup_item_create(&wx, &item("11120104003000", "对商贸企业的安全生产检查")).await.unwrap();
        assert!(matches!(s.sup_item_create(&wx, &item("11120104001000", "重复")).await, Err(StoreError::Conflict(_))));
        assert!(s.sup_item_create(&wx, &item("1112", "短")).await.unwrap_err().to_string().contains("14位"));
        // The map records what stands, overlaps included; one role per department.
        assert!(s.duty_set(&bianban, overlap.id, &[lead(wjw), coop(wjw)], "重复").await.is_err());
        s.duty_set(&bianban, overlap.id, &[lead(scjgj), lead(wjw)], "按各自三定规定").await.unwrap();
        s.duty_set(&bianban, fine.id, &[lead(swuj), coop(scjgj)], "按三定规定").await.unwrap();

        let scan = s.duty_scan(&Actor::system()).await.unwrap();
        assert_eq!((scan.gaps, scan.overlaps), (1, 1), "{}", t.name);
        assert_eq!(scan.opened.len(), 2);
        assert!(scan.opened.iter().all(|i| i.raised_by_department_id.is_none()));
        let ov = scan.opened.iter().find(|i| i.kind == IssueKind::Overlap).unwrap();
        assert_eq!(ov.item_id, overlap.id);
        let mut both = vec![scjgj, wjw];
        both.sort();
        assert_eq!(ov.departments, both);
        let again = s.duty_scan(&Actor::system()).await.unwrap();
        assert!(again.opened.is_empty(), "{}: the scan is idempotent", t.name);

        // A department raises a dispute on the gap item.
        let a = staff(scjgj, "scjgj_staff");
        let dispute = s
            .duty_issue_raise(
                &a,
                &NewIssue {
                    item_id: gap.id,
                    kind: IssueKind::Dispute,
                    department_id: scjgj,
                    departments: vec![wjw],
                    description: "餐饮环节应由卫健委负责".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(dispute.departments, vec![scjgj, wjw]);
        assert!(matches!(
            s.duty_issue_raise(
                &a,
                &NewIssue {
                    item_id: gap.id,
                    kind: IssueKind::Dispute,
                    department_id: scjgj,
                    departments: vec![],
                    description: "再提".into()
                }
            )
            .await,
            Err(StoreError::Conflict(_))
        ));
        let mine = s.duty_issues(&IssueFilter { department_id: Some(wjw), ..Default::default() }).await.unwrap();
        let kinds: Vec<IssueKind> = mine.iter().map(|i| i.kind).collect();
        assert_eq!(
            kinds,
            vec![IssueKind::Dispute, IssueKind::Overlap],
            "{}: the department concerned sees both",
            t.name
        );
        assert!(s
            .duty_issues(&IssueFilter { department_id: Some(swuj), ..Default::default() })
            .await
            .unwrap()
            .is_empty());

        // The flow: accept, then resolve with one lead; the item's detected gap is settled too.
        let acc = s.duty_issue_act(&bianban, dispute.id, IssueAction::Accept, "", &[]).await.unwrap();
        assert_eq!(acc.status, IssueStatus::Accepted);
        assert!(s.duty_issue_act(&bianban, dispute.id, IssueAction::Accept, "", &[]).await.is_err());
        let bad = s.duty_issue_act(&bianban, dispute.id, IssueAction::Resolve, "界定", &[coop(wjw)]).await.unwrap_err();
        assert!(bad.to_string().contains("主责"), "{}: {bad}", t.name);
        assert_eq!(s.sup_item_get(gap.id).await.unwrap().assignments.len(), 0, "nothing half-written");
        let res = s
            .duty_issue_act(
                &bianban,
                dispute.id,
                IssueAction::Resolve,
                "生产流通环节由市场监管局主责,卫健委配合",
                &[lead(scjgj), coop(wjw)],
            )
            .await
            .unwrap();
        assert_eq!(res.status, IssueStatus::Resolved);
        let g = s.sup_item_get(gap.id).await.unwrap();
        assert_eq!(
            g.assignments.iter().map(|a| (a.department_id, a.role)).collect::<Vec<_>>(),
            vec![(scjgj, DutyRole::Lead), (wjw, DutyRole::Cooperating)]
        );
        let open =
            s.duty_issues(&IssueFilter { item_id: Some(gap.id), open_only: true, ..Default::default() }).await.unwrap();
        assert!(open.is_empty(), "{}: the detected gap was settled with the dispute", t.name);
        let hist = s.duty_history(gap.id).await.unwrap();
        assert_eq!(hist.len(), 1);
        assert_eq!(hist[0].issue_id, Some(dispute.id));
        assert_eq!(hist[0].before, "[]");
        let events: Vec<String> =
            s.duty_issue_events(dispute.id).await.unwrap().into_iter().map(|e| e.action).collect();
        assert_eq!(events, vec!["raise", "accept", "resolve"]);
        // Rejecting the overlap needs a reason.
        let other = s
            .duty_issues(&IssueFilter { item_id: Some(overlap.id), open_only: true, ..Default::default() })
            .await
            .unwrap();
        assert!(s.duty_issue_act(&bianban, other[0].id, IssueAction::Reject, " ", &[]).await.is_err());
        s.duty_issue_act(&bianban, other[0].id, IssueAction::Reject, "该事项已划转市级实施", &[]).await.unwrap();
        let items = s.sup_items(&SupItemFilter { department_id: Some(scjgj), ..Default::default() }).await.unwrap();
        assert_eq!(items.iter().map(|i| i.id).collect::<Vec<_>>(), vec![gap.id, overlap.id, fine.id]);
        assert!(s.verify_audit().await.unwrap().is_ok());
    }
}

#[tokio::test]
async fn claims_implementation_lists_and_rules() {
    for t in testing::all().await {
        let s = &t.store;
        s.seed_organisation(&Actor::system()).await.unwrap();
        let (scjgj, wjw, wxb) = (dept(s, "scjgj").await, dept(s, "wjw").await, dept(s, "wxb").await);
        let wx = staff(wxb, "wxb_staff");
        let a = staff(scjgj, "scjgj_staff");
        let b = staff(wjw, "wjw_staff");
        let i1 = s.sup_item_create(&wx, &item("11120104001000", "对食品经营者的监督检查")).await.unwrap();
        let i2 = s.sup_item_create(&wx, &item("11120104002000", "对公共场所的卫生监督检查")).await.unwrap();
        let c = s.claim(&a, i1.id, scjgj).await.unwrap();
        let dup = s.claim(&a, i1.id, scjgj).await.unwrap_err();
        assert!(
            matches!(dup, StoreError::Conflict(_)) && dup.to_string().contains("不能重复认领"),
            "{}: {dup}",
            t.name
        );
        assert_eq!(
            s.claims(&ClaimFilter { item_id: Some(i1.id), ..Default::default() }).await.unwrap().len(),
            1,
            "nothing half-saved"
        );
        // Another department may claim the same item.
        s.claim(&b, i1.id, wjw).await.unwrap();

        let input = ImplementationInput {
            basis: "《中华人民共和国食品安全法》第一百一十条".into(),
            content: "经营条件保持情况".into(),
            method: "现场检查".into(),
            object: "食品经营者".into(),
            body: "区市场监管局".into(),
            frequency: "每年至少1次".into(),
            handling: String::new(),
        };
        let incomplete = ImplementationInput { method: String::new(), ..input.clone() };
        assert!(s
            .implementation_save(&a, c.id, scjgj, &incomplete, 0)
            .await
            .unwrap_err()
            .to_string()
            .contains("检查方式"));
        // Another department cannot edit this department's list.
        assert!(
            matches!(s.implementation_save(&b, c.id, wjw, &input, 0).await, Err(StoreError::NotFound(_))),
            "{}",
            t.name
        );
        let v1 = s.implementation_save(&a, c.id, scjgj, &input, 0).await.unwrap();
        assert_eq!(v1.implementation.as_ref().unwrap().version, 1);
        assert!(
            matches!(s.implementation_save(&a, c.id, scjgj, &input, 0).await, Err(StoreError::Conflict(_))),
            "stale"
        );
        let v2 = s
            .implementation_save(
                &a,
                c.id,
                scjgj,
                &ImplementationInput { frequency: "每半年1次".into(), ..input.clone() },
                1,
            )
            .await
            .unwrap();
        assert_eq!(v2.implementation.unwrap().version, 2);
        assert_eq!(s.implementation_history(c.id).await.unwrap().len(), 2);

        // Unclaimed items go to 区委网信办.
        let un = s.unclaimed().await.unwrap();
        assert_eq!(un.iter().map(|u| u.item_id).collect::<Vec<_>>(), vec![i2.id]);
        assert!(s.reconfirm(&wx, i2.id, Reconfirmation::Assign, None, "").await.is_err(), "assign needs a department");
        s.reconfirm(&wx, i2.id, Reconfirmation::Assign, Some(wjw), "属卫生监督职责").await.unwrap();
        assert_eq!(s.unclaimed().await.unwrap()[0].latest.as_ref().unwrap().department_id, Some(wjw));
        assert!(matches!(
            s.reconfirm(&wx, i1.id, Reconfirmation::NotDistrict, None, "市级").await,
            Err(StoreError::Conflict(_))
        ));
        s.claim(&b, i2.id, wjw).await.unwrap();
        assert!(s.unclaimed().await.unwrap().is_empty());

        // Rules: versioned, only by a claiming department, never empty.
        let rule = |title: &str, body: &str| NewRule {
            item_id: i1.id,
            department_id: scjgj,
            title: title.into(),
            body: body.into(),
            attachment: None,
            effective_on: d(2026, 1, 1),
            change_note: String::new(),
        };
        assert!(s.rule_publish(&a, &rule("细则", "  ")).await.unwrap_err().to_string().contains("不能为空"));
        let r1 = s.rule_publish(&a, &rule("食品经营监督检查细则", "第一条 …")).await.unwrap();
        let r2 = s
            .rule_publish(
                &a,
                &NewRule {
                    attachment: Some(NewFile {
                        name: "细则.pdf".into(),
                        media_type: "application/pdf".into(),
                        content: b"%PDF-1.4 x".to_vec(),
                    }),
                    change_note: "增加第五条".into(),
                    ..rule("食品经营监督检查细则", "第一条 …\n第五条 …")
                },
            )
            .await
            .unwrap();
        assert_eq!((r1.version, r2.version), (1, 2));
        // The public search finds the newest version only.
        let hits = s.search(&jianguan_domain::publicity::parse_query("细则").unwrap(), 10, 0).await.unwrap().hits;
        let urls: Vec<_> = hits.iter().filter(|h| h.kind == "catalog_rule").map(|h| h.url.clone()).collect();
        assert_eq!(urls, vec![format!("/public/catalog/rules/{}", r2.id)]);
        let mut not_claimed = rule("x", "y");
        not_claimed.item_id = i2.id;
        assert!(s.rule_publish(&a, &not_claimed).await.unwrap_err().to_string().contains("未认领"));
        let current = s.current_rules().await.unwrap();
        assert_eq!(current.len(), 1);
        assert_eq!(current[0].version, 2);
        assert_eq!(s.rules(i1.id).await.unwrap().len(), 2);
        // Withdrawing keeps the history; the department may claim again later.
        assert!(s.claim_withdraw(&a, c.id, scjgj, "").await.is_err());
        s.claim_withdraw(&a, c.id, scjgj, "职责划转").await.unwrap();
        assert!(s.implementation_save(&a, c.id, scjgj, &input, 2).await.is_err());
        s.claim(&a, i1.id, scjgj).await.unwrap();
        assert!(s.verify_audit().await.unwrap().is_ok());
    }
}
