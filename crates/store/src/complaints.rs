//! Reports and complaints (举报 / 投诉) with whistleblower protection, routing, deadlines and rewards; the consumer-protection joint meeting; data risk warnings.

use async_trait::async_trait;

#[async_trait]
pub trait ComplaintsStore: Send + Sync {}

/// Implements [`ComplaintsStore`] for a backend; expanded once per database in its module.
#[macro_export]
#[doc(hidden)]
macro_rules! impl_complaints_store {
    ($Store:ty, $DB:ty, $Row:ty) => {
        mod complaints_store_impl {
            #[allow(unused_imports)]
            use super::*;

            #[async_trait::async_trait]
            impl $crate::complaints::ComplaintsStore for $Store {}
        }
    };
}
