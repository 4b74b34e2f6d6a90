"""numpy models of the corpus kernels: what each kernel should compute, from its stored inputs.

``MODELS[kernel](inputs, values)`` returns the expected outputs; ``inputs`` are the stored
arrays (bfloat16 as float32 here), ``values`` the case's sizes and scalars by name. Models work
in float64 unless a kernel's result depends on float32 rounding (then they use float32).
The test in test_models.py compares them with the outputs recorded on a GPU.
"""

from __future__ import annotations

import itertools

import numpy as np

f32, f64 = np.float32, np.float64


def _saxpy(i, v):
    return {"y": v["a"] * i["x"].astype(f64) + i["y"]}


def _vector_add(i, v):
    return {"c": i["a"].astype(f64) + i["b"]}


def _scale_bias(i, v):
    return {"y": i["x"].astype(f64) * i["scale"] + i["bias"]}


def _axpby_float4(i, v):
    return {"y": v["a"] * i["x"].astype(f64) + v["b"] * i["y"]}


def _half2_axpy(i, v):
    a = np.float16(v["a"]).astype(f64)
    return {"y": (a * i["x"].astype(f64) + i["y"].astype(f64)).astype(np.float16)}


def _bf16_residual(i, v):
    return {"out": (i["x"] + i["residual"]) * f32(v["scale"])}


def _cast_precision(i, v):
    from porter.golden.dtypes import bf16_to_f32, f32_to_bf16

    with np.errstate(over="ignore"):
        half = i["x"].astype(np.float16)
    bf16 = bf16_to_f32(f32_to_bf16(i["x"]))
    with np.errstate(invalid="ignore"):
        trip = half.astype(f32) - bf16
    return {"as_half": half, "as_bf16": bf16, "round_trip": trip,
            "as_int": np.rint(i["y"] * f32(1000.0)).astype(np.int32)}


def _relu(i, v):
    x = i["x"]
    return {"y_relu": np.where(x > 0, x, f32(0)), "y_leaky": np.where(x >= 0, x, f32(v["slope"]) * x)}


def _gelu_tanh(i, v):
    x = i["x"].astype(f64)
    return {"y": 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))}


def _silu(i, v):
    def silu(x):
        return x / (1 + np.exp(-x))

    d = v["d"]
    gate_up = i["gate_up"].astype(f64)
    return {"y": silu(i["x"].astype(f64)), "out": silu(gate_up[:, :d]) * gate_up[:, d:]}


def _sigmoid(i, v):
    with np.errstate(over="ignore"):
        return {"y": 1 / (1 + np.exp(-i["x"].astype(f64)))}


def _clamp_where(i, v):
    return {"clamped": np.clip(i["x"], f32(v["lo"]), f32(v["hi"])),
            "picked": np.where(i["mask"] != 0, i["a"], 2 * i["b"])}


