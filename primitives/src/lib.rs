//! Types shared by the Verity runtime and node, `no_std`: tensors, their commitments, the
//! canonical ONNX graph and the deterministic reference kernels that decide disputes.
#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(
	test,
	allow(clippy::arithmetic_side_effects, reason = "test arithmetic on small literals")
)]

extern crate alloc;

pub mod commitment;
pub mod cost;
pub mod dispute;
pub mod float16;
pub mod graph;
pub mod limits;
pub mod minifloat;
pub mod multiproof;
pub mod onnx;
pub mod ops;
pub mod tensor;

/// Whether this thread is one of a pool's (the node's engine threads, with `parallel`): only
/// there do the fast paths and the commitments split their work, so a run outside any pool
/// never hands work to threads.
#[cfg(feature = "parallel")]
pub(crate) fn on_pool() -> bool {
	rayon::current_thread_index().is_some()
}

/// Runs `f` on a pool's thread with `parallel` (so that tests exercise the split paths), else
/// here.
#[cfg(test)]
pub(crate) fn in_pool<R: Send>(f: impl FnOnce() -> R + Send) -> R {
	#[cfg(feature = "parallel")]
	let r = rayon::scope(|_| f());
	#[cfg(not(feature = "parallel"))]
	let r = f();
	r
}

/// Balance of an account, in the chain's smallest unit.
pub type Balance = u128;
