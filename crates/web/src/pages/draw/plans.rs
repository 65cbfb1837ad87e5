//! Sampling plans (抽查计划): a department's annual plan (due by the end of January),
//! joint plans coordinated by 区市场监管局 (进一次门、查多项事), temporary plans with a
//! reason, key-supervision plans (full coverage); their tasks; approval and publication.

use super::items::{FlashQuery, ScopeDto};
use super::{
    active_departments, api_err, dept_of, flash, is_coordinator, per_mille_text, split_list, today, user_error, Fields,
};
use crate::access::Principal;
use crate::error::{AppError, ErrorBody};
use crate::forms::ApiJson;
use crate::templates::{base, render};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use chrono::{Datelike, NaiveDate};
use jianguan_domain::auth::Role;
use jianguan_domain::draw::{ClassWeights, FlagRule, Quota, WeightRules};
use jianguan_domain::registry::KINDS;
use jianguan_domain::sampling::{self, stratum_label, PlanKind};
use jianguan_store::draw::{Plan, PlanFilter, PlanInput, Scope, Task, TaskInput};
use jianguan_store::{NewNotification, StoreError, UnitKind};
use minijinja::{context, Value};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Stratum labels of a stratified task, in display order.
pub const CLASS_LABELS: [&str; 5] = ["A", "B", "C", "D", "unclassified"];

fn status_label(s: &str) -> &'static str {
    if s == "published" {
        "已发布"
    } else {
        "草稿"
    }
}

fn quota_text(q: &Quota) -> String {
    match q {
        Quota::PerMille(p) => format!("{}%", per_mille_text(*p)),
        Quota::Count(c) => format!("{c}户"),
    }
}

/// A quota as typed: `5%` (ratio) or `3` (count).
fn parse_quota(s: &str, label: &str) -> Result<Quota, String> {
    let s = s.trim();
    if s.ends_with(['%', '%']) {
        return super::percent_to_per_mille(s).map(Quota::PerMille);
    }
    s.parse::<u64>()
        .map(Quota::Count)
        .map_err(|_| format!("分层“{}”的抽取比例或数量“{s}”无效:比例写作“5%”,数量写作整数", stratum_label(label)))
}

pub fn task_ctx(t: &Task, plan: &Plan) -> Value {
    let quotas: Vec<Value> = if plan.kind.full_coverage() {
        vec![context! { label => "全部", quota => "全覆盖" }]
    } else {
        t.quotas.iter().map(|(l, q)| context! { label => stratum_label(l), quota => quota_text(q) }).collect()
    };
    context! {
        id => t.id, seq => t.seq, name => t.name,
        items => t.items.iter().map(|i| context! { id => i.id, code => i.code, name => i.name }).collect::<Vec<_>>(),
        kinds => t.scope.kinds, industries => t.scope.industries, tags => t.scope.tags,
        supervised_only => t.supervised_only, stratify => t.stratify, quotas => quotas,
        weights => format!(
            "A {} · B {} · C {} · D {} · 未分类 {};告知承诺 ×{};观察期 ×{}",
            t.weight_rules.base.a, t.weight_rules.base.b, t.weight_rules.base.c, t.weight_rules.base.d,
            t.weight_rules.base.unclassified, t.weight_rules.commitment_approval.multiply,
            t.weight_rules.observation_period.multiply
        ),
        starts_on => t.starts_on.to_string(), ends_on => t.ends_on.to_string(),
        directed => t.directed, team_size => t.team_size,
    }
}

pub fn plan_ctx(p: &Plan) -> Value {
    context! {
        id => p.id, code => p.code, title => p.title, year => p.year, kind => p.kind.code(), kind_label => p.kind.label(),
        reason => p.reason, status => p.status, status_label => status_label(&p.status), department => p.department,
        department_id => p.department_id,
        departments => p.departments.iter().map(|d| d.name.clone()).collect::<Vec<_>>(),
        tasks => p.tasks.iter().map(|t| task_ctx(t, p)).collect::<Vec<_>>(),
        created_by => p.created_by, published_at => p.published_at.map(super::cst),
    }
}

