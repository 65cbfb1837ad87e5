//! Demonstration data for credit supervision, loaded once into a new store when `demo`
//! is on (after the registry): penalties and inspection results in the credit record
//! (standing in for the enforcement capability), commitments, red and black list
//! entries, a repair in progress, an open objection, a repair training, and every
//! entity classified. Everything goes through the store's ordinary, audited operations;
//! the facts are invented for the demonstration and say so.

use chrono::{Months, NaiveDate};
use jianguan_store::credit::*;
use jianguan_store::registry::EntityFilter;
use jianguan_store::{Actor, DynStore};

type Error = Box<dyn std::error::Error>;

const DEMO_NOTE: &str = "演示数据";

async fn dept(store: &DynStore, code: &str) -> Result<i64, Error> {
    Ok(store.list_units().await?.into_iter().find(|u| u.code == code).ok_or("部门数据缺失")?.id)
}

async fn actor(store: &DynStore, username: &str) -> Result<Actor, Error> {
    let a = store.find_account(username).await?;
    Ok(Actor {
        name: username.into(),
        role: "credit_manager".into(),
        account_id: a.as_ref().map(|a| a.id),
        department_id: a.as_ref().map(|a| a.department_id),
    })
}

fn months_ago(today: NaiveDate, m: u32) -> NaiveDate {
    today.checked_sub_months(Months::new(m)).unwrap_or(today)
}

#[allow(clippy::too_many_arguments)]
fn event(
    uscc: &str,
    kind: &str,
    dept: i64,
    on: NaiveDate,
    title: &str,
    severity: Severity,
    public_until: Option<NaiveDate>,
    n: usize,
) -> NewCreditEvent {
    NewCreditEvent {
        uscc: uscc.into(),
        kind: kind.into(),
        source_department_id: Some(dept),
        occurred_on: on,
        title: title.into(),
        detail: serde_json::json!({ "说明": DEMO_NOTE, "文书号": format!("南开演示〔{}〕{}号", on.format("%Y"), n + 1) }),
        ref_kind: format!("demo_{kind}"),
        ref_id: n.to_string(),
        severity,
        public: true,
        public_until,
    }
}

