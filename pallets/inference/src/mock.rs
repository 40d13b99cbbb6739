//! A test runtime: System, Balances, the models pallet and the inference pallet, with
//! `UintAuthorityId` keys for the off-chain worker and a canonical-engine test backend.

use crate as pallet_inference;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64, Hooks},
};
use sp_runtime::{
	testing::{TestSignature, TestXt, UintAuthorityId},
	BuildStorage, Perbill,
};
use verity_io::{Execution, InferenceBackend, Outcome};
use verity_primitives::{
	commitment::H256,
	graph::Graph,
	tensor::{Tensor, TensorBytes},
};

type Block = frame_system::mocking::MockBlock<Test>;

/// Balance type of the test runtime.
pub type Balance = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Models: pallet_verity_models,
		Inference: pallet_inference,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
	type Balance = Balance;
	type RuntimeHoldReason = RuntimeHoldReason;
}

impl pallet_verity_models::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type DepositPerByte = ConstU64<0>;
	type DepositBase = ConstU64<100>;
	type MaxModelBytes = ConstU32<{ 1024 * 1024 }>;
	type Budget = ModelBudget;
	type ChunkBytes = ConstU32<{ 64 * 1024 }>;
	type MaxInlineBytes = ConstU32<{ 1024 * 1024 }>;
	type MaxNameLen = ConstU32<32>;
	type MaxConstants = ConstU32<64>;
	type UploadLifetime = ConstU64<100>;
	type WeightInfo = ();
}

/// An extrinsic of the test runtime.
pub type Extrinsic = TestXt<RuntimeCall, ()>;

impl frame_system::offchain::SigningTypes for Test {
	type Public = UintAuthorityId;
	type Signature = TestSignature;
}

impl<C> frame_system::offchain::CreateTransactionBase<C> for Test
where
	RuntimeCall: From<C>,
{
	type RuntimeCall = RuntimeCall;
	type Extrinsic = Extrinsic;
}

impl<C> frame_system::offchain::CreateSignedTransaction<C> for Test
where
	RuntimeCall: From<C>,
{
	fn create_signed_transaction<
		A: frame_system::offchain::AppCrypto<Self::Public, Self::Signature>,
	>(
		call: RuntimeCall,
		_public: UintAuthorityId,
		account: u64,
		nonce: u32,
	) -> Option<Extrinsic> {
		NONCES.with(|n| n.borrow_mut().push(nonce));
		Some(Extrinsic::new_signed(call, account, (), ()))
	}
}

/// Test keys sign as their `u64` account.
pub struct TestAuthId;

impl frame_system::offchain::AppCrypto<UintAuthorityId, TestSignature> for TestAuthId {
	type RuntimeAppPublic = UintAuthorityId;
	type GenericPublic = UintAuthorityId;
	type GenericSignature = TestSignature;
}

/// The test randomness: the subject's hash, so assignment is deterministic per job.
pub struct TestRandomness;

impl frame_support::traits::Randomness<sp_core::H256, u64> for TestRandomness {
	fn random(subject: &[u8]) -> (sp_core::H256, u64) {
		(sp_core::H256(sp_io::hashing::blake2_256(subject)), 0)
	}
}

std::thread_local! {
	/// The nonces the off-chain worker signed with, in order.
	pub static NONCES: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
	/// Total issuance at genesis.
	pub static GENESIS_ISSUANCE: std::cell::Cell<Balance> = const { std::cell::Cell::new(0) };
	/// Jobs the test dispute game holds.
	pub static DISPUTED: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A dispute game that holds the jobs in [`DISPUTED`].
pub struct TestDisputes;

impl crate::DisputeHook for TestDisputes {
	fn holds(job: u64) -> bool {
		DISPUTED.with(|d| d.borrow().contains(&job))
	}
}

parameter_types! {
	pub const ModelBudget: verity_primitives::cost::Budget = verity_primitives::cost::Budget::DEFAULT;
	pub const LatePenalty: Perbill = Perbill::from_percent(10);
}

/// Execution timeout of the test runtime.
pub const TIMEOUT: u64 = 5;
/// Challenge window of the test runtime.
pub const WINDOW: u64 = 4;
/// Retention of the test runtime.
pub const RETENTION: u64 = 20;
/// Base fee of the test runtime.
pub const BASE_FEE: Balance = 50;
/// Fee per node of the test runtime.
pub const FEE_PER_NODE: Balance = 2;
/// Fee per 2^20 units of work of the test runtime.
pub const FEE_PER_MEGA_WORK: Balance = 3;
/// Deposit per byte of job data.
pub const DATA_DEPOSIT_PER_BYTE: Balance = 1;
/// Minimum executor bond.
pub const MIN_BOND: Balance = 1_000;

impl pallet_inference::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Models = Models;
	type Randomness = TestRandomness;
	type Disputes = TestDisputes;
	type AuthorityId = TestAuthId;
	type MinExecutorBond = ConstU64<MIN_BOND>;
	type UnbondingDelay = ConstU64<10>;
	type ExecutionTimeout = ConstU64<TIMEOUT>;
	type ChallengeWindow = ConstU64<WINDOW>;
	type MaxAttempts = ConstU32<2>;
	type LatePenalty = LatePenalty;
	type SuspensionPeriod = ConstU64<50>;
	type BaseFee = ConstU64<BASE_FEE>;
	type FeePerNode = ConstU64<FEE_PER_NODE>;
	type FeePerMegaWork = ConstU64<FEE_PER_MEGA_WORK>;
	type DataDepositPerByte = ConstU64<DATA_DEPOSIT_PER_BYTE>;
	type Retention = ConstU64<RETENTION>;
	type MaxTensorBytes = ConstU32<{ 16 * 1024 }>;
	type MaxExecutors = ConstU32<4>;
	type MaxAssigned = ConstU32<8>;
	type MaxDuePerBlock = ConstU32<16>;
	type MaxResultsPerCall = ConstU32<8>;
	type WeightInfo = ();
}

