//! Product traceability (追溯) and inclusive supervision (包容审慎): the product
//! catalogue, custody events with their flags, holdings, trace queries, recalls,
//! incident reports and observation periods.
//!
//! Uploads are one transaction per request: every event is checked first, and a request
//! with any refused event (bad code format, negative quantity, missing party…) writes
//! nothing and names each refused event. Events naming a product not in the catalogue
//! or an entity not in the registry are kept as `pending` with a flag; custody cycles,
//! shipping more than was received and receipts without a shipment are flagged.

use crate::ledger::IdempotencyKey;
use crate::model::Timestamp;
use async_trait::async_trait;
use chrono::NaiveDate;
use jianguan_domain::trace::custody::EventKind;
use jianguan_domain::trace::observation::{Category, Decision};
use jianguan_domain::trace::Scheme;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub id: i64,
    pub owner_uscc: String,
    pub owner_name: String,
    pub scheme: Scheme,
    pub product_key: String,
    pub name: String,
    pub spec: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewProduct {
    pub owner_uscc: String,
    pub scheme: Scheme,
    /// A code of the scheme (its product identifier is what the catalogue keeps).
    pub code: String,
    pub name: String,
    pub spec: String,
}

/// An event as submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEvent {
    /// produce, receive, ship, sell, install, inspect, recall.
    pub kind: EventKind,
    /// gtin, drug, udi, equipment.
    pub scheme: Scheme,
    pub code: String,
    /// Batch, when the code carries none (e.g. a bare GTIN).
    #[serde(default)]
    pub batch: Option<String>,
    #[serde(default)]
    pub from_uscc: Option<String>,
    #[serde(default)]
    pub to_uscc: Option<String>,
    pub occurred_at: Timestamp,
    pub quantity: i64,
    #[serde(default)]
    pub place: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UploadSource {
    Api,
    Csv,
    Form,
}

impl UploadSource {
    pub fn code(self) -> &'static str {
        match self {
            UploadSource::Api => "api",
            UploadSource::Csv => "csv",
            UploadSource::Form => "form",
        }
    }
}

/// A refused event of an upload: its index in the request (0-based) and the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refused {
    pub index: usize,
    pub reason: String,
}

/// The outcome of an accepted upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadResult {
    pub upload_id: i64,
    pub events: i64,
    pub pending: i64,
    pub flagged: i64,
    /// True when an `Idempotency-Key` replayed an earlier upload.
    pub replayed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub id: i64,
    pub upload_id: i64,
    pub kind: String,
    pub scheme: String,
    pub code: String,
    pub product_key: String,
    pub lot: String,
    pub serial: Option<String>,
    pub from_uscc: Option<String>,
    pub to_uscc: Option<String>,
    pub occurred_at: Timestamp,
    pub quantity: i64,
    pub place: String,
    pub status: String,
    pub flags: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EventFilter {
    pub product_key: Option<String>,
    pub lot: Option<String>,
    /// Events where the entity is either party.
    pub uscc: Option<String>,
    pub flagged_only: bool,
    pub limit: i64,
}

/// A holder reached by a trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceNode {
    pub uscc: String,
    /// Registry name, or empty for an entity not in the registry.
    pub name: String,
    pub depth: u32,
    /// Quantity received over the traced edges.
    pub received: i64,
    /// Current stock (inflow − outflow).
    pub held: i64,
}

