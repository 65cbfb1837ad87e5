//! Enterprise liaisons (企业联络员制度): registered liaisons, notices and replies.

use async_trait::async_trait;

#[async_trait]
pub trait LiaisonStore: Send + Sync {}

/// Implements [`LiaisonStore`] for a backend; expanded once per database in its module.
#[macro_export]
#[doc(hidden)]
macro_rules! impl_liaison_store {
    ($Store:ty, $DB:ty, $Row:ty) => {
        mod liaison_store_impl {
            #[allow(unused_imports)]
            use super::*;

            #[async_trait::async_trait]
            impl $crate::liaison::LiaisonStore for $Store {}
        }
    };
}
