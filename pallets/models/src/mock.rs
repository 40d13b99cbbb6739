//! A test runtime: System, Balances and the models pallet.

use crate as pallet_models;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64},
};
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

/// Balance type of the test runtime.
pub type Balance = u64;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		VerityModels: pallet_models,
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
	pub const DepositPerByte: Balance = 1;
	pub const DepositBase: Balance = 100;
	pub const ModelBudget: verity_primitives::cost::Budget = verity_primitives::cost::Budget::DEFAULT;
}

impl pallet_models::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type DepositPerByte = DepositPerByte;
	type DepositBase = DepositBase;
	type MaxModelBytes = ConstU32<{ 64 * 1024 }>;
	type Budget = ModelBudget;
	type ChunkBytes = ConstU32<256>;
	type MaxInlineBytes = ConstU32<{ 16 * 1024 }>;
	type MaxNameLen = ConstU32<32>;
	type MaxConstants = ConstU32<64>;
	type UploadLifetime = ConstU64<100>;
	type WeightInfo = ();
}

/// Alice, Bob: funded accounts.
pub const ALICE: u64 = 1;
/// Bob.
pub const BOB: u64 = 2;
/// Charlie has nothing.
pub const CHARLIE: u64 = 3;

/// Test externalities with Alice and Bob funded.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![(ALICE, 1_000_000), (BOB, 1_000_000)],
		..Default::default()
	}
	.assimilate_storage(&mut t)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(t);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Runs a test, then checks the pallet's invariants.
pub trait ExecuteChecked {
	/// `execute_with`, then `try_state`.
	fn execute_checked<R>(&mut self, test: impl FnOnce() -> R) -> R;
}

impl ExecuteChecked for sp_io::TestExternalities {
	fn execute_checked<R>(&mut self, test: impl FnOnce() -> R) -> R {
		self.execute_with(|| {
			let r = test();
			VerityModels::do_try_state().expect("invariants hold after the test");
			r
		})
	}
}

/// Moves to block `n`, checking the invariants at every block on the way.
pub fn run_to(n: u64) {
	while System::block_number() < n {
		System::set_block_number(System::block_number() + 1);
		VerityModels::do_try_state().expect("invariants hold after every block");
	}
}
