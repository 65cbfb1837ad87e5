//! Opening the store named by the configuration, first-run preparation (schema,
//! departments, administrator accounts, demonstration data) and the server loop.

use jianguan_domain::auth::Role;
use jianguan_domain::config::{redact_url, Config};
use jianguan_domain::crypto::FieldCipher;
use jianguan_store::{Actor, DynStore, NewAccount};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub struct Opened {
    pub store: DynStore,
    pub describe: String,
    pub master_key: Vec<u8>,
}

type Error = Box<dyn std::error::Error>;

fn database_url(cfg: &Config) -> String {
    if cfg.database_url.is_empty() {
        format!("sqlite://{}", Path::new(&cfg.data_dir).join("jianguan.db").display())
    } else {
        cfg.database_url.expose().to_string()
    }
}

/// The field-protection master key: from configuration, or `<data_dir>/field.key`
/// (created on first use, readable by the owner only). It never enters the database.
fn master_key(cfg: &Config, create: bool) -> Result<Vec<u8>, Error> {
    if !cfg.field_key.is_empty() {
        if cfg.field_key.expose().len() < 32 {
            return Err("field_key 至少 32 个字符".into());
        }
        return Ok(cfg.field_key.expose().as_bytes().to_vec());
    }
    let path = PathBuf::from(&cfg.data_dir).join("field.key");
    if path.exists() {
        let hexkey = std::fs::read_to_string(&path)?;
        return Ok(hex::decode(hexkey.trim()).map_err(|_| format!("{} 内容损坏", path.display()))?);
    }
    if !create {
        return Err(
            format!("找不到字段保护密钥 {}(请先运行 jianguan init,或在配置中设置 field_key)", path.display()).into()
        );
    }
    std::fs::create_dir_all(&cfg.data_dir)?;
    let mut key = [0u8; 32];
    getrandom::getrandom(&mut key)?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&path)?;
    writeln!(f, "{}", hex::encode(key))?;
    f.sync_all()?;
    Ok(key.to_vec())
}

async fn open_with(cfg: &Config, create: bool) -> Result<Opened, Error> {
    let url = database_url(cfg);
    if !url.starts_with("postgres") {
        let path = url.strip_prefix("sqlite://").unwrap_or(&url);
        if !create && !Path::new(path).exists() {
            return Err(format!("数据库 {path} 不存在(请先运行 jianguan init 或 jianguan serve)").into());
        }
        std::fs::create_dir_all(&cfg.data_dir)?;
    }
    let master_key = master_key(cfg, create)?;
    let store = jianguan_store::open(&url, cfg.pool_size, cfg.audit_algo)
        .await
        .map_err(|e| format!("无法打开数据库 {}:{e}", redact_url(&url)))?;
    Ok(Opened {
        store,
        describe: format!("{} {}", if url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" }, redact_url(&url)),
        master_key,
    })
}

pub async fn open(cfg: &Config) -> Result<Opened, Error> {
    open_with(cfg, true).await
}

pub async fn open_existing(cfg: &Config) -> Result<Opened, Error> {
    open_with(cfg, false).await
}

fn checkpoint_key(master: &[u8]) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(b"jianguan-checkpoint-key/1");
    h.update(master);
    h.finalize().to_vec()
}

struct DemoAccount {
    username: &'static str,
    display_name: &'static str,
    department: &'static str,
    role: Role,
}

const ADMINS: &[DemoAccount] = &[
    DemoAccount { username: "sysadmin", display_name: "系统管理员", department: "wxb", role: Role::SysAdmin },
    DemoAccount { username: "secadmin", display_name: "安全管理员", department: "wxb", role: Role::SecAdmin },
    DemoAccount { username: "auditadmin", display_name: "审计管理员", department: "wxb", role: Role::AuditAdmin },
];

const DEMO_STAFF: &[DemoAccount] = &[
    DemoAccount {
        username: "ledger", display_name: "台账管理员(演示)", department: "zfb", role: Role::LedgerOffice
    },
    DemoAccount {
        username: "staff", display_name: "部门填报员(演示)", department: "scjgj", role: Role::DeptStaff
    },
    DemoAccount {
        username: "staff2",
        display_name: "部门填报员(政务服务办,演示)",
        department: "zwfwb",
        role: Role::DeptStaff,
    },
    DemoAccount {
        username: "inspector", display_name: "执法检查员(演示)", department: "scjgj", role: Role::Inspector
    },
    DemoAccount {
        username: "legal", display_name: "法制审核员(演示)", department: "sfj", role: Role::LegalReviewer
    },
    DemoAccount {
        username: "credit", display_name: "信用管理员(演示)", department: "fgw", role: Role::CreditManager
    },
    DemoAccount {
        username: "credit2",
        display_name: "信用修复复审员(演示)",
        department: "fgw",
        role: Role::CreditManager,
    },
    DemoAccount {
        username: "credit3",
        display_name: "信用修复终审员(演示)",
        department: "fgw",
        role: Role::CreditManager,
    },
    DemoAccount {
        username: "grid", display_name: "网格受理员(演示)", department: "wgzx", role: Role::GridIntake
    },
    DemoAccount {
        username: "bianban", display_name: "区委编办填报员(演示)", department: "bb", role: Role::DeptStaff
    },
    DemoAccount {
        username: "wangxin",
        display_name: "区委网信办填报员(演示)",
        department: "wxb",
        role: Role::DeptStaff,
    },
    DemoAccount {
        username: "yingji",
        display_name: "区应急管理局填报员(演示)",
        department: "yjj",
        role: Role::DeptStaff,
    },
    DemoAccount {
        username: "shangwu",
        display_name: "区商务局填报员(演示)",
        department: "swuj",
        role: Role::DeptStaff,
    },
];

