//! A minimal protobuf wire-format reader over a byte slice.
//!
//! Supports wire types 0 (varint), 1 (fixed64), 2 (length-delimited) and 5 (fixed32);
//! groups (3 and 4) are rejected. [`Reader`] yields `(field_number, WireValue)` pairs and
//! callers skip fields they do not know simply by ignoring them. [`Field`] adds the typed
//! accessors, including packed and unpacked repeated scalars, with errors that name the
//! field and its message.

use alloc::{format, string::String, vec::Vec};
use core::fmt;

use super::{DecodeError, MAX_REPEATED};

/// Longest varint accepted, in bytes (a full `u64`).
pub const MAX_VARINT_LEN: usize = 10;

/// Largest field number protobuf allows (2^29 - 1).
pub const MAX_FIELD_NUMBER: u64 = (1 << 29) - 1;

/// The payload of one field as found on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WireValue<'a> {
	/// Wire type 0.
	Varint(u64),
	/// Wire type 1, little-endian.
	Fixed64(u64),
	/// Wire type 2: the bytes of a string, message or packed repeated field.
	Bytes(&'a [u8]),
	/// Wire type 5, little-endian.
	Fixed32(u32),
}

impl WireValue<'_> {
	/// The wire type number of this value.
	pub fn wire_type(&self) -> u8 {
		match self {
			WireValue::Varint(_) => 0,
			WireValue::Fixed64(_) => 1,
			WireValue::Bytes(_) => 2,
			WireValue::Fixed32(_) => 5,
		}
	}
}

/// Reads one varint from `buf` at `*pos`, advancing `*pos` past it on success.
pub fn read_varint(buf: &[u8], pos: &mut usize) -> Result<u64, DecodeError> {
	let start = *pos;
	let mut value: u64 = 0;
	for i in 0..MAX_VARINT_LEN {
		let Some(&byte) = start.checked_add(i).and_then(|at| buf.get(at)) else {
			return Err(DecodeError::new("malformed varint: truncated"));
		};
		if i == MAX_VARINT_LEN - 1 {
			if byte & 0x80 != 0 {
				return Err(DecodeError::new("malformed varint: longer than 10 bytes"));
			}
			if byte > 1 {
				return Err(DecodeError::new("malformed varint: overflows 64 bits"));
			}
		}
		// `i < 10`, so the shift is at most 63; bits shifted out are rejected above.
		value |= u64::from(byte & 0x7f) << (7u32.saturating_mul(i as u32));
		if byte & 0x80 == 0 {
			// `start + i` indexes `buf`, so this cannot overflow.
			*pos = start.saturating_add(i).saturating_add(1);
			return Ok(value);
		}
	}
	Err(DecodeError::new("malformed varint: longer than 10 bytes"))
}

/// Iterates over the fields of one message, yielding `(field_number, WireValue)`.
///
/// After the first error the iterator is exhausted.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
	buf: &'a [u8],
	pos: usize,
	message: &'static str,
}

impl<'a> Reader<'a> {
	/// A reader over the encoded `message` (its name is used in error messages).
	pub fn new(buf: &'a [u8], message: &'static str) -> Self {
		Self { buf, pos: 0, message }
	}

	/// Bytes not yet consumed.
	pub fn remaining(&self) -> usize {
		self.buf.len().saturating_sub(self.pos)
	}

	/// Consumes exactly `n` bytes, or returns `None` if fewer remain.
	fn take(&mut self, n: usize) -> Option<&'a [u8]> {
		let end = self.pos.checked_add(n)?;
		let slice = self.buf.get(self.pos..end)?;
		self.pos = end;
		Some(slice)
	}

	/// Reads the next field, or `None` at the end of the message.
	pub fn read_field(&mut self) -> Result<Option<(u32, WireValue<'a>)>, DecodeError> {
		if self.remaining() == 0 {
			return Ok(None);
		}
		let start = self.pos;
		let message = self.message;
		let key = read_varint(self.buf, &mut self.pos)
			.map_err(|e| e.within(format_args!("key at offset {start} of {message}")))?;
		let number = key >> 3;
		let number = match u32::try_from(number) {
			Ok(n) if n != 0 && number <= MAX_FIELD_NUMBER => n,
			_ => {
				return Err(DecodeError::new(format!(
					"invalid field number {number} at offset {start} of {message}"
				)))
			},
		};
		let err = |what: fmt::Arguments<'_>| {
			DecodeError::new(format!("field {number} of {message}: {what}"))
		};
		let value = match key & 7 {
			0 => WireValue::Varint(
				read_varint(self.buf, &mut self.pos)
					.map_err(|e| e.within(format_args!("field {number} of {message}")))?,
			),
			1 => {
				let remaining = self.remaining();
				let bytes =
					self.take(8).and_then(|s| <[u8; 8]>::try_from(s).ok()).ok_or_else(|| {
						err(format_args!("truncated fixed64 ({remaining} bytes remaining)"))
					})?;
				WireValue::Fixed64(u64::from_le_bytes(bytes))
			},
			2 => {
				let len = read_varint(self.buf, &mut self.pos)
					.map_err(|e| e.within(format_args!("length of field {number} of {message}")))?;
				let remaining = self.remaining();
				let slice =
					usize::try_from(len).ok().and_then(|n| self.take(n)).ok_or_else(|| {
						err(format_args!("length {len} exceeds remaining {remaining} bytes"))
					})?;
				WireValue::Bytes(slice)
			},
			3 => return Err(err(format_args!("wire type 3 (start group) is not supported"))),
			4 => return Err(err(format_args!("wire type 4 (end group) is not supported"))),
			5 => {
				let remaining = self.remaining();
				let bytes =
					self.take(4).and_then(|s| <[u8; 4]>::try_from(s).ok()).ok_or_else(|| {
						err(format_args!("truncated fixed32 ({remaining} bytes remaining)"))
					})?;
				WireValue::Fixed32(u32::from_le_bytes(bytes))
			},
			other => return Err(err(format_args!("invalid wire type {other}"))),
		};
		Ok(Some((number, value)))
	}
}

