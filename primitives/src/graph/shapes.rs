//! Shape arithmetic shared by the importer: axis normalisation, windows, reshapes, slices.

use alloc::{format, string::String, vec, vec::Vec};

use super::GraphError;
use crate::limits::MAX_DIM;

/// Shorthand for import results.
pub type IResult<T> = Result<T, GraphError>;

fn invalid(s: String) -> GraphError {
	GraphError::Invalid(s)
}

/// Size or index arithmetic of node `node` that overflows: the dimensions are at most
/// [`MAX_DIM`], so this names a model no target could run, refused on every target alike.
pub fn overflow(node: &str) -> GraphError {
	GraphError::Unsupported(format!("{node}: size arithmetic overflows"))
}

/// `axis` (possibly negative) as an index into a shape of `rank` dimensions.
pub fn norm_axis(axis: i64, rank: usize, node: &str) -> IResult<usize> {
	let r = rank as i64;
	let a = if axis < 0 { axis.checked_add(r) } else { Some(axis) };
	match a.map(usize::try_from) {
		Some(Ok(a)) if a < rank => Ok(a),
		_ => Err(invalid(format!("{node}: axis {axis} out of range for rank {rank}"))),
	}
}

/// A non-negative dimension (size, pad, stride, dilation, kernel) from an ONNX integer, at
/// most [`MAX_DIM`]: then a product of two fits in 64 bits, and the checks below refuse the
/// same models on every target (a `usize` is 32 bits in the wasm runtime).
pub fn dim(v: i64, node: &str) -> IResult<usize> {
	if v < 0 {
		return Err(invalid(format!("{node}: negative size {v}")));
	}
	if v as u64 > MAX_DIM {
		return Err(GraphError::Unsupported(format!(
			"{node}: size {v} exceeds the limit of {MAX_DIM}"
		)));
	}
	usize::try_from(v).map_err(|_| invalid(format!("{node}: size {v}")))
}

/// Padding and output size of one spatial axis of a windowed op.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AxisWindow {
	/// Padding before.
	pub pad_begin: usize,
	/// Padding after.
	pub pad_end: usize,
	/// Output size.
	pub out: usize,
}

/// Resolves one spatial axis: `auto_pad`, explicit pads, `ceil_mode`.
#[allow(clippy::too_many_arguments)]
pub fn window_axis(
	input: usize,
	kernel: usize,
	stride: usize,
	dilation: usize,
	pads: (usize, usize),
	auto_pad: &str,
	ceil_mode: bool,
	node: &str,
) -> IResult<AxisWindow> {
	if stride == 0 || dilation == 0 || kernel == 0 {
		return Err(invalid(format!("{node}: zero kernel, stride or dilation")));
	}
	if input == 0 {
		return Err(invalid(format!("{node}: window over an empty dimension")));
	}
	// Every operand is at most MAX_DIM (checked by `dim` and the tensor limits), so no
	// product of two overflows u64; all arithmetic is checked anyway and never in usize.
	let overflow = || GraphError::Unsupported(format!("{node}: window arithmetic overflows"));
	let (input, kernel, stride, dilation) =
		(input as u64, kernel as u64, stride as u64, dilation as u64);
	let span = kernel
		.checked_sub(1)
		.and_then(|k| dilation.checked_mul(k))
		.and_then(|s| s.checked_add(1))
		.ok_or_else(overflow)?;
	let (pb, pe) = match auto_pad {
		"NOTSET" | "" => (pads.0 as u64, pads.1 as u64),
		"VALID" => (0, 0),
		"SAME_UPPER" | "SAME_LOWER" => {
			let out = input.div_ceil(stride);
			let total = out
				.checked_sub(1)
				.and_then(|o| o.checked_mul(stride))
				.and_then(|s| s.checked_add(span))
				.ok_or_else(overflow)?
				.saturating_sub(input);
			let half = total / 2;
			let rest = total.checked_sub(half).ok_or_else(overflow)?;
			if auto_pad == "SAME_UPPER" {
				(half, rest)
			} else {
				(rest, half)
			}
		},
		other => return Err(GraphError::Unsupported(format!("{node}: auto_pad '{other}'"))),
	};
	let padded = input.checked_add(pb).and_then(|p| p.checked_add(pe)).ok_or_else(overflow)?;
	if padded < span {
		return Err(invalid(format!("{node}: window {span} larger than padded input {padded}")));
	}
	let room = padded.checked_sub(span).ok_or_else(overflow)?;
	let steps = if ceil_mode {
		room.div_ceil(stride)
	} else {
		room.checked_div(stride).ok_or_else(overflow)?
	};
	let mut out = steps.checked_add(1).ok_or_else(overflow)?;
	// With ceil_mode, a last window starting in the end padding is dropped.
	let last_start = steps.checked_mul(stride).ok_or_else(overflow)?;
	if ceil_mode && last_start >= input.checked_add(pb).ok_or_else(overflow)? {
		out = steps;
	}
	let small = |v: u64| {
		if v > MAX_DIM {
			return Err(GraphError::Unsupported(format!(
				"{node}: window size {v} exceeds the limit of {MAX_DIM}"
			)));
		}
		usize::try_from(v).map_err(|_| overflow())
	};
	Ok(AxisWindow { pad_begin: small(pb)?, pad_end: small(pe)?, out: small(out)? })
}

