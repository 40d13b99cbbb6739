//! Running a [`LoadedModel`]: tract, the canonical engine, or both compared.

use tract_onnx::prelude::{IntoTValue, TValue, TVec};
use verity_primitives::{
	graph::{NodeFailure, RunError, Trace, TraceOptions},
	tensor::{shape_string, DType, Tensor, TensorData},
};

use crate::{
	contain_panics,
	convert::{from_tract, to_tract},
	model::tract_message,
	EngineError, LoadedModel,
};

/// Absolute part of the f32 tolerance: element `k` agrees when
/// `|tract - canonical| <= F32_ABS_TOLERANCE + F32_REL_TOLERANCE * |canonical|`.
/// Integer and bool outputs must agree exactly; NaN agrees only with NaN, an infinity only
/// with the same infinity.
pub const F32_ABS_TOLERANCE: f64 = 1e-4;
/// Relative part of the f32 tolerance (see [`F32_ABS_TOLERANCE`]).
pub const F32_REL_TOLERANCE: f64 = 1e-4;

/// The tolerance an f32 element whose canonical value is `expected` must meet.
pub fn f32_tolerance(expected: f64) -> f64 {
	F32_ABS_TOLERANCE + F32_REL_TOLERANCE * expected.abs()
}

/// The result of [`LoadedModel::run_both`].
#[derive(Clone, Debug)]
pub struct BothRun {
	/// The canonical trace: the committed outputs and their commitments.
	pub trace: Trace,
	/// tract's outputs, in graph-output order.
	pub tract_outputs: Vec<Tensor>,
	/// The largest absolute difference over all output elements (0 when all agree exactly).
	pub max_abs_diff: f64,
}

/// Absolute part of the tolerance of a float16 element: float16 keeps 11 significant bits,
/// and tract computes float16 in float16 where the canonical engine accumulates in float32.
pub const F16_ABS_TOLERANCE: f64 = 1e-3;
/// Relative part of the float16 tolerance (about four units in the last place).
pub const F16_REL_TOLERANCE: f64 = 4e-3;

/// Element `k` of `t` as f64 (integers and bools converted exactly up to 2^53).
fn element(t: &Tensor, k: usize) -> f64 {
	match t.data() {
		TensorData::F32(v) => v[k] as f64,
		TensorData::U8(v) => v[k] as f64,
		TensorData::I8(v) => v[k] as f64,
		TensorData::I32(v) => v[k] as f64,
		TensorData::I64(v) => v[k] as f64,
		TensorData::Bool(v) => v[k] as u8 as f64,
		TensorData::U16(v) => v[k] as f64,
		TensorData::I16(v) => v[k] as f64,
		TensorData::U32(v) => v[k] as f64,
		TensorData::U64(v) => v[k] as f64,
		TensorData::F16(v) => verity_primitives::float16::f16_to_f32(v[k]) as f64,
		TensorData::BF16(v) => verity_primitives::minifloat::bf16_to_f32(v[k]) as f64,
		TensorData::F8(d, v) => verity_primitives::minifloat::code_to_f32(*d, v[k]) as f64,
		TensorData::SubByte(_, v) => v[k] as f64,
	}
}

/// Element `k` of an integer or bool tensor, exactly (`None` for a float tensor).
fn int_element(t: &Tensor, k: usize) -> Option<i128> {
	Some(match t.data() {
		TensorData::U8(v) => v[k].into(),
		TensorData::I8(v) => v[k].into(),
		TensorData::I32(v) => v[k].into(),
		TensorData::I64(v) => v[k].into(),
		TensorData::Bool(v) => u8::from(v[k]).into(),
		TensorData::U16(v) => v[k].into(),
		TensorData::I16(v) => v[k].into(),
		TensorData::U32(v) => v[k].into(),
		TensorData::U64(v) => v[k].into(),
		TensorData::SubByte(_, v) => v[k].into(),
		TensorData::F32(_) | TensorData::F16(_) | TensorData::BF16(_) | TensorData::F8(..) => {
			return None
		},
	})
}

/// The absolute difference of two elements and whether they agree.
fn compare(canonical: f64, tract: f64, dtype: DType) -> (f64, bool, f64) {
	if canonical.is_nan() || tract.is_nan() {
		let both = canonical.is_nan() && tract.is_nan();
		return (if both { 0.0 } else { f64::INFINITY }, both, 0.0);
	}
	if canonical.is_infinite() || tract.is_infinite() {
		let same = canonical == tract;
		return (if same { 0.0 } else { f64::INFINITY }, same, 0.0);
	}
	let diff = (canonical - tract).abs();
	let tolerance = match dtype {
		DType::F32 => f32_tolerance(canonical),
		DType::F16 => F16_ABS_TOLERANCE + F16_REL_TOLERANCE * canonical.abs(),
		_ => 0.0,
	};
	(diff, diff <= tolerance, tolerance)
}

