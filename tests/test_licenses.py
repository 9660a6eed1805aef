"""License expressions: every spelling people use, normalised to ScanCode keys, and what each license demands.

Several tests check facts about the real license-expression library's ScanCode index, so a newer
index that renames a key fails here rather than in someone's registration.
"""

from __future__ import annotations

import pytest
from license_expression import get_license_index

from hub.registry import licenses
from hub.errors import LicenseError
from hub.registry.licenses import (ATTRIBUTION, COMMUNITY, NO_DERIVATIVES, NON_COMMERCIAL, SHARE_ALIKE, UNSTATED,
                          USE_RESTRICTIONS)
from hub.registry.policy import COMPATIBLE

SCANCODE_KEYS = {entry["license_key"] for entry in get_license_index()}


def test_every_mapped_key_is_in_the_scancode_index_or_ours():
    missing = [key for key in licenses.HF_IDS.values() if key not in SCANCODE_KEYS and key not in licenses.OUR_LICENSES]

    assert missing == []


def test_every_key_the_policy_names_is_in_the_scancode_index():
    named = set(COMPATIBLE) | {key for keys in COMPATIBLE.values() for key in keys} | set(licenses.NAMES)
    named |= {key for key in licenses.NAME_PREFIXES if not key.startswith(licenses.OURS)}

    assert named - SCANCODE_KEYS == set()


@pytest.mark.parametrize("hf_id", licenses.HF_LICENSE_IDS)
def test_every_hugging_face_id_is_understood(hf_id):
    found = licenses.get(hf_id)

    assert found.key in SCANCODE_KEYS or found.key in licenses.OUR_LICENSES
    assert found.hf_id == hf_id or licenses.get(found.hf_id).key == found.key


@pytest.mark.parametrize("written, key", [
    ("apache-2.0", "apache-2.0"),
    ("Apache-2.0", "apache-2.0"),
    (" MIT ", "mit"),
    ("llama3.1", "llama-3.1-license-2024"),
    ("llama2", "llama-2-license-2023"),
    ("llama4", "llama-4-license-2025"),
    ("gemma", "gemma-tou-2024-04-01"),
    ("bigscience-openrail-m", "bigscience-open-rail-m"),
    ("bigscience-bloom-rail-1.0", "bigscience-rail-1.0"),
    ("bigcode-openrail-m", "bigcode-open-rail-m-v1"),
    ("creativeml-openrail-m", "stable-diffusion-2022-08-22"),
    ("openmdw-1.0", "openmdw-1.0"),
    ("bsd-3-clause", "bsd-new"),
    ("cc-by-nc-4.0", "cc-by-nc-4.0"),
    ("GPL-2.0-or-later", "gpl-2.0-plus"),
    ("GPL-2.0+", "gpl-2.0-plus"),
    ("LicenseRef-scancode-llama-3.1-license-2024", "llama-3.1-license-2024"),
    ("gpl-2.0-plus", "gpl-2.0-plus"),
    ("llama3", "LicenseRef-ecohub-llama3"),
    ("unknown", "unknown"),
], ids=lambda value: value.strip() if isinstance(value, str) else value)
def test_any_spelling_normalises_to_one_key(written, key):
    assert licenses.parse(written).text == key


def test_expressions_are_normalised_and_deduplicated():
    assert licenses.parse("Apache-2.0 AND CC-BY-4.0").text == "apache-2.0 AND cc-by-4.0"
    assert licenses.parse("mit and MIT").text == "mit"
    assert licenses.parse("(mit OR GPL-3.0) and llama3.1").text == "(mit OR gpl-3.0) AND llama-3.1-license-2024"


def test_an_or_gives_the_licensee_a_choice():
    expression = licenses.parse("(mit OR gpl-3.0) AND cc-by-4.0")

    assert set(expression.alternatives) == {frozenset({"mit", "cc-by-4.0"}), frozenset({"gpl-3.0", "cc-by-4.0"})}


@pytest.mark.parametrize(
    "typo, suggestion",
    [("cc-by-4", "cc-by-4.0"), ("apache2", "apache-2.0"), ("gpl3", "gpl-3.0"), ("cc-by-nc4.0", "cc-by-nc-4.0"),
     ("llama-3.1", "llama3.1")],
)
def test_unknown_id_suggests_the_closest_known_ones(typo, suggestion):
    with pytest.raises(LicenseError) as error:
        licenses.parse(typo)

    assert error.value.message == f"Unknown license id '{typo}'."
    assert error.value.hint.startswith(f"Did you mean {suggestion}")


def test_unknown_id_inside_an_expression_is_named():
    with pytest.raises(LicenseError) as error:
        licenses.parse("mit AND apache2")

    assert error.value.message == "Unknown license id 'apache2' in 'mit AND apache2'."


def test_unrelated_id_points_to_the_list_of_licenses():
    with pytest.raises(LicenseError) as error:
        licenses.parse("all rights reserved")

    assert "hub licenses" in error.value.hint


@pytest.mark.parametrize("broken", ["mit OR", "(mit", "mit AND AND gpl-3.0", ""])
def test_broken_expressions_are_refused_with_the_syntax(broken):
    with pytest.raises(LicenseError) as error:
        licenses.parse(broken)

    assert error.value.hint


def test_other_needs_a_name_and_a_link():
    with pytest.raises(LicenseError) as error:
        licenses.parse("other", name="Acme EULA")

    assert "--license-name" in error.value.hint and "--license-link" in error.value.hint


