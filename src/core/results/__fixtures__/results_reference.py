#!/usr/bin/env python3
"""Independent reference values for src/core/results (table.ts).

Writes src/core/results/__fixtures__/results_reference.json, which results.test.ts reads.
CI has no Python, so the generated JSON is committed; rerun this script after changing it:

    python3 src/core/results/__fixtures__/results_reference.py

The input is a synthetic test-set result of one experiment: 12 cases, 2 foreground classes,
three runs with test results (the reference run lists the cases in order, the others in a
shuffled order, one of them lacks a case) and two runs without test results. It contains
* an undefined score (NaN, stored as null as in a JSON snapshot) in one case and class of
  run "dice", which is dropped from that run's statistics and from its pairs;
* tied |differences| (dyadic values, exact in binary) between "dice" and the reference in
  class 0, which send the signed-rank test to its normal approximation;
* a zero difference in class 1.

Expected values, for class 0, class 1 and the per-case mean over the foreground classes
(numpy.nanmean over the classes of a case):
* mean and sample std (numpy mean, std(ddof=1)) of every metric over the cases with a
  defined value;
* p-values of the DSC against the reference run, on the cases both runs have with both
  values defined (paired on case id):
    - signed rank: scipy.stats.wilcoxon(run, reference, zero_method='wilcox',
      correction=True, method='exact' when no difference is zero and no two |differences|
      tie (n <= 50), else method='asymptotic') -- the rules of @stdlib/stats-wilcoxon and R;
      scipy's method='auto' would run a permutation test for small n with ties, so it is
      never used here;
    - rank sum: scipy.stats.mannwhitneyu(run, reference, use_continuity=True,
      method='exact' when there are no ties and both samples have < 50 values, else
      'asymptotic') -- R's wilcox.test rules.
All tests are two-sided.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import scipy
from scipy import stats

ROOT = Path(__file__).resolve().parents[4]
OUT = ROOT / "src" / "core" / "results" / "__fixtures__" / "results_reference.json"
METRICS = ["dsc", "iou", "precision", "recall"]
N_CASES = 12
N_FG = 2

rng = np.random.default_rng(20220504)
case_ids = [f"case-{i}" for i in range(1, N_CASES + 1)]


def has_ties(values: np.ndarray) -> bool:
    return len(np.unique(values)) != len(values)


def random_scores(loc: float) -> dict[str, np.ndarray]:
    """cases x classes arrays of Dice-like scores rounded to 4 decimals."""
    out = {}
    for m in METRICS:
        out[m] = np.round(np.clip(rng.normal(loc, 0.08, (N_CASES, N_FG)), 0.05, 0.99), 4)
    return out


ref = random_scores(0.80)
dice = random_scores(0.74)
focal = random_scores(0.70)

# Tied |differences| in class 0 between dice and the reference (exact in binary).
ref["dsc"][0, 0], dice["dsc"][0, 0] = 0.75, 0.625
ref["dsc"][1, 0], dice["dsc"][1, 0] = 0.875, 0.75
ref["dsc"][2, 0], dice["dsc"][2, 0] = 0.5, 0.625
# A zero difference in class 1.
ref["dsc"][2, 1] = dice["dsc"][2, 1] = 0.8125
# An undefined score (an empty-mask convention without a value) in case-5, class 1 of dice.
for m in METRICS:
    dice[m][4, 1] = np.nan

# focal lacks case-12 and lists its cases in a shuffled order.
focal_order = [int(i) for i in rng.permutation(N_CASES - 1)]


def per_case(s: dict[str, np.ndarray], order: list[int]) -> list[dict[str, Any]]:
    def val(x: float) -> float | None:
        return None if math.isnan(x) else float(x)

    return [
        {"id": case_ids[i], **{m: [val(s[m][i, k]) for k in range(N_FG)] for m in METRICS}}
        for i in order
    ]


runs = [
    {"id": "asymmetricUnifiedFocal", "loss": "asymmetricUnifiedFocal",
     "label": "Asymmetric unified focal", "status": "done", "stopReason": "earlyStop",
     "test": per_case(ref, list(range(N_CASES)))},
    {"id": "dice", "loss": "dice", "label": "Dice", "status": "done", "stopReason": "maxEpochs",
     "test": per_case(dice, [int(i) for i in rng.permutation(N_CASES)])},
    {"id": "focal", "loss": "focal", "label": "Focal", "status": "done",
     "stopReason": "earlyStop", "test": per_case(focal, focal_order)},
    {"id": "crossEntropy", "loss": "crossEntropy", "label": "Cross entropy",
     "status": "running", "stopReason": None, "test": None},
    {"id": "combo", "loss": "combo", "label": "Combo", "status": "done",
     "stopReason": "stopped", "test": None},
]
REFERENCE = "asymmetricUnifiedFocal"


def column(run: dict[str, Any], metric: str, cls: int | str) -> dict[str, float]:
    """case id -> score (NaN when undefined) of one class or the nanmean over the classes."""
    out = {}
    for c in run["test"]:
        v = np.array([math.nan if x is None else x for x in c[metric]], dtype=np.float64)
        if cls == "mean":
            out[c["id"]] = float(np.nanmean(v)) if np.any(~np.isnan(v)) else math.nan
        else:
            out[c["id"]] = float(v[cls])
    return out


def wilcoxon(a: np.ndarray, b: np.ndarray) -> dict[str, Any]:
    d = a - b
    nz = d[d != 0]
    path = "normal" if (len(nz) > 50 or np.any(d == 0) or has_ties(np.abs(nz))) else "exact"
    method = "exact" if path == "exact" else "asymptotic"
    r = stats.wilcoxon(a, b, zero_method="wilcox", correction=True, method=method)
    return {"pValue": float(r.pvalue), "n": int(len(a)), "method": path,
            "scipy": f"scipy.stats.wilcoxon(run, reference, zero_method='wilcox', correction=True, method={method!r})"}


def ranksum(a: np.ndarray, b: np.ndarray) -> dict[str, Any]:
    ties = has_ties(np.concatenate([a, b]))
    path = "exact" if (len(a) < 50 and len(b) < 50 and not ties) else "normal"
    method = "exact" if path == "exact" else "asymptotic"
    r = stats.mannwhitneyu(a, b, alternative="two-sided", use_continuity=True, method=method)
    return {"pValue": float(r.pvalue), "n": int(len(a)), "method": path,
            "scipy": f"scipy.stats.mannwhitneyu(run, reference, use_continuity=True, method={method!r})"}


expected: dict[str, Any] = {}
for cls in [0, 1, "mean"]:
    rows = []
    for run in runs:
        if run["test"] is None:
            continue
        row: dict[str, Any] = {"runId": run["id"], "cases": len(run["test"]), "metrics": {}}
        for m in METRICS:
            v = np.array(list(column(run, m, cls).values()))
            v = v[~np.isnan(v)]
            row["metrics"][m] = {
                "n": int(v.size),
                "mean": float(np.mean(v)),
                "std": float(np.std(v, ddof=1)),
            }
        if run["id"] == REFERENCE:
            row["wilcoxon"] = None
            row["rankSum"] = None
        else:
            mine, theirs = column(run, "dsc", cls), column(runs[0], "dsc", cls)
            common = sorted(k for k in mine if k in theirs
                            and not math.isnan(mine[k]) and not math.isnan(theirs[k]))
            a = np.array([mine[k] for k in common])
            b = np.array([theirs[k] for k in common])
            row["wilcoxon"] = wilcoxon(a, b)
            row["rankSum"] = ranksum(a, b)
        rows.append(row)
    expected[str(cls)] = rows

# The properties the fixture is meant to exercise.
dice0 = next(r for r in expected["0"] if r["runId"] == "dice")
assert dice0["wilcoxon"]["method"] == "normal", "class 0: tied |differences| expected"
dice1 = next(r for r in expected["1"] if r["runId"] == "dice")
assert dice1["wilcoxon"]["n"] == 11 and dice1["metrics"]["dsc"]["n"] == 11
focal0 = next(r for r in expected["0"] if r["runId"] == "focal")
assert focal0["cases"] == 11 and focal0["wilcoxon"]["n"] == 11
assert any(r["wilcoxon"] and r["wilcoxon"]["method"] == "exact" for k in expected for r in expected[k])

out = {
    "generatedBy": "src/core/results/__fixtures__/results_reference.py",
    "numpy": np.__version__,
    "scipy": scipy.__version__,
    "numClasses": N_FG + 1,
    "reference": REFERENCE,
    "runs": runs,
    "expected": expected,
}
OUT.write_text(json.dumps(out, indent=1) + "\n")
print(f"wrote {OUT.relative_to(ROOT)}")
for k, rows in expected.items():
    for r in rows:
        w, s = r["wilcoxon"], r["rankSum"]
        print(f"  class {k:4s} {r['runId']:24s} dsc {r['metrics']['dsc']['mean']:.4f} ± {r['metrics']['dsc']['std']:.4f} (n {r['metrics']['dsc']['n']})"
              + (f"  W p={w['pValue']:.4g} {w['method']} n={w['n']}  RS p={s['pValue']:.4g} {s['method']}" if w else ""))
