//! The node's side of the dispute game: audits of other executors' results, and each move of
//! the games its accounts play, computed from its trace records with the player of
//! `verity_primitives::dispute::play` (the one the pallet's fault-injection tests prove).
//!
//! A move needs at most one node's values: the model is re-run up to that node from the
//! record's inputs (with the record's injected fault, so a faulty executor defends the trace
//! it posted), never kept whole in memory.

use std::sync::Arc;

use verity_engine::LoadedModel;
use verity_io::{Execution, Outcome, Record, WatchPolicy};
use verity_primitives::{
	commitment::H256,
	dispute::{next_move, Move, PartyRun, Turn},
	graph::{Graph, NodeValues, TraceOptions},
	tensor::{Tensor, TensorBytes},
};

use super::{to_tensors, Executor, RecordKind, TraceRecord};

/// How this node takes part in disputes.
#[derive(Clone, Copy, Debug, Default)]
pub struct DisputeRole {
	/// Audits other executors' results (`--verity-watcher`).
	pub watch: Option<WatchPolicy>,
	/// Fault injection (`--verity-fault NODE`): the executor corrupts one element of this
	/// node's output and computes the rest of its trace forward from it.
	pub fault: Option<u32>,
	/// Fault injection (`--verity-false-challenge`): the watcher's audits are corrupted at
	/// the model's last node, so it challenges honest results (and loses).
	pub false_challenge: bool,
}

/// One of this node's runs of a job, re-run on demand up to the node a move needs.
struct NodeRun {
	model: Arc<LoadedModel>,
	inputs: Vec<Tensor>,
	roots: Vec<H256>,
	failed: Option<u32>,
	fault: Option<u32>,
	/// The last node's values asked for (a move asks for one node, sometimes twice).
	cached: Option<(u32, NodeValues)>,
}

impl PartyRun for NodeRun {
	fn graph(&self) -> &Graph {
		self.model.graph()
	}

	fn roots(&self) -> &[H256] {
		&self.roots
	}

	fn failed_node(&self) -> Option<u32> {
		self.failed
	}

	fn node_values(&mut self, node: u32) -> Result<NodeValues, String> {
		if let Some((k, values)) = &self.cached {
			if *k == node {
				return Ok(values.clone());
			}
		}
		let options = TraceOptions { fault: self.fault, capture: Some(node), ..Default::default() };
		let values = match self.model.run_canonical_with(&self.inputs, options) {
			Ok(Ok(trace)) => trace.captured.ok_or_else(|| format!("node {node} not reached"))?,
			Ok(Err(failure)) => {
				return Err(format!("the run fails at node {} before node {node}", failure.node))
			},
			Err(e) => return Err(e.to_string()),
		};
		self.cached = Some((node, values.clone()));
		Ok(values)
	}
}

impl Executor {
	/// Re-executes `job` to check the result under trace root `of`; keeps an audit record.
	pub(super) fn audit_job(
		&self,
		job: u64,
		of: H256,
		model_id: H256,
		inputs: Vec<TensorBytes>,
	) -> Result<Execution, String> {
		let model =
			self.model(&model_id).ok_or_else(|| format!("model {model_id:?} not loaded"))?;
		let tensors = to_tensors(&inputs)?;
		let last = u32::try_from(model.graph().nodes.len()).map_err(|e| e.to_string())?;
		let fault = self.role.false_challenge.then(|| last.saturating_sub(1));
		let options = TraceOptions { fault, ..Default::default() };
		let (execution, record) = match model
			.run_canonical_with(&tensors, options)
			.map_err(|e| e.to_string())?
		{
			Ok(trace) => {
				let nodes = u32::try_from(trace.commitments.len()).map_err(|e| e.to_string())?;
				let record = TraceRecord {
					job,
					model: model_id,
					inputs,
					trace_root: trace.root,
					commitments: trace.commitments,
					output_roots: trace.output_roots,
					failed: None,
					fault,
				};
				let outputs = trace.outputs.iter().map(Tensor::to_bytes).collect();
				(
					Execution { outcome: Outcome::Outputs(outputs), trace_root: trace.root, nodes },
					record,
				)
			},
			Err(failure) => {
				let record = TraceRecord {
					job,
					model: model_id,
					inputs,
					trace_root: failure.root,
					commitments: failure.commitments,
					output_roots: failure.output_roots,
					failed: Some(failure.node),
					fault,
				};
				let reason = format!("{}: {}", failure.op, failure.reason).into_bytes();
				(
					Execution {
						outcome: Outcome::Failed { node: failure.node, reason },
						trace_root: failure.root,
						nodes: failure.node,
					},
					record,
				)
			},
		};
		self.traces.store(RecordKind::Audit, &of, &record)?;
		Ok(execution)
	}

	/// This node's move at `turn` of a game on `job`, from `record`.
	pub(super) fn move_of(
		&self,
		job: u64,
		record: Record,
		turn: &Turn,
	) -> Result<Option<Move>, String> {
		let (kind, root) = match record {
			Record::Executed { root } => (RecordKind::Executed, root),
			Record::Audit { of } => (RecordKind::Audit, of),
		};
		let record = self
			.traces
			.load(kind, job, &root)
			.ok_or_else(|| format!("no {kind:?} trace record of job {job} under {root:?}"))?;
		let model = self
			.model(&record.model)
			.ok_or_else(|| format!("model {:?} not loaded", record.model))?;
		let mut run = NodeRun {
			inputs: to_tensors(&record.inputs)?,
			roots: record.output_roots.concat(),
			failed: record.failed,
			fault: record.fault,
			model,
			cached: None,
		};
		next_move(turn, &mut run)
	}
}
