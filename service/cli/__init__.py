"""The `parallax` command: serve, lookup and the ratings tools (check, stats, review, fit-quality,
import, export); the coverage commands are added from cli/coverage.py."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from service.config import DEFAULT_HOST, DEFAULT_PORT, host_problem
from service.core.quality import (
    check_domain,
    cut_point_agreement,
    fit_cut_points,
    parse_score,
    quality_factuality_pairs,
    read_manifest,
)
from service.core.ratings import (
    RatingsError,
    RatingsTable,
    check_ratings,
    default_ratings_dir,
    export_json,
)
from service.core.ratings_schema import Outlet

QUALITY_ROWS_FILE = "quality-domains.csv"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="parallax", prog_name="parallax")
def main() -> None:
    """Parallax: where the news you read comes from."""
    from service.ops.logs import configure_logging

    try:
        configure_logging(os.environ.get("PARALLAX_LOG_LEVEL", "INFO"))
    except ValueError as exc:
        raise click.ClickException(f"PARALLAX_LOG_LEVEL: {exc}") from None


def _checked_host(ctx: click.Context, param: click.Parameter, value: str) -> str:
    # gunicorn read "[::1" as a host and an empty port ("'' is not a valid port number").
    problem = host_problem(value.strip())
    if problem is not None:
        raise click.BadParameter(f"{value[:60]!r}: {problem}")
    return value.strip()


@main.command()
@click.option(
    "--host",
    default=DEFAULT_HOST,
    envvar="PARALLAX_HOST",
    show_default=True,
    show_envvar=True,
    callback=_checked_host,
    help="Address to listen on.",
)
@click.option(
    "--port",
    default=DEFAULT_PORT,
    envvar="PARALLAX_PORT",
    show_default=True,
    show_envvar=True,
    type=click.IntRange(1, 65535),
)
@click.option("--workers", default=None, type=click.IntRange(1, 64), help="Gunicorn workers.")
@click.option("--dev", is_flag=True, help="Flask's development server with the reloader.")
@click.option("--no-ingest", is_flag=True, help="Do not ingest feeds in the background.")
def serve(host: str, port: int, workers: int | None, dev: bool, no_ingest: bool) -> None:
    """Run the API (gunicorn by default) and, unless disabled, the feed ingester beside it."""
    from service.app import create_app
    from service.config import load_config

    try:
        config = load_config(os.environ)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    metrics_dir = None
    if not dev and not config["METRICS_DIR"]:
        # gunicorn's workers are processes: without a shared directory each scrape of /metrics
        # would show one worker's counts. A fresh one per server run, removed when it stops.
        metrics_dir = tempfile.mkdtemp(prefix="parallax-metrics-")
        os.environ["PARALLAX_METRICS_DIR"] = metrics_dir
    worker = None
    if config["INGEST_ENABLED"] and not no_ingest and "worker" in main.commands:
        worker = subprocess.Popen([sys.executable, "-m", "service.cli", "worker"])
    # gunicorn's forked workers leave through this function too (SystemExit): only the process
    # that set things up may tear them down.
    owner = os.getpid()
    try:
        if dev:
            _app_or_exit(create_app).run(host=host, port=port, debug=True, use_reloader=True)
        else:
            _run_gunicorn(host, port, workers)
    finally:
        if os.getpid() != owner:
            pass
        elif worker is not None and worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
        if metrics_dir is not None and os.getpid() == owner:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _app_or_exit(factory: Any) -> Any:
    try:
        return factory()
    except (RatingsError, ValueError) as exc:
        raise click.ClickException(f"cannot start: {exc}") from None


def _run_gunicorn(host: str, port: int, workers: int | None) -> None:
    from gunicorn.app.base import BaseApplication

    from service.app import create_app
    from service.ops import gunicorn_conf

    app = _app_or_exit(create_app)

    class ParallaxServer(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key in dir(gunicorn_conf):
                if key in self.cfg.settings and not key.startswith("_"):
                    self.cfg.set(key, getattr(gunicorn_conf, key))
            # An IPv6 address is bracketed in a bind ("[::1]:8000"; "::1:8000" is not one).
            bound = f"[{host}]" if ":" in host and not host.startswith("[") else host
            self.cfg.set("bind", f"{bound}:{port}")
            if workers:
                self.cfg.set("workers", workers)

        def load(self) -> Any:
            return app

    ParallaxServer().run()


# Bytes that were not UTF-8, as _stdin_lines reads them.
_UNDECODED_RE = re.compile("[\udc80-\udcff]")


def _stdin_lines() -> Iterator[str]:
    """Standard input's lines as text, read from its bytes: a text stdin is strict UTF-8 under
    most locales (a traceback at the first byte that is not UTF-8), so each line is decoded
    here, such a byte kept as a lone surrogate (named by lookup); a byte-order mark that
    starts the list (some editors write one) is dropped (it made the first URL "not a web
    address", with nothing visible to fix)."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # a text stream with no bytes under it (tests, embedding)
        for number, text in enumerate(sys.stdin, start=1):
            text = text.rstrip("\n")
            yield text.removeprefix("\ufeff") if number == 1 else text
        return
    for number, line in enumerate(stream, start=1):
        text = line.rstrip(b"\n").decode("utf-8", "surrogateescape")
        yield text.removeprefix("\ufeff") if number == 1 else text


@main.command()
@click.argument("urls", nargs=-1)
def lookup(urls: tuple[str, ...]) -> None:
    """Score URLs (arguments, or one per line on standard input); one JSON object per line.

    Exits 1 when any URL could not be scored (the count is on standard error) or none was
    given, 2 on a terminal with nothing to read."""
    if not urls and sys.stdin.isatty():
        click.echo(click.get_current_context().get_usage(), err=True)
        click.echo(
            "\nGive URLs as arguments, or pipe them in one per line: parallax lookup < urls.txt",
            err=True,
        )
        raise SystemExit(2)
    from service.app import create_app
    from service.core.scoring import error_object, score_url
    from service.core.urls import URLInputError
    from service.web.api import ratings_table, story_lookup

    app = _app_or_exit(lambda: create_app({"INGEST_ENABLED": False}))
    table = ratings_table(app)
    stories = story_lookup(app)
    source = urls if urls else _stdin_lines()
    out = sys.stdout
    read = failed = 0
    with app.app_context():
        for number, raw in enumerate(source, start=1):
            if not urls and not raw.strip():
                continue
            read += 1
            try:
                if not urls and (bad := _UNDECODED_RE.search(raw)) is not None:
                    raw = raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                    raise URLInputError(
                        f"line {number} is not UTF-8 text (byte 0x{ord(bad.group()) - 0xDC00:02X}"
                        f" at column {bad.start() + 1}): save the list as UTF-8"
                    )
                payload = score_url(table, raw, stories)
            except URLInputError as exc:
                payload = error_object(raw, exc)
                failed += 1
            out.write(json.dumps(payload, ensure_ascii=False) + "\n")
            if not urls:
                out.flush()  # a pipe reader gets each answer as soon as its line is read
    if read == 0:
        raise click.ClickException("no URLs were read from standard input")
    if failed:
        raise click.ClickException(f"{failed} of {read} URLs could not be scored")


@main.group()
def ratings() -> None:
    """Check, summarise, import and export the outlet ratings."""


_dir_option = click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Ratings directory (default: the bundled ratings/).",
)


