//! The authorisation matrix, one file per capability.

pub mod association;
pub mod catalog;
pub mod complaints;
pub mod credit;
pub mod declaration;
pub mod draw;
pub mod dutymap;
pub mod enforcement;
pub mod fairness;
pub mod foundation;
pub mod ledger;
pub mod liaison;
pub mod publicity;
pub mod registry;
pub mod safety;
pub mod trace;
pub mod training;

/// Every route with who may use it: "anon" or a role code.
pub static MATRIX: std::sync::LazyLock<Vec<(&'static str, &'static str, &'static [&'static str])>> =
    std::sync::LazyLock::new(|| {
        let mut v = foundation::ROUTES.to_vec();
        v.extend_from_slice(ledger::ROUTES);
        v.extend_from_slice(registry::ROUTES);
        v.extend_from_slice(draw::ROUTES);
        v.extend_from_slice(credit::ROUTES);
        v.extend_from_slice(trace::ROUTES);
        v.extend_from_slice(publicity::ROUTES);
        v.extend_from_slice(liaison::ROUTES);
        v.extend_from_slice(training::ROUTES);
        v.extend_from_slice(association::ROUTES);
        v.extend_from_slice(fairness::ROUTES);
        v.extend_from_slice(dutymap::ROUTES);
        v.extend_from_slice(catalog::ROUTES);
        v.extend_from_slice(declaration::ROUTES);
        v.extend_from_slice(safety::ROUTES);
        v.extend_from_slice(enforcement::ROUTES);
        v.extend_from_slice(complaints::ROUTES);
        v
    });
