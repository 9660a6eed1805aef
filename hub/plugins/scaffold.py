"""``hub plugins new``: a plugin package that installs, loads and passes its tests from the start.

The files are ``string.Template`` texts (``$name``), one set shared by every kind plus the module
and test that differ by kind. The generated test runs :class:`hub.testing.PluginContract`, the
same checks ecohub's own plugins pass, and builds the wheel to check it ships every file of the
package: an editable install reads files from the source folder, so a data file left out of the
wheel goes unnoticed until someone installs the published plugin. Files under ``MODULE/data/``
ship through ``package-data``; the dataset example keeps its rows there.
"""

from __future__ import annotations

import re
from pathlib import Path
from string import Template

from hub import PLUGIN_API_VERSION
from hub.errors import HubError

NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
API_RANGE = f">={PLUGIN_API_VERSION.split('.')[0]},<{int(PLUGIN_API_VERSION.split('.')[0]) + 1}"

PYPROJECT = """\
[build-system]
requires = ["setuptools>=77"]
build-backend = "setuptools.build_meta"

[project]
name = "$package"
version = "0.1.0"
description = "$description"
readme = "README.md"
license = "Apache-2.0"
requires-python = ">=3.10"
dependencies = [$dependencies]

[project.optional-dependencies]
test = ["pytest>=8", "build>=1"]

[project.entry-points.ecohub]
$name = "$module"

[tool.setuptools]
packages = ["$module"]

[tool.setuptools.package-data]
$module = ["data/*"]
"""

README = """\
# $package

$description: an ecohub plugin providing the $kind `$name`.

```sh
hub plugins install -e .      # into the hub's own Python
hub plugins info $name        # status, hooks, what it provides
python -m pytest              # the plugin contract tests and your own
```

`$module/__init__.py` holds the hook implementation. Import heavy libraries inside the functions
that use them, never at module level: `hub --help` and `hub plugins list` import this module.
Files under `$module/data/` ship in the wheel (`package-data` in `pyproject.toml`); the tests
build the wheel and fail if any file of the package is left out of it.

Publish with `hub plugins publish .`: it builds the wheel, runs the plugin contract on the wheel
installed in a clean environment, and prints the catalog entry to add to your organisation's
index or to submit to ecohub's (see ecohub's CONTRIBUTING.md). Then `twine upload dist/*`.
"""

HEADER = '''\
"""$package: $description."""

from hub import hookimpl
'''

MODULES = {
    "dataset": '''
from hub.specs import DatasetSpec

HUB_PLUGIN_API = "$api"


def load():
    """The whole table, from data/rows.csv inside the package: replace that file with your data."""
    from importlib.resources import files

    import pandas as pd

    with files(__name__).joinpath("data").joinpath("rows.csv").open(encoding="utf-8") as rows:
        return pd.read_csv(rows)


@hookimpl
def hub_datasets():
    return [
        DatasetSpec(
            name="$name",
            description="Loan decisions (generated example rows)",
            load=load,
            target="approved",
            positive_label="yes",
            license="cc0-1.0",
            sensitive_features=("sex",),
        )
    ]
''',
    "model": '''
from hub.specs import ModelSpec

HUB_PLUGIN_API = "$api"


def build(params):
    """An unfitted scikit-learn pipeline; ecohub-sklearn's trainer fits, saves and loads it."""
    from sklearn.compose import ColumnTransformer, make_column_selector
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder
    from sklearn.tree import DecisionTreeClassifier

    preprocess = ColumnTransformer(
        [("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False),
          make_column_selector(dtype_exclude="number"))],
        remainder="passthrough",
    )
    return Pipeline([("preprocess", preprocess), ("model", DecisionTreeClassifier(**params))])


@hookimpl
def hub_models():
    return [
        ModelSpec(name="$name", description="A shallow decision tree", framework="sklearn", build=build,
                  default_params={"max_depth": 4, "min_samples_leaf": 5})
    ]
''',
    "trainer": '''
import json
from pathlib import Path

from hub.specs import ModelSpec, TrainerSpec

HUB_PLUGIN_API = "$api"
FRAMEWORK = "$name"
FILENAME = "centroids.json"


class NearestCentroid:
    """Scores a row by its distance to the mean positive and mean negative row (numeric columns)."""

    def __init__(self, columns, centroids, scale):
        self.columns, self.centroids, self.scale = columns, centroids, scale

    def predict_proba(self, X):
        import numpy as np

        values = X[self.columns].to_numpy(dtype=float) / np.asarray(self.scale)
        negative, positive = (np.linalg.norm(values - np.asarray(c), axis=1) for c in self.centroids)
        score = 1 / (1 + np.exp(positive - negative))
        return np.column_stack([1 - score, score])

    def predict(self, X):
        return (self.predict_proba(X)[:, 1] >= 0.5).astype("int64")


def build(params):
    return dict(params)


def fit(request):
    columns = [c for c in request.X.columns if request.X[c].dtype.kind in "if"]
    scale = [float(request.X[c].std() or 1.0) for c in columns]
    values = request.X[columns].to_numpy(dtype=float) / scale
    centroids = [values[request.y == label].mean(axis=0).tolist() for label in (0, 1)]
    request.progress("fitted the centroids", 1.0)
    return NearestCentroid(columns, centroids, scale)


def save(model, directory):
    """Plain JSON: loading it can never run code."""
    state = {"columns": model.columns, "centroids": model.centroids, "scale": model.scale}
    (Path(directory) / FILENAME).write_text(json.dumps(state))


def load(directory):
    state = json.loads((Path(directory) / FILENAME).read_text())
    return NearestCentroid(state["columns"], state["centroids"], state["scale"])


@hookimpl
def hub_trainers():
    return [TrainerSpec(name="$name", framework=FRAMEWORK, description="Fits nearest-centroid models, saved as JSON",
                        fit=fit, save=save, load=load)]


@hookimpl
def hub_models():
    return [ModelSpec(name="$name-centroid", description="Nearest centroid over the numeric columns",
                      framework=FRAMEWORK, build=build)]
''',
    "evaluator": '''
from hub.specs import EvaluatorSpec

HUB_PLUGIN_API = "$api"


def evaluate(inputs):
    """The share of rows predicted positive, overall and per group of each sensitive column."""
    by_group = {}
    for column in inputs.sensitive.columns:
        groups = inputs.sensitive[column].astype(str).to_numpy()
        by_group[column] = {group: float(inputs.y_pred[groups == group].mean()) for group in sorted(set(groups))}
    return {"positive_rate": float(inputs.y_pred.mean()), "by_group": by_group}


def summarize(report):
    lines = [f"positive rate {report['positive_rate']:.1%}"]
    for column, rates in report["by_group"].items():
        lines.append(f"{column}: " + ", ".join(f"{group} {rate:.1%}" for group, rate in rates.items()))
    return "\\n".join(lines)


@hookimpl
def hub_evaluators():
    return [EvaluatorSpec(name="$name", kind="summary", description="Share predicted positive, by group",
                          evaluate=evaluate, summarize=summarize)]
''',
}