@ratings.command("check")
@_dir_option
def ratings_check(directory: Path | None) -> None:
    """Validate the ratings files; exit 1 naming each file, line and problem."""
    table, problems = check_ratings(directory or default_ratings_dir())
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems or table is None:
        raise SystemExit(1)
    click.echo(f"ok: {len(table)} outlets, {len(table.feeds)} feeds")


@ratings.command("stats")
@_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
def ratings_stats(directory: Path | None, as_json: bool) -> None:
    """Coverage by country, kind, lean, factuality, confidence and owner type."""
    table, problems = check_ratings(directory or default_ratings_dir())
    if table is None:
        raise click.ClickException("the ratings cannot be read; run `parallax ratings check`")
    stats = table.stats()
    if as_json:
        click.echo(json.dumps({k: dict(v.most_common()) for k, v in stats.items()}, indent=2))
        return
    click.echo(
        f"{len(table)} outlets, {len(table.feeds)} feeds"
        + (f" ({len(problems)} problems: run `parallax ratings check`)" if problems else "")
    )
    for name, counter in stats.items():
        click.echo(f"\n{name}:")
        for value, count in counter.most_common():
            click.echo(f"  {value:<24} {count:>6}  {100 * count / max(1, len(table)):5.1f}%")
    _print_quality_summary(table)


