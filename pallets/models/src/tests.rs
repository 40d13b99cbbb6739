//! Unit tests of the models pallet against the mock runtime.

use crate::{
	mock::*, Constants, Error, Event, Graphs, HoldReason, ModelBytes, ModelRegistry, ModelStatus,
	Models, UploadChunks, Uploads,
};
use codec::Encode;
use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::{Inspect, InspectHold},
	BoundedVec,
};
use verity_primitives::{
	graph::Graph,
	onnx::{builder::ModelBuilder, zoo},
	tensor::DType,
};

fn mlp() -> Vec<u8> {
	zoo::mlp(&[16, 8, 4], 1).unwrap()
}

fn bounded<S: frame_support::traits::Get<u32>>(b: &[u8]) -> BoundedVec<u8, S> {
	b.to_vec().try_into().unwrap()
}

fn held(who: u64) -> Balance {
	Balances::balance_on_hold(&RuntimeHoldReason::VerityModels(HoldReason::ModelDeposit), &who)
}

/// Bytes the canonical graph of `bytes` takes in storage: its SCALE encoding with the
/// constants' data left out, plus that data.
fn graph_bytes(bytes: &[u8]) -> u64 {
	let mut graph = Graph::from_onnx(bytes).unwrap();
	let data: usize = graph.constants.iter().map(|(_, t)| t.data.len()).sum();
	graph.constants.iter_mut().for_each(|(_, t)| t.data.clear());
	(graph.encode().len() + data) as u64
}

/// Bytes the dispute index of `bytes` takes: each node's entry, the trace layout, and a
/// 32-byte root per constant.
fn index_bytes(bytes: &[u8]) -> u64 {
	let graph = Graph::from_onnx(bytes).unwrap();
	let nodes: usize = graph.step_nodes().unwrap().iter().map(|n| n.encode().len()).sum();
	(nodes + graph.trace_layout().unwrap().encode().len() + 32 * graph.constants.len()) as u64
}

/// The deposit for a model: base + per byte of ONNX, of canonical graph and of its dispute
/// index.
fn deposit_of(bytes: &[u8]) -> u64 {
	100 + bytes.len() as u64 + graph_bytes(bytes) + index_bytes(bytes)
}

fn register(who: u64, bytes: &[u8]) -> sp_runtime::DispatchResult {
	VerityModels::register(RuntimeOrigin::signed(who), bounded(bytes), bounded(b"mlp"), 1, 10)
		.map(|_| ())
		.map_err(|e| e.error)
}

#[test]
fn register_stores_the_model_and_holds_its_deposit() {
	new_test_ext().execute_checked(|| {
		let bytes = mlp();
		assert_ok!(register(ALICE, &bytes));
		let id = VerityModels::model_id(&bytes);
		let m = Models::<Test>::get(id).unwrap();
		assert_eq!(m.owner, ALICE);
		assert_eq!(m.size as usize, bytes.len());
		assert_eq!(m.nodes, 5);
		assert_eq!(m.inputs[0].dtype, DType::F32);
		assert_eq!(m.inputs[0].shape.to_vec(), vec![1, 16]);
		assert_eq!(m.outputs[0].shape.to_vec(), vec![1, 4]);
		assert_eq!(m.status, ModelStatus::Active);
		let deposit = deposit_of(&bytes);
		assert!(deposit > 100 + 2 * bytes.len() as u64 - 400, "weights are stored twice");
		assert_eq!(m.deposit, deposit);
		assert_eq!(held(ALICE), deposit);
		assert_eq!(Balances::balance(&ALICE), 1_000_000 - deposit);
		assert_eq!(VerityModels::model_bytes(&id), Some(bytes.clone()));
		System::assert_last_event(
			Event::ModelRegistered { model: id, owner: ALICE, size: bytes.len() as u32, nodes: 5 }
				.into(),
		);
		assert_eq!(VerityModels::usable(&id).map(|t| (t.owner, t.price)), Ok((ALICE, 10)));
	});
}

