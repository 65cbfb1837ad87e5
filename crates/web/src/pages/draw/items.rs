//! Random-inspection item lists (随机抽查事项清单) per department and the joint list
//! (部门联合抽查事项清单) kept by 区市场监管局: pages, xlsx import and export, API.

use super::{
    active_departments, api_err, dept_of, flash, is_coordinator, lines, per_mille_text, percent_to_per_mille, receive,
    split_list, user_error, Fields,
};
use crate::access::Principal;
use crate::error::{AppError, ErrorBody};
use crate::forms::ApiJson;
use crate::import::tabular::{self, Format, Position};
use crate::templates::{base, render};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use jianguan_domain::auth::Role;
use jianguan_domain::registry::KINDS;
use jianguan_domain::sampling::interval_label;
use jianguan_store::draw::{DrawItem, DrawItemInput, Scope};
use jianguan_store::{Unit, UnitKind};
use minijinja::{context, Value};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, Default)]
pub struct FlashQuery {
    pub ok: Option<String>,
}

/// Which entities an item or task targets; empty lists do not filter.
#[derive(Serialize, Deserialize, ToSchema, Default, Clone)]
pub struct ScopeDto {
    /// 主体类型 (企业、个体工商户 …).
    #[serde(default)]
    pub kinds: Vec<String>,
    /// Industry code prefixes (GB/T 4754), e.g. `52`.
    #[serde(default)]
    pub industries: Vec<String>,
    /// Registry tags (an entity needs one of them).
    #[serde(default)]
    pub tags: Vec<String>,
}

impl From<ScopeDto> for Scope {
    fn from(s: ScopeDto) -> Self {
        Scope { kinds: s.kinds, industries: s.industries, tags: s.tags }
    }
}

impl From<&Scope> for ScopeDto {
    fn from(s: &Scope) -> Self {
        ScopeDto { kinds: s.kinds.clone(), industries: s.industries.clone(), tags: s.tags.clone() }
    }
}

