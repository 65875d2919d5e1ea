"""`gpsearch`: the command line, a thin layer over the corpus, indexer, search and webui.

Exit codes: 0 ok, 1 user error (one line on stderr, no traceback), 2 usage error.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

DEFAULT_INDEX = "var/index"
log = logging.getLogger("gpsearch")

index_option = click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="GPSEARCH_INDEX",
    default=DEFAULT_INDEX,
    show_default="$GPSEARCH_INDEX or ./var/index",
    help="Index directory.",
)


# The library's expected errors (module, class): a one-line message and exit code 1.
USER_ERRORS = (
    ("corpus.errors", "CorpusError"),
    ("indexer.plan", "EmptyBuildError"),
    ("indexer.diskspace", "DiskFullError"),
    ("indexer.generations", "BuildLockedError"),
    ("indexer.generations", "IndexNotFoundError"),
    ("indexer.workers", "WriterProcessError"),
    ("search.models", "SearchError"),
    ("webui.config", "ConfigError"),
)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the library's expected errors into a one-line message and exit code 1.  Only
    modules already imported are looked at: one never imported raised nothing, and
    importing it here would cost `gpsearch index` Flask's start-up."""
    try:
        yield
    except Exception as exc:
        expected = tuple(
            error
            for module_name, name in USER_ERRORS
            if (error := getattr(sys.modules.get(module_name), name, None)) is not None
        )
        if isinstance(exc, expected):
            raise click.ClickException(str(exc)) from None
        raise


def _progress(items: Iterable[Any], total: int, label: str) -> Iterable[Any]:
    if not sys.stderr.isatty():
        return items
    from tqdm import tqdm

    return tqdm(items, total=total, desc=label, unit="", leave=False, file=sys.stderr)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.version_option(package_name="gpsearch")
def main(verbose: int, quiet: bool) -> None:
    """Multilingual search over the Intercultural Cities good-practice corpus."""
    level = (
        logging.ERROR if quiet else [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    )
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


@main.command()
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path))
@index_option
@click.option("--rebuild", is_flag=True, help="Start from an empty index.")
@click.option("--skip-invalid", is_flag=True, help="Import the valid records, count the rest.")
@click.option("--locale", help="Site locale of listing pages without a Source address.")
@click.option("--procs", type=click.IntRange(1, 64), help="Worker processes (default: 2).")
@click.option("-v", "--verbose", is_flag=True, help="List the cities no place matched.")
def index(
    sources: tuple[Path, ...],
    index_dir: Path,
    rebuild: bool,
    skip_invalid: bool,
    locale: str | None,
    procs: int | None,
    verbose: bool,
) -> None:
    """Index SOURCES (files or directories; default: the bundled corpus)."""
    from indexer.build import index_sources

    with user_errors():
        loaded, report = index_sources(
            list(sources) or None,
            index_dir,
            locale=locale,
            skip_invalid=skip_invalid,
            rebuild=rebuild,
            procs=procs,
            progress=_progress,
        )
    click.echo(
        f"{report.total} entries from {len(loaded.files)} file(s): {report.new} new,"
        f" {report.changed} changed, {report.removed} removed, {report.unchanged} unchanged"
        + (" (full build)" if report.rebuilt else "")
    )
    _import_summary(loaded.report)
    if loaded.known:
        click.echo(f"  {len(loaded.known)} unchanged line(s) the index holds were not parsed again")
    if loaded.report.duplicates:
        click.echo(f"{loaded.report.duplicates} duplicate listing(s) of the same entry kept once")
    if report.modified == 0 and not report.rebuilt:
        click.echo(f"0 changed: index {index_dir} is up to date ({report.seconds:.2f} s)")
        return
    languages = ", ".join(f"{k} {v}" for k, v in report.languages.items())
    locales = ", ".join(f"{k} {v}" for k, v in report.locales.items())
    click.echo(f"languages: {languages}")
    click.echo(f"locales: {locales}")
    click.echo(f"untranslated (language differs from locale): {report.untranslated}")
    click.echo(
        f"unresolved cities (placed at their country's centre): {len(report.unresolved)}"
        + ("" if verbose or not report.unresolved else " (-v lists them)")
    )
    if verbose:
        for city, code in report.unresolved:
            click.echo(f"  {city} ({code or 'no country'})")
    click.echo(
        f"generation {report.generation} in {report.seconds:.2f} s"
        f" ({report.per_second:,.0f} entries/s)"
    )


