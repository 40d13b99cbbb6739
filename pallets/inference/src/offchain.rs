//! The executor's off-chain worker.
//!
//! In every block the worker looks at the jobs assigned to the executor keys in the node's
//! keystore, runs each one once through the `verity-io` host functions (the node loads the
//! model from chain state into its cache the first time), keeps the result in the node's
//! persistent off-chain storage and posts the results in one signed `post_results`.
//!
//! A job is executed at most once per node: a `Running` mark taken with compare-and-set keeps
//! the workers of later blocks off it, and the stored result is what gets posted again when the
//! first transaction did not make it into a block. A batch holds at most
//! `MaxResultsPerCall` results and 1 MiB; jobs whose deadline is too close are skipped. A node that stopped in the middle of a job
//! finds the mark on restart and leaves the job to time out, unless the mark is older than the
//! execution timeout (the job was reassigned to it since): then it runs it again. Records are
//! deleted through off-chain indexing when the job is pruned (nodes run with
//! `--enable-offchain-indexing true`, which `verity-node` turns on for executors).
//!
//! Forks: off-chain storage is shared by every fork the node sees, so a record is keyed by the
//! job's id *and* a fingerprint of what was submitted ([`local_key`]): a job id reused on
//! another fork with other inputs is a different record. Nonces: the worker of the next block
//! can run before this block's transaction is in a block; each worker claims its nonce with a
//! compare-and-set on a per-account record, continuing after the last claim while that one is
//! recent and not yet on chain, so two workers never sign with the same nonce.
//!
//! A job whose canonical run fails on its own inputs (a node that cannot compute on them) is
//! posted as a *failed result*: the executor answered and is paid.

use crate::{pallet::*, types::*};
use alloc::{format, string::String, vec::Vec};
use codec::{Decode, Encode};
use frame_support::{traits::Get, BoundedVec};
use frame_system::{
	offchain::{AppCrypto, CreateSignedTransaction, SubmitTransaction},
	pallet_prelude::BlockNumberFor,
};
use pallet_verity_models::ModelRegistry;
use sp_runtime::{
	offchain::storage::{MutateStorageError, StorageRetrievalError, StorageValueRef},
	traits::{IdentifyAccount, One, Saturating},
	RuntimeAppPublic,
};

/// Blocks after which a posted result that is still awaited is posted again.
const REPOST_AFTER: u32 = 3;

/// Most bytes of results in one `post_results`: well inside a block's normal-class length.
const MAX_BATCH_BYTES: usize = 1024 * 1024;

/// Prefix of this node's per-job records in off-chain storage.
pub(crate) const LOCAL_PREFIX: &[u8] = b"verity/inference/job/";

/// Prefix of this node's per-account nonce claims in off-chain storage.
const NONCE_PREFIX: &[u8] = b"verity/inference/nonce/";

/// Blocks a claimed nonce is continued from while the chain has not reached it; after that the
/// transaction is taken for dropped and the chain's nonce is used again.
const NONCE_PENDING: u32 = REPOST_AFTER;

/// This node's record of one job.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum LocalJob<BlockNumber> {
	/// Being executed since this block.
	Running(BlockNumber),
	/// Executed; the encoded result, and the block it was last posted in (if it was).
	Done(Vec<u8>, Option<BlockNumber>),
	/// The engine refused the job (the error text); it will time out here.
	Failed(Vec<u8>),
}

