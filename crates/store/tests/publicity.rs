//! Policy publicity store tests (editorial flow, attachments, search), on SQLite and PostgreSQL.

use jianguan_domain::publicity::{parse_query, FileKind, Section, Step};
use jianguan_store::publicity::*;
use jianguan_store::testing;
use jianguan_store::*;

fn staff(dept: i64) -> Actor {
    Actor { name: "staff".into(), role: "dept_staff".into(), account_id: None, department_id: Some(dept) }
}

fn input(title: &str, body: &str) -> ArticleInput {
    ArticleInput {
        section: Section::Interpretation,
        title: title.into(),
        summary: String::new(),
        body_html: body.into(),
        source: "区市场监管局".into(),
        doc_no: String::new(),
    }
}

async fn dept(s: &DynStore, code: &str) -> i64 {
    s.list_units().await.unwrap().into_iter().find(|u| u.code == code).unwrap().id
}

#[tokio::test]
async fn editorial_flow_sanitises_indexes_and_withdraws() {
    for t in testing::all().await {
        let s = &t.store;
        s.seed_organisation(&Actor::system()).await.unwrap();
        let d = dept(s, "scjgj").await;
        let a = staff(d);
        let draft = s
            .article_create(
                &a,
                d,
                &input(
                    "信用修复政策解读",
                    "<p onclick=\"x()\">办理<strong>信用修复</strong></p><script>alert(1)</script>",
                ),
            )
            .await
            .unwrap();
        assert_eq!(draft.status, "draft");
        assert_eq!(draft.body_html, "<p>办理<strong>信用修复</strong></p>", "{}", t.name);
        // Nothing is searchable before publication.
        assert_eq!(s.search(&parse_query("信用修复").unwrap(), 10, 0).await.unwrap().total, 0);
        // Empty or script-only bodies are refused and nothing is written.
        assert!(matches!(
            s.article_create(&a, d, &input("空", "<script>x</script>")).await,
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(s.article_create(&a, d, &input("", "<p>x</p>")).await, Err(StoreError::Invalid(_))));
        let huge = "字".repeat(100_001);
        assert!(matches!(s.article_create(&a, d, &input("大", &huge)).await, Err(StoreError::Invalid(_))));
        assert_eq!(s.article_list(&ArticleFilter::default()).await.unwrap().len(), 1, "{}", t.name);

        // Attachments on drafts only, content stored once.
        let att = s.attachment_add(&a, draft.id, "../指南.pdf", FileKind::Pdf, b"%PDF-1.4 demo").await.unwrap();
        assert_eq!(att.file_name, "指南.pdf");
        let (_, bytes) = s.attachment_get(att.id).await.unwrap();
        assert_eq!(bytes, b"%PDF-1.4 demo");
        // Stale edit refused (the attachment bumped the version).
        assert!(matches!(
            s.article_update(&a, draft.id, &input("改", "<p>改</p>"), 1).await,
            Err(StoreError::Conflict(_))
        ));
        let edited = s
            .article_update(&a, draft.id, &input("信用修复政策解读(修订)", "<p>办理信用修复的条件</p>"), 2)
            .await
            .unwrap();
        assert_eq!(edited.version, 3);

        // Approve before submit: refused.
        assert!(matches!(s.article_step(&a, draft.id, Step::Approve, "").await, Err(StoreError::Conflict(_))));
        s.article_step(&a, draft.id, Step::Submit, "").await.unwrap();
        assert!(
            matches!(s.article_step(&a, draft.id, Step::Reject, " ").await, Err(StoreError::Invalid(_))),
            "reject needs a comment"
        );
        let back = s.article_step(&a, draft.id, Step::Reject, "请补充依据").await.unwrap();
        assert_eq!((back.status.as_str(), back.review_comment.as_str()), ("draft", "请补充依据"));
        s.article_step(&a, draft.id, Step::Submit, "").await.unwrap();
        let reviewer =
            Actor { name: "legal".into(), role: "legal_reviewer".into(), account_id: None, department_id: None };
        let published = s.article_step(&reviewer, draft.id, Step::Approve, "").await.unwrap();
        assert_eq!(published.status, "published");
        assert!(published.published_at.is_some());
        assert!(matches!(
            s.attachment_add(&a, draft.id, "b.pdf", FileKind::Pdf, b"%PDF-2").await,
            Err(StoreError::Conflict(_))
        ));

        // Two-character, three-character and one-character queries.
        for q in ["信用", "修复", "信用修复", "条件", "信", "复"] {
            let page = s.search(&parse_query(q).unwrap(), 10, 0).await.unwrap();
            assert_eq!(page.total, 1, "{}: query {q}", t.name);
            assert_eq!(page.hits[0].url, format!("/public/articles/{}", draft.id));
            assert_eq!(page.hits[0].section, "政策权威解读");
        }
        assert_eq!(
            s.search(&parse_query("用信").unwrap(), 10, 0).await.unwrap().total,
            0,
            "grams present but no phrase"
        );
        assert_eq!(s.search(&parse_query("双随机").unwrap(), 10, 0).await.unwrap().total, 0);

        assert!(matches!(s.article_step(&a, draft.id, Step::Withdraw, "").await, Err(StoreError::Invalid(_))));
        let w = s.article_step(&a, draft.id, Step::Withdraw, "政策已废止").await.unwrap();
        assert_eq!(w.status, "withdrawn");
        assert_eq!(s.search(&parse_query("信用").unwrap(), 10, 0).await.unwrap().total, 0, "{}", t.name);
        assert_eq!(s.search_doc_count().await.unwrap(), 0);

        // Ranking: title hits first.
        for (title, body) in [("监管工作要点", "<p>双随机抽查</p>"), ("双随机抽查指引", "<p>本指引说明双随机抽查</p>")]
        {
            let x = s.article_create(&a, d, &input(title, body)).await.unwrap();
            s.article_step(&a, x.id, Step::Submit, "").await.unwrap();
            s.article_step(&reviewer, x.id, Step::Approve, "").await.unwrap();
        }
        let page = s.search(&parse_query("双随机").unwrap(), 10, 0).await.unwrap();
        assert_eq!(page.total, 2);
        assert_eq!(page.hits[0].title, "双随机抽查指引");
        let actions: Vec<String> = s
            .audit_search(&AuditFilter { action: Some("publicity.".into()), limit: 100, ..Default::default() })
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert!(
            actions.iter().any(|a| a == "publicity.publish") && actions.iter().any(|a| a == "publicity.withdraw"),
            "{actions:?}"
        );
        assert!(s.verify_audit().await.unwrap().is_ok());
    }
}
