//! The canonical importer inside the real wasm runtime (the compiled blob, through
//! `VerityApi_import_model`) against the same code compiled natively: canonical graphs, costs
//! and refusals must be identical byte for byte on wasm32 and x86_64, for the generated models
//! and for every adversarial model.

use std::{borrow::Cow, sync::OnceLock};

use codec::{Decode, Encode};
use sc_executor::{WasmExecutor, DEFAULT_HEAP_ALLOC_STRATEGY};
use sp_core::traits::{CallContext, CodeExecutor, RuntimeCode, WrappedRuntimeCode};
use verity_primitives::{
	cost::{Budget, ModelCost},
	graph::Graph,
	onnx::{adversarial, zoo},
};

/// The node's host functions (the runtime imports Verity's inference functions too).
type HostFunctions = (sp_io::SubstrateHostFunctions, verity_io::inference::HostFunctions);

fn executor() -> &'static WasmExecutor<HostFunctions> {
	static EXECUTOR: OnceLock<WasmExecutor<HostFunctions>> = OnceLock::new();
	EXECUTOR.get_or_init(|| {
		WasmExecutor::<HostFunctions>::builder()
			.with_onchain_heap_alloc_strategy(DEFAULT_HEAP_ALLOC_STRATEGY)
			.with_offchain_heap_alloc_strategy(DEFAULT_HEAP_ALLOC_STRATEGY)
			.with_max_runtime_instances(1)
			.build()
	})
}

/// Calls runtime API function `method` of the compiled wasm runtime with SCALE `args`.
fn call_wasm(method: &str, args: &[u8]) -> Result<Vec<u8>, String> {
	let wasm = verity_runtime::WASM_BINARY.ok_or("no wasm runtime (SKIP_WASM_BUILD?)")?;
	let fetch = WrappedRuntimeCode(Cow::Borrowed(wasm));
	let code = RuntimeCode {
		code_fetcher: &fetch,
		heap_pages: None,
		hash: sp_io::hashing::blake2_256(wasm).to_vec(),
	};
	let mut state = sp_io::TestExternalities::default();
	let mut ext = state.ext();
	executor()
		.call(&mut ext, &code, method, args, CallContext::Offchain)
		.0
		.map_err(|e| e.to_string())
}

type Imported = Result<(Graph, ModelCost), Vec<u8>>;

/// What the native code gives, in the runtime API's form.
fn native(onnx: &[u8]) -> Imported {
	let budget = Budget::DEFAULT;
	let graph = Graph::from_onnx_within(onnx, &budget).map_err(|e| e.to_string().into_bytes())?;
	let cost = graph.cost(&budget).map_err(|e| e.to_string().into_bytes())?;
	Ok((graph, cost))
}

#[test]
fn wasm_and_native_import_every_model_identically() {
	let mut models: Vec<(String, Vec<u8>)> = vec![
		("mlp".into(), zoo::mlp(&[16, 8, 4], 1).expect("mlp")),
		("mlp-784".into(), zoo::mlp(&[784, 256, 128, 10], 1).expect("mlp-784")),
		("lenet".into(), zoo::lenet(1).expect("lenet")),
		("qmlp".into(), zoo::quantized_mlp(1).expect("qmlp")),
	];
	for case in adversarial::corpus().expect("corpus") {
		models.push((case.name.into(), case.bytes));
	}
	let (mut accepted, mut refused) = (0, 0);
	for (name, onnx) in &models {
		let out = call_wasm("VerityApi_import_model", &onnx.encode())
			.unwrap_or_else(|e| panic!("{name}: the wasm call failed: {e}"));
		let in_wasm = Imported::decode(&mut &out[..]).expect("decodes");
		let here = native(onnx);
		match (&in_wasm, &here) {
			(Ok((gw, cw)), Ok((gn, cn))) => {
				assert_eq!(gw.encode(), gn.encode(), "{name}: canonical graphs differ");
				assert_eq!(cw, cn, "{name}: costs differ");
				accepted += 1;
			},
			(Err(ew), Err(en)) => {
				assert_eq!(
					String::from_utf8_lossy(ew),
					String::from_utf8_lossy(en),
					"{name}: refusals differ"
				);
				refused += 1;
			},
			_ => panic!("{name}: wasm {:?} vs native {:?}", in_wasm.is_ok(), here.is_ok()),
		}
	}
	assert!(accepted >= 6 && refused >= 8, "{accepted} accepted, {refused} refused");
}

