//! Policy publicity (正文五 加强政策宣传): the public sections, the editorial flow
//! (draft → review → published → withdrawn), document and attachment checks, and the
//! Chinese full-text search rules (overlapping two-character grams, the same on every
//! database).

use serde::{Deserialize, Serialize};

/// A section of the public site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// 法律法规与政策文件.
    Laws,
    /// 政策权威解读.
    Interpretation,
    /// 诚信典型案例.
    IntegrityCase,
    /// 典型案件曝光.
    ViolationCase,
    /// 行业法律指导.
    LegalGuidance,
}

impl Section {
    pub const ALL: [Section; 5] = [
        Section::Laws,
        Section::Interpretation,
        Section::IntegrityCase,
        Section::ViolationCase,
        Section::LegalGuidance,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Section::Laws => "laws",
            Section::Interpretation => "interpretation",
            Section::IntegrityCase => "integrity_case",
            Section::ViolationCase => "violation_case",
            Section::LegalGuidance => "legal_guidance",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Section::Laws => "法律法规",
            Section::Interpretation => "政策权威解读",
            Section::IntegrityCase => "诚信典型案例",
            Section::ViolationCase => "典型案件曝光",
            Section::LegalGuidance => "行业法律指导",
        }
    }

    pub fn parse(s: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|x| x.code() == s)
    }
}

/// Where an article stands in the editorial flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Review,
    Published,
    Withdrawn,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Review => "review",
            Status::Published => "published",
            Status::Withdrawn => "withdrawn",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Draft => "草稿",
            Status::Review => "待审核",
            Status::Published => "已发布",
            Status::Withdrawn => "已撤回",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [Status::Draft, Status::Review, Status::Published, Status::Withdrawn].into_iter().find(|x| x.code() == s)
    }
}

/// An editorial step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Edit,
    Submit,
    Approve,
    Reject,
    Withdraw,
}

impl Step {
    /// The status a step needs and the status it leads to.
    pub fn transition(self) -> (Status, Status) {
        match self {
            Step::Edit => (Status::Draft, Status::Draft),
            Step::Submit => (Status::Draft, Status::Review),
            Step::Approve => (Status::Review, Status::Published),
            Step::Reject => (Status::Review, Status::Draft),
            Step::Withdraw => (Status::Published, Status::Withdrawn),
        }
    }

    /// The Chinese refusal when the article is not in the needed status.
    pub fn refusal(self, current: Status) -> String {
        let what = match self {
            Step::Edit => "只有草稿可以修改",
            Step::Submit => "只有草稿可以提交审核",
            Step::Approve | Step::Reject => "只有待审核的稿件可以审核",
            Step::Withdraw => "只有已发布的信息可以撤回",
        };
        format!("{what}(当前状态:{})", current.label())
    }
}

/// Limits on an article.
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_BODY_CHARS: usize = 100_000;
pub const MAX_SUMMARY_CHARS: usize = 500;
pub const MAX_ATTACHMENTS: usize = 10;

/// Checks an article's fields; the body is the sanitised HTML. Returns a Chinese reason.
pub fn check_article(title: &str, summary: &str, body_html: &str, source: &str) -> Result<(), String> {
    let title_n = title.trim().chars().count();
    if title_n == 0 {
        return Err("标题不能为空".into());
    }
    if title_n > MAX_TITLE_CHARS {
        return Err(format!("标题过长:{title_n} 字,最多 {MAX_TITLE_CHARS} 字"));
    }
    if summary.chars().count() > MAX_SUMMARY_CHARS {
        return Err(format!("摘要过长,最多 {MAX_SUMMARY_CHARS} 字"));
    }
    if source.chars().count() > 100 {
        return Err("发布机关或来源过长,最多 100 字".into());
    }
    let n = body_html.chars().count();
    if n > MAX_BODY_CHARS {
        return Err(format!("正文过长:{n} 字符,最多 {MAX_BODY_CHARS} 字符"));
    }
    if crate::html::plain_text(body_html).trim().is_empty() {
        return Err("正文不能为空(清理不安全的标记后没有剩余文字)".into());
    }
    Ok(())
}

/// An attachment type the site accepts, identified by its content (magic bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FileKind {
    Pdf,
    Ofd,
    Docx,
    Xlsx,
    Png,
    Jpeg,
}

impl FileKind {
    pub fn mime(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Ofd => "application/ofd",
            FileKind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            FileKind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileKind::Png => "image/png",
            FileKind::Jpeg => "image/jpeg",
        }
    }
}

