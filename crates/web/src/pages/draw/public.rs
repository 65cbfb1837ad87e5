//! The public side of “一公开”: published plans, every draw with its commit, entropy,
//! winners and teams and the downloadable record anyone can recompute, and the
//! published results of each entity.

use super::draws::{draw_ctx, status_label};
use super::plans::{plan_ctx, plan_dto, PlanDto};
use super::{api_err, cst};
use crate::access::Principal;
use crate::error::{AppError, ErrorBody};
use crate::templates::{base, render};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use jianguan_domain::sampling::{result_category, stratum_label, InspectionStatus};
use jianguan_store::draw::{Draw, InspectionFilter, Plan, PlanFilter};
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex, OnceLock};
use utoipa::ToSchema;

#[derive(Deserialize, Default)]
pub struct IndexQuery {
    /// An entity's uscc: go to its results.
    pub uscc: Option<String>,
}

pub async fn index(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<IndexQuery>,
) -> Result<Response, AppError> {
    if let Some(u) = q.uscc.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        return Ok(Redirect::to(&format!("/public/draw/entities/{}", urlencoding::encode(&u.to_ascii_uppercase())))
            .into_response());
    }
    let plans = state.store.plans(&PlanFilter { published_only: true, ..Default::default() }).await?;
    let draws = state.store.public_draws(None, 50).await?;
    let ctx = context! {
        ..base(&p, "双随机、一公开"),
        ..context! {
            plans => plans.iter().map(plan_ctx).collect::<Vec<_>>(),
            draws => draws.iter().map(draw_ctx).collect::<Vec<_>>(),
        }
    };
    Ok(render("draw_public.html", ctx)?.into_response())
}

/// A published plan by its public code (else 404).
async fn published_plan(state: &AppState, code: &str) -> Result<Plan, AppError> {
    match state.store.plan_by_code(code).await {
        Ok(p) if p.status == "published" => Ok(p),
        _ => {
            Err(AppError::not_found(format!("抽查计划“{}”不存在或尚未公示", code.chars().take(64).collect::<String>())))
        }
    }
}

/// A draw of a published plan that has been executed or failed (else 404).
async fn public_draw(state: &AppState, code: &str) -> Result<Draw, AppError> {
    let missing =
        || AppError::not_found(format!("抽取“{}”不存在或尚未公示", code.chars().take(64).collect::<String>()));
    let d = state.store.draw_by_code(code).await.map_err(|_| missing())?;
    let plan = state.store.plan(d.plan_id).await?;
    if plan.status != "published" || d.status == "committed" {
        return Err(missing());
    }
    Ok(d)
}

pub async fn plan(State(state): State<AppState>, p: Principal, Path(code): Path<String>) -> Result<Response, AppError> {
    let plan = published_plan(&state, &code).await?;
    let draws = state.store.public_draws(Some(plan.id), 1000).await?;
    let ctx = context! {
        ..base(&p, &plan.title),
        ..context! { plan => plan_ctx(&plan), draws => draws.iter().map(draw_ctx).collect::<Vec<_>>() }
    };
    Ok(render("draw_public_plan.html", ctx)?.into_response())
}

