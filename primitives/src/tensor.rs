//! Tensors: an element type, a shape and row-major data.
//!
//! [`Tensor`] is the in-memory form the kernels compute on. Its canonical byte form (row-major,
//! little-endian, NaN canonicalised) is what commitments hash and what [`TensorBytes`] carries
//! in extrinsics and storage.

use alloc::{format, string::String, vec::Vec};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

use crate::{
	float16::canonical_f16_bits,
	limits::{MAX_RANK, MAX_TENSOR_ELEMENTS},
	minifloat::canonical_code,
};

/// The bit pattern every NaN is mapped to before hashing or encoding.
pub const CANONICAL_NAN_BITS: u32 = 0x7fc0_0000;

/// An element type. SCALE indices are ONNX's `TensorProto.DataType` codes.
#[derive(
	Clone,
	Copy,
	Debug,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum DType {
	/// IEEE-754 binary32.
	#[codec(index = 1)]
	F32,
	/// Unsigned 8-bit integer.
	#[codec(index = 2)]
	U8,
	/// Signed 8-bit integer.
	#[codec(index = 3)]
	I8,
	/// Signed 32-bit integer.
	#[codec(index = 6)]
	I32,
	/// Signed 64-bit integer.
	#[codec(index = 7)]
	I64,
	/// Boolean, one byte (0 or 1).
	#[codec(index = 9)]
	Bool,
	/// Unsigned 16-bit integer.
	#[codec(index = 4)]
	U16,
	/// Signed 16-bit integer.
	#[codec(index = 5)]
	I16,
	/// IEEE-754 binary16, computed as float32 and rounded once when stored
	/// ([`crate::float16`]).
	#[codec(index = 10)]
	F16,
	/// Unsigned 32-bit integer.
	#[codec(index = 12)]
	U32,
	/// Unsigned 64-bit integer (kernels carry it as its two's-complement bits in an i64; only
	/// the ops that read it as unsigned, listed in `graph::nodes`, accept it).
	#[codec(index = 13)]
	U64,
	/// bfloat16: float32's upper 16 bits; stored, moved and cast, not computed in
	/// ([`crate::minifloat`]).
	#[codec(index = 16)]
	BF16,
	/// float8 E4M3 without infinities (NaN 0x7f, 0xff); stored, moved and cast.
	#[codec(index = 17)]
	F8E4M3FN,
	/// float8 E4M3 without infinities or negative zero (NaN 0x80); stored, moved and cast.
	#[codec(index = 18)]
	F8E4M3FNUZ,
	/// float8 E5M2, IEEE-like (infinities, NaNs); stored, moved and cast.
	#[codec(index = 19)]
	F8E5M2,
	/// float8 E5M2 without infinities or negative zero (NaN 0x80); stored, moved and cast.
	#[codec(index = 20)]
	F8E5M2FNUZ,
	/// float8 E8M0, the microscaling exponent `2^(code - 127)` (NaN 0xff); stored, moved and
	/// cast.
	#[codec(index = 24)]
	F8E8M0,
	/// Unsigned 4-bit integer (0..=15), one per byte in the canonical form (ONNX packs two per
	/// byte); stored, moved, cast and (de)quantised ([`DType::is_sub_byte`]).
	#[codec(index = 21)]
	U4,
	/// Signed 4-bit integer (-8..=7), one per byte in the canonical form.
	#[codec(index = 22)]
	I4,
	/// Unsigned 2-bit integer (0..=3), one per byte in the canonical form (ONNX packs four).
	#[codec(index = 25)]
	U2,
	/// Signed 2-bit integer (-2..=1), one per byte in the canonical form.
	#[codec(index = 26)]
	I2,
	/// float4 E2M1 (±0, 0.5, 1, 1.5, 2, 3, 4, 6; no infinity or NaN), one code (0..=0x0f) per
	/// byte in the canonical form (ONNX packs two per byte); stored, moved and cast.
	#[codec(index = 23)]
	F4E2M1,
}

impl DType {
	/// Every element type, in declaration order.
	pub const ALL: [DType; 22] = [
		DType::F32,
		DType::U8,
		DType::I8,
		DType::I32,
		DType::I64,
		DType::Bool,
		DType::U16,
		DType::I16,
		DType::F16,
		DType::U32,
		DType::U64,
		DType::BF16,
		DType::F8E4M3FN,
		DType::F8E4M3FNUZ,
		DType::F8E5M2,
		DType::F8E5M2FNUZ,
		DType::F8E8M0,
		DType::U4,
		DType::I4,
		DType::U2,
		DType::I2,
		DType::F4E2M1,
	];

	/// Whether elements are floats (computed as [`crate::ops::Scalar::F`]).
	pub const fn is_float(self) -> bool {
		matches!(self, DType::F32 | DType::F16) || self.is_narrow_float()
	}

