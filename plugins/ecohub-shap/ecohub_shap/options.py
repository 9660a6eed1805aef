"""The settings a user may change (``hub evaluate --option shap.KEY=VALUE``) and their defaults.

This module imports nothing heavy: the plugin's entry point declares the options from it, and
listing plugins must stay fast.
"""

from hub.specs import EvaluatorOption

BACKGROUND_ROWS = 100
"""Interventional SHAP costs grow linearly with the background; 100 rows is shap's own default
for tabular maskers and the low end of what its documentation recommends. It is drawn as two
halves with two seeds, whose separate explanations give the stability check for free."""
SAMPLE_ROWS = {"TreeExplainer": 500, "LinearExplainer": 1000, "PermutationExplainer": 100}
"""Rows behind global importance, by explainer: exact explainers are cheap per row, Permutation
calls the model thousands of times per row."""
SAMPLE_TEXTS = 12
MAX_EVALS = 300
"""Masked strings per text: shap's guidance for text is 300-500; cost is linear in it."""

OPTIONS = (
    EvaluatorOption("sample_rows", "rows behind global importance, a seeded stratified sample [default: "
                    + ", ".join(f"{rows} for {name}" for name, rows in SAMPLE_ROWS.items())
                    + f", {SAMPLE_TEXTS} texts]", int, minimum=1, maximum=100_000),
    EvaluatorOption("background_rows", "rows a tabular explainer integrates over, drawn as two seeded halves "
                    f"[default: {BACKGROUND_ROWS}]", int, minimum=2, maximum=10_000),
    EvaluatorOption("max_evals", f"masked strings per explained text [default: {MAX_EVALS}]", int, minimum=10,
                    maximum=100_000),
)
