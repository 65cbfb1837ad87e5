//! `jianguan demo entities` and `jianguan import entities` as a user runs them: the
//! closing line, idempotent re-import, and an import killed half-way that resumes.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_jianguan");

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("jianguan-cli-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn import(data: &Path, file: &Path) -> (bool, String, String) {
    let out = Command::new(BIN)
        .args(["import", "entities"])
        .arg(file)
        .arg("--data-dir")
        .arg(data)
        .arg("--accept-legacy")
        .env("JIANGUAN_LOG", "error")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn last_line(s: &str) -> &str {
    s.lines().last().unwrap_or("")
}

#[test]
fn demo_file_imports_once_and_a_killed_import_resumes() {
    let dir = temp_dir("resume");
    let csv = dir.join("demo.csv");
    let st = Command::new(BIN)
        .args(["demo", "entities", "--count", "45000", "--seed", "7", "--out"])
        .arg(&csv)
        .status()
        .unwrap();
    assert!(st.success());
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with(jianguan_domain_header()));
    assert_eq!(text.lines().count(), 45_001);

    // Kill the first import once a batch is committed.
    let data = dir.join("data");
    // Waited on after the kill below; only a timeout panic leaves it to the test harness.
    #[allow(clippy::zombie_processes)]
    let mut child = Command::new(BIN)
        .args(["import", "entities"])
        .arg(&csv)
        .arg("--data-dir")
        .arg(&data)
        .arg("--accept-legacy")
        .env("JIANGUAN_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let db = data.join("jianguan.db");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let start = Instant::now();
    let committed = loop {
        assert!(start.elapsed() < Duration::from_secs(120), "no batch committed in time");
        if db.exists() {
            let n = rt.block_on(async {
                let s =
                    jianguan_store::open(&format!("sqlite://{}", db.display()), 1, Default::default()).await.ok()?;
                let jobs = jianguan_store::registry::RegistryStore::import_jobs(&*s, "entities", 1).await.ok()?;
                s.close().await;
                jobs.first().map(|j| (j.rows_committed, j.status.clone()))
            });
            if let Some((rows, status)) = n {
                if rows > 0 {
                    child.kill().unwrap();
                    child.wait().unwrap();
                    break (rows, status);
                }
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(committed.0 % 10_000 == 0 || committed.1 == "done", "commits are whole batches: {committed:?}");
    eprintln!("killed with {committed:?}");

    let (ok, out, err) = import(&data, &csv);
    assert!(ok, "{err}");
    if committed.1 == "running" {
        assert!(err.contains("续传导入任务"), "{err}");
    }
    // Whether resumed or finished, the registry holds every row once and the job's
    // accounting covers the whole file.
    let line = last_line(&out);
    assert!(line.starts_with("total=45000 "), "{line}");
    let n: i64 = rt.block_on(async {
        let s = jianguan_store::open(&format!("sqlite://{}", db.display()), 1, Default::default()).await.unwrap();
        let n = jianguan_store::registry::RegistryStore::entity_count(&*s).await.unwrap();
        assert!(jianguan_store::Store::verify_audit(&*s).await.unwrap().is_ok());
        s.close().await;
        n
    });
    assert_eq!(n, 45_000);

    // The same file again changes nothing.
    let (ok, out, _) = import(&data, &csv);
    assert!(ok);
    assert_eq!(last_line(&out), "total=45000 imported=0 updated=0 rejected=0 duplicate=45000");
    let _ = std::fs::remove_dir_all(&dir);
}

fn jianguan_domain_header() -> &'static str {
    "统一社会信用代码,名称,主体类型,法定代表人,住所,行政区划,行业代码,行业名称,成立日期,登记状态,标签"
}

#[test]
fn a_file_without_required_columns_is_refused() {
    let dir = temp_dir("cols");
    let f = dir.join("bad.csv");
    std::fs::write(&f, "名称,住所\n某公司,南开区\n").unwrap();
    let (ok, out, err) = import(&dir.join("data"), &f);
    assert!(!ok);
    assert!(out.is_empty());
    assert!(err.contains("文件缺少必需的列"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
