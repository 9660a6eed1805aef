"""Synthetic hiring data whose outcome depends on age and not on sex: the model it trains fails
the four-fifths rule by age (under 25) with confidence and passes it by ``male``, so a review that
looked only at ``male`` would wrongly pass it. A second dataset repeats some of its rows."""

from hub import hookimpl
from hub.specs import DatasetSpec

ROWS = 6000


def frame(rows: int = ROWS, seed: int = 7):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    age = rng.integers(18, 76, rows)
    skill = rng.normal(0, 1, rows)
    male = rng.integers(0, 2, rows).astype("float64")
    chance = 1 / (1 + np.exp(-(1.2 * skill + np.where(age < 25, -2.5, 0.6))))
    data = pd.DataFrame({"age": age, "skill": skill.round(6), "male": male,
                         "hired": np.where(rng.random(rows) < chance, "yes", "no")})
    return data


def with_training_rows():
    """New rows, plus every row of ``hiring``: evaluating on it judges rows the model learned from."""
    import pandas as pd

    return pd.concat([frame(1000, seed=99), frame()], ignore_index=True)


def spec(name: str, load, **extra) -> DatasetSpec:
    return DatasetSpec(name=name, description="Synthetic hiring decisions", load=load, target="hired",
                       positive_label="yes", license="cc0-1.0", sensitive_features=("male", "age"),
                       bins={"age": (25, 60)}, group_labels={"male": {1.0: "male", 0.0: "female"}}, **extra)


@hookimpl
def hub_datasets():
    return [
        spec("hiring", frame),
        spec("hiring-more", with_training_rows),
        spec("hiring-new", lambda: frame(1500, seed=123)),
    ]
