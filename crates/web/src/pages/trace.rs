//! Product traceability (追溯, 附件2 四(二)) and inclusive and prudent supervision (包容审慎,
//! 附件2 四(四)): the product catalogue, custody events (bulk API, CSV import), trace
//! forward and back with a server-rendered graph, recalls with a progress dashboard and
//! overdue warnings, mandatory incident reports, observation periods.
//!
//! Traceability data is district-wide (any reader may trace a lot); recalls, incident
//! reports and observation records belong to the department that made them: another
//! department gets 404, the ledger office reads all.

use crate::access::{Access, Principal};
use crate::error::{AppError, ErrorBody};
use crate::forms::{ApiJson, PageForm};
use crate::helpers::{self, api_err, invalid, see_other, shown, today, with_status};
use crate::pages::home::{Card, PublicSection};
use crate::routes::{r, RouteDef};
use crate::templates::{base, render};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Json;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use jianguan_domain::auth::Role;
use jianguan_domain::calendar::WorkCalendar;
use jianguan_domain::trace::custody::{flag, EventKind, MAX_UPLOAD};
use jianguan_domain::trace::observation::{self as obs, Category, Decision};
use jianguan_domain::trace::{self as tr, Scheme};
use jianguan_store::ledger::IdempotencyKey;
use jianguan_store::trace::*;
use jianguan_store::NewNotification;
use minijinja::context;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

const STAFF: &[Role] = &[Role::DeptStaff];
const READERS: &[Role] = &[Role::DeptStaff, Role::LedgerOffice];
/// Working days a recall runs by default (the form may set another due date).
pub const RECALL_WORKING_DAYS: u32 = 10;
/// Days before a review date that reminders start.
pub const REVIEW_LEAD_DAYS: i64 = 14;
/// Nodes drawn in the graph (the table lists all).
const GRAPH_MAX_NODES: usize = 150;

/// This capability's routes (merged into the one route table).
pub fn routes() -> Vec<RouteDef> {
    use Access::*;
    use Method as M;
    vec![
        r(M::GET, "/trace", Roles(READERS), get(index)),
        r(M::GET, "/trace/query", Roles(READERS), get(query_page)),
        r(M::GET, "/trace/graph.svg", Roles(READERS), get(graph_svg)),
        r(M::POST, "/trace/products", Roles(STAFF), post(product_add)),
        r(M::POST, "/trace/events/import", Roles(STAFF), post(events_import)),
        r(M::GET, "/trace/recalls", Roles(READERS), get(recalls_page)),
        r(M::POST, "/trace/recalls", Roles(STAFF), post(recall_start)),
        r(M::GET, "/trace/recalls/{id}", Roles(READERS), get(recall_page)),
        r(M::POST, "/trace/recalls/{id}/confirm", Roles(STAFF), post(recall_confirm)),
        r(M::POST, "/trace/incidents", Roles(STAFF), post(incident_report)),
        r(M::GET, "/trace/observations", Roles(READERS), get(observations_page)),
        r(M::POST, "/trace/observations", Roles(STAFF), post(observation_add)),
        r(M::POST, "/trace/observations/{id}/review", Roles(STAFF), post(observation_review)),
        r(M::POST, "/api/v1/trace/events", ApiKeyOr("trace:write", STAFF), post(api_upload)),
        r(M::GET, "/api/v1/trace/forward", ApiKeyOr("trace:read", READERS), get(api_forward)),
        r(M::GET, "/api/v1/trace/back", ApiKeyOr("trace:read", READERS), get(api_back)),
        r(M::POST, "/api/v1/trace/incidents", ApiKeyOr("trace:write", STAFF), post(api_incident)),
    ]
}

/// This capability's templates, by name.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("trace_index.html", include_str!("../../templates/trace_index.html")),
    ("trace_query.html", include_str!("../../templates/trace_query.html")),
    ("trace_recalls.html", include_str!("../../templates/trace_recalls.html")),
    ("trace_recall.html", include_str!("../../templates/trace_recall.html")),
    ("trace_observations.html", include_str!("../../templates/trace_observations.html")),
];

fn schemes() -> Vec<serde_json::Value> {
    Scheme::ALL.iter().map(|s| json!({ "code": s.code(), "label": s.label() })).collect()
}

fn scheme_of(s: &str) -> Result<Scheme, AppError> {
    Scheme::from_code(s.trim()).ok_or_else(|| invalid("请选择编码方案(gtin、drug、udi、equipment)"))
}

fn flash_of(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "product" => "产品已加入目录,相关待核实事件已更新。",
        "imported" => "事件已导入。",
        "incident" => "事故报告已登记,并已记入该主体的信用记录。",
        "recall" => "召回已启动,已列出全部下游持有者。",
        "confirmed" => "已确认。",
        "observation" => "已纳入包容审慎监管。",
        "reviewed" => "评估意见已记录。",
        _ => return None,
    })
}

#[derive(Deserialize, Default)]
pub struct Done {
    pub done: Option<String>,
}

/// The caller's department and whether it reads everything (the ledger office).
async fn scope(state: &AppState, p: &Principal) -> Result<(i64, bool), AppError> {
    let unit = helpers::caller_unit(state, p).await?;
    Ok((unit.id, p.has(Role::LedgerOffice) && !p.has(Role::DeptStaff)))
}

fn flag_labels(flags: &[String]) -> Vec<&'static str> {
    flags.iter().map(|f| flag::label(f)).collect()
}

