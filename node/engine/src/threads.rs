//! The canonical engine's threads: its fast paths and commitments split independent work over
//! one process-wide pool (verity-primitives' `parallel` feature; the bits do not depend on
//! it). tract runs on the calling thread.

/// Sizes the engine's pool once, before the first inference: `threads` workers, or one per
/// core for 0. Errors if the pool already exists (it is built on first use).
pub fn set_engine_threads(threads: usize) -> Result<(), String> {
	rayon::ThreadPoolBuilder::new()
		.num_threads(threads)
		.thread_name(|i| format!("verity-engine-{i}"))
		.build_global()
		.map_err(|e| format!("the engine's threads: {e}"))
}

/// How many threads the engine's pool has (building it with one per core if not yet built).
pub fn engine_threads() -> usize {
	rayon::current_num_threads()
}
