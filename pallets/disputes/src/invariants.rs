//! The game's storage invariants, checked by `try_state` and after every block of the tests.

use crate::{pallet::*, types::Phase};
use alloc::{collections::BTreeMap, format};
use frame_support::traits::fungible::InspectHold;
use pallet_verity_inference::JobSettlement;
use sp_runtime::{
	traits::{Saturating, Zero},
	TryRuntimeError,
};

impl<T: Config> Pallet<T> {
	/// Checks every invariant of the disputes storage:
	///
	/// - every open game is in the `Timeouts` queue of its deadline exactly once, and every
	///   queue entry is an open game with that deadline;
	/// - `JobGames` lists exactly the open games of each job, one per challenger;
	/// - every open game's job is executed with the game's trace root;
	/// - a revealed list exists only for a job with an open game;
	/// - opened chunk bytes exist only for an open game picking its element;
	/// - each account's `ChallengeBond` hold is the bonds of its open games.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		let fail = |what: alloc::string::String| -> TryRuntimeError {
			TryRuntimeError::Other(alloc::boxed::Box::leak(what.into_boxed_str()))
		};
		if MoveClock::<T>::get().is_zero() {
			return Err(fail("the move clock is zero".into()));
		}
		let mut bonds: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		for (id, game) in Games::<T>::iter() {
			let queued = Timeouts::<T>::get(game.deadline).iter().filter(|g| **g == id).count();
			if queued != 1 {
				return Err(fail(format!("game {id}: {queued} timeout entries")));
			}
			if !JobGames::<T>::get(game.job).iter().any(|(c, g)| *g == id && c == &game.challenger)
			{
				return Err(fail(format!("game {id}: not among its job's games")));
			}
			match T::Jobs::executed(game.job) {
				Some(ex) if ex.trace_root == game.trace_root && ex.executor == game.executor => {},
				_ => {
					return Err(fail(format!("game {id}: its job's result is not the one played")))
				},
			}
			let b = bonds.entry(game.challenger.clone()).or_insert_with(Zero::zero);
			*b = b.saturating_add(game.bond);
		}
		for (block, queue) in Timeouts::<T>::iter() {
			for id in queue {
				if Games::<T>::get(id).map(|g| g.deadline) != Some(block) {
					return Err(fail(format!("timeout entry of game {id} in a stale block")));
				}
			}
		}
		for (job, games) in JobGames::<T>::iter() {
			let mut challengers = alloc::collections::BTreeSet::new();
			for (c, id) in games.iter() {
				if Games::<T>::get(id).map(|g| g.job) != Some(job) || !challengers.insert(c.clone())
				{
					return Err(fail(format!("job {job}: a listed game is not its own")));
				}
			}
		}
		for (job, revealed) in Revealed::<T>::iter() {
			if JobGames::<T>::get(job).is_empty() {
				return Err(fail(format!("job {job}: a revealed list without a game")));
			}
			if T::Jobs::executed(job).map(|ex| ex.trace_root) != Some(revealed.trace_root) {
				return Err(fail(format!("job {job}: the revealed list is of another result")));
			}
		}
		for (id, _) in OpenedLeaves::<T>::iter() {
			if !matches!(Games::<T>::get(id).map(|g| g.phase), Some(Phase::PickElement { .. })) {
				return Err(fail(format!("game {id}: opened bytes outside its element pick")));
			}
		}
		let reason = HoldReason::ChallengeBond.into();
		for (who, bond) in &bonds {
			if <T as Config>::Currency::balance_on_hold(&reason, who) != *bond {
				return Err("a challenger's hold differs from its games' bonds".into());
			}
		}
		Ok(())
	}
}
