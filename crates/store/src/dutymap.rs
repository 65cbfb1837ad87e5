//! The duty map (附件2 第1项): responsible departments per supervision item; gaps, overlaps and disputes with their resolution.

use async_trait::async_trait;

#[async_trait]
pub trait DutyMapStore: Send + Sync {}

/// Implements [`DutyMapStore`] for a backend; expanded once per database in its module.
#[macro_export]
#[doc(hidden)]
macro_rules! impl_dutymap_store {
    ($Store:ty, $DB:ty, $Row:ty) => {
        mod dutymap_store_impl {
            #[allow(unused_imports)]
            use super::*;

            #[async_trait::async_trait]
            impl $crate::dutymap::DutyMapStore for $Store {}
        }
    };
}
