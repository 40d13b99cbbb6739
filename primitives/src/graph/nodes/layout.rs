//! Data layout and constants: Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Concat,
//! Split, Slice, Gather, Expand, Tile, Pad, Constant, ConstantOfShape, Shape, Range.

use alloc::{collections::BTreeSet, format, vec, vec::Vec};

use super::{as_u32, invalid, unsupported, Imported, In};
use crate::{
	graph::{
		convert::Attrs,
		import::Known,
		shapes::{dim, norm_axis, overflow, reshape, slice_axis, IResult},
	},
	limits::{MAX_DIM, MAX_FOLD_ELEMENTS},
	onnx::NodeProto,
	ops::{broadcast_shapes, F32Bits, Op, PadMode, ValueType},
	tensor::{checked_numel, DType, Tensor, TensorData},
};

/// Imports a layout or constant node.
pub(super) fn import(
	node: &NodeProto,
	label: &str,
	inputs: &[Option<&Known>],
	read: &BTreeSet<&str>,
	opset: i64,
) -> IResult<Imported> {
	let a = Attrs { node: label, list: &node.attribute };
	let i = In { label, node, inputs, read };
	let op_only = |op: Op, outputs: Vec<ValueType>| Ok(Imported::Op { op, kept: vec![0], outputs });
	let f = |name: &str, d: f32| F32Bits::new(a.float(name, d));
	match node.op_type.as_str() {
		"Reshape" => {
			let x = i.ty(0)?;
			let spec = if opset < 5 { a.ints("shape").unwrap_or_default() } else { i.ints(1)? };
			let shape = reshape(&x.shape, &spec, a.int("allowzero", 0) != 0, label)?;
			op_only(Op::Reshape, vec![ValueType::new(x.dtype, shape)])
		},
		"Flatten" => {
			let x = i.ty(0)?;
			let r = x.shape.len();
			let axis = if a.int("axis", 1) == r as i64 {
				r
			} else {
				norm_axis(a.int("axis", 1), r, label)?
			};
			let (outer, inner) = x
				.shape
				.split_at_checked(axis)
				.ok_or_else(|| invalid(format!("{label}: axis {axis}")))?;
			let shape = vec![outer.iter().product(), inner.iter().product()];
			op_only(Op::Reshape, vec![ValueType::new(x.dtype, shape)])
		},
		"Squeeze" | "Unsqueeze" => {
			let x = i.ty(0)?;
			let axes = if opset >= 13 {
				if i.has(1) {
					Some(i.ints(1)?)
				} else {
					None
				}
			} else {
				a.ints("axes")
			};
			let shape = if node.op_type == "Squeeze" {
				match axes {
					None => x.shape.iter().copied().filter(|d| *d != 1).collect(),
					Some(axes) => {
						let axes: BTreeSet<usize> = axes
							.iter()
							.map(|ax| norm_axis(*ax, x.shape.len(), label))
							.collect::<IResult<_>>()?;
						if axes.iter().any(|d| x.shape.get(*d) != Some(&1)) {
							return Err(invalid(format!(
								"{label}: squeezing a dimension that is not 1"
							)));
						}
						x.shape
							.iter()
							.enumerate()
							.filter(|(d, _)| !axes.contains(d))
							.map(|(_, n)| *n)
							.collect()
					},
				}
			} else {
				let axes = axes.ok_or_else(|| invalid(format!("{label}: no axes")))?;
				let r = x.shape.len().checked_add(axes.len()).ok_or_else(|| overflow(label))?;
				let axes: BTreeSet<usize> =
					axes.iter().map(|ax| norm_axis(*ax, r, label)).collect::<IResult<_>>()?;
				let mut src = x.shape.iter();
				(0..r)
					.map(|d| if axes.contains(&d) { 1 } else { src.next().copied().unwrap_or(1) })
					.collect()
			};
			op_only(Op::Reshape, vec![ValueType::new(x.dtype, shape)])
		},
		"Transpose" => {
			let x = i.ty(0)?;
			let r = x.shape.len();
			let perm: Vec<usize> = match a.ints("perm") {
				Some(p) => p.iter().map(|v| norm_axis(*v, r, label)).collect::<IResult<_>>()?,
				None => (0..r).rev().collect(),
			};
			let distinct: BTreeSet<usize> = perm.iter().copied().collect();
			if perm.len() != r || distinct.len() != r {
				return Err(invalid(format!("{label}: perm {perm:?} for rank {r}")));
			}
			// Every `p` is an axis of `x` (`norm_axis`).
			let shape = perm
				.iter()
				.map(|p| x.shape.get(*p).copied().ok_or_else(|| invalid(format!("{label}: perm"))))
				.collect::<IResult<_>>()?;
			op_only(Op::Transpose { perm: as_u32(&perm) }, vec![ValueType::new(x.dtype, shape)])
		},
		"Concat" => {
			let n = node.input.len();
			let first = i.ty(0)?;
			let axis = norm_axis(a.int("axis", 0), first.shape.len(), label)?;
			let mut total = 0usize;
			for k in 0..n {
				let t = i.ty(k)?;
				let compatible = t.dtype == first.dtype
					&& t.shape.len() == first.shape.len()
					&& t.shape
						.iter()
						.zip(&first.shape)
						.enumerate()
						.all(|(d, (x, y))| d == axis || x == y);
				if !compatible {
					return Err(invalid(format!(
						"{label}: input {k} of shape {:?} does not fit",
						t.shape
					)));
				}
				let len = t.shape.get(axis).copied().unwrap_or(0);
				total = total.checked_add(len).ok_or_else(|| overflow(label))?;
			}
			let mut shape = first.shape.clone();
			if let Some(slot) = shape.get_mut(axis) {
				*slot = total;
			}
			Ok(Imported::Op {
				op: Op::Concat { axis: axis as u32 },
				kept: (0..n).collect(),
				outputs: vec![ValueType::new(first.dtype, shape)],
			})
		},
		"Split" => {
			let x = i.ty(0)?;
			let axis = norm_axis(a.int("axis", 0), x.shape.len(), label)?;
			let n_out = node.output.len().max(1);
			let given = if opset >= 13 {
				if i.has(1) {
					Some(i.ints(1)?)
				} else {
					None
				}
			} else {
				a.ints("split")
			};
			let len = x.shape.get(axis).copied().unwrap_or(0);
			let splits: Vec<usize> = match given {
				Some(s) => s.iter().map(|v| dim(*v, label)).collect::<IResult<_>>()?,
				None => {
					let piece = len.div_ceil(n_out);
					// `k * piece` saturating is exact here: any product past `len` leaves 0.
					(0..n_out)
						.map(|k| piece.min(len.saturating_sub(k.saturating_mul(piece))))
						.collect()
				},
			};
			if splits.iter().sum::<usize>() != len || splits.len() != n_out {
				return Err(invalid(format!("{label}: splits {splits:?} of {len}")));
			}
			let outputs = splits
				.iter()
				.map(|s| {
					let mut shape = x.shape.clone();
					if let Some(slot) = shape.get_mut(axis) {
						*slot = *s;
					}
					ValueType::new(x.dtype, shape)
				})
				.collect();
			op_only(Op::Split { axis: axis as u32, splits: as_u32(&splits) }, outputs)
		},
		"Slice" => {
			let x = i.ty(0)?;
			let r = x.shape.len();
			let (starts, ends, axes, steps) = if opset < 10 {
				(
					a.ints("starts").unwrap_or_default(),
					a.ints("ends").unwrap_or_default(),
					a.ints("axes"),
					None,
				)
			} else {
				(
					i.ints(1)?,
					i.ints(2)?,
					if i.has(3) { Some(i.ints(3)?) } else { None },
					if i.has(4) { Some(i.ints(4)?) } else { None },
				)
			};
			let axes: Vec<i64> = axes.unwrap_or_else(|| (0..starts.len() as i64).collect());
			let steps = steps.unwrap_or_else(|| vec![1; starts.len()]);
			if ends.len() != starts.len()
				|| axes.len() != starts.len()
				|| steps.len() != starts.len()
			{
				return Err(invalid(format!(
					"{label}: starts, ends, axes and steps differ in length"
				)));
			}
			let mut st = vec![0i64; r];
			let mut sp = vec![1i64; r];
			let mut shape = x.shape.clone();
			let per_axis = axes.iter().zip(&starts).zip(&ends).zip(&steps);
			for (((axis, start), end), step) in per_axis {
				let d = norm_axis(*axis, r, label)?;
				let (Some(n), Some(st_d), Some(sp_d), Some(shape_d)) =
					(x.shape.get(d), st.get_mut(d), sp.get_mut(d), shape.get_mut(d))
				else {
					return Err(invalid(format!("{label}: axis {axis}")));
				};
				let (s, step, len) = slice_axis(*n, *start, *end, *step, label)?;
				*st_d = s;
				*sp_d = step;
				*shape_d = len;
			}
			op_only(Op::Slice { starts: st, steps: sp }, vec![ValueType::new(x.dtype, shape)])
		},
		"Gather" => {
			let (x, ind) = (i.ty(0)?, i.ty(1)?);
			if !matches!(ind.dtype, DType::I32 | DType::I64) {
				return Err(invalid(format!("{label}: indices must be int32 or int64")));
			}
			let axis = norm_axis(a.int("axis", 0), x.shape.len(), label)?;
			// `axis` is an axis of `x` (`norm_axis`): the split's right part starts with it.
			let (before, from) = x
				.shape
				.split_at_checked(axis)
				.ok_or_else(|| invalid(format!("{label}: axis {axis}")))?;
			let mut shape = before.to_vec();
			shape.extend(&ind.shape);
			shape.extend(from.get(1..).unwrap_or(&[]));
			Ok(Imported::Op {
				op: Op::Gather { axis: axis as u32 },
				kept: vec![0, 1],
				outputs: vec![ValueType::new(x.dtype, shape)],
			})
		},
		"Expand" => {
			let x = i.ty(0)?;
			let target: Vec<usize> =
				i.ints(1)?.iter().map(|v| dim(*v, label)).collect::<IResult<_>>()?;
			let shape = broadcast_shapes(&x.shape, &target).ok_or_else(|| {
				invalid(format!("{label}: {:?} does not expand to {target:?}", x.shape))
			})?;
			op_only(Op::Expand, vec![ValueType::new(x.dtype, shape)])
		},
		"Tile" => {
			let x = i.ty(0)?;
			let reps = i.ints(1)?;
			if reps.len() != x.shape.len() {
				return Err(invalid(format!(
					"{label}: {} repeats for rank {}",
					reps.len(),
					x.shape.len()
				)));
			}
			let mut shape = Vec::new();
			for (d, r) in x.shape.iter().zip(&reps) {
				// In u64: a usize product would overflow on wasm32 only.
				let n = (*d as u64).saturating_mul(dim(*r, label)? as u64);
				shape.push(dim(i64::try_from(n).unwrap_or(i64::MAX), label)?);
			}
			op_only(Op::Tile, vec![ValueType::new(x.dtype, shape)])
		},
		"Pad" => {
			let x = i.ty(0)?;
			let r = x.shape.len();
			let mode = match a.string("mode", "constant")?.as_str() {
				"constant" => None,
				"reflect" => Some(PadMode::Reflect),
				"edge" => Some(PadMode::Edge),
				// tract, which the node loads every model with as a cross-check, has no wrap.
				other => return Err(unsupported(format!("{label}: pad mode '{other}'"))),
			};
			let (pads, value) = if opset < 11 {
				(a.ints("pads").unwrap_or_default(), f("value", 0.0))
			} else {
				(i.ints(1)?, i.float_scalar(2)?.unwrap_or_default())
			};
			let axes: Vec<usize> = if opset >= 18 && i.has(3) {
				i.ints(3)?.iter().map(|ax| norm_axis(*ax, r, label)).collect::<IResult<_>>()?
			} else {
				(0..r).collect()
			};
			// All the begin pads, then all the end pads.
			let split = pads.split_at_checked(axes.len());
			let (Some((pads_begin, pads_end)), true) =
				(split, axes.len().checked_mul(2) == Some(pads.len()))
			else {
				return Err(invalid(format!(
					"{label}: {} pads for {} axes",
					pads.len(),
					axes.len()
				)));
			};
			let mut begin = vec![0i64; r];
			let mut shape = x.shape.clone();
			for ((d, pb), pe) in axes.iter().zip(pads_begin).zip(pads_end) {
				let (pb, pe) = (*pb, *pe);
				if pb.unsigned_abs() > MAX_DIM || pe.unsigned_abs() > MAX_DIM {
					return Err(unsupported(format!(
						"{label}: pads {pb}, {pe} exceed the limit of {MAX_DIM}"
					)));
				}
				// Every `d` is an axis of `x` (`norm_axis`).
				let (Some(n), Some(begin_d), Some(shape_d)) =
					(x.shape.get(*d), begin.get_mut(*d), shape.get_mut(*d))
				else {
					return Err(invalid(format!("{label}: axis {d}")));
				};
				*begin_d = pb;
				// Each term is at most `MAX_DIM` in size: no overflow.
				let padded = (*n as i64).checked_add(pb).and_then(|v| v.checked_add(pe));
				*shape_d = dim(padded.ok_or_else(|| overflow(label))?, label)?;
			}
			// Reflect and edge: no cropping (ONNX runtimes crop first, then pad from what is
			// left; refused rather than defined differently), a non-empty axis, and for reflect
			// at most `n - 1` on each side (tract's and onnxruntime's limit; tract panics past it).
			if let Some(mode) = mode {
				for ((d, pb), pe) in axes.iter().zip(pads_begin).zip(pads_end) {
					let n = x.shape.get(*d).copied().unwrap_or(0) as i64;
					let most =
						if mode == PadMode::Reflect { n.saturating_sub(1) } else { MAX_DIM as i64 };
					if *pb < 0 || *pe < 0 || n == 0 || *pb > most || *pe > most {
						return Err(unsupported(format!(
							"{label}: {mode:?} pads {pb}, {pe} of an axis of {n}"
						)));
					}
				}
			}
			let out = vec![ValueType::new(x.dtype, shape)];
			match mode {
				None => op_only(Op::Pad { pads: begin, value }, out),
				Some(mode) => op_only(Op::PadMode { pads: begin, mode }, out),
			}
		},
		"Constant" => {
			let t = if let Some(t) = a.tensor("value")? {
				t
			} else if a.has("value_float") {
				Tensor::f32(vec![], vec![a.float("value_float", 0.0)])?
			} else if let Some(v) = a.floats("value_floats") {
				Tensor::f32(vec![v.len()], v)?
			} else if a.has("value_int") {
				Tensor::i64(vec![], vec![a.int("value_int", 0)])?
			} else if let Some(v) = a.ints("value_ints") {
				Tensor::i64(vec![v.len()], v)?
			} else {
				return Err(unsupported(format!(
					"{label}: Constant without a tensor, float or int value"
				)));
			};
			Ok(Imported::Constants(vec![t]))
		},
		"ConstantOfShape" => {
			let shape: Vec<usize> =
				i.ints(0)?.iter().map(|v| dim(*v, label)).collect::<IResult<_>>()?;
			let n = checked_numel(&shape).map_err(|e| unsupported(format!("{label}: {e}")))?;
			// Refused before anything is allocated: a tiny attribute must not fill memory.
			let n = foldable(label, "ConstantOfShape", n as u64)?;
			let value = a.tensor("value")?.unwrap_or(Tensor::f32(vec![1], vec![0.0])?);
			if value.len() != 1 {
				return Err(invalid(format!("{label}: value must have one element")));
			}
			let data = value
				.data()
				.repeated(0, n)
				.ok_or_else(|| invalid(format!("{label}: value must have one element")))?;
			Ok(Imported::Constants(vec![Tensor::new(shape, data)?]))
		},
		"Shape" => {
			let x = i.ty(0)?;
			let r = x.shape.len() as i64;
			// A negative `v` plus the rank cannot overflow: saturating is exact.
			let clampi =
				|v: i64| (if v < 0 { v.saturating_add(r) } else { v }).clamp(0, r) as usize;
			let (s, e) = (clampi(a.int("start", 0)), clampi(a.int("end", r)));
			let dims: Vec<i64> =
				x.shape.get(s..e.max(s)).unwrap_or(&[]).iter().map(|d| *d as i64).collect();
			Ok(Imported::Constants(vec![Tensor::i64(vec![dims.len()], dims)?]))
		},
		"Range" => range(label, &i),
		other => Err(unsupported(format!("{label}: op '{other}' is not supported"))),
	}
}

