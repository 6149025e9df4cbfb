#!/usr/bin/env python3
"""Independent float64 reference values for the loss library (docs: shared design LOSSES.md).

Usage (from the repository root):

    python3 src/core/losses/__fixtures__/losses_reference.py

writes src/core/losses/__fixtures__/reference.json, which the TypeScript unit tests read
(CI has no Python, so the JSON is committed). Needs numpy only.

What it does
------------
* Builds small seeded inputs: yTrue one-hot, yPred softmax probabilities, both rounded to
  float32 and written to JSON as the exact float32 values (a float64 repr that round-trips).
* Evaluates every loss of LOSSES.md in float64 on those float32 values:
  - clip(p, 1e-7, 1 - 1e-7) with the float32-rounded bounds (the implementation clips in
    float32, so its clipped values are exactly these);
  - channel on the last axis; soft counts tp, fn, fp summed over the spatial axes only
    (shape [B, C]); region terms averaged over [B, C]; cross-entropy-type terms summed over C
    for each pixel and averaged over batch and pixels;
  - d = 1 - TI computed as (δ·fn + (1-δ)·fp) / (tp + δ·fn + (1-δ)·fp + s), which is the same
    number without the cancellation of 1 - TI;
  - powers of d guarded as in fix 2: d**e where d > 0, else 0;
  - channel 0 background, channels >= 1 rare (fix 3); combo's β on the rare classes (fix 4).
* Asserts the identities of LOSSES.md, and checks a separate, literal "authors' formulation"
  (1 - TI in float64, the authors' binary channel slicing, code weight = 1 - λ) against the
  d-form to 1e-9 on non-degenerate random inputs.
* Prints a summary, including the perfect-prediction magnitudes LOSSES.md quotes.
"""

from __future__ import annotations

import json
import math
import os
import sys
from typing import Callable

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
OUT_PATH = os.path.join(ROOT, "src", "core", "losses", "__fixtures__", "reference.json")

# Keras epsilon clip, with the bounds rounded to float32 exactly as a float32 clip sees them.
CLIP_LO = float(np.float32(1e-7))  # 1.0000000116860974e-07
CLIP_HI = float(np.float32(1.0 - 1e-7))  # 0.9999998807907104
SMOOTH_DICE = 1e-6  # dice, tversky, focalTversky, combo's DSC
SMOOTH_UNIFIED = 1e-7  # symmetric/asymmetric focal Tversky (authors use K.epsilon())


# ----------------------------------------------------------------------------------------
# Reference implementation (d-form)
# ----------------------------------------------------------------------------------------
def _check(y: np.ndarray, p: np.ndarray) -> None:
    if y.shape != p.shape:
        raise ValueError(f"shape mismatch: yTrue {y.shape} vs yPred {p.shape}")
    if y.ndim not in (4, 5):
        raise ValueError(f"rank must be 4 or 5: yTrue {y.shape}, yPred {p.shape}")


def clip(p: np.ndarray) -> np.ndarray:
    return np.clip(p, CLIP_LO, CLIP_HI)


def soft_counts(y: np.ndarray, p: np.ndarray):
    """tp, fn, fp of shape [B, C], summed over the spatial axes only."""
    axes = tuple(range(1, y.ndim - 1))
    tp = np.sum(y * p, axis=axes)
    fn = np.sum(y * (1.0 - p), axis=axes)
    fp = np.sum((1.0 - y) * p, axis=axes)
    return tp, fn, fp


def one_minus_ti(tp, fn, fp, delta: float, smooth: float) -> np.ndarray:
    """d = 1 - TI(δ, s) without cancellation."""
    num = delta * fn + (1.0 - delta) * fp
    return num / (tp + num + smooth)


def guarded_pow(d: np.ndarray, e: float) -> np.ndarray:
    """Fix 2: d**e where d > 0, else 0."""
    pos = d > 0
    return np.where(pos, np.power(np.where(pos, d, 1.0), e), 0.0)


def pixel_mean(per_class: np.ndarray) -> float:
    """Sum over the channel (last) axis, mean over batch and pixels."""
    return float(np.mean(np.sum(per_class, axis=-1)))


def class_weights(c: int, w_background: float, w_rare: float) -> np.ndarray:
    w = np.full(c, w_rare, dtype=np.float64)
    w[0] = w_background
    return w


