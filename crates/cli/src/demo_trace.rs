//! Demonstration data for traceability and inclusive supervision: a food product and a
//! drug in the catalogue, a frozen-dumpling lot shipped through three hops, a drug lot
//! with a pending event (an entity outside the registry), an open recall, and two
//! observation periods.

use chrono::{Duration, TimeZone, Utc};
use jianguan_domain::trace::custody::EventKind;
use jianguan_domain::trace::observation::Category;
use jianguan_domain::trace::Scheme;
use jianguan_store::trace::{NewEvent, NewObservation, NewProduct, NewRecall, UploadSource};
use jianguan_store::{Actor, DynStore};

type Error = Box<dyn std::error::Error>;

const META: &str = "demo_trace_loaded";

pub async fn load(store: &DynStore) -> Result<(), Error> {
    if store.get_meta(META).await?.is_some() {
        return Ok(());
    }
    if let Err(e) = load_all(store).await {
        eprintln!("警告:追溯演示数据未能完整加载:{e}");
    }
    store.set_meta(&Actor::system(), META, "1").await?;
    Ok(())
}

async fn load_all(store: &DynStore) -> Result<(), Error> {
    let dept = store.list_units().await?.into_iter().find(|u| u.code == "scjgj").ok_or("缺少区市场监管局")?.id;
    let a = Actor { name: "staff".into(), role: "dept_staff".into(), account_id: None, department_id: Some(dept) };
    let page =
        store.entity_search(&jianguan_store::registry::EntityFilter { limit: 200, ..Default::default() }).await?;
    let e: Vec<String> = page
        .rows
        .into_iter()
        .filter(|x| jianguan_store::declaration::ACTIVE_STATUSES.contains(&x.rec.status.as_str()) && !x.rec.legacy)
        .map(|x| x.rec.uscc)
        .take(12)
        .collect();
    if e.len() < 12 {
        return Err("名录库中的存续主体不足 12 个".into());
    }
    store
        .trace_product_add(
            &a,
            &NewProduct {
                owner_uscc: e[0].clone(),
                scheme: Scheme::Gtin,
                code: "6901234567892".into(),
                name: "速冻水饺(猪肉白菜)".into(),
                spec: "500g/袋".into(),
            },
        )
        .await?;
    store
        .trace_product_add(
            &a,
            &NewProduct {
                owner_uscc: e[1].clone(),
                scheme: Scheme::Drug,
                code: "81234560000012345678".into(),
                name: "头孢克肟胶囊".into(),
                spec: "0.1g×6粒".into(),
            },
        )
        .await?;
    let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).single().ok_or("时间")?;
    let food = |kind, lot: &str, from: Option<&String>, to: Option<&String>, q, h: i64, place: &str| NewEvent {
        kind,
        scheme: Scheme::Gtin,
        code: format!("(01)06901234567892(10){lot}"),
        batch: None,
        from_uscc: from.cloned(),
        to_uscc: to.cloned(),
        occurred_at: t0 + Duration::hours(h),
        quantity: q,
        place: place.into(),
    };
    let mut events = vec![
        food(EventKind::Produce, "20260302A", None, Some(&e[0]), 2000, 0, "南开区食品加工厂"),
        food(EventKind::Ship, "20260302A", Some(&e[0]), Some(&e[2]), 1200, 4, "南开区食品加工厂"),
        food(EventKind::Receive, "20260302A", Some(&e[0]), Some(&e[2]), 1200, 8, "南开区冷链配送中心"),
        food(EventKind::Ship, "20260302A", Some(&e[0]), Some(&e[3]), 600, 5, "南开区食品加工厂"),
    ];
    for (i, shop) in e[4..9].iter().enumerate() {
        events.push(food(
            EventKind::Ship,
            "20260302A",
            Some(&e[2]),
            Some(shop),
            150,
            24 + i as i64,
            "南开区冷链配送中心",
        ));
        events.push(food(EventKind::Sell, "20260302A", Some(shop), None, 40, 48 + i as i64, "门店"));
    }
    events.push(food(EventKind::Ship, "20260302A", Some(&e[3]), Some(&e[9]), 200, 30, "南开区批发市场"));
    events.push(food(EventKind::Inspect, "20260302A", Some(&e[9]), None, 0, 50, "抽检"));
    events.push(NewEvent {
        kind: EventKind::Ship,
        scheme: Scheme::Drug,
        code: "81234560000012345678".into(),
        batch: None,
        from_uscc: Some(e[1].clone()),
        to_uscc: Some("91120104MA05TEST0X".into()),
        occurred_at: t0,
        quantity: 1,
        place: "南开区医药仓库".into(),
    });
    store.trace_upload(&a, UploadSource::Form, Some(dept), &events, None).await.map_err(|x| x.to_string())?;
    let today = jianguan_web::helpers::today();
    store
        .trace_recall_start(
            &a,
            &NewRecall {
                scheme: Scheme::Gtin,
                code: "(01)06901234567892(10)20260302A".into(),
                batch: None,
                initiator_uscc: e[0].clone(),
                department_id: dept,
                level: 2,
                reason: "抽检发现菌落总数超标".into(),
                started_on: today,
                due_on: jianguan_domain::calendar::WorkCalendar::builtin().add_working_days(today, 10),
            },
        )
        .await?;
    for (i, (model, cat, rules)) in [
        ("社区团购自提点", Category::Unclear, "观察期内首次轻微违法且及时改正的不予处罚;每季度报送经营情况"),
        ("无人值守智能售货", Category::Clear, "按《自动售货设备食品经营规范》量身定制检查要点"),
    ]
    .into_iter()
    .enumerate()
    {
        store
            .trace_observation_add(
                &a,
                &NewObservation {
                    uscc: e[10 + i].clone(),
                    model: model.into(),
                    category: cat,
                    starts_on: today - Duration::days(90),
                    ends_on: today + Duration::days(90 + 180 * i as i64),
                    review_on: today + Duration::days(100 + 180 * i as i64),
                    rules: rules.into(),
                    department_id: dept,
                },
            )
            .await?;
    }
    Ok(())
}
