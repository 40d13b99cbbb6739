//! Any bytes through the ONNX decoder and the canonical import: an error, never a panic.
//! A model that imports also runs on zero inputs without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use verity_primitives::{
	graph::{Graph, TraceOptions},
	onnx::decode_model,
	tensor::{Tensor, TensorData},
};

fuzz_target!(|data: &[u8]| {
	let _ = decode_model(data);
	if let Ok(g) = Graph::from_onnx(data) {
		let inputs: Option<Vec<Tensor>> = g
			.input_types()
			.iter()
			.map(|i| {
				let shape: Vec<usize> = i.shape.iter().map(|d| *d as usize).collect();
				let n: usize = shape.iter().product();
				// Keep runs cheap.
				(n <= 4096).then(|| Tensor::zeros(i.dtype, shape).ok()).flatten()
			})
			.collect();
		if let Some(inputs) = inputs {
			let _ = g.run(&inputs, TraceOptions::default());
		}
	}
	let _ = TensorData::from_le_bytes(verity_primitives::tensor::DType::F32, data);
});