/// Identifies an attachment by content and checks that its name's extension agrees.
/// Anything else (executables, HTML, SVG, scripts, archives) is refused.
pub fn sniff_attachment(file_name: &str, bytes: &[u8]) -> Result<FileKind, String> {
    let ext = file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    if bytes.is_empty() {
        return Err(format!("附件“{file_name}”是空文件"));
    }
    let by_content = if bytes.starts_with(b"%PDF-") {
        Some(FileKind::Pdf)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(FileKind::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(FileKind::Jpeg)
    } else if bytes.starts_with(b"PK\x03\x04") {
        // OOXML and OFD are zip containers: the extension picks which.
        match ext.as_str() {
            "docx" => Some(FileKind::Docx),
            "xlsx" => Some(FileKind::Xlsx),
            "ofd" => Some(FileKind::Ofd),
            _ => None,
        }
    } else {
        None
    };
    let allowed = "PDF、OFD、DOCX、XLSX、PNG、JPG";
    let kind = by_content.ok_or_else(|| format!("附件“{file_name}”的类型不允许,只接受 {allowed} 文件"))?;
    let ext_ok = match kind {
        FileKind::Pdf => ext == "pdf",
        FileKind::Png => ext == "png",
        FileKind::Jpeg => ext == "jpg" || ext == "jpeg",
        FileKind::Docx | FileKind::Xlsx | FileKind::Ofd => true,
    };
    if !ext_ok {
        return Err(format!("附件“{file_name}”的扩展名与文件内容不符"));
    }
    Ok(kind)
}

/// A file name safe to store and show: path parts, control characters and quotes removed.
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String =
        base.chars().filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '|' | ':' | '*' | '?')).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    if cleaned.is_empty() {
        "附件".into()
    } else {
        cleaned.chars().take(120).collect()
    }
}

// --- search -----------------------------------------------------------------------------

/// Whether a character belongs to an indexable word run (CJK, letters, digits).
fn is_word(c: char) -> bool {
    c.is_alphanumeric()
}

/// Normalises text for search: full-width ASCII to half-width, lower case. Characters
/// outside word runs become spaces.
pub fn normalize(text: &str) -> String {
    text.chars()
        .map(|c| {
            let c = match c as u32 {
                0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                0x3000 => ' ',
                _ => c,
            };
            let c = c.to_lowercase().next().unwrap_or(c);
            if is_word(c) {
                c
            } else {
                ' '
            }
        })
        .collect()
}

/// The word runs of normalised text.
pub fn runs(normalized: &str) -> impl Iterator<Item = &str> {
    normalized.split(' ').filter(|s| !s.is_empty())
}

