//! The entity registry (检查对象名录库), item lists and the approval handoff (审管衔接).

use async_trait::async_trait;

#[async_trait]
pub trait RegistryStore: Send + Sync {}

/// Implements [`RegistryStore`] for a backend; expanded once per database in its module.
#[macro_export]
#[doc(hidden)]
macro_rules! impl_registry_store {
    ($Store:ty, $DB:ty, $Row:ty) => {
        mod registry_store_impl {
            #[allow(unused_imports)]
            use super::*;

            #[async_trait::async_trait]
            impl $crate::registry::RegistryStore for $Store {}
        }
    };
}
