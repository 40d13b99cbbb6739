//! tract is third-party code run on models and inputs from anyone: a panic inside it is an
//! error of that model or job, never the end of the node.
//!
//! A node built with sc-cli exits on any panic (`sp_panic_handler`'s hook) unless the panicking
//! thread holds an [`AbortGuard::force_unwind`]; [`contain_panics`] holds one around the call
//! and turns the unwound panic into an error. The release profile unwinds (`panic = "unwind"`).

use std::panic::{catch_unwind, AssertUnwindSafe};

use sp_panic_handler::AbortGuard;

/// Runs `work`, turning a panic inside it into `Err("{what} panicked: {message}")`, even in a
/// process whose panic hook would exit.
pub fn contain_panics<T>(
	what: &str,
	work: impl FnOnce() -> Result<T, String>,
) -> Result<T, String> {
	let _unwind = AbortGuard::force_unwind();
	catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|payload| {
		let message = payload
			.downcast_ref::<&str>()
			.map(|s| s.to_string())
			.or_else(|| payload.downcast_ref::<String>().cloned())
			.unwrap_or_else(|| "a panic without a message".into());
		Err(format!("{what} panicked: {message}"))
	})
}
