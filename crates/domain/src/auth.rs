//! Accounts and separated powers (三权分立), password policy, lockout and TOTP rules.

use serde::{Deserialize, Serialize};

/// Every role of the system. The three administrator roles are mutually exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 台账管理 — the district ledger office (区政府督查).
    LedgerOffice,
    /// 部门填报 — department staff reporting for their department.
    DeptStaff,
    /// 执法检查人员 — inspectors.
    Inspector,
    /// 法制审核 — legal reviewers.
    LegalReviewer,
    /// 信用管理 — the credit office.
    CreditManager,
    /// 网格受理 — intake of public reports at the grid centre.
    GridIntake,
    /// 系统管理员 — creates and disables accounts; nothing else.
    SysAdmin,
    /// 安全管理员 — grants and revokes roles; nothing else.
    SecAdmin,
    /// 审计管理员 — reads and exports the audit trail; nothing else.
    AuditAdmin,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::LedgerOffice,
        Role::DeptStaff,
        Role::Inspector,
        Role::LegalReviewer,
        Role::CreditManager,
        Role::GridIntake,
        Role::SysAdmin,
        Role::SecAdmin,
        Role::AuditAdmin,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::LedgerOffice => "ledger_office",
            Role::DeptStaff => "dept_staff",
            Role::Inspector => "inspector",
            Role::LegalReviewer => "legal_reviewer",
            Role::CreditManager => "credit_manager",
            Role::GridIntake => "grid_intake",
            Role::SysAdmin => "sys_admin",
            Role::SecAdmin => "sec_admin",
            Role::AuditAdmin => "audit_admin",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::LedgerOffice => "台账管理",
            Role::DeptStaff => "部门填报",
            Role::Inspector => "执法检查人员",
            Role::LegalReviewer => "法制审核",
            Role::CreditManager => "信用管理",
            Role::GridIntake => "网格受理",
            Role::SysAdmin => "系统管理员",
            Role::SecAdmin => "安全管理员",
            Role::AuditAdmin => "审计管理员",
        }
    }

    pub fn from_code(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == s)
    }

    pub fn is_admin(self) -> bool {
        matches!(self, Role::SysAdmin | Role::SecAdmin | Role::AuditAdmin)
    }
}

/// Why a set of roles may not be held together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleConflict {
    #[error("三权分立:一个账号只能担任一种管理员角色")]
    TwoAdminRoles,
    #[error("三权分立:管理员账号不能同时担任业务角色")]
    AdminWithBusinessRole,
}

/// Checks the separation of powers over the full set of roles an account would hold.
pub fn check_role_set(roles: &[Role]) -> Result<(), RoleConflict> {
    let admins = roles.iter().filter(|r| r.is_admin()).count();
    if admins > 1 {
        return Err(RoleConflict::TwoAdminRoles);
    }
    if admins == 1 && roles.len() > 1 {
        return Err(RoleConflict::AdminWithBusinessRole);
    }
    Ok(())
}

/// Password rules (configurable; defaults per 等保三级 practice).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct PasswordPolicy {
    pub min_length: usize,
    /// How many of the four classes (lower, upper, digit, symbol) are required.
    pub min_classes: usize,
    /// How many previous passwords may not be reused.
    pub history: usize,
    pub force_change_at_first_login: bool,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy { min_length: 8, min_classes: 3, history: 5, force_change_at_first_login: true }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("密码至少 {0} 位")]
    TooShort(usize),
    #[error("密码过长(最多 128 位)")]
    TooLong,
    #[error("密码需包含大写字母、小写字母、数字、符号中的至少 {0} 类")]
    TooFewClasses(usize),
    #[error("密码不能包含用户名")]
    ContainsUsername,
    #[error("不能使用最近 {0} 次用过的密码")]
    Reused(usize),
}

impl PasswordPolicy {
    /// Checks strength only; reuse is checked by the caller against stored hashes.
    pub fn check(&self, password: &str, username: &str) -> Result<(), PasswordError> {
        let n = password.chars().count();
        if n < self.min_length {
            return Err(PasswordError::TooShort(self.min_length));
        }
        if n > 128 {
            return Err(PasswordError::TooLong);
        }
        let classes = [
            password.chars().any(|c| c.is_ascii_lowercase()),
            password.chars().any(|c| c.is_ascii_uppercase()),
            password.chars().any(|c| c.is_ascii_digit()),
            password.chars().any(|c| !c.is_ascii_alphanumeric()),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if classes < self.min_classes {
            return Err(PasswordError::TooFewClasses(self.min_classes));
        }
        if username.len() >= 3 && password.to_lowercase().contains(&username.to_lowercase()) {
            return Err(PasswordError::ContainsUsername);
        }
        Ok(())
    }
}

/// Time-based lockout (never permanent) and the per-IP throttle.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct LockoutPolicy {
    pub max_failures: u32,
    pub window_minutes: i64,
    pub lock_minutes: i64,
    /// Failed attempts from one IP address within the window before it is throttled.
    pub ip_max_failures: u32,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        LockoutPolicy { max_failures: 5, window_minutes: 15, lock_minutes: 30, ip_max_failures: 30 }
    }
}

