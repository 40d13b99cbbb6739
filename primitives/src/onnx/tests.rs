//! Tests for the ONNX decoder, with inputs built by a tiny protobuf encoder.

use alloc::{string::String, vec, vec::Vec};

use super::{wire::read_varint, *};

use super::builder::put_varint;

/// A message under construction.
#[derive(Clone, Default)]
struct Msg(Vec<u8>);

impl Msg {
	fn new() -> Self {
		Self::default()
	}
	fn key(mut self, field: u32, wire_type: u8) -> Self {
		put_varint(&mut self.0, (u64::from(field) << 3) | u64::from(wire_type));
		self
	}
	fn varint(self, field: u32, v: u64) -> Self {
		let mut m = self.key(field, 0);
		put_varint(&mut m.0, v);
		m
	}
	fn int(self, field: u32, v: i64) -> Self {
		self.varint(field, v as u64)
	}
	fn bytes(self, field: u32, b: &[u8]) -> Self {
		let mut m = self.key(field, 2);
		put_varint(&mut m.0, b.len() as u64);
		m.0.extend_from_slice(b);
		m
	}
	fn str(self, field: u32, s: &str) -> Self {
		self.bytes(field, s.as_bytes())
	}
	fn msg(self, field: u32, m: Msg) -> Self {
		self.bytes(field, &m.0)
	}
	fn fixed32(self, field: u32, v: u32) -> Self {
		let mut m = self.key(field, 5);
		m.0.extend_from_slice(&v.to_le_bytes());
		m
	}
	fn fixed64(self, field: u32, v: u64) -> Self {
		let mut m = self.key(field, 1);
		m.0.extend_from_slice(&v.to_le_bytes());
		m
	}
	fn float(self, field: u32, v: f32) -> Self {
		self.fixed32(field, v.to_bits())
	}
	fn packed_varints(self, field: u32, vs: &[u64]) -> Self {
		let mut body = Vec::new();
		vs.iter().for_each(|&v| put_varint(&mut body, v));
		self.bytes(field, &body)
	}
	fn packed_floats(self, field: u32, vs: &[f32]) -> Self {
		let body: Vec<u8> = vs.iter().flat_map(|v| v.to_le_bytes()).collect();
		self.bytes(field, &body)
	}
	fn packed_doubles(self, field: u32, vs: &[f64]) -> Self {
		let body: Vec<u8> = vs.iter().flat_map(|v| v.to_le_bytes()).collect();
		self.bytes(field, &body)
	}
	fn strs(self, field: u32, vs: &[&str]) -> Self {
		vs.iter().fold(self, |m, v| m.str(field, v))
	}
	fn ints(self, field: u32, vs: &[i64]) -> Self {
		vs.iter().fold(self, |m, &v| m.int(field, v))
	}
	fn raw(mut self, b: &[u8]) -> Self {
		self.0.extend_from_slice(b);
		self
	}
	/// One unknown field of every wire type, numbered high enough to be unknown everywhere.
	fn unknowns(self) -> Self {
		self.varint(1000, u64::MAX)
			.fixed64(1001, 7)
			.str(1002, "ignored")
			.fixed32(1003, 9)
			.msg(1004, Msg::new().varint(1, 1))
	}
}

fn dim_value(v: i64) -> Msg {
	Msg::new().int(1, v)
}

fn dim_param(p: &str) -> Msg {
	Msg::new().str(2, p)
}

fn value_info(name: &str, elem_type: i64, dims: Vec<Msg>) -> Msg {
	let shape = dims.into_iter().fold(Msg::new(), |s, d| s.msg(1, d));
	let tensor = Msg::new().int(1, elem_type).msg(2, shape);
	Msg::new().str(1, name).msg(2, Msg::new().msg(1, tensor))
}

/// An attribute with its name and `AttributeType`.
fn attr(name: &str, ty: i64) -> Msg {
	Msg::new().str(1, name).int(20, ty)
}