def ce_terms(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """-y·log(clip p), per pixel and class."""
    return -y * np.log(clip(p))


def cross_entropy(y, p):
    _check(y, p)
    return pixel_mean(ce_terms(y, p))


def focal(y, p, gamma=2.0, alpha=None):
    _check(y, p)
    c = y.shape[-1]
    if alpha is None:
        a = np.ones(c)
    elif np.ndim(alpha) == 0:
        a = class_weights(c, 1.0 - float(alpha), float(alpha))
    else:
        a = np.asarray(alpha, dtype=np.float64)
        if a.shape != (c,):
            raise ValueError(f"alpha has {a.size} entries for {c} classes")
    pc = clip(p)
    return pixel_mean(a * np.power(1.0 - pc, gamma) * (-y * np.log(pc)))


def dice(y, p, delta=0.5):
    _check(y, p)
    tp, fn, fp = soft_counts(y, p)  # NOT clipped
    return float(np.mean(one_minus_ti(tp, fn, fp, delta, SMOOTH_DICE)))


def tversky(y, p, delta=0.7):
    return dice(y, p, delta)


def focal_tversky(y, p, delta=0.7, gamma=4.0 / 3.0):
    _check(y, p)
    tp, fn, fp = soft_counts(y, clip(p))
    d = one_minus_ti(tp, fn, fp, delta, SMOOTH_DICE)
    return float(np.mean(guarded_pow(d, 1.0 / gamma)))


def combo(y, p, alpha=0.5, beta=0.5):
    _check(y, p)
    tp, fn, fp = soft_counts(y, p)  # unclipped soft Dice coefficient
    dsc = float(np.mean((tp + SMOOTH_DICE) / (tp + 0.5 * fn + 0.5 * fp + SMOOTH_DICE)))
    w = class_weights(y.shape[-1], 1.0 - beta, beta)  # fix 4: β on the rare classes
    ce_beta = pixel_mean(w * ce_terms(y, p))
    return alpha * ce_beta - (1.0 - alpha) * dsc


def symmetric_focal(y, p, delta=0.7, gamma=2.0):
    _check(y, p)
    pc = clip(p)
    w = class_weights(y.shape[-1], 1.0 - delta, delta)
    return pixel_mean(w * np.power(1.0 - pc, gamma) * (-y * np.log(pc)))


def asymmetric_focal(y, p, delta=0.7, gamma=2.0):
    _check(y, p)
    pc = clip(p)
    c = y.shape[-1]
    w = class_weights(c, 1.0 - delta, delta)
    mod = np.ones_like(pc)
    mod[..., 0] = np.power(1.0 - pc[..., 0], gamma)  # only the background is modulated
    return pixel_mean(w * mod * (-y * np.log(pc)))


def _unified_d(y, p, delta):
    tp, fn, fp = soft_counts(y, clip(p))
    return one_minus_ti(tp, fn, fp, delta, SMOOTH_UNIFIED)


def symmetric_focal_tversky(y, p, delta=0.7, gamma=0.75):
    _check(y, p)
    d = _unified_d(y, p, delta)
    return float(np.mean(guarded_pow(d, 1.0 - gamma)))


def asymmetric_focal_tversky(y, p, delta=0.7, gamma=0.75):
    _check(y, p)
    d = _unified_d(y, p, delta)
    terms = guarded_pow(d, 1.0 - gamma)
    terms[:, 0] = d[:, 0]  # background: plain 1 - TI
    return float(np.mean(terms))


def symmetric_unified_focal(y, p, lam=0.5, delta=0.6, gamma=0.5):
    return lam * symmetric_focal(y, p, delta, gamma) + (1.0 - lam) * symmetric_focal_tversky(
        y, p, delta, gamma
    )


def asymmetric_unified_focal(y, p, lam=0.5, delta=0.6, gamma=0.5):
    return lam * asymmetric_focal(y, p, delta, gamma) + (
        1.0 - lam
    ) * asymmetric_focal_tversky(y, p, delta, gamma)


def _call(fn: Callable, y, p, params: dict) -> float:
    kw = dict(params)
    if "lambda" in kw:
        kw["lam"] = kw.pop("lambda")
    return float(fn(y, p, **kw))


# id -> (function, default params in LOSSES.md names)
LOSSES: dict[str, tuple[Callable, dict]] = {
    "crossEntropy": (cross_entropy, {}),
    "focal": (focal, {"gamma": 2}),  # alpha: none by default (omitted)
    "dice": (dice, {"delta": 0.5}),
    "tversky": (tversky, {"delta": 0.7}),
    "focalTversky": (focal_tversky, {"delta": 0.7, "gamma": 4.0 / 3.0}),
    "combo": (combo, {"alpha": 0.5, "beta": 0.5}),
    "symmetricFocal": (symmetric_focal, {"delta": 0.7, "gamma": 2}),
    "asymmetricFocal": (asymmetric_focal, {"delta": 0.7, "gamma": 2}),
    "symmetricFocalTversky": (symmetric_focal_tversky, {"delta": 0.7, "gamma": 0.75}),
    "asymmetricFocalTversky": (asymmetric_focal_tversky, {"delta": 0.7, "gamma": 0.75}),
    "symmetricUnifiedFocal": (
        symmetric_unified_focal,
        {"lambda": 0.5, "delta": 0.6, "gamma": 0.5},
    ),
    "asymmetricUnifiedFocal": (
        asymmetric_unified_focal,
        {"lambda": 0.5, "delta": 0.6, "gamma": 0.5},
    ),
}


def evaluate(loss_id: str, y, p, params: dict | None = None) -> float:
    fn, defaults = LOSSES[loss_id]
    merged = dict(defaults)
    merged.update(params or {})
    return _call(fn, y, p, merged)


# ----------------------------------------------------------------------------------------
# Independent check: the authors' formulation, 1 - TI computed literally in float64.
# Written from the formulas of the authors' Keras code (binary slicing of channels 0 and 1,
# weight = 1 - λ on the Tversky part, combo's β on the background) plus the fixes where they
# apply, so the d-form above is shown to compute the same numbers.
# ----------------------------------------------------------------------------------------
class Authors:
    @staticmethod
    def _axes(y):
        return tuple(range(1, y.ndim - 1))

    @staticmethod
    def _ti(y, p, delta, smooth):
        ax = Authors._axes(y)
        tp = np.sum(y * p, axis=ax)
        fn = np.sum(y * (1 - p), axis=ax)
        fp = np.sum((1 - y) * p, axis=ax)
        return (tp + smooth) / (tp + delta * fn + (1 - delta) * fp + smooth)

    @staticmethod
    def _clip(p):
        return np.clip(p, CLIP_LO, CLIP_HI)

    @staticmethod
    def dice(y, p, delta=0.5):
        return float(np.mean(1 - Authors._ti(y, p, delta, 1e-6)))

    @staticmethod
    def focal_tversky(y, p, delta=0.7, gamma=4.0 / 3.0):
        # the authors' code takes the exponent itself; LOSSES.md's γ is its reciprocal
        return float(np.mean(np.power(1 - Authors._ti(y, Authors._clip(p), delta, 1e-6), 1 / gamma)))

    @staticmethod
    def combo(y, p, alpha=0.5, beta=0.5, beta_on_background=True):
        dsc = float(np.mean(Authors._ti(y, p, 0.5, 1e-6)))
        pc = Authors._clip(p)
        ce = -y * np.log(pc)
        w = np.array([beta, 1 - beta]) if beta_on_background else np.array([1 - beta, beta])
        ce = float(np.mean(np.sum(w * ce, axis=-1)))
        return alpha * ce - (1 - alpha) * dsc

    @staticmethod
    def sym_focal(y, p, delta=0.7, gamma=2.0):
        pc = Authors._clip(p)
        ce = -y * np.log(pc)
        back = (1 - delta) * np.power(1 - pc[..., 0], gamma) * ce[..., 0]
        fore = delta * np.power(1 - pc[..., 1], gamma) * ce[..., 1]
        return float(np.mean(back + fore))

    @staticmethod
    def asym_focal(y, p, delta=0.7, gamma=2.0):
        pc = Authors._clip(p)
        ce = -y * np.log(pc)
        back = (1 - delta) * np.power(1 - pc[..., 0], gamma) * ce[..., 0]
        fore = delta * ce[..., 1]
        return float(np.mean(back + fore))

    @staticmethod
    def sym_ftl(y, p, delta=0.7, gamma=0.75):
        ti = Authors._ti(y, Authors._clip(p), delta, 1e-7)
        back = (1 - ti[:, 0]) * np.power(1 - ti[:, 0], -gamma)
        fore = (1 - ti[:, 1]) * np.power(1 - ti[:, 1], -gamma)
        return float(np.mean(np.stack([back, fore], axis=-1)))

    @staticmethod
    def asym_ftl(y, p, delta=0.7, gamma=0.75):
        ti = Authors._ti(y, Authors._clip(p), delta, 1e-7)
        back = 1 - ti[:, 0]
        fore = (1 - ti[:, 1]) * np.power(1 - ti[:, 1], -gamma)
        return float(np.mean(np.stack([back, fore], axis=-1)))

    @staticmethod
    def sym_unified(y, p, weight=0.5, delta=0.6, gamma=0.5):
        return weight * Authors.sym_ftl(y, p, delta, gamma) + (1 - weight) * Authors.sym_focal(
            y, p, delta, gamma
        )

    @staticmethod
    def asym_unified(y, p, weight=0.5, delta=0.6, gamma=0.5):
        return weight * Authors.asym_ftl(y, p, delta, gamma) + (
            1 - weight
        ) * Authors.asym_focal(y, p, delta, gamma)


def one_minus_ti_multiclass(loss_id, y, p, params):
    """Multiclass evaluation of the Tversky-type losses with 1 - TI computed literally."""
    pr = dict(LOSSES[loss_id][1])
    pr.update(params)
    a = Authors
    if loss_id in ("dice", "tversky"):
        return float(np.mean(1 - a._ti(y, p, pr["delta"], 1e-6)))
    if loss_id == "focalTversky":
        return float(np.mean((1 - a._ti(y, a._clip(p), pr["delta"], 1e-6)) ** (1 / pr["gamma"])))
    ti = a._ti(y, a._clip(p), pr["delta"], 1e-7)
    e = 1 - pr["gamma"]
    if loss_id == "symmetricFocalTversky":
        return float(np.mean((1 - ti) ** e))
    if loss_id == "asymmetricFocalTversky":
        t = (1 - ti) ** e
        t[:, 0] = 1 - ti[:, 0]
        return float(np.mean(t))
    raise KeyError(loss_id)


def check_authors_formulation(scenarios: dict) -> int:
    """Asserts agreement (1e-9 relative) on non-degenerate random inputs; returns #checks."""
    n = 0

    def close(a, b, what):
        nonlocal n
        n += 1
        if not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-15):
            raise AssertionError(f"authors' formulation differs: {what}: {a!r} vs {b!r}")

    settings_ti = {
        "dice": [{"delta": 0.5}, {"delta": 0.3}],
        "tversky": [{"delta": 0.7}, {"delta": 0.3}],
        "focalTversky": [{"delta": 0.7, "gamma": 4 / 3}, {"delta": 0.3, "gamma": 2.0}],
        "symmetricFocalTversky": [{"delta": 0.7, "gamma": 0.75}, {"delta": 0.6, "gamma": 0.5}],
        "asymmetricFocalTversky": [{"delta": 0.7, "gamma": 0.75}, {"delta": 0.3, "gamma": 0.9}],
    }
    for sname, (y, p) in scenarios.items():
        if "random" not in sname or "empty" in sname:
            continue
        # every loss with a 1 - TI term, any C: literal 1 - TI vs d-form
        for lid, plist in settings_ti.items():
            for pr in plist:
                close(one_minus_ti_multiclass(lid, y, p, pr), evaluate(lid, y, p, pr), f"{lid} {pr} {sname}")
        if y.shape[-1] != 2:
            continue
        # C = 2: the authors' binary code (channel last, i.e. with fix 1) equals the reference,
        # so fix 3 (multiclass rule) changes nothing for C = 2.
        a = Authors
        for pr in ({"delta": 0.5}, {"delta": 0.7}):
            close(a.dice(y, p, **pr), evaluate("dice", y, p, pr), f"dice {sname}")
        close(a.focal_tversky(y, p, 0.7, 4 / 3), evaluate("focalTversky", y, p), f"FT {sname}")
        # fix 4: equal at β = 0.5; otherwise the authors' β(bg) equals our 1-β
        close(a.combo(y, p, 0.5, 0.5), evaluate("combo", y, p), f"combo {sname}")
        close(a.combo(y, p, 0.3, 0.7, beta_on_background=False),
              evaluate("combo", y, p, {"alpha": 0.3, "beta": 0.7}), f"combo b {sname}")
        close(a.combo(y, p, 0.3, 0.3), evaluate("combo", y, p, {"alpha": 0.3, "beta": 0.7}),
              f"combo authors-beta swap {sname}")
        for d, g in ((0.7, 2.0), (0.6, 0.5), (0.3, 0.2)):
            close(a.sym_focal(y, p, d, g), evaluate("symmetricFocal", y, p, {"delta": d, "gamma": g}), sname)
            close(a.asym_focal(y, p, d, g), evaluate("asymmetricFocal", y, p, {"delta": d, "gamma": g}), sname)
        for d, g in ((0.7, 0.75), (0.6, 0.5), (0.3, 0.2)):
            close(a.sym_ftl(y, p, d, g), evaluate("symmetricFocalTversky", y, p, {"delta": d, "gamma": g}), sname)
            close(a.asym_ftl(y, p, d, g), evaluate("asymmetricFocalTversky", y, p, {"delta": d, "gamma": g}), sname)
        for lam, d, g in ((0.5, 0.6, 0.5), (0.2, 0.3, 0.9), (0.8, 0.7, 0.2)):
            pr = {"lambda": lam, "delta": d, "gamma": g}
            # code weight = 1 - λ
            close(a.sym_unified(y, p, 1 - lam, d, g), evaluate("symmetricUnifiedFocal", y, p, pr), sname)
            close(a.asym_unified(y, p, 1 - lam, d, g), evaluate("asymmetricUnifiedFocal", y, p, pr), sname)
    return n


