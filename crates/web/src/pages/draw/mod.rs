//! “双随机、一公开” (附件1 二、四(三)、六(一)): random-inspection item lists, the inspector
//! roster, sampling plans, verifiable draws, inspection results and their publication.
//!
//! Department staff (部门填报) keep their department's lists, roster and plans, run draws
//! and review results; 区市场监管局 also keeps the joint item list and coordinates joint
//! plans. Inspectors see their own assignments, record results and declare conflicts of
//! interest. The public sees published plans, draws (with the record download) and
//! results. Every page has its `/api/v1` counterpart.

mod draws;
mod items;
mod plans;
mod public;
mod results;
mod roster;

use crate::access::{Access, Principal};
use crate::error::AppError;
use crate::pages::home::{Card, PublicSection};
use crate::routes::{r, RouteDef};
use crate::AppState;
use axum::extract::Multipart;
use axum::http::Method as M;
use axum::routing::{get, post};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use jianguan_domain::auth::Role;
use jianguan_domain::sampling;
use jianguan_store::draw::InspectionFilter;
use jianguan_store::{NewNotification, StoreError, Unit, UnitKind};

const STAFF: &[Role] = &[Role::DeptStaff];
const INSPECTOR: &[Role] = &[Role::Inspector];
const WORKERS: &[Role] = &[Role::DeptStaff, Role::Inspector];

