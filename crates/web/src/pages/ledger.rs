//! Responsibility ledgers (台账): pages, API, dashboard cards, the public annexes and the
//! hourly warning job.
//!
//! Who sees what: the ledger office (台账管理) sees and manages every ledger; department
//! staff (部门填报) see the tasks their department has a share in, report on their own
//! shares, and — for the tasks their department leads — follow every share, write the
//! roadmap and timetable, and comment on or return the other units' reports. API keys act
//! for their department like its staff.

pub mod api;
pub mod charts;
pub mod service;
pub mod views;

use crate::access::{Access, Principal};
use crate::error::AppError;
use crate::pages::home::{Card, PublicSection};
use crate::routes::{r, RouteDef};
use crate::templates::NavItem;
use crate::AppState;
use axum::http::Method as M;
use axum::routing::{get, post};
use jianguan_domain::auth::Role::{self, DeptStaff, LedgerOffice, SysAdmin};
use jianguan_domain::progress::{ShareStatus, StatusCounts, WarningKind};
use jianguan_store::Account;

const LO: &[Role] = &[LedgerOffice];
const DS: &[Role] = &[DeptStaff];
const LO_DS: &[Role] = &[LedgerOffice, DeptStaff];
const CAL: &[Role] = &[LedgerOffice, SysAdmin];

/// This capability's routes (merged into the one route table).
pub fn routes() -> Vec<RouteDef> {
    use Access::*;
    vec![
        r(M::GET, "/static/ledger.css", Public, get(views::stylesheet)),
        r(M::GET, "/public/ledgers/{id}", Public, get(views::public_ledger)),
        // Ledgers and the whole sheet.
        r(M::GET, "/ledger", Roles(LO_DS), get(views::index)),
        r(M::POST, "/ledger", Roles(LO), post(views::create)),
        r(M::GET, "/ledger/my", Roles(DS), get(views::my)),
        r(M::GET, "/ledger/import", Roles(LO), get(views::import_form)),
        r(M::POST, "/ledger/import", Roles(LO), post(views::import_upload)),
        r(M::POST, "/ledger/import/confirm", Roles(LO), post(views::import_confirm)),
        r(M::POST, "/ledger/warnings/run", Roles(LO), post(views::run_warnings)),
        r(M::GET, "/ledger/{id}", Roles(LO_DS), get(views::sheet)),
        r(M::GET, "/ledger/{id}/dashboard", Roles(LO), get(views::dashboard)),
        r(M::GET, "/ledger/{id}/dashboard/print", Roles(LO), get(views::dashboard_print)),
        r(M::GET, "/ledger/{id}/export.xlsx", Roles(LO), get(views::export)),
        r(M::GET, "/ledger/{id}/new-task", Roles(LO), get(views::new_task_form)),
        r(M::POST, "/ledger/{id}/tasks", Roles(LO), post(views::add_task)),
        // Tasks, roadmaps and timetables.
        r(M::GET, "/ledger/tasks/{id}", Roles(LO_DS), get(views::task)),
        r(M::GET, "/ledger/tasks/{id}/timetable", Roles(LO_DS), get(views::timetable)),
        r(M::GET, "/ledger/tasks/{id}/edit", Roles(LO), get(views::edit_task_form)),
        r(M::POST, "/ledger/tasks/{id}/edit", Roles(LO), post(views::edit_task)),
        r(M::POST, "/ledger/tasks/{id}/delete", Roles(LO), post(views::delete_task)),
        r(M::POST, "/ledger/tasks/{id}/schedule", Roles(LO), post(views::schedule)),
        r(M::POST, "/ledger/tasks/{id}/roadmap", Roles(LO_DS), post(views::roadmap)),
        r(M::POST, "/ledger/tasks/{id}/milestones", Roles(LO_DS), post(views::milestone_add)),
        r(M::POST, "/ledger/milestones/{id}", Roles(LO_DS), post(views::milestone_update)),
        r(M::POST, "/ledger/milestones/{id}/delete", Roles(LO_DS), post(views::milestone_delete)),
        // Shares, reports and evidence.
        r(M::GET, "/ledger/shares/{id}", Roles(LO_DS), get(views::share)),
        r(M::POST, "/ledger/shares/{id}/reports", Roles(DS), post(views::submit_report)),
        r(M::POST, "/ledger/shares/{id}/status", Roles(LO), post(views::share_status)),
        r(M::POST, "/ledger/reports/{id}/comments", Roles(LO_DS), post(views::comment)),
        r(M::GET, "/ledger/files/{id}", Roles(LO_DS), get(views::file)),
        // The working-day calendar.
        r(M::GET, "/calendar", Roles(CAL), get(views::calendar)),
        r(M::POST, "/calendar", Roles(CAL), post(views::calendar_add)),
        // API.
        r(M::GET, "/api/v1/ledgers", ApiKeyOr("ledger:read", LO_DS), get(api::ledgers)),
        r(M::GET, "/api/v1/ledgers/{id}/tasks", ApiKeyOr("ledger:read", LO_DS), get(api::tasks)),
        r(M::GET, "/api/v1/ledger/tasks/{id}", ApiKeyOr("ledger:read", LO_DS), get(api::task)),
        r(M::POST, "/api/v1/ledger/tasks/{id}/milestones", ApiKeyOr("ledger:write", LO_DS), post(api::milestone_add)),
        r(M::POST, "/api/v1/ledger/milestones/{id}", ApiKeyOr("ledger:write", LO_DS), post(api::milestone_update)),
        r(M::GET, "/api/v1/ledger/shares/{id}", ApiKeyOr("ledger:read", LO_DS), get(api::share)),
        r(M::POST, "/api/v1/ledger/shares/{id}/reports", ApiKeyOr("ledger:write", DS), post(api::submit_report)),
        r(M::POST, "/api/v1/ledger/reports/{id}/comments", ApiKeyOr("ledger:write", LO_DS), post(api::comment)),
        r(M::POST, "/api/v1/ledger/files", ApiKeyOr("ledger:write", DS), post(api::upload)),
        r(M::GET, "/api/v1/calendar/years", Roles(CAL), get(api::calendar_years)),
        r(M::POST, "/api/v1/calendar/years", Roles(CAL), post(api::calendar_add)),
    ]
}

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../templates/", $name)))),*]
    };
}