# ----------------------------------------------------------------------------------------
# Inputs
# ----------------------------------------------------------------------------------------
SHAPE_2D = {2: (2, 4, 5, 2), 3: (2, 4, 5, 3)}
SHAPE_3D = {2: (2, 3, 4, 4, 2), 3: (2, 3, 4, 4, 3)}


def one_hot(labels: np.ndarray, c: int) -> np.ndarray:
    return np.eye(c, dtype=np.float64)[labels]


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def to_f32(a: np.ndarray) -> np.ndarray:
    """Round to float32 and back: the exact values the float32 implementation sees."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def random_labels(rng, shape, c, every_class=True):
    """Labels with a foreground minority; every class present in every sample if asked."""
    spatial = shape[:-1]
    probs = np.array([0.6] + [0.4 / (c - 1)] * (c - 1))
    while True:
        lab = rng.choice(c, size=spatial, p=probs)
        if not every_class:
            return lab
        ok = all(
            np.all(np.isin(np.arange(c), lab[b].ravel())) for b in range(spatial[0])
        )
        if ok:
            return lab


def predict(rng, y: np.ndarray, strength=1.5, noise=1.2) -> np.ndarray:
    """Moderately correct softmax prediction."""
    logits = strength * y + noise * rng.standard_normal(y.shape)
    return softmax(logits)


def make_scenarios(seed=20220101) -> dict:
    rng = np.random.default_rng(seed)
    sc: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def add(name, y, p):
        y32, p32 = to_f32(y), to_f32(p)
        assert y32.shape == p32.shape
        assert np.all((y32 == 0) | (y32 == 1)) and np.all(y32.sum(-1) == 1)
        assert np.all(p32 >= 0) and np.all(p32 <= 1)
        assert np.allclose(p32.sum(-1), 1.0, atol=1e-6)
        sc[name] = (y32, p32)

    # random, 2D/3D x binary/3-class
    for dim, shapes in (("2d", SHAPE_2D), ("3d", SHAPE_3D)):
        for c in (2, 3):
            cname = "binary" if c == 2 else "3class"
            y = one_hot(random_labels(rng, shapes[c], c), c)
            add(f"{dim}-{cname}-random", y, predict(rng, y))

    # tiny imbalanced mask: 1 foreground pixel out of 40 (sample 1 has none)
    shape = SHAPE_2D[2]
    lab = np.zeros(shape[:-1], dtype=int)
    lab[0, 1, 2] = 1
    y = one_hot(lab, 2)
    add("2d-binary-tiny", y, predict(rng, y, strength=2.0, noise=1.0))
    # 3D variant: one sample of 2x4x5 = 40 voxels, one foreground voxel
    shape = (1, 2, 4, 5, 2)
    lab = np.zeros(shape[:-1], dtype=int)
    lab[0, 1, 2, 3] = 1
    y = one_hot(lab, 2)
    add("3d-binary-tiny", y, predict(rng, y, strength=2.0, noise=1.0))

    # empty foreground mask, random prediction
    shape = SHAPE_3D[3]
    y = one_hot(np.zeros(shape[:-1], dtype=int), 3)
    add("3d-3class-empty-random", y, predict(rng, y))

    # empty mask, perfect prediction (exact 0 and 1)
    y = one_hot(np.zeros(SHAPE_2D[2][:-1], dtype=int), 2)
    add("2d-binary-empty-perfect", y, y.copy())

    # perfect prediction on a random mask
    y = one_hot(random_labels(rng, SHAPE_2D[2], 2), 2)
    add("2d-binary-perfect", y, y.copy())
    y = one_hot(random_labels(rng, SHAPE_3D[3], 3), 3)
    add("3d-3class-perfect", y, y.copy())

    # confidently wrong: 1 - yTrue (binary); a wrong class with probability 1 (3-class)
    y = one_hot(random_labels(rng, SHAPE_2D[2], 2), 2)
    add("2d-binary-wrong", y, 1.0 - y)
    lab = random_labels(rng, SHAPE_3D[3], 3)
    wrong = (lab + 1 + rng.integers(0, 2, size=lab.shape)) % 3
    add("3d-3class-wrong", one_hot(lab, 3), one_hot(wrong, 3))

    # exact 0/1 probabilities mixed with random ones
    c = 3
    lab = random_labels(rng, SHAPE_2D[c], c)
    y = one_hot(lab, c)
    p = predict(rng, y)
    hard = rng.random(lab.shape) < 0.5
    right = rng.random(lab.shape) < 0.7
    hard_lab = np.where(right, lab, (lab + 1 + rng.integers(0, c - 1, size=lab.shape)) % c)
    p = np.where(hard[..., None], one_hot(hard_lab, c), p)
    add("2d-3class-mixed01", y, p)

    return sc


# ----------------------------------------------------------------------------------------
# Cases
# ----------------------------------------------------------------------------------------
DEFAULT_SCENARIOS = [
    "2d-binary-random",
    "3d-binary-random",
    "2d-3class-random",
    "3d-3class-random",
    "2d-binary-tiny",
    "3d-binary-tiny",
    "3d-3class-empty-random",
    "2d-binary-empty-perfect",
    "2d-binary-perfect",
    "3d-3class-perfect",
    "2d-binary-wrong",
    "3d-3class-wrong",
    "2d-3class-mixed01",
]

UNIFIED_COMPONENTS = {"delta": 0.6, "gamma": 0.5}  # δ, γ the unified losses pass to their parts

# (loss, setting label, params, scenarios); "paper" = the paper's comparison settings where
# they differ from the defaults; focal's alpha arrays are per class so they fix C.
EXTRA = [
    ("focal", "paper", {"alpha": 0.25, "gamma": 2},
     ["2d-binary-random", "3d-3class-random", "2d-binary-perfect", "2d-binary-tiny"]),
    ("focal", "alpha-array-gamma0.5", {"alpha": [0.2, 0.8], "gamma": 0.5},
     ["3d-binary-random", "2d-binary-wrong"]),
    ("focal", "alpha-array-gamma0.9", {"alpha": [0.1, 0.3, 0.6], "gamma": 0.9},
     ["2d-3class-random", "2d-3class-mixed01"]),
    ("focal", "alpha0.6-gamma0", {"alpha": 0.6, "gamma": 0},
     ["3d-3class-random"]),
    ("dice", "delta0.3", {"delta": 0.3}, ["2d-binary-random", "3d-3class-random"]),
    ("tversky", "delta0.3", {"delta": 0.3}, ["3d-binary-random", "2d-3class-random"]),
    ("tversky", "delta0.5", {"delta": 0.5}, ["2d-binary-tiny"]),
    ("focalTversky", "delta0.3-gamma2", {"delta": 0.3, "gamma": 2},
     ["2d-binary-random", "3d-3class-random"]),
    ("focalTversky", "delta0.6-gamma0.75", {"delta": 0.6, "gamma": 0.75},
     ["2d-binary-perfect", "3d-binary-tiny"]),
    ("combo", "alpha0.3-beta0.7", {"alpha": 0.3, "beta": 0.7},
     ["2d-binary-random", "3d-3class-random", "2d-binary-tiny"]),
    ("combo", "alpha0.7-beta0.2", {"alpha": 0.7, "beta": 0.2}, ["3d-binary-random"]),
]
for _lid in ("symmetricFocal", "asymmetricFocal"):
    EXTRA += [
        (_lid, "unified-components", UNIFIED_COMPONENTS,
         ["2d-binary-random", "3d-3class-random", "3d-3class-perfect"]),
        (_lid, "delta0.3-gamma0.2", {"delta": 0.3, "gamma": 0.2}, ["3d-binary-random"]),
        (_lid, "delta0.5-gamma0.9", {"delta": 0.5, "gamma": 0.9}, ["2d-3class-mixed01"]),
    ]
for _lid in ("symmetricFocalTversky", "asymmetricFocalTversky"):
    EXTRA += [
        (_lid, "unified-components", UNIFIED_COMPONENTS,
         ["2d-binary-random", "3d-3class-random", "2d-binary-perfect"]),
        (_lid, "delta0.3-gamma0.2", {"delta": 0.3, "gamma": 0.2},
         ["3d-binary-random", "2d-3class-random"]),
        (_lid, "delta0.7-gamma0.9", {"delta": 0.7, "gamma": 0.9}, ["2d-binary-empty-perfect"]),
    ]
for _lid in ("symmetricUnifiedFocal", "asymmetricUnifiedFocal"):
    EXTRA += [
        (_lid, "lambda0.2-delta0.3-gamma0.9", {"lambda": 0.2, "delta": 0.3, "gamma": 0.9},
         ["2d-binary-random", "3d-3class-random"]),
        (_lid, "lambda0.8-delta0.7-gamma0.2", {"lambda": 0.8, "delta": 0.7, "gamma": 0.2},
         ["3d-binary-random", "2d-3class-mixed01", "3d-3class-perfect"]),
    ]


def build_cases(scenarios: dict) -> list[dict]:
    cases = []
    for lid, (_, defaults) in LOSSES.items():
        label = "default"
        for s in DEFAULT_SCENARIOS:
            cases.append((lid, label, dict(defaults), s))
    for lid, label, params, slist in EXTRA:
        full = dict(LOSSES[lid][1])
        full.update(params)
        for s in slist:
            cases.append((lid, label, full, s))

    out = []
    names = set()
    for lid, label, params, s in cases:
        y, p = scenarios[s]
        if isinstance(params.get("alpha"), list) and len(params["alpha"]) != y.shape[-1]:
            raise AssertionError(f"alpha array does not fit {s}")
        val = evaluate(lid, y, p, params)
        if not math.isfinite(val):
            raise AssertionError(f"non-finite {lid} {params} {s}: {val}")
        name = f"{lid}/{label}/{s}"
        assert name not in names, name
        names.add(name)
        out.append(
            {
                "name": name,
                "loss": lid,
                "params": {k: (list(v) if isinstance(v, list) else v) for k, v in params.items()},
                "shape": list(y.shape),
                "yTrue": [float(np.float32(v)) for v in y.ravel()],
                "yPred": [float(np.float32(v)) for v in p.ravel()],
                "expected": val,
            }
        )
    return out


# ----------------------------------------------------------------------------------------
# Identities of LOSSES.md
# ----------------------------------------------------------------------------------------
CLIPPED = [
    "crossEntropy", "focal", "focalTversky", "symmetricFocal", "asymmetricFocal",
    "symmetricFocalTversky", "asymmetricFocalTversky", "symmetricUnifiedFocal",
    "asymmetricUnifiedFocal",
]


def check_identities(scenarios: dict) -> int:
    n = 0

    def close(a, b, what, rel=1e-12, abs_=1e-15):
        nonlocal n
        n += 1
        if not math.isclose(a, b, rel_tol=rel, abs_tol=abs_):
            raise AssertionError(f"identity fails: {what}: {a!r} vs {b!r}")

    for s, (y, p) in scenarios.items():
        ce = evaluate("crossEntropy", y, p)
        close(evaluate("focal", y, p, {"gamma": 0}), ce, f"focal γ=0 = CE [{s}]")
        close(evaluate("tversky", y, p, {"delta": 0.5}), evaluate("dice", y, p), f"tversky δ=.5 = dice [{s}]")
        for g in (0.0, 0.5, 2.0):
            close(evaluate("symmetricFocal", y, p, {"delta": 0.5, "gamma": g}),
                  0.5 * evaluate("focal", y, p, {"gamma": g}), f"symFocal δ=.5 = ½ focal γ={g} [{s}]")
        for uid in ("symmetricUnifiedFocal", "asymmetricUnifiedFocal"):
            close(evaluate(uid, y, p, {"lambda": 1, "gamma": 0, "delta": 0.5}), 0.5 * ce,
                  f"{uid} λ=1 γ=0 δ=.5 = ½ CE [{s}]")
        for d in (0.3, 0.7):
            close(evaluate("asymmetricFocal", y, p, {"delta": d, "gamma": 0}),
                  evaluate("symmetricFocal", y, p, {"delta": d, "gamma": 0}), f"asym = sym at γ=0 [{s}]")
        # clipping the input first changes nothing for the clipped losses (exact)
        for lid in CLIPPED:
            close(evaluate(lid, y, clip(p)), evaluate(lid, y, p), f"{lid} clip idempotent [{s}]", rel=0, abs_=0)
        # focal alpha: none == all-ones array; number a == [1-a, a, a, ...]
        c = y.shape[-1]
        close(evaluate("focal", y, p, {"alpha": [1.0] * c}), evaluate("focal", y, p), f"alpha ones [{s}]")
        close(evaluate("focal", y, p, {"alpha": 0.25}),
              evaluate("focal", y, p, {"alpha": [0.75] + [0.25] * (c - 1)}), f"alpha number [{s}]")
        # approximate identities: differ only by smoothing and clipping, except when a class
        # is empty and predicted exactly 0 (there clipping and smoothing dominate)
        tp, fn, fp = soft_counts(y, p)
        empty_and_zero = bool(np.any((tp + fn == 0) & (fp == 0))) or bool(np.any(p == 0) | np.any(p == 1))
        if not empty_and_zero:
            dval = evaluate("dice", y, p)
            for uid in ("symmetricUnifiedFocal", "asymmetricUnifiedFocal"):
                close(evaluate(uid, y, p, {"lambda": 0, "gamma": 0, "delta": 0.5}), dval,
                      f"{uid} λ=0 γ=0 δ=.5 ≈ dice [{s}]", rel=1e-5)
            close(evaluate("symmetricFocalTversky", y, p, {"gamma": 0.25}),
                  evaluate("focalTversky", y, p, {"gamma": 4 / 3}), f"symFT γ=.25 ≈ FT γ=4/3 [{s}]", rel=1e-5)
        # combo = α·CE_β − (1−α)·DSC, with DSC = 1 − dice
        close(evaluate("combo", y, p, {"alpha": 1, "beta": 0.5}), 0.5 * ce, f"combo α=1 β=.5 [{s}]")
        close(evaluate("combo", y, p, {"alpha": 0, "beta": 0.5}), evaluate("dice", y, p) - 1, f"combo α=0 [{s}]",
              rel=1e-12, abs_=1e-12)
    # rank / shape errors
    y, p = scenarios["2d-binary-random"]
    for bad in ((y, p[..., :1]), (y[0], p[0])):
        try:
            evaluate("dice", *bad)
        except ValueError:
            n += 1
        else:
            raise AssertionError("shape error not raised")
    return n


def check_fix1_matters(scenarios: dict) -> None:
    """The authors' [:,:,:,k] slicing on a 5-D tensor reads W, not the channel."""
    y, p = scenarios["3d-binary-random"]
    pc = clip(p)
    ce = -y * np.log(pc)
    # authors' indexing on 5-D: axis 3 (W), then the trailing channel axis stays
    back = 0.3 * np.power(1 - pc[:, :, :, 0], 2) * ce[:, :, :, 0]
    fore = 0.7 * np.power(1 - pc[:, :, :, 1], 2) * ce[:, :, :, 1]
    buggy = float(np.mean(np.sum(np.stack([back, fore], -1), -1)))
    ref = evaluate("symmetricFocal", y, p)
    assert abs(buggy - ref) > 1e-3 * abs(ref), (buggy, ref)


