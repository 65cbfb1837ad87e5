//! Traceability and inclusive-supervision store tests, on SQLite and PostgreSQL.

mod support;

use chrono::{TimeZone, Utc};
use jianguan_domain::trace::custody::EventKind;
use jianguan_domain::trace::observation::{Category, Decision};
use jianguan_domain::trace::Scheme;
use jianguan_store::ledger::IdempotencyKey;
use jianguan_store::testing;
use jianguan_store::trace::*;
use jianguan_store::*;
use support::*;

const GTIN: &str = "06901234567892";

fn ev(kind: EventKind, lot: &str, from: Option<&str>, to: Option<&str>, q: i64) -> NewEvent {
    NewEvent {
        kind,
        scheme: Scheme::Gtin,
        code: format!("(01){GTIN}(10){lot}"),
        batch: None,
        from_uscc: from.map(str::to_string),
        to_uscc: to.map(str::to_string),
        occurred_at: Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap(),
        quantity: q,
        place: "天津市南开区".into(),
    }
}

async fn setup(s: &DynStore) -> (Vec<String>, i64) {
    s.seed_organisation(&Actor::system()).await.unwrap();
    let c = codes(6);
    entities(
        s,
        c.iter().enumerate().map(|(i, u)| record(u, &format!("企业{i}"), Some(d(2020, 1, 1)), "存续")).collect(),
    )
    .await;
    let dept = dept(s, "scjgj").await;
    (c, dept)
}

async fn upload(s: &DynStore, events: &[NewEvent]) -> UploadResult {
    s.trace_upload(&staff(1, "zhang"), UploadSource::Api, None, events, None).await.unwrap()
}

