//! Benchmarks of the disputes pallet: every call in its worst case (a job with the most games,
//! a list of the most roots, a witness of the most chunks a dense layer at the fan-in limit
//! reads, a refutation that closes every other game), and the per-block timeouts.
#![allow(
	clippy::arithmetic_side_effects,
	clippy::expect_used,
	clippy::indexing_slicing,
	clippy::unwrap_used,
	reason = "benchmark setup, compiled only with `runtime-benchmarks`: a failed setup is a failed benchmark, never a dispatch"
)]

use super::*;
use crate::Pallet as Disputes;
use alloc::{vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{fungible::Mutate, Get, Hooks},
	BoundedVec,
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use pallet_verity_inference::JobSettlement;
use pallet_verity_models::{ModelId, ModelRegistry};
use sp_runtime::traits::{Saturating, Zero};
use verity_primitives::{
	commitment::H256,
	dispute::{
		build_witness,
		limit::{limit_step, Family, LimitStep},
		one_step_metered, Source, StepVerdict, TreeCursor,
	},
	graph::{Graph, Trace, TraceOptions},
	onnx::builder::ModelBuilder,
	tensor::{DType, Tensor},
};

/// Funds `who` for many bonds.
fn fund<T: Config>(who: &T::AccountId) {
	let amount = T::ChallengeBond::get().saturating_mul(1_000_000u32.into());
	let _ = <T as Config>::Currency::set_balance(who, amount);
}

fn challenger<T: Config>(i: u32) -> T::AccountId {
	let who: T::AccountId = account("challenger", i, 0);
	fund::<T>(&who);
	who
}

/// Registers `bytes` and returns its id and canonical graph.
fn register<T: Config>(bytes: Vec<u8>) -> (ModelId, Graph) {
	let owner: T::AccountId = account("owner", 0, 0);
	let graph = Graph::from_onnx(&bytes).expect("a valid model");
	let id = <pallet_verity_models::Pallet<T> as ModelRegistry<_, _>>::register_for_benchmark(
		&owner,
		bytes,
		Zero::zero(),
	)
	.expect("registers");
	(id, graph)
}

/// A chain of `nodes` Relu nodes on `[1, width]`.
fn chain(nodes: u32, width: usize) -> Vec<u8> {
	let mut b = ModelBuilder::new("chain", 17);
	b.input("x", DType::F32, &[1, width]);
	let mut prev = alloc::string::String::from("x");
	for k in 0..nodes {
		let next = alloc::format!("h{k}");
		b.node("Relu", &[prev.as_str()], &[next.as_str()], vec![]);
		prev = next;
	}
	b.output(&prev);
	b.build()
}

/// `x · B` for `x: [1, k]` and a constant `B: [k, 128]`: one output chunk reads `k + 64k`
/// elements over `k` chunks of `B` (half a row each), with a multi-proof of about `k` hashes.
fn dense(k: usize) -> Vec<u8> {
	let mut b = ModelBuilder::new("dense", 17);
	b.input("x", DType::F32, &[1, k]);
	let n = k * 128;
	let w = Tensor::f32(vec![k, 128], (0..n).map(|i| (i % 17) as f32 / 17.0).collect())
		.expect("weights");
	b.initializer("w", w);
	b.node("MatMul", &["x", "w"], &["y"], vec![]);
	b.output("y");
	b.build()
}

fn ramp(n: usize) -> Tensor {
	Tensor::f32(vec![1, n], (0..n).map(|i| (i % 13) as f32 / 6.0 - 1.0).collect()).expect("input")
}

/// A job on `model` executed honestly; returns the job, its executor and the trace.
fn executed<T: Config>(
	model: ModelId,
	graph: &Graph,
	input: Tensor,
) -> (JobId, T::AccountId, Trace) {
	let trace = graph
		.run(
			core::slice::from_ref(&input),
			TraceOptions { keep_node_outputs: true, ..Default::default() },
		)
		.expect("runs");
	let (job, executor) = T::Jobs::executed_for_benchmark(
		model,
		vec![input.to_bytes()],
		trace.outputs.iter().map(Tensor::to_bytes).collect(),
		trace.root,
		graph.nodes.len() as u32,
	)
	.expect("executed");
	(job, executor, trace)
}

/// The flat list of output roots of `trace`.
fn roots<T: Config>(trace: &Trace) -> BoundedVec<H256, T::MaxTraceValues> {
	trace.output_roots.concat().try_into().expect("within MaxTraceValues")
}

/// Opens `n` games on `job` by fresh challengers `first..first + n`; returns their ids.
fn games<T: Config>(job: JobId, first: u32, n: u32) -> Vec<GameId> {
	(first..first.saturating_add(n))
		.map(|i| {
			let id = NextGameId::<T>::get();
			Disputes::<T>::do_open(challenger::<T>(i), job, None).expect("opens");
			id
		})
		.collect()
}

/// Puts game `id` in `phase` (the challenger to move where the phase says so).
fn set_phase<T: Config>(id: GameId, phase: Phase) {
	Games::<T>::mutate(id, |g| {
		if let Some(g) = g {
			g.phase = phase;
		}
	});
}

/// The step of `family` at the fan-in limit, checked: its witness is one a `step` call can
/// carry, its evaluation computes the honest leaf with the reads [`weights::LIMIT_READS`]
/// prices it by.
fn limit<T: Config>(family: Family) -> LimitStep {
	let step = limit_step(family).expect("builds");
	let arg: Option<Vec<InputWitnessArg<T::MaxWitnessChunks, T::MaxProofHashes>>> =
		step.witness.iter().map(InputWitnessArg::from_witness).collect();
	let arg: Result<WitnessOf<T>, _> = arg.expect("within bounds").try_into();
	assert!(arg.is_ok(), "{family:?}: the witness fits a step call");
	let (verdict, reads) = evaluate(&step);
	assert_eq!(verdict, Ok(StepVerdict::Computes(step.leaf)), "{family:?}");
	let at = Family::ALL.iter().position(|f| *f == family).expect("a family");
	assert_eq!(reads, weights::LIMIT_READS[at], "{family:?}: reads");
	step
}

/// Checks the witness of `step` and evaluates its chunk.
fn evaluate(step: &LimitStep) -> (Result<StepVerdict, verity_primitives::dispute::StepError>, u64) {
	one_step_metered(&step.node, &step.inputs, &step.witness, 0, step.chunk)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// Opening the last game a job may have.
	#[benchmark]
	fn open() {
		let (model, graph) = register::<T>(chain(4, 64));
		let (job, _, _) = executed::<T>(model, &graph, ramp(64));
		games::<T>(job, 1, T::MaxGamesPerJob::get().saturating_sub(1));
		let who = challenger::<T>(0);
		#[extrinsic_call]
		_(RawOrigin::Signed(who), job, None);
		assert_eq!(JobGames::<T>::get(job).len() as u32, T::MaxGamesPerJob::get());
	}

	/// A list of `v` roots (a chain of `v` nodes), with every other game of the job waiting.
	#[benchmark]
	fn reveal(v: Linear<1, { verity_primitives::limits::MAX_NODES as u32 }>) {
		let (model, graph) = register::<T>(chain(v, 256));
		let (job, executor, trace) = executed::<T>(model, &graph, ramp(256));
		let ids = games::<T>(job, 0, T::MaxGamesPerJob::get());
		#[extrinsic_call]
		_(RawOrigin::Signed(executor), ids[0], roots::<T>(&trace), None);
		assert!(ids.iter().all(|g| Games::<T>::get(g).map(|g| g.phase) == Some(Phase::Pick)));
	}

	#[benchmark]
	fn pick() {
		let (model, graph) = register::<T>(chain(4, 256));
		let (job, executor, trace) = executed::<T>(model, &graph, ramp(256));
		let id = games::<T>(job, 0, 1)[0];
		Disputes::<T>::do_reveal(&executor, id, roots::<T>(&trace), None).expect("reveals");
		let who = Games::<T>::get(id).expect("open").challenger;
		#[extrinsic_call]
		_(RawOrigin::Signed(who), id, 3, 0, PickClaim::Wrong);
		assert_eq!(
			Games::<T>::get(id).map(|g| g.phase),
			Some(Phase::OpenOutput { node: 3, output: 0 })
		);
	}

	#[benchmark]
	fn open_output() {
		let (model, graph) = register::<T>(chain(4, 4096));
		let (job, executor, trace) = executed::<T>(model, &graph, ramp(4096));
		let id = games::<T>(job, 0, 1)[0];
		Disputes::<T>::do_reveal(&executor, id, roots::<T>(&trace), None).expect("reveals");
		set_phase::<T>(id, Phase::OpenOutput { node: 3, output: 0 });
		let chunks_root = trace.node_outputs[3][0].1.chunks_root;
		#[extrinsic_call]
		_(RawOrigin::Signed(executor), id, chunks_root);
		assert!(matches!(Games::<T>::get(id).map(|g| g.phase), Some(Phase::Bisect { .. })));
	}

	#[benchmark]
	fn bisect() {
		let (model, graph) = register::<T>(chain(1, 64));
		let (job, executor, _) = executed::<T>(model, &graph, ramp(64));
		let id = games::<T>(job, 0, 1)[0];
		let (left, right) = (H256::repeat_byte(1), H256::repeat_byte(2));
		let mut pair = [0u8; 64];
		pair[..32].copy_from_slice(left.as_bytes());
		pair[32..].copy_from_slice(right.as_bytes());
		let hash = verity_primitives::commitment::hash(&pair);
		set_phase::<T>(id, Phase::Bisect { node: 0, output: 0, at: TreeCursor::root(4), hash });
		#[extrinsic_call]
		_(RawOrigin::Signed(executor), id, left, right);
		assert!(matches!(Games::<T>::get(id).map(|g| g.phase), Some(Phase::Choose { .. })));
	}

	#[benchmark]
	fn choose() {
		let (model, graph) = register::<T>(chain(1, 64));
		let (job, _, _) = executed::<T>(model, &graph, ramp(64));
		let id = games::<T>(job, 0, 1)[0];
		let (left, right) = (H256::repeat_byte(1), H256::repeat_byte(2));
		set_phase::<T>(
			id,
			Phase::Choose { node: 0, output: 0, at: TreeCursor::root(4), left, right },
		);
		let who = Games::<T>::get(id).expect("open").challenger;
		#[extrinsic_call]
		_(RawOrigin::Signed(who), id, right, true);
		assert!(matches!(Games::<T>::get(id).map(|g| g.phase), Some(Phase::Bisect { .. })));
	}

	#[benchmark]
	fn split() {
		let (model, graph) = register::<T>(chain(1, 64));
		let (job, _, _) = executed::<T>(model, &graph, ramp(64));
		let id = games::<T>(job, 0, 1)[0];
		let claim = Claim::Leaf(H256::repeat_byte(3));
		set_phase::<T>(id, Phase::Step { node: 0, output: 0, chunk: 0, claim });
		let who = Games::<T>::get(id).expect("open").challenger;
		#[extrinsic_call]
		_(RawOrigin::Signed(who), id);
		assert!(matches!(Games::<T>::get(id).map(|g| g.phase), Some(Phase::OpenLeaf { .. })));
	}

	#[benchmark]
	fn open_leaf() {
		let (model, graph) = register::<T>(chain(1, 64));
		let (job, executor, trace) = executed::<T>(model, &graph, ramp(64));
		let id = games::<T>(job, 0, 1)[0];
		let leaf = trace.node_outputs[0][0].1.leaf_hashes[0];
		set_phase::<T>(id, Phase::OpenLeaf { node: 0, output: 0, chunk: 0, leaf });
		let bytes: ChunkBytes =
			trace.node_outputs[0][0].0.to_le_bytes().try_into().expect("64 f32");
		#[extrinsic_call]
		_(RawOrigin::Signed(executor), id, bytes);
		assert!(matches!(Games::<T>::get(id).map(|g| g.phase), Some(Phase::PickElement { .. })));
	}

	#[benchmark]
	fn pick_element() {
		let (model, graph) = register::<T>(chain(1, 64));
		let (job, _, trace) = executed::<T>(model, &graph, ramp(64));
		let id = games::<T>(job, 0, 1)[0];
		let leaf = trace.node_outputs[0][0].1.leaf_hashes[0];
		set_phase::<T>(id, Phase::PickElement { node: 0, output: 0, chunk: 0, leaf });
		let bytes: ChunkBytes =
			trace.node_outputs[0][0].0.to_le_bytes().try_into().expect("64 f32");
		let who = Games::<T>::get(id).expect("open").challenger;
		#[extrinsic_call]
		_(RawOrigin::Signed(who), id, 63, bytes);
		assert!(matches!(Games::<T>::get(id).map(|g| g.phase), Some(Phase::ElementStep { .. })));
	}

	/// The step of a dense layer whose chunk reads `c` chunks of its weights (`c + 64c`
	/// elements; the cost model counts `128c` reads, at its limit at `c` = 1024), refuting the executor and closing every
	/// other game on the job.
	#[benchmark]
	fn step(c: Linear<64, 1024>) {
		let (model, graph) = register::<T>(dense(c as usize));
		let input = ramp(c as usize);
		let (job, executor, trace) = executed::<T>(model, &graph, input.clone());
		let ids = games::<T>(job, 0, T::MaxGamesPerJob::get());
		Disputes::<T>::do_reveal(&executor, ids[0], roots::<T>(&trace), None).expect("reveals");
		// A leaf that is not the computed one: the challenger wins.
		let claim = Claim::Leaf(H256::repeat_byte(9));
		set_phase::<T>(ids[0], Phase::Step { node: 0, output: 0, chunk: 0, claim });
		let index = pallet_verity_models::Pallet::<T>::step_node(&model, 0).expect("indexed");
		assert!(matches!(index.inputs[1].as_ref().map(|i| i.source), Some(Source::Constant(_))));
		let weights = graph.constants[0].1.to_tensor().expect("weights");
		let witness =
			build_witness(&index, &[Some(&input), Some(&weights)], 0, 0).expect("witness");
		let witness: WitnessOf<T> = witness
			.iter()
			.map(|w| InputWitnessArg::from_witness(w).expect("within bounds"))
			.collect::<Vec<_>>()
			.try_into()
			.expect("one input");
		let who = Games::<T>::get(ids[0]).expect("open").challenger;
		#[extrinsic_call]
		_(RawOrigin::Signed(who), ids[0], witness);
		assert!(JobGames::<T>::get(job).is_empty());
	}

	/// `n` games whose executors ran out of time in one block (each a refutation).
	#[benchmark]
	fn timeouts(n: Linear<1, 64>) {
		let (model, graph) = register::<T>(chain(2, 64));
		let mut at = BlockNumberFor::<T>::zero();
		for i in 0..n {
			let (job, _, _) = executed::<T>(model, &graph, ramp(64));
			let id = games::<T>(job, 1000 * (i + 1), 1)[0];
			at = Games::<T>::get(id).expect("open").deadline;
		}
		let queued = Timeouts::<T>::get(at).len() as u32;
		assert_eq!(queued, n);
		frame_system::Pallet::<T>::set_block_number(at);
		#[block]
		{
			Disputes::<T>::on_initialize(at);
		}
		assert!(Timeouts::<T>::get(at).is_empty());
	}

	/// The evaluation of a chunk of a `[1, 1024] × [1024, 64]` MatMul (the fan-in limit), its witness checked.
	#[benchmark]
	fn evaluate_matmul() {
		let case = limit::<T>(Family::MatMul);
		#[block]
		{
			let _ = evaluate(&case);
		}
	}

	/// The evaluation of a chunk of an int8 `[1, 1021] × [1021, 64]` QLinearMatMul (the fan-in limit), its witness checked.
	#[benchmark]
	fn evaluate_qlinear_matmul() {
		let case = limit::<T>(Family::QLinearMatMul);
		#[block]
		{
			let _ = evaluate(&case);
		}
	}

	/// The evaluation of a chunk of a 3 × 3 Conv over 113 channels (the fan-in limit), its witness checked.
	#[benchmark]
	fn evaluate_conv() {
		let case = limit::<T>(Family::Conv);
		#[block]
		{
			let _ = evaluate(&case);
		}
	}

	/// The evaluation of a chunk of an int8 3 × 3 QLinearConv over 113 channels (the fan-in limit), its witness checked.
	#[benchmark]
	fn evaluate_qlinear_conv() {
		let case = limit::<T>(Family::QLinearConv);
		#[block]
		{
			let _ = evaluate(&case);
		}
	}

	/// The evaluation of a chunk of a 44 × 44 MaxPool (the fan-in limit), its witness checked.
	#[benchmark]
	fn evaluate_pool() {
		let case = limit::<T>(Family::Pool);
		#[block]
		{
			let _ = evaluate(&case);
		}
	}

	/// The evaluation of a chunk of a GlobalAveragePool of 64 planes of 2048 (the fan-in limit), its witness checked.
	#[benchmark]
	fn evaluate_global_pool() {
		let case = limit::<T>(Family::GlobalPool);
		#[block]
		{
			let _ = evaluate(&case);
		}
	}

	/// The evaluation of a chunk of a ReduceMean of 64 rows of 2048 (the fan-in limit), its witness checked.
	#[benchmark]
	fn evaluate_reduce() {
		let case = limit::<T>(Family::Reduce);
		#[block]
		{
			let _ = evaluate(&case);
		}
	}

	/// The evaluation of a chunk of a Softmax over a row of 65 536 (the fan-in limit), its witness checked.
	#[benchmark]
	fn evaluate_softmax() {
		let case = limit::<T>(Family::Softmax);
		#[block]
		{
			let _ = evaluate(&case);
		}
	}

	/// The evaluation of a chunk of a LayerNormalization over rows of 65 472 (the fan-in limit), its witness checked.
	#[benchmark]
	fn evaluate_layer_norm() {
		let case = limit::<T>(Family::LayerNorm);
		#[block]
		{
			let _ = evaluate(&case);
		}
	}

	impl_benchmark_test_suite!(Disputes, crate::mock::new_test_ext(), crate::mock::Test);
}
