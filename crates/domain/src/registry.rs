//! Entity registry (检查对象名录库) rules: the import format, per-row validation and the
//! values every field may take. Pure functions; the import driver and the store use them.
//!
//! The import format is the one of [`crate::uscc::demo::CSV_HEADERS`]: 统一社会信用代码,
//! 名称, 主体类型, 法定代表人, 住所, 行政区划, 行业代码, 行业名称, 成立日期, 登记状态, 标签.
//! Columns are found by header name (any order); 统一社会信用代码, 名称, 主体类型 and
//! 登记状态 are required, the others optional.

use crate::uscc::Uscc;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The columns of the import format, in their canonical order.
pub const COLUMNS: [&str; 11] = crate::uscc::demo::CSV_HEADERS;

/// Column positions in [`COLUMNS`].
pub mod col {
    pub const USCC: usize = 0;
    pub const NAME: usize = 1;
    pub const KIND: usize = 2;
    pub const LEGAL_REP: usize = 3;
    pub const ADDRESS: usize = 4;
    pub const DIVISION: usize = 5;
    pub const INDUSTRY: usize = 6;
    pub const INDUSTRY_NAME: usize = 7;
    pub const REGISTERED_ON: usize = 8;
    pub const STATUS: usize = 9;
    pub const TAGS: usize = 10;
}

/// Columns a file must have (by header).
pub const REQUIRED_COLUMNS: [usize; 4] = [col::USCC, col::NAME, col::KIND, col::STATUS];

/// Entity kinds (主体类型) the registry accepts.
pub const KINDS: &[&str] =
    &["企业", "个体工商户", "农民专业合作社", "社会团体", "民办非企业单位", "事业单位", "其他组织"];

/// Registration statuses (登记状态) the registry accepts.
pub const STATUSES: &[&str] = &["存续", "在业", "注销", "吊销", "迁出", "撤销", "停业"];

/// Statuses of an entity still in business (subject to supervision).
pub const ACTIVE_STATUSES: &[&str] = &["存续", "在业"];

/// Tags in common use; others are accepted as written (at most 20 characters each).
pub const KNOWN_TAGS: &[&str] = &["重点监管", "食品经营", "药品零售", "医疗器械经营", "特种设备使用"];

const MAX_NAME: usize = 200;
const MAX_PERSON: usize = 50;
const MAX_ADDRESS: usize = 300;
const MAX_TAG: usize = 20;
const MAX_TAGS: usize = 20;

/// Maps the header row of a file to [`COLUMNS`]: `Ok(positions)` where `positions[i]`
/// is the file's column holding `COLUMNS[i]`, or the Chinese names of missing required
/// columns. Headers are matched after trimming whitespace and a byte-order mark.
pub fn map_header<'a>(header: impl IntoIterator<Item = &'a str>) -> Result<[Option<usize>; 11], HeaderError> {
    let mut pos = [None; 11];
    let mut duplicated = Vec::new();
    for (i, h) in header.into_iter().enumerate() {
        let h = h.trim().trim_start_matches('\u{feff}').trim();
        if let Some(c) = COLUMNS.iter().position(|c| *c == h) {
            if pos[c].is_some() {
                duplicated.push(COLUMNS[c]);
            } else {
                pos[c] = Some(i);
            }
        }
    }
    let missing: Vec<&'static str> =
        REQUIRED_COLUMNS.iter().filter(|&&c| pos[c].is_none()).map(|&c| COLUMNS[c]).collect();
    if !missing.is_empty() {
        return Err(HeaderError::Missing(missing));
    }
    if !duplicated.is_empty() {
        return Err(HeaderError::Duplicated(duplicated));
    }
    Ok(pos)
}

/// Why a header row cannot be used. Nothing is imported from such a file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    #[error("文件缺少必需的列:{}(表头须为:{})", .0.join("、"), COLUMNS.join(","))]
    Missing(Vec<&'static str>),
    #[error("文件表头中以下列重复出现:{}", .0.join("、"))]
    Duplicated(Vec<&'static str>),
    #[error("文件为空,没有表头行")]
    Empty,
}

/// One validated row of the import format. `legal_rep` is personal data in clear: the
/// caller protects it before it reaches the store.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EntityRow {
    pub uscc: String,
    pub name: String,
    pub kind: String,
    pub legal_rep: String,
    pub address: String,
    pub division: String,
    pub industry: String,
    pub industry_name: String,
    pub registered_on: Option<NaiveDate>,
    pub status: String,
    /// Canonical order: [`KNOWN_TAGS`] first in their order, then others as written.
    pub tags: Vec<String>,
    /// The code fails a check and was accepted as a legacy code (存量代码).
    pub legacy: bool,
    /// The visible warning of a legacy code (empty otherwise).
    pub legacy_warning: String,
}

