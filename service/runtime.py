"""Long-lived resources of a process: engine, encoder, verifier, skill space, candidate indexes.

Created once (in the app's lifespan or by a CLI command) and shared by requests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from embeddings import TextEncoder
from ingest import ChainedDocuments, HttpFetcher, PinnedDocuments, Verifier
from service.db.engine import build_engine, session_factory, unit_of_work, upgrade_database
from service.errors import InvalidRequestError, NotReadyError
from service.matching.index import CandidateIndexes
from service.settings import Settings
from service.taxonomy.service import TaxonomyContext, load_taxonomy_context


def build_verifier(settings: Settings, http_client: httpx.Client | None = None) -> Verifier:
    """A verifier over did:key, pinned documents and (when enabled) remote documents.

    Pinned documents win over fetched ones; remote fetches go through the hardened fetcher.

    Args:
        settings: Settings.
        http_client: The client remote fetches go through (required to fetch at all).

    Raises:
        InvalidRequestError: The documents folder is missing or holds a malformed file.
    """
    pinned = PinnedDocuments({})
    if settings.fetch.documents_dir is not None:
        if not settings.fetch.documents_dir.is_dir():
            raise InvalidRequestError(
                f"documents folder {settings.fetch.documents_dir} does not exist"
            )
        try:
            pinned = PinnedDocuments.from_directory(settings.fetch.documents_dir)
        except ValueError as exc:
            raise InvalidRequestError(f"pinned documents: {exc}") from exc
    fetcher = None
    if settings.fetch.remote_documents and http_client is not None:
        fetcher = HttpFetcher(
            http_client,
            allow_loopback_http=settings.fetch.allow_loopback_http,
            read_timeout=settings.fetch.timeout_seconds,
            max_bytes=settings.fetch.max_bytes,
            ttl=settings.fetch.cache_seconds,
            # Failures are remembered briefly, never longer than successes.
            failure_ttl=min(30.0, settings.fetch.cache_seconds),
        )
    return Verifier(documents=ChainedDocuments(pinned, fetcher))


@dataclass
class Runtime:
    """Shared resources; ``taxonomy`` and ``indexes`` are absent until a taxonomy is imported."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    encoder: TextEncoder
    verifier: Verifier
    taxonomy: TaxonomyContext | None = None
    indexes: CandidateIndexes | None = None
    http_client: httpx.Client | None = None

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        encoder: TextEncoder | None = None,
        verifier: Verifier | None = None,
        migrate: bool = True,
        show_progress: bool = False,
        on_build: Callable[[int], None] | None = None,
    ) -> Runtime:
        """Connect, migrate, load the model and the default taxonomy's skill space.

        Args:
            settings: Settings.
            encoder: An encoder to share (tests load the model once); else the packaged model.
            verifier: A verifier to use; else one with no pinned documents.
            migrate: Apply database migrations first.
            show_progress: Show a progress bar if the label index must be built.
            on_build: Called with the label count before the label index is built.
        """
        engine = build_engine(settings.resolved_database_url, echo=settings.database.echo)
        if migrate:
            upgrade_database(engine)
        http_client = httpx.Client(headers={"User-Agent": "credmatch"}, follow_redirects=False)
        runtime = cls(
            settings=settings,
            engine=engine,
            sessions=session_factory(engine),
            encoder=encoder or settings.open_encoder(),
            verifier=verifier or build_verifier(settings, http_client),
            http_client=http_client,
        )
        runtime.reload_taxonomy(show_progress=show_progress, on_build=on_build)
        return runtime

    def reload_taxonomy(
        self, *, show_progress: bool = False, on_build: Callable[[int], None] | None = None
    ) -> None:
        """(Re)load the default release's skill space and the candidate indexes on top of it."""
        with unit_of_work(self.sessions) as session:
            context = load_taxonomy_context(
                session, self.settings, self.encoder, show_progress=show_progress, on_build=on_build
            )
        self.taxonomy = context
        self.indexes = (
            CandidateIndexes(
                self.settings.index_dir / "candidates",
                model=self.encoder.model_id,
                taxonomy=context.key,
                dimension=self.encoder.dimension,
            )
            if context is not None
            else None
        )

    def require_taxonomy(self) -> tuple[TaxonomyContext, CandidateIndexes]:
        """The taxonomy context and candidate indexes.

        Raises:
            NotReadyError: No taxonomy has been imported.
        """
        if self.taxonomy is None or self.indexes is None:
            raise NotReadyError(
                "no taxonomy is loaded; run `credmatch taxonomy import esco PATH` "
                "or `credmatch taxonomy fetch-default`"
            )
        return self.taxonomy, self.indexes

    def close(self) -> None:
        """Persist derived indexes and release connections."""
        if self.indexes is not None:
            self.indexes.save_all()
        if self.http_client is not None:
            self.http_client.close()
        self.engine.dispose()
