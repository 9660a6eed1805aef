"""The registry API, on SQLite and on PostgreSQL: every test here runs once on each."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone

import pytest
import registry_workers

from hub.errors import IntegrityError, InvalidNameError, LicenseError, UnknownNameError
from hub.registry import DatasetUse, FileRecord, Registry

WORKERS = 8

VERSION = {
    "license": "mit",
    "framework": "sklearn",
    "model_type": "logistic-regression",
    "trainer": "sklearn",
    "task": "tabular-classification",
    "config": {"C": 1.0},
}

TRAIN = DatasetUse(dataset="loans", plugin="loans", license="cc-by-4.0", role="train", rows=800,
                   sha256="a" * 64)
EVALUATION = DatasetUse(dataset="loans", plugin="loans", license="cc-by-4.0", role="evaluation",
                        rows=200, sha256="b" * 64)


def register(registry: Registry, name: str, files, **changes):
    """Register a version with ordinary values for everything the test does not care about."""
    return registry.register_version(name, files=files, **{**VERSION, **changes})


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def git_sha1(path) -> str:
    data = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@pytest.fixture
def model_files(tmp_path):
    """A model's files as a trainer leaves them: small, one of them in a subdirectory."""
    folder = tmp_path / "trained"
    (folder / "preprocessing").mkdir(parents=True)
    files = {
        "model.json": folder / "model.json",
        "weights.bin": folder / "weights.bin",
        "preprocessing/scaler.json": folder / "preprocessing" / "scaler.json",
    }
    files["model.json"].write_text(json.dumps({"type": "logistic-regression", "classes": [0, 1]}))
    files["weights.bin"].write_bytes(bytes(range(256)) * 4)
    files["preprocessing/scaler.json"].write_text(json.dumps({"mean": [41.5, 0.3], "scale": [12.0, 1.0]}))
    return files


@pytest.fixture
def churn(registry, model_files):
    """Version 1 of 'churn', registered with metrics, datasets and a license to normalise."""
    return register(
        registry, "churn", model_files,
        license=" CC-BY-4.0",
        license_reasons=["loans is licensed cc-by-4.0"],
        config={"C": 0.5, "penalty": "l2", "features": ["income", "age"], "class_weight": None},
        metrics={"test": {"accuracy": 0.875, "f1": 0.1}, "train": {"accuracy": 0.9}},
        datasets=[TRAIN, EVALUATION],
        description="Predicts which customers leave",
    )


def flip_first_byte(path) -> None:
    data = bytearray(path.read_bytes())
    data[0] ^= 0xFF
    path.write_bytes(bytes(data))


# -- registering and reading back ------------------------------------------------------------


def test_files_are_listed_with_size_and_sha256(registry, churn, model_files):
    version = registry.get_version("churn", 1)

    assert version.files == [
        FileRecord(path=path, size=model_files[path].stat().st_size, sha256=sha256(model_files[path]),
                   git_sha1=git_sha1(model_files[path]))
        for path in sorted(model_files)
    ]


def test_metrics_datasets_and_config_read_back(registry, churn):
    version = registry.get_version("churn", 1)

    assert version.metrics == {"test": {"accuracy": 0.875, "f1": 0.1}, "train": {"accuracy": 0.9}}
    assert version.datasets == [TRAIN, EVALUATION]
    assert version.config == {"C": 0.5, "penalty": "l2", "features": ["income", "age"], "class_weight": None}
    assert version.license_reasons == ["loans is licensed cc-by-4.0"]
    assert (version.framework, version.model_type, version.trainer, version.task) == (
        "sklearn", "logistic-regression", "sklearn", "tabular-classification"
    )
    assert registry.get_model("churn").description == "Predicts which customers leave"


def test_license_id_is_stored_in_canonical_form(registry, churn):
    assert registry.get_version("churn", 1).license == "cc-by-4.0"


def test_created_at_is_the_registration_time_in_utc(registry, model_files):
    before = datetime.now(timezone.utc)
    register(registry, "churn", model_files)
    after = datetime.now(timezone.utc)

    created_at = registry.get_version("churn").created_at

    assert before <= created_at <= after


def test_versions_are_numbered_from_one_per_model(registry, model_files):
    for name in ["churn", "churn", "fraud", "churn"]:
        register(registry, name, model_files)

    assert [v.ref for v in registry.get_model("churn").versions] == ["churn:1", "churn:2", "churn:3"]
    assert [v.ref for v in registry.get_model("fraud").versions] == ["fraud:1"]