/// A random-inspection item as created through the API.
#[derive(Deserialize, ToSchema)]
pub struct ItemBody {
    /// A joint item (部门联合抽查事项, 区市场监管局 only).
    #[serde(default)]
    pub joint: bool,
    /// 事项编码, unique.
    pub code: String,
    pub name: String,
    /// 检查内容.
    #[serde(default)]
    pub sub_items: Vec<String>,
    /// 检查依据.
    pub legal_basis: String,
    /// 检查主体.
    pub inspecting_body: String,
    #[serde(default)]
    pub scope: ScopeDto,
    /// Sampling ratio per mille (50 = 5%).
    pub ratio_per_mille: u32,
    /// Not drawn again by the same department for this item within this many months (0: no cap).
    #[serde(default)]
    pub interval_months: u32,
    /// 检查方式.
    pub method: String,
    /// 检查人员要求 (certificates, qualifications).
    #[serde(default)]
    pub certificates: Vec<String>,
    /// Other participating departments of a joint item.
    #[serde(default)]
    pub departments: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ItemDto {
    pub id: i64,
    /// The department keeping the item.
    pub department_id: i64,
    pub department: String,
    pub joint: bool,
    pub code: String,
    pub name: String,
    pub sub_items: Vec<String>,
    pub legal_basis: String,
    pub inspecting_body: String,
    pub scope: ScopeDto,
    pub ratio_per_mille: u32,
    pub interval_months: u32,
    /// 抽查频次 as text.
    pub frequency: String,
    pub method: String,
    pub certificates: Vec<String>,
    pub departments: Vec<i64>,
    pub active: bool,
    pub version: i64,
}

fn dto(i: &DrawItem) -> ItemDto {
    ItemDto {
        id: i.id,
        department_id: i.department_id,
        department: i.department.clone(),
        joint: i.input.joint,
        code: i.input.code.clone(),
        name: i.input.name.clone(),
        sub_items: i.input.sub_items.clone(),
        legal_basis: i.input.legal_basis.clone(),
        inspecting_body: i.input.inspecting_body.clone(),
        scope: ScopeDto::from(&i.input.scope),
        ratio_per_mille: i.input.ratio_per_mille,
        interval_months: i.input.interval_months,
        frequency: interval_label(i.input.interval_months),
        method: i.input.method.clone(),
        certificates: i.input.certificates.clone(),
        departments: i.input.departments.clone(),
        active: i.input.active,
        version: i.version,
    }
}

fn item_ctx(i: &DrawItem, units: &[Unit], me: i64) -> Value {
    let names: Vec<String> = i
        .input
        .departments
        .iter()
        .map(|d| units.iter().find(|u| u.id == *d).map(|u| u.name.clone()).unwrap_or_default())
        .collect();
    context! {
        id => i.id,
        code => i.input.code,
        name => i.input.name,
        department => i.department,
        joint => i.input.joint,
        participants => names,
        sub_items => i.input.sub_items,
        legal_basis => i.input.legal_basis,
        inspecting_body => i.input.inspecting_body,
        kinds => i.input.scope.kinds,
        industries => i.input.scope.industries.join("、"),
        tags => i.input.scope.tags.join("、"),
        ratio => per_mille_text(i.input.ratio_per_mille),
        interval_months => i.input.interval_months,
        frequency => interval_label(i.input.interval_months),
        method => i.input.method,
        certificates => i.input.certificates,
        departments => i.input.departments,
        active => i.input.active,
        version => i.version,
        own => i.department_id == me,
    }
}

/// An empty form with the usual defaults.
fn blank_form() -> Value {
    context! {
        code => "", name => "", sub_items => Vec::<String>::new(), legal_basis => "", inspecting_body => "",
        kinds => Vec::<String>::new(), industries => "", tags => "", ratio => "5", interval_months => 12,
        method => "实地核查", certificates => vec!["行政执法证"], departments => Vec::<i64>::new(), active => true,
        joint => false, version => 0,
    }
}

/// The form as typed (kept when it is shown again with an error).
fn typed_form(f: &Fields) -> Value {
    context! {
        code => f.get("code"), name => f.get("name"), sub_items => lines(f.get("sub_items")),
        legal_basis => f.get("legal_basis"), inspecting_body => f.get("inspecting_body"), kinds => f.all("kinds"),
        industries => f.get("industries"), tags => f.get("tags"), ratio => f.get("ratio"),
        interval_months => f.get("interval_months"), method => f.get("method"),
        certificates => lines(f.get("certificates")), departments => f.ids("departments").unwrap_or_default(),
        active => f.flag("active"), joint => f.flag("joint"), version => f.get("version"),
    }
}

fn input_of(f: &Fields, creating: bool) -> Result<DrawItemInput, String> {
    Ok(DrawItemInput {
        joint: f.flag("joint"),
        code: f.get("code").to_string(),
        name: f.get("name").to_string(),
        sub_items: lines(f.get("sub_items")),
        legal_basis: f.get("legal_basis").to_string(),
        inspecting_body: f.get("inspecting_body").to_string(),
        scope: Scope {
            kinds: f.all("kinds"),
            industries: split_list(f.get("industries")),
            tags: split_list(f.get("tags")),
        },
        ratio_per_mille: percent_to_per_mille(f.get("ratio"))?,
        interval_months: f.int("interval_months", "抽查间隔(月)")?,
        method: f.get("method").to_string(),
        certificates: lines(f.get("certificates")),
        departments: f.ids("departments")?,
        active: creating || f.flag("active"),
    })
}

async fn list_view(
    state: &AppState,
    p: &Principal,
    notice: Option<String>,
    error: Option<String>,
    form: Value,
) -> Result<Response, AppError> {
    let me = dept_of(p)?;
    let units = state.store.list_units().await?;
    let items = state.store.draw_items(me).await?;
    let ctx = context! {
        ..base(p, "随机抽查事项清单"),
        ..context! {
            flash => notice,
            error => error,
            items => items.iter().map(|i| item_ctx(i, &units, me)).collect::<Vec<_>>(),
            form => form,
            all_kinds => KINDS,
            departments => active_departments(&units).into_iter().filter(|u| u.id != me).collect::<Vec<_>>(),
            coordinator => is_coordinator(&units, me),
            action => "/draw/items",
            editing => false,
        }
    };
    Ok(render("draw_items.html", ctx)?.into_response())
}

fn status(mut r: Response, s: StatusCode) -> Response {
    *r.status_mut() = s;
    r
}

pub async fn page(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<FlashQuery>,
) -> Result<Response, AppError> {
    list_view(&state, &p, flash(q.ok.as_deref()).map(String::from), None, blank_form()).await
}

pub async fn create(State(state): State<AppState>, p: Principal, body: Bytes) -> Result<Response, AppError> {
    let me = dept_of(&p)?;
    let f = Fields::parse(&body);
    let result = match input_of(&f, true) {
        Ok(input) => state.store.draw_item_create(&p.actor_as(Role::DeptStaff), me, &input).await,
        Err(m) => Err(jianguan_store::StoreError::Invalid(m)),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/draw/items?ok=item_created").into_response()),
        Err(e) if user_error(&e) => Ok(status(
            list_view(&state, &p, None, Some(e.to_string()), typed_form(&f)).await?,
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
        Err(e) => Err(e.into()),
    }
}

async fn edit_view(
    state: &AppState,
    p: &Principal,
    id: i64,
    ok: Option<&str>,
    error: Option<String>,
    form: Option<Value>,
) -> Result<Response, AppError> {
    let me = dept_of(p)?;
    let item = state.store.draw_item(id).await?;
    let visible = item.department_id == me || item.input.departments.contains(&me);
    if !visible {
        return Err(AppError::not_found(format!("抽查事项 {id} 不存在或不属于本部门")));
    }
    let units = state.store.list_units().await?;
    let ctx = context! {
        ..base(p, &format!("抽查事项 {}", item.input.code)),
        ..context! {
            flash => flash(ok),
            error => error,
            item => item_ctx(&item, &units, me),
            form => form.unwrap_or_else(|| item_ctx(&item, &units, me)),
            all_kinds => KINDS,
            departments => active_departments(&units).into_iter().filter(|u| u.id != me).collect::<Vec<_>>(),
            coordinator => is_coordinator(&units, me),
            action => format!("/draw/items/{id}"),
            editing => true,
        }
    };
    Ok(render("draw_item.html", ctx)?.into_response())
}

pub async fn edit_page(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    Query(q): Query<FlashQuery>,
) -> Result<Response, AppError> {
    edit_view(&state, &p, id, q.ok.as_deref(), None, None).await
}

pub async fn update(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, AppError> {
    let me = dept_of(&p)?;
    let f = Fields::parse(&body);
    let version: i64 = f.int("version", "版本").unwrap_or(0);
    let result = match input_of(&f, false) {
        Ok(input) => state.store.draw_item_update(&p.actor_as(Role::DeptStaff), me, id, &input, version).await,
        Err(m) => Err(jianguan_store::StoreError::Invalid(m)),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/draw/items/{id}?ok=item_saved")).into_response()),
        Err(e) if user_error(&e) => Ok(status(
            edit_view(&state, &p, id, None, Some(e.to_string()), Some(typed_form(&f))).await?,
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
        Err(e) => Err(e.into()),
    }
}

/// The spreadsheet columns (export and import).
const COLUMNS: [&str; 15] = [
    "事项编码",
    "事项名称",
    "检查内容",
    "检查依据",
    "检查主体",
    "检查对象类型",
    "行业代码",
    "标签",
    "抽查比例(%)",
    "抽查间隔(月)",
    "检查方式",
    "检查人员要求",
    "联合抽查",
    "参与部门",
    "状态",
];

pub async fn export(State(state): State<AppState>, p: Principal) -> Result<Response, AppError> {
    let me = dept_of(&p)?;
    let units = state.store.list_units().await?;
    let items: Vec<DrawItem> =
        state.store.draw_items(me).await?.into_iter().filter(|i| i.department_id == me).collect();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let x = |e: rust_xlsxwriter::XlsxError| AppError::internal(format!("导出失败:{e}"));
    let bold = rust_xlsxwriter::Format::new().set_bold();
    ws.set_name("随机抽查事项清单").map_err(x)?;
    for (c, h) in COLUMNS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold).map_err(x)?;
    }
    let name_of = |d: &i64| units.iter().find(|u| u.id == *d).map(|u| u.name.clone()).unwrap_or_default();
    for (r, i) in items.iter().enumerate() {
        let row = (r + 1) as u32;
        let cells = [
            i.input.code.clone(),
            i.input.name.clone(),
            i.input.sub_items.join(";"),
            i.input.legal_basis.clone(),
            i.input.inspecting_body.clone(),
            i.input.scope.kinds.join("、"),
            i.input.scope.industries.join("、"),
            i.input.scope.tags.join("、"),
            per_mille_text(i.input.ratio_per_mille),
            i.input.interval_months.to_string(),
            i.input.method.clone(),
            i.input.certificates.join(";"),
            if i.input.joint { "是" } else { "否" }.to_string(),
            i.input.departments.iter().map(name_of).collect::<Vec<_>>().join("、"),
            if i.input.active { "在用" } else { "停用" }.to_string(),
        ];
        // Every cell is written as text: nothing typed into an item acts as a formula.
        for (c, v) in cells.iter().enumerate() {
            ws.write_string(row, c as u16, v).map_err(x)?;
        }
    }
    for (c, w) in [(1u16, 36.0), (2, 40.0), (3, 40.0)] {
        ws.set_column_width(c, w).map_err(x)?;
    }
    let bytes = wb.save_to_buffer().map_err(x)?;
    state
        .store
        .audit(p.actor().event(
            "draw_item.export",
            format!("department:{me}"),
            serde_json::json!({ "rows": items.len() }),
        ))
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"draw-items.xlsx\"".to_string()),
        ],
        bytes,
    )
        .into_response())
}

