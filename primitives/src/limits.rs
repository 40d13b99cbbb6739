//! Named limits every part of Verity enforces: the decoder, the kernels, the runtime and the node.
//!
//! They bound the work of a dispatchable and the size of what is stored or re-executed on chain.

/// Largest ONNX model accepted, in bytes.
pub const MAX_MODEL_BYTES: usize = 16 * 1024 * 1024;
/// Most nodes in a canonical graph.
pub const MAX_NODES: usize = 2048;
/// Largest rank (number of dimensions) of a tensor.
pub const MAX_RANK: usize = 8;
/// Most elements in one tensor (16 MiB of f32).
pub const MAX_TENSOR_ELEMENTS: usize = 4 * 1024 * 1024;
/// Elements per commitment chunk (the unit of the one-step proof): `C` in the design.
pub const CHUNK_ELEMENTS: usize = 64;
/// Most input elements one output chunk may depend on (bounds the one-step re-execution).
pub const MAX_CHUNK_FAN_IN: usize = 1 << 20;
/// Most inputs or outputs of one graph node.
pub const MAX_NODE_IO: usize = 64;
