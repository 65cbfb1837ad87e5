//! `jianguan ledger …`: load the built-in annexes, list ledgers, export and import Excel
//! in the annex layout, and run the deadline warnings on demand.

use crate::{bootstrap, config, StoreArgs};
use clap::Subcommand;
use jianguan_store::Actor;
use jianguan_web::pages::ledger::service::{self, Env, ImportTarget};
use std::path::PathBuf;
use std::process::ExitCode;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

#[derive(Subcommand)]
pub enum LedgerCommand {
    /// Load 附件1 and 附件2 as ledgers annex1 and annex2 (does nothing if already loaded).
    Load {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List the ledgers.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Write a ledger as .xlsx in its annex's columns, with 状态 and 最新进展.
    Export {
        #[command(flatten)]
        store: StoreArgs,
        /// The annex: 1 or 2.
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..=2), conflicts_with = "ledger", required_unless_present = "ledger")]
        annex: Option<u8>,
        /// Any ledger, by code.
        #[arg(long, value_name = "CODE")]
        ledger: Option<String>,
        /// The file to write (an existing file is not overwritten).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Import an .xlsx in the annex layout: a new ledger, or an update of an existing one.
    /// Prints the changes and every problem; writes nothing if there is any error.
    Import {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
        /// Update this existing ledger (by code).
        #[arg(long, value_name = "CODE", conflicts_with = "new", required_unless_present = "new")]
        into: Option<String>,
        /// Create a new ledger with this code.
        #[arg(long, value_name = "CODE")]
        new: Option<String>,
        /// Title of the new ledger (default: the sheet's title row).
        #[arg(long, requires = "new")]
        title: Option<String>,
        /// Source document of the new ledger.
        #[arg(long, requires = "new", default_value = "")]
        source: String,
        /// Only show what would change.
        #[arg(long)]
        dry_run: bool,
    },
    /// Compute the deadline warnings now and send new ones to the notification centre.
    Warnings {
        #[command(flatten)]
        store: StoreArgs,
    },
}

pub async fn run(cmd: LedgerCommand, cfg_file: Option<&std::path::Path>) -> Result<ExitCode> {
    match cmd {
        LedgerCommand::Load { store } => {
            let cfg = config::load(cfg_file, &store)?;
            let o = bootstrap::open_existing(&cfg).await?;
            o.store.migrate().await?;
            o.store.seed_organisation(&Actor::system()).await?;
            let loaded = service::load_builtin(&o.store, cfg.ledger.default_cycle).await?;
            if loaded.is_empty() {
                println!("内置台账已载入,无需重复载入");
            } else {
                println!("已载入内置台账:{}", loaded.join("、"));
            }
            o.store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        LedgerCommand::List { store } => {
            let cfg = config::load(cfg_file, &store)?;
            let o = bootstrap::open_existing(&cfg).await?;
            for l in o.store.ledger_list().await? {
                println!(
                    "{}\t{}\t{} 项\t{}\t{}",
                    l.code,
                    service::ledger_short(&l),
                    l.task_count,
                    l.layout.code(),
                    l.title
                );
            }
            o.store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        LedgerCommand::Export { store, annex, ledger, out } => {
            let cfg = config::load(cfg_file, &store)?;
            let o = bootstrap::open_existing(&cfg).await?;
            let code = ledger.unwrap_or_else(|| format!("annex{}", annex.unwrap_or(1)));
            let l = o.store.ledger_by_code(&code).await?.ok_or_else(|| format!("台账“{code}”不存在"))?;
            let env = Env::load(&o.store, &cfg.ledger).await?;
            let (l, bytes) = service::export_xlsx(&o.store, l.id, &env).await.map_err(|e| e.message)?;
            write_new(&out, &bytes)?;
            let detail = serde_json::json!({
                "sha256": jianguan_domain::crypto::sha256_hex(&bytes), "bytes": bytes.len(), "file": out.display().to_string(),
            });
            o.store.audit(Actor::system().event("ledger.export", format!("ledger:{}", l.id), detail)).await?;
            println!("已导出 {}({} 项,{} 字节)到 {}", l.title, l.task_count, bytes.len(), out.display());
            o.store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        LedgerCommand::Import { store, file, into, new, title, source, dry_run } => {
            let cfg = config::load(cfg_file, &store)?;
            let o = bootstrap::open_existing(&cfg).await?;
            let bytes = std::fs::read(&file).map_err(|e| format!("无法读取 {}:{e}", file.display()))?;
            let target = match (into, new) {
                (Some(code), _) => {
                    let l = o.store.ledger_by_code(&code).await?.ok_or_else(|| format!("台账“{code}”不存在"))?;
                    ImportTarget::Existing(l.id)
                }
                (None, Some(code)) => ImportTarget::New { code, title: title.unwrap_or_default(), source },
                (None, None) => return Err("请用 --into 指定要更新的台账,或用 --new 新建台账".into()),
            };
            let p = service::preview_import(&o.store, &bytes, target, &cfg.upload, cfg.ledger.default_cycle).await?;
            println!("文件:{}(SHA-256 {})", file.display(), p.sha256);
            println!("任务行:{};列格式:{}", p.rows, p.layout.map_or("—", |l| l.label()));
            let changed: Vec<String> =
                p.diff.changed.iter().map(|(l, f)| format!("第{l}项({})", f.join("、"))).collect();
            println!(
                "变更:新增 {} 项{},修改 {} 项{},删除 {} 项{},不变 {} 项",
                p.diff.added.len(),
                list(&p.diff.added),
                changed.len(),
                if changed.is_empty() { String::new() } else { format!(":{}", changed.join(";")) },
                p.diff.removed.len(),
                list(&p.diff.removed),
                p.diff.unchanged
            );
            for w in &p.warnings {
                println!("提示 {w}");
            }
            if !p.ok() {
                for e in &p.errors {
                    eprintln!("错误 {e}");
                }
                eprintln!("发现 {} 处错误,未导入任何内容", p.errors.len());
                o.store.close().await;
                return Ok(ExitCode::from(1));
            }
            if dry_run {
                println!("(试运行,未写入)");
            } else {
                let out = service::apply_import(&o.store, &Actor::system(), &p).await?;
                println!(
                    "已导入台账“{}”(代码 {}):新增 {} 项,修改 {} 项,删除 {} 项;新增分解 {},移除分解 {}",
                    out.ledger.title,
                    out.ledger.code,
                    out.tasks_added,
                    out.tasks_changed,
                    out.tasks_removed,
                    out.shares_added,
                    out.shares_removed
                );
            }
            o.store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        LedgerCommand::Warnings { store } => {
            let cfg = config::load(cfg_file, &store)?;
            let o = bootstrap::open_existing(&cfg).await?;
            let centre: std::sync::Arc<dyn jianguan_web::notify::Notifier> =
                std::sync::Arc::new(jianguan_web::notify::CentreNotifier::new(o.store.clone()));
            let run = service::run_warnings(&o.store, &[centre], &cfg.ledger).await?;
            println!(
                "已计算 {} 个任务分解:预警 {} 条,时间表节点预警 {} 个,新发送通知 {} 条",
                run.shares, run.warnings, run.milestones, run.notified
            );
            o.store.close().await;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn list(labels: &[String]) -> String {
    if labels.is_empty() {
        String::new()
    } else {
        format!("(第 {} 项)", labels.join("、"))
    }
}

/// Writes a file that must not exist yet.
fn write_new(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| format!("无法创建 {}(已存在的文件不会被覆盖):{e}", path.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}
