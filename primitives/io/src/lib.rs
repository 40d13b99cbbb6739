//! # Verity host functions
//!
//! The runtime's off-chain worker runs inference jobs through these functions; the node
//! implements them with its engine (tract for the fast answer, the canonical traced run for
//! the committed trace) and registers it as the [`InferenceExt`] extension of off-chain calls.
//! Without the extension (block import, a node that is not an executor) every function reports
//! [`NO_ENGINE`].
//!
//! The node is expected to keep models it was given with [`inference::load_model`] in a cache
//! and the trace data of every executed job for as long as a dispute could need it: one record
//! per executed result (keyed by job and trace root, so a fork's other result never overwrites
//! it) and one per audit (keyed by job and the audited root), from which
//! [`inference::dispute_move`] computes the node's moves in the games it plays.
#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(
	test,
	allow(clippy::arithmetic_side_effects, reason = "test arithmetic on small literals")
)]

extern crate alloc;

use alloc::vec::Vec;
use codec::{Decode, Encode};
use scale_info::TypeInfo;
#[cfg(not(substrate_runtime))]
use sp_externalities::ExternalitiesExt;
use sp_runtime_interface::{
	pass_by::{
		AllocateAndReturnByCodec, PassFatPointerAndDecode, PassFatPointerAndRead,
		PassPointerAndReadCopy,
	},
	runtime_interface,
};
use verity_primitives::{
	commitment::H256,
	dispute::{Move, Turn},
	tensor::TensorBytes,
};

/// The error text when the node has no inference engine for off-chain calls.
pub const NO_ENGINE: &[u8] = b"this node has no inference engine";

/// What an executed job produced.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct InferenceOutput {
	/// The model's outputs, in order, as the canonical engine computed them.
	pub outputs: Vec<TensorBytes>,
	/// Root of the canonical trace.
	pub trace_root: H256,
	/// Nodes in the trace.
	pub nodes: u32,
}

/// How a job's canonical run ended.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Outcome {
	/// The model's outputs, in order, as the canonical engine computed them.
	Outputs(Vec<TensorBytes>),
	/// Node `node` cannot compute on the job's values (an index out of range taken from the
	/// inputs, for example): the trace covers the nodes before it. `reason` is the kernel's
	/// message.
	Failed {
		/// The failing node's canonical index.
		node: u32,
		/// What failed.
		reason: Vec<u8>,
	},
}

/// What an executed job produced (version 2 of [`inference::execute`]).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct Execution {
	/// Outputs, or the node that failed.
	pub outcome: Outcome,
	/// Root of the canonical trace (of the nodes before the failing one, for a failure).
	pub trace_root: H256,
	/// Nodes in the trace: the model's node count, or the failing node's index.
	pub nodes: u32,
}

/// Which of the node's trace records of a job a move is computed from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum Record {
	/// The node's own execution of the job, whose trace root is `root` (the executor side).
	Executed {
		/// The trace root the node posted.
		root: H256,
	},
	/// The node's audit of the result whose trace root is `of` (the watcher side).
	Audit {
		/// The audited result's trace root.
		of: H256,
	},
}

/// How a node watches other executors' results.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct WatchPolicy {
	/// The share of results audited, in parts per million (a random sample the executors
	/// cannot predict).
	pub audit_ppm: u32,
}

/// What the off-chain worker tells the node about its accounts' games (for its metrics).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum GameReport {
	/// The node's watcher opened a game.
	Opened,
	/// One of the node's accounts won a game.
	Won,
	/// One of the node's accounts lost a game.
	Lost,
}

/// What the node provides to the host functions.
#[cfg(not(substrate_runtime))]
pub trait InferenceBackend: Send {
	/// Whether model `id` is loaded.
	fn has_model(&self, id: &H256) -> bool;
	/// Loads (validates, prepares and caches) a model from its ONNX bytes.
	fn load_model(&mut self, id: H256, bytes: &[u8]) -> Result<(), Vec<u8>>;
	/// Runs `job` on a loaded model and keeps its trace data: its outputs, or the node that
	/// fails on its values. `Err` only when the job could not be run here (no such model,
	/// the node's time limit).
	fn execute(
		&mut self,
		job: u64,
		model: H256,
		inputs: Vec<TensorBytes>,
	) -> Result<Execution, Vec<u8>>;
	/// Re-executes `job` as a watcher to check the result whose trace root is `of`, keeping
	/// the run as an audit record (never replacing the node's own execution record).
	fn audit(
		&mut self,
		_job: u64,
		_of: H256,
		_model: H256,
		_inputs: Vec<TensorBytes>,
	) -> Result<Execution, Vec<u8>> {
		Err(NO_ENGINE.to_vec())
	}
	/// The node's move at `turn` of a game on `job`, computed from `record`; `None` when it
	/// has nothing to dispute.
	fn dispute_move(
		&mut self,
		_job: u64,
		_record: Record,
		_turn: Turn,
	) -> Result<Option<Move>, Vec<u8>> {
		Err(NO_ENGINE.to_vec())
	}
	/// Whether (and how) this node watches other executors' results.
	fn watch_policy(&self) -> Option<WatchPolicy> {
		None
	}
	/// Counts a game event of the node's accounts.
	fn report(&mut self, _report: GameReport) {}
}