/// The output shape of Reshape(`input`, `spec`): 0 copies (unless `allow_zero`), -1 infers.
pub fn reshape(input: &[usize], spec: &[i64], allow_zero: bool, node: &str) -> IResult<Vec<usize>> {
	let cannot = || invalid(format!("{node}: cannot reshape {input:?} to {spec:?}"));
	let total = crate::cost::numel(input).ok_or_else(cannot)?;
	let mut out = vec![0usize; spec.len()];
	let mut infer = None;
	for (i, (slot, s)) in out.iter_mut().zip(spec).enumerate() {
		*slot = match *s {
			-1 => {
				if infer.replace(i).is_some() {
					return Err(invalid(format!("{node}: more than one -1 in shape {spec:?}")));
				}
				1
			},
			0 if !allow_zero => *input.get(i).ok_or_else(|| {
				invalid(format!("{node}: 0 in shape {spec:?} past the input rank"))
			})?,
			s => dim(s, node)?,
		};
	}
	// Checked in u64: a product that wraps must not match on one target and not another.
	let known = crate::cost::numel(&out).ok_or_else(cannot)?;
	if let Some(i) = infer {
		if known == 0 || !total.is_multiple_of(known) {
			return Err(cannot());
		}
		let inferred = total.checked_div(known).ok_or_else(cannot)?;
		let slot = out.get_mut(i).ok_or_else(cannot)?;
		*slot = usize::try_from(inferred).map_err(|_| cannot())?;
	}
	if crate::cost::numel(&out) != Some(total) {
		return Err(cannot());
	}
	Ok(out)
}

/// One axis of ONNX Slice, clamped: `(start, step, output length)`.
pub fn slice_axis(
	dim_len: usize,
	start: i64,
	end: i64,
	step: i64,
	node: &str,
) -> IResult<(i64, i64, usize)> {
	if step == 0 {
		return Err(invalid(format!("{node}: slice step 0")));
	}
	if step.unsigned_abs() > MAX_DIM {
		return Err(GraphError::Unsupported(format!(
			"{node}: slice step {step} exceeds the limit of {MAX_DIM}"
		)));
	}
	let overflow = || overflow(node);
	let n = i64::try_from(dim_len).map_err(|_| overflow())?;
	let fix = |v: i64| if v < 0 { v.saturating_add(n) } else { v };
	let (s, e) = (fix(start), fix(end));
	let (s, e) = if step > 0 {
		(s.clamp(0, n), e.clamp(0, n))
	} else {
		let last = n.checked_sub(1).ok_or_else(overflow)?;
		(s.clamp(-1, last), e.clamp(-1, last))
	};
	// `ceil(distance / |step|)` elements: the operands are at most `MAX_DIM` in size.
	let count = |from: i64, to: i64, step: i64| {
		to.checked_sub(from)
			.and_then(|d| d.checked_add(step))
			.and_then(|d| d.checked_sub(1))
			.and_then(|d| d.checked_div(step))
			.ok_or_else(overflow)
	};
	let len = if step > 0 {
		if e > s {
			count(s, e, step)?
		} else {
			0
		}
	} else if s > e {
		count(e, s, step.checked_neg().ok_or_else(overflow)?)?
	} else {
		0
	};
	Ok((s.max(0), step, usize::try_from(len).map_err(|_| overflow())?))
}
