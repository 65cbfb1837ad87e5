//! Enterprise liaison store tests (codes, registration, visibility, notices and
//! replies), on SQLite and PostgreSQL.

use jianguan_domain::crypto::FieldCipher;
use jianguan_domain::liaison::{code_hash, Purpose};
use jianguan_store::liaison::*;
use jianguan_store::testing;
use jianguan_store::*;

fn staff(dept: i64) -> Actor {
    Actor { name: "staff".into(), role: "dept_staff".into(), account_id: None, department_id: Some(dept) }
}

async fn dept(s: &DynStore, code: &str) -> i64 {
    s.list_units().await.unwrap().into_iter().find(|u| u.code == code).unwrap().id
}

fn person(cipher: &FieldCipher, name: &str, phone: &str) -> NewLiaison {
    NewLiaison {
        name_sealed: cipher.encrypt(name, [1; 16]),
        name_masked: jianguan_domain::mask::person_name(name),
        phone_sealed: cipher.encrypt(phone, [2; 16]),
        phone_masked: jianguan_domain::mask::phone(phone),
        position: "办公室主任".into(),
    }
}

#[tokio::test]
async fn codes_register_once_and_notices_collect_replies() {
    let cipher = FieldCipher::from_master(b"test-master-key-0123456789abcdef");
    for t in testing::all().await {
        let s = &t.store;
        s.seed_organisation(&Actor::system()).await.unwrap();
        let ents = testing::import_demo_entities(s, &Actor::system(), &cipher, 12, 5).await.unwrap();
        let scj = dept(s, "scjgj").await;
        let other = dept(s, "sfj").await;
        let a = staff(scj);
        let later = now() + chrono::Duration::days(30);

        assert!(matches!(
            s.liaison_code_issue(&a, scj, "91120104MA05XXXXXX", &code_hash("AAAA"), later).await,
            Err(StoreError::NotFound(_))
        ));
        let h1 = code_hash("K7QM3XPD9TWA");
        let info = s.liaison_code_issue(&a, scj, &ents[0].uscc, &h1, later).await.unwrap();
        assert_eq!(info.entity_name, ents[0].name);
        assert!(s.liaison_code_lookup(&h1, Purpose::Reply).await.unwrap().is_none(), "wrong purpose");
        let l = s.liaison_register(&h1, &person(&cipher, "张伟", "13812345678")).await.unwrap();
        assert_eq!((l.name_masked.as_str(), l.phone_masked.as_str()), ("张*", "138****5678"));
        assert_ne!(l.name_sealed, "张伟");
        assert_eq!(cipher.decrypt(&l.phone_sealed).unwrap(), "13812345678");
        // One use only.
        assert!(matches!(
            s.liaison_register(&h1, &person(&cipher, "李四", "13900000000")).await,
            Err(StoreError::Invalid(_))
        ));
        // Expired code.
        let h2 = code_hash("ACDEFGHJKMNP");
        s.liaison_code_issue(&a, scj, &ents[1].uscc, &h2, now() - chrono::Duration::seconds(1)).await.unwrap();
        assert!(matches!(
            s.liaison_register(&h2, &person(&cipher, "李四", "13900000000")).await,
            Err(StoreError::Invalid(_))
        ));
        // A new registration replaces the old liaison.
        let h3 = code_hash("QRTUVWXY3467");
        s.liaison_code_issue(&a, scj, &ents[0].uscc, &h3, later).await.unwrap();
        let l2 = s.liaison_register(&h3, &person(&cipher, "王芳芳", "02223456789")).await.unwrap();
        let mine = s.liaison_list(scj, "all", "").await.unwrap();
        assert_eq!(mine.len(), 1, "{}", t.name);
        assert_eq!(mine[0].id, l2.id);
        // Another department sees nothing.
        assert!(s.liaison_list(other, "all", "").await.unwrap().is_empty());
        assert!(matches!(s.liaison_get(other, l2.id).await, Err(StoreError::NotFound(_))));
        assert_eq!(s.liaison_get(scj, l2.id).await.unwrap().uscc, ents[0].uscc);
        // Personal data never in the audit trail in clear.
        let trail = s
            .audit_search(&AuditFilter { action: Some("liaison.".into()), limit: 100, ..Default::default() })
            .await
            .unwrap();
        assert!(trail
            .iter()
            .all(|e| !e.detail.contains("王芳芳") && !e.detail.contains("02223456789") && !e.detail.contains("张伟")));

        // Second liaison in another industry, then a notice by industry.
        let h4 = code_hash("3467ACDEFGHJ");
        s.liaison_code_issue(&a, scj, &ents[1].uscc, &h4, later).await.unwrap();
        s.liaison_register(&h4, &person(&cipher, "赵六", "13700000000")).await.unwrap();
        let industry = ents[0].industry.clone();
        let expect = [&ents[0], &ents[1]].iter().filter(|e| e.industry.starts_with(&industry[..2])).count();
        let n = std::sync::atomic::AtomicUsize::new(0);
        let make = || {
            let i = n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let clear = format!("CODE{i:08}");
            (clear.clone(), code_hash(&clear))
        };
        let input = NoticeInput {
            title: "关于开展食品安全自查的通知".into(),
            body: "请于月底前完成自查并回复。".into(),
            target_kind: "industry".into(),
            target_value: industry[..2].to_string(),
            reply_by: None,
        };
        let sent = s.notice_send(&a, scj, &input, &make).await.unwrap();
        assert_eq!(sent.codes.len(), expect, "{}", t.name);
        assert_eq!(sent.notice.recipients, expect as i64);
        // Nobody matching: refused, nothing written.
        let none =
            NoticeInput { target_kind: "tag".into(), target_value: "不存在的标签".into(), ..input.clone() };
        assert!(matches!(s.notice_send(&a, scj, &none, &make).await, Err(StoreError::Invalid(_))));
        assert_eq!(s.notice_list(scj).await.unwrap().len(), 1);
        let bad = NoticeInput { title: " ".into(), ..input.clone() };
        assert!(matches!(s.notice_send(&a, scj, &bad, &make).await, Err(StoreError::Invalid(_))));

        let code = code_hash(&sent.codes[0].2);
        let (notice, rec) = s.notice_for_code(&code).await.unwrap().unwrap();
        assert_eq!(notice.id, sent.notice.id);
        assert!(rec.replied_at.is_none());
        assert!(matches!(s.notice_reply(&code, " ", "").await, Err(StoreError::Invalid(_))));
        s.notice_reply(&code, "已完成自查", "建议提前通知").await.unwrap();
        assert!(matches!(s.notice_reply(&code, "再次回复", "").await, Err(StoreError::Invalid(_))), "code used");
        assert!(s.notice_for_code(&code).await.unwrap().is_none());
        let (n2, recs) = s.notice_get(sent.notice.id).await.unwrap();
        assert_eq!(n2.replied, 1);
        assert!(recs.iter().any(|r| r.reply == "已完成自查" && r.feedback == "建议提前通知"));

        // Rate-limit bookkeeping.
        s.liaison_code_failure("iphash", Purpose::Register).await.unwrap();
        s.liaison_code_failure("iphash", Purpose::Reply).await.unwrap();
        assert_eq!(s.liaison_code_failures("iphash", now() - chrono::Duration::minutes(15)).await.unwrap(), 2);
        assert_eq!(s.liaison_code_failures("other", now() - chrono::Duration::minutes(15)).await.unwrap(), 0);
        assert_eq!(s.liaison_code_failures_prune(now() - chrono::Duration::minutes(15)).await.unwrap(), 0);
        assert_eq!(s.liaison_code_failures_prune(now() + chrono::Duration::seconds(1)).await.unwrap(), 2);
        assert_eq!(s.liaison_code_failures("iphash", now() - chrono::Duration::minutes(15)).await.unwrap(), 0);
        assert!(s.verify_audit().await.unwrap().is_ok());
    }
}
