//! The `infer` command: run a model on input files with the canonical engine, tract or both.

use std::path::PathBuf;

use serde_json::{Map, Value};
use verity_primitives::{
	commitment::H256,
	cost::Budget,
	limits::MAX_MODEL_BYTES,
	tensor::{shape_string, Tensor, TensorData},
};

use crate::{
	io::{self, json::data_json},
	EngineError, LoadedModel,
};

/// Which engine answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum EngineChoice {
	/// The canonical kernels: the committed answer, with its trace root.
	Canonical,
	/// tract alone: fast, no commitments.
	Tract,
	/// Both, compared element by element; the canonical outputs are printed.
	Both,
}

/// Run an ONNX model on input tensors and print the outputs.
#[derive(Clone, Debug, clap::Args)]
pub struct InferCmd {
	/// The ONNX model file.
	#[arg(long, value_name = "FILE")]
	pub model: PathBuf,
	/// An input tensor file (.pb TensorProto, .npy or .json); once per graph input, in order.
	#[arg(long = "input", value_name = "FILE")]
	pub inputs: Vec<PathBuf>,
	/// The engine that answers.
	#[arg(long, value_enum, default_value_t = EngineChoice::Both)]
	pub engine: EngineChoice,
	/// Print the result as one line of JSON instead of text.
	#[arg(long)]
	pub json: bool,
	/// Largest model file accepted, in MiB. The default is the engine's limit, which every
	/// chain model is within; a larger one runs models bigger than chain state holds (an
	/// ImageNet CNN of 100 MB), with every other limit of the budget still in force.
	#[arg(long, default_value_t = DEFAULT_MAX_MODEL_MIB, value_name = "MIB")]
	pub max_model_mib: u64,
	/// The cost budget the model is imported within: `default`, the chain's (a dispute step's
	/// reads, a run's work and memory), or `unlimited`, to measure a model the chain refuses.
	#[arg(long, value_enum, default_value_t = BudgetChoice::Default)]
	pub budget: BudgetChoice,
}

/// [`InferCmd::max_model_mib`]'s default: [`MAX_MODEL_BYTES`] in MiB.
pub const DEFAULT_MAX_MODEL_MIB: u64 = (MAX_MODEL_BYTES >> 20) as u64;

/// The cost budget of an offline run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum BudgetChoice {
	/// [`Budget::DEFAULT`]: the chain's.
	Default,
	/// [`Budget::UNLIMITED`]: no cost limit (the wall-time limit of a canonical run holds).
	Unlimited,
}

impl BudgetChoice {
	/// The budget chosen.
	pub fn budget(self) -> Budget {
		match self {
			BudgetChoice::Default => Budget::DEFAULT,
			BudgetChoice::Unlimited => Budget::UNLIMITED,
		}
	}
}

/// What an inference produced.
#[derive(Clone, Debug, PartialEq)]
pub struct InferReport {
	/// Graph outputs in order: name and tensor (the canonical ones unless tract alone ran).
	pub outputs: Vec<(String, Tensor)>,
	/// The canonical trace root (canonical and both).
	pub trace_root: Option<H256>,
	/// The number of canonical graph nodes (canonical and both).
	pub nodes: Option<usize>,
	/// The largest |canonical - tract| over all output elements (both).
	pub max_abs_diff: Option<f64>,
}

/// `0x` and the 64 lower-case hex digits of `h`.
pub fn hex_h256(h: &H256) -> String {
	let mut s = String::with_capacity(66);
	s.push_str("0x");
	for b in h.as_bytes() {
		s.push_str(&format!("{b:02x}"));
	}
	s
}

/// Runs `model` on `inputs` with `engine`.
pub fn infer(
	model: &LoadedModel,
	inputs: &[Tensor],
	engine: EngineChoice,
) -> Result<InferReport, EngineError> {
	let named = |ts: Vec<Tensor>| model.output_names().into_iter().zip(ts).collect();
	let nodes = Some(model.graph().nodes.len());
	Ok(match engine {
		EngineChoice::Canonical => {
			let trace = model.run_canonical(inputs, false)?;
			InferReport {
				outputs: named(trace.outputs),
				trace_root: Some(trace.root),
				nodes,
				max_abs_diff: None,
			}
		},
		EngineChoice::Tract => InferReport {
			outputs: named(model.run_tract(inputs)?),
			trace_root: None,
			nodes: None,
			max_abs_diff: None,
		},
		EngineChoice::Both => {
			let both = model.run_both(inputs)?;
			InferReport {
				outputs: named(both.trace.outputs),
				trace_root: Some(both.trace.root),
				nodes,
				max_abs_diff: Some(both.max_abs_diff),
			}
		},
	})
}

