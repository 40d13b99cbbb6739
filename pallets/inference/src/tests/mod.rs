//! Unit tests of the inference pallet on the mock runtime.

use crate::{mock::*, *};
use frame_support::dispatch::Pays;
use frame_support::{
	assert_noop, assert_ok,
	traits::{
		fungible::{InspectHold, Mutate},
		Hooks,
	},
};
use pallet_verity_models::ModelId;
use sp_core::offchain::{
	testing::{TestOffchainExt, TestTransactionPoolExt},
	OffchainDbExt, OffchainWorkerExt, TransactionPoolExt,
};
use sp_runtime::{testing::UintAuthorityId, DispatchError, TokenError};
use std::sync::{atomic::Ordering, Arc};
use verity_primitives::{commitment::H256, graph::Graph, onnx::zoo, tensor::DType};

/// Royalty of the test model.
const PRICE: Balance = 30;

/// A small MLP, 4 → 3 → 2, as ONNX bytes.
fn model_bytes() -> Vec<u8> {
	zoo::mlp(&[4, 3, 2], 7).unwrap()
}

/// Nodes of the test model's canonical graph.
fn model_nodes() -> u32 {
	Graph::from_onnx(&model_bytes()).unwrap().nodes.len() as u32
}

/// The execution fee of a job on the test model, computed from its graph independently of
/// the pallet: base, per node, and per started 2^20 units of work.
fn execution_fee() -> Balance {
	let graph = Graph::from_onnx(&model_bytes()).unwrap();
	let work = graph.cost(&verity_primitives::cost::Budget::DEFAULT).unwrap().work;
	BASE_FEE
		+ FEE_PER_NODE * model_nodes() as Balance
		+ FEE_PER_MEGA_WORK * work.div_ceil(1 << 20) as Balance
}

/// The data deposit of a job on the test model: 16 bytes of input, 8 of output.
fn data_deposit() -> Balance {
	(16 + 8) * DATA_DEPOSIT_PER_BYTE
}

/// The execution fee plus royalty of a job on the test model.
fn job_cost() -> Balance {
	execution_fee() + PRICE
}

/// Registers the test model (owned by OWNER) and returns its id.
fn register_model() -> ModelId {
	let bytes = model_bytes();
	assert_ok!(Models::register(
		RuntimeOrigin::signed(OWNER),
		bytes.clone().try_into().unwrap(),
		b"mlp".to_vec().try_into().unwrap(),
		1,
		PRICE,
	));
	Models::model_id(&bytes)
}

fn f32_tensor(shape: &[u32], values: &[f32]) -> JobTensor<<Test as Config>::MaxTensorBytes> {
	JobTensor {
		dtype: DType::F32,
		shape: shape.to_vec().try_into().unwrap(),
		data: values.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<_>>().try_into().unwrap(),
	}
}

/// Registers the lookup-table model (`zoo::gather_table`, owned by OWNER): `i64[3]` indices
/// from the input select rows of a 10 × 4 table.
fn register_gather_model() -> ModelId {
	let bytes = zoo::gather_table(3).unwrap();
	assert_ok!(Models::register(
		RuntimeOrigin::signed(OWNER),
		bytes.clone().try_into().unwrap(),
		b"table".to_vec().try_into().unwrap(),
		1,
		PRICE,
	));
	Models::model_id(&bytes)
}

/// Indices for the lookup-table model.
fn indices(values: &[i64]) -> TensorsOf<Test> {
	let t = JobTensor {
		dtype: DType::I64,
		shape: vec![values.len() as u32].try_into().unwrap(),
		data: values.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<_>>().try_into().unwrap(),
	};
	vec![t].try_into().unwrap()
}

/// Valid inputs of the test model.
fn inputs() -> TensorsOf<Test> {
	vec![f32_tensor(&[1, 4], &[0.5, -1.0, 2.0, 0.25])].try_into().unwrap()
}

/// Valid-looking outputs of the test model.
fn outputs() -> TensorsOf<Test> {
	vec![f32_tensor(&[1, 2], &[0.1, 0.9])].try_into().unwrap()
}

fn result(job: JobId) -> JobResultOf<Test> {
	JobResult {
		job,
		outcome: Outcome::Outputs(outputs()),
		trace_root: H256::repeat_byte(7),
		nodes: model_nodes(),
	}
}

/// Posts `results` as `who` and checks that every one was accepted (no `ResultRefused`).
fn post(
	who: u64,
	results: Vec<JobResultOf<Test>>,
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	let (info, refused) = post_outcome(who, results);
	assert_eq!(refused, vec![], "results refused");
	info
}

/// Posts `results` as `who`; returns the call's result and the refused results' errors.
fn post_outcome(
	who: u64,
	results: Vec<JobResultOf<Test>>,
) -> (frame_support::dispatch::DispatchResultWithPostInfo, Vec<(JobId, DispatchError)>) {
	let before = System::events().len();
	let info = Inference::post_results(RuntimeOrigin::signed(who), results.try_into().unwrap());
	let refused = System::events()[before..]
		.iter()
		.filter_map(|r| match &r.event {
			RuntimeEvent::Inference(Event::ResultRefused { job, error, .. }) => {
				Some((*job, *error))
			},
			_ => None,
		})
		.collect();
	(info, refused)
}

/// Posts `results` as `who`, all of which must be refused: the call pays its fee and changes
/// nothing but the events. Returns the errors, in order.
fn post_refused(who: u64, results: Vec<JobResultOf<Test>>) -> Vec<DispatchError> {
	let jobs_before: Vec<_> = Jobs::<Test>::iter().collect();
	let (info, refused) = post_outcome(who, results);
	assert_eq!(info.expect("post_results does not fail").pays_fee, Pays::Yes);
	let mut jobs_after: Vec<_> = Jobs::<Test>::iter().collect();
	let mut before = jobs_before;
	before.sort_by_key(|(id, _)| *id);
	jobs_after.sort_by_key(|(id, _)| *id);
	assert_eq!(before, jobs_after, "a refused result changed a job");
	refused.into_iter().map(|(_, e)| e).collect()
}

fn held(who: u64, reason: HoldReason) -> Balance {
	Balances::balance_on_hold(&RuntimeHoldReason::Inference(reason), &who)
}

fn free(who: u64) -> Balance {
	Balances::free_balance(who)
}

/// Executor A registered, the model registered, one job submitted by DAPP: job 0.
fn setup_job() -> ModelId {
	assert_ok!(Inference::register_executor(RuntimeOrigin::signed(EXEC_A), MIN_BOND));
	let model = register_model();
	assert_ok!(Inference::submit(RuntimeOrigin::signed(DAPP), model, inputs(), 1_000));
	model
}

/// The assignment set as `(who, bond, queued)`.
fn active() -> Vec<(u64, Balance, u32)> {
	ActiveExecutors::<Test>::get().into_iter().map(|e| (e.who, e.bond, e.queued)).collect()
}

fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| if let RuntimeEvent::Inference(e) = r.event { Some(e) } else { None })
		.collect()
}

mod economics;
mod executors;
mod lifecycle;
mod offchain;
mod results;
mod submit;
