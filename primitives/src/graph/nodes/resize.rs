//! Resize (opset 11 on): the output shape and, per axis, the taps and weights of every output
//! position ([`ResizeAxis`]), computed once here in float64 as ONNX's reference does.
//!
//! The modes are `nearest` (every `nearest_mode`), `linear` and `cubic` (both with
//! `antialias`), with every coordinate transformation, scales or sizes (with
//! `keep_aspect_ratio_policy`), `axes` and `exclude_outside`, while a node's tables fit
//! [`MAX_RESIZE_TABLE_BYTES`] (the tables are stored in the dispute index with the node; a
//! large bilinear resize is refused). Only basic IEEE float64
//! operations and `libm::floor` are used, so that the tables have the same bits on every machine
//! and in the runtime. The weights are rounded once to float32; the kernel sums in float32.

use alloc::{format, vec, vec::Vec};

use super::{invalid, norm_axis, unsupported, Attrs, IResult, Imported, In};
use crate::{
	limits::{MAX_DIM, MAX_RESIZE_TABLE_BYTES},
	ops::{F32Bits, Op, ResizeAxis, ValueType},
	tensor::{DType, TensorData},
};

/// Most taps of one axis (antialiased downsampling by up to 32 in `linear`, 16 in `cubic`).
pub const MAX_RESIZE_TAPS: u64 = 64;

/// How output coordinates map to input coordinates.
#[derive(Clone, Copy, PartialEq)]
enum Coordinates {
	HalfPixel,
	HalfPixelSymmetric,
	PytorchHalfPixel,
	AlignCorners,
	Asymmetric,
	TfCropAndResize,
}

/// The interpolation.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
	/// Nearest, with the rounding of `nearest_mode`: (tap 0 when the ratio is at most 0.5,
	/// tap 0 when below 0.5, always 0, always 1).
	Nearest(NearestRounding),
	Linear,
	Cubic(f64),
}

#[derive(Clone, Copy, PartialEq)]
enum NearestRounding {
	PreferFloor,
	PreferCeil,
	Floor,
	Ceil,
}

/// One axis's static facts.
struct Axis {
	input: u64,
	output: u64,
	scale: f64,
	/// `(start, end)` of the crop, for `tf_crop_and_resize`.
	roi: (f64, f64),
}

/// A constant float input (roi, scales) as float64, or `None` when absent or empty.
fn floats(i: &In, k: usize) -> IResult<Option<Vec<f64>>> {
	if !i.has(k) {
		return Ok(None);
	}
	let t = i.constant(k)?;
	if t.len() > crate::limits::MAX_NODE_IO {
		return Err(unsupported(format!("{}: input {k} has {} values", i.label, t.len())));
	}
	let v: Vec<f64> = match t.data() {
		TensorData::F32(v) => v.iter().map(|x| f64::from(*x)).collect(),
		TensorData::F16(v) => v.iter().map(|h| f64::from(crate::float16::f16_to_f32(*h))).collect(),
		_ => return Err(unsupported(format!("{}: input {k} is not float32", i.label))),
	};
	Ok((!v.is_empty()).then_some(v))
}

/// `math.isclose(a, b)` with Python's default tolerance.
fn is_close(a: f64, b: f64) -> bool {
	libm::fabs(a - b) <= 1e-9 * libm::fmax(libm::fabs(a), libm::fabs(b))
}

/// The input coordinate of output position `y`, as the reference computes it; `None` when it
/// is outside the crop.
fn source(c: Coordinates, y: f64, ax: &Axis) -> Option<f64> {
	let input = ax.input as f64;
	let output_width = ax.scale * input;
	let output_int = ax.output as f64;
	Some(match c {
		Coordinates::AlignCorners if output_width == 1.0 => 0.0,
		Coordinates::AlignCorners => y * (input - 1.0) / (output_width - 1.0),
		Coordinates::Asymmetric => y / ax.scale,
		Coordinates::TfCropAndResize => {
			let (start, end) = ax.roi;
			let x = if output_width == 1.0 {
				(end - start) * (input - 1.0) / 2.0
			} else {
				y * (end - start) * (input - 1.0) / (output_width - 1.0)
			};
			let x = x + start * (input - 1.0);
			if x < 0.0 || x > input - 1.0 {
				return None;
			}
			x
		},
		Coordinates::PytorchHalfPixel if output_width == 1.0 => -0.5,
		Coordinates::PytorchHalfPixel | Coordinates::HalfPixel => (y + 0.5) / ax.scale - 0.5,
		Coordinates::HalfPixelSymmetric => {
			let adjustment = output_int / output_width;
			let center = input / 2.0;
			let offset = center * (1.0 - adjustment);
			offset + (y + 0.5) / ax.scale - 0.5
		},
	})
}

