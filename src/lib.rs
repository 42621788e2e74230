//! The Tessera service: CLI, config, HTTP API, process managers and adapters.

pub mod app;
pub mod appenders;
pub mod audit;
pub mod badges;
pub mod bench;
pub mod bootstrap;
pub mod bus;
pub mod cli;
pub mod codes;
pub mod config;
pub mod demo;
pub mod features;
pub mod http;
pub mod identity;
pub mod ids;
pub mod meta;
pub mod notifications;
pub mod outcome;
pub mod personal;
pub mod pretalx;
pub mod process;
pub mod provision;
pub mod reactor;
pub mod refusal;
pub mod scale;
pub mod server;
pub mod store;
pub mod stripe;
pub mod webhooks;

/// The edge, for the CLI and the load generator: the whole API as one router, and
/// serving it.
pub use http::{router, serve};
