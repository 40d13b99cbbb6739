//! The commands: connect, then run what the command line asked for.

mod dispute;

pub use dispute::move_line;
mod executor;
mod job;
mod model;

use std::time::Duration;

use crate::{
	args::{Cli, Command, DisputeCmd, ExecutorCmd, JobCmd, ModelCmd},
	chain::{signer_from_suri, Chain},
	error::CliError,
	watch,
};

/// Runs the command of `cli`, printing its result on stdout.
pub async fn run(cli: Cli) -> Result<(), CliError> {
	// A bad key is reported before any connection is tried.
	let signer = signer_from_suri(&cli.suri)?;
	let chain = Chain::connect(&cli.url).await?;
	let json = cli.json;
	match cli.command {
		Command::Model(ModelCmd::Register(r)) => model::register(&chain, &signer, &r, json).await,
		Command::Model(ModelCmd::List) => model::list(&chain, json).await,
		Command::Model(ModelCmd::Show { id }) => model::show(&chain, &id, json).await,
		Command::Job(JobCmd::Submit(s)) => job::submit(&chain, &signer, &s, json).await,
		Command::Job(JobCmd::Show { id }) => job::show(&chain, id, json).await,
		Command::Job(JobCmd::Watch { id, timeout }) => {
			watch::watch(&chain, id, Duration::from_secs(timeout), json).await
		},
		Command::Executor(ExecutorCmd::Register { bond }) => {
			executor::register(&chain, &signer, bond, json).await
		},
		Command::Executor(ExecutorCmd::Show { account }) => {
			executor::show(&chain, &account, json).await
		},
		Command::Dispute(DisputeCmd::List { job }) => dispute::list(&chain, job, json).await,
		Command::Dispute(DisputeCmd::Show { id }) => dispute::show(&chain, id, json).await,
		Command::Dispute(DisputeCmd::Watch { id, timeout }) => {
			dispute::watch(&chain, id, Duration::from_secs(timeout), json).await
		},
	}
}
