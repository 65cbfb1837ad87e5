//! Foundation store tests, each run on SQLite and PostgreSQL.

use jianguan_domain::auth::Role;
use jianguan_store::testing;
use jianguan_store::*;

fn admin() -> Actor {
    Actor { name: "sysadmin".into(), role: "sys_admin".into(), account_id: None, department_id: None }
}

#[tokio::test]
async fn both_schemas_have_the_same_tables_and_columns() {
    let sqlite = testing::sqlite().await;
    let Some(pg) = testing::postgres().await else { return };
    let a = sqlite.store.schema_columns().await.unwrap();
    let b = pg.store.schema_columns().await.unwrap();
    assert!(a.len() > 50, "schema looks empty: {a:?}");
    assert_eq!(a, b, "SQLite and PostgreSQL schemas differ");
}

#[tokio::test]
async fn migrations_and_seed_are_idempotent() {
    for t in testing::all().await {
        let s = &t.store;
        s.migrate().await.unwrap();
        let n = s.seed_organisation(&Actor::system()).await.unwrap();
        assert!(n >= 30, "{}: seeded {n}", t.name);
        assert_eq!(s.seed_organisation(&Actor::system()).await.unwrap(), 0, "{}", t.name);
        let units = s.list_units().await.unwrap();
        assert_eq!(units.len(), n);
        let g = units.iter().find(|u| u.name == "区各行业主管部门").unwrap();
        assert_eq!(g.kind, UnitKind::Group);
        assert!(g.members.len() >= 10);
        let fgw = units.iter().find(|u| u.code == "fgw").unwrap();
        assert!(fgw.aliases.contains(&"区发改委".to_string()));
        assert_eq!(s.verify_audit().await.unwrap(), Ok(1), "{}", t.name);
    }
}

#[tokio::test]
async fn audit_rows_cannot_be_updated_or_deleted() {
    for t in testing::all().await {
        let s = &t.store;
        s.audit(Actor::system().event("test.one", "x:1", serde_json::json!({}))).await.unwrap();
        let (upd, del) = match s.backend() {
            Backend::Sqlite => {
                let pool = sqlx::SqlitePool::connect(&t.url).await.unwrap();
                let u = sqlx::query("UPDATE audit_log SET actor = 'mallory'").execute(&pool).await;
                let d = sqlx::query("DELETE FROM audit_log").execute(&pool).await;
                (u.is_err(), d.is_err())
            }
            Backend::Postgres => {
                let pool = sqlx::PgPool::connect(&t.url).await.unwrap();
                let u = sqlx::query("UPDATE audit_log SET actor = 'mallory'").execute(&pool).await;
                let d = sqlx::query("DELETE FROM audit_log").execute(&pool).await;
                let tr = sqlx::query("TRUNCATE audit_log").execute(&pool).await;
                assert!(tr.is_err(), "truncate allowed");
                (u.is_err(), d.is_err())
            }
        };
        assert!(upd && del, "{}: update refused {upd}, delete refused {del}", t.name);
        assert_eq!(s.verify_audit().await.unwrap(), Ok(1));
    }
}

#[tokio::test]
async fn concurrent_writers_keep_the_chain_gapless() {
    for t in testing::all().await {
        let mut handles = Vec::new();
        for w in 0..8 {
            let s = t.store.clone();
            handles.push(tokio::spawn(async move {
                for i in 0..25 {
                    s.audit(Actor::system().event(
                        "test.concurrent",
                        format!("w{w}:{i}"),
                        serde_json::json!({ "i": i }),
                    ))
                    .await
                    .unwrap();
                }
            }));
        }
        for h in handles {
            h.await.unwrap();
        }
        assert_eq!(t.store.verify_audit().await.unwrap(), Ok(200), "{}", t.name);
        let key = b"checkpoint-key";
        let cp = t.store.audit_checkpoint(key).await.unwrap().unwrap();
        assert_eq!(cp.seq, 200);
        assert_eq!(cp.mac, jianguan_domain::audit::checkpoint_mac(key, 200, &cp.head_hash, &cp.at));
        assert!(t.store.audit_checkpoint(key).await.unwrap().is_none(), "no new entries, no new checkpoint");
    }
}

