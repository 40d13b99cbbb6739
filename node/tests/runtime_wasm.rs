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
/// measurement, not a check: `cargo test --release -p verity-node --test runtime_wasm --
/// --ignored --nocapture`.
#[test]
#[ignore = "a measurement"]
fn measure_the_worst_folding_in_wasm() {
	use pallet_verity_models::WeightInfo as _;
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
	let charged = <verity_runtime::weights::pallet_verity_models::WeightInfo<
		verity_runtime::Runtime,
	>>::fold_worst();
	println!(
		"worst folding: {} units imported in wasm in {per:?}; charged {} ms of ref time",
		fold.work,
		charged.ref_time() / 1_000_000_000
	);
}
