//! Tests against a hand-built runtime metadata whose Models and Inference pallets have the
//! runtime's call, event and error shapes, with the real `DType` and `H256` of
//! `verity-primitives`. The calls the tool builds must encode to exactly the bytes the
//! runtime's own `Encode` gives; events and dispatch errors must decode by name.

use std::{collections::BTreeMap, sync::Arc};

use codec::Encode;
use scale_info::{
	build::{Fields, Variants},
	meta_type, Path, Type, TypeInfo,
};
use subxt::{
	error::{DispatchError, TransactionEventsError},
	ext::{
		frame_decode::extrinsics::encode_call_data,
		frame_metadata::v15::{
			CustomMetadata, CustomValueMetadata, ExtrinsicMetadata, OuterEnums, PalletCallMetadata,
			PalletConstantMetadata, PalletErrorMetadata, PalletEventMetadata, PalletMetadata,
			RuntimeMetadataV15,
		},
		scale_decode::{DecodeAsFields, Field},
	},
	metadata::Metadata,
	transactions::Payload,
	utils::H256,
};
use verity_primitives::tensor::{DType, Tensor, TensorData};

use crate::{
	calls::{self, constant_u32, JobTensorArg},
	error::{dispatch_error_line, events_error, CliError},
	events::{ExecutorRegistered, JobSubmitted, ModelRegistered},
};

const MODELS: u8 = 8;
const INFERENCE: u8 = 9;

/// frame_support's `BoundedVec`: one unnamed field holding the items.
#[derive(Encode, TypeInfo)]
struct Bounded<T: TypeInfo + 'static>(Vec<T>);

#[derive(Encode, TypeInfo)]
struct AccountId([u8; 32]);

#[derive(Encode, TypeInfo)]
struct JobTensor {
	dtype: DType,
	shape: Bounded<u32>,
	data: Bounded<u8>,
}

#[allow(non_camel_case_types, dead_code)]
#[derive(Encode, TypeInfo)]
enum ModelsCall {
	#[codec(index = 0)]
	register { bytes: Bounded<u8>, name: Bounded<u8>, version: u32, price: u128 },
	#[codec(index = 1)]
	begin_upload { model: H256, size: u32 },
	#[codec(index = 2)]
	upload_chunk { model: H256, index: u32, data: Bounded<u8> },
	#[codec(index = 3)]
	finish_upload { model: H256, name: Bounded<u8>, version: u32, price: u128 },
}

#[allow(non_camel_case_types, dead_code)]
#[derive(Encode, TypeInfo)]
enum InferenceCall {
	#[codec(index = 0)]
	register_executor { bond: u128 },
	#[codec(index = 3)]
	submit { model: H256, inputs: Bounded<JobTensor>, max_fee: u128 },
}

#[allow(dead_code)]
#[derive(Encode, TypeInfo)]
enum ModelsEvent {
	#[codec(index = 0)]
	ModelRegistered { model: H256, owner: AccountId, size: u32, nodes: u32 },
}

#[allow(dead_code)]
#[derive(Encode, TypeInfo)]
enum InferenceEvent {
	#[codec(index = 0)]
	ExecutorRegistered { who: AccountId, bond: u128 },
	#[codec(index = 4)]
	JobSubmitted {
		job: u64,
		model: H256,
		submitter: AccountId,
		fee: u128,
		royalty: u128,
		deposit: u128,
	},
}

#[allow(dead_code)]
#[derive(TypeInfo)]
enum ModelsError {
	UnknownModel,
	AlreadyRegistered,
}

#[allow(dead_code)]
#[derive(TypeInfo)]
enum InferenceError {
	NotExecutor,
}

#[allow(dead_code)]
#[derive(TypeInfo)]
enum TokenError {
	FundsUnavailable,
	OnlyProvider,
}

#[allow(dead_code)]
#[derive(TypeInfo)]
enum RuntimeCall {
	#[codec(index = 8)]
	Models(ModelsCall),
	#[codec(index = 9)]
	Inference(InferenceCall),
}

#[allow(dead_code)]
#[derive(TypeInfo)]
enum RuntimeEvent {
	#[codec(index = 8)]
	Models(ModelsEvent),
	#[codec(index = 9)]
	Inference(InferenceEvent),
}

