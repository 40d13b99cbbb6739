//! Input files: round trips and clear errors for `.pb`, `.npy` and `.json`.

mod common;

use std::path::Path;

use common::*;
use verity_engine::{
	io::{self, TensorFormat},
	EngineError,
};
use verity_primitives::tensor::{Tensor, TensorData};

fn samples() -> Vec<Tensor> {
	vec![
		Tensor::f32(vec![2, 3], vec![1.0, -2.5, 0.1, f32::MIN_POSITIVE, 3.4e38, -0.0]).unwrap(),
		Tensor::f32(vec![], vec![std::f32::consts::PI]).unwrap(),
		Tensor::f32(vec![4], vec![f32::INFINITY, f32::NEG_INFINITY, 1e-45, 16777217.0]).unwrap(),
		Tensor::new(vec![3], TensorData::U8(vec![0, 7, 255])).unwrap(),
		Tensor::new(vec![1, 3], TensorData::I8(vec![-128, 0, 127])).unwrap(),
		Tensor::new(vec![2], TensorData::I32(vec![i32::MIN, i32::MAX])).unwrap(),
		Tensor::i64(vec![2, 1, 2], vec![i64::MIN, -1, 0, i64::MAX]).unwrap(),
		Tensor::new(vec![2], TensorData::Bool(vec![true, false])).unwrap(),
		Tensor::f32(vec![0, 3], vec![]).unwrap(),
	]
}

