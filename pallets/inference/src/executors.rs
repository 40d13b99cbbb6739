//! Executors: bonds, the assignment set and stake-weighted selection.

use crate::{pallet::*, types::*};
use codec::Encode;
use frame_support::{
	dispatch::DispatchResult,
	ensure,
	traits::{
		fungible::MutateHold,
		tokens::{Fortitude, Precision},
		Get, Randomness,
	},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{Saturating, UniqueSaturatedInto, Zero},
	DispatchError,
};

impl<T: Config> Pallet<T> {
	/// Holds `bond` and adds `who` to the assignment set. When the set is full, a bond larger
	/// than the smallest in it takes that one's place (the smallest leaves, as if it had
	/// unregistered: its open jobs stay its own); otherwise the registration is refused. So
	/// the set cannot be captured by filling it with minimum bonds: taking it costs more than
	/// what is in it.
	///
	/// An executor that is leaving (it unregistered, was displaced or fell below the minimum)
	/// rejoins the same way, with a `bond` at least the one it still holds: the difference is
	/// held on top. A displaced executor therefore need not wait out its unbonding to win its
	/// place back.
	pub(crate) fn do_register_executor(who: &T::AccountId, bond: BalanceOf<T>) -> DispatchResult {
		let existing = Executors::<T>::get(who);
		let (held, open_jobs) = match &existing {
			Some(info) if info.status == ExecutorStatus::Active => {
				return Err(Error::<T>::AlreadyExecutor.into())
			},
			Some(info) => {
				if let ExecutorStatus::Suspended(until) = info.status {
					ensure!(
						frame_system::Pallet::<T>::block_number() >= until,
						Error::<T>::Suspended
					);
				}
				(info.bond, info.open_jobs)
			},
			None => (Zero::zero(), 0),
		};
		ensure!(bond >= T::MinExecutorBond::get() && bond >= held, Error::<T>::BondTooLow);
		T::Currency::hold(&HoldReason::ExecutorBond.into(), who, bond.saturating_sub(held))?;
		let set = ActiveExecutors::<T>::get();
		if set.len() as u32 >= T::MaxExecutors::get() {
			// The smallest bond; among equals, the one that joined last.
			let smallest = set
				.iter()
				.enumerate()
				.min_by(|(i, a), (j, b)| a.bond.cmp(&b.bond).then(j.cmp(i)))
				.map(|(_, e)| (e.who.clone(), e.bond));
			match smallest {
				Some((out, out_bond)) if bond > out_bond => {
					let mut info = Executors::<T>::get(&out).ok_or(Error::<T>::NotExecutor)?;
					let unlocks_at = Self::leave(&out, &mut info);
					Executors::<T>::insert(&out, info);
					Self::deposit_event(Event::ExecutorDisplaced {
						who: out.clone(),
						by: who.clone(),
					});
					Self::deposit_event(Event::ExecutorLeaving { who: out, unlocks_at });
				},
				_ => return Err(Error::<T>::TooManyExecutors.into()),
			}
		}
		let queued = Assigned::<T>::decode_len(who).unwrap_or(0) as u32;
		ActiveExecutors::<T>::try_mutate(|set| {
			set.try_push(ActiveExecutor { who: who.clone(), bond, queued })
		})
		.map_err(|_| Error::<T>::TooManyExecutors)?;
		Executors::<T>::insert(
			who,
			ExecutorInfo { bond, status: ExecutorStatus::Active, open_jobs },
		);
		Self::deposit_event(Event::ExecutorRegistered { who: who.clone(), bond });
		Ok(())
	}

	/// Takes `who` out of the assignment set and starts its unbonding delay.
	pub(crate) fn do_unregister_executor(who: &T::AccountId) -> DispatchResult {
		let mut info = Executors::<T>::get(who).ok_or(Error::<T>::NotExecutor)?;
		ensure!(info.status == ExecutorStatus::Active, Error::<T>::NotExecutor);
		let unlocks_at = Self::leave(who, &mut info);
		Executors::<T>::insert(who, info);
		Self::deposit_event(Event::ExecutorLeaving { who: who.clone(), unlocks_at });
		Ok(())
	}

