//! `jianguan` — the one binary: the web server and the administration commands.

mod bootstrap;
mod config;
mod demo_outreach;
mod tools;

use clap::{Parser, Subcommand};
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
        Command::Uscc { command: UsccCommand::Check } => tools::uscc_check(),
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
