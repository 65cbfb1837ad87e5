//! Responsibility ledgers (台账): tasks, shares, roadmaps, progress reports.

use async_trait::async_trait;

#[async_trait]
pub trait LedgerStore: Send + Sync {}

/// Implements [`LedgerStore`] for a backend; expanded once per database in its module.
#[macro_export]
#[doc(hidden)]
macro_rules! impl_ledger_store {
    ($Store:ty, $DB:ty, $Row:ty) => {
        mod ledger_store_impl {
            #[allow(unused_imports)]
            use super::*;

            #[async_trait::async_trait]
            impl $crate::ledger::LedgerStore for $Store {}
        }
    };
}