# ----------------------------------------------------------------------------------------
def magnitudes(scenarios: dict) -> list[str]:
    lines = []
    ids = ["dice", "tversky", "focalTversky", "symmetricFocalTversky", "asymmetricFocalTversky",
           "symmetricUnifiedFocal", "asymmetricUnifiedFocal", "crossEntropy", "focal", "combo"]
    for s in ("2d-binary-perfect", "3d-3class-perfect", "2d-binary-empty-perfect"):
        y, p = scenarios[s]
        vals = ", ".join(f"{i}={evaluate(i, y, p):.3g}" for i in ids)
        lines.append(f"  {s} {list(y.shape)}: {vals}")
    # a larger, realistic patch: 64x64, ~5 % foreground disc, perfect prediction
    yy, xx = np.mgrid[:64, :64]
    lab = ((yy - 30) ** 2 + (xx - 34) ** 2 < 8 ** 2).astype(int)[None]
    y = one_hot(lab, 2)
    vals = ", ".join(f"{i}={evaluate(i, y, y):.3g}" for i in ids)
    lines.append(f"  64x64 disc ({lab.mean():.1%} fg) perfect: {vals}")
    y = one_hot(np.zeros((1, 64, 64), dtype=int), 2)
    vals = ", ".join(f"{i}={evaluate(i, y, y):.3g}" for i in ids)
    lines.append(f"  64x64 all-background perfect: {vals}")
    return lines


