//! [`LoadedModel`]: one ONNX model imported by both engines.
//!
//! The canonical [`Graph`] is the committed answer; tract's optimised plan is the fast path
//! that is checked against it. tract's input facts are fixed from the canonical graph's input
//! types, so both engines see exactly the same static shapes.

use std::sync::Arc;

use tract_onnx::prelude::{
	DatumType, Framework, InferenceFact, InferenceModelExt, IntoRunnable, TypedSimplePlan,
};
use verity_primitives::{
	cost::Budget,
	graph::{Graph, PreparedGraph},
	limits::MAX_MODEL_BYTES,
	tensor::DType,
};

use crate::{contain_panics, EngineError};

/// tract's optimised, runnable form of a model.
pub type TractPlan = Arc<TypedSimplePlan>;

/// A model imported by the canonical engine and (optionally) by tract.
#[derive(Debug)]
pub struct LoadedModel {
	/// The canonical graph with its constants decoded once.
	pub(crate) prepared: PreparedGraph,
	pub(crate) tract: Option<TractPlan>,
	/// Longest a canonical run may take (checked before every node).
	pub(crate) time_limit: std::time::Duration,
	/// Whether a canonical run uses the engine's threads: its work (the cost model's) is at
	/// least [`THREADED_MIN_WORK`]. Below that, handing work to threads costs more than it
	/// saves, and the run stays on the calling thread.
	pub(crate) threaded: bool,
}

/// The work (in the cost model's units) from which a canonical run uses the engine's threads.
pub const THREADED_MIN_WORK: u64 = 1 << 21;

/// Whether `graph`'s runs are worth the engine's threads.
fn threaded(graph: &Graph) -> bool {
	graph.cost(&Budget::UNLIMITED).map_or(true, |c| c.work >= THREADED_MIN_WORK)
}

/// The default wall-time limit of one canonical run (`verity-node --verity-inference-timeout`).
pub const DEFAULT_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(30);

/// tract's datum type of a canonical dtype (`None` for the types tract lacks).
pub fn tract_datum_type(dtype: DType) -> Option<DatumType> {
	Some(match dtype {
		DType::F32 => DatumType::F32,
		DType::U8 => DatumType::U8,
		DType::I8 => DatumType::I8,
		DType::I32 => DatumType::I32,
		DType::I64 => DatumType::I64,
		DType::Bool => DatumType::Bool,
		DType::U16 => DatumType::U16,
		DType::I16 => DatumType::I16,
		DType::F16 => DatumType::F16,
		DType::U32 => DatumType::U32,
		DType::U64 => DatumType::U64,
		// tract has no bfloat16, float8, float4 or 4- and 2-bit integers: such a model runs on
		// the canonical engine alone.
		DType::BF16
		| DType::F8E4M3FN
		| DType::F8E4M3FNUZ
		| DType::F8E5M2
		| DType::F8E5M2FNUZ
		| DType::F8E8M0
		| DType::U4
		| DType::I4
		| DType::U2
		| DType::I2
		| DType::F4E2M1 => return None,
	})
}

/// The canonical dtype of a tract datum type (quantized types map to their integer storage);
/// `None` for types Verity does not support.
pub fn dtype_of_tract(dt: DatumType) -> Option<DType> {
	Some(match dt.unquantized() {
		DatumType::F32 => DType::F32,
		DatumType::U8 => DType::U8,
		DatumType::I8 => DType::I8,
		DatumType::I32 => DType::I32,
		DatumType::I64 => DType::I64,
		DatumType::Bool => DType::Bool,
		DatumType::U16 => DType::U16,
		DatumType::I16 => DType::I16,
		DatumType::F16 => DType::F16,
		DatumType::U32 => DType::U32,
		DatumType::U64 => DType::U64,
		_ => return None,
	})
}

/// One line from a tract error and its context chain.
pub(crate) fn tract_message(e: impl core::fmt::Display) -> String {
	format!("{e:#}").replace('\n', " ")
}

/// tract's optimised plan for `bytes`, with input `k` fixed to the canonical input type `k`.
fn load_tract(bytes: &[u8], graph: &Graph) -> Result<TractPlan, String> {
	let mut model = tract_onnx::onnx().model_for_read(&mut &bytes[..]).map_err(tract_message)?;
	let inputs = graph.input_types();
	if model.inputs.len() != inputs.len() {
		return Err(format!(
			"tract sees {} graph inputs, the canonical graph {}",
			model.inputs.len(),
			inputs.len()
		));
	}
	for (k, info) in inputs.iter().enumerate() {
		let name = &model.node(model.inputs[k].node).name;
		if *name != info.name {
			return Err(format!(
				"tract's input {k} is '{name}', the canonical graph's is '{}'",
				info.name
			));
		}
		let shape: Vec<usize> = info.shape.iter().map(|d| *d as usize).collect();
		let datum = tract_datum_type(info.dtype)
			.ok_or_else(|| format!("tract has no {} (input {k})", info.dtype.name()))?;
		let fact = InferenceFact::dt_shape(datum, shape);
		model.set_input_fact(k, fact).map_err(tract_message)?;
	}
	let typed = model.into_optimized().map_err(tract_message)?;
	if typed.outputs.len() != graph.outputs.len() {
		return Err(format!(
			"tract sees {} graph outputs, the canonical graph {}",
			typed.outputs.len(),
			graph.outputs.len()
		));
	}
	typed.into_runnable().map_err(tract_message)
}