// --- index: catalogue, import, incidents -------------------------------------------------------

async fn index_page(state: &AppState, p: &Principal, error: Option<String>, done: Option<&str>, csv: &str) -> Result<Response, AppError> {
    let (dept, all) = scope(state, p).await?;
    let flagged = state.store.trace_events(&EventFilter { flagged_only: true, limit: 100, ..Default::default() }).await?;
    let recent = state.store.trace_events(&EventFilter { limit: 30, ..Default::default() }).await?;
    let products = state.store.trace_products(None, 100).await?;
    let incidents = state.store.trace_incidents(if all { None } else { Some(dept) }, None).await?;
    let view = |e: &Event| {
        let mut v = serde_json::to_value(e).expect("json");
        v["kind_label"] = json!(EventKind::parse(&e.kind).map(|k| k.label()).unwrap_or(""));
        v["flag_labels"] = json!(flag_labels(&e.flags));
        v["href"] = json!(format!("/trace/query?scheme={}&code={}&batch={}", e.scheme, urlencoding::encode(&e.code), urlencoding::encode(&e.lot)));
        v
    };
    let ctx = context! {
        ..base(p, "产品追溯"),
        ..context! {
            error => error,
            flash => flash_of(done),
            staff => p.has(Role::DeptStaff),
            schemes => schemes(),
            kinds => EventKind::ALL.iter().map(|k| json!({ "code": k.code(), "label": k.label() })).collect::<Vec<_>>(),
            flagged => flagged.iter().map(view).collect::<Vec<_>>(),
            recent => recent.iter().map(view).collect::<Vec<_>>(),
            products => products,
            incidents => incidents,
            csv => csv,
            today => today().to_string(),
            max_upload => MAX_UPLOAD,
        }
    };
    Ok(render("trace_index.html", ctx)?.into_response())
}

pub async fn index(State(state): State<AppState>, p: Principal, Query(q): Query<Done>) -> Result<Response, AppError> {
    index_page(&state, &p, None, q.done.as_deref(), "").await
}

#[derive(Deserialize)]
pub struct ProductForm {
    #[serde(default)]
    pub owner_uscc: String,
    #[serde(default)]
    pub scheme: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub spec: String,
}

pub async fn product_add(State(state): State<AppState>, p: Principal, PageForm(f): PageForm<ProductForm>) -> Result<Response, AppError> {
    let r: Result<Product, AppError> = async {
        let owner = helpers::uscc(&f.owner_uscc)?;
        Ok(state
            .store
            .trace_product_add(&p.actor_as(Role::DeptStaff), &NewProduct { owner_uscc: owner, scheme: scheme_of(&f.scheme)?, code: f.code.clone(), name: f.name.clone(), spec: f.spec.clone() })
            .await?)
    }
    .await;
    match r {
        Ok(_) => Ok(see_other("/trace?done=product")),
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(index_page(&state, &p, Some(msg), None, "").await?, st))
        }
    }
}

/// Reads a time: RFC 3339, or `YYYY-MM-DD HH:MM[:SS]` / `YYYY-MM-DD` in Beijing time.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let local = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .or_else(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)))?;
    helpers::cst().from_local_datetime(&local).single().map(|t| t.with_timezone(&Utc))
}

/// The columns of the event CSV, by header (Chinese or English).
pub const CSV_HEADER: &str = "事件,编码方案,代码,批号,发出方,接收方,时间,数量,地点";

fn column(header: &str) -> Option<usize> {
    let h = header.trim().trim_start_matches('\u{feff}');
    Some(match h {
        "事件" | "kind" => 0,
        "编码方案" | "scheme" => 1,
        "代码" | "code" => 2,
        "批号" | "batch" => 3,
        "发出方" | "from" | "from_uscc" => 4,
        "接收方" | "to" | "to_uscc" => 5,
        "时间" | "time" | "occurred_at" => 6,
        "数量" | "quantity" => 7,
        "地点" | "place" => 8,
        _ => return None,
    })
}

/// Parses an event CSV (UTF-8, header row) and checks each row's code, parties and
/// quantity. Every bad row is reported with its line number; nothing is returned unless
/// every row is good.
pub fn parse_events_csv(text: &str) -> Result<Vec<NewEvent>, Vec<Refused>> {
    let mut rd = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let refuse = |index: usize, reason: String| vec![Refused { index, reason }];
    let headers = rd.headers().map_err(|e| refuse(0, format!("无法读取表头:{e}")))?.clone();
    let map: Vec<Option<usize>> = headers.iter().map(column).collect();
    for (need, label) in [(0, "事件"), (1, "编码方案"), (2, "代码"), (6, "时间"), (7, "数量")] {
        if !map.contains(&Some(need)) {
            return Err(refuse(0, format!("缺少“{label}”列(表头应为:{CSV_HEADER})")));
        }
    }
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for (i, rec) in rd.records().enumerate() {
        let line = i + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                bad.push(Refused { index: line, reason: format!("第 {line} 行无法读取:{e}") });
                continue;
            }
        };
        let mut f = [""; 9];
        for (j, v) in rec.iter().enumerate() {
            if let Some(Some(c)) = map.get(j) {
                f[*c] = v;
            }
        }
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        let row: Result<NewEvent, String> = (|| {
            Ok(NewEvent {
                kind: EventKind::parse(f[0]).ok_or_else(|| format!("事件“{}”无效", f[0]))?,
                scheme: Scheme::from_code(f[1]).or_else(|| Scheme::ALL.into_iter().find(|s| s.label() == f[1])).ok_or_else(|| format!("编码方案“{}”无效", f[1]))?,
                code: f[2].to_string(),
                batch: opt(f[3]),
                from_uscc: opt(f[4]),
                to_uscc: opt(f[5]),
                occurred_at: parse_time(f[6]).ok_or_else(|| format!("时间“{}”无效(应为 YYYY-MM-DD HH:MM)", f[6]))?,
                quantity: f[7].parse().map_err(|_| format!("数量“{}”不是整数", f[7]))?,
                place: f[8].to_string(),
            })
        })();
        let row = row.and_then(|e| precheck(&e).map(|_| e));
        match row {
            Ok(e) => out.push(e),
            Err(m) => bad.push(Refused { index: line, reason: format!("第 {line} 行:{m}") }),
        }
    }
    if out.is_empty() && bad.is_empty() {
        return Err(refuse(0, "文件没有数据行".into()));
    }
    if bad.is_empty() {
        Ok(out)
    } else {
        Err(bad)
    }
}

