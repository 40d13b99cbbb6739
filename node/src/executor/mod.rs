//! The node's inference engine, behind Verity's host functions and RPC methods.
//!
//! [`Executor`] is a cheap handle (clone it freely) on a cache of loaded models, the store of
//! trace records of the jobs this node executed, and the Prometheus metrics. The off-chain
//! worker reaches it through the `verity-io` host functions ([`InferenceBackend`]); the RPC
//! methods call it directly for `dryRun` and trace data.

mod budget;
mod cache;
mod disputes;
mod metrics;
mod traces;

pub use budget::follow_chain_budget;
pub use disputes::DisputeRole;
pub use traces::{RecordKind, TraceRecord, TraceStore};

use std::{
	path::PathBuf,
	sync::Arc,
	time::{Duration, Instant},
};

use cache::ModelCache;
use metrics::Metrics;
use parking_lot::{Mutex, RwLock};
use substrate_prometheus_endpoint::Registry;
use verity_engine::{BothRun, LoadedModel};
use verity_io::{Execution, GameReport, InferenceBackend, Outcome, Record, WatchPolicy};
use verity_primitives::{
	commitment::{hash, H256},
	cost::Budget,
	dispute::{Move, Turn},
	graph::TraceOptions,
	tensor::{Tensor, TensorBytes},
};

/// Loaded models kept in memory.
const CACHED_MODELS: usize = 8;

/// The node's inference engine.
#[derive(Clone)]
pub struct Executor {
	models: Arc<Mutex<ModelCache>>,
	traces: Arc<TraceStore>,
	metrics: Option<Arc<Metrics>>,
	/// Longest one canonical run may take.
	time_limit: Duration,
	/// How this node plays the dispute game (watching, injected faults).
	role: DisputeRole,
	/// What a model may cost: the chain's `Models::Budget` (read from the runtime by
	/// [`follow_chain_budget`]), [`Budget::DEFAULT`] until it is known.
	budget: Arc<RwLock<Budget>>,
}

impl Executor {
	/// An engine keeping trace records in `trace_dir`, reporting to `registry` if given.
	pub fn new(
		trace_dir: PathBuf,
		registry: Option<&Registry>,
		time_limit: Duration,
		role: DisputeRole,
	) -> Result<Executor, String> {
		let metrics = match registry {
			Some(r) => Some(Arc::new(Metrics::register(r).map_err(|e| e.to_string())?)),
			None => None,
		};
		Ok(Executor {
			models: Arc::new(Mutex::new(ModelCache::new(CACHED_MODELS))),
			traces: Arc::new(TraceStore::open(trace_dir)?),
			metrics,
			time_limit,
			role,
			budget: Arc::new(RwLock::new(Budget::DEFAULT)),
		})
	}

	/// The budget models are loaded within.
	pub fn budget(&self) -> Budget {
		*self.budget.read()
	}

	/// Loads models within `budget` from now on. Cached models loaded within another budget
	/// are dropped (a chain that lowered its budget has deprecated the models over it).
	pub fn set_budget(&self, budget: Budget) {
		let mut current = self.budget.write();
		if *current != budget {
			*current = budget;
			self.models.lock().clear();
			self.set_cached_gauge(0);
		}
	}

	/// A loaded model, if cached.
	pub fn model(&self, id: &H256) -> Option<Arc<LoadedModel>> {
		self.models.lock().get(id)
	}

	/// Loads a model from its ONNX bytes (which must hash to `id`), without caching it (for
	/// RPC calls, which must not evict the models of the executor's jobs).
	pub fn load_uncached(&self, id: H256, bytes: &[u8]) -> Result<Arc<LoadedModel>, String> {
		self.load_within(id, bytes, &self.budget())
	}

	fn load_within(
		&self,
		id: H256,
		bytes: &[u8],
		budget: &Budget,
	) -> Result<Arc<LoadedModel>, String> {
		if hash(bytes) != id {
			return Err(format!("the bytes of model {id:?} do not hash to its id"));
		}
		// tract is only the cross-check: a registered model it cannot load (an element type or
		// an old opset it lacks) or reads with another interface still runs on the canonical
		// engine, whose answer is the one committed, so that its jobs are answered.
		let (model, no_tract) =
			LoadedModel::load_checked_if_possible(bytes, budget).map_err(|e| e.to_string())?;
		if let Some(why) = no_tract {
			log::warn!(
				target: "verity",
				"model {id:?}: tract cannot load it ({why}); its jobs run without the cross-check"
			);
		}
		Ok(Arc::new(model.with_time_limit(self.time_limit)))
	}

