//! The extrinsics the tool sends, built as dynamic payloads.
//!
//! Arguments are plain Rust values that subxt encodes against the runtime's own types from
//! its metadata (`Vec<u8>` into a `BoundedVec<u8, _>`, [`H256`] into `ModelId`, ...), so no
//! generated code has to track the runtime. Enum variants, such as a tensor's [`DType`], are
//! matched **by name**: the runtime's codec indices of `DType` are not contiguous.

use subxt::{
	ext::{codec::Decode, scale_encode},
	metadata::Metadata,
	transactions::DynamicPayload,
	utils::H256,
};
use verity_primitives::tensor::{DType, Tensor};

use crate::error::CliError;

/// The payload of a call whose arguments are the tuple `A`.
pub type Call<A> = DynamicPayload<A>;

/// An element type, encoded by variant name into the runtime's `DType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, scale_encode::EncodeAsType)]
#[encode_as_type(crate_path = "subxt::ext::scale_encode")]
pub enum DTypeArg {
	/// IEEE-754 binary32.
	F32,
	/// Unsigned 8-bit integer.
	U8,
	/// Signed 8-bit integer.
	I8,
	/// Signed 32-bit integer.
	I32,
	/// Signed 64-bit integer.
	I64,
	/// Boolean, one byte.
	Bool,
	/// Unsigned 16-bit integer.
	U16,
	/// Signed 16-bit integer.
	I16,
	/// IEEE-754 binary16.
	F16,
	/// Unsigned 32-bit integer.
	U32,
	/// Unsigned 64-bit integer.
	U64,
	/// bfloat16.
	BF16,
	/// float8 E4M3 without infinities.
	F8E4M3FN,
	/// float8 E4M3 without infinities or negative zero.
	F8E4M3FNUZ,
	/// float8 E5M2.
	F8E5M2,
	/// float8 E5M2 without infinities or negative zero.
	F8E5M2FNUZ,
	/// float8 E8M0, a power of two.
	F8E8M0,
	/// Unsigned 4-bit integer.
	U4,
	/// Signed 4-bit integer.
	I4,
	/// Unsigned 2-bit integer.
	U2,
	/// Signed 2-bit integer.
	I2,
	/// float4 E2M1.
	F4E2M1,
}

impl From<DType> for DTypeArg {
	fn from(d: DType) -> Self {
		match d {
			DType::F32 => DTypeArg::F32,
			DType::U8 => DTypeArg::U8,
			DType::I8 => DTypeArg::I8,
			DType::I32 => DTypeArg::I32,
			DType::I64 => DTypeArg::I64,
			DType::Bool => DTypeArg::Bool,
			DType::U16 => DTypeArg::U16,
			DType::I16 => DTypeArg::I16,
			DType::F16 => DTypeArg::F16,
			DType::U32 => DTypeArg::U32,
			DType::U64 => DTypeArg::U64,
			DType::BF16 => DTypeArg::BF16,
			DType::F8E4M3FN => DTypeArg::F8E4M3FN,
			DType::F8E4M3FNUZ => DTypeArg::F8E4M3FNUZ,
			DType::F8E5M2 => DTypeArg::F8E5M2,
			DType::F8E5M2FNUZ => DTypeArg::F8E5M2FNUZ,
			DType::F8E8M0 => DTypeArg::F8E8M0,
			DType::U4 => DTypeArg::U4,
			DType::I4 => DTypeArg::I4,
			DType::U2 => DTypeArg::U2,
			DType::I2 => DTypeArg::I2,
			DType::F4E2M1 => DTypeArg::F4E2M1,
		}
	}
}

/// One input tensor of `Inference.submit`: the runtime's `JobTensor { dtype, shape, data }`.
#[derive(Clone, Debug, PartialEq, Eq, scale_encode::EncodeAsType)]
#[encode_as_type(crate_path = "subxt::ext::scale_encode")]
pub struct JobTensorArg {
	/// Element type.
	pub dtype: DTypeArg,
	/// Dimensions, outermost first.
	pub shape: Vec<u32>,
	/// The elements in canonical little-endian form.
	pub data: Vec<u8>,
}

impl JobTensorArg {
	/// The job tensor of `t`; a dimension over `u32::MAX` is an input error.
	pub fn from_tensor(t: &Tensor) -> Result<JobTensorArg, CliError> {
		let shape =
			t.shape().iter().map(|d| u32::try_from(*d)).collect::<Result<Vec<u32>, _>>().map_err(
				|_| CliError::Input(format!("shape {:?} has a dimension over 2^32", t.shape())),
			)?;
		Ok(JobTensorArg { dtype: t.dtype().into(), shape, data: t.to_le_bytes() })
	}
}

/// `Models.register(bytes, name, version, price)`: a model that fits one extrinsic.
pub fn register(
	bytes: Vec<u8>,
	name: &str,
	version: u32,
	price: u128,
) -> Call<(Vec<u8>, Vec<u8>, u32, u128)> {
	subxt::dynamic::tx("Models", "register", (bytes, name.as_bytes().to_vec(), version, price))
}

/// `Models.begin_upload(model, size)`: starts a chunked upload.
pub fn begin_upload(model: H256, size: u32) -> Call<(H256, u32)> {
	subxt::dynamic::tx("Models", "begin_upload", (model, size))
}

/// `Models.upload_chunk(model, index, data)`: one chunk of a chunked upload.
pub fn upload_chunk(model: H256, index: u32, data: Vec<u8>) -> Call<(H256, u32, Vec<u8>)> {
	subxt::dynamic::tx("Models", "upload_chunk", (model, index, data))
}

/// `Models.finish_upload(model, name, version, price)`: checks and registers an upload.
pub fn finish_upload(
	model: H256,
	name: &str,
	version: u32,
	price: u128,
) -> Call<(H256, Vec<u8>, u32, u128)> {
	subxt::dynamic::tx("Models", "finish_upload", (model, name.as_bytes().to_vec(), version, price))
}

/// `Inference.submit(model, inputs, max_fee)`: a job on `model`.
pub fn submit(
	model: H256,
	inputs: Vec<JobTensorArg>,
	max_fee: u128,
) -> Call<(H256, Vec<JobTensorArg>, u128)> {
	subxt::dynamic::tx("Inference", "submit", (model, inputs, max_fee))
}

/// `Inference.register_executor(bond)`: joins the executor set.
pub fn register_executor(bond: u128) -> Call<(u128,)> {
	subxt::dynamic::tx("Inference", "register_executor", (bond,))
}

/// The `u32` constant `pallet.name` of the runtime, e.g. `Models.MaxInlineBytes`.
pub fn constant_u32(metadata: &Metadata, pallet: &str, name: &str) -> Result<u32, CliError> {
	let constant = metadata
		.pallet_by_name(pallet)
		.and_then(|p| p.constant_by_name(name))
		.ok_or_else(|| CliError::Chain(format!("the runtime has no constant {pallet}.{name}")))?;
	u32::decode(&mut constant.value())
		.map_err(|e| CliError::Chain(format!("constant {pallet}.{name} is not a u32: {e}")))
}

/// The byte ranges of `len` bytes cut into chunks of `chunk` bytes (the last may be shorter).
pub fn chunk_ranges(len: usize, chunk: usize) -> Vec<std::ops::Range<usize>> {
	let chunk = chunk.max(1);
	(0..len.div_ceil(chunk)).map(|k| k * chunk..len.min((k + 1) * chunk)).collect()
}
