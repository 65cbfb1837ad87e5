//! Demonstration data for fair-competition review, the duty map, the supervision
//! catalogue, self-declarations and annual reports, and safety self-reports, loaded once
//! into a new demo store (meta key [`META`]). Every record goes through the store's
//! ordinary methods, so it is validated and audited like real work.
//!
//! It runs after the registry's demo (which imports the demonstration registry and item
//! lists); should the registry still be empty, a small deterministic registry
//! ([`DEMO_ENTITIES`] entities of `uscc::demo`) is imported first through the registry's
//! own import batches, because declarations and reports need registered entities. The
//! registry's demo licence items are linked to the demo catalogue (`catalogue_code`).

use chrono::{Datelike, Duration, NaiveDate};
use jianguan_domain::calendar::WorkCalendar;
use jianguan_domain::catalog::{CatalogueInput, ImplementationInput, Reconfirmation};
use jianguan_domain::crypto::FieldCipher;
use jianguan_domain::declaration::{self as decl, DeclarationInput, DeclarationKind};
use jianguan_domain::dutymap::{DutyRole, IssueKind};
use jianguan_domain::fairness::{self as fc, CleanupResult, Conclusion, DraftKind, Finding, ReviewInput};
use jianguan_domain::safety::{self as sf, RiskLevel};
use jianguan_store::catalog::NewRule;
use jianguan_store::declaration::Via;
use jianguan_store::dutymap::{AssignmentInput, NewIssue};
use jianguan_store::fairness::{NewCleanupDoc, NewDraft};
use jianguan_store::registry::{EntityRecord, ImportBatch, NewImportJob};
use jianguan_store::safety::{NewSafetyReport, SealedContact};
use jianguan_store::{Actor, DynStore, Unit};
use serde::Deserialize;
use std::collections::BTreeMap;

type Error = Box<dyn std::error::Error>;

pub const META: &str = "demo_supervision_loaded";
const CATALOGUE_JSON: &str = include_str!("../../../data-seed/catalog/demo_catalogue.json");
/// Entities imported when the registry is empty.
pub const DEMO_ENTITIES: usize = 240;
const DEMO_SEED: u64 = 20_210_923;
/// Entities given an annual-report history in the demo (most file, some do not).
const DEMO_ANNUAL_CAP: usize = 20_000;

#[derive(Deserialize)]
struct Catalogue {
    items: Vec<DemoItem>,
}

#[derive(Deserialize)]
struct DemoItem {
    code: String,
    name: String,
    sector: String,
    basis: String,
    assignments: Vec<(String, String)>,
}

fn beijing_today() -> NaiveDate {
    (chrono::Utc::now() + Duration::hours(8)).date_naive()
}

struct Org(Vec<Unit>);

impl Org {
    fn id(&self, code: &str) -> Result<i64, Error> {
        Ok(self.0.iter().find(|u| u.code == code).ok_or_else(|| format!("部门 {code} 缺失"))?.id)
    }
    /// A demo actor working for a department.
    fn actor(&self, code: &str) -> Result<Actor, Error> {
        Ok(Actor {
            name: format!("演示数据@{code}"),
            role: "dept_staff".into(),
            account_id: None,
            department_id: Some(self.id(code)?),
        })
    }
}

/// Loads everything once; does nothing when already loaded. A failure part-way is
/// reported and not retried (the demo is best effort and never blocks the server).
pub async fn load(store: &DynStore, cipher: &FieldCipher) -> Result<(), Error> {
    if store.get_meta(META).await?.is_some() {
        return Ok(());
    }
    if let Err(e) = load_all(store, cipher).await {
        eprintln!("警告:演示数据(公平竞争审查、职责图谱、监管事项、自我声明、安全生产风险报告)未能完整加载:{e}");
    }
    store.set_meta(&Actor::system(), META, "1").await?;
    Ok(())
}

