//! Tests: offchain.

use super::*;
use codec::Decode;
use verity_io::InferenceExt;

/// Test externalities with off-chain, pool and inference extensions; returns the pool
/// state and the execution counter.
fn offchain_ext() -> (
	sp_io::TestExternalities,
	Arc<parking_lot::RwLock<sp_core::offchain::testing::PoolState>>,
	Arc<std::sync::atomic::AtomicU32>,
) {
	let mut ext = new_test_ext();
	let (offchain, _) = TestOffchainExt::new();
	let (pool, pool_state) = TestTransactionPoolExt::new();
	ext.register_extension(OffchainDbExt::new(offchain.clone()));
	ext.register_extension(OffchainWorkerExt::new(offchain));
	ext.register_extension(TransactionPoolExt::new(pool));
	let backend = CanonicalBackend::default();
	let executions = backend.executions.clone();
	ext.register_extension(InferenceExt::new(backend));
	UintAuthorityId::set_all_keys(vec![EXEC_A]);
	(ext, pool_state, executions)
}

fn posted(pool: &parking_lot::RwLock<sp_core::offchain::testing::PoolState>) -> Vec<Extrinsic> {
	pool.write().transactions.drain(..).map(|tx| Extrinsic::decode(&mut &tx[..]).unwrap()).collect()
}

#[test]
fn the_worker_executes_once_and_posts_the_canonical_result() {
	let (mut ext, pool, executions) = offchain_ext();
	ext.execute_with(|| {
		setup_job();
		Inference::offchain_worker(1);
		let txs = posted(&pool);
		assert_eq!(txs.len(), 1);
		let RuntimeCall::Inference(Call::post_results { results }) = &txs[0].function else {
			panic!("unexpected call {:?}", txs[0].function)
		};
		// The posted result is the canonical engine's.
		let graph = Graph::from_onnx(&model_bytes()).unwrap();
		let input = inputs()[0].to_tensor_bytes().to_tensor().unwrap();
		let trace = graph
			.run(
				&[input],
				verity_primitives::graph::TraceOptions {
					keep_node_outputs: false,
					..Default::default()
				},
			)
			.unwrap();
		assert_eq!(results.len(), 1);
		assert_eq!(results[0].trace_root, trace.root);
		let Outcome::Outputs(outputs) = &results[0].outcome else { panic!("outputs expected") };
		assert_eq!(outputs[0].to_tensor_bytes(), trace.outputs[0].to_bytes());
		assert_eq!(executions.load(Ordering::SeqCst), 1);

		// Not included yet: the next blocks' workers neither execute nor post again ...
		Inference::offchain_worker(2);
		Inference::offchain_worker(3);
		assert!(posted(&pool).is_empty());
		// ... until the repost delay, when the stored result is posted again.
		Inference::offchain_worker(4);
		assert_eq!(posted(&pool).len(), 1);
		assert_eq!(executions.load(Ordering::SeqCst), 1);

		// The transaction is accepted.
		assert_ok!(Inference::post_results(RuntimeOrigin::signed(EXEC_A), results.clone()));
		Inference::offchain_worker(5);
		assert!(posted(&pool).is_empty());
	});
}

#[test]
fn nothing_to_do_without_keys_or_engine() {
	let (mut ext, pool, _) = offchain_ext();
	ext.execute_with(|| {
		setup_job();
		UintAuthorityId::set_all_keys(vec![EXEC_B]);
		Inference::offchain_worker(1);
		assert!(posted(&pool).is_empty());
	});
	let mut ext = new_test_ext();
	let (offchain, _) = TestOffchainExt::new();
	let (txpool, pool) = TestTransactionPoolExt::new();
	ext.register_extension(OffchainDbExt::new(offchain.clone()));
	ext.register_extension(OffchainWorkerExt::new(offchain));
	ext.register_extension(TransactionPoolExt::new(txpool));
	UintAuthorityId::set_all_keys(vec![EXEC_A]);
	ext.execute_with(|| {
		setup_job();
		// No engine: the job is marked failed and left to time out, not retried.
		Inference::offchain_worker(1);
		Inference::offchain_worker(5);
		assert!(pool.read().transactions.is_empty());
	});
}

