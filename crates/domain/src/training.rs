//! Training and knowledge contests (正文四 强化业务培训): question checks, test scoring
//! and the hours a record counts.

use serde::{Deserialize, Serialize};

/// Kind of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionKind {
    /// 业务培训.
    Training,
    /// 知识竞赛.
    Contest,
}

impl SessionKind {
    pub fn code(self) -> &'static str {
        match self {
            SessionKind::Training => "training",
            SessionKind::Contest => "contest",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            SessionKind::Training => "业务培训",
            SessionKind::Contest => "知识竞赛",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "training" => Some(SessionKind::Training),
            "contest" => Some(SessionKind::Contest),
            _ => None,
        }
    }
}

pub const MIN_OPTIONS: usize = 2;
pub const MAX_OPTIONS: usize = 6;
pub const MAX_QUESTIONS_PER_TEST: usize = 100;

/// Checks a single-choice question: stem, 2–6 distinct non-empty options, the index of
/// the correct one.
pub fn check_question(stem: &str, options: &[String], answer: usize) -> Result<(), String> {
    let n = stem.trim().chars().count();
    if n == 0 || n > 500 {
        return Err("题干不能为空,最多500字".into());
    }
    if options.len() < MIN_OPTIONS || options.len() > MAX_OPTIONS {
        return Err(format!("选项应为 {MIN_OPTIONS} 至 {MAX_OPTIONS} 个"));
    }
    if options.iter().any(|o| o.trim().is_empty() || o.chars().count() > 200) {
        return Err("选项不能为空,每项最多200字".into());
    }
    let mut seen: Vec<&str> = options.iter().map(|o| o.trim()).collect();
    seen.sort();
    seen.dedup();
    if seen.len() != options.len() {
        return Err("选项不能重复".into());
    }
    if answer >= options.len() {
        return Err("正确答案须是其中一个选项".into());
    }
    Ok(())
}

/// Option letter for an index (`A`…`F`).
pub fn letter(i: usize) -> char {
    (b'A' + (i as u8).min(25)) as char
}

/// The result of a test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    pub correct: i64,
    pub total: i64,
    /// Points out of 100, rounded half up.
    pub points: i64,
    pub passed: bool,
}

/// Scores answers against the key. Every question must be answered exactly once with a
/// valid option index (`options[i]` is the option count of question `i`).
pub fn score(key: &[usize], options: &[usize], answers: &[Option<usize>], pass_mark: i64) -> Result<Score, String> {
    if answers.len() != key.len() {
        return Err(format!("答卷题数不符:应答 {} 题,提交了 {} 题", key.len(), answers.len()));
    }
    let mut correct = 0i64;
    for (i, a) in answers.iter().enumerate() {
        let a = a.ok_or_else(|| format!("第 {} 题未作答", i + 1))?;
        if a >= options[i] {
            return Err(format!("第 {} 题的答案不是有效选项", i + 1));
        }
        if a == key[i] {
            correct += 1;
        }
    }
    let total = key.len() as i64;
    let points = if total == 0 { 0 } else { (correct * 200 + total) / (2 * total) };
    Ok(Score { correct, total, points, passed: points >= pass_mark })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions() {
        let o = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(check_question("题", &o(&["甲", "乙"]), 1).is_ok());
        assert!(check_question("", &o(&["甲", "乙"]), 0).is_err());
        assert!(check_question("题", &o(&["甲"]), 0).is_err());
        assert!(check_question("题", &o(&["甲", "甲"]), 0).unwrap_err().contains("重复"));
        assert!(check_question("题", &o(&["甲", "乙"]), 2).is_err());
        assert_eq!(letter(0), 'A');
        assert_eq!(letter(5), 'F');
    }

    #[test]
    fn scoring() {
        let s = score(&[0, 1, 2], &[3, 3, 3], &[Some(0), Some(1), Some(0)], 60).unwrap();
        assert_eq!(s, Score { correct: 2, total: 3, points: 67, passed: true });
        let s = score(&[0, 1], &[2, 2], &[Some(1), Some(0)], 60).unwrap();
        assert_eq!((s.points, s.passed), (0, false));
        assert!(score(&[0, 1], &[2, 2], &[Some(0)], 60).unwrap_err().contains("题数"));
        assert!(score(&[0, 1], &[2, 2], &[Some(0), None], 60).unwrap_err().contains("第 2 题未作答"));
        assert!(score(&[0], &[2], &[Some(5)], 60).unwrap_err().contains("有效选项"));
        // 1 of 8 = 12.5 → 13.
        let s = score(&[0; 8], &[2; 8], &[Some(0), Some(1), Some(1), Some(1), Some(1), Some(1), Some(1), Some(1)], 60)
            .unwrap();
        assert_eq!(s.points, 13);
    }
}