/// Decodes the graph's constants once.
fn prepare(graph: Graph) -> Result<PreparedGraph, EngineError> {
	graph.prepare().map_err(|cause| EngineError::Run { engine: "canonical", cause })
}

impl LoadedModel {
	/// Imports ONNX `bytes` with the canonical importer (within [`Budget::DEFAULT`]) and with
	/// tract (typed with the canonical input types, optimised, made runnable). Either refusing
	/// is an error.
	pub fn load(bytes: &[u8]) -> Result<LoadedModel, EngineError> {
		LoadedModel::load_within(bytes, &Budget::DEFAULT)
	}

	/// [`LoadedModel::load`] within `budget` (a node uses its chain's `Models::Budget`).
	pub fn load_within(bytes: &[u8], budget: &Budget) -> Result<LoadedModel, EngineError> {
		match LoadedModel::load_checked_if_possible(bytes, budget)? {
			(model, None) => Ok(model),
			(_, Some(why)) => Err(EngineError::TractLoad(why)),
		}
	}

	/// Imports `bytes` with the canonical importer (within `budget`; its refusal is the
	/// error) and then with tract. When tract cannot load the model or sees another
	/// interface (inputs, outputs), the model is returned without tract, with tract's reason:
	/// what an executor runs a registered model with, since the canonical answer is the one
	/// committed and the one the dispute game checks, and tract is only the cross-check. The
	/// canonical graph is imported once.
	pub fn load_checked_if_possible(
		bytes: &[u8],
		budget: &Budget,
	) -> Result<(LoadedModel, Option<String>), EngineError> {
		LoadedModel::load_checked_up_to(bytes, MAX_MODEL_BYTES, budget)
	}

	/// [`LoadedModel::load_checked_if_possible`] for a model of up to `max_bytes` bytes
	/// instead of [`MAX_MODEL_BYTES`] (`verity-node infer --max-model-mib`; what the chain
	/// holds is the runtime's limit, and a node runs only registered models).
	pub fn load_checked_up_to(
		bytes: &[u8],
		max_bytes: usize,
		budget: &Budget,
	) -> Result<(LoadedModel, Option<String>), EngineError> {
		let graph = Graph::from_onnx_up_to(bytes, max_bytes, budget)?;
		let (tract, why) = match contain_panics("tract's import", || load_tract(bytes, &graph)) {
			Ok(plan) => (Some(plan), None),
			Err(why) => (None, Some(why)),
		};
		let model = LoadedModel {
			threaded: threaded(&graph),
			prepared: prepare(graph)?,
			tract,
			time_limit: DEFAULT_TIME_LIMIT,
		};
		Ok((model, why))
	}

	/// Imports ONNX `bytes` with the canonical importer only (within [`Budget::DEFAULT`]);
	/// [`LoadedModel::run_tract`] then fails with [`EngineError::NotLoaded`].
	pub fn load_canonical(bytes: &[u8]) -> Result<LoadedModel, EngineError> {
		LoadedModel::load_canonical_within(bytes, &Budget::DEFAULT)
	}

	/// [`LoadedModel::load_canonical`] within `budget`.
	pub fn load_canonical_within(
		bytes: &[u8],
		budget: &Budget,
	) -> Result<LoadedModel, EngineError> {
		LoadedModel::load_canonical_up_to(bytes, MAX_MODEL_BYTES, budget)
	}

	/// [`LoadedModel::load_canonical_within`] for a model of up to `max_bytes` bytes.
	pub fn load_canonical_up_to(
		bytes: &[u8],
		max_bytes: usize,
		budget: &Budget,
	) -> Result<LoadedModel, EngineError> {
		let graph = Graph::from_onnx_up_to(bytes, max_bytes, budget)?;
		Ok(LoadedModel {
			threaded: threaded(&graph),
			prepared: prepare(graph)?,
			tract: None,
			time_limit: DEFAULT_TIME_LIMIT,
		})
	}

	/// Whether tract loaded the model (else only the canonical engine runs it).
	pub fn has_tract(&self) -> bool {
		self.tract.is_some()
	}

	/// The same model with another wall-time limit for canonical runs.
	pub fn with_time_limit(mut self, limit: std::time::Duration) -> Self {
		self.time_limit = limit;
		self
	}

	/// The canonical graph.
	pub fn graph(&self) -> &Graph {
		self.prepared.graph()
	}

	/// The canonical graph, ready to run.
	pub fn prepared(&self) -> &PreparedGraph {
		&self.prepared
	}

	/// tract's runnable plan, if loaded.
	pub fn tract_plan(&self) -> Option<&TractPlan> {
		self.tract.as_ref()
	}

	/// The names of the graph outputs, in order.
	pub fn output_names(&self) -> Vec<String> {
		self.graph().output_types().iter().map(|v| v.name.clone()).collect()
	}
}