def test_other_with_a_name_and_a_link_becomes_a_license_ref_of_ours():
    expression = licenses.parse("other", name="Acme EULA v2", link="https://acme.example/eula")

    assert expression.text == "LicenseRef-ecohub-other-acme-eula-v2"
    assert expression.licenses[0].traits == {UNSTATED}
    assert licenses.parse("LicenseRef-ecohub-other-acme-eula-v2 AND mit").keys == (
        "LicenseRef-ecohub-other-acme-eula-v2", "mit")


@pytest.mark.parametrize("family", ["gpl", "bsd", "cc", "lgpl", "gfdl", "openrail"])
def test_family_ids_are_accepted_with_a_warning(family):
    expression = licenses.parse(family)

    assert expression.licenses[0].ambiguous
    assert "declare the exact license id" in expression.warnings[0]


@pytest.mark.parametrize("license_id, present, absent", [
    ("cc-by-nc-4.0", {NON_COMMERCIAL, ATTRIBUTION}, {SHARE_ALIKE, NO_DERIVATIVES}),
    ("cc-by-nc-sa-4.0", {NON_COMMERCIAL, SHARE_ALIKE}, {NO_DERIVATIVES}),
    ("cc-by-nd-4.0", {NO_DERIVATIVES}, {NON_COMMERCIAL}),
    ("cc-by-nc-nd-4.0", {NON_COMMERCIAL, NO_DERIVATIVES}, {SHARE_ALIKE}),
    ("cc-by-sa-4.0", {SHARE_ALIKE, ATTRIBUTION}, {NON_COMMERCIAL}),
    ("gpl-3.0", {SHARE_ALIKE}, {NON_COMMERCIAL}),
    ("apache-2.0", {ATTRIBUTION}, {SHARE_ALIKE, NON_COMMERCIAL, USE_RESTRICTIONS}),
    ("cc0-1.0", set(), {ATTRIBUTION}),
    ("bigscience-openrail-m", {USE_RESTRICTIONS}, {COMMUNITY}),
    ("creativeml-openrail-m", {USE_RESTRICTIONS}, set()),
    ("llama3.1", {COMMUNITY}, {USE_RESTRICTIONS}),
    ("gemma", {COMMUNITY}, set()),
    ("fair-noncommercial-research-license", {NON_COMMERCIAL}, set()),
    ("unknown", {UNSTATED}, set()),
])
def test_each_license_demands_what_its_text_says(license_id, present, absent):
    traits = licenses.get(license_id).traits

    assert present <= traits and not absent & traits


def test_llama_licenses_carry_their_naming_rule():
    assert licenses.get("llama3.1").name_prefix == "Llama"
    assert licenses.get("llama3").name_prefix == "Llama 3"
    assert licenses.get("gemma").name_prefix == ""


@pytest.mark.parametrize("expression, fields", [
    ("llama-3.1-license-2024", {"license": "llama3.1"}),
    ("bsd-new", {"license": "bsd-3-clause"}),
    ("gpl-2.0-plus", {"license": "other", "license_name": "gpl-2.0-plus",
                      "license_link": "https://scancode-licensedb.aboutcode.org/gpl-2.0-plus.html"}),
    ("mit AND cc-by-4.0", {"license": "other", "license_name": "mit-and-cc-by-4.0", "license_link": "LICENSE"}),
])
def test_export_to_hugging_face_uses_its_ids_or_other(expression, fields):
    assert licenses.hugging_face_fields(expression) == fields


def test_export_of_other_keeps_the_name_and_link():
    fields = licenses.hugging_face_fields("other", name="Acme EULA", link="https://acme.example/eula")

    assert fields == {"license": "other", "license_name": "acme-eula", "license_link": "https://acme.example/eula"}


def test_common_licenses_are_the_hugging_face_ids():
    assert [lic.hf_id for lic in licenses.common()] == list(licenses.HF_LICENSE_IDS)


def test_describe_names_each_license_in_the_expression():
    assert licenses.describe("mit AND llama-3.1-license-2024") == "MIT License AND Llama 3.1 Community License"


# -- the license a trained model inherits from its data ----------------------------------------


def test_model_inherits_the_license_of_its_only_dataset():
    conclusion = licenses.conclude({"loans": "cc-by-4.0"})

    assert conclusion.license.key == "cc-by-4.0"
    assert conclusion.reasons == (
        "loans is licensed cc-by-4.0 (Creative Commons Attribution 4.0)",
        "the model carries the strictest input license, cc-by-4.0 (attribution)",
    )


def test_non_commercial_data_makes_the_model_non_commercial():
    conclusion = licenses.conclude({"loans": "cc-by-4.0", "census": "cc-by-nc-4.0"})

    assert conclusion.license.key == "cc-by-nc-4.0"
    assert conclusion.reasons[-1] == (
        "the model carries the strictest input license, cc-by-nc-4.0 (attribution, non-commercial use only)"
    )


def test_public_domain_data_imposes_no_conditions():
    conclusion = licenses.conclude({"loans": "cc0-1.0"})

    assert conclusion.reasons[-1] == "the model carries the strictest input license, cc0-1.0 (no conditions)"


@pytest.mark.parametrize(
    "sources",
    [{"scraped": "unknown"}, {"scraped": "unknown", "loans": "cc-by-4.0"},
     {"scraped": "unknown", "photos": "cc-by-nc-nd-4.0"}],
    ids=["alone", "with-cc-by", "with-cc-by-nc-nd"],
)
def test_data_without_a_license_makes_the_license_unknown(sources):
    conclusion = licenses.conclude(sources)

    assert conclusion.license.key == "unknown"
    assert conclusion.reasons[-1] == "an input has no stated license, so the model's license is unknown"


def test_nothing_to_inherit_from_is_unknown():
    assert licenses.conclude({}).license.key == "unknown"