async fn list_view(
    state: &AppState,
    p: &Principal,
    notice: Option<&str>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let me = dept_of(p)?;
    let units = state.store.list_units().await?;
    let plans = state.store.plans(&PlanFilter { department_id: Some(me), ..Default::default() }).await?;
    let year = today().year();
    let kinds: Vec<Value> = PlanKind::ALL
        .iter()
        .filter(|k| **k != PlanKind::Joint || is_coordinator(&units, me))
        .map(|k| context! { code => k.code(), label => k.label() })
        .collect();
    let ctx = context! {
        ..base(p, "抽查计划"),
        ..context! {
            flash => notice, error => error,
            plans => plans.iter().map(|x| context! { ..plan_ctx(x), ..context! { own => x.department_id == me } }).collect::<Vec<_>>(),
            years => vec![year, year + 1],
            kinds => kinds,
            departments => active_departments(&units).into_iter().filter(|u| u.id != me).collect::<Vec<_>>(),
            coordinator => is_coordinator(&units, me),
        }
    };
    Ok(render("draw_plans.html", ctx)?.into_response())
}

fn unprocessable(mut r: Response) -> Response {
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    r
}

pub async fn page(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<FlashQuery>,
) -> Result<Response, AppError> {
    list_view(&state, &p, flash(q.ok.as_deref()), None).await
}

fn plan_input(f: &Fields) -> Result<PlanInput, String> {
    Ok(PlanInput {
        year: f.int("year", "计划年度")?,
        kind: PlanKind::from_code(f.get("kind")).ok_or("请选择计划类别")?,
        title: f.get("title").to_string(),
        reason: f.get("reason").to_string(),
        departments: f.ids("departments")?,
    })
}

pub async fn create(State(state): State<AppState>, p: Principal, body: Bytes) -> Result<Response, AppError> {
    let me = dept_of(&p)?;
    let f = Fields::parse(&body);
    let result = match plan_input(&f) {
        Ok(i) => state.store.plan_create(&p.actor_as(Role::DeptStaff), me, &i, today()).await,
        Err(m) => Err(StoreError::Invalid(m)),
    };
    match result {
        Ok(plan) => Ok(Redirect::to(&format!("/draw/plans/{}?ok=plan_created", plan.id)).into_response()),
        Err(e) if user_error(&e) => Ok(unprocessable(list_view(&state, &p, None, Some(e.to_string())).await?)),
        Err(e) => Err(e.into()),
    }
}

/// A plan the caller's department owns or takes part in (else 404).
pub async fn visible_plan(state: &AppState, p: &Principal, id: i64) -> Result<Plan, AppError> {
    let plan = state.store.plan(id).await?;
    let me = dept_of(p)?;
    if !plan.departments.iter().any(|d| d.id == me) {
        return Err(AppError::not_found(format!("抽查计划 {id} 不存在或不属于本部门")));
    }
    Ok(plan)
}

async fn plan_view(
    state: &AppState,
    p: &Principal,
    id: i64,
    notice: Option<&str>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let plan = visible_plan(state, p, id).await?;
    let me = dept_of(p)?;
    // Items of every participating department (a joint task checks several items at one visit).
    let mut items = Vec::new();
    for d in &plan.departments {
        for i in state.store.draw_items(d.id).await? {
            if i.input.active && !items.iter().any(|x: &jianguan_store::draw::DrawItem| x.id == i.id) {
                items.push(i);
            }
        }
    }
    let year = plan.year;
    let start = today()
        .max(NaiveDate::from_ymd_opt(year, 1, 1).expect("date"))
        .min(NaiveDate::from_ymd_opt(year, 12, 31).expect("date"));
    let ctx = context! {
        ..base(p, &plan.title),
        ..context! {
            flash => notice, error => error, plan => plan_ctx(&plan),
            own => plan.department_id == me, draft => plan.status == "draft",
            full_coverage => plan.kind.full_coverage(),
            items => items.iter().map(|i| context! { id => i.id, code => i.input.code, name => i.input.name, department => i.department }).collect::<Vec<_>>(),
            all_kinds => KINDS, class_labels => CLASS_LABELS.iter().map(|l| context! { code => l, label => stratum_label(l) }).collect::<Vec<_>>(),
            default_start => start.to_string(), default_end => format!("{year}-12-31"),
            default_team => plan.departments.len().max(2),
        }
    };
    Ok(render("draw_plan.html", ctx)?.into_response())
}

pub async fn plan_page(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    Query(q): Query<FlashQuery>,
) -> Result<Response, AppError> {
    plan_view(&state, &p, id, flash(q.ok.as_deref()), None).await
}

