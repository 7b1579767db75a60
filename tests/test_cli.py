"""The `parallax` command: lookup streams JSON lines; ratings check/stats/import/export."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from service.cli import main
from service.core.ratings import default_ratings_dir


def test_lookup_arguments_print_one_json_object_each() -> None:
    result = CliRunner().invoke(
        main, ["lookup", "https://www.nytimes.com/x", "javascript:alert(1)"]
    )
    assert result.exit_code == 1  # one URL could not be scored
    assert "1 of 2 URLs could not be scored" in result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["outlet"]["id"] == "nytimes.com"
    assert second["error"]["code"] == "invalid_url"


def test_lookup_reads_standard_input_line_by_line() -> None:
    lines = "https://www.bbc.co.uk/news/x\n\nnot a url\nhttps://t.co/x\n"
    result = CliRunner().invoke(main, ["lookup"], input=lines)
    assert result.exit_code == 1 and "1 of 3 URLs could not be scored" in result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a.get("outlet") and a["outlet"]["id"] for a in answers] == ["bbc.com", None, None]
    assert "error" in answers[1] and answers[2]["shortener"] is True


def test_lookup_streams_rather_than_reading_everything_first(tmp_path: Path) -> None:
    """The first answer arrives while standard input is still open."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "lookup"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={"PARALLAX_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert proc.stdin and proc.stdout
    proc.stdin.write("https://www.nytimes.com/x\n")
    proc.stdin.flush()
    first = json.loads(proc.stdout.readline())
    assert first["outlet"]["id"] == "nytimes.com"
    proc.stdin.close()
    proc.wait(timeout=30)


def test_lookup_exits_0_when_every_url_scores_and_1_on_empty_input() -> None:
    good = CliRunner().invoke(main, ["lookup"], input="https://www.bbc.co.uk/news/x\n")
    assert good.exit_code == 0 and good.stderr == ""
    empty = CliRunner().invoke(main, ["lookup"], input="\n  \n")
    assert empty.exit_code == 1 and "no URLs were read from standard input" in empty.stderr


def test_lookup_on_a_terminal_with_no_arguments_prints_usage(tmp_path: Path) -> None:
    """Run under a pseudo-terminal: waiting silently for input is what a person cannot tell
    from a hang."""
    import pty

    pid, fd = pty.fork()
    if pid == 0:  # the child: stdin, stdout and stderr are the terminal
        os.environ["PARALLAX_DATA_DIR"] = str(tmp_path)
        os.execv(sys.executable, [sys.executable, "-m", "service.cli", "lookup"])
    output = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 2
    assert b"Usage: " in output and b"lookup" in output and b"pipe them in" in output


def _copy_ratings(tmp_path: Path) -> Path:
    target = tmp_path / "ratings"
    shutil.copytree(default_ratings_dir(), target)
    return target