def _print_quality_summary(table: RatingsTable) -> None:
    """What the quality layers add: coverage, reach of their domains, and the rows that gained."""
    if not table.quality_layers:
        click.echo("\nquality layers: none")
        return
    total = max(1, len(table))
    outlets = list(table.outlets.values())
    with_quality = sum(o.quality is not None for o in outlets)
    derived = sum(o.factuality_derived is not None for o in outlets)
    own = sum(o.factuality is not None for o in outlets)
    added = [o for o in outlets if table.row_files.get(o.id) == QUALITY_ROWS_FILE]
    click.echo("\nquality layers (open research data, kept apart from our ratings):")
    for layer in table.quality_layers:
        shown, listed = table.quality_reach()[layer.source.id]
        click.echo(
            f"  {layer.source.id}: {layer.source.short}, {layer.source.year}; {listed} domains, "
            f"{shown} of them ({100 * shown / max(1, listed):.1f}%) show a quality when a "
            "reader hovers a link to them"
        )
    click.echo(
        f"  outlets with a quality score      {with_quality:>6}  {100 * with_quality / total:5.1f}%"
    )
    click.echo(f"  factuality of our own             {own:>6}  {100 * own / total:5.1f}%")
    click.echo(
        f"  factuality derived from quality   {derived:>6}  {100 * derived / total:5.1f}%  "
        "(outlets with none of their own)"
    )
    click.echo(
        f"  factuality shown (ours or derived) {own + derived:>5}  {100 * (own + derived) / total:5.1f}%"
    )
    click.echo("\nrows gained from the quality layer:")
    click.echo(f"  new rows for listed domains ({QUALITY_ROWS_FILE}): {len(added)}")
    for name, count in (
        ("name, kind, country, language", len(added)),
        ("owner", sum(bool(o.owner) for o in added)),
        ("flags", sum(bool(o.flags) for o in added)),
        ("quality score", with_quality),
        ("derived factuality", derived),
    ):
        click.echo(f"  {name:<32} {count:>6}")
    open_disagreements = [d for d in table.disagreements() if not _reviewed(table, d[0])]
    click.echo(
        f"  our factuality 2+ steps from the score's: {len(table.disagreements())} "
        f"({len(open_disagreements)} not yet reviewed: `parallax ratings review`)"
    )


def _reviewed(table: RatingsTable, outlet: Outlet) -> bool:
    review = table.reviews.get(outlet.id)
    return review is not None and review.factuality == outlet.factuality


@ratings.command("review")
@_dir_option
@click.option("--all", "show_all", is_flag=True, help="Also list the ones already reviewed.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines instead of a table.")
def ratings_review(directory: Path | None, show_all: bool, limit: int, as_json: bool) -> None:
    """List outlets whose own factuality is 2+ steps from the one their quality score gives.

    Most-read first (outlets whose feeds we ingest, then by confidence). Our label stands until a
    person decides: edit the outlet's row, or record `keep` with a note in ratings/quality/review.csv.
    """
    table, problems = check_ratings(directory or default_ratings_dir())
    if table is None:
        raise click.ClickException("the ratings cannot be read; run `parallax ratings check`")
    found = table.disagreements()
    shown = [d for d in found if show_all or not _reviewed(table, d[0])][:limit]
    for outlet, label, steps in shown:
        assert outlet.quality is not None and outlet.factuality is not None
        review = table.reviews.get(outlet.id) if _reviewed(table, outlet) else None
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "id": outlet.id,
                        "name": outlet.name,
                        "factuality": outlet.factuality,
                        "from_quality": label,
                        "steps": steps,
                        "quality": round(outlet.quality.score, 3),
                        "confidence": outlet.confidence,
                        "reviewed": None if review is None else review.note,
                    },
                    ensure_ascii=False,
                )
            )
        else:
            mark = "reviewed: " + review.note if review else "open"
            click.echo(
                f"{outlet.id:<28} ours {outlet.factuality:<14} score {outlet.quality.score:.2f} "
                f"-> {label:<9} ({steps} steps, {outlet.confidence}) {mark}"
            )
    if not as_json:
        done = sum(_reviewed(table, d[0]) for d in found)
        click.echo(
            f"{len(found)} disagreements of 2+ steps; {done} reviewed, {len(found) - done} open"
        )