/// The number of taps of an axis with `scale` (before a nearest axis keeps one).
fn tap_count(mode: Mode, antialias: bool, scale: f64) -> Option<u64> {
	let s = scale.min(1.0);
	let n = match mode {
		Mode::Nearest(_) => 2.0,
		Mode::Linear if antialias => 2.0 - 2.0 * (libm::floor(-1.0 / s) + 1.0),
		Mode::Cubic(_) if antialias => 2.0 - 2.0 * (libm::floor(-2.0 / s) + 1.0),
		Mode::Linear => 2.0,
		Mode::Cubic(_) => 4.0,
	};
	// A whole, even number of taps within the limit (and so within u64).
	(n >= 2.0 && n <= MAX_RESIZE_TAPS as f64).then_some(n as u64)
}

/// The reference's coefficients for `ratio` (in `(0, 1]`), `n` of them.
fn coefficients(mode: Mode, antialias: bool, ratio: f64, scale: f64, n: u64) -> Vec<f64> {
	let s = scale.min(1.0);
	match mode {
		Mode::Nearest(rounding) => {
			let first = if ratio == libm::floor(ratio) {
				false
			} else {
				match rounding {
					NearestRounding::PreferFloor => ratio <= 0.5,
					NearestRounding::PreferCeil => ratio < 0.5,
					NearestRounding::Floor => true,
					NearestRounding::Ceil => false,
				}
			};
			if first {
				vec![1.0, 0.0]
			} else {
				vec![0.0, 1.0]
			}
		},
		Mode::Linear if antialias => {
			let start = libm::floor(-1.0 / s) + 1.0;
			let c: Vec<f64> = (0..n)
				.map(|k| {
					let arg = (start + k as f64 - ratio) * s;
					(1.0 - libm::fabs(arg)).clamp(0.0, 1.0)
				})
				.collect();
			normalised(c)
		},
		Mode::Linear => vec![1.0 - ratio, ratio],
		Mode::Cubic(a) if antialias => {
			let start = libm::floor(-2.0 / s) + 1.0;
			let c: Vec<f64> = (0..n)
				.map(|k| {
					let x = libm::fabs(s * (start + k as f64 - ratio));
					let (x2, x3) = (x * x, x * (x * x));
					if x <= 1.0 {
						(a + 2.0) * x3 - (a + 3.0) * x2 + 1.0
					} else if x < 2.0 {
						a * x3 - 5.0 * a * x2 + 8.0 * a * x - 4.0 * a
					} else {
						0.0
					}
				})
				.collect();
			normalised(c)
		},
		Mode::Cubic(a) => {
			let (r1, q, q1) = (ratio + 1.0, 1.0 - ratio, (1.0 - ratio) + 1.0);
			vec![
				((a * r1 - 5.0 * a) * r1 + 8.0 * a) * r1 - 4.0 * a,
				((a + 2.0) * ratio - (a + 3.0)) * ratio * ratio + 1.0,
				((a + 2.0) * q - (a + 3.0)) * q * q + 1.0,
				((a * q1 - 5.0 * a) * q1 + 8.0 * a) * q1 - 4.0 * a,
			]
		},
	}
}

/// `c / sum(c)`, summed left to right.
fn normalised(c: Vec<f64>) -> Vec<f64> {
	let sum = c.iter().fold(0.0, |s, x| s + x);
	c.into_iter().map(|x| x / sum).collect()
}

