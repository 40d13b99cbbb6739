//! Canonical engine vs tract on the zoo models; determinism of the trace root; mismatches.

mod common;

use common::*;
use verity_engine::{compare_outputs, EngineError, LoadedModel, F32_ABS_TOLERANCE};
use verity_primitives::tensor::{DType, Tensor, TensorData};

/// Runs both engines on `runs` random inputs and returns the largest difference seen.
fn max_diff(name: &str, bytes: &[u8], scale: f32, runs: u64) -> f64 {
	let model = load(bytes);
	let mut worst = 0.0f64;
	for seed in 0..runs {
		let inputs = random_inputs(&model, 100 + seed, scale);
		let both = model.run_both(&inputs).unwrap_or_else(|e| panic!("{name} seed {seed}: {e}"));
		assert_eq!(both.trace.outputs.len(), both.tract_outputs.len());
		worst = worst.max(both.max_abs_diff);
	}
	println!("{name}: max |canonical - tract| over {runs} inputs = {worst:e}");
	worst
}

#[test]
fn mlp_engines_agree() {
	let d = max_diff("mlp 784-256-128-10", &mlp_bytes(), 1.0, 8);
	assert!(d <= 2.0 * F32_ABS_TOLERANCE, "{d}");
}

#[test]
fn lenet_engines_agree() {
	let d = max_diff("lenet", &lenet_bytes(), 1.0, 8);
	assert!(d <= 2.0 * F32_ABS_TOLERANCE, "{d}");
}

/// The benchmark's transformer block (attention with a `Where` mask, LayerNorm, Gelu by
/// `Erf`) imports, and both engines agree on it.
#[test]
fn transformer_block_engines_agree() {
	let bytes = verity_primitives::onnx::zoo::transformer_block(1).expect("block");
	let d = max_diff("transformer block", &bytes, 1.0, 2);
	assert!(d <= 4.0 * F32_ABS_TOLERANCE, "{d}");
}

#[test]
fn outputs_have_the_graph_types() {
	let model = load(&lenet_bytes());
	let inputs = random_inputs(&model, 7, 1.0);
	let tract = model.run_tract(&inputs).unwrap();
	let trace = model.run_canonical(&inputs, true).unwrap();
	assert_eq!(tract.len(), 1);
	assert_eq!(tract[0].shape(), &[1, 10]);
	assert_eq!(tract[0].dtype(), DType::F32);
	assert_eq!(trace.outputs[0].shape(), tract[0].shape());
	// Kept node outputs: one entry per node, and the last node's output is the graph output.
	assert_eq!(trace.node_outputs.len(), model.graph().nodes.len());
	assert_eq!(trace.node_outputs.last().unwrap()[0].0, trace.outputs[0]);
	// LogSoftmax: exp of the outputs sums to 1.
	let s: f32 = tract[0].as_f32().unwrap().iter().map(|x| x.exp()).sum();
	assert!((s - 1.0).abs() < 1e-4, "{s}");
}

#[test]
fn trace_root_is_deterministic_across_runs_and_threads() {
	let model = load(&mlp_bytes());
	let inputs = random_inputs(&model, 3, 1.0);
	let first = model.run_canonical(&inputs, false).unwrap();
	for _ in 0..3 {
		let again = model.run_canonical(&inputs, false).unwrap();
		assert_eq!(again.root, first.root);
		assert_eq!(again.outputs, first.outputs);
	}
	// A fresh import gives the same root too.
	let reloaded = LoadedModel::load_canonical(&mlp_bytes()).unwrap();
	assert_eq!(reloaded.run_canonical(&inputs, false).unwrap().root, first.root);

	let roots: Vec<_> = std::thread::scope(|s| {
		let handles: Vec<_> = (0..4)
			.map(|_| {
				s.spawn(|| {
					let both = model.run_both(&inputs).unwrap();
					(both.trace.root, both.trace.commitments)
				})
			})
			.collect();
		handles.into_iter().map(|h| h.join().unwrap()).collect()
	});
	for (root, commitments) in roots {
		assert_eq!(root, first.root);
		assert_eq!(commitments, first.commitments);
	}
	// Different inputs give a different root.
	let other = random_inputs(&model, 4, 1.0);
	assert_ne!(model.run_canonical(&other, false).unwrap().root, first.root);
}

