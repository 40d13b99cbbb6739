//! Element-wise nodes: unary, binary (arithmetic, comparisons, logic), Where, the variadic
//! Sum/Max/Min and Clip.

use alloc::{format, vec};

use super::{invalid, require_f32, same, unsupported, Imported, In};
use crate::{
	graph::{convert::Attrs, shapes::IResult},
	onnx::NodeProto,
	ops::{broadcast_shapes, BinaryOp, F32Bits, Op, UnaryOp, ValueType, VariadicOp},
	tensor::DType,
};

/// Imports one element-wise node.
pub(super) fn import(
	node: &NodeProto,
	label: &str,
	i: &In,
	a: &Attrs,
	opset: i64,
) -> IResult<Imported> {
	let op_only = |op: Op, outputs| Ok(Imported::Op { op, kept: vec![0], outputs });
	let unary = |u: UnaryOp| -> IResult<Imported> { op_only(Op::Unary(u), same(i.ty(0)?)) };
	let f = |name: &str, d: f32| F32Bits::new(a.float(name, d));
	match node.op_type.as_str() {
		"Neg" => unary(UnaryOp::Neg),
		"Abs" => unary(UnaryOp::Abs),
		"Sqrt" => unary(UnaryOp::Sqrt),
		"Exp" => unary(UnaryOp::Exp),
		"Log" => unary(UnaryOp::Log),
		"Relu" => unary(UnaryOp::Relu),
		"Sigmoid" => unary(UnaryOp::Sigmoid),
		"Tanh" => unary(UnaryOp::Tanh),
		"Softplus" => unary(UnaryOp::Softplus),
		"Sign" => unary(UnaryOp::Sign),
		"LeakyRelu" => unary(UnaryOp::LeakyRelu { alpha: f("alpha", 0.01) }),
		"Elu" => unary(UnaryOp::Elu { alpha: f("alpha", 1.0) }),
		"Selu" => {
			unary(UnaryOp::Selu { alpha: f("alpha", 1.673_263_2), gamma: f("gamma", 1.050_701) })
		},
		"HardSigmoid" => {
			unary(UnaryOp::HardSigmoid { alpha: f("alpha", 0.2), beta: f("beta", 0.5) })
		},
		"Erf" => unary(UnaryOp::Erf),
		"Gelu" => {
			if opset < 20 {
				return Err(unsupported(format!("{label}: Gelu before opset 20")));
			}
			require_f32(i, &[0])?;
			let tanh = match a.string("approximate", "none")?.as_str() {
				"none" => false,
				"tanh" => true,
				other => return Err(unsupported(format!("{label}: approximate '{other}'"))),
			};
			unary(UnaryOp::Gelu { tanh })
		},
		"Not" => {
			if i.ty(0)?.dtype != DType::Bool {
				return Err(invalid(format!("{label}: Not of {:?}", i.ty(0)?.dtype)));
			}
			unary(UnaryOp::Not)
		},
		"Equal" | "Less" | "Greater" | "LessOrEqual" | "GreaterOrEqual" | "And" | "Or" | "Xor" => {
			let b = match node.op_type.as_str() {
				"Equal" => BinaryOp::Equal,
				"Less" => BinaryOp::Less,
				"Greater" => BinaryOp::Greater,
				"LessOrEqual" => BinaryOp::LessOrEqual,
				"GreaterOrEqual" => BinaryOp::GreaterOrEqual,
				"And" => BinaryOp::And,
				"Or" => BinaryOp::Or,
				_ => BinaryOp::Xor,
			};
			let (x, y) = (i.ty(0)?, i.ty(1)?);
			if x.dtype != y.dtype {
				return Err(invalid(format!("{label}: inputs of {:?} and {:?}", x.dtype, y.dtype)));
			}
			let logic = matches!(b, BinaryOp::And | BinaryOp::Or | BinaryOp::Xor);
			// Logic reads bools; comparisons read numbers (Equal also bools).
			if logic != (x.dtype == DType::Bool) && b != BinaryOp::Equal {
				return Err(invalid(format!("{label}: inputs of {:?}", x.dtype)));
			}
			let shape = broadcast_shapes(&x.shape, &y.shape).ok_or_else(|| {
				invalid(format!("{label}: shapes {:?} and {:?} do not broadcast", x.shape, y.shape))
			})?;
			Ok(Imported::Op {
				op: Op::Binary(b),
				kept: vec![0, 1],
				outputs: vec![ValueType::new(DType::Bool, shape)],
			})
		},
		"Where" => {
			let (c, x, y) = (i.ty(0)?, i.ty(1)?, i.ty(2)?);
			if c.dtype != DType::Bool || x.dtype != y.dtype {
				return Err(invalid(format!(
					"{label}: Where of {:?} between {:?} and {:?}",
					c.dtype, x.dtype, y.dtype
				)));
			}
			let shape = broadcast_shapes(&c.shape, &x.shape)
				.and_then(|s| broadcast_shapes(&s, &y.shape))
				.ok_or_else(|| invalid(format!("{label}: shapes do not broadcast")))?;
			Ok(Imported::Op {
				op: Op::Where,
				kept: vec![0, 1, 2],
				outputs: vec![ValueType::new(x.dtype, shape)],
			})
		},
		"Add" | "Sub" | "Mul" | "Div" | "Pow" | "PRelu" => {
			let b = match node.op_type.as_str() {
				"Add" => BinaryOp::Add,
				"Sub" => BinaryOp::Sub,
				"Mul" => BinaryOp::Mul,
				"Div" => BinaryOp::Div,
				"Pow" => BinaryOp::Pow,
				_ => BinaryOp::PRelu,
			};
			let (x, y) = (i.ty(0)?, i.ty(1)?);
			if b != BinaryOp::Pow && x.dtype != y.dtype {
				return Err(invalid(format!("{label}: inputs of {:?} and {:?}", x.dtype, y.dtype)));
			}
			let shape = broadcast_shapes(&x.shape, &y.shape).ok_or_else(|| {
				invalid(format!("{label}: shapes {:?} and {:?} do not broadcast", x.shape, y.shape))
			})?;
			if b == BinaryOp::PRelu && shape != x.shape {
				return Err(invalid(format!("{label}: slope does not broadcast to the input")));
			}
			Ok(Imported::Op {
				op: Op::Binary(b),
				kept: vec![0, 1],
				outputs: vec![ValueType::new(x.dtype, shape)],
			})
		},
		"Sum" | "Max" | "Min" => {
			let v = match node.op_type.as_str() {
				"Sum" => VariadicOp::Sum,
				"Max" => VariadicOp::Max,
				_ => VariadicOp::Min,
			};
			let n = node.input.len();
			if n == 0 || (0..n).any(|k| !i.has(k)) {
				return Err(invalid(format!("{label}: needs at least one input")));
			}
			let first = i.ty(0)?;
			let mut shape = first.shape.clone();
			for k in 1..n {
				let t = i.ty(k)?;
				if t.dtype != first.dtype {
					return Err(invalid(format!("{label}: mixed input types")));
				}
				shape = broadcast_shapes(&shape, &t.shape)
					.ok_or_else(|| invalid(format!("{label}: shapes do not broadcast")))?;
			}
			Ok(Imported::Op {
				op: Op::Variadic(v),
				kept: (0..n).collect(),
				outputs: vec![ValueType::new(first.dtype, shape)],
			})
		},
		"Clip" => {
			let (min, max) = if opset < 11 {
				(a.has("min").then(|| f("min", 0.0)), a.has("max").then(|| f("max", 0.0)))
			} else {
				(i.float_scalar(1)?, i.float_scalar(2)?)
			};
			op_only(Op::Clip { min, max }, same(i.ty(0)?))
		},
		other => Err(unsupported(format!("{label}: op {other} is not element-wise"))),
	}
}
