"""Layers with hand-written backward passes, and the ``Sequential`` model that chains them.

A layer holds structure only. Its parameters are a dict of arrays with *local* keys (``"W"``,
``"b"``); ``Sequential`` names them ``"<i>.W"`` and ``"<i>.b"`` after the layer's index.

    forward(params, x)         -> (y, cache)
    backward(params, cache, dy) -> (dx, grads)     dy = dL/dy, dx = dL/dx, grads = dL/dparams

Shapes: x is (N, n_in), y is (N, n_out); every gradient has the shape of what it differentiates.
``Sequential.forward`` and ``backward`` run the whole chain or a range of its layers
(``start``, ``stop``), so a model split across devices reuses them stage by stage.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import numpy as np

from ._types import Params
from ._validate import (
    as_float_array,
    check_choice,
    check_dtype,
    check_instance,
    check_int,
    check_params,
    check_positive,
    check_seed,
    describe,
)

INITIALISERS = ("glorot", "he", "torch")


def params_dtype(params: Params) -> np.dtype | None:
    """The dtype of checked parameters (one for all), or None for a model without any."""
    return next(iter(params.values())).dtype if params else None


def check_init_args(rng: Any, dtype: Any) -> np.dtype:
    """Check a layer's ``init`` arguments: a ``numpy.random.Generator`` and float32 or float64."""
    check_instance("rng", rng, np.random.Generator, "np.random.default_rng(0)")
    return check_dtype("dtype", dtype)


