//! The Verity runtime: Aura block production, GRANDPA finality, balances, fees and sudo,
//! composed with `#[frame_support::runtime]`. Later pallets add models, inference jobs and
//! disputes on top.
#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(
	test,
	allow(clippy::arithmetic_side_effects, reason = "test arithmetic on small literals")
)]
// `frame_support::runtime`, `impl_runtime_apis` and the wasm builder generate undocumented public
// items at the crate root (`RuntimeCall`, `RuntimeEvent`, the API versions, `WASM_BINARY`, ...).
#![allow(missing_docs, reason = "the runtime macros' public items carry no docs")]
// `construct_runtime`-style macros expand to deeply nested types.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

// The runtime macros expand to code naming `Vec`.
use alloc::vec::Vec;

pub mod apis;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarks;
pub mod configs;
pub mod genesis_config_presets;
#[cfg(test)]
mod tests;
mod views;
pub mod weights;

use sp_runtime::{
	generic, impl_opaque_keys,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiAddress, MultiSignature,
};
use sp_version::{runtime_version, RuntimeVersion};

pub use frame_system::Call as SystemCall;
pub use pallet_balances::Call as BalancesCall;
pub use pallet_timestamp::Call as TimestampCall;
#[cfg(any(feature = "std", test))]
pub use sp_runtime::BuildStorage;

/// Opaque types: what the node needs to know of blocks without knowing the runtime's calls.
pub mod opaque {
	use super::*;
	use sp_runtime::generic;

	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Opaque block header type.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Opaque block type.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// Opaque block identifier type.
	pub type BlockId = generic::BlockId<Block>;

	impl_opaque_keys! {
		/// The session keys of a validator: its Aura and GRANDPA keys, and its executor key
		/// (the account its node's off-chain worker posts inference results from).
		pub struct SessionKeys {
			/// Block authoring key.
			pub aura: super::Aura,
			/// Finality voting key.
			pub grandpa: super::Grandpa,
			/// Executor key (`vrty`): signs `Inference.post_results` and the moves and challenges of
			/// `Disputes` (a watcher challenges from it).
			pub verity: pallet_verity_inference::crypto::Public,
		}
	}
}

/// The runtime's version; bump `spec_version` on every change of runtime logic.
#[cfg(not(feature = "upgrade-test"))]
#[runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("verity"),
	impl_name: alloc::borrow::Cow::Borrowed("verity"),
	authoring_version: 1,
	spec_version: 115,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 4,
	system_version: 1,
};

#[cfg(all(feature = "std", feature = "upgrade-test"))]
compile_error!(
	"`upgrade-test` is only for the wasm blob `runtime/next` builds, never the node's runtime"
);

/// This runtime built as its own next release (feature `upgrade-test`, only for the
/// forkless-upgrade test, `runtime/next`): the same code one `spec_version` later, so that
/// `sudo.setCode` accepts it and `Executive` runs the migrations on the block after.
#[cfg(feature = "upgrade-test")]
#[runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("verity"),
	impl_name: alloc::borrow::Cow::Borrowed("verity"),
	authoring_version: 1,
	spec_version: 116,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 4,
	system_version: 1,
};

/// Target block time in milliseconds. Aura's slot is the same length.
pub const MILLI_SECS_PER_BLOCK: u64 = 6000;
/// Slot duration; it cannot change once the chain has started.
pub const SLOT_DURATION: u64 = MILLI_SECS_PER_BLOCK;

/// Blocks in one minute.
pub const MINUTES: BlockNumber = 60_000 / (MILLI_SECS_PER_BLOCK as BlockNumber);
/// Blocks in one hour.
pub const HOURS: BlockNumber = MINUTES * 60;
/// Blocks in one day.
pub const DAYS: BlockNumber = HOURS * 24;

/// One VRT, the chain's token, in its smallest unit (12 decimals).
pub const UNIT: Balance = 1_000_000_000_000;
/// A thousandth of a VRT.
pub const MILLI_UNIT: Balance = UNIT / 1_000;
/// A millionth of a VRT.
pub const MICRO_UNIT: Balance = UNIT / 1_000_000;
/// The smallest balance an account may hold.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNIT;

/// A block number.
pub type BlockNumber = u32;
/// A transaction signature (sr25519, ed25519 or ecdsa).
pub type Signature = MultiSignature;
/// An account: the public key of its signing scheme.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// A balance.
pub type Balance = verity_primitives::Balance;
/// A transaction index.
pub type Nonce = u32;
/// A block or state hash.
pub type Hash = sp_core::H256;
/// An account's address in extrinsics.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// A block id.
pub type BlockId = generic::BlockId<Block>;

/// The transaction extensions every signed extrinsic carries.
pub type TxExtension = (
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	frame_metadata_hash_extension::CheckMetadataHash<Runtime>,
	frame_system::WeightReclaim<Runtime>,
);

/// An extrinsic as this runtime decodes it.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// The payload a signer signs.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Runtime migrations beyond the pallets' own.
type Migrations = (
	pallet_verity_models::migrations::MigrateV0ToV1<Runtime>,
	pallet_verity_models::migrations::MigrateV1ToV2<Runtime>,
	pallet_verity_models::migrations::MigrateV2ToV3<Runtime>,
	pallet_verity_inference::migrations::MigrateV0ToV1<Runtime>,
);

/// Dispatches calls and runs block hooks.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

/// The runtime: its pallets and their indices (indices are part of the encoding of calls).
#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;

	#[runtime::pallet_index(2)]
	pub type Aura = pallet_aura;

	#[runtime::pallet_index(3)]
	pub type Grandpa = pallet_grandpa;

	#[runtime::pallet_index(4)]
	pub type Balances = pallet_balances;

	#[runtime::pallet_index(5)]
	pub type TransactionPayment = pallet_transaction_payment;

	#[runtime::pallet_index(6)]
	pub type Sudo = pallet_sudo;

	#[runtime::pallet_index(7)]
	pub type Models = pallet_verity_models;

	#[runtime::pallet_index(8)]
	pub type Inference = pallet_verity_inference;

	#[runtime::pallet_index(9)]
	pub type Disputes = pallet_verity_disputes;
}
