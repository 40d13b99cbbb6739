//! Node-side inference for Verity.
//!
//! A model is loaded by two engines ([`LoadedModel::load`]): the canonical graph of
//! `verity-primitives`, whose deterministic kernels and trace commitments are the committed
//! answer, and tract, an optimising engine that is much faster. [`LoadedModel::run_both`]
//! checks tract against the canonical answer within a documented tolerance
//! ([`F32_ABS_TOLERANCE`], [`F32_REL_TOLERANCE`]) and reports any disagreement as an error.
//!
//! The canonical engine splits independent outputs and commitments over a pool of threads
//! ([`set_engine_threads`]); tract runs under [`contain_panics`]: a panic in it is an error, not the end of the node.
//!
//! [`io`] reads input tensors from `.pb`, `.npy` and `.json` files, and [`InferCmd`] is the
//! `infer` command built on all of it.

mod convert;
mod error;
mod guard;
pub mod infer;
pub mod io;
mod model;
mod run;
mod threads;

pub use convert::{from_tract, to_tract};
pub use error::EngineError;
pub use guard::contain_panics;
pub use infer::{infer, BudgetChoice, EngineChoice, InferCmd, InferReport, DEFAULT_MAX_MODEL_MIB};
pub use model::{dtype_of_tract, tract_datum_type, LoadedModel, TractPlan, DEFAULT_TIME_LIMIT};
pub use run::{
	compare_outputs, f32_tolerance, BothRun, F16_ABS_TOLERANCE, F16_REL_TOLERANCE,
	F32_ABS_TOLERANCE, F32_REL_TOLERANCE,
};
pub use threads::{engine_threads, set_engine_threads};