#[allow(dead_code)]
#[derive(TypeInfo)]
enum RuntimeError {
	#[codec(index = 8)]
	Models(ModelsError),
	#[codec(index = 9)]
	Inference(InferenceError),
}

/// `sp_runtime::DispatchError` (the variants the tests use), found by subxt by its path.
struct SpDispatchError;

impl TypeInfo for SpDispatchError {
	type Identity = Self;

	fn type_info() -> Type {
		Type::builder().path(Path::new("DispatchError", "sp_runtime")).variant(
			Variants::new()
				.variant("Other", |v| v.index(0))
				.variant("BadOrigin", |v| v.index(2))
				.variant("Module", |v| {
					v.index(3).fields(Fields::unnamed().field(|f| f.ty::<[u8; 5]>()))
				})
				.variant("Token", |v| {
					v.index(7).fields(Fields::unnamed().field(|f| f.ty::<TokenError>()))
				}),
		)
	}
}

/// The test runtime's metadata.
fn metadata() -> Metadata {
	let constant = |name: &'static str, value: Vec<u8>| PalletConstantMetadata {
		name,
		ty: meta_type::<u32>(),
		value,
		docs: vec![],
	};
	let pallet = |name, index, calls, event, error, constants| PalletMetadata {
		name,
		storage: None,
		calls: Some(PalletCallMetadata { ty: calls }),
		event: Some(PalletEventMetadata { ty: event }),
		constants,
		error: Some(PalletErrorMetadata { ty: error }),
		index,
		docs: vec![],
	};
	let pallets = vec![
		pallet(
			"Models",
			MODELS,
			meta_type::<ModelsCall>(),
			meta_type::<ModelsEvent>(),
			meta_type::<ModelsError>(),
			vec![
				constant("MaxInlineBytes", 1024u32.encode()),
				constant("ChunkBytes", 256u32.encode()),
				constant("Short", vec![1, 2]),
			],
		),
		pallet(
			"Inference",
			INFERENCE,
			meta_type::<InferenceCall>(),
			meta_type::<InferenceEvent>(),
			meta_type::<InferenceError>(),
			vec![],
		),
	];
	let extrinsic = ExtrinsicMetadata {
		version: 4,
		address_ty: meta_type::<AccountId>(),
		call_ty: meta_type::<RuntimeCall>(),
		signature_ty: meta_type::<[u8; 64]>(),
		extra_ty: meta_type::<()>(),
		signed_extensions: vec![],
	};
	let outer_enums = OuterEnums {
		call_enum_ty: meta_type::<RuntimeCall>(),
		event_enum_ty: meta_type::<RuntimeEvent>(),
		error_enum_ty: meta_type::<RuntimeError>(),
	};
	let dispatch_error = CustomValueMetadata { ty: meta_type::<SpDispatchError>(), value: vec![] };
	let custom = CustomMetadata { map: BTreeMap::from([("DispatchError", dispatch_error)]) };
	let v15 =
		RuntimeMetadataV15::new(pallets, extrinsic, meta_type::<()>(), vec![], outer_enums, custom);
	Metadata::from_v15(v15).unwrap()
}

/// The call data `call` encodes to against `m`.
fn call_data(m: &Metadata, call: &impl Payload) -> Vec<u8> {
	encode_call_data(call.pallet_name(), call.call_name(), call.call_data(), m, m.types())
		.unwrap_or_else(|e| panic!("{}.{}: {e}", call.pallet_name(), call.call_name()))
}

/// `[pallet index] ++ call.encode()`, what the runtime decodes.
fn expected(pallet: u8, call: impl Encode) -> Vec<u8> {
	[vec![pallet], call.encode()].concat()
}

#[test]
fn model_calls_encode_as_the_runtime_types() {
	let m = metadata();
	let model = H256([7; 32]);
	assert_eq!(
		call_data(&m, &calls::register(vec![1, 2, 3], "mnist", 2, u128::MAX)),
		expected(
			MODELS,
			ModelsCall::register {
				bytes: Bounded(vec![1, 2, 3]),
				name: Bounded(b"mnist".to_vec()),
				version: 2,
				price: u128::MAX
			}
		)
	);
	assert_eq!(
		call_data(&m, &calls::begin_upload(model, 70_000)),
		expected(MODELS, ModelsCall::begin_upload { model, size: 70_000 })
	);
	assert_eq!(
		call_data(&m, &calls::upload_chunk(model, 3, vec![9; 300])),
		expected(MODELS, ModelsCall::upload_chunk { model, index: 3, data: Bounded(vec![9; 300]) })
	);
	assert_eq!(
		call_data(&m, &calls::finish_upload(model, "m", 1, 5)),
		expected(
			MODELS,
			ModelsCall::finish_upload { model, name: Bounded(b"m".to_vec()), version: 1, price: 5 }
		)
	);
}

