//! Unit tests: round trips through every format and the errors' kinds and text.

use std::path::{Path, PathBuf};

use serde_json::json;
use verity_primitives::tensor::{DType, Tensor, TensorData};

use super::*;

fn samples() -> Vec<Tensor> {
	vec![
		Tensor::f32(vec![2, 2], vec![1.0, -2.5, f32::MIN_POSITIVE, -0.0]).unwrap(),
		Tensor::f32(vec![3], vec![f32::INFINITY, f32::NEG_INFINITY, 1e-45]).unwrap(),
		Tensor::new(vec![3], TensorData::U8(vec![0, 7, 255])).unwrap(),
		Tensor::new(vec![1, 3], TensorData::I8(vec![-128, 0, 127])).unwrap(),
		Tensor::new(vec![2], TensorData::I32(vec![i32::MIN, i32::MAX])).unwrap(),
		Tensor::i64(vec![2, 1], vec![i64::MIN, i64::MAX]).unwrap(),
		Tensor::new(vec![2], TensorData::Bool(vec![true, false])).unwrap(),
		Tensor::new(vec![2], TensorData::U16(vec![0, u16::MAX])).unwrap(),
		Tensor::new(vec![2], TensorData::I16(vec![i16::MIN, i16::MAX])).unwrap(),
		Tensor::new(vec![2], TensorData::U32(vec![0, u32::MAX])).unwrap(),
		Tensor::new(vec![2], TensorData::U64(vec![0, u64::MAX])).unwrap(),
		Tensor::new(vec![4], TensorData::F16(vec![0x3c00, 0x0001, 0xfbff, 0x7c00])).unwrap(),
		Tensor::f32(vec![], vec![0.5]).unwrap(),
		Tensor::f32(vec![0, 3], vec![]).unwrap(),
	]
}

/// A fresh empty directory under the system's temporary directory.
fn temp_dir(name: &str) -> PathBuf {
	let dir =
		std::env::temp_dir().join(format!("verity-tensor-files-{}-{name}", std::process::id()));
	let _ = std::fs::remove_dir_all(&dir);
	std::fs::create_dir_all(&dir).unwrap();
	dir
}

#[test]
fn every_format_round_trips_every_dtype_in_memory() {
	for t in samples() {
		for format in [TensorFormat::Pb, TensorFormat::Npy, TensorFormat::Json] {
			let bytes = encode_tensor(format, "x", &t);
			let back = decode_tensor(format, &bytes).unwrap_or_else(|e| panic!("{format:?}: {e}"));
			assert_eq!(back.shape(), t.shape(), "{format:?}");
			// Bit-exact, including -0.0, denormals and infinities.
			assert_eq!(back.to_le_bytes(), t.to_le_bytes(), "{format:?}");
			assert_eq!(back.dtype(), t.dtype(), "{format:?}");
		}
	}
}

