//! The command line: global options and the `model`, `job` and `executor` commands.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use subxt::utils::H256;

/// Register models, submit inference jobs and follow them on a Verity chain.
#[derive(Debug, Parser)]
#[command(name = "verity", version, about)]
pub struct Cli {
	/// WebSocket address of a Verity node.
	#[arg(long, global = true, value_name = "URL", default_value = "ws://127.0.0.1:9944")]
	pub url: String,
	/// Secret URI of the signing account (`//Alice`, a mnemonic, `0x<seed>`).
	#[arg(long, global = true, value_name = "SURI", default_value = "//Alice")]
	pub suri: String,
	/// Print results as JSON (one object per line) instead of text.
	#[arg(long, global = true)]
	pub json: bool,
	/// What to do.
	#[command(subcommand)]
	pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
	/// Register and inspect ONNX models.
	#[command(subcommand)]
	Model(ModelCmd),
	/// Submit inference jobs and follow them.
	#[command(subcommand)]
	Job(JobCmd),
	/// Join the set of executors that run jobs, and inspect executors.
	#[command(subcommand)]
	Executor(ExecutorCmd),
	/// Inspect and follow the dispute games that challenge results.
	#[command(subcommand)]
	Dispute(DisputeCmd),
}

/// `verity dispute ...`.
#[derive(Debug, Subcommand)]
pub enum DisputeCmd {
	/// List the open games (of one job with `--job`).
	List {
		/// Only the games on this job.
		#[arg(long)]
		job: Option<u64>,
	},
	/// Show an open game: its parties, bond, clocks and where it stands.
	Show {
		/// The game's id.
		id: u64,
	},
	/// Follow a game block by block, printing each move, until it is settled.
	Watch {
		/// The game's id.
		id: u64,
		/// Give up after this many seconds.
		#[arg(long, value_name = "SECS", default_value_t = 300)]
		timeout: u64,
	},
}

/// `verity model ...`.
#[derive(Debug, Subcommand)]
pub enum ModelCmd {
	/// Register an ONNX model (chunked upload when it does not fit one extrinsic).
	Register(RegisterModel),
	/// List the registered models.
	List,
	/// Show one model.
	Show {
		/// The model's id (0x and 64 hex digits).
		#[arg(value_parser = parse_h256)]
		id: H256,
	},
}

/// `verity model register`.
#[derive(Debug, Args)]
pub struct RegisterModel {
	/// The ONNX model file.
	pub file: PathBuf,
	/// The model's name (default: the file name without its extension).
	#[arg(long)]
	pub name: Option<String>,
	/// The model's version.
	#[arg(long, default_value_t = 1)]
	pub version: u32,
	/// Royalty per job for the model's owner, in planck.
	#[arg(long, value_name = "PLANCK", default_value_t = 0)]
	pub price: u128,
}

/// `verity job ...`.
#[derive(Debug, Subcommand)]
pub enum JobCmd {
	/// Submit an inference job and wait until it is in a block.
	Submit(SubmitJob),
	/// Show a job: its status and, once executed, its outputs.
	Show {
		/// The job's id.
		id: u64,
	},
	/// Follow a job block by block until it is finalized or refunded.
	Watch {
		/// The job's id.
		id: u64,
		/// Give up after this many seconds.
		#[arg(long, value_name = "SECS", default_value_t = 300)]
		timeout: u64,
	},
}

/// `verity job submit`.
#[derive(Debug, Args)]
pub struct SubmitJob {
	/// The model's id (0x and 64 hex digits).
	#[arg(long, value_parser = parse_h256)]
	pub model: H256,
	/// Input tensor files (.pb TensorProto, .npy or .json), in the model's input order.
	#[arg(long = "input", value_name = "FILE", num_args = 1.., required = true)]
	pub inputs: Vec<PathBuf>,
	/// Most the job may cost (fee plus royalty), in planck; default: the model's job cost.
	#[arg(long, value_name = "PLANCK")]
	pub max_fee: Option<u128>,
	/// Submit this many identical jobs at once (increasing nonces, not waiting in between).
	#[arg(
		long,
		value_name = "N",
		default_value_t = 1,
		value_parser = clap::value_parser!(u32).range(1..=MAX_JOB_COUNT as i64)
	)]
	pub count: u32,
}