/// Runs the worker for block `now`.
pub fn run<T: Config>(now: BlockNumberFor<T>) {
	type KeyOf<T> = <<T as Config>::AuthorityId as AppCrypto<
		<T as frame_system::offchain::SigningTypes>::Public,
		<T as frame_system::offchain::SigningTypes>::Signature,
	>>::RuntimeAppPublic;
	type GenericOf<T> = <<T as Config>::AuthorityId as AppCrypto<
		<T as frame_system::offchain::SigningTypes>::Public,
		<T as frame_system::offchain::SigningTypes>::Signature,
	>>::GenericPublic;

	for key in KeyOf::<T>::all() {
		let generic: GenericOf<T> = key.into();
		let public: T::Public = generic.into();
		let account = public.clone().into_account();
		let mut batch = Vec::new();
		let mut keys = Vec::new();
		let mut bytes = 0usize;
		for job in Assigned::<T>::get(&account).iter().copied() {
			if batch.len() as u32 >= T::MaxResultsPerCall::get() {
				break;
			}
			// A result sent now lands in the next block at the earliest: it must be before
			// the deadline, or it would only fail.
			let Some(info) = Jobs::<T>::get(job) else { continue };
			if info.due <= now.saturating_add(One::one()) {
				continue;
			}
			let key = local_key::<T>(job, &info);
			let Some(result) = result_to_post::<T>(&key, job, &info, now) else {
				continue;
			};
			let size = result.encoded_size();
			if !batch.is_empty() && bytes.saturating_add(size) > MAX_BATCH_BYTES {
				// Posted with the next block's batch.
				break;
			}
			bytes = bytes.saturating_add(size);
			batch.push(result);
			keys.push(key);
		}
		if batch.is_empty() {
			continue;
		}
		for (result, key) in batch.iter().zip(&keys) {
			StorageValueRef::persistent(key).set(&LocalJob::Done(result.encode(), Some(now)));
		}
		let jobs: Vec<JobId> = batch.iter().map(|r| r.job).collect();
		let results: BoundedVec<JobResultOf<T>, T::MaxResultsPerCall> =
			BoundedVec::truncate_from(batch);
		let Some(nonce) = claim_nonce::<T>(&account, now) else {
			log::warn!(target: "verity", "no nonce for the results of jobs {jobs:?}");
			continue;
		};
		let call = Call::<T>::post_results { results };
		let sent = <T as CreateSignedTransaction<Call<T>>>::create_signed_transaction::<
			T::AuthorityId,
		>(call.into(), public, account, nonce)
		.ok_or(())
		.and_then(SubmitTransaction::<T, Call<T>>::submit_transaction);
		match sent {
			Ok(()) => log::info!(target: "verity", "posted results of jobs {jobs:?}"),
			Err(()) => log::warn!(target: "verity", "could not post results of jobs {jobs:?}"),
		}
	}
}

/// Claims the nonce of `account`'s next transaction: the chain's, or one past this node's last
/// claim while the oldest claim the chain has not reached is under `NONCE_PENDING` blocks old
/// (its transaction is still in the pool). The claim is a compare-and-set, so concurrent
/// workers get different nonces.
pub fn claim_nonce<T: Config>(account: &T::AccountId, now: BlockNumberFor<T>) -> Option<T::Nonce> {
	let chain = frame_system::Pallet::<T>::account_nonce(account);
	let key = [NONCE_PREFIX, &account.encode()].concat();
	let pending: BlockNumberFor<T> = NONCE_PENDING.into();
	// The record: the next nonce to claim, the block of the oldest claim the chain has not
	// reached, and the chain's nonce then.
	type Claim<T> =
		(<T as frame_system::Config>::Nonce, BlockNumberFor<T>, <T as frame_system::Config>::Nonce);
	let claimed = StorageValueRef::persistent(&key).mutate(
		|old: Result<Option<Claim<T>>, StorageRetrievalError>| {
			let (nonce, since) = match old {
				Ok(Some((next, at, seen))) if next > chain => {
					// The chain took some claims since `at`: the oldest open one is younger.
					let since = if chain > seen { now } else { at };
					if now < since.saturating_add(pending) {
						(next, since)
					} else {
						// A transaction never made it: its nonce and those after are free.
						(chain, now)
					}
				},
				_ => (chain, now),
			};
			Ok::<_, ()>((nonce.saturating_add(One::one()), since, chain))
		},
	);
	claimed.ok().map(|(next, _, _)| next.saturating_sub(One::one()))
}

/// The off-chain storage key of this node's record of job `id`: its id and a fingerprint of
/// what was submitted (model, block, inputs), so that another fork's job of the same id is
/// another record.
pub fn local_key<T: Config>(id: JobId, job: &JobOf<T>) -> Vec<u8> {
	let fingerprint =
		sp_io::hashing::blake2_256(&(job.model, job.submitted_at, job.inputs_hash).encode());
	[LOCAL_PREFIX, &id.encode(), &fingerprint].concat()
}