/// How rows are validated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowOptions {
    /// Accept codes of valid shape that fail a check, flagged as legacy with a warning.
    /// Without it such rows are rejected.
    pub accept_legacy: bool,
}

/// Validates one row given as the 11 fields of [`COLUMNS`] (absent columns as `""`).
/// Returns every problem of the row, in column order, as Chinese messages.
pub fn validate_row(f: &[&str; 11], opts: RowOptions) -> Result<EntityRow, Vec<String>> {
    let mut errs = Vec::new();
    let t = |i: usize| f[i].trim();

    let (uscc, legacy, legacy_warning) = match Uscc::parse_lenient(t(col::USCC)) {
        Ok((code, None)) => (code.into_string(), false, String::new()),
        Ok((code, Some(w))) if opts.accept_legacy => (code.into_string(), true, w.to_string()),
        Ok((_, Some(w))) => {
            errs.push(format!("{}(如确为存量代码,请勾选“接收未通过校验的存量代码”后重新导入)", w.to_error()));
            (String::new(), false, String::new())
        }
        Err(e) => {
            errs.push(e.to_string());
            (String::new(), false, String::new())
        }
    };

    let name = clean(t(col::NAME));
    if name.is_empty() {
        errs.push("名称不能为空".into());
    } else if name.chars().count() > MAX_NAME {
        errs.push(format!("名称过长(最多{MAX_NAME}字)"));
    }

    let kind = t(col::KIND);
    if kind.is_empty() {
        errs.push("主体类型不能为空".into());
    } else if !KINDS.contains(&kind) {
        errs.push(format!("主体类型“{}”无法识别(应为:{})", shown(kind), KINDS.join("、")));
    }

    let legal_rep = clean(t(col::LEGAL_REP));
    if legal_rep.chars().count() > MAX_PERSON {
        errs.push(format!("法定代表人过长(最多{MAX_PERSON}字)"));
    }
    let address = clean(t(col::ADDRESS));
    if address.chars().count() > MAX_ADDRESS {
        errs.push(format!("住所过长(最多{MAX_ADDRESS}字)"));
    }

    let division = t(col::DIVISION);
    if !(division.is_empty() || division.len() == 6 && division.bytes().all(|b| b.is_ascii_digit())) {
        errs.push(format!("行政区划代码“{}”应为6位数字", shown(division)));
    }

    let industry = t(col::INDUSTRY).to_ascii_uppercase();
    if !industry.is_empty() && !valid_industry(&industry) {
        errs.push(format!(
            "行业代码“{}”不符合国民经济行业分类(GB/T 4754):应为门类字母加2至4位数字,或2至4位数字",
            shown(&industry)
        ));
    }
    let industry_name = clean(t(col::INDUSTRY_NAME));

    let registered_on = match t(col::REGISTERED_ON) {
        "" => None,
        s => match parse_date(s) {
            Some(d) => Some(d),
            None => {
                errs.push(format!("成立日期“{}”无法识别(应为 YYYY-MM-DD)", shown(s)));
                None
            }
        },
    };

    let status = t(col::STATUS);
    if status.is_empty() {
        errs.push("登记状态不能为空".into());
    } else if !STATUSES.contains(&status) {
        errs.push(format!("登记状态“{}”无法识别(应为:{})", shown(status), STATUSES.join("、")));
    }

    let tags = match parse_tags(t(col::TAGS)) {
        Ok(v) => v,
        Err(e) => {
            errs.push(e);
            Vec::new()
        }
    };

    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(EntityRow {
        uscc,
        name,
        kind: kind.to_string(),
        legal_rep,
        address,
        division: division.to_string(),
        industry,
        industry_name,
        registered_on,
        status: status.to_string(),
        tags,
        legacy,
        legacy_warning,
    })
}

