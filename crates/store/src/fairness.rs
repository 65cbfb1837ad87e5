//! Fair-competition review (公平竞争审查, 附件1 第14项): drafts, checklist review, joint review, clean-ups.

use async_trait::async_trait;

#[async_trait]
pub trait FairnessStore: Send + Sync {}

/// Implements [`FairnessStore`] for a backend; expanded once per database in its module.
#[macro_export]
#[doc(hidden)]
macro_rules! impl_fairness_store {
    ($Store:ty, $DB:ty, $Row:ty) => {
        mod fairness_store_impl {
            #[allow(unused_imports)]
            use super::*;

            #[async_trait::async_trait]
            impl $crate::fairness::FairnessStore for $Store {}
        }
    };
}
