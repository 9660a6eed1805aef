"""Model cards: Hugging Face front matter from the registry, people's edits kept, and the round trip."""

from __future__ import annotations

import pytest
import yaml

from hub.errors import HubError
from hub.registry import DatasetUse, Parent
from hub.registry.cards import BEGIN, END, parse


@pytest.fixture
def chat(registry, weights):
    """A fine-tune of an external Llama, trained on a dataset, with metrics and tags."""
    return registry.register_version(
        "acme/Llama-chat", files=weights, license="llama3.1", task="text-generation", framework="transformers",
        lineage=[Parent("hf:meta-llama/Llama-3.1-8B@0e9e39f", license="llama3.1")],
        datasets=[DatasetUse("support-tickets", "tickets", "cc-by-4.0", "train", 5000, "c" * 64)],
        metrics={"test": {"accuracy": 0.91}, "train": {"accuracy": 0.97}}, tags={"team": "support"},
        description="Answers support tickets.",
    )


def front_matter(card: str) -> dict:
    return parse(card)[0]


def test_front_matter_is_what_the_hugging_face_hub_reads(registry, chat):
    meta = front_matter(registry.card("acme/Llama-chat"))

    assert meta["license"] == "llama3.1"
    assert (meta["base_model"], meta["base_model_relation"]) == ("meta-llama/Llama-3.1-8B", "finetune")
    assert meta["datasets"] == ["support-tickets"]
    assert meta["metrics"] == ["accuracy"]
    assert meta["model-index"][0]["results"][0]["metrics"] == [
        {"type": "accuracy", "value": 0.91, "name": "test accuracy"}]
    assert (meta["tags"], meta["pipeline_tag"], meta["library_name"]) == (
        ["team:support"], "text-generation", "transformers")
    assert meta["ecohub"]["commit"] == chat.commit


def test_a_license_without_a_hub_id_is_exported_as_other(registry, weights):
    registry.register_version("acme/eula", files=weights, license="other", license_name="Acme EULA",
                              license_link="https://acme.example/eula")

    meta = front_matter(registry.card("acme/eula"))

    assert {key: meta[key] for key in ("license", "license_name", "license_link")} == {
        "license": "other", "license_name": "acme-eula", "license_link": "https://acme.example/eula"}


def test_community_license_terms_flow_into_the_card(registry, chat):
    card = registry.card("acme/Llama-chat")

    assert "### Use restrictions" in card
    assert "acceptable use policy" in card
    assert any("Llama 3.1 Community License" in text for text in front_matter(card)["ecohub"]["use_restrictions"])


def test_rail_restrictions_reach_a_grandchild_card(registry, weights):
    registry.register_version("acme/sd", files=weights, license="creativeml-openrail-m")
    registry.register_version("acme/sd-ft", files=weights, license="creativeml-openrail-m",
                              lineage=[Parent("acme/sd")])
    registry.register_version("acme/sd-ft-q8", files=weights, license="mit",
                              lineage=[Parent("acme/sd-ft", relation="quantized")])

    card = registry.card("acme/sd-ft-q8")

    assert registry.get_version("acme/sd-ft-q8").license == "mit AND stable-diffusion-2022-08-22"
    assert "whose use restrictions bind this model too" in card


def test_pickle_files_are_flagged(registry, tmp_path):
    pickled = tmp_path / "model.pkl"
    pickled.write_bytes(b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00K*.")
    registry.register_version("acme/legacy", files={"model.pkl": pickled}, license="mit", allow_pickle=True)

    card = registry.card("acme/legacy")

    assert front_matter(card)["ecohub"]["pickle_files"] == ["model.pkl"]
    assert "**Warning:** model.pkl is pickle-based" in card


def test_an_unchanged_card_round_trips(registry, chat):
    card = registry.card("acme/Llama-chat")

    assert registry.edit_card("acme/Llama-chat", card) == card
    assert registry.card("acme/Llama-chat") == card


def test_edits_outside_the_registry_block_are_kept(registry, chat):
    card = registry.card("acme/Llama-chat")
    meta, body = parse(card)
    edited = "---\n" + yaml.safe_dump({**meta, "language": ["en", "de"]}, sort_keys=False) + "---\n\n" + body.replace(
        "Answers support tickets.", "Answers support tickets in English and German.\n\n## Limits\n\nNo legal advice.")

    saved = registry.edit_card("acme/Llama-chat", edited, actor="ana")

    assert front_matter(saved)["language"] == ["en", "de"]
    assert "No legal advice." in saved and "### Use restrictions" in saved
    assert registry.card("acme/Llama-chat:1") == saved
    assert registry.audit_log("acme/Llama-chat")[0].action == "card.edit"


def test_registry_facts_cannot_be_edited_away(registry, chat):
    meta, body = parse(registry.card("acme/Llama-chat"))
    edited = "---\n" + yaml.safe_dump({**meta, "license": "mit"}, sort_keys=False) + "---\n\n" + body

    with pytest.raises(HubError) as error:
        registry.edit_card("acme/Llama-chat", edited)

    assert "'license' in the card of acme/Llama-chat:1 is recorded by the registry" in error.value.message
    assert "Register a new version" in error.value.hint


def test_the_registry_block_cannot_be_edited(registry, chat):
    card = registry.card("acme/Llama-chat")

    with pytest.raises(HubError, match="between the ecohub:registry markers"):
        registry.edit_card("acme/Llama-chat", card.replace("### Use restrictions", "### Nothing to see"))


def test_a_card_without_markers_gets_the_registry_block_at_the_end(registry, chat):
    meta, body = parse(registry.card("acme/Llama-chat"))
    without = body[:body.index(BEGIN)] + body[body.index(END) + len(END):]

    saved = registry.edit_card("acme/Llama-chat", "---\n" + yaml.safe_dump(meta, sort_keys=False) + "---\n\n" + without)

    assert saved.rstrip().endswith(END)


@pytest.mark.parametrize("text, message", [
    ("# no front matter", "no YAML front matter"),
    ("---\nlicense: mit\n", "never ends"),
    ("---\n- a list\n---\n", "not a mapping"),
    ("---\nlicense: [mit\n---\n", "not valid YAML"),
])
def test_broken_cards_are_refused(registry, chat, text, message):
    with pytest.raises(HubError, match=message):
        registry.edit_card("acme/Llama-chat", text)
