//! Enforcement records (行政检查、行政处罚、行政强制), discretion benchmarks, legal review, publicity, full-process records, accountability.

use async_trait::async_trait;

#[async_trait]
pub trait EnforcementStore: Send + Sync {}

/// Implements [`EnforcementStore`] for a backend; expanded once per database in its module.
#[macro_export]
#[doc(hidden)]
macro_rules! impl_enforcement_store {
    ($Store:ty, $DB:ty, $Row:ty) => {
        mod enforcement_store_impl {
            #[allow(unused_imports)]
            use super::*;

            #[async_trait::async_trait]
            impl $crate::enforcement::EnforcementStore for $Store {}
        }
    };
}
