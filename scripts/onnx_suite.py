#!/usr/bin/env python3
"""ONNX's own operator test suite through the canonical engine (`verity-node infer`).

Generates the node test cases of the installed `onnx` package
(`onnx.backend.test.case.node.collect_testcases`, with their expected outputs computed by
ONNX's NumPy reference), keeps those whose every node is an op the canonical importer knows,
freezes the shape-like operands that exported models carry as initializers (Reshape's shape,
Slice's starts, Clip's bounds, ...), runs each with `verity-node infer --engine canonical` and
sorts it into exactly one of:

- pass: every output has the expected type, shape and values (ONNX's tolerances for the case);
- wrong: the engine answered, but an output differs;
- refused: the importer refused the model (`canonical import: …`, the cause on one line);
- crash: the process died by a signal, panicked (exit 101), ran over the time limit, failed
  after the import accepted the model, or printed what is not the expected JSON.

Prints one line per case that did not pass, the refusals grouped by cause, and the totals;
writes every case's outcome to a JSON report. Run by scripts/onnx-suite.sh.
"""

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import warnings

import ml_dtypes
import numpy as np
import onnx
from onnx import numpy_helper

# Every op type the canonical importer knows (primitives/src/graph/nodes/): a case is in the
# suite when all its nodes are among them.
ENGINE_OPS = set(
    """Abs Add And ArgMax ArgMin AveragePool BatchNormalization Cast Clip Concat Constant ConstantOfShape
    Conv DequantizeLinear Div Dropout Einsum Elu Equal Erf Exp Expand Flatten Gather Gelu Gemm
    GlobalAveragePool GlobalMaxPool Greater GreaterOrEqual HardSigmoid Identity
    LayerNormalization LeakyRelu Less LessOrEqual Log LogSoftmax LRN MatMul MatMulInteger Max
    MaxPool Min Mul Neg Not Or PRelu Pad Pow QLinearConv QLinearMatMul QuantizeLinear
    ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp ReduceMax ReduceMean ReduceMin ReduceProd
    Range ReduceSum ReduceSumSquare Relu Reshape Resize Selu Shape Sigmoid Sign Slice Softmax
    Softplus Split Sqrt Squeeze Sub Sum Tanh Tile Transpose Unsqueeze Where Xor""".split()
)

# Input positions that exported models hold as constants (shapes, axes, pads, bounds,
# quantisation parameters): frozen into initializers when a case feeds them as graph inputs.
SHAPE_LIKE = {
    "Reshape": [1],
    "Expand": [1],
    "Tile": [1],
    "Slice": [1, 2, 3, 4],
    "Pad": [1, 2, 3],
    "Split": [1],
    "Squeeze": [1],
    "Unsqueeze": [1],
    **{op: [1] for op in ["ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax",
                          "ReduceMean", "ReduceMin", "ReduceProd", "ReduceSum", "ReduceSumSquare"]},
    "Clip": [1, 2],
    "ConstantOfShape": [0],
    # start, limit, delta: the output's length.
    "Range": [0, 1, 2],
    "Dropout": [1, 2],
    "QuantizeLinear": [1, 2],
    "DequantizeLinear": [1, 2],
    "MatMulInteger": [2, 3],
    "QLinearMatMul": [1, 2, 4, 5, 6, 7],
    "QLinearConv": [1, 2, 4, 5, 6, 7],
    # Ops outside the engine's set whose expanded (function body) cases are within it.
    "CenterCropPad": [1],
    # roi, scales, sizes.
    "Resize": [1, 2, 3],
}

DTYPES = {
    "f32": np.float32,
    "u8": np.uint8,
    "i8": np.int8,
    "i32": np.int32,
    "i64": np.int64,
    "bool": np.bool_,
    "f16": np.float16,
    "i16": np.int16,
    "u16": np.uint16,
    "u32": np.uint32,
    "u64": np.uint64,
    "bf16": ml_dtypes.bfloat16,
    "f8e4m3fn": ml_dtypes.float8_e4m3fn,
    "f8e4m3fnuz": ml_dtypes.float8_e4m3fnuz,
    "f8e5m2": ml_dtypes.float8_e5m2,
    "f8e5m2fnuz": ml_dtypes.float8_e5m2fnuz,
    "f8e8m0": ml_dtypes.float8_e8m0fnu,
    "u4": ml_dtypes.uint4,
    "i4": ml_dtypes.int4,
    "u2": ml_dtypes.uint2,
    "i2": ml_dtypes.int2,
    "f4e2m1": ml_dtypes.float4_e2m1fn,
}

