//! The ONNX messages Verity reads, with only the fields it needs.
//!
//! Decoding follows protobuf merge semantics: a repeated scalar or string field appends,
//! a singular scalar keeps the last value, a singular message merges every occurrence,
//! and unknown fields are skipped. Field numbers follow `onnx.proto`.

use alloc::{format, string::String, vec::Vec};

use super::{
	wire::{Field, Meter, Reader},
	DecodeError, MAX_NESTING,
};

/// What decoding `len` bytes may allocate: 4 bytes per byte plus 1 MiB. Raw tensor data costs
/// one byte per byte; the allowance leaves room for the structure around it, and refuses
/// inputs whose wire form is far denser than their decoded form (empty messages, 1-byte
/// varints by the million).
pub fn decode_allowance(len: usize) -> u64 {
	(len as u64).saturating_mul(4).saturating_add(1 << 20)
}

/// A protobuf message that can be decoded from its wire format.
pub trait Message: Default {
	/// Message name used in error messages.
	const NAME: &'static str;

	/// Merges one field into `self`; `depth` is the nesting depth of `self`.
	fn merge_field(&mut self, field: Field<'_>, depth: usize) -> Result<(), DecodeError>;

	/// Merges an encoded message at nesting `depth` into `self` (unmetered).
	fn merge(&mut self, bytes: &[u8], depth: usize) -> Result<(), DecodeError> {
		self.merge_metered(bytes, depth, None)
	}

	/// Merges an encoded message at nesting `depth` into `self`, charging what it allocates
	/// to `meter`.
	fn merge_metered(
		&mut self,
		bytes: &[u8],
		depth: usize,
		meter: Option<&Meter>,
	) -> Result<(), DecodeError> {
		if depth > MAX_NESTING {
			return Err(DecodeError::new(format!(
				"{}: nesting too deep (depth {depth}, max {MAX_NESTING})",
				Self::NAME
			)));
		}
		for item in Reader::new(bytes, Self::NAME) {
			let (number, value) = item?;
			self.merge_field(Field::metered(Self::NAME, number, value, meter), depth)?;
		}
		Ok(())
	}

	/// Decodes an encoded top-level message, allocating at most [`decode_allowance`] bytes.
	fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
		let meter = Meter::new(decode_allowance(bytes.len()));
		let mut message = Self::default();
		message.merge_metered(bytes, 0, Some(&meter))?;
		Ok(message)
	}
}

/// Merges the embedded message in `field` into `slot`, one level below `depth`.
fn merge_nested<T: Message>(
	slot: &mut T,
	field: &Field<'_>,
	depth: usize,
) -> Result<(), DecodeError> {
	let bytes = field.bytes()?;
	slot.merge_metered(bytes, depth.saturating_add(1), field.meter).map_err(|e| e.within(field))
}

/// Merges the embedded message in `field` into an optional singular field.
fn merge_optional<T: Message>(
	slot: &mut Option<T>,
	field: &Field<'_>,
	depth: usize,
) -> Result<(), DecodeError> {
	merge_nested(slot.get_or_insert_with(T::default), field, depth)
}

/// Decodes the embedded message in `field` and appends it to a repeated field.
fn push_nested<T: Message>(
	out: &mut Vec<T>,
	field: &Field<'_>,
	depth: usize,
) -> Result<(), DecodeError> {
	field.check_room(out.len(), 1)?;
	field.charge(core::mem::size_of::<T>())?;
	let mut message = T::default();
	merge_nested(&mut message, field, depth)?;
	out.push(message);
	Ok(())
}

/// `ModelProto`: the top-level ONNX file.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ModelProto {
	/// Field 1: IR version of the file format.
	pub ir_version: i64,
	/// Field 8: operator sets the model depends on.
	pub opset_import: Vec<OperatorSetId>,
	/// Field 2: name of the tool that wrote the model.
	pub producer_name: String,
	/// Field 7: the computation graph.
	pub graph: Option<GraphProto>,
}

impl Message for ModelProto {
	const NAME: &'static str = "ModelProto";

	fn merge_field(&mut self, f: Field<'_>, depth: usize) -> Result<(), DecodeError> {
		match f.number {
			1 => self.ir_version = f.int64()?,
			2 => self.producer_name = f.string()?,
			7 => merge_optional(&mut self.graph, &f, depth)?,
			8 => push_nested(&mut self.opset_import, &f, depth)?,
			_ => {},
		}
		Ok(())
	}
}

/// `OperatorSetIdProto`: one imported operator set.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct OperatorSetId {
	/// Field 1: operator domain ("" or "ai.onnx" for the default domain).
	pub domain: String,
	/// Field 2: operator set version.
	pub version: i64,
}

impl Message for OperatorSetId {
	const NAME: &'static str = "OperatorSetIdProto";

