//! Weights of Verity's pallets, measured with frame-benchmarking in this runtime and written by
//! `scripts/bench.sh` (each file's header records the machine, the steps and the command).

pub mod pallet_verity_disputes;
pub mod pallet_verity_inference;
pub mod pallet_verity_models;
