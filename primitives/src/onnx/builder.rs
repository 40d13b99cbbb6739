//! An ONNX model *encoder*: builds `ModelProto` bytes from a typed description.
//!
//! Used to generate the demo and test models (see [`super::zoo`]) without any external tool,
//! so that the project ships the code that makes its models rather than opaque files.

use alloc::{string::String, vec::Vec};

use crate::tensor::{DType, Tensor};

/// Appends `v` as a protobuf varint.
pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
	loop {
		let byte = (v & 0x7f) as u8;
		v >>= 7;
		if v == 0 {
			out.push(byte);
			return;
		}
		out.push(byte | 0x80);
	}
}

/// A protobuf message under construction.
#[derive(Clone, Default)]
struct Msg(Vec<u8>);

impl Msg {
	fn key(&mut self, field: u32, wire: u8) {
		put_varint(&mut self.0, (u64::from(field) << 3) | u64::from(wire));
	}
	fn int(&mut self, field: u32, v: i64) -> &mut Self {
		self.key(field, 0);
		put_varint(&mut self.0, v as u64);
		self
	}
	fn bytes(&mut self, field: u32, b: &[u8]) -> &mut Self {
		self.key(field, 2);
		put_varint(&mut self.0, b.len() as u64);
		self.0.extend_from_slice(b);
		self
	}
	fn str(&mut self, field: u32, s: &str) -> &mut Self {
		self.bytes(field, s.as_bytes())
	}
	fn msg(&mut self, field: u32, m: &Msg) -> &mut Self {
		self.bytes(field, &m.0)
	}
	fn float(&mut self, field: u32, v: f32) -> &mut Self {
		self.key(field, 5);
		self.0.extend_from_slice(&v.to_bits().to_le_bytes());
		self
	}
}

