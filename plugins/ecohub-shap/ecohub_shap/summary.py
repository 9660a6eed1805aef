"""Terminal lines from a stored SHAP report: how it was explained, what matters, whether it adds up."""

from __future__ import annotations

from typing import Any, Mapping

TOP_FEATURES = 5


def summarize(report: Mapping[str, Any]) -> str:
    additivity = report["additivity"]
    top = report["global_importance"][:TOP_FEATURES]
    width = max((len(entry["feature"]) for entry in top), default=0)
    sample = report["sample"]
    lines = [
        f"{report['explainer']} ({report['estimand']}, {report['output_space']}): "
        f"{report['rows_explained']} rows explained ({sample['rows']} of {sample['of']} in the stratified "
        f"sample, seed {sample['seed']}) against {report['background_rows']} background rows",
        f"Why this explainer: {report['explainer_reason']}",
        f"Top {'tokens' if 'texts' in report else 'features'} by mean |SHAP| ({report['output_space']}):",
        *(f"  {entry['feature']:<{width}}  {entry['mean_abs_shap']:.3f}" for entry in top),
        f"Additivity: {'passed' if additivity['passed'] else 'FAILED'} "
        f"(max error {additivity['max_abs_error']:.1e}, tolerance {additivity['tolerance']:.0e})",
    ]
    stability = report.get("stability", {})
    if "top_k_agreement" in stability:
        lines.append(f"Stability: {stability['top_k_agreement']:.0%} of the top {stability['top_k']} features "
                     f"agree between backgrounds drawn with seeds {stability['background_seeds']}")
    return "\n".join(lines)
