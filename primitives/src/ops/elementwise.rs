//! Element-wise ops: unary, broadcast binary (arithmetic, comparisons, logic), variadic,
//! Clip, Where.

use super::{
	broadcast_index, float_of, unravel, Access, BinaryOp, F32Bits, KResult, NodeTypes, Scalar,
	UnaryOp, VariadicOp,
};
use crate::tensor::DType;

/// The flat index of input `input` read for output element `index` (NumPy broadcasting).
pub(super) fn bcast(types: &NodeTypes, input: usize, index: usize) -> KResult<usize> {
	let out = &types.output(0)?.shape;
	let shape = &types.input(input)?.shape;
	if shape == out {
		return Ok(index);
	}
	broadcast_index(&unravel(index, out), shape)
}

/// `1 / (1 + exp(-x))`.
pub fn sigmoid(x: f32) -> f32 {
	1.0 / (1.0 + libm::expf(-x))
}

/// `max(x, 0)` as `x < 0 ? 0 : x`: -0 and NaN are kept.
#[inline(always)]
pub fn relu(x: f32) -> f32 {
	if x < 0.0 {
		0.0
	} else {
		x
	}
}

/// Applies a unary op to one float.
pub fn unary_f32(op: UnaryOp, x: f32) -> f32 {
	match op {
		UnaryOp::Neg => -x,
		UnaryOp::Abs => libm::fabsf(x),
		UnaryOp::Sqrt => libm::sqrtf(x),
		UnaryOp::Exp => libm::expf(x),
		UnaryOp::Log => libm::logf(x),
		UnaryOp::Relu => relu(x),
		UnaryOp::Sigmoid => sigmoid(x),
		UnaryOp::Tanh => libm::tanhf(x),
		UnaryOp::Softplus => libm::logf(libm::expf(x) + 1.0),
		UnaryOp::Sign => {
			if x > 0.0 {
				1.0
			} else if x < 0.0 {
				-1.0
			} else {
				x
			}
		},
		UnaryOp::LeakyRelu { alpha } => {
			if x < 0.0 {
				alpha.get() * x
			} else {
				x
			}
		},
		UnaryOp::Elu { alpha } => {
			if x < 0.0 {
				alpha.get() * (libm::expf(x) - 1.0)
			} else {
				x
			}
		},
		UnaryOp::Selu { alpha, gamma } => {
			if x <= 0.0 {
				gamma.get() * (alpha.get() * libm::expf(x) - alpha.get())
			} else {
				gamma.get() * x
			}
		},
		UnaryOp::HardSigmoid { alpha, beta } => {
			let y = alpha.get() * x + beta.get();
			// NaN stays NaN (`clamp` would too).
			y.clamp(0.0, 1.0)
		},
		UnaryOp::Erf => libm::erff(x),
		UnaryOp::Not => f32::from(u8::from(x == 0.0)),
		UnaryOp::Gelu { tanh: false } => {
			0.5 * x * (1.0 + libm::erff(x / core::f32::consts::SQRT_2))
		},
		UnaryOp::Gelu { tanh: true } => {
			// sqrt(2 / pi) as an f32 literal.
			let inner = 0.797_884_6 * (x + 0.044_715 * (x * x * x));
			0.5 * x * (1.0 + libm::tanhf(inner))
		},
	}
}

/// Applies a unary op to one integer (ops without an integer meaning pass through floats).
fn unary_i64(op: UnaryOp, x: i64) -> Scalar {
	match op {
		UnaryOp::Neg => Scalar::I(x.wrapping_neg()),
		UnaryOp::Abs => Scalar::I(x.wrapping_abs()),
		UnaryOp::Relu => Scalar::I(x.max(0)),
		UnaryOp::Sign => Scalar::I(x.signum()),
		UnaryOp::Not => Scalar::I(i64::from(x == 0)),
		_ => Scalar::F(unary_f32(op, x as f32)),
	}
}

/// Element `index` of a unary op.
pub(super) fn unary(
	op: UnaryOp,
	_types: &NodeTypes,
	index: usize,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	Ok(match acc.get(0, index)? {
		Scalar::F(x) => Scalar::F(unary_f32(op, x)),
		Scalar::I(x) => unary_i64(op, x),
	})
}