/// This capability's routes (merged into the one route table).
pub fn routes() -> Vec<RouteDef> {
    use Access::{ApiKeyOr, Public, Roles};
    vec![
        r(M::GET, "/draw", Roles(WORKERS), get(home)),
        // Item lists (随机抽查事项清单, 部门联合抽查事项清单).
        r(M::GET, "/draw/items", Roles(STAFF), get(items::page)),
        r(M::POST, "/draw/items", Roles(STAFF), post(items::create)),
        r(M::GET, "/draw/items/export.xlsx", Roles(STAFF), get(items::export)),
        r(M::POST, "/draw/items/import", Roles(STAFF), post(items::import)),
        r(M::GET, "/draw/items/{id}", Roles(STAFF), get(items::edit_page)),
        r(M::POST, "/draw/items/{id}", Roles(STAFF), post(items::update)),
        r(M::GET, "/api/v1/draw/items", ApiKeyOr("lists:read", WORKERS), get(items::api_list)),
        r(M::POST, "/api/v1/draw/items", Roles(STAFF), post(items::api_create)),
        // Inspector roster (执法检查人员名录库) and conflicts of interest.
        r(M::GET, "/draw/roster", Roles(STAFF), get(roster::page)),
        r(M::POST, "/draw/roster", Roles(STAFF), post(roster::create)),
        r(M::POST, "/draw/roster/cap", Roles(STAFF), post(roster::set_cap)),
        r(M::GET, "/draw/roster/{id}", Roles(STAFF), get(roster::entry_page)),
        r(M::POST, "/draw/roster/{id}", Roles(STAFF), post(roster::update)),
        r(M::POST, "/draw/roster/{id}/recusals", Roles(STAFF), post(roster::recusal_add)),
        r(M::POST, "/draw/recusals/{id}/withdraw", Roles(STAFF), post(roster::recusal_withdraw)),
        r(M::GET, "/draw/my", Roles(INSPECTOR), get(roster::my_page)),
        r(M::POST, "/draw/my/recusals", Roles(INSPECTOR), post(roster::my_recusal)),
        r(M::GET, "/api/v1/draw/roster", Roles(STAFF), get(roster::api_list)),
        r(M::POST, "/api/v1/draw/roster", Roles(STAFF), post(roster::api_create)),
        r(M::POST, "/api/v1/draw/my/recusals", Roles(INSPECTOR), post(roster::api_my_recusal)),
        // Plans and tasks.
        r(M::GET, "/draw/plans", Roles(STAFF), get(plans::page)),
        r(M::POST, "/draw/plans", Roles(STAFF), post(plans::create)),
        r(M::GET, "/draw/plans/{id}", Roles(STAFF), get(plans::plan_page)),
        r(M::POST, "/draw/plans/{id}/tasks", Roles(STAFF), post(plans::task_add)),
        r(M::POST, "/draw/plans/{id}/publish", Roles(STAFF), post(plans::publish)),
        r(M::GET, "/api/v1/draw/plans", Roles(STAFF), get(plans::api_list)),
        r(M::POST, "/api/v1/draw/plans", Roles(STAFF), post(plans::api_create)),
        r(M::POST, "/api/v1/draw/plans/{id}/tasks", Roles(STAFF), post(plans::api_task_add)),
        r(M::POST, "/api/v1/draw/plans/{id}/publish", Roles(STAFF), post(plans::api_publish)),
        // Draws: commit, then execute once the entropy is public.
        r(M::GET, "/draw/tasks/{id}", Roles(STAFF), get(draws::task_page)),
        r(M::POST, "/draw/tasks/{id}/commit", Roles(STAFF), post(draws::commit)),
        r(M::GET, "/draw/draws/{id}", Roles(STAFF), get(draws::draw_page)),
        r(M::POST, "/draw/draws/{id}/execute", Roles(STAFF), post(draws::execute)),
        r(M::POST, "/api/v1/draw/tasks/{id}/commit", Roles(STAFF), post(draws::api_commit)),
        r(M::GET, "/api/v1/draw/draws/{id}", Roles(STAFF), get(draws::api_draw)),
        r(M::POST, "/api/v1/draw/draws/{id}/execute", Roles(STAFF), post(draws::api_execute)),
        // Inspections: results, evidence, review, publication.
        r(M::GET, "/draw/inspections", Roles(STAFF), get(results::list_page)),
        r(M::GET, "/draw/inspections/{id}", Roles(WORKERS), get(results::page)),
        r(M::POST, "/draw/inspections/{id}/result", Roles(INSPECTOR), post(results::record)),
        r(M::POST, "/draw/inspections/{id}/evidence", Roles(INSPECTOR), post(results::evidence_upload)),
        r(M::POST, "/draw/inspections/{id}/review", Roles(STAFF), post(results::review)),
        r(M::GET, "/draw/evidence/{id}", Roles(WORKERS), get(results::evidence_download)),
        r(M::GET, "/api/v1/draw/inspections/{id}", Roles(WORKERS), get(results::api_get)),
        r(M::POST, "/api/v1/draw/inspections/{id}/result", Roles(INSPECTOR), post(results::api_record)),
        r(M::POST, "/api/v1/draw/inspections/{id}/review", Roles(STAFF), post(results::api_review)),
        // The public: plans, draws with their records, results per entity.
        r(M::GET, "/public/draw", Public, get(public::index)),
        r(M::GET, "/public/draw/plans/{id}", Public, get(public::plan)),
        r(M::GET, "/public/draw/draws/{id}", Public, get(public::draw)),
        r(M::GET, "/public/draw/draws/{id}/record.json", Public, get(public::record_download)),
        r(M::GET, "/public/draw/entities/{id}", Public, get(public::entity)),
        r(M::GET, "/api/v1/public/draw/plans", Public, get(public::api_plans)),
        r(M::GET, "/api/v1/public/draw/draws/{id}/record", Public, get(public::api_record)),
        r(M::GET, "/api/v1/public/draw/entities/{id}/results", Public, get(public::api_results)),
    ]
}

macro_rules! tpl {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../../templates/", $name)))),*]
    };
}

/// This capability's templates, by name.
pub const TEMPLATES: &[(&str, &str)] = tpl!(
    "draw_home.html",
    "draw_items.html",
    "draw_item.html",
    "draw_item_form.html",
    "draw_roster.html",
    "draw_inspector.html",
    "draw_my.html",
    "draw_plans.html",
    "draw_plan.html",
    "draw_task.html",
    "draw_draw.html",
    "draw_inspections.html",
    "draw_inspection.html",
    "draw_inspection_rows.html",
    "draw_public.html",
    "draw_public_draws.html",
    "draw_public_plan.html",
    "draw_public_draw.html",
    "draw_public_entity.html",
);

