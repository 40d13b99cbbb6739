//! Verity's own pallets: models, inference and disputes, and the randomness that assigns
//! jobs.

use frame_support::{
	parameter_types,
	traits::{ConstU32, Randomness},
};
use sp_runtime::{
	traits::{AccountIdConversion, BlakeTwo256, Hash as _},
	Perbill,
};

use super::super::{
	AccountId, Balance, Balances, BlockNumber, Disputes, Hash, Inference, Models, Runtime,
	RuntimeHoldReason, System, DAYS, MICRO_UNIT, MILLI_UNIT, UNIT,
};

/// Randomness for job assignment: the parent block's hash mixed with the subject.
///
/// Aura has no randomness of its own. The parent hash is unknown before the parent block is
/// built, and the subject (job id and attempt) differs per job, so submitters cannot choose
/// their executor in advance and executors cannot choose their jobs. It does not resist the
/// author of the parent block, who can try different blocks (transaction sets) until a job
/// lands where it likes, nor a submitter who watches the parent hash and times a submission
/// to get a colluding executor: collusion is what the challenge game is there to catch.
pub struct ParentHashRandomness;

impl Randomness<Hash, BlockNumber> for ParentHashRandomness {
	fn random(subject: &[u8]) -> (Hash, BlockNumber) {
		let parent = System::parent_hash();
		let known_since = System::block_number().saturating_sub(1);
		(BlakeTwo256::hash_of(&(subject, parent)), known_since)
	}
}

parameter_types! {
	/// What one run of a model may cost; `docs/cost.md` gives the reasons for each limit.
	pub const ModelBudget: verity_primitives::cost::Budget = verity_primitives::cost::Budget::DEFAULT;
	/// Execution fee per 2^20 units of a model's work (about a millisecond of an executor's
	/// core): a slow model costs its submitter what it costs executors.
	pub const FeePerMegaWork: Balance = 10 * MICRO_UNIT;
	/// Deposit per model, whatever its size.
	pub const ModelDepositBase: Balance = 100 * MILLI_UNIT;
	/// Deposit per byte of model: 1 UNIT per MiB, about.
	pub const ModelDepositPerByte: Balance = MICRO_UNIT;
	/// The least an executor bonds.
	pub const MinExecutorBond: Balance = 100 * UNIT;
	/// Burnt from a late executor's bond.
	pub const LatePenalty: Perbill = Perbill::from_percent(1);
	/// A refuted executor is out of the assignment set for a day.
	pub const SuspensionPeriod: BlockNumber = DAYS;
	/// Held from a challenger while its game is open: as much as an executor's least bond.
	pub const ChallengeBond: Balance = 100 * UNIT;
	/// What the loser of a game pays.
	pub const DisputeSlash: Balance = 50 * UNIT;
	/// The winner's share of the slash; the rest goes to the treasury.
	pub const WinnerShare: Perbill = Perbill::from_percent(50);
	/// The treasury: receives what winners do not.
	pub TreasuryAccount: AccountId = frame_support::PalletId(*b"vrty/tsy").into_account_truncating();
	/// Execution fee of any job.
	pub const BaseFee: Balance = 10 * MILLI_UNIT;
	/// Execution fee per node of the model's canonical graph.
	pub const FeePerNode: Balance = MILLI_UNIT;
	/// Deposit per byte of a job's inputs and outputs, until the job is pruned: the same rate
	/// as model bytes (1 UNIT per MiB, about).
	pub const JobDataDepositPerByte: Balance = MICRO_UNIT;
}

/// Largest model: 8 MiB.
pub const MAX_MODEL_BYTES: u32 = 8 * 1024 * 1024;

impl pallet_verity_models::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type DepositPerByte = ModelDepositPerByte;
	type DepositBase = ModelDepositBase;
	type MaxModelBytes = ConstU32<MAX_MODEL_BYTES>;
	type Budget = ModelBudget;
	/// 256 KiB chunks: an 8 MiB model is 32 `upload_chunk`s.
	type ChunkBytes = ConstU32<{ 256 * 1024 }>;
	/// Models up to 2 MiB fit one `register` (blocks are 5 MiB, 3.75 MiB for normal calls).
	type MaxInlineBytes = ConstU32<{ 2 * 1024 * 1024 }>;
	type MaxNameLen = ConstU32<64>;
	/// Weights and biases of up to 512 layers; `remove` deletes them in one call.
	type MaxConstants = ConstU32<1024>;
	/// An unfinished upload can be reaped after a day, so no one can squat a model id.
	type UploadLifetime = ConstU32<DAYS>;
	type WeightInfo = crate::weights::pallet_verity_models::WeightInfo<Runtime>;
}

impl pallet_verity_inference::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Models = Models;
	type Randomness = ParentHashRandomness;
	/// The challenge game: a job a game holds is not finalized.
	type Disputes = Disputes;
	type AuthorityId = pallet_verity_inference::crypto::ExecutorAuthId;
	type MinExecutorBond = MinExecutorBond;
	/// Longer than a job's life (timeouts plus window), so a leaving executor still answers
	/// for its results.
	type UnbondingDelay = ConstU32<100>;
	/// One minute to post a result.
	type ExecutionTimeout = ConstU32<10>;
	/// One minute to challenge a result.
	type ChallengeWindow = ConstU32<CHALLENGE_WINDOW>;
	type MaxAttempts = ConstU32<3>;
	type LatePenalty = LatePenalty;
	type SuspensionPeriod = SuspensionPeriod;
	type BaseFee = BaseFee;
	type FeePerNode = FeePerNode;
	type FeePerMegaWork = FeePerMegaWork;
	type DataDepositPerByte = JobDataDepositPerByte;
	/// Finished jobs stay readable for a day.
	type Retention = ConstU32<DAYS>;
	type MaxTensorBytes = ConstU32<{ 64 * 1024 }>;
	type MaxExecutors = ConstU32<64>;
	type MaxAssigned = ConstU32<256>;
	type MaxDuePerBlock = ConstU32<256>;
	type MaxResultsPerCall = ConstU32<64>;
	type WeightInfo = crate::weights::pallet_verity_inference::WeightInfo<Runtime>;
}

/// Blocks a result can be challenged in: one minute.
pub const CHALLENGE_WINDOW: BlockNumber = 10;

impl pallet_verity_disputes::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Jobs = Inference;
	type ChallengeBond = ChallengeBond;
	type DisputeSlash = DisputeSlash;
	type WinnerShare = WinnerShare;
	type Treasury = TreasuryAccount;
	/// Ten minutes of moves each: a bisection over 65 536 chunks takes 18 moves a side, so a
	/// party may lose a block in four to a full or censoring block and still answer.
	type MoveBudget = ConstU32<100>;
	/// Filling a job's games to keep honest challengers out costs 64 bonds, each slashed; a
	/// game the executor wins reopens the window for those kept out.
	type MaxGamesPerJob = ConstU32<64>;
	/// With 64 blocks of slip, 16 640 games can time out in any 65 blocks.
	type MaxTimeoutsPerBlock = ConstU32<256>;
	type MaxTraceValues = ConstU32<{ verity_primitives::limits::MAX_TRACE_VALUES as u32 }>;
	/// 8192 chunks: 2 MiB of f32 data, under a block's 3.75 MiB for normal calls.
	type MaxWitnessChunks = ConstU32<8192>;
	type MaxProofHashes = ConstU32<16384>;
	type DisputeWeightInfo = crate::weights::pallet_verity_disputes::WeightInfo<Runtime>;
}