/// The checks the store makes on one event that need nothing stored: its code, parties
/// and quantity (so a request reports every bad event at once).
fn precheck(e: &NewEvent) -> Result<(), String> {
    tr::check(e.scheme, &e.code).map_err(|x| format!("代码“{}”无效:{}", e.code.trim(), x.message))?;
    let (from, to) = (e.from_uscc.as_deref().filter(|s| !s.is_empty()), e.to_uscc.as_deref().filter(|s| !s.is_empty()));
    jianguan_domain::trace::custody::check_event(e.kind, from, to, e.quantity)
}

/// Store refusals of parsed CSV rows, renumbered as file lines.
fn refused_lines(list: Vec<Refused>) -> String {
    let shown: Vec<String> = list.iter().take(20).map(|r| format!("第 {} 行:{}", r.index + 2, r.reason)).collect();
    let more = if list.len() > 20 { format!(";另有 {} 行", list.len() - 20) } else { String::new() };
    format!("{} 行被拒绝,整批未导入。{}{more}", list.len(), shown.join(";"))
}

#[derive(Deserialize)]
pub struct ImportForm {
    #[serde(default)]
    pub csv: String,
}

pub async fn events_import(State(state): State<AppState>, p: Principal, PageForm(f): PageForm<ImportForm>) -> Result<Response, AppError> {
    let (dept, _) = scope(&state, &p).await?;
    let events = match parse_events_csv(&f.csv) {
        Ok(e) => e,
        Err(list) => {
            let msg = format!("{} 处错误,整批未导入。{}", list.len(), list.iter().take(20).map(|r| r.reason.clone()).collect::<Vec<_>>().join(";"));
            return Ok(with_status(index_page(&state, &p, Some(msg), None, &f.csv).await?, StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    match state.store.trace_upload(&p.actor_as(Role::DeptStaff), UploadSource::Form, Some(dept), &events, None).await {
        Ok(_) => Ok(see_other("/trace?done=imported")),
        Err(UploadError::Refused(list)) => Ok(with_status(index_page(&state, &p, Some(refused_lines(list)), None, &f.csv).await?, StatusCode::UNPROCESSABLE_ENTITY)),
        Err(UploadError::Store(e)) => {
            let (st, msg) = shown(e.into())?;
            Ok(with_status(index_page(&state, &p, Some(msg), None, &f.csv).await?, st))
        }
    }
}

#[derive(Deserialize)]
pub struct IncidentForm {
    #[serde(default)]
    pub uscc: String,
    #[serde(default)]
    pub scheme: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub batch: String,
    #[serde(default)]
    pub occurred_on: String,
    #[serde(default)]
    pub severity: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub injured: String,
}

async fn incident_from(state: &AppState, p: &Principal, f: &IncidentForm) -> Result<Incident, AppError> {
    let dept = p.department_id().ok_or_else(|| AppError::forbidden("须以部门身份报告"))?;
    let uscc = helpers::uscc(&f.uscc)?;
    let occurred_on = helpers::date("发生日期", &f.occurred_on)?;
    if occurred_on > today() {
        return Err(invalid("发生日期不能晚于今天"));
    }
    let injured = if f.injured.trim().is_empty() { 0 } else { f.injured.trim().parse().map_err(|_| invalid("伤亡人数应为整数"))? };
    let actor = if matches!(p, Principal::ApiKey(_)) { p.actor() } else { p.actor_as(Role::DeptStaff) };
    let i = state
        .store
        .trace_incident_report(
            &actor,
            &NewIncident {
                uscc,
                scheme: scheme_of(&f.scheme)?,
                code: f.code.clone(),
                batch: Some(f.batch.clone()).filter(|b| !b.trim().is_empty()),
                occurred_on,
                severity: f.severity.clone(),
                title: f.title.clone(),
                description: f.description.clone(),
                injured,
                department_id: dept,
            },
        )
        .await?;
    Ok(i)
}

pub async fn incident_report(State(state): State<AppState>, p: Principal, PageForm(f): PageForm<IncidentForm>) -> Result<Response, AppError> {
    match incident_from(&state, &p, &f).await {
        Ok(_) => Ok(see_other("/trace?done=incident")),
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(index_page(&state, &p, Some(msg), None, "").await?, st))
        }
    }
}

// --- queries and the graph ---------------------------------------------------------------------

#[derive(Deserialize, Default, ToSchema, utoipa::IntoParams)]
pub struct TraceQuery {
    /// gtin, drug, udi or equipment.
    #[serde(default)]
    pub scheme: String,
    /// A code of the scheme (a GS1 element string carries its batch).
    #[serde(default)]
    pub code: String,
    /// The batch, when the code carries none.
    #[serde(default)]
    pub batch: String,
    /// Forward from this holder (default: the producers); back from it (required for back).
    #[serde(default)]
    pub holder: String,
    /// `forward` (default) or `back`.
    #[serde(default)]
    pub direction: String,
    /// Hops, 1 to 32 (default 5).
    #[serde(default)]
    pub depth: Option<u32>,
}

async fn run_query(state: &AppState, q: &TraceQuery) -> Result<Trace, AppError> {
    let scheme = scheme_of(&q.scheme)?;
    let code = tr::check(scheme, &q.code).map_err(|e| invalid(format!("代码无效:{}", e.message)))?;
    let lot = lot_of(&code, Some(q.batch.as_str()));
    let depth = q.depth.unwrap_or(5);
    if !(1..=32).contains(&depth) {
        return Err(invalid("追溯层数应为 1 至 32"));
    }
    let holder = q.holder.trim();
    if q.direction == "back" {
        if holder.is_empty() {
            return Err(invalid("向上追溯来源须填写持有企业的统一社会信用代码"));
        }
        Ok(state.store.trace_back(&code.product, &lot, holder, depth).await?)
    } else {
        Ok(state.store.trace_forward(&code.product, &lot, Some(holder).filter(|h| !h.is_empty()), depth).await?)
    }
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// The trace as an SVG drawing: one column per hop, arrows for custody steps (no script).
pub fn svg(t: &Trace) -> String {
    let shown: Vec<&TraceNode> = t.nodes.iter().take(GRAPH_MAX_NODES).collect();
    let mut rows: std::collections::BTreeMap<u32, usize> = Default::default();
    let mut pos: std::collections::HashMap<&str, (i64, i64)> = Default::default();
    for n in &shown {
        let row = rows.entry(n.depth).or_default();
        pos.insert(n.uscc.as_str(), (20 + n.depth as i64 * 230, 20 + *row as i64 * 56));
        *row += 1;
    }
    let width = 20 + (rows.keys().max().copied().unwrap_or(0) as i64 + 1) * 230;
    let height = 40 + rows.values().max().copied().unwrap_or(1) as i64 * 56;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"trace-graph\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{}\">\
         <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#555\"/></marker></defs>",
        if t.direction == "back" { "来源追溯图" } else { "去向追溯图" }
    );
    for e in &t.edges {
        let (Some(a), Some(b)) = (pos.get(e.from_uscc.as_str()), pos.get(e.to_uscc.as_str())) else { continue };
        let ((x1, y1), (x2, y2)) = if t.direction == "back" { (*b, *a) } else { (*a, *b) };
        let (x1, y1, x2, y2) = if x1 <= x2 { (x1 + 190, y1 + 20, x2, y2 + 20) } else { (x1, y1 + 20, x2 + 190, y2 + 20) };
        s.push_str(&format!("<line x1=\"{x1}\" y1=\"{y1}\" x2=\"{x2}\" y2=\"{y2}\" stroke=\"#777\" marker-end=\"url(#arrow)\"><title>{} {}</title></line>", xml(&e.kind), e.quantity));
    }
    for n in &shown {
        let (x, y) = pos[n.uscc.as_str()];
        let label = if n.name.is_empty() { format!("{}(名录外)", &n.uscc) } else { n.name.clone() };
        let label: String = label.chars().take(14).collect();
        s.push_str(&format!(
            "<g class=\"node\" data-uscc=\"{u}\"><rect x=\"{x}\" y=\"{y}\" width=\"190\" height=\"40\" rx=\"4\" fill=\"{fill}\" stroke=\"#446\"/>\
             <text x=\"{tx}\" y=\"{ty}\" font-size=\"12\">{l}</text><text x=\"{tx}\" y=\"{ty2}\" font-size=\"10\" fill=\"#555\">持有 {h} · 第 {d} 层</text><title>{u}</title></g>",
            u = xml(&n.uscc),
            fill = if n.depth == 0 { "#e8f0ff" } else { "#fff" },
            tx = x + 6,
            ty = y + 16,
            ty2 = y + 32,
            l = xml(&label),
            h = n.held,
            d = n.depth,
        ));
    }
    if t.nodes.len() > shown.len() {
        s.push_str(&format!("<text x=\"20\" y=\"{}\" font-size=\"12\">图中显示前 {} 个,共 {} 个(见下表)</text>", height - 8, shown.len(), t.nodes.len()));
    }
    s.push_str("</svg>");
    s
}

fn query_echo(q: &TraceQuery) -> serde_json::Value {
    json!({ "scheme": q.scheme, "code": q.code, "batch": q.batch, "holder": q.holder, "direction": if q.direction == "back" { "back" } else { "forward" }, "depth": q.depth.unwrap_or(5) })
}

pub async fn query_page(State(state): State<AppState>, p: Principal, Query(q): Query<TraceQuery>) -> Result<Response, AppError> {
    let (result, error, status) = if q.code.trim().is_empty() {
        (None, None, StatusCode::OK)
    } else {
        match run_query(&state, &q).await {
            Ok(t) => (Some(t), None, StatusCode::OK),
            Err(e) => {
                let (st, msg) = shown(e)?;
                (None, Some(msg), st)
            }
        }
    };
    let names: std::collections::HashMap<String, String> =
        result.as_ref().map(|t| t.nodes.iter().map(|n| (n.uscc.clone(), n.name.clone())).collect()).unwrap_or_default();
    let ctx = context! {
        ..base(&p, "追溯查询"),
        ..context! {
            error => error,
            q => query_echo(&q),
            schemes => schemes(),
            t => result,
            graph => result.as_ref().map(svg),
            steps => result.as_ref().map(|t| t.edges.iter().map(|e| json!({
                "from": e.from_uscc, "from_name": names.get(&e.from_uscc), "to": e.to_uscc, "to_name": names.get(&e.to_uscc),
                "kind": EventKind::parse(&e.kind).map(|k| k.label()).unwrap_or(""), "quantity": e.quantity,
                "responsible": e.responsible_uscc, "responsible_name": names.get(&e.responsible_uscc),
            })).collect::<Vec<_>>()),
        }
    };
    Ok(with_status(render("trace_query.html", ctx)?.into_response(), status))
}

pub async fn graph_svg(State(state): State<AppState>, Query(q): Query<TraceQuery>) -> Result<Response, AppError> {
    let t = run_query(&state, &q).await?;
    Ok(([(axum::http::header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")], svg(&t)).into_response())
}

// --- recalls -----------------------------------------------------------------------------------

fn recall_view(r: &Recall, day: NaiveDate) -> serde_json::Value {
    let mut v = serde_json::to_value(r).expect("json");
    let total = r.holders.len();
    v["total"] = json!(total);
    v["confirmed"] = json!(r.confirmed());
    v["percent"] = json!((r.confirmed() * 100).checked_div(total).unwrap_or(100));
    v["quantity"] = json!(r.quantity());
    v["returned"] = json!(r.returned());
    v["overdue"] = json!(r.overdue(day));
    v["level_label"] = json!(match r.level {
        1 => "一级",
        2 => "二级",
        _ => "三级",
    });
    v
}

async fn visible_recall(state: &AppState, p: &Principal, id: i64) -> Result<Recall, AppError> {
    let (dept, all) = scope(state, p).await?;
    match state.store.trace_recall_get(id).await {
        Ok(r) if all || r.department_id == dept => Ok(r),
        Ok(_) | Err(jianguan_store::StoreError::NotFound(_)) => Err(AppError::not_found(format!("召回 {id} 不存在"))),
        Err(e) => Err(e.into()),
    }
}

async fn recalls_render(state: &AppState, p: &Principal, error: Option<String>) -> Result<Response, AppError> {
    let (dept, all) = scope(state, p).await?;
    let day = today();
    let list = state.store.trace_recalls(if all { None } else { Some(dept) }, false).await?;
    let due = WorkCalendar::builtin().add_working_days(day, RECALL_WORKING_DAYS as i64);
    let ctx = context! {
        ..base(p, "产品召回"),
        ..context! {
            error => error,
            staff => p.has(Role::DeptStaff),
            schemes => schemes(),
            list => list.iter().map(|r| recall_view(r, day)).collect::<Vec<_>>(),
            open => list.iter().filter(|r| r.status == "open").count(),
            overdue => list.iter().filter(|r| r.overdue(day)).count(),
            today => day.to_string(),
            due => due.to_string(),
        }
    };
    Ok(render("trace_recalls.html", ctx)?.into_response())
}

pub async fn recalls_page(State(state): State<AppState>, p: Principal) -> Result<Response, AppError> {
    recalls_render(&state, &p, None).await
}

#[derive(Deserialize)]
pub struct RecallForm {
    #[serde(default)]
    pub scheme: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub batch: String,
    #[serde(default)]
    pub initiator_uscc: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub due_on: String,
}

pub async fn recall_start(State(state): State<AppState>, p: Principal, PageForm(f): PageForm<RecallForm>) -> Result<Response, AppError> {
    let (dept, _) = scope(&state, &p).await?;
    let r: Result<Recall, AppError> = async {
        let day = today();
        let due_on = match helpers::opt_date("完成期限", &f.due_on)? {
            Some(d) => d,
            None => WorkCalendar::builtin().add_working_days(day, RECALL_WORKING_DAYS as i64),
        };
        Ok(state
            .store
            .trace_recall_start(
                &p.actor_as(Role::DeptStaff),
                &NewRecall {
                    scheme: scheme_of(&f.scheme)?,
                    code: f.code.clone(),
                    batch: Some(f.batch.clone()).filter(|b| !b.trim().is_empty()),
                    initiator_uscc: helpers::uscc(&f.initiator_uscc)?,
                    department_id: dept,
                    level: f.level.trim().parse().map_err(|_| invalid("请选择召回级别"))?,
                    reason: f.reason.clone(),
                    started_on: day,
                    due_on,
                },
            )
            .await?)
    }
    .await;
    match r {
        Ok(rec) => Ok(see_other(&format!("/trace/recalls/{}?done=recall", rec.id))),
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(recalls_render(&state, &p, Some(msg)).await?, st))
        }
    }
}

async fn recall_render(state: &AppState, p: &Principal, id: i64, error: Option<String>, done: Option<&str>) -> Result<Response, AppError> {
    let r = visible_recall(state, p, id).await?;
    let (dept, _) = scope(state, p).await?;
    let ctx = context! {
        ..base(p, "召回进度"),
        ..context! {
            error => error,
            flash => flash_of(done),
            r => recall_view(&r, today()),
            can_confirm => p.has(Role::DeptStaff) && r.department_id == dept && r.status == "open",
        }
    };
    Ok(render("trace_recall.html", ctx)?.into_response())
}

pub async fn recall_page(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Query(q): Query<Done>) -> Result<Response, AppError> {
    recall_render(&state, &p, id, None, q.done.as_deref()).await
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    pub uscc: String,
    #[serde(default)]
    pub returned: String,
    #[serde(default)]
    pub note: String,
}

pub async fn recall_confirm(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, PageForm(f): PageForm<ConfirmForm>) -> Result<Response, AppError> {
    let r = visible_recall(&state, &p, id).await?;
    let (dept, _) = scope(&state, &p).await?;
    if r.department_id != dept {
        return Err(AppError::not_found(format!("召回 {id} 不存在")));
    }
    let res: Result<Recall, AppError> = async {
        let returned: i64 = f.returned.trim().parse().map_err(|_| invalid("退回数量应为整数"))?;
        Ok(state.store.trace_recall_confirm(&p.actor_as(Role::DeptStaff), id, &f.uscc, returned, &f.note).await?)
    }
    .await;
    match res {
        Ok(_) => Ok(see_other(&format!("/trace/recalls/{id}?done=confirmed"))),
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(recall_render(&state, &p, id, Some(msg), None).await?, st))
        }
    }
}

// --- inclusive and prudent supervision ---------------------------------------------------------

async fn observations_render(state: &AppState, p: &Principal, error: Option<String>, done: Option<&str>) -> Result<Response, AppError> {
    let (dept, all) = scope(state, p).await?;
    let day = today();
    let list = state.store.trace_observations(if all { None } else { Some(dept) }, None).await?;
    let ctx = context! {
        ..base(p, "包容审慎监管"),
        ..context! {
            error => error,
            flash => flash_of(done),
            staff => p.has(Role::DeptStaff),
            categories => Category::ALL.iter().map(|c| json!({ "code": c.code(), "label": c.label(), "approach": c.approach() })).collect::<Vec<_>>(),
            decisions => Decision::ALL.iter().map(|d| json!({ "code": d.code(), "label": d.label() })).collect::<Vec<_>>(),
            list => list.iter().map(|o| {
                let mut v = serde_json::to_value(o).expect("json");
                v["category_label"] = json!(Category::from_code(&o.category).map(|c| c.label()));
                v["decision_label"] = json!(o.decision.as_deref().and_then(Decision::from_code).map(|d| d.label()));
                v["reminder"] = json!(obs::review_reminder(&o.status, o.review_on, day, REVIEW_LEAD_DAYS));
                v["in_observation"] = json!(obs::in_observation(&o.status, o.starts_on, o.ends_on, day));
                v["mine"] = json!(o.department_id == dept);
                v
            }).collect::<Vec<_>>(),
            today => day.to_string(),
        }
    };
    Ok(render("trace_observations.html", ctx)?.into_response())
}

pub async fn observations_page(State(state): State<AppState>, p: Principal, Query(q): Query<Done>) -> Result<Response, AppError> {
    observations_render(&state, &p, None, q.done.as_deref()).await
}

#[derive(Deserialize)]
pub struct ObservationForm {
    #[serde(default)]
    pub uscc: String,
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: String,
    #[serde(default)]
    pub review_on: String,
    #[serde(default)]
    pub rules: String,
}

pub async fn observation_add(State(state): State<AppState>, p: Principal, PageForm(f): PageForm<ObservationForm>) -> Result<Response, AppError> {
    let (dept, _) = scope(&state, &p).await?;
    let r: Result<Observation, AppError> = async {
        Ok(state
            .store
            .trace_observation_add(
                &p.actor_as(Role::DeptStaff),
                &NewObservation {
                    uscc: helpers::uscc(&f.uscc)?,
                    model: f.model.clone(),
                    category: Category::from_code(&f.category).ok_or_else(|| invalid("请选择分类"))?,
                    starts_on: helpers::date("观察期开始日期", &f.starts_on)?,
                    ends_on: helpers::date("观察期结束日期", &f.ends_on)?,
                    review_on: helpers::date("评估日期", &f.review_on)?,
                    rules: f.rules.clone(),
                    department_id: dept,
                },
            )
            .await?)
    }
    .await;
    match r {
        Ok(_) => Ok(see_other("/trace/observations?done=observation")),
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(observations_render(&state, &p, Some(msg), None).await?, st))
        }
    }
}

