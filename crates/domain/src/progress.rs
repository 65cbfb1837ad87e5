//! Progress of ledger tasks: who carries a task (shares), what state each share is in, and
//! what needs a warning. Pure rules over facts the store supplies.
//!
//! * **Shares (分解).** The unit cells of a task name departments and groups (区各相关部门 …).
//!   [`plan_shares`] expands them into one share per member department. Departments named
//!   in the lead cell lead; if the lead cell names only groups, every member leads. Members
//!   of a group written after named departments (`区委编办、区司法局等区相关部门`) take part
//!   without leading.
//! * **Status.** [`evaluate`] derives 未启动 / 推进中 / 已完成 / 逾期 from the deadline and the
//!   share's reports; 暂停 (and an office-confirmed 已完成) are set by hand.
//! * **Working days.** A due date that falls on a rest day moves to the next working day
//!   (《民法典》第二百零三条: a period whose last day is a statutory holiday ends on the
//!   day after the holiday); "due within N days" counts working days of the
//!   [`WorkCalendar`].

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::calendar::WorkCalendar;
use crate::deadline::{DeadlineKind, ReportingCycle};
use crate::ledger::{unit_key, LedgerRow};
use crate::org::{closest, normalize_unit_name};

// --- units ----------------------------------------------------------------------------

/// A department or group as the ledger resolves unit names against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirUnit {
    pub id: i64,
    pub name: String,
    pub aliases: Vec<String>,
    pub is_group: bool,
    pub active: bool,
    /// Member department ids (groups only).
    pub members: Vec<i64>,
}

/// A unit name that matches no active department or group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownUnit {
    pub name: String,
    /// The closest known names, best first.
    pub suggestions: Vec<String>,
}

impl std::fmt::Display for UnknownUnit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "单位“{}”不是已登记的部门或部门组", self.name)?;
        if !self.suggestions.is_empty() {
            write!(f, ",是否为:{}", self.suggestions.join("、"))?;
        }
        write!(f, "?(请先由系统管理员登记该部门,或改用已登记的名称)")
    }
}

/// Active departments and groups, looked up by name or alias.
#[derive(Debug, Clone, Default)]
pub struct UnitDirectory {
    units: Vec<DirUnit>,
    /// Normalised name or alias → index; exact names win over [`unit_key`] variants.
    by_name: HashMap<String, usize>,
}

impl UnitDirectory {
    /// Indexes the active units by name and alias (normalised), then by [`unit_key`].
    pub fn new(units: Vec<DirUnit>) -> Self {
        let mut by_name = HashMap::new();
        for (i, u) in units.iter().enumerate().filter(|(_, u)| u.active) {
            for n in std::iter::once(&u.name).chain(&u.aliases) {
                by_name.entry(normalize_unit_name(n)).or_insert(i);
            }
        }
        let keyed: Vec<(String, usize)> =
            by_name.iter().map(|(n, i)| (unit_key(n), *i)).filter(|(k, _)| !by_name.contains_key(k)).collect();
        for (k, i) in keyed {
            by_name.entry(k).or_insert(i);
        }
        UnitDirectory { units, by_name }
    }

    /// The unit a name denotes, or the closest names on offer.
    pub fn resolve(&self, name: &str) -> Result<&DirUnit, UnknownUnit> {
        let n = normalize_unit_name(name);
        if let Some(i) = self.by_name.get(&n).or_else(|| self.by_name.get(&unit_key(&n))) {
            return Ok(&self.units[*i]);
        }
        let names = self.units.iter().filter(|u| u.active).map(|u| u.name.as_str());
        Err(UnknownUnit {
            name: name.trim().to_owned(),
            suggestions: closest(name, names, 3).into_iter().map(String::from).collect(),
        })
    }

    /// The unit with this id, active or not.
    pub fn get(&self, id: i64) -> Option<&DirUnit> {
        self.units.iter().find(|u| u.id == id)
    }
}

/// One department's share of a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareSpec {
    pub department_id: i64,
    /// The department leads the task (牵头).
    pub is_lead: bool,
    /// The unit named in the ledger that brought the department in (itself or a group).
    pub via_unit_id: i64,
}

/// Expands the units of a task into shares, leads first, each department once (see the
/// module documentation for who leads). Inactive departments get no share.
pub fn plan_shares(lead: &[&DirUnit], responsible: &[&DirUnit], dir: &UnitDirectory) -> Vec<ShareSpec> {
    let named_lead = lead.iter().any(|u| !u.is_group);
    let mut out: Vec<ShareSpec> = Vec::new();
    let mut push = |dept: i64, is_lead: bool, via: i64| {
        if !dir.get(dept).is_some_and(|d| d.active && !d.is_group) {
            return;
        }
        match out.iter_mut().find(|s| s.department_id == dept) {
            Some(s) => s.is_lead |= is_lead,
            None => out.push(ShareSpec { department_id: dept, is_lead, via_unit_id: via }),
        }
    };
    for u in lead.iter().filter(|u| !u.is_group) {
        push(u.id, true, u.id);
    }
    for u in lead.iter().filter(|u| u.is_group) {
        for m in &u.members {
            push(*m, !named_lead, u.id);
        }
    }
    for u in responsible {
        if u.is_group {
            for m in &u.members {
                push(*m, false, u.id);
            }
        } else {
            push(u.id, false, u.id);
        }
    }
    out.sort_by_key(|s| !s.is_lead);
    out
}