/// This capability's templates, by name.
pub const TEMPLATES: &[(&str, &str)] = templates!(
    "ledger_macros.html",
    "ledger_index.html",
    "ledger_sheet.html",
    "ledger_task.html",
    "ledger_timetable.html",
    "ledger_task_form.html",
    "ledger_share.html",
    "ledger_my.html",
    "ledger_dashboard.html",
    "ledger_dashboard_body.html",
    "ledger_dashboard_print.html",
    "ledger_import.html",
    "ledger_import_preview.html",
    "ledger_calendar.html",
    "ledger_public.html",
);

/// Navigation entries for an account's roles.
pub fn nav(a: &Account) -> Vec<NavItem> {
    let mut v = Vec::new();
    if a.has(LedgerOffice) || a.has(DeptStaff) {
        v.push(NavItem { href: "/ledger", label: "工作台账" });
    }
    if a.has(DeptStaff) {
        v.push(NavItem { href: "/ledger/my", label: "本部门任务" });
    }
    if a.has(LedgerOffice) || a.has(SysAdmin) {
        v.push(NavItem { href: "/calendar", label: "工作日历" });
    }
    v
}

/// Dashboard cards: the office's overview of every ledger; a department's tasks with its
/// current warnings (each a link to the share).
pub async fn home_cards(state: &AppState, p: &Principal) -> Result<Vec<Card>, AppError> {
    let Ok(scope) = service::Scope::of(p) else { return Ok(Vec::new()) };
    let env = service::Env::load(&state.store, &state.config.ledger).await?;
    let ledgers = state.store.ledger_list().await?;
    let mut cards = Vec::new();
    match scope {
        service::Scope::Office => {
            let states = service::ledger_state(&state.store, None, &env).await?;
            for l in &ledgers {
                let mut tasks = StatusCounts::default();
                let mut kinds = [0usize; 3];
                for ts in states.iter().filter(|t| t.task.ledger_id == l.id) {
                    tasks.add(ts.counts.overall());
                    for s in &ts.shares {
                        for w in &s.eval.warnings {
                            kinds[service::WARNING_KINDS.iter().position(|k| *k == w.kind).unwrap_or(0)] += 1;
                        }
                    }
                }
                let short = service::ledger_short(l);
                cards.push(Card {
                    title: format!("台账 · {short}"),
                    stats: vec![
                        ("任务".into(), l.task_count.to_string()),
                        ("已完成".into(), tasks.completed.to_string()),
                        ("逾期任务".into(), tasks.overdue.to_string()),
                        ("预警(逾期/临期/未报送)".into(), format!("{} / {} / {}", kinds[0], kinds[1], kinds[2])),
                    ],
                    links: vec![
                        (format!("/ledger/{}?status=overdue", l.id), "查看逾期任务".into()),
                        (format!("/ledger/{}", l.id), "全部任务".into()),
                        (format!("/ledger/{}/dashboard", l.id), "统计图表".into()),
                    ],
                });
            }
        }
        service::Scope::Dept(d) => {
            let states = service::department_state(&state.store, d, &env).await?;
            let mut counts = StatusCounts::default();
            let mut warnings = Vec::new();
            for ts in &states {
                if let Some(s) = ts.share_of(d) {
                    counts.add(s.eval.status);
                    for w in &s.eval.warnings {
                        warnings.push((w.kind, w.due, s.share.id, ts.task.label(), ts.task.ledger_id, w.message()));
                    }
                }
            }
            warnings.sort_by_key(|w| (service::WARNING_KINDS.iter().position(|k| *k == w.0), w.1));
            let short = |id: i64| ledgers.iter().find(|l| l.id == id).map(service::ledger_short).unwrap_or_default();
            let mut links: Vec<(String, String)> = warnings
                .iter()
                .take(6)
                .map(|(k, _, share, label, ledger, msg)| {
                    (format!("/ledger/shares/{share}"), format!("【{}】{}第{label}项:{msg}", k.label(), short(*ledger)))
                })
                .collect();
            links.push(("/ledger/my".into(), "本部门全部任务".into()));
            let no_report = warnings.iter().filter(|w| w.0 == WarningKind::NoReport).count();
            cards.push(Card {
                title: "本部门台账任务".into(),
                stats: vec![
                    ("承担任务".into(), counts.total().to_string()),
                    ("逾期".into(), counts.get(ShareStatus::Overdue).to_string()),
                    ("临近时限".into(), warnings.iter().filter(|w| w.0 == WarningKind::DueSoon).count().to_string()),
                    ("本期未报送".into(), no_report.to_string()),
                ],
                links,
            });
        }
    }
    Ok(cards)
}