# The 4- and 2-bit integers (ml_dtypes'): compared exactly, as int8.
SUB_BYTE = {np.dtype(DTYPES[k]) for k in ("u4", "i4", "u2", "i2")}

# The float types NumPy lacks (ml_dtypes'): compared bit for bit (so -0 is not +0), any NaN
# equal to any NaN (each type's NaN codes differ in sign and payload).
NARROW_FLOATS = {np.dtype(t) for t in DTYPES.values()} - {
    np.dtype(t) for t in (np.float32, np.float16, np.uint8, np.int8, np.int32, np.int64,
                          np.bool_, np.int16, np.uint16, np.uint32, np.uint64)} - SUB_BYTE


def to_proto(x, name):
    """A test input as a named TensorProto (the suite gives NumPy arrays or, for the types
    NumPy lacks, TensorProtos)."""
    if isinstance(x, onnx.TensorProto):
        t = onnx.TensorProto()
        t.CopyFrom(x)
        t.name = name
        return t
    return numpy_helper.from_array(np.asarray(x), name)


def expected_array(x):
    """An expected output as a NumPy array."""
    return numpy_helper.to_array(x) if isinstance(x, onnx.TensorProto) else np.asarray(x)


def frozen(model, inputs, original_op=None):
    """The model with its shape-like graph inputs turned into initializers, and the inputs
    that stay (in graph-input order). An expanded case (`original_op`: the op its graph is the
    function body of) has that op's inputs as its graph inputs, in order: those shape-like for
    the original op are frozen too."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    names = [i.name for i in g.input]
    values = dict(zip(names, inputs))
    freeze = set()
    for node in g.node:
        for pos in SHAPE_LIKE.get(node.op_type, []):
            if pos < len(node.input) and node.input[pos] in values:
                freeze.add(node.input[pos])
    for pos in SHAPE_LIKE.get(original_op, []):
        if pos < len(names):
            freeze.add(names[pos])
    for name in sorted(freeze):
        g.initializer.append(to_proto(values[name], name))
    kept = [i for i in g.input if i.name not in freeze]
    del g.input[:]
    g.input.extend(kept)
    return m, [values[i.name] for i in kept]


def decode_output(o):
    """One output of `verity-node infer --json` as a NumPy array."""
    dtype = DTYPES[o["dtype"]]
    data = o["data"]
    if dtype in (np.float32, np.float16) or np.dtype(dtype) in NARROW_FLOATS:
        special = {"NaN": np.nan, "inf": np.inf, "-inf": -np.inf}
        data = [special[x] if isinstance(x, str) else x for x in data]
    if np.dtype(dtype) in NARROW_FLOATS:
        # Each value is one the type holds: the conversion from float32 is exact.
        return np.array(data, dtype=np.float32).astype(dtype).reshape(o["shape"])
    return np.array(data, dtype=dtype).reshape(o["shape"])


def compare(expected, got, rtol, atol):
    """None when `got` equals `expected` within the case's tolerance, else why not."""
    if len(expected) != len(got):
        return f"{len(got)} outputs, expected {len(expected)}"
    for k, (e, g) in enumerate(zip(expected, got)):
        e = expected_array(e)
        if e.dtype != g.dtype:
            return f"output {k}: {g.dtype}, expected {e.dtype}"
        if e.shape != g.shape:
            return f"output {k}: shape {list(g.shape)}, expected {list(e.shape)}"
        if e.dtype in SUB_BYTE:
            ok = np.array_equal(g.astype(np.int8), e.astype(np.int8))
        elif e.dtype in NARROW_FLOATS:
            bits = lambda a: a.view(np.uint8 if a.dtype.itemsize == 1 else np.uint16)
            nan = np.isnan(g.astype(np.float32)) & np.isnan(e.astype(np.float32))
            ok = bool(np.all((bits(g) == bits(e)) | nan))
        elif e.dtype.kind == "f":
            ok = np.allclose(g, e, rtol=rtol, atol=atol, equal_nan=True)
        else:
            ok = np.array_equal(g, e)
        if not ok:
            return f"output {k}: values differ (max |diff| {np.max(np.abs(g.astype(np.float64) - e.astype(np.float64)))})"
    return None


