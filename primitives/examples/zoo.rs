//! Writes the generated models (`mlp.onnx`, `mlp-784.onnx`, `lenet.onnx`, `qmlp.onnx`,
//! `squeezenet.onnx`, `transformer.onnx`) into a directory, and with `--large` also
//! `resnet-50.onnx` (102 MB, larger than a chain holds: run it with `verity-node infer
//! --max-model-mib 128 --budget unlimited`): `cargo run -p verity-primitives --example zoo --
//! DIR [--large]`.
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
	let large = std::env::args().skip(2).any(|a| a == "--large");
	let mut models = vec![
		("mlp.onnx", zoo::mlp(&[16, 8, 4], 1)),
		("mlp-784.onnx", zoo::mlp(&[784, 256, 128, 10], 1)),
		("lenet.onnx", zoo::lenet(1)),
		("qmlp.onnx", zoo::quantized_mlp(1)),
		("squeezenet.onnx", zoo::squeezenet(1)),
		("transformer.onnx", zoo::transformer_block(1)),
	];
	if large {
		models.push(("resnet-50.onnx", zoo::resnet50(1)));
	}
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