	/// Whether this is one of the float types that are stored, moved and cast but not computed
	/// in: bfloat16, the float8 formats and float4e2m1 ([`crate::minifloat`]).
	pub const fn is_narrow_float(self) -> bool {
		matches!(
			self,
			DType::BF16
				| DType::F8E4M3FN
				| DType::F8E4M3FNUZ
				| DType::F8E5M2
				| DType::F8E5M2FNUZ
				| DType::F8E8M0
				| DType::F4E2M1
		)
	}

	/// Whether this is one of the 4- and 2-bit integer types: stored, moved, cast and
	/// (de)quantised, not computed in (as ONNX defines them).
	pub const fn is_sub_byte(self) -> bool {
		matches!(self, DType::U4 | DType::I4 | DType::U2 | DType::I2)
	}

	/// The least and greatest values of a 4- or 2-bit integer type (`None` for the others).
	pub const fn sub_byte_range(self) -> Option<(i8, i8)> {
		match self {
			DType::U4 => Some((0, 15)),
			DType::I4 => Some((-8, 7)),
			DType::U2 => Some((0, 3)),
			DType::I2 => Some((-2, 1)),
			_ => None,
		}
	}

	/// Whether `byte` is the canonical byte of an element of this one-byte type: false for a
	/// bool other than 0 or 1, a 4- or 2-bit integer out of its range (the byte read as `i8`)
	/// and a float4e2m1 code above 0x0f; true for every byte of the other types (every other
	/// byte pattern of every type is an element).
	pub const fn accepts_byte(self, byte: u8) -> bool {
		match self {
			DType::Bool => byte <= 1,
			DType::F4E2M1 => byte <= 0x0f,
			_ => match self.sub_byte_range() {
				Some((lo, hi)) => lo <= byte as i8 && byte as i8 <= hi,
				None => true,
			},
		}
	}

	/// Elements per byte in ONNX's packed form: 2 for the 4-bit types (float4e2m1 too), 4 for
	/// the 2-bit ones, else 1.
	pub const fn onnx_per_byte(self) -> usize {
		match self {
			DType::U4 | DType::I4 | DType::F4E2M1 => 2,
			DType::U2 | DType::I2 => 4,
			_ => 1,
		}
	}
}

impl DType {
	/// Bytes per element in the canonical form.
	pub const fn size(self) -> usize {
		match self {
			DType::F32 | DType::I32 | DType::U32 => 4,
			DType::U8 | DType::I8 | DType::Bool => 1,
			DType::F8E4M3FN | DType::F8E4M3FNUZ | DType::F8E5M2 | DType::F8E5M2FNUZ => 1,
			DType::F8E8M0 | DType::F4E2M1 => 1,
			DType::U4 | DType::I4 | DType::U2 | DType::I2 => 1,
			DType::U16 | DType::I16 | DType::F16 | DType::BF16 => 2,
			DType::I64 | DType::U64 => 8,
		}
	}

	/// The ONNX `TensorProto.DataType` code.
	pub const fn onnx_code(self) -> i32 {
		match self {
			DType::F32 => 1,
			DType::U8 => 2,
			DType::I8 => 3,
			DType::I32 => 6,
			DType::I64 => 7,
			DType::Bool => 9,
			DType::U16 => 4,
			DType::I16 => 5,
			DType::F16 => 10,
			DType::U32 => 12,
			DType::U64 => 13,
			DType::BF16 => 16,
			DType::F8E4M3FN => 17,
			DType::F8E4M3FNUZ => 18,
			DType::F8E5M2 => 19,
			DType::F8E5M2FNUZ => 20,
			DType::F8E8M0 => 24,
			DType::U4 => 21,
			DType::I4 => 22,
			DType::U2 => 25,
			DType::I2 => 26,
			DType::F4E2M1 => 23,
		}
	}

	/// The type of an ONNX `TensorProto.DataType` code, if supported.
	pub const fn from_onnx(code: i32) -> Option<DType> {
		Some(match code {
			1 => DType::F32,
			2 => DType::U8,
			3 => DType::I8,
			6 => DType::I32,
			7 => DType::I64,
			9 => DType::Bool,
			4 => DType::U16,
			5 => DType::I16,
			10 => DType::F16,
			12 => DType::U32,
			13 => DType::U64,
			16 => DType::BF16,
			17 => DType::F8E4M3FN,
			18 => DType::F8E4M3FNUZ,
			19 => DType::F8E5M2,
			20 => DType::F8E5M2FNUZ,
			24 => DType::F8E8M0,
			21 => DType::U4,
			22 => DType::I4,
			25 => DType::U2,
			26 => DType::I2,
			23 => DType::F4E2M1,
			_ => return None,
		})
	}