pub async fn draw(State(state): State<AppState>, p: Principal, Path(code): Path<String>) -> Result<Response, AppError> {
    let d = public_draw(&state, &code).await?;
    let plan = state.store.plan(d.plan_id).await?;
    let task = state.store.task(d.task_id).await?;
    let status = if d.status == "superseded" { Some(InspectionStatus::Cancelled) } else { None };
    let rows = if d.status == "failed" {
        Vec::new()
    } else {
        state
            .store
            .inspections(&InspectionFilter { draw_id: Some(d.id), status, limit: 5000, ..Default::default() })
            .await?
    };
    let winners: Vec<_> = rows
        .iter()
        .map(|i| {
            context! {
                position => i.position + 1, uscc => i.uscc, entity_name => i.entity_name, stratum => stratum_label(&i.stratum),
                team => i.team.iter().map(|m| context! { name => m.name, certificate_no => m.certificate_no, department => m.department, leader => m.leader }).collect::<Vec<_>>(),
            }
        })
        .collect();
    let superseded_by = if d.status == "superseded" {
        state
            .store
            .draws_for_task(d.task_id)
            .await?
            .into_iter()
            .find(|x| x.redraw_of.as_deref() == Some(d.code.as_str()))
            .map(|x| x.code)
    } else {
        None
    };
    let ctx = context! {
        ..base(&p, &format!("抽取公示 {}", d.code)),
        ..context! {
            draw => draw_ctx(&d), plan => plan_ctx(&plan), task_name => task.name, winners => winners,
            superseded_by => superseded_by, status_label => status_label(&d.status),
        }
    };
    Ok(render("draw_public_draw.html", ctx)?.into_response())
}

/// The last records served. A record is a pure function of its commit (which fixes the
/// pool and roster by their hashes), its entropy value and its draw time, so those three
/// key it whatever store it came from; recomputing a large pool takes a moment.
type RecordKey = (String, String, i64);
type RecordCache = Mutex<Vec<(RecordKey, Arc<String>)>>;

fn cache() -> &'static RecordCache {
    static CACHE: OnceLock<RecordCache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(Vec::new()))
}

const CACHED_RECORDS: usize = 8;

/// The record's JSON, exactly as published (indented).
async fn record_json(state: &AppState, d: &Draw) -> Result<Arc<String>, AppError> {
    let key: RecordKey =
        (d.commit_hash.clone(), d.entropy_value.clone().unwrap_or_default(), d.drawn_at.map_or(0, |t| t.timestamp()));
    if let Some((_, hit)) = cache().lock().expect("cache").iter().find(|(k, _)| *k == key) {
        return Ok(Arc::clone(hit));
    }
    let record = state.store.draw_record(d.id).await?;
    let json = Arc::new(
        tokio::task::spawn_blocking(move || record.to_json_pretty())
            .await
            .map_err(|_| AppError::internal("记录生成失败"))?,
    );
    let mut c = cache().lock().expect("cache");
    c.retain(|(k, _)| *k != key);
    c.push((key, Arc::clone(&json)));
    if c.len() > CACHED_RECORDS {
        c.remove(0);
    }
    Ok(json)
}

fn json_response(json: Arc<String>, download: Option<&str>) -> Response {
    let mut headers = vec![(header::CONTENT_TYPE, "application/json; charset=utf-8".to_string())];
    if let Some(name) = download {
        headers.push((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.json\"")));
    }
    let body = Arc::try_unwrap(json).unwrap_or_else(|a| (*a).clone());
    let mut r = body.into_response();
    for (k, v) in headers {
        r.headers_mut().insert(k, v.parse().expect("header value"));
    }
    r
}

pub async fn record_download(State(state): State<AppState>, Path(code): Path<String>) -> Result<Response, AppError> {
    let d = public_draw(&state, &code).await?;
    if d.status == "failed" {
        return Err(AppError::not_found(format!("抽取 {} 未完成,没有公示记录", d.code)));
    }
    let json = record_json(&state, &d).await?;
    Ok(json_response(json, Some(&d.code)))
}

