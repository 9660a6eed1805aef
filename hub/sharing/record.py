"""A version's record as files any Hugging Face-compatible hub carries: the card, and ``.ecohub/``.

A model that leaves ecohub must keep what ecohub knows about it, or the hub it lands on knows
less than the one it left: which dataset it was trained on and under which license, its split,
metrics, reports and verdicts. The Hub ecosystem reads the card (``README.md``): license,
``base_model``, ``datasets``, metrics as ``model-index``, and ecohub's verdicts under ``ecohub``.
Everything else travels as plain JSON under :data:`FOLDER`, which any Hub client downloads with
the weights::

    .ecohub/record.json        the manifest: format, source version, facts, verdicts, and the
                               sha256 and size of every other file here and of the model files
    .ecohub/config.json        the training configuration (what ``hub evaluate`` re-draws rows from)
    .ecohub/split.json         the held-out split: method, test size, seed, row counts
    .ecohub/data.json          the datasets used, with their licenses and row fingerprints
    .ecohub/reports/NN-NAME.json   each report, byte for byte as the source registry stores it

``split.json`` and ``data.json`` are left out for versions with no split or dataset (a model
uploaded with Hugging Face's tools). ``hub push`` uploads these files, ``hub serve`` shows them for
every version (built afresh, since reports and verdicts change after registration; a version's
stored card is served as stored), and :mod:`hub.sharing.restore` reads them back.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Mapping

from hub.errors import InvalidNameError
from hub.registry import card_yaml, naming
from hub.registry import reports as reports_
from hub.registry.records import FileRecord, ReportRecord, VersionRecord
from hub.sharing import cards, export

FOLDER = ".ecohub"
RECORD = f"{FOLDER}/record.json"
CONFIG = f"{FOLDER}/config.json"
SPLIT = f"{FOLDER}/split.json"
DATA = f"{FOLDER}/data.json"
REPORTS = f"{FOLDER}/reports"
FORMAT = "ecohub-record/1"
IMPORTED = reports_.IMPORTED
"""The role of imported reports, and the config key of an imported version's provenance."""


def is_record_path(path: str) -> bool:
    """Whether ``path`` is part of a version's record rather than one of its model files."""
    return path == export.CARD or path == FOLDER or path.startswith(FOLDER + "/")


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True, allow_nan=False) + "\n").encode()


def _report_path(index: int, report: ReportRecord) -> str:
    return f"{REPORTS}/{index:02d}-{re.sub(r'[^A-Za-z0-9._-]', '-', report.evaluator)[:80]}.json"


def _shareable(path: str) -> bool:
    """A model file a record vouches for: not part of the record, and a path any registry accepts
    (an older server may hold a ``.git/config``, which no pull keeps)."""
    try:
        naming.validate_file_path(path)
    except InvalidNameError:
        return False
    return not is_record_path(path)


def origin_of(version: VersionRecord, report: ReportRecord) -> dict[str, Any] | None:
    """Where an imported report came from (source hub, repository, commit, its role there); None for a local one."""
    if report.role != IMPORTED:
        return None
    imported = version.config.get(IMPORTED) or {}
    found = next((entry for entry in imported.get("reports", []) if entry.get("sha256") == report.sha256), {})
    return {key: imported.get(key) for key in ("hub", "repo", "commit", "source")} | {
        "role": found.get("role", ""), "created_at": found.get("created_at", ""), "via": found.get("via")}


def verdicts(registry, version: VersionRecord) -> dict[str, Any]:
    """ecohub's verdicts on a version: the license policy over its lineage and the push gates, with
    the reports they rest on. An imported version also says where it came from."""
    check = registry.check_license(version.ref)
    found: dict[str, Any] = {"license": check.verdict, "license_failures": list(check.failures)}
    found["gates"] = [result.as_dict() for result in registry.gate(version, "push", "")]
    found["reports"] = [{"evaluator": report.evaluator, "kind": report.kind, "role": report.role,
                         "sha256": report.sha256} for report in version.reports]
    imported = version.config.get(IMPORTED)
    if imported:
        found["imported_from"] = {key: imported.get(key) for key in ("hub", "repo", "commit", "source")}
    return found


