//! Industry associations and chambers of commerce (附件2 第10项): registry, self-regulation conventions, supervision cases.
//!
//! * The registry is public: name, code, kind, industry, supervising department,
//!   office address and phone (the organisation's, not a person's) and member entities
//!   (by uscc, from the entity registry).
//! * Self-regulation conventions (自律公约) are public once recorded; supervision cases
//!   stay with the recording department until it publishes them. Everything public is
//!   written into the search index in the same transaction.

use crate::model::Timestamp;
use async_trait::async_trait;
use chrono::NaiveDate;
use jianguan_domain::association::Kind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssociationInput {
    pub uscc: String,
    pub name: String,
    pub kind: Kind,
    pub industry: String,
    /// 业务主管(行业管理)部门.
    pub department_id: i64,
    pub registered_on: Option<NaiveDate>,
    pub address: String,
    pub office_phone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Association {
    pub id: i64,
    pub uscc: String,
    pub name: String,
    pub kind: String,
    pub industry: String,
    pub department_id: i64,
    pub registered_on: Option<NaiveDate>,
    pub address: String,
    pub office_phone: String,
    pub legacy_warning: String,
    pub status: String,
    pub created_by: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub members: i64,
}

impl Association {
    pub fn kind_label(&self) -> &'static str {
        Kind::parse(&self.kind).map(Kind::label).unwrap_or("")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub uscc: String,
    pub entity_name: String,
    pub joined_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Convention {
    pub id: i64,
    pub association_id: i64,
    pub title: String,
    pub body_html: String,
    pub adopted_on: NaiveDate,
    pub created_by: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseInput {
    /// One of [`jianguan_domain::association::CASE_KINDS`].
    pub kind: String,
    pub title: String,
    /// HTML, stored sanitised.
    pub summary_html: String,
    /// 处理结果.
    pub outcome: String,
    pub decided_on: NaiveDate,
    pub publish: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssociationCase {
    pub id: i64,
    pub association_id: i64,
    pub association_name: String,
    pub department_id: i64,
    pub kind: String,
    pub title: String,
    pub summary_html: String,
    pub outcome: String,
    pub decided_on: NaiveDate,
    pub published: bool,
    pub created_by: String,
    pub created_at: Timestamp,
    pub published_at: Option<Timestamp>,
}

impl AssociationCase {
    pub fn kind_label(&self) -> &'static str {
        jianguan_domain::association::case_kind_label(&self.kind).unwrap_or("")
    }
}

#[async_trait]
pub trait AssociationStore: Send + Sync {
    /// Registers an association; `legacy_warning` is the code-check warning, if any.
    async fn association_create(
        &self,
        actor: &crate::Actor,
        input: &AssociationInput,
        legacy_warning: &str,
    ) -> crate::Result<Association>;
    /// Marks an association deregistered (注销) or active again.
    async fn association_set_status(&self, actor: &crate::Actor, id: i64, status: &str) -> crate::Result<Association>;
    /// All associations, optionally those whose name contains `q`.
    async fn association_list(&self, q: Option<&str>) -> crate::Result<Vec<Association>>;
    async fn association_get(&self, id: i64) -> crate::Result<Association>;
    async fn member_add(
        &self,
        actor: &crate::Actor,
        association_id: i64,
        uscc: &str,
        joined_on: Option<NaiveDate>,
    ) -> crate::Result<Member>;
    async fn member_list(&self, association_id: i64) -> crate::Result<Vec<Member>>;
    async fn convention_add(
        &self,
        actor: &crate::Actor,
        association_id: i64,
        title: &str,
        body_html: &str,
        adopted_on: NaiveDate,
    ) -> crate::Result<Convention>;
    async fn convention_list(&self, association_id: i64) -> crate::Result<Vec<Convention>>;
    async fn convention_get(&self, id: i64) -> crate::Result<Convention>;
    async fn case_add(
        &self,
        actor: &crate::Actor,
        association_id: i64,
        department_id: i64,
        input: &CaseInput,
    ) -> crate::Result<AssociationCase>;
    async fn case_publish(&self, actor: &crate::Actor, id: i64) -> crate::Result<AssociationCase>;
    /// Cases of an association: published ones, plus the unpublished ones of
    /// `department_id` when given.
    async fn case_list(
        &self,
        association_id: Option<i64>,
        department_id: Option<i64>,
    ) -> crate::Result<Vec<AssociationCase>>;
    async fn case_get(&self, id: i64) -> crate::Result<AssociationCase>;
}

/// Implements [`AssociationStore`] for a backend; expanded once per database in its module.
#[macro_export]
#[doc(hidden)]
macro_rules! impl_association_store {
    ($Store:ty, $DB:ty, $Row:ty) => {
        mod association_store_impl {
            #[allow(unused_imports)]
            use super::*;
            use $crate::association::*;
            use $crate::publicity::SearchDoc;
            use $crate::{Result, StoreError};
            use jianguan_domain::html;
            use chrono::NaiveDate;

            type Tx<'a> = sqlx::Transaction<'a, $DB>;

            const ASSOC_SELECT: &str = "SELECT a.*, (SELECT COUNT(*) FROM association_members m WHERE m.association_id = a.id) AS members FROM associations a";
            const CASE_SELECT: &str = "SELECT c.*, a.name AS association_name FROM association_cases c JOIN associations a ON a.id = c.association_id";

            fn assoc_row(r: &$Row) -> Result<Association> {
                Ok(Association {
                    id: r.try_get("id")?,
                    uscc: r.try_get("uscc")?,
                    name: r.try_get("name")?,
                    kind: r.try_get("kind")?,
                    industry: r.try_get("industry")?,
                    department_id: r.try_get("department_id")?,
                    registered_on: r.try_get("registered_on")?,
                    address: r.try_get("address")?,
                    office_phone: r.try_get("office_phone")?,
                    legacy_warning: r.try_get("legacy_warning")?,
                    status: r.try_get("status")?,
                    created_by: r.try_get("created_by")?,
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                    members: r.try_get("members")?,
                })
            }

            fn convention_row(r: &$Row) -> Result<Convention> {
                Ok(Convention {
                    id: r.try_get("id")?,
                    association_id: r.try_get("association_id")?,
                    title: r.try_get("title")?,
                    body_html: r.try_get("body_html")?,
                    adopted_on: r.try_get("adopted_on")?,
                    created_by: r.try_get("created_by")?,
                    created_at: r.try_get("created_at")?,
                })
            }

            fn case_row(r: &$Row) -> Result<AssociationCase> {
                Ok(AssociationCase {
                    id: r.try_get("id")?,
                    association_id: r.try_get("association_id")?,
                    association_name: r.try_get("association_name")?,
                    department_id: r.try_get("department_id")?,
                    kind: r.try_get("kind")?,
                    title: r.try_get("title")?,
                    summary_html: r.try_get("summary_html")?,
                    outcome: r.try_get("outcome")?,
                    decided_on: r.try_get("decided_on")?,
                    published: r.try_get("published")?,
                    created_by: r.try_get("created_by")?,
                    created_at: r.try_get("created_at")?,
                    published_at: r.try_get("published_at")?,
                })
            }

            async fn assoc_tx(tx: &mut Tx<'_>, id: i64) -> Result<Association> {
                let r = sqlx::query(&format!("{ASSOC_SELECT} WHERE a.id = $1"))
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("行业协会商会 {id} 不存在")))?;
                assoc_row(&r)
            }

            async fn case_tx(tx: &mut Tx<'_>, id: i64) -> Result<AssociationCase> {
                let r = sqlx::query(&format!("{CASE_SELECT} WHERE c.id = $1"))
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("监管案例 {id} 不存在")))?;
                case_row(&r)
            }

            fn assoc_doc(a: &Association) -> SearchDoc {
                SearchDoc {
                    doc_key: format!("association:{}", a.id),
                    kind: "association".into(),
                    title: a.name.clone(),
                    section: "行业协会商会名录".into(),
                    url: format!("/public/associations/{}", a.id),
                    published_on: $crate::publicity::cst_date(a.created_at),
                    body: format!("{} {} 行业:{} 地址:{}", a.kind_label(), a.uscc, a.industry, a.address),
                }
            }

            fn case_doc(c: &AssociationCase) -> SearchDoc {
                SearchDoc {
                    doc_key: format!("association_case:{}", c.id),
                    kind: "association_case".into(),
                    title: c.title.clone(),
                    section: "行业协会商会监管案例".into(),
                    url: format!("/public/association-cases/{}", c.id),
                    published_on: c.decided_on,
                    body: format!("{}\n{}\n{}\n处理结果:{}", c.association_name, c.kind_label(), html::plain_text(&c.summary_html), c.outcome),
                }
            }

            #[async_trait::async_trait]
            impl $crate::association::AssociationStore for $Store {
                async fn association_create(&self, actor: &Actor, i: &AssociationInput, legacy_warning: &str) -> Result<Association> {
                    if i.industry.chars().count() > 50 || i.address.chars().count() > 200 || i.office_phone.chars().count() > 30 {
                        return Err(StoreError::Invalid("行业最多50字、地址最多200字、办公电话最多30字".into()));
                    }
                    let mut tx = self.begin_write().await?;
                    let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM associations WHERE uscc = $1")
                        .bind(&i.uscc)
                        .fetch_one(&mut *tx)
                        .await?;
                    if taken > 0 {
                        return Err(StoreError::Conflict(format!("统一社会信用代码 {} 已登记", i.uscc)));
                    }
                    let t = now();
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO associations (uscc, name, kind, industry, department_id, registered_on, address, office_phone, legacy_warning, status, created_by, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'active', $10, $11, $11) RETURNING id",
                    )
                    .bind(&i.uscc)
                    .bind(i.name.trim())
                    .bind(i.kind.code())
                    .bind(i.industry.trim())
                    .bind(i.department_id)
                    .bind(i.registered_on)
                    .bind(i.address.trim())
                    .bind(i.office_phone.trim())
                    .bind(legacy_warning)
                    .bind(&actor.name)
                    .bind(t)
                    .fetch_one(&mut *tx)
                    .await?;
                    let a = assoc_tx(&mut tx, id).await?;
                    Self::search_index_tx(&mut tx, &assoc_doc(&a)).await?;
                    self.append_audit(&mut tx, &actor.event("association.create", format!("association:{id}"), serde_json::json!({ "uscc": a.uscc, "name": a.name, "legacy_warning": legacy_warning }))).await?;
                    tx.commit().await?;
                    Ok(a)
                }

                async fn association_set_status(&self, actor: &Actor, id: i64, status: &str) -> Result<Association> {
                    if !matches!(status, "active" | "deregistered") {
                        return Err(StoreError::Invalid("状态只能是存续或注销".into()));
                    }
                    let mut tx = self.begin_write().await?;
                    let cur = assoc_tx(&mut tx, id).await?;
                    if cur.status == status {
                        return Err(StoreError::Conflict("状态未改变".into()));
                    }
                    sqlx::query("UPDATE associations SET status = $1, updated_at = $2 WHERE id = $3")
                        .bind(status)
                        .bind(now())
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    self.append_audit(&mut tx, &actor.event("association.status", format!("association:{id}"), serde_json::json!({ "from": cur.status, "to": status }))).await?;
                    let a = assoc_tx(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(a)
                }

                async fn association_list(&self, q: Option<&str>) -> Result<Vec<Association>> {
                    let pat = format!("%{}%", $crate::registry::like_escape(q.map(str::trim).unwrap_or("")));
                    let rows = sqlx::query(&format!("{ASSOC_SELECT} WHERE a.name LIKE $1 ESCAPE '\\' ORDER BY a.status, a.name"))
                        .bind(pat)
                        .fetch_all(self.read())
                        .await?;
                    rows.iter().map(assoc_row).collect()
                }

                async fn association_get(&self, id: i64) -> Result<Association> {
                    let r = sqlx::query(&format!("{ASSOC_SELECT} WHERE a.id = $1"))
                        .bind(id)
                        .fetch_optional(self.read())
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("行业协会商会 {id} 不存在")))?;
                    assoc_row(&r)
                }

                async fn member_add(&self, actor: &Actor, association_id: i64, uscc: &str, joined_on: Option<NaiveDate>) -> Result<Member> {
                    let mut tx = self.begin_write().await?;
                    assoc_tx(&mut tx, association_id).await?;
                    let name: Option<String> = sqlx::query_scalar("SELECT name FROM entities WHERE uscc = $1")
                        .bind(uscc)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let Some(name) = name else {
                        return Err(StoreError::NotFound(format!("检查对象名录库中没有统一社会信用代码为 {uscc} 的市场主体")));
                    };
                    let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM association_members WHERE association_id = $1 AND uscc = $2")
                        .bind(association_id)
                        .bind(uscc)
                        .fetch_one(&mut *tx)
                        .await?;
                    if exists > 0 {
                        return Err(StoreError::Conflict(format!("{name} 已是会员")));
                    }
                    sqlx::query("INSERT INTO association_members (association_id, uscc, joined_on) VALUES ($1, $2, $3)")
                        .bind(association_id)
                        .bind(uscc)
                        .bind(joined_on)
                        .execute(&mut *tx)
                        .await?;
                    self.append_audit(&mut tx, &actor.event("association.member_add", format!("association:{association_id}"), serde_json::json!({ "uscc": uscc }))).await?;
                    tx.commit().await?;
                    Ok(Member { uscc: uscc.to_string(), entity_name: name, joined_on })
                }

                async fn member_list(&self, association_id: i64) -> Result<Vec<Member>> {
                    let rows = sqlx::query(
                        "SELECT m.uscc, e.name, m.joined_on FROM association_members m JOIN entities e ON e.uscc = m.uscc \
                         WHERE m.association_id = $1 ORDER BY e.name",
                    )
                    .bind(association_id)
                    .fetch_all(self.read())
                    .await?;
                    rows.iter()
                        .map(|r| Ok(Member { uscc: r.try_get("uscc")?, entity_name: r.try_get("name")?, joined_on: r.try_get("joined_on")? }))
                        .collect()
                }

                async fn convention_add(&self, actor: &Actor, association_id: i64, title: &str, body_html: &str, adopted_on: NaiveDate) -> Result<Convention> {
                    let body = html::sanitize(body_html);
                    jianguan_domain::publicity::check_article(title, "", &body, "").map_err(StoreError::Invalid)?;
                    let mut tx = self.begin_write().await?;
                    let a = assoc_tx(&mut tx, association_id).await?;
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO association_conventions (association_id, title, body_html, adopted_on, created_by, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    )
                    .bind(association_id)
                    .bind(title.trim())
                    .bind(&body)
                    .bind(adopted_on)
                    .bind(&actor.name)
                    .bind(now())
                    .fetch_one(&mut *tx)
                    .await?;
                    let r = sqlx::query("SELECT * FROM association_conventions WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
                    let c = convention_row(&r)?;
                    Self::search_index_tx(
                        &mut tx,
                        &SearchDoc {
                            doc_key: format!("convention:{id}"),
                            kind: "convention".into(),
                            title: c.title.clone(),
                            section: "行业自律公约".into(),
                            url: format!("/public/conventions/{id}"),
                            published_on: adopted_on,
                            body: format!("{}\n{}", a.name, html::plain_text(&c.body_html)),
                        },
                    )
                    .await?;
                    self.append_audit(&mut tx, &actor.event("association.convention_add", format!("association:{association_id}"), serde_json::json!({ "convention": id, "title": c.title }))).await?;
                    tx.commit().await?;
                    Ok(c)
                }

                async fn convention_list(&self, association_id: i64) -> Result<Vec<Convention>> {
                    let rows = sqlx::query("SELECT * FROM association_conventions WHERE association_id = $1 ORDER BY adopted_on DESC, id DESC")
                        .bind(association_id)
                        .fetch_all(self.read())
                        .await?;
                    rows.iter().map(convention_row).collect()
                }

                async fn convention_get(&self, id: i64) -> Result<Convention> {
                    let r = sqlx::query("SELECT * FROM association_conventions WHERE id = $1")
                        .bind(id)
                        .fetch_optional(self.read())
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("自律公约 {id} 不存在")))?;
                    convention_row(&r)
                }

                async fn case_add(&self, actor: &Actor, association_id: i64, department_id: i64, i: &CaseInput) -> Result<AssociationCase> {
                    if jianguan_domain::association::case_kind_label(&i.kind).is_none() {
                        return Err(StoreError::Invalid("请选择案例类型".into()));
                    }
                    let summary = html::sanitize(&i.summary_html);
                    jianguan_domain::publicity::check_article(&i.title, "", &summary, "").map_err(StoreError::Invalid)?;
                    let outcome = i.outcome.trim();
                    if outcome.is_empty() || outcome.chars().count() > 500 {
                        return Err(StoreError::Invalid("处理结果不能为空,最多 500 字".into()));
                    }
                    let mut tx = self.begin_write().await?;
                    assoc_tx(&mut tx, association_id).await?;
                    let t = now();
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO association_cases (association_id, department_id, kind, title, summary_html, outcome, decided_on, published, created_by, created_at, published_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                    )
                    .bind(association_id)
                    .bind(department_id)
                    .bind(&i.kind)
                    .bind(i.title.trim())
                    .bind(&summary)
                    .bind(outcome)
                    .bind(i.decided_on)
                    .bind(i.publish)
                    .bind(&actor.name)
                    .bind(t)
                    .bind(i.publish.then_some(t))
                    .fetch_one(&mut *tx)
                    .await?;
                    let c = case_tx(&mut tx, id).await?;
                    if c.published {
                        Self::search_index_tx(&mut tx, &case_doc(&c)).await?;
                    }
                    self.append_audit(&mut tx, &actor.event("association.case_add", format!("association_case:{id}"), serde_json::json!({ "association": association_id, "kind": c.kind, "published": c.published }))).await?;
                    tx.commit().await?;
                    Ok(c)
                }

                async fn case_publish(&self, actor: &Actor, id: i64) -> Result<AssociationCase> {
                    let mut tx = self.begin_write().await?;
                    let n = sqlx::query("UPDATE association_cases SET published = TRUE, published_at = $1 WHERE id = $2 AND NOT published")
                        .bind(now())
                        .bind(id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    if n == 0 {
                        case_tx(&mut tx, id).await?;
                        return Err(StoreError::Conflict("该案例已公开".into()));
                    }
                    let c = case_tx(&mut tx, id).await?;
                    Self::search_index_tx(&mut tx, &case_doc(&c)).await?;
                    self.append_audit(&mut tx, &actor.event("association.case_publish", format!("association_case:{id}"), serde_json::json!({}))).await?;
                    tx.commit().await?;
                    Ok(c)
                }

                async fn case_list(&self, association_id: Option<i64>, department_id: Option<i64>) -> Result<Vec<AssociationCase>> {
                    let mut qb = sqlx::QueryBuilder::<$DB>::new(CASE_SELECT);
                    qb.push(" WHERE (c.published");
                    if let Some(d) = department_id {
                        qb.push(" OR c.department_id = ").push_bind(d);
                    }
                    qb.push(")");
                    if let Some(a) = association_id {
                        qb.push(" AND c.association_id = ").push_bind(a);
                    }
                    qb.push(" ORDER BY c.decided_on DESC, c.id DESC LIMIT 500");
                    let rows = qb.build().fetch_all(self.read()).await?;
                    rows.iter().map(case_row).collect()
                }

                async fn case_get(&self, id: i64) -> Result<AssociationCase> {
                    let r = sqlx::query(&format!("{CASE_SELECT} WHERE c.id = $1"))
                        .bind(id)
                        .fetch_optional(self.read())
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("监管案例 {id} 不存在")))?;
                    case_row(&r)
                }
            }
        }
    };
}
