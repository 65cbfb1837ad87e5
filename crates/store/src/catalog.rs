//! Supervision catalogue claims and inspection implementation lists (附件1 第15项, 附件2 第2项), with versioned implementation rules (监管细则).

use async_trait::async_trait;

#[async_trait]
pub trait CatalogStore: Send + Sync {}

/// Implements [`CatalogStore`] for a backend; expanded once per database in its module.
#[macro_export]
#[doc(hidden)]
macro_rules! impl_catalog_store {
    ($Store:ty, $DB:ty, $Row:ty) => {
        mod catalog_store_impl {
            #[allow(unused_imports)]
            use super::*;

            #[async_trait::async_trait]
            impl $crate::catalog::CatalogStore for $Store {}
        }
    };
}