async fn load_all(store: &DynStore, cipher: &FieldCipher) -> Result<(), Error> {
    let org = Org(store.list_units().await?);
    let entities = ensure_entities(store, cipher).await?;
    duty_map_and_catalogue(store, &org).await?;
    fairness(store, &org).await?;
    declarations(store, &org, &entities).await?;
    safety(store, &org, cipher, &entities).await?;
    Ok(())
}

/// The active entities to use: `(uscc, name)`, importing the demo registry if empty.
async fn ensure_entities(
    store: &DynStore,
    cipher: &FieldCipher,
) -> Result<Vec<(String, String, Option<NaiveDate>)>, Error> {
    if store.entity_count().await? == 0 {
        let a = Actor::system();
        let records: Vec<EntityRecord> = jianguan_domain::uscc::demo::generate(DEMO_ENTITIES, DEMO_SEED)
            .map(|e| {
                let (sealed, index, masked) = jianguan_web::import::entities::seal_person(cipher, &e.legal_rep);
                let row_hash = jianguan_domain::crypto::sha256_hex(
                    format!("demo|{}|{}|{index}|{}", e.uscc, e.name, e.status).as_bytes(),
                );
                EntityRecord {
                    uscc: e.uscc,
                    name: e.name,
                    kind: e.kind,
                    legal_rep_sealed: sealed,
                    legal_rep_index: index,
                    legal_rep_masked: masked,
                    address: e.address,
                    division: e.division,
                    industry: e.industry,
                    industry_name: e.industry_name,
                    registered_on: Some(e.registered_on),
                    status: e.status,
                    tags: e.tags,
                    legacy_warning: if e.legacy {
                        "统一社会信用代码未通过校验,按存量代码接收".into()
                    } else {
                        String::new()
                    },
                    legacy: e.legacy,
                    row_hash,
                }
            })
            .collect();
        let job = store
            .import_begin(
                &a,
                &NewImportJob {
                    kind: "entities".into(),
                    file_name: "演示检查对象名录库".into(),
                    file_sha256: format!("demo-registry-{DEMO_SEED}-{DEMO_ENTITIES}"),
                    file_bytes: 0,
                    options: "{}".into(),
                    department_id: None,
                },
            )
            .await?;
        let rows = records.len() as i64;
        store
            .import_batch(
                &a,
                &ImportBatch { job_id: job.id, start_row: 0, rows, bytes_to: 0, records, ..Default::default() },
            )
            .await?;
        store.import_finish(&a, job.id, None).await?;
    }
    // Up to DEMO_ANNUAL_CAP active entities, page by page.
    let mut out = Vec::new();
    let mut offset = 0;
    while out.len() < DEMO_ANNUAL_CAP {
        let page = store
            .entity_search(&jianguan_store::registry::EntityFilter { limit: 1000, offset, ..Default::default() })
            .await?;
        if page.rows.is_empty() {
            break;
        }
        offset += page.rows.len() as i64;
        out.extend(
            page.rows
                .into_iter()
                .filter(|e| {
                    jianguan_store::declaration::ACTIVE_STATUSES.contains(&e.rec.status.as_str()) && !e.rec.legacy
                })
                .map(|e| (e.rec.uscc, e.rec.name, e.rec.registered_on)),
        );
    }
    out.truncate(DEMO_ANNUAL_CAP);
    Ok(out)
}

