//! `jianguan bench draw`: the verifiable draw's performance targets, measured in one run
//! against baselines measured in the same run on the same rows.
//!
//! * Builds (or reuses) a SQLite database in the working directory holding N demo
//!   entities of the registry's generator as candidates (uscc, weight, stratum: four
//!   risk classes with integer weights 1–4), reads the pool from it sorted by uscc.
//! * Runs the stratified entity draw (`run_draw_with`: canonical pool hash, seed, a
//!   ticket per candidate, the k smallest per stratum, the record), best of three: this
//!   is `seconds`, compared with both baselines, which draw or hash entities only. Then
//!   runs the same draw with inspector assignment from a 2,000-person roster (a team of
//!   two per winner; by the published definition one ticket per eligible inspector and
//!   winner, so k × roster hashes), reports its time separately and writes its record
//!   to FILE.
//! * Baselines: SQLite's `SELECT uscc FROM candidates ORDER BY random() LIMIT k` over
//!   the same rows (goal: the draw ≥ 20× faster) and one SHA-256 of every pool entry,
//!   single-threaded (`hash_all_baseline`; goal: the draw ≤ 2× this); peak resident
//!   memory of the draw (VmHWM; goal ≤ 2 GB).
//!
//! Prints `draw: N=… k=… seconds=… order_by_random_seconds=… hash_seconds=…
//! speedup_vs_order_by_random=… ratio_vs_hash=…`, then one line per target with the
//! goal and `met` or `MISSED`.

use chrono::{NaiveDate, TimeZone, Utc};
use jianguan_domain::draw::{
    hash_all_baseline, run_draw_with, DrawInput, DrawOptions, DrawParameters, DrawSpec, InspectionParams, Inspector,
    PoolBuilder, Quota, UsccKey,
};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, Row};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use crate::bench_registry::{reset_hwm, verdict, vm_hwm_kb};

type Error = Box<dyn std::error::Error>;

const STRATA: [&str; 4] = ["A", "B", "C", "D"];

fn vm_hwm_mb() -> Option<f64> {
    vm_hwm_kb().map(|kb| kb as f64 / 1024.0)
}

/// Candidate i's stratum and weight: a fixed spread over the four classes.
fn stratum_of(i: usize) -> (usize, u32) {
    // 20 % A, 50 % B, 25 % C, 5 % D; weights 1, 2, 3, 4.
    match i % 20 {
        0..=3 => (0, 1),
        4..=13 => (1, 2),
        14..=18 => (2, 3),
        _ => (3, 4),
    }
}

const DEMO_SEED: u64 = 20_211_008;
const ITEM: &str = "BENCH-001";
const DEPARTMENT: &str = "区市场监管局";

fn roster(n: usize) -> Vec<Inspector> {
    (0..n)
        .map(|i| Inspector {
            certificate_no: format!("12010400{i:06}"),
            name: format!("检查员{i:04}"),
            department: DEPARTMENT.into(),
            items: vec![ITEM.into()],
            valid_from: NaiveDate::from_ymd_opt(2024, 1, 1).expect("date"),
            valid_until: NaiveDate::from_ymd_opt(2028, 12, 31).expect("date"),
            active: true,
            prior_assignments: 0,
            recusals: Vec::new(),
        })
        .collect()
}

