//! The `jianguan` binary end to end: init, migrate, verify-audit (and tamper detection),
//! backup, calendar, uscc — on SQLite and PostgreSQL.

use jianguan_store::testing;
use std::path::Path;
use std::process::{Command, Output};

fn jianguan(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jianguan"))
        .args(args)
        .current_dir(dir)
        .env("JIANGUAN_LOG", "error")
        .output()
        .expect("run jianguan")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `(--data-dir …, [--database-url …])` for SQLite and, when available, PostgreSQL.
async fn targets() -> Vec<(String, Vec<String>, std::path::PathBuf)> {
    let mut v = Vec::new();
    let d = testing::temp_dir();
    v.push(("sqlite".to_string(), vec!["--data-dir".into(), d.join("data").display().to_string()], d));
    if let Some(server) = testing::pg_server().await {
        let schema = format!("cli_{}", std::process::id());
        let pool = sqlx::PgPool::connect(&server).await.unwrap();
        sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).execute(&pool).await.unwrap();
        sqlx::query(&format!("CREATE SCHEMA {schema}")).execute(&pool).await.unwrap();
        let sep = if server.contains('?') { '&' } else { '?' };
        let url = format!("{server}{sep}options=-c%20search_path%3D{schema}");
        let d = testing::temp_dir();
        v.push((
            "postgres".to_string(),
            vec!["--data-dir".into(), d.join("data").display().to_string(), "--database-url".into(), url],
            d,
        ));
    }
    v
}

#[tokio::test]
async fn init_verify_tamper_backup() {
    for (name, store_args, dir) in targets().await {
        let args = |cmd: &[&str]| -> Vec<String> {
            let mut a: Vec<String> = cmd.iter().map(|s| s.to_string()).collect();
            a.extend(store_args.iter().cloned());
            a
        };
        let run = |cmd: &[&str]| {
            let a = args(cmd);
            jianguan(&dir, &a.iter().map(String::as_str).collect::<Vec<_>>())
        };
        // verify-audit on a store that does not exist yet refuses clearly.
        if name == "sqlite" {
            let o = run(&["verify-audit"]);
            assert!(!o.status.success());
            assert!(String::from_utf8_lossy(&o.stderr).contains("不存在"), "{}", String::from_utf8_lossy(&o.stderr));
        }
        let o = run(&["init"]);
        assert!(o.status.success(), "{name}: {}", String::from_utf8_lossy(&o.stderr));
        let out = stdout(&o);
        for admin in ["sysadmin", "secadmin", "auditadmin"] {
            assert!(out.contains(admin), "{name}: {out}");
        }
        assert!(!out.contains("ledger "), "no demo accounts without --demo");
        // A second init creates nothing and prints no passwords.
        let again = stdout(&run(&["init"]));
        assert!(!again.contains("一次性密码"), "{name}: {again}");
        let o = run(&["migrate"]);
        assert!(o.status.success());

        let o = run(&["verify-audit"]);
        let out = stdout(&o);
        assert!(o.status.success(), "{name}: {out}");
        assert!(out.starts_with("ok ") && out.trim_end().ends_with(" entries"), "{out}");
        let n: u64 = out.split_whitespace().nth(1).unwrap().parse().unwrap();
        assert!(n >= 5);

        let backup = dir.join(if name == "sqlite" { "b.db" } else { "b.dump" });
        let o = run(&["backup", "--out", backup.to_str().unwrap()]);
        assert!(o.status.success(), "{name}: {}", String::from_utf8_lossy(&o.stderr));
        assert!(stdout(&o).contains("departments"));
        let o = run(&["backup", "--out", backup.to_str().unwrap()]);
        assert!(!o.status.success(), "never overwrites");

        // Tamper with entry 3 behind the application's back: verify-audit names it.
        match name.as_str() {
            "sqlite" => {
                let db = dir.join("data/jianguan.db");
                let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display())).await.unwrap();
                sqlx::query("DROP TRIGGER audit_log_no_update").execute(&pool).await.unwrap();
                sqlx::query("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3").execute(&pool).await.unwrap();
                pool.close().await;
            }
            _ => {
                let url = store_args.last().unwrap();
                let pool = sqlx::PgPool::connect(url).await.unwrap();
                sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update").execute(&pool).await.unwrap();
                sqlx::query("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3").execute(&pool).await.unwrap();
                pool.close().await;
            }
        }
        let o = run(&["verify-audit"]);
        assert_eq!(o.status.code(), Some(1), "{name}");
        assert!(stdout(&o).starts_with("bad seq=3:"), "{name}: {}", stdout(&o));
    }
}