	/// Lower-case name, as in `--json` output (`"f32"`, `"i64"`, ...).
	pub const fn name(self) -> &'static str {
		match self {
			DType::F32 => "f32",
			DType::U8 => "u8",
			DType::I8 => "i8",
			DType::I32 => "i32",
			DType::I64 => "i64",
			DType::Bool => "bool",
			DType::U16 => "u16",
			DType::I16 => "i16",
			DType::F16 => "f16",
			DType::U32 => "u32",
			DType::U64 => "u64",
			DType::BF16 => "bf16",
			DType::F8E4M3FN => "f8e4m3fn",
			DType::F8E4M3FNUZ => "f8e4m3fnuz",
			DType::F8E5M2 => "f8e5m2",
			DType::F8E5M2FNUZ => "f8e5m2fnuz",
			DType::F8E8M0 => "f8e8m0",
			DType::U4 => "u4",
			DType::I4 => "i4",
			DType::U2 => "u2",
			DType::I2 => "i2",
			DType::F4E2M1 => "f4e2m1",
		}
	}

	/// The type named `name` (as [`DType::name`] gives, or ONNX-style `float32`, `int64`, ...).
	pub fn from_name(name: &str) -> Option<DType> {
		Some(match name {
			"f32" | "float32" | "float" => DType::F32,
			"u8" | "uint8" => DType::U8,
			"i8" | "int8" => DType::I8,
			"i32" | "int32" => DType::I32,
			"i64" | "int64" => DType::I64,
			"bool" => DType::Bool,
			"u16" | "uint16" => DType::U16,
			"i16" | "int16" => DType::I16,
			"f16" | "float16" => DType::F16,
			"u32" | "uint32" => DType::U32,
			"u64" | "uint64" => DType::U64,
			"bf16" | "bfloat16" => DType::BF16,
			"f8e4m3fn" | "float8e4m3fn" => DType::F8E4M3FN,
			"f8e4m3fnuz" | "float8e4m3fnuz" => DType::F8E4M3FNUZ,
			"f8e5m2" | "float8e5m2" => DType::F8E5M2,
			"f8e5m2fnuz" | "float8e5m2fnuz" => DType::F8E5M2FNUZ,
			"f8e8m0" | "float8e8m0" => DType::F8E8M0,
			"u4" | "uint4" => DType::U4,
			"i4" | "int4" => DType::I4,
			"u2" | "uint2" => DType::U2,
			"i2" | "int2" => DType::I2,
			"f4e2m1" | "float4e2m1" => DType::F4E2M1,
			_ => return None,
		})
	}
}

/// Why a tensor could not be built or decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TensorError {
	/// The shape has more than [`MAX_RANK`] dimensions.
	RankTooLarge(usize),
	/// The shape holds more than [`MAX_TENSOR_ELEMENTS`] elements (or overflows).
	TooManyElements,
	/// The data length does not match the shape.
	LengthMismatch {
		/// Elements (or bytes, for byte data) the shape requires.
		expected: usize,
		/// What was given.
		got: usize,
	},
	/// A byte that is no element of its type (a bool other than 0 or 1, a 4- or 2-bit integer
	/// out of its range, a float4e2m1 code above 0x0f).
	InvalidElement {
		/// The element type.
		dtype: DType,
		/// The byte found.
		byte: u8,
	},
	/// A dtype other than the one an operation needs.
	WrongDType {
		/// The dtype required.
		expected: DType,
		/// The dtype found.
		got: DType,
	},
}

impl core::fmt::Display for TensorError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			TensorError::RankTooLarge(r) => write!(f, "rank {r} exceeds the limit {MAX_RANK}"),
			TensorError::TooManyElements => {
				write!(f, "more than {MAX_TENSOR_ELEMENTS} elements in one tensor")
			},
			TensorError::LengthMismatch { expected, got } => {
				write!(f, "data length {got} does not match the shape ({expected})")
			},
			TensorError::InvalidElement { dtype, byte } => {
				write!(f, "byte {byte:#04x} is no {} element", dtype.name())
			},
			TensorError::WrongDType { expected, got } => {
				write!(f, "dtype {} where {} is required", got.name(), expected.name())
			},
		}
	}
}

/// The number of elements of `shape`, checked against [`MAX_RANK`] and [`MAX_TENSOR_ELEMENTS`]
/// (the product of the dimensions with zeros counted as ones must be within it too).
pub fn checked_numel(shape: &[usize]) -> Result<usize, TensorError> {
	if shape.len() > MAX_RANK {
		return Err(TensorError::RankTooLarge(shape.len()));
	}
	// Every dimension counts, a zero one as 1: an empty tensor cannot carry dimensions whose
	// products later overflow (and wrap differently on wasm32 and x86_64).
	let mut n: usize = 1;
	let mut bound: usize = 1;
	for &d in shape {
		bound = bound.checked_mul(d.max(1)).ok_or(TensorError::TooManyElements)?;
		if bound > MAX_TENSOR_ELEMENTS {
			return Err(TensorError::TooManyElements);
		}
		n = n.saturating_mul(d);
	}
	Ok(n)
}