// --- schedule and status ------------------------------------------------------------------

/// The state of one share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShareStatus {
    NotStarted,
    InProgress,
    Completed,
    Overdue,
    Paused,
}

impl ShareStatus {
    pub const ALL: [ShareStatus; 5] = [
        ShareStatus::NotStarted,
        ShareStatus::InProgress,
        ShareStatus::Completed,
        ShareStatus::Overdue,
        ShareStatus::Paused,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ShareStatus::NotStarted => "not_started",
            ShareStatus::InProgress => "in_progress",
            ShareStatus::Completed => "completed",
            ShareStatus::Overdue => "overdue",
            ShareStatus::Paused => "paused",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ShareStatus::NotStarted => "未启动",
            ShareStatus::InProgress => "推进中",
            ShareStatus::Completed => "已完成",
            ShareStatus::Overdue => "逾期",
            ShareStatus::Paused => "暂停",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }

    /// Reads a code or a Chinese label.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL.into_iter().find(|x| x.code() == s || x.label() == s)
    }
}

/// A state the ledger office sets by hand, overriding the derived one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ManualStatus {
    /// 暂停: the work is suspended (e.g. the city withdrew the task).
    Paused,
    /// 已完成 confirmed by the office (e.g. finished before the system existed).
    Completed,
}

impl ManualStatus {
    pub fn code(self) -> &'static str {
        match self {
            ManualStatus::Paused => "paused",
            ManualStatus::Completed => "completed",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        match s {
            "paused" => Some(ManualStatus::Paused),
            "completed" => Some(ManualStatus::Completed),
            _ => None,
        }
    }
}

/// Chinese labels of deadline kinds and reporting cycles.
pub fn deadline_kind_code(kind: &DeadlineKind) -> &'static str {
    match kind {
        DeadlineKind::Date(_) => "date",
        DeadlineKind::Yearly { .. } => "yearly",
        DeadlineKind::Ongoing => "ongoing",
        DeadlineKind::SetByCity => "set_by_city",
        DeadlineKind::Missing => "missing",
        DeadlineKind::Unparsed => "unparsed",
    }
}

/// Every deadline kind code with its Chinese label, in display order.
pub const DEADLINE_KINDS: [(&str, &str); 6] = [
    ("date", "限期完成"),
    ("yearly", "每年定期"),
    ("ongoing", "持续推进"),
    ("set_by_city", "按市级机关规定时间"),
    ("missing", "未填写时限"),
    ("unparsed", "时限无法识别"),
];

/// The Chinese label of a deadline kind code.
pub fn deadline_kind_label(code: &str) -> &'static str {
    DEADLINE_KINDS.iter().find(|(c, _)| *c == code).map_or("未知", |(_, l)| l)
}

impl ReportingCycle {
    pub const ALL: [ReportingCycle; 4] =
        [ReportingCycle::Monthly, ReportingCycle::Quarterly, ReportingCycle::HalfYearly, ReportingCycle::Yearly];

    pub fn code(self) -> &'static str {
        match self {
            ReportingCycle::Monthly => "monthly",
            ReportingCycle::Quarterly => "quarterly",
            ReportingCycle::HalfYearly => "half_yearly",
            ReportingCycle::Yearly => "yearly",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReportingCycle::Monthly => "每月",
            ReportingCycle::Quarterly => "每季度",
            ReportingCycle::HalfYearly => "每半年",
            ReportingCycle::Yearly => "每年",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == s)
    }

    /// The period containing `date`, in words: `2026年11月`, `2026年第四季度`,
    /// `2026年下半年`, `2026年度`.
    pub fn period_label(self, date: NaiveDate) -> String {
        let y = date.year();
        match self {
            ReportingCycle::Monthly => format!("{y}年{}月", date.month()),
            ReportingCycle::Quarterly => {
                let q = ["一", "二", "三", "四"][((date.month() - 1) / 3) as usize];
                format!("{y}年第{q}季度")
            }
            ReportingCycle::HalfYearly => format!("{y}年{}", if date.month() <= 6 { "上半年" } else { "下半年" }),
            ReportingCycle::Yearly => format!("{y}年度"),
        }
    }
}

/// When a task is due: its parsed deadline, a date the office set, and the reporting cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub kind: DeadlineKind,
    /// A date entered later: the city's date for 按市级机关规定时间完成, a settled date for a
    /// missing or unreadable deadline, or an extension (延期) of a fixed date. Ignored for
    /// yearly and ongoing work.
    pub set_due: Option<NaiveDate>,
    /// How often ongoing work is reported.
    pub cycle: ReportingCycle,
}

