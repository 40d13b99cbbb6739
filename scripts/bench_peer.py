"""onnxruntime on the models `cargo bench -p verity-engine` wrote, beside its medians.

Usage: bench_peer.py DIR, where DIR holds `engine.json` and `<name>.onnx` of each model
(`VERITY_BENCH_OUT=DIR cargo bench -p verity-engine`; scripts/bench-engine.sh does both).
Times one inference (after a warm-up, the median of the runs, like the Rust bench) with 1 and
with 2 intra-op threads, and the session's creation once, then prints every engine's time
and the ratios the engine issue asks for: canonical / tract and canonical / onnxruntime.
"""

import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort

WARMUP = 3
RUNS = 21


def median_ms(run):
    for _ in range(WARMUP):
        run()
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def onnxruntime_ms(path, threads):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    t = time.perf_counter()
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    create = (time.perf_counter() - t) * 1e3
    rng = np.random.default_rng(42)
    feeds = {
        i.name: rng.uniform(-1.0, 1.0, size=i.shape).astype(np.float32)
        for i in session.get_inputs()
    }
    return median_ms(lambda: session.run(None, feeds)), create


def main():
    out = Path(sys.argv[1])
    engine = json.loads((out / "engine.json").read_text())
    threads = engine["canonical_threads"]
    print()
    print(f"onnxruntime {ort.__version__}; median of {RUNS} runs after {WARMUP} warm-up runs, in ms")
    head = (
        f"{'model':<12} {'tract':>8} {f'canonical ({threads}t)':>16} "
        f"{'ort 1t':>8} {'ort 2t':>8} {'ort session':>12} {'canon/tract':>12} {'canon/ort 2t':>13}"
    )
    print(head)
    print("-" * len(head))
    for m in engine["models"]:
        tract = m["tract_ns"] / 1e6
        canonical = m["canonical_ns"] / 1e6
        ort1, _ = onnxruntime_ms(out / f"{m['name']}.onnx", 1)
        ort2, create = onnxruntime_ms(out / f"{m['name']}.onnx", 2)
        print(
            f"{m['name']:<12} {tract:>8.3f} {canonical:>16.3f} {ort1:>8.3f} {ort2:>8.3f} "
            f"{create:>12.1f} {canonical / tract:>11.2f}x {canonical / ort2:>12.2f}x"
        )


if __name__ == "__main__":
    main()
