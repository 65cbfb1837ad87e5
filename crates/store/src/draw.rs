//! “双随机、一公开”: inspection item lists, inspector roster, sampling plans, draws, results.

use async_trait::async_trait;

#[async_trait]
pub trait DrawStore: Send + Sync {}

/// Implements [`DrawStore`] for a backend; expanded once per database in its module.
#[macro_export]
#[doc(hidden)]
macro_rules! impl_draw_store {
    ($Store:ty, $DB:ty, $Row:ty) => {
        mod draw_store_impl {
            #[allow(unused_imports)]
            use super::*;

            #[async_trait::async_trait]
            impl $crate::draw::DrawStore for $Store {}
        }
    };
}
