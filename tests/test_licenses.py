"""License ids, and the license a model inherits from the data it was made from."""

from __future__ import annotations

import pytest

from hub import licenses
from hub.errors import LicenseError


@pytest.mark.parametrize("license_id", sorted(licenses.LICENSES))
def test_every_listed_id_is_found_under_its_own_name(license_id):
    assert licenses.get(license_id).id == license_id


@pytest.mark.parametrize("written", ["MIT", "Apache-2.0", " cc-BY-4.0 "])
def test_ids_are_matched_ignoring_case_and_spaces(written):
    assert licenses.get(written).id == written.strip().lower()


@pytest.mark.parametrize(
    "typo, suggestion",
    [("cc-by-4", "cc-by-4.0"), ("apache2", "apache-2.0"), ("gpl3", "gpl-3.0"), ("cc-by-nc4.0", "cc-by-nc-4.0")],
)
def test_unknown_id_suggests_the_closest_known_ones(typo, suggestion):
    with pytest.raises(LicenseError) as error:
        licenses.get(typo)

    assert error.value.message == f"Unknown license id '{typo}'."
    assert error.value.hint.startswith(f"Did you mean {suggestion}")


def test_unrelated_id_points_to_the_list_of_licenses():
    with pytest.raises(LicenseError) as error:
        licenses.get("all rights reserved")

    assert error.value.hint == "Run 'hub licenses' to list the known ids."


def test_model_inherits_the_license_of_its_only_dataset():
    conclusion = licenses.conclude({"loans": "cc-by-4.0"})

    assert conclusion.license.id == "cc-by-4.0"
    assert conclusion.reasons == (
        "loans is licensed cc-by-4.0 (Creative Commons Attribution 4.0)",
        "the model carries the strictest input license, cc-by-4.0 (attribution)",
    )


def test_non_commercial_data_makes_the_model_non_commercial():
    conclusion = licenses.conclude({"loans": "cc-by-4.0", "census": "cc-by-nc-4.0"})

    assert conclusion.license.id == "cc-by-nc-4.0"
    assert "census is licensed cc-by-nc-4.0 (Creative Commons Attribution-NonCommercial 4.0)" in conclusion.reasons
    assert conclusion.reasons[-1] == (
        "the model carries the strictest input license, cc-by-nc-4.0 (attribution, non-commercial use only)"
    )


def test_public_domain_data_imposes_no_conditions():
    conclusion = licenses.conclude({"loans": "cc0-1.0"})

    assert conclusion.reasons[-1] == "the model carries the strictest input license, cc0-1.0 (no conditions)"


@pytest.mark.parametrize(
    "sources",
    [{"scraped": "unknown"}, {"scraped": "unknown", "loans": "cc-by-4.0"},
     {"scraped": "unknown", "survey": "cc-by-nc-sa-4.0"}, {"scraped": "unknown", "photos": "cc-by-nc-nd-4.0"},
     {"photos": "cc-by-nd-4.0", "scraped": "unknown"}],
    ids=["alone", "with-cc-by", "with-cc-by-nc-sa", "with-cc-by-nc-nd", "after-cc-by-nd"],
)
def test_data_without_a_license_makes_the_license_unknown(sources):
    conclusion = licenses.conclude(sources)

    assert conclusion.license.id == "unknown"
    assert conclusion.reasons[-1] == "an input has no stated license, so the model's license is unknown"


def test_nothing_to_inherit_from_is_unknown():
    conclusion = licenses.conclude({})

    assert conclusion.license.id == "unknown"
    assert conclusion.reasons == ("nothing the model was made from declares a license",)


def test_unknown_license_id_in_the_sources_is_refused():
    with pytest.raises(LicenseError, match="Unknown license id 'cc-by-4'"):
        licenses.conclude({"loans": "cc-by-4"})
