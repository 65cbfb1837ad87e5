//! `jianguan bench trace`: a SQLite store with 10,000,000 custody events (built once and
//! reused from `--dir`), then
//!
//! * forward trace of one lot, 5 hops, to 10,000 holders (target ≤ 200 ms): the lot is a
//!   tree 5 + 25 + 125 + 1,250 + 8,595 holders deep under its producer, among the filler
//!   lots that make up the rest of the 10 million events;
//! * bulk upload through the store's upload path (requests of 10,000 events, one
//!   transaction each, every check run): 10 requests into new lots (target ≥ 50,000/s).
//!
//! Prints one line: `trace: events=… forward_5_hops_ms=… holders=… upload_events_per_s=…`.

use chrono::{TimeZone, Utc};
use jianguan_domain::trace::custody::{EventKind, MAX_UPLOAD};
use jianguan_domain::trace::Scheme;
use jianguan_store::trace::{NewEvent, UploadSource};
use jianguan_store::{Actor, DynStore};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

type Error = Box<dyn std::error::Error>;

const TARGET_EVENTS: i64 = 10_000_000;
const GTIN: &str = "06901234567892";
const TARGET_LOT: &str = "BENCH-TARGET";
const LEVELS: [usize; 5] = [5, 25, 125, 1_250, 8_595];
/// Events per filler lot: a produce and a chain of shipments among the pool.
const FILLER_LOT: usize = 100;
const POOL: usize = 50_000;

fn event(kind: EventKind, lot: &str, from: Option<&str>, to: &str, q: i64, n: i64) -> NewEvent {
    NewEvent {
        kind,
        scheme: Scheme::Gtin,
        code: format!("(01){GTIN}(10){lot}"),
        batch: None,
        from_uscc: from.map(str::to_string),
        to_uscc: Some(to.to_string()),
        occurred_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + chrono::Duration::seconds(n),
        quantity: q,
        place: "天津市南开区".into(),
    }
}

/// The filler events of lot number `lot`: a producer and shipments down a random-ish
/// chain of holders from the pool (deterministic).
fn filler(pool: &[String], lot: usize, prefix: &str) -> Vec<NewEvent> {
    let name = format!("{prefix}{lot}");
    let mut x = (lot as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % pool.len() as u64) as usize
    };
    let producer = next();
    let mut out = vec![event(EventKind::Produce, &name, None, &pool[producer], 10_000, 0)];
    let mut holders = vec![producer];
    while out.len() < FILLER_LOT {
        let from = holders[next() % holders.len()];
        let to = next();
        if to == from || holders.contains(&to) {
            continue;
        }
        holders.push(to);
        out.push(event(EventKind::Ship, &name, Some(&pool[from]), &pool[to], 1, out.len() as i64));
    }
    out
}

async fn upload(store: &DynStore, actor: &Actor, events: &[NewEvent]) -> Result<(), Error> {
    for chunk in events.chunks(MAX_UPLOAD) {
        store.trace_upload(actor, UploadSource::Api, None, chunk, None).await.map_err(|e| e.to_string())?;
    }
    Ok(())
}

async fn count(store: &DynStore) -> Result<i64, Error> {
    Ok(store.trace_events_count().await?)
}

pub async fn run(dir: Option<PathBuf>) -> Result<ExitCode, Error> {
    if cfg!(debug_assertions) {
        eprintln!("注意:这是调试构建,数字没有意义;请用 cargo run --release -p jianguan -- bench trace");
    }
    let dir = dir.unwrap_or_else(|| std::env::temp_dir().join("jianguan-bench-trace"));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("trace.db");
    let store = jianguan_store::open(&format!("sqlite://{}", path.display()), 4, Default::default()).await?;
    store.migrate().await?;
    store.seed_organisation(&Actor::system()).await?;
    let actor = Actor { name: "bench".into(), role: "system".into(), account_id: None, department_id: None };
    let pool: Vec<String> = jianguan_domain::uscc::demo::generate(POOL + 20_000, 104)
        .filter(|e| !e.legacy)
        .map(|e| e.uscc)
        .take(POOL + 10_001)
        .collect();
    let (tree, pool) = pool.split_at(10_001);

    let mut have = count(&store).await?;
    if have == 0 {
        // The target lot: producer tree[0], levels of holders below it.
        let mut events = vec![event(EventKind::Produce, TARGET_LOT, None, &tree[0], 1_000_000, 0)];
        let (mut parents, mut at) = (vec![0usize], 1usize);
        for size in LEVELS {
            let level: Vec<usize> = (at..at + size).collect();
            for (i, &child) in level.iter().enumerate() {
                let parent = parents[i % parents.len()];
                events.push(event(
                    EventKind::Ship,
                    TARGET_LOT,
                    Some(&tree[parent]),
                    &tree[child],
                    10,
                    events.len() as i64,
                ));
            }
            at += size;
            parents = level;
        }
        upload(&store, &actor, &events).await?;
        have = count(&store).await?;
    }
    if have < TARGET_EVENTS {
        eprintln!("建立基准数据:已有 {have} 条事件,补足至 {TARGET_EVENTS} 条……");
        let t = Instant::now();
        let mut lot = (have as usize) / FILLER_LOT;
        while have < TARGET_EVENTS {
            let mut batch = Vec::with_capacity(MAX_UPLOAD);
            while batch.len() + FILLER_LOT <= MAX_UPLOAD && have + (batch.len() as i64) < TARGET_EVENTS {
                batch.extend(filler(pool, lot, "F"));
                lot += 1;
            }
            batch.truncate((TARGET_EVENTS - have) as usize);
            upload(&store, &actor, &batch).await?;
            have += batch.len() as i64;
            if (have / MAX_UPLOAD as i64) % 25 == 0 {
                eprintln!("  {have} 条,{:.0} 条/秒", have as f64 / t.elapsed().as_secs_f64());
            }
        }
    }

    // Forward trace: one warm-up, then the median of five.
    let trace = store.trace_forward(GTIN, TARGET_LOT, None, 5).await?;
    let holders = trace.nodes.iter().filter(|n| n.depth > 0).count();
    let mut times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let again = store.trace_forward(GTIN, TARGET_LOT, None, 5).await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(again.nodes.len(), trace.nodes.len());
    }
    times.sort_by(f64::total_cmp);
    let forward_ms = times[times.len() / 2];

    // Upload: 10 requests of 10,000 events into new lots.
    let run_id = Utc::now().timestamp();
    let mut requests = Vec::new();
    for r in 0..10 {
        let mut batch = Vec::with_capacity(MAX_UPLOAD);
        for l in 0..MAX_UPLOAD / FILLER_LOT {
            batch.extend(filler(pool, r * 1000 + l, &format!("U{run_id}-")));
        }
        requests.push(batch);
    }
    let t = Instant::now();
    for batch in &requests {
        upload(&store, &actor, batch).await?;
    }
    let per_s = (requests.len() * MAX_UPLOAD) as f64 / t.elapsed().as_secs_f64();
    let events = count(&store).await?;
    println!(
        "trace: events={events} forward_5_hops_ms={forward_ms:.1} holders={holders} upload_events_per_s={per_s:.0}"
    );
    store.close().await;
    let ok = forward_ms <= 200.0 && holders >= 10_000 && per_s >= 50_000.0;
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
