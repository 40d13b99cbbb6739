//! Einsum, where it is a matrix product or a permutation: rewritten at import into the ONNX
//! nodes it equals (Transpose, MatMul, Transpose), which then import as any other. The
//! canonical graph has those nodes, so the summation order is MatMul's.
//!
//! Accepted: one operand whose output is a permutation of its letters (a Transpose, or an
//! Identity), or two operands with exactly one summed letter, where the letters of each
//! operand alone that stay in the output are the rows of one side of a MatMul (all but one
//! become its leading batch dimensions, on one side only), and the letters of both operands
//! that stay are its batch dimensions. A side may have no letter of its own only when it is
//! the summed letter alone (a vector). Refused by name: an ellipsis, a letter repeated in one
//! operand (a diagonal), a summed letter beyond the one, a sum over a letter of one operand,
//! three or more operands, letters of unequal sizes.

use alloc::{
	collections::BTreeMap,
	format,
	string::{String, ToString},
	vec,
	vec::Vec,
};

use super::{invalid, unsupported};
use crate::{
	graph::{convert::Attrs, shapes::IResult},
	onnx::{AttributeProto, NodeProto},
	ops::ValueType,
	tensor::DType,
};

/// One ONNX node of the rewrite, with the label its messages use.
pub(in crate::graph) type Rewritten = (NodeProto, String);

/// Longest equation accepted, in bytes: three terms of [`crate::limits::MAX_RANK`] letters
/// with their separators and spaces fit many times over. Checked before anything is parsed.
pub const MAX_EQUATION_BYTES: usize = 256;

/// The synthetic value names the rewrite of an Einsum writing `output` may define.
pub(in crate::graph) fn internal_names(output: &str) -> [String; 3] {
	["a", "b", "matmul"].map(|suffix| format!("{output}::einsum_{suffix}"))
}

/// The letters of each operand and of the output of `equation` (spaces ignored; the implicit
/// output is the letters used once, in ASCII order, as NumPy gives it; an implicit output of
/// upper-case letters is refused, since runtimes order them differently).
fn parse(equation: &str, label: &str) -> IResult<(Vec<Vec<u8>>, Vec<u8>)> {
	let eq: Vec<u8> = equation.bytes().filter(|c| *c != b' ').collect();
	if eq.windows(3).any(|w| w == b"...") {
		return Err(unsupported(format!("{label}: Einsum with an ellipsis")));
	}
	let text = core::str::from_utf8(&eq).map_err(|_| invalid(format!("{label}: equation")))?;
	let (lhs, rhs) = match text.split_once("->") {
		Some((l, r)) => (l, Some(r)),
		None => (text, None),
	};
	let terms: Vec<Vec<u8>> = lhs.split(',').map(|t| t.bytes().collect()).collect();
	let letters = |t: &[u8]| t.iter().all(u8::is_ascii_alphabetic);
	if !terms.iter().all(|t| letters(t)) || !rhs.is_none_or(|r| letters(r.as_bytes())) {
		return Err(invalid(format!("{label}: Einsum equation '{equation}' is malformed")));
	}
	if rhs.is_none() && eq.iter().any(u8::is_ascii_uppercase) {
		return Err(unsupported(format!(
			"{label}: Einsum with upper-case letters and no explicit output"
		)));
	}
	let mut uses: BTreeMap<u8, usize> = BTreeMap::new();
	for c in terms.iter().flatten() {
		let n = uses.entry(*c).or_default();
		*n = n.saturating_add(1);
	}
	let output = match rhs {
		Some(r) => r.as_bytes().to_vec(),
		None => uses.iter().filter(|(_, n)| **n == 1).map(|(c, _)| *c).collect(),
	};
	for (k, c) in output.iter().enumerate() {
		if !uses.contains_key(c) || output.get(..k).is_some_and(|before| before.contains(c)) {
			return Err(invalid(format!(
				"{label}: Einsum output letter '{}' is repeated or in no operand",
				*c as char
			)));
		}
	}
	Ok((terms, output))
}

/// The positions in `from` of the letters of `to`, in `to`'s order.
fn permutation(from: &[u8], to: &[u8]) -> Vec<i64> {
	to.iter().filter_map(|c| from.iter().position(|f| f == c)).map(|p| p as i64).collect()
}