/// Every distinct overlapping two-character gram of the text's word runs, sorted.
pub fn bigrams(text: &str) -> Vec<String> {
    let n = normalize(text);
    let mut out: Vec<String> = Vec::new();
    for run in runs(&n) {
        let cs: Vec<char> = run.chars().collect();
        for w in cs.windows(2) {
            out.push(w.iter().collect());
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Longest search query, in characters.
pub const MAX_QUERY_CHARS: usize = 50;

/// A parsed search query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// Normalised word runs; a match contains every one.
    pub terms: Vec<String>,
    /// Grams to look up in the index (empty: every term is one character, so the
    /// bounded substring fallback is used).
    pub grams: Vec<String>,
}

/// Parses a query; `Err` with a Chinese reason when it is empty or too long.
pub fn parse_query(q: &str) -> Result<Query, String> {
    let q = q.trim();
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(format!("检索词过长,最多 {MAX_QUERY_CHARS} 字"));
    }
    let n = normalize(q);
    let mut terms: Vec<String> = runs(&n).map(str::to_string).collect();
    terms.dedup();
    if terms.is_empty() {
        return Err("请输入检索词(至少一个汉字、字母或数字)".into());
    }
    let mut grams: Vec<String> = terms.iter().filter(|t| t.chars().count() >= 2).flat_map(|t| bigrams(t)).collect();
    grams.sort();
    grams.dedup();
    Ok(Query { terms, grams })
}

/// Relevance of a document for a query; `None` when it does not contain every term.
/// Title hits weigh ten times body hits; occurrences are counted up to 20 per term.
pub fn score(query: &Query, title: &str, body: &str) -> Option<i64> {
    let t = normalize(title);
    let b = normalize(body);
    let mut total = 0i64;
    for term in &query.terms {
        let in_title = t.matches(term.as_str()).count().min(20) as i64;
        let in_body = b.matches(term.as_str()).count().min(20) as i64;
        if in_title + in_body == 0 {
            return None;
        }
        total += in_title * 10 + in_body;
    }
    Some(total)
}

/// A short excerpt of `text` around the first occurrence of any term (for result lists).
pub fn snippet(query: &Query, text: &str, width: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    let norm: Vec<char> = normalize(text).chars().collect();
    let norm_s: String = norm.iter().collect();
    let pos = query
        .terms
        .iter()
        .filter_map(|t| norm_s.find(t.as_str()).map(|byte| norm_s[..byte].chars().count()))
        .min()
        .unwrap_or(0);
    let start = pos.saturating_sub(width / 3);
    let end = (start + width).min(chars.len());
    let mut s: String = chars[start..end].iter().collect::<String>().replace('\n', " ");
    if start > 0 {
        s.insert(0, '…');
    }
    if end < chars.len() {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flow_transitions() {
        assert_eq!(Step::Submit.transition(), (Status::Draft, Status::Review));
        assert_eq!(Step::Approve.transition(), (Status::Review, Status::Published));
        assert_eq!(Step::Reject.transition(), (Status::Review, Status::Draft));
        assert_eq!(Step::Withdraw.transition(), (Status::Published, Status::Withdrawn));
        assert!(Step::Withdraw.refusal(Status::Draft).contains("草稿"));
        for s in Section::ALL {
            assert_eq!(Section::parse(s.code()), Some(s));
        }
    }

    #[test]
    fn article_checks() {
        assert!(check_article("", "", "<p>x</p>", "").unwrap_err().contains("标题"));
        assert!(check_article("t", "", "<p> </p>", "").unwrap_err().contains("正文不能为空"));
        assert!(check_article("t", "", &crate::html::sanitize("<script>alert(1)</script>"), "").is_err());
        let long = "字".repeat(MAX_BODY_CHARS + 1);
        assert!(check_article("t", "", &long, "").unwrap_err().contains("正文过长"));
        assert!(check_article(&"题".repeat(201), "", "<p>x</p>", "").unwrap_err().contains("标题过长"));
        assert!(check_article("标题", "", "<p>正文</p>", "区市场监管局").is_ok());
    }

    #[test]
    fn attachments_by_content() {
        assert_eq!(sniff_attachment("a.pdf", b"%PDF-1.7\n...").unwrap(), FileKind::Pdf);
        assert_eq!(sniff_attachment("a.PNG", b"\x89PNG\r\n\x1a\n....").unwrap(), FileKind::Png);
        assert_eq!(sniff_attachment("a.docx", b"PK\x03\x04....").unwrap(), FileKind::Docx);
        assert!(sniff_attachment("a.exe", b"MZ\x90\x00").unwrap_err().contains("类型不允许"));
        assert!(sniff_attachment("a.pdf", b"MZ\x90\x00").unwrap_err().contains("类型不允许"));
        assert!(sniff_attachment("a.html", b"<html><script>").is_err());
        assert!(sniff_attachment("a.svg", b"<svg onload=alert(1)>").is_err());
        assert!(sniff_attachment("a.zip", b"PK\x03\x04").is_err());
        assert!(sniff_attachment("a.png", b"%PDF-1.4").unwrap_err().contains("不符"));
        assert!(sniff_attachment("a.pdf", b"").unwrap_err().contains("空文件"));
        assert_eq!(clean_file_name("../../etc/\"passwd\".pdf"), "passwd.pdf");
        assert_eq!(clean_file_name("C:\\x\\通知.pdf"), "通知.pdf");
        assert_eq!(clean_file_name(".."), "附件");
    }

    #[test]
    fn grams_and_queries() {
        assert_eq!(bigrams("信用修复"), vec!["信用", "修复", "用修"]);
        assert_eq!(bigrams("ＡＢ，信用"), vec!["ab", "信用"]);
        assert!(bigrams("一 二").is_empty());
        let q = parse_query(" 信用 ").unwrap();
        assert_eq!(q.terms, vec!["信用"]);
        assert_eq!(q.grams, vec!["信用"]);
        let one = parse_query("法").unwrap();
        assert!(one.grams.is_empty());
        assert!(parse_query("   ").is_err());
        assert!(parse_query("!!!").is_err());
        assert!(parse_query(&"长".repeat(51)).is_err());
        let q = parse_query("双随机 抽查").unwrap();
        assert_eq!(q.terms, vec!["双随机", "抽查"]);
    }

    #[test]
    fn scoring_and_snippets() {
        let q = parse_query("信用").unwrap();
        assert_eq!(score(&q, "信用修复指南", "办理信用修复"), Some(11));
        assert_eq!(score(&q, "标题", "无关"), None);
        // All grams present but not the phrase: no match.
        let q2 = parse_query("用信").unwrap();
        assert_eq!(score(&q2, "信用", "用 信"), None);
        let s = snippet(&q, &format!("{}信用修复{}", "前".repeat(100), "后".repeat(100)), 30);
        assert!(s.starts_with('…') && s.ends_with('…') && s.contains("信用"));
    }
}