/// The most jobs one `verity job submit --count N` sends.
pub const MAX_JOB_COUNT: u32 = 1000;

/// `verity executor ...`.
#[derive(Debug, Subcommand)]
pub enum ExecutorCmd {
	/// Register the signing account as an executor, bonding some of its balance.
	Register {
		/// The bond, in planck.
		#[arg(long, value_name = "PLANCK")]
		bond: u128,
	},
	/// Show an executor: its bond, status (active, leaving, suspended after a lost dispute)
	/// and open jobs.
	Show {
		/// The executor's SS58 address.
		account: String,
	},
}

/// A command-line error of clap as one line, without `error: `, the usage and the help hint:
/// `the following required arguments were not provided: --bond <PLANCK>`.
pub fn usage_error_line(e: &clap::Error) -> String {
	let text = e.to_string();
	let text = text.strip_prefix("error: ").unwrap_or(&text);
	let message = text.split("\n\n").next().unwrap_or_default();
	crate::error::one_line(message)
}

/// A 32-byte id written as `0x` and 64 hex digits (the `0x` is optional).
pub fn parse_h256(s: &str) -> Result<H256, String> {
	let digits = s.strip_prefix("0x").unwrap_or(s);
	let mut out = [0u8; 32];
	hex::decode_to_slice(digits, &mut out)
		.map_err(|_| format!("'{s}' is not an id (expected 0x and 64 hex digits)"))?;
	Ok(H256(out))
}

/// `h` as `0x` and 64 lower-case hex digits.
pub fn hex_h256(h: &H256) -> String {
	format!("0x{}", hex::encode(h.0))
}

#[cfg(test)]
mod tests {
	use super::*;

	fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
		Cli::try_parse_from(std::iter::once("verity").chain(args.iter().copied()))
	}

	const ID: &str = "0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

	#[test]
	fn defaults_and_global_options() {
		let cli = parse(&["model", "list"]).unwrap();
		assert_eq!(cli.url, "ws://127.0.0.1:9944");
		assert_eq!(cli.suri, "//Alice");
		assert!(!cli.json);
		assert!(matches!(cli.command, Command::Model(ModelCmd::List)));
		// Global options go before or after the command.
		let cli =
			parse(&["--url", "ws://10.0.0.2:9944", "model", "list", "--json", "--suri", "//Bob"])
				.unwrap();
		assert_eq!(
			(cli.url.as_str(), cli.suri.as_str(), cli.json),
			("ws://10.0.0.2:9944", "//Bob", true)
		);
	}

	#[test]
	fn model_register_takes_a_file_and_optional_metadata() {
		let cli = parse(&["model", "register", "m.onnx"]).unwrap();
		let Command::Model(ModelCmd::Register(r)) = cli.command else { panic!("{cli:?}") };
		assert_eq!((r.file, r.name, r.version, r.price), ("m.onnx".into(), None, 1, 0));
		let cli = parse(&[
			"model",
			"register",
			"m.onnx",
			"--name",
			"mnist",
			"--version",
			"3",
			"--price",
			"340282366920938463463374607431768211455",
		])
		.unwrap();
		let Command::Model(ModelCmd::Register(r)) = cli.command else { panic!("{cli:?}") };
		assert_eq!((r.name.as_deref(), r.version, r.price), (Some("mnist"), 3, u128::MAX));
		assert!(parse(&["model", "register"]).is_err());
		assert!(parse(&["model", "register", "m.onnx", "--version", "-1"]).is_err());
	}

	#[test]
	fn usage_errors_fit_one_line() {
		let e = parse(&["executor", "register"]).unwrap_err();
		assert_eq!(
			usage_error_line(&e),
			"the following required arguments were not provided: --bond <PLANCK>"
		);
		let e = parse(&["job", "submit", "--model", "0x12", "--input", "a.npy"]).unwrap_err();
		assert_eq!(
			usage_error_line(&e),
			"invalid value '0x12' for '--model <MODEL>': '0x12' is not an id (expected 0x and \
			 64 hex digits)"
		);
		assert_eq!(
			usage_error_line(&parse(&["bogus"]).unwrap_err()),
			"unrecognized subcommand 'bogus'"
		);
	}

	#[test]
	fn ids_are_checked() {
		let cli = parse(&["model", "show", ID]).unwrap();
		let Command::Model(ModelCmd::Show { id }) = cli.command else { panic!("{cli:?}") };
		assert_eq!(id.0[1], 0x11);
		assert_eq!(hex_h256(&id), ID);
		assert_eq!(parse_h256(&ID[2..]), Ok(id));
		assert!(parse(&["model", "show", "0x1234"]).is_err());
		assert!(parse(&["model", "show", &ID.replace('a', "g")]).is_err());
		let e = parse_h256("0xzz").unwrap_err();
		assert_eq!(e, "'0xzz' is not an id (expected 0x and 64 hex digits)");
	}

	#[test]
	fn job_submit_takes_inputs_in_order() {
		let cli = parse(&["job", "submit", "--model", ID, "--input", "a.npy", "b.json"]).unwrap();
		let Command::Job(JobCmd::Submit(s)) = cli.command else { panic!("{cli:?}") };
		assert_eq!(s.inputs, vec![PathBuf::from("a.npy"), PathBuf::from("b.json")]);
		assert_eq!(s.max_fee, None);
		let cli = parse(&[
			"job",
			"submit",
			"--input",
			"a.pb",
			"--model",
			ID,
			"--input",
			"c.npy",
			"--max-fee",
			"9",
		])
		.unwrap();
		let Command::Job(JobCmd::Submit(s)) = cli.command else { panic!("{cli:?}") };
		assert_eq!(s.inputs, vec![PathBuf::from("a.pb"), PathBuf::from("c.npy")]);
		assert_eq!(s.max_fee, Some(9));
		// Inputs and the model are required.
		assert!(parse(&["job", "submit", "--model", ID]).is_err());
		assert!(parse(&["job", "submit", "--input", "a.pb"]).is_err());
	}

	#[test]
	fn job_submit_count_defaults_to_one_and_is_bounded() {
		let submit = |extra: &[&str]| {
			let mut args = vec!["job", "submit", "--model", ID, "--input", "a.npy"];
			args.extend_from_slice(extra);
			parse(&args).map(|cli| match cli.command {
				Command::Job(JobCmd::Submit(s)) => s.count,
				other => panic!("{other:?}"),
			})
		};
		assert_eq!(submit(&[]).unwrap(), 1);
		assert_eq!(submit(&["--count", "64"]).unwrap(), 64);
		assert_eq!(submit(&["--count", "1000"]).unwrap(), 1000);
		let e = submit(&["--count", "0"]).unwrap_err();
		assert_eq!(
			usage_error_line(&e),
			"invalid value '0' for '--count <N>': 0 is not in 1..=1000"
		);
		assert!(submit(&["--count", "1001"]).is_err());
		assert!(submit(&["--count", "-1"]).is_err());
		assert!(submit(&["--count"]).is_err());
	}

	#[test]
	fn job_show_watch_and_executor_register() {
		let cli = parse(&["job", "watch", "7"]).unwrap();
		assert!(matches!(cli.command, Command::Job(JobCmd::Watch { id: 7, timeout: 300 })));
		let cli = parse(&["job", "watch", "7", "--timeout", "5"]).unwrap();
		assert!(matches!(cli.command, Command::Job(JobCmd::Watch { id: 7, timeout: 5 })));
		assert!(matches!(
			parse(&["job", "show", "0"]).unwrap().command,
			Command::Job(JobCmd::Show { id: 0 })
		));
		assert!(parse(&["job", "show", "x"]).is_err());
		let cli = parse(&["executor", "register", "--bond", "1000"]).unwrap();
		assert!(matches!(cli.command, Command::Executor(ExecutorCmd::Register { bond: 1000 })));
		assert!(parse(&["executor", "register"]).is_err());
		assert!(parse(&["executor", "register", "--bond", "1e3"]).is_err());
	}
}
