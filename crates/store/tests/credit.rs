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
