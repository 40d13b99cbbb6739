//! Fault injection on real models, exhaustive: every node of every zoo model corrupted in
//! turn (one element, computed forward consistently), the whole game played in the runtime
//! against an honest counterpart, once with a whole-chunk step and once narrowed to one
//! element. The honest side wins every time, whoever cheats.

use super::harness::*;
use verity_primitives::{onnx::zoo, tensor::Tensor};

fn ramp(n: usize) -> Vec<f32> {
	(0..n).map(|i| ((i * 37 % 101) as f32 - 50.0) / 25.0).collect()
}

/// The zoo models of the issue: MLP, LeNet, int8 MLP, a residual block.
fn cases() -> Vec<(&'static str, Vec<u8>, Vec<Tensor>)> {
	vec![
		(
			"mlp",
			zoo::mlp(&[16, 100, 70, 10], 1).unwrap(),
			vec![Tensor::f32(vec![1, 16], ramp(16)).unwrap()],
		),
		(
			"lenet",
			zoo::lenet(2).unwrap(),
			vec![Tensor::f32(vec![1, 1, 28, 28], ramp(784)).unwrap()],
		),
		("qmlp", zoo::quantized_mlp(3).unwrap(), vec![Tensor::f32(vec![1, 64], ramp(64)).unwrap()]),
		("residual", zoo::residual(4).unwrap(), vec![Tensor::f32(vec![1, 96], ramp(96)).unwrap()]),
	]
}

/// The canonical run the harness makes is the engine's own.
#[test]
fn the_harness_run_is_the_engines() {
	for (name, bytes, inputs) in cases() {
		let graph = verity_primitives::graph::Graph::from_onnx(&bytes).unwrap();
		let trace = graph.run(&inputs, Default::default()).unwrap();
		let honest = run(&graph, &inputs, None);
		assert_eq!(honest.root, trace.root, "{name}");
		assert_eq!(honest.outputs, trace.outputs, "{name}");
	}
}

#[test]
fn a_cheating_executor_loses_at_every_node_of_every_zoo_model() {
	for (name, bytes, inputs) in cases() {
		let graph = verity_primitives::graph::Graph::from_onnx(&bytes).unwrap();
		for (k, narrow) in (0..graph.nodes.len()).flat_map(|k| [(k, false), (k, true)]) {
			new_test_ext().execute_checked(|| {
				let (model, graph) = setup(&bytes);
				let honest = run(&graph, &inputs, None);
				let cheat = run(&graph, &inputs, Some(k));
				let job = submit(model, &inputs);
				post(job, &graph, &cheat);
				assert_ok!(Disputes::open(RuntimeOrigin::signed(ALICE), job, None));
				let played = play_narrowing(0, &model, &graph, &cheat, &honest, narrow);
				assert_eq!(
					played.winner,
					Party::Challenger,
					"{name}: executor cheating at node {k} (element step: {narrow})"
				);
				let narrowed = events()
					.iter()
					.any(|e| matches!(e, Event::Moved { phase: Phase::ElementStep { .. }, .. }));
				assert_eq!(narrowed, narrow, "{name} node {k}");
				assert_eq!(executor_bond(EXEC), MIN_BOND - SLASH);
			});
		}
	}
}

#[test]
fn a_cheating_challenger_loses_at_every_node_of_every_zoo_model() {
	for (name, bytes, inputs) in cases() {
		let graph = verity_primitives::graph::Graph::from_onnx(&bytes).unwrap();
		for (k, narrow) in (0..graph.nodes.len()).flat_map(|k| [(k, false), (k, true)]) {
			new_test_ext().execute_checked(|| {
				let (model, graph) = setup(&bytes);
				let honest = run(&graph, &inputs, None);
				let cheat = run(&graph, &inputs, Some(k));
				let job = submit(model, &inputs);
				post(job, &graph, &honest);
				assert_ok!(Disputes::open(RuntimeOrigin::signed(ALICE), job, None));
				let played = play_narrowing(0, &model, &graph, &honest, &cheat, narrow);
				assert_eq!(
					played.winner,
					Party::Executor,
					"{name}: challenger cheating at node {k} (element step: {narrow})"
				);
				assert_eq!(executor_bond(EXEC), MIN_BOND);
				assert_eq!(free(ALICE), START - SLASH);
			});
		}
	}
}