/// Typed element data, row-major.
#[derive(Clone, Debug, PartialEq)]
pub enum TensorData {
	/// f32 elements.
	F32(Vec<f32>),
	/// u8 elements.
	U8(Vec<u8>),
	/// i8 elements.
	I8(Vec<i8>),
	/// i32 elements.
	I32(Vec<i32>),
	/// i64 elements.
	I64(Vec<i64>),
	/// bool elements.
	Bool(Vec<bool>),
	/// u16 elements.
	U16(Vec<u16>),
	/// i16 elements.
	I16(Vec<i16>),
	/// f16 elements, as their bits.
	F16(Vec<u16>),
	/// u32 elements.
	U32(Vec<u32>),
	/// u64 elements.
	U64(Vec<u64>),
	/// bfloat16 elements, as their bits.
	BF16(Vec<u16>),
	/// Elements of a float8 type or float4e2m1 (the `DType`: one of the five float8 types or
	/// `F4E2M1`, and nothing else), as their codes (a float4e2m1 code in 0..=0x0f).
	F8(DType, Vec<u8>),
	/// Elements of a 4- or 2-bit integer type (the `DType`: one of [`DType::is_sub_byte`], and
	/// nothing else), one per byte, each within the type's range.
	SubByte(DType, Vec<i8>),
}

impl TensorData {
	/// The element type.
	pub fn dtype(&self) -> DType {
		match self {
			TensorData::F32(_) => DType::F32,
			TensorData::U8(_) => DType::U8,
			TensorData::I8(_) => DType::I8,
			TensorData::I32(_) => DType::I32,
			TensorData::I64(_) => DType::I64,
			TensorData::Bool(_) => DType::Bool,
			TensorData::U16(_) => DType::U16,
			TensorData::I16(_) => DType::I16,
			TensorData::F16(_) => DType::F16,
			TensorData::U32(_) => DType::U32,
			TensorData::U64(_) => DType::U64,
			TensorData::BF16(_) => DType::BF16,
			TensorData::F8(t, _) | TensorData::SubByte(t, _) => *t,
		}
	}

	/// Number of elements.
	pub fn len(&self) -> usize {
		match self {
			TensorData::F32(v) => v.len(),
			TensorData::U8(v) => v.len(),
			TensorData::I8(v) => v.len(),
			TensorData::I32(v) => v.len(),
			TensorData::I64(v) => v.len(),
			TensorData::Bool(v) => v.len(),
			TensorData::U16(v) | TensorData::F16(v) | TensorData::BF16(v) => v.len(),
			TensorData::F8(_, v) => v.len(),
			TensorData::SubByte(_, v) => v.len(),
			TensorData::I16(v) => v.len(),
			TensorData::U32(v) => v.len(),
			TensorData::U64(v) => v.len(),
		}
	}

	/// Whether there are no elements.
	pub fn is_empty(&self) -> bool {
		self.len() == 0
	}

	/// `n` zero elements of `dtype`.
	pub fn zeros(dtype: DType, n: usize) -> TensorData {
		match dtype {
			DType::F32 => TensorData::F32(alloc::vec![0.0; n]),
			DType::U8 => TensorData::U8(alloc::vec![0; n]),
			DType::I8 => TensorData::I8(alloc::vec![0; n]),
			DType::I32 => TensorData::I32(alloc::vec![0; n]),
			DType::I64 => TensorData::I64(alloc::vec![0; n]),
			DType::Bool => TensorData::Bool(alloc::vec![false; n]),
			DType::U16 => TensorData::U16(alloc::vec![0; n]),
			DType::I16 => TensorData::I16(alloc::vec![0; n]),
			DType::F16 => TensorData::F16(alloc::vec![0; n]),
			DType::U32 => TensorData::U32(alloc::vec![0; n]),
			DType::U64 => TensorData::U64(alloc::vec![0; n]),
			DType::BF16 => TensorData::BF16(alloc::vec![0; n]),
			// Code 0 is zero in every float8 type but float8e8m0, where it is 2^-127 (that type
			// has no zero).
			DType::F8E4M3FN
			| DType::F8E4M3FNUZ
			| DType::F8E5M2
			| DType::F8E5M2FNUZ
			| DType::F8E8M0
			| DType::F4E2M1 => TensorData::F8(dtype, alloc::vec![0; n]),
			DType::U4 | DType::I4 | DType::U2 | DType::I2 => {
				TensorData::SubByte(dtype, alloc::vec![0; n])
			},
		}
	}

