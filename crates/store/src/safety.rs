//! Safety-production risk self-reports (附件1 第29项).

use async_trait::async_trait;

#[async_trait]
pub trait SafetyStore: Send + Sync {}

/// Implements [`SafetyStore`] for a backend; expanded once per database in its module.
#[macro_export]
#[doc(hidden)]
macro_rules! impl_safety_store {
    ($Store:ty, $DB:ty, $Row:ty) => {
        mod safety_store_impl {
            #[allow(unused_imports)]
            use super::*;

            #[async_trait::async_trait]
            impl $crate::safety::SafetyStore for $Store {}
        }
    };
}
