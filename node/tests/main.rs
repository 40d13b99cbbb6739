//! The node's integration tests, in one test binary so that libtest runs them side by side:
//! most of them wait for the blocks of real `verity-node` processes, and one binary is also
//! linked once instead of once per file. `scripts/test.sh` runs six at a time
//! (`RUST_TEST_THREADS=6`): every start of a node compiles the runtime, about 10 s of CPU.

mod common;

mod adversarial;
mod disputes;
mod e2e;
mod infer;
mod runtime_wasm;
mod smoke;
