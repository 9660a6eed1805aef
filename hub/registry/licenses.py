"""License expressions: what people write, the canonical form the registry stores, and what each license demands.

A version's license is a license expression over ScanCode license keys (``apache-2.0``,
``llama-3.1-license-2024``, ``mit AND cc-by-4.0``), parsed and normalised by the license-expression
library. People may write Hugging Face ids (``llama3.1``, ``gemma``, ``bigscience-openrail-m``),
SPDX ids (``GPL-2.0-or-later``, ``LicenseRef-scancode-gemma-tou-2024-04-01``) or ScanCode keys, in
any case; each maps to its one ScanCode key. Licenses that ScanCode has no key for (Llama 3,
several research licenses) get an ``LicenseRef-ecohub-`` key of ours, and ``other`` with a name and
a link becomes ``LicenseRef-ecohub-other-<name>``.

Licenses are data, not code: the tables below say what each license demands (its traits), and
:mod:`hub.registry.policy` reasons with the traits only, so a table can be corrected after legal
review without touching the reasoning. The facts were checked against license-expression 30.4.4's
bundled ScanCode index; ``tests/test_licenses.py`` keeps checking them.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass, field

from hub.errors import LicenseError

OURS = "LicenseRef-ecohub-"
OTHER = f"{OURS}other-"
UNKNOWN = "unknown"

# Traits: what a license demands of whoever builds on it.
NON_COMMERCIAL = "non-commercial"
NO_DERIVATIVES = "no-derivatives"
SHARE_ALIKE = "share-alike"
ATTRIBUTION = "attribution"
USE_RESTRICTIONS = "use-restrictions"  # RAIL family: behavioural restrictions that must flow down
COMMUNITY = "community"  # vendor community licenses: carry the license, notice and use policy
UNSTATED = "unstated"  # no license we can reason about


@dataclass(frozen=True)
class OurLicense:
    """A license ScanCode has no key for, or a family id too vague to pick one."""

    slug: str
    name: str
    traits: frozenset[str]
    ambiguous: bool = False


def _ours(slug: str, name: str, *traits: str, ambiguous: bool = False) -> OurLicense:
    return OurLicense(slug, name, frozenset(traits), ambiguous)


OUR_LICENSES = {f"{OURS}{item.slug}": item for item in (
    _ours("llama3", "Meta Llama 3 Community License", COMMUNITY, ATTRIBUTION),
    _ours("openrail-m", "Open RAIL-M (generic template)", USE_RESTRICTIONS, ATTRIBUTION),
    # scancode-toolkit#4321 suggests bigscience-open-rail-m2; unverified, so it stays ours.
    _ours("openrail-plus-plus", "CreativeML Open RAIL++-M", USE_RESTRICTIONS, ATTRIBUTION),
    _ours("grok2-community", "Grok 2 Community License", COMMUNITY, ATTRIBUTION),
    _ours("apple-amlr", "Apple Machine Learning Research Model License", NON_COMMERCIAL, ATTRIBUTION),
    _ours("apple-ascl", "Apple Sample Code License", ATTRIBUTION),
    _ours("deepfloyd-if-license", "DeepFloyd IF License", NON_COMMERCIAL, USE_RESTRICTIONS, ATTRIBUTION),
    _ours("fair-noncommercial-research-license", "FAIR Noncommercial Research License", NON_COMMERCIAL,
          ATTRIBUTION),
    _ours("h-research", "H Research License", NON_COMMERCIAL, ATTRIBUTION),
    _ours("intel-research", "Intel Research Use License", NON_COMMERCIAL, ATTRIBUTION),
    _ours("lgpl-lr", "Lesser General Public License for Linguistic Resources", SHARE_ALIKE, ATTRIBUTION),
    _ours("bsd-family", "a BSD license of unstated version", ATTRIBUTION, ambiguous=True),
    _ours("cc-family", "a Creative Commons license of unstated kind", UNSTATED, ambiguous=True),
    _ours("gfdl-family", "a GNU Free Documentation License of unstated version", SHARE_ALIKE, ATTRIBUTION,
          ambiguous=True),
    _ours("gpl-family", "a GNU GPL of unstated version", SHARE_ALIKE, ATTRIBUTION, ambiguous=True),
    _ours("lgpl-family", "a GNU LGPL of unstated version", SHARE_ALIKE, ATTRIBUTION, ambiguous=True),
    _ours("openrail-family", "an Open RAIL license of unstated kind", USE_RESTRICTIONS, ATTRIBUTION,
          ambiguous=True),
)}

# Hugging Face license ids whose key is not found by ScanCode key or SPDX id of the same spelling.
HF_IDS = {
    "llama2": "llama-2-license-2023",
    "llama3": f"{OURS}llama3",
    "llama3.1": "llama-3.1-license-2024",
    "llama3.2": "llama-3.2-license-2024",
    "llama3.3": "llama-3.3-license-2024",
    "llama4": "llama-4-license-2025",
    "gemma": "gemma-tou-2024-04-01",
    "bigscience-openrail-m": "bigscience-open-rail-m",
    "bigscience-bloom-rail-1.0": "bigscience-rail-1.0",
    "bigcode-openrail-m": "bigcode-open-rail-m-v1",
    # ScanCode issues #4320 and #4599: this key is CreativeML OpenRAIL-M.
    "creativeml-openrail-m": "stable-diffusion-2022-08-22",
    "openrail-m": f"{OURS}openrail-m",
    "openrail++": f"{OURS}openrail-plus-plus",
    "openrail": f"{OURS}openrail-family",
    "grok2-community": f"{OURS}grok2-community",
    "apple-amlr": f"{OURS}apple-amlr",
    "apple-ascl": f"{OURS}apple-ascl",
    "deepfloyd-if-license": f"{OURS}deepfloyd-if-license",
    "fair-noncommercial-research-license": f"{OURS}fair-noncommercial-research-license",
    "h-research": f"{OURS}h-research",
    "intel-research": f"{OURS}intel-research",
    "lgpl-lr": f"{OURS}lgpl-lr",
    "bsd": f"{OURS}bsd-family",
    "cc": f"{OURS}cc-family",
    "gfdl": f"{OURS}gfdl-family",
    "gpl": f"{OURS}gpl-family",
    "lgpl": f"{OURS}lgpl-family",
    # Each exists in one version only, so the id is not ambiguous.
    "odc-by": "odc-by-1.0",
    "odbl": "odbl-1.0",
    "pddl": "pddl-1.0",
    "c-uda": "c-uda-1.0",
    "wtfpl": "wtfpl-2.0",
    "ncsa": "uoi-ncsa",
}

# Every license id the Hugging Face Hub accepts in a card's ``license`` field, ``other`` aside.
HF_LICENSE_IDS = (
    "apache-2.0", "mit", "openrail", "bigscience-openrail-m", "creativeml-openrail-m",
    "bigscience-bloom-rail-1.0", "bigcode-openrail-m", "afl-3.0", "artistic-2.0", "bsl-1.0", "bsd",
    "bsd-2-clause", "bsd-3-clause", "bsd-3-clause-clear", "c-uda", "cc", "cc0-1.0", "cc-by-2.0",
    "cc-by-2.5", "cc-by-3.0", "cc-by-4.0", "cc-by-sa-3.0", "cc-by-sa-4.0", "cc-by-nc-2.0", "cc-by-nc-3.0",
    "cc-by-nc-4.0", "cc-by-nd-4.0", "cc-by-nc-nd-3.0", "cc-by-nc-nd-4.0", "cc-by-nc-sa-2.0",
    "cc-by-nc-sa-3.0", "cc-by-nc-sa-4.0", "cdla-sharing-1.0", "cdla-permissive-1.0", "cdla-permissive-2.0",
    "wtfpl", "ecl-2.0", "epl-1.0", "epl-2.0", "etalab-2.0", "eupl-1.1", "eupl-1.2", "agpl-3.0", "gfdl",
    "gpl", "gpl-2.0", "gpl-3.0", "lgpl", "lgpl-2.1", "lgpl-3.0", "isc", "h-research", "intel-research",
    "lppl-1.3c", "ms-pl", "apple-ascl", "apple-amlr", "mpl-2.0", "odc-by", "odbl", "openmdw-1.0",
    "openrail++", "osl-3.0", "postgresql", "ofl-1.1", "ncsa", "unlicense", "zlib", "pddl", "lgpl-lr",
    "deepfloyd-if-license", "fair-noncommercial-research-license", "llama2", "llama3", "llama3.1",
    "llama3.2", "llama3.3", "llama4", "grok2-community", "gemma", "unknown",
)

# Traits of ScanCode keys beyond what their category says, by key pattern.
TRAIT_PATTERNS = (
    (re.compile(r"cc-by-nc(-|$)"), {NON_COMMERCIAL}),
    (re.compile(r"cc-by(-nc)?-nd(-|$)"), {NO_DERIVATIVES}),
    (re.compile(r"cc-by(-nc)?-sa(-|$)"), {SHARE_ALIKE}),
    (re.compile(r"polyform-noncommercial"), {NON_COMMERCIAL}),
    (re.compile(r"(bigscience-open-rail|bigscience-rail|bigcode-open-rail|stable-diffusion-2022)"), {USE_RESTRICTIONS}),
    (re.compile(r"deepseek-la-"), {USE_RESTRICTIONS}),
    (re.compile(r"(llama-.*license|gemma-tou|tongyi-qianwen)"), {COMMUNITY, ATTRIBUTION}),
    (re.compile(r"(odbl-|cdla-sharing-)"), {SHARE_ALIKE}),
)
CATEGORY_TRAITS = {
    "Permissive": {ATTRIBUTION},
    "Copyleft": {SHARE_ALIKE, ATTRIBUTION},
    "Copyleft Limited": {SHARE_ALIKE, ATTRIBUTION},
    "Unstated License": {UNSTATED},
}

# How much each trait restricts a derived work, to pick the strictest of several licenses.
RESTRICTIVENESS = {NO_DERIVATIVES: 4, NON_COMMERCIAL: 3, SHARE_ALIKE: 2, USE_RESTRICTIONS: 2, COMMUNITY: 2,
                   ATTRIBUTION: 1}

# The model-naming rule each vendor license sets for derived models (the license text, section 1.b.i).
NAME_PREFIXES = {
    f"{OURS}llama3": "Llama 3",
    "llama-3.1-license-2024": "Llama",
    "llama-3.2-license-2024": "Llama",
    "llama-3.3-license-2024": "Llama",
    "llama-4-license-2025": "Llama",
}

# Names people read, for the licenses models most often carry; other keys show their SPDX id.
NAMES = {
    "apache-2.0": "Apache License 2.0",
    "mit": "MIT License",
    "bsd-new": "BSD 3-Clause License",
    "cc0-1.0": "Creative Commons Zero v1.0 Universal",
    "cc-by-4.0": "Creative Commons Attribution 4.0",
    "cc-by-sa-4.0": "Creative Commons Attribution-ShareAlike 4.0",
    "cc-by-nc-4.0": "Creative Commons Attribution-NonCommercial 4.0",
    "cc-by-nd-4.0": "Creative Commons Attribution-NoDerivatives 4.0",
    "cc-by-nc-sa-4.0": "Creative Commons Attribution-NonCommercial-ShareAlike 4.0",
    "cc-by-nc-nd-4.0": "Creative Commons Attribution-NonCommercial-NoDerivatives 4.0",
    "gpl-3.0": "GNU General Public License v3.0",
    "agpl-3.0": "GNU Affero General Public License v3.0",
    "llama-2-license-2023": "Llama 2 Community License",
    "llama-3.1-license-2024": "Llama 3.1 Community License",
    "llama-3.2-license-2024": "Llama 3.2 Community License",
    "llama-3.3-license-2024": "Llama 3.3 Community License",
    "llama-4-license-2025": "Llama 4 Community License",
    "gemma-tou-2024-04-01": "Gemma Terms of Use",
    "bigscience-open-rail-m": "BigScience Open RAIL-M",
    "bigscience-rail-1.0": "BigScience BLOOM RAIL 1.0",
    "bigcode-open-rail-m-v1": "BigCode Open RAIL-M v1",
    "stable-diffusion-2022-08-22": "CreativeML Open RAIL-M",
    UNKNOWN: "No license stated",
}


@dataclass(frozen=True)
class License:
    """One license: its canonical key, what people call it, and what it demands."""

    key: str
    name: str
    category: str
    spdx: str
    traits: frozenset[str]
    hf_id: str | None = None
    ambiguous: bool = False
    name_prefix: str = ""

    @property
    def commercial(self) -> bool:
        return NON_COMMERCIAL not in self.traits

    @property
    def known(self) -> bool:
        return UNSTATED not in self.traits

    @property
    def restrictiveness(self) -> int:
        """Orders licenses so that the one a model made from several inputs must carry sorts highest."""
        if not self.known:
            # No stated license grants no rights at all: stricter than any license's conditions.
            return sum(RESTRICTIVENESS.values()) + 1
        return sum(weight for trait, weight in RESTRICTIVENESS.items() if trait in self.traits)


@dataclass(frozen=True)
class Expression:
    """A parsed, normalised license expression: ``text`` is what the registry stores."""

    text: str
    licenses: tuple[License, ...]
    alternatives: tuple[frozenset[str], ...]
    """The key sets a licensee may choose between (``a OR b`` gives two), each to be honoured whole."""
    warnings: tuple[str, ...] = field(default=())

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(lic.key for lic in self.licenses)


class _Catalog:
    """The ScanCode index with our keys and the Hugging Face ids added, loaded once per process."""

    def __init__(self):
        from license_expression import LicenseSymbol, Licensing, get_license_index

        self.index = {entry["license_key"]: entry for entry in get_license_index()}
        taken = {key.lower() for key in (*self.index, *OUR_LICENSES)}
        aliases: dict[str, list[str]] = {}
        for hf_id, key in HF_IDS.items():
            aliases.setdefault(key, []).append(hf_id)
            taken.add(hf_id)
        for key, entry in self.index.items():
            for spdx in (entry.get("spdx_license_key") or "", *(entry.get("other_spdx_license_keys") or ())):
                if spdx and spdx.lower() not in taken:
                    taken.add(spdx.lower())
                    aliases.setdefault(key, []).append(spdx)
        symbols = [
            LicenseSymbol(key, aliases=tuple(aliases.get(key, ())), is_exception=bool(entry.get("is_exception")))
            for key, entry in self.index.items()
        ] + [LicenseSymbol(key, aliases=tuple(aliases.get(key, ()))) for key in OUR_LICENSES]
        self.licensing = Licensing(symbols)
        self.hf_of: dict[str, str] = {}
        for hf_id in HF_LICENSE_IDS:
            self.hf_of.setdefault(str(self.licensing.parse(hf_id, validate=True)), hf_id)
        self.spellings = sorted(taken)

    def license(self, key: str) -> License:
        if key in OUR_LICENSES:
            ours = OUR_LICENSES[key]
            return License(key, ours.name, "ecohub", key, ours.traits, self.hf_of.get(key), ours.ambiguous,
                           NAME_PREFIXES.get(key, ""))
        if key.startswith(OTHER):
            return License(key, key[len(OTHER):], "Other", key, frozenset({UNSTATED}))
        entry = self.index[key]
        traits = set(CATEGORY_TRAITS.get(entry["category"], ()))
        for pattern, extra in TRAIT_PATTERNS:
            if pattern.match(key):
                traits |= extra
        if NON_COMMERCIAL in traits or NO_DERIVATIVES in traits or key.startswith("cc-by"):
            traits.add(ATTRIBUTION)
        spdx = entry.get("spdx_license_key") or key
        return License(key, NAMES.get(key, spdx), entry["category"], spdx, frozenset(traits), self.hf_of.get(key),
                       name_prefix=NAME_PREFIXES.get(key, ""))


@functools.cache
def _catalog() -> _Catalog:
    return _Catalog()


def other_key(name: str) -> str:
    """The key for a license that is ``other``: ``LicenseRef-ecohub-other-`` and the name as a slug."""
    slug = re.sub(r"[^a-z0-9.]+", "-", name.strip().lower()).strip("-")
    if not slug:
        raise LicenseError(f"'{name}' cannot name a license.", "Give the license a name of letters and digits.")
    return OTHER + slug


@functools.lru_cache(maxsize=4096)
def parse(text: str, *, name: str | None = None, link: str | None = None) -> Expression:
    """Parse and normalise a license expression; unknown ids are refused with close matches.

    Results are cached: an expression is immutable, and registries see the same few over and over.

    ``other`` (alone or inside an expression) stands for a license ecohub does not know; it needs
    the license's ``name`` and a ``link`` to its text, and becomes ``LicenseRef-ecohub-other-<name>``.
    """
    from license_expression import ExpressionError

    catalog = _catalog()
    written = (text or "").strip()
    if not written:
        raise LicenseError("No license was given.", "Give a license id such as apache-2.0, or 'unknown'.")
    if re.search(r"(?i)(^|[\s(])other($|[\s)])", written):
        if not (name and link):
            raise LicenseError(
                "The license 'other' needs the license's name and a link to its text.",
                "Pass --license-name NAME and --license-link URL (or LICENSE, for a file in the model).",
            )
        written = re.sub(r"(?i)(^|[\s(])other($|[\s)])", lambda m: f"{m[1]}{other_key(name)}{m[2]}", written)
    try:
        parsed = catalog.licensing.parse(written, validate=False, strict=True)
    except ExpressionError as error:
        raise LicenseError(f"'{text}' is not a license expression: {error}.",
                           "Combine license ids with AND, OR and parentheses, as in 'mit AND cc-by-4.0'.") from None
    unknown = [key for key in catalog.licensing.unknown_license_keys(parsed) if not key.startswith(OTHER)]
    if unknown:
        raise _unknown(unknown[0], text)
    keys = list(dict.fromkeys(symbol.key for symbol in catalog.licensing.license_symbols(parsed)))
    found = tuple(catalog.license(key) for key in keys)
    warnings = tuple(
        f"'{lic.hf_id or lic.key}' names {lic.name}; declare the exact license id so obligations can be checked."
        for lic in found if lic.ambiguous
    )
    return Expression(str(catalog.licensing.dedup(parsed)), found, _alternatives(parsed, catalog), warnings)


def _alternatives(parsed, catalog: _Catalog) -> tuple[frozenset[str], ...]:
    """The expression in disjunctive form: every set of keys a licensee could choose to honour."""
    licensing = catalog.licensing
    if isinstance(parsed, licensing.OR):
        return tuple(alt for arg in parsed.args for alt in _alternatives(arg, catalog))
    if isinstance(parsed, licensing.AND):
        combined = [frozenset()]
        for arg in parsed.args:
            combined = [left | right for left in combined for right in _alternatives(arg, catalog)]
        return tuple(combined)
    return (frozenset(symbol.key for symbol in licensing.license_symbols(parsed)),)


def _unknown(key: str, text: str) -> LicenseError:
    catalog = _catalog()
    lowered = key.lower()
    # Family ids are never suggested: they are what a precise id should replace.
    precise = [hf_id for hf_id in HF_LICENSE_IDS
               if not (HF_IDS.get(hf_id) in OUR_LICENSES and OUR_LICENSES[HF_IDS[hf_id]].ambiguous)]
    close = difflib.get_close_matches(lowered, precise, n=3, cutoff=0.6) or difflib.get_close_matches(
        lowered, catalog.spellings, n=3, cutoff=0.75)
    hint = (f"Did you mean {' or '.join(close)}?" if close
            else "Run 'hub licenses' to list common ids; any ScanCode key or SPDX id is accepted too.")
    where = "" if key.strip().lower() == text.strip().lower() else f" in '{text}'"
    return LicenseError(f"Unknown license id '{key}'{where}.", hint)


def get(license_id: str) -> License:
    """One license by any of its spellings, case-insensitively; an unknown id gets close matches."""
    expression = parse(license_id)
    if len(expression.licenses) != 1:
        raise LicenseError(f"'{license_id}' is an expression, not one license id.",
                           "Give a single id such as apache-2.0.")
    return expression.licenses[0]


def common() -> list[License]:
    """The licenses models most often carry: every Hugging Face id, in the Hub's order."""
    return [get(hf_id) for hf_id in HF_LICENSE_IDS]


