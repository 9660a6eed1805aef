"""YAML for model-card front matter, parsed and written by libyaml when PyYAML has it.

Every ``snapshot_download`` and ``from_pretrained`` starts with a model-info request, which renders
and reads a card: with PyYAML's pure-Python parser and emitter that was most of its 8 ms. The C
classes accept and produce the same documents, and the pure-Python ones stay the fallback.
"""

from __future__ import annotations

from typing import Any

import yaml

YAMLError = yaml.YAMLError
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def load(text: str) -> Any:
    return yaml.load(text, Loader=_LOADER)


def dump(data: Any, **options) -> str:
    return yaml.dump(data, Dumper=_DUMPER, **options)