/// Collapses inner runs of whitespace and drops control characters.
fn clean(s: &str) -> String {
    if s.chars().all(|c| !c.is_control() && c != '\u{3000}') && !s.contains("  ") {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() || c == '\u{3000}' {
            space = true;
        } else if !c.is_control() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    out
}

/// A value quoted in a message: at most 40 characters, control characters shown as `?`.
fn shown(s: &str) -> String {
    let mut v: String = s.chars().take(40).map(|c| if c.is_control() { '?' } else { c }).collect();
    if s.chars().count() > 40 {
        v.push('…');
    }
    v
}

/// A GB/T 4754 code: an optional section letter A–T and 2–4 digits (`5211`, `F5211`, `F52`).
pub fn valid_industry(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = match b.first() {
        Some(c) if (b'A'..=b'T').contains(c) => &b[1..],
        _ => b,
    };
    (2..=4).contains(&digits.len()) && digits.iter().all(u8::is_ascii_digit)
}

/// Dates as spreadsheets and registration systems write them: `2019-03-08`, `2019/3/8`,
/// `2019.3.8`, `20190308`, `2019年3月8日`; a time part after a space is ignored.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let s = s.split([' ', 'T']).next().unwrap_or(s);
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(s, "%Y%m%d").ok();
    }
    let norm: String = s
        .chars()
        .map(|c| match c {
            '/' | '.' | '年' | '月' => '-',
            c => c,
        })
        .filter(|&c| c != '日')
        .collect();
    let mut parts = norm.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// The date of an Excel serial day number (1900 date system; the 1900 leap-year bug
/// means serials from 61 on are one day ahead).
pub fn excel_serial_date(serial: f64) -> Option<NaiveDate> {
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64;
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    let days = if days < 61 { days + 1 } else { days };
    base.checked_add_signed(chrono::Duration::days(days))
}

/// Splits tags on `;`, `；`, `,`, `，`, `、` or `|`; drops empties and repeats; known tags first.
pub fn parse_tags(s: &str) -> Result<Vec<String>, String> {
    let mut known = [false; KNOWN_TAGS.len()];
    let mut other: Vec<String> = Vec::new();
    for t in s.split([';', '；', ',', '，', '、', '|']).map(str::trim).filter(|t| !t.is_empty()) {
        if let Some(i) = KNOWN_TAGS.iter().position(|k| *k == t) {
            known[i] = true;
        } else if t.chars().count() > MAX_TAG {
            return Err(format!("标签“{}”过长(每个标签最多{MAX_TAG}字)", shown(t)));
        } else if !other.iter().any(|o| o == t) {
            other.push(t.to_string());
        }
    }
    let mut v: Vec<String> = KNOWN_TAGS.iter().zip(known).filter(|(_, k)| *k).map(|(t, _)| t.to_string()).collect();
    v.extend(other);
    if v.len() > MAX_TAGS {
        return Err(format!("标签过多(最多{MAX_TAGS}个)"));
    }
    Ok(v)
}

/// Item lists (清单) of 附件1 一(一).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    /// 行政许可事项清单.
    Licence,
    /// 备案事项清单 (approvals turned into filings).
    Filing,
    /// 行政许可审批初审事项清单 (district first review).
    InitialReview,
    /// 已取消审批或备案但仍需监管的事项.
    Cancelled,
}

impl ListKind {
    pub const ALL: [ListKind; 4] = [ListKind::Licence, ListKind::Filing, ListKind::InitialReview, ListKind::Cancelled];

    pub fn code(self) -> &'static str {
        match self {
            ListKind::Licence => "licence",
            ListKind::Filing => "filing",
            ListKind::InitialReview => "initial_review",
            ListKind::Cancelled => "cancelled",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ListKind::Licence => "行政许可事项",
            ListKind::Filing => "备案事项",
            ListKind::InitialReview => "初审事项",
            ListKind::Cancelled => "取消审批仍需监管事项",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }

    /// Reads a code or a Chinese label (as written in a spreadsheet).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::from_code(s).or_else(|| {
            Self::ALL.into_iter().find(|k| k.label() == s || s.starts_with(k.label().trim_end_matches("事项")))
        })
    }
}

