//! `jianguan import entities`, `jianguan demo entities`, and the demonstration registry,
//! item lists and licences loaded into a new store.

use indicatif::{ProgressBar, ProgressStyle};
use jianguan_domain::crypto::FieldCipher;
use jianguan_domain::registry::{RowOptions, DEMO_ITEMS};
use jianguan_domain::uscc::demo;
use jianguan_store::registry::{ItemInput, LicencePush, PushOutcome};
use jianguan_store::{Actor, DynStore};
use jianguan_web::import::entities;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

type Error = Box<dyn std::error::Error>;

/// The actor of command-line imports: the operating-system user, if known.
fn cli_actor() -> Actor {
    let user = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "unknown".into());
    Actor { name: format!("cli:{user}"), role: "system".into(), account_id: None, department_id: None }
}

/// Imports (or resumes importing) an entity file; prints progress on standard error
/// and the row accounting as the last line of standard output.
pub async fn import_entities(
    store: &DynStore,
    cipher: &FieldCipher,
    limits: &jianguan_domain::config::UploadLimits,
    file: &Path,
    accept_legacy: bool,
    report: Option<&Path>,
) -> Result<ExitCode, Error> {
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let (path, lim) = (file.to_path_buf(), limits.clone());
    let prepared =
        tokio::task::spawn_blocking(move || entities::prepare(&path, &name, RowOptions { accept_legacy }, &lim))
            .await??;
    let actor = cli_actor();
    let job = store.import_begin(&actor, &prepared.new_job(None)).await?;
    if job.rows_committed > 0 {
        eprintln!("续传导入任务 {}:前 {} 行已于上次提交,跳过", job.id, job.rows_committed);
    }
    let bar = ProgressBar::new(prepared.bytes);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {msg}")
            .expect("template")
            .progress_chars("=> "),
    );
    bar.set_position(job.bytes_committed as u64);
    let b = bar.clone();
    let progress = move |j: &jianguan_store::registry::ImportJob| {
        b.set_position(j.bytes_committed as u64);
        b.set_message(format!("{} 行", j.rows_committed));
    };
    let result = entities::run(store, cipher, &actor, &prepared, job, &progress).await;
    bar.finish_and_clear();
    let job = match result {
        Ok(job) => job,
        Err(entities::ImportError::File(m)) => {
            eprintln!("导入中止:{m}");
            return Ok(ExitCode::from(1));
        }
        Err(e) => return Err(e.into()),
    };
    if job.rejected > 0 {
        let rows = store.import_rejections(job.id).await?;
        match report {
            Some(path) => {
                std::fs::write(path, entities::rejections_csv(&rows))?;
                eprintln!("{} 行未导入,原因见 {}", job.rejected, path.display());
            }
            None => {
                eprintln!("{} 行未导入(以下列出前 20 行;用 --report FILE 保存全部):", job.rejected);
                for r in rows.iter().take(20) {
                    eprintln!("  第{}行 {} {}:{}", r.line, r.uscc, r.name, r.reason);
                }
            }
        }
    }
    println!("导入任务 {}:{}", job.id, prepared.file_name);
    println!("{}", job.summary_line());
    Ok(ExitCode::SUCCESS)
}

/// Writes `count` demonstration entities for `seed` in the import format (UTF-8 CSV).
pub fn demo_entities(count: usize, seed: u64, out: &Path) -> Result<ExitCode, Error> {
    if count > demo::MAX_COUNT {
        return Err(format!("--count 最大为 {}", demo::MAX_COUNT).into());
    }
    let f = std::fs::File::create(out).map_err(|e| format!("无法创建 {}:{e}", out.display()))?;
    write_demo_csv(std::io::BufWriter::with_capacity(1 << 20, f), count, seed)?;
    eprintln!("已写入 {count} 个演示市场主体(种子 {seed}):{}", out.display());
    Ok(ExitCode::SUCCESS)
}

/// The demonstration registry as CSV.
pub fn write_demo_csv<W: Write>(w: W, count: usize, seed: u64) -> Result<(), Error> {
    let mut csv = csv::Writer::from_writer(w);
    csv.write_record(demo::CSV_HEADERS)?;
    for e in demo::generate(count, seed) {
        csv.write_record(e.to_csv_record())?;
    }
    csv.flush()?;
    Ok(())
}

