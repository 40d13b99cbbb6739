//! What the dispute game needs from the canonical graph and commitments, `no_std`: the
//! per-node index a step reads ([`index`]), the walk down a tensor's chunk tree ([`tree`])
//! and the one-step re-execution of a chunk from a proven witness ([`step`]).
//! `docs/disputes.md` has the protocol and its soundness argument.

pub mod index;
pub mod limit;
pub mod play;
pub mod prove;
pub mod step;
pub mod tree;

#[cfg(test)]
pub(crate) mod tests;

pub use index::{Source, StepInput, StepNode, TraceLayout};
pub use play::{next_move, Move, PartyRun, PickKind, Turn, WitnessBounds};
pub use prove::{build_element_witness, build_witness};
pub use step::{
	element_step_metered, one_step, one_step_metered, ChunkWitness, ElementVerdict, InputData,
	InputWitness, StepError, StepVerdict,
};
pub use tree::TreeCursor;