	/// Loads a model from its ONNX bytes (which must hash to `id`) into the cache. A model
	/// loaded while the budget changed is returned but not cached (the cache holds only models
	/// loaded within the current budget).
	pub fn load(&self, id: H256, bytes: &[u8]) -> Result<Arc<LoadedModel>, String> {
		let budget = self.budget();
		let model = self.load_within(id, bytes, &budget)?;
		let current = self.budget.read();
		if *current == budget {
			let cached = self.models.lock().insert(id, model.clone());
			self.set_cached_gauge(cached);
		}
		Ok(model)
	}

	fn set_cached_gauge(&self, cached: usize) {
		if let Some(m) = &self.metrics {
			m.models_cached.set(cached as u64);
		}
	}

	/// Runs tract and the canonical engine on `inputs` and compares them.
	pub fn run(&self, model: &LoadedModel, inputs: &[TensorBytes]) -> Result<BothRun, String> {
		let tensors = to_tensors(inputs)?;
		let start = Instant::now();
		let run = model.run_both(&tensors).map_err(|e| e.to_string());
		if let Some(m) = &self.metrics {
			m.inference_seconds.observe(start.elapsed().as_secs_f64());
		}
		run
	}

	/// The trace records of executed jobs.
	pub fn traces(&self) -> &TraceStore {
		&self.traces
	}

	/// Runs a job: the canonical traced run is what gets committed; tract runs beside it as a
	/// cross-check, and a difference beyond the tolerance is logged and counted
	/// (`verity_engine_mismatches_total`), never hidden, but does not stop the canonical
	/// result (which is what a dispute checks) from being posted.
	fn execute_job(
		&self,
		job: u64,
		model_id: H256,
		inputs: Vec<TensorBytes>,
	) -> Result<Execution, String> {
		let model =
			self.model(&model_id).ok_or_else(|| format!("model {model_id:?} not loaded"))?;
		let tensors = to_tensors(&inputs)?;
		let start = Instant::now();
		let fault = self.role.fault;
		let options = TraceOptions { fault, ..Default::default() };
		let trace = match model.run_canonical_with(&tensors, options).map_err(|e| e.to_string())? {
			Ok(trace) => trace,
			Err(failure) => {
				// The job's own values make node `failure.node` fail: that is its result, with
				// the trace of the nodes before it (tract has nothing to cross-check).
				log::info!(
					target: "verity",
					"job {job}: node {} ({}) fails on its inputs: {}",
					failure.node, failure.op, failure.reason
				);
				self.traces.store(
					RecordKind::Executed,
					&failure.root,
					&TraceRecord {
						job,
						model: model_id,
						inputs,
						trace_root: failure.root,
						commitments: failure.commitments,
						output_roots: failure.output_roots,
						failed: Some(failure.node),
						fault,
					},
				)?;
				let reason = format!("{}: {}", failure.op, failure.reason).into_bytes();
				return Ok(Execution {
					outcome: Outcome::Failed { node: failure.node, reason },
					trace_root: failure.root,
					nodes: failure.node,
				});
			},
		};
		// tract's cross-check has no time limit of its own: skipped when the canonical run
		// already took half the limit, so that the result is not posted late.
		let slow = start.elapsed() > self.time_limit / 2;
		if slow {
			log::warn!(target: "verity", "job {job}: slow model, tract cross-check skipped");
		}
		let check = if slow || !model.has_tract() {
			if let Some(m) = &self.metrics {
				m.jobs_unchecked.inc();
			}
			Ok(0.0)
		} else {
			model.run_tract(&tensors).and_then(|tract| {
				verity_engine::compare_outputs(&model.output_names(), &trace.outputs, &tract)
			})
		};
		if let Some(m) = &self.metrics {
			m.inference_seconds.observe(start.elapsed().as_secs_f64());
		}
		if let Err(e) = check {
			log::warn!(target: "verity", "job {job}: tract disagrees with the canonical engine: {e}");
			if let Some(m) = &self.metrics {
				m.engine_mismatches.inc();
			}
		}
		let nodes = u32::try_from(trace.commitments.len()).map_err(|e| e.to_string())?;
		self.traces.store(
			RecordKind::Executed,
			&trace.root,
			&TraceRecord {
				job,
				model: model_id,
				inputs,
				trace_root: trace.root,
				commitments: trace.commitments,
				output_roots: trace.output_roots,
				failed: None,
				fault,
			},
		)?;
		Ok(Execution {
			outcome: Outcome::Outputs(trace.outputs.iter().map(Tensor::to_bytes).collect()),
			trace_root: trace.root,
			nodes,
		})
	}
}