#[test]
fn the_canonical_graph_is_stored_beside_the_bytes() {
	new_test_ext().execute_checked(|| {
		let bytes = mlp();
		assert_ok!(register(ALICE, &bytes));
		let id = VerityModels::model_id(&bytes);
		let graph = Graph::from_onnx(&bytes).unwrap();
		let m = Models::<Test>::get(id).unwrap();
		// Two layers: two weights and two biases, each in its own entry.
		assert_eq!(m.constants, 4);
		assert_eq!(Constants::<Test>::iter_prefix(id).count(), 4);
		assert_eq!(m.graph_size as u64, graph_bytes(&bytes));
		for (v, t) in &graph.constants {
			assert_eq!(Constants::<Test>::get(id, v).unwrap().to_vec(), t.data);
		}
		assert!(Graphs::<Test>::get(id).unwrap().len() < 1_000, "the structure has no weights");
		assert_eq!(VerityModels::canonical_graph(&id), Some(graph));
	});
}

#[test]
fn a_graph_with_too_many_constants_is_refused() {
	new_test_ext().execute_checked(|| {
		// 33 layers: 66 constants, over the mock's 64.
		let bytes = zoo::mlp(&[2; 34], 1).unwrap();
		assert_noop!(register(ALICE, &bytes), Error::<Test>::TooManyConstants);
		assert_eq!(held(ALICE), 0);
		let bytes = zoo::mlp(&[2; 33], 1).unwrap();
		assert_ok!(register(ALICE, &bytes));
	});
}

#[test]
fn an_expired_upload_can_be_reaped_by_anyone() {
	new_test_ext().execute_checked(|| {
		let bytes = mlp();
		let id = VerityModels::model_id(&bytes);
		assert_ok!(VerityModels::begin_upload(
			RuntimeOrigin::signed(ALICE),
			id,
			bytes.len() as u32
		));
		assert_ok!(VerityModels::upload_chunk(
			RuntimeOrigin::signed(ALICE),
			id,
			0,
			bounded(&bytes[..256])
		));
		run_to(100);
		assert_noop!(
			VerityModels::reap_upload(RuntimeOrigin::signed(BOB), id, ALICE),
			Error::<Test>::UploadNotExpired
		);
		run_to(101);
		assert_noop!(
			VerityModels::reap_upload(RuntimeOrigin::signed(BOB), id, BOB),
			Error::<Test>::UnknownUpload
		);
		assert_ok!(VerityModels::reap_upload(RuntimeOrigin::signed(BOB), id, ALICE));
		System::assert_last_event(Event::UploadReaped { model: id, owner: ALICE }.into());
		assert!(Uploads::<Test>::get(id, ALICE).is_none());
		assert_eq!(UploadChunks::<Test>::iter().count(), 0);
		assert_eq!(held(ALICE), 0);
		assert_eq!(Balances::balance(&ALICE), 1_000_000);
		assert_noop!(
			VerityModels::reap_upload(RuntimeOrigin::signed(BOB), id, ALICE),
			Error::<Test>::UnknownUpload
		);
	});
}