#[test]
fn calendar_and_uscc_tools() {
    let dir = testing::temp_dir();
    let o = jianguan(&dir, &["calendar", "is-working-day", "2024-02-04", "2024-10-01", "2025-01-26"]);
    assert_eq!(stdout(&o), "2024-02-04 true\n2024-10-01 false\n2025-01-26 true\n");
    let o = jianguan(&dir, &["calendar", "add-working-days", "2024-09-27", "3"]);
    assert_eq!(stdout(&o), "2024-10-08\n");
    let o = jianguan(&dir, &["calendar", "add-working-days", "2024-10-08", "-1"]);
    assert_eq!(stdout(&o), "2024-09-30\n");
    let o = jianguan(&dir, &["calendar", "is-working-day", "2024-13-01"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("日期格式错误"));

    let mut child = Command::new(env!("CARGO_BIN_EXE_jianguan"))
        .args(["uscc", "check"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"91350100M000100Y43\n91350100M000100Y44\n\n").unwrap();
    let o = child.wait_with_output().unwrap();
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "91350100M000100Y43\tvalid");
    assert!(lines[1].starts_with("91350100M000100Y44\tinvalid\t"), "{out}");
    assert_eq!(lines.len(), 2);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn configuration_file_and_environment() {
    let dir = testing::temp_dir();
    std::fs::write(dir.join("jianguan.toml"), "data_dir = \"from-file\"\n[session]\nidle_minutes = 1\n").unwrap();
    // A config naming a PostgreSQL URL with a password: the password never reaches the output.
    let o = Command::new(env!("CARGO_BIN_EXE_jianguan"))
        .args(["migrate"])
        .current_dir(&dir)
        .env("JIANGUAN_DATABASE_URL", "postgres://user:hunter2-secret@127.0.0.1:1/none")
        .env("JIANGUAN_LOG", "debug")
        .output()
        .unwrap();
    assert!(!o.status.success());
    let all = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(!all.contains("hunter2-secret"), "secret leaked: {all}");
    assert!(all.contains("***"), "{all}");
    // The file's data_dir is used (a SQLite store appears there).
    let o = jianguan(&dir, &["migrate"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(dir.join("from-file/jianguan.db").exists());
    // The environment overrides the file; the command line overrides both.
    let o = Command::new(env!("CARGO_BIN_EXE_jianguan"))
        .args(["migrate"])
        .current_dir(&dir)
        .env("JIANGUAN_DATA_DIR", "from-env")
        .env("JIANGUAN_LOG", "error")
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(dir.join("from-env/jianguan.db").exists());
    let o = jianguan(&dir, &["migrate", "--data-dir", "from-flag"]);
    assert!(o.status.success());
    assert!(dir.join("from-flag/jianguan.db").exists());
    let o = jianguan(&dir, &["--config", "missing.toml", "migrate"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("配置文件 missing.toml 不存在"));
}

#[test]
fn verify_draw_accepts_the_golden_records_and_names_a_tampered_field() {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("../domain/tests/draw_golden/basic.json");
    let dir = testing::temp_dir();
    let o = jianguan(&dir, &["verify-draw", golden.to_str().unwrap()]);
    assert_eq!(stdout(&o), "ok\n");
    assert!(o.status.success());
    let mut record: serde_json::Value = serde_json::from_slice(&std::fs::read(&golden).unwrap()).unwrap();
    record["entropy"]["value"] = serde_json::json!("tampered");
    let bad = dir.join("bad.json");
    std::fs::write(&bad, serde_json::to_vec_pretty(&record).unwrap()).unwrap();
    let o = jianguan(&dir, &["verify-draw", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).starts_with("mismatch "), "{}", stdout(&o));
}

#[test]
fn verify_bundle_checks_an_enforcement_export_offline() {
    use jianguan_web::pages::enforcement::bundle;
    let dir = testing::temp_dir();
    let zip =
        bundle::build("<html>案件</html>", &[("files/0123-现场.pdf".into(), b"%PDF-1.4 evidence".to_vec())]).unwrap();
    let good = dir.join("bundle.zip");
    std::fs::write(&good, &zip).unwrap();
    let o = jianguan(&dir, &["enforcement", "verify-bundle", good.to_str().unwrap()]);
    assert_eq!(stdout(&o), "ok 2 files\n");
    assert!(o.status.success());
    let bad = dir.join("bad.zip");
    std::fs::write(&bad, b"PK\x03\x04 not really").unwrap();
    let o = jianguan(&dir, &["enforcement", "verify-bundle", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).starts_with("mismatch: "), "{}", stdout(&o));
}