#[test]
fn wrong_inputs_give_the_graph_error() {
	let model = load(&mlp_bytes());
	let bad_shape = vec![Tensor::f32(vec![1, 783], vec![0.0; 783]).unwrap()];
	for r in [
		model.run_tract(&bad_shape).map(|_| ()),
		model.run_canonical(&bad_shape, false).map(|_| ()),
		model.run_both(&bad_shape).map(|_| ()),
	] {
		let e = r.unwrap_err();
		assert!(matches!(e, EngineError::BadInputs(_)), "{e:?}");
		assert_eq!(
			e.to_string(),
			"inputs do not fit the model: input 0 ('x'): expected f32 [1, 784], got f32 [1, 783]"
		);
	}
	let bad_dtype = vec![Tensor::i64(vec![1, 784], vec![0; 784]).unwrap()];
	let e = model.run_both(&bad_dtype).unwrap_err().to_string();
	assert!(e.contains("expected f32 [1, 784], got i64 [1, 784]"), "{e}");
	let e = model.run_both(&[]).unwrap_err().to_string();
	assert!(e.contains("the model takes 1 inputs, 0 given"), "{e}");
}

#[test]
fn canonical_only_model_refuses_tract() {
	let model = LoadedModel::load_canonical(&mlp_bytes()).unwrap();
	let inputs = random_inputs(&model, 1, 1.0);
	assert!(model.run_canonical(&inputs, false).is_ok());
	assert_eq!(model.run_tract(&inputs), Err(EngineError::NotLoaded("tract")));
}

#[test]
fn bad_model_bytes_are_refused() {
	let e = LoadedModel::load(b"not an onnx model").unwrap_err();
	assert!(matches!(e, EngineError::Model(_)), "{e:?}");
}

#[test]
fn mismatches_are_errors_with_the_numbers() {
	let names = vec!["y".to_string()];
	let c = vec![Tensor::f32(vec![3], vec![1.0, 100.0, -2.0]).unwrap()];
	// Within 1e-4 + 1e-4 * |x|: 100.0 may move by 0.0101.
	let ok = vec![Tensor::f32(vec![3], vec![1.0001, 100.01, -2.0]).unwrap()];
	let d = compare_outputs(&names, &c, &ok).unwrap();
	assert!((d - 0.01).abs() < 1e-5, "{d}");
	let bad = vec![Tensor::f32(vec![3], vec![1.0, 100.0, -2.001]).unwrap()];
	match compare_outputs(&names, &c, &bad).unwrap_err() {
		EngineError::Mismatch { output, name, index, canonical, tract, max_abs_diff, .. } => {
			assert_eq!((output, name.as_str(), index), (0, "y", 2));
			assert_eq!((canonical, tract as f32), (-2.0, -2.001f32));
			assert!((max_abs_diff - 0.001).abs() < 1e-6);
		},
		e => panic!("{e:?}"),
	}
	// NaN agrees only with NaN.
	let nan = vec![Tensor::f32(vec![3], vec![f32::NAN, 100.0, -2.0]).unwrap()];
	assert!(compare_outputs(&names, &c, &nan).is_err());
	assert_eq!(compare_outputs(&names, &nan, &nan).unwrap(), 0.0);
	// Integers must agree exactly.
	let i = vec![Tensor::i64(vec![2], vec![5, 6]).unwrap()];
	let j = vec![Tensor::i64(vec![2], vec![5, 7]).unwrap()];
	assert!(matches!(compare_outputs(&names, &i, &j), Err(EngineError::Mismatch { index: 1, .. })));
	// Dtype or shape differences are their own error.
	let b = vec![Tensor::new(vec![2], TensorData::I32(vec![5, 6])).unwrap()];
	assert!(matches!(compare_outputs(&names, &i, &b), Err(EngineError::OutputType { .. })));
	let s = vec![Tensor::i64(vec![1, 2], vec![5, 6]).unwrap()];
	let e = compare_outputs(&names, &i, &s).unwrap_err();
	assert_eq!(e.to_string(), "output 0: canonical gives i64 [2], tract gives i64 [1, 2]");
}

/// The executor's load: the canonical importer's refusal is the error; a model both engines
/// load comes with tract's plan and no reason.
#[test]
fn a_checked_load_keeps_tract_when_it_loads_and_the_canonical_refusal_otherwise() {
	use verity_primitives::onnx::builder::ModelBuilder;
	let (model, why) =
		LoadedModel::load_checked_if_possible(&mlp_bytes(), &Default::default()).unwrap();
	assert!(model.has_tract() && why.is_none(), "{why:?}");
	// tract loads Sin; the canonical engine does not support it.
	let mut b = ModelBuilder::new("sin", 13);
	b.input("x", DType::F32, &[2]).node("Sin", &["x"], &["y"], vec![]).output("y");
	let e = LoadedModel::load_checked_if_possible(&b.build(), &Default::default()).unwrap_err();
	assert!(matches!(e, EngineError::Model(_)), "{e}");
	assert!(e.to_string().contains("op 'Sin' is not supported"), "{e}");
}