OWN_TESTS = {
    "dataset": '''
def test_dataset_has_both_outcomes():
    (spec,) = $module.hub_datasets()
    assert set(spec.load()[spec.target]) == {"yes", "no"}
''',
    "model": '''
def test_model_type_builds_an_unfitted_pipeline():
    (spec,) = $module.hub_models()
    assert list(spec.build(spec.default_params).named_steps) == ["preprocess", "model"]
''',
    "trainer": '''
def test_trainer_handles_its_own_framework():
    (trainer,) = $module.hub_trainers()
    (model,) = $module.hub_models()
    assert trainer.framework == model.framework == $module.FRAMEWORK
''',
    "evaluator": '''
def test_summary_reads_the_report():
    (spec,) = $module.hub_evaluators()
    report = {"positive_rate": 0.5, "by_group": {"sex": {"female": 0.4, "male": 0.6}}}
    assert spec.summarize(report) == "positive rate 50.0%\\nsex: female 40.0%, male 60.0%"
''',
}

TEST_HEADER = '''\
"""The plugin contract (hub.testing), the wheel's contents, and this plugin's own tests."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import $module
from hub.testing import PluginContract

ROOT = Path(__file__).resolve().parents[1]


class TestContract(PluginContract):
    plugin = $module
    name = "$name"


def test_the_wheel_ships_every_file_of_the_package(tmp_path):
    """An editable install reads this folder, so only a built wheel shows what users will get."""
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns("build", "dist", "*.egg-info", "__pycache__",
                                                                ".pytest_cache"))
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path / "dist"),
                    str(source)], check=True, capture_output=True)
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    package = ROOT / "$module"
    files = {path.relative_to(ROOT).as_posix() for path in package.rglob("*")
             if path.is_file() and "__pycache__" not in path.parts}
    left_out = files - set(zipfile.ZipFile(wheel).namelist())
    assert not left_out, f"add these to [tool.setuptools.package-data] in pyproject.toml: {sorted(left_out)}"
'''

def _example_rows() -> str:
    """Generated loan decisions, as the CSV file the dataset example ships."""
    lines = ["income,years_employed,sex,approved"]
    for i in range(120):
        income = 20 + (i * 37) % 80
        approved = "yes" if income + (i % 7) * 3 > 60 else "no"
        lines.append(f"{income},{i % 15},{'female' if i % 2 else 'male'},{approved}")
    return "\n".join(lines) + "\n"


DATA = {"dataset": {"rows.csv": _example_rows()}}
"""Files each kind ships under ``MODULE/data/``, which ``package-data`` puts in the wheel."""

DEPENDENCIES = {
    "dataset": ["ecohub", "pandas>=2"],
    "model": ["ecohub", "ecohub-sklearn", "scikit-learn>=1.3"],
    "trainer": ["ecohub", "numpy>=1.24", "pandas>=2"],
    "evaluator": ["ecohub"],
}

DESCRIPTIONS = {
    "dataset": "An example dataset for ecohub",
    "model": "An example model type for ecohub",
    "trainer": "An example framework and trainer for ecohub",
    "evaluator": "An example evaluator for ecohub",
}


def create(name: str, kind: str, directory: Path) -> Path:
    """Write the package folder ``ecohub-NAME`` under ``directory``; returns its path."""
    if not NAME.fullmatch(name):
        raise HubError(f"'{name}' is not a valid plugin name.",
                       "Use lower-case letters, digits and single hyphens, starting with a letter.")
    package = name if name.startswith("ecohub-") else f"ecohub-{name}"
    module = package.replace("-", "_")
    root = Path(directory) / package
    if root.exists():
        raise HubError(f"{root} already exists.", "Choose another name or --directory.")
    values = {
        "name": name, "package": package, "module": module, "kind": kind, "api": API_RANGE,
        "description": DESCRIPTIONS[kind],
        "dependencies": ", ".join(f'"{dependency}"' for dependency in DEPENDENCIES[kind]),
    }
    files = {
        "pyproject.toml": PYPROJECT,
        "README.md": README,
        f"{module}/__init__.py": HEADER + MODULES[kind],
        **{f"{module}/data/{name}": text for name, text in DATA.get(kind, {}).items()},
        f"tests/test_{module}.py": TEST_HEADER + "\n" + OWN_TESTS[kind],
    }
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(text).substitute(values))
    return root