	/// `n` copies of element `index`, or `None` when there is no such element.
	pub fn repeated(&self, index: usize, n: usize) -> Option<TensorData> {
		Some(match self {
			TensorData::F32(v) => TensorData::F32(alloc::vec![*v.get(index)?; n]),
			TensorData::U8(v) => TensorData::U8(alloc::vec![*v.get(index)?; n]),
			TensorData::I8(v) => TensorData::I8(alloc::vec![*v.get(index)?; n]),
			TensorData::I32(v) => TensorData::I32(alloc::vec![*v.get(index)?; n]),
			TensorData::I64(v) => TensorData::I64(alloc::vec![*v.get(index)?; n]),
			TensorData::Bool(v) => TensorData::Bool(alloc::vec![*v.get(index)?; n]),
			TensorData::U16(v) => TensorData::U16(alloc::vec![*v.get(index)?; n]),
			TensorData::I16(v) => TensorData::I16(alloc::vec![*v.get(index)?; n]),
			TensorData::F16(v) => TensorData::F16(alloc::vec![*v.get(index)?; n]),
			TensorData::U32(v) => TensorData::U32(alloc::vec![*v.get(index)?; n]),
			TensorData::U64(v) => TensorData::U64(alloc::vec![*v.get(index)?; n]),
			TensorData::BF16(v) => TensorData::BF16(alloc::vec![*v.get(index)?; n]),
			TensorData::F8(t, v) => TensorData::F8(*t, alloc::vec![*v.get(index)?; n]),
			TensorData::SubByte(t, v) => TensorData::SubByte(*t, alloc::vec![*v.get(index)?; n]),
		})
	}

	/// Appends the canonical little-endian bytes of elements `range` to `out`.
	pub fn write_le_bytes(&self, range: core::ops::Range<usize>, out: &mut Vec<u8>) {
		match self {
			TensorData::F32(v) => {
				// Sized first, then filled in place: a loop the compiler vectorises (this is
				// every leaf of every float commitment).
				let v = v.get(range).unwrap_or(&[]);
				let start = out.len();
				out.resize(start.saturating_add(v.len().saturating_mul(4)), 0);
				let dst = out.get_mut(start..).unwrap_or_default();
				for (d, x) in dst.chunks_exact_mut(4).zip(v) {
					d.copy_from_slice(&canonical_f32_bits(*x).to_le_bytes());
				}
			},
			TensorData::U8(v) => out.extend_from_slice(v.get(range).unwrap_or(&[])),
			TensorData::I8(v) => out.extend(v.get(range).unwrap_or(&[]).iter().map(|x| *x as u8)),
			TensorData::I32(v) => {
				for x in v.get(range).unwrap_or(&[]) {
					out.extend_from_slice(&x.to_le_bytes());
				}
			},
			TensorData::I64(v) => {
				for x in v.get(range).unwrap_or(&[]) {
					out.extend_from_slice(&x.to_le_bytes());
				}
			},
			TensorData::Bool(v) => out.extend(v.get(range).unwrap_or(&[]).iter().map(|b| *b as u8)),
			TensorData::U16(v) => {
				for x in v.get(range).unwrap_or(&[]) {
					out.extend_from_slice(&x.to_le_bytes());
				}
			},
			TensorData::I16(v) => {
				for x in v.get(range).unwrap_or(&[]) {
					out.extend_from_slice(&x.to_le_bytes());
				}
			},
			TensorData::F16(v) => {
				for x in v.get(range).unwrap_or(&[]) {
					out.extend_from_slice(&canonical_f16_bits(*x).to_le_bytes());
				}
			},
			TensorData::U32(v) => {
				for x in v.get(range).unwrap_or(&[]) {
					out.extend_from_slice(&x.to_le_bytes());
				}
			},
			TensorData::U64(v) => {
				for x in v.get(range).unwrap_or(&[]) {
					out.extend_from_slice(&x.to_le_bytes());
				}
			},
			TensorData::BF16(v) => {
				for x in v.get(range).unwrap_or(&[]) {
					out.extend_from_slice(&canonical_code(DType::BF16, *x).to_le_bytes());
				}
			},
			TensorData::F8(t, v) => out.extend(
				v.get(range).unwrap_or(&[]).iter().map(|x| canonical_code(*t, u16::from(*x)) as u8),
			),
			TensorData::SubByte(_, v) => {
				out.extend(v.get(range).unwrap_or(&[]).iter().map(|x| *x as u8))
			},
		}
	}

