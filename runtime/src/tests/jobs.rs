//! A job through the real runtime: register, submit, a result signed the way the off-chain
//! worker signs it, finalization, the runtime API views, and the per-block weight bounds.

use super::*;
use codec::Encode;
use frame_support::{
	assert_noop, assert_ok,
	traits::{Get, Hooks},
	weights::Weight,
};
use pallet_verity_inference::{JobResult, JobStatus, JobTensor, Outcome, WeightInfo as _};
use sp_keyring::Sr25519Keyring::{Alice, Bob, Charlie};
use sp_runtime::traits::Checkable;
use verity_primitives::{
	graph::{Graph, TraceOptions},
	onnx::zoo,
	tensor::Tensor,
};

type Models = pallet_verity_models::Pallet<Runtime>;
type Inference = pallet_verity_inference::Pallet<Runtime>;

fn dev_ext() -> sp_io::TestExternalities {
	let patch = genesis_config_presets::development_config_genesis();
	let mut base = serde_json::to_value(RuntimeGenesisConfig::default()).expect("serializable");
	merge(&mut base, patch);
	let config: RuntimeGenesisConfig = serde_json::from_value(base).expect("valid genesis");
	let mut ext = sp_io::TestExternalities::new(config.build_storage().expect("storage builds"));
	ext.execute_with(|| System::set_block_number(1));
	ext
}

fn run_to(n: BlockNumber) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Inference::on_initialize(next);
	}
}

fn input() -> Tensor {
	Tensor::f32(vec![1, 16], (0..16).map(|i| i as f32 * 0.5 - 4.0).collect()).expect("tensor")
}

fn free(who: sp_keyring::Sr25519Keyring) -> Balance {
	pallet_balances::Pallet::<Runtime>::free_balance(who.to_account_id())
}

fn reserved(who: sp_keyring::Sr25519Keyring) -> Balance {
	pallet_balances::Pallet::<Runtime>::reserved_balance(who.to_account_id())
}

#[test]
fn a_job_from_submit_to_finalized() {
	dev_ext().execute_with(|| {
		let bytes = zoo::mlp(&[16, 8, 4], 5).expect("model");
		let price = 7 * MILLI_UNIT;
		assert_ok!(Models::register(
			RuntimeOrigin::signed(Bob.to_account_id()),
			bytes.clone().try_into().expect("small"),
			b"mlp".to_vec().try_into().expect("short"),
			1,
			price,
		));
		let model = Models::model_id(&bytes);
		let view = views::model(model).expect("registered");
		// The deposit covers the ONNX bytes, the stored canonical graph and its dispute index
		// (each node's entry, the trace layout, a 32-byte root per constant).
		assert!(view.graph_size as usize > bytes.len() - 300, "the weights are stored");
		let graph = verity_primitives::graph::Graph::from_onnx(&bytes).expect("valid");
		let index: usize =
			graph.step_nodes().expect("index").iter().map(|n| n.encode().len()).sum::<usize>()
				+ graph.trace_layout().expect("layout").encode().len()
				+ 32 * graph.constants.len();
		let stored = (bytes.len() + view.graph_size as usize + index) as Balance;
		assert_eq!(reserved(Bob), 100 * MILLI_UNIT + MICRO_UNIT * stored);
		assert_eq!(
			Models::canonical_graph(&model),
			verity_primitives::graph::Graph::from_onnx(&bytes).ok()
		);
		// Base, per node, and 10 µUNIT per started 2^20 units of the model's work.
		let work = verity_primitives::graph::Graph::from_onnx(&bytes)
			.expect("imports")
			.cost(&verity_primitives::cost::Budget::DEFAULT)
			.expect("within budget")
			.work;
		assert_eq!(view.cost.work, work);
		let mega_work = work.div_ceil(1 << 20) as Balance;
		assert_eq!(
			view.job_cost,
			10 * MILLI_UNIT
				+ MILLI_UNIT * view.nodes as Balance
				+ 10 * MICRO_UNIT * mega_work
				+ price
		);

		let tensor = JobTensor::from_tensor_bytes(&input().to_bytes()).expect("fits");
		let inputs: pallet_verity_inference::TensorsOf<Runtime> =
			vec![tensor].try_into().expect("one input");
		assert_noop!(
			Inference::submit(
				RuntimeOrigin::signed(Charlie.to_account_id()),
				model,
				inputs.clone(),
				view.job_cost - 1
			),
			pallet_verity_inference::Error::<Runtime>::MaxFeeTooLow
		);
		let (alice, bob, charlie) = (free(Alice), free(Bob), free(Charlie));
		assert_ok!(Inference::submit(
			RuntimeOrigin::signed(Charlie.to_account_id()),
			model,
			inputs,
			view.job_cost
		));
		let job = views::job(0).expect("submitted");
		// The data deposit is held too, until the job is pruned.
		assert!(job.job.deposit > 0);
		assert_eq!(free(Charlie), charlie - view.job_cost - job.job.deposit);
		assert_eq!(job.job.executor, Alice.to_account_id());
		assert_eq!(job.input_names, vec![b"x".to_vec()]);

		// Alice posts the canonical result (as her node's worker would).
		let graph = Graph::from_onnx(&bytes).expect("valid");
		let trace = graph
			.run(&[input()], TraceOptions { keep_node_outputs: false, ..Default::default() })
			.expect("runs");
		let output = JobTensor::from_tensor_bytes(&trace.outputs[0].to_bytes()).expect("fits");
		let result = JobResult {
			job: 0,
			outcome: Outcome::Outputs(vec![output].try_into().expect("one output")),
			trace_root: trace.root,
			nodes: view.nodes,
		};
		run_to(3);
		assert_ok!(Inference::post_results(
			RuntimeOrigin::signed(Alice.to_account_id()),
			vec![result].try_into().expect("one result")
		));
		let window: BlockNumber =
			<Runtime as pallet_verity_inference::Config>::ChallengeWindow::get();
		run_to(3 + window - 1);
		assert_eq!(views::job(0).map(|j| j.job.status), Some(JobStatus::Executed));
		run_to(3 + window);
		let job = views::job(0).expect("kept for the retention period");
		assert_eq!(job.job.status, JobStatus::Finalized);
		assert_eq!(job.outputs, Some(vec![trace.outputs[0].to_bytes()]));
		assert_eq!(free(Alice), alice + job.job.fee);
		assert_eq!(free(Bob), bob + price);
		assert_eq!(free(Charlie), charlie - view.job_cost - job.job.deposit);
		assert_eq!(reserved(Charlie), job.job.deposit, "the data deposit stays until pruning");
		assert_eq!(views::account_jobs(Charlie.to_account_id(), None, 10).len(), 1);
	});
}