async fn duty_map_and_catalogue(store: &DynStore, org: &Org) -> Result<(), Error> {
    let cat: Catalogue = serde_json::from_str(CATALOGUE_JSON)?;
    let wx = org.actor("wxb")?;
    let bb = org.actor("bb")?;
    let mut ids = BTreeMap::new();
    for i in &cat.items {
        let item = store
            .sup_item_create(
                &wx,
                &CatalogueInput {
                    code: i.code.clone(),
                    name: i.name.clone(),
                    sub_name: String::new(),
                    basis: i.basis.clone(),
                    sector: i.sector.clone(),
                    active: true,
                },
            )
            .await?;
        ids.insert(i.code.clone(), item.id);
        if !i.assignments.is_empty() {
            let mut a = Vec::new();
            for (code, role) in &i.assignments {
                let role = DutyRole::from_code(role).ok_or("职责角色错误")?;
                a.push(AssignmentInput {
                    department_id: org.id(code)?, role, basis: "部门“三定”规定".into()
                });
            }
            store.duty_set(&bb, item.id, &a, "按各部门“三定”规定录入").await?;
        }
    }
    let id = |code: &str| ids.get(code).copied().ok_or_else(|| format!("事项 {code} 缺失"));
    // A dispute raised by 区市场监管局 about after-school training.
    store
        .duty_issue_raise(
            &org.actor("scjgj")?,
            &NewIssue {
                item_id: id("11120104017000")?,
                kind: IssueKind::Dispute,
                department_id: org.id("scjgj")?,
                departments: vec![org.id("jyj")?],
                description: "校外培训机构的办学行为由教育部门主管,本局仅负责其收费公示和广告行为的监管,建议明确区教育局为主责部门。".into(),
            },
        )
        .await?;
    // Gaps and overlaps are left for the first scheduled scan, which notifies 区委编办.

    // The registry's demo licence items point at their supervision items.
    for (item_code, catalogue) in [
        ("NK-XK-001", "11120104001000"),
        ("NK-XK-003", "11120104003000"),
        ("NK-XK-004", "11120104004000"),
        ("NK-XK-005", "11120104005000"),
        ("NK-XK-006", "11120104006000"),
        ("NK-XK-007", "11120104007000"),
    ] {
        if let Some(item) = store.item_by_code(item_code).await? {
            if item.input.catalogue_code.is_none() {
                let mut input = item.input.clone();
                input.catalogue_code = Some(catalogue.into());
                store.item_update(&wx, item.id, &input, item.version).await?;
            }
        }
    }

    // Claims and implementation lists.
    let claims: &[(&str, &[&str])] = &[
        ("scjgj", &["11120104001000", "11120104002000", "11120104003000", "11120104005000", "11120104015000"]),
        ("wjw", &["11120104006000", "11120104007000"]),
        ("yjj", &["11120104008000"]),
    ];
    for (dept, codes) in claims {
        let actor = org.actor(dept)?;
        for code in *codes {
            let c = store.claim(&actor, id(code)?, org.id(dept)?).await?;
            if *code == "11120104003000" {
                continue; // claimed, list not yet filled
            }
            let name = &cat.items.iter().find(|i| i.code == *code).ok_or("事项缺失")?;
            let unit = org.0.iter().find(|u| u.code == *dept).ok_or("部门缺失")?;
            store
                .implementation_save(
                    &actor,
                    c.id,
                    unit.id,
                    &ImplementationInput {
                        basis: name.basis.clone(),
                        content: format!(
                            "{}:许可(备案)条件保持情况、主体责任落实情况、日常管理制度执行情况",
                            name.name.trim_start_matches('对').trim_end_matches("的监督检查")
                        ),
                        method: "现场检查".into(),
                        object: format!("辖区内{}领域的市场主体", name.sector),
                        body: unit.name.clone(),
                        frequency: "按“双随机、一公开”年度抽查计划,重点监管对象每年不少于1次".into(),
                        handling: "发现问题责令限期改正;涉嫌违法的依法立案查处".into(),
                    },
                    0,
                )
                .await?;
        }
    }
    let sc = org.actor("scjgj")?;
    let scjgj = org.id("scjgj")?;
    let food = id("11120104001000")?;
    for (text, note) in [
        ("第一条 为规范食品经营监督检查,依据《中华人民共和国食品安全法》和《食品生产经营监督检查管理办法》,制定本细则。\n第二条 监督检查按照“双随机、一公开”方式实施,重点监管对象全覆盖。\n第三条 检查内容包括经营条件、进货查验、贮存条件、从业人员健康管理等。", ""),
        ("第一条 为规范食品经营监督检查,依据《中华人民共和国食品安全法》和《食品生产经营监督检查管理办法》,制定本细则。\n第二条 监督检查按照“双随机、一公开”方式实施,重点监管对象全覆盖。\n第三条 检查内容包括经营条件、进货查验、贮存条件、从业人员健康管理等。\n第四条 对信用风险分类为D类的经营者,提高抽查比例和频次。", "增加第四条:按信用风险分类确定抽查比例"),
    ] {
        store
            .rule_publish(
                &sc,
                &NewRule {
                    item_id: food,
                    department_id: scjgj,
                    title: "南开区食品经营事中事后监管标准化实施细则".into(),
                    body: text.into(),
                    attachment: None,
                    effective_on: NaiveDate::from_ymd_opt(2022, 1, 1).expect("date"),
                    change_note: note.into(),
                },
            )
            .await?;
    }
    store
        .reconfirm(
            &org.actor("wxb")?,
            id("11120104013000")?,
            Reconfirmation::Assign,
            Some(org.id("swuj")?),
            "单用途商业预付卡属商务部门监管职责,请区商务局认领",
        )
        .await?;
    Ok(())
}