@ratings.command("fit-quality")
@_dir_option
@click.option("--layer", default=None, help="Layer id (default: the first).")
def ratings_fit_quality(directory: Path | None, layer: str | None) -> None:
    """Fit factuality cut points on outlets rated both ways; print them and their agreement."""
    table, _ = check_ratings(directory or default_ratings_dir())
    if table is None or not table.quality_layers:
        raise click.ClickException("no quality layer to fit; run `parallax ratings check`")
    chosen = next((x for x in table.quality_layers if layer in (None, x.source.id)), None)
    if chosen is None:
        raise click.ClickException(
            f"no layer '{layer}'; layers: " + ", ".join(x.source.id for x in table.quality_layers)
        )
    pairs = quality_factuality_pairs(table, chosen.source.id)
    fitted, _ = fit_cut_points(pairs)
    click.echo(f"{chosen.source.id}: {len(pairs)} outlets have a factuality of our own and a score")
    for name, cuts in (("documented", list(chosen.source.cut_points)), ("fitted", fitted)):
        agreement = cut_point_agreement(pairs, cuts)
        shown = ", ".join(f">= {c.minimum:.2f} {c.label or '(no label)'}" for c in cuts) or "(none)"
        click.echo(f"{name:<10} {shown}")
        click.echo(
            f"{'':<10} labels {agreement['coverage']:.1%} of them; of those: exact "
            f"{agreement['exact']:.1%}, within one step {agreement['within_one']:.1%}, "
            f"on 3 levels {agreement['three_levels']:.1%}"
        )
    if fitted != list(chosen.source.cut_points):
        click.echo(
            "the documented cut points differ from the fit (a band without a label is a "
            "deliberate choice, see METHODOLOGY.md); change the manifest and METHODOLOGY.md "
            "together"
        )


@ratings.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where overrides are kept (default: PARALLAX_DATA_DIR or ./data).",
)
@click.option(
    "--quality-source",
    "manifest",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="For a quality layer (`domain,score`): its manifest JSON "
    "(source, year, terms), e.g. ratings/quality/lin2023.json.",
)
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Quality layers: leave out rows whose domain or score is unusable, listing them.",
)
def ratings_import(
    file: Path, data_dir: Path | None, manifest: Path | None, skip_invalid: bool
) -> None:
    """Merge an operator's rating table (same CSV header) over the bundled one, or add a
    quality layer (`domain,<score>` with --quality-source)."""
    from service.config import load_config

    target_dir = (data_dir or Path(load_config(os.environ)["DATA_DIR"])) / "ratings-overrides"
    if manifest is not None or _looks_like_quality_layer(file):
        _import_quality_layer(file, manifest, target_dir, skip_invalid)
        return
    existing = sorted(target_dir.glob("*.csv")) if target_dir.is_dir() else []
    candidates = [p for p in existing if p.name != file.name] + [file]
    table, problems = check_ratings(default_ratings_dir(), candidates)
    if problems or table is None:
        for problem in problems:
            click.echo(str(problem), err=True)
        raise click.ClickException("nothing imported: fix the problems above")
    target_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(file, target_dir / file.name)
    replaced = sum(1 for o in table.outlets.values() if o.source == file.stem)
    click.echo(
        f"imported {file.name}: {replaced} rows now come from it "
        f"(kept in {target_dir / file.name}; the service reads it at start-up)"
    )


def _looks_like_quality_layer(file: Path) -> bool:
    try:
        with file.open(encoding="utf-8", newline="") as f:
            first = f.readline().strip().lstrip("\ufeff")
    except (OSError, UnicodeDecodeError):
        return False
    return first.startswith("domain,") and first.count(",") == 1