#[test]
fn the_worker_signs_results_as_a_valid_extrinsic() {
	use frame_system::offchain::CreateSignedTransaction;
	use sp_keystore::{testing::MemoryKeystore, Keystore, KeystoreExt};

	let keystore = MemoryKeystore::new();
	let public = keystore
		.sr25519_generate_new(pallet_verity_inference::KEY_TYPE, Some("//Alice"))
		.expect("a key");
	let mut ext = dev_ext();
	ext.register_extension(KeystoreExt::new(keystore));
	ext.execute_with(|| {
		let call = RuntimeCall::Inference(pallet_verity_inference::Call::post_results {
			results: Default::default(),
		});
		let signer: <Signature as sp_runtime::traits::Verify>::Signer = public.into();
		let xt = <Runtime as CreateSignedTransaction<RuntimeCall>>::create_signed_transaction::<
			pallet_verity_inference::crypto::ExecutorAuthId,
		>(call, signer, Alice.to_account_id(), 0)
		.expect("signed");
		let checked = xt.check(&frame_system::ChainContext::<Runtime>::default());
		assert!(checked.is_ok(), "{checked:?}");
	});
}

#[test]
fn per_block_work_and_batches_fit_in_a_block() {
	type W = <Runtime as pallet_verity_inference::Config>::WeightInfo;
	type C = Runtime;
	let max: Weight = configs::RuntimeBlockWeights::get().max_block;
	let normal = configs::RuntimeBlockWeights::get()
		.get(frame_support::dispatch::DispatchClass::Normal)
		.max_extrinsic
		.expect("a limit");
	let batch: u32 = <C as pallet_verity_inference::Config>::MaxResultsPerCall::get();
	// The worst case, every due job taking the costliest step, leaves half the block to
	// extrinsics.
	assert!(
		Inference::max_due_weight().all_lte(max / 2),
		"a full queue takes half a block at most"
	);
	assert!(W::post_results(batch).all_lte(normal), "a full batch fits one extrinsic");
	let max_tensor: u32 = <C as pallet_verity_inference::Config>::MaxTensorBytes::get();
	assert!(W::submit(max_tensor * 16).all_lte(normal), "the largest submit fits one extrinsic");
}

#[test]
fn the_largest_models_fit_in_a_block() {
	use pallet_verity_models::WeightInfo as _;
	type M = <Runtime as pallet_verity_models::Config>::WeightInfo;
	type C = Runtime;
	let normal = configs::RuntimeBlockWeights::get()
		.get(frame_support::dispatch::DispatchClass::Normal)
		.max_extrinsic
		.expect("a limit");
	let inline: u32 = <C as pallet_verity_models::Config>::MaxInlineBytes::get();
	let max_bytes: u32 = <C as pallet_verity_models::Config>::MaxModelBytes::get();
	let chunks = max_bytes.div_ceil(<C as pallet_verity_models::Config>::ChunkBytes::get());
	let constants: u32 = <C as pallet_verity_models::Config>::MaxConstants::get();
	// Every registration is charged the worst folding on top (`fold_worst`).
	let fold = pallet_verity_models::weights::fold_worst::<M>();
	assert!(
		M::register(inline, constants).saturating_add(fold).all_lte(normal),
		"the largest register fits"
	);
	assert!(
		M::finish_upload(max_bytes, constants).saturating_add(fold).all_lte(normal),
		"the largest finish fits"
	);
	assert!(M::remove(chunks, constants).all_lte(normal), "removing the largest model fits");
	assert!(M::cancel_upload(chunks).all_lte(normal), "cancelling the largest upload fits");
}