/// An upload in progress does not keep anyone else from registering the same bytes: the
/// first to finish registers, a later finisher is refused and cancels for its deposit.
#[test]
fn an_upload_in_progress_does_not_squat_the_model_id() {
	new_test_ext().execute_checked(|| {
		let bytes = mlp();
		let id = VerityModels::model_id(&bytes);
		let size = bytes.len() as u32;
		// Alice starts an upload and sends garbage for the first chunk.
		assert_ok!(VerityModels::begin_upload(RuntimeOrigin::signed(ALICE), id, size));
		let garbage = vec![0xAB; 256];
		assert_ok!(VerityModels::upload_chunk(
			RuntimeOrigin::signed(ALICE),
			id,
			0,
			bounded(&garbage)
		));
		assert_noop!(
			VerityModels::begin_upload(RuntimeOrigin::signed(ALICE), id, size),
			Error::<Test>::UploadInProgress
		);
		// Bob uploads the same bytes beside her, and finishes first.
		assert_ok!(VerityModels::begin_upload(RuntimeOrigin::signed(BOB), id, size));
		upload_all(BOB, id, &bytes);
		assert_ok!(VerityModels::finish_upload(
			RuntimeOrigin::signed(BOB),
			id,
			bounded(b"m"),
			1,
			0
		));
		assert_eq!(Models::<Test>::get(id).unwrap().owner, BOB);
		assert_eq!(VerityModels::model_bytes(&id), Some(bytes.clone()));
		// Alice's upload is intact and hers to cancel; finishing it is refused.
		upload_rest(ALICE, id, &bytes);
		assert_noop!(
			VerityModels::finish_upload(RuntimeOrigin::signed(ALICE), id, bounded(b"m"), 1, 0),
			Error::<Test>::AlreadyRegistered
		);
		assert_ok!(VerityModels::cancel_upload(RuntimeOrigin::signed(ALICE), id));
		assert_eq!(held(ALICE), 0);
		assert_eq!(Balances::balance(&ALICE), 1_000_000);
		assert_eq!(VerityModels::model_bytes(&id), Some(bytes.clone()));
		// An inline registration is not blocked by an upload either.
		let other = zoo::mlp(&[3, 2], 5).unwrap();
		let other_id = VerityModels::model_id(&other);
		assert_ok!(VerityModels::begin_upload(
			RuntimeOrigin::signed(BOB),
			other_id,
			other.len() as u32
		));
		assert_ok!(register(ALICE, &other));
		assert_eq!(Models::<Test>::get(other_id).unwrap().owner, ALICE);
	});
}

#[test]
fn the_same_bytes_twice_are_refused() {
	new_test_ext().execute_checked(|| {
		let bytes = mlp();
		assert_ok!(register(ALICE, &bytes));
		assert_noop!(register(BOB, &bytes), Error::<Test>::AlreadyRegistered);
		assert_eq!(held(BOB), 0);
	});
}

#[test]
fn bad_models_are_refused_and_nothing_is_held() {
	new_test_ext().execute_checked(|| {
		assert_noop!(register(ALICE, b"\xff\xff\xff garbage"), Error::<Test>::MalformedModel);
		let mut b = ModelBuilder::new("m", 13);
		b.input("x", DType::F32, &[2]).node("FancyOp", &["x"], &["y"], vec![]).output("y");
		assert_noop!(register(ALICE, &b.build()), Error::<Test>::UnsupportedModel);
		let mut b = ModelBuilder::new("m", 13);
		b.input("x", DType::F32, &[2]).node("Relu", &["nope"], &["y"], vec![]).output("y");
		assert_noop!(register(ALICE, &b.build()), Error::<Test>::InvalidModel);
		assert_noop!(register(ALICE, b""), Error::<Test>::Empty);
		assert_eq!(held(ALICE), 0);
		// Charlie cannot pay the deposit.
		assert!(register(CHARLIE, &mlp()).is_err());
		assert_eq!(Models::<Test>::iter().count(), 0);
		assert_eq!(ModelBytes::<Test>::iter().count(), 0);
	});
}

/// Uploads the chunks after the first (the first was sent already).
fn upload_rest(who: u64, id: crate::ModelId, bytes: &[u8]) {
	for (i, chunk) in bytes.chunks(256).enumerate().skip(1) {
		assert_ok!(VerityModels::upload_chunk(
			RuntimeOrigin::signed(who),
			id,
			i as u32,
			bounded(chunk)
		));
	}
}

fn upload_all(who: u64, id: crate::ModelId, bytes: &[u8]) {
	let chunks: Vec<&[u8]> = bytes.chunks(256).collect();
	// Out of order on purpose.
	for i in (0..chunks.len()).rev() {
		assert_ok!(VerityModels::upload_chunk(
			RuntimeOrigin::signed(who),
			id,
			i as u32,
			bounded(chunks[i])
		));
	}
}

