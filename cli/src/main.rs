//! `verity`: the command-line tool of a Verity dApp.
//!
//! It registers ONNX models (`verity model register`), submits inference jobs on them
//! (`verity job submit`), follows jobs until they are final (`verity job watch`) and registers
//! executors, talking to a node over WebSocket JSON-RPC with subxt. Calls and events are
//! matched to the runtime's metadata by name, so no generated code tracks the runtime.
//!
//! Every failure prints one line `error: ...` on stderr and exits with status 1 (2 for a
//! malformed command line).

mod args;
mod calls;
mod chain;
mod cmd;
mod error;
mod events;
mod output;
mod rpc;
#[cfg(test)]
mod test_metadata;
mod watch;

use std::process::ExitCode;

use clap::{error::ErrorKind, Parser};

/// The exit status of a command-line (usage) error, as clap's own.
const USAGE_ERROR: u8 = 2;

#[tokio::main]
async fn main() -> ExitCode {
	let cli = match args::Cli::try_parse() {
		Ok(cli) => cli,
		// --help, --version and a command group without its subcommand print clap's text.
		Err(e)
			if !e.use_stderr()
				|| e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand =>
		{
			e.exit()
		},
		Err(e) => {
			eprintln!("error: {} (see --help)", args::usage_error_line(&e));
			return ExitCode::from(USAGE_ERROR);
		},
	};
	match cmd::run(cli).await {
		Ok(()) => ExitCode::SUCCESS,
		Err(e) => {
			eprintln!("error: {e}");
			ExitCode::FAILURE
		},
	}
}
