//! Self-declaration, annual-report, application-code and safety-report store tests, each
//! on SQLite and PostgreSQL.

mod support;

use jianguan_domain::declaration::{code_hash, CodePurpose, DeclarationInput, DeclarationKind};
use jianguan_domain::publicity::parse_query;
use jianguan_domain::safety::{RiskLevel, WarningLevel};
use jianguan_store::declaration::*;
use jianguan_store::safety::*;
use jianguan_store::testing;
use jianguan_store::*;
use support::*;

fn standard() -> DeclarationInput {
    DeclarationInput {
        kind: DeclarationKind::Standard,
        subject: "速冻水饺".into(),
        standard_no: "Q/NKSP 0001S-2025".into(),
        title: "速冻水饺企业标准".into(),
        content: "菌落总数 ≤ 10000 CFU/g".into(),
    }
}

fn code_use(uscc: &str, code: &str, purpose: CodePurpose) -> CodeUse {
    CodeUse { purpose, uscc: uscc.into(), code_hash: code_hash(purpose, uscc, code), ip: "10.0.0.9".into() }
}

async fn issue(
    s: &DynStore,
    a: &Actor,
    uscc: &str,
    code: &str,
    purpose: CodePurpose,
    dept: i64,
    valid: bool,
) -> AccessCode {
    let expires = if valid { now() + chrono::Duration::days(30) } else { now() - chrono::Duration::days(1) };
    s.access_code_issue(
        a,
        &NewAccessCode {
            purpose,
            uscc: uscc.into(),
            department_id: dept,
            code_hash: code_hash(purpose, uscc, code),
            expires_at: expires,
        },
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn codes_are_one_time_bound_and_failures_counted() {
    for t in testing::all().await {
        let s = &t.store;
        s.seed_organisation(&Actor::system()).await.unwrap();
        let c = codes(3);
        entities(
            s,
            vec![
                record(&c[0], "南开速冻食品有限公司", Some(d(2020, 1, 1)), "存续"),
                record(&c[1], "乙公司", None, "在业"),
            ],
        )
        .await;
        let scjgj = dept(s, "scjgj").await;
        let a = staff(scjgj, "scjgj_staff");
        // Only registered entities get codes.
        let e = s
            .access_code_issue(
                &a,
                &NewAccessCode {
                    purpose: CodePurpose::Declaration,
                    uscc: c[2].clone(),
                    department_id: scjgj,
                    code_hash: "0".repeat(64),
                    expires_at: now(),
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::NotFound(_)), "{}", t.name);
        issue(s, &a, &c[0], "ABCDEFGHJKMNP", CodePurpose::Declaration, scjgj, true).await;
        issue(s, &a, &c[1], "QRSTUVWXYZ234", CodePurpose::Declaration, scjgj, false).await;

        let public = Actor::public();
        // Wrong entity for the code, wrong purpose, expired: all the same answer, all counted.
        for (uscc, code, purpose) in [
            (&c[1], "ABCDEFGHJKMNP", CodePurpose::Declaration),
            (&c[0], "ABCDEFGHJKMNP", CodePurpose::SafetyReport),
            (&c[1], "QRSTUVWXYZ234", CodePurpose::Declaration),
            (&c[2], "ABCDEFGHJKMNP", CodePurpose::Declaration),
        ] {
            let e = s
                .declaration_submit(&public, uscc, &standard(), None, &Via::Code(code_use(uscc, code, purpose)))
                .await
                .unwrap_err();
            assert_eq!(e.to_string(), BAD_CODE, "{}", t.name);
        }
        let since = now() - chrono::Duration::minutes(15);
        assert_eq!(s.code_failures("10.0.0.9", &c[1], since).await.unwrap(), (4, 2));
        assert_eq!(audited(s, "public.code_rejected").await, 4);
        assert!(
            s.declarations(&DeclarationFilter::default()).await.unwrap().is_empty(),
            "{}: nothing half-saved",
            t.name
        );

        // Invalid content with a good code: refused and the code stays usable.
        let bad = DeclarationInput { content: String::new(), ..standard() };
        let good = Via::Code(code_use(&c[0], "abcd-efgh-jkmn-p", CodePurpose::Declaration));
        assert!(s.declaration_submit(&public, &c[0], &bad, None, &good).await.is_err());
        let decl = s.declaration_submit(&public, &c[0], &standard(), None, &good).await.unwrap();
        assert_eq!(
            (decl.via.as_str(), decl.department_id, decl.entity_name.as_str()),
            ("code", scjgj, "南开速冻食品有限公司")
        );
        // One-time.
        assert_eq!(
            s.declaration_submit(&public, &c[0], &standard(), None, &good).await.unwrap_err().to_string(),
            BAD_CODE
        );
        let used = s.access_codes(scjgj, 10).await.unwrap().into_iter().find(|x| x.uscc == c[0]).unwrap();
        assert_eq!(used.used_for, format!("declaration:{}", decl.id));

        // Staff enter on the entity's behalf.
        let svc = DeclarationInput {
            kind: DeclarationKind::ServiceCommitment,
            standard_no: String::new(),
            title: "售后服务承诺".into(),
            ..standard()
        };
        let by_staff = s.declaration_submit(&a, &c[1], &svc, None, &Via::Staff { department_id: scjgj }).await.unwrap();
        assert_eq!(by_staff.via, "staff");
        assert_eq!(
            s.declarations(&DeclarationFilter { q: Some("速冻".into()), published_only: true, ..Default::default() })
                .await
                .unwrap()
                .len(),
            2
        );
        // Published declarations are found by the public search (two-character query);
        // a withdrawn one is not.
        let found = |q: &'static str| async move {
            s.search(&parse_query(q).unwrap(), 10, 0).await.unwrap().hits.into_iter().map(|r| r.url).collect::<Vec<_>>()
        };
        assert!(found("水饺").await.contains(&format!("/public/declarations/{}", decl.id)));
        assert!(found("售后").await.contains(&format!("/public/declarations/{}", by_staff.id)));
        s.declaration_withdraw(&a, by_staff.id, "企业申请撤回").await.unwrap();
        assert_eq!(
            s.declarations(&DeclarationFilter { published_only: true, ..Default::default() }).await.unwrap().len(),
            1
        );
        assert!(found("售后").await.is_empty(), "withdrawn declarations leave the search index");
        assert!(s.verify_audit().await.unwrap().is_ok());
    }
}

#[tokio::test]
async fn annual_reports_and_the_overdue_list() {
    for t in testing::all().await {
        let s = &t.store;
        s.seed_organisation(&Actor::system()).await.unwrap();
        let c = codes(4);
        entities(
            s,
            vec![
                record(&c[0], "按时公司", Some(d(2019, 1, 1)), "存续"),
                record(&c[1], "逾期公司", Some(d(2019, 1, 1)), "在业"),
                record(&c[2], "新设公司", Some(d(2026, 2, 1)), "存续"),
                record(&c[3], "注销公司", Some(d(2019, 1, 1)), "注销"),
            ],
        )
        .await;
        let a = staff(dept(s, "scjgj").await, "scjgj_staff");
        s.annual_report_record(&a, &c[0], 2025, d(2026, 3, 2), "人工登记").await.unwrap();
        assert!(matches!(
            s.annual_report_record(&a, &c[0], 2025, d(2026, 3, 3), "人工登记").await,
            Err(StoreError::Conflict(_))
        ));
        let (overdue, total) = s.annual_overdue(2025, 100, 0).await.unwrap();
        assert_eq!(total, 1, "{}", t.name);
        assert_eq!(overdue[0].uscc, c[1]);
        // A batch is all or nothing: one unknown entity refuses the whole batch.
        let e = s
            .annual_reports_import(
                &a,
                &[(c[1].clone(), 2025, d(2026, 7, 5)), ("91120104XXXXXXXXXX".into(), 2025, d(2026, 7, 5))],
                "公示系统",
            )
            .await
            .unwrap_err();
        assert!(e.to_string().contains("第 2 条"), "{}: {e}", t.name);
        assert_eq!(s.annual_overdue(2025, 100, 0).await.unwrap().1, 1);
        let n = s
            .annual_reports_import(
                &a,
                &[(c[1].clone(), 2025, d(2026, 7, 5)), (c[0].clone(), 2025, d(2026, 3, 2))],
                "公示系统",
            )
            .await
            .unwrap();
        assert_eq!(n, 1, "{}: an identical row is skipped", t.name);
        let sum = s.annual_summary(2025).await.unwrap();
        assert_eq!((sum.due, sum.on_time, sum.late, sum.missing), (2, 1, 1, 0), "{}", t.name);
        assert_eq!(s.annual_reports_of(&c[1]).await.unwrap()[0].filed_on, d(2026, 7, 5));
    }
}

#[tokio::test]
async fn safety_reports_route_warn_escalate_and_close() {
    for t in testing::all().await {
        let s = &t.store;
        s.seed_organisation(&Actor::system()).await.unwrap();
        let c = codes(1);
        entities(s, vec![record(&c[0], "南开燃气餐饮有限公司", Some(d(2018, 1, 1)), "存续")]).await;
        let (cgw, yjj, scjgj) = (dept(s, "cgw").await, dept(s, "yjj").await, dept(s, "scjgj").await);
        let issuer = staff(cgw, "cgw_staff");
        issue(s, &issuer, &c[0], "ABCDEFGHJKMNP", CodePurpose::SafetyReport, cgw, true).await;
        let contact = SealedContact {
            name_sealed: "v1:aa".into(),
            name_masked: "王*".into(),
            phone_sealed: "v1:bb".into(),
            phone_masked: "138****5678".into(),
        };
        let report = NewSafetyReport {
            uscc: c[0].clone(),
            category: "gas".into(),
            level: RiskLevel::Major,
            location: "后厨燃气间".into(),
            description: "燃气管道锈蚀".into(),
            measures: "已关闭总阀".into(),
            contact,
            submitted_on: d(2026, 3, 2),
            routes: vec![(cgw, d(2026, 3, 3)), (yjj, d(2026, 3, 3))],
        };
        let via = Via::Code(code_use(&c[0], "ABCDEFGHJKMNP", CodePurpose::SafetyReport));
        let empty = NewSafetyReport { measures: " ".into(), ..report.clone() };
        assert!(s.safety_submit(&Actor::public(), &empty, &via).await.is_err());
        let r = s.safety_submit(&Actor::public(), &report, &via).await.unwrap();
        assert_eq!(r.routes.len(), 2);
        assert_eq!(r.warnings.len(), 1);
        assert_eq!(r.warnings[0].level, WarningLevel::Red);
        assert_eq!(
            s.safety_submit(&Actor::public(), &report, &via).await.unwrap_err().to_string(),
            BAD_CODE,
            "one-time"
        );
        // The audit trail never carries the contact in any form.
        let trail = s
            .audit_search(&AuditFilter { action: Some("safety.".into()), limit: 100, ..Default::default() })
            .await
            .unwrap();
        assert!(trail.iter().all(|e| !e.detail.contains("138") && !e.detail.contains("v1:")), "{}", t.name);

        // Routed departments see it; another does not.
        assert_eq!(
            s.safety_reports(&SafetyFilter { department_id: Some(yjj), ..Default::default() }).await.unwrap().len(),
            1
        );
        assert!(s
            .safety_reports(&SafetyFilter { department_id: Some(scjgj), ..Default::default() })
            .await
            .unwrap()
            .is_empty());
        assert!(matches!(
            s.safety_acknowledge(&staff(scjgj, "x"), r.id, scjgj, "签收").await,
            Err(StoreError::NotFound(_))
        ));

        // Past the deadline: one yellow warning per overdue route, once.
        let overdue = s.safety_overdue_acks(d(2026, 3, 4)).await.unwrap();
        assert_eq!(overdue.len(), 2);
        assert_eq!(s.safety_escalate(&Actor::system(), d(2026, 3, 4)).await.unwrap().len(), 2);
        assert!(s.safety_escalate(&Actor::system(), d(2026, 3, 4)).await.unwrap().is_empty());
        assert_eq!(s.safety_warnings(Some(cgw), true).await.unwrap().len(), 2, "{}: red (shared) + own yellow", t.name);

        assert!(
            matches!(s.safety_close(&issuer, r.id, cgw, "已更换管道").await, Err(StoreError::Conflict(_))),
            "sign first"
        );
        let acked = s.safety_acknowledge(&issuer, r.id, cgw, "已派员现场核查").await.unwrap();
        assert_eq!(acked.status, "open", "{}: one department still to sign", t.name);
        assert!(matches!(s.safety_acknowledge(&issuer, r.id, cgw, "again").await, Err(StoreError::Conflict(_))));
        let all = s.safety_acknowledge(&staff(yjj, "yjj_staff"), r.id, yjj, "督促整改").await.unwrap();
        assert_eq!(all.status, "acknowledged");
        let closed = s.safety_close(&issuer, r.id, cgw, "管道已更换,复查合格").await.unwrap();
        assert_eq!(closed.status, "closed");
        assert!(s.safety_warnings(None, true).await.unwrap().is_empty(), "{}: closing settles every warning", t.name);

        // Obligations and their cycle.
        assert!(s.safety_obligation_set(&issuer, &c[0], cgw, 3, d(2026, 1, 1), "").await.is_err());
        let o = s.safety_obligation_set(&issuer, &c[0], cgw, 90, d(2026, 1, 1), "燃气用户季度报告").await.unwrap();
        assert_eq!(o.last_report_on, Some(d(2026, 3, 2)));
        assert!(matches!(s.safety_obligation_end(&staff(yjj, "y"), o.id, yjj).await, Err(StoreError::NotFound(_))));
        assert!(!s.safety_obligation_end(&issuer, o.id, cgw).await.unwrap().active);
        assert!(s.verify_audit().await.unwrap().is_ok());
    }
}
