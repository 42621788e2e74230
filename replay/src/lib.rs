//! The log reader and the projection runner: catch-up, rebuild, verify, history.

pub mod admin;
mod db;
pub mod follow;
pub mod history;
pub mod leader;
pub mod listed;
pub mod listing;
pub mod log;
pub mod returning;
pub mod runner;
pub mod stats;
pub mod stats_model;
pub mod storage;
pub mod views;

pub use db::{Db, DbError};
pub use log::{DecodedBatch, LogReader, LogWindow, RawEvent, Shared};
pub use runner::{Runner, RunnerError, RunnerHandle};