def run_case(node_bin, case, dirpath, timeout, original_op=None):
    """(outcome, detail) of one case over all its data sets (`original_op`: see `frozen`)."""
    for n, (inputs, outputs) in enumerate(case.data_sets):
        model, kept = frozen(case.model, inputs, original_op)
        model_path = os.path.join(dirpath, f"{case.name}.{n}.onnx")
        with open(model_path, "wb") as f:
            f.write(model.SerializeToString())
        args = [node_bin, "infer", "--model", model_path, "--engine", "canonical", "--json"]
        for k, x in enumerate(kept):
            p = os.path.join(dirpath, f"{case.name}.{n}.in{k}.pb")
            with open(p, "wb") as f:
                f.write(to_proto(x, f"in{k}").SerializeToString())
            args += ["--input", p]
        try:
            r = subprocess.run(args, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return "crash", f"over {timeout} s"
        err = r.stderr.decode(errors="replace").strip()
        if r.returncode < 0:
            return "crash", f"signal {-r.returncode}: {err[-300:]}"
        if r.returncode == 101 or "panicked" in err:
            return "crash", f"panic: {err[-300:]}"
        last = (err.splitlines() or ["(no message)"])[-1]
        if r.returncode != 0:
            # Only the importer refuses; a model it accepted must run.
            if "canonical import:" in last:
                return "refused", last
            return "crash", f"failed after import: {last}"
        try:
            report = json.loads(r.stdout)
            got = [decode_output(o) for o in report["outputs"]]
        except (ValueError, KeyError, TypeError) as e:
            return "crash", f"unreadable output: {e}"
        why = compare(outputs, got, case.rtol, case.atol)
        if why:
            return "wrong", why
    return "pass", ""


def cause_of(detail):
    """A refusal's cause without the node's name and numbers, for grouping."""
    s = re.sub(r"node '[^']*' \(([^)]*)\)", r"\1", detail)
    s = re.sub(r"node \d+ \(([^)]*)\)", r"\1", s)
    s = re.sub(r"'[^']*'", "'…'", s)
    s = re.sub(r"\d+", "N", s)
    return s[:160]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--node", required=True, help="the verity-node binary")
    ap.add_argument("--report", help="write every case's outcome here (JSON)")
    ap.add_argument("--filter", default="", help="only cases whose name contains this")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per case")
    a = ap.parse_args()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from onnx.backend.test.case.node import collect_testcases

        cases = collect_testcases(None)
    in_set = [
        c for c in cases
        if a.filter in c.name and all(n.op_type in ENGINE_OPS for n in c.model.graph.node)
    ]
    print(f"onnx {onnx.__version__}: {len(cases)} node cases, {len(in_set)} within the engine's op set")
    # The op of each case's single-node model, by name: an expanded case's original op.
    op_of = {c.name: c.model.graph.node[0].op_type for c in cases if len(c.model.graph.node) == 1}
    results = {}
    counts = collections.Counter()
    causes = collections.Counter()
    with tempfile.TemporaryDirectory(prefix="verity-onnx-suite-") as d:
        for c in in_set:
            original = op_of.get(c.name[: -len("_expanded")]) if c.name.endswith("_expanded") else None
            outcome, detail = run_case(a.node, c, d, a.timeout, original)
            results[c.name] = {"outcome": outcome, "detail": detail}
            counts[outcome] += 1
            if outcome != "pass":
                print(f"{outcome:8} {c.name}: {detail}")
            if outcome == "refused":
                causes[cause_of(detail)] += 1
    print("\nrefusals by cause:")
    for cause, n in causes.most_common():
        print(f"{n:5}  {cause}")
    total = len(in_set)
    pct = 100.0 * counts["pass"] / total if total else 0.0
    print(
        f"\n{counts['pass']} of {total} pass ({pct:.1f} %), {counts['wrong']} wrong, "
        f"{counts['refused']} refused, {counts['crash']} crashed"
    )
    if a.report:
        with open(a.report, "w") as f:
            json.dump({"onnx": onnx.__version__, "counts": counts, "cases": results}, f, indent=1)
    # Wrong answers and crashes are failures; refusals are coverage (reported above).
    return 1 if counts["wrong"] or counts["crash"] else 0


if __name__ == "__main__":
    sys.exit(main())
