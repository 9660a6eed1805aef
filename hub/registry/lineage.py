"""Lineage: what a version was made from, and walking those edges up and down the graph.

Derived models are the normal case: a fine-tune of a registered base, an adapter, a quantized or
mitigated copy, a model trained on a dataset. Each registration records one edge per parent; the
parent is a registered version (resolved to an exact version when the child is registered, so
moving an alias later never rewrites history) or a reference the registry cannot look into, such
as ``hf:meta-llama/Llama-3.1-8B@0e9e39f``, whose license the registrant states. Walking the graph
is one recursive query each way, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import bindparam, literal, select
from sqlalchemy.engine import Connection

from hub.registry import licenses
from hub.errors import InvalidNameError, LicenseError
from hub.registry import naming
from hub.registry.records import Edge
from hub.registry.tables import LineageEdge, Model, ModelVersion

COPY = "copy"
MODEL_RELATIONS = ("finetune", "adapter", "quantized", "distilled", "pruned", "merged", "mitigated", COPY)
"""How a version was made from a model; ``copy`` is the same weights registered here from where they
were published (the embedded base model and its Hugging Face id and revision)."""
DATASET_RELATION = "trained_on"
RELATIONS = (*MODEL_RELATIONS, DATASET_RELATION)
MODEL, DATASET = "model", "dataset"
# Far deeper than any real lineage; stops a walk even if the data were ever made cyclic by hand.
MAX_DEPTH = 100

edges, versions, models = LineageEdge.__table__, ModelVersion.__table__, Model.__table__


@dataclass(frozen=True)
class Parent:
    """Something a new version was made from, as whoever registers it names it.

    ``ref`` is a registered model (``acme/base``, ``acme/base:3``, ``acme/base@production``), a
    dataset name, or an external reference (``hf:org/name@revision``,
    ``hf:datasets/org/name@revision``). ``license`` is needed only where the registry cannot look
    it up: external models and datasets. Without it their license is ``unknown``, which the
    license policy warns about.
    """

    ref: str
    relation: str = "finetune"
    kind: str = MODEL
    license: str | None = None


@dataclass(frozen=True)
class Resolved:
    """A parent pinned down: its canonical reference and license, and its row when it is registered."""

    kind: str
    ref: str
    relation: str
    license: str
    version_id: int | None = None
    model_id: int | None = None

    @property
    def internal(self) -> bool:
        return self.version_id is not None or (self.kind == DATASET and not self.ref.startswith("hf:"))

    def as_edge(self, child: str) -> Edge:
        return Edge(child=child, parent=self.ref, relation=self.relation, kind=self.kind, license=self.license,
                    internal=self.internal)


VersionFinder = Callable[[naming.VersionRef], tuple[int, int, str, str]]
"""Looks a registered version up: returns its ``(version id, model id, license, "name:version")``."""


def resolve(parent: Parent, find: VersionFinder) -> Resolved:
    if parent.relation not in RELATIONS:
        raise InvalidNameError(f"'{parent.relation}' is not a lineage relation.",
                               f"Use one of: {', '.join(RELATIONS)}.")
    expected = DATASET_RELATION if parent.kind == DATASET else None
    if parent.kind not in (MODEL, DATASET) or (expected and parent.relation != expected) or (
            parent.kind == MODEL and parent.relation == DATASET_RELATION):
        raise InvalidNameError(
            f"A {parent.kind} cannot be a parent by '{parent.relation}'.",
            f"A dataset is a parent by '{DATASET_RELATION}'; a model by one of {', '.join(MODEL_RELATIONS)}.",
        )
    stated = licenses.parse(parent.license).text if parent.license else licenses.UNKNOWN
    if parent.ref.startswith("hf:"):
        return Resolved(parent.kind, naming.validate_external(parent.ref), parent.relation, stated)
    if parent.kind == DATASET:
        if not naming.PART.fullmatch(parent.ref):
            raise InvalidNameError(f"'{parent.ref}' is not a dataset name.",
                                   "Name an installed dataset ('hub datasets list') or hf:datasets/org/name@revision.")
        return Resolved(DATASET, parent.ref, parent.relation, stated)
    if parent.license:
        raise LicenseError(f"The license of the registered model '{parent.ref}' is already known.",
                           "Leave the license out for registered parents; state it only for external ones.")
    version_id, model_id, license_text, ref = find(naming.parse_ref(parent.ref))
    return Resolved(MODEL, ref, parent.relation, license_text, version_id, model_id)


def ancestors(connection: Connection, version_id: int) -> list[tuple[Edge, str]]:
    """Every edge above a version, nearest first, each with its child's declared license."""
    return _edges(connection, _walk_query(near="version_id", far="parent_version_id", name="up"), version_id)