/// The table of one resized axis.
fn axis_table(
	ax: &Axis,
	mode: Mode,
	coords: Coordinates,
	antialias: bool,
	exclude_outside: bool,
	label: &str,
) -> IResult<ResizeAxis> {
	let n = tap_count(mode, antialias, ax.scale).ok_or_else(|| {
		unsupported(format!(
			"{label}: a scale of {} needs more than {MAX_RESIZE_TAPS} taps",
			ax.scale
		))
	})?;
	let nearest = matches!(mode, Mode::Nearest(_));
	let kept = if nearest { 1 } else { n };
	let entries = ax.output.saturating_mul(kept);
	let (mut index, mut weight, mut outside) =
		(Vec::with_capacity(entries as usize), Vec::new(), Vec::new());
	let last = ax.input.saturating_sub(1) as f64;
	let half = (n / 2) as f64;
	for o in 0..ax.output {
		let Some(x) = source(coords, o as f64, ax) else {
			// Outside the crop: the taps are never read; position 0 keeps the table's shape.
			outside.push(o as u32);
			index.extend(core::iter::repeat_n(0u32, kept as usize));
			if !nearest {
				weight.extend(core::iter::repeat_n(F32Bits::new(0.0), kept as usize));
			}
			continue;
		};
		let x_floor = libm::floor(x);
		let ratio = if x == x_floor { 1.0 } else { x - x_floor };
		let mut c = coefficients(mode, antialias, ratio, ax.scale, n);
		// The n input positions nearest `x`, ties to the smaller (the reference's
		// edge-padded neighbours).
		let padded = x + half;
		let p = libm::floor(padded);
		let offset = if padded - p == 0.0 { -half } else { 1.0 - half };
		let first = p + offset - half;
		let positions: Vec<f64> = (0..n).map(|k| first + k as f64).collect();
		if exclude_outside {
			for (ck, pos) in c.iter_mut().zip(&positions) {
				if *pos < 0.0 || *pos > last {
					*ck = 0.0;
				}
			}
			let sum = c.iter().fold(0.0, |s, x| s + x);
			let sum = if sum == 0.0 { 1.0 } else { sum };
			for ck in c.iter_mut() {
				*ck /= sum;
			}
		}
		let clamped = positions.iter().map(|pos| pos.clamp(0.0, last) as u32);
		if nearest {
			let k = c.iter().position(|ck| *ck == 1.0).unwrap_or(0);
			index.push(clamped.clone().nth(k).unwrap_or(0));
		} else {
			index.extend(clamped);
			weight.extend(c.iter().map(|ck| F32Bits::new(*ck as f32)));
		}
	}
	// Every weight is a number (a NaN's bits would depend on the machine).
	if weight.iter().any(|w| !w.get().is_finite()) {
		return Err(unsupported(format!("{label}: a weight that is not a finite number")));
	}
	Ok(ResizeAxis { taps: kept as u32, index, weight, outside })
}