#[test]
fn job_tensors_encode_every_dtype_by_name() {
	let m = metadata();
	let tensors = [
		Tensor::f32(vec![1, 2], vec![1.5, -0.0]).unwrap(),
		Tensor::new(vec![2], TensorData::U8(vec![0, 255])).unwrap(),
		Tensor::new(vec![1], TensorData::I8(vec![-3])).unwrap(),
		Tensor::new(vec![1], TensorData::I32(vec![-70_000])).unwrap(),
		Tensor::i64(vec![1, 1], vec![i64::MIN]).unwrap(),
		Tensor::new(vec![3], TensorData::Bool(vec![true, false, true])).unwrap(),
		Tensor::new(vec![1], TensorData::U16(vec![65_535])).unwrap(),
		Tensor::new(vec![1], TensorData::I16(vec![-300])).unwrap(),
		Tensor::new(vec![2], TensorData::F16(vec![0x3c00, 0x7e00])).unwrap(),
		Tensor::new(vec![1], TensorData::U32(vec![4_000_000_000])).unwrap(),
		Tensor::new(vec![1], TensorData::U64(vec![u64::MAX])).unwrap(),
		Tensor::new(vec![1], TensorData::BF16(vec![0x3f80])).unwrap(),
		Tensor::new(vec![1], TensorData::F8(DType::F8E4M3FN, vec![0x7e])).unwrap(),
		Tensor::new(vec![1], TensorData::F8(DType::F8E4M3FNUZ, vec![0x80])).unwrap(),
		Tensor::new(vec![1], TensorData::F8(DType::F8E5M2, vec![0x7c])).unwrap(),
		Tensor::new(vec![1], TensorData::F8(DType::F8E5M2FNUZ, vec![0x01])).unwrap(),
		Tensor::new(vec![1], TensorData::F8(DType::F8E8M0, vec![0x7f])).unwrap(),
		Tensor::new(vec![2], TensorData::SubByte(DType::U4, vec![15, 0])).unwrap(),
		Tensor::new(vec![2], TensorData::SubByte(DType::I4, vec![-8, 7])).unwrap(),
		Tensor::new(vec![1], TensorData::SubByte(DType::U2, vec![3])).unwrap(),
		Tensor::new(vec![1], TensorData::SubByte(DType::I2, vec![-2])).unwrap(),
		Tensor::new(vec![2], TensorData::F8(DType::F4E2M1, vec![0x0f, 0x01])).unwrap(),
	];
	let args: Vec<JobTensorArg> =
		tensors.iter().map(|t| JobTensorArg::from_tensor(t).unwrap()).collect();
	let model = H256([1; 32]);
	let got = call_data(&m, &calls::submit(model, args, 42));
	let inputs = tensors
		.iter()
		.map(|t| JobTensor {
			dtype: t.dtype(),
			shape: Bounded(t.shape().iter().map(|d| *d as u32).collect()),
			data: Bounded(t.to_le_bytes()),
		})
		.collect();
	let want =
		expected(INFERENCE, InferenceCall::submit { model, inputs: Bounded(inputs), max_fee: 42 });
	assert_eq!(got, want);
	// The runtime's DType indices are ONNX's codes (1, 2, 3, 6, 7, 9, 4, 5, 10, 12, 13): the bool
	// tensor's dtype byte is 9, float16's 10.
	let bool_tensor = JobTensorArg::from_tensor(&tensors[5]).unwrap();
	let one = call_data(&m, &calls::submit(model, vec![bool_tensor], 0));
	// pallet, call, model (32), vec length (compact 1), then the dtype.
	assert_eq!(one[2 + 32 + 1], 9);
	let half = JobTensorArg::from_tensor(&tensors[8]).unwrap();
	let one = call_data(&m, &calls::submit(model, vec![half], 0));
	assert_eq!(one[2 + 32 + 1], 10);
}

