//! The responsibility ledgers (台账) of 南开政发〔2021〕8号, as built-in data.
//!
//! 附件1 (`data-seed/ledger/annex1.json`) holds the 37 district tasks, 附件2
//! (`data-seed/ledger/annex2.json`) the 13 tasks taken over from the city; 附件2 item 4 has
//! two sub-tasks, stored as two rows with the same `seq` and `sub` 1 and 2. Every row keeps
//! the seed's cells as written (`measures`, `lead_text`, `responsible_text`,
//! `deadline_text`) next to the values read from them, and the chapter, section and item
//! that merged cells carry down from the rows above. Where the seed had to be interpreted,
//! the row's `note` says how.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::deadline::{parse_deadline, Deadline};

const ANNEX1_JSON: &str = include_str!("../../../data-seed/ledger/annex1.json");
const ANNEX2_JSON: &str = include_str!("../../../data-seed/ledger/annex2.json");

/// The full name of the 实施意见 as it appears in the annex titles.
const OPINIONS_FULL: &str = "《天津市人民政府关于加强和规范事中事后监管的实施意见》";
/// Its short form, as in the 附件 list of the notice.
const OPINIONS_SHORT: &str = "《实施意见》";

/// Column headings of 附件1, in order.
pub const ANNEX1_COLUMNS: [&str; 6] = ["序号", "工作任务", "落实举措", "牵头单位", "责任单位", "完成时限"];

/// Column headings of 附件2, in order.
pub const ANNEX2_COLUMNS: [&str; 5] = ["序号", "工作任务", "落实举措", "对口承接任务单位", "完成时限"];

/// The columns a ledger is kept in: 附件1's 牵头单位 and 责任单位, or 附件2's single
/// 对口承接任务单位 (held as lead units).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LedgerLayout {
    #[default]
    LeadAndResponsible,
    Combined,
}

impl LedgerLayout {
    pub fn code(self) -> &'static str {
        match self {
            LedgerLayout::LeadAndResponsible => "lead_responsible",
            LedgerLayout::Combined => "combined",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        match s {
            "lead_responsible" => Some(LedgerLayout::LeadAndResponsible),
            "combined" => Some(LedgerLayout::Combined),
            _ => None,
        }
    }

    /// The column headings, as in the annex of that layout.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            LedgerLayout::LeadAndResponsible => &ANNEX1_COLUMNS,
            LedgerLayout::Combined => &ANNEX2_COLUMNS,
        }
    }

    /// The Chinese name of the layout.
    pub fn label(self) -> &'static str {
        match self {
            LedgerLayout::LeadAndResponsible => "牵头单位与责任单位分列(同附件1)",
            LedgerLayout::Combined => "对口承接任务单位一列(同附件2)",
        }
    }
}

/// One row of a ledger.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerRow {
    /// 序号.
    pub seq: u32,
    /// Sub-task number within `seq` (1, 2 ...) where one 序号 has several tasks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<u8>,
    /// Chapter, e.g. `一、夯实监管责任`.
    pub chapter: String,
    /// Section, e.g. `(一)厘清监管事权`.
    pub section: Option<String>,
    /// Item, e.g. `1.落实“谁主管、谁监管”原则`.
    pub item: Option<String>,
    /// 工作任务: 附件2's task cell, or for 附件1 the most specific of item, section, chapter.
    pub task: String,
    /// 落实举措, character for character as in the seed.
    pub measures: String,
    /// 牵头单位 (附件2: 对口承接任务单位) as written.
    pub lead_text: String,
    /// `lead_text` read by [`split_units`].
    pub lead_units: Vec<String>,
    /// 责任单位 as written; empty for 附件2.
    pub responsible_text: String,
    /// `responsible_text` read by [`split_units`].
    pub responsible_units: Vec<String>,
    /// The seed gives one unit cell for 牵头单位 and 责任单位 together; its units are
    /// recorded as lead units and also carry out the task.
    #[serde(default)]
    pub units_merged: bool,
    /// 完成时限 as written; empty if the cell is empty.
    pub deadline_text: String,
    /// How the seed was interpreted for this row, if it had to be.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl LedgerRow {
    /// The parsed `deadline_text`.
    pub fn deadline(&self) -> Deadline {
        parse_deadline(&self.deadline_text)
    }

    /// Lead then responsible units, each once.
    pub fn units(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for u in self.lead_units.iter().chain(&self.responsible_units) {
            if !out.contains(&u.as_str()) {
                out.push(u);
            }
        }
        out
    }

    /// `序号` as displayed: `4` or, for a sub-task, `4-1`.
    pub fn label(&self) -> String {
        match self.sub {
            Some(sub) => format!("{}-{}", self.seq, sub),
            None => self.seq.to_string(),
        }
    }
}

