//! Deterministic data parallelism with `std::thread::scope`: work is split into
//! contiguous ranges and results come back in range order, so no result depends on
//! the number of threads.

use std::ops::Range;

/// The thread count to use: `requested`, or all available cores for 0.
pub(crate) fn threads(requested: usize) -> usize {
    match requested {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n.min(256),
    }
}

/// Splits `0..n` into at most `threads` contiguous ranges of at least `min_len`
/// items (one range if `n` is smaller), runs `f` on each, and returns the results
/// in order. The calling thread takes the first range.
pub(crate) fn map_ranges<R, F>(n: usize, threads: usize, min_len: usize, f: F) -> Vec<R>
where
    R: Send,
    F: Fn(Range<usize>) -> R + Sync,
{
    let parts = threads.clamp(1, n.div_ceil(min_len.max(1)).max(1));
    let len = n.div_ceil(parts).max(1);
    let ranges: Vec<Range<usize>> = (0..parts).map(|p| (p * len).min(n)..((p + 1) * len).min(n)).collect();
    if parts == 1 {
        return vec![f(0..n)];
    }
    std::thread::scope(|scope| {
        let f = &f;
        let handles: Vec<_> = ranges[1..].iter().cloned().map(|r| scope.spawn(move || f(r))).collect();
        let mut out = Vec::with_capacity(parts);
        out.push(f(ranges[0].clone()));
        out.extend(handles.into_iter().map(|h| h.join().expect("draw worker panicked")));
        out
    })
}