/// Opens the candidates database of `n` demo entities in `dir`, building it when it
/// is missing or holds another number of rows.
async fn candidates_db(dir: &std::path::Path, n: usize) -> Result<sqlx::SqliteConnection, Error> {
    let db = dir.join(format!("draw-bench-{n}.db"));
    let opts = SqliteConnectOptions::new()
        .filename(&db)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal);
    let mut conn = opts.connect().await?;
    let have: Option<i64> =
        sqlx::query_scalar("SELECT value FROM meta WHERE key = 'rows'").fetch_optional(&mut conn).await.ok().flatten();
    if have == Some(n as i64) {
        eprintln!("复用 {}({n} 家)", db.display());
        return Ok(conn);
    }
    let t = Instant::now();
    for sql in [
        "DROP TABLE IF EXISTS candidates",
        "DROP TABLE IF EXISTS meta",
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
        "CREATE TABLE candidates (uscc TEXT PRIMARY KEY, weight INTEGER NOT NULL, stratum TEXT NOT NULL) WITHOUT ROWID",
    ] {
        sqlx::query(sql).execute(&mut conn).await?;
    }
    // Sorted first, so the primary-key B-tree is filled in order.
    let mut all: Vec<(usize, String)> =
        jianguan_domain::uscc::demo::generate(n, DEMO_SEED).enumerate().map(|(i, e)| (i, e.uscc)).collect();
    all.sort_unstable_by(|a, b| a.1.cmp(&b.1));
    for batch in all.chunks(10_000) {
        let mut tx = conn.begin().await?;
        for chunk in batch.chunks(1_000) {
            let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new("INSERT INTO candidates (uscc, weight, stratum) ");
            qb.push_values(chunk, |mut b, (i, uscc)| {
                let (s, w) = stratum_of(*i);
                b.push_bind(uscc.as_str()).push_bind(i64::from(w)).push_bind(STRATA[s]);
            });
            qb.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
    }
    sqlx::query("INSERT INTO meta (key, value) VALUES ('rows', $1)").bind(n as i64).execute(&mut conn).await?;
    eprintln!("建立候选库 {n} 家,用时 {:.1} s", t.elapsed().as_secs_f64());
    Ok(conn)
}