#[test]
fn executor_registration_encodes_the_bond() {
	let m = metadata();
	assert_eq!(
		call_data(&m, &calls::register_executor(10u128.pow(18))),
		expected(INFERENCE, InferenceCall::register_executor { bond: 10u128.pow(18) })
	);
}

#[test]
fn constants_are_read_from_the_metadata() {
	let m = metadata();
	assert_eq!(constant_u32(&m, "Models", "MaxInlineBytes").unwrap(), 1024);
	assert_eq!(constant_u32(&m, "Models", "ChunkBytes").unwrap(), 256);
	let e = constant_u32(&m, "Models", "Missing").unwrap_err();
	assert_eq!(e.to_string(), "the runtime has no constant Models.Missing");
	let e = constant_u32(&m, "Nope", "ChunkBytes").unwrap_err();
	assert_eq!(e.to_string(), "the runtime has no constant Nope.ChunkBytes");
	let e = constant_u32(&m, "Models", "Short").unwrap_err();
	assert!(e.to_string().starts_with("constant Models.Short is not a u32"), "{e}");
}

/// Decodes `fields` as event `index` of `pallet`, the way subxt decodes an event's fields.
fn decode_event<E: DecodeAsFields>(m: &Metadata, pallet: &str, index: u8, fields: &[u8]) -> E {
	let variant = m.pallet_by_name(pallet).unwrap().event_variant_by_index(index).unwrap();
	let mut iter = variant.fields.iter().map(|f| Field::new(f.ty.id, f.name.as_deref()));
	let input = &mut &fields[..];
	let e = E::decode_as_fields(input, &mut iter, m.types()).unwrap();
	assert!(input.is_empty(), "{} bytes left over", input.len());
	e
}

#[test]
fn events_decode_by_field_name() {
	let m = metadata();
	let ev = ModelsEvent::ModelRegistered {
		model: H256([5; 32]),
		owner: AccountId([6; 32]),
		size: 1234,
		nodes: 7,
	};
	let got: ModelRegistered = decode_event(&m, "Models", 0, &ev.encode()[1..]);
	assert_eq!((got.model, got.owner.0, got.size, got.nodes), (H256([5; 32]), [6; 32], 1234, 7));

	let ev = InferenceEvent::JobSubmitted {
		job: 41,
		model: H256([2; 32]),
		submitter: AccountId([3; 32]),
		fee: 1000,
		royalty: 9,
		deposit: 24,
	};
	let got: JobSubmitted = decode_event(&m, "Inference", 4, &ev.encode()[1..]);
	assert_eq!(
		(got.job, got.submitter.0, got.fee, got.royalty, got.deposit),
		(41, [3; 32], 1000, 9, 24)
	);

	let ev = InferenceEvent::ExecutorRegistered { who: AccountId([4; 32]), bond: 77 };
	let got: ExecutorRegistered = decode_event(&m, "Inference", 0, &ev.encode()[1..]);
	assert_eq!((got.who.0, got.bond), ([4; 32], 77));
}

/// The dispatch error the runtime encodes as `bytes`, decoded as subxt does.
fn dispatch_error(m: &Arc<Metadata>, bytes: &[u8]) -> DispatchError {
	DispatchError::decode_from(bytes, m.clone()).unwrap()
}

#[test]
fn dispatch_errors_print_as_pallet_dot_variant() {
	let m = Arc::new(metadata());
	let e = dispatch_error(&m, &[3, MODELS, 1, 0, 0, 0]);
	assert_eq!(dispatch_error_line(&e), "Models.AlreadyRegistered");
	assert_eq!(
		events_error(TransactionEventsError::ExtrinsicFailed(e)),
		CliError::Dispatch("Models.AlreadyRegistered".into())
	);
	let e = dispatch_error(&m, &[3, INFERENCE, 0, 0, 0, 0]);
	assert_eq!(dispatch_error_line(&e), "Inference.NotExecutor");
	let e = dispatch_error(&m, &[7, 0]);
	assert_eq!(dispatch_error_line(&e), "Token.FundsUnavailable");
	let e = dispatch_error(&m, &[2]);
	assert_eq!(dispatch_error_line(&e), "BadOrigin");
	// An error of a pallet the metadata does not know still prints on one line.
	let e = dispatch_error(&m, &[3, 42, 5, 0, 0, 0]);
	assert_eq!(dispatch_error_line(&e), "Module.Unknown(pallet 42, error 5)");
}