/// A 监管事项目录编码 is 14 digits.
pub fn valid_catalogue_code(s: &str) -> bool {
    s.len() == 14 && s.bytes().all(|b| b.is_ascii_digit())
}

/// An item of the demonstration lists: department codes as in [`crate::org::DEPARTMENTS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoItem {
    pub kind: ListKind,
    pub code: &'static str,
    pub name: &'static str,
    pub legal_basis: &'static str,
    pub approver: Option<&'static str>,
    pub supervisors: &'static [&'static str],
}

const fn demo(
    kind: ListKind,
    code: &'static str,
    name: &'static str,
    legal_basis: &'static str,
    approver: Option<&'static str>,
    supervisors: &'static [&'static str],
) -> DemoItem {
    DemoItem { kind, code, name, legal_basis, approver, supervisors }
}

use ListKind::{Cancelled, Filing, InitialReview, Licence};

/// A demonstration set of Nankai's item lists (附件1 第3、5、6项): licences approved by
/// 区政务服务办 under the relatively centralised licensing reform and by departments
/// that kept their powers, filings, district first reviews, and approvals cancelled
/// but still supervised. Item codes are local demonstration codes; 监管事项目录编码 are
/// left empty, to be filled from the provincial catalogue.
pub const DEMO_ITEMS: &[DemoItem] = &[
    demo(Licence, "NK-XK-001", "食品经营许可", "《中华人民共和国食品安全法》第三十五条", Some("zwfwb"), &["scjgj"]),
    demo(
        Licence,
        "NK-XK-002",
        "食品生产许可(低风险食品)",
        "《中华人民共和国食品安全法》第三十五条",
        Some("zwfwb"),
        &["scjgj"],
    ),
    demo(
        Licence,
        "NK-XK-003",
        "药品零售企业许可",
        "《中华人民共和国药品管理法》第五十一条、第五十二条",
        Some("zwfwb"),
        &["scjgj"],
    ),
    demo(
        Licence,
        "NK-XK-004",
        "第三类医疗器械经营许可",
        "《医疗器械监督管理条例》第五十二条",
        Some("zwfwb"),
        &["scjgj"],
    ),
    demo(
        Licence,
        "NK-XK-005",
        "特种设备使用登记",
        "《中华人民共和国特种设备安全法》第三十三条",
        Some("scjgj"),
        &["scjgj"],
    ),
    demo(Licence, "NK-XK-006", "公共场所卫生许可", "《公共场所卫生管理条例》第八条", Some("zwfwb"), &["wjw"]),
    demo(Licence, "NK-XK-007", "医疗机构执业登记", "《医疗机构管理条例》第十五条", Some("zwfwb"), &["wjw"]),
    demo(Licence, "NK-XK-008", "放射诊疗许可", "《放射诊疗管理规定》第十一条", Some("zwfwb"), &["wjw"]),
    demo(
        Licence,
        "NK-XK-009",
        "民办学校(非学历教育)设立审批",
        "《中华人民共和国民办教育促进法》第十二条",
        Some("zwfwb"),
        &["jyj"],
    ),
    demo(Licence, "NK-XK-010", "人力资源服务许可", "《人力资源市场暂行条例》第十八条", Some("zwfwb"), &["rsj"]),
    demo(Licence, "NK-XK-011", "劳务派遣经营许可", "《中华人民共和国劳动合同法》第五十七条", Some("zwfwb"), &["rsj"]),
    demo(Licence, "NK-XK-012", "娱乐场所经营许可", "《娱乐场所管理条例》第九条", Some("zwfwb"), &["wlj", "gafj"]),
    demo(Licence, "NK-XK-013", "营业性演出许可(文艺表演团体)", "《营业性演出管理条例》第六条", Some("zwfwb"), &["wlj"]),
    demo(
        Licence,
        "NK-XK-014",
        "互联网上网服务营业场所经营许可",
        "《互联网上网服务营业场所管理条例》第十条",
        Some("zwfwb"),
        &["wlj", "gafj"],
    ),
    demo(Licence, "NK-XK-015", "旅馆业特种行业许可", "《旅馆业治安管理办法》第四条", Some("gafj"), &["gafj"]),
    demo(
        Licence,
        "NK-XK-016",
        "公章刻制业特种行业许可",
        "《国务院对确需保留的行政审批项目设定行政许可的决定》第37项",
        Some("gafj"),
        &["gafj"],
    ),
    demo(
        Licence,
        "NK-XK-017",
        "城市建筑垃圾处置核准",
        "《国务院对确需保留的行政审批项目设定行政许可的决定》第101项",
        Some("zwfwb"),
        &["cgw"],
    ),
    demo(
        Licence,
        "NK-XK-018",
        "设置大型户外广告及在城市建筑物、设施上悬挂、张贴宣传品审批",
        "《城市市容和环境卫生管理条例》第十一条",
        Some("zwfwb"),
        &["cgw"],
    ),
    demo(Licence, "NK-XK-019", "建筑工程施工许可", "《中华人民共和国建筑法》第七条", Some("zwfwb"), &["zjw"]),
    demo(
        Licence,
        "NK-XK-020",
        "危险化学品经营许可(不带储存设施)",
        "《危险化学品安全管理条例》第三十三条",
        Some("zwfwb"),
        &["yjj"],
    ),
    demo(
        Licence,
        "NK-XK-021",
        "烟花爆竹经营(零售)许可",
        "《烟花爆竹安全管理条例》第十九条",
        Some("zwfwb"),
        &["yjj", "gafj"],
    ),
    demo(Licence, "NK-XK-022", "高危险性体育项目经营许可", "《全民健身条例》第三十二条", Some("zwfwb"), &["tyj"]),
    demo(
        Filing,
        "NK-BA-001",
        "第二类医疗器械经营备案",
        "《医疗器械监督管理条例》第四十一条",
        Some("zwfwb"),
        &["scjgj"],
    ),
    demo(
        Filing,
        "NK-BA-002",
        "仅销售预包装食品备案",
        "《中华人民共和国食品安全法》第三十五条",
        Some("zwfwb"),
        &["scjgj"],
    ),
    demo(Filing, "NK-BA-003", "养老机构备案", "《中华人民共和国老年人权益保障法》第四十三条", Some("mzj"), &["mzj"]),
    demo(Filing, "NK-BA-004", "诊所备案", "《医疗机构管理条例》第十条", Some("zwfwb"), &["wjw"]),
    demo(
        Filing,
        "NK-BA-005",
        "单用途商业预付卡发卡企业备案",
        "《单用途商业预付卡管理办法(试行)》第七条",
        Some("swuj"),
        &["swuj", "scjgj"],
    ),
    demo(Filing, "NK-BA-006", "再生资源回收经营者备案", "《再生资源回收管理办法》第七条", Some("swuj"), &["swuj"]),
    demo(
        InitialReview,
        "NK-CS-001",
        "医疗机构设置审批(区级初审)",
        "《医疗机构管理条例》第九条",
        Some("zwfwb"),
        &["wjw"],
    ),
    demo(
        InitialReview,
        "NK-CS-002",
        "危险化学品经营许可(带有储存设施,区级初审)",
        "《危险化学品安全管理条例》第三十五条",
        Some("zwfwb"),
        &["yjj"],
    ),
    demo(
        InitialReview,
        "NK-CS-003",
        "第一类非药品类易制毒化学品经营许可(区级初审)",
        "《易制毒化学品管理条例》第十条",
        Some("zwfwb"),
        &["yjj", "gafj"],
    ),
    demo(
        Cancelled,
        "NK-QX-001",
        "对外贸易经营者备案登记(已取消,仍需监管)",
        "《全国人民代表大会常务委员会关于修改〈中华人民共和国对外贸易法〉的决定》(2022年)",
        None,
        &["swuj"],
    ),
    demo(
        Cancelled,
        "NK-QX-002",
        "养老机构设立许可(已取消,改为备案后仍需监管)",
        "《全国人民代表大会常务委员会关于修改〈中华人民共和国老年人权益保障法〉的决定》(2018年)",
        None,
        &["mzj"],
    ),
    demo(
        Cancelled,
        "NK-QX-003",
        "粮食收购资格认定(已取消,仍需监管)",
        "《粮食流通管理条例》(2021年修订)",
        None,
        &["fgw"],
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uscc::demo;

    fn fields(r: &[String]) -> [&str; 11] {
        std::array::from_fn(|i| r[i].as_str())
    }

    #[test]
    fn demo_rows_validate_with_legacy_flag_only() {
        let mut legacy = 0;
        for e in demo::generate(3000, 7) {
            let rec = e.to_csv_record();
            let strict = validate_row(&fields(&rec), RowOptions::default());
            let lenient = validate_row(&fields(&rec), RowOptions { accept_legacy: true }).unwrap();
            assert_eq!(lenient.uscc, e.uscc);
            assert_eq!(lenient.tags, e.tags);
            assert_eq!(lenient.registered_on, Some(e.registered_on));
            if e.legacy {
                legacy += 1;
                assert!(lenient.legacy && lenient.legacy_warning.contains("存量代码"));
                let errs = strict.unwrap_err();
                assert!(errs[0].contains("校验码"), "{errs:?}");
            } else {
                assert_eq!(strict.unwrap(), lenient);
            }
        }
        assert!(legacy > 0);
    }

    #[test]
    fn every_problem_of_a_row_is_named() {
        let f = ["91120104MA05XXXXX", "", "公司", "", "", "12010", "5X11", "", "2021-02-30", "正常", ""];
        let errs = validate_row(&f, RowOptions::default()).unwrap_err();
        assert_eq!(errs.len(), 7, "{errs:?}");
        assert!(errs[0].contains("18位"));
        assert!(errs[1].contains("名称不能为空"));
        assert!(errs[2].contains("主体类型“公司”"));
        assert!(errs[3].contains("行政区划"));
        assert!(errs[4].contains("行业代码"));
        assert!(errs[5].contains("成立日期"));
        assert!(errs[6].contains("登记状态“正常”"));
    }

    #[test]
    fn headers_by_name_in_any_order() {
        let pos = map_header(["\u{feff}名称", "统一社会信用代码", "登记状态", "主体类型"]).unwrap();
        assert_eq!(pos[col::USCC], Some(1));
        assert_eq!(pos[col::NAME], Some(0));
        assert_eq!(pos[col::TAGS], None);
        let e = map_header(["名称", "住所"]).unwrap_err();
        assert_eq!(e, HeaderError::Missing(vec!["统一社会信用代码", "主体类型", "登记状态"]));
        assert!(e.to_string().contains("缺少必需的列"));
        assert!(matches!(map_header(COLUMNS.iter().copied().chain(["名称"])), Err(HeaderError::Duplicated(_))));
    }

    #[test]
    fn demo_items_name_known_departments() {
        let known = |c: &str| crate::org::DEPARTMENTS.iter().any(|d| d.code == c);
        let mut codes = std::collections::HashSet::new();
        for i in DEMO_ITEMS {
            assert!(codes.insert(i.code), "{} twice", i.code);
            assert!(
                i.approver.is_none_or(known) && !i.supervisors.is_empty() && i.supervisors.iter().all(|c| known(c))
            );
            assert_eq!(i.approver.is_none(), i.kind == ListKind::Cancelled, "{}", i.code);
        }
        assert!(DEMO_ITEMS.len() >= 30);
    }

    #[test]
    fn dates_tags_industry() {
        let d = NaiveDate::from_ymd_opt(2019, 3, 8).unwrap();
        for s in ["2019-03-08", "2019/3/8", "2019.03.08", "20190308", "2019年3月8日", "2019-03-08 00:00:00"] {
            assert_eq!(parse_date(s), Some(d), "{s}");
        }
        assert_eq!(parse_date("19-3-8"), None);
        assert_eq!(excel_serial_date(43532.0), Some(d));
        assert_eq!(parse_tags("食品经营;重点监管；夜市,食品经营").unwrap(), vec!["重点监管", "食品经营", "夜市"]);
        assert!(valid_industry("5211") && valid_industry("F5211") && valid_industry("F52"));
        assert!(!valid_industry("Z5211") && !valid_industry("52111") && !valid_industry("5"));
        assert!(valid_catalogue_code("11120104001000") && !valid_catalogue_code("1112010400100"));
        assert_eq!(ListKind::parse("行政许可事项"), Some(ListKind::Licence));
        assert_eq!(ListKind::parse("备案"), Some(ListKind::Filing));
        assert_eq!(ListKind::parse("initial_review"), Some(ListKind::InitialReview));
    }
}