/// bfloat16 and the float8 types: `.pb` and JSON keep them; `.npy` (NumPy has no such type)
/// holds their float32 values; JSON reads only values the type holds.
#[test]
fn narrow_floats_round_trip_through_pb_and_json_and_widen_in_npy() {
	let narrow = [
		Tensor::new(vec![3], TensorData::BF16(vec![0x3f80, 0xff80, 0x0001])).unwrap(),
		Tensor::new(vec![3], TensorData::F8(DType::F8E4M3FN, vec![0x7e, 0x80, 0x7f])).unwrap(),
		Tensor::new(vec![2], TensorData::F8(DType::F8E4M3FNUZ, vec![0x80, 0x01])).unwrap(),
		Tensor::new(vec![2], TensorData::F8(DType::F8E5M2, vec![0xfc, 0x7b])).unwrap(),
		Tensor::new(vec![2], TensorData::F8(DType::F8E5M2FNUZ, vec![0x7f, 0x00])).unwrap(),
		Tensor::new(vec![2], TensorData::F8(DType::F8E8M0, vec![0x00, 0xff])).unwrap(),
	];
	for t in narrow {
		for format in [TensorFormat::Pb, TensorFormat::Json] {
			let back = decode_tensor(format, &encode_tensor(format, "x", &t)).unwrap();
			assert_eq!((back.dtype(), back.to_le_bytes()), (t.dtype(), t.to_le_bytes()));
		}
		let widened = decode_tensor(TensorFormat::Npy, &encode_tensor(TensorFormat::Npy, "x", &t));
		let widened = widened.unwrap();
		assert_eq!(widened.dtype(), DType::F32);
		for (k, x) in widened.as_f32().unwrap().iter().enumerate() {
			let v = verity_primitives::ops::scalar_at(&t, k).unwrap().f();
			assert!(x.to_bits() == v.to_bits() || (x.is_nan() && v.is_nan()), "{t:?} {k}");
		}
	}
	let e = decode_tensor(TensorFormat::Json, br#"{"dtype":"f8e4m3fn","shape":[1],"data":[0.3]}"#);
	assert_eq!(e.unwrap_err(), "data[0] = 0.3 is not a f8e4m3fn value");
	let e =
		decode_tensor(TensorFormat::Json, br#"{"dtype":"f8e4m3fn","shape":[1],"data":["inf"]}"#);
	assert!(e.is_err(), "float8e4m3fn has no infinity");
	let ok =
		decode_tensor(TensorFormat::Json, br#"{"dtype":"bf16","shape":[2],"data":[1.5,"-inf"]}"#);
	assert_eq!(ok.unwrap().data(), &TensorData::BF16(vec![0x3fc0, 0xff80]));
}

/// The 4- and 2-bit integers: `.pb` packs them as ONNX does (and reads `int32_data`'s packed
/// bytes), JSON holds their values, `.npy` their int8 or uint8 values.
#[test]
fn sub_byte_integers_pack_in_pb_and_round_trip() {
	let sub =
		|dtype, v: Vec<i8>| Tensor::new(vec![v.len()], TensorData::SubByte(dtype, v)).unwrap();
	let tensors = [
		sub(DType::I4, vec![-8, 7, -1]),
		sub(DType::U4, vec![15, 0, 9]),
		sub(DType::I2, vec![-2, 1, 0, -1, 1]),
		sub(DType::U2, vec![3, 0]),
	];
	for t in &tensors {
		for format in [TensorFormat::Pb, TensorFormat::Json] {
			let back = decode_tensor(format, &encode_tensor(format, "x", t)).unwrap();
			assert_eq!(&back, t);
		}
		let npy = decode_tensor(TensorFormat::Npy, &encode_tensor(TensorFormat::Npy, "x", t));
		assert_eq!(npy.unwrap().to_le_bytes(), t.to_le_bytes());
	}
	// -8, 7, -1 as int4: 0x78, then 0x0f (the unused high bits zero).
	let pb = encode_tensor(TensorFormat::Pb, "x", &tensors[0]);
	assert!(pb.windows(3).any(|w| w == [2, 0x78, 0x0f]), "{pb:?}");
	let e = decode_tensor(TensorFormat::Json, br#"{"dtype":"i4","shape":[1],"data":[8]}"#);
	assert_eq!(e.unwrap_err(), "data[0] = 8 is not a i4 integer");
	let e = decode_tensor(TensorFormat::Json, br#"{"dtype":"u2","shape":[1],"data":[-1]}"#);
	assert_eq!(e.unwrap_err(), "data[0] = -1 is not a u2 integer");
}

#[test]
fn float4e2m1_packs_in_pb_and_round_trips() {
	// 6, -0.5, 1: ONNX's packing is 0x97 0x02 (the first code in the low bits).
	let t = Tensor::new(vec![3], TensorData::F8(DType::F4E2M1, vec![0x7, 0x9, 0x2])).unwrap();
	for format in [TensorFormat::Pb, TensorFormat::Json] {
		let back = decode_tensor(format, &encode_tensor(format, "x", &t)).unwrap();
		assert_eq!(back, t);
	}
	let pb = encode_tensor(TensorFormat::Pb, "x", &t);
	assert!(pb.windows(3).any(|w| w == [2, 0x97, 0x02]), "{pb:?}");
	// .npy has no float4: its values as float32.
	let npy = decode_tensor(TensorFormat::Npy, &encode_tensor(TensorFormat::Npy, "x", &t));
	assert_eq!(npy.unwrap().as_f32().unwrap(), &[6.0, -0.5, 1.0]);
	// JSON holds only the values the type holds: no NaN, nothing past 6, nothing rounded.
	for bad in ["\"NaN\"", "7", "0.3"] {
		let json = format!(r#"{{"dtype":"f4e2m1","shape":[1],"data":[{bad}]}}"#);
		let e = decode_tensor(TensorFormat::Json, json.as_bytes()).unwrap_err();
		assert!(e.contains("is not a f4e2m1 value"), "{bad}: {e}");
	}
}

#[test]
fn files_round_trip_by_extension() {
	let dir = temp_dir("roundtrip");
	let t = Tensor::f32(vec![1, 2], vec![0.25, -7.0]).unwrap();
	let paths: Vec<PathBuf> =
		["a.pb", "b.NPY", "c.json"].iter().map(|name| dir.join(name)).collect();
	for path in &paths {
		write_tensor(path, "x", &t).unwrap();
	}
	assert_eq!(read_tensors(&paths).unwrap(), vec![t.clone(), t.clone(), t]);
	// The extension chose the format: the .npy file starts with NumPy's magic.
	assert_eq!(&read_file(&paths[1]).unwrap()[..6], npy::NPY_MAGIC);
	std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn formats_come_from_extensions() {
	assert_eq!(TensorFormat::of_path(Path::new("x.Pb")).unwrap(), TensorFormat::Pb);
	assert_eq!(TensorFormat::of_path(Path::new("A.NPY")).unwrap(), TensorFormat::Npy);
	assert_eq!(TensorFormat::of_path(Path::new("d/x.json")).unwrap(), TensorFormat::Json);
	let e = TensorFormat::of_path(Path::new("x.txt")).unwrap_err();
	assert!(matches!(e, FileError::Input { .. }), "{e:?}");
	assert_eq!(
		e.to_string(),
		"input file 'x.txt': unknown extension (expected .pb, .npy or .json)"
	);
	assert!(TensorFormat::of_path(Path::new("noext")).is_err());
}

#[test]
fn bad_and_missing_files_name_the_file_in_one_line() {
	let dir = temp_dir("errors");
	let bad = dir.join("bad.json");
	std::fs::write(&bad, br#"{"dtype":"f32","shape":[2],"data":[1]}"#).unwrap();
	let e = read_tensor(&bad).unwrap_err();
	assert!(matches!(e, FileError::Input { .. }), "{e:?}");
	assert_eq!(e.path(), bad.as_path());
	assert!(e.cause().contains("'data' has 1 elements where shape [2] needs 2"), "{e}");
	let text = e.to_string();
	assert!(text.starts_with("input file '") && text.contains("bad.json"), "{text}");
	assert!(!text.contains('\n'), "{text}");

	let missing = dir.join("missing.npy");
	let e = read_tensor(&missing).unwrap_err();
	assert!(matches!(e, FileError::Io { .. }), "{e:?}");
	assert!(e.to_string().starts_with("file '") && e.to_string().contains("missing.npy"), "{e}");

	// Writing into a directory that does not exist is an I/O error too.
	let t = Tensor::f32(vec![1], vec![1.0]).unwrap();
	let e = write_tensor(&dir.join("no/such/dir.npy"), "x", &t).unwrap_err();
	assert!(matches!(e, FileError::Io { .. }), "{e:?}");
	std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn json_string_orders_keys_and_stays_compact() {
	let v = json!({"zeta": 1, "data": [1, 2], "name": "y", "outputs": [], "alpha": true});
	assert_eq!(json_string(&v), r#"{"outputs":[],"name":"y","data":[1,2],"alpha":true,"zeta":1}"#);
	let t = Tensor::f32(vec![2], vec![f32::NAN, 0.1]).unwrap();
	assert_eq!(
		json_string(&json::tensor_json(&t)),
		r#"{"dtype":"f32","shape":[2],"data":["NaN",0.1]}"#
	);
}

#[test]
fn json_float16_rounds_once_from_the_decimal() {
	// Just above the tie between 1 and the next float16: through float32 it would land on the
	// tie and round to even (1.0); read as a number it rounds up.
	let t =
		json::decode_json(br#"{"dtype":"f16","shape":[3],"data":[1.000488281250001,"NaN",-0.0]}"#)
			.unwrap();
	assert_eq!(t.data(), &TensorData::F16(vec![0x3c01, 0x7e00, 0x8000]));
}