/// Session lifetimes.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct SessionPolicy {
    pub idle_minutes: i64,
    pub admin_idle_minutes: i64,
    pub absolute_hours: i64,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy { idle_minutes: 30, admin_idle_minutes: 15, absolute_hours: 8 }
    }
}

impl SessionPolicy {
    pub fn idle_for(&self, roles: &[Role]) -> i64 {
        if roles.iter().any(|r| r.is_admin()) {
            self.admin_idle_minutes
        } else {
            self.idle_minutes
        }
    }
}

/// RFC 6238 TOTP (HMAC-SHA1, 6 digits, 30-second step), as authenticator apps use.
pub mod totp {
    use hmac::{Hmac, Mac};

    pub const STEP: i64 = 30;

    /// The code for a secret at a Unix time.
    pub fn code(secret: &[u8], unix_time: i64) -> String {
        code_at_counter(secret, (unix_time / STEP) as u64)
    }

    fn code_at_counter(secret: &[u8], counter: u64) -> String {
        let mut mac = <Hmac<sha1::Sha1> as Mac>::new_from_slice(secret).expect("any key length");
        mac.update(&counter.to_be_bytes());
        let h = mac.finalize().into_bytes();
        let off = (h[19] & 0x0f) as usize;
        let bin = ((h[off] as u32 & 0x7f) << 24)
            | ((h[off + 1] as u32) << 16)
            | ((h[off + 2] as u32) << 8)
            | h[off + 3] as u32;
        format!("{:06}", bin % 1_000_000)
    }

    /// Accepts the current step and one step either side (clock drift); returns the
    /// matched counter so the caller can refuse its reuse.
    pub fn verify(secret: &[u8], unix_time: i64, code: &str) -> Option<i64> {
        let code = code.trim();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let now = unix_time / STEP;
        (now - 1..=now + 1).find(|c| *c >= 0 && code_at_counter(secret, *c as u64) == code)
    }

    pub fn secret_base32(secret: &[u8]) -> String {
        data_encoding::BASE32_NOPAD.encode(secret)
    }

    pub fn otpauth_uri(secret: &[u8], account: &str, issuer: &str) -> String {
        format!(
            "otpauth://totp/{issuer}:{account}?secret={}&issuer={issuer}&algorithm=SHA1&digits=6&period=30",
            secret_base32(secret)
        )
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn rfc6238_vectors() {
            let secret = b"12345678901234567890";
            // RFC 6238 appendix B (SHA1), last 6 digits.
            assert_eq!(super::code(secret, 59), "287082");
            assert_eq!(super::code(secret, 1111111109), "081804");
            assert_eq!(super::code(secret, 1234567890), "005924");
            assert_eq!(super::code(secret, 2000000000), "279037");
            assert!(super::verify(secret, 59, "287082").is_some());
            assert!(super::verify(secret, 59 + 30, "287082").is_some());
            assert!(super::verify(secret, 59 + 90, "287082").is_none());
            assert!(super::verify(secret, 59, "28708").is_none());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separation_of_powers() {
        assert!(check_role_set(&[Role::SysAdmin]).is_ok());
        assert!(check_role_set(&[Role::DeptStaff, Role::Inspector]).is_ok());
        assert_eq!(check_role_set(&[Role::SysAdmin, Role::AuditAdmin]), Err(RoleConflict::TwoAdminRoles));
        assert_eq!(check_role_set(&[Role::SecAdmin, Role::DeptStaff]), Err(RoleConflict::AdminWithBusinessRole));
    }

    #[test]
    fn password_policy() {
        let p = PasswordPolicy::default();
        assert_eq!(p.check("Ab1", "u"), Err(PasswordError::TooShort(8)));
        assert_eq!(p.check("abcdefgh1", "u"), Err(PasswordError::TooFewClasses(3)));
        assert!(p.check("Abcdefg1", "u").is_ok());
        assert!(p.check("abc-defg1", "u").is_ok());
        assert_eq!(p.check("Xzhangsan1", "zhangsan"), Err(PasswordError::ContainsUsername));
    }
}
