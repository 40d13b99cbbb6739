//! A test runtime: System, Balances, the models, inference and disputes pallets, with the
//! real canonical engine behind the models and real balances behind every bond.

use crate as pallet_disputes;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64, Hooks},
};
use sp_runtime::{
	testing::{TestSignature, TestXt, UintAuthorityId},
	BuildStorage, Perbill,
};

type Block = frame_system::mocking::MockBlock<Test>;

/// Balance type of the test runtime.
pub type Balance = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Models: pallet_verity_models,
		Inference: pallet_verity_inference,
		Disputes: pallet_disputes,
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

parameter_types! {
	pub const ModelBudget: verity_primitives::cost::Budget = verity_primitives::cost::Budget::DEFAULT;
	pub const LatePenalty: Perbill = Perbill::from_percent(10);
	pub const WinnerShare: Perbill = Perbill::from_percent(40);
	pub const TreasuryAccount: u64 = TREASURY;
}

impl pallet_verity_models::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type DepositPerByte = ConstU64<0>;
	type DepositBase = ConstU64<100>;
	type MaxModelBytes = ConstU32<{ 4 * 1024 * 1024 }>;
	type Budget = ModelBudget;
	type ChunkBytes = ConstU32<{ 64 * 1024 }>;
	type MaxInlineBytes = ConstU32<{ 4 * 1024 * 1024 }>;
	type MaxNameLen = ConstU32<32>;
	type MaxConstants = ConstU32<256>;
	type UploadLifetime = ConstU64<100>;
	type WeightInfo = ();
}

/// Blocks a result can be challenged in.
pub const WINDOW: u64 = 10;
/// Blocks each party has for all its moves.
pub const BUDGET: u64 = 40;
/// The least executor bond.
pub const MIN_BOND: Balance = 10_000;
/// A challenger's bond.
pub const CHALLENGE_BOND: Balance = 2_000;
/// What a game's loser pays.
pub const SLASH: Balance = 1_500;
/// Blocks a refuted executor is suspended.
pub const SUSPENSION: u64 = 100;

impl pallet_verity_inference::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Models = Models;
	type Randomness = TestRandomness;
	type Disputes = Disputes;
	type AuthorityId = TestAuthId;
	type MinExecutorBond = ConstU64<MIN_BOND>;
	type UnbondingDelay = ConstU64<20>;
	type ExecutionTimeout = ConstU64<5>;
	type ChallengeWindow = ConstU64<WINDOW>;
	type MaxAttempts = ConstU32<3>;
	type LatePenalty = LatePenalty;
	type SuspensionPeriod = ConstU64<SUSPENSION>;
	type BaseFee = ConstU64<50>;
	type FeePerNode = ConstU64<2>;
	type FeePerMegaWork = ConstU64<3>;
	type DataDepositPerByte = ConstU64<0>;
	type Retention = ConstU64<20>;
	type MaxTensorBytes = ConstU32<{ 64 * 1024 }>;
	type MaxExecutors = ConstU32<8>;
	type MaxAssigned = ConstU32<8>;
	type MaxDuePerBlock = ConstU32<32>;
	type MaxResultsPerCall = ConstU32<4>;
	type WeightInfo = ();
}

impl pallet_disputes::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Jobs = Inference;
	type ChallengeBond = ConstU64<CHALLENGE_BOND>;
	type DisputeSlash = ConstU64<SLASH>;
	type WinnerShare = WinnerShare;
	type Treasury = TreasuryAccount;
	type MoveBudget = ConstU64<BUDGET>;
	type MaxGamesPerJob = ConstU32<3>;
	type MaxTimeoutsPerBlock = ConstU32<64>;
	type MaxTraceValues = ConstU32<4096>;
	type MaxWitnessChunks = ConstU32<4096>;
	type MaxProofHashes = ConstU32<4096>;
	type DisputeWeightInfo = ();
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

/// The test randomness: the subject's hash.
pub struct TestRandomness;

impl frame_support::traits::Randomness<sp_core::H256, u64> for TestRandomness {
	fn random(subject: &[u8]) -> (sp_core::H256, u64) {
		(sp_core::H256(sp_io::hashing::blake2_256(subject)), 0)
	}
}

/// The model owner.
pub const OWNER: u64 = 1;
/// The dApp.
pub const DAPP: u64 = 2;
/// The executor every job goes to (the only one registered, unless a test adds another).
pub const EXEC: u64 = 10;
/// A second executor.
pub const EXEC_2: u64 = 11;
/// Challengers.
pub const ALICE: u64 = 20;
/// A second challenger.
pub const BOB: u64 = 21;
/// A third challenger.
pub const CAROL: u64 = 22;
/// The treasury account.
pub const TREASURY: u64 = 99;
/// Everyone's starting balance.
pub const START: Balance = 1_000_000;

std::thread_local! {
	/// Total issuance at genesis.
	pub static GENESIS_ISSUANCE: std::cell::Cell<Balance> = const { std::cell::Cell::new(0) };
}

/// Test externalities with the accounts funded.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: [OWNER, DAPP, EXEC, EXEC_2, ALICE, BOB, CAROL, TREASURY]
			.iter()
			.map(|a| (*a, START))
			.collect(),
		..Default::default()
	}
	.assimilate_storage(&mut t)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(t);
	ext.execute_with(|| {
		System::set_block_number(1);
		GENESIS_ISSUANCE.with(|g| g.set(Balances::total_issuance()));
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

/// Runs the hooks up to block `n` (inference before disputes, as in the runtime), checking
/// every invariant after every block.
pub fn run_to(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Inference::on_initialize(next);
		Disputes::on_initialize(next);
		check_invariants();
	}
}

/// The three pallets' `try_state`; every hold explained; total issuance changed only by the
/// burns `ExecutorPenalised` reports (a game burns nothing).
pub fn check_invariants() {
	Disputes::do_try_state().expect("disputes invariants hold");
	Inference::do_try_state().expect("inference invariants hold");
	Models::do_try_state().expect("models invariants hold");
	for (who, holds) in pallet_balances::Holds::<Test>::iter() {
		for hold in holds {
			let explained = match hold.id {
				RuntimeHoldReason::Inference(pallet_verity_inference::HoldReason::ExecutorBond) => {
					pallet_verity_inference::Executors::<Test>::get(who).map(|e| e.bond)
				},
				RuntimeHoldReason::Disputes(crate::HoldReason::ChallengeBond) => Some(
					crate::Games::<Test>::iter_values()
						.filter(|g| g.challenger == who)
						.map(|g| g.bond)
						.sum(),
				),
				_ => Some(hold.amount),
			};
			assert_eq!(explained, Some(hold.amount), "hold {:?} of {who}", hold.id);
		}
	}
	let burnt: Balance = System::events()
		.iter()
		.filter_map(|r| match &r.event {
			RuntimeEvent::Inference(pallet_verity_inference::Event::ExecutorPenalised {
				amount,
				..
			}) => Some(*amount),
			_ => None,
		})
		.sum();
	assert_eq!(
		Balances::total_issuance(),
		GENESIS_ISSUANCE.with(|g| g.get()) - burnt,
		"total issuance changed by more than the reported burns"
	);
}
