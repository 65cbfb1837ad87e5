//! The entity registry (检查对象名录库), item lists (清单) and the approval handoff
//! (审管衔接, 双告知).
//!
//! * Entities are keyed by uscc. Bulk imports go through an [`ImportJob`]: each batch is
//!   written with the job's progress and one audit entry in a single transaction, so a
//!   killed import resumes after its last committed batch and nothing is half-written.
//! * Items carry a version; every change keeps the previous snapshot in `item_history`.
//! * A pushed licence or filing record is routed to the supervising departments of its
//!   item; the idempotency record of the push is written in the same transaction.

use crate::model::Timestamp;
use async_trait::async_trait;
use chrono::NaiveDate;
use jianguan_domain::registry::ListKind;
use serde::{Deserialize, Serialize};

/// An entity as the store writes it. The legal representative is never stored in
/// clear: `legal_rep_sealed` is SM4-sealed, `legal_rep_index` a keyed blind index and
/// `legal_rep_masked` the form public pages show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityRecord {
    pub uscc: String,
    pub name: String,
    pub kind: String,
    #[serde(skip_serializing)]
    pub legal_rep_sealed: String,
    #[serde(skip_serializing)]
    pub legal_rep_index: String,
    pub legal_rep_masked: String,
    pub address: String,
    pub division: String,
    pub industry: String,
    pub industry_name: String,
    pub registered_on: Option<NaiveDate>,
    pub status: String,
    pub tags: Vec<String>,
    pub legacy: bool,
    pub legacy_warning: String,
    /// Fingerprint of the content (with the blind index, not the name): equal hashes
    /// mean an import row changes nothing.
    pub row_hash: String,
}

/// A stored entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entity {
    pub id: i64,
    #[serde(flatten)]
    pub rec: EntityRecord,
    pub import_id: Option<i64>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Search of the registry. Empty fields do not filter.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EntityFilter {
    /// An 18-character code (exact) or a substring of the name.
    pub q: Option<String>,
    /// Industry code prefix (`52`, `5211`).
    pub industry: Option<String>,
    pub status: Option<String>,
    pub tag: Option<String>,
    /// Blind index of a legal representative's name (exact).
    pub legal_rep_index: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// Counting stops here: past it a search reports "more than".
pub const SEARCH_COUNT_CAP: i64 = 10_000;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EntityPage {
    pub rows: Vec<Entity>,
    /// Matching rows, at most [`SEARCH_COUNT_CAP`] + 1.
    pub total: i64,
}

/// A previous version of an entity, kept when an import changed it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EntityVersion {
    pub at: Timestamp,
    pub actor: String,
    pub import_id: Option<i64>,
    /// The previous record as JSON (legal representative sealed).
    pub previous: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewImportJob {
    /// What is imported (`entities`).
    pub kind: String,
    pub file_name: String,
    pub file_sha256: String,
    pub file_bytes: i64,
    /// Options that change the outcome (JSON); a resume needs the same.
    pub options: String,
    pub department_id: Option<i64>,
}

/// An import and its row accounting: `imported + updated + rejected + duplicate` is the
/// number of data rows committed so far (`rows_committed`), and the file's total at the end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportJob {
    pub id: i64,
    pub kind: String,
    pub file_name: String,
    pub file_sha256: String,
    pub file_bytes: i64,
    pub options: String,
    /// `running`, `done` or `failed`.
    pub status: String,
    pub error: String,
    pub rows_committed: i64,
    pub bytes_committed: i64,
    pub batches: i64,
    pub imported: i64,
    pub updated: i64,
    pub rejected: i64,
    pub duplicate: i64,
    pub started_by: String,
    pub department_id: Option<i64>,
    pub started_at: Timestamp,
    pub updated_at: Timestamp,
    pub finished_at: Option<Timestamp>,
}

impl ImportJob {
    pub fn total(&self) -> i64 {
        self.imported + self.updated + self.rejected + self.duplicate
    }

    /// The closing line of an import: `total=N imported=N updated=N rejected=N duplicate=N`.
    pub fn summary_line(&self) -> String {
        format!(
            "total={} imported={} updated={} rejected={} duplicate={}",
            self.total(),
            self.imported,
            self.updated,
            self.rejected,
            self.duplicate
        )
    }
}

/// A rejected row: its line in the file (1 = header) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    pub line: i64,
    pub uscc: String,
    pub name: String,
    pub reason: String,
}

/// One batch of an import, applied in one transaction.
#[derive(Debug, Clone, Default)]
pub struct ImportBatch {
    pub job_id: i64,
    /// `rows_committed` of the job before this batch (guards against applying twice).
    pub start_row: i64,
    /// Data rows this batch accounts for (valid + rejected + duplicates within the file).
    pub rows: i64,
    /// Bytes of the file read up to the end of this batch.
    pub bytes_to: i64,
    /// Valid rows, first occurrence of each uscc in the file.
    pub records: Vec<EntityRecord>,
    pub rejections: Vec<Rejection>,
    /// Rows repeating an earlier row of the same file with identical content.
    pub duplicates_in_file: i64,
}

/// What a batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchOutcome {
    pub imported: i64,
    pub updated: i64,
    /// Valid rows equal to the stored row (plus the batch's duplicates within the file).
    pub duplicate: i64,
    pub rejected: i64,
}

/// An item of a list, as created or edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemInput {
    pub list_kind: ListKind,
    /// 事项编码: unique within the district's lists.
    pub code: String,
    pub name: String,
    /// 设定依据 (laws and regulations).
    pub legal_basis: String,
    pub approving_department_id: Option<i64>,
    /// Supervising departments (at least one).
    pub supervising: Vec<i64>,
    /// 监管事项目录编码, 14 digits, where known.
    pub catalogue_code: Option<String>,
    pub notes: String,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub id: i64,
    #[serde(flatten)]
    pub input: ItemInput,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ItemVersion {
    pub version: i64,
    pub at: Timestamp,
    pub actor: String,
    /// `create`, `update` or `import`.
    pub change: String,
    /// The item as it was after this change (JSON of [`ItemInput`]).
    pub snapshot: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ItemFilter {
    pub kind: Option<ListKind>,
    /// Items this department approves or supervises.
    pub department_id: Option<i64>,
    /// Substring of the name or code.
    pub q: Option<String>,
    pub active_only: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemsImported {
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
}

/// A licence or filing record pushed by an approving department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicencePush {
    /// `licence` or `filing`.
    pub record_kind: String,
    pub licence_no: String,
    /// 事项编码 of the item.
    pub item_code: String,
    pub uscc: String,
    /// The code fails a check and was accepted as a legacy code.
    pub legacy_uscc: bool,
    pub entity_name: String,
    pub issuing_department_id: i64,
    pub decided_on: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub scope: String,
    /// The Beijing date of the push, and the reception deadline computed from it.
    pub pushed_on: NaiveDate,
    pub due_on: NaiveDate,
    pub working_days: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenceRoute {
    pub department_id: i64,
    pub department: String,
    pub due_on: NaiveDate,
    /// The notice to this department.
    pub notice_text: String,
    pub received_at: Option<Timestamp>,
    pub received_on: Option<NaiveDate>,
    pub received_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Licence {
    pub id: i64,
    pub record_kind: String,
    pub licence_no: String,
    pub item_id: i64,
    pub item_code: String,
    pub item_name: String,
    pub uscc: String,
    pub legacy_uscc: bool,
    pub entity_name: String,
    pub issuing_department_id: i64,
    pub issuing_department: String,
    pub decided_on: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub scope: String,
    /// The dual notice to the applicant (双告知).
    pub notice_text: String,
    pub pushed_by: String,
    pub pushed_at: Timestamp,
    pub routes: Vec<LicenceRoute>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LicenceFilter {
    /// Records routed to this department.
    pub routed_to: Option<i64>,
    /// Records pushed by this department.
    pub issued_by: Option<i64>,
    pub uscc: Option<String>,
    /// Only records this department (`routed_to`) has not received yet.
    pub unreceived_only: bool,
    pub limit: i64,
}

/// An idempotency key and the hash of the request that carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdemKey {
    pub scope: String,
    pub key: String,
    pub request_hash: String,
}

/// The result of a push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushOutcome {
    /// A new record: the response written with it.
    Created { licence: Box<Licence>, status: i64, body: String },
    /// The same key and request seen before: the response then.
    Replayed { status: i64, body: String },
}

/// Renders the response stored with an idempotency key: `(status, body)`.
pub type RenderResponse<'a> = &'a (dyn Fn(&Licence) -> (i64, String) + Send + Sync);

/// Reception per department for the public page (监管接收情况).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceptionRow {
    pub department_id: i64,
    pub department: String,
    pub routed: i64,
    pub on_time: i64,
    pub late: i64,
    pub pending: i64,
    pub overdue: i64,
}

/// A route past its deadline and not received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverdueRoute {
    pub licence_id: i64,
    pub licence_no: String,
    pub entity_name: String,
    pub department_id: i64,
    pub due_on: NaiveDate,
}

