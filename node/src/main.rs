//! `verity-node`: the Verity chain's node binary.
#![warn(missing_docs)]
// `sc_cli::Error` and `sc_service::Error` are Substrate's (large) error types.
#![allow(clippy::result_large_err)]

mod chain_spec;
mod cli;
mod command;
mod executor;
mod rpc;
mod service;

fn main() -> sc_cli::Result<()> {
	command::run()
}
