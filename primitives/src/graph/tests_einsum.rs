//! Einsum: rewritten into the Transpose, MatMul and Transpose it equals, with the same bits as
//! a model written with those nodes; everything else refused with its cause.

use alloc::{
	format,
	string::{String, ToString},
	vec,
	vec::Vec,
};

use super::*;
use crate::{
	onnx::{
		builder::{Attr, ModelBuilder},
		zoo::Rng,
	},
	tensor::{DType, Tensor},
};

/// Random float32 inputs of `shapes`.
fn inputs(shapes: &[&[usize]]) -> Vec<Tensor> {
	let mut rng = Rng::new(7);
	shapes
		.iter()
		.map(|s| Tensor::f32(s.to_vec(), rng.floats(s.iter().product(), 1.0)).unwrap())
		.collect()
}

/// A model of one Einsum over inputs `a` (and `b`) of `shapes`.
fn einsum_model(equation: &str, shapes: &[&[usize]]) -> Vec<u8> {
	einsum_model_at(12, equation, shapes)
}

/// [`einsum_model`] at `opset`.
fn einsum_model_at(opset: i64, equation: &str, shapes: &[&[usize]]) -> Vec<u8> {
	let mut b = ModelBuilder::new("einsum", opset);
	let names = ["a", "b", "c"];
	for (name, shape) in names.iter().zip(shapes) {
		b.input(name, DType::F32, shape);
	}
	let ins: Vec<&str> = names.iter().take(shapes.len()).copied().collect();
	b.node("Einsum", &ins, &["y"], vec![Attr::Str("equation", equation.into())]);
	b.output("y");
	b.build()
}

/// Runs `bytes` on `inputs`: the outputs.
fn run(bytes: &[u8], inputs: &[Tensor]) -> Vec<Tensor> {
	let g = Graph::from_onnx(bytes).unwrap();
	g.run(inputs, TraceOptions::default()).unwrap().outputs
}

/// The ops of the canonical graph of `equation`.
fn ops_of(equation: &str, shapes: &[&[usize]]) -> Vec<String> {
	let g = Graph::from_onnx(&einsum_model(equation, shapes)).unwrap();
	g.nodes.iter().map(|n| n.onnx_op.clone()).collect()
}

/// The same product written with `Transpose` (of `perm_a`, `perm_b`, if any), `MatMul` and a
/// final `Transpose` (of `perm_y`, if any).
fn explicit_model(
	shapes: &[&[usize]],
	perm_a: Option<Vec<i64>>,
	perm_b: Option<Vec<i64>>,
	perm_y: Option<Vec<i64>>,
) -> Vec<u8> {
	let mut b = ModelBuilder::new("explicit", 12);
	b.input("a", DType::F32, shapes[0]).input("b", DType::F32, shapes[1]);
	let t = |b: &mut ModelBuilder, x: &str, perm: Option<Vec<i64>>, y: &str| -> String {
		match perm {
			Some(p) => {
				b.node("Transpose", &[x], &[y], vec![Attr::Ints("perm", p)]);
				y.to_string()
			},
			None => x.to_string(),
		}
	};
	let ta = t(&mut b, "a", perm_a, "ta");
	let tb = t(&mut b, "b", perm_b, "tb");
	let last = perm_y.is_none();
	b.node("MatMul", &[&ta, &tb], &[if last { "y" } else { "m" }], vec![]);
	if let Some(p) = perm_y {
		b.node("Transpose", &["m"], &["y"], vec![Attr::Ints("perm", p)]);
	}
	b.output("y");
	b.build()
}

