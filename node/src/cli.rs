//! Command-line interface: the standard Substrate node commands.

/// The node's subcommands besides running it.
#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
	/// Key management utilities.
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Build a chain specification (zombienet uses it; prefer `export-chain-spec`).
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Export the chain specification.
	ExportChainSpec(sc_cli::ExportChainSpecCmd),

	/// Validate blocks.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state of a given block into a chain spec.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Remove the whole chain.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Db meta columns information.
	ChainInfo(sc_cli::ChainInfoCmd),

	/// Benchmark the runtime's pallets (`benchmark pallet`); see `scripts/bench.sh`.
	#[cfg(feature = "runtime-benchmarks")]
	#[command(subcommand)]
	Benchmark(frame_benchmarking_cli::BenchmarkCmd),

	/// Run an ONNX model locally: the canonical engine (with its trace root), tract, or both.
	Infer(verity_engine::InferCmd),
}

/// The node's command line.
#[derive(Debug, clap::Parser)]
pub struct Cli {
	/// A subcommand; without one the node runs.
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	/// Options for running the node.
	#[clap(flatten)]
	pub run: sc_cli::RunCmd,

	/// Longest one canonical inference (a job, a dry run, a proof) may run, in seconds: half a
	/// job's execution deadline (10 blocks), so that a result still reaches the chain. A model
	/// within the chain's budget finishes far sooner on a validator-class machine.
	#[arg(long, default_value_t = 30, value_name = "SECONDS")]
	pub verity_inference_timeout: u64,

	/// Threads of the canonical engine (an executor's and a watcher's runs, dry runs and
	/// proofs), 0 for one per core. Its answer has the same bits with any number.
	#[arg(long, default_value_t = 0, value_name = "COUNT")]
	pub verity_engine_threads: usize,

	/// Watch other executors' results: re-execute them (all, or a random sample, see
	/// `--verity-audit-rate`) and challenge a result whose trace differs, from the node's
	/// executor key (`vrty`), playing the dispute to its end.
	#[arg(long)]
	pub verity_watcher: bool,

	/// The share of other executors' results a watcher audits, from 0 to 1, drawn at random
	/// per job from a secret of this node (executors cannot predict which are checked).
	#[arg(long, default_value_t = 1.0, value_name = "SHARE")]
	pub verity_audit_rate: f64,

	/// FAULT INJECTION, for tests and the demo: this node's executor corrupts one element of
	/// canonical node NODE's output and computes the rest of its trace forward from it.
	#[arg(long, hide = true, value_name = "NODE")]
	pub verity_fault: Option<u32>,

	/// FAULT INJECTION, for tests and the demo: this node's watcher challenges honest results
	/// (its audits are corrupted at the model's last node), and loses.
	#[arg(long, hide = true)]
	pub verity_false_challenge: bool,
}

impl Cli {
	/// How this node takes part in disputes; fault injection is logged loudly.
	pub fn dispute_role(&self) -> crate::executor::DisputeRole {
		let rate = self.verity_audit_rate.clamp(0.0, 1.0);
		let watch = (self.verity_watcher || self.verity_false_challenge)
			.then_some(verity_io::WatchPolicy { audit_ppm: (rate * 1_000_000.0).round() as u32 });
		if let Some(node) = self.verity_fault {
			log::warn!(
				target: "verity",
				"!!! FAULT INJECTION: this node's executor posts WRONG results (node {node} \
				 corrupted); its bond will be slashed !!!"
			);
		}
		if self.verity_false_challenge {
			log::warn!(
				target: "verity",
				"!!! FAULT INJECTION: this node's watcher challenges HONEST results; its bonds \
				 will be slashed !!!"
			);
		}
		if let Some(w) = watch {
			log::info!(
				target: "verity",
				"watching other executors' results (audit rate {} ppm)",
				w.audit_ppm
			);
		}
		crate::executor::DisputeRole {
			watch,
			fault: self.verity_fault,
			false_challenge: self.verity_false_challenge,
		}
	}
}
