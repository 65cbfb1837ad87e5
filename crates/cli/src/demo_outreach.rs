//! Demonstration data for policy publicity, enterprise liaisons, training and industry
//! associations, loaded once into a new store when `demo` is on. Each part is marked
//! done in `meta` on its own, so a store upgraded later gets the parts it lacks.
//! Everything goes through the store's ordinary, audited operations. Cases and persons
//! are invented for the demonstration and say so.

use jianguan_domain::association::Kind;
use jianguan_domain::crypto::FieldCipher;
use jianguan_domain::publicity::{FileKind, Section, Step};
use jianguan_domain::training::SessionKind;
use jianguan_store::association::{AssociationInput, CaseInput};
use jianguan_store::liaison::{NewLiaison, NoticeInput};
use jianguan_store::publicity::ArticleInput;
use jianguan_store::training::{QuestionInput, SessionInput};
use jianguan_store::{Actor, DynStore};

type Error = Box<dyn std::error::Error>;

const DEMO_NOTE: &str = "(演示数据)";

async fn dept(store: &DynStore, code: &str) -> Result<i64, Error> {
    Ok(store.list_units().await?.into_iter().find(|u| u.code == code).ok_or("部门数据缺失")?.id)
}

async fn actor(store: &DynStore, username: &str, role: &str) -> Result<Actor, Error> {
    let a = store.find_account(username).await?;
    Ok(Actor {
        name: username.into(),
        role: role.into(),
        account_id: a.as_ref().map(|a| a.id),
        department_id: a.as_ref().map(|a| a.department_id),
    })
}

/// Loads every part not loaded yet.
pub async fn load(store: &DynStore, cipher: &FieldCipher) -> Result<(), Error> {
    if store.get_meta("demo_publicity").await?.is_none() {
        publicity(store).await?;
        store.set_meta(&Actor::system(), "demo_publicity", "1").await?;
    }
    if store.get_meta("demo_liaison").await?.is_none() {
        liaison(store, cipher).await?;
        store.set_meta(&Actor::system(), "demo_liaison", "1").await?;
    }
    if store.get_meta("demo_training").await?.is_none() {
        training(store).await?;
        store.set_meta(&Actor::system(), "demo_training", "1").await?;
    }
    if store.get_meta("demo_association").await?.is_none() {
        association(store, cipher).await?;
        store.set_meta(&Actor::system(), "demo_association", "1").await?;
    }
    Ok(())
}

fn article(section: Section, title: &str, summary: &str, body: &str, source: &str, doc_no: &str) -> ArticleInput {
    ArticleInput {
        section,
        title: title.into(),
        summary: summary.into(),
        body_html: body.into(),
        source: source.into(),
        doc_no: doc_no.into(),
    }
}