#[test]
fn chunked_upload_registers_the_same_model() {
	new_test_ext().execute_checked(|| {
		let bytes = zoo::quantized_mlp(1).unwrap();
		assert!(bytes.len() > 256 * 4);
		let id = VerityModels::model_id(&bytes);
		assert_ok!(VerityModels::begin_upload(
			RuntimeOrigin::signed(ALICE),
			id,
			bytes.len() as u32
		));
		assert_eq!(held(ALICE), 100 + bytes.len() as u64);
		assert_noop!(
			VerityModels::finish_upload(RuntimeOrigin::signed(ALICE), id, bounded(b"q"), 1, 0),
			Error::<Test>::UploadIncomplete
		);
		upload_all(ALICE, id, &bytes);
		assert_ok!(VerityModels::finish_upload(
			RuntimeOrigin::signed(ALICE),
			id,
			bounded(b"q"),
			1,
			0
		));
		assert!(Uploads::<Test>::get(id, ALICE).is_none());
		assert_eq!(UploadChunks::<Test>::iter().count(), 0);
		// finish_upload adds the canonical graph's part of the deposit.
		let deposit = deposit_of(&bytes);
		assert_eq!(held(ALICE), deposit);
		assert_eq!(Models::<Test>::get(id).unwrap().deposit, deposit);
		assert_eq!(VerityModels::canonical_graph(&id), Graph::from_onnx(&bytes).ok());
		assert_eq!(VerityModels::model_bytes(&id), Some(bytes));
	});
}

#[test]
fn upload_chunks_are_checked() {
	new_test_ext().execute_checked(|| {
		let bytes = zoo::quantized_mlp(1).unwrap();
		let id = VerityModels::model_id(&bytes);
		let size = bytes.len() as u32;
		let last = size.div_ceil(256) - 1;
		let chunk =
			|i: u32| bounded(&bytes[(i * 256) as usize..((i + 1) * 256).min(size) as usize]);
		assert_noop!(
			VerityModels::upload_chunk(RuntimeOrigin::signed(ALICE), id, 0, chunk(0)),
			Error::<Test>::UnknownUpload
		);
		assert_ok!(VerityModels::begin_upload(RuntimeOrigin::signed(ALICE), id, size));
		assert_noop!(
			VerityModels::begin_upload(RuntimeOrigin::signed(ALICE), id, size),
			Error::<Test>::UploadInProgress
		);
		// Bob has no upload of these bytes: his chunk goes nowhere.
		assert_noop!(
			VerityModels::upload_chunk(RuntimeOrigin::signed(BOB), id, 0, chunk(0)),
			Error::<Test>::UnknownUpload
		);
		assert_noop!(
			VerityModels::upload_chunk(RuntimeOrigin::signed(ALICE), id, last + 1, chunk(0)),
			Error::<Test>::BadChunkIndex
		);
		assert_noop!(
			VerityModels::upload_chunk(RuntimeOrigin::signed(ALICE), id, last, chunk(0)),
			Error::<Test>::BadChunkLength
		);
		assert_ok!(VerityModels::upload_chunk(RuntimeOrigin::signed(ALICE), id, 0, chunk(0)));
		assert_noop!(
			VerityModels::upload_chunk(RuntimeOrigin::signed(ALICE), id, 0, chunk(0)),
			Error::<Test>::ChunkAlreadyUploaded
		);
		assert_noop!(
			VerityModels::begin_upload(
				RuntimeOrigin::signed(ALICE),
				VerityModels::model_id(b"x"),
				1 << 20
			),
			Error::<Test>::TooLarge
		);
	});
}

#[test]
fn bytes_that_do_not_hash_to_the_announced_id_are_refused() {
	new_test_ext().execute_checked(|| {
		let bytes = mlp();
		let wrong_id = VerityModels::model_id(b"something else");
		assert_ok!(VerityModels::begin_upload(
			RuntimeOrigin::signed(ALICE),
			wrong_id,
			bytes.len() as u32
		));
		upload_all(ALICE, wrong_id, &bytes);
		assert_noop!(
			VerityModels::finish_upload(
				RuntimeOrigin::signed(ALICE),
				wrong_id,
				bounded(b"m"),
				1,
				0
			),
			Error::<Test>::HashMismatch
		);
		// Cancelling releases everything.
		assert_ok!(VerityModels::cancel_upload(RuntimeOrigin::signed(ALICE), wrong_id));
		assert_eq!(held(ALICE), 0);
		assert_eq!(Balances::balance(&ALICE), 1_000_000);
		assert_eq!(ModelBytes::<Test>::iter().count(), 0);
		System::assert_last_event(Event::UploadCancelled { model: wrong_id, owner: ALICE }.into());
	});
}

