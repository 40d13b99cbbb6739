//! Writes the generated models (`mlp.onnx`, `mlp-784.onnx`, `lenet.onnx`, `qmlp.onnx`) into a
//! directory: `cargo run -p verity-primitives --example zoo -- DIR`.
#![allow(
	clippy::expect_used,
	clippy::unwrap_used,
	clippy::indexing_slicing,
	clippy::arithmetic_side_effects,
	reason = "a measuring tool run by hand, on fixed models or the files it is given"
)]

use verity_primitives::onnx::zoo;

fn main() {
	let dir = std::env::args().nth(1).unwrap_or_else(|| ".".into());
	let models = [
		("mlp.onnx", zoo::mlp(&[16, 8, 4], 1)),
		("mlp-784.onnx", zoo::mlp(&[784, 256, 128, 10], 1)),
		("lenet.onnx", zoo::lenet(1)),
		("qmlp.onnx", zoo::quantized_mlp(1)),
	];
	for (name, bytes) in models {
		let path = std::path::Path::new(&dir).join(name);
		match bytes
			.map_err(|e| e.to_string())
			.and_then(|b| std::fs::write(&path, b).map_err(|e| e.to_string()))
		{
			Ok(()) => println!("{}", path.display()),
			Err(e) => {
				eprintln!("error: {name}: {e}");
				std::process::exit(1);
			},
		}
	}
}