#[test]
fn every_format_round_trips_every_dtype() {
	let dir = temp_dir("roundtrip");
	for (k, t) in samples().into_iter().enumerate() {
		for ext in ["pb", "npy", "json"] {
			let path = dir.join(format!("t{k}.{ext}"));
			io::write_tensor(&path, "x", &t).unwrap();
			let back = io::read_tensor(&path).unwrap_or_else(|e| panic!("{e}"));
			assert_eq!(back.shape(), t.shape(), "{}", path.display());
			// Bit-exact, including -0.0, denormals and infinities.
			assert_eq!(back.to_le_bytes(), t.to_le_bytes(), "{}", path.display());
			assert_eq!(back.dtype(), t.dtype());
		}
	}
	// Random f32s survive the JSON text exactly.
	let mut rng = verity_primitives::onnx::zoo::Rng::new(9);
	let v: Vec<f32> =
		(0..10_000).map(|_| f32::from_bits(rng.next_u64() as u32 & 0x7f7f_ffff)).collect();
	let t = Tensor::f32(vec![v.len()], v).unwrap();
	let path = dir.join("random.json");
	io::write_tensor(&path, "x", &t).unwrap();
	assert_eq!(io::read_tensor(&path).unwrap(), t);
	std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn npy_layout_is_numpy_s() {
	let t = Tensor::f32(vec![1, 4], vec![1.0, 2.0, 3.0, 4.0]).unwrap();
	let b = io::npy::encode_npy(&t);
	assert_eq!(&b[..8], b"\x93NUMPY\x01\x00");
	let header_len = u16::from_le_bytes([b[8], b[9]]) as usize;
	assert_eq!((10 + header_len) % 64, 0);
	let header = std::str::from_utf8(&b[10..10 + header_len]).unwrap();
	assert!(header.starts_with("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 4), }"));
	assert!(header.ends_with('\n'));
	assert_eq!(b.len(), 10 + header_len + 16);
	// A version 2 file with a hand-written header (double quotes, no trailing comma).
	let header = b"{\"descr\": \"<i8\", \"shape\": (3,), \"fortran_order\": False}\n";
	let mut v2 = b"\x93NUMPY\x02\x00".to_vec();
	v2.extend_from_slice(&(header.len() as u32).to_le_bytes());
	v2.extend_from_slice(header);
	for x in [5i64, -6, 7] {
		v2.extend_from_slice(&x.to_le_bytes());
	}
	assert_eq!(io::npy::decode_npy(&v2).unwrap(), Tensor::i64(vec![3], vec![5, -6, 7]).unwrap());
}

/// Writes `bytes` to `name` in `dir` and returns the error message of reading it.
fn read_error(dir: &Path, name: &str, bytes: &[u8]) -> String {
	let path = dir.join(name);
	std::fs::write(&path, bytes).unwrap();
	let e = io::read_tensor(&path).unwrap_err();
	assert!(matches!(e, EngineError::Input { .. }), "{e:?}");
	let msg = e.to_string();
	assert!(msg.contains(name), "{msg}");
	assert!(!msg.contains('\n'), "{msg}");
	msg
}

fn npy_with_header(header: &str, data: &[u8]) -> Vec<u8> {
	let mut b = b"\x93NUMPY\x01\x00".to_vec();
	b.extend_from_slice(&(header.len() as u16).to_le_bytes());
	b.extend_from_slice(header.as_bytes());
	b.extend_from_slice(data);
	b
}

#[test]
fn bad_files_give_clear_errors() {
	let dir = temp_dir("errors");
	let cases: Vec<(&str, Vec<u8>, &str)> = vec![
		("a.npy", b"hello".to_vec(), "bad magic"),
		(
			"f8.npy",
			npy_with_header("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", &[0; 8]),
			"dtype '<f8' is not supported",
		),
		(
			"be.npy",
			npy_with_header("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", &[0; 4]),
			"dtype '>f4' is not supported",
		),
		(
			"fortran.npy",
			npy_with_header("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", &[0; 4]),
			"fortran_order True is not supported",
		),
		(
			"short.npy",
			npy_with_header(
				"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }",
				&[0; 12],
			),
			"12 data bytes where shape [2, 2] of f32 needs 16",
		),
		(
			"struct.npy",
			npy_with_header(
				"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }",
				&[0; 4],
			),
			"structured dtypes are not supported",
		),
		(
			"nokey.npy",
			npy_with_header("{'descr': '<f4', 'shape': (1,), }", &[0; 4]),
			"lacks one of",
		),
		(
			"bool.npy",
			npy_with_header("{'descr': '|b1', 'fortran_order': False, 'shape': (1,), }", &[2]),
			"bool byte 2",
		),
		("v9.npy", b"\x93NUMPY\x09\x00\x00\x00".to_vec(), "format version 9.0"),
		("trunc.npy", b"\x93NUMPY\x01\x00\xff\x00{".to_vec(), "truncated"),
		("garbage.pb", vec![0xff; 5], "malformed TensorProto"),
		// data_type 11 (float64), dims [1].
		("f64.pb", vec![0x08, 0x01, 0x10, 0x0b], "data type 11 (float64) is not supported"),
		// data_type 1, dims [2], raw_data of 4 bytes.
		(
			"raw.pb",
			vec![0x08, 0x02, 0x10, 0x01, 0x4a, 0x04, 0, 0, 0, 0],
			"4 bytes of raw data where shape [2] of f32 needs 8",
		),
		// data_type 1, dims [-1].
		(
			"neg.pb",
			vec![0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x10, 0x01],
			"negative dimension -1",
		),
		// data_location EXTERNAL.
		("ext.pb", vec![0x10, 0x01, 0x70, 0x01], "external file"),
		("bad.json", b"{\"dtype\": \"f32\", ".to_vec(), "malformed JSON"),
		(
			"f64.json",
			br#"{"dtype":"f64","shape":[1],"data":[1]}"#.to_vec(),
			"dtype 'f64' is not supported",
		),
		(
			"count.json",
			br#"{"dtype":"f32","shape":[2,2],"data":[1,2,3]}"#.to_vec(),
			"'data' has 3 elements where shape [2, 2] needs 4",
		),
		(
			"nested.json",
			br#"{"dtype":"f32","shape":[2,2],"data":[[1,2],[3,4]]}"#.to_vec(),
			"'data' has 2 elements",
		),
		(
			"range.json",
			br#"{"dtype":"i8","shape":[1],"data":[300]}"#.to_vec(),
			"data[0] = 300 is not a i8 integer",
		),
		(
			"frac.json",
			br#"{"dtype":"i64","shape":[1],"data":[1.5]}"#.to_vec(),
			"data[0] = 1.5 is not a i64 integer",
		),
		("noshape.json", br#"{"dtype":"f32","data":[1]}"#.to_vec(), "missing array field 'shape'"),
		(
			"negshape.json",
			br#"{"dtype":"f32","shape":[-1],"data":[]}"#.to_vec(),
			"shape entry -1 is not a non-negative integer",
		),
		(
			"huge.json",
			br#"{"dtype":"f32","shape":[1000000,1000000],"data":[]}"#.to_vec(),
			"more than",
		),
		("x.txt", b"1 2 3".to_vec(), "unknown extension"),
	];
	for (name, bytes, want) in cases {
		let msg = read_error(&dir, name, &bytes);
		assert!(msg.contains(want), "{name}: {msg}");
	}
	// A missing file is an I/O error naming it.
	let missing = dir.join("missing.npy");
	let e = io::read_tensor(&missing).unwrap_err();
	assert!(matches!(e, EngineError::Io { .. }), "{e:?}");
	assert!(e.to_string().contains("missing.npy"), "{e}");
	std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn pb_typed_fields_are_read() {
	// dims [2], data_type 7 (int64), int64_data packed [3, 4].
	let b = [0x08, 0x02, 0x10, 0x07, 0x3a, 0x02, 0x03, 0x04];
	assert_eq!(io::pb::decode_pb(&b).unwrap(), Tensor::i64(vec![2], vec![3, 4]).unwrap());
	// dims [2], data_type 3 (int8), int32_data [-1 (10-byte varint), 5].
	let mut b = vec![0x08, 0x02, 0x10, 0x03, 0x28];
	b.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
	b.extend_from_slice(&[0x28, 0x05]);
	let t = io::pb::decode_pb(&b).unwrap();
	assert_eq!(t.data(), &TensorData::I8(vec![-1, 5]));
	// dims [1], data_type 2 (uint8), int32_data [300]: out of range.
	let b = [0x08, 0x01, 0x10, 0x02, 0x28, 0xac, 0x02];
	assert!(io::pb::decode_pb(&b).unwrap_err().contains("out of range for uint8"));
}

#[test]
fn wrong_input_files_give_the_graph_error() {
	let dir = temp_dir("wrong-input");
	let model = load(&mlp_bytes());
	let wrong = Tensor::f32(vec![784], vec![0.5; 784]).unwrap();
	let path = dir.join("x.npy");
	io::write_tensor(&path, "x", &wrong).unwrap();
	let inputs = io::read_tensors(&[path]).unwrap();
	let e = model.run_both(&inputs).unwrap_err().to_string();
	assert_eq!(
		e,
		"inputs do not fit the model: input 0 ('x'): expected f32 [1, 784], got f32 [784]"
	);
	assert_eq!(TensorFormat::of_path(Path::new("A.NPY")).unwrap(), TensorFormat::Npy);
	std::fs::remove_dir_all(dir).unwrap();
}
