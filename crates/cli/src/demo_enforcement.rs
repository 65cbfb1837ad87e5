//! Demonstration data for enforcement, loaded once into a new demo store (meta key
//! [`META`]) through the store's ordinary methods: discretion benchmarks and exemption
//! lists, inspections (also those imported from the demo draws), penalties at every stage
//! (published, decided and overdue for publicity, out of band waiting for a second
//! approval, major waiting for legal review), a coercive measure, graded responses.

use chrono::{Duration, NaiveDate};
use jianguan_domain::calendar::WorkCalendar;
use jianguan_domain::config::EnforcementSettings;
use jianguan_domain::enforcement::benchmark::{parse_band, Benchmark, Circumstance, ExemptionKind};
use jianguan_domain::enforcement::response::{check_response, Measure, ResponseInput};
use jianguan_domain::enforcement::{self as en, PenaltyKind};
use jianguan_store::enforcement::{CaseDetail, NewCase};
use jianguan_store::registry::EntityFilter;
use jianguan_store::{Actor, DynStore};

type Error = Box<dyn std::error::Error>;

pub const META: &str = "demo_enforcement_loaded";

pub async fn load(store: &DynStore, settings: &EnforcementSettings) -> Result<(), Error> {
    if store.get_meta(META).await?.is_some() {
        return Ok(());
    }
    if let Err(e) = load_all(store, settings).await {
        eprintln!("警告:演示数据(行政执法)未能完整加载:{e}");
    }
    store.set_meta(&Actor::system(), META, "1").await?;
    Ok(())
}

fn actor(name: &str, dept: i64) -> Actor {
    Actor { name: name.into(), role: "inspector".into(), account_id: None, department_id: Some(dept) }
}

