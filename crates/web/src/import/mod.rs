//! File imports: streaming readers for CSV (UTF-8, GBK) and xlsx, zip-bomb limits, and
//! the entity-registry import shared by the CLI and the upload page.

pub mod entities;
pub mod tabular;
pub mod zipguard;
