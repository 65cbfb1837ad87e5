//! Configuration shape (loaded by the CLI from `jianguan.toml` and `JIANGUAN_*`).
//! Secrets are wrapped in [`Secret`], whose `Debug` and `Display` never show them.

use crate::auth::{LockoutPolicy, PasswordPolicy, SessionPolicy};
use crate::crypto::HashAlgo;
use crate::deadline::ReportingCycle;
use serde::{Deserialize, Serialize};

/// A value that must never appear in logs or `Debug` output.
#[derive(Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() { "Secret(<empty>)" } else { "Secret(***)" })
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// Removes the password from a database URL for display.
pub fn redact_url(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        if let Some((creds, host)) = rest.rsplit_once('@') {
            let user = creds.split(':').next().unwrap_or("");
            return format!("{scheme}://{user}:***@{host}");
        }
    }
    url.to_string()
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct UploadLimits {
    /// Largest request body, in bytes (default 20 MB).
    pub max_body_bytes: usize,
    /// Largest single uploaded file, in bytes.
    pub max_file_bytes: usize,
    /// Largest uncompressed size of an xlsx/zip, and its largest entry count.
    pub max_unzipped_bytes: u64,
    pub max_zip_entries: usize,
    /// Largest compression ratio of any zip entry.
    pub max_zip_ratio: u64,
}

impl Default for UploadLimits {
    fn default() -> Self {
        UploadLimits {
            max_body_bytes: 20 * 1024 * 1024,
            max_file_bytes: 20 * 1024 * 1024,
            max_unzipped_bytes: 512 * 1024 * 1024,
            max_zip_entries: 10_000,
            max_zip_ratio: 200,
        }
    }
}

/// Responsibility ledgers (台账).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct LedgerSettings {
    /// Warn this many working days before a due date (临近时限 / 本期未报送).
    pub warn_working_days: u32,
    /// How often ongoing work (持续推进) is reported unless a task sets its own cycle.
    pub default_cycle: ReportingCycle,
}

impl Default for LedgerSettings {
    fn default() -> Self {
        LedgerSettings { warn_working_days: 5, default_cycle: ReportingCycle::Quarterly }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Config {
    pub listen: String,
    pub data_dir: String,
    /// `sqlite://…` or `postgres://…`; empty means `<data_dir>/jianguan.db`.
    pub database_url: Secret,
    pub session: SessionPolicy,
    pub password: PasswordPolicy,
    pub lockout: LockoutPolicy,
    pub upload: UploadLimits,
    pub ledger: LedgerSettings,
    pub audit_algo: HashAlgo,
    /// Master key for SM4 field protection; empty means `<data_dir>/field.key`.
    pub field_key: Secret,
    /// Read-pool size for SQLite / pool size for PostgreSQL.
    pub pool_size: u32,
    /// Load demonstration data into a new store.
    pub demo: bool,
    /// Set `Secure` on cookies (behind TLS).
    pub secure_cookies: bool,
    /// The approval handoff (审管衔接).
    pub handoff: HandoffConfig,
    /// Enforcement: the "major decision" criteria and publication periods.
    pub enforcement: EnforcementSettings,
}

/// Enforcement settings (configuration, not code).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct EnforcementSettings {
    /// What makes a penalty a major decision needing legal review (法制审核).
    pub major: crate::enforcement::MajorCriteria,
    /// Minimum publication periods of penalties.
    pub periods: crate::enforcement::PublicationPeriods,
}

/// The approval handoff (审管衔接): how long a supervising department has to receive a
/// pushed licence or filing record.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct HandoffConfig {
    /// Working days from the push to the reception deadline (default 5).
    pub reception_working_days: u32,
}

impl Default for HandoffConfig {
    fn default() -> Self {
        HandoffConfig { reception_working_days: crate::handoff::DEFAULT_RECEPTION_DAYS }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            data_dir: "./data".into(),
            database_url: Secret::default(),
            session: SessionPolicy::default(),
            password: PasswordPolicy::default(),
            lockout: LockoutPolicy::default(),
            upload: UploadLimits::default(),
            ledger: LedgerSettings::default(),
            audit_algo: HashAlgo::Sha256,
            field_key: Secret::default(),
            pool_size: 8,
            demo: true,
            secure_cookies: false,
            handoff: HandoffConfig::default(),
            enforcement: EnforcementSettings::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_debug() {
        let c = Config {
            database_url: Secret::new("postgres://u:hunter2@db/x"),
            field_key: Secret::new("topsecretkey"),
            ..Config::default()
        };
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("hunter2") && !dbg.contains("topsecretkey"));
        assert_eq!(redact_url("postgres://u:hunter2@db:5432/x"), "postgres://u:***@db:5432/x");
    }
}
