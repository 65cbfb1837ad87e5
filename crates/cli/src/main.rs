//! `jianguan` — the one binary: the web server and the administration commands.

mod bench_draw;
mod bench_ledger;
mod bench_registry;
mod bench_trace;
mod bootstrap;
mod config;
mod demo_complaints;
mod demo_credit;
mod demo_enforcement;
mod demo_outreach;
mod demo_supervision;
mod demo_trace;
mod ledger;
mod registry;
mod tools;

use clap::{Parser, Subcommand};

/// mimalloc: the import pipeline allocates rows on one thread and frees them on
/// another, which glibc's allocator handles slowly (about a third of import time).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "jianguan", version, about = "南开区事中事后监管平台(jianguan)", long_about = None)]
struct Cli {
    /// Configuration file (default: ./jianguan.toml if present).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// Where the store is: the data directory (SQLite file, keys) and an optional database URL.
#[derive(clap::Args, Clone, Default)]
pub struct StoreArgs {
    /// Data directory (SQLite database, field-protection key). Default ./data.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL: postgres://… for PostgreSQL; default is <data-dir>/jianguan.db.
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
}

#[derive(Subcommand)]
enum EnforcementCommand {
    /// Check an export bundle (zip) against its SHA-256 manifest; prints `ok` or what is wrong.
    VerifyBundle {
        /// The bundle as downloaded from a case page.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum Command {
    /// Run the web UI and JSON API (creates and migrates the store, loads demo data once).
    Serve {
        #[command(flatten)]
        store: StoreArgs,
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        /// Do not load demonstration data into a new store.
        #[arg(long)]
        no_demo: bool,
    },
    /// Create the store: data directory, keys, schema, departments and the administrator accounts.
    Init {
        #[command(flatten)]
        store: StoreArgs,
        /// Also load demonstration data.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending schema migrations.
    Migrate {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Recompute the audit trail's hash chain and check its signed checkpoints.
    VerifyAudit {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Recompute a published draw record (JSON) and print `ok`, or the first mismatching field.
    VerifyDraw {
        /// The draw record file, as downloaded from the public draw page.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Enforcement: verify a case's export bundle offline.
    Enforcement {
        #[command(subcommand)]
        command: EnforcementCommand,
    },
    /// Working-day calendar (State Council holiday arrangements with adjusted weekends).
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
    /// Unified social credit codes (GB 32100-2015).
    Uscc {
        #[command(subcommand)]
        command: UsccCommand,
    },
    /// Product codes (GS1 GTIN, 药品追溯码, UDI, special-equipment codes).
    Code {
        #[command(subcommand)]
        command: CodeCommand,
    },
    /// Responsibility ledgers (台账): load, list, export and import Excel, warnings.
    Ledger {
        #[command(subcommand)]
        command: ledger::LedgerCommand,
    },
    /// Import data files.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Write deterministic demonstration data files.
    Demo {
        #[command(subcommand)]
        command: DemoCommand,
    },
    /// Benchmarks against their performance targets (run in release mode).
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Write a consistent snapshot (SQLite: VACUUM INTO; PostgreSQL: pg_dump custom format).
    Backup {
        #[command(flatten)]
        store: StoreArgs,
        /// The backup file to create (never overwritten).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// Prints `YYYY-MM-DD true|false` for each date.
    IsWorkingDay {
        #[arg(required = true, value_name = "DATE")]
        dates: Vec<String>,
    },
    /// Prints the date N working days after DATE (before it when N is negative).
    AddWorkingDays {
        #[arg(value_name = "DATE")]
        date: String,
        #[arg(value_name = "N", allow_hyphen_values = true)]
        n: i64,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import custody events (追溯事件) from CSV (UTF-8) with the header
    /// 事件,编码方案,代码,批号,发出方,接收方,时间,数量,地点. Each 10,000 rows are one
    /// transaction; every row is checked before the first is written, so a file with an invalid
    /// row imports nothing. Prints
    /// `events=N pending=N flagged=N`.
    TraceEvents {
        /// The CSV file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Import the entity registry (检查对象名录库) from CSV (UTF-8 or GBK) or xlsx.
    ///
    /// Columns by header: 统一社会信用代码, 名称, 主体类型, 登记状态 (required), 法定代表人,
    /// 住所, 行政区划, 行业代码, 行业名称, 成立日期, 标签 (optional). The last line printed is
    /// `total=N imported=N updated=N rejected=N duplicate=N`, where imported = new uscc,
    /// updated = known uscc with changed content, duplicate = a row that changes nothing
    /// (equal to the stored entity, or an exact repeat within the file), rejected = a row
    /// that fails validation or repeats an earlier uscc of the file with other content.
    /// Importing the same file again gives imported=0 updated=0. An interrupted import
    /// resumes after its last committed batch when the same file is imported again.
    Entities {
        /// The CSV or xlsx file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        #[command(flatten)]
        store: StoreArgs,
        /// Accept codes that fail the GB 32100 check as legacy codes (存量代码), flagged
        /// with a warning; without it such rows are rejected.
        #[arg(long)]
        accept_legacy: bool,
        /// Write the rejected rows (line, code, name, reason) to this CSV file.
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum DemoCommand {
    /// Write a deterministic Nankai demonstration registry in the import format.
    Entities {
        /// Number of entities.
        #[arg(long, default_value_t = 10_000)]
        count: usize,
        /// Seed: the same seed gives the same rows; row i does not depend on --count.
        #[arg(long, default_value_t = 120_104)]
        seed: u64,
        /// The CSV file to write (UTF-8).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// The whole-annex page (附件1) with N progress reports in the store, through the real
    /// router; prints p50/p95 against the 10 ms goal and a /healthz baseline.
    Ledger {
        /// Progress reports to put in the store first.
        #[arg(long, default_value_t = 1000)]
        reports: usize,
        /// Timed requests per page.
        #[arg(long, default_value_t = 300)]
        iterations: usize,
    },
    /// Traceability: a SQLite store of 10,000,000 custody events (built once in DIR and
    /// reused), forward trace 5 hops to 10,000 holders, and bulk upload throughput.
    Trace {
        /// Where the benchmark store lives (default: <tmp>/jianguan-bench-trace, kept for reuse).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Entity import against `sqlite3 .import` of the same file, peak memory, and
    /// uscc lookups through the real router.
    Registry {
        /// Rows of the generated CSV.
        #[arg(long, default_value_t = 1_000_000)]
        rows: usize,
        /// Lookups by uscc through the API.
        #[arg(long, default_value_t = 5_000)]
        lookups: usize,
        /// Working directory (default: a new temporary directory, removed afterwards).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// The verifiable draw over N candidates against `ORDER BY random()` on SQLite and
    /// against bare hashing of the same pool, with peak memory.
    Draw {
        /// Demo entities in the candidates database.
        #[arg(long, default_value_t = 10_000_000)]
        entities: usize,
        /// Share drawn from each stratum (0.05 = 5 %).
        #[arg(long, default_value_t = 0.05)]
        ratio: f64,
        /// Size of the inspector roster (0: entities only, no team draw).
        #[arg(long, default_value_t = 2_000)]
        inspectors: usize,
        /// Writes the public draw record (JSON) here.
        #[arg(long, value_name = "FILE")]
        record: Option<PathBuf>,
        /// Directory of the candidates database, reused between runs
        /// (default: jianguan-bench-draw in the temporary directory).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum CodeCommand {
    /// Reads codes from standard input, one per line; prints `CODE<TAB>valid` or
    /// `CODE<TAB>invalid<TAB>reason`; exits 1 when any code is invalid.
    Check {
        /// gtin (GS1 GTIN-8/12/13/14 or element string), drug (药品追溯码), udi (GS1, MA or
        /// HIBC), equipment (设备代码 or 使用登记证编号).
        #[arg(long, value_name = "SCHEME")]
        scheme: String,
    },
}

#[derive(Subcommand)]
enum UsccCommand {
    /// Reads codes from standard input, one per line; prints `CODE<TAB>valid` or
    /// `CODE<TAB>invalid<TAB>reason`; exits 1 when any code is invalid.
    Check,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    config::init_logging();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    match rt.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误:{e}");
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let cfg_file = cli.config.clone();
    match cli.command {
        Command::Calendar { command } => tools::calendar(command),
        Command::VerifyDraw { file } => tools::verify_draw(&file),
        Command::Enforcement { command: EnforcementCommand::VerifyBundle { file } } => tools::verify_bundle(&file),
        Command::Uscc { command: UsccCommand::Check } => tools::uscc_check(),
        Command::Code { command: CodeCommand::Check { scheme } } => tools::code_check(&scheme),
        Command::Ledger { command } => ledger::run(command, cfg_file.as_deref()).await,
        Command::Bench { command: BenchCommand::Ledger { reports, iterations } } => {
            bench_ledger::run(reports, iterations.max(1)).await
        }
        Command::Serve { store, listen, no_demo } => {
            let mut cfg = config::load(cfg_file.as_deref(), &store)?;
            if let Some(l) = listen {
                cfg.listen = l;
            }
            if no_demo {
                cfg.demo = false;
            }
            bootstrap::serve(cfg).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Init { store, demo } => {
            let mut cfg = config::load(cfg_file.as_deref(), &store)?;
            cfg.demo = demo;
            let opened = bootstrap::open(&cfg).await?;
            bootstrap::prepare(&opened, &cfg).await?;
            println!("已初始化:{}", opened.describe);
            opened.store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate { store } => {
            let cfg = config::load(cfg_file.as_deref(), &store)?;
            let opened = bootstrap::open(&cfg).await?;
            opened.store.migrate().await?;
            println!("数据库结构已是最新:{}", opened.describe);
            opened.store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::VerifyAudit { store } => {
            let cfg = config::load(cfg_file.as_deref(), &store)?;
            let opened = bootstrap::open_existing(&cfg).await?;
            let code = bootstrap::verify_audit(&opened).await?;
            opened.store.close().await;
            Ok(code)
        }
        Command::Import { command: ImportCommand::Entities { file, store, accept_legacy, report } } => {
            let cfg = config::load(cfg_file.as_deref(), &store)?;
            if !file.exists() {
                return Err(format!("文件 {} 不存在", file.display()).into());
            }
            let opened = bootstrap::open(&cfg).await?;
            opened.store.migrate().await?;
            opened.store.seed_organisation(&jianguan_store::Actor::system()).await?;
            let cipher = jianguan_domain::crypto::FieldCipher::from_master(&opened.master_key);
            let code =
                registry::import_entities(&opened.store, &cipher, &cfg.upload, &file, accept_legacy, report.as_deref())
                    .await;
            opened.store.close().await;
            code
        }
        Command::Import { command: ImportCommand::TraceEvents { file, store } } => {
            let cfg = config::load(cfg_file.as_deref(), &store)?;
            let text = std::fs::read_to_string(&file).map_err(|e| format!("无法读取 {}:{e}", file.display()))?;
            let events = match jianguan_web::pages::trace::parse_events_csv(&text) {
                Ok(e) => e,
                Err(list) => {
                    for r in &list {
                        eprintln!("{}", r.reason);
                    }
                    eprintln!("{} 处错误,未导入", list.len());
                    return Ok(ExitCode::from(1));
                }
            };
            let opened = bootstrap::open(&cfg).await?;
            opened.store.migrate().await?;
            let actor = jianguan_store::Actor {
                name: "cli".into(),
                role: "system".into(),
                account_id: None,
                department_id: None,
            };
            let (mut pending, mut flagged) = (0, 0);
            for (n, chunk) in events.chunks(jianguan_domain::trace::custody::MAX_UPLOAD).enumerate() {
                match opened
                    .store
                    .trace_upload(&actor, jianguan_store::trace::UploadSource::Csv, None, chunk, None)
                    .await
                {
                    Ok(r) => {
                        pending += r.pending;
                        flagged += r.flagged;
                    }
                    Err(jianguan_store::trace::UploadError::Refused(list)) => {
                        for r in &list {
                            eprintln!(
                                "第 {} 行:{}",
                                n * jianguan_domain::trace::custody::MAX_UPLOAD + r.index + 2,
                                r.reason
                            );
                        }
                        eprintln!(
                            "{} 行被拒绝;此前的 {} 行已导入",
                            list.len(),
                            n * jianguan_domain::trace::custody::MAX_UPLOAD
                        );
                        opened.store.close().await;
                        return Ok(ExitCode::from(1));
                    }
                    Err(jianguan_store::trace::UploadError::Store(e)) => return Err(e.into()),
                }
            }
            println!("events={} pending={pending} flagged={flagged}", events.len());
            opened.store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { command: DemoCommand::Entities { count, seed, out } } => {
            registry::demo_entities(count, seed, &out)
        }
        Command::Bench { command: BenchCommand::Trace { dir } } => bench_trace::run(dir).await,
        Command::Bench { command: BenchCommand::Registry { rows, lookups, dir } } => {
            bench_registry::run(rows, lookups, dir).await
        }
        Command::Bench { command: BenchCommand::Draw { entities, ratio, inspectors, record, dir } } => {
            bench_draw::run(entities, ratio, inspectors, record, dir).await
        }
        Command::Backup { store, out } => {
            let cfg = config::load(cfg_file.as_deref(), &store)?;
            let opened = bootstrap::open_existing(&cfg).await?;
            let sum = opened.store.backup(&out).await?;
            opened
                .store
                .audit(jianguan_store::Actor::system().event(
                    "store.backup",
                    "store",
                    serde_json::json!({ "file": sum.path, "bytes": sum.bytes }),
                ))
                .await?;
            println!("备份完成:{}({} 字节)", sum.path, sum.bytes);
            for (t, n) in &sum.tables {
                println!("  {t}\t{n}");
            }
            opened.store.close().await;
            Ok(ExitCode::SUCCESS)
        }
    }
}