#[derive(Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub ends_on: String,
    #[serde(default)]
    pub review_on: String,
}

pub async fn observation_review(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, PageForm(f): PageForm<ReviewForm>) -> Result<Response, AppError> {
    let (dept, _) = scope(&state, &p).await?;
    let r: Result<Observation, AppError> = async {
        let decision = Decision::from_code(&f.decision).ok_or_else(|| invalid("请选择评估结论"))?;
        let extend = match (helpers::opt_date("新的结束日期", &f.ends_on)?, helpers::opt_date("新的评估日期", &f.review_on)?) {
            (Some(a), Some(b)) => Some((a, b)),
            _ => None,
        };
        Ok(state.store.trace_observation_review(&p.actor_as(Role::DeptStaff), id, dept, decision, &f.note, extend).await?)
    }
    .await;
    match r {
        Ok(_) => Ok(see_other("/trace/observations?done=reviewed")),
        Err(e) => {
            let (st, msg) = shown(e)?;
            Ok(with_status(observations_render(&state, &p, Some(msg), None).await?, st))
        }
    }
}

// --- dashboard, portal, schedule ---------------------------------------------------------------

/// Dashboard cards for the caller's roles.
pub async fn home_cards(state: &AppState, p: &Principal) -> Result<Vec<Card>, AppError> {
    if !(p.has(Role::DeptStaff) || p.has(Role::LedgerOffice)) {
        return Ok(Vec::new());
    }
    let (dept, all) = scope(state, p).await?;
    let day = today();
    let recalls = state.store.trace_recalls(if all { None } else { Some(dept) }, true).await?;
    let observing = state.store.trace_observations(if all { None } else { Some(dept) }, Some("observing")).await?;
    let flagged = state.store.trace_events(&EventFilter { flagged_only: true, limit: 1000, ..Default::default() }).await?;
    Ok(vec![Card {
        title: "产品追溯与包容审慎".into(),
        stats: vec![
            ("进行中的召回".into(), recalls.len().to_string()),
            ("逾期召回".into(), recalls.iter().filter(|r| r.overdue(day)).count().to_string()),
            ("观察期中".into(), observing.len().to_string()),
            ("待核实的追溯事件".into(), if flagged.len() >= 1000 { "1000+".into() } else { flagged.len().to_string() }),
        ],
        links: vec![
            ("追溯".into(), "/trace".into()),
            ("召回".into(), "/trace/recalls".into()),
            ("包容审慎".into(), "/trace/observations".into()),
        ],
    }])
}

