//! Conversions from ONNX protobuf structs: tensors and attributes.

use alloc::{format, string::String, vec::Vec};

use super::GraphError;
use crate::{
	onnx::{AttributeProto, TensorProto},
	tensor::{checked_numel, DType, Tensor, TensorData},
};

fn unsupported(s: String) -> GraphError {
	GraphError::Unsupported(s)
}

fn invalid(s: String) -> GraphError {
	GraphError::Invalid(s)
}

/// A tensor from an ONNX `TensorProto` (initializer or attribute).
pub fn tensor_from_proto(t: &TensorProto) -> Result<Tensor, GraphError> {
	let name = &t.name;
	if t.data_location == 1 {
		return Err(unsupported(format!("tensor '{name}' uses external data")));
	}
	let dtype = DType::from_onnx(t.data_type).ok_or_else(|| {
		unsupported(format!(
			"tensor '{name}' has data type {} ({})",
			t.data_type,
			onnx_type_name(t.data_type)
		))
	})?;
	let mut shape = Vec::with_capacity(t.dims.len());
	for d in &t.dims {
		shape.push(super::shapes::dim(*d, &format!("tensor '{name}'"))?);
	}
	let n = checked_numel(&shape).map_err(|e| unsupported(format!("tensor '{name}': {e}")))?;
	let mismatch =
		|got: usize| invalid(format!("tensor '{name}' has {got} elements for shape {shape:?}"));
	let data = if dtype.onnx_per_byte() > 1 {
		// Packed (two or four per byte, the first in the low bits), in `raw_data` or one packed
		// byte per element of `int32_data`.
		let packed = if t.raw_data.is_empty() {
			narrow::<i32, u8>(&t.int32_data, name)?
		} else {
			t.raw_data.clone()
		};
		if packed.len() != n.div_ceil(dtype.onnx_per_byte()) {
			return Err(invalid(format!(
				"tensor '{name}' has {} packed bytes for shape {shape:?}",
				packed.len()
			)));
		}
		unpack_sub_byte(dtype, &packed, n)
	} else if !t.raw_data.is_empty() {
		if Some(t.raw_data.len()) != n.checked_mul(dtype.size()) {
			return Err(invalid(format!(
				"tensor '{name}' has {} raw bytes for shape {shape:?}",
				t.raw_data.len()
			)));
		}
		TensorData::from_le_bytes(dtype, &t.raw_data)
			.map_err(|e| invalid(format!("tensor '{name}': {e}")))?
	} else {
		let data = match dtype {
			DType::F32 => TensorData::F32(t.float_data.clone()),
			DType::I64 => TensorData::I64(t.int64_data.clone()),
			DType::I32 => TensorData::I32(t.int32_data.clone()),
			DType::I8 => TensorData::I8(t.int32_data.iter().map(|v| *v as i8).collect()),
			DType::U8 => TensorData::U8(t.int32_data.iter().map(|v| *v as u8).collect()),
			DType::Bool => TensorData::Bool(t.int32_data.iter().map(|v| *v != 0).collect()),
			// ONNX keeps 16-bit values (float16 as its bits) in `int32_data`, uint32 in
			// `uint64_data`.
			// A value out of the type's range is refused (the older types keep their import).
			DType::I16 => TensorData::I16(narrow(&t.int32_data, name)?),
			DType::U16 | DType::F16 => {
				let bits = narrow(&t.int32_data, name)?;
				if dtype == DType::F16 {
					TensorData::F16(bits)
				} else {
					TensorData::U16(bits)
				}
			},
			DType::U32 => TensorData::U32(narrow(&t.uint64_data, name)?),
			DType::U64 => TensorData::U64(t.uint64_data.clone()),
			// bfloat16 as its bits and the float8 types as their codes, in `int32_data` too.
			DType::BF16 => TensorData::BF16(narrow(&t.int32_data, name)?),
			DType::F8E4M3FN
			| DType::F8E4M3FNUZ
			| DType::F8E5M2
			| DType::F8E5M2FNUZ
			| DType::F8E8M0 => TensorData::F8(dtype, narrow(&t.int32_data, name)?),
			// Unpacked above.
			DType::U4 | DType::I4 | DType::U2 | DType::I2 | DType::F4E2M1 => {
				TensorData::zeros(dtype, n)
			},
		};
		if data.len() != n {
			return Err(mismatch(data.len()));
		}
		data
	};
	Tensor::new(shape, data).map_err(|e| invalid(format!("tensor '{name}': {e}")))
}