#[cfg(not(substrate_runtime))]
sp_externalities::decl_extension! {
	/// The node's inference engine, registered for off-chain worker calls.
	pub struct InferenceExt(alloc::boxed::Box<dyn InferenceBackend>);
}

#[cfg(not(substrate_runtime))]
impl InferenceExt {
	/// Wraps a backend.
	pub fn new(backend: impl InferenceBackend + 'static) -> Self {
		InferenceExt(alloc::boxed::Box::new(backend))
	}
}

/// The host functions.
#[runtime_interface]
pub trait Inference {
	/// Whether the node has model `id` loaded.
	fn has_model(&mut self, id: PassPointerAndReadCopy<H256, 32>) -> bool {
		self.extension::<InferenceExt>().is_some_and(|e| e.has_model(&id))
	}

	/// Loads model `id` from its ONNX bytes into the node's cache.
	fn load_model(
		&mut self,
		id: PassPointerAndReadCopy<H256, 32>,
		bytes: PassFatPointerAndRead<&[u8]>,
	) -> AllocateAndReturnByCodec<Result<(), Vec<u8>>> {
		match self.extension::<InferenceExt>() {
			Some(e) => e.load_model(id, bytes),
			None => Err(NO_ENGINE.to_vec()),
		}
	}

	/// Runs `job` with `inputs` on loaded model `model`; the node keeps the trace data.
	/// (Version 1, for runtimes before failed results: a failing node is an error.)
	fn execute(
		&mut self,
		job: u64,
		model: PassPointerAndReadCopy<H256, 32>,
		inputs: PassFatPointerAndDecode<Vec<TensorBytes>>,
	) -> AllocateAndReturnByCodec<Result<InferenceOutput, Vec<u8>>> {
		let run = match self.extension::<InferenceExt>() {
			Some(e) => e.execute(job, model, inputs)?,
			None => return Err(NO_ENGINE.to_vec()),
		};
		match run.outcome {
			Outcome::Outputs(outputs) => {
				Ok(InferenceOutput { outputs, trace_root: run.trace_root, nodes: run.nodes })
			},
			Outcome::Failed { reason, .. } => Err(reason),
		}
	}

	/// Runs `job` with `inputs` on loaded model `model`; the node keeps the trace data. A node
	/// that fails on the job's values is an [`Outcome::Failed`], not an error.
	#[version(2)]
	fn execute(
		&mut self,
		job: u64,
		model: PassPointerAndReadCopy<H256, 32>,
		inputs: PassFatPointerAndDecode<Vec<TensorBytes>>,
	) -> AllocateAndReturnByCodec<Result<Execution, Vec<u8>>> {
		match self.extension::<InferenceExt>() {
			Some(e) => e.execute(job, model, inputs),
			None => Err(NO_ENGINE.to_vec()),
		}
	}

	/// Re-executes `job` with `inputs` on loaded model `model` as an audit of the result whose
	/// trace root is `of`; the node keeps the run as an audit record.
	fn audit(
		&mut self,
		job: u64,
		of: PassPointerAndReadCopy<H256, 32>,
		model: PassPointerAndReadCopy<H256, 32>,
		inputs: PassFatPointerAndDecode<Vec<TensorBytes>>,
	) -> AllocateAndReturnByCodec<Result<Execution, Vec<u8>>> {
		match self.extension::<InferenceExt>() {
			Some(e) => e.audit(job, of, model, inputs),
			None => Err(NO_ENGINE.to_vec()),
		}
	}

	/// The node's move at `turn` of a game on `job`, from its trace record `record` (the model
	/// must be loaded); `None` when it has nothing to dispute.
	fn dispute_move(
		&mut self,
		job: u64,
		record: PassFatPointerAndDecode<Record>,
		turn: PassFatPointerAndDecode<Turn>,
	) -> AllocateAndReturnByCodec<Result<Option<Move>, Vec<u8>>> {
		match self.extension::<InferenceExt>() {
			Some(e) => e.dispute_move(job, record, turn),
			None => Err(NO_ENGINE.to_vec()),
		}
	}

	/// Whether (and how) this node watches other executors' results; `None` without an
	/// engine or without `--verity-watcher`.
	fn watch_policy(&mut self) -> AllocateAndReturnByCodec<Option<WatchPolicy>> {
		self.extension::<InferenceExt>().and_then(|e| e.watch_policy())
	}

	/// Tells the node about its accounts' games (for its metrics).
	fn report(&mut self, report: PassFatPointerAndDecode<GameReport>) {
		if let Some(e) = self.extension::<InferenceExt>() {
			e.report(report);
		}
	}
}
