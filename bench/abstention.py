"""Calibrating and measuring the extractive reader's abstention (used by bench/temporal.py).

Each row is one question: which corpus it comes from, whether it is in the tuning split, whether
its answer is absent from memory (scenario "absent" questions, LoCoMo category 5) and the
``Evidence`` the reader had (``hippograph.retrieve.abstain``). ``fit`` fits the support model on
the tuning rows only (class- and corpus-balanced logistic regression, weights kept non-negative:
more coverage or a closer match never lowers support) and picks the threshold with the most
abstention on unanswerable tuning questions while false abstention stays within the target on
each tuning corpus. The held-out rows measure it.
"""

from __future__ import annotations

import numpy as np

from hippograph.retrieve.abstain import AbstentionModel, Evidence

FEATURES = ("coverage", "unit_cosine", "fact_cosine")
TUNING_LOCOMO = ("conv-26", "conv-30")  # the other three LoCoMo dev5 conversations are held out
THRESHOLDS = [round(float(t), 2) for t in np.arange(0.0, 0.61, 0.05)]


def is_tuning(corpus: str, key: str) -> bool:
    """Tuning split: two LoCoMo conversations and the odd-numbered scenario questions."""
    if corpus == "locomo":
        return key in TUNING_LOCOMO
    return int(key.lstrip("q")) % 2 == 1


def row(corpus: str, key: str, unanswerable: bool, evidence: Evidence) -> dict:
    return {
        "corpus": corpus,
        "split": "tuning" if is_tuning(corpus, key) else "held-out",
        "unanswerable": unanswerable,
        "evidence": evidence.as_dict(),
    }


def _matrix(rows: list[dict], means: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    x = np.array([[np.nan if r["evidence"][f] is None else r["evidence"][f] for f in FEATURES] for r in rows], float)
    if means is None:
        means = np.nanmean(x, axis=0)
    return np.where(np.isnan(x), means, x), means


def _logistic(x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float = 1e-2) -> np.ndarray:
    """Weighted L2-regularized logistic regression by Newton's method; returns (weights..., bias)."""
    x1 = np.hstack([x, np.ones((len(x), 1))])
    b = np.zeros(x1.shape[1])
    ridge = l2 * np.diag([1.0] * x.shape[1] + [0.0])
    for _ in range(50):
        p = 1 / (1 + np.exp(-x1 @ b))
        gradient = x1.T @ (w * (p - y)) + ridge @ b
        hessian = (x1 * (w * p * (1 - p))[:, None]).T @ x1 + ridge + 1e-9 * np.eye(len(b))
        b -= np.linalg.solve(hessian, gradient)
    return b


def rates(rows: list[dict], model: AbstentionModel, threshold: float | None = None) -> dict:
    """% abstained on unanswerable and on answerable questions (false abstention)."""
    abstained = [model.abstains(Evidence(**r["evidence"]), threshold) for r in rows]
    un = [a for a, r in zip(abstained, rows) if r["unanswerable"]]
    ans = [a for a, r in zip(abstained, rows) if not r["unanswerable"]]
    return {
        "abstention": 100 * sum(un) / max(1, len(un)),
        "false_abstention": 100 * sum(ans) / max(1, len(ans)),
        "n_unanswerable": len(un),
        "n_answerable": len(ans),
    }


def fit(rows: list[dict], target_false: float = 5.0) -> AbstentionModel:
    """The support model fitted on the tuning rows (see the module docstring)."""
    tuning = [r for r in rows if r["split"] == "tuning"]
    scored = [r for r in tuning if not r["evidence"]["missing_names"]]  # the name rule decides the rest
    x, means = _matrix(scored)
    y = np.array([0.0 if r["unanswerable"] else 1.0 for r in scored])  # 1 = the answer is in memory
    w = np.zeros(len(scored))
    for corpus in {r["corpus"] for r in scored}:
        for label in (0.0, 1.0):
            mask = np.array([r["corpus"] == corpus for r in scored]) & (y == label)
            w[mask] = 1 / max(1, mask.sum())
    w *= len(scored) / w.sum()
    keep = list(range(len(FEATURES)))
    while True:  # drop a feature whose fitted weight is negative, then refit
        b = _logistic(x[:, keep], y, w)
        negative = [k for k, weight in zip(keep, b[:-1]) if weight < 0]
        if not negative:
            break
        keep.remove(negative[0])
    weights = [0.0] * len(FEATURES)
    for k, weight in zip(keep, b[:-1]):
        weights[k] = round(float(weight), 3)
    model = AbstentionModel(
        tuple(weights),  # type: ignore[arg-type]
        round(float(b[-1]), 3),
        tuple(round(float(m), 3) for m in means),  # type: ignore[arg-type]
        0.0,
    )
    by_corpus = [[r for r in tuning if r["corpus"] == c] for c in sorted({r["corpus"] for r in tuning})]
    best = 0.0
    for t in np.arange(0.0, 1.0, 0.01):
        if all(rates(part, model, float(t))["false_abstention"] <= target_false for part in by_corpus):
            best = round(float(t), 2)
    return AbstentionModel(model.weights, model.bias, model.means, best)


def table(rows: list[dict], model: AbstentionModel) -> list[dict]:
    """Rates per corpus and split at the model's threshold."""
    out = []
    for corpus in ("scenario", "locomo"):
        for split in ("tuning", "held-out", "all"):
            part = [r for r in rows if r["corpus"] == corpus and split in ("all", r["split"])]
            if part:
                out.append({"corpus": corpus, "split": split, **rates(part, model)})
    return out


def curve(rows: list[dict], model: AbstentionModel) -> list[dict]:
    """The trade-off: rates on every corpus's held-out rows (and all LoCoMo) at each threshold."""
    out = []
    for t in sorted({*THRESHOLDS, model.threshold}):
        line: dict = {"threshold": t}
        for corpus in ("scenario", "locomo"):
            for split in ("held-out", "all"):
                part = [r for r in rows if r["corpus"] == corpus and split in ("all", r["split"])]
                if part:
                    line[f"{corpus} {split}"] = rates(part, model, t)
        out.append(line)
    return out