#[async_trait]
pub trait RegistryStore: Send + Sync {
    // --- entities --------------------------------------------------------------------
    async fn entity_get(&self, uscc: &str) -> crate::Result<Option<Entity>>;
    async fn entity_search(&self, filter: &EntityFilter) -> crate::Result<EntityPage>;
    async fn entity_count(&self) -> crate::Result<i64>;
    async fn entity_history(&self, uscc: &str) -> crate::Result<Vec<EntityVersion>>;
    /// Departments supervising an entity (from routed licences).
    async fn entity_departments(&self, uscc: &str) -> crate::Result<Vec<i64>>;

    // --- imports -----------------------------------------------------------------------
    /// Starts an import, or returns the unfinished one of the same file, kind and
    /// options (to resume after its last committed batch).
    async fn import_begin(&self, actor: &crate::Actor, job: &NewImportJob) -> crate::Result<ImportJob>;
    /// Applies one batch: upserts, rejections, the job's progress and one audit entry,
    /// in one transaction.
    async fn import_batch(&self, actor: &crate::Actor, batch: &ImportBatch) -> crate::Result<BatchOutcome>;
    /// Ends an import as `done` or `failed` (with the reason).
    async fn import_finish(&self, actor: &crate::Actor, job_id: i64, error: Option<&str>) -> crate::Result<ImportJob>;
    async fn import_job(&self, id: i64) -> crate::Result<ImportJob>;
    async fn import_jobs(&self, kind: &str, limit: i64) -> crate::Result<Vec<ImportJob>>;
    async fn import_rejections(&self, job_id: i64) -> crate::Result<Vec<Rejection>>;

    // --- item lists ----------------------------------------------------------------------
    async fn item_list(&self, filter: &ItemFilter) -> crate::Result<Vec<Item>>;
    async fn item_get(&self, id: i64) -> crate::Result<Item>;
    async fn item_by_code(&self, code: &str) -> crate::Result<Option<Item>>;
    async fn item_create(&self, actor: &crate::Actor, input: &ItemInput) -> crate::Result<Item>;
    /// Edits an item if it is still at `expected_version` (else a conflict).
    async fn item_update(
        &self,
        actor: &crate::Actor,
        id: i64,
        input: &ItemInput,
        expected_version: i64,
    ) -> crate::Result<Item>;
    async fn item_history(&self, id: i64) -> crate::Result<Vec<ItemVersion>>;
    /// Creates or updates items by code, all or nothing, with one audit entry.
    async fn items_import(&self, actor: &crate::Actor, items: &[ItemInput]) -> crate::Result<ItemsImported>;

    // --- approval handoff -------------------------------------------------------------------
    /// Records a pushed licence or filing and routes it, with the idempotency record in
    /// the same transaction: the same key with the same request replays the stored
    /// response; with another request it is refused (`Invalid`).
    async fn licence_push(
        &self,
        actor: &crate::Actor,
        push: &LicencePush,
        idem: Option<&IdemKey>,
        render: RenderResponse<'_>,
    ) -> crate::Result<PushOutcome>;
    async fn licence_get(&self, id: i64) -> crate::Result<Licence>;
    async fn licence_search(&self, filter: &LicenceFilter) -> crate::Result<Vec<Licence>>;
    /// Marks a record received by a department it was routed to.
    async fn licence_receive(
        &self,
        actor: &crate::Actor,
        licence_id: i64,
        department_id: i64,
        today: NaiveDate,
    ) -> crate::Result<Licence>;
    async fn reception_summary(&self, today: NaiveDate) -> crate::Result<Vec<ReceptionRow>>;
    async fn overdue_routes(&self, today: NaiveDate) -> crate::Result<Vec<OverdueRoute>>;
}

/// Tags as stored: `;a;b;` so that `LIKE '%;tag;%'` finds one; empty when none.
pub fn tags_to_db(tags: &[String]) -> String {
    if tags.is_empty() {
        String::new()
    } else {
        format!(";{};", tags.join(";"))
    }
}

pub fn tags_from_db(s: &str) -> Vec<String> {
    s.split(';').filter(|t| !t.is_empty()).map(str::to_string).collect()
}

/// `%` and `_` made literal for `LIKE … ESCAPE '\'`.
pub fn like_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            o.push('\\');
        }
        o.push(c);
    }
    o
}

/// Checks an item's fields (departments are checked against the store when written).
pub fn validate_item(i: &ItemInput) -> crate::Result<()> {
    use crate::StoreError::Invalid;
    let code = i.code.trim();
    if code.is_empty() || code.chars().count() > 64 || code.chars().any(char::is_whitespace) {
        return Err(Invalid("事项编码不能为空、不能含空格,最长64位".into()));
    }
    if i.name.trim().is_empty() || i.name.chars().count() > 200 {
        return Err(Invalid(format!("事项“{code}”:事项名称不能为空,最长200字")));
    }
    if i.legal_basis.chars().count() > 2000 {
        return Err(Invalid(format!("事项“{code}”:设定依据过长(最多2000字)")));
    }
    if let Some(c) = &i.catalogue_code {
        if !jianguan_domain::registry::valid_catalogue_code(c) {
            return Err(Invalid(format!("事项“{code}”:监管事项目录编码“{c}”应为14位数字")));
        }
    }
    if i.supervising.is_empty() {
        return Err(Invalid(format!("事项“{code}”:至少须有一个监管部门")));
    }
    if i.list_kind != ListKind::Cancelled && i.approving_department_id.is_none() {
        return Err(Invalid(format!("事项“{code}”:须指定审批(备案)部门")));
    }
    Ok(())
}