/// Sections of the public portal.
pub fn public_sections() -> Vec<PublicSection> {
    Vec::new()
}

/// Overdue recalls warn their department once per day; observation periods remind their
/// department before the review date and when it has passed.
pub async fn scheduled(state: &AppState) -> Result<(), AppError> {
    let day = today();
    for r in state.store.trace_recalls(None, true).await?.into_iter().filter(|r| r.overdue(day)) {
        let left = r.holders.len() - r.confirmed();
        state
            .store
            .notify(&NewNotification {
                department_id: Some(r.department_id),
                account_id: None,
                kind: "trace.recall".into(),
                title: format!("召回逾期:{} 批次 {}", r.product_name, r.lot),
                body: format!("完成期限 {},尚有 {left} 个持有者未确认。", r.due_on),
                link: format!("/trace/recalls/{}", r.id),
                dedup_key: format!("trace-recall-overdue-{}-{day}", r.id),
            })
            .await?;
    }
    for o in state.store.trace_observations(None, Some("observing")).await? {
        if let Some(what) = obs::review_reminder(&o.status, o.review_on, day, REVIEW_LEAD_DAYS) {
            state
                .store
                .notify(&NewNotification {
                    department_id: Some(o.department_id),
                    account_id: None,
                    kind: "trace.observation".into(),
                    title: format!("{what}:{}({})", o.entity_name, o.model),
                    body: format!("观察期 {} 至 {},评估日期 {}。", o.starts_on, o.ends_on, o.review_on),
                    link: "/trace/observations".into(),
                    dedup_key: format!("trace-observation-{}-{}-{what}", o.id, o.review_on),
                })
                .await?;
        }
    }
    Ok(())
}

