//! Server-rendered pages, by area.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod home;
pub mod ledger;
pub mod registry;

use crate::error::AppError;
use crate::AppState;

/// Name of every active department, by id (for tables).
pub async fn department_names(state: &AppState) -> Result<std::collections::HashMap<i64, String>, AppError> {
    Ok(department_names_of(&state.store).await?)
}

/// Name of every department and group, by id.
pub async fn department_names_of(
    store: &jianguan_store::DynStore,
) -> Result<std::collections::HashMap<i64, String>, jianguan_store::StoreError> {
    Ok(store.list_units().await?.into_iter().map(|u| (u.id, u.name)).collect())
}

/// A local redirect target: a path on this site, never another host.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && !n.starts_with("/login") => {
            n.to_string()
        }
        _ => "/home".to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_is_local() {
        assert_eq!(super::safe_next(Some("/audit?x=1")), "/audit?x=1");
        assert_eq!(super::safe_next(Some("//evil.example")), "/home");
        assert_eq!(super::safe_next(Some("https://evil.example")), "/home");
        assert_eq!(super::safe_next(None), "/home");
    }
}
