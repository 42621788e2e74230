//! The Pretalx API: an HTTP client ([`client`]) and the reading of its JSON into
//! the program's data ([`api`]). The sync flow is `crate::process::program`.

pub mod api;
pub mod client;

pub use client::{PretalxClient, PretalxError};