fn review(version: &str, violate: Option<(&str, &str)>, conclusion: Conclusion, reasoning: &str) -> ReviewInput {
    let list = fc::checklist(version).expect("version");
    let mut findings = BTreeMap::new();
    let mut notes = BTreeMap::new();
    for (_, s) in list.standards() {
        findings.insert(s.code.clone(), Finding::NotInvolved);
    }
    for code in ["A4", "C2"] {
        if findings.contains_key(code) {
            findings.insert(code.into(), Finding::Complies);
        }
    }
    if let Some((code, note)) = violate {
        findings.insert(code.into(), Finding::Violates);
        notes.insert(code.into(), note.into());
    }
    ReviewInput {
        version: version.into(),
        findings,
        notes,
        conclusion,
        exception: None,
        reasoning: reasoning.into(),
        term: String::new(),
    }
}

async fn fairness(store: &DynStore, org: &Org) -> Result<(), Error> {
    let today = beijing_today();
    let version = fc::in_force(today).version.clone();
    let draft = |dept: &str, title: &str, kind: DraftKind, summary: &str| -> Result<NewDraft, Error> {
        Ok(NewDraft {
            department_id: org.id(dept)?,
            standards_version: version.clone(),
            title: title.into(),
            kind,
            summary: summary.into(),
            attachment: None,
        })
    };
    let swuj = org.actor("swuj")?;
    let d = store
        .fc_draft_create(
            &swuj,
            &draft(
                "swuj",
                "南开区促进夜间经济发展的若干措施",
                DraftKind::Normative,
                "对在指定街区开设夜间经营门店的企业给予房租补贴;夜市摊位由区商务局指定的运营企业统一管理。",
            )?,
        )
        .await?;
    let d = store
        .fc_review(
            &swuj,
            d.id,
            &review(
                &version,
                Some(("A3", "第六条“夜市摊位由指定运营企业统一管理”,限定了经营者。")),
                Conclusion::AdjustThenIssue,
                "删除第六条中“指定的运营企业”的表述,改为公开招标确定运营方。",
            ),
            d.version,
        )
        .await?;
    store
        .fc_record_outcome(
            &swuj,
            d.id,
            jianguan_domain::fairness::Outcome::Issued,
            "南开商务发〔2025〕6号",
            Some(today - Duration::days(30)),
        )
        .await?;

    let fgw = org.actor("fgw")?;
    let d = store
        .fc_draft_create(
            &fgw,
            &draft(
                "fgw",
                "南开区支持总部经济发展的实施办法(草案)",
                DraftKind::GovernmentMajor,
                "对新落户的总部企业按其地方财力贡献给予奖励;总部企业参与政府采购的给予加分。",
            )?,
        )
        .await?;
    let d = store
        .fc_review(
            &fgw,
            d.id,
            &review(
                &version,
                Some(("C2", "第八条按地方财力贡献给予奖励,属给予特定经营者选择性奖励。")),
                Conclusion::AdjustThenIssue,
                "第八条改为按统一标准给予落户奖励,删除政府采购加分条款。",
            ),
            d.version,
        )
        .await?;
    store.fc_request_joint(&fgw, d.id, "拟以区政府名义出台,请区市场监管局会审。").await?;

    store
        .fc_draft_create(
            &org.actor("jyj")?,
            &draft(
                "jyj",
                "南开区校外培训机构预收费资金监管办法(征求意见稿)",
                DraftKind::Normative,
                "校外培训机构预收费应存入区教育局指定银行的监管账户。",
            )?,
        )
        .await?;

    let bureau = org.actor("scjgj")?;
    let old = store
        .fc_cleanup_create(
            &bureau,
            "存量规章和规范性文件公平竞争审查清理",
            "2021年12月底前现行有效的、涉及市场主体经济活动的规范性文件和其他政策措施",
            NaiveDate::from_ymd_opt(2021, 12, 31).expect("date"),
            &[org.id("jyj")?, org.id("wjw")?, org.id("swuj")?],
        )
        .await?;
    let docs: &[(&str, &str, &str, CleanupResult, &str)] = &[
        (
            "jyj",
            "南开区校外培训机构教材采购管理办法",
            "南开教发〔2018〕12号",
            CleanupResult::Repeal,
            "要求培训机构从指定供应商采购教材,限定了经营者。",
        ),
        ("jyj", "南开区民办学校年检办法", "南开教发〔2019〕3号", CleanupResult::Retain, ""),
        (
            "wjw",
            "南开区医疗机构设置规划实施细则",
            "南开卫健发〔2017〕8号",
            CleanupResult::Amend,
            "对外地医疗机构在本区设置分支机构规定了额外条件,已修订删除。",
        ),
    ];
    for (dept, title, no, result, reason) in docs {
        store
            .fc_cleanup_record(
                &org.actor(dept)?,
                old.id,
                org.id(dept)?,
                &NewCleanupDoc {
                    title: (*title).into(),
                    doc_no: (*no).into(),
                    issued_on: None,
                    result: *result,
                    reason: (*reason).into(),
                },
            )
            .await?;
    }
    store
        .fc_cleanup_submit(&org.actor("jyj")?, old.id, org.id("jyj")?, "清理规范性文件2件,废止1件,继续有效1件。")
        .await?;
    store.fc_cleanup_submit(&org.actor("wjw")?, old.id, org.id("wjw")?, "清理规范性文件1件,修订1件。").await?;
    let year = today.year();
    store
        .fc_cleanup_create(
            &bureau,
            &format!("{year}年度规范性文件定期清理"),
            "本部门制定的现行有效规范性文件,重点清理排除、限制竞争的内容",
            today + Duration::days(40),
            &[org.id("scjgj")?, org.id("swuj")?, org.id("fgw")?, org.id("jyj")?, org.id("wjw")?],
        )
        .await?;
    Ok(())
}

