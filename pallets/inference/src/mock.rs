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
use verity_io::{InferenceBackend, InferenceOutput};
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
		_nonce: u32,
	) -> Option<Extrinsic> {
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
	type BaseFee = ConstU64<BASE_FEE>;
	type FeePerNode = ConstU64<FEE_PER_NODE>;
	type FeePerMegaWork = ConstU64<FEE_PER_MEGA_WORK>;
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
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Runs the hooks up to block `n`.
pub fn run_to(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Inference::on_initialize(next);
		assert_queues_counted();
	}
}

/// The invariant selection relies on: every active executor's `queued` is the length of its
/// `Assigned` queue.
pub fn assert_queues_counted() {
	for e in crate::ActiveExecutors::<Test>::get() {
		let len = crate::Assigned::<Test>::decode_len(e.who).unwrap_or(0) as u32;
		assert_eq!(e.queued, len, "queue of executor {} miscounted", e.who);
	}
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
	) -> Result<InferenceOutput, Vec<u8>> {
		let graph = self.models.get(&model).ok_or(b"model not loaded".to_vec())?;
		let inputs: Vec<Tensor> = inputs
			.iter()
			.map(|t| t.to_tensor())
			.collect::<Result<_, _>>()
			.map_err(|e| format!("{e}").into_bytes())?;
		let trace = graph
			.run(&inputs, verity_primitives::graph::TraceOptions { keep_node_outputs: false })
			.map_err(|e| e.to_string().into_bytes())?;
		self.executions.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
		Ok(InferenceOutput {
			outputs: trace.outputs.iter().map(Tensor::to_bytes).collect(),
			trace_root: trace.root,
			nodes: graph.nodes.len() as u32,
		})
	}
}