impl<'a> Iterator for Reader<'a> {
	type Item = Result<(u32, WireValue<'a>), DecodeError>;

	fn next(&mut self) -> Option<Self::Item> {
		match self.read_field() {
			Ok(Some(field)) => Some(Ok(field)),
			Ok(None) => None,
			Err(e) => {
				self.pos = self.buf.len();
				Some(Err(e))
			},
		}
	}
}

/// What decoding may still allocate, in bytes: every repeated element, message, string and
/// byte string decoded is charged its in-memory size, so that a model whose wire form is
/// compact (an empty message is 2 bytes on the wire and hundreds in memory) cannot make the
/// decoder allocate far more than its length.
#[derive(Debug)]
pub struct Meter {
	left: core::cell::Cell<u64>,
}

impl Meter {
	/// A meter allowing `bytes` bytes.
	pub fn new(bytes: u64) -> Self {
		Meter { left: core::cell::Cell::new(bytes) }
	}

	/// Bytes still allowed.
	pub fn left(&self) -> u64 {
		self.left.get()
	}

	fn charge(&self, bytes: u64) -> bool {
		match self.left.get().checked_sub(bytes) {
			Some(left) => {
				self.left.set(left);
				true
			},
			None => false,
		}
	}
}

/// One field of a message with the typed accessors used by the decoders.
#[derive(Clone, Copy, Debug)]
pub struct Field<'a> {
	/// Name of the enclosing message, for error messages.
	pub message: &'static str,
	/// The field number.
	pub number: u32,
	/// The raw value.
	pub value: WireValue<'a>,
	/// What decoding may still allocate (`None`: not metered).
	pub meter: Option<&'a Meter>,
}

impl fmt::Display for Field<'_> {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		write!(f, "field {} of {}", self.number, self.message)
	}
}

impl<'a> Field<'a> {
	/// Wraps a value read from `message`.
	pub fn new(message: &'static str, number: u32, value: WireValue<'a>) -> Self {
		Self { message, number, value, meter: None }
	}

	/// Wraps a value read from `message`, decoded within `meter`.
	pub fn metered(
		message: &'static str,
		number: u32,
		value: WireValue<'a>,
		meter: Option<&'a Meter>,
	) -> Self {
		Self { message, number, value, meter }
	}

	/// Charges `bytes` of allocation to the meter, or fails.
	pub fn charge(&self, bytes: usize) -> Result<(), DecodeError> {
		match self.meter {
			Some(m) if !m.charge(bytes as u64) => Err(self.error(
				"decoding would allocate more than the model's memory allowance (4 bytes per byte \
				 of model plus 1 MiB; store large tensors as raw_data)",
			)),
			_ => Ok(()),
		}
	}

	/// The bytes of a length-delimited field, copied (and charged).
	pub fn bytes_vec(&self) -> Result<Vec<u8>, DecodeError> {
		let b = self.bytes()?;
		self.charge(b.len())?;
		Ok(b.to_vec())
	}

	/// An error about this field.
	pub fn error(&self, what: impl fmt::Display) -> DecodeError {
		DecodeError::new(format!("{self}: {what}"))
	}

	fn wrong_type(&self, expected: &str) -> DecodeError {
		self.error(format_args!(
			"wire type {} where {expected} was expected",
			self.value.wire_type()
		))
	}

	/// Fails unless `len + extra` elements fit within [`MAX_REPEATED`].
	pub fn check_room(&self, len: usize, extra: usize) -> Result<(), DecodeError> {
		match len.checked_add(extra) {
			Some(total) if total <= MAX_REPEATED => Ok(()),
			_ => Err(self.error(format_args!("more than {MAX_REPEATED} repeated elements"))),
		}
	}

	/// The value of a varint field.
	pub fn varint(&self) -> Result<u64, DecodeError> {
		match self.value {
			WireValue::Varint(v) => Ok(v),
			_ => Err(self.wrong_type("a varint")),
		}
	}