def _import_summary(report: Any) -> None:
    """Kept, flagged and rejected: nothing of the sources disappears without a line here."""
    click.echo(f"import: {report.summary()}")
    rejected = [*report.rejected, *report.errors]
    for message in rejected[:20]:
        click.echo(f"  rejected {message}")
    if len(rejected) > 20:
        click.echo(f"  ... and {len(rejected) - 20} more (every one is logged as a warning)")


def _parse_filters(values: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    filters: dict[str, list[str]] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected FIELD=VALUE, got {item!r}", param_hint="--filter")
        filters.setdefault(name.strip(), []).append(value.strip())
    return {k: tuple(v) for k, v in filters.items()}


@main.command()
@click.argument("query", default="")
@index_option
@click.option(
    "--filter",
    "filters",
    multiple=True,
    metavar="FIELD=VALUE",
    help="Facet filter, repeatable (language=sq --filter language=fr).",
)
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--limit", "per_page", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option(
    "--sort",
    type=click.Choice(["relevance", "newest", "nearest"]),
    default="relevance",
    show_default=True,
    help="nearest: only with --near.",
)
@click.option("--near", default="", help="Only entries near this place (any language, or lat,lon).")
@click.option(
    "--within-km",
    type=float,
    default=None,
    help="Radius around --near in km (default: 300).",
)
@click.option(
    "--versions",
    type=click.Choice(["practice", "all"]),
    default="practice",
    show_default=True,
    help="One result per practice (its versions listed), or every entry.",
)
@click.option("--json", "as_json", is_flag=True, help="The API's JSON response.")
def search(
    query: str,
    index_dir: Path,
    filters: tuple[str, ...],
    page: int,
    per_page: int,
    sort: str,
    versions: str,
    as_json: bool,
    near: str,
    within_km: float | None,
) -> None:
    """Search the index (empty QUERY: browse everything, newest first)."""
    from search import Searcher, SearchRequest

    with user_errors():
        request = SearchRequest(
            query,
            _parse_filters(filters),
            page,
            per_page,
            sort,
            versions=versions,
            near=near,
            within_km=within_km,
        )
        response = Searcher(index_dir).search(request)
    if as_json:
        click.echo(json.dumps(response.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(
        f"{response.total} result(s) for {query!r}"
        + (" (no entry has every word: closest matches)" if response.relaxed else "")
    )
    for notice in response.notices:
        click.echo(f"note: {notice}")
    if response.suggestion:
        click.echo(f"did you mean: {response.suggestion}")
    start = (page - 1) * per_page
    for rank, hit in enumerate(response.results, start=start + 1):
        place = ", ".join(p for p in (hit.city, hit.country) if p)
        if hit.distance_km is not None:
            place += f" ({hit.distance_km:,.0f} km)"
        flag = "" if hit.translated != "no" else " [untranslated]"
        click.echo(f"{rank:3}. {hit.title}")
        click.echo(f"     {hit.language} in /{hit.locale}/{flag}  {place}  {hit.period}  {hit.id}")
        for version in hit.versions:
            click.echo(
                f"     also: {version['language']} in /{version['locale']}/  {version['id']}"
            )
    if response.fallback:
        click.echo(f"without filters: {response.fallback.total} result(s)")


@main.command()
@click.argument("entry_id")
@index_option
@click.option("--json", "as_json", is_flag=True)
def show(entry_id: str, index_dir: Path, as_json: bool) -> None:
    """Show one entry, its other language versions and similar practices."""
    from search import Searcher

    with user_errors():
        found = Searcher(index_dir).practice(entry_id)
    if found is None:
        raise click.ClickException(f"no entry with id {entry_id!r} in {index_dir}")
    doc, versions, similar = found
    if as_json:
        payload = {
            **doc.to_dict(),
            "versions": [v.id for v in versions],
            "similar": [h.id for h in similar],
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    click.echo(doc.title)
    click.echo(
        f"  {doc.kind} | {doc.language} (confidence {doc.language_confidence})"
        f" published under /{doc.locale}/ | {doc.city} {doc.country_en} {doc.period}"
    )
    click.echo(f"  {doc.url}")
    click.echo(f"\n{doc.summary}\n")
    for v in versions:
        click.echo(f"  other version: [{v.language}] {v.title} ({v.id})")
    for hit in similar:
        click.echo(f"  similar: {hit.title} ({hit.city}, {hit.country}) {hit.id}")


@main.command()
@index_option
def check(index_dir: Path) -> None:
    """Verify the live generation's files against the sizes and checksums its build
    recorded (exit 1 naming each damaged file)."""
    import time

    from indexer import generations, integrity

    with user_errors():
        gen = generations.current(index_dir)
        started = time.perf_counter()
        problems = integrity.verify(gen, deep=True)
        files = integrity.recorded_files(gen) or {}
    if problems:
        raise click.ClickException(
            f"index {index_dir}: generation {gen.name} is damaged:\n  " + "\n  ".join(problems)
        )
    size = sum(int(r.get("size", 0)) for r in files.values())
    click.echo(
        f"index {index_dir}: generation {gen.name} ok: {len(files)} files,"
        f" {size / 1e6:,.1f} MB match their sizes and CRC-32 checksums"
        f" ({time.perf_counter() - started:.2f} s)"
    )


@main.command()
@index_option
def export(index_dir: Path) -> None:
    """Every stored entry as JSONL, with detected language and confidence."""
    from search import Searcher

    with user_errors():
        searcher = Searcher(index_dir)
        for doc in searcher.iter_documents():
            click.echo(json.dumps(doc.to_dict(), ensure_ascii=False))


@main.command()
@index_option
@click.option("--locale", multiple=True, help="Only entries published under this locale.")
@click.option("--language", multiple=True, help="Only entries written in this language.")
@click.option(
    "--topic",
    multiple=True,
    help="Only entries of this topic: an id (education) or a name in any language.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
def untranslated(
    index_dir: Path,
    locale: tuple[str, ...],
    language: tuple[str, ...],
    topic: tuple[str, ...],
    fmt: str,
) -> None:
    """Entries written in another language than the locale they are published under.
    Each filter may be given more than once (any of its values)."""
    from search import Searcher
    from search.reports import UNTRANSLATED_COLUMNS, untranslated_rows, write_csv
    from search.topics import taxonomy, topic_ids

    with user_errors():
        searcher = Searcher(index_dir)
        snap = searcher.snapshot()
    for value in topic:  # read as the index's generation reads topic names
        if not topic_ids(snap, [value]):
            raise click.BadParameter(
                f"{value!r} names no topic; topics: {', '.join(taxonomy().ids)}",
                param_hint="--topic",
            )
    filters = {"locale": locale, "language": language, "topic": topic}
    with user_errors():
        rows = untranslated_rows(searcher, filters)
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        write_csv(sys.stdout, rows, UNTRANSLATED_COLUMNS)
    else:
        for row in rows:
            flag = "check" if row["check"] else "     "
            click.echo(
                f"{flag} {row['locale']:>3} <- {row['language']:<3}"
                f" {row['confidence']:.2f}  {row['title'][:70]}  {row['id']}"
            )
        click.echo(f"{len(rows)} untranslated entr{'y' if len(rows) == 1 else 'ies'}")


@main.command()
@index_option
@click.option("--host", default="127.0.0.1", show_default=True, envvar="GPSEARCH_HOST")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8000, show_default=True, envvar="GPSEARCH_PORT"
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=2,
    show_default=True,
    envvar="GPSEARCH_WORKERS",
    help="gunicorn worker processes.",
)
@click.option(
    "--proxy-hops",
    type=click.IntRange(0, 5),
    default=0,
    show_default=True,
    envvar="GPSEARCH_PROXY_HOPS",
    help="Reverse proxies in front whose X-Forwarded-For gives the client's address.",
)
def serve(index_dir: Path, host: str, port: int, workers: int, proxy_hops: int) -> None:
    """Serve the web UI and JSON API with gunicorn (production server, never debug).
    SIGTERM stops it gracefully: requests in flight finish first."""
    from webui.server import serve as run_server

    with user_errors():
        run_server(index_dir, host=host, port=port, workers=workers, proxy_hops=proxy_hops)


if __name__ == "__main__":  # pragma: no cover
    main()