def describe(text: str) -> str:
    """A stored expression in words, for people: each license's name, joined as written."""
    expression = parse(text)
    names = {lic.key: lic.name for lic in expression.licenses}
    return re.sub(r"[^\s()]+", lambda m: names.get(m[0], m[0]), expression.text)


def hugging_face_fields(text: str, *, name: str | None = None, link: str | None = None) -> dict[str, str]:
    """The card fields the Hugging Face Hub validates: its id, else ``other`` with a name and a link."""
    expression = parse(text, name=name, link=link)
    if len(expression.licenses) == 1 and expression.licenses[0].hf_id:
        return {"license": expression.licenses[0].hf_id}
    if len(expression.licenses) == 1 and expression.licenses[0].key.startswith(OTHER):
        return {"license": "other", "license_name": expression.licenses[0].key[len(OTHER):],
                "license_link": link or "LICENSE"}
    slug = re.sub(r"[^a-z0-9.]+", "-", expression.text.lower()).strip("-")
    only = expression.licenses[0] if len(expression.licenses) == 1 else None
    default_link = f"https://scancode-licensedb.aboutcode.org/{only.key}.html" if only else "LICENSE"
    return {"license": "other", "license_name": slug, "license_link": link or default_link}


@dataclass(frozen=True)
class Conclusion:
    license: License
    reasons: tuple[str, ...]


def conclude(sources: dict[str, str]) -> Conclusion:
    """The license a model inherits from the licenses of what it was made from.

    ``sources`` maps each input (a dataset name) to its license id.
    """
    if not sources:
        return Conclusion(get(UNKNOWN), ("nothing the model was made from declares a license",))
    found = {name: get(license_id) for name, license_id in sources.items()}
    strictest = max(found.values(), key=lambda lic: lic.restrictiveness)
    reasons = [f"{name} is licensed {lic.key} ({lic.name})" for name, lic in found.items()]
    if not strictest.known:
        reasons.append("an input has no stated license, so the model's license is unknown")
    else:
        duties = [word for trait, word in (
            (ATTRIBUTION, "attribution"),
            (NON_COMMERCIAL, "non-commercial use only"),
            (SHARE_ALIKE, "share-alike"),
            (NO_DERIVATIVES, "no derivatives"),
            (USE_RESTRICTIONS, "use restrictions"),
            (COMMUNITY, "community license terms"),
        ) if trait in strictest.traits]
        carried = ", ".join(duties) if duties else "no conditions"
        reasons.append(f"the model carries the strictest input license, {strictest.key} ({carried})")
    return Conclusion(strictest, tuple(reasons))
