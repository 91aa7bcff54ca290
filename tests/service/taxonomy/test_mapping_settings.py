"""Where the mapper's job-text operating point comes from: the artefact, the environment."""

from __future__ import annotations

from types import SimpleNamespace

from ingest.mapping import MappingSettings
from ingest.mapping_model import DEFAULT_ARTEFACT, MappingModel
from service.runtime import Runtime
from service.settings import Settings
from service.taxonomy.service import learned_ranking, mapping_settings


def test_an_esco_release_is_read_at_the_artefacts_operating_point(runtime: Runtime) -> None:
    context, _ = runtime.require_taxonomy()
    artefact = MappingModel.load(DEFAULT_ARTEFACT)
    assert context.mapper.learned is not None
    assert context.mapper.model == f"{context.space.model}+{artefact.version}"
    assert context.mapper.settings == MappingSettings(
        phrase_cache=runtime.settings.mapping.phrase_cache
    ).at(artefact.thresholds)


def test_a_variable_overrides_one_fitted_value_and_only_that_one() -> None:
    fitted = MappingModel.load(DEFAULT_ARTEFACT).thresholds
    settings = Settings.from_env(
        {"CREDMATCH_MAPPING_ITEM_THRESHOLD": "0.93", "CREDMATCH_MAPPING_WHOLE_PHRASE": "false"}
    )
    chosen = mapping_settings(settings, fitted)
    assert chosen.item_threshold == 0.93 and chosen.whole_phrase is False
    assert chosen.beside_label_threshold == fitted.semantic_beside_label
    assert chosen.span_threshold == fitted.semantic
    assert chosen.exact_threshold == fitted.exact


def test_the_bound_beside_a_label_can_be_set_from_the_environment() -> None:
    fitted = MappingModel.load(DEFAULT_ARTEFACT).thresholds
    settings = Settings.from_env({"CREDMATCH_MAPPING_BESIDE_LABEL_THRESHOLD": "0.8"})
    chosen = mapping_settings(settings, fitted)
    assert chosen.beside_label_threshold == 0.8
    assert chosen.span_threshold == fitted.semantic


def test_without_the_artefact_the_cosine_defaults_apply() -> None:
    chosen = mapping_settings(Settings(), None)
    cosine = MappingSettings()
    assert (chosen.span_threshold, chosen.item_threshold) == (
        cosine.span_threshold,
        cosine.item_threshold,
    )


def test_the_artefact_applies_to_esco_only_and_can_be_turned_off(runtime: Runtime) -> None:
    context, _ = runtime.require_taxonomy()
    rows = [(1, "x", "preferred")]
    onet = SimpleNamespace(framework="onet")
    esco = SimpleNamespace(framework="esco")
    assert learned_ranking(Settings(), onet, context.space, rows, {}) is None  # type: ignore[arg-type]
    off = Settings().replaced(mapping_learned=False)
    assert learned_ranking(off, esco, context.space, rows, {}) is None  # type: ignore[arg-type]


def test_a_title_read_again_comes_from_the_title_cache_with_the_same_answer(
    runtime: Runtime,
) -> None:
    context, _ = runtime.require_taxonomy()
    titles = ["Senior Data Analyst (m/f/d)", "data analyst", "Florist"]
    first = context.occupations_of_titles(titles, min_similarity=-1.0)
    hits = context.title_cache.hits
    again = context.occupations_of_titles(list(reversed(titles)), min_similarity=-1.0)
    assert again == list(reversed(first))
    assert context.title_cache.hits == hits + 3  # one per distinct title core
    assert all(found is not None for found in first)
    # The threshold applies to what is remembered, not to what was computed.
    cosine = first[2][1]  # type: ignore[index]
    assert context.occupations_of_titles(["Florist"], min_similarity=cosine + 1e-6) == [None]
    assert context.occupations_of_titles(["Florist"], min_similarity=cosine) == [first[2]]
