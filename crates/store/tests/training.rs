//! Training store tests (sessions, attendance, banks, tests, records), on SQLite and PostgreSQL.

use chrono::NaiveDate;
use jianguan_domain::training::SessionKind;
use jianguan_store::testing;
use jianguan_store::training::*;
use jianguan_store::*;

async fn dept(s: &DynStore, code: &str) -> i64 {
    s.list_units().await.unwrap().into_iter().find(|u| u.code == code).unwrap().id
}

async fn account(s: &DynStore, name: &str, dept: i64) -> i64 {
    s.create_account(
        &Actor::system(),
        &NewAccount {
            username: name.into(),
            display_name: name.into(),
            department_id: dept,
            password_hash: "x".into(),
            must_change_password: false,
        },
    )
    .await
    .unwrap()
    .id
}

fn session(title: &str, wide: bool) -> SessionInput {
    SessionInput {
        kind: if wide { SessionKind::Contest } else { SessionKind::Training },
        title: title.into(),
        description: "双随机一公开监管业务".into(),
        held_on: NaiveDate::from_ymd_opt(2026, 3, 5).unwrap(),
        hours_tenths: 25,
        location: "区政务服务中心".into(),
        district_wide: wide,
    }
}

#[tokio::test]
async fn tests_are_scored_once_and_records_add_up() {
    for t in testing::all().await {
        let s = &t.store;
        s.seed_organisation(&Actor::system()).await.unwrap();
        let scj = dept(s, "scjgj").await;
        let sfj = dept(s, "sfj").await;
        let insp = account(s, "insp1", scj).await;
        let insp2 = account(s, "insp2", scj).await;
        let outsider = account(s, "legal1", sfj).await;
        let a = Actor { name: "staff".into(), role: "dept_staff".into(), account_id: None, department_id: Some(scj) };

        assert!(matches!(
            s.session_create(&a, scj, &SessionInput { hours_tenths: 0, ..session("x", false) }).await,
            Err(StoreError::Invalid(_))
        ));
        let sess = s.session_create(&a, scj, &session("执法检查业务培训", false)).await.unwrap();
        assert_eq!(s.attendance_add(&a, sess.id, &[insp, insp2]).await.unwrap(), 2);
        assert_eq!(s.attendance_add(&a, sess.id, &[insp]).await.unwrap(), 0, "idempotent");
        assert!(matches!(s.attendance_add(&a, sess.id, &[outsider]).await, Err(StoreError::Invalid(_))));
        assert_eq!(s.attendance_list(sess.id).await.unwrap().len(), 2);

        let opts = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(matches!(
            s.question_create(
                &a,
                scj,
                &QuestionInput { category: "法律".into(), stem: "题".into(), options: opts(&["甲"]), answer: 0 }
            )
            .await,
            Err(StoreError::Invalid(_))
        ));
        let q1 = s
            .question_create(
                &a,
                scj,
                &QuestionInput {
                    category: "法律".into(),
                    stem: "检查人员至少几人?".into(),
                    options: opts(&["1", "2", "3"]),
                    answer: 1,
                },
            )
            .await
            .unwrap();
        let q2 = s
            .question_create(
                &a,
                scj,
                &QuestionInput {
                    category: "法律".into(),
                    stem: "结果公示时限?".into(),
                    options: opts(&["20个工作日", "60日"]),
                    answer: 0,
                },
            )
            .await
            .unwrap();
        let foreign = s
            .question_create(
                &a,
                sfj,
                &QuestionInput {
                    category: "x".into(), stem: "他部门题".into(), options: opts(&["a", "b"]), answer: 0
                },
            )
            .await
            .unwrap();
        assert!(matches!(
            s.test_create(&a, sess.id, "测试", 60, &[q1.id, foreign.id]).await,
            Err(StoreError::Invalid(_))
        ));
        let test = s.test_create(&a, sess.id, "培训结业测试", 60, &[q1.id, q2.id]).await.unwrap();

        let r = s.test_submit(&a, insp, test.id, &[Some(1), Some(0)]).await.unwrap();
        assert_eq!((r.points, r.passed), (100, true));
        assert!(
            matches!(s.test_submit(&a, insp, test.id, &[Some(0), Some(0)]).await, Err(StoreError::Conflict(_))),
            "answered twice"
        );
        assert!(matches!(s.test_submit(&a, insp2, test.id, &[Some(1)]).await, Err(StoreError::Invalid(_))));
        assert!(matches!(
            s.test_submit(&a, outsider, test.id, &[Some(1), Some(0)]).await,
            Err(StoreError::NotFound(_))
        ));
        let r2 = s.test_submit(&a, insp2, test.id, &[Some(0), Some(0)]).await.unwrap();
        assert_eq!((r2.points, r2.passed), (50, false));
        assert_eq!(s.test_results(test.id).await.unwrap().len(), 2, "{}", t.name);

        // A district-wide contest is open to another department.
        let contest = s.session_create(&a, scj, &session("全区监管知识竞赛", true)).await.unwrap();
        let ct = s.test_create(&a, contest.id, "竞赛", 60, &[q1.id]).await.unwrap();
        s.test_submit(&a, outsider, ct.id, &[Some(1)]).await.unwrap();
        s.test_close(&a, ct.id).await.unwrap();
        assert!(matches!(s.test_submit(&a, insp, ct.id, &[Some(1)]).await, Err(StoreError::Conflict(_))));
        assert_eq!(
            s.session_list(Some(sfj)).await.unwrap().len(),
            1,
            "another department sees only the district-wide one"
        );

        let rec = s.training_record(insp).await.unwrap();
        assert_eq!(rec.attended.len(), 1);
        assert_eq!(rec.hours_tenths, 25);
        assert_eq!(rec.results.len(), 1);
        assert_eq!(rec.results[0].points, 100);
        let by = s.training_by_department().await.unwrap();
        let mine = by.iter().find(|d| d.department_id == scj).unwrap();
        assert_eq!(
            (mine.sessions, mine.attendances, mine.hours_tenths, mine.tests_taken, mine.passed, mine.avg_points),
            (2, 2, 50, 2, 1, Some(75))
        );
        assert!(s.verify_audit().await.unwrap().is_ok());
    }
}
