//! `jianguan bench ledger`: the whole-annex page with 1,000 progress reports in the store,
//! rendered through the real router (access middleware, session, store, templates), timed
//! per request; `/healthz` through the same router is the same-run baseline.
//!
//! Output (one line): `ledger: reports=1000 p50_ms=… p95_ms=… goal_p95_ms=10 met|MISSED
//! baseline_p50_ms=… baseline_p95_ms=… iterations=…`. Build with `--release` for figures.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use jianguan_domain::auth::Role;
use jianguan_domain::config::Config;
use jianguan_domain::crypto::FieldCipher;
use jianguan_store::ledger::{NewReport, ShareFilter};
use jianguan_store::{Actor, NewAccount};
use std::time::Instant;
use tower::ServiceExt;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// The goal for the whole-annex page, in milliseconds at the 95th percentile.
pub const GOAL_P95_MS: f64 = 10.0;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

async fn time(router: &axum::Router, path: &str, cookie: &str, n: usize) -> Result<Vec<f64>> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let req = Request::builder().uri(path).header(header::COOKIE, cookie).body(Body::empty())?;
        let t = Instant::now();
        let resp = router.clone().oneshot(req).await?;
        let status = resp.status();
        let body = axum::body::to_bytes(resp.into_body(), 64 << 20).await?;
        out.push(t.elapsed().as_secs_f64() * 1000.0);
        if status != StatusCode::OK || body.is_empty() {
            return Err(format!("{path} 返回 {status}").into());
        }
    }
    out.sort_by(f64::total_cmp);
    Ok(out)
}

pub async fn run(reports: usize, iterations: usize) -> Result<std::process::ExitCode> {
    let dir = std::env::temp_dir().join(format!("jianguan-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = bench(&dir, reports, iterations).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn bench(dir: &std::path::Path, reports: usize, iterations: usize) -> Result<std::process::ExitCode> {
    let cfg = Config { data_dir: dir.display().to_string(), ..Config::default() };
    let url = format!("sqlite://{}", dir.join("bench.db").display());
    let store = jianguan_store::open(&url, cfg.pool_size, cfg.audit_algo).await?;
    store.migrate().await?;
    store.seed_organisation(&Actor::system()).await?;
    jianguan_web::pages::ledger::service::load_builtin(&store, cfg.ledger.default_cycle).await?;
    let annex = store.ledger_by_code("annex1").await?.ok_or("附件1 未载入")?;

    // 1,000 reports spread over the shares of 附件1, one transaction each as in use.
    let shares = store.ledger_shares(ShareFilter { ledger_id: Some(annex.id), ..Default::default() }).await?;
    let started = Instant::now();
    for i in 0..reports {
        let s = &shares[(i * 7) % shares.len()];
        let actor = Actor {
            name: format!("bench-{}", s.department_id),
            role: Role::DeptStaff.code().into(),
            account_id: None,
            department_id: Some(s.department_id),
        };
        let report = NewReport {
            share_id: s.id,
            progress: format!("第 {i} 次报送:按计划推进,本期完成相关清单梳理和信息归集工作。"),
            problems: if i % 5 == 0 { "部分数据需市级系统对接。".into() } else { String::new() },
            next_steps: "继续推进,按期报送。".into(),
            ..Default::default()
        };
        store.ledger_submit_report(&actor, &report, None).await?;
    }
    let seeded_s = started.elapsed().as_secs_f64();

    // The ledger office signs in through the real login form.
    let dept = store.list_units().await?.into_iter().find(|u| u.code == "zfb").ok_or("部门数据缺失")?;
    let password = "Bench-Passw0rd!";
    let a = store
        .create_account(
            &Actor::system(),
            &NewAccount {
                username: "bench-office".into(),
                display_name: "基准测试".into(),
                department_id: dept.id,
                password_hash: jianguan_web::security::hash_password(password),
                must_change_password: false,
            },
        )
        .await?;
    store.set_roles(&Actor::system(), a.id, &[Role::LedgerOffice]).await?;
    let state = jianguan_web::AppState::new(
        store.clone(),
        cfg,
        FieldCipher::from_master(b"bench-master-key-0123456789abcdef"),
        vec![0u8; 32],
    );
    let router = jianguan_web::router(state);
    let login_page = router.clone().oneshot(Request::builder().uri("/login").body(Body::empty())?).await?;
    let pre = login_page
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.split(';').next().filter(|kv| kv.starts_with(jianguan_web::security::PRE_CSRF_COOKIE)))
        .ok_or("登录页未设置 CSRF Cookie")?
        .to_owned();
    let token = pre.split_once('=').map(|x| x.1).unwrap_or_default().to_owned();
    let form = format!(
        "username=bench-office&password={}&_csrf={}",
        urlencoding::encode(password),
        urlencoding::encode(&token)
    );
    let login = router
        .clone()
        .oneshot(
            Request::builder()
                .method("POST")
                .uri("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, &pre)
                .body(Body::from(form))?,
        )
        .await?;
    let session = login
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.split(';').next().filter(|kv| kv.starts_with(jianguan_web::security::SESSION_COOKIE)))
        .ok_or("登录失败")?
        .to_owned();

    let page = format!("/ledger/{}", annex.id);
    time(&router, &page, &session, 20.min(iterations)).await?;
    time(&router, "/healthz", &session, 20.min(iterations)).await?;
    let ledger = time(&router, &page, &session, iterations).await?;
    let baseline = time(&router, "/healthz", &session, iterations).await?;
    // Cold: a new report before each request, so the page's snapshot is rebuilt every time.
    let mut cold = Vec::with_capacity(iterations.min(100));
    for i in 0..iterations.min(100) {
        let s = &shares[(i * 11) % shares.len()];
        let actor = Actor {
            name: format!("bench-{}", s.department_id),
            role: Role::DeptStaff.code().into(),
            account_id: None,
            department_id: Some(s.department_id),
        };
        let report = NewReport { share_id: s.id, progress: format!("追加报送 {i}"), ..Default::default() };
        store.ledger_submit_report(&actor, &report, None).await?;
        cold.extend(time(&router, &page, &session, 1).await?);
    }
    cold.sort_by(f64::total_cmp);
    let p95 = percentile(&ledger, 95.0);
    println!(
        "ledger.cold: p50_ms={:.2} p95_ms={:.2} requests={} (each right after a new report: snapshot rebuilt)",
        percentile(&cold, 50.0),
        percentile(&cold, 95.0),
        cold.len()
    );
    println!(
        "ledger: reports={reports} p50_ms={:.2} p95_ms={p95:.2} goal_p95_ms={GOAL_P95_MS} {} baseline_p50_ms={:.2} baseline_p95_ms={:.2} iterations={iterations}",
        percentile(&ledger, 50.0),
        if p95 <= GOAL_P95_MS { "met" } else { "MISSED" },
        percentile(&baseline, 50.0),
        percentile(&baseline, 95.0),
    );
    eprintln!(
        "(附件1 {} 项任务、{} 个分解;{reports} 份报告写入用时 {seeded_s:.1} s;{})",
        annex.task_count,
        shares.len(),
        if cfg!(debug_assertions) { "调试构建,数值偏大:请用 --release" } else { "release 构建" }
    );
    store.close().await;
    Ok(if p95 <= GOAL_P95_MS { std::process::ExitCode::SUCCESS } else { std::process::ExitCode::from(1) })
}

#[cfg(test)]
mod tests {
    #[test]
    fn percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(super::percentile(&v, 50.0), 50.0);
        assert_eq!(super::percentile(&v, 95.0), 95.0);
        assert_eq!(super::percentile(&[3.0], 95.0), 3.0);
    }
}