/// Migrates, seeds the organisation, creates the first accounts (and demo data) once.
pub async fn prepare(o: &Opened, cfg: &Config) -> Result<(), Error> {
    let store = &o.store;
    store.migrate().await?;
    store.seed_organisation(&Actor::system()).await?;
    let loaded = jianguan_web::pages::ledger::service::load_builtin(store, cfg.ledger.default_cycle).await?;
    if !loaded.is_empty() {
        println!("已载入内置台账(南开政发〔2021〕8号):{}", loaded.join("、"));
    }
    if store.get_meta("schema_ready").await?.is_none() {
        store.set_meta(&Actor::system(), "schema_ready", "1").await?;
    }
    let mut created = Vec::new();
    if store.list_accounts().await?.is_empty() {
        created.extend(create_accounts(store, ADMINS).await?);
    }
    if cfg.demo && store.get_meta("demo_loaded").await?.is_none() {
        created.extend(create_accounts(store, DEMO_STAFF).await?);
        store.set_meta(&Actor::system(), "demo_loaded", "1").await?;
    }
    if cfg.demo {
        let cipher = FieldCipher::from_master(&o.master_key);
        crate::registry::load_demo(store, &cipher, Path::new(&cfg.data_dir), cfg).await?;
        // After the registry: it uses the registry's entities and item lists.
        crate::demo_supervision::load(store, &cipher).await?;
        crate::demo_outreach::load(store, &cipher).await?;
        crate::demo_credit::load(store).await?;
        crate::demo_enforcement::load(store, &cfg.enforcement).await?;
        crate::demo_complaints::load(store, &cipher).await?;
        crate::demo_trace::load(store).await?;
    }
    if !created.is_empty() {
        println!("已创建以下账号。一次性密码只显示这一次,首次登录须修改;管理员账号须启用两步验证:");
        println!("  {:<12}{:<14}{:<18}一次性密码", "用户名", "角色", "部门");
        for (u, role, dept, pw) in &created {
            println!("  {u:<12}{role:<14}{dept:<18}{pw}");
        }
    }
    Ok(())
}

async fn create_accounts(
    store: &DynStore,
    list: &[DemoAccount],
) -> Result<Vec<(String, String, String, String)>, Error> {
    let units = store.list_units().await?;
    let mut out = Vec::new();
    for d in list {
        if store.find_account(d.username).await?.is_some() {
            continue;
        }
        let dept = units.iter().find(|u| u.code == d.department).ok_or("部门数据缺失")?;
        let password = jianguan_web::security::one_time_password();
        let a = store
            .create_account(
                &Actor::system(),
                &NewAccount {
                    username: d.username.into(),
                    display_name: d.display_name.into(),
                    department_id: dept.id,
                    password_hash: jianguan_web::security::hash_password(&password),
                    must_change_password: true,
                },
            )
            .await?;
        store.set_roles(&Actor::system(), a.id, &[d.role]).await?;
        out.push((d.username.to_string(), d.role.label().to_string(), dept.name.clone(), password));
    }
    Ok(out)
}

pub async fn verify_audit(o: &Opened) -> Result<ExitCode, Error> {
    match o.store.verify_audit().await? {
        Ok(n) => {
            let key = checkpoint_key(&o.master_key);
            for cp in o.store.audit_checkpoints().await? {
                if jianguan_domain::audit::checkpoint_mac(&key, cp.seq, &cp.head_hash, &cp.at) != cp.mac {
                    println!("bad seq={}: 签名检查点的签名不符(检查点被伪造或密钥不符)", cp.seq);
                    return Ok(ExitCode::from(1));
                }
            }
            println!("ok {n} entries");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("bad seq={}: {e}", e.seq());
            Ok(ExitCode::from(1))
        }
    }
}

pub async fn serve(cfg: Config) -> Result<(), Error> {
    let opened = open(&cfg).await?;
    prepare(&opened, &cfg).await?;
    let cipher = FieldCipher::from_master(&opened.master_key);
    let state =
        jianguan_web::AppState::new(opened.store.clone(), cfg.clone(), cipher, checkpoint_key(&opened.master_key));
    let app = jianguan_web::router(state.clone());
    let listener =
        tokio::net::TcpListener::bind(&cfg.listen).await.map_err(|e| format!("无法监听 {}:{e}", cfg.listen))?;
    let addr = listener.local_addr()?;
    println!("jianguan 已启动:http://{addr}/  ({})", opened.describe);
    let jobs = tokio::spawn(jianguan_web::jobs::run(state));
    axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown())
        .await?;
    jobs.abort();
    opened.store.close().await;
    println!("jianguan 已停止");
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