#[test]
fn deprecate_and_remove_follow_the_owner_and_open_jobs() {
	new_test_ext().execute_checked(|| {
		let bytes = mlp();
		let id = VerityModels::model_id(&bytes);
		assert_ok!(register(ALICE, &bytes));
		assert_noop!(
			VerityModels::deprecate(RuntimeOrigin::signed(BOB), id),
			Error::<Test>::NotOwner
		);
		assert_noop!(
			VerityModels::set_price(RuntimeOrigin::signed(BOB), id, 5),
			Error::<Test>::NotOwner
		);
		assert_ok!(VerityModels::set_price(RuntimeOrigin::signed(ALICE), id, 5));
		assert_eq!(Models::<Test>::get(id).unwrap().price, 5);
		assert_ok!(<VerityModels as ModelRegistry<_, _>>::job_opened(&id));
		assert_noop!(
			VerityModels::remove(RuntimeOrigin::signed(ALICE), id),
			Error::<Test>::OpenJobs
		);
		assert_ok!(VerityModels::deprecate(RuntimeOrigin::signed(ALICE), id));
		assert_eq!(VerityModels::usable(&id).err(), Some(Error::<Test>::Deprecated.into()));
		<VerityModels as ModelRegistry<_, _>>::job_closed(&id);
		assert_noop!(VerityModels::remove(RuntimeOrigin::signed(BOB), id), Error::<Test>::NotOwner);
		assert_ok!(VerityModels::remove(RuntimeOrigin::signed(ALICE), id));
		assert!(Models::<Test>::get(id).is_none());
		assert_eq!(ModelBytes::<Test>::iter().count(), 0);
		assert_eq!(Graphs::<Test>::iter().count(), 0);
		assert_eq!(Constants::<Test>::iter().count(), 0);
		assert_eq!(held(ALICE), 0);
		assert_eq!(Balances::balance(&ALICE), 1_000_000);
		assert_eq!(VerityModels::usable(&id).err(), Some(Error::<Test>::UnknownModel.into()));
	});
}

/// Models over the budget are refused with the error of the limit they break, before
/// anything is held or stored; a registered model records its cost.
#[test]
fn over_budget_models_are_refused_and_costs_recorded() {
	use verity_primitives::{cost::Budget, onnx::adversarial::corpus};
	new_test_ext().execute_checked(|| {
		let cases = corpus().unwrap();
		let bytes_of = |name: &str| cases.iter().find(|c| c.name == name).unwrap().bytes.clone();
		for (name, error) in [
			("wide-pool-fold", Error::<Test>::TooMuchFolding),
			("constant-of-shape-many", Error::<Test>::TooMuchFolding),
			("huge-pool-window", Error::<Test>::UnsupportedModel),
			("group-overflow", Error::<Test>::InvalidModel),
			("reshape-wrap", Error::<Test>::InvalidModel),
		] {
			let bytes = bytes_of(name);
			assert_noop!(
				VerityModels::register(
					RuntimeOrigin::signed(ALICE),
					bounded(&bytes),
					bounded(b"evil"),
					1,
					0
				),
				error
			);
		}
		let bytes = mlp();
		assert_ok!(VerityModels::register(
			RuntimeOrigin::signed(ALICE),
			bounded(&bytes),
			bounded(b"mlp"),
			1,
			0
		));
		let m = Models::<Test>::get(VerityModels::model_id(&bytes)).unwrap();
		let cost = Graph::from_onnx(&bytes).unwrap().cost(&Budget::DEFAULT).unwrap();
		assert_eq!(m.cost, cost);
		assert!(m.cost.work > 0 && m.cost.peak_memory > 0 && m.cost.max_fan_in > 0);
	});
}