def descendants(connection: Connection, version_id: int) -> list[tuple[Edge, str]]:
    """Every edge below a version, nearest first, each with its child's declared license."""
    return _edges(connection, _walk_query(near="parent_version_id", far="version_id", name="down"), version_id)


@functools.cache
def _walk_query(*, near: str, far: str, name: str):
    """The edges a walk reaches from the version ``:version_id``, with their children's names and licenses.

    A recursive CTE of edge ids and depths: the edges whose ``near`` end is the version, then, step
    by step, the edges whose ``near`` end is the ``far`` end of an edge already reached. Upwards,
    ``near`` is the child and ``far`` the parent; downwards the other way round. Built once: every
    card and license check walks upwards, and building the statement cost more than running it.
    """
    walk = select(edges.c.id.label("edge_id"), literal(1).label("depth")).where(
        edges.c[near] == bindparam("version_id")).cte(name, recursive=True)
    reached = edges.alias("reached")
    following = edges.alias("following")
    walk = walk.union(
        select(following.c.id, walk.c.depth + 1)
        .select_from(walk.join(reached, reached.c.id == walk.c.edge_id)
                     .join(following, following.c[near] == reached.c[far]))
        .where(walk.c.depth < MAX_DEPTH)
    )
    child = versions.alias("child")
    owner = models.alias("owner")
    return (
        select(walk.c.depth, edges.c.relation, edges.c.parent_kind, edges.c.parent_ref, edges.c.parent_version_id,
               edges.c.license, owner.c.namespace, owner.c.name, child.c.version, child.c.declared_license)
        .select_from(walk.join(edges, edges.c.id == walk.c.edge_id)
                     .join(child, child.c.id == edges.c.version_id)
                     .join(owner, owner.c.id == child.c.model_id))
        .order_by(walk.c.depth, owner.c.namespace, owner.c.name, child.c.version, edges.c.id)
    )


def _edges(connection: Connection, query, version_id: int) -> list[tuple[Edge, str]]:
    found: dict[tuple, tuple[Edge, str]] = {}
    for row in connection.execute(query, {"version_id": version_id}):
        child_ref = f"{naming.full_name(row.namespace, row.name)}:{row.version}"
        internal = row.parent_version_id is not None or (
            row.parent_kind == DATASET and not row.parent_ref.startswith("hf:"))
        edge = Edge(child=child_ref, parent=row.parent_ref, relation=row.relation, kind=row.parent_kind,
                    license=row.license, internal=internal, depth=row.depth)
        # A diamond reaches one edge by two paths; keep its shortest.
        found.setdefault((child_ref, row.parent_ref, row.relation), (edge, row.declared_license))
    return list(found.values())


def derived_versions(seed, name: str):
    """A recursive query of the ids of every version derived, at any depth, from the edges ``seed`` selects.

    ``seed`` is a condition on ``lineage_edge`` naming the root: a model, one version, or an
    external reference. ``name`` names the query, unique within one statement.
    """
    walk = select(edges.c.version_id.label("id")).where(seed).cte(name, recursive=True)
    step = edges.alias(f"{name}_step")
    walk = walk.union(select(step.c.version_id).select_from(walk.join(step, step.c.parent_version_id == walk.c.id)))
    return select(walk.c.id)
