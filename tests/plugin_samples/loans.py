"""A well-behaved plugin: one dataset, nothing heavy imported until it is loaded."""

from hub import hookimpl
from hub.specs import DatasetSpec


def _load():
    import pandas as pd

    return pd.DataFrame({"income": [30, 55, 80], "sex": ["f", "m", "f"], "approved": ["no", "yes", "yes"]})


@hookimpl
def hub_datasets():
    return [
        DatasetSpec(name="loans", description="Loan decisions", load=_load, target="approved",
                    positive_label="yes", license="cc-by-4.0", sensitive_features=("sex",))
    ]