/// `m` as the v0 layout stored it (without its cost).
fn to_v0(
	m: &crate::ModelInfoOf<Test>,
) -> crate::migrations::v1::ModelInfoV0<u64, Balance, u64, <Test as crate::Config>::MaxNameLen> {
	crate::migrations::v1::ModelInfoV0 {
		owner: m.owner,
		name: m.name.clone(),
		version: m.version,
		price: m.price,
		deposit: m.deposit,
		size: m.size,
		graph_size: m.graph_size,
		constants: m.constants,
		nodes: m.nodes,
		inputs: m.inputs.clone(),
		outputs: m.outputs.clone(),
		status: m.status,
		open_jobs: m.open_jobs,
		registered_at: m.registered_at,
	}
}

/// v0 → v1: a model stored without its cost gains it, computed from its stored graph; the
/// storage version moves to 1 and a second run changes nothing.
#[test]
fn migration_v0_to_v1_adds_the_cost() {
	use crate::migrations::MigrateV0ToV1;
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	use verity_primitives::cost::Budget;
	new_test_ext().execute_checked(|| {
		let bytes = mlp();
		assert_ok!(VerityModels::register(
			RuntimeOrigin::signed(ALICE),
			bounded(&bytes),
			bounded(b"mlp"),
			1,
			0
		));
		let id = VerityModels::model_id(&bytes);
		let m = Models::<Test>::get(id).unwrap();
		let v0 = to_v0(&m);
		frame_support::storage::unhashed::put_raw(
			&Models::<Test>::hashed_key_for(id),
			&v0.encode(),
		);
		StorageVersion::new(0).put::<crate::Pallet<Test>>();

		// A second model whose stored bytes today's importer refuses (here: corrupted).
		let other = zoo::mlp(&[16, 4], 2).unwrap();
		assert_ok!(VerityModels::register(
			RuntimeOrigin::signed(ALICE),
			bounded(&other),
			bounded(b"old"),
			1,
			0
		));
		let other_id = VerityModels::model_id(&other);
		let o = Models::<Test>::get(other_id).unwrap();
		let v0_other = to_v0(&o);
		frame_support::storage::unhashed::put_raw(
			&Models::<Test>::hashed_key_for(other_id),
			&v0_other.encode(),
		);
		let first = ModelBytes::<Test>::get(other_id, 0).unwrap();
		ModelBytes::<Test>::insert(other_id, 0, bounded(&vec![0xff; first.len()]));
		StorageVersion::new(0).put::<crate::Pallet<Test>>();

		MigrateV0ToV1::<Test>::on_runtime_upgrade();
		let migrated = Models::<Test>::get(id).expect("decodes as v1");
		// Every field as before the layout change, the cost as today's importer gives it.
		assert_eq!(migrated.encode(), m.encode());
		let cost = Graph::from_onnx(&bytes).unwrap().cost(&Budget::DEFAULT).unwrap();
		assert_eq!(migrated.cost, cost);
		let refused = Models::<Test>::get(other_id).expect("decodes as v1");
		assert_eq!(refused.status, ModelStatus::Deprecated, "refused today: no new jobs");
		assert_eq!(refused.cost, Graph::from_onnx(&other).unwrap().cost(&Budget::DEFAULT).unwrap());
		assert_eq!(crate::Pallet::<Test>::on_chain_storage_version(), 1);

		MigrateV0ToV1::<Test>::on_runtime_upgrade();
		assert_eq!(Models::<Test>::get(id).encode(), Some(migrated).encode());
	});
}