/// The result of `job` to post now, executing the job if this node has not yet; `None` when
/// another worker runs it, it failed here, or it was posted less than `REPOST_AFTER` ago.
fn result_to_post<T: Config>(
	key: &[u8],
	job: JobId,
	info: &JobOf<T>,
	now: BlockNumberFor<T>,
) -> Option<JobResultOf<T>> {
	let mut record = StorageValueRef::persistent(key);
	let timeout = T::ExecutionTimeout::get();
	let repost: BlockNumberFor<T> = REPOST_AFTER.into();
	// Take the job, unless another worker has it or it is done.
	let taken =
		record.mutate(|old: Result<Option<LocalJob<BlockNumberFor<T>>>, StorageRetrievalError>| {
			match old {
				Ok(None) | Err(_) => Ok(LocalJob::Running(now)),
				Ok(Some(LocalJob::Running(since))) if now > since.saturating_add(timeout) => {
					Ok(LocalJob::Running(now))
				},
				Ok(Some(other)) => Err(other),
			}
		});
	match taken {
		Ok(_) => {},
		Err(MutateStorageError::ValueFunctionFailed(LocalJob::Done(encoded, posted))) => {
			let due = posted.is_none_or(|at| now >= at.saturating_add(repost));
			return due.then(|| JobResultOf::<T>::decode(&mut &encoded[..]).ok()).flatten();
		},
		Err(_) => return None,
	}
	match execute::<T>(job, info) {
		Ok(result) => {
			record.set(&LocalJob::<BlockNumberFor<T>>::Done(result.encode(), None));
			Some(result)
		},
		Err(Failure::Transient(e)) => {
			log::info!(target: "verity", "job {job}: not executed yet: {e}");
			record.clear();
			None
		},
		Err(Failure::Permanent(e)) => {
			log::warn!(target: "verity", "job {job}: not executed: {e}");
			record.set(&LocalJob::<BlockNumberFor<T>>::Failed(e.into_bytes()));
			None
		},
	}
}

/// Why a job was not executed.
enum Failure {
	/// Worth another try in the next block (the model left the node's cache meanwhile).
	Transient(String),
	/// The job cannot be executed here.
	Permanent(String),
}

/// Runs `job` through the node's engine: its outputs, or the node that fails on its inputs.
fn execute<T: Config>(job: JobId, info: &JobOf<T>) -> Result<JobResultOf<T>, Failure> {
	let permanent = |e: &str| Failure::Permanent(e.into());
	let inputs = JobInputs::<T>::get(job).ok_or_else(|| permanent("no inputs"))?;
	if !verity_io::inference::has_model(info.model) {
		let bytes =
			T::Models::bytes(&info.model).ok_or_else(|| permanent("model bytes not in state"))?;
		verity_io::inference::load_model(info.model, &bytes)
			.map_err(|e| Failure::Permanent(text(e)))?;
	}
	let wire = inputs.iter().map(JobTensor::to_tensor_bytes).collect();
	let out = verity_io::inference::execute(job, info.model, wire).map_err(|e| {
		let evicted = e != verity_io::NO_ENGINE && !verity_io::inference::has_model(info.model);
		if evicted {
			Failure::Transient(text(e))
		} else {
			Failure::Permanent(text(e))
		}
	})?;
	let outcome = match out.outcome {
		verity_io::Outcome::Outputs(tensors) => {
			let outputs: Vec<_> = tensors
				.iter()
				.map(JobTensor::from_tensor_bytes)
				.collect::<Option<_>>()
				.ok_or_else(|| permanent("an output exceeds MaxTensorBytes"))?;
			Outcome::Outputs(
				BoundedVec::try_from(outputs).map_err(|_| permanent("too many outputs"))?,
			)
		},
		verity_io::Outcome::Failed { node, reason } => {
			Outcome::Failed(NodeFailure { node, reason: BoundedVec::truncate_from(reason) })
		},
	};
	Ok(JobResult { job, outcome, trace_root: out.trace_root, nodes: out.nodes })
}

fn text(bytes: Vec<u8>) -> String {
	format!("{}", String::from_utf8_lossy(&bytes))
}