/// Measures, inside the wasm runtime, the import of the worst folding the budget allows (what
/// `register` runs), against the weight every registration is charged for folding. A
/// measurement, not a check: `cargo test --release -p verity-node --test node --
/// --ignored --nocapture`.
#[test]
#[ignore = "a measurement"]
fn measure_the_worst_folding_in_wasm() {
	let onnx = adversarial::worst_fold().expect("model");
	call_wasm("VerityApi_import_model", &onnx.encode()).expect("warm-up (compiles the runtime)");
	let runs = 5;
	let start = std::time::Instant::now();
	for _ in 0..runs {
		let out = call_wasm("VerityApi_import_model", &onnx.encode()).expect("wasm call");
		assert!(Imported::decode(&mut &out[..]).expect("decodes").is_ok());
	}
	let per = start.elapsed() / runs;
	let (_, fold) = Graph::from_onnx_metered(&onnx, &Budget::DEFAULT).expect("imports");
	let charged = pallet_verity_models::weights::fold_worst::<
		verity_runtime::weights::pallet_verity_models::WeightInfo<verity_runtime::Runtime>,
	>();
	println!(
		"worst folding: {} units imported in wasm in {per:?}; charged {} ms of ref time",
		fold.work,
		charged.ref_time() / 1_000_000_000
	);
}

/// A zoo model with a deterministic input.
fn zoo_case(name: &str) -> (Graph, Vec<verity_primitives::tensor::Tensor>) {
	use verity_primitives::tensor::Tensor;
	let ramp =
		|n: usize| -> Vec<f32> { (0..n).map(|i| ((i * 37 % 101) as f32 - 50.0) / 25.0).collect() };
	let (bytes, input) = match name {
		"mlp" => (zoo::mlp(&[16, 100, 70, 10], 1), Tensor::f32(vec![1, 16], ramp(16))),
		"lenet" => (zoo::lenet(2), Tensor::f32(vec![1, 1, 28, 28], ramp(784))),
		"qmlp" => (zoo::quantized_mlp(3), Tensor::f32(vec![1, 64], ramp(64))),
		"residual" => (zoo::residual(4), Tensor::f32(vec![1, 96], ramp(96))),
		_ => unreachable!("no such case"),
	};
	(Graph::from_onnx(&bytes.expect("model")).expect("imports"), vec![input.expect("input")])
}

/// The one-step is consensus code: for every chunk of every node of the zoo models, the
/// compiled wasm runtime (`VerityApi_dispute_step`) gives the same verdict as the same code
/// compiled natively, and that verdict is the honest trace's own leaf. A difference would
/// slash honest executors.
#[test]
fn wasm_and_native_one_steps_agree_on_every_chunk_of_the_zoo_models() {
	use verity_primitives::{
		commitment::commit_tensor,
		dispute::{build_witness, one_step, InputData, Source, StepVerdict},
		graph::TraceOptions,
	};
	use verity_runtime_api::StepInputData;
	let mut steps = 0;
	for name in ["mlp", "lenet", "qmlp", "residual"] {
		let (graph, inputs) = zoo_case(name);
		let trace = graph
			.run(&inputs, TraceOptions { keep_node_outputs: true, ..Default::default() })
			.expect("runs");
		let mut values = vec![None; graph.values.len()];
		for (v, t) in graph.inputs.iter().zip(&inputs) {
			values[*v as usize] = Some(t.clone());
		}
		for (v, t) in &graph.constants {
			values[*v as usize] = Some(t.to_tensor().expect("constant"));
		}
		for (node, outs) in graph.nodes.iter().zip(&trace.node_outputs) {
			for (v, (t, _)) in node.outputs.iter().zip(outs) {
				values[*v as usize] = Some(t.clone());
			}
		}
		let index = graph.step_nodes().expect("index");
		for (k, step_node) in index.iter().enumerate() {
			let node = &graph.nodes[k];
			let dense: Vec<_> =
				node.inputs.iter().map(|v| v.and_then(|v| values[v as usize].as_ref())).collect();
			let (mut native_in, mut wasm_in) = (Vec::new(), Vec::new());
			for (v, input) in node.inputs.iter().zip(&step_node.inputs) {
				match (v, input) {
					(Some(v), Some(i)) => {
						let t = values[*v as usize].clone().expect("value");
						if let Source::GraphInput(_) = i.source {
							wasm_in.push(StepInputData::Dense(t.to_bytes()));
							native_in.push(InputData::Dense(t));
						} else {
							let root = commit_tensor(&t).root;
							wasm_in.push(StepInputData::Root(root));
							native_in.push(InputData::Root(root));
						}
					},
					_ => {
						wasm_in.push(StepInputData::Absent);
						native_in.push(InputData::Absent);
					},
				}
			}
			for (o, (_, commitment)) in trace.node_outputs[k].iter().enumerate() {
				for (j, leaf) in commitment.leaf_hashes.iter().enumerate() {
					let (o, j) = (o as u32, j as u32);
					let witness = build_witness(step_node, &dense, o, j).expect("witness");
					let here = one_step(step_node, &native_in, &witness, o, j);
					assert_eq!(here, Ok(StepVerdict::Computes(*leaf)), "{name} node {k} chunk {j}");
					let args = (step_node, &wasm_in, &witness, o, j).encode();
					let out = call_wasm("VerityApi_dispute_step", &args)
						.unwrap_or_else(|e| panic!("{name} node {k}: the wasm call failed: {e}"));
					let in_wasm =
						Result::<StepVerdict, Vec<u8>>::decode(&mut &out[..]).expect("decodes");
					assert_eq!(
						in_wasm,
						Ok(StepVerdict::Computes(*leaf)),
						"{name} node {k} chunk {j}"
					);
					steps += 1;
				}
			}
		}
	}
	assert!(steps > 150, "{steps} steps");
}

