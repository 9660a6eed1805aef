"""License ids ecohub understands, and the license a model inherits from its training data.

Licenses are data, not code, so the table can be corrected without touching the reasoning. Ids
follow the Hugging Face Hub's lowercase license ids. A model trained on data carries at least the
obligations of that data's license, so the concluded license is the most restrictive of its
inputs, and the reasons say why.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from hub.errors import LicenseError


# Above the largest sum of the condition weights below (4 + 3 + 2 + 2 + 1).
UNKNOWN_RESTRICTIVENESS = 13


@dataclass(frozen=True)
class License:
    id: str
    name: str
    commercial: bool = True
    derivatives: bool = True
    share_alike: bool = False
    attribution: bool = False
    use_restrictions: bool = False
    known: bool = True

    @property
    def restrictiveness(self) -> int:
        """Orders licenses so that the one a derived model must carry sorts highest."""
        if not self.known:
            # No stated license grants no rights at all: stricter than any license's conditions.
            return UNKNOWN_RESTRICTIVENESS
        return (
            (not self.derivatives) * 4
            + (not self.commercial) * 3
            + self.share_alike * 2
            + self.use_restrictions * 2
            + self.attribution
        )


def _licenses(*items: License) -> dict[str, License]:
    return {item.id: item for item in items}


LICENSES = _licenses(
    License("apache-2.0", "Apache License 2.0", attribution=True),
    License("mit", "MIT License", attribution=True),
    License("bsd-3-clause", "BSD 3-Clause License", attribution=True),
    License("cc0-1.0", "Creative Commons Zero v1.0 Universal"),
    License("pddl", "Open Data Commons Public Domain Dedication and License"),
    License("cc-by-4.0", "Creative Commons Attribution 4.0", attribution=True),
    License("cc-by-sa-4.0", "Creative Commons Attribution-ShareAlike 4.0", attribution=True, share_alike=True),
    License("cc-by-nc-4.0", "Creative Commons Attribution-NonCommercial 4.0", attribution=True, commercial=False),
    License("cc-by-nc-sa-4.0", "Creative Commons Attribution-NonCommercial-ShareAlike 4.0",
            attribution=True, commercial=False, share_alike=True),
    License("cc-by-nd-4.0", "Creative Commons Attribution-NoDerivatives 4.0", attribution=True, derivatives=False),
    License("cc-by-nc-nd-4.0", "Creative Commons Attribution-NonCommercial-NoDerivatives 4.0",
            attribution=True, commercial=False, derivatives=False),
    License("odc-by", "Open Data Commons Attribution License", attribution=True),
    License("odbl", "Open Data Commons Open Database License", attribution=True, share_alike=True),
    License("gpl-3.0", "GNU General Public License v3.0", attribution=True, share_alike=True),
    License("lgpl-3.0", "GNU Lesser General Public License v3.0", attribution=True, share_alike=True),
    License("agpl-3.0", "GNU Affero General Public License v3.0", attribution=True, share_alike=True),
    License("openrail-m", "Open RAIL-M", attribution=True, use_restrictions=True),
    License("bigscience-openrail-m", "BigScience Open RAIL-M", attribution=True, use_restrictions=True),
    License("creativeml-openrail-m", "CreativeML Open RAIL-M", attribution=True, use_restrictions=True),
    License("llama3.1", "Llama 3.1 Community License", attribution=True, use_restrictions=True),
    License("gemma", "Gemma Terms of Use", attribution=True, use_restrictions=True),
    License("unknown", "No license stated", known=False),
)


def get(license_id: str) -> License:
    """Look a license id up, case-insensitively; an unknown id gets close-match suggestions."""
    key = license_id.strip().lower()
    if key in LICENSES:
        return LICENSES[key]
    close = difflib.get_close_matches(key, LICENSES, n=3, cutoff=0.6)
    hint = f"Did you mean {' or '.join(close)}?" if close else "Run 'hub licenses' to list the known ids."
    raise LicenseError(f"Unknown license id '{license_id}'.", hint)


@dataclass(frozen=True)
class Conclusion:
    license: License
    reasons: tuple[str, ...]


def conclude(sources: dict[str, str]) -> Conclusion:
    """The license a model inherits from the licenses of what it was made from.

    ``sources`` maps each input (a dataset name) to its license id.
    """
    if not sources:
        return Conclusion(LICENSES["unknown"], ("nothing the model was made from declares a license",))
    licenses = {name: get(license_id) for name, license_id in sources.items()}
    strictest = max(licenses.values(), key=lambda lic: lic.restrictiveness)
    reasons = [f"{name} is licensed {lic.id} ({lic.name})" for name, lic in licenses.items()]
    if not strictest.known:
        reasons.append("an input has no stated license, so the model's license is unknown")
    else:
        duties = [word for flag, word in (
            (strictest.attribution, "attribution"),
            (not strictest.commercial, "non-commercial use only"),
            (strictest.share_alike, "share-alike"),
            (not strictest.derivatives, "no derivatives"),
            (strictest.use_restrictions, "use restrictions"),
        ) if flag]
        carried = ", ".join(duties) if duties else "no conditions"
        reasons.append(f"the model carries the strictest input license, {strictest.id} ({carried})")
    return Conclusion(strictest, tuple(reasons))