async fn declarations(
    store: &DynStore,
    org: &Org,
    entities: &[(String, String, Option<NaiveDate>)],
) -> Result<(), Error> {
    let sc = org.actor("scjgj")?;
    let scjgj = org.id("scjgj")?;
    let samples = [
        (
            DeclarationKind::Standard,
            "速冻水饺",
            "Q/NKSP 0001S-2025",
            "速冻水饺企业标准",
            "执行标准高于 GB 19295-2021:菌落总数 ≤ 5×10⁴ CFU/g;过氧化值(以脂肪计)≤ 0.20 g/100g。",
        ),
        (
            DeclarationKind::Standard,
            "家用燃气灶具",
            "Q/NKRJ 0002-2024",
            "家用燃气灶具企业标准",
            "热效率 ≥ 63%(高于 GB 16410-2020 规定的 ≥ 55%);熄火保护装置开阀时间 ≤ 10 s。",
        ),
        (
            DeclarationKind::ServiceCommitment,
            "家电维修服务",
            "",
            "家电维修服务质量承诺",
            "上门服务 24 小时内响应;维修后保修 90 天;明码标价,不收取未告知的费用。",
        ),
    ];
    for ((kind, subject, no, title, content), (uscc, _, _)) in samples.iter().zip(entities.iter()) {
        store
            .declaration_submit(
                &sc,
                uscc,
                &DeclarationInput {
                    kind: *kind,
                    subject: (*subject).into(),
                    standard_no: (*no).into(),
                    title: (*title).into(),
                    content: (*content).into(),
                },
                None,
                &Via::Staff { department_id: scjgj },
            )
            .await?;
    }
    // Annual reports of the last closed year: most on time, some late, some missing.
    let today = beijing_today();
    let year = decl::last_closed_year(today);
    let (start, end) = decl::annual_window(year);
    let mut rows = Vec::new();
    for (i, (uscc, _, registered)) in entities.iter().enumerate() {
        if registered.is_some_and(|r| r.year() > year) || i % 9 == 4 {
            continue;
        }
        let filed = if i % 13 == 7 {
            (end + Duration::days(20)).min(today)
        } else {
            start + Duration::days((i as i64 * 7) % 170)
        };
        rows.push((uscc.clone(), year, filed.min(today)));
    }
    store.annual_reports_import(&sc, &rows, "演示数据").await?;
    Ok(())
}