pub async fn entity(
    State(state): State<AppState>,
    p: Principal,
    Path(uscc): Path<String>,
) -> Result<Response, AppError> {
    let uscc = uscc.trim().to_ascii_uppercase();
    let entity = state.store.entity_get(&uscc).await?;
    let results = state.store.public_results(&uscc).await?;
    if entity.is_none() && results.is_empty() {
        return Err(AppError::not_found(format!(
            "未找到统一社会信用代码为 {} 的市场主体",
            uscc.chars().take(18).collect::<String>()
        )));
    }
    let name =
        entity.map(|e| e.rec.name).or_else(|| results.first().map(|r| r.entity_name.clone())).unwrap_or_default();
    let rows: Vec<_> = results
        .iter()
        .map(|r| {
            context! {
                plan_code => r.plan_code, plan_title => r.plan_title, task_name => r.task_name, draw_code => r.draw_code,
                department => r.department, inspected_on => r.inspected_on.map(|d| d.to_string()),
                published_at => r.published_at.map(cst),
                results => r.results.iter().map(|(code, name, result, note)| context! {
                    code => code, name => name, label => result_category(result).map(|c| c.label).unwrap_or("未知"),
                    problem => result_category(result).is_some_and(|c| c.problem), note => note,
                }).collect::<Vec<_>>(),
            }
        })
        .collect();
    let ctx = context! {
        ..base(&p, &format!("{name} 抽查检查结果")),
        ..context! { uscc => uscc, name => name, rows => rows }
    };
    Ok(render("draw_public_entity.html", ctx)?.into_response())
}

/// Published plans of every department, newest first.
#[utoipa::path(get, path = "/api/v1/public/draw/plans", tag = "双随机",
    responses((status = 200, body = [PlanDto])))]
pub async fn api_plans(State(state): State<AppState>) -> Result<Response, AppError> {
    let plans = state.store.plans(&PlanFilter { published_only: true, ..Default::default() }).await.map_err(api_err)?;
    Ok(Json(plans.iter().map(plan_dto).collect::<Vec<_>>()).into_response())
}

/// The public record of a draw (docs/draw-record.md): recompute it with
/// `jianguan verify-draw FILE` or `python3 tools/verify_draw.py FILE`.
#[utoipa::path(get, path = "/api/v1/public/draw/draws/{id}/record", tag = "双随机",
    params(("id" = String, Path, description = "抽取编号,如 2026-SCJGJ-ND-1-T1-D1")),
    responses((status = 200, description = "抽取公示记录(JSON)", content_type = "application/json"), (status = 404, body = ErrorBody)))]
pub async fn api_record(State(state): State<AppState>, Path(code): Path<String>) -> Result<Response, AppError> {
    let d = public_draw(&state, &code).await.map_err(AppError::json)?;
    if d.status == "failed" {
        return Err(AppError::not_found(format!("抽取 {} 未完成,没有公示记录", d.code)).json());
    }
    let json = record_json(&state, &d).await.map_err(AppError::json)?;
    Ok(json_response(json, None))
}

#[derive(Serialize, ToSchema)]
pub struct PublicResultDto {
    pub uscc: String,
    pub entity_name: String,
    pub plan_code: String,
    pub task_name: String,
    pub draw_code: String,
    pub department: String,
    pub inspected_on: Option<String>,
    pub published_at: Option<String>,
    /// `[item code, item name, result category, note]`.
    pub results: Vec<[String; 4]>,
}

/// Published inspection results of an entity.
#[utoipa::path(get, path = "/api/v1/public/draw/entities/{id}/results", tag = "双随机",
    params(("id" = String, Path, description = "统一社会信用代码")),
    responses((status = 200, body = [PublicResultDto])))]
pub async fn api_results(State(state): State<AppState>, Path(uscc): Path<String>) -> Result<Response, AppError> {
    let results = state.store.public_results(&uscc).await.map_err(api_err)?;
    let out: Vec<PublicResultDto> = results
        .into_iter()
        .map(|r| PublicResultDto {
            uscc: r.uscc,
            entity_name: r.entity_name,
            plan_code: r.plan_code,
            task_name: r.task_name,
            draw_code: r.draw_code,
            department: r.department,
            inspected_on: r.inspected_on.map(|d| d.to_string()),
            published_at: r.published_at.map(|t| t.to_rfc3339()),
            results: r.results.into_iter().map(|(a, b, c, d)| [a, b, c, d]).collect(),
        })
        .collect();
    Ok(Json(out).into_response())
}
