//! The authorisation matrix, one file per capability.

pub mod foundation;
pub mod ledger;
pub mod registry;

/// Every route with who may use it: "anon" or a role code.
pub static MATRIX: std::sync::LazyLock<Vec<(&'static str, &'static str, &'static [&'static str])>> =
    std::sync::LazyLock::new(|| {
        let mut v = foundation::ROUTES.to_vec();
        v.extend_from_slice(ledger::ROUTES);
        v.extend_from_slice(registry::ROUTES);
        v
    });