/// `op_type` reading `input` and writing `output`, with a `perm` for a Transpose.
fn onnx_node(
	op_type: &str,
	input: Vec<String>,
	output: String,
	perm: Option<Vec<i64>>,
) -> NodeProto {
	let attribute = perm.map_or_else(Vec::new, |ints| {
		vec![AttributeProto { name: "perm".into(), ints, r#type: 7, ..Default::default() }]
	});
	NodeProto {
		input,
		output: vec![output],
		op_type: op_type.into(),
		attribute,
		..Default::default()
	}
}

/// Einsum `node` (of `label`) on operands of `types`, as the ONNX nodes it equals, in order;
/// the last one writes the Einsum's output. Intermediate values are named after the output
/// (`<output>::einsum_a` and so on); a model that defines such a name itself is refused as
/// defining a value twice.
pub(in crate::graph) fn expand(
	node: &NodeProto,
	label: &str,
	types: &[Option<&ValueType>],
) -> IResult<Vec<Rewritten>> {
	let a = Attrs { node: label, list: &node.attribute };
	let length = node.attribute.iter().filter(|at| at.name == "equation").map(|at| at.s.len());
	if let Some(n) = length.max().filter(|n| *n > MAX_EQUATION_BYTES) {
		return Err(unsupported(format!(
			"{label}: Einsum equation of {n} bytes exceeds the limit of {MAX_EQUATION_BYTES}"
		)));
	}
	if !a.has("equation") {
		return Err(invalid(format!("{label}: Einsum has no equation")));
	}
	a.typed("equation", 3)?;
	let equation = a.string("equation", "")?;
	let (terms, output) = parse(&equation, label)?;
	let out_name = match node.output.as_slice() {
		[o] if !o.is_empty() => o.clone(),
		_ => return Err(invalid(format!("{label}: Einsum has one output"))),
	};
	if terms.len() != node.input.len() || !(1..=2).contains(&terms.len()) {
		return Err(unsupported(format!(
			"{label}: Einsum of {} operands for {} terms (one or two are supported)",
			node.input.len(),
			terms.len()
		)));
	}
	// Each letter's size, equal wherever it appears.
	let mut sizes: BTreeMap<u8, usize> = BTreeMap::new();
	for (k, term) in terms.iter().enumerate() {
		let ty = types
			.get(k)
			.copied()
			.flatten()
			.ok_or_else(|| invalid(format!("{label}: input {k} is missing")))?;
		// ONNX's Einsum types: the integers and the floats that compute (the rewrite's
		// Transpose alone would also move bool, float8 and the sub-byte types).
		let d = ty.dtype;
		if d == DType::Bool || d.is_sub_byte() || (d.is_narrow_float() && d != DType::BF16) {
			return Err(unsupported(format!("{label}: Einsum of {}", d.name())));
		}
		if ty.shape.len() != term.len() {
			return Err(invalid(format!(
				"{label}: operand {k} has rank {} for {} letters",
				ty.shape.len(),
				term.len()
			)));
		}
		for (j, (c, d)) in term.iter().zip(&ty.shape).enumerate() {
			if term.get(..j).is_some_and(|before| before.contains(c)) {
				return Err(unsupported(format!(
					"{label}: Einsum letter '{}' repeats in operand {k} (a diagonal)",
					*c as char
				)));
			}
			if *sizes.entry(*c).or_insert(*d) != *d {
				return Err(invalid(format!(
					"{label}: Einsum letter '{}' has unequal sizes",
					*c as char
				)));
			}
		}
	}
	let name = |suffix: &str| format!("{out_name}::einsum_{suffix}");
	let sub = |suffix: &str| format!("{label} ({suffix})");
	let mut nodes: Vec<Rewritten> = Vec::new();
	// `input` (of `letters`) permuted to `to` into `out`, unless it already is in that order
	// and is not the Einsum's output: the permuted value's name.
	let arrange = |nodes: &mut Vec<Rewritten>,
	               input: &str,
	               letters: &[u8],
	               to: &[u8],
	               suffix: &str,
	               last: bool| {
		let out = if last { out_name.clone() } else { name(suffix) };
		let perm = permutation(letters, to);
		let identity = perm.iter().enumerate().all(|(j, p)| *p == j as i64);
		if identity && !last {
			return input.to_string();
		}
		let (op, perm) = if identity { ("Identity", None) } else { ("Transpose", Some(perm)) };
		nodes.push((onnx_node(op, vec![input.into()], out.clone(), perm), sub(suffix)));
		out
	};
	let input = |k: usize| node.input.get(k).cloned().unwrap_or_default();
	let [lhs, rhs] = match terms.as_slice() {
		[only] => {
			if let Some(c) = only.iter().find(|c| !output.contains(c)) {
				return Err(unsupported(format!(
					"{label}: Einsum sums operand 0 over '{}' (only products are supported)",
					*c as char
				)));
			}
			arrange(&mut nodes, &input(0), only, &output, "transpose", true);
			return Ok(nodes);
		},
		[lhs, rhs] => [lhs, rhs],
		_ => return Err(unsupported(format!("{label}: Einsum of {} operands", terms.len()))),
	};
	let summed: Vec<u8> =
		lhs.iter().copied().filter(|c| rhs.contains(c) && !output.contains(c)).collect();
	if let Some(c) = lhs
		.iter()
		.chain(rhs.iter())
		.find(|c| !(output.contains(c) || lhs.contains(c) && rhs.contains(c)))
	{
		return Err(unsupported(format!(
			"{label}: Einsum sums over '{}' of one operand (only products are supported)",
			*c as char
		)));
	}
	let [k] = summed.as_slice() else {
		return Err(unsupported(format!(
			"{label}: Einsum sums over {} letters (one is supported)",
			summed.len()
		)));
	};
	let only = |mine: &[u8], other: &[u8]| -> Vec<u8> {
		output.iter().copied().filter(|c| mine.contains(c) && !other.contains(c)).collect()
	};
	let batch: Vec<u8> =
		output.iter().copied().filter(|c| lhs.contains(c) && rhs.contains(c)).collect();
	let (rows, cols) = (only(lhs, rhs), only(rhs, lhs));
	// Each side: its own letters but the last lead (broadcast over the other side), then the
	// shared batch letters, then its row (or column) and the summed letter.
	let side = |own: &[u8], term: &[u8], row_first: bool| -> IResult<(Vec<u8>, Vec<u8>)> {
		let (lead, row) = match own.split_last() {
			Some((row, lead)) => (lead.to_vec(), vec![*row]),
			None if term.len() == 1 => return Ok((Vec::new(), vec![*k])),
			None => {
				return Err(unsupported(format!(
					"{label}: Einsum operand '{}' has no letter of its own",
					String::from_utf8_lossy(term)
				)))
			},
		};
		let mut to = lead.clone();
		to.extend_from_slice(&batch);
		if row_first {
			to.extend_from_slice(&row);
			to.push(*k);
		} else {
			to.push(*k);
			to.extend_from_slice(&row);
		}
		Ok((lead, to))
	};
	let (lead_a, to_a) = side(&rows, lhs, true)?;
	let (lead_b, to_b) = side(&cols, rhs, false)?;
	if !lead_a.is_empty() && !lead_b.is_empty() {
		return Err(unsupported(format!(
			"{label}: Einsum with letters of their own on both sides beyond one each"
		)));
	}
	let a_name = arrange(&mut nodes, &input(0), lhs, &to_a, "a", false);
	let b_name = arrange(&mut nodes, &input(1), rhs, &to_b, "b", false);
	// The product's letters: the leading ones, the batch, the row, the column (a vector side
	// contributes none).
	let mut product: Vec<u8> = lead_a.iter().chain(&lead_b).chain(&batch).copied().collect();
	product.extend(rows.last());
	product.extend(cols.last());
	// The product is the output when its letters are in the output's order.
	let in_order = product == output;
	let matmul = if in_order { out_name.clone() } else { name("matmul") };
	nodes.push((onnx_node("MatMul", vec![a_name, b_name], matmul.clone(), None), sub("matmul")));
	if !in_order {
		arrange(&mut nodes, &matmul, &product, &output, "output", true);
	}
	Ok(nodes)
}
