//! Conversions between Verity's [`Tensor`] and tract's tensor, for every [`DType`].

use tract_onnx::prelude::{f16, Datum, Tensor as TractTensor};
use verity_primitives::tensor::{DType, Tensor, TensorData};

use crate::model::{dtype_of_tract, tract_message};

/// tract's tensor holding the same shape and elements as `t`.
pub fn to_tract(t: &Tensor) -> Result<TractTensor, String> {
	let shape = t.shape();
	let r = match t.data() {
		TensorData::F32(v) => TractTensor::from_shape(shape, v),
		TensorData::U8(v) => TractTensor::from_shape(shape, v),
		TensorData::I8(v) => TractTensor::from_shape(shape, v),
		TensorData::I32(v) => TractTensor::from_shape(shape, v),
		TensorData::I64(v) => TractTensor::from_shape(shape, v),
		TensorData::Bool(v) => TractTensor::from_shape(shape, v),
		TensorData::U16(v) => TractTensor::from_shape(shape, v),
		TensorData::I16(v) => TractTensor::from_shape(shape, v),
		TensorData::U32(v) => TractTensor::from_shape(shape, v),
		TensorData::U64(v) => TractTensor::from_shape(shape, v),
		TensorData::F16(v) => {
			let halves: Vec<f16> = v.iter().map(|h| f16::from_bits(*h)).collect();
			TractTensor::from_shape(shape, &halves)
		},
		TensorData::BF16(_) | TensorData::F8(..) | TensorData::SubByte(..) => {
			return Err(format!("tract has no {}", t.dtype().name()))
		},
	};
	r.map_err(tract_message)
}

fn elements<T: Datum + Copy>(t: &TractTensor) -> Result<Vec<T>, String> {
	let view = t.try_as_plain_ram().map_err(tract_message)?;
	Ok(view.as_slice::<T>().map_err(tract_message)?.to_vec())
}

/// Verity's tensor holding the same shape and elements as tract's `t` (quantized tract types
/// give their integer storage); an error for a datum type Verity does not support.
pub fn from_tract(t: &TractTensor) -> Result<Tensor, String> {
	let dt = t.datum_type();
	let dtype = dtype_of_tract(dt)
		.ok_or_else(|| format!("tract produced unsupported datum type {dt:?}"))?;
	let data = match dtype {
		DType::F32 => TensorData::F32(elements(t)?),
		DType::U8 => TensorData::U8(elements(t)?),
		DType::I8 => TensorData::I8(elements(t)?),
		DType::I32 => TensorData::I32(elements(t)?),
		DType::I64 => TensorData::I64(elements(t)?),
		DType::Bool => TensorData::Bool(elements(t)?),
		DType::U16 => TensorData::U16(elements(t)?),
		DType::I16 => TensorData::I16(elements(t)?),
		DType::U32 => TensorData::U32(elements(t)?),
		DType::U64 => TensorData::U64(elements(t)?),
		DType::F16 => TensorData::F16(elements::<f16>(t)?.iter().map(|h| h.to_bits()).collect()),
		// `dtype_of_tract` gives none of the types tract lacks.
		DType::BF16
		| DType::F8E4M3FN
		| DType::F8E4M3FNUZ
		| DType::F8E5M2
		| DType::F8E5M2FNUZ
		| DType::F8E8M0
		| DType::U4
		| DType::I4
		| DType::U2
		| DType::I2
		| DType::F4E2M1 => return Err(format!("tract has no {}", dtype.name())),
	};
	Tensor::new(t.shape().to_vec(), data).map_err(|e| format!("tract output: {e}"))
}
