"""Terminal lines from a stored SHAP report: how it was explained, what matters, whether it adds up."""

from __future__ import annotations

from typing import Any, Mapping

TOP_FEATURES = 5


def summarize(report: Mapping[str, Any]) -> str:
    additivity = report["additivity"]
    top = report["global_importance"][:TOP_FEATURES]
    width = max((len(entry["feature"]) for entry in top), default=0)
    lines = [
        f"{report['explainer']} ({report['estimand']}, {report['output_space']}): "
        f"{report['rows_explained']} rows explained against "
        f"{report['background_rows']} background rows",
        f"Top features by mean |SHAP| ({report['output_space']}):",
        *(f"  {entry['feature']:<{width}}  {entry['mean_abs_shap']:.3f}" for entry in top),
        f"Additivity: {'passed' if additivity['passed'] else 'FAILED'} "
        f"(max error {additivity['max_abs_error']:.1e}, tolerance {additivity['tolerance']:.0e})",
    ]
    return "\n".join(lines)