/// A small model exercising every decoded field.
fn valid_model() -> Vec<u8> {
	let raw: Vec<u8> = [1.0f32, 2.0, 3.0, 4.0].iter().flat_map(|v| v.to_le_bytes()).collect();
	let w = Msg::new().ints(1, &[2, 2]).int(2, 1).str(8, "W");
	let b = Msg::new().packed_varints(1, &[2]).int(2, 1).str(8, "B");
	let c = Msg::new().int(1, 3).int(2, 7).str(8, "C").unknowns();
	let d = Msg::new().packed_varints(1, &[1]).int(2, 11).str(8, "D");
	let t = Msg::new().int(2, 3).int(5, -128).packed_varints(5, &[127, -2i64 as u64]);
	let node0 = Msg::new().strs(1, &["x", "W"]).str(2, "h").str(3, "mm").str(7, "");
	let node1 = Msg::new().strs(1, &["h", "B"]).str(2, "y").str(3, "gemm").str(4, "Gemm");
	let node1 = node1
		.msg(5, attr("alpha", 1).float(2, 0.25))
		.msg(5, attr("transB", 2).int(3, -7).unknowns())
		.msg(5, attr("mode", 3).bytes(4, b"hi\xff"))
		.msg(5, attr("value", 4).msg(5, t.int(14, 1)))
		.msg(5, attr("fs", 6).packed_floats(7, &[1.0, 2.0]).float(7, 3.0))
		.msg(5, attr("is", 7).ints(8, &[4, -5]).packed_varints(8, &[6]))
		.msg(5, attr("ss", 8).bytes(9, b"a").bytes(9, b""));
	let graph = Msg::new()
		.msg(1, node0.str(4, "MatMul").unknowns())
		.str(2, "main")
		.msg(1, node1)
		.msg(5, w.bytes(9, &raw).int(14, 0))
		.msg(5, b.packed_floats(4, &[0.5, -1.5]))
		.msg(5, c.ints(7, &[-1, 0, i64::MAX]))
		.msg(5, d.packed_doubles(10, &[2.5]).varint(11, u64::MAX).packed_varints(11, &[5, 6]))
		.msg(11, value_info("x", 1, vec![dim_param("N"), dim_value(2)]))
		.msg(12, value_info("y", 1, vec![dim_param("N"), Msg::new()]))
		.msg(13, value_info("h", 1, vec![]))
		.unknowns();
	Msg::new()
		.int(1, 8)
		.msg(8, Msg::new().str(1, "").int(2, 17))
		.str(2, "verity-test")
		.unknowns()
		.msg(7, graph)
		.msg(8, Msg::new().str(1, "ai.onnx.ml").int(2, 3).unknowns())
		.0
}

fn err(bytes: &[u8]) -> String {
	match decode_model(bytes) {
		Ok(m) => panic!("expected an error, decoded {m:?}"),
		Err(e) => e.to_string(),
	}
}

fn assert_err(bytes: &[u8], needle: &str) {
	let e = err(bytes);
	assert!(e.contains(needle), "error {e:?} does not contain {needle:?}");
}