class Float32Emulation:
    """A float32 implementation of the same formulas (sequential float32 sums, float32
    parameters), to show what tolerance a float32 implementation can reach on these cases
    and which float32 formulations cannot reach it:
      - d = 1 - TI computed as 1 - TI (instead of the d-form) on perfect predictions;
      - the fix-2 guard written m·pow((d·m + 1) − m, e): in float32 (d + 1) − 1 loses d,
        so it must be d·m + (1 − m)."""

    F = np.float32

    def __init__(self, one_minus="d-form", guard="d*m+(1-m)"):
        self.one_minus, self.guard = one_minus, guard

    @staticmethod
    def ssum(x, axes):
        x = np.moveaxis(x, axes, list(range(x.ndim - len(axes), x.ndim)))
        x = x.reshape(x.shape[: x.ndim - len(axes)] + (-1,))
        return np.cumsum(x, axis=-1, dtype=np.float32)[..., -1]

    def smean(self, x):
        return self.ssum(x.reshape(-1), [0]) / self.F(x.size)

    def pmean(self, t):
        return self.smean(self.ssum(t, [t.ndim - 1]))

    def counts(self, y, p):
        ax, one = list(range(1, y.ndim - 1)), self.F(1)
        return self.ssum(y * p, ax), self.ssum(y * (one - p), ax), self.ssum((one - y) * p, ax)

    def d(self, y, p, delta, s):
        F = self.F
        tp, fn, fp = self.counts(y, p)
        delta, s = F(delta), F(s)
        if self.one_minus == "d-form":
            num = delta * fn + (F(1) - delta) * fp
            return num / (tp + num + s)
        return F(1) - (tp + s) / (tp + delta * fn + (F(1) - delta) * fp + s)

    def gpow(self, d, e):
        F = self.F
        m = (d > 0).astype(np.float32)
        base = d * m + (F(1) - m) if self.guard == "d*m+(1-m)" else (d * m + F(1)) - m
        return m * np.power(base, F(e))

    def weights(self, c, background, rare):
        w = np.full(c, self.F(rare), dtype=np.float32)
        w[0] = self.F(background)
        return w

    def __call__(self, lid, y, p, params):
        F = self.F
        pr = dict(LOSSES[lid][1])
        pr.update(params)
        c = y.shape[-1]
        pc = np.clip(p, F(1e-7), F(1 - 1e-7))
        ce = -y * np.log(pc)
        g, dl = F(pr.get("gamma", 0)), pr.get("delta")
        if lid == "crossEntropy":
            return self.pmean(ce)
        if lid == "focal":
            a = pr.get("alpha")
            if a is None:
                aw = np.ones(c, np.float32)
            elif np.ndim(a) == 0:
                aw = self.weights(c, 1 - a, a)
            else:
                aw = np.array(a, np.float32)
            return self.pmean(aw * np.power(F(1) - pc, g) * ce)
        if lid in ("dice", "tversky"):
            return self.smean(self.d(y, p, dl, 1e-6))
        if lid == "focalTversky":
            return self.smean(self.gpow(self.d(y, pc, dl, 1e-6), F(1) / g))
        if lid == "combo":
            tp, fn, fp = self.counts(y, p)
            s, al = F(1e-6), F(pr["alpha"])
            dsc = self.smean((tp + s) / (tp + F(0.5) * fn + F(0.5) * fp + s))
            return al * self.pmean(self.weights(c, 1 - pr["beta"], pr["beta"]) * ce) - (F(1) - al) * dsc
        asym = lid.startswith("asym")

        def focal_part():
            mod = np.power(F(1) - pc, g)
            if asym:
                mod[..., 1:] = 1
            return self.pmean(self.weights(c, 1 - dl, dl) * mod * ce)

        def tversky_part():
            d = self.d(y, pc, dl, 1e-7)
            t = self.gpow(d, F(1) - g)
            if asym:
                t[:, 0] = d[:, 0]
            return self.smean(t)

        if lid.endswith("Focal") and "Unified" not in lid:
            return focal_part()
        if lid.endswith("FocalTversky"):
            return tversky_part()
        lam = F(pr["lambda"])
        return lam * focal_part() + (F(1) - lam) * tversky_part()


