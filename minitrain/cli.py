"""The ``minitrain`` command: ``minitrain demo``, and the entry points of the course."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import numpy as np


def linear_demo(epochs: int = 100, learning_rate: float = 0.1, seed: int = 0) -> dict[str, float]:
    """The classic first example: learn y = 2x + 1 from noisy samples with one Dense unit.

    Sequential([Dense(1, 1)]) trained by minibatch SGD on the MSE loss, then compared with the
    closed-form least-squares solution. Returns the learned and exact coefficients.
    """
    import minitrain as mt

    X, y = mt.data.make_linear(n=100, coef=2.0, intercept=1.0, noise=0.5, seed=seed)
    model = mt.Sequential([mt.Dense(1, 1)])
    history = mt.fit(
        model,
        mt.losses.MSE(),
        mt.optim.SGD(lr=learning_rate),
        X,
        y,
        epochs=epochs,
        batch_size=16,
        seed=seed,
        progress=False,
    )
    exact = mt.closed_form.ols(X, y)
    exact_w = float(np.ravel(exact.coef)[0])
    exact_b = float(np.ravel(exact.intercept)[0])
    exact_loss = mt.losses.MSE()(X * exact_w + exact_b, y)
    learned_w = float(history.params["0.W"][0, 0])
    learned_b = float(history.params["0.b"][0])
    final_loss = mt.losses.MSE()(model.predict(history.params, X), y)
    print("Linear regression y = 2x + 1 + noise, 100 samples, Dense(1, 1), SGD, MSE")
    print(f"{'':22}{'w':>10}{'b':>10}{'MSE':>10}")
    print(f"{'true generator':22}{2.0:>10.4f}{1.0:>10.4f}{'':>10}")
    print(f"{'closed form (OLS)':22}{exact_w:>10.4f}{exact_b:>10.4f}{exact_loss:>10.4f}")
    print(f"{f'SGD, {epochs} epochs':22}{learned_w:>10.4f}{learned_b:>10.4f}{final_loss:>10.4f}")
    return {
        "w": learned_w,
        "b": learned_b,
        "exact_w": exact_w,
        "exact_b": exact_b,
        "loss": final_loss,
        "exact_loss": exact_loss,
    }


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="minitrain", description="Train and simulate models on edge devices, in NumPy."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="run the demonstration")
    demo.add_argument(
        "--linear", action="store_true", help="the linear-regression example (y = 2x + 1)"
    )
    demo.add_argument("--epochs", type=int, default=100, help="training epochs (default 100)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        linear_demo(epochs=args.epochs, seed=args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
