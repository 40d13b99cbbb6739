//! A panic in tract is an error of that model, not the end of the node.
//!
//! Its own test binary: it installs the node's panic hook (`sp_panic_handler`, which exits the
//! process on a panic), so a panic that escaped the guard would fail this whole binary.

use tract_onnx::prelude::{
	tvec, DatumType, Framework, InferenceFact, InferenceModelExt, IntoRunnable, IntoTValue,
};
use verity_engine::{contain_panics, to_tract};
use verity_primitives::{
	onnx::builder::{Attr, ModelBuilder},
	tensor::{DType, Tensor},
};

/// tract 0.23 indexes out of bounds on a reflect pad wider than its axis: the case the
/// canonical importer refuses by name so that no executor ever reaches it.
fn reflect_pad_wider_than_its_axis() -> Vec<u8> {
	let mut b = ModelBuilder::new("m", 13);
	b.input("x", DType::F32, &[1, 3])
		.initializer("p", Tensor::i64(vec![4], vec![0, 3, 0, 0]).unwrap())
		.node("Pad", &["x", "p"], &["y"], vec![Attr::Str("mode", "reflect".into())])
		.output("y");
	b.build()
}

#[test]
fn a_panic_in_tract_is_an_error_even_under_the_nodes_exiting_hook() {
	sp_panic_handler::set("https://example.invalid/verity", "test");

	let bytes = reflect_pad_wider_than_its_axis();
	let plan = tract_onnx::onnx()
		.model_for_read(&mut &bytes[..])
		.and_then(|m| m.with_input_fact(0, InferenceFact::dt_shape(DatumType::F32, [1usize, 3])))
		.and_then(|m| m.into_optimized())
		.and_then(|m| m.into_runnable())
		.unwrap();
	let x = to_tract(&Tensor::f32(vec![1, 3], vec![1.0, 2.0, 3.0]).unwrap()).unwrap();
	let run = contain_panics("tract", || {
		plan.run(tvec!(x.into_tvalue())).map(|_| ()).map_err(|e| e.to_string())
	});
	let error = run.unwrap_err();
	assert!(error.starts_with("tract panicked: "), "{error}");

	// Both payload kinds keep their message, and work that does not panic is untouched.
	let formatted = contain_panics::<()>("work", || panic!("at {}", 7));
	assert_eq!(formatted, Err("work panicked: at 7".into()));
	let literal = contain_panics::<()>("work", || panic!("plain"));
	assert_eq!(literal, Err("work panicked: plain".into()));
	assert_eq!(contain_panics("work", || Ok::<_, String>(5)), Ok(5));
}