fn task_input(f: &Fields) -> Result<TaskInput, String> {
    let stratify = f.flag("stratify");
    let labels: Vec<&str> = if stratify { CLASS_LABELS.to_vec() } else { vec!["all"] };
    let mut quotas = BTreeMap::new();
    for l in labels {
        let v = f.get(&format!("quota_{l}"));
        if !v.is_empty() {
            quotas.insert(l.to_string(), parse_quota(v, l)?);
        }
    }
    let w = |k: &str, d: u32| -> Result<u32, String> {
        match f.get(k) {
            "" => Ok(d),
            v => v.parse().map_err(|_| format!("权重“{v}”须为1至1000的整数")),
        }
    };
    Ok(TaskInput {
        name: f.get("name").to_string(),
        item_ids: f.ids("items")?,
        scope: Scope {
            kinds: f.all("kinds"),
            industries: split_list(f.get("industries")),
            tags: split_list(f.get("tags")),
        },
        supervised_only: f.flag("supervised_only"),
        stratify,
        quotas,
        weight_rules: WeightRules {
            base: ClassWeights {
                a: w("weight_A", 1)?,
                b: w("weight_B", 1)?,
                c: w("weight_C", 1)?,
                d: w("weight_D", 1)?,
                unclassified: w("weight_unclassified", 1)?,
            },
            commitment_approval: FlagRule { multiply: w("commitment_multiply", 2)?, add: 0 },
            observation_period: FlagRule { multiply: w("observation_multiply", 1)?, add: 0 },
        },
        starts_on: f.date("starts_on", "任务开始日期")?,
        ends_on: f.date("ends_on", "任务结束日期")?,
        directed: f.flag("directed"),
        team_size: f.int("team_size", "检查组人数")?,
    })
}

pub async fn task_add(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    let me = dept_of(&p)?;
    let f = Fields::parse(&body);
    let result = match task_input(&f) {
        Ok(t) => state.store.task_add(&p.actor_as(Role::DeptStaff), me, id, &t).await,
        Err(m) => Err(StoreError::Invalid(m)),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/draw/plans/{id}?ok=task_added")).into_response()),
        Err(e) if user_error(&e) => Ok(unprocessable(plan_view(&state, &p, id, None, Some(e.to_string())).await?)),
        Err(e) => Err(e.into()),
    }
}

/// Publishes a plan and tells those who must know: the other departments of a joint
/// plan, and 区市场监管局 for temporary and key-supervision plans (备案).
async fn publish_and_notify(state: &AppState, p: &Principal, id: i64) -> Result<Plan, StoreError> {
    let me = dept_of(p).map_err(|e| StoreError::Invalid(e.message))?;
    let plan = state.store.plan_publish(&p.actor_as(Role::DeptStaff), me, id).await?;
    let units = state.store.list_units().await?;
    let mut told: Vec<i64> = plan.departments.iter().map(|d| d.id).filter(|d| *d != me).collect();
    if plan.kind.filed_with_coordinator() {
        if let Some(c) = units.iter().find(|u| u.code == sampling::COORDINATOR && u.kind == UnitKind::Department) {
            if c.id != me && !told.contains(&c.id) {
                told.push(c.id);
            }
        }
    }
    for d in told {
        state
            .store
            .notify(&NewNotification {
                department_id: Some(d),
                account_id: None,
                kind: "draw.plan_published".into(),
                title: format!("{}发布{}:{}", plan.department, plan.kind.label(), plan.title),
                body: format!("计划编号 {},共 {} 项抽查任务,已向社会公示。", plan.code, plan.tasks.len()),
                link: format!("/public/draw/plans/{}", plan.code),
                dedup_key: format!("draw-plan-published-{}-{d}", plan.id),
            })
            .await?;
    }
    Ok(plan)
}

pub async fn publish(State(state): State<AppState>, p: Principal, Path(id): Path<i64>) -> Result<Response, AppError> {
    match publish_and_notify(&state, &p, id).await {
        Ok(_) => Ok(Redirect::to(&format!("/draw/plans/{id}?ok=plan_published")).into_response()),
        Err(e) if user_error(&e) => Ok(unprocessable(plan_view(&state, &p, id, None, Some(e.to_string())).await?)),
        Err(e) => Err(e.into()),
    }
}

/// A quota: exactly one of `per_mille` (ratio) or `count`.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy)]
pub struct QuotaDto {
    /// Per mille of the stratum, 0–1000 (k = ceil(n × p / 1000)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_mille: Option<u32>,
    /// Exactly this many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
}

impl QuotaDto {
    fn quota(self, label: &str) -> Result<Quota, String> {
        match (self.per_mille, self.count) {
            (Some(p), None) => Ok(Quota::PerMille(p)),
            (None, Some(c)) => Ok(Quota::Count(c)),
            _ => Err(format!("分层“{label}”须且只须给出 per_mille 或 count 之一")),
        }
    }
}

