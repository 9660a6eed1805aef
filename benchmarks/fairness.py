"""The fairness report from a count table against Fairlearn's MetricFrame, in the same run.

    HUB_DATA_DIR=/work/shared/data .venv/bin/python benchmarks/fairness.py
    HUB_DATA_DIR=/work/shared/data .venv/bin/python benchmarks/fairness.py --rows 200000 --chunked-rows 0  # a quick look

The rows: a logistic regression trained on part of Adult's train split scores Adult's test split
(16,281 people), and those rows (true income, decision at 0.5, score, sex, race) are resampled
with replacement to ``--rows`` rows, as object-dtype columns, the way ``hub evaluate`` hands
them to an evaluator.

Timed, on the same rows:

- ours: the whole canonical report, as ``hub evaluate`` calls it (the ``fairlearn`` evaluator's
  ``evaluate``): sex, race and sex × race; per group count, positives, negatives, selection
  rate, accuracy, TPR, FPR, FNR and precision; DP difference and ratio, equalized odds and equal
  opportunity differences; a 1,000-resample bootstrap interval for every rate and disparity;
  verdicts and readings; threshold curves and calibration by group. Median of ``--repeat`` runs.
- Fairlearn: the same point estimates without intervals, done the efficient way: one
  ``MetricFrame`` per grouping (sex, race, sex × race) with count, selection rate, accuracy, TPR,
  FPR, FNR and precision, and the disparities read off it (``difference()``, ``ratio()``), not by
  calling each disparity function (which builds a MetricFrame each). Run once: it takes minutes.

Then the larger-than-memory path: ``--chunked-rows`` rows (10M by default) are written to a
Parquet file in row groups and reported by ``ecohub_fairlearn.chunks.file_report`` in a fresh
process, once for a tenth of the rows and once for all; their peak memory (max RSS) is printed
beside the size the rows would take in memory, to show it stays flat.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

TARGET_SECONDS, TARGET_SPEEDUP = 1.0, 50.0


def adult_predictions() -> pd.DataFrame:
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    from ecohub_datasets.datasets import ADULT

    table = ADULT.load()
    y = (table.pop("income") == ">50K").to_numpy().astype("int64")
    train = (table.pop("split") == "train").to_numpy()
    categorical = table.select_dtypes(exclude="number").columns.tolist()
    numeric = [c for c in table.columns if c not in categorical]
    model = Pipeline([
        ("preprocess", ColumnTransformer([
            ("numeric", Pipeline([("impute", SimpleImputer()), ("scale", StandardScaler())]), numeric),
            ("categorical", Pipeline([("impute", SimpleImputer(strategy="most_frequent")),
                                      ("onehot", OneHotEncoder(handle_unknown="ignore"))]), categorical),
        ])),
        ("model", LogisticRegression(max_iter=1000)),
    ]).fit(table[train][:10000], y[train][:10000])
    rows = table[~train].reset_index(drop=True)
    score = model.predict_proba(rows)[:, 1]
    return pd.DataFrame({"truth": y[~train], "decision": (score >= 0.5).astype("int64"), "score": score,
                         "sex": rows["sex"].astype(object), "race": rows["race"].astype(object)})


def resampled(base: pd.DataFrame, rows: int, seed: int) -> pd.DataFrame:
    index = np.random.default_rng(seed).integers(0, len(base), size=rows)
    return base.iloc[index].reset_index(drop=True)


def ours(frame: pd.DataFrame):
    """The fairlearn evaluator's evaluate(), as hub evaluate calls it."""
    import ecohub_fairlearn
    from hub.specs import DatasetSpec, EvaluationInput

    (evaluator, _) = ecohub_fairlearn.hub_evaluators()
    dataset = DatasetSpec(name="adult", description="", load=lambda: None, target="income",
                          positive_label=">50K", license="cc-by-4.0", sensitive_features=("sex", "race"))
    inputs = EvaluationInput(
        model=None, model_type="logistic-regression", framework="sklearn", dataset=dataset,
        X=frame[["sex", "race"]], y_true=frame["truth"].to_numpy(), y_pred=frame["decision"].to_numpy(),
        y_score=frame["score"].to_numpy(), sensitive=frame[["sex", "race"]], seed=0,
    )
    started = time.perf_counter()
    report = evaluator.evaluate(inputs)
    return time.perf_counter() - started, report


def fairlearn_point_estimates(frame: pd.DataFrame):
    from fairlearn.metrics import (MetricFrame, count, false_negative_rate, false_positive_rate,
                                   selection_rate, true_positive_rate)
    from sklearn.metrics import accuracy_score, precision_score

    metrics = {"count": count, "selection_rate": selection_rate, "accuracy": accuracy_score,
               "tpr": true_positive_rate, "fpr": false_positive_rate, "fnr": false_negative_rate,
               "precision": functools.partial(precision_score, zero_division=0)}
    y_true, y_pred = frame["truth"].to_numpy(), frame["decision"].to_numpy()
    results = {}
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, by in (("sex", frame["sex"]), ("race", frame["race"]), ("sex × race", frame[["sex", "race"]])):
            mf = MetricFrame(metrics=metrics, y_true=y_true, y_pred=y_pred, sensitive_features=by)
            difference, ratio = mf.difference(), mf.ratio()
            results[name] = {
                "by_group": mf.by_group,
                "demographic_parity_difference": difference["selection_rate"],
                "demographic_parity_ratio": ratio["selection_rate"],
                "equalized_odds_difference": max(difference["tpr"], difference["fpr"]),
                "equal_opportunity_difference": difference["tpr"],
            }
    return time.perf_counter() - started, results