#[tokio::test]
async fn uploads_keep_unknowns_pending_and_refuse_bad_events_whole() {
    for t in testing::all().await {
        let s = &t.store;
        let (c, _) = setup(s).await;
        let a = staff(1, "zhang");
        // Unknown product and unknown entity: kept, pending, flagged.
        let stranger = "91120104MA05ABCD1X";
        let r = upload(
            s,
            &[
                ev(EventKind::Produce, "B1", None, Some(&c[0]), 100),
                ev(EventKind::Ship, "B1", Some(&c[0]), Some(stranger), 10),
            ],
        )
        .await;
        assert_eq!((r.events, r.pending, r.flagged), (2, 2, 2), "{}", t.name);
        let evs = s.trace_events(&EventFilter { flagged_only: true, ..Default::default() }).await.unwrap();
        assert_eq!(evs.len(), 2);
        assert!(evs.iter().all(|e| e.status == "pending" && e.flags.contains(&"unknown_code".to_string())));
        assert!(evs.iter().any(|e| e.flags.contains(&"unknown_entity".to_string())));
        // Adding the product to the catalogue resolves the unknown-code flag.
        let p = s
            .trace_product_add(
                &a,
                &NewProduct {
                    owner_uscc: c[0].clone(),
                    scheme: Scheme::Gtin,
                    code: "6901234567892".into(),
                    name: "速冻水饺".into(),
                    spec: "500g".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(p.product_key, GTIN);
        let evs = s.trace_events(&EventFilter::default()).await.unwrap();
        let produce = evs.iter().find(|e| e.kind == "produce").unwrap();
        assert_eq!((produce.status.as_str(), produce.flags.len()), ("recorded", 0));
        let ship = evs.iter().find(|e| e.kind == "ship").unwrap();
        assert_eq!((ship.status.as_str(), ship.flags.clone()), ("pending", vec!["unknown_entity".to_string()]));
        assert!(s
            .trace_product_add(
                &a,
                &NewProduct {
                    owner_uscc: c[1].clone(),
                    scheme: Scheme::Gtin,
                    code: GTIN.into(),
                    name: "x".into(),
                    spec: String::new()
                }
            )
            .await
            .is_err());

        // A negative quantity or a bad code refuses the whole request; nothing is written.
        let before = s.trace_events(&EventFilter::default()).await.unwrap().len();
        let mut bad_code = ev(EventKind::Ship, "B1", Some(&c[0]), Some(&c[1]), 5);
        bad_code.code = "(01)06901234567893(10)B1".into();
        let err = s
            .trace_upload(
                &a,
                UploadSource::Api,
                None,
                &[
                    ev(EventKind::Ship, "B1", Some(&c[0]), Some(&c[1]), 5),
                    ev(EventKind::Ship, "B1", Some(&c[0]), Some(&c[1]), -5),
                    bad_code,
                ],
                None,
            )
            .await
            .unwrap_err();
        let UploadError::Refused(list) = err else { panic!("refused expected") };
        assert_eq!(list.iter().map(|r| r.index).collect::<Vec<_>>(), vec![1, 2]);
        assert!(list[0].reason.contains("负数"));
        assert!(list[1].reason.contains("校验位"));
        assert_eq!(s.trace_events(&EventFilter::default()).await.unwrap().len(), before);
        assert!(s.trace_upload(&a, UploadSource::Api, None, &[], None).await.is_err());
        assert!(audited(s, "trace.upload").await >= 1);
    }
}

#[tokio::test]
async fn cycles_over_shipping_and_unmatched_receipts_are_flagged() {
    for t in testing::all().await {
        let s = &t.store;
        let (c, _) = setup(s).await;
        let a = staff(1, "zhang");
        s.trace_product_add(
            &a,
            &NewProduct {
                owner_uscc: c[0].clone(),
                scheme: Scheme::Gtin,
                code: GTIN.into(),
                name: "水饺".into(),
                spec: String::new(),
            },
        )
        .await
        .unwrap();
        let r = upload(
            s,
            &[
                ev(EventKind::Produce, "L1", None, Some(&c[0]), 100),
                ev(EventKind::Ship, "L1", Some(&c[0]), Some(&c[1]), 50),
                ev(EventKind::Receive, "L1", Some(&c[0]), Some(&c[1]), 50),
                ev(EventKind::Ship, "L1", Some(&c[1]), Some(&c[2]), 30),
            ],
        )
        .await;
        assert_eq!((r.pending, r.flagged), (0, 0));
        // c2 ships 40 having received 30; c2 → c0 closes a cycle; c3 receives from c4 without a shipment.
        let r = upload(
            s,
            &[
                ev(EventKind::Ship, "L1", Some(&c[2]), Some(&c[3]), 40),
                ev(EventKind::Ship, "L1", Some(&c[3]), Some(&c[0]), 1),
                ev(EventKind::Receive, "L1", Some(&c[4]), Some(&c[3]), 5),
            ],
        )
        .await;
        assert_eq!(r.flagged, 3, "{}", t.name);
        let evs = s.trace_events(&EventFilter { flagged_only: true, ..Default::default() }).await.unwrap();
        let flags: Vec<String> = evs.iter().flat_map(|e| e.flags.clone()).collect();
        for f in ["over_shipped", "cycle", "unmatched_receive"] {
            assert!(flags.contains(&f.to_string()), "{f} in {flags:?}");
        }
    }
}

#[tokio::test]
async fn trace_forward_and_back_with_responsible_parties_and_idempotent_uploads() {
    for t in testing::all().await {
        let s = &t.store;
        let (c, _) = setup(s).await;
        let a = staff(1, "zhang");
        s.trace_product_add(
            &a,
            &NewProduct {
                owner_uscc: c[0].clone(),
                scheme: Scheme::Gtin,
                code: GTIN.into(),
                name: "水饺".into(),
                spec: String::new(),
            },
        )
        .await
        .unwrap();
        let events = vec![
            ev(EventKind::Produce, "T1", None, Some(&c[0]), 100),
            ev(EventKind::Ship, "T1", Some(&c[0]), Some(&c[1]), 60),
            ev(EventKind::Ship, "T1", Some(&c[0]), Some(&c[2]), 40),
            ev(EventKind::Ship, "T1", Some(&c[1]), Some(&c[3]), 20),
            ev(EventKind::Sell, "T1", Some(&c[3]), Some(&c[4]), 5),
            ev(EventKind::Ship, "T2", Some(&c[0]), Some(&c[5]), 1),
        ];
        let key = IdempotencyKey { scope: "trace.upload:zhang".into(), key: "k1".into(), request_hash: "h1".into() };
        let first = s.trace_upload(&a, UploadSource::Api, None, &events, Some(&key)).await.unwrap();
        let again = s.trace_upload(&a, UploadSource::Api, None, &events, Some(&key)).await.unwrap();
        assert!(!first.replayed && again.replayed);
        assert_eq!(first.upload_id, again.upload_id);
        assert_eq!(
            s.trace_events(&EventFilter { lot: Some("T1".into()), ..Default::default() }).await.unwrap().len(),
            5
        );
        let other = IdempotencyKey { request_hash: "h2".into(), ..key.clone() };
        assert!(s.trace_upload(&a, UploadSource::Api, None, &events, Some(&other)).await.is_err());

        let fwd = s.trace_forward(GTIN, "T1", None, 5).await.unwrap();
        assert_eq!(fwd.product_name.as_deref(), Some("水饺"));
        let depth = |u: &str| fwd.nodes.iter().find(|n| n.uscc == u).map(|n| n.depth);
        assert_eq!(
            (depth(&c[0]), depth(&c[1]), depth(&c[3]), depth(&c[4]), depth(&c[5])),
            (Some(0), Some(1), Some(2), Some(3), None)
        );
        let n3 = fwd.nodes.iter().find(|n| n.uscc == c[3]).unwrap();
        assert_eq!((n3.received, n3.held, n3.name.as_str()), (20, 15, "企业3"));
        assert_eq!(fwd.edges.len(), 4);
        assert!(fwd.edges.iter().all(|e| e.responsible_uscc == e.from_uscc));
        assert_eq!(s.trace_forward(GTIN, "T1", None, 1).await.unwrap().nodes.len(), 3);

        let back = s.trace_back(GTIN, "T1", &c[4], 10).await.unwrap();
        let mut path: Vec<(String, u32)> = back.nodes.iter().map(|n| (n.uscc.clone(), n.depth)).collect();
        path.sort_by_key(|p| p.1);
        assert_eq!(path, vec![(c[4].clone(), 0), (c[3].clone(), 1), (c[1].clone(), 2), (c[0].clone(), 3)]);
        assert!(s.trace_forward(GTIN, "NOPE", None, 5).await.is_err());
        assert!(s.trace_back(GTIN, "T1", "91120104MA05ABCD1X", 5).await.is_err());
    }
}

#[tokio::test]
async fn recalls_list_every_holder_and_complete_when_all_confirm() {
    for t in testing::all().await {
        let s = &t.store;
        let (c, dept) = setup(s).await;
        let a = staff(dept, "li");
        s.trace_product_add(
            &a,
            &NewProduct {
                owner_uscc: c[0].clone(),
                scheme: Scheme::Gtin,
                code: GTIN.into(),
                name: "水饺".into(),
                spec: String::new(),
            },
        )
        .await
        .unwrap();
        upload(
            s,
            &[
                ev(EventKind::Produce, "R1", None, Some(&c[0]), 100),
                ev(EventKind::Ship, "R1", Some(&c[0]), Some(&c[1]), 60),
                ev(EventKind::Ship, "R1", Some(&c[1]), Some(&c[2]), 25),
                ev(EventKind::Ship, "R1", Some(&c[2]), Some(&c[3]), 25),
            ],
        )
        .await;
        let new = NewRecall {
            scheme: Scheme::Gtin,
            code: format!("(01){GTIN}(10)R1"),
            batch: None,
            initiator_uscc: c[0].clone(),
            department_id: dept,
            level: 2,
            reason: "检出致病菌".into(),
            started_on: d(2026, 3, 2),
            due_on: d(2026, 3, 13),
        };
        let r = s.trace_recall_start(&a, &new).await.unwrap();
        let held: Vec<(String, i64)> = r.holders.iter().map(|h| (h.uscc.clone(), h.quantity)).collect();
        assert_eq!(held, vec![(c[1].clone(), 35), (c[3].clone(), 25)], "{}", t.name);
        assert!(s.trace_recall_start(&a, &new).await.is_err(), "one open recall per lot");
        assert!(r.overdue(d(2026, 3, 16)) && !r.overdue(d(2026, 3, 13)));
        assert!(s.trace_recall_confirm(&a, r.id, &c[1], 36, "").await.is_err());
        assert!(s.trace_recall_confirm(&a, r.id, &c[4], 1, "").await.is_err());
        let r = s.trace_recall_confirm(&a, r.id, &c[1], 35, "已下架退回").await.unwrap();
        assert_eq!((r.status.as_str(), r.confirmed()), ("open", 1));
        assert!(s.trace_recall_confirm(&a, r.id, &c[1], 35, "").await.is_err());
        let r = s.trace_recall_confirm(&a, r.id, &c[3], 20, "5 件已售出,已通知消费者").await.unwrap();
        assert_eq!((r.status.as_str(), r.returned(), r.quantity()), ("completed", 55, 60));
        assert!(r.completed_at.is_some());
        assert_eq!(s.trace_recalls(Some(dept), true).await.unwrap().len(), 0);
        assert_eq!(audited(s, "trace.recall").await, 3);
    }
}

#[tokio::test]
async fn incidents_go_to_the_credit_record_and_observations_feed_the_draw() {
    for t in testing::all().await {
        let s = &t.store;
        let (c, dept) = setup(s).await;
        let a = staff(dept, "li");
        let incident = NewIncident {
            uscc: c[0].clone(),
            scheme: Scheme::Drug,
            code: "81234560000012345678".into(),
            batch: None,
            occurred_on: d(2026, 3, 1),
            severity: "serious".into(),
            title: "注射液不良反应".into(),
            description: "3 名患者出现过敏反应".into(),
            injured: 3,
            department_id: dept,
        };
        let i = s.trace_incident_report(&a, &incident).await.unwrap();
        assert_eq!(i.product_key, "8123456");
        let credit = s.credit_events(&c[0]).await.unwrap();
        assert_eq!(credit.len(), 1);
        assert_eq!(
            (credit[0].kind.as_str(), credit[0].ref_id.clone(), credit[0].id),
            ("incident", i.id.to_string(), i.credit_event_id)
        );
        for bad in [
            NewIncident { severity: "huge".into(), ..incident.clone() },
            NewIncident { injured: -1, ..incident.clone() },
            NewIncident { code: "8123456".into(), ..incident.clone() },
            NewIncident { uscc: "91120104MA05ABCD1X".into(), ..incident.clone() },
        ] {
            assert!(s.trace_incident_report(&a, &bad).await.is_err());
        }
        assert_eq!(s.credit_events(&c[0]).await.unwrap().len(), 1);
        assert_eq!(s.trace_incidents(Some(dept), None).await.unwrap().len(), 1);

        let o = s
            .trace_observation_add(
                &a,
                &NewObservation {
                    uscc: c[1].clone(),
                    model: "无人零售便利店".into(),
                    category: Category::Unclear,
                    starts_on: d(2026, 1, 1),
                    ends_on: d(2026, 6, 30),
                    review_on: d(2026, 7, 15),
                    rules: "观察期内首次轻微违法不予处罚;每季度提交经营情况".into(),
                    department_id: dept,
                },
            )
            .await
            .unwrap();
        assert_eq!(o.status, "observing");
        assert!(s.trace_observing(d(2026, 3, 1)).await.unwrap().contains(&c[1]));
        assert!(s.trace_observing(d(2026, 7, 1)).await.unwrap().is_empty());
        assert!(s.trace_observation_review(&a, o.id, dept + 1, Decision::Regular, "x", None).await.is_err());
        assert!(s.trace_observation_review(&a, o.id, dept, Decision::Extend, "再观察", None).await.is_err());
        let o = s
            .trace_observation_review(
                &a,
                o.id,
                dept,
                Decision::Extend,
                "再观察半年",
                Some((d(2026, 12, 31), d(2027, 1, 15))),
            )
            .await
            .unwrap();
        assert_eq!((o.status.as_str(), o.ends_on), ("observing", d(2026, 12, 31)));
        assert!(s.trace_observing(d(2026, 7, 1)).await.unwrap().contains(&c[1]));
        let o =
            s.trace_observation_review(&a, o.id, dept, Decision::Regular, "经营规范,转入常规监管", None).await.unwrap();
        assert_eq!((o.status.as_str(), o.decision.as_deref()), ("reviewed", Some("regular")));
        assert!(s.trace_observing(d(2026, 7, 1)).await.unwrap().is_empty());
        assert!(s.trace_observation_review(&a, o.id, dept, Decision::Regular, "again", None).await.is_err());
        let bad = NewObservation {
            uscc: c[2].clone(),
            model: "x".into(),
            category: Category::Unclear,
            starts_on: d(2026, 6, 1),
            ends_on: d(2026, 1, 1),
            review_on: d(2026, 7, 1),
            rules: "r".into(),
            department_id: dept,
        };
        assert!(s.trace_observation_add(&a, &bad).await.is_err());
    }
}