/// Navigation entries for the caller's roles.
pub fn nav(p: &Principal) -> Vec<crate::templates::NavItem> {
    use crate::templates::NavItem;
    if p.has(Role::DeptStaff) {
        vec![NavItem { href: "/draw", label: "双随机" }]
    } else if p.has(Role::Inspector) {
        vec![NavItem { href: "/draw/my", label: "我的检查" }]
    } else {
        Vec::new()
    }
}

/// Today in Beijing.
fn today() -> NaiveDate {
    crate::pages::registry::today()
}

fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("offset")
}

/// A time as Beijing time, to the second.
fn cst(t: DateTime<Utc>) -> String {
    t.with_timezone(&beijing()).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The department the caller acts for (department staff, inspectors, API keys).
fn dept_of(p: &Principal) -> Result<i64, AppError> {
    p.department_id().ok_or_else(|| AppError::forbidden("请先登录"))
}

fn is_coordinator(units: &[Unit], dept: i64) -> bool {
    units.iter().any(|u| u.id == dept && u.code == sampling::COORDINATOR)
}

fn active_departments(units: &[Unit]) -> Vec<&Unit> {
    units.iter().filter(|u| u.kind == UnitKind::Department && u.active).collect()
}

/// Store errors on the API: the one JSON error shape.
fn api_err(e: StoreError) -> AppError {
    AppError::from(e).json()
}

/// Whether a store error is the user's to fix (shown on the form) rather than a fault.
fn user_error(e: &StoreError) -> bool {
    matches!(e, StoreError::Invalid(_) | StoreError::Conflict(_))
}

/// The short confirmation shown after a redirect (`?ok=code`).
fn flash(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "item_created" => "抽查事项已新增",
        "item_saved" => "抽查事项已保存",
        "inspector_created" => "执法检查人员已加入名录库",
        "inspector_saved" => "人员信息已保存",
        "cap_saved" => "年度工作量上限已保存",
        "recusal_added" => "回避已登记",
        "recusal_withdrawn" => "回避已撤销",
        "recusal_declared" => "回避申报已登记,此后抽取将不会把您派往该市场主体",
        "plan_created" => "抽查计划已创建(草稿),请添加抽查任务",
        "task_added" => "抽查任务已添加",
        "plan_published" => "抽查计划已审核发布,并在公开信息中公示",
        "committed" => "抽取承诺已写入审计记录;待随机源公布后录入取值执行抽取",
        "drawn" => "抽取完成,结果已公示",
        "saved" => "检查结果已保存",
        "submitted" => "检查结果已提交审核",
        "evidence" => "证据文件已上传",
        "approved" => "检查结果已审核通过",
        "returned" => "检查结果已退回",
        "published" => "检查结果已公示",
        _ => return None,
    })
}

/// A urlencoded form with repeated keys kept (checkbox lists).
struct Fields(Vec<(String, String)>);

impl Fields {
    fn parse(body: &[u8]) -> Self {
        Fields(crate::pages::admin::pairs(body))
    }