/// Off-chain records survive forks: the same job id with other inputs (another fork's job)
/// is executed afresh, never answered with the first fork's result.
#[test]
fn a_job_id_reused_on_another_fork_is_executed_afresh() {
	let (mut ext, pool, executions) = offchain_ext();
	ext.execute_with(|| {
		setup_job();
		Inference::offchain_worker(1);
		assert_eq!(posted(&pool).len(), 1);
		// Another fork: job 0 was submitted with other inputs.
		let other: TensorsOf<Test> =
			vec![f32_tensor(&[1, 4], &[9.0, 8.0, 7.0, 6.0])].try_into().unwrap();
		JobInputs::<Test>::insert(0, &other);
		Jobs::<Test>::mutate(0, |j| {
			j.as_mut().unwrap().inputs_hash =
				H256(sp_io::hashing::blake2_256(&codec::Encode::encode(&other)))
		});
		Inference::offchain_worker(2);
		let txs = posted(&pool);
		assert_eq!(txs.len(), 1, "the other fork's job is posted at once");
		assert_eq!(executions.load(Ordering::SeqCst), 2);
		let RuntimeCall::Inference(Call::post_results { results }) = &txs[0].function else {
			panic!("unexpected call")
		};
		let graph = Graph::from_onnx(&model_bytes()).unwrap();
		let input = other[0].to_tensor_bytes().to_tensor().unwrap();
		let trace = graph.run(&[input], Default::default()).unwrap();
		assert_eq!(results[0].trace_root, trace.root);
	});
}

/// Two workers of consecutive blocks, the first transaction not in a block yet, sign with
/// consecutive nonces (not the chain's nonce twice); once claims are stale the chain's
/// nonce is used again.
#[test]
fn consecutive_workers_never_share_a_nonce() {
	let (mut ext, pool, _) = offchain_ext();
	ext.execute_with(|| {
		let model = setup_job();
		Inference::offchain_worker(1);
		assert_ok!(Inference::submit(RuntimeOrigin::signed(DAPP), model, inputs(), 1_000));
		Inference::offchain_worker(2);
		assert_eq!(posted(&pool).len(), 2);
		assert_eq!(NONCES.with(|n| n.borrow().clone()), vec![0, 1]);
		// The chain reached neither claim within the pending period (counted from the oldest):
		// they are taken for dropped, and job 0's repost uses the chain's nonce again.
		Inference::offchain_worker(4);
		assert_eq!(posted(&pool).len(), 1);
		assert_eq!(NONCES.with(|n| n.borrow().clone()), vec![0, 1, 0]);
		let claim = |at| crate::offchain::claim_nonce::<Test>(&EXEC_A, at);
		assert_eq!(claim(5), Some(1));
		assert_eq!(claim(6), Some(2));
		// Continuing does not extend the period: at 7 the gap closes.
		assert_eq!(claim(7), Some(0));
		assert_eq!(claim(8), Some(1));
		// The chain takes nonce 0 at block 9: the oldest open claim (1) is counted from then,
		// so it is continued after, not reclaimed, at 10 and 11.
		frame_system::Account::<Test>::mutate(EXEC_A, |a| a.nonce = 1);
		assert_eq!(claim(9), Some(2));
		assert_eq!(claim(11), Some(3));
		// Nothing more lands: three blocks after 9 the chain's nonce is used again.
		assert_eq!(claim(12), Some(1));
		// Once the chain is past the claims, its nonce rules.
		frame_system::Account::<Test>::mutate(EXEC_A, |a| a.nonce = 7);
		assert_eq!(claim(9), Some(7));
	});
}

/// A job whose inputs make a node fail is posted as a failed result, not left to time out.
#[test]
fn the_worker_posts_a_failed_result() {
	let (mut ext, pool, _) = offchain_ext();
	ext.execute_with(|| {
		assert_ok!(Inference::register_executor(RuntimeOrigin::signed(EXEC_A), MIN_BOND));
		let model = register_gather_model();
		assert_ok!(Inference::submit(
			RuntimeOrigin::signed(DAPP),
			model,
			indices(&[0, 10, 1]),
			1_000
		));
		Inference::offchain_worker(1);
		let txs = posted(&pool);
		let RuntimeCall::Inference(Call::post_results { results }) = &txs[0].function else {
			panic!("unexpected call")
		};
		let Outcome::Failed(failure) = &results[0].outcome else { panic!("a failure expected") };
		assert_eq!((failure.node, results[0].nodes), (0, 0));
		assert!(
			String::from_utf8_lossy(&failure.reason).contains("gather index 10"),
			"{failure:?}"
		);
		assert_ok!(post(EXEC_A, results.to_vec()));
		assert!(events().iter().any(|e| matches!(e, Event::JobFailed { job: 0, node: 0, .. })));
	});
}
