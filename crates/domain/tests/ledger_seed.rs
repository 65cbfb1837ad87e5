//! The built-in ledgers against the seed document 南开政发〔2021〕8号.

use std::collections::BTreeSet;

use jianguan_domain::deadline::DeadlineKind;
use jianguan_domain::ledger::{builtin_annexes, split_units, unit_key, Annex, LedgerRow};

fn seed() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/seed/000_6df25f2814d2909c.txt"))
        .expect("seed document readable")
}

fn annexes() -> (Annex, Annex) {
    let mut v = builtin_annexes();
    assert_eq!(v.len(), 2);
    let a2 = v.pop().unwrap();
    let a1 = v.pop().unwrap();
    assert_eq!((a1.number, a2.number), (1, 2));
    (a1, a2)
}

fn all_rows() -> Vec<LedgerRow> {
    let (a1, a2) = annexes();
    a1.rows.into_iter().chain(a2.rows).collect()
}

#[test]
fn row_counts() {
    let (a1, a2) = annexes();
    let seqs = |a: &Annex| a.rows.iter().map(|r| r.seq).collect::<BTreeSet<_>>();
    assert_eq!(seqs(&a1), (1..=37).collect());
    assert_eq!(a1.rows.len(), 37);
    assert_eq!(seqs(&a2), (1..=13).collect());
    assert_eq!(a2.rows.len(), 14);
    assert_eq!((a1.task_count(), a2.task_count()), (37, 13));
    a1.validate().unwrap();
    a2.validate().unwrap();
}

#[test]
fn titles_as_in_the_seed() {
    let seed = seed();
    let lines: Vec<&str> = seed.lines().collect();
    let (a1, a2) = annexes();
    for (annex, marker) in [(&a1, "附件1"), (&a2, "附件2")] {
        let at = lines.iter().position(|l| *l == marker).unwrap();
        assert_eq!(annex.title, format!("{}{}", lines[at + 1], lines[at + 2]));
    }
    // The notice's 附件 list names them in short form.
    assert!(seed.contains(&format!("1.{}", a1.short_title())));
    assert!(seed.contains(&format!("2.{}", a2.short_title())));
}

#[test]
fn cells_occur_verbatim_in_the_seed() {
    let seed = seed();
    for r in all_rows() {
        assert!(!r.measures.is_empty(), "{}", r.label());
        assert!(seed.contains(&r.measures), "measures of {}", r.label());
        for (name, cell) in [
            ("task", &r.task),
            ("lead_text", &r.lead_text),
            ("responsible_text", &r.responsible_text),
            ("deadline_text", &r.deadline_text),
        ] {
            assert!(seed.contains(cell.as_str()), "{name} of {}", r.label());
        }
        for cell in [&r.section, &r.item].into_iter().flatten() {
            assert!(seed.contains(cell.as_str()), "{cell} of {}", r.label());
        }
    }
}

#[test]
fn every_measures_cell_of_the_seed_is_in_a_ledger() {
    // Distinct measures: no row was dropped or duplicated.
    let rows = all_rows();
    let distinct: BTreeSet<&str> = rows.iter().map(|r| r.measures.as_str()).collect();
    assert_eq!(distinct.len(), 51);
}

#[test]
fn deadlines_parse() {
    for r in all_rows() {
        let deadline = r.deadline();
        assert_eq!(deadline.text, r.deadline_text);
        if r.deadline_text.is_empty() {
            assert_eq!(deadline.kind, DeadlineKind::Missing, "{}", r.label());
        } else {
            assert_ne!(deadline.kind, DeadlineKind::Unparsed, "{}", r.label());
            assert!(!deadline.is_flagged());
        }
    }
    let (a1, _) = annexes();
    let missing: Vec<u32> =
        a1.rows.iter().filter(|r| r.deadline().kind == DeadlineKind::Missing).map(|r| r.seq).collect();
    assert_eq!(missing, [6]);
    let row14 = a1.row(14, None).unwrap().deadline();
    assert_eq!(row14.note.as_deref(), Some("完成对存量文件的清理任务"));
}

#[test]
fn units_are_named_and_split() {
    for r in all_rows() {
        assert!(!r.lead_units.is_empty(), "{}", r.label());
        for unit in r.lead_units.iter().chain(&r.responsible_units) {
            assert!(!unit.trim().is_empty(), "{}", r.label());
            assert_eq!(unit.trim(), unit);
            assert!(!unit_key(unit).is_empty());
        }
        assert_eq!(r.lead_units, split_units(&r.lead_text), "{}", r.label());
        assert_eq!(r.responsible_units, split_units(&r.responsible_text), "{}", r.label());
    }
    let (a1, a2) = annexes();
    let row = |a: &Annex, seq| a.row(seq, None).unwrap().clone();
    assert_eq!(row(&a1, 15).responsible_units, ["区委编办", "区相关部门"]);
    assert_eq!(row(&a1, 15).responsible_text, "区委编办等区相关部门");
    assert_eq!(row(&a1, 35).lead_units, ["区司法局", "区委编办"]);
    assert_eq!(unit_key(&row(&a1, 18).lead_units[0]), "区发展改革委");
    // 附件2: the 对口承接任务单位 column is held as lead units.
    for r in &a2.rows {
        assert!(r.responsible_units.is_empty() && r.responsible_text.is_empty());
        assert!(!r.units_merged);
    }
    assert_eq!(row(&a2, 8).lead_units, ["区各负有安全生产监管职责的部门", "区市场监管局", "区卫生健康委", "区税务局"]);
    // 附件1 rows with a single unit cell.
    let merged: Vec<u32> = a1.rows.iter().filter(|r| r.units_merged).map(|r| r.seq).collect();
    assert_eq!(merged, [1, 2, 4, 6, 7, 8, 10, 12, 13, 24, 25, 29, 30, 33]);
    for r in &a1.rows {
        assert_eq!(r.units_merged, r.responsible_text.is_empty(), "{}", r.seq);
    }
}