	/// Elements of `dtype` from canonical little-endian bytes (`bytes.len()` a multiple of the
	/// element size). A bool byte other than 0 or 1, a 4- or 2-bit integer out of its range
	/// (its byte read as `i8`), or a float4e2m1 code above 0x0f is an error.
	pub fn from_le_bytes(dtype: DType, bytes: &[u8]) -> Result<TensorData, TensorError> {
		let size = dtype.size();
		if !bytes.len().is_multiple_of(size) {
			return Err(TensorError::LengthMismatch {
				expected: bytes.len().saturating_sub(bytes.len().checked_rem(size).unwrap_or(0)),
				got: bytes.len(),
			});
		}
		// The one-byte types whose bytes are not all elements (`accepts_byte`).
		if size == 1 {
			if let Some(b) = bytes.iter().find(|b| !dtype.accepts_byte(**b)) {
				return Err(TensorError::InvalidElement { dtype, byte: *b });
			}
		}
		Ok(match dtype {
			DType::F32 => TensorData::F32(
				bytes.as_chunks::<4>().0.iter().map(|c| f32::from_le_bytes(*c)).collect(),
			),
			DType::U8 => TensorData::U8(bytes.to_vec()),
			DType::I8 => TensorData::I8(bytes.iter().map(|b| *b as i8).collect()),
			DType::I32 => TensorData::I32(
				bytes.as_chunks::<4>().0.iter().map(|c| i32::from_le_bytes(*c)).collect(),
			),
			DType::I64 => TensorData::I64(
				bytes.as_chunks::<8>().0.iter().map(|c| i64::from_le_bytes(*c)).collect(),
			),
			DType::Bool => TensorData::Bool(bytes.iter().map(|b| *b == 1).collect()),
			DType::U16 => TensorData::U16(
				bytes.as_chunks::<2>().0.iter().map(|c| u16::from_le_bytes(*c)).collect(),
			),
			DType::I16 => TensorData::I16(
				bytes.as_chunks::<2>().0.iter().map(|c| i16::from_le_bytes(*c)).collect(),
			),
			DType::F16 => TensorData::F16(
				bytes.as_chunks::<2>().0.iter().map(|c| u16::from_le_bytes(*c)).collect(),
			),
			DType::U32 => TensorData::U32(
				bytes.as_chunks::<4>().0.iter().map(|c| u32::from_le_bytes(*c)).collect(),
			),
			DType::U64 => TensorData::U64(
				bytes.as_chunks::<8>().0.iter().map(|c| u64::from_le_bytes(*c)).collect(),
			),
			DType::BF16 => TensorData::BF16(
				bytes.as_chunks::<2>().0.iter().map(|c| u16::from_le_bytes(*c)).collect(),
			),
			DType::F8E4M3FN
			| DType::F8E4M3FNUZ
			| DType::F8E5M2
			| DType::F8E5M2FNUZ
			| DType::F8E8M0
			| DType::F4E2M1 => TensorData::F8(dtype, bytes.to_vec()),
			DType::U4 | DType::I4 | DType::U2 | DType::I2 => {
				TensorData::SubByte(dtype, bytes.iter().map(|b| *b as i8).collect())
			},
		})
	}
}

/// The bits of `x`, with every NaN mapped to [`CANONICAL_NAN_BITS`].
pub fn canonical_f32_bits(x: f32) -> u32 {
	if x.is_nan() {
		CANONICAL_NAN_BITS
	} else {
		x.to_bits()
	}
}

/// A tensor: shape and row-major data whose length matches it.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
	shape: Vec<usize>,
	data: TensorData,
}

impl Tensor {
	/// A tensor of `shape` holding `data`; the lengths must match and respect the limits.
	pub fn new(shape: Vec<usize>, data: TensorData) -> Result<Tensor, TensorError> {
		let n = checked_numel(&shape)?;
		if n != data.len() {
			return Err(TensorError::LengthMismatch { expected: n, got: data.len() });
		}
		Ok(Tensor { shape, data })
	}

	/// An f32 tensor.
	pub fn f32(shape: Vec<usize>, data: Vec<f32>) -> Result<Tensor, TensorError> {
		Tensor::new(shape, TensorData::F32(data))
	}

	/// An i64 tensor.
	pub fn i64(shape: Vec<usize>, data: Vec<i64>) -> Result<Tensor, TensorError> {
		Tensor::new(shape, TensorData::I64(data))
	}

	/// A zero-filled tensor.
	pub fn zeros(dtype: DType, shape: Vec<usize>) -> Result<Tensor, TensorError> {
		let n = checked_numel(&shape)?;
		Ok(Tensor { shape, data: TensorData::zeros(dtype, n) })
	}

	/// The element type.
	pub fn dtype(&self) -> DType {
		self.data.dtype()
	}

	/// The shape.
	pub fn shape(&self) -> &[usize] {
		&self.shape
	}

	/// The data.
	pub fn data(&self) -> &TensorData {
		&self.data
	}

	/// The data, consuming the tensor.
	pub fn into_data(self) -> TensorData {
		self.data
	}

	/// Number of elements.
	pub fn len(&self) -> usize {
		self.data.len()
	}