impl Schedule {
    /// The fixed date the task is due by, if it has one (before working-day adjustment).
    pub fn fixed_date(&self) -> Option<NaiveDate> {
        match self.kind {
            DeadlineKind::Yearly { .. } | DeadlineKind::Ongoing => None,
            DeadlineKind::Date(d) => Some(self.set_due.unwrap_or(d)),
            DeadlineKind::SetByCity | DeadlineKind::Missing | DeadlineKind::Unparsed => self.set_due,
        }
    }

    /// True while no date is known for a deadline that needs one: 按市级机关规定时间 before
    /// the city's date is entered, or a missing or unreadable deadline not yet settled.
    pub fn awaits_date(&self) -> bool {
        matches!(self.kind, DeadlineKind::SetByCity | DeadlineKind::Missing | DeadlineKind::Unparsed)
            && self.set_due.is_none()
    }

    /// Whether a report may declare the task completed (ongoing work is only reported).
    pub fn can_complete(&self) -> bool {
        self.kind != DeadlineKind::Ongoing
    }
}

/// What the store knows about a share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ShareFacts {
    /// The day the share was created (Beijing time).
    pub created: Option<NaiveDate>,
    /// The day of the latest report not returned for revision.
    pub last_report: Option<NaiveDate>,
    /// The day of the latest such report that declared the task completed.
    pub last_completion: Option<NaiveDate>,
    pub manual: Option<ManualStatus>,
}

/// Why a share needs attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// Due within the warning window (working days).
    DueSoon,
    /// Past its (working-day adjusted) due date and not completed.
    Overdue,
    /// Ongoing work with no report yet in the current cycle, whose end is near.
    NoReport,
}

impl WarningKind {
    pub fn code(self) -> &'static str {
        match self {
            WarningKind::DueSoon => "due_soon",
            WarningKind::Overdue => "overdue",
            WarningKind::NoReport => "no_report",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            WarningKind::DueSoon => "临近时限",
            WarningKind::Overdue => "已逾期",
            WarningKind::NoReport => "本期未报送",
        }
    }
}

/// A warning about one share.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Warning {
    pub kind: WarningKind,
    /// The due date (a working day) the warning is about.
    pub due: NaiveDate,
    /// Working days left until `due` (0 on the day), or for [`WarningKind::Overdue`] the
    /// working days since it.
    pub working_days: i64,
    /// The reporting period, for [`WarningKind::NoReport`] and overdue ongoing work.
    pub period: Option<String>,
}

impl Warning {
    /// One sentence in Chinese.
    pub fn message(&self) -> String {
        let due = self.due.format("%Y-%m-%d");
        match (self.kind, &self.period) {
            (WarningKind::DueSoon, _) if self.working_days == 0 => format!("今天({due})是完成时限"),
            (WarningKind::DueSoon, _) => format!("距完成时限 {due} 还有 {} 个工作日", self.working_days),
            (WarningKind::Overdue, Some(p)) => {
                format!("{p}未报送进展,报送截止 {due},已逾期 {} 个工作日", self.working_days)
            }
            (WarningKind::Overdue, None) => format!("已超过完成时限 {due},逾期 {} 个工作日", self.working_days),
            (WarningKind::NoReport, p) => format!(
                "{}尚未报送进展,报送截止 {due}(还有 {} 个工作日)",
                p.as_deref().unwrap_or("本期"),
                self.working_days
            ),
        }
    }
}

/// A share's state on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub status: ShareStatus,
    /// The working day the current obligation is due (a fixed date, this year's date of a
    /// yearly deadline, or the end of the current reporting period of ongoing work).
    pub due: Option<NaiveDate>,
    /// For ongoing work: whether the current period has a report.
    pub reported_this_cycle: Option<bool>,
    /// The current reporting period of ongoing work, in words.
    pub period: Option<String>,
    pub warnings: Vec<Warning>,
}

/// The working day a due date falls to: the date itself if worked, else the next working
/// day.
pub fn effective_due(date: NaiveDate, cal: &WorkCalendar) -> NaiveDate {
    cal.checked_add_working_days(date, 0).unwrap_or(date)
}