def float32_check(cases: list[dict]) -> list[str]:
    """Max relative error of float32 formulations against the float64 expected values."""
    lines = []
    variants = [
        ("d-form, guard d*m+(1-m)", Float32Emulation()),
        ("1-TI in float32", Float32Emulation(one_minus="1-TI")),
        ("guard (d*m+1)-m", Float32Emulation(guard="(d*m+1)-m")),
    ]
    for label, emu in variants:
        worst, bad = (0.0, ""), 0
        for c in cases:
            y = np.array(c["yTrue"], np.float32).reshape(c["shape"])
            p = np.array(c["yPred"], np.float32).reshape(c["shape"])
            v, e = float(emu(c["loss"], y, p, c["params"])), c["expected"]
            err = abs(v - e) / abs(e) if e != 0 else abs(v)
            bad += err > 1e-5
            worst = max(worst, (err, c["name"]))
        lines.append(f"  {label:26s}: max rel err {worst[0]:.2g} ({worst[1]}); "
                     f"{bad} cases over 1e-5")
        if label.startswith("d-form"):
            assert bad == 0, "a float32 d-form implementation should match every case to 1e-5"
    return lines


def check_coverage(cases: list[dict]) -> None:
    kinds = ["random", "tiny", "empty-random", "empty-perfect", "-perfect", "wrong", "mixed01"]
    for lid in LOSSES:
        names = [c["name"].split("/")[-1] for c in cases if c["loss"] == lid]
        shapes = [tuple(c["shape"]) for c in cases if c["loss"] == lid]
        assert any(len(s) == 4 for s in shapes) and any(len(s) == 5 for s in shapes), lid
        assert any(s[-1] == 2 for s in shapes) and any(s[-1] == 3 for s in shapes), lid
        for k in kinds:
            hit = [n for n in names if (n.endswith(k) if k != "-perfect" else n.endswith(k) and "empty" not in n)]
            assert hit, (lid, k)