/// Applies a binary op to two floats (a bool result as 0.0 or 1.0).
pub fn binary_f32(op: BinaryOp, a: f32, b: f32) -> f32 {
	let truth = |t: bool| f32::from(u8::from(t));
	match op {
		BinaryOp::Add => a + b,
		BinaryOp::Sub => a - b,
		BinaryOp::Mul => a * b,
		BinaryOp::Div => a / b,
		BinaryOp::Pow => libm::powf(a, b),
		BinaryOp::PRelu => {
			if a < 0.0 {
				b * a
			} else {
				a
			}
		},
		BinaryOp::Equal => truth(a == b),
		BinaryOp::Less => truth(a < b),
		BinaryOp::Greater => truth(a > b),
		BinaryOp::LessOrEqual => truth(a <= b),
		BinaryOp::GreaterOrEqual => truth(a >= b),
		BinaryOp::And => truth(a != 0.0 && b != 0.0),
		BinaryOp::Or => truth(a != 0.0 || b != 0.0),
		BinaryOp::Xor => truth((a != 0.0) != (b != 0.0)),
	}
}

/// Applies a binary op to two integers (wrapping; division by zero gives 0; a bool result as
/// 0 or 1).
fn binary_i64(op: BinaryOp, a: i64, b: i64) -> i64 {
	match op {
		BinaryOp::Add => a.wrapping_add(b),
		BinaryOp::Sub => a.wrapping_sub(b),
		BinaryOp::Mul => a.wrapping_mul(b),
		BinaryOp::Div => a.checked_div(b).unwrap_or(0),
		BinaryOp::Pow => {
			if b < 0 {
				0
			} else {
				a.wrapping_pow(b.min(u32::MAX as i64) as u32)
			}
		},
		BinaryOp::PRelu => {
			if a < 0 {
				b.wrapping_mul(a)
			} else {
				a
			}
		},
		BinaryOp::Equal => i64::from(a == b),
		BinaryOp::Less => i64::from(a < b),
		BinaryOp::Greater => i64::from(a > b),
		BinaryOp::LessOrEqual => i64::from(a <= b),
		BinaryOp::GreaterOrEqual => i64::from(a >= b),
		BinaryOp::And => i64::from(a != 0 && b != 0),
		BinaryOp::Or => i64::from(a != 0 || b != 0),
		BinaryOp::Xor => i64::from((a != 0) != (b != 0)),
	}
}

/// Applies a binary op to two uint64 (carried as their bits; wrapping; division by zero gives
/// 0; a bool result as 0 or 1).
fn binary_u64(op: BinaryOp, a: u64, b: u64) -> u64 {
	match op {
		BinaryOp::Add => a.wrapping_add(b),
		BinaryOp::Sub => a.wrapping_sub(b),
		BinaryOp::Mul => a.wrapping_mul(b),
		BinaryOp::Div => a.checked_div(b).unwrap_or(0),
		BinaryOp::Pow => a.wrapping_pow(b.min(u64::from(u32::MAX)) as u32),
		// Never negative.
		BinaryOp::PRelu => a,
		BinaryOp::Equal => u64::from(a == b),
		BinaryOp::Less => u64::from(a < b),
		BinaryOp::Greater => u64::from(a > b),
		BinaryOp::LessOrEqual => u64::from(a <= b),
		BinaryOp::GreaterOrEqual => u64::from(a >= b),
		BinaryOp::And => u64::from(a != 0 && b != 0),
		BinaryOp::Or => u64::from(a != 0 || b != 0),
		BinaryOp::Xor => u64::from((a != 0) != (b != 0)),
	}
}