def test_list_models_in_name_order_with_their_versions(registry, model_files):
    for name in ["fraud", "churn", "churn"]:
        register(registry, name, model_files)

    models = registry.list_models()

    assert [(m.name, [v.version for v in m.versions]) for m in models] == [("churn", [1, 2]), ("fraud", [1])]
    assert [m.latest.ref for m in models] == ["churn:2", "fraud:1"]


def test_get_version_without_a_number_is_the_latest(registry, model_files):
    for c in [0.1, 1.0, 10.0]:
        register(registry, "churn", model_files, config={"C": c})

    latest = registry.get_version("churn")

    assert (latest.version, latest.config) == (3, {"C": 10.0})


def test_registering_the_same_files_again_stores_them_once(registry, model_files):
    register(registry, "churn", model_files)
    register(registry, "churn-copy", model_files)

    assert len(set(registry.store.blobs())) == len(model_files)


# -- what is refused -------------------------------------------------------------------------


def test_unknown_model_is_named_in_the_error(registry, churn):
    with pytest.raises(UnknownNameError) as error:
        registry.get_version("fraud")

    assert error.value.message == "No registered model named 'fraud'."
    assert "hub models list" in error.value.hint


def test_unknown_version_is_named_in_the_error(registry, churn):
    with pytest.raises(UnknownNameError) as error:
        registry.get_version("churn", 4)

    assert error.value.message == "Model 'churn' has no version 4."
    assert "hub models show churn" in error.value.hint


@pytest.mark.parametrize(
    "name",
    ["", "../x", "a" * 101, "my model", ".hidden", "churn\n", "acme/churn/v2", "/churn", "acme/", "modèle",
     "acme/../x", "a" * 101 + "/churn"],
    ids=["empty", "parent-dir", "too-long", "space", "leading-dot", "trailing-newline", "two-slashes",
         "empty-namespace", "empty-name", "non-ascii", "parent-dir-in-name", "namespace-too-long"],
)
def test_bad_model_names_are_rejected(registry, model_files, name):
    with pytest.raises(InvalidNameError) as error:
        register(registry, name, model_files)

    assert "is not a valid model name" in error.value.message
    assert registry.list_models() == []


@pytest.mark.parametrize("name", ["a", "churn-v2.1_final", "A" * 100, "acme/credit-risk", "A" * 100 + "/" + "b" * 100])
def test_names_within_the_rules_are_accepted(registry, model_files, name):
    assert register(registry, name, model_files).ref == f"{name}:1"


@pytest.mark.parametrize("path", ["../outside.txt", "nested/../../outside.txt", "/tmp/outside.txt"])
def test_file_paths_that_leave_the_version_are_rejected(registry, model_files, path):
    with pytest.raises(InvalidNameError):
        register(registry, "churn", {path: model_files["model.json"]})

    assert registry.list_models() == []


def test_unknown_license_is_rejected_with_a_suggestion(registry, model_files):
    with pytest.raises(LicenseError) as error:
        register(registry, "churn", model_files, license="cc-by-4")

    assert error.value.message == "Unknown license id 'cc-by-4'."
    assert error.value.hint.startswith("Did you mean cc-by-4.0")
    assert registry.list_models() == []


# -- reports ---------------------------------------------------------------------------------

FAIRNESS = {
    "metric": "demographic_parity_difference",
    "value": 0.125,
    "by_group": {"f": {"selection_rate": 0.375, "count": 96}, "m": {"selection_rate": 0.5, "count": 104}},
    "notes": ["sex is a sensitive feature", "größer als 0.1"],
    "passed": False,
    "threshold": None,
}


def test_report_reads_back_identically(registry, churn):
    report = registry.add_report("churn", 1, evaluator="fairness", kind="fairness", plugin="fairlearn",
                                 dataset="loans", body=FAIRNESS)

    assert registry.read_report(report) == FAIRNESS
    assert registry.get_version("churn", 1).reports == [report]


def test_latest_reports_keep_the_newest_of_each_evaluator(registry, churn):
    older, other, newer = [
        registry.add_report("churn", 1, evaluator=evaluator, kind="summary", plugin="core",
                            dataset="loans", body={"run": run})
        for evaluator, run in [("fairness", 1), ("performance", 1), ("fairness", 2)]
    ]

    latest = registry.latest_reports(registry.get_version("churn", 1))

    assert latest == {"fairness": newer, "performance": other}
    assert registry.read_report(latest["fairness"]) == {"run": 2}


def test_report_for_an_unknown_version_is_refused(registry, churn):
    with pytest.raises(UnknownNameError, match="Model 'churn' has no version 2."):
        registry.add_report("churn", 2, evaluator="fairness", kind="fairness", plugin="fairlearn",
                            dataset="loans", body=FAIRNESS)


