"""Registry work done in other processes, for the concurrency tests.

Spawned processes import the function they run by module name, so it lives in a module of its
own rather than in a test file. Every worker waits at a shared barrier, so all of them reach
the database at the same moment.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hub.registry import Registry

_barrier = None


def wait_together(barrier) -> None:
    """Process-pool initializer: remember the barrier every worker waits at."""
    global _barrier
    _barrier = barrier


def register_at_once(
    url: str, store: str, name: str, files: dict[str, bytes], config: dict, count: int
) -> list[int]:
    """Wait for the other workers, open the registry and register ``count`` versions of ``name``.

    Returns the version numbers this worker was given.
    """
    with tempfile.TemporaryDirectory() as scratch:
        sources = {path: Path(scratch) / path for path in files}
        for path, data in files.items():
            sources[path].write_bytes(data)
        _barrier.wait(timeout=60)
        registry = Registry(url, store)
        try:
            return [
                registry.register_version(
                    name, files=sources, license="mit", framework="sklearn",
                    model_type="logistic-regression", trainer="sklearn",
                    task="tabular-classification", config=config,
                ).version
                for _ in range(count)
            ]
        finally:
            registry.close()
