//! Server-rendered pages, by area.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod home;

/// Declares the capability modules and the hooks that gather their parts. Every
/// capability module has: `routes()`, `TEMPLATES`, `home_cards()`, `public_sections()`,
/// `scheduled()` and an OpenAPI `Api`. Adding a capability = one name in the list below.
macro_rules! capabilities {
    ($($m:ident),* $(,)?) => {
        $(pub mod $m;)*

        /// Every capability's routes.
        pub fn capability_routes() -> Vec<crate::routes::RouteDef> {
            let mut v = Vec::new();
            $(v.extend($m::routes());)*
            v
        }

        /// Every capability's templates.
        pub fn capability_templates() -> impl Iterator<Item = &'static (&'static str, &'static str)> {
            std::iter::empty()$(.chain($m::TEMPLATES.iter()))*
        }

        /// Dashboard cards of every capability, for the caller's roles.
        pub async fn capability_cards(state: &AppState, p: &crate::access::Principal) -> Result<Vec<home::Card>, AppError> {
            let mut v = Vec::new();
            $(v.extend($m::home_cards(state, p).await?);)*
            Ok(v)
        }

        /// Public-portal sections of every capability.
        pub fn capability_sections() -> Vec<home::PublicSection> {
            let mut v = Vec::new();
            $(v.extend($m::public_sections());)*
            v
        }

        /// Runs every capability's scheduled work once; failures are logged, not fatal.
        pub async fn capability_jobs(state: &AppState) {
            $(if let Err(e) = $m::scheduled(state).await {
                tracing::error!(capability = stringify!($m), error = %e.message, "scheduled job failed");
            })*
        }

        /// Merges every capability's part of the OpenAPI document.
        pub fn capability_openapi(doc: &mut utoipa::openapi::OpenApi) {
            $(doc.merge(<$m::Api as utoipa::OpenApi>::openapi());)*
        }
    };
}

capabilities!(
    ledger,
    registry,
    draw,
    credit,
    trace,
    publicity,
    liaison,
    training,
    association,
    fairness,
    dutymap,
    catalog,
    declaration,
    safety,
    enforcement,
    complaints,
);

use crate::error::AppError;
use crate::AppState;

/// Name of every active department, by id (for tables).
pub async fn department_names(state: &AppState) -> Result<std::collections::HashMap<i64, String>, AppError> {
    Ok(state.store.list_units().await?.into_iter().map(|u| (u.id, u.name)).collect())
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
