"""A small training function that logs through runlog: the code under test."""

import runlog


def train(steps: int = 20, lr: float = 0.1) -> float:
    """Fit ``y = 3x`` by gradient descent, logging to the current run; return the weight."""
    xs = [0.5, 1.0, 1.5, 2.0]
    weight = 0.0
    for _ in range(steps):
        grad = sum(2 * (weight - 3) * x * x for x in xs) / len(xs)
        weight -= lr * grad
        loss = sum(((weight - 3) * x) ** 2 for x in xs) / len(xs)
        runlog.log({"train": {"loss": loss}, "weight": weight})
    runlog.summary["final_weight"] = weight
    return weight
