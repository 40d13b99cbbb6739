//! Shape arithmetic shared by the importer: axis normalisation, windows, reshapes, slices.

use alloc::{format, string::String, vec, vec::Vec};

use super::GraphError;

/// Shorthand for import results.
pub type IResult<T> = Result<T, GraphError>;

fn invalid(s: String) -> GraphError {
	GraphError::Invalid(s)
}

/// `axis` (possibly negative) as an index into a shape of `rank` dimensions.
pub fn norm_axis(axis: i64, rank: usize, node: &str) -> IResult<usize> {
	let r = rank as i64;
	let a = if axis < 0 { axis + r } else { axis };
	if a < 0 || a >= r {
		return Err(invalid(format!("{node}: axis {axis} out of range for rank {rank}")));
	}
	Ok(a as usize)
}

/// A non-negative dimension from an ONNX integer.
pub fn dim(v: i64, node: &str) -> IResult<usize> {
	usize::try_from(v).map_err(|_| invalid(format!("{node}: negative size {v}")))
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
	let span = dilation * (kernel - 1) + 1;
	let (pb, pe) = match auto_pad {
		"NOTSET" | "" => pads,
		"VALID" => (0, 0),
		"SAME_UPPER" | "SAME_LOWER" => {
			let out = input.div_ceil(stride);
			let total = ((out.saturating_sub(1)) * stride + span).saturating_sub(input);
			if auto_pad == "SAME_UPPER" {
				(total / 2, total - total / 2)
			} else {
				(total - total / 2, total / 2)
			}
		},
		other => return Err(GraphError::Unsupported(format!("{node}: auto_pad '{other}'"))),
	};
	let padded = input + pb + pe;
	if padded < span {
		return Err(invalid(format!("{node}: window {span} larger than padded input {padded}")));
	}
	let mut out =
		if ceil_mode { (padded - span).div_ceil(stride) + 1 } else { (padded - span) / stride + 1 };
	// With ceil_mode, a last window starting in the end padding is dropped.
	if ceil_mode && (out - 1) * stride >= input + pb {
		out -= 1;
	}
	Ok(AxisWindow { pad_begin: pb, pad_end: pe, out })
}

/// The output shape of Reshape(`input`, `spec`): 0 copies (unless `allow_zero`), -1 infers.
pub fn reshape(input: &[usize], spec: &[i64], allow_zero: bool, node: &str) -> IResult<Vec<usize>> {
	let total: usize = input.iter().product();
	let mut out = vec![0usize; spec.len()];
	let mut infer = None;
	for (i, s) in spec.iter().enumerate() {
		out[i] = match *s {
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
	let known: usize = out.iter().product();
	if let Some(i) = infer {
		if known == 0 || !total.is_multiple_of(known) {
			return Err(invalid(format!("{node}: cannot reshape {input:?} to {spec:?}")));
		}
		out[i] = total / known;
	}
	if out.iter().product::<usize>() != total {
		return Err(invalid(format!("{node}: cannot reshape {input:?} to {spec:?}")));
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
	let n = dim_len as i64;
	let fix = |v: i64| if v < 0 { v.saturating_add(n) } else { v };
	let (s, e) = (fix(start), fix(end));
	let (s, e) = if step > 0 {
		(s.clamp(0, n), e.clamp(0, n))
	} else {
		(s.clamp(-1, n - 1), e.clamp(-1, n - 1))
	};
	let len = if step > 0 {
		if e > s {
			(e - s + step - 1) / step
		} else {
			0
		}
	} else if s > e {
		(s - e + (-step) - 1) / (-step)
	} else {
		0
	};
	Ok((s.max(0), step, len as usize))
}
