//! Times the import of the fold-heavy models (`onnx::adversarial::fold_heavy`): the fold work
//! each spends, the import time, and the time per unit of fold work. The slowest per unit is
//! what the registration benchmark must register.
//! `cargo run --release -p verity-primitives --example fold`.

#![allow(
	clippy::expect_used,
	clippy::unwrap_used,
	clippy::indexing_slicing,
	clippy::arithmetic_side_effects,
	reason = "a measuring tool run by hand, on fixed models or the files it is given"
)]

use std::time::Instant;

use verity_primitives::{cost::Budget, graph::Graph, onnx::adversarial::fold_heavy};

fn main() {
	println!("model | fold work | fold bytes | import | ns per unit");
	for (name, bytes) in fold_heavy().expect("models") {
		let runs = 5;
		let start = Instant::now();
		let mut fold = None;
		for _ in 0..runs {
			match Graph::from_onnx_metered(&bytes, &Budget::DEFAULT) {
				Ok((_, f)) => fold = Some(f),
				Err(e) => {
					println!("{name} | refused: {e}");
					break;
				},
			}
		}
		let Some(fold) = fold else { continue };
		let per = start.elapsed() / runs;
		let ns = per.as_nanos() as f64 / fold.work.max(1) as f64;
		println!("{name} | {} | {} | {per:?} | {ns:.1}", fold.work, fold.bytes);
	}
}
