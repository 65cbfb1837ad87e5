//! Records the store reads and writes.

use chrono::{DateTime, SubsecRound, Utc};
use jianguan_domain::audit::AuditEvent;
use jianguan_domain::auth::Role;
use serde::{Deserialize, Serialize};

pub type Timestamp = DateTime<Utc>;

/// Now, truncated to microseconds so both stores keep the same value.
pub fn now() -> Timestamp {
    Utc::now().trunc_subsecs(6)
}

/// RFC 3339 UTC with microseconds and `Z` (the audit trail's time format).
pub fn audit_time(t: Timestamp) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Who performs a change: written into the audit entry of the same transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// Username, `api-key:<prefix>`, `public` or `system`.
    pub name: String,
    /// Role code the actor acts under (`anonymous`, `system`, `api` or a [`Role`] code).
    pub role: String,
    pub account_id: Option<i64>,
    pub department_id: Option<i64>,
}

impl Actor {
    pub fn system() -> Self {
        Actor { name: "system".into(), role: "system".into(), account_id: None, department_id: None }
    }

    pub fn public() -> Self {
        Actor { name: "public".into(), role: "anonymous".into(), account_id: None, department_id: None }
    }

    pub fn event(&self, action: &str, object: impl Into<String>, detail: serde_json::Value) -> AuditEvent {
        AuditEvent::new(self.name.clone(), self.role.clone(), action, object, detail)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnitKind {
    Department,
    Group,
}

impl UnitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Department => "department",
            UnitKind::Group => "group",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "department" => Some(UnitKind::Department),
            "group" => Some(UnitKind::Group),
            _ => None,
        }
    }
}

/// A department, or a group of departments (区各相关部门 …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    pub aliases: Vec<String>,
    pub in_seed: bool,
    pub active: bool,
    pub merged_into: Option<i64>,
    /// Member department ids (groups only).
    pub members: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitHistory {
    pub at: Timestamp,
    pub actor: String,
    pub change: String,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub department_id: i64,
    #[serde(skip_serializing)]
    pub password_hash: String,
    pub must_change_password: bool,
    pub disabled: bool,
    pub locked_until: Option<Timestamp>,
    #[serde(skip_serializing)]
    pub totp_secret: Option<String>,
    pub totp_enabled: bool,
    pub roles: Vec<Role>,
    pub password_changed_at: Timestamp,
    pub created_at: Timestamp,
}

impl Account {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
    pub fn is_admin(&self) -> bool {
        self.roles.iter().any(|r| r.is_admin())
    }
}

#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub department_id: i64,
    pub password_hash: String,
    pub must_change_password: bool,
}

#[derive(Debug, Clone)]
pub struct LoginAttempt {
    pub username: String,
    pub ip: String,
    pub at: Timestamp,
    pub success: bool,
    /// The account's role label for the audit entry, when known.
    pub role: String,
    /// Why it failed (`bad_password`, `locked`, `disabled`, `unknown_user`, `bad_totp`).
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub id_hash: String,
    pub account_id: i64,
    pub csrf_token: String,
    pub at: Timestamp,
    pub ip: String,
    pub user_agent: String,
    pub totp_passed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id_hash: String,
    pub account_id: i64,
    pub csrf_token: String,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub totp_passed: bool,
    pub ended_at: Option<Timestamp>,
}

#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub department_id: i64,
    pub name: String,
    pub prefix: String,
    pub key_hash: String,
    pub scopes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    pub id: i64,
    pub department_id: i64,
    pub name: String,
    pub prefix: String,
    #[serde(skip_serializing)]
    pub key_hash: String,
    pub scopes: Vec<String>,
    pub created_by: String,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
}

#[derive(Debug, Clone)]
pub struct NewNotification {
    pub department_id: Option<i64>,
    pub account_id: Option<i64>,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: String,
    /// A notification with the same key is written once.
    pub dedup_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: String,
    pub created_at: Timestamp,
    pub read_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotentResponse {
    pub request_hash: String,
    pub status: i64,
    pub body: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AuditFilter {
    pub from: Option<String>,
    pub to: Option<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub object: Option<String>,
    pub after_seq: Option<i64>,
    pub limit: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackupSummary {
    pub path: String,
    pub bytes: u64,
    pub tables: Vec<(String, i64)>,
}