def main() -> int:
    scenarios = make_scenarios()
    n_auth = check_authors_formulation(scenarios)
    n_id = check_identities(scenarios)
    check_fix1_matters(scenarios)
    cases = build_cases(scenarios)
    check_coverage(cases)

    # LOSSES.md statements on perfect predictions (magnitudes depend on the patch)
    y, p = scenarios["2d-binary-perfect"]
    assert evaluate("dice", y, p) == 0.0 and evaluate("tversky", y, p) == 0.0
    y, p = scenarios["3d-3class-perfect"]
    assert evaluate("dice", y, p) == 0.0 and evaluate("tversky", y, p) == 0.0
    y, p = scenarios["2d-binary-empty-perfect"]
    assert evaluate("dice", y, p) == 0.0
    assert 0.2 < evaluate("symmetricUnifiedFocal", y, p) < 0.3
    assert 0.2 < evaluate("asymmetricUnifiedFocal", y, p) < 0.3
    assert any(c["expected"] < 0 for c in cases if c["loss"] == "combo"), "combo never negative?"

    doc = {
        "generator": "src/core/losses/__fixtures__/losses_reference.py",
        "numpy": np.__version__,
        "note": (
            "Independent float64 reference for the losses of LOSSES.md, computed from the "
            "float32 inputs stored here (yTrue, yPred flat row-major, channels last). "
            "clip uses the float32 bounds [float32(1e-7), float32(1-1e-7)]; 1-TI is computed "
            "as (delta*fn+(1-delta)*fp)/(tp+delta*fn+(1-delta)*fp+s) and powers of it are 0 "
            "where it is 0 (fix 2); channel 0 background, channels >= 1 rare (fix 3); combo "
            "beta on rare classes (fix 4); class terms averaged over [B,C]; CE-type terms "
            "summed over C, averaged over batch and pixels. focal without 'alpha' means every "
            "alpha_c = 1. 'paper' = the paper's comparison settings; 'unified-components' = "
            "delta 0.6, gamma 0.5 as passed by the unified losses. Expected values of exactly "
            "0 need an absolute tolerance."
        ),
        "cases": cases,
    }
    os.makedirs(os.path.dirname(OUT_PATH), exist_ok=True)
    # one case per line: compact, yet a regenerated file diffs case by case
    head = {k: v for k, v in doc.items() if k != "cases"}
    text = json.dumps(head, indent=1, allow_nan=False)[:-2] + ',\n "cases": [\n'
    text += ",\n".join(
        "  " + json.dumps(c, separators=(",", ":"), allow_nan=False) for c in cases
    )
    text += "\n ]\n}\n"
    with open(OUT_PATH, "w", encoding="utf-8") as f:
        f.write(text)

    # round-trip check of what was written
    with open(OUT_PATH, encoding="utf-8") as f:
        back = json.load(f)
    for c in back["cases"]:
        y = np.array(c["yTrue"], dtype=np.float64).reshape(c["shape"])
        p = np.array(c["yPred"], dtype=np.float64).reshape(c["shape"])
        assert np.array_equal(p, p.astype(np.float32).astype(np.float64)), c["name"]
        v = evaluate(c["loss"], y, p, c["params"])
        assert v == c["expected"], c["name"]

    # summary
    per_loss: dict[str, int] = {}
    for c in cases:
        per_loss[c["loss"]] = per_loss.get(c["loss"], 0) + 1
    print(f"wrote {os.path.relpath(OUT_PATH, ROOT)}: {len(cases)} cases, "
          f"{os.path.getsize(OUT_PATH) / 1e3:.0f} kB")
    for lid, k in per_loss.items():
        vals = [c["expected"] for c in cases if c["loss"] == lid]
        print(f"  {lid:24s} {k:3d} cases, expected in [{min(vals):.4g}, {max(vals):.4g}]")
    print(f"authors' formulation (1 - TI literal) vs d-form: {n_auth} checks agree to 1e-9")
    print(f"LOSSES.md identities: {n_id} checks pass")
    print("perfect-prediction magnitudes at the defaults:")
    print("\n".join(magnitudes(scenarios)))
    print("float32 emulations of the same formulas versus the float64 expected values:")
    print("\n".join(float32_check(back["cases"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