/// Derives a share's status and warnings on `today` (see the module documentation).
/// `warn_days` is the warning window in working days.
pub fn evaluate(
    schedule: &Schedule,
    facts: &ShareFacts,
    today: NaiveDate,
    cal: &WorkCalendar,
    warn_days: i64,
) -> Evaluation {
    let mut ev = Evaluation {
        status: ShareStatus::NotStarted,
        due: None,
        reported_this_cycle: None,
        period: None,
        warnings: Vec::new(),
    };
    let due_soon = |due: NaiveDate, warnings: &mut Vec<Warning>, period: Option<String>, kind: WarningKind| {
        let left = cal.working_days_between(today, due);
        if (0..=warn_days).contains(&left) {
            warnings.push(Warning { kind, due, working_days: left, period });
        }
    };
    match schedule.kind {
        DeadlineKind::Ongoing => {
            let cycle = schedule.cycle;
            let start = cycle.period_start(today);
            let end = effective_due(cycle.period_end(today), cal);
            let period = cycle.period_label(today);
            let reported = facts.last_report.is_some_and(|d| d >= start);
            ev.due = Some(end);
            ev.reported_this_cycle = Some(reported);
            ev.period = Some(period.clone());
            ev.status = if reported {
                ShareStatus::InProgress
            } else {
                let prev_end = start.pred_opt().unwrap_or(start);
                let prev_start = cycle.period_start(prev_end);
                let prev_due = effective_due(prev_end, cal);
                // Only a share that existed for the whole previous period owed a report for it.
                let existed = facts.created.is_none_or(|c| c <= prev_start);
                if existed && today > prev_due && facts.last_report.is_none_or(|d| d < prev_start) {
                    ev.warnings.push(Warning {
                        kind: WarningKind::Overdue,
                        due: prev_due,
                        working_days: cal.working_days_between(prev_due, today),
                        period: Some(cycle.period_label(prev_end)),
                    });
                    ShareStatus::Overdue
                } else if facts.last_report.is_some() {
                    ShareStatus::InProgress
                } else {
                    ShareStatus::NotStarted
                }
            };
            if !reported {
                due_soon(end, &mut ev.warnings, Some(period), WarningKind::NoReport);
            }
        }
        DeadlineKind::Yearly { .. } => {
            let year = today.year();
            let due = schedule.kind.due_date_for_year(year).map(|d| effective_due(d, cal));
            ev.due = due;
            let this_year = |d: Option<NaiveDate>| d.is_some_and(|d| d.year() == year);
            ev.status = if this_year(facts.last_completion) {
                ShareStatus::Completed
            } else if let Some(due) = due.filter(|d| today > *d) {
                ev.warnings.push(Warning {
                    kind: WarningKind::Overdue,
                    due,
                    working_days: cal.working_days_between(due, today),
                    period: None,
                });
                ShareStatus::Overdue
            } else {
                if let Some(due) = due {
                    due_soon(due, &mut ev.warnings, None, WarningKind::DueSoon);
                }
                if this_year(facts.last_report) {
                    ShareStatus::InProgress
                } else {
                    ShareStatus::NotStarted
                }
            };
        }
        _ => {
            let due = schedule.fixed_date().map(|d| effective_due(d, cal));
            ev.due = due;
            ev.status = if facts.last_completion.is_some() {
                ShareStatus::Completed
            } else if let Some(due) = due.filter(|d| today > *d) {
                ev.warnings.push(Warning {
                    kind: WarningKind::Overdue,
                    due,
                    working_days: cal.working_days_between(due, today),
                    period: None,
                });
                ShareStatus::Overdue
            } else {
                if let Some(due) = due {
                    due_soon(due, &mut ev.warnings, None, WarningKind::DueSoon);
                }
                if facts.last_report.is_some() {
                    ShareStatus::InProgress
                } else {
                    ShareStatus::NotStarted
                }
            };
        }
    }
    match facts.manual {
        Some(ManualStatus::Paused) => {
            ev.status = ShareStatus::Paused;
            ev.warnings.clear();
        }
        Some(ManualStatus::Completed) => {
            ev.status = ShareStatus::Completed;
            ev.warnings.clear();
        }
        None if ev.status == ShareStatus::Completed => ev.warnings.clear(),
        None => {}
    }
    ev
}

/// Counts of share states, and the state of the task they make up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCounts {
    pub not_started: u32,
    pub in_progress: u32,
    pub completed: u32,
    pub overdue: u32,
    pub paused: u32,
}

impl StatusCounts {
    pub fn add(&mut self, s: ShareStatus) {
        match s {
            ShareStatus::NotStarted => self.not_started += 1,
            ShareStatus::InProgress => self.in_progress += 1,
            ShareStatus::Completed => self.completed += 1,
            ShareStatus::Overdue => self.overdue += 1,
            ShareStatus::Paused => self.paused += 1,
        }
    }

    pub fn merge(&mut self, o: &StatusCounts) {
        self.not_started += o.not_started;
        self.in_progress += o.in_progress;
        self.completed += o.completed;
        self.overdue += o.overdue;
        self.paused += o.paused;
    }

    pub fn total(&self) -> u32 {
        self.not_started + self.in_progress + self.completed + self.overdue + self.paused
    }

    pub fn get(&self, s: ShareStatus) -> u32 {
        match s {
            ShareStatus::NotStarted => self.not_started,
            ShareStatus::InProgress => self.in_progress,
            ShareStatus::Completed => self.completed,
            ShareStatus::Overdue => self.overdue,
            ShareStatus::Paused => self.paused,
        }
    }

    /// The task's state: 逾期 if any share is overdue; 已完成 when every share that is not
    /// paused is completed; 暂停 when all are paused; 推进中 once any share has moved;
    /// otherwise 未启动.
    pub fn overall(&self) -> ShareStatus {
        let active = self.total() - self.paused;
        if self.total() == 0 {
            ShareStatus::NotStarted
        } else if self.overdue > 0 {
            ShareStatus::Overdue
        } else if active == 0 {
            ShareStatus::Paused
        } else if self.completed == active {
            ShareStatus::Completed
        } else if self.in_progress + self.completed > 0 {
            ShareStatus::InProgress
        } else {
            ShareStatus::NotStarted
        }
    }

