"""Read a version's record (:mod:`hub.sharing.record`) back from files that came from another hub.

The files are untrusted: whoever controls that hub, or the repository, wrote them. Nothing reaches
the registry until every file of the record has been bounded in size, matched against the digest
the manifest gives it, and every field checked for its type, size and meaning (names, licenses,
relations, digests, finite metrics), and until the model files match the ones the record
describes, so a record never vouches for files it was not written for. What fails gets an error
that names the file and the field, and nothing is registered.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from hub.errors import HubError
from hub.registry import licenses, naming
from hub.registry.cards import hub_name
from hub.registry.lineage import DATASET, DATASET_RELATION, MODEL, RELATIONS, Parent
from hub.registry.records import DatasetUse
from hub.registry.reports import ROLES
from hub.sharing import export, record

MAX_RECORD_BYTES = 1024 * 1024
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_TOTAL_BYTES = 64 * 1024 * 1024
MAX_FILES = 200
MAX_ITEMS = 500
MAX_TEXT = 2000
WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/+-]{0,99}")
HEX64 = re.compile(r"[0-9a-f]{64}")
HEX40 = re.compile(r"[0-9a-f]{40}")
REPORT_ROLES = (*ROLES, "legacy", record.IMPORTED)
HINT = ("The repository's .ecohub/ record is damaged or was not written by ecohub: push the version again from "
        "its registry, or delete .ecohub/ from the repository to share the files with their card alone.")


class RecordError(HubError):
    """A record that cannot be trusted: too large, not matching its digests, or with a malformed field."""

    def __init__(self, message: str, hint: str | None = HINT):
        super().__init__(message, hint)


@dataclass(frozen=True)
class Restored:
    """A record, checked: what to register the model files with, and the reports to attach."""

    source: dict[str, Any]
    declared_license: str
    license_link: str
    license_reasons: list[str]
    framework: str
    model_type: str
    trainer: str
    task: str
    config: dict[str, Any]
    metrics: dict[str, dict[str, float]]
    datasets: list[DatasetUse]
    lineage: list[dict[str, Any]]
    reports: list[tuple[dict[str, Any], dict[str, Any]]]
    push: dict[str, Any] | None


def split_files(files: Mapping[str, Path]) -> tuple[dict[str, Path], dict[str, Path]]:
    """The model files (the card included) and the files under ``.ecohub/``."""
    inside = {path: file for path, file in files.items() if path.startswith(record.FOLDER + "/")}
    return {path: file for path, file in files.items() if path not in inside}, inside


def read(found: Mapping[str, Path], model_files: Mapping[str, Path]) -> Restored:
    """The checked record in ``found`` (the files under ``.ecohub/``), which must describe ``model_files``."""
    if record.RECORD not in found:
        raise RecordError(f"The repository has files under {record.FOLDER}/ but no {record.RECORD}.")
    if len(found) > MAX_FILES:
        raise RecordError(f"The record holds {len(found)} files; at most {MAX_FILES} are read.")
    manifest = _load(found[record.RECORD], record.RECORD, MAX_RECORD_BYTES)
    if not isinstance(manifest, dict) or manifest.get("format") != record.FORMAT:
        raise RecordError(f"{record.RECORD} is not an ecohub record of format {record.FORMAT}.",
                          "Update ecohub to read newer records, or " + HINT[0].lower() + HINT[1:])
    listed = _mapping(manifest.get("files"), "files")
    extra = sorted(set(found) - set(listed) - {record.RECORD})
    if extra:
        raise RecordError(f"{', '.join(extra[:5])} {'is' if len(extra) == 1 else 'are'} under {record.FOLDER}/ but "
                          f"not listed in {record.RECORD}, so nothing vouches for {'it' if len(extra) == 1 else 'them'}.")
    total, contents = 0, {}
    for path, entry in listed.items():
        entry = _mapping(entry, f"files.{path}")
        if path not in found:
            raise RecordError(f"{record.RECORD} lists {path!r}, which the repository does not hold.")
        size = os.stat(found[path]).st_size
        total += size
        if size > MAX_FILE_BYTES or total > MAX_TOTAL_BYTES:
            raise RecordError(f"{path} makes the record larger than ecohub reads ({MAX_FILE_BYTES} bytes a file, "
                              f"{MAX_TOTAL_BYTES} in all).")
        data = Path(found[path]).read_bytes()
        if len(data) != entry.get("size") or hashlib.sha256(data).hexdigest() != entry.get("sha256"):
            raise RecordError(f"{path} does not match the size and sha256 {record.RECORD} gives it: it was changed "
                              "or damaged after the record was written.")
        contents[path] = data
    _check_model_files(manifest.get("model_files"), model_files)
    return _restored(manifest, contents)


def _load(path: Path, name: str, limit: int) -> Any:
    if os.stat(path).st_size > limit:
        raise RecordError(f"{name} is larger than the {limit} bytes ecohub reads.")
    return _parse(Path(path).read_bytes(), name)


def _parse(data: bytes, name: str) -> Any:
    try:
        return json.loads(data, parse_constant=_no_constant)
    except (ValueError, RecursionError) as error:
        raise RecordError(f"{name} is not valid JSON: {error}.") from None


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")


def _check_model_files(described: Any, model_files: Mapping[str, Path]) -> None:
    described = _mapping(described, "model_files")
    received = {path for path in model_files if path != export.CARD}
    if set(described) != received:
        missing, unexpected = sorted(set(described) - received), sorted(received - set(described))
        raise RecordError("The record describes other files than the repository holds"
                          + (f"; missing: {', '.join(missing[:5])}" if missing else "")
                          + (f"; not in the record: {', '.join(unexpected[:5])}" if unexpected else "") + ".",
                          "The files were changed after the version was pushed: push the version again from its "
                          "registry, or delete .ecohub/ from the repository to share the files with their card alone.")
    for path in sorted(received):
        if _file_sha256(model_files[path]) != _hex(described[path], f"model_files.{path}", HEX64):
            raise RecordError(f"{path} is not the file the record was written for (its sha256 differs).")


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


# -- fields ---------------------------------------------------------------------------------------

def _mapping(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict) or len(value) > MAX_ITEMS or not all(isinstance(key, str) for key in value):
        raise RecordError(f"'{field}' in {record.RECORD} must be a mapping of at most {MAX_ITEMS} entries.")
    return value


def _list(value: Any, field: str) -> list[Any]:
    if not isinstance(value, list) or len(value) > MAX_ITEMS:
        raise RecordError(f"'{field}' in {record.RECORD} must be a list of at most {MAX_ITEMS} items.")
    return value


def _text(value: Any, field: str, *, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str) or len(value) > limit or "\0" in value:
        raise RecordError(f"'{field}' in {record.RECORD} must be text of at most {limit} characters.")
    return value


def _word(value: Any, field: str, *, empty: bool = True) -> str:
    """A name: an evaluator, plugin, framework, trainer or task."""
    if (value == "" and empty) or (isinstance(value, str) and WORD.fullmatch(value)):
        return value
    raise RecordError(f"'{field}' in {record.RECORD} must be a name of letters, digits and '._:/+-', not {value!r:.80}.")


def _hex(value: Any, field: str, pattern: re.Pattern, *, empty: bool = False) -> str:
    if (value == "" and empty) or (isinstance(value, str) and pattern.fullmatch(value)):
        return value
    raise RecordError(f"'{field}' in {record.RECORD} must be a hexadecimal digest, not {value!r:.80}.")


def _number(value: Any, field: str) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    raise RecordError(f"'{field}' in {record.RECORD} must be a finite number, not {value!r:.80}.")


def _count(value: Any, field: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2 ** 53:
        return value
    raise RecordError(f"'{field}' in {record.RECORD} must be a whole number of rows, not {value!r:.80}.")


def _license(value: Any, field: str) -> str:
    try:
        return licenses.parse(_text(value, field, limit=500)).text
    except HubError as error:
        raise RecordError(f"'{field}' in {record.RECORD}: {error.message}") from None


def _name(value: Any, field: str, check) -> str:
    try:
        return check(_text(value, field, limit=naming.PATH_LIMIT))
    except RecordError:
        raise
    except HubError as error:
        raise RecordError(f"'{field}' in {record.RECORD}: {error.message}") from None


def _dataset_name(value: Any, field: str) -> str:
    if isinstance(value, str) and value.startswith("hf:"):
        return _name(value, field, naming.validate_external)
    if isinstance(value, str) and naming.PART.fullmatch(value):
        return value
    raise RecordError(f"'{field}' in {record.RECORD} must be a dataset name or hf:datasets/org/name, not {value!r:.80}.")


# -- the record ---------------------------------------------------------------------------------

def _restored(manifest: dict[str, Any], contents: Mapping[str, bytes]) -> Restored:
    source = _mapping(manifest.get("source"), "source")
    license_ = _mapping(manifest.get("license"), "license")
    config = _parse(contents[record.CONFIG], record.CONFIG) if record.CONFIG in contents else {}
    return Restored(
        source={"model": _name(source.get("model"), "source.model", naming.validate_name),
                "version": _count(source.get("version"), "source.version"),
                "commit": _hex(source.get("commit"), "source.commit", HEX40),
                "created_at": _text(source.get("created_at", ""), "source.created_at", limit=40),
                "created_by": _text(source.get("created_by", ""), "source.created_by", limit=200)},
        declared_license=_license(license_.get("declared"), "license.declared"),
        license_link=_text(license_.get("link", ""), "license.link"),
        license_reasons=[_text(reason, "license.reasons") for reason in _list(license_.get("reasons", []),
                                                                               "license.reasons")],
        framework=_word(manifest.get("framework", ""), "framework"),
        model_type=_word(manifest.get("model_type", ""), "model_type"),
        trainer=_word(manifest.get("trainer", ""), "trainer"),
        task=_word(manifest.get("task", ""), "task"),
        config=_config(config),
        metrics={_word(split, "metrics", empty=False): {_word(key, f"metrics.{split}", empty=False):
                                                        _number(value, f"metrics.{split}.{key}")
                                                        for key, value in _mapping(values, f"metrics.{split}").items()}
                 for split, values in _mapping(manifest.get("metrics", {}), "metrics").items()},
        datasets=[_dataset_use(entry, f"data[{index}]") for index, entry in
                  enumerate(_list(_parse(contents[record.DATA], record.DATA), "data"))] if record.DATA in contents
        else [],
        lineage=[_edge(entry, f"lineage[{index}]") for index, entry in
                 enumerate(_list(manifest.get("lineage", []), "lineage"))],
        reports=[_report(entry, f"reports[{index}]", contents) for index, entry in
                 enumerate(_list(manifest.get("reports", []), "reports"))],
        push=_push(manifest["push"]) if manifest.get("push") is not None else None,
    )


def _config(config: Any) -> dict[str, Any]:
    """The training configuration, with the fields ``hub evaluate`` reads checked for their types."""
    config = _mapping(config, "config")
    if "dataset" in config:
        _dataset_name(config["dataset"], "config.dataset")
    if "seed" in config and not (isinstance(config["seed"], int) and not isinstance(config["seed"], bool)):
        raise RecordError(f"'config.seed' in {record.CONFIG} must be a whole number.")
    if "features" in config:
        [_text(feature, "config.features", limit=200) for feature in _list(config["features"], "config.features")]
    if "split" in config:
        test_size = _mapping(config["split"], "config.split").get("test_size")
        if test_size is not None and not (0 < _number(test_size, "config.split.test_size") < 1):
            raise RecordError(f"'config.split.test_size' in {record.CONFIG} must be between 0 and 1.")
    return config


def _dataset_use(entry: Any, field: str) -> DatasetUse:
    entry = _mapping(entry, field)
    role = entry.get("role")
    if role not in ("train", "evaluation"):
        raise RecordError(f"'{field}.role' in {record.DATA} must be train or evaluation, not {role!r:.40}.")
    return DatasetUse(dataset=_dataset_name(entry.get("dataset"), f"{field}.dataset"),
                      plugin=_word(entry.get("plugin", ""), f"{field}.plugin"),
                      license=_license(entry.get("license"), f"{field}.license"), role=role,
                      rows=_count(entry.get("rows"), f"{field}.rows"),
                      sha256=_hex(entry.get("sha256", ""), f"{field}.sha256", HEX64, empty=True))


def _edge(entry: Any, field: str) -> dict[str, Any]:
    entry = _mapping(entry, field)
    kind, relation = entry.get("kind"), entry.get("relation")
    if kind not in (MODEL, DATASET) or relation not in RELATIONS or (kind == DATASET) != (relation == DATASET_RELATION):
        raise RecordError(f"'{field}' in {record.RECORD} has kind {kind!r:.40} and relation {relation!r:.40}: a "
                          f"dataset is a parent by {DATASET_RELATION}, a model by another relation.")
    parent = _text(entry.get("parent"), f"{field}.parent", limit=naming.PATH_LIMIT)
    if kind == DATASET:
        _dataset_name(parent, f"{field}.parent")
    elif not parent.startswith("hf:"):
        _name(hub_name(parent), f"{field}.parent", naming.validate_name)
    else:
        _name(parent, f"{field}.parent", naming.validate_external)
    return {"parent": parent, "relation": relation, "kind": kind,
            "license": _license(entry.get("license"), f"{field}.license"), "internal": entry.get("internal") is True}


def _report(entry: Any, field: str, contents: Mapping[str, bytes]) -> tuple[dict[str, Any], dict[str, Any]]:
    entry = _mapping(entry, field)
    path, sha256 = entry.get("path"), _hex(entry.get("sha256"), f"{field}.sha256", HEX64)
    if not isinstance(path, str) or not path.startswith(record.REPORTS + "/") or path not in contents:
        raise RecordError(f"'{field}.path' in {record.RECORD} must name a file under {record.REPORTS}/ listed in "
                          "the record.")
    if hashlib.sha256(contents[path]).hexdigest() != sha256:
        raise RecordError(f"{path} is not the report {record.RECORD} describes (its sha256 differs).")
    body = _parse(contents[path], path)
    if not isinstance(body, dict):
        raise RecordError(f"{path} must hold a JSON object, as every report does.")
    role = entry.get("role")
    if role not in REPORT_ROLES:
        raise RecordError(f"'{field}.role' in {record.RECORD} must be one of {', '.join(REPORT_ROLES)}.")
    origin = entry.get("origin")
    checked = {
        "evaluator": _word(entry.get("evaluator"), f"{field}.evaluator", empty=False),
        "kind": _word(entry.get("kind"), f"{field}.kind", empty=False),
        "plugin": _word(entry.get("plugin", ""), f"{field}.plugin"),
        "dataset": _dataset_name(entry["dataset"], f"{field}.dataset") if entry.get("dataset") else "",
        "sha256": sha256, "role": role,
        "created_at": _text(entry.get("created_at", ""), f"{field}.created_at", limit=40),
        "rows_sha256": _hex(entry.get("rows_sha256", ""), f"{field}.rows_sha256", HEX64, empty=True),
        "sensitive": [_text(column, f"{field}.sensitive", limit=200)
                      for column in _list(entry.get("sensitive", []), f"{field}.sensitive")],
        "params": _mapping(entry.get("params", {}), f"{field}.params"),
        "origin": _origin(origin, f"{field}.origin") if origin is not None else None,
    }
    return checked, body


def _origin(origin: Any, field: str, depth: int = 0) -> dict[str, Any]:
    """Where a report was imported from before: kept, bounded, as the first hops of its journey."""
    origin = _mapping(origin, field)
    via = origin.get("via")
    return {"hub": _text(origin.get("hub") or "", f"{field}.hub", limit=500),
            "repo": _text(origin.get("repo") or "", f"{field}.repo", limit=500),
            "commit": _text(origin.get("commit") or "", f"{field}.commit", limit=100),
            "role": _text(origin.get("role") or "", f"{field}.role", limit=20),
            "created_at": _text(origin.get("created_at") or "", f"{field}.created_at", limit=40),
            "via": _origin(via, f"{field}.via", depth + 1) if isinstance(via, dict) and depth < 4 else None}


def _push(push: Any) -> dict[str, Any]:
    push = _mapping(push, "push")
    return {"by": _text(push.get("by", ""), "push.by", limit=200),
            "justification": _text(push.get("justification") or "", "push.justification"),
            "failing": [_text(item, "push.failing") for item in _list(push.get("failing", []), "push.failing")],
            "review": push.get("review") is True, "private": push.get("private") is True}


# -- into the registry --------------------------------------------------------------------------

def parents(registry, restored: Restored) -> list[Parent]:
    """The record's lineage as parents here. Datasets used for training become edges by themselves; a
    model parent is the registered model of that name if there is one, else a reference with the
    license the source recorded."""
    trained = {use.dataset for use in restored.datasets if use.role == "train"}
    found = []
    for edge in restored.lineage:
        if edge["kind"] == DATASET:
            if edge["parent"] not in trained:
                found.append(Parent(edge["parent"], DATASET_RELATION, DATASET, edge["license"]))
            continue
        name = hub_name(edge["parent"])
        try:
            registry.get_version(name)
        except HubError:
            found.append(Parent(f"hf:{name}", edge["relation"], MODEL, edge["license"]))
        else:
            found.append(Parent(name, edge["relation"], MODEL))
    return found


def imported_reports(restored: Restored, origin: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What the version's config keeps of each imported report: its digest, and its role and origin there."""
    return [{"sha256": entry["sha256"], "evaluator": entry["evaluator"], "created_at": entry["created_at"],
             "role": (entry["origin"] or {}).get("role", "") if entry["role"] == record.IMPORTED else entry["role"],
             "via": entry["origin"]} for entry, _ in restored.reports]