#[test]
fn products_equal_their_matmul_bit_for_bit() {
	// (equation, shapes, the explicit model's permutations of a, b and the output)
	type Case = (&'static str, [&'static [usize]; 2], [Option<Vec<i64>>; 3]);
	let cases: Vec<Case> = vec![
		("ij,jk->ik", [&[3, 5], &[5, 4]], [None, None, None]),
		("ij,jk", [&[3, 5], &[5, 4]], [None, None, None]),
		("bij,bjk->bik", [&[2, 3, 5], &[2, 5, 4]], [None, None, None]),
		// Attention scores: q · kᵀ over heads.
		("bhid,bhjd->bhij", [&[2, 2, 3, 8], &[2, 2, 4, 8]], [None, Some(vec![0, 1, 3, 2]), None]),
		("ik,jk->ij", [&[3, 5], &[4, 5]], [None, Some(vec![1, 0]), None]),
		("ij,jk->ki", [&[3, 5], &[5, 4]], [None, None, Some(vec![1, 0])]),
		// A letter of A's own beyond its row: a leading batch dimension B broadcasts over.
		("bij,jk->bik", [&[2, 3, 5], &[5, 4]], [None, None, None]),
		("ji,jk->ik", [&[5, 3], &[5, 4]], [Some(vec![1, 0]), None, None]),
		// Vectors.
		("ij,j->i", [&[3, 5], &[5]], [None, None, None]),
		("j,jk->k", [&[5], &[5, 4]], [None, None, None]),
	];
	for (equation, shapes, [pa, pb, py]) in cases {
		let x = inputs(&shapes);
		let got = run(&einsum_model(equation, &shapes), &x);
		let want = run(&explicit_model(&shapes, pa, pb, py), &x);
		assert_eq!(got, want, "{equation}");
	}
	assert_eq!(ops_of("bhid,bhjd->bhij", &[&[1, 2, 3, 8], &[1, 2, 4, 8]]), ["Transpose", "MatMul"]);
	assert_eq!(ops_of("ij,jk->ik", &[&[3, 5], &[5, 4]]), ["MatMul"]);
}

#[test]
fn one_operand_permutes_it() {
	let x = inputs(&[&[2, 3, 4]]);
	let y = &run(&einsum_model("abc->cab", &[&[2, 3, 4]]), &x)[0];
	assert_eq!(y.shape(), &[4, 2, 3]);
	let (xs, ys) = (x[0].as_f32().unwrap(), y.as_f32().unwrap());
	for (a, b, c) in (0..2).flat_map(|a| (0..3).flat_map(move |b| (0..4).map(move |c| (a, b, c)))) {
		assert_eq!(ys[c * 6 + a * 3 + b].to_bits(), xs[a * 12 + b * 4 + c].to_bits());
	}
	assert_eq!(ops_of("abc->cab", &[&[2, 3, 4]]), ["Transpose"]);
	// Implicit output: the letters in ASCII order.
	assert_eq!(ops_of("ba", &[&[2, 3]]), ["Transpose"]);
	let same = run(&einsum_model("ab->ab", &[&[2, 3]]), &inputs(&[&[2, 3]]));
	assert_eq!(same[0], inputs(&[&[2, 3]])[0]);
	// The inner product of two vectors: a scalar.
	let v = inputs(&[&[5], &[5]]);
	let dot = &run(&einsum_model("i,i->", &[&[5], &[5]]), &v)[0];
	assert_eq!(dot.shape(), &[] as &[usize]);
}