/// The largest absolute difference between `canonical` and `tract` outputs, or the first
/// disagreement beyond the tolerance.
pub fn compare_outputs(
	names: &[String],
	canonical: &[Tensor],
	tract: &[Tensor],
) -> Result<f64, EngineError> {
	let describe = |t: &Tensor| format!("{} {}", t.dtype().name(), shape_string(t.shape()));
	if canonical.len() != tract.len() {
		return Err(EngineError::OutputType {
			output: canonical.len().min(tract.len()),
			canonical: format!("{} outputs", canonical.len()),
			tract: format!("{} outputs", tract.len()),
		});
	}
	let mut max_abs_diff = 0.0f64;
	let mut first_bad = None;
	for (o, (c, t)) in canonical.iter().zip(tract).enumerate() {
		if c.dtype() != t.dtype() || c.shape() != t.shape() {
			return Err(EngineError::OutputType {
				output: o,
				canonical: describe(c),
				tract: describe(t),
			});
		}
		for k in 0..c.len() {
			let (ce, te) = (element(c, k), element(t, k));
			// Integers exactly (f64 would merge neighbours above 2^53).
			let (diff, ok, tolerance) = match (int_element(c, k), int_element(t, k)) {
				(Some(a), Some(b)) => ((a - b).unsigned_abs() as f64, a == b, 0.0),
				_ => compare(ce, te, c.dtype()),
			};
			max_abs_diff = max_abs_diff.max(diff);
			if !ok && first_bad.is_none() {
				first_bad = Some((o, k, ce, te, tolerance));
			}
		}
	}
	match first_bad {
		None => Ok(max_abs_diff),
		Some((output, index, canonical, tract, tolerance)) => Err(EngineError::Mismatch {
			output,
			name: names.get(output).cloned().unwrap_or_default(),
			index,
			canonical,
			tract,
			tolerance,
			max_abs_diff,
		}),
	}
}

impl LoadedModel {
	/// Checks `inputs` against the graph inputs (count, dtype, shape): the graph's message.
	pub fn check_inputs(&self, inputs: &[Tensor]) -> Result<(), EngineError> {
		self.graph().check_inputs(inputs).map_err(EngineError::BadInputs)
	}

	/// Runs tract's optimised plan on `inputs` (in graph-input order).
	pub fn run_tract(&self, inputs: &[Tensor]) -> Result<Vec<Tensor>, EngineError> {
		let plan = self.tract.as_ref().ok_or(EngineError::NotLoaded("tract"))?;
		self.check_inputs(inputs)?;
		let run_err = |cause: String| EngineError::Run { engine: "tract", cause };
		let values: TVec<TValue> = inputs
			.iter()
			.map(|t| to_tract(t).map(|t| t.into_tvalue()))
			.collect::<Result<_, _>>()
			.map_err(run_err)?;
		let outputs =
			contain_panics("tract", || plan.run(values).map_err(tract_message)).map_err(run_err)?;
		outputs.iter().map(|t| from_tract(t).map_err(run_err)).collect()
	}

	/// Runs the canonical engine on `inputs`: the committed outputs, every node's commitment
	/// and the trace root (and every node's outputs when `keep_node_outputs`).
	pub fn run_canonical(
		&self,
		inputs: &[Tensor],
		keep_node_outputs: bool,
	) -> Result<Trace, EngineError> {
		self.run_canonical_outcome(inputs, keep_node_outputs)?.map_err(|f| EngineError::Run {
			engine: "canonical",
			cause: RunError::NodeFailed(Box::new(f)).into(),
		})
	}

	/// As [`LoadedModel::run_canonical`], with a node that fails on these values
	/// (`Ok(Err(failure))`: the job's deterministic outcome, which an executor posts as a
	/// failed result) told apart from errors of this run (bad inputs, the time limit).
	pub fn run_canonical_outcome(
		&self,
		inputs: &[Tensor],
		keep_node_outputs: bool,
	) -> Result<Result<Trace, NodeFailure>, EngineError> {
		self.run_canonical_with(inputs, TraceOptions { keep_node_outputs, ..Default::default() })
	}

	/// As [`LoadedModel::run_canonical_outcome`] with any [`TraceOptions`]: a fault injected,
	/// or one node's values captured for a dispute's move.
	pub fn run_canonical_with(
		&self,
		inputs: &[Tensor],
		options: TraceOptions,
	) -> Result<Result<Trace, NodeFailure>, EngineError> {
		self.check_inputs(inputs)?;
		let limit = self.time_limit;
		// The clock starts when the run does (not while it waits for a thread).
		let run = || {
			let start = std::time::Instant::now();
			self.prepared.run_until(inputs, options, &mut |_| start.elapsed() <= limit)
		};
		// A large model's whole run on one of the engine's threads, where its fast paths and
		// commitments split their work; a small one on this thread, without threads (handing
		// it over costs more than it saves). The bits are the same either way.
		let run = if self.threaded { crate::threads::on_engine_threads(run) } else { run() };
		match run {
			Ok(trace) => Ok(Ok(trace)),
			Err(RunError::NodeFailed(failure)) => Ok(Err(*failure)),
			Err(e) => Err(EngineError::Run { engine: "canonical", cause: e.into() }),
		}
	}

	/// Runs both engines and compares every output element (see [`F32_ABS_TOLERANCE`]); a
	/// difference beyond the tolerance is [`EngineError::Mismatch`], never a silent pick.
	pub fn run_both(&self, inputs: &[Tensor]) -> Result<BothRun, EngineError> {
		let trace = self.run_canonical(inputs, false)?;
		let tract_outputs = self.run_tract(inputs)?;
		let max_abs_diff = compare_outputs(&self.output_names(), &trace.outputs, &tract_outputs)?;
		Ok(BothRun { trace, tract_outputs, max_abs_diff })
	}
}