/// Sections of the public portal: the two annexes as published.
pub fn public_sections() -> Vec<PublicSection> {
    vec![
        PublicSection {
            title: "附件1 南开区落实《实施意见》工作责任台账",
            text: "37 项区级工作任务的落实举措、牵头单位、责任单位和完成时限。",
            href: Some("/public/ledgers/annex1"),
        },
        PublicSection {
            title: "附件2 南开区落实《实施意见》承接市级机关工作任务台账",
            text: "13 项承接市级机关工作任务的落实举措、对口承接任务单位和完成时限。",
            href: Some("/public/ledgers/annex2"),
        },
    ]
}

/// Scheduled work, run by `serve` every hour: the deadline warnings. Also runnable on
/// demand (`POST /ledger/warnings/run`, `jianguan ledger warnings`).
pub async fn scheduled(state: &AppState) -> Result<(), AppError> {
    let run = service::run_warnings(&state.store, &state.notifiers, &state.config.ledger).await?;
    tracing::info!(shares = run.shares, warnings = run.warnings, notified = run.notified, "ledger warnings computed");
    Ok(())
}

/// This capability's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        api::ledgers,
        api::tasks,
        api::task,
        api::share,
        api::submit_report,
        api::comment,
        api::milestone_add,
        api::milestone_update,
        api::upload,
        api::calendar_years,
        api::calendar_add
    ),
    components(schemas(
        api::LedgerDto,
        api::CountsDto,
        api::DeadlineDto,
        api::WarningDto,
        api::TaskDto,
        api::ShareDto,
        api::MilestoneDto,
        api::TaskDetailDto,
        api::FileDto,
        api::CommentDto,
        api::ReportDto,
        api::ShareDetailDto,
        api::NewReportBody,
        api::CommentBody,
        api::MilestoneBody,
        api::CalendarYearBody,
        api::CalendarYearDto
    ))
)]
pub struct Api;