#[test]
fn other_einsums_are_refused_with_their_cause() {
	let refusal = |equation: &str, shapes: &[&[usize]]| {
		Graph::from_onnx(&einsum_model(equation, shapes)).unwrap_err().to_string()
	};
	let cases: [(&str, &[&[usize]], &str); 11] = [
		("...ij,...jk->...ik", &[&[2, 3], &[3, 2]], "ellipsis"),
		("ii->i", &[&[3, 3]], "repeats in operand 0 (a diagonal)"),
		("ij->i", &[&[3, 3]], "sums operand 0 over 'j'"),
		("ij,jk,kl->il", &[&[2, 2], &[2, 2], &[2, 2]], "Einsum of 3 operands"),
		("ij,kl->ijkl", &[&[2, 2], &[2, 2]], "sums over 0 letters"),
		("ijk,jkl->il", &[&[2, 2, 2], &[2, 2, 2]], "sums over 2 letters"),
		("ij,jk->i", &[&[2, 2], &[2, 2]], "of one operand"),
		("ij,jk->ik", &[&[2, 3], &[4, 2]], "'j' has unequal sizes"),
		("ijk,jk->ik", &[&[2, 3], &[3, 2]], "operand 0 has rank 2 for 3 letters"),
		("bij,cjk->bcik", &[&[2, 2, 3], &[2, 3, 2]], "on both sides"),
		("i1,1j->ij", &[&[2, 1], &[1, 2]], "malformed"),
	];
	for (equation, shapes, cause) in cases {
		let why = refusal(equation, shapes);
		assert!(why.contains(cause), "{equation}: {why}");
	}
	// Einsum's element types exclude bool (a Transpose alone would move it), and it has a
	// string equation.
	let mut b = ModelBuilder::new("bool", 12);
	b.input("a", DType::Bool, &[2, 3]);
	b.node("Einsum", &["a"], &["y"], vec![Attr::Str("equation", "ij->ji".into())]);
	b.output("y");
	assert!(Graph::from_onnx(&b.build()).unwrap_err().to_string().contains("Einsum of bool"));
	for attrs in [vec![], vec![Attr::Ints("equation", vec![1])]] {
		let mut b = ModelBuilder::new("no-equation", 12);
		b.input("a", DType::F32, &[]);
		b.node("Einsum", &["a"], &["y"], attrs);
		b.output("y");
		assert!(Graph::from_onnx(&b.build()).is_err());
	}
	// Einsum exists from opset 12 (the rewrite's nodes would import at any opset).
	for opset in [1, 11] {
		let old = Graph::from_onnx(&einsum_model_at(opset, "ij,jk->ik", &[&[2, 2], &[2, 2]]));
		assert!(old.unwrap_err().to_string().contains("Einsum before opset 12"));
	}
	let repeated = refusal("ij,jk->ii", &[&[2, 2], &[2, 2]]);
	assert!(repeated.contains("'i' is repeated or in no operand"), "{repeated}");
	let missing = refusal("ij,jk->iz", &[&[2, 2], &[2, 2]]);
	assert!(missing.contains("'z' is repeated or in no operand"), "{missing}");
	// A value the rewrite would name is defined by the model itself: refused, not confused.
	let mut b = ModelBuilder::new("clash", 12);
	b.input("a", DType::F32, &[2, 2]).input("b", DType::F32, &[2, 2]);
	b.node("Einsum", &["a", "b"], &["y"], vec![Attr::Str("equation", "ji,jk->ik".into())]);
	b.node("Relu", &["a"], &["y::einsum_a"], vec![]);
	b.node("Add", &["y", "y::einsum_a"], &["z"], vec![]);
	b.output("z");
	let clash = Graph::from_onnx(&b.build()).unwrap_err().to_string();
	assert!(clash.contains("reads 'y::einsum_a', a name the Einsum's rewrite uses"), "{clash}");
	// Nor may a graph output name one, which would expose the rewrite's internal value.
	let mut b = ModelBuilder::new("exposed", 12);
	b.input("a", DType::F32, &[2, 2]).input("b", DType::F32, &[2, 2]);
	b.node("Einsum", &["a", "b"], &["y"], vec![Attr::Str("equation", "ji,jk->ik".into())]);
	b.output("y").output("y::einsum_a");
	let exposed = Graph::from_onnx(&b.build()).unwrap_err().to_string();
	assert!(exposed.contains("a name the Einsum's rewrite uses"), "{exposed}");
	// A defined name that is read by no one is still a value defined twice.
	let mut b = ModelBuilder::new("twice", 12);
	b.input("a", DType::F32, &[2, 2]).input("b", DType::F32, &[2, 2]);
	b.node("Relu", &["a"], &["y::einsum_a"], vec![]);
	b.node("Einsum", &["a", "b"], &["y"], vec![Attr::Str("equation", "ji,jk->ik".into())]);
	b.output("y");
	let twice = Graph::from_onnx(&b.build()).unwrap_err().to_string();
	assert!(twice.contains("'y::einsum_a' is defined twice"), "{twice}");
}

#[test]
fn einsum_costs_are_bounded_before_the_work() {
	// A long equation is refused before it is parsed.
	let long = ",".repeat(nodes::einsum::MAX_EQUATION_BYTES + 1);
	let why = Graph::from_onnx(&einsum_model(&long, &[&[2]])).unwrap_err().to_string();
	assert!(why.contains("exceeds the limit of 256"), "{why}");
	// Implicit outputs of upper-case letters are ordered differently by runtimes: refused.
	let why = Graph::from_onnx(&einsum_model("Ab,bc", &[&[2, 2], &[2, 2]])).unwrap_err();
	assert!(why.to_string().contains("upper-case letters and no explicit output"), "{why}");
	assert!(Graph::from_onnx(&einsum_model("Ab,bc->Ac", &[&[2, 2], &[2, 2]])).is_ok());
	// Each Einsum may import as up to four nodes: the canonical graph keeps the node limit.
	let mut b = ModelBuilder::new("many", 12);
	b.input("a", DType::F32, &[2, 2]).input("b", DType::F32, &[2, 2]);
	let n = crate::limits::MAX_NODES / 2 + 1;
	for k in 0..n {
		let y = format!("y{k}");
		b.node("Einsum", &["a", "b"], &[&y], vec![Attr::Str("equation", "ji,jk->ik".into())]);
		b.output(&y);
	}
	let why = Graph::from_onnx(&b.build()).unwrap_err().to_string();
	assert!(why.contains("past the limit of 2048"), "{why}");
}