fn quota_dto(q: &Quota) -> QuotaDto {
    match q {
        Quota::PerMille(p) => QuotaDto { per_mille: Some(*p), count: None },
        Quota::Count(c) => QuotaDto { per_mille: None, count: Some(*c) },
    }
}

/// Integer weights by credit-risk class and flag multipliers.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy)]
pub struct WeightsDto {
    #[serde(rename = "A")]
    pub a: u32,
    #[serde(rename = "B")]
    pub b: u32,
    #[serde(rename = "C")]
    pub c: u32,
    #[serde(rename = "D")]
    pub d: u32,
    pub unclassified: u32,
    /// Multiplier for approvals granted on a credit commitment (告知承诺制).
    pub commitment_multiply: u32,
    /// Multiplier for new business models in an observation period (观察期).
    pub observation_multiply: u32,
}

impl Default for WeightsDto {
    fn default() -> Self {
        WeightsDto { a: 1, b: 1, c: 1, d: 1, unclassified: 1, commitment_multiply: 2, observation_multiply: 1 }
    }
}

/// A plan as created through the API.
#[derive(Deserialize, ToSchema)]
pub struct PlanBody {
    pub year: i32,
    /// `annual`, `joint` (区市场监管局 only), `temporary` or `key`.
    pub kind: String,
    pub title: String,
    /// Required for temporary plans.
    #[serde(default)]
    pub reason: String,
    /// Other participating departments (joint and temporary joint plans).
    #[serde(default)]
    pub departments: Vec<i64>,
}

/// A task as added to a draft plan through the API.
#[derive(Deserialize, ToSchema)]
pub struct TaskBody {
    pub name: String,
    pub item_ids: Vec<i64>,
    #[serde(default)]
    pub scope: ScopeDto,
    /// Only entities the plan's departments supervise.
    #[serde(default)]
    pub supervised_only: bool,
    /// Strata by credit-risk class (`A`…`D`, `unclassified`); otherwise one stratum `all`.
    #[serde(default)]
    pub stratify: bool,
    /// Quota per stratum label (ignored for key-supervision plans: full coverage).
    #[serde(default)]
    pub quotas: BTreeMap<String, QuotaDto>,
    #[serde(default)]
    pub weights: Option<WeightsDto>,
    /// `YYYY-MM-DD`, inside the plan's year.
    pub starts_on: String,
    pub ends_on: String,
    /// A directed task: the frequency cap does not apply.
    #[serde(default)]
    pub directed: bool,
    /// Inspectors per inspection (at least 2, and one per department of a joint plan).
    pub team_size: u32,
}

#[derive(Serialize, ToSchema)]
pub struct TaskDto {
    pub id: i64,
    pub seq: i64,
    pub name: String,
    /// Item codes.
    pub items: Vec<String>,
    pub scope: ScopeDto,
    pub supervised_only: bool,
    pub stratify: bool,
    pub quotas: BTreeMap<String, QuotaDto>,
    pub weights: WeightsDto,
    pub starts_on: String,
    pub ends_on: String,
    pub directed: bool,
    pub team_size: u32,
}

#[derive(Serialize, ToSchema)]
pub struct PlanDto {
    pub id: i64,
    /// Public code, e.g. `2026-SCJGJ-ND-1`.
    pub code: String,
    pub department_id: i64,
    pub department: String,
    pub year: i32,
    pub kind: String,
    pub title: String,
    pub reason: String,
    /// `draft` or `published`.
    pub status: String,
    /// Participating departments (names), the owner first.
    pub departments: Vec<String>,
    pub tasks: Vec<TaskDto>,
    pub published_at: Option<String>,
}

fn task_dto(t: &Task) -> TaskDto {
    let w = t.weight_rules;
    TaskDto {
        id: t.id,
        seq: t.seq,
        name: t.name.clone(),
        items: t.items.iter().map(|i| i.code.clone()).collect(),
        scope: ScopeDto::from(&t.scope),
        supervised_only: t.supervised_only,
        stratify: t.stratify,
        quotas: t.quotas.iter().map(|(l, q)| (l.clone(), quota_dto(q))).collect(),
        weights: WeightsDto {
            a: w.base.a,
            b: w.base.b,
            c: w.base.c,
            d: w.base.d,
            unclassified: w.base.unclassified,
            commitment_multiply: w.commitment_approval.multiply,
            observation_multiply: w.observation_period.multiply,
        },
        starts_on: t.starts_on.to_string(),
        ends_on: t.ends_on.to_string(),
        directed: t.directed,
        team_size: t.team_size,
    }
}