    /// Completed shares per share that is not paused, in per cent (None when none).
    pub fn completion_percent(&self) -> Option<f64> {
        let active = self.total() - self.paused;
        (active > 0).then(|| f64::from(self.completed) * 100.0 / f64::from(active))
    }
}

// --- milestones -----------------------------------------------------------------------------

/// The state of a roadmap milestone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneState {
    Reached,
    Upcoming,
    DueSoon,
    Overdue,
}

impl MilestoneState {
    pub fn code(self) -> &'static str {
        match self {
            MilestoneState::Reached => "reached",
            MilestoneState::Upcoming => "upcoming",
            MilestoneState::DueSoon => "due_soon",
            MilestoneState::Overdue => "overdue",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MilestoneState::Reached => "已达成",
            MilestoneState::Upcoming => "未到期",
            MilestoneState::DueSoon => "临近",
            MilestoneState::Overdue => "逾期未达成",
        }
    }
}

/// A milestone's state: reached, or by its (working-day adjusted) date.
pub fn milestone_state(
    due: NaiveDate,
    reached: bool,
    today: NaiveDate,
    cal: &WorkCalendar,
    warn_days: i64,
) -> MilestoneState {
    if reached {
        return MilestoneState::Reached;
    }
    let due = effective_due(due, cal);
    if today > due {
        MilestoneState::Overdue
    } else if cal.working_days_between(today, due) <= warn_days {
        MilestoneState::DueSoon
    } else {
        MilestoneState::Upcoming
    }
}

// --- ledger changes -------------------------------------------------------------------------

/// What an import or edit changes in a ledger, row by row (rows are matched by 序号).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LedgerDiff {
    /// Labels (`4`, `4-1`) of rows that are new.
    pub added: Vec<String>,
    /// Rows whose cells change, with the Chinese names of the changed cells.
    pub changed: Vec<(String, Vec<&'static str>)>,
    /// Rows that would be removed.
    pub removed: Vec<String>,
    pub unchanged: usize,
}

impl LedgerDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }
}