/// Loads the credit demonstration once.
pub async fn load(store: &DynStore) -> Result<(), Error> {
    if store.get_meta("demo_credit").await?.is_some() {
        return Ok(());
    }
    let page =
        store.entity_search(&EntityFilter { status: Some("存续".into()), limit: 40, ..Default::default() }).await?;
    let ids: Vec<String> = page.rows.iter().map(|e| e.rec.uscc.clone()).collect();
    if ids.len() < 12 {
        return Ok(());
    }
    let today = jianguan_store::publicity::cst_date(jianguan_store::now());
    let sys = Actor::system();
    let scj = dept(store, "scjgj").await?;
    let fgw = dept(store, "fgw").await?;
    let credit = actor(store, "credit").await?;
    let pubr = jianguan_domain::credit::Publication::builtin();
    let mut n = 0;
    let mut add = |e: NewCreditEvent| {
        n += 1;
        NewCreditEvent { ref_id: n.to_string(), ..e }
    };

    // Penalties of every degree (市场监管局) and clean inspections.
    for (i, (sev, title, ago)) in [
        (Severity::Grave, "销售不符合食品安全标准的食品,没收违法所得并处罚款", 8),
        (Severity::Serious, "未按规定公示商品价格,警告并处罚款 3000 元", 5),
        (Severity::Serious, "虚假宣传,责令停止违法行为并处罚款 2 万元", 10),
        (Severity::Minor, "未按规定亮照经营,警告", 4),
    ]
    .into_iter()
    .enumerate()
    {
        let on = months_ago(today, ago);
        let code = sev.code();
        let e = add(event(&ids[i], "penalty", scj, on, title, sev, pubr.public_until(code, on), 0));
        store.credit_event_add(&sys, &e).await?;
    }
    for (i, uscc) in ids.iter().enumerate().skip(4).take(6) {
        for ago in [3, 14] {
            let e = add(event(
                uscc,
                "inspection",
                scj,
                months_ago(today, ago + i as u32 % 3),
                "“双随机”抽查:未发现问题",
                Severity::Neutral,
                None,
                0,
            ));
            store.credit_event_add(&sys, &e).await?;
        }
    }

    // Commitments: notification-based approvals, a voluntary one, one broken.
    for (i, kind, ago) in
        [(4usize, "notification", 2u32), (5, "approval", 4), (6, "voluntary", 6), (7, "notification", 7)]
    {
        let c = store
            .commitment_create(
                &credit,
                fgw,
                &CommitmentInput {
                    uscc: ids[i].clone(),
                    kind: kind.into(),
                    body: "本单位承诺所提交的材料真实有效,已具备法律法规规定的许可条件,如有不实愿承担相应法律责任并接受信用惩戒。".into(),
                    licence_ref: if kind == "voluntary" { String::new() } else { format!("JY112010400{i}{ago}") },
                    signed_on: months_ago(today, ago),
                    due_on: months_ago(today, ago).checked_add_months(Months::new(3)).unwrap_or(today),
                },
            )
            .await?;
        if i == 7 {
            store.commitment_check(&credit, c.id, false, "核查发现经营场所面积与承诺不符(演示数据)", today).await?;
        } else if i == 6 {
            store.commitment_check(&credit, c.id, true, "按期核查,履行承诺", today).await?;
        }
    }

    // Lists.
    for (i, kind, basis) in [
        (0usize, "serious_dishonest", "因销售不符合食品安全标准的食品受到较重行政处罚(演示数据)"),
        (8, "honest", "连续三年无失信记录,行业主管部门推荐(演示数据)"),
        (9, "abnormal", "未按规定报送年度报告(演示数据)"),
    ] {
        store
            .list_entry_add(
                &credit,
                fgw,
                &ListEntryInput {
                    uscc: ids[i].clone(),
                    list_kind: kind.into(),
                    basis: basis.into(),
                    effective_on: months_ago(today, 2),
                    expires_on: Some(months_ago(today, 2).checked_add_months(Months::new(36)).unwrap_or(today)),
                },
            )
            .await?;
    }

    // A repair in progress on a price penalty of 区发展改革委, and an open objection.
    let on = months_ago(today, 5);
    let e = add(event(
        &ids[10],
        "penalty",
        fgw,
        on,
        "不执行政府指导价,警告",
        Severity::Minor,
        pubr.public_until("minor", on),
        0,
    ));
    let ev = store.credit_event_add(&sys, &e).await?;
    store
        .repair_apply(
            &credit,
            &RepairInput {
                event_id: ev.id,
                applicant: page.rows[10].rec.name.clone(),
                reason: "已按规定改正价格标示,违法行为已纠正(演示数据)".into(),
                evidence: "整改报告;价格公示照片;信用修复承诺书".into(),
            },
            today,
        )
        .await?;
    let on = months_ago(today, 1);
    let e = add(event(
        &ids[11],
        "penalty",
        fgw,
        on,
        "未明码标价,警告并处罚款 500 元",
        Severity::Minor,
        pubr.public_until("minor", on),
        0,
    ));
    let ev = store.credit_event_add(&sys, &e).await?;
    store
        .objection_file(
            &credit,
            &ObjectionInput {
                event_id: ev.id,
                field: "title".into(),
                applicant: page.rows[11].rec.name.clone(),
                reason: "罚款金额与处罚决定书不一致(演示数据)".into(),
            },
        )
        .await?;
    store
        .credit_training_create(
            &credit,
            fgw,
            &CreditTrainingInput {
                title: "信用修复专题培训(演示数据)".into(),
                held_on: months_ago(today, 1),
                location: "南开区政务服务中心".into(),
                attendees: vec![(ids[10].clone(), "王经理".into()), (ids[3].clone(), "赵主管".into())],
            },
        )
        .await?;

    store.credit_reclassify_all(&sys, today).await?;
    store.set_meta(&sys, "demo_credit", "1").await?;
    Ok(())
}