/// Elements per packed byte and bits per element of a 4- or 2-bit type (else 1 and 8).
fn packing(dtype: DType) -> (u32, u32) {
	match dtype {
		DType::U4 | DType::I4 | DType::F4E2M1 => (2, 4),
		DType::U2 | DType::I2 => (4, 2),
		_ => (1, 8),
	}
}

/// The `n` elements of a 4- or 2-bit type `dtype` packed in `bytes` (the first in the low bits
/// of each byte; bits past the last element are ignored): integers, or float4e2m1 codes.
pub fn unpack_sub_byte(dtype: DType, bytes: &[u8], n: usize) -> TensorData {
	let (per_byte, bits) = packing(dtype);
	let signed = matches!(dtype, DType::I4 | DType::I2);
	// The code moved to the top bits of a byte and back down: sign- or zero-extended.
	let up = 8u32.wrapping_sub(bits);
	let values = bytes
		.iter()
		.flat_map(|b| (0..per_byte).map(move |k| b.wrapping_shr(k.wrapping_mul(bits))))
		.take(n)
		.map(|code| {
			let top = code.wrapping_shl(up);
			if signed {
				(top as i8).wrapping_shr(up)
			} else {
				top.wrapping_shr(up) as i8
			}
		})
		.collect::<Vec<i8>>();
	if dtype == DType::F4E2M1 {
		// Zero-extended codes, 0..=0x0f.
		return TensorData::F8(dtype, values.into_iter().map(|c| c as u8).collect());
	}
	TensorData::SubByte(dtype, values)
}

/// The bytes of `t` as ONNX's `raw_data` holds them: the 4- and 2-bit types packed
/// ([`pack_sub_byte`]), every other type its canonical bytes.
pub fn onnx_raw_bytes(t: &Tensor) -> Vec<u8> {
	match t.data() {
		TensorData::SubByte(dtype, v) => pack_sub_byte(*dtype, v),
		TensorData::F8(DType::F4E2M1, codes) => {
			let values: Vec<i8> = codes.iter().map(|c| *c as i8).collect();
			pack_sub_byte(DType::F4E2M1, &values)
		},
		_ => t.to_le_bytes(),
	}
}

/// `values` of a 4- or 2-bit integer type `dtype` packed as ONNX stores them: two or four per
/// byte, the first in the low bits, the last byte's unused bits zero.
pub fn pack_sub_byte(dtype: DType, values: &[i8]) -> Vec<u8> {
	let (per_byte, bits) = packing(dtype);
	let mask = u8::MAX.wrapping_shr(8u32.wrapping_sub(bits));
	values
		.chunks(per_byte as usize)
		.map(|group| {
			group
				.iter()
				.zip((0u32..).step_by(bits as usize))
				.fold(0u8, |b, (v, shift)| b | ((*v as u8) & mask).wrapping_shl(shift))
		})
		.collect()
}

/// `values` converted to a narrower type, or an error naming the first that does not fit.
fn narrow<F: Copy + core::fmt::Display, T: TryFrom<F>>(
	values: &[F],
	name: &str,
) -> Result<Vec<T>, GraphError> {
	values
		.iter()
		.map(|v| {
			T::try_from(*v)
				.map_err(|_| invalid(format!("tensor '{name}': element {v} out of range")))
		})
		.collect()
}