async fn publicity(store: &DynStore) -> Result<(), Error> {
    let scj = dept(store, "scjgj").await?;
    let editor = actor(store, "staff", "dept_staff").await?;
    let reviewer = actor(store, "legal", "legal_reviewer").await?;
    let published = [
        article(
            Section::Laws,
            "南开区落实天津市人民政府关于加强和规范事中事后监管的实施意见工作举措",
            "南开区人民政府2021年9月23日印发,明确总体目标、组织领导、职责分工、业务培训和政策宣传,附工作责任台账和承接市级机关工作任务台账。",
            "<p>为贯彻落实《天津市人民政府关于加强和规范事中事后监管的实施意见》(津政发〔2020〕17号),进一步维护公平竞争的市场秩序,持续推进“放管服”改革,营造良好营商环境,结合我区实际,制定了落实举措。</p>\
             <h2>一、明确总体目标</h2><h2>二、加强组织领导</h2><p>各部门要深刻认识加强和规范事中事后监管的重大意义,提高认识,加强组织领导,明确分管负责同志及相关责任科室,严格按照任务分工,落实《实施意见》,确保完成各项任务。</p>\
             <h2>三、细化职责分工</h2><p>坚持运用法治思维和法治方式履行审批和监管职能,提升依法行政的能力水平。</p>\
             <h2>四、强化业务培训</h2><p>区各相关监管部门要有计划地开展系统性、针对性的业务学习、业务交流、知识竞赛、能力提升等专业培训。</p>\
             <h2>五、加强政策宣传</h2><ol><li>按行业做好法律培训,指导市场主体依法合规经营。</li><li>积极探索企业联络员制度,使其成为监管部门与企业之间信息传递、接受反馈和有效沟通的桥梁。</li><li>多形式宣传有关“放、管、服”改革措施和事中事后监管的法律法规,传播诚信理念,发布诚信典型案例和政策权威解读。</li></ol>",
            "南开区人民政府",
            "南开政发〔2021〕8号",
        ),
        article(
            Section::Interpretation,
            "政策解读:“双随机、一公开”监管怎么查",
            "随机抽取检查对象、随机选派执法检查人员,抽查情况及查处结果及时向社会公开。",
            "<p>“双随机、一公开”是指在监管过程中随机抽取检查对象,随机选派执法检查人员,抽查情况及查处结果及时向社会公开。</p>\
             <h3>对市场主体意味着什么</h3><ul><li>没有随意检查:未被抽中的市场主体不受检查打扰,一次检查可同时完成多个部门的事项(进一次门、查多项事)。</li>\
             <li>检查人员至少两人,与被检查对象有利害关系的应当回避。</li><li>抽查结果在规定时限内向社会公示,可在本网站查询。</li></ul>\
             <p>信用风险分类结果与抽查比例、频次挂钩:信用好、风险低的市场主体抽查比例和频次更低。</p>",
            &format!("区市场监管局{DEMO_NOTE}"),
            "",
        ),
        article(
            Section::Interpretation,
            "政策解读:信用修复的条件和流程",
            "行政处罚信息公示期满最短期限后,市场主体可以申请信用修复。",
            "<p>市场主体纠正失信行为、履行相关义务后,可以按规定申请信用修复。</p>\
             <ol><li>行政处罚信息公示满最短公示期后方可申请,严重失信的最短公示期更长。</li><li>提交信用修复申请和信用承诺书。</li>\
             <li>经初审、复审、终审三级审核,符合条件的停止公示。</li></ol><p>对信用信息有异议的,可以提出异议申诉。</p>",
            &format!("区发展改革委{DEMO_NOTE}"),
            "",
        ),
        article(
            Section::IntegrityCase,
            "诚信典型案例:连锁超市主动履行信用承诺",
            "某连锁超市在申请许可时签署信用承诺,并按期补齐材料、自查整改。",
            "<p>某连锁超市(名称略)以告知承诺方式申请食品经营许可,在承诺期限内补齐全部材料,并主动开展食品安全自查,建立进货查验记录。</p>\
             <p>监管部门核查时承诺事项全部履行,该企业信用风险分类为低风险,抽查比例相应降低。</p>",
            &format!("区市场监管局{DEMO_NOTE}"),
            "",
        ),
        article(
            Section::ViolationCase,
            "典型案件曝光:餐饮店使用超过保质期的食品原料",
            "双随机抽查中发现某餐饮店使用超过保质期的食品原料,依法给予行政处罚。",
            "<p>在“双随机、一公开”抽查中,执法检查人员发现某餐饮店(名称略)后厨存放并使用超过保质期的食品原料。</p>\
             <p>经法制审核,依据《中华人民共和国食品安全法》对该店作出没收违法所得、罚款的行政处罚,处罚决定在规定时限内公示。</p>\
             <p><strong>警示:</strong>餐饮服务提供者应当定期检查库存食品,及时清理变质或者超过保质期的食品。</p>",
            &format!("区市场监管局{DEMO_NOTE}"),
            "",
        ),
        article(
            Section::LegalGuidance,
            "行业法律指导:餐饮行业合规经营要点",
            "面向餐饮经营者的许可、从业人员健康、进货查验、明码标价等合规要点。",
            "<h2>一、许可与公示</h2><p>取得食品经营许可证后方可经营,并在经营场所醒目位置悬挂或者摆放。</p>\
             <h2>二、从业人员</h2><p>从事接触直接入口食品工作的从业人员应当每年进行健康检查,取得健康证明后方可上岗。</p>\
             <h2>三、进货查验</h2><p>建立食品原料进货查验记录制度,如实记录名称、规格、数量、生产日期或者生产批号、保质期、进货日期以及供货者信息。</p>\
             <h2>四、明码标价</h2><p>提供菜品和服务应当明码标价,不得在标价之外加价出售商品或者收取未予标明的费用。</p>",
            &format!("区市场监管局{DEMO_NOTE}"),
            "",
        ),
    ];
    for input in &published {
        let a = store.article_create(&editor, scj, input).await?;
        if input.section == Section::Laws {
            store.attachment_add(&editor, a.id, "南开政发〔2021〕8号(摘要).pdf", FileKind::Pdf, DEMO_PDF).await?;
        }
        store.article_step(&editor, a.id, Step::Submit, "").await?;
        store.article_step(&reviewer, a.id, Step::Approve, "").await?;
    }
    // One draft on the editor's desk.
    store
        .article_create(
            &editor,
            scj,
            &article(
                Section::LegalGuidance,
                "行业法律指导:药品零售企业合规经营要点(草稿)",
                "",
                "<p>药品零售企业应当凭处方销售处方药,执业药师在岗……</p>",
                &format!("区市场监管局{DEMO_NOTE}"),
                "",
            ),
        )
        .await?;
    Ok(())
}