	/// Whether the tensor holds no element.
	pub fn is_empty(&self) -> bool {
		self.data.is_empty()
	}

	/// The f32 elements, or an error naming the actual dtype.
	pub fn as_f32(&self) -> Result<&[f32], TensorError> {
		match &self.data {
			TensorData::F32(v) => Ok(v),
			d => Err(TensorError::WrongDType { expected: DType::F32, got: d.dtype() }),
		}
	}

	/// The elements as i64 (integer and bool dtypes), e.g. for shapes and indices.
	pub fn to_i64_vec(&self) -> Option<Vec<i64>> {
		Some(match &self.data {
			TensorData::I64(v) => v.clone(),
			TensorData::I32(v) => v.iter().map(|x| *x as i64).collect(),
			TensorData::U8(v) => v.iter().map(|x| *x as i64).collect(),
			TensorData::I8(v) => v.iter().map(|x| *x as i64).collect(),
			TensorData::Bool(v) => v.iter().map(|x| *x as i64).collect(),
			TensorData::U16(v) => v.iter().map(|x| *x as i64).collect(),
			TensorData::I16(v) => v.iter().map(|x| *x as i64).collect(),
			TensorData::U32(v) => v.iter().map(|x| *x as i64).collect(),
			// Values above i64::MAX are no shape or index.
			TensorData::U64(v) => {
				v.iter().map(|x| i64::try_from(*x).ok()).collect::<Option<Vec<i64>>>()?
			},
			TensorData::SubByte(_, v) => v.iter().map(|x| *x as i64).collect(),
			TensorData::F32(_) | TensorData::F16(_) | TensorData::BF16(_) | TensorData::F8(..) => {
				return None
			},
		})
	}

	/// The same data under another shape with the same number of elements.
	pub fn reshaped(self, shape: Vec<usize>) -> Result<Tensor, TensorError> {
		Tensor::new(shape, self.data)
	}

	/// The canonical little-endian bytes of all elements.
	pub fn to_le_bytes(&self) -> Vec<u8> {
		let mut out = Vec::with_capacity(self.len().saturating_mul(self.dtype().size()));
		self.data.write_le_bytes(0..self.len(), &mut out);
		out
	}

	/// The header that commitments hash: dtype and shape.
	pub fn header(&self) -> TensorHeader {
		TensorHeader { dtype: self.dtype(), shape: self.shape.iter().map(|d| *d as u64).collect() }
	}

	/// The wire form.
	pub fn to_bytes(&self) -> TensorBytes {
		TensorBytes { header: self.header(), data: self.to_le_bytes() }
	}
}

/// A tensor's header: its dtype and shape, SCALE-encoded into its commitment.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct TensorHeader {
	/// Element type.
	pub dtype: DType,
	/// Dimensions, outermost first.
	pub shape: Vec<u64>,
}

/// A tensor in its wire form: header plus canonical little-endian data.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct TensorBytes {
	/// Element type and shape.
	pub header: TensorHeader,
	/// Row-major little-endian element bytes.
	pub data: Vec<u8>,
}

impl TensorBytes {
	/// The tensor these bytes describe, checked against the shape and the limits.
	pub fn to_tensor(&self) -> Result<Tensor, TensorError> {
		let shape = shape_from_u64(&self.header.shape)?;
		let n = checked_numel(&shape)?;
		let want = n.checked_mul(self.header.dtype.size()).ok_or(TensorError::TooManyElements)?;
		if self.data.len() != want {
			return Err(TensorError::LengthMismatch { expected: want, got: self.data.len() });
		}
		Tensor::new(shape, TensorData::from_le_bytes(self.header.dtype, &self.data)?)
	}
}

/// A shape of `u64` dimensions as `usize`, checked against the limits.
pub fn shape_from_u64(dims: &[u64]) -> Result<Vec<usize>, TensorError> {
	if dims.len() > MAX_RANK {
		return Err(TensorError::RankTooLarge(dims.len()));
	}
	let shape: Vec<usize> = dims
		.iter()
		.map(|d| usize::try_from(*d).map_err(|_| TensorError::TooManyElements))
		.collect::<Result<_, _>>()?;
	checked_numel(&shape)?;
	Ok(shape)
}

/// Shape as text, e.g. `[1, 784]`.
pub fn shape_string(shape: &[usize]) -> String {
	format!("{shape:?}")
}

#[cfg(test)]
mod tests {
	use super::*;
	use alloc::vec;