pub async fn run(
    n: usize,
    ratio: f64,
    inspectors: usize,
    record: Option<PathBuf>,
    dir: Option<PathBuf>,
) -> Result<ExitCode, Error> {
    if cfg!(debug_assertions) {
        eprintln!("注意:这是调试构建,数字没有意义;请用 cargo run --release -p jianguan -- bench draw");
    }
    if n == 0 || n > jianguan_domain::uscc::demo::MAX_COUNT {
        return Err("检查对象数量须在 1 到 100,000,000 之间".into());
    }
    let per_mille = (ratio * 1000.0).round();
    if !(1.0..=1000.0).contains(&per_mille) || (ratio * 1000.0 - per_mille).abs() > 1e-9 {
        return Err("抽取比例须在 0.001 到 1 之间,最多三位小数(例如 0.05)".into());
    }
    let per_mille = per_mille as u32;
    if inspectors == 1 {
        return Err("检查人员名录至少 2 人(0 表示不抽取检查人员)".into());
    }
    let dir = dir.unwrap_or_else(|| std::env::temp_dir().join("jianguan-bench-draw"));
    std::fs::create_dir_all(&dir)?;
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let mut conn = candidates_db(&dir, n).await?;

    // The pool, read the way the store reads it: rows sorted by uscc, pushed in order.
    let t = Instant::now();
    let mut builder = PoolBuilder::with_capacity(n);
    let mut last = String::new();
    loop {
        let rows =
            sqlx::query("SELECT uscc, weight, stratum FROM candidates WHERE uscc > $1 ORDER BY uscc LIMIT 100000")
                .bind(&last)
                .fetch_all(&mut conn)
                .await?;
        let Some(end) = rows.last() else { break };
        last = end.try_get("uscc")?;
        for r in &rows {
            let uscc: &str = r.try_get("uscc")?;
            let weight: i64 = r.try_get("weight")?;
            let stratum: &str = r.try_get("stratum")?;
            builder.push(uscc.parse::<UsccKey>()?, weight as u32, stratum)?;
        }
    }
    let pool = Arc::new(builder.finish()?);
    let pool_s = t.elapsed().as_secs_f64();
    let k: u64 = pool.stratum_stats().iter().map(|&(size, _)| (size * u64::from(per_mille)).div_ceil(1000)).sum();
    let team_size = 2u32;
    let workload_cap = ((k * u64::from(team_size)).div_ceil(inspectors.max(1) as u64) * 2).max(1) as u32;

    let spec = DrawSpec {
        draw_id: format!("bench-draw-{n}"),
        draw_number: 1,
        redraw: None,
        plan_id: "bench-plan".into(),
        task_id: "bench-task".into(),
        committed_at: Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).single().ok_or("时间无效")?,
        entropy_definition: "基准测试固定熵值".into(),
        parameters: DrawParameters {
            quotas: STRATA.iter().map(|s| (s.to_string(), Quota::PerMille(per_mille))).collect::<BTreeMap<_, _>>(),
            item_codes: vec![ITEM.into()],
            weight_rules: None,
            exclusions: Vec::new(),
            inspection: Some(InspectionParams {
                valid_on: NaiveDate::from_ymd_opt(2026, 6, 30).ok_or("日期无效")?,
                team_size,
                workload_cap,
                departments: vec![DEPARTMENT.into()],
            }),
        },
        pool: pool.clone(),
        roster: roster(inspectors),
    };
    let input = DrawInput {
        spec,
        entropy_value: "3051.25".into(),
        drawn_at: Utc.with_ymd_and_hms(2026, 3, 3, 9, 0, 0).single().ok_or("时间无效")?,
    };

    // The entity draw alone (what both baselines do), best of three; then the full
    // draw with a team of inspectors per winner, once, whose record is written out.
    reset_hwm();
    let entities_only = DrawInput {
        spec: DrawSpec {
            parameters: DrawParameters { inspection: None, ..input.spec.parameters.clone() },
            roster: Vec::new(),
            ..input.spec.clone()
        },
        ..input.clone()
    };
    let mut draw_s = f64::INFINITY;
    for _ in 0..3 {
        let t = Instant::now();
        let out = run_draw_with(&entities_only, DrawOptions { threads: 0 })?;
        draw_s = draw_s.min(t.elapsed().as_secs_f64());
        let winners: usize = out.record.winners.values().map(Vec::len).sum();
        if winners as u64 != k {
            return Err(format!("抽中 {winners} 家,应为 {k} 家").into());
        }
    }
    let mut teams_s = None;
    if inspectors == 0 {
        if let Some(path) = &record {
            let out = run_draw_with(&entities_only, DrawOptions { threads: 0 })?;
            std::fs::write(path, out.record.to_json_pretty())?;
            eprintln!("抽取记录已写入 {}", path.display());
        }
    } else {
        let t = Instant::now();
        let out = run_draw_with(&input, DrawOptions { threads: 0 })?;
        teams_s = Some(t.elapsed().as_secs_f64());
        if out.record.teams.len() as u64 != k {
            return Err(format!("{} 个检查组,应为 {k} 个", out.record.teams.len()).into());
        }
        if let Some(path) = &record {
            std::fs::write(path, out.record.to_json_pretty())?;
            eprintln!("抽取记录已写入 {}", path.display());
        }
    }
    let rss_mb = vm_hwm_mb();
    drop(entities_only);

    // Baseline: bare hashing, single-threaded, best of three.
    let mut hash_s = f64::INFINITY;
    for _ in 0..3 {
        let t = Instant::now();
        std::hint::black_box(hash_all_baseline(&pool));
        hash_s = hash_s.min(t.elapsed().as_secs_f64());
    }
    drop(input);
    drop(pool);

    // Baseline: ORDER BY random() over the same rows.
    let t = Instant::now();
    let picked: Vec<String> = sqlx::query_scalar("SELECT uscc FROM candidates ORDER BY random() LIMIT $1")
        .bind(k as i64)
        .fetch_all(&mut conn)
        .await?;
    let random_s = t.elapsed().as_secs_f64();
    if picked.len() as u64 != k {
        return Err(format!("ORDER BY random() 返回 {} 行,应为 {k} 行", picked.len()).into());
    }
    conn.close().await?;

    let speedup = random_s / draw_s;
    let vs_hash = draw_s / hash_s;
    eprintln!("pool_seconds={pool_s:.3} threads={threads} inspectors={inspectors} workload_cap={workload_cap}");
    if let Some(teams_s) = teams_s {
        println!("draw.with_teams: seconds={teams_s:.3} teams={k} team_size={team_size} roster={inspectors}");
    }
    println!(
        "draw: N={n} k={k} seconds={draw_s:.3} order_by_random_seconds={random_s:.3} hash_seconds={hash_s:.3} \
         speedup_vs_order_by_random={speedup:.1} ratio_vs_hash={vs_hash:.2}"
    );
    println!("draw.vs_order_by_random: ratio={speedup:.1}x goal>=20x {}", verdict(speedup >= 20.0));
    println!("draw.vs_bare_hashing: ratio={vs_hash:.2}x goal<=2x {}", verdict(vs_hash <= 2.0));
    match rss_mb {
        Some(mb) => println!("draw.peak_rss: figure={mb:.0}MB goal<=2048MB {}", verdict(mb <= 2048.0)),
        None => println!("draw.peak_rss: figure=unknown goal<=2048MB MISSED"),
    }
    let ok = speedup >= 20.0 && vs_hash <= 2.0 && rss_mb.is_some_and(|mb| mb <= 2048.0);
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(2) })
}