impl InferReport {
	/// `{"outputs":[{"name","dtype","shape","data"}],"trace_root","nodes","max_abs_diff"}`,
	/// the last three only when present.
	pub fn to_json(&self) -> Value {
		let outputs = self
			.outputs
			.iter()
			.map(|(name, t)| {
				let mut o = Map::new();
				o.insert("name".into(), Value::from(name.as_str()));
				o.insert("dtype".into(), Value::from(t.dtype().name()));
				o.insert("shape".into(), Value::from(t.shape().to_vec()));
				o.insert("data".into(), data_json(t));
				Value::Object(o)
			})
			.collect();
		let mut m = Map::new();
		m.insert("outputs".into(), Value::Array(outputs));
		if let Some(root) = &self.trace_root {
			m.insert("trace_root".into(), Value::from(hex_h256(root)));
		}
		if let Some(n) = self.nodes {
			m.insert("nodes".into(), Value::from(n));
		}
		if let Some(d) = self.max_abs_diff {
			m.insert("max_abs_diff".into(), Value::from(d));
		}
		Value::Object(m)
	}

	/// The JSON of [`InferReport::to_json`] as one line, keys in the documented order.
	pub fn to_json_string(&self) -> String {
		io::json_string(&self.to_json())
	}

	/// Human-readable text: each output (its first [`TEXT_MAX_ELEMENTS`] elements), then the
	/// trace root, node count and engine difference when present.
	pub fn to_text(&self) -> String {
		let mut s = String::new();
		for (k, (name, t)) in self.outputs.iter().enumerate() {
			s.push_str(&format!(
				"output {k} '{name}': {} {}\n  {}\n",
				t.dtype().name(),
				shape_string(t.shape()),
				elements_text(t)
			));
		}
		if let Some(root) = &self.trace_root {
			s.push_str(&format!("trace root: {}\n", hex_h256(root)));
		}
		if let Some(n) = self.nodes {
			s.push_str(&format!("nodes: {n}\n"));
		}
		if let Some(d) = self.max_abs_diff {
			s.push_str(&format!("max |canonical - tract|: {d:e}\n"));
		}
		s
	}
}

/// Elements shown per output in text mode.
pub const TEXT_MAX_ELEMENTS: usize = 64;

fn elements_text(t: &Tensor) -> String {
	fn list<T: std::fmt::Display>(v: &[T]) -> String {
		let shown: Vec<String> = v.iter().take(TEXT_MAX_ELEMENTS).map(|x| x.to_string()).collect();
		let more = v.len().saturating_sub(TEXT_MAX_ELEMENTS);
		let tail = if more > 0 { format!(", ... ({more} more)") } else { String::new() };
		format!("[{}{tail}]", shown.join(", "))
	}
	match t.data() {
		TensorData::F32(v) => list(v),
		TensorData::U8(v) => list(v),
		TensorData::I8(v) => list(v),
		TensorData::I32(v) => list(v),
		TensorData::I64(v) => list(v),
		TensorData::Bool(v) => list(v),
		TensorData::U16(v) => list(v),
		TensorData::I16(v) => list(v),
		TensorData::U32(v) => list(v),
		TensorData::U64(v) => list(v),
		TensorData::F16(v) => {
			list(&v.iter().map(|h| verity_primitives::float16::f16_to_f32(*h)).collect::<Vec<_>>())
		},
		TensorData::BF16(v) => list(
			&v.iter().map(|b| verity_primitives::minifloat::bf16_to_f32(*b)).collect::<Vec<_>>(),
		),
		TensorData::F8(d, v) => list(
			&v.iter()
				.map(|c| verity_primitives::minifloat::code_to_f32(*d, *c))
				.collect::<Vec<_>>(),
		),
		TensorData::SubByte(_, v) => list(v),
	}
}

impl InferCmd {
	/// Loads the model and inputs and runs the chosen engine (tract is loaded only when used).
	pub fn infer(&self) -> Result<InferReport, EngineError> {
		let max_bytes =
			usize::try_from(self.max_model_mib.saturating_mul(1 << 20)).unwrap_or(usize::MAX);
		let bytes = io::read_file_up_to(&self.model, max_bytes)?;
		let budget = self.budget.budget();
		let model = match self.engine {
			EngineChoice::Canonical => {
				LoadedModel::load_canonical_up_to(&bytes, max_bytes, &budget)?
			},
			EngineChoice::Tract | EngineChoice::Both => {
				match LoadedModel::load_checked_up_to(&bytes, max_bytes, &budget)? {
					(model, None) => model,
					(_, Some(why)) => return Err(EngineError::TractLoad(why)),
				}
			},
		};
		let inputs = io::read_tensors(&self.inputs)?;
		infer(&model, &inputs, self.engine)
	}

	/// Runs [`InferCmd::infer`] and prints the report on stdout, as JSON with `--json`.
	pub fn run(&self) -> Result<(), EngineError> {
		let report = self.infer()?;
		if self.json {
			println!("{}", report.to_json_string());
		} else {
			print!("{}", report.to_text());
		}
		Ok(())
	}
}
