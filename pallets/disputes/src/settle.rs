//! Settlement: the loser pays `DisputeSlash` (the winner's share to the winner, the rest to
//! the treasury), the winner's bond is released, and the job follows: refuted (through the
//! inference pallet) or, once no game holds it and its window is over, finalized.

use crate::{pallet::*, types::*};
use frame_support::traits::{
	fungible::{Mutate, MutateHold},
	tokens::{Precision, Preservation},
	Get,
};
use pallet_verity_inference::{JobSettlement, SlashTerms};
use sp_runtime::traits::{CheckedDiv, Saturating, Zero};

/// Who won a game, and how.
pub(crate) struct Verdict {
	/// The winner.
	pub winner: Party,
	/// How the game ended.
	pub ending: Ending,
}

impl<T: Config> Pallet<T> {
	/// Takes game `id` out of storage and its queues.
	fn remove_game(id: GameId, game: &GameOf<T>) {
		Games::<T>::remove(id);
		OpenedLeaves::<T>::remove(id);
		Self::unqueue(game.deadline, id);
		JobGames::<T>::mutate_exists(game.job, |games| {
			if let Some(list) = games {
				list.retain(|(_, g)| *g != id);
				if list.is_empty() {
					*games = None;
				}
			}
		});
	}

	fn release_bond(who: &T::AccountId, amount: BalanceOf<T>) {
		let _ = <T as Config>::Currency::release(
			&HoldReason::ChallengeBond.into(),
			who,
			amount,
			Precision::BestEffort,
		);
	}

	/// Ends game `id` with `verdict`.
	pub(crate) fn settle(id: GameId, game: GameOf<T>, verdict: Verdict) {
		Self::remove_game(id, &game);
		match verdict.winner {
			Party::Challenger => Self::refute(id, game, verdict.ending),
			Party::Executor => Self::uphold(id, game, verdict.ending),
		}
	}

	/// The challenger won: the executor is slashed and suspended, the job reassigned or
	/// refunded; every other game on the job ends with its bond released and, when opened
	/// before this block, a share of the reward (equal, the shares at most half of it).
	fn refute(id: GameId, game: GameOf<T>, ending: Ending) {
		Self::release_bond(&game.challenger, game.bond);
		let amount = T::DisputeSlash::get();
		let terms = SlashTerms {
			amount,
			winner: game.challenger.clone(),
			share: T::WinnerShare::get(),
			treasury: T::Treasury::get(),
		};
		let slashed = match T::Jobs::executor_refuted(game.job, terms) {
			Ok(s) => s,
			Err(e) => {
				log::error!(target: "verity", "game {id}: the refutation failed: {e:?}");
				pallet_verity_inference::Slashed { slashed: Zero::zero(), reward: Zero::zero() }
			},
		};
		// Every other challenger against the refuted result was right too: its bond is
		// released, and one that opened its game before this block shares the reward, so that
		// honest watchers that challenged one wrong result together all come out ahead of their
		// fees. The shares take at most half the reward: the winner keeps the rest, however
		// many games were opened beside it (a sybil swarm can dilute it at most to half).
		let now = frame_system::Pallet::<T>::block_number();
		let others: alloc::vec::Vec<(GameId, T::AccountId, bool)> = JobGames::<T>::take(game.job)
			.into_iter()
			.filter_map(|(_, other)| {
				let g = Games::<T>::take(other)?;
				OpenedLeaves::<T>::remove(other);
				Self::unqueue(g.deadline, other);
				Self::release_bond(&g.challenger, g.bond);
				Some((other, g.challenger, g.opened_at < now))
			})
			.collect();
		let sharing = others.iter().filter(|(_, _, shares)| *shares).count() as u32;
		let each = if sharing == 0 {
			Zero::zero()
		} else {
			// Both divisors are at least 1: `sharing` is not 0 here.
			let share = |parts: u32| {
				slashed.reward.checked_div(&BalanceOf::<T>::from(parts)).unwrap_or_else(Zero::zero)
			};
			let equal = share(sharing.saturating_add(1));
			let cap = share(sharing.saturating_mul(2));
			equal.min(cap)
		};
		let mut shared = BalanceOf::<T>::zero();
		let mut closed = alloc::vec::Vec::with_capacity(others.len());
		for (other, challenger, shares) in others {
			let paid = if !shares || each.is_zero() {
				Zero::zero()
			} else {
				<T as Config>::Currency::transfer(
					&game.challenger,
					&challenger,
					each,
					Preservation::Preserve,
				)
				.map(|_| each)
				.unwrap_or_else(|_| Zero::zero())
			};
			shared = shared.saturating_add(paid);
			closed.push(Event::DisputeClosed {
				game: other,
				job: game.job,
				challenger,
				reward: paid,
			});
		}
		Self::deposit_event(Event::DisputeSettled {
			game: id,
			job: game.job,
			winner: game.challenger.clone(),
			loser: game.executor.clone(),
			slashed: slashed.slashed,
			reward: slashed.reward.saturating_sub(shared),
			ending,
		});
		for event in closed {
			Self::deposit_event(event);
		}
		Revealed::<T>::remove(game.job);
	}

	/// The executor won: the challenger's bond pays the slash; when no other game holds the
	/// job, its window is reopened for a full window (then it finalizes as any job).
	fn uphold(id: GameId, game: GameOf<T>, ending: Ending) {
		let paid = pallet_verity_inference::settlement::pay_out_held::<_, <T as Config>::Currency>(
			&HoldReason::ChallengeBond.into(),
			&game.challenger,
			T::DisputeSlash::get().min(game.bond),
			&game.executor,
			T::WinnerShare::get(),
			&T::Treasury::get(),
		);
		let (slashed, reward) = (paid.slashed, paid.reward);
		Self::release_bond(&game.challenger, game.bond.saturating_sub(slashed));
		Self::deposit_event(Event::DisputeSettled {
			game: id,
			job: game.job,
			winner: game.executor.clone(),
			loser: game.challenger.clone(),
			slashed,
			reward,
			ending,
		});
		if JobGames::<T>::get(game.job).is_empty() {
			Revealed::<T>::remove(game.job);
			// Challengers kept out while games ran get a full window before the job is final.
			if let Err(e) = T::Jobs::reopen_window(game.job) {
				log::error!(target: "verity", "game {id}: reopening the window failed: {e:?}");
			}
		}
	}
}
