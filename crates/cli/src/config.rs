//! Configuration: defaults ← `jianguan.toml` ← `JIANGUAN_*` environment ← command line.

use crate::StoreArgs;
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use jianguan_domain::config::{Config, Secret};
use std::path::Path;

pub fn load(file: Option<&Path>, args: &StoreArgs) -> Result<Config, Box<dyn std::error::Error>> {
    let mut fig = Figment::from(Serialized::defaults(Config::default()));
    match file {
        Some(f) => {
            if !f.exists() {
                return Err(format!("配置文件 {} 不存在", f.display()).into());
            }
            fig = fig.merge(Toml::file(f));
        }
        None => fig = fig.merge(Toml::file("jianguan.toml")),
    }
    // Nested keys use a double underscore: JIANGUAN_SESSION__IDLE_MINUTES=20.
    fig = fig.merge(Env::prefixed("JIANGUAN_").split("__"));
    let mut cfg: Config = fig.extract().map_err(|e| format!("配置错误:{e}"))?;
    if let Some(d) = &args.data_dir {
        cfg.data_dir = d.display().to_string();
    }
    if let Some(u) = &args.database_url {
        cfg.database_url = Secret::new(u.clone());
    }
    Ok(cfg)
}

pub fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_env("JIANGUAN_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let json = std::env::var("JIANGUAN_LOG_FORMAT").map(|v| v == "json").unwrap_or(false);
    let b = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if json {
        b.json().init();
    } else {
        b.init();
    }
}