/// Imports a Resize node.
pub(super) fn import(i: &In, a: &Attrs, label: &str, opset: i64) -> IResult<Imported> {
	if opset < 11 {
		return Err(unsupported(format!(
			"{label}: Resize before opset 11 (its coordinates and rounding are not defined)"
		)));
	}
	let x = i.ty(0)?;
	let rank = x.shape.len();
	// A constant input can be empty; nothing can be resampled from it.
	if x.shape.contains(&0) {
		return Err(unsupported(format!(
			"{label}: an empty input {:?} (zero-size values are not supported)",
			x.shape
		)));
	}
	let mode = match a.string("mode", "nearest")?.as_str() {
		"nearest" => {
			Mode::Nearest(match a.string("nearest_mode", "round_prefer_floor")?.as_str() {
				"round_prefer_floor" => NearestRounding::PreferFloor,
				"round_prefer_ceil" => NearestRounding::PreferCeil,
				"floor" => NearestRounding::Floor,
				"ceil" => NearestRounding::Ceil,
				other => return Err(invalid(format!("{label}: nearest_mode '{other}'"))),
			})
		},
		"linear" => Mode::Linear,
		"cubic" => {
			let coeff = a.float("cubic_coeff_a", -0.75);
			// Every weight must be a number: a NaN's bits would depend on the machine.
			if !coeff.is_finite() {
				return Err(unsupported(format!("{label}: cubic_coeff_a {coeff}")));
			}
			Mode::Cubic(f64::from(coeff))
		},
		other => return Err(invalid(format!("{label}: mode '{other}'"))),
	};
	let coords = match a.string("coordinate_transformation_mode", "half_pixel")?.as_str() {
		"half_pixel" => Coordinates::HalfPixel,
		"half_pixel_symmetric" if opset >= 19 => Coordinates::HalfPixelSymmetric,
		"pytorch_half_pixel" => Coordinates::PytorchHalfPixel,
		"align_corners" => Coordinates::AlignCorners,
		"asymmetric" => Coordinates::Asymmetric,
		"tf_crop_and_resize" => Coordinates::TfCropAndResize,
		other => {
			return Err(unsupported(format!("{label}: coordinate_transformation_mode '{other}'")))
		},
	};
	let antialias = opset >= 18 && a.int("antialias", 0) != 0;
	let exclude_outside = a.int("exclude_outside", 0) != 0;
	let nearest = matches!(mode, Mode::Nearest(_));
	if nearest && (antialias || exclude_outside) {
		return Err(unsupported(format!(
			"{label}: nearest with antialias or exclude_outside (the reference refuses one, \
			 and the other can leave an output with no tap)"
		)));
	}
	let float = matches!(x.dtype, DType::F32 | DType::F16);
	if !float && (!nearest || coords == Coordinates::TfCropAndResize) {
		return Err(unsupported(format!(
			"{label}: {:?} input (only nearest resizes integers, without a crop)",
			x.dtype
		)));
	}
	// The resized axes, in order.
	let axes: Vec<usize> = match a.ints("axes").filter(|_| opset >= 18) {
		Some(v) => {
			let axes: Vec<usize> =
				v.iter().map(|ax| norm_axis(*ax, rank, label)).collect::<IResult<_>>()?;
			let mut sorted = axes.clone();
			sorted.sort_unstable();
			sorted.dedup();
			if sorted.len() != axes.len() {
				return Err(invalid(format!("{label}: repeated axes {v:?}")));
			}
			axes
		},
		None => (0..rank).collect(),
	};
	let scales = floats(i, 2)?;
	let sizes = if i.has(3) && !i.constant(3)?.is_empty() { Some(i.ints(3)?) } else { None };
	let roi = if coords == Coordinates::TfCropAndResize {
		let roi = floats(i, 1)?.ok_or_else(|| {
			unsupported(format!("{label}: tf_crop_and_resize without a constant roi"))
		})?;
		if roi.len() != axes.len().saturating_mul(2) || roi.iter().any(|v| !v.is_finite()) {
			return Err(invalid(format!("{label}: roi {roi:?} for {} axes", axes.len())));
		}
		Some(roi)
	} else {
		None
	};
	let mut scale = vec![1.0f64; rank];
	let mut out: Vec<u64> = x.shape.iter().map(|d| *d as u64).collect();
	match (scales, sizes) {
		(Some(s), None) => {
			if s.len() != axes.len() || s.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
				return Err(invalid(format!("{label}: scales {s:?} for {} axes", axes.len())));
			}
			for (ax, v) in axes.iter().zip(&s) {
				let (Some(slot), Some(o)) = (scale.get_mut(*ax), out.get_mut(*ax)) else {
					return Err(invalid(format!("{label}: axis {ax}")));
				};
				*slot = *v;
				let len = *v * *o as f64;
				if len >= MAX_DIM as f64 + 1.0 {
					return Err(unsupported(format!("{label}: an output of {len} on axis {ax}")));
				}
				*o = len as u64;
			}
		},
		(None, Some(sz)) => {
			if sz.len() != axes.len() || sz.iter().any(|v| *v < 1 || *v as u64 > MAX_DIM) {
				return Err(invalid(format!("{label}: sizes {sz:?} for {} axes", axes.len())));
			}
			let ratio = |ax: usize, v: i64| v as f64 / x.shape.get(ax).copied().unwrap_or(1) as f64;
			let policy = if opset >= 18 {
				a.string("keep_aspect_ratio_policy", "stretch")?
			} else {
				"stretch".into()
			};
			let keep: Option<f64> = match policy.as_str() {
				"stretch" => None,
				"not_larger" => axes.iter().zip(&sz).map(|(ax, v)| ratio(*ax, *v)).reduce(f64::min),
				"not_smaller" => {
					axes.iter().zip(&sz).map(|(ax, v)| ratio(*ax, *v)).reduce(f64::max)
				},
				other => {
					return Err(invalid(format!("{label}: keep_aspect_ratio_policy '{other}'")))
				},
			};
			for (ax, v) in axes.iter().zip(&sz) {
				let input = x.shape.get(*ax).copied().unwrap_or(1) as f64;
				let (Some(slot), Some(o)) = (scale.get_mut(*ax), out.get_mut(*ax)) else {
					return Err(invalid(format!("{label}: axis {ax}")));
				};
				match keep {
					Some(k) => {
						*slot = k;
						// The reference's round half up.
						let len = k * input + 0.5;
						if len >= MAX_DIM as f64 + 1.0 {
							return Err(unsupported(format!("{label}: an output of {len}")));
						}
						*o = len as u64;
					},
					None => {
						*slot = ratio(*ax, *v);
						*o = *v as u64;
					},
				}
			}
		},
		_ => {
			return Err(invalid(format!("{label}: exactly one of scales and sizes must be given")))
		},
	}
	if let Some(ax) = out.iter().position(|o| *o == 0) {
		return Err(unsupported(format!(
			"{label}: an empty output on axis {ax} (zero-size values are not supported)"
		)));
	}
	// Each axis's facts, and whether the reference leaves it as it is (not resized, or of
	// scale 1 and its own size, with the full crop): such an axis has no table.
	let mut plan = Vec::with_capacity(rank);
	for d in 0..rank {
		let (Some(input), Some(output), Some(s)) = (x.shape.get(d), out.get(d), scale.get(d))
		else {
			return Err(invalid(format!("{label}: axis {d}")));
		};
		let k = axes.iter().position(|ax| *ax == d);
		let crop = match (&roi, k) {
			(Some(r), Some(k)) => (
				r.get(k).copied().unwrap_or(0.0),
				r.get(k.saturating_add(axes.len())).copied().unwrap_or(1.0),
			),
			_ => (0.0, 1.0),
		};
		let ax = Axis { input: *input as u64, output: *output, scale: *s, roi: crop };
		let unchanged = k.is_none()
			|| (is_close(*s, 1.0)
				&& ax.output == ax.input
				&& (roi.is_none() || (is_close(crop.0, 0.0) && is_close(crop.1, 1.0))));
		plan.push((ax, unchanged));
	}
	// The tables' size is bounded before any is computed: 4 bytes per tap, per weight and
	// per position outside the crop, on the axes that have a table.
	let mut table_bytes = 0u64;
	for (ax, _) in plan.iter().filter(|(_, unchanged)| !unchanged) {
		let n = tap_count(mode, antialias, ax.scale).unwrap_or(MAX_RESIZE_TAPS);
		let per_position = if nearest { 4 } else { n.saturating_mul(8) }
			.saturating_add(if roi.is_some() { 4 } else { 0 });
		table_bytes = table_bytes.saturating_add(ax.output.saturating_mul(per_position));
	}
	if table_bytes > MAX_RESIZE_TABLE_BYTES {
		return Err(unsupported(format!(
			"{label}: tables of {table_bytes} bytes exceed the {MAX_RESIZE_TABLE_BYTES} a \
			 dispute step holds"
		)));
	}
	let mut tables = Vec::with_capacity(rank);
	for (ax, unchanged) in &plan {
		if *unchanged {
			tables.push(ResizeAxis { taps: 0, index: vec![], weight: vec![], outside: vec![] });
		} else {
			tables.push(axis_table(ax, mode, coords, antialias, exclude_outside, label)?);
		}
	}
	let shape: Vec<usize> = out.iter().map(|o| *o as usize).collect();
	let extrapolation = F32Bits::new(a.float("extrapolation_value", 0.0));
	Ok(Imported::Op {
		op: Op::Resize { axes: tables, extrapolation },
		kept: vec![0],
		outputs: vec![ValueType::new(x.dtype, shape)],
	})
}