/// Compares two versions of a ledger's rows by (序号, sub-task).
pub fn diff_rows(old: &[LedgerRow], new: &[LedgerRow]) -> LedgerDiff {
    let mut d = LedgerDiff::default();
    for n in new {
        match old.iter().find(|o| o.seq == n.seq && o.sub == n.sub) {
            None => d.added.push(n.label()),
            Some(o) => {
                let fields: Vec<&'static str> = [
                    (
                        o.chapter != n.chapter || o.section != n.section || o.item != n.item || o.task != n.task,
                        "工作任务",
                    ),
                    (o.measures != n.measures, "落实举措"),
                    (o.lead_text != n.lead_text, "牵头单位"),
                    (o.responsible_text != n.responsible_text || o.units_merged != n.units_merged, "责任单位"),
                    (o.deadline_text != n.deadline_text, "完成时限"),
                ]
                .into_iter()
                .filter_map(|(changed, name)| changed.then_some(name))
                .collect();
                if fields.is_empty() {
                    d.unchanged += 1;
                } else {
                    d.changed.push((n.label(), fields));
                }
            }
        }
    }
    for o in old {
        if !new.iter().any(|n| n.seq == o.seq && n.sub == o.sub) {
            d.removed.push(o.label());
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deadline::parse_deadline;
    use crate::ledger::builtin_annexes;
    use crate::org::{DEPARTMENTS, GROUPS};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// The seed organisation with ids 1.. for departments, then groups.
    fn seed_dir() -> UnitDirectory {
        let mut units: Vec<DirUnit> = DEPARTMENTS
            .iter()
            .enumerate()
            .map(|(i, s)| DirUnit {
                id: i as i64 + 1,
                name: s.name.into(),
                aliases: s.aliases.iter().map(|a| a.to_string()).collect(),
                is_group: false,
                active: true,
                members: vec![],
            })
            .collect();
        let id_of = |code: &str| DEPARTMENTS.iter().position(|s| s.code == code).unwrap() as i64 + 1;
        for (j, g) in GROUPS.iter().enumerate() {
            units.push(DirUnit {
                id: 100 + j as i64,
                name: g.name.into(),
                aliases: g.aliases.iter().map(|a| a.to_string()).collect(),
                is_group: true,
                active: true,
                members: g.members.iter().map(|m| id_of(m)).collect(),
            });
        }
        UnitDirectory::new(units)
    }

    fn id(dir: &UnitDirectory, name: &str) -> i64 {
        dir.resolve(name).unwrap().id
    }

    fn shares_of(dir: &UnitDirectory, row: &LedgerRow) -> Vec<ShareSpec> {
        let lead: Vec<&DirUnit> = row.lead_units.iter().map(|n| dir.resolve(n).unwrap()).collect();
        let resp: Vec<&DirUnit> = row.responsible_units.iter().map(|n| dir.resolve(n).unwrap()).collect();
        plan_shares(&lead, &resp, dir)
    }

    #[test]
    fn every_seed_unit_resolves() {
        let dir = seed_dir();
        for annex in builtin_annexes() {
            for r in &annex.rows {
                for u in r.units() {
                    dir.resolve(u).unwrap_or_else(|e| panic!("{}: {e}", r.label()));
                }
            }
        }
        assert_eq!(dir.resolve("区发改委").unwrap().name, "区发展改革委");
        assert_eq!(dir.resolve(" 区委组织部（区公务员局） ").unwrap().name, "区委组织部(区公务员局)");
        assert!(dir.resolve("区相关部门").unwrap().is_group);
        let e = dir.resolve("区市场监督局").unwrap_err();
        assert_eq!(e.suggestions[0], "区市场监管局");
        assert!(e.to_string().contains("是否为:区市场监管局"), "{e}");
    }

    #[test]
    fn leads_and_groups() {
        let dir = seed_dir();
        let annexes = builtin_annexes();
        let a1 = &annexes[0];
        let a2 = &annexes[1];
        // 附件1 第3项: 区政务服务办 leads; both groups' members take part, each once.
        let s = shares_of(&dir, a1.row(3, None).unwrap());
        let zwfwb = id(&dir, "区政务服务办");
        assert_eq!(s[0], ShareSpec { department_id: zwfwb, is_lead: true, via_unit_id: zwfwb });
        assert_eq!(s.iter().filter(|x| x.is_lead).count(), 1);
        assert_eq!(s.iter().filter(|x| x.department_id == zwfwb).count(), 1, "the lead is also in the group");
        assert_eq!(s.len(), 25);
        // 附件1 第1项: only a group is named: every member leads and carries out the task.
        let s = shares_of(&dir, a1.row(1, None).unwrap());
        assert_eq!(s.len(), 7);
        assert!(s.iter().all(|x| x.is_lead));
        // 附件1 第35项: two named leads.
        let s = shares_of(&dir, a1.row(35, None).unwrap());
        let leads: Vec<i64> = s.iter().filter(|x| x.is_lead).map(|x| x.department_id).collect();
        assert_eq!(leads, vec![id(&dir, "区司法局"), id(&dir, "区委编办")]);
        // 附件2 第1项: 区委编办、区司法局等区相关部门: the named units lead, the rest take part.
        let s = shares_of(&dir, a2.row(1, None).unwrap());
        assert_eq!(s.iter().filter(|x| x.is_lead).count(), 2);
        assert_eq!(s.len(), 25);
        // 附件2 第8项: a group and named units in one cell.
        let s = shares_of(&dir, a2.row(8, None).unwrap());
        let leads: Vec<i64> = s.iter().filter(|x| x.is_lead).map(|x| x.department_id).collect();
        assert_eq!(leads, vec![id(&dir, "区市场监管局"), id(&dir, "区卫生健康委"), id(&dir, "区税务局")]);
        assert!(s.iter().any(|x| x.department_id == id(&dir, "区应急管理局") && !x.is_lead));
    }

    #[test]
    fn inactive_units_get_no_share() {
        let mut units = vec![
            DirUnit { id: 1, name: "甲局".into(), aliases: vec![], is_group: false, active: true, members: vec![] },
            DirUnit { id: 2, name: "乙局".into(), aliases: vec![], is_group: false, active: false, members: vec![] },
        ];
        units.push(DirUnit {
            id: 3,
            name: "各局".into(),
            aliases: vec![],
            is_group: true,
            active: true,
            members: vec![1, 2],
        });
        let dir = UnitDirectory::new(units);
        assert!(dir.resolve("乙局").is_err(), "inactive names do not resolve");
        let g = dir.resolve("各局").unwrap();
        let s = plan_shares(&[g], &[], &dir);
        assert_eq!(s, vec![ShareSpec { department_id: 1, is_lead: true, via_unit_id: 3 }]);
    }

    fn sched(text: &str) -> Schedule {
        Schedule { kind: parse_deadline(text).kind, set_due: None, cycle: ReportingCycle::Quarterly }
    }

    fn facts(last_report: Option<NaiveDate>, last_completion: Option<NaiveDate>) -> ShareFacts {
        ShareFacts { created: Some(d(2021, 10, 1)), last_report, last_completion, manual: None }
    }

    #[test]
    fn fixed_dates() {
        let cal = WorkCalendar::builtin();
        let s = sched("2021年12月底前");
        let e = evaluate(&s, &facts(None, None), d(2021, 11, 1), &cal, 5);
        assert_eq!((e.status, e.due), (ShareStatus::NotStarted, Some(d(2021, 12, 31))));
        assert!(e.warnings.is_empty());
        let e = evaluate(&s, &facts(Some(d(2021, 12, 20)), None), d(2021, 12, 27), &cal, 5);
        assert_eq!(e.status, ShareStatus::InProgress);
        assert_eq!(
            e.warnings,
            vec![Warning { kind: WarningKind::DueSoon, due: d(2021, 12, 31), working_days: 4, period: None }]
        );
        let e = evaluate(&s, &facts(Some(d(2021, 12, 20)), None), d(2022, 1, 4), &cal, 5);
        assert_eq!(e.status, ShareStatus::Overdue);
        // 2022-01-01..03 are the 元旦 holiday: one working day (4 January) since the due date.
        assert_eq!(e.warnings[0].working_days, 1);
        assert!(e.warnings[0].message().contains("逾期 1 个工作日"), "{}", e.warnings[0].message());
        let e = evaluate(&s, &facts(Some(d(2021, 12, 20)), Some(d(2022, 2, 1))), d(2022, 3, 1), &cal, 5);
        assert_eq!((e.status, e.warnings.len()), (ShareStatus::Completed, 0));
    }

    #[test]
    fn a_due_date_on_a_rest_day_moves_to_the_next_working_day() {
        let cal = WorkCalendar::builtin();
        // 2024-09-30 is a Monday, but 2024-10-01..07 is the 国庆 holiday; 2024-10-31 is a
        // Thursday. Take 每年10月1日前 as a fixed date in 2024 on a holiday.
        let s = Schedule { kind: DeadlineKind::Date(d(2024, 10, 1)), set_due: None, cycle: ReportingCycle::Quarterly };
        let e = evaluate(&s, &facts(None, None), d(2024, 10, 7), &cal, 5);
        assert_eq!(e.due, Some(d(2024, 10, 8)));
        assert_eq!(e.status, ShareStatus::NotStarted, "not overdue during the holiday");
        let e = evaluate(&s, &facts(None, None), d(2024, 10, 9), &cal, 5);
        assert_eq!(e.status, ShareStatus::Overdue);
    }

    #[test]
    fn set_by_city_waits_for_a_date() {
        let cal = WorkCalendar::builtin();
        let mut s = sched("按市级机关规定时间完成");
        assert!(s.awaits_date());
        let e = evaluate(&s, &facts(None, None), d(2030, 1, 1), &cal, 5);
        assert_eq!((e.status, e.due, e.warnings.len()), (ShareStatus::NotStarted, None, 0));
        s.set_due = Some(d(2026, 12, 31));
        assert!(!s.awaits_date());
        let e = evaluate(&s, &facts(Some(d(2026, 11, 2)), None), d(2026, 12, 28), &cal, 5);
        assert_eq!(e.status, ShareStatus::InProgress);
        assert_eq!(e.warnings[0].kind, WarningKind::DueSoon);
        // An unreadable or missing deadline is flagged, never overdue until settled.
        let u = sched("尽快");
        assert!(u.awaits_date());
        assert_eq!(evaluate(&u, &facts(None, None), d(2030, 1, 1), &cal, 5).status, ShareStatus::NotStarted);
        // An extension of a fixed date.
        let mut x = sched("2021年12月底前");
        x.set_due = Some(d(2022, 6, 30));
        assert_eq!(evaluate(&x, &facts(None, None), d(2022, 3, 1), &cal, 5).status, ShareStatus::NotStarted);
    }

    #[test]
    fn yearly() {
        let cal = WorkCalendar::builtin();
        let s = sched("每年1月底前");
        // 2025-01-31 is a Friday but falls in the 春节 holiday (28 Jan – 4 Feb): due 5 February.
        let e = evaluate(&s, &facts(None, None), d(2025, 1, 20), &cal, 5);
        assert_eq!(e.due, Some(d(2025, 2, 5)));
        assert_eq!(e.status, ShareStatus::NotStarted);
        let e = evaluate(&s, &facts(Some(d(2024, 12, 1)), Some(d(2024, 1, 10))), d(2025, 2, 6), &cal, 5);
        assert_eq!(e.status, ShareStatus::Overdue, "last year's completion does not count");
        let e = evaluate(&s, &facts(None, Some(d(2025, 1, 15))), d(2025, 6, 1), &cal, 5);
        assert_eq!(e.status, ShareStatus::Completed);
    }

    #[test]
    fn ongoing_cycles() {
        let cal = WorkCalendar::builtin();
        let s = sched("持续推进");
        let created = ShareFacts { created: Some(d(2026, 5, 1)), ..Default::default() };
        // Created during Q2: the first full quarter is Q3, so Q2 owed no report.
        let e = evaluate(&s, &created, d(2026, 7, 10), &cal, 5);
        assert_eq!(e.status, ShareStatus::NotStarted);
        assert_eq!(e.period.as_deref(), Some("2026年第三季度"));
        assert_eq!(e.reported_this_cycle, Some(false));
        assert!(e.warnings.is_empty());
        // Existed through Q2, which ended without a report: overdue until a report arrives.
        let old = ShareFacts { created: Some(d(2026, 1, 5)), ..Default::default() };
        let e = evaluate(&s, &old, d(2026, 7, 10), &cal, 5);
        assert_eq!(e.status, ShareStatus::Overdue);
        assert_eq!(e.warnings[0].period.as_deref(), Some("2026年第二季度"));
        let reported = ShareFacts { last_report: Some(d(2026, 7, 3)), ..old };
        let e = evaluate(&s, &reported, d(2026, 7, 10), &cal, 5);
        assert_eq!((e.status, e.reported_this_cycle), (ShareStatus::InProgress, Some(true)));
        // Reported last quarter, not yet this one, end of quarter near: a no-report warning.
        let last_q = ShareFacts { last_report: Some(d(2026, 6, 15)), ..old };
        let e = evaluate(&s, &last_q, d(2026, 9, 25), &cal, 5);
        assert_eq!(e.status, ShareStatus::InProgress);
        assert_eq!(e.warnings.len(), 1);
        assert_eq!(e.warnings[0].kind, WarningKind::NoReport);
        assert_eq!(e.warnings[0].due, d(2026, 9, 30));
        assert_eq!(e.warnings[0].working_days, 3);
        assert!(e.warnings[0].message().contains("2026年第三季度尚未报送"), "{}", e.warnings[0].message());
        // A monthly cycle.
        let m = Schedule { cycle: ReportingCycle::Monthly, ..s };
        let e = evaluate(&m, &last_q, d(2026, 8, 3), &cal, 5);
        assert_eq!(e.status, ShareStatus::Overdue, "no report in July");
        assert!(!m.can_complete());
    }

    #[test]
    fn manual_states_override() {
        let cal = WorkCalendar::builtin();
        let s = sched("2021年12月底前");
        let f = ShareFacts { manual: Some(ManualStatus::Paused), ..facts(None, None) };
        let e = evaluate(&s, &f, d(2026, 1, 1), &cal, 5);
        assert_eq!((e.status, e.warnings.len()), (ShareStatus::Paused, 0));
        let f = ShareFacts { manual: Some(ManualStatus::Completed), ..facts(None, None) };
        assert_eq!(evaluate(&s, &f, d(2026, 1, 1), &cal, 5).status, ShareStatus::Completed);
    }

    #[test]
    fn task_state_from_shares() {
        let mut c = StatusCounts::default();
        assert_eq!(c.overall(), ShareStatus::NotStarted);
        c.add(ShareStatus::Paused);
        assert_eq!(c.overall(), ShareStatus::Paused);
        c.add(ShareStatus::Completed);
        assert_eq!(c.overall(), ShareStatus::Completed);
        assert_eq!(c.completion_percent(), Some(100.0));
        c.add(ShareStatus::NotStarted);
        assert_eq!(c.overall(), ShareStatus::InProgress);
        c.add(ShareStatus::Overdue);
        assert_eq!(c.overall(), ShareStatus::Overdue);
        assert_eq!(c.total(), 4);
        assert!((c.completion_percent().unwrap() - 100.0 / 3.0).abs() < 1e-9);
        assert_eq!(ShareStatus::parse("逾期"), Some(ShareStatus::Overdue));
        assert_eq!(ShareStatus::parse("overdue"), Some(ShareStatus::Overdue));
    }

    #[test]
    fn milestones() {
        let cal = WorkCalendar::builtin();
        let due = d(2026, 12, 31);
        assert_eq!(milestone_state(due, true, d(2027, 3, 1), &cal, 5), MilestoneState::Reached);
        assert_eq!(milestone_state(due, false, d(2026, 11, 2), &cal, 5), MilestoneState::Upcoming);
        assert_eq!(milestone_state(due, false, d(2026, 12, 28), &cal, 5), MilestoneState::DueSoon);
        assert_eq!(milestone_state(due, false, d(2027, 1, 4), &cal, 5), MilestoneState::Overdue);
    }

    #[test]
    fn periods_and_labels() {
        assert_eq!(ReportingCycle::Monthly.period_label(d(2026, 11, 5)), "2026年11月");
        assert_eq!(ReportingCycle::HalfYearly.period_label(d(2026, 6, 30)), "2026年上半年");
        assert_eq!(ReportingCycle::Yearly.period_label(d(2026, 6, 30)), "2026年度");
        for c in ReportingCycle::ALL {
            assert_eq!(ReportingCycle::from_code(c.code()), Some(c));
        }
        for (code, _) in DEADLINE_KINDS {
            assert_ne!(deadline_kind_label(code), "未知");
        }
        assert_eq!(deadline_kind_code(&parse_deadline("每年1月底前").kind), "yearly");
    }

    #[test]
    fn diffs() {
        let a = builtin_annexes().remove(1);
        let mut b = a.clone();
        b.rows.remove(0);
        b.rows[0].measures.push('。');
        b.rows[1].deadline_text = "2027年6月底前".into();
        let mut extra = b.rows[2].clone();
        extra.seq = 14;
        extra.sub = None;
        b.rows.push(extra);
        let diff = diff_rows(&a.rows, &b.rows);
        assert_eq!(diff.added, vec!["14"]);
        assert_eq!(diff.removed, vec!["1"]);
        assert_eq!(diff.changed, vec![("2".to_string(), vec!["落实举措"]), ("3".to_string(), vec!["完成时限"])]);
        assert_eq!(diff.unchanged, 11);
        assert!(diff_rows(&a.rows, &a.rows).is_empty());
    }
}
