#!/usr/bin/env python3
"""Independent reference values for src/core/metrics (stats.ts and summary.ts).

Writes src/core/metrics/__fixtures__/stats_reference.json, which the vitest suites read.
CI has no Python, so the generated JSON is committed; rerun this script after changing it:

    python3 src/core/metrics/__fixtures__/metrics_reference.py

Generated with numpy 2.4 / scipy 1.17 (the versions are recorded in the JSON).

Each signed-rank case names the scipy settings that reproduce one code path of
`wilcoxonSignedRank` (which delegates to @stdlib/stats-wilcoxon):
  * exact path (no zero and no tied |differences|, n <= 50, or `exact: true`):
        scipy.stats.wilcoxon(a, b, method='exact', zero_method='wilcox')
  * normal path (ties, zeros, or n > 50): method='asymptotic' with the same
    zero_method and correction. NOTE: scipy's method='auto' would run a
    permutation test for n <= 13 with ties/zeros, which is NOT what R or stdlib do,
    so 'auto' is never used here.
The signed-rank statistic stored is W+ (sum of ranks of positive a - b), which is
what scipy returns for alternative='greater'/'less' (for 'two-sided' scipy returns
min(W+, W-)), and what R calls V.

Each rank-sum case names the scipy.stats.mannwhitneyu settings that reproduce one
code path of `rankSum` (R's wilcox.test rules: exact when both samples < 50 and no
ties, else normal approximation with tie and continuity correction):
  * exact:      method='exact'
  * normal:     method='asymptotic', use_continuity=<correction>
The statistic stored is U of the first sample (scipy's returned statistic).

Summary cases: numpy mean, std(ddof=1), median, min, max.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import scipy
from scipy import stats

ROOT = Path(__file__).resolve().parents[4]
OUT = ROOT / "src" / "core" / "metrics" / "__fixtures__" / "stats_reference.json"

rng = np.random.default_rng(20220127)


def r4(x: np.ndarray) -> list[float]:
    """Round to 4 decimals (Dice-like scores) so the JSON stays readable."""
    return [float(v) for v in np.round(np.asarray(x, dtype=np.float64), 4)]


def has_ties(values: np.ndarray) -> bool:
    return len(np.unique(values)) != len(values)


def wilcoxon_case(
    name: str,
    a: list[float],
    b: list[float],
    *,
    alternative: str = "two-sided",
    zero_method: str = "wilcox",
    correction: bool = True,
    exact_option: bool = False,
    expect_method: str,
    expect_ties: bool | None = None,
    expect_zeros: bool | None = None,
) -> dict[str, Any]:
    A = np.asarray(a, dtype=np.float64)
    B = np.asarray(b, dtype=np.float64)
    d = A - B
    nz = d[d != 0]
    zeros = bool(np.any(d == 0))
    ties = has_ties(np.abs(nz if zero_method == "wilcox" else d))
    if expect_ties is not None:
        assert ties == expect_ties, f"{name}: ties={ties}"
    if expect_zeros is not None:
        assert zeros == expect_zeros, f"{name}: zeros={zeros}"
    n_used = len(nz) if zero_method == "wilcox" else len(d)
    # Which path stdlib takes (mirrors @stdlib/stats-wilcoxon lib/main.js).
    path = "normal" if ((n_used > 50 and not exact_option) or zeros or ties) else "exact"
    assert path == expect_method, f"{name}: path={path}"
    scipy_method = "exact" if path == "exact" else "asymptotic"
    kwargs = dict(zero_method=zero_method, correction=correction, method=scipy_method)
    res = stats.wilcoxon(A, B, alternative=alternative, **kwargs)
    w_plus = stats.wilcoxon(A, B, alternative="greater", **kwargs).statistic
    return {
        "name": name,
        "a": [float(v) for v in A],
        "b": [float(v) for v in B],
        "alternative": alternative,
        "zeroMethod": zero_method,
        "correction": correction,
        "exact": exact_option,
        "scipy": f"scipy.stats.wilcoxon(a, b, alternative={alternative!r}, "
        f"zero_method={zero_method!r}, correction={correction}, method={scipy_method!r})",
        "method": path,
        "n": len(A),
        "nUsed": n_used,
        "statistic": float(w_plus),
        "pValue": float(res.pvalue),
    }


def ranksum_case(
    name: str,
    a: list[float],
    b: list[float],
    *,
    alternative: str = "two-sided",
    correction: bool = True,
    expect_method: str,
    expect_ties: bool | None = None,
) -> dict[str, Any]:
    A = np.asarray(a, dtype=np.float64)
    B = np.asarray(b, dtype=np.float64)
    ties = has_ties(np.concatenate([A, B]))
    if expect_ties is not None:
        assert ties == expect_ties, f"{name}: ties={ties}"
    path = "exact" if (len(A) < 50 and len(B) < 50 and not ties) else "normal"
    assert path == expect_method, f"{name}: path={path}"
    scipy_method = "exact" if path == "exact" else "asymptotic"
    res = stats.mannwhitneyu(
        A, B, alternative=alternative, use_continuity=correction, method=scipy_method
    )
    return {
        "name": name,
        "a": [float(v) for v in A],
        "b": [float(v) for v in B],
        "alternative": alternative,
        "correction": correction,
        "scipy": f"scipy.stats.mannwhitneyu(a, b, alternative={alternative!r}, "
        f"use_continuity={correction}, method={scipy_method!r})",
        "method": path,
        "statistic": float(res.statistic),
        "pValue": float(res.pvalue),
    }


def unique_diffs(n: int, scale: float = 0.05) -> tuple[list[float], list[float]]:
    """Paired Dice-like scores whose |a - b| are all distinct and non-zero."""
    while True:
        a = np.clip(rng.normal(0.8, 0.08, n), 0, 1)
        b = np.clip(a - rng.normal(0.01, scale, n), 0, 1)
        a, b = np.round(a, 4), np.round(b, 4)
        d = a - b
        if np.all(d != 0) and not has_ties(np.abs(d)):
            return r4(a), r4(b)


def unique_values(n: int, loc: float) -> list[float]:
    while True:
        v = np.round(rng.normal(loc, 0.1, n), 4)
        if not has_ties(v):
            return r4(v)


# ---------------------------------------------------------------- signed rank
wil: list[dict[str, Any]] = []

# Textbook: R's ?wilcox.test, Hollander & Wolfe (1973) p. 29f, Hamilton depression scale,
# 9 patients, first (x) vs second (y) visit. R: wilcox.test(x, y, paired = TRUE,
# alternative = "greater") -> V = 40, p-value = 0.01953 (exactly 10/512).
hw_x = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
hw_y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
wil.append(wilcoxon_case("hollander-wolfe-29-greater", hw_x, hw_y, alternative="greater",
                         expect_method="exact"))
wil.append(wilcoxon_case("hollander-wolfe-29-two-sided", hw_x, hw_y, expect_method="exact"))

a, b = unique_diffs(12)
wil.append(wilcoxon_case("exact-n12-two-sided", a, b, expect_method="exact"))
wil.append(wilcoxon_case("exact-n12-greater", a, b, alternative="greater", expect_method="exact"))
wil.append(wilcoxon_case("exact-n12-less", a, b, alternative="less", expect_method="exact"))

a, b = unique_diffs(25, scale=0.02)
wil.append(wilcoxon_case("exact-n25-two-sided", a, b, expect_method="exact"))

# All 30 differences positive: p = 2 * 2^-30. Checks the small-p precision of the exact path.
base = unique_values(30, 0.7)
a30 = r4(np.asarray(base) + np.round(rng.uniform(0.001, 0.2, 30), 4))
wil.append(wilcoxon_case("exact-n30-all-positive", a30, base, expect_method="exact",
                         expect_ties=False, expect_zeros=False))
wil.append(wilcoxon_case("exact-n30-all-positive-less", a30, base, alternative="less",
                         expect_method="exact"))

# n = 50 is still exact in stdlib and scipy (R would switch to the normal approximation at 50).
a, b = unique_diffs(50, scale=0.03)
wil.append(wilcoxon_case("exact-n50-boundary", a, b, expect_method="exact"))

# W+ exactly at its mean n(n+1)/4: stdlib's raw 2*cdf exceeds 1, must be clipped to 1.
wil.append(wilcoxon_case("exact-at-mean-clipped", [1.0, 2.0, -3.0], [0.0, 0.0, 0.0],
                         expect_method="exact"))

# Single pair (stdlib itself refuses n < 2; the module handles it exactly).
wil.append(wilcoxon_case("exact-n1-two-sided", [0.9], [0.8], expect_method="exact"))
wil.append(wilcoxon_case("exact-n1-greater", [0.9], [0.8], alternative="greater",
                         expect_method="exact"))

# Ties among |differences| (dyadic values so the ties are exact in binary).
ta = [0.75, 0.5, 0.875, 0.625, 0.75, 0.5, 0.9375, 0.8125, 0.6875, 0.8125,
      0.75, 0.5625, 0.875, 0.625, 0.9375, 0.5, 0.6875, 0.75, 0.875, 0.8125]
tb = [0.625, 0.625, 0.75, 0.5, 0.5, 0.375, 0.8125, 0.9375, 0.5625, 0.6875,
      0.625, 0.4375, 0.625, 0.75, 0.8125, 0.625, 0.5625, 0.5, 0.75, 0.9375]
wil.append(wilcoxon_case("normal-ties-two-sided", ta, tb, expect_method="normal",
                         expect_ties=True, expect_zeros=False))
wil.append(wilcoxon_case("normal-ties-greater", ta, tb, alternative="greater",
                         expect_method="normal"))
wil.append(wilcoxon_case("normal-ties-no-correction", ta, tb, correction=False,
                         expect_method="normal"))

# Zero differences (identical scores in some cases), small n: stdlib and R use the normal
# approximation; scipy 'auto' would use a permutation test here, so 'asymptotic' is forced.
za, zb = unique_diffs(10)
za = za[:7] + [0.8125, 0.6, 0.9]
zb = zb[:7] + [0.8125, 0.6, 0.85]
wil.append(wilcoxon_case("normal-zeros-wilcox", za, zb, expect_method="normal",
                         expect_zeros=True))
wil.append(wilcoxon_case("normal-zeros-wilcox-less", za, zb, alternative="less",
                         expect_method="normal"))
wil.append(wilcoxon_case("normal-zeros-pratt", za, zb, zero_method="pratt",
                         expect_method="normal"))
wil.append(wilcoxon_case("normal-zeros-zsplit", za, zb, zero_method="zsplit",
                         expect_method="normal"))
# Zeros and ties together.
wil.append(wilcoxon_case("normal-zeros-and-ties", ta + [0.5, 0.25], tb + [0.5, 0.25],
                         expect_method="normal", expect_ties=True, expect_zeros=True))
wil.append(wilcoxon_case("normal-zeros-and-ties-pratt", ta + [0.5, 0.25], tb + [0.5, 0.25],
                         zero_method="pratt", expect_method="normal"))
wil.append(wilcoxon_case("normal-zeros-and-ties-zsplit", ta + [0.5, 0.25], tb + [0.5, 0.25],
                         zero_method="zsplit", alternative="greater", expect_method="normal"))

# n > 50, no ties: normal approximation by default, exact when forced.
a, b = unique_diffs(60, scale=0.03)
wil.append(wilcoxon_case("normal-n60", a, b, expect_method="normal", expect_ties=False,
                         expect_zeros=False))
wil.append(wilcoxon_case("exact-n60-forced", a, b, exact_option=True, expect_method="exact"))

# Strong effect, n = 80: small two-sided p (~1e-10); checks the precision of the normal path.
base = unique_values(80, 0.6)
a80 = r4(np.asarray(base) + np.round(rng.uniform(-0.02, 0.2, 80), 4))
wil.append(wilcoxon_case("normal-n80-strong", a80, base, expect_method="normal"))

# ------------------------------------------------------------------ rank sum
rs: list[dict[str, Any]] = []

# Textbook: R's ?wilcox.test, Hollander & Wolfe (1973) p. 69f, permeability constants of the
# human chorioamnion at term (x) and at 12-26 weeks (y). R: wilcox.test(x, y,
# alternative = "g") -> W = 35, p-value = 0.1272.
pc_x = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46]
pc_y = [1.15, 0.88, 0.90, 0.74, 1.21]
rs.append(ranksum_case("hollander-wolfe-69-greater", pc_x, pc_y, alternative="greater",
                       expect_method="exact"))
rs.append(ranksum_case("hollander-wolfe-69-two-sided", pc_x, pc_y, expect_method="exact"))

x8, y10 = unique_values(8, 0.75), unique_values(10, 0.8)
assert not has_ties(np.asarray(x8 + y10))
rs.append(ranksum_case("exact-8x10-two-sided", x8, y10, expect_method="exact"))
rs.append(ranksum_case("exact-8x10-less", x8, y10, alternative="less", expect_method="exact"))
rs.append(ranksum_case("exact-8x10-greater", x8, y10, alternative="greater",
                       expect_method="exact"))

while True:
    x49, y49 = unique_values(49, 0.75), unique_values(49, 0.8)
    if not has_ties(np.asarray(x49 + y49)):
        break
rs.append(ranksum_case("exact-49x49", x49, y49, expect_method="exact"))

# U1 exactly at n1*n2/2 (x = {1, 4}, y = {2, 3}: U1 = 2): p clipped to 1.
rs.append(ranksum_case("exact-at-mean-clipped", [1.0, 4.0], [2.0, 3.0], expect_method="exact"))

# Complete separation, 12 vs 12: p = 2 / C(24, 12); checks small-p precision.
rs.append(ranksum_case("exact-separated", [float(v) for v in range(13, 25)],
                       [float(v) for v in range(1, 13)], expect_method="exact"))

# Ties -> normal approximation with tie and continuity correction.
rs.append(ranksum_case("normal-ties-two-sided", ta, tb, expect_method="normal",
                       expect_ties=True))
rs.append(ranksum_case("normal-ties-greater", ta, tb, alternative="greater",
                       expect_method="normal"))
rs.append(ranksum_case("normal-ties-no-correction", ta, tb, correction=False,
                       expect_method="normal"))

# One sample >= 50 -> normal approximation (R's rule), no ties.
while True:
    x55, y10b = unique_values(55, 0.75), unique_values(10, 0.7)
    if not has_ties(np.asarray(x55 + y10b)):
        break
rs.append(ranksum_case("normal-55x10", x55, y10b, expect_method="normal", expect_ties=False))
rs.append(ranksum_case("normal-55x10-less", x55, y10b, alternative="less",
                       expect_method="normal"))

# ------------------------------------------------------------------- summary
summ: list[dict[str, Any]] = []
for name, vals in [
    ("odd-n", r4(rng.uniform(0.5, 0.95, 11))),
    ("even-n", r4(rng.uniform(0.5, 0.95, 20))),
    ("n1", [0.8123]),
    ("n2", [0.25, 0.75]),
    ("with-zeros-and-ones", [0.0, 1.0, 1.0, 0.5, 0.0, 0.9]),
]:
    v = np.asarray(vals, dtype=np.float64)
    summ.append({
        "name": name,
        "values": vals,
        "n": int(v.size),
        "mean": float(np.mean(v)),
        "std": float(np.std(v, ddof=1)) if v.size > 1 else 0.0,
        "median": float(np.median(v)),
        "min": float(np.min(v)),
        "max": float(np.max(v)),
    })

out = {
    "generatedBy": "src/core/metrics/__fixtures__/metrics_reference.py",
    "numpy": np.__version__,
    "scipy": scipy.__version__,
    "wilcoxon": wil,
    "rankSum": rs,
    "summary": summ,
}
OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text(json.dumps(out, indent=1) + "\n")
print(f"wrote {OUT.relative_to(ROOT)}: {len(wil)} signed-rank, {len(rs)} rank-sum, "
      f"{len(summ)} summary cases")
for c in wil + rs:
    print(f"  {c['name']:32s} {c['method']:7s} stat={c['statistic']:<8g} p={c['pValue']:.6g}")