/// A tiny valid PDF for the demonstration attachment.
const DEMO_PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

/// Entities for the parts that need them: live ones of the registry (its demonstration
/// data is loaded first), or, on a store without enough, a few imported through the
/// registry's own import path.
async fn entities(
    store: &DynStore,
    cipher: &FieldCipher,
) -> Result<Vec<jianguan_store::registry::EntityRecord>, Error> {
    let filter = jianguan_store::registry::EntityFilter { limit: 100, ..Default::default() };
    let live: Vec<_> = store
        .entity_search(&filter)
        .await?
        .rows
        .into_iter()
        .map(|e| e.rec)
        .filter(|r| matches!(r.status.as_str(), "存续" | "在业"))
        .take(24)
        .collect();
    if live.len() >= 8 {
        return Ok(live);
    }
    Ok(jianguan_store::testing::import_demo_entities(store, &Actor::system(), cipher, 24, 2021).await?)
}

async fn liaison(store: &DynStore, cipher: &FieldCipher) -> Result<(), Error> {
    let scj = dept(store, "scjgj").await?;
    let staff = actor(store, "staff", "dept_staff").await?;
    let ents = entities(store, cipher).await?;
    let people = [
        ("刘建国", "13820001001", "总经理"),
        ("陈晓梅", "13920001002", "办公室主任"),
        ("赵立新", "02227350003", "质量负责人"),
    ];
    for (i, (name, phone, position)) in people.iter().enumerate() {
        let Some(e) = ents.get(i) else { break };
        let clear = jianguan_domain::liaison::format_code(random12());
        let hash =
            jianguan_domain::liaison::code_hash(&jianguan_domain::liaison::normalize_code(&clear).ok_or("code")?);
        store
            .liaison_code_issue(&staff, scj, &e.uscc, &hash, jianguan_store::now() + chrono::Duration::days(30))
            .await?;
        let iv = random16();
        store
            .liaison_register(
                &hash,
                &NewLiaison {
                    name_sealed: cipher.encrypt(name, iv),
                    name_masked: jianguan_domain::mask::person_name(name),
                    phone_sealed: cipher.encrypt(phone, random16()),
                    phone_masked: jianguan_domain::mask::phone(phone),
                    position: (*position).into(),
                },
            )
            .await?;
    }
    let make = || {
        let clear = jianguan_domain::liaison::format_code(random12());
        let canon = jianguan_domain::liaison::normalize_code(&clear).expect("canonical");
        (clear, jianguan_domain::liaison::code_hash(&canon))
    };
    let sent = store
        .notice_send(
            &staff,
            scj,
            &NoticeInput {
                title: "关于开展年度食品安全自查的通知".into(),
                body: "请各企业对照《餐饮行业合规经营要点》开展自查,并通过联络员回复自查情况。".into(),
                target_kind: "all".into(),
                target_value: String::new(),
                reply_by: None,
            },
            &make,
        )
        .await?;
    if let Some((_, _, code)) = sent.codes.first() {
        let canon = jianguan_domain::liaison::normalize_code(code).ok_or("code")?;
        store
            .notice_reply(
                &jianguan_domain::liaison::code_hash(&canon),
                "已完成自查,未发现问题。",
                "建议多组织行业法律培训。",
            )
            .await?;
    }
    Ok(())
}

fn random12() -> [u8; 12] {
    jianguan_web::security::random_bytes::<12>()
}

fn random16() -> [u8; 16] {
    jianguan_web::security::random_bytes::<16>()
}

