//! Demonstration data for reports and complaints, the consumer-protection joint meeting
//! and data risk warnings, loaded once into a new demo store (meta key [`META`]). Every
//! record goes through the store's ordinary methods (validated, audited); the demo
//! reporters are sealed with the server's key like real ones.

use chrono::{Duration, NaiveDate};
use jianguan_domain::calendar::WorkCalendar;
use jianguan_domain::complaints::{self as cp, Kind};
use jianguan_domain::crypto::FieldCipher;
use jianguan_store::complaints::{Act, NewComplaint, NewJointCase, SealedReporter};
use jianguan_store::registry::EntityFilter;
use jianguan_store::{Actor, DynStore, Unit};

type Error = Box<dyn std::error::Error>;

pub const META: &str = "demo_complaints_loaded";

fn beijing_today() -> NaiveDate {
    (chrono::Utc::now() + Duration::hours(8)).date_naive()
}

/// Loads everything once; a failure part-way is reported, not retried.
pub async fn load(store: &DynStore, cipher: &FieldCipher) -> Result<(), Error> {
    if store.get_meta(META).await?.is_some() {
        return Ok(());
    }
    if let Err(e) = load_all(store, cipher).await {
        eprintln!("警告:演示数据(举报投诉、联席会议、数据风险预警)未能完整加载:{e}");
    }
    store.set_meta(&Actor::system(), META, "1").await?;
    Ok(())
}

fn id(units: &[Unit], code: &str) -> Result<i64, Error> {
    Ok(units.iter().find(|u| u.code == code).ok_or_else(|| format!("部门 {code} 缺失"))?.id)
}

fn staff(units: &[Unit], code: &str, who: &str) -> Result<Actor, Error> {
    Ok(Actor {
        name: format!("演示数据@{code}-{who}"),
        role: "dept_staff".into(),
        account_id: None,
        department_id: Some(id(units, code)?),
    })
}

async fn load_all(store: &DynStore, cipher: &FieldCipher) -> Result<(), Error> {
    let units = store.list_units().await?;
    let page = store.entity_search(&EntityFilter { limit: 50, ..Default::default() }).await?;
    let entities: Vec<(String, String)> = page
        .rows
        .iter()
        .filter(|e| jianguan_domain::registry::ACTIVE_STATUSES.contains(&e.rec.status.as_str()))
        .map(|e| (e.rec.uscc.clone(), e.rec.name.clone()))
        .collect();
    if entities.len() < 3 {
        return Err("检查对象名录库中的市场主体不足".into());
    }
    let today = beijing_today();
    let cal = WorkCalendar::builtin();
    let seal = |s: &str| {
        let mut iv = [0u8; 16];
        getrandom::getrandom(&mut iv).expect("random");
        cipher.encrypt(s, iv)
    };
    // (entity, kind, channel, category, department, content, reporter, phone, days ago)
    let items = [
        (
            0usize,
            Kind::Report,
            "web",
            "food",
            "scjgj",
            "后厨卫生条件差,冷藏柜内有过期肉类。",
            "陈立新",
            "13612340001",
            20i64,
        ),
        (
            0,
            Kind::Complaint,
            "phone",
            "consumer",
            "scjgj",
            "办理的预付卡无法退费,商家拒绝协商。",
            "王秀英",
            "13712340002",
            12,
        ),
        (0, Kind::Complaint, "api", "consumer", "scjgj", "会员卡余额被清零。", "李军", "13812340003", 6),
        (1, Kind::Report, "letter", "drug", "scjgj", "药店凭处方药不凭处方销售。", "张华", "13912340004", 9),
        (2, Kind::Complaint, "email", "medical", "wjw", "诊所收费与价目表不符。", "刘洋", "13512340005", 2),
        (1, Kind::Report, "web", "price", "scjgj", "明码标价与结算价不一致。", "赵静", "13312340006", 0),
    ];
    let mut ids = Vec::new();
    for (e, kind, channel, category, dept, content, name, phone, ago) in items {
        let (uscc, subject) = &entities[e];
        let day = today - Duration::days(ago);
        let c = store
            .complaint_submit(
                &if channel == "web" || channel == "api" {
                    Actor::public()
                } else {
                    Actor {
                        name: "演示数据@wgzx".into(),
                        role: "grid_intake".into(),
                        account_id: None,
                        department_id: Some(id(&units, "wgzx")?),
                    }
                },
                &NewComplaint {
                    kind,
                    channel: channel.into(),
                    category: category.into(),
                    subject_uscc: Some(uscc.clone()),
                    subject_name: subject.clone(),
                    content: content.into(),
                    reporter: SealedReporter {
                        name_sealed: seal(name),
                        name_masked: jianguan_domain::mask::person_name(name),
                        phone_sealed: seal(phone),
                        phone_masked: jianguan_domain::mask::phone(phone),
                    },
                    department_id: id(&units, dept)?,
                    received_on: day,
                    due: cp::due_dates(&cal, kind, day),
                    files: vec![],
                    client_hash: None,
                },
            )
            .await?;
        ids.push((c.id, dept));
    }
    let scjgj = id(&units, "scjgj")?;
    let a = staff(&units, "scjgj", "承办人")?;
    // The first report: substantiated, credit record, reward approved by a second person.
    for act in [
        Act::Acknowledge { note: String::new() },
        Act::Accept { note: "现场检查发现过期肉类,已立案调查。".into() },
        Act::Close {
            substantiated: true, reply: "经查属实,已依法立案处罚并责令整改,感谢您的举报。".into(), today
        },
    ] {
        store.complaint_act(&a, ids[0].0, scjgj, &act).await?;
    }
    store.reward_propose(&a, ids[0].0, scjgj, 2, 30_000, "举报人提供了现场照片和购物凭证").await?;
    store.reward_act(&staff(&units, "scjgj", "科长")?, ids[0].0, scjgj, "approve").await?;
    // The second: accepted, being handled; the third: signed for.
    store.complaint_act(&a, ids[1].0, scjgj, &Act::Acknowledge { note: String::new() }).await?;
    store.complaint_act(&a, ids[1].0, scjgj, &Act::Accept { note: "已受理,组织调解。".into() }).await?;
    store.complaint_act(&a, ids[2].0, scjgj, &Act::Acknowledge { note: String::new() }).await?;
    // A joint-meeting case on the prepaid-card complaints.
    let case = store
        .joint_case_create(
            &a,
            &NewJointCase {
                title: format!("{}预付卡退费纠纷", entities[0].1),
                summary: "多名消费者投诉预付卡无法退费、余额被清零,涉及市场监管和商务部门职责。".into(),
                complaint_id: Some(ids[1].0),
                tasks: vec![
                    (scjgj, "调查合同格式条款,组织消费调解".into(), today + Duration::days(10)),
                    (id(&units, "swuj")?, "核查单用途预付卡备案和预收资金存管".into(), today + Duration::days(10)),
                ],
            },
        )
        .await?;
    if let Some(t) = case.tasks.iter().find(|t| t.department_id == scjgj) {
        store.joint_task_update(&a, t.id, scjgj, "in_progress", "已约谈经营者,调解进行中").await?;
    }
    store.risk_run(&Actor::system(), today).await?;
    Ok(())
}
