//! Enforcement store tests, on SQLite and PostgreSQL: records and the credit record,
//! benchmarks and out-of-band approval, legal review of major decisions, publicity,
//! graded responses, evidence, accountability steps, refusals that leave nothing behind.

mod support;

use jianguan_domain::enforcement::benchmark::{parse_band, Benchmark, Circumstance, ExemptionKind};
use jianguan_domain::enforcement::response::{Measure, ResponseInput};
use jianguan_domain::enforcement::*;
use jianguan_store::credit::Severity;
use jianguan_store::enforcement::*;
use jianguan_store::testing;
use jianguan_store::*;
use support::*;

fn food() -> Benchmark {
    Benchmark {
        violation_code: "FOOD-001".into(),
        name: "经营超过保质期的食品".into(),
        legal_basis: "《中华人民共和国食品安全法》第一百二十四条".into(),
        bands: vec![
            parse_band("轻微|警告|0|0").unwrap(),
            parse_band("一般|警告,罚款|5000|30000").unwrap(),
            parse_band("较重|罚款,没收违法所得|30000|60000").unwrap(),
            parse_band("严重|罚款,吊销许可证件,没收违法所得|60000|150000").unwrap(),
        ],
    }
}

fn common(action_no: &str) -> CommonFields {
    CommonFields {
        item_code: "SCJG-SP-001".into(),
        action_no: action_no.into(),
        implementing_body: "天津市南开区市场监督管理局".into(),
        subject_name: "某某食品有限公司".into(),
        subject_is_person: false,
        officers: parse_officers("张三 12010400001\n李四 12010400002").unwrap(),
        occurred_on: d(2026, 3, 2),
    }
}

fn penalty_fields(no: &str, fine_yuan: i64) -> PenaltyFields {
    PenaltyFields {
        case_source: "inspection".into(),
        violation_code: "FOOD-001".into(),
        circumstance: Circumstance::General,
        facts: "货架上陈列超过保质期的酸奶 12 盒".into(),
        legal_basis: "《中华人民共和国食品安全法》第一百二十四条第一款第五项".into(),
        kinds: vec![PenaltyKind::Warning, PenaltyKind::Fine],
        fine_fen: fine_yuan * 100,
        confiscated_fen: 0,
        decision_no: no.into(),
        collective_discussion: false,
        hearing_held: false,
        remedy: "none".into(),
    }
}

fn penalty(dept: i64, uscc: &str, no: &str, fine_yuan: i64, reason: &str) -> NewCase {
    NewCase {
        department_id: dept,
        uscc: uscc.into(),
        common: common(&format!("AJ-{no}")),
        detail: CaseDetail::Penalty { fields: penalty_fields(no, fine_yuan), band_reason: reason.into() },
    }
}

fn handler(dept: i64, name: &str, account: i64) -> Actor {
    Actor { name: name.into(), role: "dept_staff".into(), account_id: Some(account), department_id: Some(dept) }
}

const TODAY: fn() -> chrono::NaiveDate = || d(2026, 3, 10);

