//! `jianguan bench registry`: the registry's performance targets, measured in one run.
//!
//! 1. Import of an N-row demonstration CSV with full validation into a fresh SQLite
//!    store, against the time the sqlite3 command-line shell takes to `.import` the same
//!    file into a bare table of a new database file (goal: at most 2×).
//! 2. Peak resident memory of the import (VmHWM, reset just before it; goal ≤ 500 MB).
//! 3. Lookups by uscc through the real router and API-key authentication (goal:
//!    p99 ≤ 5 ms).
//!
//! Prints one line per target: figure, baseline, ratio, goal, `met` or `MISSED`.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use jianguan_domain::config::Config;
use jianguan_domain::crypto::FieldCipher;
use jianguan_domain::registry::RowOptions;
use jianguan_store::{Actor, NewApiKey};
use jianguan_web::import::entities;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use tower::ServiceExt;

type Error = Box<dyn std::error::Error>;

const SEED: u64 = 20_211_008;
const SQLITE3: &str = "sqlite3";

/// CPU seconds (user + system) of this process and of its waited-for children, from
/// /proc/self/stat (fields 14–17, in clock ticks of 1/100 s).
fn cpu_seconds() -> (f64, f64) {
    let Ok(s) = std::fs::read_to_string("/proc/self/stat") else { return (0.0, 0.0) };
    // The command name may contain spaces: fields are counted after its closing ')'.
    let rest = s.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<f64> = rest.split_whitespace().map(|x| x.parse().unwrap_or(0.0)).collect();
    // rest[0] is field 3 (state), so field n is rest[n - 3].
    let get = |n: usize| f.get(n - 3).copied().unwrap_or(0.0) / 100.0;
    (get(14) + get(15), get(16) + get(17))
}

pub(crate) fn vm_hwm_kb() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()
}

/// Resets the peak-RSS counter (Linux: writing 5 to clear_refs).
pub(crate) fn reset_hwm() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

pub(crate) fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "MISSED"
    }
}