def test_ratings_check_passes_on_the_bundled_table() -> None:
    result = CliRunner().invoke(main, ["ratings", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: ")


def test_ratings_check_names_file_line_and_fix(tmp_path: Path) -> None:
    ratings = _copy_ratings(tmp_path)
    bad = ratings / "outlets" / "zz-bad.csv"
    header = (
        (default_ratings_dir() / "outlets").glob("*.csv").__next__().read_text().splitlines()[0]
    )
    bad.write_text(
        header + "\n"
        "aaa.example,A,,newspaper,US,en,lean-left,0.5,high,,,,basis,high,2026-01-01\n"
        "bbb.notatld,B,,newsroom,USA,en,,,,,,,,high,2026-13-01\n"
        "nytimes.com,Copy,,newspaper,US,en,,,,,,,,high,2026-01-01\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["ratings", "check", "--dir", str(ratings)])
    assert result.exit_code == 1
    out = result.output
    assert f"{bad}:2: lean_score 0.5 is outside the 'lean-left' band" in out
    assert f"{bad}:3: kind 'newsroom' is not one of" in out
    assert f"{bad}:3: country 'USA'" in out
    assert f"{bad}:3: reviewed '2026-13-01'" in out
    assert f"{bad}:3: 'bbb.notatld' has no known public suffix" in out
    assert f"{bad}:4: id 'nytimes.com' is already used at" in out


def test_ratings_check_finds_unsorted_rows_crlf_and_bad_feeds(tmp_path: Path) -> None:
    ratings = _copy_ratings(tmp_path)
    first = sorted((ratings / "outlets").glob("*.csv"))[0]
    lines = first.read_text(encoding="utf-8").splitlines()
    lines[1], lines[2] = lines[2], lines[1]
    first.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    (ratings / "feeds.csv").write_text(
        "outlet_id,url\nnytimes.com,ftp://feeds.example/x\nnytimes.com,https://feeds.example/"
        + "r" * 2_100
        + "\nzzz.unknown,https://example.com/rss\n",
        encoding="utf-8",
    )
    out = CliRunner().invoke(main, ["ratings", "check", "--dir", str(ratings)]).output
    assert "CR line ending" in out
    assert "not sorted by id" in out
    assert "feeds.csv:2: url 'ftp://feeds.example/x'" in out
    # A URL the store could not key the feed's state by on PostgreSQL (an index limit).
    assert "feeds.csv:3: url 'https://feeds.example/rrr" in out
    assert "…': the feed URL is longer than 2000 bytes" in out
    assert "feeds.csv:4: outlet_id 'zzz.unknown' is not an id" in out


def test_ratings_stats_shows_coverage() -> None:
    result = CliRunner().invoke(main, ["ratings", "stats", "--json"])
    stats = json.loads(result.output)
    assert sum(stats["country"].values()) == sum(stats["kind"].values()) > 100
    assert stats["country"]["US"] > 0


def test_ratings_import_merges_over_the_bundled_table(tmp_path: Path) -> None:
    header = next((default_ratings_dir() / "outlets").glob("*.csv")).read_text().splitlines()[0]
    mine = tmp_path / "newsroom-licensed.csv"
    mine.write_text(
        header + "\n"
        "nytimes.com,The New York Times,,newspaper,US,en,center,,very-high,,,,our own panel,low,2026-11-01\n"
        "tiny-local-paper.com,Tiny Local Paper,,newspaper,US,en,,,,,,,,low,2026-11-01\n",
        encoding="utf-8",
    )
    data_dir = tmp_path / "data"
    result = CliRunner().invoke(main, ["ratings", "import", str(mine), "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    from service.app import create_app

    client = create_app(
        {"TESTING": True, "DATA_DIR": str(data_dir), "INGEST_ENABLED": False}
    ).test_client()
    times = client.get("/v1/outlets/nytimes.com").get_json()
    assert times["lean"]["label"] == "center" and times["source"] == "newsroom-licensed"
    assert (
        client.get("/v1/score?url=https://tiny-local-paper.com/x").get_json()["outlet"]["name"]
        == "Tiny Local Paper"
    )
    assert client.get("/v1/outlets/cnn.com").get_json()["source"] == "parallax"


def test_ratings_import_refuses_a_bad_file_and_keeps_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name\nx.com,X\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["ratings", "import", str(bad), "--data-dir", str(tmp_path / "d")]
    )
    assert result.exit_code != 0
    assert "header must be exactly" in result.output
    assert not (tmp_path / "d" / "ratings-overrides" / "bad.csv").exists()


def test_a_ratings_file_whose_name_is_not_utf8_is_a_named_problem_not_a_crash(
    tmp_path: Path,
) -> None:
    from service.app import create_app
    from service.core.ratings import RatingsError

    header = next((default_ratings_dir() / "outlets").glob("*.csv")).read_text().splitlines()[0]
    row = "tiny-local-paper.com,Tiny Local Paper,,newspaper,US,en,,,,,,,,low,2026-11-01\n"
    mine = tmp_path / os.fsdecode(b"licensed-\xff.csv")
    mine.write_text(header + "\n" + row, encoding="utf-8")
    result = CliRunner().invoke(
        main, ["ratings", "import", str(mine), "--data-dir", str(tmp_path / "d")]
    )
    assert result.exit_code == 1 and "the file name is not UTF-8" in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    # Put among the overrides by hand, it stops start-up with the same problem, not a traceback.
    overrides = tmp_path / "d" / "ratings-overrides"
    overrides.mkdir(parents=True)
    shutil.copyfile(mine, overrides / mine.name)
    try:
        create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "d"), "INGEST_ENABLED": False})
    except RatingsError as exc:
        assert "the file name is not UTF-8" in str(exc)
    else:
        raise AssertionError("start-up took a ratings file it cannot name")


def test_ratings_export_writes_the_api_export(tmp_path: Path) -> None:
    out = tmp_path / "export.json"
    assert CliRunner().invoke(main, ["ratings", "export", "--out", str(out)]).exit_code == 0
    export = json.loads(out.read_text())
    assert len(export["outlets"]) > 100 and export["fields"][0] == "id"
