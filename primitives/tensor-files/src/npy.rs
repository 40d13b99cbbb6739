//! NumPy `.npy` files, format versions 1, 2 and 3, C order, little-endian.
//!
//! The header is a Python dict literal such as
//! `{'descr': '<f4', 'fortran_order': False, 'shape': (1, 4), }`; only the types
//! `<f4 <i8 <i4 |i1 |u1 |b1` are accepted and everything else is refused by name.

use verity_primitives::tensor::{checked_numel, DType, Tensor, TensorData};

/// The 6-byte magic string that opens every `.npy` file.
pub const NPY_MAGIC: &[u8; 6] = b"\x93NUMPY";

/// The dtype of a NumPy type string, if supported.
fn dtype_of_descr(descr: &str) -> Option<DType> {
	Some(match descr {
		"<f4" => DType::F32,
		"<i8" => DType::I64,
		"<i4" => DType::I32,
		"|i1" | "<i1" => DType::I8,
		"|u1" | "<u1" => DType::U8,
		"|b1" => DType::Bool,
		"<f2" => DType::F16,
		"<i2" => DType::I16,
		"<u2" => DType::U16,
		"<u4" => DType::U32,
		"<u8" => DType::U64,
		_ => return None,
	})
}

/// The NumPy type string of `dtype` (`None` for the types NumPy lacks).
fn descr_of(dtype: DType) -> Option<&'static str> {
	Some(match dtype {
		DType::F32 => "<f4",
		DType::I64 => "<i8",
		DType::I32 => "<i4",
		DType::I8 => "|i1",
		DType::U8 => "|u1",
		DType::Bool => "|b1",
		DType::F16 => "<f2",
		DType::I16 => "<i2",
		DType::U16 => "<u2",
		DType::U32 => "<u4",
		DType::U64 => "<u8",
		// One value per byte: the canonical bytes are int8 and uint8 ones.
		DType::I4 | DType::I2 => "|i1",
		DType::U4 | DType::U2 => "|u1",
		DType::BF16
		| DType::F8E4M3FN
		| DType::F8E4M3FNUZ
		| DType::F8E5M2
		| DType::F8E5M2FNUZ
		| DType::F8E8M0
		| DType::F4E2M1 => return None,
	})
}

/// A value of the header's Python literal.
#[derive(Debug, PartialEq)]
enum Py {
	Str(String),
	Bool(bool),
	Int(u64),
	None,
	Tuple(Vec<Py>),
	List(Vec<Py>),
	Dict(Vec<(Py, Py)>),
}

/// A recursive-descent parser of the small Python literal subset NumPy headers use.
struct Parser<'a> {
	s: &'a [u8],
	pos: usize,
	depth: usize,
}

impl Parser<'_> {
	fn skip_ws(&mut self) {
		while self.pos < self.s.len() && self.s[self.pos].is_ascii_whitespace() {
			self.pos += 1;
		}
	}

	fn peek(&mut self) -> Option<u8> {
		self.skip_ws();
		self.s.get(self.pos).copied()
	}

	fn expect(&mut self, c: u8) -> Result<(), String> {
		match self.peek() {
			Some(x) if x == c => {
				self.pos += 1;
				Ok(())
			},
			Some(x) => Err(format!(
				"header: expected '{}' at byte {}, found '{}'",
				c as char, self.pos, x as char
			)),
			None => Err(format!("header: expected '{}', found the end", c as char)),
		}
	}

	/// Items up to `close`, separated by commas, a trailing comma allowed.
	fn items<T>(
		&mut self,
		close: u8,
		mut item: impl FnMut(&mut Self) -> Result<T, String>,
	) -> Result<Vec<T>, String> {
		let mut out = Vec::new();
		loop {
			if self.peek() == Some(close) {
				self.pos += 1;
				return Ok(out);
			}
			out.push(item(self)?);
			match self.peek() {
				Some(b',') => self.pos += 1,
				Some(c) if c == close => {},
				_ => return Err(format!("header: expected ',' or '{}'", close as char)),
			}
		}
	}

	fn value(&mut self) -> Result<Py, String> {
		if self.depth > 8 {
			return Err("header: nesting too deep".into());
		}
		self.depth += 1;
		let v = self.value_inner();
		self.depth -= 1;
		v
	}

	fn value_inner(&mut self) -> Result<Py, String> {
		match self.peek() {
			None => Err("header: unexpected end".into()),
			Some(q @ (b'\'' | b'"')) => {
				self.pos += 1;
				let start = self.pos;
				while self.pos < self.s.len() && self.s[self.pos] != q {
					if self.s[self.pos] == b'\\' {
						return Err("header: escapes in strings are not supported".into());
					}
					self.pos += 1;
				}
				if self.pos >= self.s.len() {
					return Err("header: unterminated string".into());
				}
				let text = String::from_utf8_lossy(&self.s[start..self.pos]).into_owned();
				self.pos += 1;
				Ok(Py::Str(text))
			},
			Some(b'(') => {
				self.pos += 1;
				Ok(Py::Tuple(self.items(b')', Self::value)?))
			},
			Some(b'[') => {
				self.pos += 1;
				Ok(Py::List(self.items(b']', Self::value)?))
			},
			Some(b'{') => {
				self.pos += 1;
				let pairs = self.items(b'}', |p| {
					let k = p.value()?;
					p.expect(b':')?;
					Ok((k, p.value()?))
				})?;
				Ok(Py::Dict(pairs))
			},
			Some(c) if c.is_ascii_digit() => {
				let start = self.pos;
				while self.pos < self.s.len() && self.s[self.pos].is_ascii_digit() {
					self.pos += 1;
				}
				let text = core::str::from_utf8(&self.s[start..self.pos]).unwrap_or("");
				let v =
					text.parse::<u64>().map_err(|_| format!("header: integer {text} too large"))?;
				// Python 2 long suffix.
				if self.s.get(self.pos) == Some(&b'L') {
					self.pos += 1;
				}
				Ok(Py::Int(v))
			},
			Some(c) if c.is_ascii_alphabetic() => {
				let start = self.pos;
				while self.pos < self.s.len() && self.s[self.pos].is_ascii_alphanumeric() {
					self.pos += 1;
				}
				match &self.s[start..self.pos] {
					b"True" => Ok(Py::Bool(true)),
					b"False" => Ok(Py::Bool(false)),
					b"None" => Ok(Py::None),
					w => Err(format!("header: unexpected word '{}'", String::from_utf8_lossy(w))),
				}
			},
			Some(c) => Err(format!("header: unexpected character '{}'", c as char)),
		}
	}
}

