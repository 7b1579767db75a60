"""The `parallax` command: serve, lookup, and the ratings tools (check, stats, import, export)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import click

from service.core.ratings import RatingsError, check_ratings, default_ratings_dir, export_json


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="parallax", prog_name="parallax")
def main() -> None:
    """Parallax: where the news you read comes from."""
    from service.ops.logs import configure_logging

    try:
        configure_logging(os.environ.get("PARALLAX_LOG_LEVEL", "INFO"))
    except ValueError as exc:
        raise click.ClickException(f"PARALLAX_LOG_LEVEL: {exc}") from None


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
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
    worker = None
    if config["INGEST_ENABLED"] and not no_ingest and "worker" in main.commands:
        worker = subprocess.Popen([sys.executable, "-m", "service.cli", "worker"])
    try:
        if dev:
            _app_or_exit(create_app).run(host=host, port=port, debug=True, use_reloader=True)
        else:
            _run_gunicorn(host, port, workers)
    finally:
        if worker is not None and worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()


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
            self.cfg.set("bind", f"{host}:{port}")
            if workers:
                self.cfg.set("workers", workers)

        def load(self) -> Any:
            return app

    ParallaxServer().run()


@main.command()
@click.argument("urls", nargs=-1)
def lookup(urls: tuple[str, ...]) -> None:
    """Score URLs (arguments, or one per line on standard input); one JSON object per line."""
    from service.app import create_app
    from service.core.scoring import error_object, score_url
    from service.core.urls import URLInputError
    from service.web.api import ratings_table, story_lookup

    app = _app_or_exit(lambda: create_app({"INGEST_ENABLED": False}))
    table = ratings_table(app)
    stories = story_lookup(app)
    source = urls if urls else (line.rstrip("\n") for line in sys.stdin)
    out = sys.stdout
    with app.app_context():
        for raw in source:
            if not urls and not raw.strip():
                continue
            try:
                payload = score_url(table, raw, stories)
            except URLInputError as exc:
                payload = error_object(raw, exc)
            out.write(json.dumps(payload, ensure_ascii=False) + "\n")
            if not urls:
                out.flush()  # a pipe reader gets each answer as soon as its line is read


@main.group()
def ratings() -> None:
    """Check, summarise, import and export the outlet ratings."""


_dir_option = click.option(
    "--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=None,
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
    click.echo(f"{len(table)} outlets, {len(table.feeds)} feeds"
               + (f" ({len(problems)} problems: run `parallax ratings check`)" if problems else ""))
    for name, counter in stats.items():
        click.echo(f"\n{name}:")
        for value, count in counter.most_common():
            click.echo(f"  {value:<24} {count:>6}  {100 * count / max(1, len(table)):5.1f}%")


@ratings.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where overrides are kept (default: PARALLAX_DATA_DIR or ./data).")
def ratings_import(file: Path, data_dir: Path | None) -> None:
    """Merge an operator's rating table (same CSV header) over the bundled one."""
    from service.config import load_config

    target_dir = (data_dir or Path(load_config(os.environ)["DATA_DIR"])) / "ratings-overrides"
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
    click.echo(f"imported {file.name}: {replaced} rows now come from it "
               f"(kept in {target_dir / file.name}; the service reads it at start-up)")


@ratings.command("export")
@_dir_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output).")
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
    for name in ("ingest", "cluster", "worker"):
        command = getattr(commands, name, None)
        if command is not None:
            main.add_command(command, name)


_add_coverage_commands()

if __name__ == "__main__":
    main()
