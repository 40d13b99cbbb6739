#!/usr/bin/env python3
"""Trains the demo's digit classifier and writes it as ONNX, with a held-out drawn 7.

The data set is scikit-learn's bundled `load_digits` (1797 handwritten digits, 8x8 pixels of
0..16; nothing is downloaded). The model is a 64-32-10 MLP (Gemm, Relu, Gemm, Softmax) trained
with plain numpy (full-batch Adam on the cross-entropy, a fixed seed), on the first 1497 digits;
the last 300 are held out. Writes, next to this script:

  digits.onnx       the model (opset 13, input `x` of [1, 64] in 0..1, output `y` of [1, 10])
  held-out-7.json   the first held-out 7, as `verity job submit --input` and `infer` read it

The committed files are this script's output; rerun it to reproduce them:

  python3 -m venv /tmp/venv && /tmp/venv/bin/pip install numpy scikit-learn onnx
  /tmp/venv/bin/python scripts/demo/train_digits.py
"""

import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.datasets import load_digits

HERE = os.path.dirname(os.path.abspath(__file__))
HELD_OUT = 300
HIDDEN = 32
EPOCHS = 600


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def forward(params, x):
    w1, b1, w2, b2 = params
    h = np.maximum(x @ w1 + b1, 0.0)
    return h, softmax(h @ w2 + b2)


def train(x, labels):
    rng = np.random.default_rng(7)
    w1 = rng.normal(0.0, np.sqrt(2.0 / 64), (64, HIDDEN))
    w2 = rng.normal(0.0, np.sqrt(2.0 / HIDDEN), (HIDDEN, 10))
    params = [w1, np.zeros(HIDDEN), w2, np.zeros(10)]
    moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
    onehot = np.eye(10)[labels]
    lr, beta1, beta2, eps = 0.01, 0.9, 0.999, 1e-8
    for t in range(1, EPOCHS + 1):
        h, p = forward(params, x)
        d_logits = (p - onehot) / len(x)
        d_h = (d_logits @ params[2].T) * (h > 0)
        grads = [x.T @ d_h, d_h.sum(axis=0), h.T @ d_logits, d_logits.sum(axis=0)]
        for i, g in enumerate(grads):
            m, v = moments[i]
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g * g
            moments[i] = (m, v)
            params[i] = params[i] - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
    return [p.astype(np.float32) for p in params]


def to_onnx(params):
    w1, b1, w2, b2 = params
    inits = [
        numpy_helper.from_array(w1, "w1"),
        numpy_helper.from_array(b1, "b1"),
        numpy_helper.from_array(w2, "w2"),
        numpy_helper.from_array(b2, "b2"),
    ]
    nodes = [
        helper.make_node("Gemm", ["x", "w1", "b1"], ["h"]),
        helper.make_node("Relu", ["h"], ["a"]),
        helper.make_node("Gemm", ["a", "w2", "b2"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["y"], axis=-1),
    ]
    graph = helper.make_graph(
        nodes,
        "digits-mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])],
        inits,
    )
    model = helper.make_model(
        graph, producer_name="verity train_digits.py", opset_imports=[helper.make_opsetid("", 13)]
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def main():
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float64)
    labels = digits.target
    x_train, y_train = x[:-HELD_OUT], labels[:-HELD_OUT]
    x_test, y_test = x[-HELD_OUT:], labels[-HELD_OUT:]
    params = train(x_train, y_train)
    _, p = forward([p.astype(np.float64) for p in params], x_test)
    accuracy = float((p.argmax(axis=1) == y_test).mean())
    print(f"held-out accuracy: {accuracy:.3f} on {HELD_OUT} digits")
    onnx.save(to_onnx(params), os.path.join(HERE, "digits.onnx"))
    seven = int(np.nonzero(y_test == 7)[0][0])
    sample = x_test[seven].astype(np.float32)
    print(f"held-out 7 (digit {len(x_train) + seven}): predicted {int(p[seven].argmax())}")
    with open(os.path.join(HERE, "held-out-7.json"), "w") as f:
        json.dump({"dtype": "f32", "shape": [1, 64], "data": [float(v) for v in sample]}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
