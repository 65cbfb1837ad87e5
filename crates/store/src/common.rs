//! The SQL both databases share, written once and instantiated per driver by
//! [`impl_store!`]. Each backend supplies: its database and row types, `begin_write()`
//! (a write transaction), `read()` (the read pool), `AUDIT_LOCK` (SQL that serialises
//! audit appends inside a transaction) and its backend-specific trait methods.

/// Helpers shared by the generated code.
pub(crate) fn roles_from_codes(codes: &[String]) -> Vec<jianguan_domain::auth::Role> {
    let mut roles: Vec<_> = codes.iter().filter_map(|c| jianguan_domain::auth::Role::from_code(c)).collect();
    roles.sort();
    roles
}

pub(crate) fn json_list(s: &str) -> Vec<String> {
    serde_json::from_str(s).unwrap_or_default()
}

#[macro_export]
#[doc(hidden)]
macro_rules! impl_store {
    ($Store:ty, $DB:ty, $Row:ty, { $($backend_items:tt)* }) => {
        use $crate::common::{json_list, roles_from_codes};
        use $crate::model::*;
        use $crate::{Result, StoreError};
        use jianguan_domain::audit::{self as audit, AuditEntry, AuditEvent, ChainError, ChainVerifier};
        use jianguan_domain::auth::Role;
        use sqlx::Row as _;

        type Tx<'a> = sqlx::Transaction<'a, $DB>;

        impl $Store {
            /// Appends one audit entry inside `tx` (the caller's transaction).
            pub(crate) async fn append_audit(&self, tx: &mut Tx<'_>, ev: &AuditEvent) -> Result<i64> {
                sqlx::query(Self::AUDIT_LOCK).execute(&mut **tx).await?;
                let last = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                    .fetch_optional(&mut **tx)
                    .await?;
                let (seq, prev) = match last {
                    Some(r) => (r.try_get::<i64, _>("seq")? + 1, r.try_get::<String, _>("hash")?),
                    None => (1, audit::GENESIS_HASH.to_string()),
                };
                let e = audit::seal(ev, seq, audit_time(now()), &prev, self.algo);
                sqlx::query(
                    "INSERT INTO audit_log (seq, at, actor, role, action, object, detail, payload_hash, prev_hash, hash, algo) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(e.seq)
                .bind(&e.at)
                .bind(&e.actor)
                .bind(&e.role)
                .bind(&e.action)
                .bind(&e.object)
                .bind(&e.detail)
                .bind(&e.payload_hash)
                .bind(&e.prev_hash)
                .bind(&e.hash)
                .bind(&e.algo)
                .execute(&mut **tx)
                .await?;
                Ok(seq)
            }

            fn audit_row(r: &$Row) -> Result<AuditEntry> {
                Ok(AuditEntry {
                    seq: r.try_get("seq")?,
                    at: r.try_get("at")?,
                    actor: r.try_get("actor")?,
                    role: r.try_get("role")?,
                    action: r.try_get("action")?,
                    object: r.try_get("object")?,
                    detail: r.try_get("detail")?,
                    payload_hash: r.try_get("payload_hash")?,
                    prev_hash: r.try_get("prev_hash")?,
                    hash: r.try_get("hash")?,
                    algo: r.try_get("algo")?,
                })
            }

            async fn unit_in<'e, E>(exec: E, id: i64) -> Result<Unit>
            where
                E: sqlx::Executor<'e, Database = $DB> + Copy,
            {
                let r = sqlx::query("SELECT * FROM departments WHERE id = $1")
                    .bind(id)
                    .fetch_optional(exec)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("部门或部门组 {id} 不存在")))?;
                let members: Vec<i64> = sqlx::query_scalar(
                    "SELECT department_id FROM group_members WHERE group_id = $1 ORDER BY department_id",
                )
                .bind(id)
                .fetch_all(exec)
                .await?;
                Self::unit_row(&r, members)
            }

            async fn unit_tx(tx: &mut Tx<'_>, id: i64) -> Result<Unit> {
                let r = sqlx::query("SELECT * FROM departments WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("部门或部门组 {id} 不存在")))?;
                let members: Vec<i64> = sqlx::query_scalar(
                    "SELECT department_id FROM group_members WHERE group_id = $1 ORDER BY department_id",
                )
                .bind(id)
                .fetch_all(&mut **tx)
                .await?;
                Self::unit_row(&r, members)
            }

            fn unit_row(r: &$Row, members: Vec<i64>) -> Result<Unit> {
                let kind: String = r.try_get("kind")?;
                Ok(Unit {
                    id: r.try_get("id")?,
                    code: r.try_get("code")?,
                    name: r.try_get("name")?,
                    kind: UnitKind::parse(&kind).unwrap_or(UnitKind::Department),
                    aliases: json_list(&r.try_get::<String, _>("aliases")?),
                    in_seed: r.try_get("in_seed")?,
                    active: r.try_get("active")?,
                    merged_into: r.try_get("merged_into")?,
                    members,
                })
            }

            async fn history(tx: &mut Tx<'_>, actor: &Actor, id: i64, change: &str, detail: serde_json::Value) -> Result<()> {
                sqlx::query("INSERT INTO department_history (department_id, at, actor, change, detail) VALUES ($1, $2, $3, $4, $5)")
                    .bind(id)
                    .bind(now())
                    .bind(&actor.name)
                    .bind(change)
                    .bind(detail.to_string())
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }

            async fn account_tx(tx: &mut Tx<'_>, id: i64) -> Result<Account> {
                let r = sqlx::query("SELECT * FROM accounts WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("账号 {id} 不存在")))?;
                let roles: Vec<String> = sqlx::query_scalar("SELECT role FROM account_roles WHERE account_id = $1")
                    .bind(id)
                    .fetch_all(&mut **tx)
                    .await?;
                Self::account_row(&r, roles)
            }

            fn account_row(r: &$Row, roles: Vec<String>) -> Result<Account> {
                Ok(Account {
                    id: r.try_get("id")?,
                    username: r.try_get("username")?,
                    display_name: r.try_get("display_name")?,
                    department_id: r.try_get("department_id")?,
                    password_hash: r.try_get("password_hash")?,
                    must_change_password: r.try_get("must_change_password")?,
                    disabled: r.try_get("disabled")?,
                    locked_until: r.try_get("locked_until")?,
                    totp_secret: r.try_get("totp_secret")?,
                    totp_enabled: r.try_get("totp_enabled")?,
                    roles: roles_from_codes(&roles),
                    password_changed_at: r.try_get("password_changed_at")?,
                    created_at: r.try_get("created_at")?,
                })
            }

            fn api_key_row(r: &$Row) -> Result<ApiKey> {
                Ok(ApiKey {
                    id: r.try_get("id")?,
                    department_id: r.try_get("department_id")?,
                    name: r.try_get("name")?,
                    prefix: r.try_get("prefix")?,
                    key_hash: r.try_get("key_hash")?,
                    scopes: json_list(&r.try_get::<String, _>("scopes")?),
                    created_by: r.try_get("created_by")?,
                    created_at: r.try_get("created_at")?,
                    revoked_at: r.try_get("revoked_at")?,
                    last_used_at: r.try_get("last_used_at")?,
                })
            }

            async fn name_taken(tx: &mut Tx<'_>, name: &str, except: i64) -> Result<bool> {
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM departments WHERE name = $1 AND id <> $2")
                    .bind(name)
                    .bind(except)
                    .fetch_one(&mut **tx)
                    .await?;
                Ok(n > 0)
            }
        }

        #[async_trait::async_trait]
        impl $crate::Store for $Store {
            $($backend_items)*

            async fn get_meta(&self, key: &str) -> Result<Option<String>> {
                Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
                    .bind(key)
                    .fetch_optional(self.read())
                    .await?)
            }

            async fn set_meta(&self, actor: &Actor, key: &str, value: &str) -> Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                    .bind(key)
                    .bind(value)
                    .execute(&mut *tx)
                    .await?;
                self.append_audit(&mut tx, &actor.event("meta.set", format!("meta:{key}"), serde_json::json!({ "value": value })))
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn audit(&self, event: AuditEvent) -> Result<i64> {
                let mut tx = self.begin_write().await?;
                let seq = self.append_audit(&mut tx, &event).await?;
                tx.commit().await?;
                Ok(seq)
            }

            async fn audit_search(&self, f: &AuditFilter) -> Result<Vec<AuditEntry>> {
                let mut qb = sqlx::QueryBuilder::<$DB>::new("SELECT * FROM audit_log WHERE 1 = 1");
                if let Some(v) = f.from.as_deref().filter(|s| !s.is_empty()) {
                    qb.push(" AND at >= ").push_bind(v.to_string());
                }
                if let Some(v) = f.to.as_deref().filter(|s| !s.is_empty()) {
                    qb.push(" AND at <= ").push_bind(v.to_string());
                }
                if let Some(v) = f.actor.as_deref().filter(|s| !s.is_empty()) {
                    qb.push(" AND actor = ").push_bind(v.to_string());
                }
                if let Some(v) = f.action.as_deref().filter(|s| !s.is_empty()) {
                    qb.push(" AND action LIKE ").push_bind(format!("{}%", v.replace('%', "")));
                }
                if let Some(v) = f.object.as_deref().filter(|s| !s.is_empty()) {
                    qb.push(" AND object LIKE ").push_bind(format!("{}%", v.replace('%', "")));
                }
                if let Some(v) = f.after_seq {
                    qb.push(" AND seq > ").push_bind(v);
                    qb.push(" ORDER BY seq ASC");
                } else {
                    qb.push(" ORDER BY seq DESC");
                }
                let limit = if f.limit <= 0 { 200 } else { f.limit.min(100_000) };
                qb.push(" LIMIT ").push_bind(limit);
                let rows = qb.build().fetch_all(self.read()).await?;
                rows.iter().map(Self::audit_row).collect()
            }

            async fn audit_head(&self) -> Result<i64> {
                Ok(sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(seq) FROM audit_log").fetch_one(self.read()).await?.unwrap_or(0))
            }

            async fn audit_count(&self) -> Result<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM audit_log").fetch_one(self.read()).await?)
            }

            async fn verify_audit(&self) -> Result<std::result::Result<u64, ChainError>> {
                let mut v = ChainVerifier::default();
                let mut after = 0i64;
                loop {
                    let rows = sqlx::query("SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 10000")
                        .bind(after)
                        .fetch_all(self.read())
                        .await?;
                    if rows.is_empty() {
                        break;
                    }
                    for r in &rows {
                        let e = Self::audit_row(r)?;
                        if let Err(err) = v.push(&e) {
                            return Ok(Err(err));
                        }
                        after = e.seq;
                    }
                }
                // The tail is anchored by the newest signed checkpoint, if any.
                let cp = sqlx::query("SELECT seq, head_hash FROM audit_checkpoints ORDER BY seq DESC LIMIT 1")
                    .fetch_optional(self.read())
                    .await?;
                if let Some(cp) = cp {
                    let seq: i64 = cp.try_get("seq")?;
                    let head: String = cp.try_get("head_hash")?;
                    if (v.count() as i64) < seq {
                        return Ok(Err(ChainError::Gap { seq: v.count() as i64 + 1, expected: seq }));
                    }
                    let at: Option<String> = sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq = $1")
                        .bind(seq)
                        .fetch_optional(self.read())
                        .await?;
                    if at.as_deref() != Some(head.as_str()) {
                        return Ok(Err(ChainError::OwnHash { seq }));
                    }
                }
                Ok(Ok(v.count()))
            }

            async fn audit_checkpoint(&self, key: &[u8]) -> Result<Option<audit::Checkpoint>> {
                let mut tx = self.begin_write().await?;
                sqlx::query(Self::AUDIT_LOCK).execute(&mut *tx).await?;
                let last = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(last) = last else { return Ok(None) };
                let seq: i64 = last.try_get("seq")?;
                let head: String = last.try_get("hash")?;
                let done: Option<i64> = sqlx::query_scalar("SELECT seq FROM audit_checkpoints WHERE seq = $1")
                    .bind(seq)
                    .fetch_optional(&mut *tx)
                    .await?;
                if done.is_some() {
                    return Ok(None);
                }
                let at = audit_time(now());
                let mac = audit::checkpoint_mac(key, seq, &head, &at);
                sqlx::query("INSERT INTO audit_checkpoints (seq, head_hash, at, mac) VALUES ($1, $2, $3, $4)")
                    .bind(seq)
                    .bind(&head)
                    .bind(&at)
                    .bind(&mac)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(Some(audit::Checkpoint { seq, head_hash: head, at, mac }))
            }

            async fn audit_checkpoints(&self) -> Result<Vec<audit::Checkpoint>> {
                let rows = sqlx::query("SELECT * FROM audit_checkpoints ORDER BY seq")
                    .fetch_all(self.read())
                    .await?;
                rows.iter()
                    .map(|r| {
                        Ok(audit::Checkpoint {
                            seq: r.try_get("seq")?,
                            head_hash: r.try_get("head_hash")?,
                            at: r.try_get("at")?,
                            mac: r.try_get("mac")?,
                        })
                    })
                    .collect()
            }

            async fn seed_organisation(&self, actor: &Actor) -> Result<usize> {
                use jianguan_domain::org::{DEPARTMENTS, GROUPS};
                let mut tx = self.begin_write().await?;
                let mut added = 0usize;
                let t = now();
                for d in DEPARTMENTS {
                    let aliases = serde_json::to_string(d.aliases).expect("json");
                    let r = sqlx::query(
                        "INSERT INTO departments (code, name, kind, aliases, in_seed, active, created_at, updated_at) \
                         VALUES ($1, $2, 'department', $3, $4, TRUE, $5, $5) ON CONFLICT (code) DO NOTHING",
                    )
                    .bind(d.code)
                    .bind(d.name)
                    .bind(aliases)
                    .bind(d.in_seed)
                    .bind(t)
                    .execute(&mut *tx)
                    .await?;
                    added += r.rows_affected() as usize;
                }
                for g in GROUPS {
                    let aliases = serde_json::to_string(g.aliases).expect("json");
                    let r = sqlx::query(
                        "INSERT INTO departments (code, name, kind, aliases, in_seed, active, created_at, updated_at) \
                         VALUES ($1, $2, 'group', $3, TRUE, TRUE, $4, $4) ON CONFLICT (code) DO NOTHING",
                    )
                    .bind(g.code)
                    .bind(g.name)
                    .bind(aliases)
                    .bind(t)
                    .execute(&mut *tx)
                    .await?;
                    if r.rows_affected() == 1 {
                        added += 1;
                        for m in g.members {
                            sqlx::query(
                                "INSERT INTO group_members (group_id, department_id) \
                                 SELECT g.id, d.id FROM departments g, departments d WHERE g.code = $1 AND d.code = $2 \
                                 ON CONFLICT DO NOTHING",
                            )
                            .bind(g.code)
                            .bind(*m)
                            .execute(&mut *tx)
                            .await?;
                        }
                    }
                }
                if added > 0 {
                    self.append_audit(&mut tx, &actor.event("organisation.seed", "departments", serde_json::json!({ "added": added })))
                        .await?;
                }
                tx.commit().await?;
                Ok(added)
            }

            async fn list_units(&self) -> Result<Vec<Unit>> {
                let rows = sqlx::query("SELECT * FROM departments ORDER BY kind DESC, id").fetch_all(self.read()).await?;
                let links = sqlx::query("SELECT group_id, department_id FROM group_members ORDER BY group_id, department_id")
                    .fetch_all(self.read())
                    .await?;
                let mut members: std::collections::HashMap<i64, Vec<i64>> = Default::default();
                for l in &links {
                    members.entry(l.try_get("group_id")?).or_default().push(l.try_get("department_id")?);
                }
                rows.iter()
                    .map(|r| {
                        let id: i64 = r.try_get("id")?;
                        Self::unit_row(r, members.remove(&id).unwrap_or_default())
                    })
                    .collect()
            }

            async fn get_unit(&self, id: i64) -> Result<Unit> {
                Self::unit_in(self.read(), id).await
            }

            async fn create_department(&self, actor: &Actor, code: &str, name: &str, kind: UnitKind) -> Result<Unit> {
                let code = code.trim();
                let name = jianguan_domain::org::normalize_unit_name(name);
                if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') || code.len() > 32 {
                    return Err(StoreError::Invalid("部门代码只能由字母、数字、- 和 _ 组成,最长 32 位".into()));
                }
                if name.is_empty() || name.chars().count() > 64 {
                    return Err(StoreError::Invalid("部门名称不能为空,最长 64 字".into()));
                }
                let mut tx = self.begin_write().await?;
                let dup: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM departments WHERE code = $1 OR name = $2")
                    .bind(code)
                    .bind(&name)
                    .fetch_one(&mut *tx)
                    .await?;
                if dup > 0 {
                    return Err(StoreError::Conflict(format!("部门代码“{code}”或名称“{name}”已存在")));
                }
                let t = now();
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO departments (code, name, kind, aliases, in_seed, active, created_at, updated_at) \
                     VALUES ($1, $2, $3, '[]', FALSE, TRUE, $4, $4) RETURNING id",
                )
                .bind(code)
                .bind(&name)
                .bind(kind.as_str())
                .bind(t)
                .fetch_one(&mut *tx)
                .await?;
                let detail = serde_json::json!({ "code": code, "name": name, "kind": kind.as_str() });
                Self::history(&mut tx, actor, id, "create", detail.clone()).await?;
                self.append_audit(&mut tx, &actor.event("department.create", format!("department:{id}"), detail)).await?;
                let unit = Self::unit_tx(&mut tx, id).await?;
                tx.commit().await?;
                Ok(unit)
            }

            async fn rename_department(&self, actor: &Actor, id: i64, new_name: &str) -> Result<Unit> {
                let name = jianguan_domain::org::normalize_unit_name(new_name);
                if name.is_empty() || name.chars().count() > 64 {
                    return Err(StoreError::Invalid("部门名称不能为空,最长 64 字".into()));
                }
                let mut tx = self.begin_write().await?;
                let old = Self::unit_tx(&mut tx, id).await?;
                if old.name == name {
                    return Ok(old);
                }
                if Self::name_taken(&mut tx, &name, id).await? {
                    return Err(StoreError::Conflict(format!("名称“{name}”已被其他部门使用")));
                }
                let mut aliases = old.aliases.clone();
                if !aliases.contains(&old.name) {
                    aliases.push(old.name.clone());
                }
                aliases.retain(|a| a != &name);
                sqlx::query("UPDATE departments SET name = $1, aliases = $2, updated_at = $3 WHERE id = $4")
                    .bind(&name)
                    .bind(serde_json::to_string(&aliases).expect("json"))
                    .bind(now())
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                let detail = serde_json::json!({ "from": old.name, "to": name });
                Self::history(&mut tx, actor, id, "rename", detail.clone()).await?;
                self.append_audit(&mut tx, &actor.event("department.rename", format!("department:{id}"), detail)).await?;
                let unit = Self::unit_tx(&mut tx, id).await?;
                tx.commit().await?;
                Ok(unit)
            }

            async fn merge_departments(&self, actor: &Actor, from: i64, into: i64) -> Result<Unit> {
                if from == into {
                    return Err(StoreError::Invalid("不能把部门合并到它自己".into()));
                }
                let mut tx = self.begin_write().await?;
                let a = Self::unit_tx(&mut tx, from).await?;
                let b = Self::unit_tx(&mut tx, into).await?;
                if a.kind != UnitKind::Department || b.kind != UnitKind::Department {
                    return Err(StoreError::Invalid("只能合并部门,不能合并部门组".into()));
                }
                if !a.active || !b.active {
                    return Err(StoreError::Invalid("已停用或已合并的部门不能再合并".into()));
                }
                let t = now();
                let moved_accounts = sqlx::query("UPDATE accounts SET department_id = $1, updated_at = $2 WHERE department_id = $3")
                    .bind(into)
                    .bind(t)
                    .bind(from)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                sqlx::query("UPDATE api_keys SET department_id = $1 WHERE department_id = $2")
                    .bind(into)
                    .bind(from)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO group_members (group_id, department_id) \
                     SELECT group_id, $1 FROM group_members WHERE department_id = $2 ON CONFLICT DO NOTHING",
                )
                .bind(into)
                .bind(from)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM group_members WHERE department_id = $1")
                    .bind(from)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE departments SET active = FALSE, merged_into = $1, updated_at = $2 WHERE id = $3")
                    .bind(into)
                    .bind(t)
                    .bind(from)
                    .execute(&mut *tx)
                    .await?;
                let mut aliases = b.aliases.clone();
                for n in std::iter::once(&a.name).chain(a.aliases.iter()) {
                    if !aliases.contains(n) && n != &b.name {
                        aliases.push(n.clone());
                    }
                }
                sqlx::query("UPDATE departments SET aliases = $1, updated_at = $2 WHERE id = $3")
                    .bind(serde_json::to_string(&aliases).expect("json"))
                    .bind(t)
                    .bind(into)
                    .execute(&mut *tx)
                    .await?;
                let detail = serde_json::json!({ "from": from, "from_name": a.name, "into": into, "into_name": b.name, "accounts_moved": moved_accounts });
                Self::history(&mut tx, actor, from, "merged_into", detail.clone()).await?;
                Self::history(&mut tx, actor, into, "merged_from", detail.clone()).await?;
                self.append_audit(&mut tx, &actor.event("department.merge", format!("department:{from}"), detail)).await?;
                let unit = Self::unit_tx(&mut tx, into).await?;
                tx.commit().await?;
                Ok(unit)
            }

            async fn set_group_members(&self, actor: &Actor, group: i64, members: &[i64]) -> Result<Unit> {
                let mut tx = self.begin_write().await?;
                let g = Self::unit_tx(&mut tx, group).await?;
                if g.kind != UnitKind::Group {
                    return Err(StoreError::Invalid(format!("“{}”不是部门组", g.name)));
                }
                let mut want: Vec<i64> = members.to_vec();
                want.sort_unstable();
                want.dedup();
                for m in &want {
                    let u = Self::unit_tx(&mut tx, *m).await?;
                    if u.kind != UnitKind::Department || !u.active {
                        return Err(StoreError::Invalid(format!("“{}”不是在用的部门,不能加入部门组", u.name)));
                    }
                }
                sqlx::query("DELETE FROM group_members WHERE group_id = $1").bind(group).execute(&mut *tx).await?;
                for m in &want {
                    sqlx::query("INSERT INTO group_members (group_id, department_id) VALUES ($1, $2)")
                        .bind(group)
                        .bind(*m)
                        .execute(&mut *tx)
                        .await?;
                }
                let added: Vec<i64> = want.iter().filter(|m| !g.members.contains(m)).copied().collect();
                let removed: Vec<i64> = g.members.iter().filter(|m| !want.contains(m)).copied().collect();
                let detail = serde_json::json!({ "added": added, "removed": removed });
                Self::history(&mut tx, actor, group, "members", detail.clone()).await?;
                self.append_audit(&mut tx, &actor.event("group.members", format!("department:{group}"), detail)).await?;
                let unit = Self::unit_tx(&mut tx, group).await?;
                tx.commit().await?;
                Ok(unit)
            }

            async fn unit_history(&self, id: i64) -> Result<Vec<UnitHistory>> {
                let rows = sqlx::query("SELECT * FROM department_history WHERE department_id = $1 ORDER BY id")
                    .bind(id)
                    .fetch_all(self.read())
                    .await?;
                rows.iter()
                    .map(|r| {
                        Ok(UnitHistory {
                            at: r.try_get("at")?,
                            actor: r.try_get("actor")?,
                            change: r.try_get("change")?,
                            detail: r.try_get("detail")?,
                        })
                    })
                    .collect()
            }

            async fn create_account(&self, actor: &Actor, new: &NewAccount) -> Result<Account> {
                let username = new.username.trim();
                if username.len() < 3 || username.len() > 32 || !username.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-') {
                    return Err(StoreError::Invalid("用户名须为 3–32 位字母、数字、点、下划线或连字符".into()));
                }
                if new.display_name.trim().is_empty() || new.display_name.chars().count() > 32 {
                    return Err(StoreError::Invalid("姓名不能为空,最长 32 字".into()));
                }
                let mut tx = self.begin_write().await?;
                let dept = Self::unit_tx(&mut tx, new.department_id).await?;
                if dept.kind != UnitKind::Department || !dept.active {
                    return Err(StoreError::Invalid("账号必须属于一个在用的部门".into()));
                }
                let dup: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts WHERE username = $1")
                    .bind(username)
                    .fetch_one(&mut *tx)
                    .await?;
                if dup > 0 {
                    return Err(StoreError::Conflict(format!("用户名“{username}”已存在")));
                }
                let t = now();
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO accounts (username, display_name, department_id, password_hash, must_change_password, disabled, \
                     totp_enabled, totp_last_counter, password_changed_at, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, FALSE, FALSE, 0, $6, $6, $6) RETURNING id",
                )
                .bind(username)
                .bind(new.display_name.trim())
                .bind(new.department_id)
                .bind(&new.password_hash)
                .bind(new.must_change_password)
                .bind(t)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query("INSERT INTO password_history (account_id, password_hash, created_at) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(&new.password_hash)
                    .bind(t)
                    .execute(&mut *tx)
                    .await?;
                self.append_audit(
                    &mut tx,
                    &actor.event("account.create", format!("account:{id}"), serde_json::json!({ "username": username, "department_id": new.department_id })),
                )
                .await?;
                let a = Self::account_tx(&mut tx, id).await?;
                tx.commit().await?;
                Ok(a)
            }

            async fn get_account(&self, id: i64) -> Result<Account> {
                let r = sqlx::query("SELECT * FROM accounts WHERE id = $1")
                    .bind(id)
                    .fetch_optional(self.read())
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("账号 {id} 不存在")))?;
                let roles: Vec<String> = sqlx::query_scalar("SELECT role FROM account_roles WHERE account_id = $1")
                    .bind(id)
                    .fetch_all(self.read())
                    .await?;
                Self::account_row(&r, roles)
            }

            async fn find_account(&self, username: &str) -> Result<Option<Account>> {
                let id: Option<i64> = sqlx::query_scalar("SELECT id FROM accounts WHERE username = $1")
                    .bind(username.trim())
                    .fetch_optional(self.read())
                    .await?;
                match id {
                    Some(id) => Ok(Some(self.get_account(id).await?)),
                    None => Ok(None),
                }
            }

            async fn list_accounts(&self) -> Result<Vec<Account>> {
                let rows = sqlx::query("SELECT * FROM accounts ORDER BY id").fetch_all(self.read()).await?;
                let grants = sqlx::query("SELECT account_id, role FROM account_roles").fetch_all(self.read()).await?;
                let mut by: std::collections::HashMap<i64, Vec<String>> = Default::default();
                for g in &grants {
                    by.entry(g.try_get("account_id")?).or_default().push(g.try_get("role")?);
                }
                rows.iter()
                    .map(|r| {
                        let id: i64 = r.try_get("id")?;
                        Self::account_row(r, by.remove(&id).unwrap_or_default())
                    })
                    .collect()
            }

            async fn set_account_disabled(&self, actor: &Actor, id: i64, disabled: bool) -> Result<Account> {
                let mut tx = self.begin_write().await?;
                Self::account_tx(&mut tx, id).await?;
                let t = now();
                sqlx::query("UPDATE accounts SET disabled = $1, updated_at = $2 WHERE id = $3")
                    .bind(disabled)
                    .bind(t)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                if disabled {
                    sqlx::query("UPDATE sessions SET ended_at = $1 WHERE account_id = $2 AND ended_at IS NULL")
                        .bind(t)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                } else {
                    sqlx::query("UPDATE accounts SET locked_until = NULL WHERE id = $1").bind(id).execute(&mut *tx).await?;
                }
                let action = if disabled { "account.disable" } else { "account.enable" };
                self.append_audit(&mut tx, &actor.event(action, format!("account:{id}"), serde_json::json!({}))).await?;
                let a = Self::account_tx(&mut tx, id).await?;
                tx.commit().await?;
                Ok(a)
            }

            async fn set_roles(&self, actor: &Actor, id: i64, roles: &[Role]) -> Result<Account> {
                jianguan_domain::auth::check_role_set(roles).map_err(|e| StoreError::Invalid(e.to_string()))?;
                let mut tx = self.begin_write().await?;
                let before = Self::account_tx(&mut tx, id).await?;
                sqlx::query("DELETE FROM account_roles WHERE account_id = $1").bind(id).execute(&mut *tx).await?;
                let t = now();
                let mut sorted = roles.to_vec();
                sorted.sort();
                sorted.dedup();
                for r in &sorted {
                    sqlx::query("INSERT INTO account_roles (account_id, role, granted_by, granted_at) VALUES ($1, $2, $3, $4)")
                        .bind(id)
                        .bind(r.code())
                        .bind(&actor.name)
                        .bind(t)
                        .execute(&mut *tx)
                        .await?;
                }
                // A change of powers ends the account's sessions: it logs in again under the new ones.
                sqlx::query("UPDATE sessions SET ended_at = $1 WHERE account_id = $2 AND ended_at IS NULL")
                    .bind(t)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                let codes = |v: &[Role]| v.iter().map(|r| r.code()).collect::<Vec<_>>();
                self.append_audit(
                    &mut tx,
                    &actor.event("account.roles", format!("account:{id}"), serde_json::json!({ "from": codes(&before.roles), "to": codes(&sorted) })),
                )
                .await?;
                let a = Self::account_tx(&mut tx, id).await?;
                tx.commit().await?;
                Ok(a)
            }

            async fn password_history(&self, id: i64, n: usize) -> Result<Vec<String>> {
                Ok(sqlx::query_scalar("SELECT password_hash FROM password_history WHERE account_id = $1 ORDER BY id DESC LIMIT $2")
                    .bind(id)
                    .bind(n as i64)
                    .fetch_all(self.read())
                    .await?)
            }

            async fn set_password(&self, actor: &Actor, id: i64, hash: &str, must_change: bool) -> Result<()> {
                let mut tx = self.begin_write().await?;
                Self::account_tx(&mut tx, id).await?;
                let t = now();
                sqlx::query("UPDATE accounts SET password_hash = $1, must_change_password = $2, password_changed_at = $3, updated_at = $3 WHERE id = $4")
                    .bind(hash)
                    .bind(must_change)
                    .bind(t)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO password_history (account_id, password_hash, created_at) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(hash)
                    .bind(t)
                    .execute(&mut *tx)
                    .await?;
                if must_change {
                    // A reset password ends every session of the account.
                    sqlx::query("UPDATE sessions SET ended_at = $1 WHERE account_id = $2 AND ended_at IS NULL")
                        .bind(t)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                let action = if must_change { "account.password_reset" } else { "account.password_change" };
                self.append_audit(&mut tx, &actor.event(action, format!("account:{id}"), serde_json::json!({}))).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn set_totp(&self, actor: &Actor, id: i64, sealed_secret: Option<&str>, enabled: bool) -> Result<()> {
                let mut tx = self.begin_write().await?;
                Self::account_tx(&mut tx, id).await?;
                sqlx::query("UPDATE accounts SET totp_secret = $1, totp_enabled = $2, totp_last_counter = 0, updated_at = $3 WHERE id = $4")
                    .bind(sealed_secret)
                    .bind(enabled)
                    .bind(now())
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                let action = match (sealed_secret.is_some(), enabled) {
                    (_, true) => "account.totp_enable",
                    (true, false) => "account.totp_enrol",
                    (false, false) => "account.totp_reset",
                };
                self.append_audit(&mut tx, &actor.event(action, format!("account:{id}"), serde_json::json!({}))).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn use_totp_counter(&self, id: i64, counter: i64) -> Result<bool> {
                let mut tx = self.begin_write().await?;
                let n = sqlx::query("UPDATE accounts SET totp_last_counter = $1 WHERE id = $2 AND totp_last_counter < $1")
                    .bind(counter)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                tx.commit().await?;
                Ok(n == 1)
            }

            async fn record_login(&self, a: &LoginAttempt, window_start: Timestamp) -> Result<i64> {
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO login_attempts (username, ip, at, success) VALUES ($1, $2, $3, $4)")
                    .bind(&a.username)
                    .bind(&a.ip)
                    .bind(a.at)
                    .bind(a.success)
                    .execute(&mut *tx)
                    .await?;
                let action = if a.success { "auth.login" } else { "auth.login_failed" };
                let ev = AuditEvent::new(
                    a.username.clone(),
                    a.role.clone(),
                    action,
                    format!("account:{}", a.username),
                    serde_json::json!({ "ip": a.ip, "reason": a.reason }),
                );
                self.append_audit(&mut tx, &ev).await?;
                // Failures since the later of the window start and the last success.
                let last_ok: Option<Timestamp> = sqlx::query_scalar(
                    "SELECT MAX(at) FROM login_attempts WHERE username = $1 AND success = TRUE AND at >= $2",
                )
                .bind(&a.username)
                .bind(window_start)
                .fetch_one(&mut *tx)
                .await?;
                let since = last_ok.unwrap_or(window_start).max(window_start);
                let n: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM login_attempts WHERE username = $1 AND success = FALSE AND at >= $2",
                )
                .bind(&a.username)
                .bind(since)
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(n)
            }

            async fn ip_failures_since(&self, ip: &str, since: Timestamp) -> Result<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM login_attempts WHERE ip = $1 AND success = FALSE AND at >= $2")
                    .bind(ip)
                    .bind(since)
                    .fetch_one(self.read())
                    .await?)
            }

            async fn lock_account(&self, id: i64, until: Timestamp) -> Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("UPDATE accounts SET locked_until = $1 WHERE id = $2").bind(until).bind(id).execute(&mut *tx).await?;
                self.append_audit(
                    &mut tx,
                    &Actor::system().event("account.lock", format!("account:{id}"), serde_json::json!({ "until": audit_time(until) })),
                )
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn create_session(&self, s: &NewSession) -> Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO sessions (id_hash, account_id, csrf_token, created_at, last_seen_at, ip, user_agent, totp_passed) \
                     VALUES ($1, $2, $3, $4, $4, $5, $6, $7)",
                )
                .bind(&s.id_hash)
                .bind(s.account_id)
                .bind(&s.csrf_token)
                .bind(s.at)
                .bind(&s.ip)
                .bind(s.user_agent.chars().take(200).collect::<String>())
                .bind(s.totp_passed)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn get_session(&self, id_hash: &str) -> Result<Option<Session>> {
                let r = sqlx::query("SELECT * FROM sessions WHERE id_hash = $1")
                    .bind(id_hash)
                    .fetch_optional(self.read())
                    .await?;
                r.map(|r| {
                    Ok(Session {
                        id_hash: r.try_get("id_hash")?,
                        account_id: r.try_get("account_id")?,
                        csrf_token: r.try_get("csrf_token")?,
                        created_at: r.try_get("created_at")?,
                        last_seen_at: r.try_get("last_seen_at")?,
                        totp_passed: r.try_get("totp_passed")?,
                        ended_at: r.try_get("ended_at")?,
                    })
                })
                .transpose()
            }

            async fn touch_session(&self, id_hash: &str, at: Timestamp) -> Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2 AND ended_at IS NULL")
                    .bind(at)
                    .bind(id_hash)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn set_session_totp_passed(&self, id_hash: &str) -> Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("UPDATE sessions SET totp_passed = TRUE WHERE id_hash = $1")
                    .bind(id_hash)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn end_session(&self, id_hash: &str, at: Timestamp) -> Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("UPDATE sessions SET ended_at = $1 WHERE id_hash = $2 AND ended_at IS NULL")
                    .bind(at)
                    .bind(id_hash)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn create_api_key(&self, actor: &Actor, k: &NewApiKey) -> Result<ApiKey> {
                if k.name.trim().is_empty() {
                    return Err(StoreError::Invalid("接口密钥须有名称".into()));
                }
                let mut tx = self.begin_write().await?;
                let dept = Self::unit_tx(&mut tx, k.department_id).await?;
                if dept.kind != UnitKind::Department || !dept.active {
                    return Err(StoreError::Invalid("接口密钥必须属于一个在用的部门".into()));
                }
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO api_keys (department_id, name, prefix, key_hash, scopes, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(k.department_id)
                .bind(k.name.trim())
                .bind(&k.prefix)
                .bind(&k.key_hash)
                .bind(serde_json::to_string(&k.scopes).expect("json"))
                .bind(&actor.name)
                .bind(now())
                .fetch_one(&mut *tx)
                .await?;
                self.append_audit(
                    &mut tx,
                    &actor.event("api_key.create", format!("api_key:{id}"), serde_json::json!({ "prefix": k.prefix, "department_id": k.department_id, "scopes": k.scopes })),
                )
                .await?;
                let r = sqlx::query("SELECT * FROM api_keys WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
                let key = Self::api_key_row(&r)?;
                tx.commit().await?;
                Ok(key)
            }

            async fn list_api_keys(&self) -> Result<Vec<ApiKey>> {
                let rows = sqlx::query("SELECT * FROM api_keys ORDER BY id").fetch_all(self.read()).await?;
                rows.iter().map(Self::api_key_row).collect()
            }

            async fn find_api_key(&self, prefix: &str) -> Result<Option<ApiKey>> {
                let r = sqlx::query("SELECT * FROM api_keys WHERE prefix = $1").bind(prefix).fetch_optional(self.read()).await?;
                r.as_ref().map(Self::api_key_row).transpose()
            }

            async fn revoke_api_key(&self, actor: &Actor, id: i64) -> Result<ApiKey> {
                let mut tx = self.begin_write().await?;
                let n = sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                    .bind(now())
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if n == 0 {
                    return Err(StoreError::NotFound(format!("接口密钥 {id} 不存在或已吊销")));
                }
                self.append_audit(&mut tx, &actor.event("api_key.revoke", format!("api_key:{id}"), serde_json::json!({}))).await?;
                let r = sqlx::query("SELECT * FROM api_keys WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
                let key = Self::api_key_row(&r)?;
                tx.commit().await?;
                Ok(key)
            }

            async fn touch_api_key(&self, id: i64, at: Timestamp) -> Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("UPDATE api_keys SET last_used_at = $1 WHERE id = $2").bind(at).bind(id).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn notify(&self, n: &NewNotification) -> Result<bool> {
                let mut tx = self.begin_write().await?;
                let r = sqlx::query(
                    "INSERT INTO notifications (department_id, account_id, kind, title, body, link, dedup_key, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (dedup_key) DO NOTHING",
                )
                .bind(n.department_id)
                .bind(n.account_id)
                .bind(&n.kind)
                .bind(&n.title)
                .bind(&n.body)
                .bind(&n.link)
                .bind(&n.dedup_key)
                .bind(now())
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(r.rows_affected() == 1)
            }

            async fn notifications_for(&self, department_id: i64, account_id: i64, limit: i64) -> Result<Vec<Notification>> {
                let rows = sqlx::query(
                    "SELECT * FROM notifications WHERE (department_id = $1 AND account_id IS NULL) OR account_id = $2 \
                     OR (department_id IS NULL AND account_id IS NULL) ORDER BY id DESC LIMIT $3",
                )
                .bind(department_id)
                .bind(account_id)
                .bind(limit)
                .fetch_all(self.read())
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(Notification {
                            id: r.try_get("id")?,
                            kind: r.try_get("kind")?,
                            title: r.try_get("title")?,
                            body: r.try_get("body")?,
                            link: r.try_get("link")?,
                            created_at: r.try_get("created_at")?,
                            read_at: r.try_get("read_at")?,
                        })
                    })
                    .collect()
            }

            async fn mark_notification_read(&self, id: i64, department_id: i64, account_id: i64) -> Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "UPDATE notifications SET read_at = $1 WHERE id = $2 AND read_at IS NULL AND \
                     ((department_id = $3 AND account_id IS NULL) OR account_id = $4 OR (department_id IS NULL AND account_id IS NULL))",
                )
                .bind(now())
                .bind(id)
                .bind(department_id)
                .bind(account_id)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn idempotent_get(&self, scope: &str, key: &str) -> Result<Option<IdempotentResponse>> {
                let r = sqlx::query("SELECT * FROM idempotency_keys WHERE scope = $1 AND key = $2")
                    .bind(scope)
                    .bind(key)
                    .fetch_optional(self.read())
                    .await?;
                r.map(|r| {
                    Ok(IdempotentResponse {
                        request_hash: r.try_get("request_hash")?,
                        status: r.try_get("response_status")?,
                        body: r.try_get("response_body")?,
                    })
                })
                .transpose()
            }
        }
    };
}
