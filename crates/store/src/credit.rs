//! Credit supervision: records, risk classes, commitments, red/black lists, repair, objections.

use async_trait::async_trait;

#[async_trait]
pub trait CreditStore: Send + Sync {}

/// Implements [`CreditStore`] for a backend; expanded once per database in its module.
#[macro_export]
#[doc(hidden)]
macro_rules! impl_credit_store {
    ($Store:ty, $DB:ty, $Row:ty) => {
        mod credit_store_impl {
            #[allow(unused_imports)]
            use super::*;

            #[async_trait::async_trait]
            impl $crate::credit::CreditStore for $Store {}
        }
    };
}