    fn get(&self, key: &str) -> &str {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim()).unwrap_or("")
    }

    fn all(&self, key: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == key).map(|(_, v)| v.trim().to_string()).filter(|v| !v.is_empty()).collect()
    }

    fn flag(&self, key: &str) -> bool {
        matches!(self.get(key), "1" | "on" | "true")
    }

    fn ids(&self, key: &str) -> Result<Vec<i64>, String> {
        self.all(key).iter().map(|v| v.parse().map_err(|_| format!("“{v}”不是有效的编号"))).collect()
    }

    fn int<T: std::str::FromStr>(&self, key: &str, what: &str) -> Result<T, String> {
        self.get(key).parse().map_err(|_| format!("{what}须为整数"))
    }

    fn date(&self, key: &str, what: &str) -> Result<NaiveDate, String> {
        parse_date(self.get(key)).ok_or_else(|| format!("{what}须为日期(YYYY-MM-DD)"))
    }
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// Splits a list typed in one box: one per line, or separated by `、 , ; ,;`.
fn split_list(s: &str) -> Vec<String> {
    s.split(['\n', '\r', '、', ',', ',', ';', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Lines of a text area.
fn lines(s: &str) -> Vec<String> {
    s.lines().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// `5` or `2.5` (percent, one decimal at most) → per mille.
fn percent_to_per_mille(s: &str) -> Result<u32, String> {
    let s = s.trim().trim_end_matches(['%', '%']);
    let bad = || format!("比例“{s}”无效:应为0至100之间的百分数,最多一位小数");
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let (whole, frac) = s.split_once('.').unwrap_or((s, "0"));
    if !digits(whole) || !digits(frac) || frac.len() != 1 {
        return Err(bad());
    }
    let w: u32 = whole.parse().map_err(|_| bad())?;
    let f: u32 = frac.parse().map_err(|_| bad())?;
    let v = w.checked_mul(10).and_then(|x| x.checked_add(f)).ok_or_else(bad)?;
    if v > 1000 {
        return Err(bad());
    }
    Ok(v)
}

/// Per mille as a percent for display (`50` → `5`, `25` → `2.5`).
fn per_mille_text(p: u32) -> String {
    if p.is_multiple_of(10) {
        format!("{}", p / 10)
    } else {
        format!("{}.{}", p / 10, p % 10)
    }
}

/// One uploaded file read into memory, with the form's other fields.
struct Upload {
    file_name: String,
    data: Vec<u8>,
}

/// Reads the `file` field of a multipart form, refusing more than `max` bytes.
async fn receive(mut mp: Multipart, max: usize) -> Result<Upload, String> {
    let mut out = None;
    while let Some(mut field) = mp.next_field().await.map_err(|e| format!("上传内容无法解析:{}", e.body_text()))?
    {
        if field.name() != Some("file") {
            continue;
        }
        let file_name: String = field
            .file_name()
            .unwrap_or("upload")
            .chars()
            .filter(|c| !c.is_control() && *c != '/' && *c != '\\')
            .take(120)
            .collect();
        let mut data = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|e| format!("上传中断:{}", e.body_text()))? {
            if data.len() + chunk.len() > max {
                return Err(format!("文件超过 {} MB 的上传上限", max / (1024 * 1024)));
            }
            data.extend_from_slice(&chunk);
        }
        if data.is_empty() {
            return Err("上传的文件是空的".into());
        }
        out = Some(Upload { file_name, data });
    }
    out.ok_or_else(|| "请选择要上传的文件".to_string())
}

/// The workbench: what needs doing in the caller's department (staff) or on their
/// assignments (inspectors).
async fn home(
    axum::extract::State(state): axum::extract::State<AppState>,
    p: Principal,
) -> Result<axum::response::Response, AppError> {
    use axum::response::{IntoResponse, Redirect};
    if !p.has(Role::DeptStaff) {
        return Ok(Redirect::to("/draw/my").into_response());
    }
    let dept = dept_of(&p)?;
    let year = chrono::Datelike::year(&today());
    let plans = state
        .store
        .plans(&jianguan_store::draw::PlanFilter { department_id: Some(dept), year: Some(year), published_only: false })
        .await?;
    let annual = plans.iter().find(|p| p.kind == sampling::PlanKind::Annual && p.department_id == dept);
    let items = state.store.draw_items(dept).await?;
    let roster = state.store.roster(dept).await?;
    let submitted = state
        .store
        .inspections(&InspectionFilter {
            department_id: Some(dept),
            status: Some(sampling::InspectionStatus::Submitted),
            limit: 200,
            ..Default::default()
        })
        .await?;
    let approved = state
        .store
        .inspections(&InspectionFilter {
            department_id: Some(dept),
            status: Some(sampling::InspectionStatus::Approved),
            limit: 200,
            ..Default::default()
        })
        .await?;
    let overdue: Vec<_> =
        state.store.overdue_publications(today()).await?.into_iter().filter(|o| o.department_id == dept).collect();
    let annual_warning = match annual {
        Some(p) if p.status == "published" => None,
        _ if sampling::annual_plan_missing_is_late(today()) && items.iter().any(|i| i.department_id == dept) => {
            Some(format!("本部门{year}年度抽查计划尚未发布:按要求应于{year}年1月31日前制定并向社会公示。"))
        }
        _ => None,
    };
    let ctx = minijinja::context! {
        ..crate::templates::base(&p, "双随机、一公开"),
        ..minijinja::context! {
            year => year,
            annual => annual.map(|p| minijinja::context! { id => p.id, code => p.code, status => p.status }),
            annual_warning => annual_warning,
            plans => plans.iter().map(|p| minijinja::context! {
                id => p.id, code => p.code, title => p.title, kind => p.kind.label(), status => p.status,
                own => p.department_id == dept, tasks => p.tasks.len(),
            }).collect::<Vec<_>>(),
            items => items.iter().filter(|i| i.input.active).count(),
            roster => roster.iter().filter(|r| r.status == "active").count(),
            submitted => submitted.iter().map(results::row_ctx).collect::<Vec<_>>(),
            approved => approved.iter().map(results::row_ctx).collect::<Vec<_>>(),
            overdue => overdue.iter().map(|o| minijinja::context! {
                id => o.inspection_id, uscc => o.uscc, entity_name => o.entity_name, due => o.publish_due.to_string(),
            }).collect::<Vec<_>>(),
        }
    };
    Ok(crate::templates::render("draw_home.html", ctx)?.into_response())
}

/// Dashboard cards for the caller's roles.
pub async fn home_cards(state: &AppState, p: &Principal) -> Result<Vec<Card>, AppError> {
    let mut out = Vec::new();
    if p.has(Role::DeptStaff) {
        let dept = dept_of(p)?;
        let submitted = state
            .store
            .inspections(&InspectionFilter {
                department_id: Some(dept),
                status: Some(sampling::InspectionStatus::Submitted),
                limit: 5000,
                ..Default::default()
            })
            .await?
            .len();
        let overdue =
            state.store.overdue_publications(today()).await?.iter().filter(|o| o.department_id == dept).count();
        let year = chrono::Datelike::year(&today());
        let annual = state
            .store
            .plans(&jianguan_store::draw::PlanFilter {
                department_id: Some(dept),
                year: Some(year),
                published_only: true,
            })
            .await?
            .iter()
            .any(|p| p.kind == sampling::PlanKind::Annual && p.department_id == dept);
        out.push(Card {
            title: "双随机、一公开".into(),
            stats: vec![
                (format!("{year}年度抽查计划"), if annual { "已发布".into() } else { "未发布".into() }),
                ("待审核检查结果".into(), submitted.to_string()),
                ("逾期未公示".into(), overdue.to_string()),
            ],
            links: vec![
                ("/draw".into(), "双随机工作台".into()),
                ("/draw/items".into(), "抽查事项清单".into()),
                ("/draw/roster".into(), "执法检查人员名录库".into()),
                ("/draw/plans".into(), "抽查计划与抽取".into()),
            ],
        });
    }
    if p.has(Role::Inspector) {
        let account = p.user().map(|u| u.account.id).unwrap_or_default();
        let mine = state.store.roster_entry_for_account(account).await?;
        let (pending, returned) = match &mine {
            Some(e) => {
                let list = state
                    .store
                    .inspections(&InspectionFilter {
                        inspector_id: Some(e.id),
                        status: Some(sampling::InspectionStatus::Pending),
                        limit: 5000,
                        ..Default::default()
                    })
                    .await?;
                (list.len(), list.iter().filter(|i| !i.return_reason.is_empty()).count())
            }
            None => (0, 0),
        };
        out.push(Card {
            title: "我的检查任务".into(),
            stats: vec![
                ("待录入结果".into(), pending.to_string()),
                ("被退回".into(), returned.to_string()),
                ("名录库".into(), if mine.is_some() { "已关联".into() } else { "未关联,请联系本部门".into() }),
            ],
            links: vec![("/draw/my".into(), "我的检查与回避申报".into())],
        });
    }
    Ok(out)
}

/// Sections of the public portal.
pub fn public_sections() -> Vec<PublicSection> {
    vec![PublicSection {
        title: "双随机、一公开",
        text: "各部门年度抽查计划、部门联合抽查计划和临时抽查计划;每次抽取的承诺、随机源、中选对象和检查组,附可供任何人重新计算核验的公示记录;抽查检查结果按市场主体查询(附件1第11、12、23、34项)。",
        href: Some("/public/draw"),
    }]
}

/// Scheduled work, run by `serve` every tick: after January, a warning to departments
/// without a published annual plan; a warning for each result past its publication
/// deadline. Notifications are written once (deduplicated by key).
pub async fn scheduled(state: &AppState) -> Result<(), AppError> {
    let day = today();
    let year = chrono::Datelike::year(&day);
    if sampling::annual_plan_missing_is_late(day) {
        for d in state.store.departments_missing_annual_plan(year).await? {
            state
                .store
                .notify(&NewNotification {
                    department_id: Some(d.id),
                    account_id: None,
                    kind: "draw.annual_plan_missing".into(),
                    title: format!("{year}年度双随机抽查计划尚未发布"),
                    body: format!(
                        "{}有随机抽查事项,但{year}年度抽查计划尚未审核发布;按南开政发〔2021〕8号附件1第12项,应于每年1月底前制定并向社会公示。",
                        d.name
                    ),
                    link: "/draw/plans".into(),
                    dedup_key: format!("draw-annual-plan-{year}-{}", d.id),
                })
                .await?;
        }
    }
    for o in state.store.overdue_publications(day).await? {
        state
            .store
            .notify(&NewNotification {
                department_id: Some(o.department_id),
                account_id: None,
                kind: "draw.publication_overdue".into(),
                title: format!("抽查结果逾期未公示:{}", o.entity_name),
                body: format!(
                    "对{}({})的抽查检查结果应于{}前公示(检查后{}个工作日内),目前尚未公示。",
                    o.entity_name,
                    o.uscc,
                    o.publish_due,
                    sampling::PUBLICATION_WORKING_DAYS
                ),
                link: format!("/draw/inspections/{}", o.inspection_id),
                dedup_key: format!("draw-overdue-{}", o.inspection_id),
            })
            .await?;
    }
    Ok(())
}

/// This capability's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        items::api_list,
        items::api_create,
        roster::api_list,
        roster::api_create,
        roster::api_my_recusal,
        plans::api_list,
        plans::api_create,
        plans::api_task_add,
        plans::api_publish,
        draws::api_commit,
        draws::api_draw,
        draws::api_execute,
        results::api_get,
        results::api_record,
        results::api_review,
        public::api_plans,
        public::api_record,
        public::api_results,
    ),
    components(schemas(
        items::ItemBody,
        items::ItemDto,
        items::ScopeDto,
        roster::InspectorBody,
        roster::RosterDto,
        roster::RecusalBody,
        roster::RecusalDto,
        plans::PlanBody,
        plans::TaskBody,
        plans::PlanDto,
        plans::TaskDto,
        plans::QuotaDto,
        plans::WeightsDto,
        draws::CommitBody,
        draws::WitnessDto,
        draws::ExecuteBody,
        draws::DrawDto,
        draws::DrawDetailDto,
        results::InspectionDto,
        results::SeatDto,
        results::ItemResultDto,
        results::ResultBody,
        results::ReviewBody,
        public::PublicResultDto,
    )),
    tags((name = "双随机", description = "随机抽查事项清单、执法检查人员名录库、抽查计划、可验证抽取与检查结果公示"))
)]
pub struct Api;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percents() {
        assert_eq!(percent_to_per_mille("5"), Ok(50));
        assert_eq!(percent_to_per_mille("2.5%"), Ok(25));
        assert_eq!(percent_to_per_mille("100"), Ok(1000));
        assert_eq!(percent_to_per_mille("0.1"), Ok(1));
        assert!(percent_to_per_mille("100.1").is_err());
        assert!(percent_to_per_mille("2.55").is_err());
        assert!(percent_to_per_mille("-1").is_err());
        assert!(percent_to_per_mille("abc").is_err());
        assert_eq!(per_mille_text(25), "2.5");
        assert_eq!(per_mille_text(50), "5");
    }

    #[test]
    fn lists() {
        assert_eq!(split_list("企业、 个体工商户;;其他组织\n"), vec!["企业", "个体工商户", "其他组织"]);
        assert_eq!(lines(" a \n\n b"), vec!["a", "b"]);
    }
}
