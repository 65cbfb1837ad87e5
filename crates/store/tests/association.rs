//! Industry association store tests (registry, members, conventions, cases), on SQLite and PostgreSQL.

use chrono::NaiveDate;
use jianguan_domain::association::Kind;
use jianguan_domain::crypto::FieldCipher;
use jianguan_domain::publicity::parse_query;
use jianguan_store::association::*;
use jianguan_store::testing;
use jianguan_store::*;

async fn dept(s: &DynStore, code: &str) -> i64 {
    s.list_units().await.unwrap().into_iter().find(|u| u.code == code).unwrap().id
}

/// A valid social-organisation code (starts with 5).
pub fn social_code(body: &str) -> String {
    let org = format!("{body}{}", jianguan_domain::uscc::compute_org_check(body).unwrap());
    let first17 = format!("51120104{org}");
    format!("{first17}{}", jianguan_domain::uscc::compute_check_char(&first17).unwrap())
}

#[tokio::test]
async fn registry_conventions_and_cases() {
    let cipher = FieldCipher::from_master(b"test-master-key-0123456789abcdef");
    for t in testing::all().await {
        let s = &t.store;
        s.seed_organisation(&Actor::system()).await.unwrap();
        let ents = testing::import_demo_entities(s, &Actor::system(), &cipher, 6, 9).await.unwrap();
        let scj = dept(s, "scjgj").await;
        let sfj = dept(s, "sfj").await;
        let a = Actor { name: "staff".into(), role: "dept_staff".into(), account_id: None, department_id: Some(scj) };
        let code = social_code("MJ001234");
        let (checked, warn) = jianguan_domain::association::check_entry(&code, "天津市南开区餐饮行业协会").unwrap();
        assert!(warn.is_none());
        let input = AssociationInput {
            uscc: checked,
            name: "天津市南开区餐饮行业协会".into(),
            kind: Kind::Association,
            industry: "餐饮业".into(),
            department_id: scj,
            registered_on: NaiveDate::from_ymd_opt(2015, 6, 1),
            address: "天津市南开区鞍山西道".into(),
            office_phone: "022-27000000".into(),
        };
        let assoc = s.association_create(&a, &input, "").await.unwrap();
        assert!(matches!(s.association_create(&a, &input, "").await, Err(StoreError::Conflict(_))));
        s.member_add(&a, assoc.id, &ents[0].uscc, None).await.unwrap();
        assert!(matches!(s.member_add(&a, assoc.id, &ents[0].uscc, None).await, Err(StoreError::Conflict(_))));
        assert!(matches!(s.member_add(&a, assoc.id, "911201040000000000", None).await, Err(StoreError::NotFound(_))));
        assert_eq!(s.association_get(assoc.id).await.unwrap().members, 1);

        let c = s
            .convention_add(
                &a,
                assoc.id,
                "餐饮行业诚信经营自律公约",
                "<p>会员单位承诺明码标价<img src=x onerror=alert(1)></p>",
                NaiveDate::from_ymd_opt(2025, 3, 15).unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(c.body_html, "<p>会员单位承诺明码标价</p>");
        assert!(matches!(
            s.convention_add(&a, assoc.id, "空", "<script>1</script>", NaiveDate::from_ymd_opt(2025, 3, 15).unwrap())
                .await,
            Err(StoreError::Invalid(_))
        ));

        let case = CaseInput {
            kind: "fees".into(),
            title: "某协会强制入会收费案".into(),
            summary_html: "<p>强制会员缴纳赞助费</p>".into(),
            outcome: "责令退还费用".into(),
            decided_on: NaiveDate::from_ymd_opt(2025, 9, 1).unwrap(),
            publish: false,
        };
        let k = s.case_add(&a, assoc.id, scj, &case).await.unwrap();
        assert!(s.case_list(Some(assoc.id), None).await.unwrap().is_empty(), "unpublished cases are not public");
        assert!(s.case_list(Some(assoc.id), Some(sfj)).await.unwrap().is_empty(), "nor visible to another department");
        assert_eq!(s.case_list(Some(assoc.id), Some(scj)).await.unwrap().len(), 1);
        assert_eq!(s.search(&parse_query("赞助费").unwrap(), 10, 0).await.unwrap().total, 0);
        s.case_publish(&a, k.id).await.unwrap();
        assert!(matches!(s.case_publish(&a, k.id).await, Err(StoreError::Conflict(_))));
        assert_eq!(s.case_list(None, None).await.unwrap().len(), 1);
        for q in ["赞助费", "明码标价", "餐饮", "公约"] {
            assert!(s.search(&parse_query(q).unwrap(), 10, 0).await.unwrap().total >= 1, "{}: {q}", t.name);
        }
        assert!(matches!(
            s.case_add(&a, assoc.id, scj, &CaseInput { kind: "nope".into(), ..case.clone() }).await,
            Err(StoreError::Invalid(_))
        ));
        let dereg = s.association_set_status(&a, assoc.id, "deregistered").await.unwrap();
        assert_eq!(dereg.status, "deregistered");
        assert!(s.verify_audit().await.unwrap().is_ok());
    }
}
