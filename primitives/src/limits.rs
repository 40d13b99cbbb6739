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
/// Most element reads of one output chunk of one node, by its element definition: bounds the
/// runtime's one-step re-execution in a dispute (see [`crate::cost`] and `docs/cost.md`).
pub const MAX_CHUNK_FAN_IN: u64 = 1 << 17;
/// Most work (element reads and writes, [`crate::cost`]) of one run of a model.
pub const MAX_MODEL_WORK: u64 = 1 << 33;
/// Most peak live memory of one run of a model, in bytes.
pub const MAX_PEAK_MEMORY: u64 = 1 << 30;
/// Most memory one node holds at once (outputs and scratch), in bytes.
pub const MAX_NODE_MEMORY: u64 = 256 << 20;
/// Most work of the constant folding done when a model is imported (in the runtime, at
/// registration): the registration weight covers this much.
pub const MAX_FOLD_WORK: u64 = 1 << 20;
/// Most elements of one folded constant (a node whose inputs are all constants is evaluated
/// at import when its outputs are at most this large, and stays a node otherwise).
pub const MAX_FOLD_ELEMENTS: usize = 1 << 16;
/// Most bytes of constants folding may produce for one model.
pub const MAX_FOLD_BYTES: u64 = 16 << 20;
/// Largest value of a dimension, pad, stride, dilation or kernel size in a model attribute:
/// the largest tensor, so that a product of two fits in 64 bits on every target.
pub const MAX_DIM: u64 = MAX_TENSOR_ELEMENTS as u64;
/// Most inputs or outputs of one graph node.
pub const MAX_NODE_IO: usize = 64;
/// Most node outputs a model may have: the executor's revealed list of output roots in a
/// dispute is at most this many hashes.
pub const MAX_TRACE_VALUES: usize = 4096;
/// Most element reads one dispute step may make (reads of one element count each time): a
/// multiple of [`MAX_CHUNK_FAN_IN`] for the kernels that read an element more than once.
pub const MAX_STEP_READS: u64 = 8 * MAX_CHUNK_FAN_IN;
/// Most bytes of one Resize node's tables (its taps, weights and crop positions): a node's
/// entry in the dispute index (its op and types, at most 16 KiB in the models pallet) must
/// hold them.
pub const MAX_RESIZE_TABLE_BYTES: u64 = 12 * 1024;