pub fn plan_dto(p: &Plan) -> PlanDto {
    PlanDto {
        id: p.id,
        code: p.code.clone(),
        department_id: p.department_id,
        department: p.department.clone(),
        year: p.year,
        kind: p.kind.code().into(),
        title: p.title.clone(),
        reason: p.reason.clone(),
        status: p.status.clone(),
        departments: p.departments.iter().map(|d| d.name.clone()).collect(),
        tasks: p.tasks.iter().map(task_dto).collect(),
        published_at: p.published_at.map(|t| t.to_rfc3339()),
    }
}

fn invalid(m: String) -> AppError {
    AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m).json()
}

/// Plans the caller's department owns or takes part in.
#[utoipa::path(get, path = "/api/v1/draw/plans", tag = "双随机",
    responses((status = 200, body = [PlanDto]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("session" = [])))]
pub async fn api_list(State(state): State<AppState>, p: Principal) -> Result<Response, AppError> {
    let me = dept_of(&p).map_err(AppError::json)?;
    let plans =
        state.store.plans(&PlanFilter { department_id: Some(me), ..Default::default() }).await.map_err(api_err)?;
    Ok(Json(plans.iter().map(plan_dto).collect::<Vec<_>>()).into_response())
}

/// Creates a draft plan.
#[utoipa::path(post, path = "/api/v1/draw/plans", tag = "双随机", request_body = PlanBody,
    responses((status = 201, body = PlanDto), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("session" = [])))]
pub async fn api_create(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(b): ApiJson<PlanBody>,
) -> Result<Response, AppError> {
    let me = dept_of(&p).map_err(AppError::json)?;
    let kind =
        PlanKind::from_code(&b.kind).ok_or_else(|| invalid("kind 只能是 annual、joint、temporary 或 key".into()))?;
    let input = PlanInput { year: b.year, kind, title: b.title, reason: b.reason, departments: b.departments };
    let plan = state.store.plan_create(&p.actor_as(Role::DeptStaff), me, &input, today()).await.map_err(api_err)?;
    Ok((StatusCode::CREATED, Json(plan_dto(&plan))).into_response())
}

/// Adds a task to a draft plan of the caller's department.
#[utoipa::path(post, path = "/api/v1/draw/plans/{id}/tasks", tag = "双随机", request_body = TaskBody,
    params(("id" = i64, Path, description = "计划编号(内部)")),
    responses((status = 201, body = TaskDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("session" = [])))]
pub async fn api_task_add(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<TaskBody>,
) -> Result<Response, AppError> {
    let me = dept_of(&p).map_err(AppError::json)?;
    let mut quotas = BTreeMap::new();
    for (l, q) in b.quotas {
        let quota = q.quota(&l).map_err(invalid)?;
        quotas.insert(l, quota);
    }
    let w = b.weights.unwrap_or_default();
    let date = |s: &str, what: &str| super::parse_date(s).ok_or_else(|| invalid(format!("{what}须为 YYYY-MM-DD")));
    let input = TaskInput {
        name: b.name,
        item_ids: b.item_ids,
        scope: b.scope.into(),
        supervised_only: b.supervised_only,
        stratify: b.stratify,
        quotas,
        weight_rules: WeightRules {
            base: ClassWeights { a: w.a, b: w.b, c: w.c, d: w.d, unclassified: w.unclassified },
            commitment_approval: FlagRule { multiply: w.commitment_multiply, add: 0 },
            observation_period: FlagRule { multiply: w.observation_multiply, add: 0 },
        },
        starts_on: date(&b.starts_on, "starts_on")?,
        ends_on: date(&b.ends_on, "ends_on")?,
        directed: b.directed,
        team_size: b.team_size,
    };
    let t = state.store.task_add(&p.actor_as(Role::DeptStaff), me, id, &input).await.map_err(api_err)?;
    Ok((StatusCode::CREATED, Json(task_dto(&t))).into_response())
}

/// Approves and publishes a draft plan (then shown on the public site).
#[utoipa::path(post, path = "/api/v1/draw/plans/{id}/publish", tag = "双随机",
    params(("id" = i64, Path, description = "计划编号(内部)")),
    responses((status = 200, body = PlanDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("session" = [])))]
pub async fn api_publish(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let plan = publish_and_notify(&state, &p, id).await.map_err(api_err)?;
    Ok(Json(plan_dto(&plan)).into_response())
}
