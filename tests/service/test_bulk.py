"""Bulk work on workers: local processes and a local Ray, on real databases.

Ray runs for real here (a local instance started by the module's fixture, two CPUs); the
posting and credential tests compare what the workers store with what the same input
stores when read in this process.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import ray
from rich.console import Console
from rich.progress import Progress

from embeddings import TextEncoder
from service.bulk import PooledEncoder, ProcessWorkerPool, RayWorkerPool, bulk_encoder, open_pool
from service.credentials.bulk import ingest_paths
from service.db import registry
from service.db.engine import unit_of_work
from service.errors import SettingsError
from service.gap import postings as posting_import
from service.gap.postings import (
    EXTRACTION_BATCH,
    ImportSummary,
    PostingText,
    import_posting_file,
    read_postings_in_worker,
    read_titles,
    start_posting_reader,
    stored_posting,
)
from service.runtime import Runtime
from service.samples import SampleIssuer
from service.settings import Settings
from service.taxonomy.service import load_taxonomy_context
from tests.conftest import REPO_ROOT
from tests.service.conftest import sql_achievement

_factor = 0


def _set_factor(value: int) -> None:
    global _factor  # noqa: PLW0603 (the worker's state, as a real initializer keeps it)
    _factor = value


def _times_factor(item: int) -> tuple[int, int]:
    return item * _factor, os.getpid()


def _die_once_then_double(item: tuple[int, str]) -> int:
    number, marker = item
    if number == 3 and not Path(marker).exists():
        Path(marker).write_text("died")
        os._exit(1)  # the worker process dies mid-task, as a killed node would
    return number * 2


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    """One local Ray for the module (pools join it and leave it running)."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        yield
    finally:
        ray.shutdown()


@pytest.fixture
def worker_settings(runtime: Runtime) -> Settings:
    """The runtime's settings; workers find the model's ONNX export the tests keep."""
    models = runtime.settings.model_cache_dir
    if not models.exists():
        models.symlink_to(REPO_ROOT / "var" / "test-models", target_is_directory=True)
    return runtime.settings


def test_pool_is_chosen_by_settings_and_workers() -> None:
    settings = Settings()
    assert open_pool(settings, workers=None, initializer=_set_factor, initargs=(2,)) is None
    assert open_pool(settings, workers=1, initializer=_set_factor, initargs=(2,)) is None
    with pytest.raises(SettingsError, match="at least 1"):
        open_pool(settings, workers=0, initializer=_set_factor, initargs=(2,))
    pool = open_pool(settings, workers=2, initializer=_set_factor, initargs=(3,))
    assert isinstance(pool, ProcessWorkerPool)
    try:
        assert [value for value, _ in pool.map(_times_factor, range(6))] == [0, 3, 6, 9, 12, 15]
    finally:
        pool.close()


def test_ray_address_without_ray_installed_is_a_settings_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray raises ImportError
    settings = Settings().replaced(ray_address="local")
    with pytest.raises(SettingsError, match=r"credmatch\[ray\]"):
        open_pool(settings, workers=1, initializer=_set_factor, initargs=(1,))


@pytest.mark.usefixtures("local_ray")
def test_ray_workers_keep_their_state_and_answer_in_order() -> None:
    settings = Settings().replaced(ray_address="local", ray_workers=2)
    pool = open_pool(settings, workers=None, initializer=_set_factor, initargs=(5,))
    assert isinstance(pool, RayWorkerPool)
    try:
        results = list(pool.map(_times_factor, range(40)))
    finally:
        pool.close()
    assert [value for value, _ in results] == [5 * n for n in range(40)]
    assert len({pid for _, pid in results}) == 2  # both actors worked
    assert os.getpid() not in {pid for _, pid in results}
    assert ray.is_initialized()  # a pool that joined a running Ray leaves it running


@pytest.mark.usefixtures("local_ray")
def test_a_ray_worker_that_dies_is_restarted_and_its_task_run_again(tmp_path: Path) -> None:
    marker = tmp_path / "died"
    settings = Settings().replaced(ray_address="local")
    pool = open_pool(settings, workers=2, initializer=_set_factor, initargs=(1,))
    assert pool is not None
    try:
        results = list(pool.map(_die_once_then_double, [(n, str(marker)) for n in range(8)]))
    finally:
        pool.close()
    assert marker.read_text() == "died"  # a worker did die mid-task
    assert results == [2 * n for n in range(8)]  # and nothing was lost or repeated