	fn merge_field(&mut self, f: Field<'_>, _depth: usize) -> Result<(), DecodeError> {
		match f.number {
			1 => self.domain = f.string()?,
			2 => self.version = f.int64()?,
			_ => {},
		}
		Ok(())
	}
}

/// `GraphProto`: nodes, weights and the graph's inputs and outputs.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct GraphProto {
	/// Field 1: nodes, in the order the file lists them.
	pub node: Vec<NodeProto>,
	/// Field 2: graph name.
	pub name: String,
	/// Field 5: constant tensors (weights).
	pub initializer: Vec<TensorProto>,
	/// Field 11: graph inputs.
	pub input: Vec<ValueInfoProto>,
	/// Field 12: graph outputs.
	pub output: Vec<ValueInfoProto>,
	/// Field 13: types of intermediate values.
	pub value_info: Vec<ValueInfoProto>,
}

impl Message for GraphProto {
	const NAME: &'static str = "GraphProto";

	fn merge_field(&mut self, f: Field<'_>, depth: usize) -> Result<(), DecodeError> {
		match f.number {
			1 => push_nested(&mut self.node, &f, depth)?,
			2 => self.name = f.string()?,
			5 => push_nested(&mut self.initializer, &f, depth)?,
			11 => push_nested(&mut self.input, &f, depth)?,
			12 => push_nested(&mut self.output, &f, depth)?,
			13 => push_nested(&mut self.value_info, &f, depth)?,
			_ => {},
		}
		Ok(())
	}
}

/// `NodeProto`: one operator application.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct NodeProto {
	/// Field 1: input value names ("" for an omitted optional input).
	pub input: Vec<String>,
	/// Field 2: output value names.
	pub output: Vec<String>,
	/// Field 3: node name.
	pub name: String,
	/// Field 4: operator name, e.g. "MatMul".
	pub op_type: String,
	/// Field 5: operator attributes.
	pub attribute: Vec<AttributeProto>,
	/// Field 7: operator domain.
	pub domain: String,
}

impl Message for NodeProto {
	const NAME: &'static str = "NodeProto";

	fn merge_field(&mut self, f: Field<'_>, depth: usize) -> Result<(), DecodeError> {
		match f.number {
			1 => f.push_string(&mut self.input)?,
			2 => f.push_string(&mut self.output)?,
			3 => self.name = f.string()?,
			4 => self.op_type = f.string()?,
			5 => push_nested(&mut self.attribute, &f, depth)?,
			7 => self.domain = f.string()?,
			_ => {},
		}
		Ok(())
	}
}

/// `AttributeProto`: a named operator parameter.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct AttributeProto {
	/// Field 1: attribute name.
	pub name: String,
	/// Field 2: float value.
	pub f: f32,
	/// Field 3: integer value.
	pub i: i64,
	/// Field 4: bytes (string) value.
	pub s: Vec<u8>,
	/// Field 5: tensor value.
	pub t: Option<TensorProto>,
	/// Set when a graph value (field 6 `g`, or field 11 `graphs`) is present; graphs are
	/// not decoded.
	pub has_graph: bool,
	/// Field 7: float list value.
	pub floats: Vec<f32>,
	/// Field 8: integer list value.
	pub ints: Vec<i64>,
	/// Field 9: bytes (string) list value.
	pub strings: Vec<Vec<u8>>,
	/// Field 20: `AttributeType` of the value (1 FLOAT, 2 INT, 3 STRING, 4 TENSOR, ...).
	pub r#type: i32,
}

impl Message for AttributeProto {
	const NAME: &'static str = "AttributeProto";

	fn merge_field(&mut self, f: Field<'_>, depth: usize) -> Result<(), DecodeError> {
		match f.number {
			1 => self.name = f.string()?,
			2 => self.f = f.float()?,
			3 => self.i = f.int64()?,
			4 => self.s = f.bytes_vec()?,
			5 => merge_optional(&mut self.t, &f, depth)?,
			6 | 11 => {
				f.bytes()?;
				self.has_graph = true;
			},
			7 => f.push_floats(&mut self.floats)?,
			8 => f.push_varints(&mut self.ints, |v| v as i64)?,
			9 => f.push_bytes(&mut self.strings)?,
			20 => self.r#type = f.int32()?,
			_ => {},
		}
		Ok(())
	}
}

/// `TensorProto`: a constant tensor (an initializer or attribute value).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct TensorProto {
	/// Field 1: shape.
	pub dims: Vec<i64>,
	/// Field 2: `TensorProto.DataType` of the elements (1 FLOAT, 7 INT64, ...).
	pub data_type: i32,
	/// Field 4: FLOAT (and COMPLEX64) elements.
	pub float_data: Vec<f32>,
	/// Field 5: INT32, INT16, INT8, UINT16, UINT8, BOOL and FLOAT16 (as bits) elements.
	pub int32_data: Vec<i32>,
	/// Field 7: INT64 elements.
	pub int64_data: Vec<i64>,
	/// Field 8: tensor name.
	pub name: String,
	/// Field 9: elements as little-endian bytes.
	pub raw_data: Vec<u8>,
	/// Field 10: DOUBLE (and COMPLEX128) elements.
	pub double_data: Vec<f64>,
	/// Field 11: UINT32 and UINT64 elements.
	pub uint64_data: Vec<u64>,
	/// Field 14: 0 DEFAULT (data inline) or 1 EXTERNAL (data in another file).
	pub data_location: i32,
}