/// Size and seed of the demonstration registry `serve` loads into a new store.
pub const DEMO_COUNT: usize = 10_000;
pub const DEMO_SEED: u64 = 120_104;

/// Loads the demonstration registry, item lists and a few pushed licences, once.
pub async fn load_demo(
    store: &DynStore,
    cipher: &FieldCipher,
    data_dir: &Path,
    cfg: &jianguan_domain::config::Config,
) -> Result<(), Error> {
    if store.get_meta("registry_demo_loaded").await?.is_some() {
        return Ok(());
    }
    let actor = Actor::system();
    let units = store.list_units().await?;
    let id_of = |code: &str| units.iter().find(|u| u.code == code).map(|u| u.id).ok_or(format!("部门 {code} 不存在"));
    let mut items = Vec::new();
    for d in DEMO_ITEMS {
        items.push(ItemInput {
            list_kind: d.kind,
            code: d.code.into(),
            name: d.name.into(),
            legal_basis: d.legal_basis.into(),
            approving_department_id: d.approver.map(id_of).transpose()?,
            supervising: d.supervisors.iter().map(|c| id_of(c)).collect::<Result<_, _>>()?,
            catalogue_code: None,
            notes: String::new(),
            active: true,
        });
    }
    store.items_import(&actor, &items).await?;

    let path = data_dir.join("demo-entities.csv");
    write_demo_csv(std::io::BufWriter::new(std::fs::File::create(&path)?), DEMO_COUNT, DEMO_SEED)?;
    let (p, limits) = (path.clone(), cfg.upload.clone());
    let prepared = tokio::task::spawn_blocking(move || {
        entities::prepare(&p, "demo-entities.csv", RowOptions { accept_legacy: true }, &limits)
    })
    .await??;
    let job = store.import_begin(&actor, &prepared.new_job(None)).await?;
    let job = entities::run(store, cipher, &actor, &prepared, job, &|_| {}).await?;
    std::fs::remove_file(&path)?;

    // A few licences pushed by 区政务服务办, some already received.
    let issuer = id_of("zwfwb")?;
    let cal = jianguan_domain::calendar::WorkCalendar::builtin();
    let today = jianguan_web::pages::registry::today();
    let days = cfg.handoff.reception_working_days;
    let targets: Vec<_> = demo::generate(400, DEMO_SEED)
        .filter(|e| !e.legacy && matches!(e.status.as_str(), "存续" | "在业"))
        .filter(|e| e.tags.iter().any(|t| t == "食品经营" || t == "药品零售"))
        .take(12)
        .collect();
    for (n, e) in targets.iter().enumerate() {
        let item = if e.tags.iter().any(|t| t == "药品零售") { "NK-XK-003" } else { "NK-XK-001" };
        let push = LicencePush {
            record_kind: "licence".into(),
            licence_no: format!("NK{}{:05}", today.format("%Y"), n + 1),
            item_code: item.into(),
            uscc: e.uscc.clone(),
            legacy_uscc: false,
            entity_name: e.name.clone(),
            issuing_department_id: issuer,
            decided_on: today,
            valid_until: today.checked_add_signed(chrono::Duration::days(5 * 365)),
            scope: if item == "NK-XK-001" {
                "预包装食品销售(含冷藏冷冻食品);热食类食品制售"
            } else {
                "处方药、甲类非处方药、乙类非处方药"
            }
            .into(),
            pushed_on: today,
            due_on: jianguan_domain::handoff::due_date(&cal, today, days),
            working_days: days,
        };
        let render = |l: &jianguan_store::registry::Licence| (201, serde_json::json!({ "id": l.id }).to_string());
        if let PushOutcome::Created { licence, .. } = store.licence_push(&actor, &push, None, &render).await? {
            if n % 3 == 0 {
                for r in &licence.routes {
                    store.licence_receive(&actor, licence.id, r.department_id, today).await?;
                }
            }
        }
    }
    store.set_meta(&actor, "registry_demo_loaded", "1").await?;
    println!(
        "已载入演示数据:{} 个事项,{} 个市场主体({}),{} 条许可推送",
        items.len(),
        job.imported,
        job.summary_line(),
        targets.len()
    );
    Ok(())
}