/// An attribute of a node.
#[derive(Clone, Debug)]
pub enum Attr {
	/// An integer.
	Int(&'static str, i64),
	/// A float.
	Float(&'static str, f32),
	/// A list of integers.
	Ints(&'static str, Vec<i64>),
	/// A string.
	Str(&'static str, String),
	/// A tensor.
	Tensor(&'static str, Tensor),
}

fn tensor_msg(name: &str, t: &Tensor) -> Msg {
	let dims: Vec<i64> = t.shape().iter().map(|d| *d as i64).collect();
	raw_tensor_msg(name, t.dtype(), &dims, &crate::graph::onnx_raw_bytes(t))
}

fn raw_tensor_msg(name: &str, dtype: DType, dims: &[i64], raw: &[u8]) -> Msg {
	let mut m = Msg::default();
	for d in dims {
		m.int(1, *d);
	}
	m.int(2, dtype.onnx_code() as i64);
	m.str(8, name);
	m.bytes(9, raw);
	m
}

fn attr_msg(a: &Attr) -> Msg {
	let mut m = Msg::default();
	match a {
		Attr::Int(n, v) => {
			m.str(1, n).int(3, *v).int(20, 2);
		},
		Attr::Float(n, v) => {
			m.str(1, n).float(2, *v).int(20, 1);
		},
		Attr::Ints(n, vs) => {
			m.str(1, n);
			for v in vs {
				m.int(8, *v);
			}
			m.int(20, 7);
		},
		Attr::Str(n, s) => {
			m.str(1, n).bytes(4, s.as_bytes()).int(20, 3);
		},
		Attr::Tensor(n, t) => {
			m.str(1, n).msg(5, &tensor_msg("", t)).int(20, 4);
		},
	}
	m
}

/// A node: op type, input names, output names, attributes.
type NodeSpec = (String, Vec<String>, Vec<String>, Vec<Attr>);

/// Builds an ONNX model.
#[derive(Clone, Debug)]
pub struct ModelBuilder {
	opset: i64,
	name: String,
	inputs: Vec<(String, DType, Vec<i64>)>,
	outputs: Vec<String>,
	initializers: Vec<(String, Tensor)>,
	raw_initializers: Vec<(String, DType, Vec<i64>, Vec<u8>)>,
	nodes: Vec<NodeSpec>,
}

impl ModelBuilder {
	/// An empty model importing `opset` of the default domain.
	pub fn new(name: &str, opset: i64) -> Self {
		ModelBuilder {
			opset,
			name: name.into(),
			inputs: Vec::new(),
			outputs: Vec::new(),
			initializers: Vec::new(),
			raw_initializers: Vec::new(),
			nodes: Vec::new(),
		}
	}

	/// Imports `opset` of the default domain instead.
	pub fn opset(&mut self, opset: i64) -> &mut Self {
		self.opset = opset;
		self
	}

	/// Adds a graph input with a static shape.
	pub fn input(&mut self, name: &str, dtype: DType, shape: &[usize]) -> &mut Self {
		self.inputs.push((name.into(), dtype, shape.iter().map(|d| *d as i64).collect()));
		self
	}

	/// Adds a graph input with dimensions as written, unchecked (for adversarial models).
	pub fn raw_input(&mut self, name: &str, dtype: DType, dims: &[i64]) -> &mut Self {
		self.inputs.push((name.into(), dtype, dims.to_vec()));
		self
	}

	/// Marks `name` as a graph output.
	pub fn output(&mut self, name: &str) -> &mut Self {
		self.outputs.push(name.into());
		self
	}

	/// Adds an initializer (a weight).
	pub fn initializer(&mut self, name: &str, t: Tensor) -> &mut Self {
		self.initializers.push((name.into(), t));
		self
	}

	/// Adds an initializer from its parts as written, unchecked (for adversarial models whose
	/// dimensions no [`Tensor`] accepts).
	pub fn raw_initializer(
		&mut self,
		name: &str,
		dtype: DType,
		dims: &[i64],
		raw: &[u8],
	) -> &mut Self {
		self.raw_initializers.push((name.into(), dtype, dims.to_vec(), raw.to_vec()));
		self
	}

	/// Adds a node.
	pub fn node(
		&mut self,
		op: &str,
		inputs: &[&str],
		outputs: &[&str],
		attrs: Vec<Attr>,
	) -> &mut Self {
		self.nodes.push((
			op.into(),
			inputs.iter().map(|s| String::from(*s)).collect(),
			outputs.iter().map(|s| String::from(*s)).collect(),
			attrs,
		));
		self
	}

	/// The `ModelProto` bytes.
	pub fn build(&self) -> Vec<u8> {
		let mut g = Msg::default();
		for (i, (op, ins, outs, attrs)) in self.nodes.iter().enumerate() {
			let mut n = Msg::default();
			for x in ins {
				n.str(1, x);
			}
			for x in outs {
				n.str(2, x);
			}
			n.str(3, &alloc::format!("{op}_{i}")).str(4, op);
			for a in attrs {
				n.msg(5, &attr_msg(a));
			}
			g.msg(1, &n);
		}
		g.str(2, &self.name);
		for (name, t) in &self.initializers {
			g.msg(5, &tensor_msg(name, t));
		}
		for (name, dtype, dims, raw) in &self.raw_initializers {
			g.msg(5, &raw_tensor_msg(name, *dtype, dims, raw));
		}
		for (name, dtype, shape) in &self.inputs {
			let mut shape_msg = Msg::default();
			for d in shape {
				let mut dim = Msg::default();
				dim.int(1, *d);
				shape_msg.msg(1, &dim);
			}
			let mut tt = Msg::default();
			tt.int(1, dtype.onnx_code() as i64).msg(2, &shape_msg);
			let mut ty = Msg::default();
			ty.msg(1, &tt);
			let mut vi = Msg::default();
			vi.str(1, name).msg(2, &ty);
			g.msg(11, &vi);
		}
		for name in &self.outputs {
			let mut vi = Msg::default();
			vi.str(1, name);
			g.msg(12, &vi);
		}
		let mut opset = Msg::default();
		opset.str(1, "").int(2, self.opset);
		let mut m = Msg::default();
		m.int(1, 8).str(2, "verity").msg(7, &g).msg(8, &opset);
		m.0
	}
}