async fn safety(
    store: &DynStore,
    org: &Org,
    cipher: &FieldCipher,
    entities: &[(String, String, Option<NaiveDate>)],
) -> Result<(), Error> {
    let today = beijing_today();
    let cal = WorkCalendar::builtin();
    let group = org.0.iter().find(|u| u.code == sf::SAFETY_GROUP).ok_or("部门组缺失")?;
    let members: Vec<String> = org.0.iter().filter(|u| group.members.contains(&u.id)).map(|u| u.code.clone()).collect();
    let seal = |s: &str| {
        let mut iv = [0u8; 16];
        getrandom::getrandom(&mut iv).expect("random");
        cipher.encrypt(s, iv)
    };
    let reports = [
        (
            4usize,
            "gas",
            RiskLevel::Major,
            "后厨燃气管道间",
            "燃气管道接口锈蚀,检测有微量泄漏。",
            "已关闭燃气总阀,暂停使用明火,已联系燃气公司更换管道。",
            "yjj",
            "刘建国",
            "13920001234",
        ),
        (
            5,
            "special_equipment",
            RiskLevel::General,
            "一号楼客梯",
            "电梯年度检验报告即将到期。",
            "已向检验机构申请定期检验。",
            "scjgj",
            "赵敏",
            "13820005678",
        ),
    ];
    for (i, category, level, location, description, measures, by, name, phone) in reports {
        let Some((uscc, _, _)) = entities.get(i) else { continue };
        let cat = sf::category(category).ok_or("类别缺失")?;
        let due = sf::ack_due(&cal, today, level);
        let mut routes = Vec::new();
        for code in sf::route(cat, level, &members) {
            routes.push((org.id(code)?, due));
        }
        store
            .safety_submit(
                &org.actor(by)?,
                &NewSafetyReport {
                    uscc: uscc.clone(),
                    category: category.into(),
                    level,
                    location: location.into(),
                    description: description.into(),
                    measures: measures.into(),
                    contact: SealedContact {
                        name_sealed: seal(name),
                        name_masked: jianguan_domain::mask::person_name(name),
                        phone_sealed: seal(phone),
                        phone_masked: jianguan_domain::mask::phone(phone),
                    },
                    submitted_on: today,
                    routes,
                },
                &Via::Staff { department_id: org.id(by)? },
            )
            .await?;
    }
    if let Some((uscc, _, _)) = entities.get(6) {
        store
            .safety_obligation_set(
                &org.actor("scjgj")?,
                uscc,
                org.id("scjgj")?,
                90,
                today - Duration::days(120),
                "特种设备使用单位,每季度报告一次",
            )
            .await?;
    }
    Ok(())
}