/// `n`, the elements a constant-producing `op` would make, if within [`MAX_FOLD_ELEMENTS`]:
/// checked before anything is allocated.
fn foldable(label: &str, op: &str, n: u64) -> IResult<usize> {
	if n > MAX_FOLD_ELEMENTS as u64 {
		return Err(unsupported(format!(
			"{label}: {op} of {n} elements exceeds the folding limit of {MAX_FOLD_ELEMENTS}"
		)));
	}
	Ok(n as usize)
}

/// Range: its length depends on its operands' values, so `start`, `limit` and `delta` must be
/// constants and it folds. `max(ceil((limit - start) / delta), 0)` elements, element `k` being
/// `start + k·delta`, as the operator's definition writes it. Integers are computed exactly
/// (in `i128`, so no type's range wraps). float32: the length as onnxruntime counts it
/// (`limit - start` rounded to float32, the quotient in float64), each element two rounded
/// float32 operations, `start + (k as f32) · delta`; onnxruntime instead adds `delta` to a
/// running value, which drifts from this in the last bits after a few elements. float16 the
/// same, each element rounded to float16 once. The length is checked against [`MAX_FOLD_ELEMENTS`] before anything is made.
fn range(label: &str, i: &In) -> IResult<Imported> {
	let (start, limit, delta) = (i.constant(0)?, i.constant(1)?, i.constant(2)?);
	if [start, limit, delta].iter().any(|t| t.len() != 1 || t.dtype() != start.dtype()) {
		return Err(invalid(format!(
			"{label}: start, limit and delta must be scalars of one element type"
		)));
	}
	let folded = |n: u64| foldable(label, "Range", n);
	// A float16 operand is exact as float32; its elements are computed as float32 and rounded
	// once when stored, as every float16 op's.
	let float = |t: &Tensor| match t.data() {
		TensorData::F32(v) => v.first().copied(),
		TensorData::F16(v) => v.first().map(|h| crate::float16::f16_to_f32(*h)),
		_ => None,
	};
	let data = match (float(start), float(limit), float(delta)) {
		(Some(s), Some(l), Some(d)) => {
			let q = libm::ceil(f64::from(l - s) / f64::from(d));
			if !q.is_finite() {
				return Err(invalid(format!(
					"{label}: Range from {s} to {l} by {d} has no finite length"
				)));
			}
			let n = folded(if q > 0.0 { q as u64 } else { 0 })?;
			let values = (0..n).map(|k| s + (k as f32) * d);
			if start.dtype() == DType::F16 {
				TensorData::F16(values.map(crate::float16::f32_to_f16).collect())
			} else {
				TensorData::F32(values.collect())
			}
		},
		_ => {
			let ints = |t: &Tensor| t.to_i64_vec().and_then(|v| v.first().copied());
			let (Some(s), Some(l), Some(d)) = (ints(start), ints(limit), ints(delta)) else {
				return Err(unsupported(format!("{label}: Range of {}", start.dtype().name())));
			};
			if !matches!(start.dtype(), DType::I16 | DType::I32 | DType::I64) {
				return Err(unsupported(format!("{label}: Range of {}", start.dtype().name())));
			}
			if d == 0 {
				return Err(invalid(format!("{label}: Range's delta is 0")));
			}
			// Exact in i128: each is within 2^64 in size.
			let (span, step) = (i128::from(l).saturating_sub(i128::from(s)), i128::from(d));
			// ceil(span / step) for a step of either sign, and none when they differ in sign.
			let (whole, rest) = (span.checked_div(step), span.checked_rem(step));
			let up = rest.is_some_and(|r| r != 0) && (span < 0) == (step < 0);
			let q = whole.unwrap_or(0).saturating_add(i128::from(up));
			let n = folded(u64::try_from(q.max(0)).unwrap_or(u64::MAX))?;
			// Every element lies from `start` towards `limit`, inside the type's range (`k`
			// and `delta` are each at most 2^63 in size, so the i128 product is exact).
			let values = (0..n as i64).map(|k| {
				let v = i128::from(s).saturating_add(i128::from(k).saturating_mul(step));
				i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
			});
			match start.dtype() {
				DType::I16 => TensorData::I16(values.map(|v| v as i16).collect()),
				DType::I32 => TensorData::I32(values.map(|v| v as i32).collect()),
				_ => TensorData::I64(values.collect()),
			}
		},
	};
	let n = data.len();
	Ok(Imported::Constants(vec![Tensor::new(vec![n], data)?]))
}