#[test]
fn decodes_valid_model() {
	let model = decode_model(&valid_model()).unwrap();
	assert_eq!((model.ir_version, model.producer_name.as_str()), (8, "verity-test"));
	let opset = |domain: &str, version| OperatorSetId { domain: domain.into(), version };
	assert_eq!(model.opset_import, vec![opset("", 17), opset("ai.onnx.ml", 3)]);
	let g = model.graph.unwrap();
	assert_eq!((g.name.as_str(), g.node.len()), ("main", 2));
	let n0 = &g.node[0];
	assert_eq!(
		(n0.input.clone(), n0.output.clone()),
		(vec!["x".into(), "W".into()], vec!["h".into()])
	);
	assert_eq!((&*n0.name, &*n0.op_type, &*n0.domain), ("mm", "MatMul", ""));
	assert!(n0.attribute.is_empty());

	let a = &g.node[1].attribute;
	assert_eq!((g.node[1].op_type.as_str(), a.len()), ("Gemm", 7));
	assert_eq!((a[0].name.as_str(), a[0].f, a[0].r#type), ("alpha", 0.25, 1));
	assert_eq!((a[1].i, a[1].r#type), (-7, 2));
	assert_eq!(a[2].s, b"hi\xff".to_vec());
	let t = a[3].t.as_ref().unwrap();
	assert_eq!((t.data_type, t.data_location), (3, 1));
	assert_eq!(t.int32_data, vec![-128, 127, -2]);
	assert_eq!(a[4].floats, vec![1.0, 2.0, 3.0]);
	assert_eq!(a[5].ints, vec![4, -5, 6]);
	assert_eq!(a[6].strings, vec![b"a".to_vec(), Vec::new()]);
	assert!(a.iter().all(|x| !x.has_graph));

	let init = &g.initializer;
	assert_eq!(init.len(), 4);
	assert_eq!((&*init[0].name, &init[0].dims[..], init[0].data_type), ("W", &[2, 2][..], 1));
	assert_eq!(init[0].raw_data.len(), 16);
	assert_eq!(&init[0].raw_data[4..8], &2.0f32.to_le_bytes());
	assert_eq!((&init[1].dims[..], &init[1].float_data[..]), (&[2][..], &[0.5, -1.5][..]));
	assert_eq!(init[2].int64_data, vec![-1, 0, i64::MAX]);
	assert_eq!((&init[2].dims[..], init[2].data_type), (&[3][..], 7));
	assert_eq!(init[3].double_data, vec![2.5]);
	assert_eq!(init[3].uint64_data, vec![u64::MAX, 5, 6]);

	let shape = |v: &ValueInfoProto| {
		let t = v.r#type.as_ref().unwrap().tensor_type.as_ref().unwrap();
		let dims = t.shape.as_ref().unwrap().dim.iter().map(|d| d.value.clone());
		(t.elem_type, dims.collect::<Vec<_>>())
	};
	let n = || DimValue::Param("N".into());
	assert_eq!(g.input[0].name, "x");
	assert_eq!(shape(&g.input[0]), (1, vec![n(), DimValue::Value(2)]));
	assert_eq!(shape(&g.output[0]), (1, vec![n(), DimValue::Unknown]));
	assert_eq!((g.value_info[0].name.as_str(), shape(&g.value_info[0])), ("h", (1, vec![])));
}

#[test]
fn empty_input_is_default_model() {
	assert_eq!(decode_model(&[]).unwrap(), ModelProto::default());
}

#[test]
fn unknown_fields_of_every_wire_type_are_skipped() {
	let plain = Msg::new().int(1, 3).str(2, "p").msg(7, Msg::new().str(2, "g")).0;
	let noisy = Msg::new()
		.unknowns()
		.int(1, 3)
		.unknowns()
		.str(2, "p")
		.msg(7, Msg::new().unknowns().str(2, "g").unknowns())
		.unknowns()
		.0;
	assert_eq!(decode_model(&noisy).unwrap(), decode_model(&plain).unwrap());
	// Known-but-unused fields (doc_string, producer_version, metadata_props, ...) too.
	let extra = Msg::new().str(3, "1.0").str(6, "doc").msg(14, Msg::new().str(1, "k")).0;
	assert_eq!(decode_model(&extra).unwrap(), ModelProto::default());
}

#[test]
fn singular_fields_merge_and_last_scalar_wins() {
	let bytes = Msg::new()
		.int(1, 1)
		.int(1, 9)
		.msg(7, Msg::new().str(2, "a").msg(1, Msg::new().str(4, "Relu")))
		.msg(7, Msg::new().msg(1, Msg::new().str(4, "Tanh")))
		.0;
	let model = decode_model(&bytes).unwrap();
	assert_eq!(model.ir_version, 9);
	let g = model.graph.unwrap();
	assert_eq!(g.name, "a");
	assert_eq!(g.node.iter().map(|n| n.op_type.as_str()).collect::<Vec<_>>(), ["Relu", "Tanh"]);
	let dim = Dimension::decode(&Msg::new().int(1, 4).str(2, "n").0).unwrap();
	assert_eq!(dim.value, DimValue::Param("n".into()));
}

#[test]
fn other_type_kinds_have_no_tensor_type() {
	let seq = Msg::new().msg(1, Msg::new().int(1, 1)).msg(4, Msg::new()).0;
	assert_eq!(TypeProto::decode(&seq).unwrap(), TypeProto { tensor_type: None });
	let map = Msg::new().msg(5, Msg::new().int(1, 7)).0;
	assert_eq!(TypeProto::decode(&map).unwrap().tensor_type, None);
}

#[test]
fn sign_extended_int32_and_packed_negatives() {
	// -1 as int32 on the wire: 10 bytes, last byte 0x01.
	let t = TensorProto::decode(&Msg::new().int(5, -1).int(2, -2).0).unwrap();
	assert_eq!((t.int32_data, t.data_type), (vec![-1], -2));
	let mut pos = 0;
	let mut ten = vec![0xff; 9];
	ten.push(0x01);
	assert_eq!(read_varint(&ten, &mut pos), Ok(u64::MAX));
	assert_eq!(pos, 10);
}

#[test]
fn graph_attribute_sets_has_graph() {
	let attr = Msg::new().str(1, "then_branch").msg(6, Msg::new().str(2, "sub")).int(20, 5);
	let a = AttributeProto::decode(&attr.0).unwrap();
	assert!(a.has_graph);
	assert_eq!(a.name, "then_branch");
	let graphs = Msg::new().msg(11, Msg::new()).0;
	assert!(AttributeProto::decode(&graphs).unwrap().has_graph);
	// The graph itself is not decoded, so even a malformed one only sets the flag.
	let bad = Msg::new().bytes(6, &[0xff]).0;
	assert!(AttributeProto::decode(&bad).unwrap().has_graph);
}

#[test]
fn rejects_truncated_varint() {
	assert_err(&[0x08, 0x80], "malformed varint: truncated");
	assert_err(&[0x80], "key at offset 0 of ModelProto: malformed varint: truncated");
	let mut pos = 0;
	assert!(read_varint(&[], &mut pos).is_err());
	assert_eq!(pos, 0);
}

#[test]
fn rejects_overlong_varint() {
	let mut bytes = vec![0x08];
	bytes.extend_from_slice(&[0x80; 10]);
	bytes.push(0x00);
	assert_err(&bytes, "field 1 of ModelProto: malformed varint: longer than 10 bytes");
	let mut overflow = vec![0x08];
	overflow.extend_from_slice(&[0xff; 9]);
	overflow.push(0x02);
	assert_err(&overflow, "malformed varint: overflows 64 bits");
}

#[test]
fn rejects_length_past_end() {
	let mut len = Vec::new();
	put_varint(&mut len, 4_000_000);
	let node = Msg::new().key(7, 2).raw(&len).raw(&[0; 12]);
	let bytes = Msg::new().msg(7, Msg::new().msg(1, node)).0;
	assert_eq!(
		err(&bytes),
		"field 7 of ModelProto: field 1 of GraphProto: \
		 field 7 of NodeProto: length 4000000 exceeds remaining 12 bytes"
	);
	assert_err(&Msg::new().key(2, 2).raw(&[u8::MAX; 9]).raw(&[1]).0, "exceeds remaining 0 bytes");
	assert_err(&Msg::new().key(2, 2).0, "length of field 2 of ModelProto: malformed varint");
	assert_err(&Msg::new().key(9, 5).raw(&[1, 2]).0, "truncated fixed32 (2 bytes remaining)");
	assert_err(&Msg::new().key(9, 1).raw(&[1; 7]).0, "truncated fixed64 (7 bytes remaining)");
}

#[test]
fn rejects_groups_and_bad_keys() {
	assert_err(&Msg::new().key(5, 3).0, "field 5 of ModelProto: wire type 3 (start group)");
	assert_err(&Msg::new().key(5, 4).0, "field 5 of ModelProto: wire type 4 (end group)");
	assert_err(&Msg::new().key(5, 6).0, "invalid wire type 6");
	assert_err(&Msg::new().key(5, 7).0, "invalid wire type 7");
	assert_err(&[0x00], "invalid field number 0");
	assert_err(&Msg::new().varint(1 << 29, 0).0, "invalid field number 536870912");
}

#[test]
fn rejects_wrong_wire_type_for_known_field() {
	assert_err(&Msg::new().str(1, "8").0, "field 1 of ModelProto: wire type 2 where a varint");
	assert_err(&Msg::new().int(7, 1).0, "field 7 of ModelProto: wire type 0 where a length");
	let attr = Msg::new().int(2, 1).0;
	assert!(AttributeProto::decode(&attr).unwrap_err().to_string().contains("a fixed32"));
	let t = Msg::new().fixed32(10, 1).0;
	assert!(TensorProto::decode(&t).unwrap_err().to_string().contains("field 10 of TensorProto"));
	let packed = Msg::new().bytes(4, &[0; 6]).0;
	assert_eq!(
		TensorProto::decode(&packed).unwrap_err().to_string(),
		"field 4 of TensorProto: packed length 6 is not a multiple of 4"
	);
	let bad_packed = Msg::new().bytes(7, &[0x80]).0;
	assert!(TensorProto::decode(&bad_packed)
		.unwrap_err()
		.to_string()
		.contains("field 7 of TensorProto (packed): malformed varint"));
}

#[test]
fn rejects_invalid_utf8() {
	let node = Msg::new().bytes(4, &[b'R', 0xc3, 0x28]);
	let bytes = Msg::new().msg(7, Msg::new().msg(1, node)).0;
	assert_err(&bytes, "field 4 of NodeProto: invalid UTF-8");
	assert_err(&Msg::new().bytes(2, &[0xff]).0, "field 2 of ModelProto: invalid UTF-8");
}

#[test]
fn rejects_string_data() {
	let t = Msg::new().str(6, "s").0;
	assert_eq!(
		TensorProto::decode(&t).unwrap_err().to_string(),
		"field 6 of TensorProto: string_data is not supported"
	);
}

#[test]
fn rejects_nesting_too_deep() {
	let mut t = TensorProto::default();
	assert!(t.merge(&[], MAX_NESTING).is_ok());
	assert_eq!(
		t.merge(&[], MAX_NESTING + 1).unwrap_err().to_string(),
		"TensorProto: nesting too deep (depth 9, max 8)"
	);
	// A graph already at the limit cannot hold nodes, whose nesting exceeds it.
	let graph = Msg::new().msg(1, Msg::new().str(4, "Relu")).0;
	let mut g = GraphProto::default();
	assert_eq!(
		g.merge(&graph, MAX_NESTING).unwrap_err().to_string(),
		"field 1 of GraphProto: NodeProto: nesting too deep (depth 9, max 8)"
	);
	// The deepest real path (model > graph > node > attribute > tensor) is accepted.
	assert!(decode_model(&valid_model()).is_ok());
}

#[test]
fn repeated_limit_is_checked() {
	let f = Field::new("TensorProto", 4, WireValue::Bytes(&[0; 8]));
	assert!(f.check_room(MAX_REPEATED - 2, 2).is_ok());
	assert_eq!(
		f.check_room(MAX_REPEATED - 1, 2).unwrap_err().to_string(),
		"field 4 of TensorProto: more than 16777216 repeated elements"
	);
	assert!(f.check_room(usize::MAX, 1).is_err());
}

#[test]
fn reader_yields_fields_and_stops_after_error() {
	let bytes = Msg::new().int(1, 5).fixed64(2, 6).str(3, "ab").fixed32(4, 7).key(5, 3).int(1, 1).0;
	let items: Vec<_> = Reader::new(&bytes, "M").collect();
	assert_eq!(items.len(), 5);
	assert_eq!(items[0], Ok((1, WireValue::Varint(5))));
	assert_eq!(items[1], Ok((2, WireValue::Fixed64(6))));
	assert_eq!(items[2], Ok((3, WireValue::Bytes(b"ab"))));
	assert_eq!(items[3], Ok((4, WireValue::Fixed32(7))));
	assert!(items[4].is_err());
}

/// xorshift64: a deterministic PRNG with no dependencies.
struct Rng(u64);

impl Rng {
	fn next(&mut self) -> u64 {
		self.0 ^= self.0 << 13;
		self.0 ^= self.0 >> 7;
		self.0 ^= self.0 << 17;
		self.0
	}
	fn below(&mut self, n: usize) -> usize {
		(self.next() % n.max(1) as u64) as usize
	}
}

#[test]
fn fuzz_mutations_never_panic() {
	let valid = valid_model();
	let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
	let mut ok = 0usize;
	for _ in 0..20_000 {
		let mut bytes = valid.clone();
		for _ in 0..=rng.below(4) {
			let at = rng.below(bytes.len());
			match rng.below(6) {
				0 => bytes.truncate(at),
				1 => {
					if let Some(b) = bytes.get_mut(at) {
						*b ^= 1 << rng.below(8);
					}
				},
				2 => {
					if let Some(b) = bytes.get_mut(at) {
						*b = rng.next() as u8;
					}
				},
				3 => bytes.insert(at, rng.next() as u8),
				4 => {
					let end = (at + rng.below(16)).min(bytes.len());
					bytes.drain(at..end);
				},
				_ => {
					let end = (at + rng.below(32)).min(bytes.len());
					let chunk = bytes[at..end].to_vec();
					let to = rng.below(bytes.len());
					bytes.splice(to..to, chunk);
				},
			}
		}
		if decode_model(&bytes).is_ok() {
			ok += 1;
		}
	}
	// Both outcomes occur, so the mutations reach past the first bytes.
	assert!(ok > 0 && ok < 20_000, "{ok} of 20000 mutated inputs decoded");
}