// --- JSON API ----------------------------------------------------------------------------------

/// One custody event.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct EventDto {
    /// produce, receive, ship, sell, install, inspect, recall.
    pub kind: String,
    /// gtin, drug, udi, equipment.
    pub scheme: String,
    pub code: String,
    #[serde(default)]
    pub batch: Option<String>,
    #[serde(default)]
    pub from_uscc: Option<String>,
    #[serde(default)]
    pub to_uscc: Option<String>,
    /// RFC 3339.
    pub occurred_at: String,
    pub quantity: i64,
    #[serde(default)]
    pub place: String,
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct UploadBody {
    /// At most 10,000 events.
    pub events: Vec<EventDto>,
}

#[derive(Serialize, ToSchema)]
pub struct UploadDto {
    pub upload_id: i64,
    pub events: i64,
    /// Events naming an unknown product or entity (kept, to be verified).
    pub pending: i64,
    /// Events with any flag (pending, cycle, over-shipped, unmatched receipt).
    pub flagged: i64,
    pub replayed: bool,
}

#[derive(Serialize, ToSchema)]
pub struct RefusedBody {
    pub code: String,
    pub message: String,
    /// Each refused event: its index in `events` and the reason.
    pub refused: Vec<RefusedDto>,
}

#[derive(Serialize, ToSchema)]
pub struct RefusedDto {
    pub index: usize,
    pub reason: String,
}