class Layer:
    """Base class: a layer without parameters (override what differs).

    ``forward`` and ``backward`` are the formulas, unvalidated: ``Sequential.predict``,
    ``mt.value_and_grad`` and ``fit`` check their arguments once before calling them.
    """

    def init(self, rng: np.random.Generator, dtype: Any = np.float64) -> Params:
        check_init_args(rng, dtype)
        return {}

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        return {}

    def forward(self, params: Params, x: np.ndarray) -> tuple[np.ndarray, Any]:
        raise NotImplementedError

    def backward(
        self, params: Params, cache: Any, dy: np.ndarray, need_dx: bool = True
    ) -> tuple[np.ndarray | None, Params]:
        """(dL/dx, dL/dparams) from dL/dy; dL/dx may be skipped (None) when not needed."""
        raise NotImplementedError

    def macs(self, batch: int) -> int:
        """Multiply-adds of one forward pass over ``batch`` rows (0 for elementwise layers)."""
        check_int("batch", batch, minimum=0)
        return 0

    def output_width(self, n_in: int) -> int:
        return n_in

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Dense(Layer):
    r"""Fully connected layer ``y = x W + b``.

    Shapes: x (N, n_in), W (n_in, n_out), b (n_out,), y (N, n_out).

    Backward, with dy = dL/dy of shape (N, n_out):

        dL/dW = x^T dy        (n_in, n_out)
        dL/db = sum_n dy[n]   (n_out,)
        dL/dx = dy W^T        (N, n_in)

    Initialisers (b = 0):
        "glorot": W ~ U(-a, a), a = sqrt(6 / (n_in + n_out))   (Glorot & Bengio 2010; tanh)
        "he":     W ~ N(0, 2 / n_in)                            (He et al. 2015; ReLU)
        "torch":  W, b ~ U(-1/sqrt(n_in), 1/sqrt(n_in))          (torch.nn.Linear's default)
    """

    def __init__(self, n_in: int, n_out: int, init: str = "glorot") -> None:
        self.n_in = check_int("n_in", n_in, minimum=1)
        self.n_out = check_int("n_out", n_out, minimum=1)
        self.init_name = check_choice("init", init, INITIALISERS)

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        return {"W": (self.n_in, self.n_out), "b": (self.n_out,)}

    def init(self, rng: np.random.Generator, dtype: Any = np.float64) -> Params:
        dtype = check_init_args(rng, dtype)
        shape = (self.n_in, self.n_out)
        if self.init_name == "glorot":
            limit = np.sqrt(6.0 / (self.n_in + self.n_out))
            W = rng.uniform(-limit, limit, size=shape)
            b = np.zeros(self.n_out)
        elif self.init_name == "he":
            W = rng.normal(0.0, np.sqrt(2.0 / self.n_in), size=shape)
            b = np.zeros(self.n_out)
        else:
            bound = 1.0 / np.sqrt(self.n_in)
            W = rng.uniform(-bound, bound, size=shape)
            b = rng.uniform(-bound, bound, size=self.n_out)
        return {"W": W.astype(dtype), "b": b.astype(dtype)}

    def forward(self, params: Params, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        y = x @ params["W"]
        y += params["b"]
        return y, x

    def backward(
        self,
        params: Params,
        cache: np.ndarray,
        dy: np.ndarray,
        need_dx: bool = True,
        out: Params | None = None,
    ) -> tuple[np.ndarray | None, Params]:
        """With ``out`` (arrays shaped like W and b), dL/dW and dL/db are written into them:
        ``fit`` gives views of its flat gradient vector, which saves a copy per step."""
        x = cache
        if out is None:
            grads = {"W": x.T @ dy, "b": dy.sum(axis=0)}
        else:
            grads = {"W": np.matmul(x.T, dy, out=out["W"]), "b": dy.sum(axis=0, out=out["b"])}
        return (dy @ params["W"].T if need_dx else None), grads

    def macs(self, batch: int) -> int:
        return check_int("batch", batch, minimum=0) * self.n_in * self.n_out

    def output_width(self, n_in: int) -> int:
        return self.n_out

    def __repr__(self) -> str:
        return f"Dense({self.n_in}, {self.n_out})"


class ReLU(Layer):
    """Rectified linear unit ``y = max(x, 0)``; backward ``dx = dy * [x > 0]``. Shapes (N, D)."""

    def forward(self, params: Params, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        y = np.maximum(x, 0)
        return y, y

    def backward(self, params: Params, cache: np.ndarray, dy: np.ndarray, need_dx: bool = True):
        return dy * (cache > 0), {}


class LeakyReLU(Layer):
    """``y = x`` for x > 0, ``slope * x`` otherwise; backward ``dx = dy * (1 if x > 0 else slope)``.

    Shapes (N, D). The default slope 0.01 is torch.nn.LeakyReLU's.
    """

    def __init__(self, slope: float = 0.01) -> None:
        self.slope = check_positive("slope", slope, allow_zero=True)

    def forward(self, params: Params, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        positive = x > 0
        return np.where(positive, x, x * x.dtype.type(self.slope)), positive

    def backward(self, params: Params, cache: np.ndarray, dy: np.ndarray, need_dx: bool = True):
        return np.where(cache, dy, dy * dy.dtype.type(self.slope)), {}

    def __repr__(self) -> str:
        return f"LeakyReLU({self.slope})"


class Tanh(Layer):
    """``y = tanh(x)``; backward ``dx = dy * (1 - y^2)``. Shapes (N, D)."""

    def forward(self, params: Params, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        y = np.tanh(x)
        return y, y

    def backward(self, params: Params, cache: np.ndarray, dy: np.ndarray, need_dx: bool = True):
        return dy * (1 - cache * cache), {}


def sigmoid(x: Any) -> np.ndarray:
    """Logistic function ``1 / (1 + exp(-x))``, computed as ``(1 + tanh(x/2)) / 2``, elementwise
    on a finite float32 or float64 array (any shape; checked), in its dtype.

    The tanh form never overflows, so logits of any magnitude give no warning.
    """
    return sigmoid_unchecked(as_float_array("x", x))


def sigmoid_unchecked(x: np.ndarray) -> np.ndarray:
    """``sigmoid`` unchecked: the formula the layer and the loss apply at every step."""
    half = x.dtype.type(0.5)
    return half * (1 + np.tanh(half * x))


class Sigmoid(Layer):
    """``y = 1 / (1 + exp(-x))``; backward ``dx = dy * y (1 - y)``. Shapes (N, D)."""

    def forward(self, params: Params, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        y = sigmoid_unchecked(x)
        return y, y

    def backward(self, params: Params, cache: np.ndarray, dy: np.ndarray, need_dx: bool = True):
        return dy * cache * (1 - cache), {}


class Sequential:
    """A chain of layers ``f = f_{L-1} o ... o f_0``; backprop applies the chain rule in reverse.

    ``params`` is one flat dict: layer i's local key ``k`` is stored as ``"i.k"``.
    """

    def __init__(self, layers: Sequence[Layer]) -> None:
        if not isinstance(layers, (list, tuple)):
            raise TypeError(
                "layers must be a list of layers such as [mt.Dense(4, 8), mt.ReLU()]; got "
                f"{describe(layers)}{' (put it in a list)' if isinstance(layers, Layer) else ''}."
            )
        layers = list(layers)
        if not layers:
            raise ValueError("layers must hold at least one layer; got an empty list.")
        for i, layer in enumerate(layers):
            check_instance(f"layers[{i}]", layer, Layer, "mt.Dense(4, 8) or mt.ReLU()")
        widths = [(i, layer) for i, layer in enumerate(layers) if isinstance(layer, Dense)]
        for (i, a), (j, b) in pairwise(widths):
            if a.n_out != b.n_in:
                raise ValueError(
                    f"layer {j} ({b!r}) expects {b.n_in} inputs but layer {i} ({a!r}) "
                    f"gives {a.n_out}; make them equal."
                )
        self.layers = layers
        self._keys = [  # (local key, model key) per layer, built once: used at every step
            [(k, f"{i}.{k}") for k in layer.param_shapes()] for i, layer in enumerate(layers)
        ]
        # Layers whose backward is Dense's own, which writes its gradients into ``out``.
        self._writes_into = [type(layer).backward is Dense.backward for layer in layers]
        self.n_in = widths[0][1].n_in if widths else None
        self.n_out = widths[-1][1].n_out if widths else None

    # ----- parameters -------------------------------------------------------------------------
    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        """Every parameter key with its shape, in layer order."""
        return {
            f"{i}.{k}": shape
            for i, layer in enumerate(self.layers)
            for k, shape in layer.param_shapes().items()
        }

    def init(self, seed: int = 0, dtype: Any = np.float64) -> Params:
        """Fresh parameters from ``np.random.default_rng(seed)``, keys in layer order.

        ``seed``: an int >= 0. ``dtype``: np.float32 or np.float64 (float16 is refused).
        """
        dtype = check_dtype("dtype", dtype)
        rng = np.random.default_rng(check_seed("seed", seed))
        params: Params = {}
        for i, layer in enumerate(self.layers):
            for k, v in layer.init(rng, dtype).items():
                params[f"{i}.{k}"] = v
        return params

    def layer_params(self, params: Params, i: int) -> Params:
        """Layer i's parameters with local keys (``{"W": ..., "b": ...}``). Unvalidated, like
        ``forward`` and ``backward``, which call it at every step."""
        return {local: params[key] for local, key in self._keys[i]}

    def per_layer(self, params: Params) -> list[Params]:
        """Every layer's parameters with local keys, in layer order (``{}`` for a layer without).

        ``forward`` and ``backward`` take this list in place of ``params``: a loop that calls
        them many times on the same arrays (``fit``) builds it once instead of once per call.
        """
        return [self.layer_params(params, i) for i in range(len(self.layers))]

    def num_params(self) -> int:
        return int(sum(np.prod(s) for s in self.param_shapes().values()))

    def macs(self, batch: int = 1) -> int:
        """Multiply-adds of one forward pass over ``batch`` rows (an int >= 0)."""
        batch = check_int("batch", batch, minimum=0)
        return sum(layer.macs(batch) for layer in self.layers)

    # ----- computation ------------------------------------------------------------------------
    def forward(
        self,
        params: Params | list[Params],
        X: np.ndarray,
        *,
        start: int = 0,
        stop: int | None = None,
    ) -> tuple[np.ndarray, list[Any]]:
        """Output of layers ``start`` to ``stop - 1`` (all by default) on X, the input of layer
        ``start``, and each of their caches, in layer order. ``params``: the model's dict, or
        ``per_layer(params)``. Unvalidated (see ``predict``)."""
        stop = len(self.layers) if stop is None else stop
        split = isinstance(params, list)
        caches = []
        out = X
        for i in range(start, stop):
            layer_params = params[i] if split else self.layer_params(params, i)
            out, cache = self.layers[i].forward(layer_params, out)
            caches.append(cache)
        return out, caches

    def backward(
        self,
        params: Params | list[Params],
        caches: list[Any],
        dout: np.ndarray,
        need_dx: bool = False,
        *,
        start: int = 0,
        stop: int | None = None,
        out: Params | list[Params] | None = None,
    ) -> tuple[np.ndarray | None, Any]:
        """Chain rule in reverse: ``dL/dx_i = backward_i(dL/dx_{i+1})``; returns (dX, grads).

        Over layers ``start`` to ``stop - 1`` (all by default), with the ``caches`` that
        ``forward`` returned for the same range and ``dout`` = dL/d(output of layer stop - 1).
        grads has the keys of those layers in layer order; dX, the gradient with respect to
        the input of layer ``start``, is computed only with ``need_dx``. With ``out`` (arrays
        keyed like grads, or ``per_layer`` of them), the gradients are written into it and
        ``out`` is returned; ``fit`` passes views of its flat gradient vector. ``params``: the
        model's dict, or ``per_layer(params)``. Unvalidated.
        """
        stop = len(self.layers) if stop is None else stop
        split, split_out = isinstance(params, list), isinstance(out, list)
        grads: Any = {} if out is None else out
        d = dout
        for i in range(stop - 1, start - 1, -1):
            layer_params = params[i] if split else self.layer_params(params, i)
            need = need_dx or i > start
            if out is None:
                d, layer_grads = self.layers[i].backward(layer_params, caches[i - start], d, need)
                grads.update((key, layer_grads[local]) for local, key in self._keys[i])
                continue
            into = out[i] if split_out else self.layer_params(out, i)
            if into and self._writes_into[i]:
                d = self.layers[i].backward(layer_params, caches[i - start], d, need, into)[0]
                continue
            d, layer_grads = self.layers[i].backward(layer_params, caches[i - start], d, need)
            for local, array in into.items():  # a layer of its own making: gradients copied in
                np.copyto(array, layer_grads[local])
        if out is None:  # in layer order
            grads = {key: grads[key] for keys in self._keys[start:stop] for _, key in keys}
        return d, grads

    # ----- checks at the public boundary -----------------------------------------------------
    def check_params(self, params: Any, name: str = "params") -> Params:
        """Check that ``params`` are this model's: its keys and shapes, one floating dtype."""
        check_params(name, params)
        shapes = self.param_shapes()
        missing = [k for k in shapes if k not in params]
        extra = [k for k in params if k not in shapes]
        if missing or extra:
            raise ValueError(
                f"{name} do not match this model: missing {missing}, unexpected {extra}; "
                "create them with model.init(seed)."
            )
        for key, shape in shapes.items():
            if params[key].shape != shape:
                i = int(key.split(".")[0])
                raise ValueError(
                    f"{name}[{key!r}] has shape {params[key].shape} but {self.layers[i]!r} "
                    f"at layer {i} expects {shape}."
                )
        dtypes = {v.dtype for v in params.values()}
        if len(dtypes) > 1:
            raise TypeError(
                f"{name} mix dtypes {sorted(map(str, dtypes))}; minitrain does not cast "
                "silently: give every parameter one dtype, e.g. model.init(seed, dtype=...)."
            )
        return params

    def check_input(self, X: Any, name: str = "X", dtype: Any = None) -> np.ndarray:
        """Check X against this model (2-D, finite, n_in columns, ``dtype`` when given, the
        params' dtype); return it as an array."""
        X = as_float_array(name, X, ndim=2)
        if self.n_in is not None and X.shape[1] != self.n_in:
            first = next(i for i, layer in enumerate(self.layers) if isinstance(layer, Dense))
            raise ValueError(
                f"{name} has {X.shape[1]} columns but the model expects {self.n_in} "
                f"({self.layers[first]!r} at layer {first})."
            )
        if dtype is not None and X.dtype != dtype:
            raise TypeError(
                f"{name} has dtype {X.dtype} but the params have {[np.dtype(dtype).name]}; "
                f"minitrain does not cast silently: use model.init(seed, dtype={name}.dtype) "
                f"or {name}.astype(...)."
            )
        return X

    def predict(self, params: Params, X: Any) -> np.ndarray:
        """Model output for X: (N, n_in) -> (N, n_out). Validates shapes, dtypes and finiteness."""
        params = self.check_params(params)
        X = self.check_input(X, dtype=params_dtype(params))
        return self.forward(params, X)[0]

    def summary(self) -> str:
        """A table of the layers, their output shapes and parameter counts."""
        rows = [("#", "layer", "output", "params")]
        width = self.n_in
        for i, layer in enumerate(self.layers):
            width = layer.output_width(width) if width is not None else None
            count = int(sum(np.prod(s) for s in layer.param_shapes().values()))
            rows.append((str(i), repr(layer), f"(N, {width})", f"{count:,}"))
        rows.append(("", "total", "", f"{self.num_params():,}"))
        widths = [max(len(r[c]) for r in rows) for c in range(4)]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in rows]
        lines.insert(1, "-" * len(lines[0]))
        lines.insert(-1, "-" * len(lines[0]))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Sequential([{', '.join(map(repr, self.layers))}])"