/// The model owner.
pub const OWNER: u64 = 1;
/// A dApp.
pub const DAPP: u64 = 2;
/// Executors.
pub const EXEC_A: u64 = 10;
/// A second executor.
pub const EXEC_B: u64 = 11;
/// An account with nothing.
pub const POOR: u64 = 99;
/// Everyone's starting balance.
pub const START: Balance = 1_000_000;

/// Test externalities with the accounts funded.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: [OWNER, DAPP, EXEC_A, EXEC_B].iter().map(|a| (*a, START)).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut t)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(t);
	ext.execute_with(|| {
		System::set_block_number(1);
		GENESIS_ISSUANCE.with(|g| g.set(Balances::total_issuance()));
		DISPUTED.with(|d| d.borrow_mut().clear());
		NONCES.with(|n| n.borrow_mut().clear());
	});
	ext
}

/// Runs a test, then checks every invariant.
pub trait ExecuteChecked {
	/// `execute_with`, then [`check_invariants`].
	fn execute_checked<R>(&mut self, test: impl FnOnce() -> R) -> R;
}

impl ExecuteChecked for sp_io::TestExternalities {
	fn execute_checked<R>(&mut self, test: impl FnOnce() -> R) -> R {
		self.execute_with(|| {
			let r = test();
			check_invariants();
			r
		})
	}
}

/// Runs the hooks up to block `n`, checking every invariant after every block.
pub fn run_to(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Inference::on_initialize(next);
		check_invariants();
	}
}

/// Both pallets' `try_state`, and what only the test runtime can see: every hold of every
/// account is explained by the pallets' storage, and total issuance fell only by the burns
/// that `ExecutorPenalised` events report.
pub fn check_invariants() {
	Inference::do_try_state().expect("inference invariants hold");
	Models::do_try_state().expect("models invariants hold");
	for (who, holds) in pallet_balances::Holds::<Test>::iter() {
		for hold in holds {
			let explained = match hold.id {
				RuntimeHoldReason::Inference(crate::HoldReason::ExecutorBond) => {
					crate::Executors::<Test>::get(who).map(|e| e.bond)
				},
				RuntimeHoldReason::Inference(crate::HoldReason::JobPayment) => Some(
					crate::Jobs::<Test>::iter_values()
						.filter(|j| j.submitter == who)
						.filter(|j| {
							matches!(
								j.status,
								crate::JobStatus::Assigned | crate::JobStatus::Executed
							)
						})
						.map(|j| j.fee + j.royalty)
						.sum(),
				),
				RuntimeHoldReason::Inference(crate::HoldReason::JobData) => Some(
					crate::Jobs::<Test>::iter_values()
						.filter(|j| j.submitter == who)
						.map(|j| j.deposit)
						.sum(),
				),
				RuntimeHoldReason::Models(_) => Some(hold.amount),
			};
			assert_eq!(explained, Some(hold.amount), "hold {:?} of {who}", hold.id);
		}
	}
	let burnt: Balance = System::events()
		.iter()
		.filter_map(|r| match &r.event {
			RuntimeEvent::Inference(crate::Event::ExecutorPenalised { amount, .. }) => {
				Some(*amount)
			},
			_ => None,
		})
		.sum();
	assert_eq!(
		Balances::total_issuance(),
		GENESIS_ISSUANCE.with(|g| g.get()) - burnt,
		"total issuance changed by more than the reported burns"
	);
}

/// A backend for the host functions that runs the canonical engine of `verity-primitives`
/// (the node's backend adds tract and trace storage; this one counts executions).
#[derive(Default)]
pub struct CanonicalBackend {
	/// Loaded models.
	pub models: std::collections::BTreeMap<H256, Graph>,
	/// Executions so far, shared with the test.
	pub executions: std::sync::Arc<std::sync::atomic::AtomicU32>,
}

impl InferenceBackend for CanonicalBackend {
	fn has_model(&self, id: &H256) -> bool {
		self.models.contains_key(id)
	}

	fn load_model(&mut self, id: H256, bytes: &[u8]) -> Result<(), Vec<u8>> {
		let graph = Graph::from_onnx(bytes).map_err(|e| format!("{e}").into_bytes())?;
		self.models.insert(id, graph);
		Ok(())
	}

	fn execute(
		&mut self,
		_job: u64,
		model: H256,
		inputs: Vec<TensorBytes>,
	) -> Result<Execution, Vec<u8>> {
		use verity_primitives::graph::{RunError, TraceOptions};
		let graph = self.models.get(&model).ok_or(b"model not loaded".to_vec())?;
		let inputs: Vec<Tensor> = inputs
			.iter()
			.map(|t| t.to_tensor())
			.collect::<Result<_, _>>()
			.map_err(|e| format!("{e}").into_bytes())?;
		let run =
			graph.try_run(&inputs, TraceOptions { keep_node_outputs: false, ..Default::default() });
		self.executions.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
		match run {
			Ok(trace) => Ok(Execution {
				outcome: Outcome::Outputs(trace.outputs.iter().map(Tensor::to_bytes).collect()),
				trace_root: trace.root,
				nodes: graph.nodes.len() as u32,
			}),
			Err(RunError::NodeFailed(f)) => Ok(Execution {
				outcome: Outcome::Failed { node: f.node, reason: f.reason.into_bytes() },
				trace_root: f.root,
				nodes: f.node,
			}),
			Err(e) => Err(e.to_string().into_bytes()),
		}
	}
}