async fn load_all(store: &DynStore, settings: &EnforcementSettings) -> Result<(), Error> {
    let units = store.list_units().await?;
    let unit = |code: &str| {
        units
            .iter()
            .find(|u| u.code == code)
            .map(|u| (u.id, u.name.clone()))
            .ok_or_else(|| format!("部门 {code} 不存在"))
    };
    let (scj, scj_name) = unit("scjgj")?;
    let (wjw, _) = unit("wjw")?;
    let entities =
        store.entity_search(&EntityFilter { status: Some("存续".into()), limit: 40, ..Default::default() }).await?.rows;
    if entities.len() < 8 {
        return Err("名录库中的市场主体不足,跳过行政执法演示数据".into());
    }
    let insp = actor("inspector", scj);
    let staff = Actor { role: "dept_staff".into(), ..actor("staff", scj) };
    let today =
        chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("offset")).date_naive();
    let cal = WorkCalendar::builtin();
    let day = |back: i64| today - Duration::days(back);

    // Benchmarks and exemption lists.
    let bench = |code: &str, name: &str, basis: &str, bands: &[&str]| -> Result<Benchmark, Error> {
        Ok(Benchmark {
            violation_code: code.into(),
            name: name.into(),
            legal_basis: basis.into(),
            bands: bands.iter().map(|b| parse_band(b)).collect::<Result<_, _>>()?,
        })
    };
    for b in [
        bench(
            "FOOD-001",
            "经营超过保质期的食品",
            "《中华人民共和国食品安全法》第一百二十四条第一款第五项",
            &[
                "轻微|警告|0|0",
                "一般|警告,罚款|5000|30000",
                "较重|罚款,没收违法所得|30000|60000",
                "严重|罚款,没收违法所得,吊销许可证件|60000|150000",
            ],
        )?,
        bench(
            "AD-001",
            "发布虚假广告",
            "《中华人民共和国广告法》第五十五条",
            &[
                "轻微|警告|0|0",
                "一般|罚款|10000|100000",
                "较重|罚款,没收违法所得|100000|500000",
                "严重|罚款,吊销许可证件,没收违法所得|500000|1000000",
            ],
        )?,
        bench(
            "PRICE-001",
            "不明码标价",
            "《中华人民共和国价格法》第四十二条",
            &["轻微|警告|0|0", "一般|警告,罚款|100|2000", "较重|罚款|2000|5000"],
        )?,
    ] {
        store.enf_benchmark_set(&staff, scj, &b).await?;
    }
    store
        .enf_benchmark_set(
            &actor("staff_wjw", wjw),
            wjw,
            &bench(
                "HEALTH-001",
                "公共场所未取得卫生许可证擅自营业",
                "《公共场所卫生管理条例》第十四条",
                &["轻微|警告|0|0", "一般|警告,罚款|500|5000", "严重|罚款,责令停产停业|5000|30000"],
            )?,
        )
        .await?;
    store
        .enf_exemption_add(
            &staff,
            scj,
            ExemptionKind::FirstOffence,
            "PRICE-001",
            "初次不明码标价、危害后果轻微并在责令期限内改正的,不予行政处罚",
        )
        .await?;
    store
        .enf_exemption_add(
            &staff,
            scj,
            ExemptionKind::Minor,
            "FOOD-001",
            "违法行为轻微并及时改正,没有造成危害后果的,不予行政处罚",
        )
        .await?;

    // Inspections: imported from the demo draws, and entered.
    store.enf_import_draw(&insp, scj).await?;
    let officers = en::parse_officers("王建国 12010401001\n李春华 12010401002")?;
    let common = |i: usize, action: String, on: NaiveDate| en::CommonFields {
        item_code: "SCJG-SP-001".into(),
        action_no: action,
        implementing_body: scj_name.clone(),
        subject_name: entities[i].rec.name.clone(),
        subject_is_person: false,
        officers: officers.clone(),
        occurred_on: on,
    };
    let crit = &settings.major;
    let results = ["no_problem", "rectified", "case_opened", "no_problem", "no_problem", "rectified"];
    for (i, result) in results.iter().enumerate() {
        store
            .enf_case_create(
                &insp,
                &NewCase {
                    department_id: scj,
                    uscc: entities[i].rec.uscc.clone(),
                    common: common(i, format!("JC-DEMO-{:03}", i + 1), day(40 - i as i64 * 3)),
                    detail: CaseDetail::Inspection(en::InspectionFields {
                        form: if i % 2 == 0 { "routine".into() } else { "complaint".into() },
                        kind: "onsite".into(),
                        method: "solo".into(),
                        result: result.to_string(),
                        result_note: if *result == "no_problem" {
                            "现场检查未发现问题".into()
                        } else {
                            "发现过期食品,已责令下架".into()
                        },
                    }),
                },
                crit,
                today,
            )
            .await?;
    }

    let penalty = |i: usize,
                   no: &str,
                   circumstance: Circumstance,
                   kinds: Vec<PenaltyKind>,
                   fine_yuan: i64,
                   on: NaiveDate,
                   facts: &str| NewCase {
        department_id: scj,
        uscc: entities[i].rec.uscc.clone(),
        common: common(i, format!("AJ-DEMO-{no}"), on),
        detail: CaseDetail::Penalty {
            fields: en::PenaltyFields {
                case_source: "inspection".into(),
                violation_code: "FOOD-001".into(),
                circumstance,
                facts: facts.into(),
                legal_basis: "《中华人民共和国食品安全法》第一百二十四条第一款第五项".into(),
                kinds,
                fine_fen: fine_yuan * 100,
                confiscated_fen: 0,
                decision_no: format!("津南市监罚〔{}〕{no}号", on.format("%Y")),
                collective_discussion: false,
                hearing_held: false,
                remedy: "none".into(),
            },
            band_reason: String::new(),
        },
    };
    let periods = &settings.periods;

    // Published.
    let p = store
        .enf_case_create(
            &insp,
            &penalty(
                2,
                "101",
                Circumstance::General,
                vec![PenaltyKind::Warning, PenaltyKind::Fine],
                8000,
                day(30),
                "销售超过保质期的预包装食品 6 种共 23 件",
            ),
            crit,
            today,
        )
        .await?;
    store.enf_decide(&insp, p.id, scj, day(20), en::publicity_due(&cal, day(20)), periods).await?;
    store.enf_publish(&insp, p.id, scj, day(18)).await?;
    let r = ResponseInput {
        measure: Measure::Rectify,
        decided_on: day(20),
        follow_up_days: Some(10),
        licence_no: String::new(),
        transferred_on: None,
        receiving_authority: String::new(),
        note: "责令立即下架并建立临期食品检查制度".into(),
    };
    let due = check_response(&r, &cal)?.follow_up_due;
    store.enf_response_add(&insp, p.id, scj, &r, due).await?;
    // Decided, not yet published and overdue.
    let p = store
        .enf_case_create(
            &insp,
            &penalty(
                5,
                "102",
                Circumstance::General,
                vec![PenaltyKind::Fine],
                12000,
                day(25),
                "餐饮服务中使用超过保质期的食品原料",
            ),
            crit,
            today,
        )
        .await?;
    store.enf_decide(&insp, p.id, scj, day(16), en::publicity_due(&cal, day(16)), periods).await?;
    // Out of band, waiting for a second approval.
    let mut n = penalty(
        6,
        "103",
        Circumstance::General,
        vec![PenaltyKind::Fine],
        45000,
        day(6),
        "多次销售超过保质期的乳制品,经责令改正后再犯",
    );
    if let CaseDetail::Penalty { band_reason, .. } = &mut n.detail {
        *band_reason = "一年内第三次违法,社会影响较大,拟从重处罚".into();
    }
    store.enf_case_create(&insp, &n, crit, today).await?;
    // Major (fine over the threshold), waiting for legal review.
    store
        .enf_case_create(
            &insp,
            &penalty(
                7,
                "104",
                Circumstance::Severe,
                vec![PenaltyKind::Fine, PenaltyKind::RevokeLicence],
                120000,
                day(5),
                "大量销售超过保质期的婴幼儿配方乳粉",
            ),
            crit,
            today,
        )
        .await?;

    // A coercive measure.
    store
        .enf_case_create(
            &insp,
            &NewCase {
                department_id: scj,
                uscc: entities[7].rec.uscc.clone(),
                common: common(7, "QZ-DEMO-001".into(), day(5)),
                detail: CaseDetail::Coercive(en::CoerciveFields {
                    kind: "seize".into(),
                    legal_basis: "《中华人民共和国食品安全法》第一百一十条".into(),
                    reason: "涉嫌销售超过保质期的婴幼儿配方乳粉".into(),
                    objects: "婴幼儿配方乳粉 48 罐".into(),
                    start_on: day(5),
                    end_on: day(5) + Duration::days(30),
                }),
            },
            crit,
            today,
        )
        .await?;
    Ok(())
}
