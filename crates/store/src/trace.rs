//! Product traceability (追溯) and inclusive supervision (包容审慎): codes, custody events, recalls, incident reports, observation periods.

use async_trait::async_trait;

#[async_trait]
pub trait TraceStore: Send + Sync {}

/// Implements [`TraceStore`] for a backend; expanded once per database in its module.
#[macro_export]
#[doc(hidden)]
macro_rules! impl_trace_store {
    ($Store:ty, $DB:ty, $Row:ty) => {
        mod trace_store_impl {
            #[allow(unused_imports)]
            use super::*;

            #[async_trait::async_trait]
            impl $crate::trace::TraceStore for $Store {}
        }
    };
}
