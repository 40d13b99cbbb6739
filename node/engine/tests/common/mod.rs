//! Shared helpers of the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use verity_engine::LoadedModel;
use verity_primitives::{
	onnx::zoo::{self, Rng},
	tensor::{DType, Tensor, TensorData},
};

/// The MLP 784-256-128-10 of the zoo.
pub fn mlp_bytes() -> Vec<u8> {
	zoo::mlp(&[784, 256, 128, 10], 1).expect("mlp")
}

/// The zoo's LeNet.
pub fn lenet_bytes() -> Vec<u8> {
	zoo::lenet(1).expect("lenet")
}

/// The zoo's int8 MLP.
pub fn qmlp_bytes() -> Vec<u8> {
	zoo::quantized_mlp(1).expect("quantized mlp")
}

/// Loads `bytes` with both engines.
pub fn load(bytes: &[u8]) -> LoadedModel {
	LoadedModel::load(bytes).unwrap_or_else(|e| panic!("load: {e}"))
}

/// Deterministic random inputs for every graph input of `model` (floats in [-scale, scale)).
pub fn random_inputs(model: &LoadedModel, seed: u64, scale: f32) -> Vec<Tensor> {
	let mut rng = Rng::new(seed);
	model
		.graph()
		.input_types()
		.iter()
		.map(|info| {
			let shape: Vec<usize> = info.shape.iter().map(|d| *d as usize).collect();
			let n: usize = shape.iter().product();
			let data = match info.dtype {
				DType::F32 => TensorData::F32(rng.floats(n, scale)),
				DType::I64 => TensorData::I64((0..n).map(|_| rng.next_u64() as i64 % 10).collect()),
				d => panic!("no random inputs for {}", d.name()),
			};
			Tensor::new(shape, data).unwrap()
		})
		.collect()
}

/// A fresh directory under the system temp dir, unique to this process and `name`.
pub fn temp_dir(name: &str) -> PathBuf {
	let dir = std::env::temp_dir().join(format!("verity-engine-{}-{name}", std::process::id()));
	let _ = std::fs::remove_dir_all(&dir);
	std::fs::create_dir_all(&dir).unwrap();
	dir
}
