"""Model-card metadata as Hugging Face writes it, and as the registry records it.

A card is a ``README.md`` whose YAML front matter carries ``license``, ``base_model``,
``datasets``, ``library_name``, ``pipeline_tag`` and ``tags``. Reading one gives a
:class:`CardMetadata`; ``validate`` says what is wrong with one in the words ``/api/validate-yaml``
returns. Unlike :mod:`hub.registry.cards`, which writes the cards of registered versions, this
reads cards that arrive from elsewhere, with or without front matter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hub.registry import card_yaml, licenses
from hub.errors import HubError, LicenseError

FRONT_MATTER = "---"


class CardError(HubError):
    """A model card whose metadata cannot be read."""


@dataclass(frozen=True)
class CardMetadata:
    license: str | None = None
    license_name: str | None = None
    license_link: str | None = None
    base_models: tuple[str, ...] = ()
    datasets: tuple[str, ...] = ()
    library_name: str | None = None
    pipeline_tag: str | None = None
    tags: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict)


def split(text: str) -> tuple[dict[str, Any], str]:
    """The front matter (a dict, empty when absent) and the body of a card."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != FRONT_MATTER:
        return {}, text
    for index, line in enumerate(lines[1:], start=1):
        if line.strip() == FRONT_MATTER:
            try:
                data = card_yaml.load("".join(lines[1:index])) or {}
            except card_yaml.YAMLError as error:
                raise CardError(f"The card's YAML front matter cannot be parsed: {error}.",
                                "Fix the YAML between the two '---' lines.") from None
            if not isinstance(data, dict):
                raise CardError("The card's YAML front matter is not a mapping of keys to values.",
                                "Write it as 'key: value' lines, such as 'license: apache-2.0'.")
            return data, "".join(lines[index + 1:])
    raise CardError("The card's YAML front matter has no closing '---' line.", "Add one after the metadata.")


def _strings(value: Any, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise CardError(f"The card's '{key}' must be a string or a list of strings.",
                    f"Write it as '{key}: name' or as a YAML list.")


def _string(value: Any, key: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise CardError(f"The card's '{key}' must be a string.", f"Write it as '{key}: value'.")


def parse(text: str) -> CardMetadata:
    data, _ = split(text)
    return CardMetadata(
        license=_string(data.get("license"), "license"),
        license_name=_string(data.get("license_name"), "license_name"),
        license_link=_string(data.get("license_link"), "license_link"),
        base_models=_strings(data.get("base_model"), "base_model"),
        datasets=_strings(data.get("datasets"), "datasets"),
        library_name=_string(data.get("library_name"), "library_name"),
        pipeline_tag=_string(data.get("pipeline_tag"), "pipeline_tag"),
        tags=_strings(data.get("tags"), "tags"),
        raw=data,
    )


def registry_license(card: CardMetadata) -> str:
    """The registry license expression a card's ``license`` maps to; a card without one is ``unknown``."""
    return licenses.parse(card.license or licenses.UNKNOWN, name=card.license_name, link=card.license_link).text


def validate(text: str) -> tuple[list[str], list[str]]:
    """Errors and warnings for a card, in the shape ``/api/validate-yaml`` returns them."""
    try:
        card = parse(text)
    except CardError as error:
        return [error.message], []
    errors: list[str] = []
    warnings: list[str] = []
    if not card.raw:
        warnings.append("The card has no metadata: say at least which license the model carries.")
    try:
        expression = licenses.parse(card.license or licenses.UNKNOWN, name=card.license_name,
                                    link=card.license_link)
    except LicenseError as error:
        errors.append(f"{error.message} {error.hint or ''}".strip())
    else:
        warnings.extend(expression.warnings)
        if expression.text == licenses.UNKNOWN:
            warnings.append("The card states no license, so nobody may safely reuse the model.")
    return errors, warnings