/// Uploads custody events in bulk: one transaction per request; any refused event
/// (bad code, negative quantity, missing party…) refuses the whole request with each
/// reason (422 `events_refused`). Unknown products and entities are kept as pending.
/// With `Idempotency-Key`, the same key and body return the first result again.
#[utoipa::path(post, path = "/api/v1/trace/events", tag = "产品追溯", request_body = UploadBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "幂等键:同一键同一内容返回同一结果")),
    responses((status = 201, body = UploadDto), (status = 200, body = UploadDto, description = "幂等重放"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = RefusedBody)),
    security(("api_key" = []), ("session" = [])))]
pub async fn api_upload(State(state): State<AppState>, p: Principal, headers: HeaderMap, ApiJson(body): ApiJson<UploadBody>) -> Result<Response, AppError> {
    let key = match headers.get("idempotency-key") {
        None => None,
        Some(v) => {
            let k = v.to_str().ok().map(str::trim).filter(|k| !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| (0x21..0x7f).contains(&b)));
            Some(k.ok_or_else(|| AppError::bad_request("Idempotency-Key 须为 1 至 255 个可见 ASCII 字符").json())?.to_string())
        }
    };
    if body.events.len() > MAX_UPLOAD {
        return Err(AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_many_events", format!("每次最多上传 {MAX_UPLOAD} 条事件,本次 {} 条", body.events.len())).json());
    }
    let mut events = Vec::with_capacity(body.events.len());
    let mut refused = Vec::new();
    for (i, e) in body.events.iter().enumerate() {
        let parsed = (|| -> Result<NewEvent, String> {
            Ok(NewEvent {
                kind: EventKind::parse(&e.kind).ok_or_else(|| format!("事件类型“{}”无效", e.kind))?,
                scheme: Scheme::from_code(&e.scheme).ok_or_else(|| format!("编码方案“{}”无效", e.scheme))?,
                code: e.code.clone(),
                batch: e.batch.clone(),
                from_uscc: e.from_uscc.clone(),
                to_uscc: e.to_uscc.clone(),
                occurred_at: DateTime::parse_from_rfc3339(&e.occurred_at).map_err(|_| format!("时间“{}”不是 RFC 3339 格式", e.occurred_at))?.with_timezone(&Utc),
                quantity: e.quantity,
                place: e.place.clone(),
            })
        })();
        match parsed.and_then(|ev| precheck(&ev).map(|_| ev)) {
            Ok(ev) => events.push(ev),
            Err(reason) => refused.push(Refused { index: i, reason }),
        }
    }
    let refuse = |list: Vec<Refused>| {
        let body = RefusedBody {
            code: "events_refused".into(),
            message: format!("{} 条事件被拒绝,整批未写入", list.len()),
            refused: list.into_iter().map(|r| RefusedDto { index: r.index, reason: r.reason }).collect(),
        };
        (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
    };
    if !refused.is_empty() {
        return Ok(refuse(refused));
    }
    let actor = if matches!(p, Principal::ApiKey(_)) { p.actor() } else { p.actor_as(Role::DeptStaff) };
    let idem = key.map(|k| IdempotencyKey {
        scope: format!("trace.upload:{}", actor.name),
        key: k,
        request_hash: crate::security::sha256_hex(&serde_json::to_string(&body).expect("json")),
    });
    match state.store.trace_upload(&actor, UploadSource::Api, p.department_id(), &events, idem.as_ref()).await {
        Ok(r) => {
            let st = if r.replayed { StatusCode::OK } else { StatusCode::CREATED };
            Ok((st, Json(UploadDto { upload_id: r.upload_id, events: r.events, pending: r.pending, flagged: r.flagged, replayed: r.replayed })).into_response())
        }
        Err(UploadError::Refused(list)) => Ok(refuse(list)),
        Err(UploadError::Store(e)) => Err(api_err(e)),
    }
}

/// Forward trace (去向可追): every holder of a lot within `depth` hops, with quantities
/// and the responsible party of each step.
#[utoipa::path(get, path = "/api/v1/trace/forward", tag = "产品追溯", params(TraceQuery),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = []), ("session" = [])))]
pub async fn api_forward(State(state): State<AppState>, Query(mut q): Query<TraceQuery>) -> Result<Response, AppError> {
    q.direction = "forward".into();
    Ok(Json(run_query(&state, &q).await.map_err(api_err)?).into_response())
}

/// Back to the source (来源可查) from a holder.
#[utoipa::path(get, path = "/api/v1/trace/back", tag = "产品追溯", params(TraceQuery),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = []), ("session" = [])))]
pub async fn api_back(State(state): State<AppState>, Query(mut q): Query<TraceQuery>) -> Result<Response, AppError> {
    q.direction = "back".into();
    Ok(Json(run_query(&state, &q).await.map_err(api_err)?).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct IncidentDto {
    pub uscc: String,
    pub scheme: String,
    pub code: String,
    #[serde(default)]
    pub batch: String,
    /// YYYY-MM-DD.
    pub occurred_on: String,
    /// general, serious or grave.
    pub severity: String,
    pub title: String,
    pub description: String,
    #[serde(default)]
    pub injured: i64,
}

/// Mandatory product quality and safety incident report (产品质量安全事故强制报告); it
/// is linked to the product and written into the entity's credit record.
#[utoipa::path(post, path = "/api/v1/trace/incidents", tag = "产品追溯", request_body = IncidentDto,
    responses((status = 201, body = Object), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = []), ("session" = [])))]
pub async fn api_incident(State(state): State<AppState>, p: Principal, ApiJson(b): ApiJson<IncidentDto>) -> Result<Response, AppError> {
    let f = IncidentForm {
        uscc: b.uscc,
        scheme: b.scheme,
        code: b.code,
        batch: b.batch,
        occurred_on: b.occurred_on,
        severity: b.severity,
        title: b.title,
        description: b.description,
        injured: b.injured.to_string(),
    };
    let i = incident_from(&state, &p, &f).await.map_err(api_err)?;
    Ok((StatusCode::CREATED, Json(json!({ "id": i.id, "credit_event_id": i.credit_event_id, "product_key": i.product_key, "lot": i.lot }))).into_response())
}

/// This capability's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api_upload, api_forward, api_back, api_incident), components(schemas(EventDto, UploadBody, UploadDto, RefusedBody, RefusedDto, IncidentDto)))]
pub struct Api;