#[test]
fn hierarchy_of_annex_1() {
    let (a1, _) = annexes();
    let r = |seq| a1.row(seq, None).unwrap();
    for seq in 1..=8 {
        assert_eq!(r(seq).chapter, "一、夯实监管责任");
        assert_eq!(r(seq).section.as_deref(), Some("(一)厘清监管事权"));
        assert_eq!(r(seq).item.as_deref(), Some("1.落实“谁主管、谁监管”原则"));
        assert_eq!(r(seq).task, "1.落实“谁主管、谁监管”原则");
    }
    for seq in 9..=10 {
        assert_eq!(r(seq).item.as_deref(), Some("2.加强审管衔接"));
    }
    for seq in 11..=12 {
        assert_eq!(r(seq).chapter, "二、制定监管细则和计划任务");
        assert_eq!(r(seq).section.as_deref(), Some("(一)制定监管计划任务"));
        assert_eq!(r(seq).item, None);
        assert_eq!(r(seq).task, "(一)制定监管计划任务");
        assert!(r(seq).note.as_deref().unwrap().contains("章节单元格为空"));
    }
    let chapters: Vec<(u32, &str)> = [
        (13, "三、健全监管规则和标准"),
        (14, "三、健全监管规则和标准"),
        (15, "四、创新和完善监管方式"),
        (25, "四、创新和完善监管方式"),
        (26, "五、构建协同监管格局"),
        (33, "五、构建协同监管格局"),
        (34, "六、提升监管规范性和透明度"),
        (37, "六、提升监管规范性和透明度"),
    ]
    .to_vec();
    for (seq, chapter) in chapters {
        assert_eq!(r(seq).chapter, chapter, "{seq}");
    }
    assert_eq!(r(16).section.as_deref(), Some("(一)深入推进“互联网+监管”"));
    assert_eq!(r(22).section.as_deref(), Some("(二)提升信用监管效能"));
    assert_eq!(r(25).section.as_deref(), Some("(四)建立重点监管机制"));
    assert_eq!(r(33).section.as_deref(), Some("(三)发挥社会监督作用"));
    assert_eq!(r(37).section.as_deref(), Some("(二)全面推进监管执法公开"));
    // Tasks are the most specific heading.
    for row in &a1.rows {
        let expected = row.item.as_ref().or(row.section.as_ref()).unwrap_or(&row.chapter);
        assert_eq!(&row.task, expected);
    }
    // Several numbered measures stay in one cell as written.
    assert!(r(8).measures.starts_with("1.区审批许可部门承接下放审批权的事项; 2."));
}

#[test]
fn hierarchy_of_annex_2() {
    let (_, a2) = annexes();
    let subs: Vec<&LedgerRow> = a2.rows.iter().filter(|r| r.seq == 4).collect();
    assert_eq!(subs.len(), 2);
    assert_eq!((subs[0].sub, subs[1].sub), (Some(1), Some(2)));
    assert_eq!(subs[0].task, "建立市场主体信用记录和信用查询服务。");
    assert_eq!(subs[1].task, "建立健全信用修复、异议申诉等机制。");
    assert_eq!(subs[1].measures, "开展信用修复培训,建立针对行政处罚信用信息的初审、复审和终审三级修复审核机制。");
    assert_eq!(subs[1].lead_units, ["区发展改革委", "区相关部门"]);
    for s in &subs {
        assert_eq!(s.chapter, "四、创新和完善监管方式");
        assert_eq!(s.section.as_deref(), Some("(一)提升信用监管效能"));
    }
    assert_eq!(a2.rows.iter().filter(|r| r.sub.is_some()).count(), 2);
    let r = |seq| a2.row(seq, None).unwrap();
    assert_eq!(r(1).task, "明确监管对象和范围");
    assert_eq!(r(2).chapter, "二、制定监管细则和计划任务");
    assert_eq!(r(9).section.as_deref(), Some("(一)强化市场主体责任"));
    assert_eq!(r(13).chapter, "六、提升监管规范性和透明度");
    assert_eq!(r(7).deadline_text, "持续推进");
}

#[test]
fn json_round_trip() {
    for annex in builtin_annexes() {
        let json = serde_json::to_string(&annex).unwrap();
        let back: Annex = serde_json::from_str(&json).unwrap();
        assert_eq!(back, annex);
    }
}
