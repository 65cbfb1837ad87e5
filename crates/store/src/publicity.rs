//! Policy publicity (正文五): laws and policies, authoritative interpretations, typical cases, legal guidance; editorial flow; full-text search.

use async_trait::async_trait;

#[async_trait]
pub trait PublicityStore: Send + Sync {}

/// Implements [`PublicityStore`] for a backend; expanded once per database in its module.
#[macro_export]
#[doc(hidden)]
macro_rules! impl_publicity_store {
    ($Store:ty, $DB:ty, $Row:ty) => {
        mod publicity_store_impl {
            #[allow(unused_imports)]
            use super::*;

            #[async_trait::async_trait]
            impl $crate::publicity::PublicityStore for $Store {}
        }
    };
}
