//! jianguan domain rules: plain Rust with no I/O, so they can be tested exhaustively
//! and reused by standalone verifiers. Module names follow the seed's capabilities and
//! the glossary of DESIGN.md §3.

pub mod association;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod catalog;
pub mod complaints;
pub mod config;
pub mod credit;
pub mod crypto;
pub mod deadline;
pub mod declaration;
pub mod draw;
pub mod dutymap;
pub mod enforcement;
pub mod fairness;
pub mod handoff;
pub mod html;
pub mod ledger;
pub mod liaison;
pub mod mask;
pub mod org;
pub mod progress;
pub mod publicity;
pub mod registry;
pub mod safety;
pub mod sampling;
pub mod trace;
pub mod training;
pub mod uscc;
