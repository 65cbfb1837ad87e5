//! Enterprise self-declarations, service-quality commitments and annual-report status (附件2 第3、9项).

use async_trait::async_trait;

#[async_trait]
pub trait DeclarationStore: Send + Sync {}

/// Implements [`DeclarationStore`] for a backend; expanded once per database in its module.
#[macro_export]
#[doc(hidden)]
macro_rules! impl_declaration_store {
    ($Store:ty, $DB:ty, $Row:ty) => {
        mod declaration_store_impl {
            #[allow(unused_imports)]
            use super::*;

            #[async_trait::async_trait]
            impl $crate::declaration::DeclarationStore for $Store {}
        }
    };
}
