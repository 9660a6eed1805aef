"""The registry against MLflow's model registry, both on SQLite, in the same run.

    .venv/bin/python benchmarks/registry.py                      # 2,000 and 20,000 models x 5 versions
    .venv/bin/python benchmarks/registry.py --models 400 --repeat 50   # a quick look

Each side runs in a worker process of its own (ours in the project's virtualenv, MLflow in
``.venv-bench/``, which this script creates and fills with ``pip install mlflow`` when it is
missing), and the driver alternates small batches of the same work between them, so a busy machine
slows both alike and the ratios stay fair. Each batch of calls starts with one untimed call, so both
sides are timed warm after the other's turn.

What is timed, per version and per query, with the same seeded arguments on both sides:

- register (the last ``--timed-models`` models of a tier; those before load untimed, MLflow's
  through its own table classes in bulk, as its API would take hours at 100,000 versions on a
  small machine): 3 tags per version; MLflow's ``create_registered_model`` for each new model, then
  ``create_model_version`` with a ``source`` naming an artifact already written. Ours registers the
  same artifact (hashed, checked, its stored copy reused) with a lineage edge on each model's
  first version. "register + new bytes" also stores a new 1 KB file durably (two fsyncs), which
  MLflow's call does not do: it is shown for information.
- list first page (50 models), name-prefix search, tag-filter search (``search_model_versions``
  on MLflow's side), alias lookup, get one version; and ours only, a lineage query (ancestors
  and descendants of a version).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_VENV = ROOT / ".venv-bench"
QUERIES = ("list first page", "name-prefix search", "tag-filter search", "alias lookup", "get one version",
           "lineage query")
REGISTER_TARGET, QUERY_TARGET, QUERY_LIMIT_MS = 5.0, 10.0, 10.0
BATCH_MODELS, BATCH_CALLS, BULK_MODELS = 50, 50, 1000
ARTIFACT_BYTES = 1024


# -- workers: one per side, answering JSON commands on stdin ------------------------------------


def model_name(index: int) -> str:
    return f"model-{index:05d}"


def artifact(folder: Path, index: int, version: int) -> Path:
    """The artifact of one version: 1 KB that no other version shares, written before timing starts."""
    path = folder / model_name(index) / str(version) / "model.safetensors"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        seed = f"{model_name(index)}:{version}:".encode()
        path.write_bytes((seed * (ARTIFACT_BYTES // len(seed) + 1))[:ARTIFACT_BYTES])
    return path


def tags_of(index: int, version: int) -> dict[str, str]:
    return {"team": f"team-{index % 10}", "stage": ("dev", "qa", "prod")[version % 3], "idx": str(index)}


class Ours:
    def __init__(self, folder: Path, versions: int):
        from hub.registry import Registry

        self.folder, self.versions = folder, versions
        self.registry = Registry(f"sqlite:///{folder / 'registry.db'}", folder / "store")

    def prepare(self, first: int, last: int, fresh: bool = False) -> None:
        """Write the artifacts, and store them unless ``fresh``, as MLflow's already sit where their source points."""
        for index in range(first, last):
            for version in range(1, self.versions + 1):
                path = artifact(self.folder / ("fresh" if fresh else "artifacts"), index, version)
                if not fresh:
                    self.registry.store.put_file(path)

    def load(self, first: int, last: int) -> None:
        self.prepare(first, last)
        self.register(first, last)

    def register(self, first: int, last: int, fresh: bool = False) -> None:
        from hub.registry import Parent

        artifacts = self.folder / ("fresh" if fresh else "artifacts")
        for index in range(first, last):
            for version in range(1, self.versions + 1):
                parents = [Parent(f"{model_name((index - 1) // 2)}:{self.versions}")] if version == 1 and index else []
                name = model_name(index) if not fresh else f"fresh-{index:05d}"
                self.registry.register_version(name, files={"model.safetensors": artifact(artifacts, index, version)},
                                               license="apache-2.0", tags=tags_of(index, version), lineage=parents,
                                               framework="safetensors", task="text-classification")

    def alias(self, index: int) -> None:
        self.registry.set_alias(model_name(index), "production", 3, justification="benchmark")

    def call(self, query: str, argument):
        search = self.registry.search
        return {
            "list first page": lambda: search("", limit=50),
            "name-prefix search": lambda: search(f"name:{argument}*", limit=50),
            "tag-filter search": lambda: search(f"tag:team={argument}", limit=50),
            "alias lookup": lambda: self.registry.resolve(f"{argument}@production"),
            "get one version": lambda: self.registry.get_version(*argument),
            "lineage query": lambda: self.registry.lineage(f"{argument}:1"),
        }[query]()