	/// The value of an `int64` field (two's complement).
	pub fn int64(&self) -> Result<i64, DecodeError> {
		self.varint().map(|v| v as i64)
	}

	/// The value of an `int32` or enum field (truncated to 32 bits, as protobuf does).
	pub fn int32(&self) -> Result<i32, DecodeError> {
		self.varint().map(|v| v as i32)
	}

	/// The value of a `float` field.
	pub fn float(&self) -> Result<f32, DecodeError> {
		match self.value {
			WireValue::Fixed32(v) => Ok(f32::from_bits(v)),
			_ => Err(self.wrong_type("a fixed32")),
		}
	}

	/// The payload of a length-delimited field.
	pub fn bytes(&self) -> Result<&'a [u8], DecodeError> {
		match self.value {
			WireValue::Bytes(b) => Ok(b),
			_ => Err(self.wrong_type("a length-delimited value")),
		}
	}

	/// The payload of a `string` field, which must be UTF-8.
	pub fn string(&self) -> Result<String, DecodeError> {
		let bytes = self.bytes()?;
		self.charge(bytes.len())?;
		core::str::from_utf8(bytes)
			.map(String::from)
			.map_err(|e| self.error(format_args!("invalid UTF-8 ({e})")))
	}

	/// Appends one element of a repeated `string` field.
	pub fn push_string(&self, out: &mut Vec<String>) -> Result<(), DecodeError> {
		self.check_room(out.len(), 1)?;
		self.charge(core::mem::size_of::<String>())?;
		out.push(self.string()?);
		Ok(())
	}

	/// Appends one element of a repeated `bytes` field.
	pub fn push_bytes(&self, out: &mut Vec<Vec<u8>>) -> Result<(), DecodeError> {
		self.check_room(out.len(), 1)?;
		self.charge(core::mem::size_of::<Vec<u8>>())?;
		out.push(self.bytes_vec()?);
		Ok(())
	}

	/// Appends the elements of a repeated varint field, packed or not, via `convert`.
	pub fn push_varints<T>(
		&self,
		out: &mut Vec<T>,
		convert: fn(u64) -> T,
	) -> Result<(), DecodeError> {
		match self.value {
			WireValue::Varint(v) => {
				self.check_room(out.len(), 1)?;
				self.charge(core::mem::size_of::<T>())?;
				out.push(convert(v));
			},
			WireValue::Bytes(packed) => {
				let mut pos = 0;
				while pos < packed.len() {
					self.check_room(out.len(), 1)?;
					self.charge(core::mem::size_of::<T>())?;
					let v = read_varint(packed, &mut pos)
						.map_err(|e| e.within(format_args!("{self} (packed)")))?;
					out.push(convert(v));
				}
			},
			_ => return Err(self.wrong_type("a varint or packed varints")),
		}
		Ok(())
	}

	/// Appends the elements of a repeated fixed-width field, packed or not.
	fn push_fixed<T, const N: usize>(
		&self,
		out: &mut Vec<T>,
		single: Option<T>,
		convert: fn([u8; N]) -> T,
	) -> Result<(), DecodeError> {
		if let Some(v) = single {
			self.check_room(out.len(), 1)?;
			self.charge(core::mem::size_of::<T>())?;
			out.push(v);
			return Ok(());
		}
		let packed = match self.value {
			WireValue::Bytes(packed) => packed,
			_ => return Err(self.wrong_type(if N == 4 { "a fixed32" } else { "a fixed64" })),
		};
		if packed.len().checked_rem(N) != Some(0) {
			return Err(
				self.error(format_args!("packed length {} is not a multiple of {N}", packed.len()))
			);
		}
		let count = packed.len().checked_div(N).unwrap_or(0);
		self.check_room(out.len(), count)?;
		self.charge(count.saturating_mul(core::mem::size_of::<T>()))?;
		// `count` is bounded by the input length, so this reservation is too.
		out.try_reserve(count)
			.map_err(|_| self.error(format_args!("cannot allocate {count} elements")))?;
		for chunk in packed.chunks_exact(N) {
			if let Ok(bytes) = <[u8; N]>::try_from(chunk) {
				out.push(convert(bytes));
			}
		}
		Ok(())
	}

	/// Appends the elements of a repeated `float` field, packed or not.
	pub fn push_floats(&self, out: &mut Vec<f32>) -> Result<(), DecodeError> {
		let single = match self.value {
			WireValue::Fixed32(v) => Some(f32::from_bits(v)),
			_ => None,
		};
		self.push_fixed(out, single, f32::from_le_bytes)
	}

	/// Appends the elements of a repeated `double` field, packed or not.
	pub fn push_doubles(&self, out: &mut Vec<f64>) -> Result<(), DecodeError> {
		let single = match self.value {
			WireValue::Fixed64(v) => Some(f64::from_bits(v)),
			_ => None,
		};
		self.push_fixed(out, single, f64::from_le_bytes)
	}
}