/// The tensors of their wire forms.
fn to_tensors(inputs: &[TensorBytes]) -> Result<Vec<Tensor>, String> {
	inputs
		.iter()
		.enumerate()
		.map(|(k, t)| t.to_tensor().map_err(|e| format!("input {k}: {e}")))
		.collect()
}

impl InferenceBackend for Executor {
	fn has_model(&self, id: &H256) -> bool {
		self.models.lock().contains(id)
	}

	fn load_model(&mut self, id: H256, bytes: &[u8]) -> Result<(), Vec<u8>> {
		self.load(id, bytes).map(|_| ()).map_err(String::into_bytes)
	}

	fn execute(
		&mut self,
		job: u64,
		model: H256,
		inputs: Vec<TensorBytes>,
	) -> Result<Execution, Vec<u8>> {
		let result = self.execute_job(job, model, inputs);
		match (&result, &self.metrics) {
			(Ok(_), Some(m)) => m.jobs_executed.inc(),
			(Err(_), Some(m)) => m.job_failures.inc(),
			_ => {},
		}
		match &result {
			Ok(out) => {
				log::info!(target: "verity", "executed job {job}: trace root {:?}", out.trace_root)
			},
			Err(e) => log::warn!(target: "verity", "job {job} failed: {e}"),
		}
		result.map_err(String::into_bytes)
	}

	fn audit(
		&mut self,
		job: u64,
		of: H256,
		model: H256,
		inputs: Vec<TensorBytes>,
	) -> Result<Execution, Vec<u8>> {
		let start = Instant::now();
		let result = self.audit_job(job, of, model, inputs);
		if let Some(m) = &self.metrics {
			m.audits.inc();
			m.audit_seconds.observe(start.elapsed().as_secs_f64());
		}
		match &result {
			Ok(out) if out.trace_root != of => log::warn!(
				target: "verity",
				"audit of job {job}: trace root {:?}, the executor posted {of:?}",
				out.trace_root
			),
			Ok(_) => log::info!(target: "verity", "audit of job {job}: the result checks out"),
			Err(e) => log::warn!(target: "verity", "audit of job {job} failed: {e}"),
		}
		result.map_err(String::into_bytes)
	}

	fn dispute_move(
		&mut self,
		job: u64,
		record: Record,
		turn: Turn,
	) -> Result<Option<Move>, Vec<u8>> {
		let result = self.move_of(job, record, &turn);
		match &result {
			Ok(Some(_)) => {
				if let Some(m) = &self.metrics {
					m.dispute_moves.inc();
				}
			},
			Ok(None) => {},
			Err(e) => log::warn!(target: "verity", "job {job}: no move at {turn:?}: {e}"),
		}
		result.map_err(String::into_bytes)
	}

	fn watch_policy(&self) -> Option<WatchPolicy> {
		self.role.watch
	}

	fn report(&mut self, report: GameReport) {
		log::info!(target: "verity", "dispute game: {report:?}");
		if let Some(m) = &self.metrics {
			match report {
				GameReport::Opened => m.disputes_opened.inc(),
				GameReport::Won => m.disputes_won.inc(),
				GameReport::Lost => m.disputes_lost.inc(),
			}
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use verity_primitives::onnx::zoo;

	fn executor(dir: &std::path::Path) -> Executor {
		Executor::new(dir.to_path_buf(), None, Duration::from_secs(30), DisputeRole::default())
			.expect("an executor on a fresh directory")
	}

	/// Models load within the budget the chain sets, and a new budget drops the models
	/// cached within the old one.
	#[test]
	fn models_load_within_the_chain_budget() {
		let dir = std::env::temp_dir().join(format!("verity-budget-{}", std::process::id()));
		let engine = executor(&dir);
		let bytes = zoo::mlp(&[4, 3, 2], 1).expect("the zoo builds MLPs");
		let id = hash(&bytes);
		assert_eq!(engine.budget(), Budget::DEFAULT);
		engine.load(id, &bytes).expect("within the default budget");
		assert!(engine.model(&id).is_some());

		let tight = Budget { model_work: 1, ..Budget::DEFAULT };
		engine.set_budget(tight);
		assert_eq!(engine.budget(), tight);
		assert!(engine.model(&id).is_none(), "the cache is dropped with the old budget");
		let refused = engine.load(id, &bytes).expect_err("over a one-unit work budget");
		assert!(refused.contains("budget"), "{refused}");

		engine.set_budget(Budget::DEFAULT);
		engine.load(id, &bytes).expect("within the default budget again");
		let _ = std::fs::remove_dir_all(&dir);
	}
}