impl Message for TensorProto {
	const NAME: &'static str = "TensorProto";

	fn merge_field(&mut self, f: Field<'_>, _depth: usize) -> Result<(), DecodeError> {
		match f.number {
			1 => f.push_varints(&mut self.dims, |v| v as i64)?,
			2 => self.data_type = f.int32()?,
			4 => f.push_floats(&mut self.float_data)?,
			5 => f.push_varints(&mut self.int32_data, |v| v as i32)?,
			6 => return Err(f.error("string_data is not supported")),
			7 => f.push_varints(&mut self.int64_data, |v| v as i64)?,
			8 => self.name = f.string()?,
			9 => self.raw_data = f.bytes_vec()?,
			10 => f.push_doubles(&mut self.double_data)?,
			11 => f.push_varints(&mut self.uint64_data, |v| v)?,
			14 => self.data_location = f.int32()?,
			_ => {},
		}
		Ok(())
	}
}

/// `ValueInfoProto`: a named, typed value (graph input, output or intermediate).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ValueInfoProto {
	/// Field 1: value name.
	pub name: String,
	/// Field 2: value type.
	pub r#type: Option<TypeProto>,
}

impl Message for ValueInfoProto {
	const NAME: &'static str = "ValueInfoProto";

	fn merge_field(&mut self, f: Field<'_>, depth: usize) -> Result<(), DecodeError> {
		match f.number {
			1 => self.name = f.string()?,
			2 => merge_optional(&mut self.r#type, &f, depth)?,
			_ => {},
		}
		Ok(())
	}
}

/// `TypeProto`: a value's type; only dense tensors are represented.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct TypeProto {
	/// Field 1: dense tensor type; `None` for every other kind (sequence, map, ...).
	pub tensor_type: Option<TypeProtoTensor>,
}

impl Message for TypeProto {
	const NAME: &'static str = "TypeProto";

	fn merge_field(&mut self, f: Field<'_>, depth: usize) -> Result<(), DecodeError> {
		match f.number {
			1 => merge_optional(&mut self.tensor_type, &f, depth)?,
			// Other members of the `value` oneof (sequence, map, opaque, sparse tensor,
			// optional) replace the tensor type.
			4 | 5 | 7 | 8 | 9 => {
				f.bytes()?;
				self.tensor_type = None;
			},
			_ => {},
		}
		Ok(())
	}
}

/// `TypeProto.Tensor`: element type and shape of a dense tensor.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct TypeProtoTensor {
	/// Field 1: `TensorProto.DataType` of the elements.
	pub elem_type: i32,
	/// Field 2: shape, if known.
	pub shape: Option<TensorShapeProto>,
}

impl Message for TypeProtoTensor {
	const NAME: &'static str = "TypeProto.Tensor";

	fn merge_field(&mut self, f: Field<'_>, depth: usize) -> Result<(), DecodeError> {
		match f.number {
			1 => self.elem_type = f.int32()?,
			2 => merge_optional(&mut self.shape, &f, depth)?,
			_ => {},
		}
		Ok(())
	}
}

/// `TensorShapeProto`: a list of dimensions.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct TensorShapeProto {
	/// Field 1: dimensions, outermost first.
	pub dim: Vec<Dimension>,
}

impl Message for TensorShapeProto {
	const NAME: &'static str = "TensorShapeProto";

	fn merge_field(&mut self, f: Field<'_>, depth: usize) -> Result<(), DecodeError> {
		if f.number == 1 {
			push_nested(&mut self.dim, &f, depth)?;
		}
		Ok(())
	}
}

/// `TensorShapeProto.Dimension`: one dimension of a shape.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Dimension {
	/// The dimension's size, symbolic name, or neither.
	pub value: DimValue,
}

/// The `value` oneof of a dimension.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum DimValue {
	/// Field 1 `dim_value`: a concrete size.
	Value(i64),
	/// Field 2 `dim_param`: a symbolic size, e.g. "batch".
	Param(String),
	/// Neither field present.
	#[default]
	Unknown,
}

impl Message for Dimension {
	const NAME: &'static str = "TensorShapeProto.Dimension";

	fn merge_field(&mut self, f: Field<'_>, _depth: usize) -> Result<(), DecodeError> {
		match f.number {
			1 => self.value = DimValue::Value(f.int64()?),
			2 => self.value = DimValue::Param(f.string()?),
			_ => {},
		}
		Ok(())
	}
}
