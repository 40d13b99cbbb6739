//! JSON tensors: `{"dtype":"f32","shape":[1,4],"data":[...]}` with flat row-major data.
//!
//! f32 elements are numbers, printed as the shortest decimal that reads back to the same f32; JSON has no
//! NaN or infinity, so those are the strings `"NaN"`, `"inf"` and `"-inf"`. Bool elements are
//! `true`/`false` (0 and 1 are accepted on input). f16 elements are written as the f32 of the
//! same value and read as a number rounded once to the nearest f16. bfloat16, float8 and
//! float4e2m1 elements are written the same way; read as f32, each must be a value its type
//! holds.

use serde_json::{Map, Value};
use verity_primitives::{
	float16::{f16_to_f32, f64_to_f16},
	minifloat,
	tensor::{checked_numel, DType, Tensor, TensorData},
};

/// The JSON value of one f32 element.
pub fn f32_json(x: f32) -> Value {
	if x.is_nan() {
		Value::from("NaN")
	} else if x.is_infinite() {
		Value::from(if x > 0.0 { "inf" } else { "-inf" })
	} else {
		// The shortest decimal that reads back to the same f32 (Rust's `{:?}` form, a valid
		// JSON number such as `0.1`, `-0.0` or `1e-45`).
		format!("{x:?}")
			.parse::<serde_json::Number>()
			.map(Value::Number)
			.unwrap_or_else(|_| Value::from(x as f64))
	}
}

/// The `data` array of `t`.
pub fn data_json(t: &Tensor) -> Value {
	Value::Array(match t.data() {
		TensorData::F32(v) => v.iter().map(|x| f32_json(*x)).collect(),
		TensorData::U8(v) => v.iter().map(|x| Value::from(*x)).collect(),
		TensorData::I8(v) => v.iter().map(|x| Value::from(*x)).collect(),
		TensorData::I32(v) => v.iter().map(|x| Value::from(*x)).collect(),
		TensorData::I64(v) => v.iter().map(|x| Value::from(*x)).collect(),
		TensorData::Bool(v) => v.iter().map(|x| Value::from(*x)).collect(),
		TensorData::U16(v) => v.iter().map(|x| Value::from(*x)).collect(),
		TensorData::I16(v) => v.iter().map(|x| Value::from(*x)).collect(),
		TensorData::U32(v) => v.iter().map(|x| Value::from(*x)).collect(),
		TensorData::U64(v) => v.iter().map(|x| Value::from(*x)).collect(),
		// Each float16 as the float32 of the same value (exact), so it reads back unchanged.
		TensorData::F16(v) => v.iter().map(|h| f32_json(f16_to_f32(*h))).collect(),
		// bfloat16 and float8 likewise.
		TensorData::BF16(v) => v.iter().map(|b| f32_json(minifloat::bf16_to_f32(*b))).collect(),
		TensorData::F8(d, v) => {
			v.iter().map(|c| f32_json(minifloat::code_to_f32(*d, *c))).collect()
		},
		TensorData::SubByte(_, v) => v.iter().map(|x| Value::from(*x)).collect(),
	})
}

/// `{"dtype":..,"shape":[..],"data":[..]}` of `t`.
pub fn tensor_json(t: &Tensor) -> Value {
	let mut m = Map::new();
	m.insert("dtype".into(), Value::from(t.dtype().name()));
	m.insert("shape".into(), Value::from(t.shape().to_vec()));
	m.insert("data".into(), data_json(t));
	Value::Object(m)
}

fn f64_of(k: usize, v: &Value) -> Result<f64, String> {
	match v {
		Value::Number(n) => n.as_f64(),
		Value::String(s) => match s.as_str() {
			"NaN" | "nan" => Some(f64::NAN),
			"inf" | "Infinity" => Some(f64::INFINITY),
			"-inf" | "-Infinity" => Some(f64::NEG_INFINITY),
			_ => None,
		},
		_ => None,
	}
	.ok_or_else(|| format!("data[{k}] = {v} is not a number"))
}

fn f32_of(k: usize, v: &Value) -> Result<f32, String> {
	match v {
		Value::Number(n) => n.as_f64().map(|x| x as f32),
		Value::String(s) => match s.as_str() {
			"NaN" | "nan" => Some(f32::NAN),
			"inf" | "Infinity" => Some(f32::INFINITY),
			"-inf" | "-Infinity" => Some(f32::NEG_INFINITY),
			_ => None,
		},
		_ => None,
	}
	.ok_or_else(|| format!("data[{k}] = {v} is not an f32"))
}

/// The code (bfloat16 bits, a float8 code) of element `k`: read as an f32 (as f32 elements
/// are), which must be a value `dtype` holds (NaN and the infinities where the type has them).
fn narrow_float(k: usize, v: &Value, dtype: DType) -> Result<u16, String> {
	let f = f32_of(k, v)?;
	let code = minifloat::encode(dtype, f);
	let back = minifloat::decode(dtype, code);
	if back.to_bits() == f.to_bits() || (back.is_nan() && f.is_nan()) {
		Ok(code)
	} else {
		Err(format!("data[{k}] = {v} is not a {} value", dtype.name()))
	}
}

