//! Read-side cache of expensive page inputs, versioned by the audit trail's head.
//!
//! Every state change writes an audit entry in its own transaction, so while the head
//! sequence number is unchanged, nothing the pages read has changed. A snapshot is
//! taken after reading the head, so it is never older than the head it is filed under;
//! the next change moves the head and the snapshot is recomputed. The Beijing date is
//! part of the version too (deadlines and statuses depend on today).

use chrono::NaiveDate;
use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

type Entry = (i64, NaiveDate, Arc<dyn Any + Send + Sync>);

/// At most this many keys are kept; past it the cache is cleared.
const MAX_KEYS: usize = 256;

#[derive(Default)]
pub struct Snapshots {
    entries: Mutex<HashMap<String, Entry>>,
}

impl Snapshots {
    /// The value for `key` at version `(head, today)`, computing it with `make` when the
    /// cached one is older or absent.
    pub async fn get_or_compute<T, E, F, Fut>(
        &self,
        key: &str,
        head: i64,
        today: NaiveDate,
        make: F,
    ) -> Result<Arc<T>, E>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some((h, d, v)) = self.entries.lock().expect("snapshot lock").get(key) {
            if *h == head && *d == today {
                if let Ok(v) = v.clone().downcast::<T>() {
                    return Ok(v);
                }
            }
        }
        let value = Arc::new(make().await?);
        let mut entries = self.entries.lock().expect("snapshot lock");
        if entries.len() >= MAX_KEYS && !entries.contains_key(key) {
            entries.clear();
        }
        let newer = entries.get(key).is_some_and(|(h, _, _)| *h > head);
        if !newer {
            entries.insert(key.to_owned(), (head, today, value.clone() as Arc<dyn Any + Send + Sync>));
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_snapshot_is_reused_until_the_head_or_the_day_moves() {
        let s = Snapshots::default();
        let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let make = |v: i64| {
            calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async move { Ok::<_, ()>(v) }
        };
        assert_eq!(*s.get_or_compute("k", 1, day, || make(10)).await.unwrap(), 10);
        assert_eq!(*s.get_or_compute("k", 1, day, || make(11)).await.unwrap(), 10, "same version: cached");
        assert_eq!(*s.get_or_compute("k", 2, day, || make(12)).await.unwrap(), 12, "new head: recomputed");
        assert_eq!(*s.get_or_compute("k", 2, day.succ_opt().unwrap(), || make(13)).await.unwrap(), 13, "new day");
        assert_eq!(*s.get_or_compute("other", 2, day, || make(14)).await.unwrap(), 14, "keys are separate");
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 4);
        assert!(s.get_or_compute::<i64, _, _, _>("k", 3, day, || async { Err("失败") }).await.is_err());
        assert_eq!(
            *s.get_or_compute("k", 2, day.succ_opt().unwrap(), || make(15)).await.unwrap(),
            13,
            "errors are not cached"
        );
    }
}
