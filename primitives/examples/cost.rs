//! Prints the cost (`verity_primitives::cost`) of the generated models, and of ONNX files
//! given as arguments, against the default budget:
//! `cargo run --release -p verity-primitives --example cost -- [MODEL.onnx ...]`.
#![allow(
	clippy::expect_used,
	clippy::unwrap_used,
	clippy::indexing_slicing,
	clippy::arithmetic_side_effects,
	reason = "a measuring tool run by hand, on fixed models or the files it is given"
)]

use verity_primitives::{cost::Budget, graph::Graph, onnx::zoo};

fn main() {
	let mut models: Vec<(String, Vec<u8>)> = Vec::new();
	let generated = [
		("mlp", zoo::mlp(&[16, 8, 4], 1)),
		("mlp-784", zoo::mlp(&[784, 256, 128, 10], 1)),
		("lenet", zoo::lenet(1)),
		("qmlp", zoo::quantized_mlp(1)),
		("squeezenet-1.1", zoo::squeezenet(1)),
		("resnet-50", zoo::resnet50(1)),
	];
	for (name, bytes) in generated {
		match bytes {
			Ok(b) => models.push((name.into(), b)),
			Err(e) => eprintln!("{name}: {e}"),
		}
	}
	for path in std::env::args().skip(1) {
		match std::fs::read(&path) {
			Ok(b) => models.push((path, b)),
			Err(e) => eprintln!("{path}: {e}"),
		}
	}
	println!("model | bytes | nodes | work | peak memory | max fan-in | within the default budget");
	for (name, bytes) in models {
		let graph = match Graph::from_onnx_up_to(&bytes, usize::MAX, &Budget::UNLIMITED) {
			Ok(g) => g,
			Err(e) => {
				println!("{name} | {} | - | - | - | - | refused: {e}", bytes.len());
				continue;
			},
		};
		let cost = graph.cost(&Budget::UNLIMITED).expect("no limit");
		let verdict = match Graph::from_onnx(&bytes) {
			Ok(_) => "yes".to_string(),
			Err(e) => format!("no: {e}"),
		};
		println!(
			"{name} | {} | {} | {} | {} | {} | {verdict}",
			bytes.len(),
			graph.nodes.len(),
			cost.work,
			cost.peak_memory,
			cost.max_fan_in
		);
	}
}