/// Implements [`RegistryStore`] for a backend; expanded once per database in its module.
#[macro_export]
#[doc(hidden)]
macro_rules! impl_registry_store {
    ($Store:ty, $DB:ty, $Row:ty) => {
        mod registry_store_impl {
            #[allow(unused_imports)]
            use super::*;
            use $crate::registry::*;
            use $crate::{Result, StoreError};
            use chrono::NaiveDate;
            use jianguan_domain::registry::ListKind;

            type Tx<'a> = sqlx::Transaction<'a, $DB>;

            /// Rows per multi-row statement (19 parameters each, within both limits).
            const ROWS_PER_STATEMENT: usize = 500;

            fn entity_row(r: &$Row) -> Result<Entity> {
                Ok(Entity {
                    id: r.try_get("id")?,
                    rec: EntityRecord {
                        uscc: r.try_get("uscc")?,
                        name: r.try_get("name")?,
                        kind: r.try_get("kind")?,
                        legal_rep_sealed: r.try_get("legal_rep_sealed")?,
                        legal_rep_index: r.try_get("legal_rep_index")?,
                        legal_rep_masked: r.try_get("legal_rep_masked")?,
                        address: r.try_get("address")?,
                        division: r.try_get("division")?,
                        industry: r.try_get("industry")?,
                        industry_name: r.try_get("industry_name")?,
                        registered_on: r.try_get("registered_on")?,
                        status: r.try_get("status")?,
                        tags: tags_from_db(&r.try_get::<String, _>("tags")?),
                        legacy: r.try_get("legacy")?,
                        legacy_warning: r.try_get("legacy_warning")?,
                        row_hash: r.try_get("row_hash")?,
                    },
                    import_id: r.try_get("import_id")?,
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                })
            }

            fn job_row(r: &$Row) -> Result<ImportJob> {
                Ok(ImportJob {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    file_name: r.try_get("file_name")?,
                    file_sha256: r.try_get("file_sha256")?,
                    file_bytes: r.try_get("file_bytes")?,
                    options: r.try_get("options")?,
                    status: r.try_get("status")?,
                    error: r.try_get("error")?,
                    rows_committed: r.try_get("rows_committed")?,
                    bytes_committed: r.try_get("bytes_committed")?,
                    batches: r.try_get("batches")?,
                    imported: r.try_get("imported")?,
                    updated: r.try_get("updated")?,
                    rejected: r.try_get("rejected")?,
                    duplicate: r.try_get("duplicate")?,
                    started_by: r.try_get("started_by")?,
                    department_id: r.try_get("department_id")?,
                    started_at: r.try_get("started_at")?,
                    updated_at: r.try_get("updated_at")?,
                    finished_at: r.try_get("finished_at")?,
                })
            }

            fn item_row(r: &$Row, supervising: Vec<i64>) -> Result<Item> {
                let kind: String = r.try_get("list_kind")?;
                Ok(Item {
                    id: r.try_get("id")?,
                    input: ItemInput {
                        list_kind: ListKind::from_code(&kind).unwrap_or(ListKind::Licence),
                        code: r.try_get("code")?,
                        name: r.try_get("name")?,
                        legal_basis: r.try_get("legal_basis")?,
                        approving_department_id: r.try_get("approving_department_id")?,
                        supervising,
                        catalogue_code: r.try_get("catalogue_code")?,
                        notes: r.try_get("notes")?,
                        active: r.try_get("active")?,
                    },
                    version: r.try_get("version")?,
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                })
            }

            fn normalise_item(i: &ItemInput) -> ItemInput {
                let mut sup = i.supervising.clone();
                sup.sort_unstable();
                sup.dedup();
                ItemInput {
                    list_kind: i.list_kind,
                    code: i.code.trim().to_string(),
                    name: i.name.trim().to_string(),
                    legal_basis: i.legal_basis.trim().to_string(),
                    approving_department_id: i.approving_department_id,
                    supervising: sup,
                    catalogue_code: i.catalogue_code.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(str::to_string),
                    notes: i.notes.trim().to_string(),
                    active: i.active,
                }
            }

            impl $Store {
                async fn item_tx(tx: &mut Tx<'_>, id: i64) -> Result<Item> {
                    let r = sqlx::query("SELECT * FROM items WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut **tx)
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("事项 {id} 不存在")))?;
                    let sup: Vec<i64> = sqlx::query_scalar("SELECT department_id FROM item_departments WHERE item_id = $1 ORDER BY department_id")
                        .bind(id)
                        .fetch_all(&mut **tx)
                        .await?;
                    item_row(&r, sup)
                }

                /// Every department id of an item must name an active department.
                async fn check_departments(tx: &mut Tx<'_>, i: &ItemInput) -> Result<()> {
                    let mut ids: Vec<i64> = i.supervising.clone();
                    ids.extend(i.approving_department_id);
                    for id in ids {
                        let r = sqlx::query("SELECT name, kind, active FROM departments WHERE id = $1")
                            .bind(id)
                            .fetch_optional(&mut **tx)
                            .await?;
                        match r {
                            Some(r) if r.try_get::<String, _>("kind")? == "department" && r.try_get::<bool, _>("active")? => {}
                            Some(r) => {
                                return Err(StoreError::Invalid(format!(
                                    "事项“{}”:“{}”不是在用的部门(部门组须展开为具体部门)",
                                    i.code,
                                    r.try_get::<String, _>("name")?
                                )))
                            }
                            None => return Err(StoreError::Invalid(format!("事项“{}”:部门 {id} 不存在", i.code))),
                        }
                    }
                    Ok(())
                }

                async fn write_item(tx: &mut Tx<'_>, id: Option<i64>, i: &ItemInput, version: i64) -> Result<i64> {
                    let t = now();
                    let id = match id {
                        None => sqlx::query_scalar(
                            "INSERT INTO items (list_kind, code, name, legal_basis, approving_department_id, catalogue_code, notes, active, version, created_at, updated_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
                        )
                        .bind(i.list_kind.code())
                        .bind(&i.code)
                        .bind(&i.name)
                        .bind(&i.legal_basis)
                        .bind(i.approving_department_id)
                        .bind(&i.catalogue_code)
                        .bind(&i.notes)
                        .bind(i.active)
                        .bind(version)
                        .bind(t)
                        .fetch_one(&mut **tx)
                        .await?,
                        Some(id) => {
                            sqlx::query(
                                "UPDATE items SET list_kind = $1, code = $2, name = $3, legal_basis = $4, approving_department_id = $5, \
                                 catalogue_code = $6, notes = $7, active = $8, version = $9, updated_at = $10 WHERE id = $11",
                            )
                            .bind(i.list_kind.code())
                            .bind(&i.code)
                            .bind(&i.name)
                            .bind(&i.legal_basis)
                            .bind(i.approving_department_id)
                            .bind(&i.catalogue_code)
                            .bind(&i.notes)
                            .bind(i.active)
                            .bind(version)
                            .bind(t)
                            .bind(id)
                            .execute(&mut **tx)
                            .await?;
                            sqlx::query("DELETE FROM item_departments WHERE item_id = $1").bind(id).execute(&mut **tx).await?;
                            id
                        }
                    };
                    for d in &i.supervising {
                        sqlx::query("INSERT INTO item_departments (item_id, department_id) VALUES ($1, $2)")
                            .bind(id)
                            .bind(d)
                            .execute(&mut **tx)
                            .await?;
                    }
                    Ok(id)
                }

                async fn item_version(tx: &mut Tx<'_>, actor: &Actor, id: i64, version: i64, change: &str, i: &ItemInput) -> Result<()> {
                    sqlx::query("INSERT INTO item_history (item_id, version, at, actor, change, snapshot) VALUES ($1, $2, $3, $4, $5, $6)")
                        .bind(id)
                        .bind(version)
                        .bind(now())
                        .bind(&actor.name)
                        .bind(change)
                        .bind(serde_json::to_string(i).expect("json"))
                        .execute(&mut **tx)
                        .await?;
                    Ok(())
                }

                async fn licence_tx(tx: &mut Tx<'_>, id: i64) -> Result<Licence> {
                    let r = sqlx::query(
                        "SELECT l.*, i.code AS item_code, i.name AS item_name, d.name AS issuer FROM licences l \
                         JOIN items i ON i.id = l.item_id JOIN departments d ON d.id = l.issuing_department_id WHERE l.id = $1",
                    )
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("许可(备案)记录 {id} 不存在")))?;
                    let routes = sqlx::query(
                        "SELECT r.*, d.name AS department FROM licence_routes r JOIN departments d ON d.id = r.department_id \
                         WHERE r.licence_id = $1 ORDER BY r.department_id",
                    )
                    .bind(id)
                    .fetch_all(&mut **tx)
                    .await?;
                    licence_row(&r, &routes)
                }
            }

            fn route_row(r: &$Row) -> Result<LicenceRoute> {
                Ok(LicenceRoute {
                    department_id: r.try_get("department_id")?,
                    department: r.try_get("department")?,
                    due_on: r.try_get("due_on")?,
                    notice_text: r.try_get("notice_text")?,
                    received_at: r.try_get("received_at")?,
                    received_on: r.try_get("received_on")?,
                    received_by: r.try_get("received_by")?,
                })
            }

            fn licence_row(r: &$Row, routes: &[$Row]) -> Result<Licence> {
                Ok(Licence {
                    id: r.try_get("id")?,
                    record_kind: r.try_get("record_kind")?,
                    licence_no: r.try_get("licence_no")?,
                    item_id: r.try_get("item_id")?,
                    item_code: r.try_get("item_code")?,
                    item_name: r.try_get("item_name")?,
                    uscc: r.try_get("uscc")?,
                    legacy_uscc: r.try_get("legacy_uscc")?,
                    entity_name: r.try_get("entity_name")?,
                    issuing_department_id: r.try_get("issuing_department_id")?,
                    issuing_department: r.try_get("issuer")?,
                    decided_on: r.try_get("decided_on")?,
                    valid_until: r.try_get("valid_until")?,
                    scope: r.try_get("scope")?,
                    notice_text: r.try_get("notice_text")?,
                    pushed_by: r.try_get("pushed_by")?,
                    pushed_at: r.try_get("pushed_at")?,
                    routes: routes.iter().map(route_row).collect::<Result<_>>()?,
                })
            }

            #[async_trait::async_trait]
            impl $crate::registry::RegistryStore for $Store {
                async fn entity_get(&self, uscc: &str) -> Result<Option<Entity>> {
                    let r = sqlx::query("SELECT * FROM entities WHERE uscc = $1").bind(uscc).fetch_optional(self.read()).await?;
                    r.as_ref().map(entity_row).transpose()
                }

                async fn entity_search(&self, f: &EntityFilter) -> Result<EntityPage> {
                    fn push_where<'a>(qb: &mut sqlx::QueryBuilder<'a, $DB>, f: &'a EntityFilter) {
                        qb.push(" WHERE 1 = 1");
                        if let Some(q) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                            let up = q.to_ascii_uppercase();
                            if up.len() == 18 && up.bytes().all(|b| b.is_ascii_alphanumeric()) {
                                qb.push(" AND uscc = ").push_bind(up);
                            } else {
                                qb.push(" AND name LIKE ").push_bind(format!("%{}%", like_escape(q))).push(" ESCAPE '\\'");
                            }
                        }
                        if let Some(v) = f.industry.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                            qb.push(" AND industry LIKE ").push_bind(format!("{}%", like_escape(&v.to_ascii_uppercase()))).push(" ESCAPE '\\'");
                        }
                        if let Some(v) = f.status.as_deref().filter(|s| !s.is_empty()) {
                            qb.push(" AND status = ").push_bind(v.to_string());
                        }
                        if let Some(v) = f.tag.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                            qb.push(" AND tags LIKE ").push_bind(format!("%;{};%", like_escape(v))).push(" ESCAPE '\\'");
                        }
                        if let Some(v) = f.legal_rep_index.as_deref().filter(|s| !s.is_empty()) {
                            qb.push(" AND legal_rep_index = ").push_bind(v.to_string());
                        }
                    }
                    let limit = if f.limit <= 0 { 50 } else { f.limit.min(500) };
                    let mut qb = sqlx::QueryBuilder::<$DB>::new("SELECT * FROM entities");
                    push_where(&mut qb, f);
                    qb.push(" ORDER BY id LIMIT ").push_bind(limit).push(" OFFSET ").push_bind(f.offset.max(0));
                    let rows = qb.build().fetch_all(self.read()).await?;
                    let mut qc = sqlx::QueryBuilder::<$DB>::new("SELECT COUNT(*) FROM (SELECT 1 FROM entities");
                    push_where(&mut qc, f);
                    qc.push(" LIMIT ").push_bind(SEARCH_COUNT_CAP + 1).push(") AS capped");
                    let total: i64 = qc.build_query_scalar().fetch_one(self.read()).await?;
                    Ok(EntityPage { rows: rows.iter().map(entity_row).collect::<Result<_>>()?, total })
                }

                async fn entity_count(&self) -> Result<i64> {
                    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM entities").fetch_one(self.read()).await?)
                }

                async fn entity_history(&self, uscc: &str) -> Result<Vec<EntityVersion>> {
                    let rows = sqlx::query("SELECT * FROM entity_history WHERE uscc = $1 ORDER BY id DESC")
                        .bind(uscc)
                        .fetch_all(self.read())
                        .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(EntityVersion {
                                at: r.try_get("at")?,
                                actor: r.try_get("actor")?,
                                import_id: r.try_get("import_id")?,
                                previous: r.try_get("previous")?,
                            })
                        })
                        .collect()
                }

                async fn entity_departments(&self, uscc: &str) -> Result<Vec<i64>> {
                    Ok(sqlx::query_scalar("SELECT department_id FROM entity_departments WHERE uscc = $1 ORDER BY department_id")
                        .bind(uscc)
                        .fetch_all(self.read())
                        .await?)
                }

                async fn import_begin(&self, actor: &Actor, j: &NewImportJob) -> Result<ImportJob> {
                    let mut tx = self.begin_write().await?;
                    let existing = sqlx::query(
                        "SELECT * FROM import_jobs WHERE kind = $1 AND file_sha256 = $2 AND options = $3 AND status = 'running' ORDER BY id DESC LIMIT 1",
                    )
                    .bind(&j.kind)
                    .bind(&j.file_sha256)
                    .bind(&j.options)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if let Some(r) = existing {
                        let job = job_row(&r)?;
                        self.append_audit(
                            &mut tx,
                            &actor.event("registry.import_resume", format!("import:{}", job.id), serde_json::json!({ "rows_committed": job.rows_committed })),
                        )
                        .await?;
                        tx.commit().await?;
                        return Ok(job);
                    }
                    let t = now();
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO import_jobs (kind, file_name, file_sha256, file_bytes, options, status, error, rows_committed, bytes_committed, \
                         batches, imported, updated, rejected, duplicate, started_by, department_id, started_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, 'running', '', 0, 0, 0, 0, 0, 0, 0, $6, $7, $8, $8) RETURNING id",
                    )
                    .bind(&j.kind)
                    .bind(&j.file_name)
                    .bind(&j.file_sha256)
                    .bind(j.file_bytes)
                    .bind(&j.options)
                    .bind(&actor.name)
                    .bind(j.department_id)
                    .bind(t)
                    .fetch_one(&mut *tx)
                    .await?;
                    self.append_audit(
                        &mut tx,
                        &actor.event(
                            "registry.import_start",
                            format!("import:{id}"),
                            serde_json::json!({ "kind": j.kind, "file": j.file_name, "sha256": j.file_sha256, "bytes": j.file_bytes, "options": j.options }),
                        ),
                    )
                    .await?;
                    let r = sqlx::query("SELECT * FROM import_jobs WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
                    let job = job_row(&r)?;
                    tx.commit().await?;
                    Ok(job)
                }

                async fn import_batch(&self, actor: &Actor, b: &ImportBatch) -> Result<BatchOutcome> {
                    let mut tx = self.begin_write().await?;
                    let r = sqlx::query("SELECT * FROM import_jobs WHERE id = $1")
                        .bind(b.job_id)
                        .fetch_optional(&mut *tx)
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("导入任务 {} 不存在", b.job_id)))?;
                    let job = job_row(&r)?;
                    if job.status != "running" {
                        return Err(StoreError::Conflict(format!("导入任务 {} 已结束,不能再写入", job.id)));
                    }
                    if job.rows_committed != b.start_row {
                        return Err(StoreError::Conflict(format!(
                            "导入任务 {} 的进度为第 {} 行,与本批起点第 {} 行不符(可能有另一个进程在导入同一文件)",
                            job.id, job.rows_committed, b.start_row
                        )));
                    }
                    // Classify each row against what is stored.
                    let mut stored: std::collections::HashMap<String, Entity> = std::collections::HashMap::new();
                    for chunk in b.records.chunks(ROWS_PER_STATEMENT) {
                        let mut qb = sqlx::QueryBuilder::<$DB>::new("SELECT * FROM entities WHERE uscc IN (");
                        let mut sep = qb.separated(", ");
                        for rec in chunk {
                            sep.push_bind(&rec.uscc);
                        }
                        qb.push(")");
                        for r in qb.build().fetch_all(&mut *tx).await? {
                            let e = entity_row(&r)?;
                            stored.insert(e.rec.uscc.clone(), e);
                        }
                    }
                    let mut out = BatchOutcome { duplicate: b.duplicates_in_file, rejected: b.rejections.len() as i64, ..Default::default() };
                    let mut writes: Vec<&EntityRecord> = Vec::with_capacity(b.records.len());
                    let t = now();
                    for rec in &b.records {
                        match stored.get(&rec.uscc) {
                            None => {
                                out.imported += 1;
                                writes.push(rec);
                            }
                            Some(old) if old.rec.row_hash == rec.row_hash => out.duplicate += 1,
                            Some(old) => {
                                out.updated += 1;
                                writes.push(rec);
                                let mut prev = serde_json::to_value(&old.rec).expect("json");
                                prev["legal_rep_sealed"] = serde_json::Value::String(old.rec.legal_rep_sealed.clone());
                                sqlx::query("INSERT INTO entity_history (uscc, import_id, at, actor, previous) VALUES ($1, $2, $3, $4, $5)")
                                    .bind(&rec.uscc)
                                    .bind(b.job_id)
                                    .bind(t)
                                    .bind(&actor.name)
                                    .bind(prev.to_string())
                                    .execute(&mut *tx)
                                    .await?;
                            }
                        }
                    }
                    for chunk in writes.chunks(ROWS_PER_STATEMENT) {
                        let mut qb = sqlx::QueryBuilder::<$DB>::new(
                            "INSERT INTO entities (uscc, name, kind, legal_rep_sealed, legal_rep_index, legal_rep_masked, address, division, \
                             industry, industry_name, registered_on, status, tags, legacy, legacy_warning, row_hash, import_id, created_at, updated_at) ",
                        );
                        qb.push_values(chunk.iter(), |mut v, rec| {
                            v.push_bind(&rec.uscc)
                                .push_bind(&rec.name)
                                .push_bind(&rec.kind)
                                .push_bind(&rec.legal_rep_sealed)
                                .push_bind(&rec.legal_rep_index)
                                .push_bind(&rec.legal_rep_masked)
                                .push_bind(&rec.address)
                                .push_bind(&rec.division)
                                .push_bind(&rec.industry)
                                .push_bind(&rec.industry_name)
                                .push_bind(rec.registered_on)
                                .push_bind(&rec.status)
                                .push_bind(tags_to_db(&rec.tags))
                                .push_bind(rec.legacy)
                                .push_bind(&rec.legacy_warning)
                                .push_bind(&rec.row_hash)
                                .push_bind(b.job_id)
                                .push_bind(t)
                                .push_bind(t);
                        });
                        qb.push(
                            " ON CONFLICT (uscc) DO UPDATE SET name = excluded.name, kind = excluded.kind, legal_rep_sealed = excluded.legal_rep_sealed, \
                             legal_rep_index = excluded.legal_rep_index, legal_rep_masked = excluded.legal_rep_masked, address = excluded.address, \
                             division = excluded.division, industry = excluded.industry, industry_name = excluded.industry_name, \
                             registered_on = excluded.registered_on, status = excluded.status, tags = excluded.tags, legacy = excluded.legacy, \
                             legacy_warning = excluded.legacy_warning, row_hash = excluded.row_hash, import_id = excluded.import_id, \
                             updated_at = excluded.updated_at",
                        );
                        qb.build().persistent(true).execute(&mut *tx).await?;
                    }
                    for chunk in b.rejections.chunks(ROWS_PER_STATEMENT) {
                        let mut qb = sqlx::QueryBuilder::<$DB>::new("INSERT INTO import_rejections (job_id, line, uscc, name, reason) ");
                        qb.push_values(chunk.iter(), |mut v, rj| {
                            v.push_bind(b.job_id).push_bind(rj.line).push_bind(&rj.uscc).push_bind(&rj.name).push_bind(&rj.reason);
                        });
                        qb.build().execute(&mut *tx).await?;
                    }
                    let accounted = out.imported + out.updated + out.duplicate + out.rejected;
                    if accounted != b.rows {
                        return Err(StoreError::Invalid(format!("本批记账不平:{} 行,分类合计 {} 行", b.rows, accounted)));
                    }
                    sqlx::query(
                        "UPDATE import_jobs SET rows_committed = rows_committed + $1, bytes_committed = $2, batches = batches + 1, \
                         imported = imported + $3, updated = updated + $4, rejected = rejected + $5, duplicate = duplicate + $6, updated_at = $7 WHERE id = $8",
                    )
                    .bind(b.rows)
                    .bind(b.bytes_to)
                    .bind(out.imported)
                    .bind(out.updated)
                    .bind(out.rejected)
                    .bind(out.duplicate)
                    .bind(t)
                    .bind(b.job_id)
                    .execute(&mut *tx)
                    .await?;
                    self.append_audit(
                        &mut tx,
                        &actor.event(
                            "registry.import_batch",
                            format!("import:{}", b.job_id),
                            serde_json::json!({ "from_row": b.start_row, "rows": b.rows, "imported": out.imported, "updated": out.updated, "rejected": out.rejected, "duplicate": out.duplicate }),
                        ),
                    )
                    .await?;
                    tx.commit().await?;
                    Ok(out)
                }

                async fn import_finish(&self, actor: &Actor, job_id: i64, error: Option<&str>) -> Result<ImportJob> {
                    let mut tx = self.begin_write().await?;
                    let status = if error.is_some() { "failed" } else { "done" };
                    let t = now();
                    let n = sqlx::query("UPDATE import_jobs SET status = $1, error = $2, finished_at = $3, updated_at = $3 WHERE id = $4 AND status = 'running'")
                        .bind(status)
                        .bind(error.unwrap_or(""))
                        .bind(t)
                        .bind(job_id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    if n == 0 {
                        return Err(StoreError::Conflict(format!("导入任务 {job_id} 不存在或已结束")));
                    }
                    let r = sqlx::query("SELECT * FROM import_jobs WHERE id = $1").bind(job_id).fetch_one(&mut *tx).await?;
                    let job = job_row(&r)?;
                    self.append_audit(
                        &mut tx,
                        &actor.event(
                            if error.is_some() { "registry.import_failed" } else { "registry.import_done" },
                            format!("import:{job_id}"),
                            serde_json::json!({ "summary": job.summary_line(), "error": error }),
                        ),
                    )
                    .await?;
                    tx.commit().await?;
                    Ok(job)
                }

                async fn import_job(&self, id: i64) -> Result<ImportJob> {
                    let r = sqlx::query("SELECT * FROM import_jobs WHERE id = $1")
                        .bind(id)
                        .fetch_optional(self.read())
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("导入任务 {id} 不存在")))?;
                    job_row(&r)
                }

                async fn import_jobs(&self, kind: &str, limit: i64) -> Result<Vec<ImportJob>> {
                    let rows = sqlx::query("SELECT * FROM import_jobs WHERE kind = $1 ORDER BY id DESC LIMIT $2")
                        .bind(kind)
                        .bind(limit.clamp(1, 1000))
                        .fetch_all(self.read())
                        .await?;
                    rows.iter().map(job_row).collect()
                }

                async fn import_rejections(&self, job_id: i64) -> Result<Vec<Rejection>> {
                    let rows = sqlx::query("SELECT * FROM import_rejections WHERE job_id = $1 ORDER BY line")
                        .bind(job_id)
                        .fetch_all(self.read())
                        .await?;
                    rows.iter()
                        .map(|r| Ok(Rejection { line: r.try_get("line")?, uscc: r.try_get("uscc")?, name: r.try_get("name")?, reason: r.try_get("reason")? }))
                        .collect()
                }

                async fn item_list(&self, f: &ItemFilter) -> Result<Vec<Item>> {
                    let mut qb = sqlx::QueryBuilder::<$DB>::new("SELECT * FROM items WHERE 1 = 1");
                    if let Some(k) = f.kind {
                        qb.push(" AND list_kind = ").push_bind(k.code());
                    }
                    if let Some(d) = f.department_id {
                        qb.push(" AND (approving_department_id = ").push_bind(d);
                        qb.push(" OR id IN (SELECT item_id FROM item_departments WHERE department_id = ").push_bind(d).push("))");
                    }
                    if let Some(q) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                        let pat = format!("%{}%", like_escape(q));
                        qb.push(" AND (name LIKE ").push_bind(pat.clone()).push(" ESCAPE '\\' OR code LIKE ").push_bind(pat).push(" ESCAPE '\\')");
                    }
                    if f.active_only {
                        qb.push(" AND active = TRUE");
                    }
                    qb.push(" ORDER BY list_kind, code");
                    let rows = qb.build().fetch_all(self.read()).await?;
                    let links = sqlx::query("SELECT item_id, department_id FROM item_departments ORDER BY item_id, department_id")
                        .fetch_all(self.read())
                        .await?;
                    let mut sup: std::collections::HashMap<i64, Vec<i64>> = Default::default();
                    for l in &links {
                        sup.entry(l.try_get("item_id")?).or_default().push(l.try_get("department_id")?);
                    }
                    rows.iter()
                        .map(|r| {
                            let id: i64 = r.try_get("id")?;
                            item_row(r, sup.remove(&id).unwrap_or_default())
                        })
                        .collect()
                }

                async fn item_get(&self, id: i64) -> Result<Item> {
                    let mut tx = self.read().begin().await?;
                    let item = Self::item_tx(&mut tx, id).await?;
                    tx.rollback().await?;
                    Ok(item)
                }

                async fn item_by_code(&self, code: &str) -> Result<Option<Item>> {
                    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM items WHERE code = $1").bind(code.trim()).fetch_optional(self.read()).await?;
                    match id {
                        Some(id) => Ok(Some(self.item_get(id).await?)),
                        None => Ok(None),
                    }
                }

                async fn item_create(&self, actor: &Actor, input: &ItemInput) -> Result<Item> {
                    let i = normalise_item(input);
                    validate_item(&i)?;
                    let mut tx = self.begin_write().await?;
                    Self::check_departments(&mut tx, &i).await?;
                    let dup: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM items WHERE code = $1").bind(&i.code).fetch_one(&mut *tx).await?;
                    if dup > 0 {
                        return Err(StoreError::Conflict(format!("事项编码“{}”已存在", i.code)));
                    }
                    let id = Self::write_item(&mut tx, None, &i, 1).await?;
                    Self::item_version(&mut tx, actor, id, 1, "create", &i).await?;
                    self.append_audit(&mut tx, &actor.event("item.create", format!("item:{id}"), serde_json::json!({ "code": i.code, "kind": i.list_kind.code() })))
                        .await?;
                    let item = Self::item_tx(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(item)
                }

                async fn item_update(&self, actor: &Actor, id: i64, input: &ItemInput, expected_version: i64) -> Result<Item> {
                    let i = normalise_item(input);
                    validate_item(&i)?;
                    let mut tx = self.begin_write().await?;
                    let old = Self::item_tx(&mut tx, id).await?;
                    if old.version != expected_version {
                        return Err(StoreError::Conflict(format!(
                            "事项“{}”已被他人修改(当前为第 {} 版),请刷新后重新编辑",
                            old.input.code, old.version
                        )));
                    }
                    if old.input == i {
                        return Ok(old);
                    }
                    Self::check_departments(&mut tx, &i).await?;
                    let dup: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM items WHERE code = $1 AND id <> $2")
                        .bind(&i.code)
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                    if dup > 0 {
                        return Err(StoreError::Conflict(format!("事项编码“{}”已被其他事项使用", i.code)));
                    }
                    let version = old.version + 1;
                    Self::write_item(&mut tx, Some(id), &i, version).await?;
                    Self::item_version(&mut tx, actor, id, version, "update", &i).await?;
                    self.append_audit(
                        &mut tx,
                        &actor.event("item.update", format!("item:{id}"), serde_json::json!({ "code": i.code, "version": version })),
                    )
                    .await?;
                    let item = Self::item_tx(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(item)
                }

                async fn item_history(&self, id: i64) -> Result<Vec<ItemVersion>> {
                    let rows = sqlx::query("SELECT * FROM item_history WHERE item_id = $1 ORDER BY version DESC")
                        .bind(id)
                        .fetch_all(self.read())
                        .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(ItemVersion {
                                version: r.try_get("version")?,
                                at: r.try_get("at")?,
                                actor: r.try_get("actor")?,
                                change: r.try_get("change")?,
                                snapshot: r.try_get("snapshot")?,
                            })
                        })
                        .collect()
                }

                async fn items_import(&self, actor: &Actor, items: &[ItemInput]) -> Result<ItemsImported> {
                    let mut seen = std::collections::HashSet::new();
                    let items: Vec<ItemInput> = items.iter().map(normalise_item).collect();
                    for i in &items {
                        validate_item(i)?;
                        if !seen.insert(i.code.clone()) {
                            return Err(StoreError::Invalid(format!("事项编码“{}”在文件中重复出现", i.code)));
                        }
                    }
                    let mut tx = self.begin_write().await?;
                    let mut out = ItemsImported::default();
                    for i in &items {
                        Self::check_departments(&mut tx, i).await?;
                        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM items WHERE code = $1").bind(&i.code).fetch_optional(&mut *tx).await?;
                        match id {
                            None => {
                                let id = Self::write_item(&mut tx, None, i, 1).await?;
                                Self::item_version(&mut tx, actor, id, 1, "import", i).await?;
                                out.created += 1;
                            }
                            Some(id) => {
                                let old = Self::item_tx(&mut tx, id).await?;
                                if old.input == *i {
                                    out.unchanged += 1;
                                } else {
                                    Self::write_item(&mut tx, Some(id), i, old.version + 1).await?;
                                    Self::item_version(&mut tx, actor, id, old.version + 1, "import", i).await?;
                                    out.updated += 1;
                                }
                            }
                        }
                    }
                    if out.created + out.updated > 0 {
                        self.append_audit(
                            &mut tx,
                            &actor.event("item.import", "items", serde_json::json!({ "created": out.created, "updated": out.updated, "unchanged": out.unchanged })),
                        )
                        .await?;
                    }
                    tx.commit().await?;
                    Ok(out)
                }

                async fn licence_push(
                    &self,
                    actor: &Actor,
                    p: &LicencePush,
                    idem: Option<&IdemKey>,
                    render: RenderResponse<'_>,
                ) -> Result<PushOutcome> {
                    let mut tx = self.begin_write().await?;
                    if let Some(k) = idem {
                        let prior = sqlx::query("SELECT request_hash, response_status, response_body FROM idempotency_keys WHERE scope = $1 AND key = $2")
                            .bind(&k.scope)
                            .bind(&k.key)
                            .fetch_optional(&mut *tx)
                            .await?;
                        if let Some(r) = prior {
                            let hash: String = r.try_get("request_hash")?;
                            if hash != k.request_hash {
                                return Err(StoreError::Invalid(format!(
                                    "幂等键“{}”已用于另一份内容不同的请求;同一幂等键只能重复提交完全相同的内容",
                                    k.key
                                )));
                            }
                            return Ok(PushOutcome::Replayed { status: r.try_get("response_status")?, body: r.try_get("response_body")? });
                        }
                    }
                    let item_row = sqlx::query("SELECT id FROM items WHERE code = $1")
                        .bind(p.item_code.trim())
                        .fetch_optional(&mut *tx)
                        .await?
                        .ok_or_else(|| StoreError::Invalid(format!("事项编码“{}”不在本区事项清单中", p.item_code)))?;
                    let item = Self::item_tx(&mut tx, item_row.try_get("id")?).await?;
                    let item_kind = item.input.list_kind;
                    if !item.input.active {
                        return Err(StoreError::Invalid(format!("事项“{}”已停用,不接收推送", item.input.name)));
                    }
                    let kind_ok = match p.record_kind.as_str() {
                        "licence" => matches!(item_kind, ListKind::Licence | ListKind::InitialReview),
                        "filing" => item_kind == ListKind::Filing,
                        _ => return Err(StoreError::Invalid("record_kind 只能是 licence(许可)或 filing(备案)".into())),
                    };
                    if !kind_ok {
                        return Err(StoreError::Invalid(format!(
                            "事项“{}”属于{}清单,与推送的记录类别不符",
                            item.input.name,
                            item_kind.label()
                        )));
                    }
                    if let Some(a) = item.input.approving_department_id {
                        if a != p.issuing_department_id {
                            let name: String = sqlx::query_scalar("SELECT name FROM departments WHERE id = $1").bind(a).fetch_one(&mut *tx).await?;
                            return Err(StoreError::Invalid(format!(
                                "事项“{}”的审批部门为{name},本部门不能推送该事项的许可(备案)信息",
                                item.input.name
                            )));
                        }
                    }
                    let dup: Option<i64> = sqlx::query_scalar("SELECT id FROM licences WHERE issuing_department_id = $1 AND licence_no = $2")
                        .bind(p.issuing_department_id)
                        .bind(p.licence_no.trim())
                        .fetch_optional(&mut *tx)
                        .await?;
                    if let Some(id) = dup {
                        return Err(StoreError::Conflict(format!("编号“{}”的记录已推送过(记录 {id})", p.licence_no.trim())));
                    }
                    let issuer: String = sqlx::query_scalar("SELECT name FROM departments WHERE id = $1")
                        .bind(p.issuing_department_id)
                        .fetch_one(&mut *tx)
                        .await?;
                    let mut supervisors: Vec<(i64, String)> = Vec::new();
                    for d in &item.input.supervising {
                        let name: String = sqlx::query_scalar("SELECT name FROM departments WHERE id = $1").bind(d).fetch_one(&mut *tx).await?;
                        supervisors.push((*d, name));
                    }
                    let names: Vec<String> = supervisors.iter().map(|s| s.1.clone()).collect();
                    let facts = jianguan_domain::handoff::NoticeFacts {
                        record_label: if p.record_kind == "filing" { "备案" } else { "许可" },
                        entity_name: p.entity_name.trim(),
                        uscc: &p.uscc,
                        item_name: &item.input.name,
                        licence_no: p.licence_no.trim(),
                        decided_on: p.decided_on,
                        issuing_department: &issuer,
                        supervisors: &names,
                        due_on: p.due_on,
                        working_days: p.working_days,
                    };
                    let t = now();
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO licences (record_kind, licence_no, item_id, uscc, legacy_uscc, entity_name, issuing_department_id, decided_on, \
                         valid_until, scope, notice_text, pushed_by, pushed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
                    )
                    .bind(&p.record_kind)
                    .bind(p.licence_no.trim())
                    .bind(item.id)
                    .bind(&p.uscc)
                    .bind(p.legacy_uscc)
                    .bind(p.entity_name.trim())
                    .bind(p.issuing_department_id)
                    .bind(p.decided_on)
                    .bind(p.valid_until)
                    .bind(p.scope.trim())
                    .bind(jianguan_domain::handoff::applicant_notice(&facts))
                    .bind(&actor.name)
                    .bind(t)
                    .fetch_one(&mut *tx)
                    .await?;
                    for (d, name) in &supervisors {
                        sqlx::query("INSERT INTO licence_routes (licence_id, department_id, due_on, notice_text) VALUES ($1, $2, $3, $4)")
                            .bind(id)
                            .bind(d)
                            .bind(p.due_on)
                            .bind(jianguan_domain::handoff::department_notice(&facts, name))
                            .execute(&mut *tx)
                            .await?;
                        sqlx::query(
                            "INSERT INTO entity_departments (uscc, department_id, source, since) VALUES ($1, $2, 'licence', $3) \
                             ON CONFLICT (uscc, department_id) DO NOTHING",
                        )
                        .bind(&p.uscc)
                        .bind(d)
                        .bind(t)
                        .execute(&mut *tx)
                        .await?;
                    }
                    self.append_audit(
                        &mut tx,
                        &actor.event(
                            "licence.push",
                            format!("licence:{id}"),
                            serde_json::json!({ "licence_no": p.licence_no.trim(), "item": item.input.code, "uscc": p.uscc,
                                                "departments": item.input.supervising, "due_on": p.due_on, "idempotency_key": idem.map(|k| &k.key) }),
                        ),
                    )
                    .await?;
                    let licence = Self::licence_tx(&mut tx, id).await?;
                    let (status, body) = render(&licence);
                    if let Some(k) = idem {
                        sqlx::query(
                            "INSERT INTO idempotency_keys (scope, key, request_hash, response_status, response_body, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                        )
                        .bind(&k.scope)
                        .bind(&k.key)
                        .bind(&k.request_hash)
                        .bind(status)
                        .bind(&body)
                        .bind(t)
                        .execute(&mut *tx)
                        .await?;
                    }
                    tx.commit().await?;
                    Ok(PushOutcome::Created { licence: Box::new(licence), status, body })
                }

                async fn licence_get(&self, id: i64) -> Result<Licence> {
                    let mut tx = self.read().begin().await?;
                    let l = Self::licence_tx(&mut tx, id).await?;
                    tx.rollback().await?;
                    Ok(l)
                }

                async fn licence_search(&self, f: &LicenceFilter) -> Result<Vec<Licence>> {
                    let mut qb = sqlx::QueryBuilder::<$DB>::new(
                        "SELECT l.*, i.code AS item_code, i.name AS item_name, d.name AS issuer FROM licences l \
                         JOIN items i ON i.id = l.item_id JOIN departments d ON d.id = l.issuing_department_id WHERE 1 = 1",
                    );
                    if let Some(d) = f.routed_to {
                        qb.push(" AND l.id IN (SELECT licence_id FROM licence_routes WHERE department_id = ").push_bind(d);
                        if f.unreceived_only {
                            qb.push(" AND received_at IS NULL");
                        }
                        qb.push(")");
                    }
                    if let Some(d) = f.issued_by {
                        qb.push(" AND l.issuing_department_id = ").push_bind(d);
                    }
                    if let Some(u) = f.uscc.as_deref().filter(|s| !s.is_empty()) {
                        qb.push(" AND l.uscc = ").push_bind(u.to_string());
                    }
                    let limit = if f.limit <= 0 { 200 } else { f.limit.min(2000) };
                    qb.push(" ORDER BY l.id DESC LIMIT ").push_bind(limit);
                    let rows = qb.build().fetch_all(self.read()).await?;
                    let mut out = Vec::with_capacity(rows.len());
                    for r in &rows {
                        let id: i64 = r.try_get("id")?;
                        let routes = sqlx::query(
                            "SELECT r.*, d.name AS department FROM licence_routes r JOIN departments d ON d.id = r.department_id \
                             WHERE r.licence_id = $1 ORDER BY r.department_id",
                        )
                        .bind(id)
                        .fetch_all(self.read())
                        .await?;
                        out.push(licence_row(r, &routes)?);
                    }
                    Ok(out)
                }

                async fn licence_receive(&self, actor: &Actor, licence_id: i64, department_id: i64, today: NaiveDate) -> Result<Licence> {
                    let mut tx = self.begin_write().await?;
                    let l = Self::licence_tx(&mut tx, licence_id).await?;
                    let Some(route) = l.routes.iter().find(|r| r.department_id == department_id) else {
                        return Err(StoreError::NotFound(format!("许可(备案)记录 {licence_id} 未推送至本部门")));
                    };
                    if let Some(at) = route.received_at {
                        return Err(StoreError::Conflict(format!(
                            "本部门已于 {} 接收该记录",
                            at.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("offset")).format("%Y-%m-%d %H:%M")
                        )));
                    }
                    let t = now();
                    sqlx::query(
                        "UPDATE licence_routes SET received_at = $1, received_on = $2, received_by = $3 \
                         WHERE licence_id = $4 AND department_id = $5 AND received_at IS NULL",
                    )
                    .bind(t)
                    .bind(today)
                    .bind(&actor.name)
                    .bind(licence_id)
                    .bind(department_id)
                    .execute(&mut *tx)
                    .await?;
                    let status = jianguan_domain::handoff::ReceptionStatus::of(route.due_on, Some(today), today);
                    self.append_audit(
                        &mut tx,
                        &actor.event(
                            "licence.receive",
                            format!("licence:{licence_id}"),
                            serde_json::json!({ "department_id": department_id, "due_on": route.due_on, "received_on": today, "status": status.code() }),
                        ),
                    )
                    .await?;
                    let l = Self::licence_tx(&mut tx, licence_id).await?;
                    tx.commit().await?;
                    Ok(l)
                }

                async fn reception_summary(&self, today: NaiveDate) -> Result<Vec<ReceptionRow>> {
                    let rows = sqlx::query(
                        "SELECT r.department_id, d.name AS department, COUNT(*) AS routed, \
                         SUM(CASE WHEN r.received_on IS NOT NULL AND r.received_on <= r.due_on THEN 1 ELSE 0 END) AS on_time, \
                         SUM(CASE WHEN r.received_on IS NOT NULL AND r.received_on > r.due_on THEN 1 ELSE 0 END) AS late, \
                         SUM(CASE WHEN r.received_on IS NULL AND r.due_on >= $1 THEN 1 ELSE 0 END) AS pending, \
                         SUM(CASE WHEN r.received_on IS NULL AND r.due_on < $1 THEN 1 ELSE 0 END) AS overdue \
                         FROM licence_routes r JOIN departments d ON d.id = r.department_id \
                         GROUP BY r.department_id, d.name ORDER BY r.department_id",
                    )
                    .bind(today)
                    .fetch_all(self.read())
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(ReceptionRow {
                                department_id: r.try_get("department_id")?,
                                department: r.try_get("department")?,
                                routed: r.try_get("routed")?,
                                on_time: r.try_get("on_time")?,
                                late: r.try_get("late")?,
                                pending: r.try_get("pending")?,
                                overdue: r.try_get("overdue")?,
                            })
                        })
                        .collect()
                }

                async fn overdue_routes(&self, today: NaiveDate) -> Result<Vec<OverdueRoute>> {
                    let rows = sqlx::query(
                        "SELECT r.licence_id, l.licence_no, l.entity_name, r.department_id, r.due_on FROM licence_routes r \
                         JOIN licences l ON l.id = r.licence_id WHERE r.received_at IS NULL AND r.due_on < $1 ORDER BY r.due_on, r.licence_id",
                    )
                    .bind(today)
                    .fetch_all(self.read())
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(OverdueRoute {
                                licence_id: r.try_get("licence_id")?,
                                licence_no: r.try_get("licence_no")?,
                                entity_name: r.try_get("entity_name")?,
                                department_id: r.try_get("department_id")?,
                                due_on: r.try_get("due_on")?,
                            })
                        })
                        .collect()
                }
            }
        }
    };
}