_POSTINGS = [
    (
        "Data engineer",
        "Requirements:\n- Python and SQL\n- relational databases\nWe offer a pension.",
    ),
    ("Analyst", "You will write SQL queries against our databases every day."),
    ("Developer", "Python3, SQL, databases; the team builds web services."),
    (
        "Data engineer",
        "Requirements:\n- Python and SQL\n- relational databases\nWe offer a pension.",
    ),
    ("Clerk", "Answer the phone and greet visitors."),
]


def _write_postings(path: Path) -> None:
    lines = [
        json.dumps({"externalId": f"job-{n}", "title": title, "description": text})
        for n, (title, text) in enumerate(_POSTINGS)
    ]
    path.write_text("\n".join(lines) + "\n")


Stored = tuple[list[tuple[str, str]], object, tuple[int | None, float | None]]


def _stored(runtime: Runtime, tenant: str) -> dict[str, Stored]:
    """Each stored posting's (skill, strength) pairs, ignored text and title reading."""
    with unit_of_work(runtime.sessions) as session:
        tenant_id = registry.get_or_create_tenant(session, tenant).id
        stored: dict[str, Stored] = {}
        for n in range(len(_POSTINGS)):
            found = stored_posting(session, tenant_id, f"job-{n}")
            skills = sorted((skill.uri, strength) for skill, strength, _, _ in found.skills)
            title = (found.posting.title_occupation_id, found.posting.title_similarity)
            stored[f"job-{n}"] = (skills, found.posting.ignored, title)
    return stored