/// A custody step, with the party responsible for it (责任主体).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceEdge {
    pub from_uscc: String,
    pub to_uscc: String,
    pub kind: String,
    pub quantity: i64,
    pub responsible_uscc: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trace {
    pub product_key: String,
    pub lot: String,
    pub product_name: Option<String>,
    /// `forward` (去向) or `back` (来源).
    pub direction: String,
    pub nodes: Vec<TraceNode>,
    pub edges: Vec<TraceEdge>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRecall {
    pub scheme: Scheme,
    pub code: String,
    pub batch: Option<String>,
    pub initiator_uscc: String,
    pub department_id: i64,
    /// 1, 2 or 3 (一级 most serious).
    pub level: i64,
    pub reason: String,
    pub started_on: NaiveDate,
    pub due_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecallHolder {
    pub uscc: String,
    pub entity_name: String,
    pub depth: i64,
    pub quantity: i64,
    pub confirmed_at: Option<Timestamp>,
    pub confirmed_by: Option<String>,
    pub returned: Option<i64>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recall {
    pub id: i64,
    pub product_key: String,
    pub lot: String,
    pub product_name: String,
    pub initiator_uscc: String,
    pub department_id: i64,
    pub level: i64,
    pub reason: String,
    pub started_on: NaiveDate,
    pub due_on: NaiveDate,
    pub status: String,
    pub started_by: String,
    pub started_at: Timestamp,
    pub completed_at: Option<Timestamp>,
    pub holders: Vec<RecallHolder>,
}

impl Recall {
    pub fn confirmed(&self) -> usize {
        self.holders.iter().filter(|h| h.confirmed_at.is_some()).count()
    }
    pub fn quantity(&self) -> i64 {
        self.holders.iter().map(|h| h.quantity).sum()
    }
    pub fn returned(&self) -> i64 {
        self.holders.iter().filter_map(|h| h.returned).sum()
    }
    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.status == "open" && today > self.due_on
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewIncident {
    pub uscc: String,
    pub scheme: Scheme,
    pub code: String,
    pub batch: Option<String>,
    pub occurred_on: NaiveDate,
    /// general, serious, grave.
    pub severity: String,
    pub title: String,
    pub description: String,
    pub injured: i64,
    pub department_id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    pub id: i64,
    pub uscc: String,
    pub entity_name: String,
    pub scheme: String,
    pub product_key: String,
    pub lot: String,
    pub occurred_on: NaiveDate,
    pub severity: String,
    pub title: String,
    pub description: String,
    pub injured: i64,
    pub department_id: i64,
    pub reported_by: String,
    pub reported_at: Timestamp,
    pub credit_event_id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewObservation {
    pub uscc: String,
    pub model: String,
    pub category: Category,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub review_on: NaiveDate,
    pub rules: String,
    pub department_id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    pub id: i64,
    pub uscc: String,
    pub entity_name: String,
    pub model: String,
    pub category: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub review_on: NaiveDate,
    pub rules: String,
    pub status: String,
    pub decision: Option<String>,
    pub review_note: String,
    pub department_id: i64,
    pub created_by: String,
    pub created_at: Timestamp,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<Timestamp>,
}

#[async_trait]
pub trait TraceStore: Send + Sync {
    async fn trace_product_add(&self, actor: &crate::Actor, p: &NewProduct) -> crate::Result<Product>;
    async fn trace_products(&self, owner_uscc: Option<&str>, limit: i64) -> crate::Result<Vec<Product>>;
    /// Records up to [`jianguan_domain::trace::custody::MAX_UPLOAD`] events in one
    /// transaction, or refuses the whole request with [`UploadError::Refused`].
    async fn trace_upload(
        &self,
        actor: &crate::Actor,
        source: UploadSource,
        department_id: Option<i64>,
        events: &[NewEvent],
        idem: Option<&IdempotencyKey>,
    ) -> Result<UploadResult, UploadError>;
    async fn trace_events(&self, f: &EventFilter) -> crate::Result<Vec<Event>>;
    async fn trace_events_count(&self) -> crate::Result<i64>;
    /// Forward (去向可追) from the producers of the lot, or from `start`, at most
    /// `max_depth` hops.
    async fn trace_forward(
        &self,
        product_key: &str,
        lot: &str,
        start: Option<&str>,
        max_depth: u32,
    ) -> crate::Result<Trace>;
    /// Back to the source (来源可查) from a holder.
    async fn trace_back(&self, product_key: &str, lot: &str, holder: &str, max_depth: u32) -> crate::Result<Trace>;

    async fn trace_recall_start(&self, actor: &crate::Actor, r: &NewRecall) -> crate::Result<Recall>;
    async fn trace_recall_get(&self, id: i64) -> crate::Result<Recall>;
    async fn trace_recalls(&self, department_id: Option<i64>, open_only: bool) -> crate::Result<Vec<Recall>>;
    /// A holder confirms (has withdrawn and returned `returned` units); the recall is
    /// completed when every holder has confirmed.
    async fn trace_recall_confirm(
        &self,
        actor: &crate::Actor,
        id: i64,
        uscc: &str,
        returned: i64,
        note: &str,
    ) -> crate::Result<Recall>;

    /// Records a mandatory incident report and its credit-record entry (kind `incident`).
    async fn trace_incident_report(&self, actor: &crate::Actor, n: &NewIncident) -> crate::Result<Incident>;
    async fn trace_incidents(&self, department_id: Option<i64>, uscc: Option<&str>) -> crate::Result<Vec<Incident>>;

    async fn trace_observation_add(&self, actor: &crate::Actor, n: &NewObservation) -> crate::Result<Observation>;
    async fn trace_observation_get(&self, id: i64) -> crate::Result<Observation>;
    async fn trace_observations(
        &self,
        department_id: Option<i64>,
        status: Option<&str>,
    ) -> crate::Result<Vec<Observation>>;
    /// The review at the end: decides; `Extend` needs the new end and review dates.
    async fn trace_observation_review(
        &self,
        actor: &crate::Actor,
        id: i64,
        department_id: i64,
        decision: Decision,
        note: &str,
        extend_to: Option<(NaiveDate, NaiveDate)>,
    ) -> crate::Result<Observation>;
    /// Entities in an observation period on `today` (read by the draw's pool).
    async fn trace_observing(&self, today: NaiveDate) -> crate::Result<std::collections::BTreeSet<String>>;
}

/// Why an upload was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("{} 条事件被拒绝,整批未写入", .0.len())]
    Refused(Vec<Refused>),
    #[error(transparent)]
    Store(#[from] crate::StoreError),
}

impl From<sqlx::Error> for UploadError {
    fn from(e: sqlx::Error) -> Self {
        UploadError::Store(e.into())
    }
}

/// The lot of a parsed code: its batch, else its serial, else the batch given apart.
pub fn lot_of(code: &jianguan_domain::trace::ProductCode, batch: Option<&str>) -> String {
    code.batch
        .clone()
        .or_else(|| batch.map(str::trim).filter(|b| !b.is_empty()).map(str::to_string))
        .or_else(|| code.serial.clone())
        .unwrap_or_default()
}

/// Implements [`TraceStore`] for a backend; expanded once per database in its module.
#[macro_export]
#[doc(hidden)]
macro_rules! impl_trace_store {
    ($Store:ty, $DB:ty, $Row:ty) => {
        mod trace_store_impl {
            #[allow(unused_imports)]
            use super::*;
            use $crate::trace::*;
            use $crate::credit::{NewCreditEvent, Severity};
            use $crate::ledger::IdempotencyKey;
            use $crate::fairness::check_text;
            use $crate::{Result, StoreError};
            use chrono::NaiveDate;
            use jianguan_domain::trace::{self as tr, custody::{self, flag, EventKind}, observation::{self as obs, Decision}, Scheme};
            use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

            type Tx<'a> = sqlx::Transaction<'a, $DB>;
            const CHUNK: usize = 400;
            const MOVE_KINDS: &str = "('ship', 'sell', 'install', 'recall')";

            fn product_row(r: &$Row) -> Result<Product> {
                let scheme: String = r.try_get("scheme")?;
                Ok(Product {
                    id: r.try_get("id")?,
                    owner_uscc: r.try_get("owner_uscc")?,
                    owner_name: r.try_get("owner_name")?,
                    scheme: Scheme::from_code(&scheme).ok_or_else(|| StoreError::Invalid(format!("编码方案“{scheme}”无法识别")))?,
                    product_key: r.try_get("product_key")?,
                    name: r.try_get("name")?,
                    spec: r.try_get("spec")?,
                    created_at: r.try_get("created_at")?,
                })
            }

            fn event_row(r: &$Row) -> Result<Event> {
                let flags: String = r.try_get("flags")?;
                Ok(Event {
                    id: r.try_get("id")?,
                    upload_id: r.try_get("upload_id")?,
                    kind: r.try_get("kind")?,
                    scheme: r.try_get("scheme")?,
                    code: r.try_get("code")?,
                    product_key: r.try_get("product_key")?,
                    lot: r.try_get("lot")?,
                    serial: r.try_get("serial")?,
                    from_uscc: r.try_get("from_uscc")?,
                    to_uscc: r.try_get("to_uscc")?,
                    occurred_at: r.try_get("occurred_at")?,
                    quantity: r.try_get("quantity")?,
                    place: r.try_get("place")?,
                    status: r.try_get("status")?,
                    flags: flags.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
                })
            }

            fn recall_row(r: &$Row) -> Result<Recall> {
                Ok(Recall {
                    id: r.try_get("id")?,
                    product_key: r.try_get("product_key")?,
                    lot: r.try_get("lot")?,
                    product_name: r.try_get("product_name")?,
                    initiator_uscc: r.try_get("initiator_uscc")?,
                    department_id: r.try_get("department_id")?,
                    level: r.try_get("level")?,
                    reason: r.try_get("reason")?,
                    started_on: r.try_get("started_on")?,
                    due_on: r.try_get("due_on")?,
                    status: r.try_get("status")?,
                    started_by: r.try_get("started_by")?,
                    started_at: r.try_get("started_at")?,
                    completed_at: r.try_get("completed_at")?,
                    holders: Vec::new(),
                })
            }

            fn incident_row(r: &$Row) -> Result<Incident> {
                Ok(Incident {
                    id: r.try_get("id")?,
                    uscc: r.try_get("uscc")?,
                    entity_name: r.try_get("entity_name")?,
                    scheme: r.try_get("scheme")?,
                    product_key: r.try_get("product_key")?,
                    lot: r.try_get("lot")?,
                    occurred_on: r.try_get("occurred_on")?,
                    severity: r.try_get("severity")?,
                    title: r.try_get("title")?,
                    description: r.try_get("description")?,
                    injured: r.try_get("injured")?,
                    department_id: r.try_get("department_id")?,
                    reported_by: r.try_get("reported_by")?,
                    reported_at: r.try_get("reported_at")?,
                    credit_event_id: r.try_get("credit_event_id")?,
                })
            }

            fn observation_row(r: &$Row) -> Result<Observation> {
                Ok(Observation {
                    id: r.try_get("id")?,
                    uscc: r.try_get("uscc")?,
                    entity_name: r.try_get("entity_name")?,
                    model: r.try_get("model")?,
                    category: r.try_get("category")?,
                    starts_on: r.try_get("starts_on")?,
                    ends_on: r.try_get("ends_on")?,
                    review_on: r.try_get("review_on")?,
                    rules: r.try_get("rules")?,
                    status: r.try_get("status")?,
                    decision: r.try_get("decision")?,
                    review_note: r.try_get("review_note")?,
                    department_id: r.try_get("department_id")?,
                    created_by: r.try_get("created_by")?,
                    created_at: r.try_get("created_at")?,
                    reviewed_by: r.try_get("reviewed_by")?,
                    reviewed_at: r.try_get("reviewed_at")?,
                })
            }

            const PRODUCT_SELECT: &str = "SELECT p.*, e.name AS owner_name FROM trace_products p JOIN entities e ON e.uscc = p.owner_uscc";
            const INCIDENT_SELECT: &str = "SELECT i.*, e.name AS entity_name FROM trace_incidents i JOIN entities e ON e.uscc = i.uscc";
            const OBSERVATION_SELECT: &str = "SELECT o.*, e.name AS entity_name FROM trace_observations o JOIN entities e ON e.uscc = o.uscc";

            /// One validated event, ready to insert.
            struct Prepared {
                kind: EventKind,
                scheme: Scheme,
                code: String,
                product_key: String,
                lot: String,
                serial: Option<String>,
                from: Option<String>,
                to: Option<String>,
                occurred_at: $crate::model::Timestamp,
                quantity: i64,
                place: String,
                flags: Vec<&'static str>,
            }

            fn prepare(i: usize, e: &NewEvent) -> std::result::Result<Prepared, Refused> {
                let refuse = |reason: String| Refused { index: i, reason };
                let code = tr::check(e.scheme, &e.code).map_err(|x| refuse(format!("代码“{}”无效:{}", e.code.trim(), x.message)))?;
                let party = |p: &Option<String>| p.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
                let (from, to) = (party(&e.from_uscc), party(&e.to_uscc));
                for p in [&from, &to].into_iter().flatten() {
                    if p.chars().count() != 18 || !p.chars().all(|c| c.is_ascii_alphanumeric()) {
                        return Err(refuse(format!("统一社会信用代码“{p}”格式不符(应为 18 位字母数字)")));
                    }
                }
                custody::check_event(e.kind, from.as_deref(), to.as_deref(), e.quantity).map_err(refuse)?;
                if e.place.chars().count() > 200 {
                    return Err(refuse("地点超过 200 个字符".into()));
                }
                if e.batch.as_deref().is_some_and(|b| b.chars().count() > 40 || b.chars().any(char::is_control)) {
                    return Err(refuse("批号超过 40 个字符或含控制字符".into()));
                }
                let lot = lot_of(&code, e.batch.as_deref());
                Ok(Prepared {
                    kind: e.kind,
                    scheme: e.scheme,
                    code: e.code.trim().to_string(),
                    product_key: code.product,
                    lot,
                    serial: code.serial,
                    from,
                    to,
                    occurred_at: e.occurred_at,
                    quantity: e.quantity,
                    place: e.place.trim().to_string(),
                    flags: Vec::new(),
                })
            }

            impl $Store {
                async fn tr_product_conn(conn: &mut <$DB as sqlx::Database>::Connection, id: i64) -> Result<Product> {
                    let r = sqlx::query(&format!("{PRODUCT_SELECT} WHERE p.id = $1"))
                        .bind(id)
                        .fetch_optional(&mut *conn)
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("产品 {id} 不存在")))?;
                    product_row(&r)
                }

                /// Which of `keys` exist, by `SELECT col FROM table WHERE col IN (…)` in chunks.
                async fn tr_existing(tx: &mut Tx<'_>, sql_head: &str, keys: &BTreeSet<String>) -> Result<HashSet<String>> {
                    let mut out = HashSet::new();
                    let keys: Vec<&String> = keys.iter().collect();
                    for chunk in keys.chunks(CHUNK) {
                        let mut qb = sqlx::QueryBuilder::<$DB>::new(sql_head);
                        qb.push(" IN (");
                        let mut sep = qb.separated(", ");
                        for k in chunk {
                            sep.push_bind(k.as_str());
                        }
                        qb.push(")");
                        let rows: Vec<String> = qb.build_query_scalar().fetch_all(&mut **tx).await?;
                        out.extend(rows);
                    }
                    Ok(out)
                }

                async fn tr_upload_tx(
                    &self,
                    actor: &Actor,
                    source: UploadSource,
                    department_id: Option<i64>,
                    mut events: Vec<Prepared>,
                    idem: Option<&IdempotencyKey>,
                ) -> std::result::Result<UploadResult, UploadError> {
                    let mut tx = self.begin_write().await?;
                    if let Some(k) = idem {
                        let prior = sqlx::query("SELECT request_hash, response_body FROM idempotency_keys WHERE scope = $1 AND key = $2")
                            .bind(&k.scope)
                            .bind(&k.key)
                            .fetch_optional(&mut *tx)
                            .await?;
                        if let Some(prior) = prior {
                            let hash: String = prior.try_get("request_hash")?;
                            if hash != k.request_hash {
                                return Err(StoreError::Invalid("该 Idempotency-Key 已用于内容不同的请求;新的上传请使用新的 Idempotency-Key".into()).into());
                            }
                            let body: String = prior.try_get("response_body")?;
                            let mut r: UploadResult = serde_json::from_str(&body).map_err(|_| StoreError::Invalid("Idempotency-Key 记录损坏".into()))?;
                            r.replayed = true;
                            return Ok(r);
                        }
                        sqlx::query("INSERT INTO idempotency_keys (scope, key, request_hash, response_status, response_body, created_at) VALUES ($1, $2, $3, 0, '', $4)")
                            .bind(&k.scope)
                            .bind(&k.key)
                            .bind(&k.request_hash)
                            .bind(now())
                            .execute(&mut *tx)
                            .await?;
                    }

                    // Pending: unknown entities and products.
                    let parties: BTreeSet<String> = events.iter().flat_map(|e| [e.from.clone(), e.to.clone()]).flatten().collect();
                    let known = Self::tr_existing(&mut tx, "SELECT uscc FROM entities WHERE uscc", &parties).await?;
                    let keys: BTreeSet<String> = events.iter().map(|e| format!("{}|{}", e.scheme.code(), e.product_key)).collect();
                    let known_products =
                        Self::tr_existing(&mut tx, &format!("SELECT scheme {} '|' {} product_key FROM trace_products WHERE scheme {} '|' {} product_key", "||", "||", "||", "||"), &keys).await?;
                    for e in events.iter_mut() {
                        if !known_products.contains(&format!("{}|{}", e.scheme.code(), e.product_key)) {
                            e.flags.push(flag::UNKNOWN_CODE);
                        }
                        if [&e.from, &e.to].into_iter().flatten().any(|p| !known.contains(p)) {
                            e.flags.push(flag::UNKNOWN_ENTITY);
                        }
                    }

                    // Cycles and unmatched receipts, per lot touched.
                    let mut lots: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
                    for (i, e) in events.iter().enumerate() {
                        if e.kind.is_transfer() || e.kind == EventKind::Receive {
                            lots.entry((e.product_key.clone(), e.lot.clone())).or_default().push(i);
                        }
                    }
                    for ((pk, lot), idx) in &lots {
                        let rows = sqlx::query(&format!(
                            "SELECT DISTINCT kind, from_uscc, to_uscc FROM trace_events WHERE product_key = $1 AND lot = $2 AND kind IN ('ship', 'sell', 'install', 'recall') AND from_uscc IS NOT NULL AND to_uscc IS NOT NULL"
                        ))
                        .bind(pk)
                        .bind(lot)
                        .fetch_all(&mut *tx)
                        .await?;
                        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
                        let mut shipped: HashSet<(String, String)> = HashSet::new();
                        for r in &rows {
                            let (k, f, t): (String, String, String) = (r.try_get("kind")?, r.try_get("from_uscc")?, r.try_get("to_uscc")?);
                            if k == "ship" {
                                shipped.insert((f.clone(), t.clone()));
                            }
                            edges.entry(f).or_default().insert(t);
                        }
                        for &i in idx {
                            let e = &events[i];
                            if let (EventKind::Ship, Some(f), Some(t)) = (e.kind, &e.from, &e.to) {
                                shipped.insert((f.clone(), t.clone()));
                            }
                        }
                        for &i in idx {
                            let (kind, from, to) = (events[i].kind, events[i].from.clone(), events[i].to.clone());
                            let (Some(f), Some(t)) = (from, to) else { continue };
                            if kind == EventKind::Receive {
                                if !shipped.contains(&(f, t)) {
                                    events[i].flags.push(flag::UNMATCHED_RECEIVE);
                                }
                                continue;
                            }
                            if edges.get(&f).is_some_and(|s| s.contains(&t)) {
                                continue;
                            }
                            if custody::closes_cycle(&edges, &f, &t) {
                                events[i].flags.push(flag::CYCLE);
                            }
                            edges.entry(f).or_default().insert(t);
                        }
                    }

                    // Holdings: add this request's flows; a holder whose outflow exceeds
                    // its inflow flags the request's outgoing events of that lot.
                    let mut flows: BTreeMap<(String, String, String), (i64, i64)> = BTreeMap::new();
                    for e in &events {
                        for (who, d) in custody::stock_deltas(e.kind, e.from.as_deref(), e.to.as_deref(), e.quantity) {
                            let f = flows.entry((e.product_key.clone(), e.lot.clone(), who.to_string())).or_default();
                            if d >= 0 {
                                f.0 += d;
                            } else {
                                f.1 -= d;
                            }
                        }
                    }
                    let mut over: HashSet<(String, String, String)> = HashSet::new();
                    let flows: Vec<_> = flows.into_iter().collect();
                    for chunk in flows.chunks(CHUNK) {
                        let mut qb = sqlx::QueryBuilder::<$DB>::new("INSERT INTO trace_holdings (product_key, lot, uscc, inflow, outflow) ");
                        qb.push_values(chunk, |mut b, ((pk, lot, who), (i, o))| {
                            b.push_bind(pk.as_str()).push_bind(lot.as_str()).push_bind(who.as_str()).push_bind(*i).push_bind(*o);
                        });
                        qb.push(
                            " ON CONFLICT (product_key, lot, uscc) DO UPDATE SET inflow = trace_holdings.inflow + excluded.inflow, \
                             outflow = trace_holdings.outflow + excluded.outflow RETURNING product_key, lot, uscc, inflow, outflow",
                        );
                        let rows = qb.build().fetch_all(&mut *tx).await?;
                        for r in &rows {
                            let (i, o): (i64, i64) = (r.try_get("inflow")?, r.try_get("outflow")?);
                            if o > i {
                                over.insert((r.try_get("product_key")?, r.try_get("lot")?, r.try_get("uscc")?));
                            }
                        }
                    }
                    if !over.is_empty() {
                        for e in events.iter_mut() {
                            if let Some(f) = &e.from {
                                if e.kind != EventKind::Receive && e.kind != EventKind::Inspect && over.contains(&(e.product_key.clone(), e.lot.clone(), f.clone())) {
                                    e.flags.push(flag::OVER_SHIPPED);
                                }
                            }
                        }
                    }

                    let pending = events.iter().filter(|e| e.flags.iter().any(|f| *f == flag::UNKNOWN_CODE || *f == flag::UNKNOWN_ENTITY)).count() as i64;
                    let flagged = events.iter().filter(|e| !e.flags.is_empty()).count() as i64;
                    let upload_id: i64 = sqlx::query_scalar(
                        "INSERT INTO trace_uploads (source, department_id, submitted_by, submitted_at, events, pending, flagged) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                    )
                    .bind(source.code())
                    .bind(department_id)
                    .bind(&actor.name)
                    .bind(now())
                    .bind(events.len() as i64)
                    .bind(pending)
                    .bind(flagged)
                    .fetch_one(&mut *tx)
                    .await?;
                    for chunk in events.chunks(CHUNK) {
                        let mut qb = sqlx::QueryBuilder::<$DB>::new(
                            "INSERT INTO trace_events (upload_id, kind, scheme, code, product_key, lot, serial, from_uscc, to_uscc, occurred_at, quantity, place, status, flags) ",
                        );
                        qb.push_values(chunk, |mut b, e| {
                            let pending = e.flags.iter().any(|f| *f == flag::UNKNOWN_CODE || *f == flag::UNKNOWN_ENTITY);
                            b.push_bind(upload_id)
                                .push_bind(e.kind.code())
                                .push_bind(e.scheme.code())
                                .push_bind(e.code.as_str())
                                .push_bind(e.product_key.as_str())
                                .push_bind(e.lot.as_str())
                                .push_bind(e.serial.as_deref())
                                .push_bind(e.from.as_deref())
                                .push_bind(e.to.as_deref())
                                .push_bind(e.occurred_at)
                                .push_bind(e.quantity)
                                .push_bind(e.place.as_str())
                                .push_bind(if pending { "pending" } else { "recorded" })
                                .push_bind(e.flags.join(","));
                        });
                        qb.build().execute(&mut *tx).await?;
                    }
                    let result = UploadResult { upload_id, events: events.len() as i64, pending, flagged, replayed: false };
                    if let Some(k) = idem {
                        sqlx::query("UPDATE idempotency_keys SET response_status = 201, response_body = $1 WHERE scope = $2 AND key = $3")
                            .bind(serde_json::to_string(&result).map_err(|e| StoreError::Invalid(e.to_string()))?)
                            .bind(&k.scope)
                            .bind(&k.key)
                            .execute(&mut *tx)
                            .await?;
                    }
                    self.append_audit(
                        &mut tx,
                        &actor.event(
                            "trace.upload",
                            format!("trace_upload:{upload_id}"),
                            serde_json::json!({ "source": source.code(), "events": result.events, "pending": pending, "flagged": flagged, "lots": lots.len() }),
                        ),
                    )
                    .await?;
                    tx.commit().await?;
                    Ok(result)
                }

                async fn tr_names(&self, usccs: &BTreeSet<String>) -> Result<HashMap<String, String>> {
                    let mut out = HashMap::new();
                    let keys: Vec<&String> = usccs.iter().collect();
                    for chunk in keys.chunks(CHUNK) {
                        let mut qb = sqlx::QueryBuilder::<$DB>::new("SELECT uscc, name FROM entities WHERE uscc IN (");
                        let mut sep = qb.separated(", ");
                        for k in chunk {
                            sep.push_bind(k.as_str());
                        }
                        qb.push(")");
                        for r in qb.build().fetch_all(self.read()).await? {
                            out.insert(r.try_get("uscc")?, r.try_get("name")?);
                        }
                    }
                    Ok(out)
                }

                async fn tr_product_name(&self, product_key: &str) -> Result<Option<String>> {
                    Ok(sqlx::query_scalar("SELECT name FROM trace_products WHERE product_key = $1 ORDER BY id LIMIT 1")
                        .bind(product_key)
                        .fetch_optional(self.read())
                        .await?)
                }

                /// The lot's movement edges, summed per (from, to), with the step kind of
                /// the latest event.
                async fn tr_edges(&self, product_key: &str, lot: &str) -> Result<Vec<(String, String, String, i64)>> {
                    let rows = sqlx::query(&format!(
                        "SELECT from_uscc, to_uscc, MAX(kind) AS kind, CAST(SUM(quantity) AS BIGINT) AS q FROM trace_events \
                         WHERE product_key = $1 AND lot = $2 AND kind IN {MOVE_KINDS} AND from_uscc IS NOT NULL AND to_uscc IS NOT NULL \
                         GROUP BY from_uscc, to_uscc"
                    ))
                    .bind(product_key)
                    .bind(lot)
                    .fetch_all(self.read())
                    .await?;
                    rows.iter()
                        .map(|r| Ok((r.try_get("from_uscc")?, r.try_get("to_uscc")?, r.try_get("kind")?, r.try_get::<i64, _>("q")?)))
                        .collect()
                }

                async fn tr_build(&self, product_key: &str, lot: &str, direction: &str, hops: Vec<custody::Hop>, edges: Vec<TraceEdge>) -> Result<Trace> {
                    let usccs: BTreeSet<String> = hops.iter().map(|h| h.uscc.clone()).collect();
                    let names = self.tr_names(&usccs).await?;
                    let held: HashMap<String, i64> = sqlx::query("SELECT uscc, inflow - outflow AS held FROM trace_holdings WHERE product_key = $1 AND lot = $2")
                        .bind(product_key)
                        .bind(lot)
                        .fetch_all(self.read())
                        .await?
                        .iter()
                        .map(|r| Ok((r.try_get::<String, _>("uscc")?, r.try_get::<i64, _>("held")?)))
                        .collect::<Result<_>>()?;
                    let nodes = hops
                        .into_iter()
                        .map(|h| TraceNode {
                            name: names.get(&h.uscc).cloned().unwrap_or_default(),
                            held: held.get(&h.uscc).copied().unwrap_or(0),
                            uscc: h.uscc,
                            depth: h.depth,
                            received: h.received,
                        })
                        .collect();
                    Ok(Trace { product_key: product_key.into(), lot: lot.into(), product_name: self.tr_product_name(product_key).await?, direction: direction.into(), nodes, edges })
                }

                async fn tr_recall_conn(conn: &mut <$DB as sqlx::Database>::Connection, id: i64) -> Result<Recall> {
                    let r = sqlx::query("SELECT * FROM trace_recalls WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *conn)
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("召回 {id} 不存在")))?;
                    let mut rec = recall_row(&r)?;
                    for h in sqlx::query("SELECT * FROM trace_recall_holders WHERE recall_id = $1 ORDER BY depth, uscc").bind(id).fetch_all(&mut *conn).await? {
                        rec.holders.push(RecallHolder {
                            uscc: h.try_get("uscc")?,
                            entity_name: h.try_get("entity_name")?,
                            depth: h.try_get("depth")?,
                            quantity: h.try_get("quantity")?,
                            confirmed_at: h.try_get("confirmed_at")?,
                            confirmed_by: h.try_get("confirmed_by")?,
                            returned: h.try_get("returned")?,
                            note: h.try_get("note")?,
                        });
                    }
                    Ok(rec)
                }

                async fn tr_observation_conn(conn: &mut <$DB as sqlx::Database>::Connection, id: i64) -> Result<Observation> {
                    let r = sqlx::query(&format!("{OBSERVATION_SELECT} WHERE o.id = $1"))
                        .bind(id)
                        .fetch_optional(&mut *conn)
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("观察期记录 {id} 不存在")))?;
                    observation_row(&r)
                }
            }

            #[async_trait::async_trait]
            impl $crate::trace::TraceStore for $Store {
                async fn trace_product_add(&self, actor: &Actor, p: &NewProduct) -> Result<Product> {
                    let code = tr::check(p.scheme, &p.code).map_err(|e| StoreError::Invalid(format!("产品代码无效:{}", e.message)))?;
                    check_text("产品名称", &p.name, 200, true)?;
                    check_text("规格", &p.spec, 200, false)?;
                    let mut tx = self.begin_write().await?;
                    Self::entity_name_conn(&mut tx, p.owner_uscc.trim()).await?;
                    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM trace_products WHERE scheme = $1 AND product_key = $2")
                        .bind(p.scheme.code())
                        .bind(&code.product)
                        .fetch_optional(&mut *tx)
                        .await?;
                    if exists.is_some() {
                        return Err(StoreError::Conflict(format!("产品标识 {} 已在目录中", code.product)));
                    }
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO trace_products (owner_uscc, scheme, product_key, name, spec, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                    )
                    .bind(p.owner_uscc.trim())
                    .bind(p.scheme.code())
                    .bind(&code.product)
                    .bind(p.name.trim())
                    .bind(p.spec.trim())
                    .bind(&actor.name)
                    .bind(now())
                    .fetch_one(&mut *tx)
                    .await?;
                    // Events that were pending on this product are no longer unknown-code.
                    let rows = sqlx::query("SELECT id, flags FROM trace_events WHERE scheme = $1 AND product_key = $2 AND status = 'pending'")
                        .bind(p.scheme.code())
                        .bind(&code.product)
                        .fetch_all(&mut *tx)
                        .await?;
                    for r in &rows {
                        let (eid, flags): (i64, String) = (r.try_get("id")?, r.try_get("flags")?);
                        let rest: Vec<&str> = flags.split(',').filter(|f| !f.is_empty() && *f != flag::UNKNOWN_CODE).collect();
                        let status = if rest.contains(&flag::UNKNOWN_ENTITY) { "pending" } else { "recorded" };
                        sqlx::query("UPDATE trace_events SET flags = $1, status = $2 WHERE id = $3").bind(rest.join(",")).bind(status).bind(eid).execute(&mut *tx).await?;
                    }
                    self.append_audit(
                        &mut tx,
                        &actor.event("trace.product.add", format!("trace_product:{id}"), serde_json::json!({ "owner": p.owner_uscc.trim(), "scheme": p.scheme.code(), "product_key": code.product, "resolved_pending": rows.len() })),
                    )
                    .await?;
                    let out = Self::tr_product_conn(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn trace_products(&self, owner: Option<&str>, limit: i64) -> Result<Vec<Product>> {
                    let rows = sqlx::query(&format!("{PRODUCT_SELECT} WHERE ($1 IS NULL OR p.owner_uscc = $1) ORDER BY p.id DESC LIMIT $2"))
                        .bind(owner)
                        .bind(if limit > 0 { limit.min(1000) } else { 200 })
                        .fetch_all(self.read())
                        .await?;
                    rows.iter().map(product_row).collect()
                }

                async fn trace_upload(
                    &self,
                    actor: &Actor,
                    source: UploadSource,
                    department_id: Option<i64>,
                    events: &[NewEvent],
                    idem: Option<&IdempotencyKey>,
                ) -> std::result::Result<UploadResult, UploadError> {
                    if events.is_empty() {
                        return Err(StoreError::Invalid("上传内容没有事件".into()).into());
                    }
                    if events.len() > custody::MAX_UPLOAD {
                        return Err(StoreError::Invalid(format!("每次最多上传 {} 条事件,本次 {} 条", custody::MAX_UPLOAD, events.len())).into());
                    }
                    let mut prepared = Vec::with_capacity(events.len());
                    let mut refused = Vec::new();
                    for (i, e) in events.iter().enumerate() {
                        match prepare(i, e) {
                            Ok(p) => prepared.push(p),
                            Err(r) => refused.push(r),
                        }
                    }
                    if !refused.is_empty() {
                        return Err(UploadError::Refused(refused));
                    }
                    self.tr_upload_tx(actor, source, department_id, prepared, idem).await
                }

                async fn trace_events(&self, f: &EventFilter) -> Result<Vec<Event>> {
                    let mut qb = sqlx::QueryBuilder::<$DB>::new("SELECT * FROM trace_events WHERE 1 = 1");
                    if let Some(pk) = f.product_key.as_deref().filter(|s| !s.is_empty()) {
                        qb.push(" AND product_key = ").push_bind(pk.to_string());
                    }
                    if let Some(lot) = &f.lot {
                        qb.push(" AND lot = ").push_bind(lot.clone());
                    }
                    if let Some(u) = f.uscc.as_deref().filter(|s| !s.is_empty()) {
                        qb.push(" AND (from_uscc = ").push_bind(u.to_string()).push(" OR to_uscc = ").push_bind(u.to_string()).push(")");
                    }
                    if f.flagged_only {
                        qb.push(" AND flags <> ''");
                    }
                    qb.push(" ORDER BY id DESC LIMIT ").push_bind(if f.limit > 0 { f.limit.min(5000) } else { 200 });
                    let rows = qb.build().fetch_all(self.read()).await?;
                    rows.iter().map(event_row).collect()
                }

                async fn trace_events_count(&self) -> Result<i64> {
                    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM trace_events").fetch_one(self.read()).await?)
                }

                async fn trace_forward(&self, product_key: &str, lot: &str, start: Option<&str>, max_depth: u32) -> Result<Trace> {
                    let edges = self.tr_edges(product_key, lot).await?;
                    let starts: Vec<String> = match start {
                        Some(s) => vec![s.to_string()],
                        None => sqlx::query_scalar("SELECT DISTINCT to_uscc FROM trace_events WHERE product_key = $1 AND lot = $2 AND kind = 'produce' ORDER BY to_uscc")
                            .bind(product_key)
                            .bind(lot)
                            .fetch_all(self.read())
                            .await?,
                    };
                    if starts.is_empty() {
                        return Err(StoreError::NotFound(format!("产品 {product_key} 批次“{lot}”没有生产记录")));
                    }
                    let mut adj: BTreeMap<&str, Vec<(&str, i64)>> = BTreeMap::new();
                    for (f, t, _, q) in &edges {
                        adj.entry(f.as_str()).or_default().push((t.as_str(), *q));
                    }
                    let start_refs: Vec<&str> = starts.iter().map(String::as_str).collect();
                    let hops = custody::walk(&adj, &start_refs, max_depth);
                    let depth: HashMap<&str, u32> = hops.iter().map(|h| (h.uscc.as_str(), h.depth)).collect();
                    let out_edges = edges
                        .iter()
                        .filter(|(f, t, _, _)| depth.get(f.as_str()).is_some_and(|d| *d < max_depth) && depth.contains_key(t.as_str()))
                        .map(|(f, t, k, q)| TraceEdge {
                            from_uscc: f.clone(),
                            to_uscc: t.clone(),
                            responsible_uscc: if EventKind::parse(k).is_some_and(|k| k.responsible_is_from()) { f.clone() } else { t.clone() },
                            kind: k.clone(),
                            quantity: *q,
                        })
                        .collect();
                    self.tr_build(product_key, lot, "forward", hops, out_edges).await
                }

                async fn trace_back(&self, product_key: &str, lot: &str, holder: &str, max_depth: u32) -> Result<Trace> {
                    let edges = self.tr_edges(product_key, lot).await?;
                    let mut adj: BTreeMap<&str, Vec<(&str, i64)>> = BTreeMap::new();
                    for (f, t, _, q) in &edges {
                        adj.entry(t.as_str()).or_default().push((f.as_str(), *q));
                    }
                    if !adj.contains_key(holder) && !edges.iter().any(|(f, _, _, _)| f == holder) {
                        let produced: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM trace_events WHERE product_key = $1 AND lot = $2 AND to_uscc = $3")
                            .bind(product_key)
                            .bind(lot)
                            .bind(holder)
                            .fetch_one(self.read())
                            .await?;
                        if produced == 0 {
                            return Err(StoreError::NotFound(format!("{holder} 没有产品 {product_key} 批次“{lot}”的流向记录")));
                        }
                    }
                    let hops = custody::walk(&adj, &[holder], max_depth);
                    let depth: HashMap<&str, u32> = hops.iter().map(|h| (h.uscc.as_str(), h.depth)).collect();
                    let out_edges = edges
                        .iter()
                        .filter(|(f, t, _, _)| depth.get(t.as_str()).is_some_and(|d| *d < max_depth) && depth.contains_key(f.as_str()))
                        .map(|(f, t, k, q)| TraceEdge {
                            from_uscc: f.clone(),
                            to_uscc: t.clone(),
                            responsible_uscc: if EventKind::parse(k).is_some_and(|k| k.responsible_is_from()) { f.clone() } else { t.clone() },
                            kind: k.clone(),
                            quantity: *q,
                        })
                        .collect();
                    self.tr_build(product_key, lot, "back", hops, out_edges).await
                }

                async fn trace_recall_start(&self, actor: &Actor, r: &NewRecall) -> Result<Recall> {
                    let code = tr::check(r.scheme, &r.code).map_err(|e| StoreError::Invalid(format!("产品代码无效:{}", e.message)))?;
                    let lot = lot_of(&code, r.batch.as_deref());
                    if !(1..=3).contains(&r.level) {
                        return Err(StoreError::Invalid("召回级别应为一级、二级或三级".into()));
                    }
                    check_text("召回原因", &r.reason, 2000, true)?;
                    if r.due_on < r.started_on {
                        return Err(StoreError::Invalid("完成期限不能早于开始日期".into()));
                    }
                    let trace = self.trace_forward(&code.product, &lot, Some(r.initiator_uscc.trim()), 32).await?;
                    let holders: Vec<&TraceNode> = trace.nodes.iter().filter(|n| n.depth > 0 && n.held > 0).collect();
                    if holders.is_empty() {
                        return Err(StoreError::Invalid("该批次在下游没有持有者,无需召回".into()));
                    }
                    let mut tx = self.begin_write().await?;
                    let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM trace_recalls WHERE product_key = $1 AND lot = $2 AND status = 'open'")
                        .bind(&code.product)
                        .bind(&lot)
                        .fetch_one(&mut *tx)
                        .await?;
                    if open > 0 {
                        return Err(StoreError::Conflict("该批次已有进行中的召回".into()));
                    }
                    Self::entity_name_conn(&mut tx, r.initiator_uscc.trim()).await?;
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO trace_recalls (product_key, lot, product_name, initiator_uscc, department_id, level, reason, started_on, due_on, status, started_by, started_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $10, $11) RETURNING id",
                    )
                    .bind(&code.product)
                    .bind(&lot)
                    .bind(trace.product_name.clone().unwrap_or_else(|| code.product.clone()))
                    .bind(r.initiator_uscc.trim())
                    .bind(r.department_id)
                    .bind(r.level)
                    .bind(r.reason.trim())
                    .bind(r.started_on)
                    .bind(r.due_on)
                    .bind(&actor.name)
                    .bind(now())
                    .fetch_one(&mut *tx)
                    .await?;
                    for chunk in holders.chunks(CHUNK) {
                        let mut qb = sqlx::QueryBuilder::<$DB>::new("INSERT INTO trace_recall_holders (recall_id, uscc, entity_name, depth, quantity, note) ");
                        qb.push_values(chunk, |mut b, n| {
                            b.push_bind(id).push_bind(n.uscc.as_str()).push_bind(n.name.as_str()).push_bind(n.depth as i64).push_bind(n.held).push_bind("");
                        });
                        qb.build().execute(&mut *tx).await?;
                    }
                    self.append_audit(
                        &mut tx,
                        &actor.event("trace.recall.start", format!("trace_recall:{id}"), serde_json::json!({ "product_key": code.product, "lot": lot, "level": r.level, "holders": holders.len() })),
                    )
                    .await?;
                    let out = Self::tr_recall_conn(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn trace_recall_get(&self, id: i64) -> Result<Recall> {
                    let mut c = self.read().acquire().await?;
                    Self::tr_recall_conn(&mut c, id).await
                }

                async fn trace_recalls(&self, department_id: Option<i64>, open_only: bool) -> Result<Vec<Recall>> {
                    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM trace_recalls WHERE ($1 IS NULL OR department_id = $1) AND ($2 = FALSE OR status = 'open') ORDER BY id DESC LIMIT 200")
                        .bind(department_id)
                        .bind(open_only)
                        .fetch_all(self.read())
                        .await?;
                    let mut c = self.read().acquire().await?;
                    let mut out = Vec::new();
                    for id in ids {
                        out.push(Self::tr_recall_conn(&mut c, id).await?);
                    }
                    Ok(out)
                }

                async fn trace_recall_confirm(&self, actor: &Actor, id: i64, uscc: &str, returned: i64, note: &str) -> Result<Recall> {
                    check_text("说明", note, 1000, false)?;
                    if returned < 0 {
                        return Err(StoreError::Invalid("退回数量不能为负数".into()));
                    }
                    let mut tx = self.begin_write().await?;
                    let rec = Self::tr_recall_conn(&mut tx, id).await?;
                    if rec.status != "open" {
                        return Err(StoreError::Conflict("该召回已完成".into()));
                    }
                    let Some(h) = rec.holders.iter().find(|h| h.uscc == uscc.trim()) else {
                        return Err(StoreError::NotFound(format!("{uscc} 不在该召回的持有者名单中")));
                    };
                    if h.confirmed_at.is_some() {
                        return Err(StoreError::Conflict("该持有者已确认".into()));
                    }
                    if returned > h.quantity {
                        return Err(StoreError::Invalid(format!("退回数量 {returned} 超过持有数量 {}", h.quantity)));
                    }
                    let t = now();
                    sqlx::query("UPDATE trace_recall_holders SET confirmed_at = $1, confirmed_by = $2, returned = $3, note = $4 WHERE recall_id = $5 AND uscc = $6")
                        .bind(t)
                        .bind(&actor.name)
                        .bind(returned)
                        .bind(note.trim())
                        .bind(id)
                        .bind(uscc.trim())
                        .execute(&mut *tx)
                        .await?;
                    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM trace_recall_holders WHERE recall_id = $1 AND confirmed_at IS NULL").bind(id).fetch_one(&mut *tx).await?;
                    if left == 0 {
                        sqlx::query("UPDATE trace_recalls SET status = 'completed', completed_at = $1 WHERE id = $2").bind(t).bind(id).execute(&mut *tx).await?;
                    }
                    self.append_audit(
                        &mut tx,
                        &actor.event("trace.recall.confirm", format!("trace_recall:{id}"), serde_json::json!({ "uscc": uscc.trim(), "returned": returned, "completed": left == 0 })),
                    )
                    .await?;
                    let out = Self::tr_recall_conn(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn trace_incident_report(&self, actor: &Actor, n: &NewIncident) -> Result<Incident> {
                    let code = tr::check(n.scheme, &n.code).map_err(|e| StoreError::Invalid(format!("产品代码无效:{}", e.message)))?;
                    let lot = lot_of(&code, n.batch.as_deref());
                    let severity = match n.severity.as_str() {
                        "general" => Severity::Minor,
                        "serious" => Severity::Serious,
                        "grave" => Severity::Grave,
                        other => return Err(StoreError::Invalid(format!("事故等级“{other}”无效,应为一般、较大或重大"))),
                    };
                    check_text("事故标题", &n.title, 200, true)?;
                    check_text("事故经过", &n.description, 4000, true)?;
                    if n.injured < 0 {
                        return Err(StoreError::Invalid("伤亡人数不能为负数".into()));
                    }
                    let mut tx = self.begin_write().await?;
                    let name = Self::entity_name_conn(&mut tx, n.uscc.trim()).await?;
                    let t = now();
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO trace_incidents (uscc, scheme, product_key, lot, occurred_on, severity, title, description, injured, department_id, reported_by, reported_at, credit_event_id) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0) RETURNING id",
                    )
                    .bind(n.uscc.trim())
                    .bind(n.scheme.code())
                    .bind(&code.product)
                    .bind(&lot)
                    .bind(n.occurred_on)
                    .bind(&n.severity)
                    .bind(n.title.trim())
                    .bind(n.description.trim())
                    .bind(n.injured)
                    .bind(n.department_id)
                    .bind(&actor.name)
                    .bind(t)
                    .fetch_one(&mut *tx)
                    .await?;
                    let credit_id = self
                        .credit_event_tx(
                            &mut tx,
                            &NewCreditEvent {
                                uscc: n.uscc.trim().to_string(),
                                kind: "incident".into(),
                                source_department_id: Some(n.department_id),
                                occurred_on: n.occurred_on,
                                title: format!("产品质量安全事故报告:{}", n.title.trim()),
                                detail: serde_json::json!({ "scheme": n.scheme.code(), "product_key": code.product, "lot": lot, "severity": n.severity }),
                                ref_kind: "trace_incident".into(),
                                ref_id: id.to_string(),
                                severity,
                                public: false,
                                public_until: None,
                            },
                        )
                        .await?;
                    sqlx::query("UPDATE trace_incidents SET credit_event_id = $1 WHERE id = $2").bind(credit_id).bind(id).execute(&mut *tx).await?;
                    self.append_audit(
                        &mut tx,
                        &actor.event("trace.incident.report", format!("trace_incident:{id}"), serde_json::json!({ "uscc": n.uscc.trim(), "product_key": code.product, "lot": lot, "severity": n.severity, "credit_event": credit_id })),
                    )
                    .await?;
                    let r = sqlx::query(&format!("{INCIDENT_SELECT} WHERE i.id = $1")).bind(id).fetch_one(&mut *tx).await?;
                    let out = incident_row(&r)?;
                    tx.commit().await?;
                    let _ = name;
                    Ok(out)
                }

                async fn trace_incidents(&self, department_id: Option<i64>, uscc: Option<&str>) -> Result<Vec<Incident>> {
                    let rows = sqlx::query(&format!("{INCIDENT_SELECT} WHERE ($1 IS NULL OR i.department_id = $1) AND ($2 IS NULL OR i.uscc = $2) ORDER BY i.id DESC LIMIT 500"))
                        .bind(department_id)
                        .bind(uscc)
                        .fetch_all(self.read())
                        .await?;
                    rows.iter().map(incident_row).collect()
                }

                async fn trace_observation_add(&self, actor: &Actor, n: &NewObservation) -> Result<Observation> {
                    check_text("新业态/经营模式", &n.model, 200, true)?;
                    check_text("监管规则", &n.rules, 4000, true)?;
                    obs::check_period(n.starts_on, n.ends_on, n.review_on).map_err(StoreError::Invalid)?;
                    let mut tx = self.begin_write().await?;
                    Self::entity_name_conn(&mut tx, n.uscc.trim()).await?;
                    let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM trace_observations WHERE uscc = $1 AND status = 'observing'")
                        .bind(n.uscc.trim())
                        .fetch_one(&mut *tx)
                        .await?;
                    if open > 0 {
                        return Err(StoreError::Conflict("该主体已有进行中的观察期".into()));
                    }
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO trace_observations (uscc, model, category, starts_on, ends_on, review_on, rules, status, review_note, department_id, created_by, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, 'observing', '', $8, $9, $10) RETURNING id",
                    )
                    .bind(n.uscc.trim())
                    .bind(n.model.trim())
                    .bind(n.category.code())
                    .bind(n.starts_on)
                    .bind(n.ends_on)
                    .bind(n.review_on)
                    .bind(n.rules.trim())
                    .bind(n.department_id)
                    .bind(&actor.name)
                    .bind(now())
                    .fetch_one(&mut *tx)
                    .await?;
                    self.append_audit(
                        &mut tx,
                        &actor.event("trace.observation.add", format!("trace_observation:{id}"), serde_json::json!({ "uscc": n.uscc.trim(), "category": n.category.code(), "ends_on": n.ends_on, "review_on": n.review_on })),
                    )
                    .await?;
                    let out = Self::tr_observation_conn(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn trace_observation_get(&self, id: i64) -> Result<Observation> {
                    let mut c = self.read().acquire().await?;
                    Self::tr_observation_conn(&mut c, id).await
                }

                async fn trace_observations(&self, department_id: Option<i64>, status: Option<&str>) -> Result<Vec<Observation>> {
                    let rows = sqlx::query(&format!("{OBSERVATION_SELECT} WHERE ($1 IS NULL OR o.department_id = $1) AND ($2 IS NULL OR o.status = $2) ORDER BY o.review_on, o.id LIMIT 500"))
                        .bind(department_id)
                        .bind(status)
                        .fetch_all(self.read())
                        .await?;
                    rows.iter().map(observation_row).collect()
                }

                async fn trace_observation_review(
                    &self,
                    actor: &Actor,
                    id: i64,
                    department_id: i64,
                    decision: Decision,
                    note: &str,
                    extend_to: Option<(NaiveDate, NaiveDate)>,
                ) -> Result<Observation> {
                    check_text("评估意见", note, 2000, true)?;
                    let mut tx = self.begin_write().await?;
                    let o = Self::tr_observation_conn(&mut tx, id).await?;
                    if o.department_id != department_id {
                        return Err(StoreError::NotFound(format!("本部门没有编号为 {id} 的观察期记录")));
                    }
                    if o.status != "observing" {
                        return Err(StoreError::Conflict("该观察期已评估".into()));
                    }
                    let t = now();
                    if decision == Decision::Extend {
                        let Some((ends_on, review_on)) = extend_to else {
                            return Err(StoreError::Invalid("延长观察期须填写新的结束日期和评估日期".into()));
                        };
                        if ends_on <= o.ends_on {
                            return Err(StoreError::Invalid("新的结束日期应晚于原结束日期".into()));
                        }
                        obs::check_period(o.starts_on, ends_on, review_on).map_err(StoreError::Invalid)?;
                        sqlx::query("UPDATE trace_observations SET ends_on = $1, review_on = $2, review_note = $3, decision = $4, reviewed_by = $5, reviewed_at = $6 WHERE id = $7")
                            .bind(ends_on)
                            .bind(review_on)
                            .bind(note.trim())
                            .bind(decision.code())
                            .bind(&actor.name)
                            .bind(t)
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                    } else {
                        sqlx::query("UPDATE trace_observations SET status = 'reviewed', review_note = $1, decision = $2, reviewed_by = $3, reviewed_at = $4 WHERE id = $5")
                            .bind(note.trim())
                            .bind(decision.code())
                            .bind(&actor.name)
                            .bind(t)
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    self.append_audit(
                        &mut tx,
                        &actor.event("trace.observation.review", format!("trace_observation:{id}"), serde_json::json!({ "decision": decision.code(), "extend_to": extend_to })),
                    )
                    .await?;
                    let out = Self::tr_observation_conn(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn trace_observing(&self, today: NaiveDate) -> Result<BTreeSet<String>> {
                    let rows: Vec<String> = sqlx::query_scalar("SELECT DISTINCT uscc FROM trace_observations WHERE status = 'observing' AND starts_on <= $1 AND ends_on >= $1")
                        .bind(today)
                        .fetch_all(self.read())
                        .await?;
                    Ok(rows.into_iter().collect())
                }
            }
        }
    };
}
