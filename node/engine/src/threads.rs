//! The canonical engine's threads: its fast paths and commitments split independent work over
//! the engine's own pool (verity-primitives' `parallel` feature; the bits do not depend on
//! it), apart from rayon's global pool, which other parts of the node use. tract runs on the
//! calling thread.

use std::sync::OnceLock;

/// The pool, or `None` when it could not be built (the engine then runs on one thread).
static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();

/// Builds the engine's pool, `threads` workers (0: one per core, whatever `RAYON_NUM_THREADS`
/// says). Call it once, before the first inference; an error if the pool already exists.
pub fn set_engine_threads(threads: usize) -> Result<(), String> {
	let threads = if threads == 0 { cores() } else { threads };
	let pool = build(threads)?;
	POOL.set(Some(pool)).map_err(|_| "the engine's threads are already set".to_string())
}

/// How many threads the engine's pool has (built with one per core on first use).
pub fn engine_threads() -> usize {
	pool().map_or(1, |p| p.current_num_threads())
}

/// Runs `op` on one of the engine's threads, where the canonical kernels split their work;
/// on the calling thread if the pool cannot be built.
pub(crate) fn on_engine_threads<R: Send>(op: impl FnOnce() -> R + Send) -> R {
	match pool() {
		Some(pool) => pool.install(op),
		None => op(),
	}
}

fn pool() -> Option<&'static rayon::ThreadPool> {
	POOL.get_or_init(|| match build(cores()) {
		Ok(pool) => Some(pool),
		Err(e) => {
			log::warn!(target: "verity", "{e}; the canonical engine runs on one thread");
			None
		},
	})
	.as_ref()
}

fn cores() -> usize {
	std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn build(threads: usize) -> Result<rayon::ThreadPool, String> {
	rayon::ThreadPoolBuilder::new()
		.num_threads(threads)
		.thread_name(|i| format!("verity-engine-{i}"))
		.build()
		.map_err(|e| format!("the engine's threads: {e}"))
}