def _int_hash(i, v):
    h = i["keys"] ^ np.uint32(v["seed"])
    for shift, multiplier in ((16, 0x85EBCA6B), (13, 0xC2B2AE35)):
        h = (h ^ (h >> np.uint32(shift))) * np.uint32(multiplier)
    h = h ^ (h >> np.uint32(16))
    value = i["x"].astype(np.int64) * 7 - 3
    quotient = np.sign(value) * (np.abs(value) // v["divisor"])  # C truncates toward zero
    return {"hash": h, "quotient": quotient, "remainder": value - quotient * v["divisor"]}


def _grid_stride(i, v):
    x = i["x"].astype(f64)
    return {"y": x * x - 0.5 * x}


def _complex_mul(i, v):
    def c(name):
        return i[name][:, 0].astype(f64) + 1j * i[name][:, 1]

    result = c("a") * np.conj(c("b")) + c("c")
    return {"out": np.stack([result.real, result.imag], axis=1)}


def _rope(i, v):
    x = i["x"].astype(f64)
    tokens, _, dim = x.shape
    k = np.arange(dim // 2)
    angle = (v["offset"] + np.arange(tokens))[:, None] * v["base"] ** (-2.0 * k / dim)
    c, s = np.cos(angle)[:, None, :], np.sin(angle)[:, None, :]
    out = np.empty_like(x)
    out[..., 0::2] = x[..., 0::2] * c - x[..., 1::2] * s
    out[..., 1::2] = x[..., 0::2] * s + x[..., 1::2] * c
    return {"out": out}


def _chunk_sums(x, size):
    padded = np.zeros(-(-len(x) // size) * size)
    padded[: len(x)] = x
    return padded.reshape(-1, size).sum(axis=1)


def _reduce_shared(i, v):
    x = i["x"].astype(f64)
    return {"partials": _chunk_sums(x, 512), "total": [x.sum()]}


def _strided_block_sums(values, threads, blocks):
    owner = (np.arange(len(values)) // threads) % blocks
    return np.bincount(owner, weights=values, minlength=blocks)


def _reduce_warp(i, v):
    partials = _strided_block_sums(i["x"].astype(f64) ** 2, v["threads"], v["blocks"])
    return {"partials": partials, "total": [partials.sum()]}


def _reduce_atomic(i, v):
    return {"result": [1.0 + i["x"].astype(f64).sum()]}


def _dot_product(i, v):
    products = i["x"].astype(f64) * i["y"]
    total = products.sum()
    return {"partials": _strided_block_sums(products, 256, v["blocks"]), "result": [total],
            "result_f": [total]}


def _row_stats(i, v):
    x = i["x"].astype(f64)
    return {"mean": x.mean(axis=1), "maximum": x.max(axis=1)}


def _argmax_rows(i, v):
    return {"argmax": i["x"].argmax(axis=1), "maximum": i["x"].max(axis=1)}


def _gemv_warp(i, v):
    return {"y": v["alpha"] * (i["a"].astype(f64) @ i["x"]) + v["beta"] * i["y"]}


def _histogram(i, v):
    scale = f32(v["bins"]) / (f32(v["hi"]) - f32(v["lo"]))
    bins = np.floor((i["x"] - f32(v["lo"])) * scale).astype(np.int64)
    return {"counts": np.bincount(np.clip(bins, 0, v["bins"] - 1), minlength=v["bins"])}


def _scatter_add(i, v):
    out = i["out"].astype(f64)
    np.add.at(out, i["index"], i["src"])
    return {"out": out}


def _softmax(x, axis=-1):
    x = x.astype(f64)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _layernorm(i, v):
    x = i["x"].astype(f64)
    mean = x.mean(axis=1)
    rstd = 1 / np.sqrt(((x - mean[:, None]) ** 2).mean(axis=1) + v["eps"])
    return {"y": (x - mean[:, None]) * rstd[:, None] * i["gamma"] + i["beta"], "mean": mean, "rstd": rstd}


def _rmsnorm(i, v):
    x = i["x"].astype(f64)
    return {"y": x / np.sqrt((x**2).mean(axis=1, keepdims=True) + v["eps"]) * i["weight"]}


def _cross_entropy(i, v):
    z = i["logits"].astype(f64)
    m = z.max(axis=1)
    lse = np.log(np.exp(z - m[:, None]).sum(axis=1)) + m
    labels = i["labels"]
    picked = z[np.arange(len(z)), np.maximum(labels, 0)]
    return {"loss": np.where(labels < 0, 0.0, lse - picked)}


def _adam(i, v):
    g = i["grads"].astype(f64)
    m = v["beta1"] * i["m"] + (1 - v["beta1"]) * g
    s = v["beta2"] * i["v"] + (1 - v["beta2"]) * g * g
    m_hat, v_hat = m / (1 - v["beta1"] ** v["step"]), s / (1 - v["beta2"] ** v["step"])
    p = i["params"].astype(f64)
    return {"params": p - v["lr"] * (m_hat / (np.sqrt(v_hat) + v["eps"]) + v["weight_decay"] * p),
            "m": m, "v": s}


def _scan_block(i, v):
    x, t = i["x"].astype(np.int64), v["threads"]
    return {"y": np.concatenate([np.cumsum(x[s:s + t]) for s in range(0, len(x), t)])}


def _scan_multiblock(i, v):
    x = i["x"].astype(f64)
    sums = _chunk_sums(x, 512)
    return {"y": np.cumsum(x), "block_sums": sums, "offsets": np.cumsum(sums) - sums}


def _stream_compact(i, v):
    keep = i["x"] > f32(v["threshold"])
    counts = _chunk_sums(keep.astype(f64), 256).astype(np.int64)
    out = np.zeros_like(i["x"])
    out[: keep.sum()] = i["x"][keep]
    return {"block_counts": counts, "block_offsets": np.cumsum(counts) - counts, "total": [keep.sum()],
            "out": out}


def _stencil_3pt(i, v):
    x = i["x"].astype(f64)
    padded = np.concatenate([x[:1], x, x[-1:]])
    return {"y": 0.25 * padded[:-2] + 0.5 * x + 0.25 * padded[2:]}


def _stencil_7pt(i, v):
    x, w = i["x"].astype(f64), i["w"].astype(f64)
    padded = np.concatenate([np.zeros(3), x, np.zeros(3)])
    return {"y": sum(w[k] * padded[k:k + len(x)] for k in range(7))}


def _jacobi_2d(i, v):
    def sweep(a):
        b = a.copy()
        b[1:-1, 1:-1] = 0.25 * (a[:-2, 1:-1] + a[2:, 1:-1] + a[1:-1, :-2] + a[1:-1, 2:])
        return b

    once = sweep(i["a"].astype(f64))
    return {"b": once, "a": sweep(once)}


def _conv2d_3x3(i, v):
    image, weights = i["image"].astype(f64), i["filter"].astype(f64)
    h, w = image.shape[1:]
    padded = np.pad(image, ((0, 0), (1, 1), (1, 1)))
    out = np.zeros((weights.shape[0], h, w)) + i["bias"][:, None, None]
    for dy in range(3):
        for dx in range(3):
            window = padded[:, dy:dy + h, dx:dx + w]
            out += np.einsum("oc,chw->ohw", weights[:, :, dy, dx], window)
    return {"out": out}


def _maxpool2d(i, v):
    x = i["x"]
    c, h, w = x.shape
    ho, wo = h // 2, w // 2
    windows = x[:, : 2 * ho, : 2 * wo].reshape(c, ho, 2, wo, 2).transpose(0, 1, 3, 2, 4).reshape(c, ho, wo, 4)
    first = windows.argmax(axis=-1)
    dy, dx = first // 2, first % 2
    rows = 2 * np.arange(ho)[None, :, None] + dy
    cols = 2 * np.arange(wo)[None, None, :] + dx
    return {"out": windows.max(axis=-1), "argmax": rows * w + cols}


def _transpose_tiled(i, v):
    return {"t": i["a"].T}


def _matmul_naive(i, v):
    return {"c": v["alpha"] * (i["a"].astype(f64) @ i["b"]) + v["beta"] * i["c"]}


def _matmul_tiled(i, v):
    return {"c": i["a"].astype(f64) @ i["b"]}


def _attention_naive(i, v):
    q, k, vv = (i[name].astype(f64) for name in ("q", "k", "v"))
    scores = np.einsum("bid,bjd->bij", q, k) * v["scale"]
    if v["causal"]:
        scores = np.where(np.triu(np.ones(scores.shape[1:], bool), 1), -np.inf, scores)
    probs = _softmax(scores)
    return {"scores": scores, "probs": probs, "out": probs @ vv}


def _embedding_gather(i, v):
    tokens = np.arange(v["tokens"])
    return {"out": i["table"][i["ids"]].astype(f64) * np.float32(v["scale"])
            + i["positions"][tokens % v["max_positions"]]}


def _spmv_csr(i, v):
    row_ptr = i["row_ptr"]
    y = [np.dot(i["values"][a:b].astype(f64), i["x"][i["col_idx"][a:b]]) for a, b in itertools.pairwise(row_ptr)]
    return {"y": np.array(y)}


def _collatz(i, v):
    steps = []
    for start in i["start"].tolist():
        count, value = 0, start
        while value > 1 and count < v["max_steps"]:
            value = 3 * value + 1 if value & 1 else value // 2
            count += 1
        steps.append(count)
    return {"steps": np.array(steps)}


def _bitonic_sort(i, v):
    keys, size = i["keys"], 2 * v["threads"]
    order = np.concatenate([s + np.argsort(keys[s:s + size], kind="stable") for s in range(0, len(keys), size)])
    return {"sorted": keys[order], "order": order}


MODELS = {
    "adam": _adam, "argmax_rows": _argmax_rows, "attention_naive": _attention_naive,
    "axpby_float4": _axpby_float4, "bf16_residual": _bf16_residual, "bitonic_sort": _bitonic_sort,
    "cast_precision": _cast_precision, "clamp_where": _clamp_where, "collatz": _collatz,
    "complex_mul": _complex_mul, "conv2d_3x3": _conv2d_3x3, "cross_entropy": _cross_entropy,
    "dot_product": _dot_product, "embedding_gather": _embedding_gather, "gelu_tanh": _gelu_tanh,
    "gemv_warp": _gemv_warp, "grid_stride": _grid_stride, "half2_axpy": _half2_axpy,
    "histogram": _histogram, "int_hash": _int_hash, "jacobi_2d": _jacobi_2d, "layernorm": _layernorm,
    "matmul_naive": _matmul_naive, "matmul_tiled": _matmul_tiled, "maxpool2d": _maxpool2d,
    "online_softmax": lambda i, v: {"y": _softmax(i["x"])}, "reduce_atomic": _reduce_atomic,
    "reduce_shared": _reduce_shared, "reduce_warp": _reduce_warp, "relu": _relu, "rmsnorm": _rmsnorm,
    "rope": _rope, "row_stats": _row_stats, "saxpy": _saxpy, "scale_bias": _scale_bias,
    "scan_block": _scan_block, "scan_multiblock": _scan_multiblock, "scatter_add": _scatter_add,
    "sigmoid": _sigmoid, "silu": _silu, "softmax_rows": lambda i, v: {"y": _softmax(i["x"])},
    "spmv_csr": _spmv_csr, "stencil_1d_3pt": _stencil_3pt, "stencil_1d_7pt": _stencil_7pt,
    "stream_compact": _stream_compact, "transpose_tiled": _transpose_tiled, "vector_add": _vector_add,
}

#: Where float32 math on the GPU and float64 here differ by more than the porting tolerances
#: (long sums, bf16/fp16 outputs): (rtol, atol) for the model comparison only.
MODEL_TOLERANCES = {
    "reduce_shared": (1e-5, 1e-3), "reduce_warp": (1e-5, 1e-2), "reduce_atomic": (1e-5, 1e-3),
    "scan_multiblock": (1e-5, 2e-3), "rmsnorm": (8e-3, 8e-3), "bf16_residual": (8e-3, 1e-2),
    "half2_axpy": (1e-3, 1e-3), "gemv_warp": (1e-5, 1e-4), "matmul_naive": (1e-5, 1e-4),
    "matmul_tiled": (1e-5, 1e-4), "attention_naive": (1e-5, 1e-5), "conv2d_3x3": (1e-5, 1e-5),
    "layernorm": (1e-5, 1e-5), "spmv_csr": (1e-5, 1e-5), "scatter_add": (1e-5, 5e-5),
    "rope": (1e-4, 5e-5), "cross_entropy": (1e-5, 1e-5), "row_stats": (1e-5, 1e-5),
    "dot_product": (1e-7, 1e-6), "embedding_gather": (1e-6, 1e-6), "adam": (1e-5, 1e-6),
}
DEFAULT_TOLERANCE = (1e-5, 1e-6)