def _push_of(version: VersionRecord, push: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """This push, else the one that brought an imported version here."""
    return push or (version.config.get(IMPORTED) or {}).get("push")


def card(registry, version: VersionRecord, push: Mapping[str, Any] | None = None,
         judged: Mapping[str, Any] | None = None) -> str:
    """The card a version shows elsewhere: the registry's, with ecohub's verdicts (``judged``, when
    already computed), and what its push overrode or that it went to a private repository for review."""
    push = _push_of(version, push)
    metadata, body = cards.split(export.card_text(registry, version))
    ecohub = dict(metadata.get("ecohub") or {})
    ecohub["verdicts"] = dict(judged) if judged is not None else verdicts(registry, version)
    ecohub["record"] = RECORD
    if push:
        ecohub["push"] = dict(push)
        if push.get("review"):
            metadata["tags"] = [*(metadata.get("tags") or []), "ecohub:needs-review"]
            body = (f"> **Pushed for review.** {version.ref} fails checks ecohub runs before sharing: "
                    f"{'; '.join(push.get('failing') or [])}. It was pushed to a private repository so the "
                    "failures can be reviewed; do not use it until they are.\n\n") + body
        elif push.get("justification"):
            body = (f"> **Shared despite failing checks** ({'; '.join(push.get('failing') or [])}), with the "
                    f"justification: {push['justification']}\n\n") + body
    metadata["ecohub"] = ecohub
    return "---\n" + card_yaml.dump(metadata, sort_keys=False, allow_unicode=True) + "---\n\n" + body.lstrip("\n")


def card_metadata(registry, version: VersionRecord) -> dict[str, Any]:
    """The card's front matter, as ``model_info`` gives it to Hub clients as ``cardData``."""
    return cards.split(card(registry, version))[0]


def build(registry, version: VersionRecord, push: Mapping[str, Any] | None = None) -> dict[str, bytes]:
    """The record files of ``version``, path to bytes: the card and everything under :data:`FOLDER`."""
    config = {key: value for key, value in version.config.items() if key != IMPORTED}
    push, judged = _push_of(version, push), verdicts(registry, version)
    files: dict[str, bytes] = {CONFIG: _json(config)}
    if config.get("split"):
        files[SPLIT] = _json({"dataset": config.get("dataset"), "seed": config.get("seed"), **config["split"]})
    if version.datasets:
        files[DATA] = _json([use.as_dict() for use in version.datasets])
    reports = []
    for index, report in enumerate(version.reports, 1):
        path = _report_path(index, report)
        files[path] = registry.store.read_bytes(report.sha256, f"report {report.evaluator} of {version.ref}")
        entry = {key: value for key, value in report.as_dict().items() if key not in ("id", "size")}
        origin = origin_of(version, report)
        reports.append({**entry, "path": path, **({"origin": origin} if origin else {})})
    manifest = {
        "format": FORMAT,
        "source": {"model": version.model, "version": version.version, "commit": version.commit,
                   "created_at": version.created_at.isoformat(), "created_by": version.created_by},
        "license": {"declared": version.declared_license, "link": version.license_link,
                    "concluded": version.license, "reasons": version.license_reasons},
        "framework": version.framework, "model_type": version.model_type, "trainer": version.trainer,
        "task": version.task,
        "metrics": version.metrics,
        "lineage": [{key: value for key, value in edge.as_dict().items() if key not in ("child", "depth")}
                    for edge in version.lineage],
        "reports": reports,
        "verdicts": judged,
        "model_files": {file.path: file.sha256 for file in version.files if _shareable(file.path)},
        "files": {path: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
                  for path, data in sorted(files.items())},
    }
    if push:
        manifest["push"] = dict(push)
    files[RECORD] = _json(manifest)
    files[export.CARD] = card(registry, version, push, judged).encode()
    return files


def served(registry, version: VersionRecord) -> tuple[list[FileRecord], dict[str, bytes]]:
    """A version's files as ``hub serve`` shows them, and the bytes of the record files it adds.

    Stored files are served as stored, byte for byte; the record adds ``.ecohub/`` (built afresh, in
    place of anything stored there) and, for a version stored without one, the card.
    """
    stored = {file.path for file in version.files if not file.path.startswith(FOLDER + "/")}
    built = {path: data for path, data in build(registry, version).items() if path not in stored}
    made = [FileRecord(path=path, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                       git_sha1=hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest())
            for path, data in built.items()]
    kept = [file for file in version.files if file.path in stored]
    return sorted(kept + made, key=lambda file: file.path), built
