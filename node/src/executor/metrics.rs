//! Prometheus metrics of the executor.

use substrate_prometheus_endpoint::{
	exponential_buckets, register, Counter, Gauge, Histogram, HistogramOpts, PrometheusError,
	Registry, U64,
};

/// The executor's metrics.
pub struct Metrics {
	/// Jobs executed (canonical trace recorded).
	pub jobs_executed: Counter<U64>,
	/// Jobs answered without tract's cross-check: tract could not load the model, or the
	/// canonical run took half the time limit.
	pub jobs_unchecked: Counter<U64>,
	/// Jobs the engine refused or failed.
	pub job_failures: Counter<U64>,
	/// Jobs where tract disagreed with the canonical engine beyond the tolerance.
	pub engine_mismatches: Counter<U64>,
	/// Wall time of one inference (both engines), in seconds.
	pub inference_seconds: Histogram,
	/// Models loaded in memory.
	pub models_cached: Gauge<U64>,
	/// Other executors' results this node's watcher re-executed.
	pub audits: Counter<U64>,
	/// Wall time of one audit (the canonical traced run alone), in seconds: the watcher's
	/// overhead, beside [`Metrics::inference_seconds`] for the executor's own runs.
	pub audit_seconds: Histogram,
	/// Games this node's accounts opened against other executors' results.
	pub disputes_opened: Counter<U64>,
	/// Games this node's accounts won (as executor or challenger).
	pub disputes_won: Counter<U64>,
	/// Games this node's accounts lost (as executor or challenger).
	pub disputes_lost: Counter<U64>,
	/// Moves this node computed for its accounts' games.
	pub dispute_moves: Counter<U64>,
}

impl Metrics {
	/// Registers the metrics in `registry`.
	pub fn register(registry: &Registry) -> Result<Metrics, PrometheusError> {
		Ok(Metrics {
			jobs_executed: register(
				Counter::new("verity_jobs_executed_total", "Inference jobs executed by this node")?,
				registry,
			)?,
			jobs_unchecked: register(
				Counter::new(
					"verity_jobs_unchecked_total",
					"Jobs answered without tract's cross-check (tract could not load the model, \
					 or the canonical run was slow)",
				)?,
				registry,
			)?,
			job_failures: register(
				Counter::new(
					"verity_job_failures_total",
					"Inference jobs this node failed to execute",
				)?,
				registry,
			)?,
			engine_mismatches: register(
				Counter::new(
					"verity_engine_mismatches_total",
					"Jobs where tract disagreed with the canonical engine beyond the tolerance",
				)?,
				registry,
			)?,
			inference_seconds: register(
				Histogram::with_opts(
					HistogramOpts::new(
						"verity_inference_seconds",
						"Time of one inference (tract and the canonical traced run)",
					)
					.buckets(exponential_buckets(0.0001, 4.0, 10)?),
				)?,
				registry,
			)?,
			models_cached: register(
				Gauge::new("verity_models_cached", "Models loaded in this node's cache")?,
				registry,
			)?,
			audits: register(
				Counter::new("verity_audits_total", "Other executors' results re-executed")?,
				registry,
			)?,
			audit_seconds: register(
				Histogram::with_opts(
					HistogramOpts::new(
						"verity_audit_seconds",
						"Time of one audit of another executor's result (the canonical traced run)",
					)
					.buckets(exponential_buckets(0.0001, 4.0, 10)?),
				)?,
				registry,
			)?,
			disputes_opened: register(
				Counter::new("verity_disputes_opened_total", "Games opened by this node")?,
				registry,
			)?,
			disputes_won: register(
				Counter::new("verity_disputes_won_total", "Games this node's accounts won")?,
				registry,
			)?,
			disputes_lost: register(
				Counter::new("verity_disputes_lost_total", "Games this node's accounts lost")?,
				registry,
			)?,
			dispute_moves: register(
				Counter::new("verity_dispute_moves_total", "Moves computed for this node's games")?,
				registry,
			)?,
		})
	}
}