/// Measures, inside the wasm runtime, the one-step of the costliest chunk the fan-in limit
/// allows for each op family (`verity_primitives::dispute::limit`, what the disputes pallet's
/// `evaluate_*` benchmarks price), against the weight a step with that witness is charged by
/// the runtime's weights. A measurement, not a check: `cargo test --release -p verity-node
/// --test node -- --ignored --nocapture measure_the_one_step`.
#[test]
#[ignore = "a measurement"]
fn measure_the_one_step_at_the_fan_in_limit_in_wasm() {
	use pallet_verity_disputes::{weights, WeightInfo as _};
	use verity_primitives::dispute::{
		limit::{limit_step, Family},
		one_step_metered, InputData, StepVerdict,
	};
	use verity_runtime_api::StepInputData;
	type Weights =
		verity_runtime::weights::pallet_verity_disputes::WeightInfo<verity_runtime::Runtime>;
	for family in Family::ALL {
		let step = limit_step(family).expect("builds");
		let chunks: usize = step.witness.iter().map(|w| w.chunks.len()).sum();
		let hashes: usize = step.witness.iter().map(|w| w.path.siblings.len()).sum();
		let (verdict, reads) =
			one_step_metered(&step.node, &step.inputs, &step.witness, 0, step.chunk);
		assert_eq!(verdict, Ok(StepVerdict::Computes(step.leaf)));
		let wasm_in: Vec<StepInputData> = step
			.inputs
			.iter()
			.map(|i| match i {
				InputData::Root(root) => StepInputData::Root(*root),
				_ => StepInputData::Absent,
			})
			.collect();
		let args = (&step.node, &wasm_in, &step.witness, 0u32, step.chunk).encode();
		call_wasm("VerityApi_dispute_step", &args).expect("warm-up");
		let runs = 5;
		let start = std::time::Instant::now();
		for _ in 0..runs {
			let out = call_wasm("VerityApi_dispute_step", &args).expect("wasm call");
			let v = Result::<StepVerdict, Vec<u8>>::decode(&mut &out[..]).expect("decodes");
			assert_eq!(v, Ok(StepVerdict::Computes(step.leaf)));
		}
		let per = start.elapsed() / runs;
		let charged =
			Weights::step(chunks as u32).saturating_add(weights::evaluation::<Weights>(reads));
		println!(
			"{family:?}: fan-in {}, {reads} reads, witness {chunks} chunks + {hashes} hashes \
			 ({} bytes); one-step in wasm {per:?}; charged {} ms",
			step.node.fan_in,
			step.witness.encode().len(),
			charged.ref_time() / 1_000_000_000
		);
	}
}
