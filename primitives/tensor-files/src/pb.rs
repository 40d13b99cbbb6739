//! ONNX `TensorProto` files (`.pb`), the format of ONNX's own test data.

use verity_primitives::{
	graph::{onnx_raw_bytes, onnx_type_name, unpack_sub_byte},
	onnx::{builder::put_varint, Message, TensorProto},
	tensor::{checked_numel, DType, Tensor, TensorData},
};

/// Supported dtypes, for messages.
const SUPPORTED: &str = "float32, float16, bfloat16, the float8 types, float4e2m1, uint8, \
	int8, uint16, int16, int32, uint32, int64, uint64, bool, int4, uint4, int2, uint2";

/// The tensor in an encoded `TensorProto`.
pub fn decode_pb(bytes: &[u8]) -> Result<Tensor, String> {
	let t = TensorProto::decode(bytes).map_err(|e| format!("malformed TensorProto: {e}"))?;
	if t.data_location == 1 {
		return Err("the tensor's data is in an external file, which is not supported".into());
	}
	let dtype = DType::from_onnx(t.data_type).ok_or_else(|| {
		format!(
			"data type {} ({}) is not supported (supported: {SUPPORTED})",
			t.data_type,
			onnx_type_name(t.data_type)
		)
	})?;
	let shape = t
		.dims
		.iter()
		.map(|d| usize::try_from(*d).map_err(|_| format!("negative dimension {d} in {:?}", t.dims)))
		.collect::<Result<Vec<usize>, _>>()?;
	let n = checked_numel(&shape).map_err(|e| format!("shape {shape:?}: {e}"))?;
	let data = if dtype.onnx_per_byte() > 1 {
		// Packed, two or four per byte (the first in the low bits), in `raw_data` or one
		// packed byte per element of `int32_data`.
		let packed =
			if t.raw_data.is_empty() { narrow(&t.int32_data, "packed bytes")? } else { t.raw_data };
		let want = n.div_ceil(dtype.onnx_per_byte());
		if packed.len() != want {
			return Err(format!(
				"{} packed bytes where shape {shape:?} of {} needs {want}",
				packed.len(),
				dtype.name()
			));
		}
		unpack_sub_byte(dtype, &packed, n)
	} else if !t.raw_data.is_empty() {
		let want = n * dtype.size();
		if t.raw_data.len() != want {
			return Err(format!(
				"{} bytes of raw data where shape {shape:?} of {} needs {want}",
				t.raw_data.len(),
				dtype.name()
			));
		}
		if dtype == DType::Bool {
			if let Some(b) = t.raw_data.iter().find(|b| **b > 1) {
				return Err(format!("bool byte {b} is neither 0 nor 1"));
			}
		}
		TensorData::from_le_bytes(dtype, &t.raw_data).map_err(|e| e.to_string())?
	} else {
		match dtype {
			DType::F32 => TensorData::F32(t.float_data),
			DType::I64 => TensorData::I64(t.int64_data),
			DType::I32 => TensorData::I32(t.int32_data),
			DType::I8 => TensorData::I8(narrow(&t.int32_data, "int8")?),
			DType::U8 => TensorData::U8(narrow(&t.int32_data, "uint8")?),
			DType::Bool => TensorData::Bool(
				t.int32_data
					.iter()
					.map(|v| match v {
						0 => Ok(false),
						1 => Ok(true),
						v => Err(format!("bool element {v} is neither 0 nor 1")),
					})
					.collect::<Result<_, _>>()?,
			),
			// ONNX keeps 16-bit values (float16 as its bits) in `int32_data`, uint32 and
			// uint64 in `uint64_data`.
			DType::I16 => TensorData::I16(narrow(&t.int32_data, "int16")?),
			DType::U16 => TensorData::U16(narrow(&t.int32_data, "uint16")?),
			DType::F16 => TensorData::F16(narrow(&t.int32_data, "float16 bits")?),
			DType::U32 => TensorData::U32(
				t.uint64_data
					.iter()
					.map(|x| {
						u32::try_from(*x)
							.map_err(|_| format!("element {x} is out of range for uint32"))
					})
					.collect::<Result<_, _>>()?,
			),
			DType::U64 => TensorData::U64(t.uint64_data),
			// bfloat16 as its bits and the float8 types as their codes, in `int32_data` too.
			DType::BF16 => TensorData::BF16(narrow(&t.int32_data, "bfloat16 bits")?),
			DType::F8E4M3FN
			| DType::F8E4M3FNUZ
			| DType::F8E5M2
			| DType::F8E5M2FNUZ
			| DType::F8E8M0 => TensorData::F8(dtype, narrow(&t.int32_data, "float8 codes")?),
			// Unpacked above.
			DType::U4 | DType::I4 | DType::U2 | DType::I2 | DType::F4E2M1 => {
				TensorData::zeros(dtype, 0)
			},
		}
	};
	if data.len() != n {
		return Err(format!("{} elements where shape {shape:?} needs {n}", data.len()));
	}
	Tensor::new(shape, data).map_err(|e| e.to_string())
}

/// `int32_data` elements narrowed to a small integer type, refusing out-of-range values.
fn narrow<T: TryFrom<i32>>(v: &[i32], name: &str) -> Result<Vec<T>, String> {
	v.iter()
		.map(|x| T::try_from(*x).map_err(|_| format!("element {x} is out of range for {name}")))
		.collect()
}

fn put_bytes(out: &mut Vec<u8>, field: u64, bytes: &[u8]) {
	put_varint(out, (field << 3) | 2);
	put_varint(out, bytes.len() as u64);
	out.extend_from_slice(bytes);
}

/// `t` encoded as a `TensorProto` named `name`, data in `raw_data` (as ONNX's tools write).
pub fn encode_pb(name: &str, t: &Tensor) -> Vec<u8> {
	let mut out = Vec::new();
	for d in t.shape() {
		put_varint(&mut out, 1 << 3);
		put_varint(&mut out, *d as u64);
	}
	put_varint(&mut out, 2 << 3);
	put_varint(&mut out, t.dtype().onnx_code() as u64);
	put_bytes(&mut out, 8, name.as_bytes());
	// ONNX packs the 4- and 2-bit types; every other type is its canonical bytes.
	put_bytes(&mut out, 9, &onnx_raw_bytes(t));
	out
}
