//! Tests of the disputes pallet on the mock runtime, with real models, real canonical runs
//! and real balances. `harness` plays games the way an honest or a cheating party would.

mod faults;
mod game;
mod harness;
mod player;
mod settlement;