/// A department named in a spreadsheet, by name or alias (groups are refused).
fn dept_by_name(units: &[Unit], name: &str) -> Result<i64, String> {
    let n = jianguan_domain::org::normalize_unit_name(name);
    match units.iter().find(|u| u.name == n || u.aliases.contains(&n)) {
        Some(u) if u.kind == UnitKind::Department => Ok(u.merged_into.unwrap_or(u.id)),
        Some(u) => Err(format!("“{}”是部门组,请写明具体部门", u.name)),
        None => Err(format!("部门“{}”不存在", name.chars().take(40).collect::<String>())),
    }
}

/// One spreadsheet row in the order of [`COLUMNS`].
fn parse_row(cells: &[String], units: &[Unit]) -> Result<DrawItemInput, Vec<String>> {
    let c = |i: usize| cells.get(i).map(|s| s.trim()).unwrap_or("");
    let mut errs = Vec::new();
    let ratio = percent_to_per_mille(c(8)).unwrap_or_else(|e| {
        errs.push(e);
        0
    });
    let interval = if c(9).is_empty() {
        0
    } else {
        c(9).parse().unwrap_or_else(|_| {
            errs.push("抽查间隔(月)须为整数".into());
            0
        })
    };
    let joint = match c(12) {
        "是" => true,
        "" | "否" => false,
        other => {
            errs.push(format!("联合抽查应填“是”或“否”,不能是“{other}”"));
            false
        }
    };
    let mut departments = Vec::new();
    for n in split_list(c(13)) {
        match dept_by_name(units, &n) {
            Ok(id) => departments.push(id),
            Err(e) => errs.push(format!("参与部门:{e}")),
        }
    }
    let active = match c(14) {
        "" | "在用" => true,
        "停用" => false,
        other => {
            errs.push(format!("状态应填“在用”或“停用”,不能是“{other}”"));
            true
        }
    };
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(DrawItemInput {
        joint,
        code: c(0).to_string(),
        name: c(1).to_string(),
        sub_items: c(2).split([';', ';', '\n']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect(),
        legal_basis: c(3).to_string(),
        inspecting_body: c(4).to_string(),
        scope: Scope { kinds: split_list(c(5)), industries: split_list(c(6)), tags: split_list(c(7)) },
        ratio_per_mille: ratio,
        interval_months: interval,
        method: c(10).to_string(),
        certificates: c(11)
            .split([';', ';', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        departments,
        active,
    })
}

/// Reads an uploaded xlsx list: zip limits first, then every row; all or nothing.
fn read_items(
    data: &[u8],
    units: &[Unit],
    limits: &jianguan_domain::config::UploadLimits,
) -> Result<Vec<DrawItemInput>, Vec<String>> {
    crate::import::zipguard::check(std::io::Cursor::new(data), limits).map_err(|e| vec![e.to_string()])?;
    let path =
        std::env::temp_dir().join(format!("jianguan-items-{}.xlsx", hex::encode(crate::security::random_bytes::<8>())));
    std::fs::write(&path, data).map_err(|e| vec![format!("无法读取上传文件:{e}")])?;
    let result = (|| {
        if tabular::sniff(&path).map_err(|e| vec![e.to_string()])? != Format::Xlsx {
            return Err(vec!["抽查事项清单请使用 xlsx 文件(可先导出清单作为模板)".to_string()]);
        }
        let mut items = Vec::new();
        let mut errs = Vec::new();
        let mut header = false;
        tabular::for_each_row(&path, Format::Xlsx, &Position::new(), |r| {
            if !header {
                let h: Vec<&str> = r.cells.iter().map(|s| s.trim()).collect();
                if h.len() < COLUMNS.len() || h[..COLUMNS.len()] != COLUMNS {
                    errs.push(format!("表头应为:{}", COLUMNS.join(",")));
                    return Ok(false);
                }
                header = true;
                return Ok(true);
            }
            match parse_row(r.cells, units) {
                Ok(i) => items.push(i),
                Err(e) => errs.push(format!("第{}行:{}", r.line, e.join(";"))),
            }
            Ok(errs.len() < 100)
        })
        .map_err(|e| vec![e.to_string()])?;
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(items)
    })();
    let _ = std::fs::remove_file(&path);
    result
}

pub async fn import(State(state): State<AppState>, p: Principal, mp: Multipart) -> Result<Response, AppError> {
    let me = dept_of(&p)?;
    let fail = |m: String| async {
        Ok(status(list_view(&state, &p, None, Some(m), blank_form()).await?, StatusCode::UNPROCESSABLE_ENTITY))
    };
    let upload = match receive(mp, state.config.upload.max_file_bytes).await {
        Ok(u) => u,
        Err(m) => return fail(m).await,
    };
    let units = state.store.list_units().await?;
    let limits = state.config.upload.clone();
    let (data, units2) = (upload.data, units.clone());
    let parsed = tokio::task::spawn_blocking(move || read_items(&data, &units2, &limits))
        .await
        .map_err(|_| AppError::internal("导入失败"))?;
    let items = match parsed {
        Ok(items) => items,
        Err(errs) => return fail(format!("“{}”未导入(须全部正确才会导入):{}", upload.file_name, errs.join(";"))).await,
    };
    match state.store.draw_items_import(&p.actor_as(Role::DeptStaff), me, &items).await {
        Ok(r) => {
            let m = format!(
                "“{}”已导入:新增 {} 项,更新 {} 项,未变 {} 项",
                upload.file_name, r.created, r.updated, r.unchanged
            );
            list_view(&state, &p, Some(m), None, blank_form()).await
        }
        Err(e) if user_error(&e) => fail(format!("“{}”未导入:{e}", upload.file_name)).await,
        Err(e) => Err(e.into()),
    }
}

/// The caller's items: its own list and the joint items it takes part in.
#[utoipa::path(get, path = "/api/v1/draw/items", tag = "双随机",
    responses((status = 200, body = [ItemDto]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("api_key" = []), ("session" = [])))]
pub async fn api_list(State(state): State<AppState>, p: Principal) -> Result<Response, AppError> {
    let me = dept_of(&p).map_err(AppError::json)?;
    let items = state.store.draw_items(me).await.map_err(api_err)?;
    Ok(Json(items.iter().map(dto).collect::<Vec<_>>()).into_response())
}

/// Adds an item to the caller's list (or, for 区市场监管局, to the joint list).
#[utoipa::path(post, path = "/api/v1/draw/items", tag = "双随机", request_body = ItemBody,
    responses((status = 201, body = ItemDto), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("session" = [])))]
pub async fn api_create(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(b): ApiJson<ItemBody>,
) -> Result<Response, AppError> {
    let me = dept_of(&p).map_err(AppError::json)?;
    let input = DrawItemInput {
        joint: b.joint,
        code: b.code,
        name: b.name,
        sub_items: b.sub_items,
        legal_basis: b.legal_basis,
        inspecting_body: b.inspecting_body,
        scope: b.scope.into(),
        ratio_per_mille: b.ratio_per_mille,
        interval_months: b.interval_months,
        method: b.method,
        certificates: b.certificates,
        departments: b.departments,
        active: true,
    };
    let item = state.store.draw_item_create(&p.actor_as(Role::DeptStaff), me, &input).await.map_err(api_err)?;
    Ok((StatusCode::CREATED, Json(dto(&item))).into_response())
}