/// One annex: a ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Annex {
    /// 附件 number: 1 or 2.
    pub number: u8,
    /// Title as in the seed.
    pub title: String,
    /// Rows in seed order.
    pub rows: Vec<LedgerRow>,
}

/// Why a ledger was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("row {0}: 序号 out of order or repeated")]
    SeqOrder(String),
    #[error("row {0}: empty {1}")]
    Empty(String, &'static str),
    #[error("row {0}: {1} does not match its text")]
    UnitsMismatch(String, &'static str),
}

impl Annex {
    /// The title with the 实施意见 abbreviated, as in the notice's 附件 list, e.g.
    /// `南开区落实《实施意见》工作责任台账`.
    pub fn short_title(&self) -> String {
        self.title.replace(OPINIONS_FULL, OPINIONS_SHORT)
    }

    /// The column headings of this annex (附件2 has 对口承接任务单位 instead of 牵头单位 and
    /// 责任单位).
    pub fn columns(&self) -> &'static [&'static str] {
        self.layout().columns()
    }

    /// The column layout of this annex.
    pub fn layout(&self) -> LedgerLayout {
        if self.number == 2 {
            LedgerLayout::Combined
        } else {
            LedgerLayout::LeadAndResponsible
        }
    }

    /// The row with this 序号 and sub-task number.
    pub fn row(&self, seq: u32, sub: Option<u8>) -> Option<&LedgerRow> {
        self.rows.iter().find(|r| r.seq == seq && r.sub == sub)
    }

    /// The number of tasks (distinct 序号).
    pub fn task_count(&self) -> usize {
        let mut seqs: Vec<u32> = self.rows.iter().map(|r| r.seq).collect();
        seqs.dedup();
        seqs.len()
    }

    /// Checks an imported ledger: 序号 ascending (sub-tasks 1, 2 ... under one 序号),
    /// chapter, task and measures present, at least one lead unit, and unit lists equal to
    /// [`split_units`] of their texts.
    pub fn validate(&self) -> Result<(), LedgerError> {
        let mut previous: Option<(u32, Option<u8>)> = None;
        for r in &self.rows {
            let key = (r.seq, r.sub);
            let in_order = match previous {
                None => r.sub.is_none_or(|s| s == 1),
                Some((seq, sub)) if seq == r.seq => {
                    matches!((sub, r.sub), (Some(a), Some(b)) if b == a + 1)
                }
                Some((seq, _)) => r.seq > seq && r.sub.is_none_or(|s| s == 1),
            };
            if !in_order || r.seq == 0 {
                return Err(LedgerError::SeqOrder(r.label()));
            }
            previous = Some(key);
            for (value, name) in
                [(&r.chapter, "chapter"), (&r.task, "task"), (&r.measures, "measures"), (&r.lead_text, "lead unit")]
            {
                if value.trim().is_empty() {
                    return Err(LedgerError::Empty(r.label(), name));
                }
            }
            if r.lead_units != split_units(&r.lead_text) {
                return Err(LedgerError::UnitsMismatch(r.label(), "lead_units"));
            }
            if r.responsible_units != split_units(&r.responsible_text) {
                return Err(LedgerError::UnitsMismatch(r.label(), "responsible_units"));
            }
        }
        Ok(())
    }
}

/// 附件1 and 附件2 of 南开政发〔2021〕8号.
pub fn builtin_annexes() -> Vec<Annex> {
    static BUILTIN: OnceLock<Vec<Annex>> = OnceLock::new();
    BUILTIN
        .get_or_init(|| {
            // The embedded files are checked by this module's tests.
            [ANNEX1_JSON, ANNEX2_JSON]
                .iter()
                .map(|json| {
                    serde_json::from_str(json).unwrap_or_else(|e| panic!("built-in ledger JSON is invalid: {e}"))
                })
                .collect()
        })
        .clone()
}

/// Separators between unit names in a cell.
const UNIT_SEPARATORS: [char; 6] = ['、', ',', '，', ';', '；', '\n'];

/// Group words a `X等Y` tail ends with: `区委编办等区相关部门` names 区委编办 and the group
/// 区相关部门.
const GROUP_SUFFIXES: [&str; 3] = ["部门", "单位", "机关"];

