//! The node's integration tests, in one test binary so that libtest runs them side by side:
//! most of them wait for the blocks of real `verity-node` processes, and one binary is also
//! linked once instead of once per file. `scripts/test.sh` raises the number of test threads
//! (`RUST_TEST_THREADS`) so that every waiting test runs at once.

mod common;

mod adversarial;
mod disputes;
mod e2e;
mod infer;
mod runtime_wasm;
mod smoke;