#[tokio::test]
async fn records_land_in_the_credit_record_and_penalties_follow_their_workflow() {
    for t in testing::all().await {
        let s = &t.store;
        s.seed_organisation(&Actor::system()).await.unwrap();
        let scj = dept(s, "scjgj").await;
        let wjw = dept(s, "wjw").await;
        let code = codes(2);
        entities(s, vec![record(&code[0], "某某食品有限公司", None, "存续"), record(&code[1], "乙公司", None, "存续")])
            .await;
        let a = handler(scj, "handler1", 101);
        let b = handler(scj, "colleague", 102);
        let reviewer = Actor {
            name: "reviewer1".into(),
            role: "legal_reviewer".into(),
            account_id: Some(103),
            department_id: Some(scj),
        };
        let crit = MajorCriteria::default();

        // A penalty before any benchmark exists is refused.
        let e = s
            .enf_case_create(&a, &penalty(scj, &code[0], "津南市监罚〔2026〕1号", 10000, ""), &crit, TODAY())
            .await
            .unwrap_err();
        assert!(e.to_string().contains("没有裁量基准"), "{}: {e}", t.name);
        s.enf_benchmark_set(&a, scj, &food()).await.unwrap();
        // Another department cannot overwrite it.
        assert!(matches!(s.enf_benchmark_set(&handler(wjw, "w", 9), wjw, &food()).await, Err(StoreError::Conflict(_))));

        // An inspection lands in the credit record at once.
        let insp = s
            .enf_case_create(
                &a,
                &NewCase {
                    department_id: scj,
                    uscc: code[0].clone(),
                    common: common("JC-2026-001"),
                    detail: CaseDetail::Inspection(InspectionFields {
                        form: "routine".into(),
                        kind: "onsite".into(),
                        method: "solo".into(),
                        result: "case_opened".into(),
                        result_note: "发现过期食品".into(),
                    }),
                },
                &crit,
                TODAY(),
            )
            .await
            .unwrap();
        assert_eq!(insp.status, "recorded");
        // The same 检查行为编号 twice in a department is refused.
        let dup = NewCase { common: common("JC-2026-001"), ..penalty(scj, &code[0], "X", 10000, "") };
        assert!(matches!(s.enf_case_create(&a, &dup, &crit, TODAY()).await, Err(StoreError::Conflict(_))));

        // Bad input: no legal basis; a fine outside every band; too few officers.
        let mut no_basis = penalty(scj, &code[0], "N1", 10000, "");
        if let CaseDetail::Penalty { fields, .. } = &mut no_basis.detail {
            fields.legal_basis = " ".into();
        }
        assert_eq!(s.enf_case_create(&a, &no_basis, &crit, TODAY()).await.unwrap_err().to_string(), "处罚依据不能为空");
        let e = s
            .enf_case_create(&a, &penalty(scj, &code[0], "N2", 900_000, "情节特别严重"), &crit, TODAY())
            .await
            .unwrap_err();
        assert!(e.to_string().contains("所有裁量档次"), "{e}");
        let mut one = penalty(scj, &code[0], "N3", 10000, "");
        one.common.officers.truncate(1);
        assert!(s.enf_case_create(&a, &one, &crit, TODAY()).await.unwrap_err().to_string().contains("不得少于 2 人"));
        // Out of band without a reason: refused.
        let e = s.enf_case_create(&a, &penalty(scj, &code[0], "N4", 50000, ""), &crit, TODAY()).await.unwrap_err();
        assert!(e.to_string().contains("须填写书面理由"), "{e}");
        assert_eq!(
            s.enf_cases(&CaseFilter { kind: Some(RecordKind::Penalty), ..Default::default() }).await.unwrap().len(),
            0,
            "nothing half-saved"
        );

        // Out of band with a reason: a second approval by someone else.
        let p = s
            .enf_case_create(
                &a,
                &penalty(scj, &code[0], "津南市监罚〔2026〕2号", 50000, "多次违法,社会影响较大"),
                &crit,
                TODAY(),
            )
            .await
            .unwrap();
        assert!(p.out_of_band && p.band_status == "pending" && !p.major);
        assert_eq!(p.decision_blocker(), Some("处罚超出裁量基准幅度,须经承办人以外的人员审批后才能作出决定"));
        let e = s.enf_decide(&a, p.id, scj, TODAY(), d(2026, 3, 19), &PublicationPeriods::default()).await.unwrap_err();
        assert!(matches!(e, StoreError::Conflict(_)));
        assert!(s
            .enf_band_approve(&a, p.id, scj, "同意")
            .await
            .unwrap_err()
            .to_string()
            .contains("承办人不能审批自己的案件"));
        assert!(matches!(
            s.enf_band_approve(&handler(wjw, "w", 9), p.id, wjw, "同意").await,
            Err(StoreError::NotFound(_))
        ));
        let p = s.enf_band_approve(&b, p.id, scj, "理由充分,同意").await.unwrap();
        assert_eq!(p.band_approved_by.as_deref(), Some("colleague"));
        let p = s.enf_decide(&a, p.id, scj, TODAY(), d(2026, 3, 19), &PublicationPeriods::default()).await.unwrap();
        assert_eq!(p.status, "decided");
        assert_eq!(p.public_until, Some(d(2026, 6, 10)), "ordinary: 3 months");

        // The credit record: the inspection (not public) and the penalty (public until the period ends).
        let ev = s.credit_events(&code[0]).await.unwrap();
        assert_eq!(ev.len(), 2, "{}", t.name);
        let pe = ev.iter().find(|e| e.kind == "penalty").unwrap();
        assert!(pe.public && pe.public_until == Some(d(2026, 6, 10)) && pe.severity == Severity::Serious);
        assert!(ev.iter().any(|e| e.kind == "inspection" && !e.public));

        // Publicity: overdue after the due date, then published, then withdrawn (credit withdrawn too).
        assert_eq!(s.enf_publicity_overdue(Some(scj), d(2026, 3, 20)).await.unwrap().len(), 1);
        assert!(s.enf_publicity_overdue(Some(scj), d(2026, 3, 19)).await.unwrap().is_empty());
        let p = s.enf_publish(&a, p.id, scj, d(2026, 3, 12)).await.unwrap();
        assert_eq!(p.status, "published");
        let public = s.enf_public_penalties(None, 10).await.unwrap();
        assert_eq!(public.len(), 1);
        assert_eq!(public[0].decision_no, "津南市监罚〔2026〕2号");
        assert!(matches!(
            s.enf_withdraw(&a, p.id, Some(scj), WithdrawReason::PeriodEnded, TODAY()).await,
            Err(StoreError::Conflict(_))
        ));
        // The published decision is in the public search under its public fields, and
        // leaves it when withdrawn.
        let q = jianguan_domain::publicity::parse_query("处罚决定").unwrap();
        let hits = s.search(&q, 10, 0).await.unwrap().hits;
        assert!(
            hits.iter().any(|h| h.kind == "penalty" && h.url == format!("/public/enforcement?uscc={}", p.uscc)),
            "{hits:?}"
        );
        let w = s.enf_withdraw(&a, p.id, Some(scj), WithdrawReason::Repaired, TODAY()).await.unwrap();
        assert!(s.search(&q, 10, 0).await.unwrap().hits.iter().all(|h| h.kind != "penalty"));
        assert_eq!(w.status, "withdrawn");
        assert!(s.enf_public_penalties(None, 10).await.unwrap().is_empty());
        assert!(s
            .credit_events(&code[0])
            .await
            .unwrap()
            .iter()
            .any(|e| e.kind == "penalty" && e.withdrawn_at.is_some()));

        // A major decision (fine over the threshold, in band for 严重) waits for legal review.
        let mut big = penalty(scj, &code[1], "津南市监罚〔2026〕3号", 120000, "");
        if let CaseDetail::Penalty { fields, .. } = &mut big.detail {
            fields.circumstance = Circumstance::Severe;
            fields.kinds = vec![PenaltyKind::Fine, PenaltyKind::RevokeLicence];
        }
        let m = s.enf_case_create(&a, &big, &crit, TODAY()).await.unwrap();
        assert!(m.major && m.review_status == "pending" && m.grave && !m.out_of_band, "{:?}", m.major_reasons);
        assert_eq!(s.enf_cases(&CaseFilter { review_pending: true, ..Default::default() }).await.unwrap().len(), 1);
        assert!(s
            .enf_decide(&a, m.id, scj, TODAY(), d(2026, 3, 19), &PublicationPeriods::default())
            .await
            .unwrap_err()
            .to_string()
            .contains("法制审核"));
        // The handler cannot review his own case, even holding the reviewer role.
        let own = Actor { role: "legal_reviewer".into(), ..a.clone() };
        assert!(s
            .enf_review(&own, m.id, true, "同意")
            .await
            .unwrap_err()
            .to_string()
            .contains("不能审核自己承办的案件"));
        assert!(s.enf_review(&reviewer, m.id, true, " ").await.is_err(), "an opinion is required");
        let m = s.enf_review(&reviewer, m.id, false, "证据不足,退回补充").await.unwrap();
        assert_eq!(m.review_status, "returned");
        let m = s.enf_review(&reviewer, m.id, true, "事实清楚,证据确凿,同意").await.unwrap();
        assert_eq!(m.reviews.len(), 2);
        let m = s.enf_decide(&a, m.id, scj, TODAY(), d(2026, 3, 19), &PublicationPeriods::default()).await.unwrap();
        assert_eq!(m.public_until, Some(d(2027, 3, 10)), "grave: one year");
        assert!(s.credit_events(&code[1]).await.unwrap().iter().any(|e| e.severity == Severity::Grave));

        // Graded response: revocation linked to the licence; transfer needs authority.
        let m = s
            .enf_response_add(
                &a,
                m.id,
                scj,
                &ResponseInput {
                    measure: Measure::Revoke,
                    decided_on: TODAY(),
                    follow_up_days: None,
                    licence_no: "JY11201040001234".into(),
                    transferred_on: None,
                    receiving_authority: String::new(),
                    note: String::new(),
                },
                None,
            )
            .await
            .unwrap();
        assert_eq!(m.responses[0].licence_no, "JY11201040001234");
        let m = s.enf_response_complete(&a, m.responses[0].id, scj, TODAY()).await.unwrap();
        assert!(m.responses[0].completed_on.is_some());

        // Evidence by hash, with its audit entry; steps for accountability.
        let sha = "a".repeat(64);
        let ev = s
            .enf_evidence_add(
                &a,
                m.id,
                scj,
                &NewEvidence {
                    step: "investigation".into(),
                    file_name: "现场照片.jpg".into(),
                    kind: "jpeg".into(),
                    size: 10,
                    sha256: sha.clone(),
                },
            )
            .await
            .unwrap();
        assert_eq!(s.enf_evidence(ev.id).await.unwrap().sha256, sha);
        assert!(s
            .enf_evidence_add(
                &a,
                m.id,
                scj,
                &NewEvidence {
                    step: "nope".into(),
                    file_name: "x.pdf".into(),
                    kind: "pdf".into(),
                    size: 1,
                    sha256: sha.clone()
                }
            )
            .await
            .is_err());
        let hits = s
            .audit_search(&AuditFilter {
                action: Some("enforcement.evidence.add".into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(hits[0].detail.to_string().contains(&sha));
        let m = s.enf_case(m.id).await.unwrap();
        for step in ["register", "evidence", "legal_review", "decide", "band"] {
            assert!(m.step_done(step).is_some(), "{step}");
        }
        assert!(
            s.enf_step_done(&a, m.id, scj, "decide", TODAY()).await.is_err(),
            "workflow steps are not marked by hand"
        );

        // Exemption lists; the hint on a slight case.
        s.enf_exemption_add(&a, scj, ExemptionKind::FirstOffence, "FOOD-001", "首次违法、危害后果轻微并及时改正")
            .await
            .unwrap();
        assert!(matches!(
            s.enf_exemption_add(&a, scj, ExemptionKind::FirstOffence, "FOOD-001", "x").await,
            Err(StoreError::Conflict(_))
        ));
        let mut slight = penalty(scj, &code[1], "津南市监罚〔2026〕4号", 0, "");
        if let CaseDetail::Penalty { fields, .. } = &mut slight.detail {
            fields.circumstance = Circumstance::Slight;
            fields.kinds = vec![PenaltyKind::Warning];
        }
        let sl = s.enf_case_create(&a, &slight, &crit, TODAY()).await.unwrap();
        assert!(sl.exemption_hint.contains("首违不罚"), "{}", sl.exemption_hint);

        // Coercive measure; 收支两条线 totals per month of the own department.
        let cm = s
            .enf_case_create(
                &a,
                &NewCase {
                    department_id: scj,
                    uscc: code[1].clone(),
                    common: common("QZ-2026-001"),
                    detail: CaseDetail::Coercive(CoerciveFields {
                        kind: "seize".into(),
                        legal_basis: "《食品安全法》第一百一十条".into(),
                        reason: "涉嫌经营过期食品".into(),
                        objects: "过期酸奶 12 盒".into(),
                        start_on: d(2026, 3, 2),
                        end_on: d(2026, 4, 1),
                    }),
                },
                &crit,
                TODAY(),
            )
            .await
            .unwrap();
        assert_eq!(cm.status, "in_force");
        assert!(s.credit_events(&code[1]).await.unwrap().iter().any(|e| e.kind == "coercive_measure"));
        let cm = s.enf_lift(&a, cm.id, scj, d(2026, 3, 20)).await.unwrap();
        assert_eq!(cm.status, "lifted");
        let totals = s.enf_fine_totals(scj, 2026).await.unwrap();
        assert_eq!(
            totals,
            vec![FineTotal { month: "2026-03".into(), cases: 2, fine_fen: 17_000_000, confiscated_fen: 0 }]
        );
        assert!(s.enf_fine_totals(wjw, 2026).await.unwrap().is_empty());

        // Department isolation in the store: another department's case is not found.
        assert!(matches!(s.enf_publish(&handler(wjw, "w", 9), m.id, wjw, TODAY()).await, Err(StoreError::NotFound(_))));
        assert!(audited(s, "enforcement.").await >= 15);
    }
}

#[tokio::test]
async fn expired_publications_are_withdrawn() {
    for t in testing::all().await {
        let s = &t.store;
        s.seed_organisation(&Actor::system()).await.unwrap();
        let scj = dept(s, "scjgj").await;
        let code = codes(1);
        entities(s, vec![record(&code[0], "某某食品有限公司", None, "存续")]).await;
        let a = handler(scj, "handler1", 101);
        s.enf_benchmark_set(&a, scj, &food()).await.unwrap();
        let p = s
            .enf_case_create(
                &a,
                &penalty(scj, &code[0], "津南市监罚〔2025〕9号", 10000, ""),
                &MajorCriteria::default(),
                d(2025, 1, 10),
            )
            .await;
        // occurred_on 2026-03-02 is after "today" 2025-01-10: refused.
        assert!(p.unwrap_err().to_string().contains("晚于今天"));
        let mut n = penalty(scj, &code[0], "津南市监罚〔2025〕9号", 10000, "");
        n.common.occurred_on = d(2025, 1, 2);
        let p = s.enf_case_create(&a, &n, &MajorCriteria::default(), d(2025, 1, 10)).await.unwrap();
        s.enf_decide(&a, p.id, scj, d(2025, 1, 3), d(2025, 1, 14), &PublicationPeriods::default()).await.unwrap();
        s.enf_publish(&a, p.id, scj, d(2025, 1, 6)).await.unwrap();
        assert!(s.enf_expire(&Actor::system(), d(2025, 4, 3)).await.unwrap().is_empty());
        assert_eq!(s.enf_expire(&Actor::system(), d(2025, 4, 4)).await.unwrap(), vec![p.id]);
        assert_eq!(s.enf_case(p.id).await.unwrap().status, "withdrawn");
        assert!(s.credit_events(&code[0]).await.unwrap()[0].withdrawn_at.is_some());
    }
}

/// Approved draw inspections of the department become inspection records (linked, once),
/// and land in the credit record.
#[tokio::test]
async fn approved_draw_inspections_are_imported_once() {
    use chrono::{Datelike, Duration, Utc};
    use jianguan_domain::draw::{Quota, WeightRules};
    use jianguan_domain::sampling::{InspectionAction, PlanKind};
    use jianguan_store::draw as dr;
    for t in testing::all().await {
        let s = &t.store;
        s.seed_organisation(&Actor::system()).await.unwrap();
        let scj = dept(s, "scjgj").await;
        let wjw = dept(s, "wjw").await;
        let code = codes(3);
        entities(
            s,
            code.iter()
                .enumerate()
                .map(|(i, c)| record(c, &format!("抽查对象{i}有限公司"), d(2020, 1, 2).into(), "存续"))
                .collect(),
        )
        .await;
        let a = support::staff(scj, "staff");
        let today = (Utc::now() + Duration::hours(8)).date_naive();
        let it = s
            .draw_item_create(
                &a,
                scj,
                &dr::DrawItemInput {
                    joint: false,
                    code: "SCJ-SP-001".into(),
                    name: "食品经营者落实主体责任情况检查".into(),
                    sub_items: vec!["许可证件公示情况".into()],
                    legal_basis: "《中华人民共和国食品安全法》第一百一十条".into(),
                    inspecting_body: "区市场监管局".into(),
                    scope: dr::Scope { kinds: vec!["企业".into()], industries: vec![], tags: vec![] },
                    ratio_per_mille: 50,
                    interval_months: 12,
                    method: "实地核查".into(),
                    certificates: vec!["行政执法证".into()],
                    departments: vec![],
                    active: true,
                },
            )
            .await
            .unwrap();
        let acc = s
            .create_account(
                &Actor::system(),
                &NewAccount {
                    username: "insp1".into(),
                    display_name: "insp1".into(),
                    department_id: scj,
                    password_hash: "x".into(),
                    must_change_password: false,
                },
            )
            .await
            .unwrap()
            .id;
        for (name, cert, account) in [("张执法", "TJ-SC-001", Some(acc)), ("李执法", "TJ-SC-002", None)] {
            s.roster_create(
                &a,
                scj,
                &dr::InspectorInput {
                    name: name.into(),
                    certificate_no: cert.into(),
                    valid_from: d(2020, 1, 1),
                    valid_until: d(2030, 12, 31),
                    status: "active".into(),
                    item_ids: vec![it.id],
                    account_id: account,
                },
            )
            .await
            .unwrap();
        }
        let y = today.year();
        let plan = s
            .plan_create(
                &a,
                scj,
                &dr::PlanInput {
                    year: y,
                    kind: PlanKind::Annual,
                    title: format!("{y}年度抽查计划"),
                    reason: String::new(),
                    departments: vec![],
                },
                today,
            )
            .await
            .unwrap();
        let tk = s
            .task_add(
                &a,
                scj,
                plan.id,
                &dr::TaskInput {
                    name: "食品经营者双随机抽查".into(),
                    item_ids: vec![it.id],
                    scope: dr::Scope { kinds: vec!["企业".into()], industries: vec![], tags: vec![] },
                    supervised_only: false,
                    stratify: false,
                    quotas: [("all".to_string(), Quota::PerMille(1000))].into_iter().collect(),
                    weight_rules: WeightRules::UNIFORM,
                    starts_on: today,
                    ends_on: d(y, 12, 31),
                    directed: false,
                    team_size: 2,
                },
            )
            .await
            .unwrap();
        s.plan_publish(&a, scj, plan.id).await.unwrap();
        let cr = dr::CommitRequest {
            task_id: tk.id,
            source: "上证综合指数收盘点位".into(),
            available_at: Utc::now() + Duration::seconds(30),
            witnesses: vec![],
            redraw_reason: None,
        };
        let draw = s.draw_commit(&a, scj, &cr, Utc::now()).await.unwrap();
        s.draw_execute(
            &a,
            scj,
            &dr::ExecuteRequest { draw_id: draw.id, public_value: "3312.45".into(), secrets: vec![] },
            Utc::now() + Duration::seconds(60),
        )
        .await
        .unwrap();
        let list = s.inspections(&dr::InspectionFilter { draw_id: Some(draw.id), ..Default::default() }).await.unwrap();
        assert_eq!(list.len(), 3, "{}", t.name);
        let first = &list[0];
        let input = dr::ResultInput {
            inspected_on: today,
            summary: "现场检查,发现问题已责令改正".into(),
            results: vec![dr::ItemResult {
                item_id: it.id,
                result: "corrected".into(),
                note: "已责令下架过期食品".into(),
            }],
            submit: true,
            expected_version: first.version,
        };
        s.inspection_record(&a, acc, first.id, &input, today).await.unwrap();
        // Nothing to import before approval.
        assert!(s.enf_import_draw(&a, scj).await.unwrap().is_empty());
        s.inspection_review(&a, scj, first.id, InspectionAction::Approve, "").await.unwrap();
        assert!(
            s.enf_import_draw(&support::staff(wjw, "w"), wjw).await.unwrap().is_empty(),
            "another department's draws are not its own"
        );
        let imported = s.enf_import_draw(&a, scj).await.unwrap();
        assert_eq!(imported.len(), 1);
        let c = &imported[0];
        assert_eq!(
            (c.draw_inspection_id, c.insp_form.as_str(), c.insp_result.as_str()),
            (Some(first.id), "random", "rectified")
        );
        assert_eq!(c.item_code, "SCJ-SP-001");
        assert_eq!(c.officers.len(), 2);
        assert!(s
            .credit_events(&first.uscc)
            .await
            .unwrap()
            .iter()
            .any(|e| e.kind == "inspection" && e.severity == Severity::Minor));
        assert!(s.enf_import_draw(&a, scj).await.unwrap().is_empty(), "imported once");
    }
}
