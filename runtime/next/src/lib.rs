//! # The Verity runtime, as its own next release
//!
//! Only for the forkless-upgrade test (`clients/js/test/upgrade.test.js`): the wasm blob of
//! `verity-runtime` built with the `upgrade-test` feature (the same code one `spec_version`
//! later, so that `sudo.setCode` accepts it and the migrations run on the block after) and with
//! `try-runtime` (so that the test can run `TryRuntime_on_runtime_upgrade`, the checks of
//! `try-runtime-cli`, on the live chain's state before and after the upgrade).
//!
//! Natively the crate is only the blob: [`WASM_BINARY`] and its path, [`WASM_BINARY_PATH`]. It
//! is a package of its own so that no feature of it reaches the node's runtime. Its wasm project
//! (`wbuild/verity-runtime-next`) shares the runtime's wasm target directory (`build.rs`), where
//! the feature sets keep the two builds' artifacts apart.
#![cfg_attr(not(feature = "std"), no_std)]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

#[cfg(not(feature = "std"))]
pub use verity_runtime::*;