/// The header dict's `(descr, fortran_order, shape)`.
fn parse_header(text: &[u8]) -> Result<(Py, Py, Py), String> {
	let mut p = Parser { s: text, pos: 0, depth: 0 };
	let dict = p.value()?;
	if p.peek().is_some() {
		return Err(format!("header: unexpected text after the dict at byte {}", p.pos));
	}
	let Py::Dict(pairs) = dict else {
		return Err("header is not a dict".into());
	};
	let (mut descr, mut fortran, mut shape) = (None, None, None);
	for (k, v) in pairs {
		match k {
			Py::Str(k) if k == "descr" => descr = Some(v),
			Py::Str(k) if k == "fortran_order" => fortran = Some(v),
			Py::Str(k) if k == "shape" => shape = Some(v),
			_ => {},
		}
	}
	match (descr, fortran, shape) {
		(Some(d), Some(f), Some(s)) => Ok((d, f, s)),
		_ => Err("header lacks one of 'descr', 'fortran_order', 'shape'".into()),
	}
}

/// The tensor in `.npy` bytes.
pub fn decode_npy(bytes: &[u8]) -> Result<Tensor, String> {
	if bytes.len() < 10 || &bytes[..6] != NPY_MAGIC {
		return Err("not a NumPy .npy file (bad magic)".into());
	}
	let (major, minor) = (bytes[6], bytes[7]);
	let (header_len, start) = match major {
		1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10usize),
		2 | 3 if bytes.len() >= 12 => {
			(u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12)
		},
		2 | 3 => return Err("truncated header".into()),
		_ => return Err(format!("unsupported .npy format version {major}.{minor}")),
	};
	let header = bytes
		.get(start..start.saturating_add(header_len))
		.ok_or_else(|| format!("header of {header_len} bytes is truncated"))?;
	let (descr, fortran, shape) = parse_header(header)?;
	let dtype = match descr {
		Py::Str(d) => dtype_of_descr(&d).ok_or_else(|| {
			format!("dtype '{d}' is not supported (supported: <f4 <i8 <i4 |i1 |u1 |b1)")
		})?,
		_ => return Err("structured dtypes are not supported".into()),
	};
	match fortran {
		Py::Bool(false) => {},
		Py::Bool(true) => return Err("fortran_order True is not supported (save C order)".into()),
		_ => return Err("'fortran_order' is not a bool".into()),
	}
	let Py::Tuple(dims) = shape else {
		return Err("'shape' is not a tuple".into());
	};
	let shape = dims
		.iter()
		.map(|d| match d {
			Py::Int(v) => usize::try_from(*v).map_err(|_| format!("dimension {v} too large")),
			_ => Err("'shape' holds a non-integer".to_string()),
		})
		.collect::<Result<Vec<usize>, _>>()?;
	let n = checked_numel(&shape).map_err(|e| format!("shape {shape:?}: {e}"))?;
	let data = &bytes[start + header_len..];
	let want = n * dtype.size();
	if data.len() != want {
		return Err(format!(
			"{} data bytes where shape {shape:?} of {} needs {want}",
			data.len(),
			dtype.name()
		));
	}
	if dtype == DType::Bool {
		if let Some(b) = data.iter().find(|b| **b > 1) {
			return Err(format!("bool byte {b} is neither 0 nor 1"));
		}
	}
	let data = TensorData::from_le_bytes(dtype, data).map_err(|e| e.to_string())?;
	Tensor::new(shape, data).map_err(|e| e.to_string())
}

/// `t` as `.npy` bytes (format 1.0, C order, header padded to 64 bytes). NumPy has no
/// bfloat16, float8 or float4 type: their values are written as float32 (exactly); the 4- and
/// 2-bit integers are written as int8 or uint8.
pub fn encode_npy(t: &Tensor) -> Vec<u8> {
	let Some(descr) = descr_of(t.dtype()) else {
		let widened = (0..t.len())
			.map(|k| verity_primitives::ops::scalar_at(t, k).map_or(f32::NAN, |v| v.f()))
			.collect();
		return match Tensor::f32(t.shape().to_vec(), widened) {
			Ok(w) => encode_npy(&w),
			Err(_) => Vec::new(),
		};
	};
	let dims: Vec<String> = t.shape().iter().map(|d| d.to_string()).collect();
	let shape = match dims.len() {
		1 => format!("({},)", dims[0]),
		_ => format!("({})", dims.join(", ")),
	};
	let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
	let unpadded = 10 + header.len() + 1;
	header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
	header.push('\n');
	let mut out = Vec::with_capacity(10 + header.len() + t.len() * t.dtype().size());
	out.extend_from_slice(NPY_MAGIC);
	out.extend_from_slice(&[1, 0]);
	out.extend_from_slice(&(header.len() as u16).to_le_bytes());
	out.extend_from_slice(header.as_bytes());
	out.extend_from_slice(&t.to_le_bytes());
	out
}
