//! Auditors' tools over the log: the tamper-evident export of a conference's
//! history and its verification (`docs/audit.md`).

pub mod chain;
pub mod cli;
pub mod export;
pub mod state;
pub mod verify;

pub use export::Exporter;
pub use verify::{Broken, Verified, VerifyError, verify};
