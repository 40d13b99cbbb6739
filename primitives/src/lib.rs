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
pub mod graph;
pub mod limits;
pub mod multiproof;
pub mod onnx;
pub mod ops;
pub mod tensor;

/// Balance of an account, in the chain's smallest unit.
pub type Balance = u128;