class MLflow:
    def __init__(self, folder: Path, versions: int):
        from mlflow import MlflowClient

        self.folder, self.versions = folder, versions
        url = f"sqlite:///{folder / 'mlflow.db'}"
        self.client = MlflowClient(tracking_uri=url, registry_uri=url)

    def prepare(self, first: int, last: int) -> None:
        for index in range(first, last):
            for version in range(1, self.versions + 1):
                artifact(self.folder / "artifacts", index, version)

    def register(self, first: int, last: int, fresh: bool = False) -> None:
        for index in range(first, last):
            name = model_name(index)
            self.client.create_registered_model(name)
            for version in range(1, self.versions + 1):
                source = artifact(self.folder / "artifacts", index, version).parent
                self.client.create_model_version(name, source=str(source), tags=tags_of(index, version))

    def load(self, first: int, last: int) -> None:
        """Fill the registry with MLflow's own table classes, one transaction for the lot, without timing it."""
        from mlflow.store.model_registry.dbmodels.models import SqlModelVersion, SqlModelVersionTag, SqlRegisteredModel

        store = self.client._get_registry_client().store
        now = int(time.time() * 1000)
        with store.ManagedSessionMaker() as session:
            for index in range(first, last):
                name = model_name(index)
                session.add(SqlRegisteredModel(name=name, creation_time=now, last_updated_time=now))
                for version in range(1, self.versions + 1):
                    source = str(self.folder / "artifacts" / name / str(version))
                    session.add(SqlModelVersion(name=name, version=version, creation_time=now, last_updated_time=now,
                                                source=source, storage_location=source))
                    session.add_all(SqlModelVersionTag(name=name, version=version, key=key, value=value)
                                    for key, value in tags_of(index, version).items())

    def alias(self, index: int) -> None:
        self.client.set_registered_model_alias(model_name(index), "production", "3")

    def call(self, query: str, argument):
        client = self.client
        return {
            "list first page": lambda: client.search_registered_models(max_results=50),
            "name-prefix search": lambda: client.search_registered_models(f"name LIKE '{argument}%'", max_results=50),
            "tag-filter search": lambda: client.search_model_versions(f"tags.team = '{argument}'", max_results=50),
            "alias lookup": lambda: client.get_model_version_by_alias(argument, "production"),
            "get one version": lambda: client.get_model_version(argument[0], str(argument[1])),
        }[query]()


def serve(side: str, folder: Path, versions: int) -> None:
    """Answer the driver's commands, one JSON line each way."""
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    worker = (Ours if side == "ours" else MLflow)(folder, versions)
    for line in sys.stdin:
        command = json.loads(line)
        started = time.perf_counter()
        if command["op"] == "calls":
            times = []
            worker.call(command["query"], command["arguments"][0])  # warm again after the other side's turn
            for argument in command["arguments"]:
                began = time.perf_counter()
                worker.call(command["query"], argument)
                times.append(time.perf_counter() - began)
            answer = times
        else:
            getattr(worker, command["op"])(*command["args"])
            answer = time.perf_counter() - started
        print(json.dumps(answer), flush=True)


# -- the driver ----------------------------------------------------------------------------------


