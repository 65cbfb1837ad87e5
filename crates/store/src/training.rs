//! Training and knowledge contests (正文四): sessions, question banks, tests, attendance, records.

use async_trait::async_trait;

#[async_trait]
pub trait TrainingStore: Send + Sync {}

/// Implements [`TrainingStore`] for a backend; expanded once per database in its module.
#[macro_export]
#[doc(hidden)]
macro_rules! impl_training_store {
    ($Store:ty, $DB:ty, $Row:ty) => {
        mod training_store_impl {
            #[allow(unused_imports)]
            use super::*;

            #[async_trait::async_trait]
            impl $crate::training::TrainingStore for $Store {}
        }
    };
}