async fn training(store: &DynStore) -> Result<(), Error> {
    let scj = dept(store, "scjgj").await?;
    let staff = actor(store, "staff", "dept_staff").await?;
    let day = |m, d| chrono::NaiveDate::from_ymd_opt(2026, m, d).ok_or("date");
    let session = store
        .session_create(
            &staff,
            scj,
            &SessionInput {
                kind: SessionKind::Training,
                title: "“双随机、一公开”监管业务培训".into(),
                description: "随机抽查事项清单、抽查计划、结果公示时限和信用风险分类。".into(),
                held_on: day(3, 12)?,
                hours_tenths: 30,
                location: "区市场监管局三楼会议室".into(),
                district_wide: false,
            },
        )
        .await?;
    let mut attendees = Vec::new();
    for u in ["inspector", "staff"] {
        if let Some(a) = store.find_account(u).await? {
            attendees.push(a.id);
        }
    }
    if !attendees.is_empty() {
        store.attendance_add(&staff, session.id, &attendees).await?;
    }
    let opts = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let bank = [
        ("行政处罚法", "行政处罚法规定,执法人员不得少于几人?", opts(&["一人", "两人", "三人"]), 1),
        (
            "行政处罚法",
            "执法人员与案件有直接利害关系的,应当如何处理?",
            opts(&["继续办理", "回避", "报告后继续办理"]),
            1,
        ),
        (
            "双随机一公开",
            "“双随机”是指随机抽取检查对象和什么?",
            opts(&["随机选派执法检查人员", "随机确定检查时间", "随机确定检查地点"]),
            0,
        ),
        ("信用监管", "信用风险分类结果主要用于调整什么?", opts(&["罚款数额", "抽查比例和频次", "许可期限"]), 1),
        (
            "政策宣传",
            "南开政发〔2021〕8号提出探索建立什么制度,作为监管部门与企业之间沟通的桥梁?",
            opts(&["企业联络员制度", "首席质量官制度", "网格员制度"]),
            0,
        ),
    ];
    let mut ids = Vec::new();
    for (category, stem, options, answer) in bank {
        let q = store
            .question_create(
                &staff,
                scj,
                &QuestionInput { category: category.into(), stem: stem.into(), options, answer },
            )
            .await?;
        ids.push(q.id);
    }
    store.test_create(&staff, session.id, "业务培训结业测试", 60, &ids[..3]).await?;
    let contest = store
        .session_create(
            &staff,
            scj,
            &SessionInput {
                kind: SessionKind::Contest,
                title: "全区事中事后监管知识竞赛".into(),
                description: "面向全区各监管部门执法检查人员。".into(),
                held_on: day(5, 20)?,
                hours_tenths: 20,
                location: "线上".into(),
                district_wide: true,
            },
        )
        .await?;
    store.test_create(&staff, contest.id, "知识竞赛初赛", 60, &ids).await?;
    Ok(())
}

async fn association(store: &DynStore, cipher: &FieldCipher) -> Result<(), Error> {
    let scj = dept(store, "scjgj").await?;
    let staff = actor(store, "staff", "dept_staff").await?;
    let ents = entities(store, cipher).await?;
    let code = |body: &str| -> Result<String, Error> {
        let org = format!("{body}{}", jianguan_domain::uscc::compute_org_check(body).ok_or("org")?);
        let first17 = format!("51120104{org}");
        Ok(format!("{first17}{}", jianguan_domain::uscc::compute_check_char(&first17).ok_or("check")?))
    };
    let catering = store
        .association_create(
            &staff,
            &AssociationInput {
                uscc: code("MJ0N0001")?,
                name: format!("南开区餐饮行业协会{DEMO_NOTE}"),
                kind: Kind::Association,
                industry: "餐饮业".into(),
                department_id: scj,
                registered_on: chrono::NaiveDate::from_ymd_opt(2012, 5, 18),
                address: "天津市南开区鞍山西道".into(),
                office_phone: "022-27000001".into(),
            },
            "",
        )
        .await?;
    store
        .association_create(
            &staff,
            &AssociationInput {
                uscc: code("MJ0N0002")?,
                name: format!("南开区商贸流通商会{DEMO_NOTE}"),
                kind: Kind::Chamber,
                industry: "批发和零售业".into(),
                department_id: scj,
                registered_on: chrono::NaiveDate::from_ymd_opt(2016, 9, 6),
                address: "天津市南开区南马路".into(),
                office_phone: "022-27000002".into(),
            },
            "",
        )
        .await?;
    for e in ents.iter().skip(3).take(4) {
        store.member_add(&staff, catering.id, &e.uscc, None).await?;
    }
    store
        .convention_add(
            &staff,
            catering.id,
            "南开区餐饮行业诚信经营自律公约",
            "<p>为规范餐饮经营行为,维护消费者合法权益,会员单位共同承诺:</p><ol><li>依法取得许可,亮证经营。</li><li>严格进货查验,不采购、不使用过期食品原料。</li><li>明码标价,不设最低消费。</li><li>厉行节约,反对餐饮浪费。</li></ol>",
            chrono::NaiveDate::from_ymd_opt(2025, 3, 15).ok_or("date")?,
        )
        .await?;
    store
        .case_add(
            &staff,
            catering.id,
            scj,
            &CaseInput {
                kind: "fees".into(),
                title: "协会违规向会员收取评比费用案".into(),
                summary_html: "<p>经查,该协会在组织行业评比活动中向参评会员收取评比费用,违反行业协会商会收费管理规定。</p>".into(),
                outcome: "责令退还所收费用并整改".into(),
                decided_on: chrono::NaiveDate::from_ymd_opt(2025, 10, 9).ok_or("date")?,
                publish: true,
            },
        )
        .await?;
    Ok(())
}