def _import_quality_layer(
    file: Path, manifest: Path | None, target_dir: Path, skip_invalid: bool
) -> None:
    """Validates a `domain,<score>` file against its manifest, writes it sorted beside a copy of
    the manifest under ratings-overrides/quality/, and checks the whole table with it."""
    if manifest is None:
        raise click.ClickException(
            f"{file.name} looks like a quality layer (domain,score): pass --quality-source "
            "MANIFEST.json naming its source, year and terms (see ratings/quality/lin2023.json)"
        )
    source, manifest_problems = read_manifest(manifest)
    if source is None:
        for message in manifest_problems:
            click.echo(f"{manifest}: {message}", err=True)
        raise click.ClickException("nothing imported: fix the manifest")
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise click.ClickException(f"{file.name} is not UTF-8: save it as UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, [])
        rows: list[tuple[int, list[str]]] = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise click.ClickException(
            f"{file.name}:{reader.line_num}: CSV syntax error: {exc}"
        ) from None
    if [h.strip() for h in header] != ["domain", source.score_column]:
        raise click.ClickException(
            f"{file.name}: header must be domain,{source.score_column} (the manifest's score_column)"
        )
    good: dict[str, str] = {}
    bad: list[str] = []
    for line, row in rows:
        if not row:
            continue
        domain = row[0].strip().lower()
        problem: str | None = (
            check_domain(domain) if len(row) == 2 else f"has {len(row)} columns, expected 2"
        )
        if problem is None and parse_score(row[1].strip()) is None:
            problem = f"score '{row[1][:40]}' must be a number in [0, 1]"
        if problem is None and domain in good:
            problem = f"domain '{domain}' is listed twice"
        if problem is not None:
            bad.append(f"{file.name}:{line}: {problem}")
            continue
        good[domain] = row[1].strip()
    if bad and not skip_invalid:
        for message in bad:
            click.echo(message, err=True)
        raise click.ClickException(
            f"nothing imported: {len(bad)} unusable rows; fix them or pass "
            "--skip-invalid to leave them out"
        )
    quality_dir = target_dir / "quality"
    staging = target_dir / f".staging-{os.getpid()}"
    staging.mkdir(parents=True, exist_ok=True)
    try:
        staged = staging / f"{source.id}.csv"
        with staged.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(["domain", source.score_column])
            writer.writerows(sorted(good.items()))
        shutil.copyfile(manifest, staging / f"{source.id}.json")
        existing = sorted(quality_dir.glob("*.csv")) if quality_dir.is_dir() else []
        candidates = [p for p in existing if p.name != staged.name] + [staged]
        outlet_overrides = sorted(target_dir.glob("*.csv"))
        table, problems_found = check_ratings(default_ratings_dir(), outlet_overrides, candidates)
        if problems_found or table is None:
            for found in problems_found:
                click.echo(str(found), err=True)
            raise click.ClickException("nothing imported: fix the problems above")
        quality_dir.mkdir(parents=True, exist_ok=True)
        os.replace(staging / f"{source.id}.json", quality_dir / f"{source.id}.json")
        os.replace(staged, quality_dir / staged.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for message in bad:
        click.echo(f"left out: {message}", err=True)
    shown, listed = table.quality_reach()[source.id]
    click.echo(
        f"imported quality layer {source.id} ({source.short}, {source.year}): {len(good)} domains, "
        f"{len(bad)} left out; {shown} show a quality on hover "
        f"(kept in {quality_dir}; the service reads it at start-up)"
    )


@ratings.command("export")
@_dir_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: standard output).",
)
def ratings_export(directory: Path | None, out: Path | None) -> None:
    """Write the compact export the extension caches (the body of /v1/outlets/export)."""
    table, problems = check_ratings(directory or default_ratings_dir())
    if problems or table is None:
        raise click.ClickException("the ratings have problems; run `parallax ratings check`")
    body = export_json(table)
    if out is None:
        sys.stdout.buffer.write(body + b"\n")
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(body)


def _add_coverage_commands() -> None:
    try:
        from service.cli import coverage as commands
    except ImportError:
        return
    for name in ("ingest", "cluster", "summarize", "worker", "prune", "demo", "feeds"):
        command = getattr(commands, name, None)
        if command is not None:
            main.add_command(command, name)


_add_coverage_commands()

if __name__ == "__main__":
    main()