	/// Releases the bond of an executor whose delay has passed and whose jobs are final.
	pub(crate) fn do_withdraw_bond(who: &T::AccountId) -> DispatchResult {
		let info = Executors::<T>::get(who).ok_or(Error::<T>::NotExecutor)?;
		let unlocks_at = match info.status {
			ExecutorStatus::Leaving(at) | ExecutorStatus::Suspended(at) => at,
			ExecutorStatus::Active => return Err(Error::<T>::StillActive.into()),
		};
		ensure!(frame_system::Pallet::<T>::block_number() >= unlocks_at, Error::<T>::Unbonding);
		ensure!(info.open_jobs == 0, Error::<T>::OpenJobs);
		T::Currency::release(
			&HoldReason::ExecutorBond.into(),
			who,
			info.bond,
			Precision::BestEffort,
		)?;
		Executors::<T>::remove(who);
		Assigned::<T>::remove(who);
		Self::deposit_event(Event::ExecutorWithdrawn { who: who.clone(), bond: info.bond });
		Ok(())
	}

	/// Removes `who` from the assignment set; returns the block its bond unlocks at.
	fn leave(who: &T::AccountId, info: &mut ExecutorOf<T>) -> BlockNumberFor<T> {
		ActiveExecutors::<T>::mutate(|set| set.retain(|e| &e.who != who));
		let unlocks_at =
			frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingDelay::get());
		info.status = ExecutorStatus::Leaving(unlocks_at);
		unlocks_at
	}

	/// Burns `LatePenalty` of the bond of an executor that missed `job`'s deadline; an
	/// executor whose bond falls below the minimum leaves the assignment set.
	pub(crate) fn penalise_late(who: &T::AccountId, job: JobId) {
		let Some(mut info) = Executors::<T>::get(who) else { return };
		#[allow(
			clippy::arithmetic_side_effects,
			reason = "a Perbill times a balance is at most the balance: it cannot overflow"
		)]
		let amount = T::LatePenalty::get() * info.bond;
		let burnt = T::Currency::burn_held(
			&HoldReason::ExecutorBond.into(),
			who,
			amount,
			Precision::BestEffort,
			Fortitude::Force,
		)
		.unwrap_or_else(|_| Zero::zero());
		info.bond = info.bond.saturating_sub(burnt);
		Self::deposit_event(Event::ExecutorPenalised { who: who.clone(), job, amount: burnt });
		if info.status == ExecutorStatus::Active {
			if info.bond < T::MinExecutorBond::get() {
				let unlocks_at = Self::leave(who, &mut info);
				Self::deposit_event(Event::ExecutorLeaving { who: who.clone(), unlocks_at });
			} else {
				ActiveExecutors::<T>::mutate(|set| {
					if let Some(entry) = set.iter_mut().find(|e| &e.who == who) {
						entry.bond = info.bond;
					}
				});
			}
		}
		Executors::<T>::insert(who, info);
	}

	/// Picks an active executor for `job`, weighted by bond, from the runtime's randomness.
	/// Skips executors with a full queue and, when another one can take the job, `avoid`
	/// (the executor that just missed its deadline).
	pub(crate) fn select_executor(
		job: JobId,
		attempt: u32,
		avoid: Option<&T::AccountId>,
	) -> Result<T::AccountId, DispatchError> {
		let set = ActiveExecutors::<T>::get();
		let candidates: alloc::vec::Vec<(&T::AccountId, u128)> = set
			.iter()
			.filter(|e| e.queued < T::MaxAssigned::get())
			.map(|e| (&e.who, e.bond.unique_saturated_into()))
			.collect();
		let preferred: alloc::vec::Vec<(&T::AccountId, u128)> =
			candidates.iter().filter(|(a, _)| Some(*a) != avoid).cloned().collect();
		let pool = if preferred.is_empty() { candidates } else { preferred };
		let total: u128 = pool.iter().fold(0u128, |s, (_, w)| s.saturating_add(*w));
		ensure!(total > 0, Error::<T>::NoExecutor);
		let (random, _) = T::Randomness::random(&(b"verity/assign", job, attempt).encode());
		let seed = sp_io::hashing::blake2_256(&(random, job, attempt).encode());
		let mut low = [0u8; 16];
		low.copy_from_slice(&seed[..16]);
		let mut point =
			u128::from_le_bytes(low).checked_rem(total).ok_or(Error::<T>::NoExecutor)?;
		for (who, weight) in &pool {
			if point < *weight {
				return Ok((*who).clone());
			}
			point = point.saturating_sub(*weight);
		}
		Err(Error::<T>::NoExecutor.into())
	}

	/// Records that `who`'s `Assigned` queue now holds `queued` jobs (if it is active).
	pub(crate) fn set_queued(who: &T::AccountId, queued: usize) {
		ActiveExecutors::<T>::mutate(|set| {
			if let Some(entry) = set.iter_mut().find(|e| &e.who == who) {
				entry.queued = queued as u32;
			}
		});
	}

	/// Counts a job opened (`true`) or closed for an executor.
	pub(crate) fn count_job(who: &T::AccountId, opened: bool) {
		Executors::<T>::mutate(who, |info| {
			if let Some(info) = info {
				info.open_jobs = if opened {
					info.open_jobs.saturating_add(1)
				} else {
					info.open_jobs.saturating_sub(1)
				};
			}
		});
	}

	/// Takes up to `terms.amount` of `who`'s bond for `job`'s refuted result: the winner's
	/// share of what is taken, the rest to the treasury (to the winner when the treasury cannot receive it,
	/// so that nothing stays held for nobody). Then suspends `who` for `SuspensionPeriod`.
	/// Issuance does not change: both are transfers.
	pub(crate) fn slash_and_suspend(
		who: &T::AccountId,
		job: JobId,
		terms: &crate::SlashTerms<T::AccountId, BalanceOf<T>>,
	) -> crate::Slashed<BalanceOf<T>> {
		let Some(mut info) = Executors::<T>::get(who) else {
			return crate::Slashed { slashed: Zero::zero(), reward: Zero::zero() };
		};
		let paid = crate::settlement::pay_out_held::<_, T::Currency>(
			&HoldReason::ExecutorBond.into(),
			who,
			terms.amount.min(info.bond),
			&terms.winner,
			terms.share,
			&terms.treasury,
		);
		let slashed = paid.slashed;
		info.bond = info.bond.saturating_sub(slashed);
		if info.status == ExecutorStatus::Active {
			ActiveExecutors::<T>::mutate(|set| set.retain(|e| &e.who != who));
		}
		// A suspension never shortens a longer unbonding or suspension already running.
		let mut until =
			frame_system::Pallet::<T>::block_number().saturating_add(T::SuspensionPeriod::get());
		if let ExecutorStatus::Leaving(at) | ExecutorStatus::Suspended(at) = info.status {
			until = until.max(at);
		}
		info.status = ExecutorStatus::Suspended(until);
		Executors::<T>::insert(who, info);
		Self::deposit_event(Event::ExecutorSlashed {
			who: who.clone(),
			job,
			amount: slashed,
			reward: paid.reward,
		});
		Self::deposit_event(Event::ExecutorSuspended { who: who.clone(), until });
		paid
	}

	/// The bond `who` has at stake, if it is an executor.
	pub fn executor_bond(who: &T::AccountId) -> Option<BalanceOf<T>> {
		Executors::<T>::get(who).map(|i| i.bond)
	}
}