fn int_of<T: TryFrom<i64>>(k: usize, v: &Value, dtype: DType) -> Result<T, String> {
	v.as_i64()
		.and_then(|x| T::try_from(x).ok())
		.ok_or_else(|| format!("data[{k}] = {v} is not a {} integer", dtype.name()))
}

fn bool_of(k: usize, v: &Value) -> Result<bool, String> {
	match v {
		Value::Bool(b) => Ok(*b),
		Value::Number(n) if n.as_u64() == Some(0) => Ok(false),
		Value::Number(n) if n.as_u64() == Some(1) => Ok(true),
		_ => Err(format!("data[{k}] = {v} is not a bool")),
	}
}

fn collect<T>(
	items: &[Value],
	f: impl Fn(usize, &Value) -> Result<T, String>,
) -> Result<Vec<T>, String> {
	items.iter().enumerate().map(|(k, v)| f(k, v)).collect()
}

/// The dtype names [`decode_json`] reads, for messages.
const SUPPORTED_NAMES: &str = "f32 f16 bf16 f8e4m3fn f8e4m3fnuz f8e5m2 f8e5m2fnuz f8e8m0 \
	f4e2m1 u8 i8 u16 i16 i32 u32 i64 u64 bool u4 i4 u2 i2";

/// The tensor in JSON `bytes`; other keys (e.g. an output's `name`) are ignored.
pub fn decode_json(bytes: &[u8]) -> Result<Tensor, String> {
	let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("malformed JSON: {e}"))?;
	let obj = v.as_object().ok_or("expected an object with dtype, shape and data")?;
	let dtype_name =
		obj.get("dtype").and_then(Value::as_str).ok_or("missing string field 'dtype'")?;
	let dtype = DType::from_name(dtype_name).ok_or_else(|| {
		format!("dtype '{dtype_name}' is not supported (supported: {})", SUPPORTED_NAMES)
	})?;
	let shape = obj
		.get("shape")
		.and_then(Value::as_array)
		.ok_or("missing array field 'shape'")?
		.iter()
		.map(|d| {
			d.as_u64()
				.and_then(|d| usize::try_from(d).ok())
				.ok_or_else(|| format!("shape entry {d} is not a non-negative integer"))
		})
		.collect::<Result<Vec<usize>, _>>()?;
	let n = checked_numel(&shape).map_err(|e| format!("shape {shape:?}: {e}"))?;
	let items = obj.get("data").and_then(Value::as_array).ok_or("missing array field 'data'")?;
	if items.len() != n {
		return Err(format!(
			"'data' has {} elements where shape {shape:?} needs {n} (data is flat, row-major)",
			items.len()
		));
	}
	let data = match dtype {
		DType::F32 => TensorData::F32(collect(items, f32_of)?),
		DType::U8 => TensorData::U8(collect(items, |k, v| int_of(k, v, dtype))?),
		DType::I8 => TensorData::I8(collect(items, |k, v| int_of(k, v, dtype))?),
		DType::I32 => TensorData::I32(collect(items, |k, v| int_of(k, v, dtype))?),
		DType::I64 => TensorData::I64(collect(items, |k, v| int_of(k, v, dtype))?),
		DType::Bool => TensorData::Bool(collect(items, bool_of)?),
		DType::U16 => TensorData::U16(collect(items, |k, v| int_of(k, v, dtype))?),
		DType::I16 => TensorData::I16(collect(items, |k, v| int_of(k, v, dtype))?),
		DType::U32 => TensorData::U32(collect(items, |k, v| int_of(k, v, dtype))?),
		DType::U64 => TensorData::U64(collect(items, |k, v| {
			v.as_u64().ok_or_else(|| format!("data[{k}] = {v} is not a u64 integer"))
		})?),
		// Read as a float64 (the decimal), then rounded once to the nearest float16.
		DType::F16 => TensorData::F16(collect(items, |k, v| f64_of(k, v).map(f64_to_f16))?),
		// Only the values the type holds: nothing is rounded to a type this narrow unasked.
		DType::BF16 => TensorData::BF16(collect(items, |k, v| narrow_float(k, v, dtype))?),
		DType::F8E4M3FN
		| DType::F8E4M3FNUZ
		| DType::F8E5M2
		| DType::F8E5M2FNUZ
		| DType::F8E8M0
		| DType::F4E2M1 => TensorData::F8(
			dtype,
			collect(items, |k, v| narrow_float(k, v, dtype).map(|c: u16| c as u8))?,
		),
		// Integers within the type's range.
		DType::U4 | DType::I4 | DType::U2 | DType::I2 => {
			let (lo, hi) = dtype.sub_byte_range().unwrap_or((0, 0));
			TensorData::SubByte(
				dtype,
				collect(items, |k, v| {
					int_of::<i8>(k, v, dtype)
						.ok()
						.filter(|x| (lo..=hi).contains(x))
						.ok_or_else(|| format!("data[{k}] = {v} is not a {} integer", dtype.name()))
				})?,
			)
		},
	};
	Tensor::new(shape, data).map_err(|e| e.to_string())
}