# -- exporting and integrity -----------------------------------------------------------------


def test_export_writes_byte_identical_files(registry, churn, model_files, tmp_path):
    destination = tmp_path / "export"

    registry.export_files("churn", 1, destination)

    written = sorted(str(p.relative_to(destination)) for p in destination.rglob("*") if p.is_file())
    assert written == sorted(model_files)
    for path, source in model_files.items():
        assert (destination / path).read_bytes() == source.read_bytes()


def test_corrupted_file_is_detected_on_export(registry, churn, tmp_path):
    weights = next(f for f in churn.files if f.path == "weights.bin")
    flip_first_byte(registry.store.path(weights.sha256))
    destination = tmp_path / "export"

    with pytest.raises(IntegrityError) as error:
        registry.export_files("churn", None, destination)

    assert "'churn:1/weights.bin' is corrupt" in error.value.message
    assert not (destination / "weights.bin").exists()


def test_corrupted_report_is_detected_on_read(registry, churn):
    report = registry.add_report("churn", 1, evaluator="fairness", kind="fairness", plugin="fairlearn",
                                 dataset="loans", body=FAIRNESS)
    flip_first_byte(registry.store.path(report.sha256))

    with pytest.raises(IntegrityError) as error:
        registry.read_report(report)

    assert "'report fairness' is corrupt" in error.value.message


# -- many writers at once --------------------------------------------------------------------


@pytest.fixture(scope="module")
def workers():
    """Eight fresh processes that wait for each other before every task, so writes collide."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        WORKERS, mp_context=context, initializer=registry_workers.wait_together,
        initargs=(context.Barrier(WORKERS),),
    ) as pool:
        yield pool


def run_workers(workers, url, store_dir, jobs):
    """Run one ``(name, files, config, count)`` job per worker; each returns its version numbers."""
    futures = [
        workers.submit(registry_workers.register_at_once, url, str(store_dir), name, files, config, count)
        for name, files, config, count in jobs
    ]
    return [future.result(timeout=120) for future in futures]


def test_concurrent_registrations_get_consecutive_numbers(registry, workers, store_dir):
    jobs = [("churn", {"worker.txt": f"worker {i}".encode()}, {"worker": i}, 3) for i in range(WORKERS)]

    given = run_workers(workers, registry.url, store_dir, jobs)

    versions = registry.get_model("churn").versions
    assert sorted(number for numbers in given for number in numbers) == list(range(1, 3 * WORKERS + 1))
    assert [v.version for v in versions] == list(range(1, 3 * WORKERS + 1))
    assert {v.version: v.config["worker"] for v in versions} == {
        number: worker for worker, numbers in enumerate(given) for number in numbers
    }


def test_concurrent_models_sharing_files(registry, workers, store_dir):
    shared = {f"layer-{n}.bin": f"shared layer {n}".encode() for n in range(6)}
    jobs = [(f"model-{i}", shared, {}, 1) for i in range(WORKERS)]

    given = run_workers(workers, registry.url, store_dir, jobs)

    assert given == [[1]] * WORKERS
    assert [m.name for m in registry.list_models()] == [f"model-{i}" for i in range(WORKERS)]


def test_concurrent_models_sharing_files_under_different_names(registry, workers, store_dir):
    shared = [f"shared layer {n}".encode() for n in range(6)]
    jobs = [
        (f"model-{i}", {f"layer-{n}.bin": data for n, data in enumerate(shared if i % 2 else shared[::-1])}, {}, 1)
        for i in range(WORKERS)
    ]

    given = run_workers(workers, registry.url, store_dir, jobs)

    assert given == [[1]] * WORKERS


def test_first_use_by_many_processes_at_once(registry_url, workers, store_dir):
    jobs = [("churn", {"worker.txt": f"worker {i}".encode()}, {"worker": i}, 1) for i in range(WORKERS)]

    given = run_workers(workers, registry_url, store_dir, jobs)

    assert sorted(number for numbers in given for number in numbers) == list(range(1, WORKERS + 1))


# -- database URLs ---------------------------------------------------------------------------


@pytest.fixture
def plain_url_registry(postgres_url, store_dir):
    """A registry opened with the URL scheme most PostgreSQL tools print: no driver named."""
    registry = Registry(postgres_url.replace("postgresql+psycopg://", "postgresql://"), store_dir)
    yield registry
    registry.close()


def test_plain_postgresql_url_is_served_by_psycopg(plain_url_registry, model_files):
    version = register(plain_url_registry, "churn", model_files)

    assert version.ref == "churn:1"
    assert plain_url_registry.engine.dialect.driver == "psycopg"