#[tokio::test]
async fn departments_rename_merge_groups_with_history() {
    for t in testing::all().await {
        let s = &t.store;
        s.seed_organisation(&Actor::system()).await.unwrap();
        let a = s.create_department(&admin(), "qxj", "区气象局", UnitKind::Department).await.unwrap();
        let dup = s.create_department(&admin(), "qxj", "别的名字", UnitKind::Department).await;
        assert!(matches!(dup, Err(StoreError::Conflict(_))), "{}", t.name);
        let bad = s.create_department(&admin(), "bad code!", "名字", UnitKind::Department).await;
        assert!(matches!(bad, Err(StoreError::Invalid(_))));
        let a = s.rename_department(&admin(), a.id, "区气象服务中心").await.unwrap();
        assert_eq!(a.name, "区气象服务中心");
        assert_eq!(a.aliases, vec!["区气象局".to_string()]);
        let taken = s.rename_department(&admin(), a.id, "区司法局").await;
        assert!(matches!(taken, Err(StoreError::Conflict(_))));

        let units = s.list_units().await.unwrap();
        let group = units.iter().find(|u| u.code == "g-hyzg").unwrap().clone();
        let mut members = group.members.clone();
        members.push(a.id);
        let g2 = s.set_group_members(&admin(), group.id, &members).await.unwrap();
        assert!(g2.members.contains(&a.id));
        let not_group = s.set_group_members(&admin(), a.id, &[]).await;
        assert!(matches!(not_group, Err(StoreError::Invalid(_))));

        let acct = s
            .create_account(
                &admin(),
                &NewAccount {
                    username: "qx.staff".into(),
                    display_name: "气象填报员".into(),
                    department_id: a.id,
                    password_hash: "h".into(),
                    must_change_password: true,
                },
            )
            .await
            .unwrap();
        let yjj = units.iter().find(|u| u.code == "yjj").unwrap();
        let merged = s.merge_departments(&admin(), a.id, yjj.id).await.unwrap();
        assert!(merged.aliases.contains(&"区气象服务中心".to_string()));
        assert_eq!(s.get_account(acct.id).await.unwrap().department_id, yjj.id);
        let old = s.get_unit(a.id).await.unwrap();
        assert!(!old.active);
        assert_eq!(old.merged_into, Some(yjj.id));
        assert!(!s.get_unit(group.id).await.unwrap().members.contains(&a.id));
        let hist: Vec<String> = s.unit_history(a.id).await.unwrap().into_iter().map(|h| h.change).collect();
        assert_eq!(hist, vec!["create", "rename", "merged_into"], "{}", t.name);
        assert!(s.verify_audit().await.unwrap().is_ok());
    }
}

#[tokio::test]
async fn accounts_roles_sessions_and_keys() {
    for t in testing::all().await {
        let s = &t.store;
        s.seed_organisation(&Actor::system()).await.unwrap();
        let dept = s.list_units().await.unwrap().into_iter().find(|u| u.code == "scjgj").unwrap();
        let a = s
            .create_account(
                &admin(),
                &NewAccount {
                    username: "zhang.san".into(),
                    display_name: "张三".into(),
                    department_id: dept.id,
                    password_hash: "hash1".into(),
                    must_change_password: true,
                },
            )
            .await
            .unwrap();
        assert!(a.must_change_password && a.roles.is_empty());
        let two_admins = s.set_roles(&admin(), a.id, &[Role::SysAdmin, Role::AuditAdmin]).await;
        assert!(matches!(two_admins, Err(StoreError::Invalid(_))), "{}", t.name);
        let a = s.set_roles(&admin(), a.id, &[Role::Inspector, Role::DeptStaff]).await.unwrap();
        assert_eq!(a.roles, vec![Role::DeptStaff, Role::Inspector]);

        s.set_password(&admin(), a.id, "hash2", false).await.unwrap();
        assert_eq!(s.password_history(a.id, 5).await.unwrap(), vec!["hash2", "hash1"]);

        let t0 = now();
        s.create_session(&NewSession {
            id_hash: "sess1".into(),
            account_id: a.id,
            csrf_token: "csrf".into(),
            at: t0,
            ip: "127.0.0.1".into(),
            user_agent: "test".into(),
            totp_passed: true,
        })
        .await
        .unwrap();
        let sess = s.get_session("sess1").await.unwrap().unwrap();
        assert_eq!(sess.created_at, t0, "{}: timestamps round-trip exactly", t.name);
        s.set_account_disabled(&admin(), a.id, true).await.unwrap();
        assert!(s.get_session("sess1").await.unwrap().unwrap().ended_at.is_some(), "disabling ends sessions");

        let window = now() - chrono::Duration::minutes(15);
        for i in 1..=3 {
            let n = s
                .record_login(
                    &LoginAttempt {
                        username: "zhang.san".into(),
                        ip: "10.0.0.9".into(),
                        at: now(),
                        success: false,
                        role: "dept_staff".into(),
                        reason: "bad_password".into(),
                    },
                    window,
                )
                .await
                .unwrap();
            assert_eq!(n, i);
        }
        assert_eq!(s.ip_failures_since("10.0.0.9", window).await.unwrap(), 3);

        let key = s
            .create_api_key(
                &admin(),
                &NewApiKey {
                    department_id: dept.id,
                    name: "审批系统".into(),
                    prefix: "jgk_abc".into(),
                    key_hash: "kh".into(),
                    scopes: vec!["licences:write".into()],
                },
            )
            .await
            .unwrap();
        assert_eq!(s.find_api_key("jgk_abc").await.unwrap().unwrap().scopes, vec!["licences:write"]);
        s.revoke_api_key(&admin(), key.id).await.unwrap();
        assert!(s.find_api_key("jgk_abc").await.unwrap().unwrap().revoked_at.is_some());
        assert!(matches!(s.revoke_api_key(&admin(), key.id).await, Err(StoreError::NotFound(_))));

        let actions: Vec<String> = s
            .audit_search(&AuditFilter { actor: Some("sysadmin".into()), limit: 100, ..Default::default() })
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        for expected in [
            "account.create",
            "account.roles",
            "account.password_change",
            "account.disable",
            "api_key.create",
            "api_key.revoke",
        ] {
            assert!(actions.iter().any(|a| a == expected), "{}: missing {expected} in {actions:?}", t.name);
        }
        assert!(s.verify_audit().await.unwrap().is_ok());
    }
}