/// Splits a unit cell into unit names, in order and each once: on `、`, `,`, `，`, `;`,
/// `；` and line breaks, and `X等Y` into `X` and the group `Y` when `Y` ends with 部门,
/// 单位 or 机关. Names are trimmed and otherwise kept as written.
pub fn split_units(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |name: &str| {
        let name = name.trim();
        if !name.is_empty() && !out.iter().any(|u| u == name) {
            out.push(name.to_owned());
        }
    };
    for piece in text.split(UNIT_SEPARATORS) {
        match piece.split_once('等') {
            Some((head, tail))
                if !head.trim().is_empty() && GROUP_SUFFIXES.iter().any(|s| tail.trim().ends_with(s)) =>
            {
                push(head);
                push(tail);
            }
            _ => push(piece),
        }
    }
    out
}

/// Names the seed writes in two ways, after width folding: (variant, canonical).
const UNIT_ALIASES: [(&str, &str); 7] = [
    ("区发改委", "区发展改革委"),
    ("区相关部门", "区各相关部门"),
    ("区级各相关部门", "区各相关部门"),
    ("区级相关部门", "区各相关部门"),
    ("区负有安全生产监管职责的部门", "区各负有安全生产监管职责的部门"),
    ("区行业主管部门", "区各行业主管部门"),
    ("区行政审批部门", "区各行政审批部门"),
];

/// A key for matching unit names: whitespace removed, full-width ASCII folded (`（` to `(`),
/// and known variants mapped to one name (`区发改委` to `区发展改革委`, `区相关部门` to
/// `区各相关部门`).
pub fn unit_key(name: &str) -> String {
    let folded: String = name
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect();
    UNIT_ALIASES.iter().find(|(variant, _)| *variant == folded).map_or(folded, |(_, canonical)| (*canonical).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_units_cases() {
        assert_eq!(split_units("区司法局、区委编办"), vec!["区司法局", "区委编办"]);
        assert_eq!(split_units("区委编办等区相关部门"), vec!["区委编办", "区相关部门"]);
        assert_eq!(
            split_units("区发展改革委、区市场监管局、区司法局等区相关部门"),
            vec!["区发展改革委", "区市场监管局", "区司法局", "区相关部门"]
        );
        assert_eq!(
            split_units("区各负有安全生产监管职责的部门,区市场监管局、区卫生健康委、区税务局"),
            vec!["区各负有安全生产监管职责的部门", "区市场监管局", "区卫生健康委", "区税务局"]
        );
        assert_eq!(split_units("区委组织部(区公务员局)、区司法局"), vec!["区委组织部(区公务员局)", "区司法局"]);
        assert_eq!(split_units(" 区财政局 、、区财政局；"), vec!["区财政局"]);
        assert!(split_units("").is_empty());
        // 等 not followed by a group word stays in the name.
        assert_eq!(split_units("区高等教育办"), vec!["区高等教育办"]);
    }

    #[test]
    fn unit_key_cases() {
        assert_eq!(unit_key("区发改委"), "区发展改革委");
        assert_eq!(unit_key(" 区发展改革委 "), "区发展改革委");
        assert_eq!(unit_key("区相关部门"), unit_key("区各相关部门"));
        assert_eq!(unit_key("区级各相关部门"), "区各相关部门");
        assert_eq!(unit_key("区委组织部（区公务员局）"), "区委组织部(区公务员局)");
        assert_eq!(unit_key("区市场监管局"), "区市场监管局");
    }

    #[test]
    fn builtin_annexes_are_valid() {
        let annexes = builtin_annexes();
        assert_eq!(annexes.len(), 2);
        for annex in &annexes {
            annex.validate().unwrap();
        }
        assert_eq!(annexes[0].task_count(), 37);
        assert_eq!(annexes[1].task_count(), 13);
        assert_eq!(annexes[0].short_title(), "南开区落实《实施意见》工作责任台账");
        assert_eq!(annexes[1].short_title(), "南开区落实《实施意见》承接市级机关工作任务台账");
        assert_eq!(annexes[1].columns()[3], "对口承接任务单位");
        assert_eq!(annexes[1].row(4, Some(2)).unwrap().label(), "4-2");
    }

    #[test]
    fn validate_catches_order_and_units() {
        let mut annex = builtin_annexes().remove(1);
        annex.rows.swap(0, 1);
        assert!(matches!(annex.validate(), Err(LedgerError::SeqOrder(_))));

        let mut annex = builtin_annexes().remove(1);
        annex.rows[0].lead_units.pop();
        assert!(matches!(annex.validate(), Err(LedgerError::UnitsMismatch(..))));
    }
}
