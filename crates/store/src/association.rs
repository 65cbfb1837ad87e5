//! Industry associations and chambers (附件2 第10项): registry, self-regulation conventions, supervision cases.

use async_trait::async_trait;

#[async_trait]
pub trait AssociationStore: Send + Sync {}

/// Implements [`AssociationStore`] for a backend; expanded once per database in its module.
#[macro_export]
#[doc(hidden)]
macro_rules! impl_association_store {
    ($Store:ty, $DB:ty, $Row:ty) => {
        mod association_store_impl {
            #[allow(unused_imports)]
            use super::*;

            #[async_trait::async_trait]
            impl $crate::association::AssociationStore for $Store {}
        }
    };
}