/// v1 → v2: an upload in progress under the v1 layout (keyed by model id, its chunks among
/// the models' bytes) is cancelled: chunks deleted, deposit released; version 2.
#[test]
fn migration_v1_to_v2_cancels_uploads_in_progress() {
	use crate::{migrations::MigrateV1ToV2, Upload};
	use frame_support::traits::{
		fungible::MutateHold, GetStorageVersion, OnRuntimeUpgrade, StorageVersion,
	};
	new_test_ext().execute_checked(|| {
		let bytes = mlp();
		let id = VerityModels::model_id(&bytes);
		let deposit = 100 + 256;
		assert_ok!(Balances::hold(
			&RuntimeHoldReason::VerityModels(HoldReason::ModelDeposit),
			&ALICE,
			deposit
		));
		let upload = Upload { owner: ALICE, size: 512, received: 1, deposit, expires: 101 };
		crate::migrations::v2::Uploads::<Test>::insert(id, upload);
		ModelBytes::<Test>::insert(id, 0, bounded(&bytes[..256]));
		StorageVersion::new(1).put::<crate::Pallet<Test>>();

		MigrateV1ToV2::<Test>::on_runtime_upgrade();
		assert_eq!(crate::migrations::v2::Uploads::<Test>::iter().count(), 0);
		assert_eq!(Uploads::<Test>::iter().count(), 0);
		assert_eq!(ModelBytes::<Test>::iter().count(), 0);
		assert_eq!(held(ALICE), 0);
		assert_eq!(Balances::balance(&ALICE), 1_000_000);
		System::assert_last_event(Event::UploadCancelled { model: id, owner: ALICE }.into());
		assert_eq!(crate::Pallet::<Test>::on_chain_storage_version(), 2);
	});
}

/// Registration stores the dispute index: one entry per node, the root of every constant,
/// the trace layout; removal deletes all of it.
#[test]
fn registration_stores_the_dispute_index_and_removal_deletes_it() {
	use crate::{ConstantRoots, StepNodes, TraceLayouts};
	new_test_ext().execute_checked(|| {
		let bytes = mlp();
		assert_ok!(register(ALICE, &bytes));
		let id = VerityModels::model_id(&bytes);
		let graph = Graph::from_onnx(&bytes).unwrap();
		let index = graph.step_nodes().unwrap();
		assert_eq!(StepNodes::<Test>::iter_prefix(id).count(), graph.nodes.len());
		for (k, node) in index.iter().enumerate() {
			assert_eq!(VerityModels::step_node(&id, k as u32).as_ref(), Some(node));
		}
		for (v, t) in &graph.constants {
			let root = verity_primitives::commitment::tensor_root(&t.to_tensor().unwrap());
			assert_eq!(ConstantRoots::<Test>::get(id, v), Some(root));
		}
		assert_eq!(VerityModels::trace_layout(&id), Some(graph.trace_layout().unwrap()));
		assert_ok!(VerityModels::deprecate(RuntimeOrigin::signed(ALICE), id));
		assert_ok!(VerityModels::remove(RuntimeOrigin::signed(ALICE), id));
		assert_eq!(StepNodes::<Test>::iter().count(), 0);
		assert_eq!(ConstantRoots::<Test>::iter().count(), 0);
		assert_eq!(TraceLayouts::<Test>::iter().count(), 0);
	});
}

/// v2 → v3: a model registered without a dispute index gets it from its stored graph.
#[test]
fn migration_v2_to_v3_indexes_every_model() {
	use crate::{migrations::MigrateV2ToV3, ConstantRoots, StepNodes, TraceLayouts};
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	new_test_ext().execute_checked(|| {
		let bytes = mlp();
		assert_ok!(register(ALICE, &bytes));
		let id = VerityModels::model_id(&bytes);
		let (nodes, roots, layout) = (
			StepNodes::<Test>::iter_prefix(id).collect::<Vec<_>>(),
			ConstantRoots::<Test>::iter_prefix(id).collect::<Vec<_>>(),
			TraceLayouts::<Test>::get(id),
		);
		let _ = StepNodes::<Test>::clear_prefix(id, u32::MAX, None);
		let _ = ConstantRoots::<Test>::clear_prefix(id, u32::MAX, None);
		TraceLayouts::<Test>::remove(id);
		StorageVersion::new(2).put::<crate::Pallet<Test>>();

		MigrateV2ToV3::<Test>::on_runtime_upgrade();
		let mut after = StepNodes::<Test>::iter_prefix(id).collect::<Vec<_>>();
		let mut before = nodes;
		after.sort_by_key(|(k, _)| *k);
		before.sort_by_key(|(k, _)| *k);
		assert_eq!(after, before);
		assert_eq!(ConstantRoots::<Test>::iter_prefix(id).count(), roots.len());
		assert_eq!(TraceLayouts::<Test>::get(id), layout);
		assert_eq!(crate::Pallet::<Test>::on_chain_storage_version(), 3);
	});
}
