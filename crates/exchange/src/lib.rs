//! Spreadsheet exchange for jianguan: reading uploaded xlsx files safely and writing
//! ledgers in the annexes' own layout.
//!
//! * [`zipguard`] — checks any zip container (xlsx, docx) against the upload limits before
//!   a parser sees it: entry count from the end-of-central-directory record, declared and
//!   actual uncompressed sizes, compression ratio, encryption.
//! * [`xlsx`] — the first worksheet of a checked workbook as a grid of text; formula
//!   neutralisation for cells written out.
//! * [`ledger_sheet`] — the ledger layout (序号, 工作任务, 落实举措, 牵头单位, 责任单位,
//!   完成时限, 状态, 最新进展): writing, and reading back with a Chinese message per bad row.
//!
//! A crate of its own so the CLI, the web layer and later imports (entity registry,
//! inspection results) share one audited implementation without pulling in the web stack.

pub mod ledger_sheet;
pub mod xlsx;
pub mod zipguard;