/// Element `index` of a binary op.
pub(super) fn binary(
	op: BinaryOp,
	types: &NodeTypes,
	index: usize,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	let a = acc.get(0, bcast(types, 0, index)?)?;
	let b = acc.get(1, bcast(types, 1, index)?)?;
	let (ta, tb) = (types.input(0)?.dtype, types.input(1)?.dtype);
	Ok(match (a, b) {
		(Scalar::I(a), Scalar::I(b)) if ta == DType::U64 || tb == DType::U64 => {
			Scalar::I(binary_u64(op, a as u64, b as u64) as i64)
		},
		(Scalar::I(a), Scalar::I(b)) => Scalar::I(binary_i64(op, a, b)),
		(a, b) => Scalar::F(binary_f32(op, float_of(ta, a), float_of(tb, b))),
	})
}

/// Element `index` of Where: all three inputs read, then `cond ? x : y`.
pub(super) fn select(types: &NodeTypes, index: usize, acc: &mut dyn Access) -> KResult<Scalar> {
	let cond = acc.get(0, bcast(types, 0, index)?)?;
	let x = acc.get(1, bcast(types, 1, index)?)?;
	let y = acc.get(2, bcast(types, 2, index)?)?;
	Ok(if cond.i() != 0 { x } else { y })
}

/// Combines two values of a variadic op (`unsigned`: integers are uint64 bits).
fn fold(op: VariadicOp, a: Scalar, b: Scalar, unsigned: bool) -> Scalar {
	match (op, a, b) {
		(VariadicOp::Sum, Scalar::I(a), Scalar::I(b)) => Scalar::I(a.wrapping_add(b)),
		(VariadicOp::Max, Scalar::I(a), Scalar::I(b)) if unsigned => {
			Scalar::I((a as u64).max(b as u64) as i64)
		},
		(VariadicOp::Min, Scalar::I(a), Scalar::I(b)) if unsigned => {
			Scalar::I((a as u64).min(b as u64) as i64)
		},
		(VariadicOp::Max, Scalar::I(a), Scalar::I(b)) => Scalar::I(a.max(b)),
		(VariadicOp::Min, Scalar::I(a), Scalar::I(b)) => Scalar::I(a.min(b)),
		(VariadicOp::Sum, a, b) => Scalar::F(a.f() + b.f()),
		(VariadicOp::Max, a, b) => Scalar::F(max_f32(a.f(), b.f())),
		(VariadicOp::Min, a, b) => Scalar::F(min_f32(a.f(), b.f())),
	}
}

/// Maximum with NaN propagating.
pub fn max_f32(a: f32, b: f32) -> f32 {
	if a.is_nan() || b.is_nan() {
		f32::NAN
	} else if b > a {
		b
	} else {
		a
	}
}

/// Minimum with NaN propagating.
pub fn min_f32(a: f32, b: f32) -> f32 {
	if a.is_nan() || b.is_nan() {
		f32::NAN
	} else if b < a {
		b
	} else {
		a
	}
}

/// Element `index` of a variadic op: inputs folded in order.
pub(super) fn variadic(
	op: VariadicOp,
	types: &NodeTypes,
	index: usize,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	// The importer gives every input the same dtype.
	let unsigned = types.input(0)?.dtype == DType::U64;
	let mut v = acc.get(0, bcast(types, 0, index)?)?;
	for i in 1..types.inputs.len() {
		let x = acc.get(i, bcast(types, i, index)?)?;
		v = fold(op, v, x, unsigned);
	}
	Ok(v)
}

/// Clamps one float (NaN stays NaN).
pub fn clip_f32(x: f32, min: Option<F32Bits>, max: Option<F32Bits>) -> f32 {
	let mut y = x;
	if let Some(m) = min {
		if y < m.get() {
			y = m.get();
		}
	}
	if let Some(m) = max {
		if y > m.get() {
			y = m.get();
		}
	}
	y
}

/// Element `index` of Clip.
pub(super) fn clip(
	min: Option<F32Bits>,
	max: Option<F32Bits>,
	index: usize,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	Ok(match acc.get(0, index)? {
		Scalar::F(x) => Scalar::F(clip_f32(x, min, max)),
		Scalar::I(x) => {
			let lo = min.map(|m| m.get() as i64).unwrap_or(i64::MIN);
			let hi = max.map(|m| m.get() as i64).unwrap_or(i64::MAX);
			Scalar::I(x.max(lo).min(hi))
		},
	})
}