#[tokio::test]
async fn notifications_are_deduplicated_and_scoped() {
    for t in testing::all().await {
        let s = &t.store;
        s.seed_organisation(&Actor::system()).await.unwrap();
        let units = s.list_units().await.unwrap();
        let d1 = units.iter().find(|u| u.code == "scjgj").unwrap().id;
        let d2 = units.iter().find(|u| u.code == "sfj").unwrap().id;
        let n = NewNotification {
            department_id: Some(d1),
            account_id: None,
            kind: "overdue".into(),
            title: "逾期".into(),
            body: "任务逾期".into(),
            link: "/ledger".into(),
            dedup_key: "overdue:1:2026-11-25".into(),
        };
        assert!(s.notify(&n).await.unwrap());
        assert!(!s.notify(&n).await.unwrap());
        assert_eq!(s.notifications_for(d1, 0, 10).await.unwrap().len(), 1);
        assert_eq!(s.notifications_for(d2, 0, 10).await.unwrap().len(), 0, "{}", t.name);
        let id = s.notifications_for(d1, 0, 10).await.unwrap()[0].id;
        s.mark_notification_read(id, d2, 0).await.unwrap();
        assert!(
            s.notifications_for(d1, 0, 10).await.unwrap()[0].read_at.is_none(),
            "another department cannot mark it"
        );
        s.mark_notification_read(id, d1, 0).await.unwrap();
        assert!(s.notifications_for(d1, 0, 10).await.unwrap()[0].read_at.is_some());
    }
}

#[tokio::test]
async fn backup_is_a_consistent_snapshot() {
    for t in testing::all().await {
        let s = &t.store;
        s.seed_organisation(&Actor::system()).await.unwrap();
        let out = t.dir.join(if t.name == "sqlite" { "backup.db" } else { "backup.dump" });
        let sum = s.backup(&out).await.unwrap();
        assert!(sum.bytes > 0);
        let depts = sum.tables.iter().find(|(n, _)| n == "departments").unwrap().1;
        assert_eq!(depts as usize, s.list_units().await.unwrap().len());
        assert!(matches!(s.backup(&out).await, Err(StoreError::Conflict(_))), "never overwrites");
        if t.name == "sqlite" {
            let restored =
                jianguan_store::open(&format!("sqlite://{}", out.display()), 1, Default::default()).await.unwrap();
            assert_eq!(restored.verify_audit().await.unwrap(), s.verify_audit().await.unwrap());
        }
    }
}

#[tokio::test]
async fn sqlite_is_configured_for_durability() {
    let t = testing::sqlite().await;
    let Backend::Sqlite = t.store.backend() else { unreachable!() };
    let path = t.url.strip_prefix("sqlite://").unwrap();
    let s = jianguan_store::sqlite::SqliteStore::open(std::path::Path::new(path), 2, Default::default()).await.unwrap();
    let w = s.writer();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(w).await.unwrap();
    let sync: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(w).await.unwrap();
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(w).await.unwrap();
    let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout").fetch_one(w).await.unwrap();
    assert_eq!((mode.as_str(), sync, fk), ("wal", 2, 1), "WAL, synchronous=FULL, foreign keys");
    assert!(busy >= 5000);
    assert_eq!(w.options().get_max_connections(), 1, "one writer connection");
    // Foreign keys are enforced: an account in a department that does not exist is refused.
    let r = sqlx::query(
        "INSERT INTO accounts (username, display_name, department_id, password_hash, password_changed_at, created_at, updated_at) \
         VALUES ('x', 'x', 424242, 'h', '2026-01-01', '2026-01-01', '2026-01-01')",
    )
    .execute(w)
    .await;
    assert!(r.is_err());
}

#[tokio::test]
async fn the_chain_can_use_sm3() {
    for t in testing::all_with(jianguan_domain::crypto::HashAlgo::Sm3).await {
        let s = &t.store;
        s.seed_organisation(&Actor::system()).await.unwrap();
        s.audit(Actor::system().event("test.sm3", "x:1", serde_json::json!({}))).await.unwrap();
        let entries = s.audit_search(&AuditFilter { limit: 10, ..Default::default() }).await.unwrap();
        assert!(entries.iter().all(|e| e.algo == "sm3"), "{}", t.name);
        assert_eq!(s.verify_audit().await.unwrap(), Ok(2), "{}", t.name);
    }
}