pub async fn run(rows: usize, lookups: usize, dir: Option<PathBuf>) -> Result<ExitCode, Error> {
    if cfg!(debug_assertions) {
        eprintln!("注意:这是调试构建,数字没有意义;请用 cargo run --release -p jianguan -- bench registry");
    }
    let (dir, cleanup) = match dir {
        Some(d) => (d, false),
        None => (std::env::temp_dir().join(format!("jianguan-bench-{}", std::process::id())), true),
    };
    std::fs::create_dir_all(&dir)?;
    let csv = dir.join("entities.csv");
    let t = Instant::now();
    crate::registry::write_demo_csv(
        std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&csv)?),
        rows,
        SEED,
    )?;
    let bytes = std::fs::metadata(&csv)?.len();
    eprintln!("生成 {rows} 行演示名录 {:.1} MB,用时 {:.2} s", bytes as f64 / 1e6, t.elapsed().as_secs_f64());

    // Baseline: the sqlite3 shell's .import into a bare table of a new file database.
    let base_db = dir.join("baseline.db");
    let _ = std::fs::remove_file(&base_db);
    let (_, children_before) = cpu_seconds();
    let t = Instant::now();
    let out = std::process::Command::new(SQLITE3)
        .arg(&base_db)
        .arg(".mode csv")
        .arg(format!(".import '{}' raw", csv.display()))
        .arg("SELECT count(*) FROM raw;")
        .output()
        .map_err(|e| format!("无法运行 {SQLITE3}(请安装 sqlite3 命令行工具):{e}"))?;
    let baseline = t.elapsed();
    let baseline_cpu = cpu_seconds().1 - children_before;
    if !out.status.success() {
        return Err(format!("sqlite3 .import 失败:{}", String::from_utf8_lossy(&out.stderr)).into());
    }
    let base_rows: usize = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(0);
    if base_rows != rows {
        return Err(format!("sqlite3 导入了 {base_rows} 行,应为 {rows} 行").into());
    }

    // Our import into a fresh store.
    let store_path = dir.join("jianguan.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", store_path.display()));
    }
    let store = jianguan_store::open(&format!("sqlite://{}", store_path.display()), 4, Default::default()).await?;
    store.migrate().await?;
    store.seed_organisation(&Actor::system()).await?;
    let mut key = [0u8; 32];
    getrandom::getrandom(&mut key)?;
    let cipher = FieldCipher::from_master(&key);
    let cfg = Config { data_dir: dir.display().to_string(), ..Config::default() };
    let hwm_reset = reset_hwm();
    let (self_before, _) = cpu_seconds();
    let t = Instant::now();
    let (p, limits) = (csv.clone(), cfg.upload.clone());
    let prepared = tokio::task::spawn_blocking(move || {
        entities::prepare(&p, "entities.csv", RowOptions { accept_legacy: true }, &limits)
    })
    .await??;
    let actor = Actor { name: "bench".into(), role: "system".into(), account_id: None, department_id: None };
    let job = store.import_begin(&actor, &prepared.new_job(None)).await?;
    let job = entities::run(&store, &cipher, &actor, &prepared, job, &|_| {}).await?;
    let ours = t.elapsed();
    let ours_cpu = cpu_seconds().0 - self_before;
    let hwm_mb = vm_hwm_kb().unwrap_or(0) as f64 / 1024.0;
    println!("{}", job.summary_line());
    if job.imported as usize + job.rejected as usize + job.duplicate as usize != rows {
        return Err("导入计数与行数不符".into());
    }

    // Lookups through the router, authenticated by an API key.
    let dept = store.list_units().await?.into_iter().find(|u| u.code == "scjgj").ok_or("部门缺失")?.id;
    let prefix = "jgk_bench0001".to_string();
    let secret = format!("{prefix}.{}", jianguan_web::security::token());
    store
        .create_api_key(
            &Actor::system(),
            &NewApiKey {
                department_id: dept,
                name: "bench".into(),
                prefix,
                key_hash: jianguan_web::security::sha256_hex(&secret),
                scopes: vec!["entities:read".into()],
            },
        )
        .await?;
    let state = jianguan_web::AppState::new(store.clone(), cfg, cipher, vec![0u8; 32]);
    let app = jianguan_web::router(state);
    let mut rng = SEED;
    let mut lat: Vec<Duration> = Vec::with_capacity(lookups);
    for i in 0..lookups + 200 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let idx = (rng % rows as u64) as usize;
        let uscc = jianguan_domain::uscc::demo::entity_at(SEED, idx).ok_or("index")?.uscc;
        let req = Request::builder()
            .uri(format!("/api/v1/entities/{uscc}"))
            .header("authorization", format!("Bearer {secret}"))
            .body(Body::empty())?;
        let t = Instant::now();
        let resp = app.clone().oneshot(req).await?;
        let status = resp.status();
        let body = axum::body::to_bytes(resp.into_body(), 1 << 20).await?;
        let d = t.elapsed();
        if status != StatusCode::OK || body.is_empty() {
            return Err(format!("查询 {uscc} 返回 {status}").into());
        }
        if i >= 200 {
            lat.push(d); // the first 200 warm the caches and connections
        }
    }
    lat.sort();
    let pct = |q: f64| lat[((lat.len() as f64 * q).ceil() as usize).clamp(1, lat.len()) - 1].as_secs_f64() * 1000.0;
    let (p50, p99) = (pct(0.50), pct(0.99));
    store.close().await;

    let ratio = ours.as_secs_f64() / baseline.as_secs_f64();
    println!(
        "import {rows} rows: figure={:.2}s baseline(sqlite3 .import)={:.2}s ratio={ratio:.2} goal=ratio<=2.00 {}",
        ours.as_secs_f64(),
        baseline.as_secs_f64(),
        verdict(ratio <= 2.0)
    );
    println!(
        "  (CPU time, less sensitive to other load on the machine: ours {ours_cpu:.2}s, sqlite3 {baseline_cpu:.2}s, ratio {:.2}; load average {})",
        ours_cpu / baseline_cpu.max(0.01),
        std::fs::read_to_string("/proc/loadavg").unwrap_or_default().split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    );
    println!(
        "import peak RSS: figure={hwm_mb:.0}MB{} baseline=- ratio=- goal<=500MB {}",
        if hwm_reset { "" } else { "(since process start)" },
        verdict(hwm_mb <= 500.0 && hwm_mb > 0.0)
    );
    println!(
        "lookup by uscc via API ({} lookups, {rows} entities): figure=p99 {p99:.2}ms (p50 {p50:.2}ms) baseline=- ratio=- goal=p99<=5ms {}",
        lat.len(),
        verdict(p99 <= 5.0)
    );
    if cleanup {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(ExitCode::SUCCESS)
}