def check_same_numbers(report: dict, reference: dict) -> int:
    """Every point estimate of ours equals Fairlearn's; returns how many were compared."""
    entries = {e["feature"]: e for e in report["features"] + report["intersections"]}
    compared = 0
    for name, expected in reference.items():
        entry = entries[name]
        for key in ("demographic_parity_difference", "demographic_parity_ratio",
                    "equalized_odds_difference", "equal_opportunity_difference"):
            assert abs(entry[key] - expected[key]) < 1e-9, (name, key, entry[key], expected[key])
            compared += 1
        by_group = expected["by_group"]
        for group in entry["groups"]:
            key = tuple(group["group"].split(" × ")) if " × " in name else group["group"]
            row = by_group.loc[key]
            for metric in ("count", "selection_rate", "accuracy", "tpr", "fpr", "fnr", "precision"):
                if group[metric] is not None:
                    assert abs(group[metric] - row[metric]) < 1e-9, (name, group["group"], metric)
                    compared += 1
    return compared


# Peak memory is the kernel's high-water mark of this process's own memory (VmHWM), not
# ru_maxrss, which Linux carries over from the forked parent across exec.
CHUNKED_CHILD = """
import json, sys, time
from ecohub_fairlearn.chunks import file_report
started = time.perf_counter()
report = file_report(sys.argv[1], truth="truth", decision="decision", score="score", sensitive=["sex", "race"],
                     chunk_rows=int(sys.argv[2]))
seconds = time.perf_counter() - started
peak = [line for line in open("/proc/self/status") if line.startswith("VmHWM:")][0].split()[1]
print(json.dumps({"seconds": seconds, "rows": report["rows"], "max_rss_mb": int(peak) / 1024}))
"""


def write_parquet(base: pd.DataFrame, path: Path, rows: int, seed: int, batch: int = 1_000_000) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    for start in range(0, rows, batch):
        part = resampled(base, min(batch, rows - start), seed + start)
        table = pa.Table.from_pandas(part, preserve_index=False)
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=250_000)
    writer.close()


def chunked(base: pd.DataFrame, rows: int, chunk_rows: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-fairness-") as folder:
        print(f"\nLarger than memory: Parquet read in chunks of {chunk_rows:,} rows, in a fresh process each")
        print(f"  {'rows':>12}  {'seconds':>8}  {'peak RSS':>9}  {'rows in memory (pandas)':>24}")
        per_row = resampled(base, 100_000, 0).memory_usage(deep=True).sum() / 100_000
        for count in (rows // 10, rows):
            path = Path(folder) / f"rows-{count}.parquet"
            write_parquet(base, path, count, seed=count)
            out = subprocess.run([sys.executable, "-c", CHUNKED_CHILD, str(path), str(chunk_rows)],
                                 check=True, capture_output=True, text=True, env=os.environ)
            result = json.loads(out.stdout)
            assert result["rows"] == count
            print(f"  {count:>12,}  {result['seconds']:>8.1f}  {result['max_rss_mb']:>6.0f} MB  "
                  f"{per_row * count / 2**20:>21.0f} MB")
            path.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--chunked-rows", type=int, default=10_000_000, help="0 skips the chunked run")
    parser.add_argument("--chunk-rows", type=int, default=500_000)
    args = parser.parse_args()

    base = adult_predictions()
    frame = resampled(base, args.rows, seed=1)
    print(f"{args.rows:,} rows (Adult test-split predictions resampled), sex and race as object columns; "
          f"{os.cpu_count()} CPUs")

    ours(frame)  # warm: imports, first-call allocation
    timings = []
    for _ in range(args.repeat):
        seconds, report = ours(frame)
        timings.append(seconds)
    ours_median = statistics.median(timings)
    baseline, reference = fairlearn_point_estimates(frame)
    compared = check_same_numbers(report, reference)

    resamples = report["bootstrap"]["resamples"]
    print(f"\n  {'what':<72}  {'seconds':>8}")
    print(f"  {'ours: whole canonical report (sex, race, sex × race; ' + str(resamples) + '-resample intervals; thresholds)':<72}"
          f"  {ours_median:>8.3f}   (median of {args.repeat}: {', '.join(f'{t:.3f}' for t in timings)})")
    print(f"  {'Fairlearn MetricFrame: the same point estimates, no intervals':<72}  {baseline:>8.1f}")
    speedup = baseline / ours_median
    print(f"\n  speed-up: {speedup:,.0f}x (target ≥ {TARGET_SPEEDUP:.0f}x); ours under {TARGET_SECONDS:.0f} s: "
          f"{'yes' if ours_median < TARGET_SECONDS else 'NO'}; {compared} point estimates equal Fairlearn's (1e-9)")
    print(f"  report: {len(json.dumps(report)) / 1024:.0f} KB of JSON, "
          f"{sum(len(f['groups']) for f in report['features'] + report['intersections'])} groups")

    if args.chunked_rows:
        chunked(base, args.chunked_rows, args.chunk_rows)


if __name__ == "__main__":
    main()