/// A readable name of an ONNX data type code.
pub fn onnx_type_name(code: i32) -> &'static str {
	match code {
		0 => "undefined",
		1 => "float32",
		2 => "uint8",
		3 => "int8",
		4 => "uint16",
		5 => "int16",
		6 => "int32",
		7 => "int64",
		8 => "string",
		9 => "bool",
		10 => "float16",
		11 => "float64",
		12 => "uint32",
		13 => "uint64",
		14 => "complex64",
		15 => "complex128",
		16 => "bfloat16",
		17 => "float8e4m3fn",
		18 => "float8e4m3fnuz",
		19 => "float8e5m2",
		20 => "float8e5m2fnuz",
		21 => "uint4",
		22 => "int4",
		23 => "float4e2m1",
		24 => "float8e8m0",
		25 => "uint2",
		26 => "int2",
		_ => "unknown",
	}
}

/// The attributes of one node, looked up by name.
pub struct Attrs<'a> {
	/// The node's description for messages, e.g. `node 'conv1' (Conv)`.
	pub node: &'a str,
	/// The attributes.
	pub list: &'a [AttributeProto],
}

impl<'a> Attrs<'a> {
	fn find(&self, name: &str) -> Option<&'a AttributeProto> {
		self.list.iter().find(|a| a.name == name)
	}

	/// Whether attribute `name` is present.
	pub fn has(&self, name: &str) -> bool {
		self.find(name).is_some()
	}

	/// Integer attribute `name`, or `default`.
	pub fn int(&self, name: &str, default: i64) -> i64 {
		self.find(name).map(|a| a.i).unwrap_or(default)
	}

	/// Float attribute `name`, or `default`.
	pub fn float(&self, name: &str, default: f32) -> f32 {
		self.find(name).map(|a| a.f).unwrap_or(default)
	}

	/// Refuses attribute `name`, when present, unless its ONNX type is `expected` (1 float,
	/// 2 int): tract, which loads every model beside the canonical engine, refuses it too.
	pub fn typed(&self, name: &str, expected: i32) -> Result<(), GraphError> {
		match self.find(name) {
			Some(a) if a.r#type != expected => Err(invalid(format!(
				"{}: attribute '{name}' of type {} (expected {expected})",
				self.node, a.r#type
			))),
			_ => Ok(()),
		}
	}

	/// A boolean attribute (an int, 0 or 1), or `default`; any other value is refused, as
	/// tract refuses it.
	pub fn flag(&self, name: &str, default: bool) -> Result<bool, GraphError> {
		self.typed(name, 2)?;
		match self.find(name).map(|a| a.i) {
			None => Ok(default),
			Some(0) => Ok(false),
			Some(1) => Ok(true),
			Some(v) => {
				Err(invalid(format!("{}: attribute '{name}' is {v}, not 0 or 1", self.node)))
			},
		}
	}

	/// Integer-list attribute `name`, if present.
	pub fn ints(&self, name: &str) -> Option<Vec<i64>> {
		self.find(name).map(|a| a.ints.clone())
	}

	/// Float-list attribute `name`, if present.
	pub fn floats(&self, name: &str) -> Option<Vec<f32>> {
		self.find(name).map(|a| a.floats.clone())
	}

	/// String attribute `name`, or `default`.
	pub fn string(&self, name: &str, default: &str) -> Result<String, GraphError> {
		match self.find(name) {
			None => Ok(default.into()),
			Some(a) => String::from_utf8(a.s.clone())
				.map_err(|_| invalid(format!("{}: attribute '{name}' is not UTF-8", self.node))),
		}
	}

	/// Tensor attribute `name`, if present.
	pub fn tensor(&self, name: &str) -> Result<Option<Tensor>, GraphError> {
		match self.find(name).and_then(|a| a.t.as_ref()) {
			None => Ok(None),
			Some(t) => tensor_from_proto(t).map(Some),
		}
	}

	/// Refuses a graph-valued attribute (control flow is not supported).
	pub fn no_subgraphs(&self) -> Result<(), GraphError> {
		match self.list.iter().find(|a| a.has_graph) {
			Some(a) => Err(unsupported(format!(
				"{}: attribute '{}' holds a subgraph (control flow is not supported)",
				self.node, a.name
			))),
			None => Ok(()),
		}
	}
}
