mod common;
use common::*;
#[test]
fn show() {
	let m = load(&zoo_q());
	let i = random_inputs(&m, 1, 1.0);
	for e in [verity_engine::EngineChoice::Both, verity_engine::EngineChoice::Tract] {
		println!("{}", verity_engine::infer(&m, &i, e).unwrap().to_json_string());
	}
	print!("{}", verity_engine::infer(&m, &i, verity_engine::EngineChoice::Both).unwrap().to_text());
}
fn zoo_q() -> Vec<u8> { verity_primitives::onnx::zoo::mlp(&[4, 3], 1).unwrap() }