class Worker:
    def __init__(self, side: str, python: Path, folder: Path, versions: int):
        self.process = subprocess.Popen(
            [str(python), __file__, "--serve", side, "--folder", str(folder), "--versions", str(versions)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
        )

    def ask(self, op: str, *args, **fields):
        self.process.stdin.write(json.dumps({"op": op, "args": list(args), **fields}) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"a benchmark worker stopped (exit {self.process.wait()})")
        return json.loads(line)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


def bench_python() -> Path:
    python = BENCH_VENV / "bin" / "python"
    if not python.exists():
        print(f"Creating {BENCH_VENV} with MLflow (once)...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "mlflow"], check=True)
    return python


def arguments(query: str, models: int, versions: int, count: int, seed: int) -> list:
    rng = random.Random(f"{seed}:{query}")
    pick = {
        "list first page": lambda: None,
        "name-prefix search": lambda: f"model-{rng.randrange(models // 10):04d}",
        "tag-filter search": lambda: f"team-{rng.randrange(10)}",
        "alias lookup": lambda: model_name(rng.randrange(0, models, 10)),
        "get one version": lambda: (model_name(rng.randrange(models)), rng.randrange(1, versions + 1)),
        "lineage query": lambda: model_name(rng.randrange(models // 2, models)),
    }[query]
    return [pick() for _ in range(count)]


def run_tier(models: int, versions: int, repeat: int, with_mlflow: bool, seed: int, timed_models: int) -> dict:
    """Register ``models`` x ``versions``, then time the queries.

    Registration is timed over the last ``timed_models`` models (all of them when that is 0), on
    both sides through their public APIs; the models before those are loaded untimed, MLflow's
    with its own table classes in bulk, since its API would take hours at 100,000 versions.
    """
    folder = Path(tempfile.mkdtemp(prefix="hub-bench-"))
    sides = {"ours": Worker("ours", Path(sys.executable), folder / "ours", versions)}
    if with_mlflow:
        sides["mlflow"] = Worker("mlflow", bench_python(), folder / "mlflow", versions)
    for side in sides:
        (folder / side).mkdir(exist_ok=True)
    timed_from = models - timed_models if 0 < timed_models < models else 0
    result = {"models": models, "versions": models * versions, "timed_versions": (models - timed_from) * versions,
              "register_s": dict.fromkeys(sides, 0.0), "queries": {}}
    try:
        for first in range(0, timed_from, BULK_MODELS):
            for worker in sides.values():
                worker.ask("load", first, min(first + BULK_MODELS, timed_from))
            print(f"\r  loaded {min(first + BULK_MODELS, timed_from) * versions:,} versions untimed", end="",
                  file=sys.stderr)
        for first in range(timed_from, models, BATCH_MODELS):
            last = min(first + BATCH_MODELS, models)
            for name, worker in sides.items():
                worker.ask("prepare", first, last)
                result["register_s"][name] += worker.ask("register", first, last)
            print(f"\r  registered {last * versions:,} of {models * versions:,} versions", end="", file=sys.stderr)
        print(file=sys.stderr)
        fresh = max(1, min(models, 200))
        sides["ours"].ask("prepare", 0, fresh, True)
        result["fresh_register_s"] = sides["ours"].ask("register", 0, fresh, True) / (fresh * versions)
        for index in range(0, models, 10):
            for worker in sides.values():
                worker.ask("alias", index)
        for query in QUERIES:
            calls = arguments(query, models, versions, repeat, seed)
            active = {name: worker for name, worker in sides.items() if name == "ours" or query != "lineage query"}
            times: dict[str, list[float]] = {name: [] for name in active}
            for start in range(0, len(calls), BATCH_CALLS):
                for name, worker in active.items():
                    times[name] += worker.ask("calls", query=query, arguments=calls[start:start + BATCH_CALLS])
            result["queries"][query] = {name: statistics.median(found) * 1000 for name, found in times.items()}
    finally:
        for worker in sides.values():
            worker.close()
        shutil.rmtree(folder, ignore_errors=True)
    return result


def report(result: dict) -> list[str]:
    total, timed = result["versions"], result["timed_versions"]
    lines = [f"\n{total:,} versions ({result['models']:,} models x {total // result['models']}), SQLite; "
             f"registration timed over the last {timed:,} versions, queries as the median of the timed calls", "",
             f"{'operation':<32}{'ecohub':>12}{'MLflow':>12}{'ratio':>9}  {'target':<22}verdict"]
    register = result["register_s"]
    ours_ms = register["ours"] / timed * 1000
    if "mlflow" in register:
        mlflow_ms = register["mlflow"] / timed * 1000
        ratio = mlflow_ms / ours_ms
        lines.append(f"{'register (ms per version)':<32}{ours_ms:>12.3f}{mlflow_ms:>12.3f}{ratio:>8.1f}x  "
                     f"{'>= 5x throughput':<22}{'ok' if ratio >= REGISTER_TARGET else 'MISSED'}")
    else:
        lines.append(f"{'register (ms per version)':<32}{ours_ms:>12.3f}")
    lines.append(f"{'register + new bytes (ms)':<32}{result['fresh_register_s'] * 1000:>12.3f}"
                 f"{'':>12}{'':>9}  (information: MLflow stores no bytes here)")
    for query, medians in result["queries"].items():
        ours = medians["ours"]
        if "mlflow" in medians:
            ratio = medians["mlflow"] / ours
            ok = ratio >= QUERY_TARGET and ours < QUERY_LIMIT_MS
            lines.append(f"{query + ' (ms)':<32}{ours:>12.3f}{medians['mlflow']:>12.3f}{ratio:>8.1f}x  "
                         f"{'>= 10x and < 10 ms':<22}{'ok' if ok else 'MISSED'}")
        else:
            lines.append(f"{query + ' (ms)':<32}{ours:>12.3f}{'-':>12}{'-':>9}  {'< 10 ms':<22}"
                         f"{'ok' if ours < QUERY_LIMIT_MS else 'MISSED'}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default="2000,20000",
                        help="Comma-separated model counts, one tier each [default: 2000,20000].")
    parser.add_argument("--versions", type=int, default=5, help="Versions per model [default: 5].")
    parser.add_argument("--repeat", type=int, default=200, help="Timed calls per query [default: 200].")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timed-models", type=int, default=2000,
                        help="Time registration over the last this many models of each tier; the rest load "
                             "untimed, MLflow's in bulk [default: 2000, all of the first tier].")
    parser.add_argument("--no-mlflow", action="store_true", help="Time ecohub alone.")
    parser.add_argument("--json", type=Path, help="Also write the figures to this file.")
    parser.add_argument("--serve", choices=("ours", "mlflow"), help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve:
        serve(options.serve, options.folder, options.versions)
        return
    results = []
    for models in (int(count) for count in options.models.split(",")):
        print(f"Tier: {models:,} models x {options.versions} versions", file=sys.stderr)
        results.append(run_tier(models, options.versions, options.repeat, not options.no_mlflow, options.seed,
                                options.timed_models))
        print("\n".join(report(results[-1])), flush=True)
    if options.json:
        options.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    main()