def test_a_posting_worker_reads_the_title_with_the_text(
    runtime: Runtime, worker_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The worker's initialiser, run here: the title's occupation comes back with the text's
    # requirements, so the importing process encodes neither.
    monkeypatch.setattr(posting_import, "_worker_reader", None)  # restored afterwards
    start_posting_reader(worker_settings.replaced(embedding_threads=1))
    postings = [PostingText(text, title) for title, text in _POSTINGS[:3]]
    release, readings = read_postings_in_worker(postings)
    context, _ = runtime.require_taxonomy()
    assert release == context.key
    titles = read_titles(context, [posting.title for posting in postings])
    assert [occupation for _, (occupation, _) in readings] == [found[0] for found in titles]
    assert [cosine for _, (_, cosine) in readings] == pytest.approx(
        [found[1] for found in titles], abs=1e-4
    )
    assert all(occupation is not None for occupation, _ in titles)
    here = context.mapper.read_jobs([posting.text for posting in postings])
    assert [reading for reading, _ in readings] == here


@pytest.mark.usefixtures("local_ray")
def test_posting_import_on_ray_stores_what_the_in_process_import_stores(
    runtime: Runtime, worker_settings: Settings, tmp_path: Path
) -> None:
    upload = tmp_path / "postings.jsonl"
    _write_postings(upload)
    progress = Progress(console=Console(quiet=True))
    here = import_posting_file(
        worker_settings, upload, tenant="bulk-here", progress=progress, runtime=runtime
    )

    def on_ray() -> ImportSummary:
        return import_posting_file(
            worker_settings.replaced(ray_address="local"),
            upload,
            tenant="bulk-ray",
            progress=progress,
            runtime=runtime,
            workers=2,
        )

    first = on_ray()
    assert (first.created, first.rejected) == (here.created, here.rejected) == (5, 0)
    expected = _stored(runtime, "bulk-here")
    assert sum(bool(skills) for skills, _, _ in expected.values()) >= 3  # skills were found
    # Every title was read to an occupation (the fixture release has one, the data analyst).
    assert all(title[1] is not None for _, _, title in expected.values())
    assert all(title[0] is not None for _, _, title in expected.values())
    on_workers = _stored(runtime, "bulk-ray")
    assert {key: found[:2] for key, found in on_workers.items()} == {
        key: found[:2] for key, found in expected.items()
    }
    # The workers encode with one thread: the same occupations, cosines up to float noise.
    assert [found[2][0] for found in on_workers.values()] == [
        found[2][0] for found in expected.values()
    ]
    assert [found[2][1] for found in on_workers.values()] == pytest.approx(
        [found[2][1] for found in expected.values()], abs=1e-4
    )
    again = on_ray()
    assert (again.created, again.duplicates) == (0, 5)  # nothing is stored twice


@pytest.mark.usefixtures("local_ray")
def test_a_key_sent_again_after_its_rejection_is_read_on_ray_as_here(
    runtime: Runtime, worker_settings: Settings, tmp_path: Path
) -> None:
    # The first row is rejected (too many phrases); the same key comes back in a later
    # batch with other content, which is read then: no worker was given that text.
    too_long = "\n".join(f"- skill number {n} of the list" for n in range(250))
    rows = [{"externalId": "job-long", "title": "Clerk", "description": too_long}]
    rows += [
        {"externalId": f"filler-{n}", "title": "Clerk", "description": "Answer the phone."}
        for n in range(EXTRACTION_BATCH)
    ]
    rows.append({"externalId": "job-long", "title": "Analyst", "description": "Write SQL."})
    upload = tmp_path / "postings.jsonl"
    upload.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    progress = Progress(console=Console(quiet=True))
    here = import_posting_file(
        worker_settings, upload, tenant="bulk-again-here", progress=progress, runtime=runtime
    )
    on_ray = import_posting_file(
        worker_settings.replaced(ray_address="local"),
        upload,
        tenant="bulk-again-ray",
        progress=progress,
        runtime=runtime,
        workers=2,
    )

    assert (here.created, here.rejected) == (on_ray.created, on_ray.rejected) == (65, 1)
    with unit_of_work(runtime.sessions) as session:
        for tenant in ("bulk-again-here", "bulk-again-ray"):
            tenant_id = registry.get_or_create_tenant(session, tenant).id
            found = stored_posting(session, tenant_id, "job-long")
            assert found.posting.description == "Write SQL."
            assert "SQL" in {skill.preferred_label for skill, *_ in found.skills}


@pytest.mark.usefixtures("local_ray")
def test_credential_files_verified_on_ray_are_stored_once(
    runtime: Runtime, worker_settings: Settings, tmp_path: Path
) -> None:
    issuer = SampleIssuer(name="Ray College", domain="ray.example")
    achievement = sql_achievement()
    folder = tmp_path / "inbox"
    folder.mkdir()
    for n in range(6):
        document = issuer.issue(achievement, f"did:example:ray-{n}")
        (folder / f"c{n}.json").write_text(json.dumps(document))
    tampered = issuer.issue(achievement, "did:example:ray-tampered")
    tampered["name"] = "Tampered after signing"
    (folder / "tampered.json").write_text(json.dumps(tampered))
    progress = Progress(console=Console(quiet=True))
    ray_settings = worker_settings.replaced(ray_address="local")

    first = ingest_paths(
        ray_settings, [folder], tenant="bulk-ray-creds", candidate=None, progress=progress,
        runtime=runtime, workers=2,
    )  # fmt: skip
    again = ingest_paths(
        ray_settings, [folder], tenant="bulk-ray-creds", candidate=None, progress=progress,
        runtime=runtime, workers=2,
    )  # fmt: skip

    assert (first.accepted, first.rejected) == (6, 1)
    assert again.accepted == 0  # already stored: recognised before any worker verifies
    with unit_of_work(runtime.sessions) as session:
        tenant_id = registry.get_or_create_tenant(session, "bulk-ray-creds").id
        for n in range(6):
            assert registry.get_candidate(session, tenant_id, f"did:example:ray-{n}") is not None


@pytest.mark.usefixtures("local_ray")
def test_pooled_encoder_gives_the_local_vectors_in_order(
    encoder: TextEncoder, worker_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("service.bulk.ENCODE_CHUNK", 3)  # several tasks for a few texts
    texts = ["SQL", "manage a team", "Python (computer programming)", "database", "x", "weld"]
    with bulk_encoder(worker_settings.replaced(ray_address="local"), encoder) as pooled:
        assert isinstance(pooled, PooledEncoder)
        vectors = pooled.encode(texts)
    np.testing.assert_allclose(vectors, encoder.encode(texts), atol=1e-5)
    with bulk_encoder(worker_settings, encoder) as local:
        assert local is encoder  # no Ray address: the process's own encoder


@pytest.mark.usefixtures("local_ray")
def test_a_label_index_built_on_ray_matches_the_local_one(
    runtime: Runtime, encoder: TextEncoder, worker_settings: Settings, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "models").symlink_to(worker_settings.model_cache_dir.resolve())
    settings = worker_settings.replaced(data_dir=data_dir, ray_address="local")
    with unit_of_work(runtime.sessions) as session:
        built = load_taxonomy_context(session, settings, encoder)
    assert built is not None and runtime.taxonomy is not None
    here = runtime.taxonomy.space
    assert built.space.skill_ids.tolist() == here.skill_ids.tolist()
    np.testing.assert_allclose(built.space.skill_vectors, here.skill_vectors, atol=1e-5)