	#[test]
	fn bytes_round_trip_every_dtype() {
		let ts = [
			Tensor::f32(vec![2, 2], vec![1.0, -2.5, f32::INFINITY, 0.0]).unwrap(),
			Tensor::new(vec![3], TensorData::U8(vec![0, 7, 255])).unwrap(),
			Tensor::new(vec![3], TensorData::I8(vec![-128, 0, 127])).unwrap(),
			Tensor::new(vec![1, 2], TensorData::I32(vec![i32::MIN, 5])).unwrap(),
			Tensor::i64(vec![2], vec![i64::MAX, -1]).unwrap(),
			Tensor::new(vec![2], TensorData::Bool(vec![true, false])).unwrap(),
			Tensor::f32(vec![], vec![3.0]).unwrap(),
			Tensor::new(vec![2], TensorData::U16(vec![0, u16::MAX])).unwrap(),
			Tensor::new(vec![2], TensorData::I16(vec![i16::MIN, i16::MAX])).unwrap(),
			Tensor::new(vec![3], TensorData::F16(vec![0x3c00, 0xfc00, 0x8000])).unwrap(),
			Tensor::new(vec![2], TensorData::U32(vec![0, u32::MAX])).unwrap(),
			Tensor::new(vec![2], TensorData::U64(vec![1, u64::MAX])).unwrap(),
			Tensor::new(vec![3], TensorData::BF16(vec![0x3f80, 0xff80, 0x8000])).unwrap(),
			Tensor::new(vec![2], TensorData::F8(DType::F8E4M3FN, vec![0x7e, 0x80])).unwrap(),
			Tensor::new(vec![2], TensorData::F8(DType::F8E5M2FNUZ, vec![0x80, 0x7f])).unwrap(),
			Tensor::new(vec![2], TensorData::F8(DType::F8E8M0, vec![0x00, 0xff])).unwrap(),
		];
		for t in ts {
			let wire = t.to_bytes();
			let back = TensorBytes::decode(&mut &wire.encode()[..]).unwrap().to_tensor().unwrap();
			assert_eq!(back, t);
		}
	}

	#[test]
	fn nan_is_canonical_in_bytes() {
		let a = Tensor::f32(vec![1], vec![f32::from_bits(0x7fc0_0001)]).unwrap();
		let b = Tensor::f32(vec![1], vec![f32::from_bits(0xffc0_0000)]).unwrap();
		assert_eq!(a.to_le_bytes(), b.to_le_bytes());
		assert_eq!(a.to_le_bytes(), CANONICAL_NAN_BITS.to_le_bytes().to_vec());
		let h = Tensor::new(vec![2], TensorData::F16(vec![0x7e01, 0xfc01])).unwrap();
		assert_eq!(h.to_le_bytes(), [0x00, 0x7e, 0x00, 0x7e]);
		let b = Tensor::new(vec![2], TensorData::BF16(vec![0x7f81, 0xffc0])).unwrap();
		assert_eq!(b.to_le_bytes(), [0xc0, 0x7f, 0xc0, 0x7f]);
		// float8e4m3fn's two NaNs, float8e5m2's six: one code each.
		let e4 = Tensor::new(vec![2], TensorData::F8(DType::F8E4M3FN, vec![0xff, 0x7f])).unwrap();
		assert_eq!(e4.to_le_bytes(), [0x7f, 0x7f]);
		let e5 =
			Tensor::new(vec![3], TensorData::F8(DType::F8E5M2, vec![0x7d, 0xff, 0xfc])).unwrap();
		assert_eq!(e5.to_le_bytes(), [0x7e, 0x7e, 0xfc]);
	}

	#[test]
	fn shape_and_length_are_checked() {
		assert_eq!(
			Tensor::f32(vec![2, 2], vec![1.0]),
			Err(TensorError::LengthMismatch { expected: 4, got: 1 })
		);
		assert_eq!(checked_numel(&[usize::MAX, 2]), Err(TensorError::TooManyElements));
		assert_eq!(checked_numel(&[1; 9]), Err(TensorError::RankTooLarge(9)));
		let bad = TensorBytes {
			header: TensorHeader { dtype: DType::F32, shape: vec![2] },
			data: vec![0; 7],
		};
		assert_eq!(bad.to_tensor(), Err(TensorError::LengthMismatch { expected: 8, got: 7 }));
		let bad_bool = TensorBytes {
			header: TensorHeader { dtype: DType::Bool, shape: vec![1] },
			data: vec![2],
		};
		assert!(bad_bool.to_tensor().is_err());
	}

	#[test]
	fn dtype_codes_match_onnx_and_scale() {
		for d in DType::ALL {
			assert_eq!(DType::from_onnx(d.onnx_code()), Some(d));
			assert_eq!(d.encode(), vec![d.onnx_code() as u8]);
			assert_eq!(DType::from_name(d.name()), Some(d));
			assert_eq!(TensorData::zeros(d, 3).dtype(), d);
			assert_eq!(TensorData::zeros(d, 3).len(), 3);
		}
		// float64 stays unsupported.
		assert_eq!(DType::from_onnx(11), None);
	}
}
