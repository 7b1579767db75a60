"""The quality layer: provenance beside every value, derived factuality only through the
documented cut points, and never over a factuality of our own."""

from __future__ import annotations

import gzip
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from service.cli import main
from service.core.quality import (
    CutPoint,
    derive_factuality,
    fit_cut_points,
    parse_manifest,
    read_manifest,
)
from service.core.ratings import bundled_table, check_ratings, default_ratings_dir, load_table
from service.core.ratings_schema import FLAG_LABELS, KIND_LABELS, KINDS, OUTLET_COLUMNS

HEADER = ",".join(OUTLET_COLUMNS)
MANIFEST = {
    "id": "testq",
    "name": "Test quality",
    "short": "Test et al. 2024",
    "citation": "Test (2024).",
    "year": 2024,
    "terms": "free to reuse with citation",
    "description": "aggregate of two sets",
    "score_column": "score",
    "factuality_cut_points": [[0.6, "high"], [0.3, "mixed"], [0.0, "low"]],
}


def _documented_cut_points() -> list[CutPoint]:
    text = (default_ratings_dir() / "METHODOLOGY.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| ≥ ([0-9.]+) \| ([a-z-]+|\(no label\)) \|$", text, flags=re.MULTILINE)
    assert rows, "METHODOLOGY.md lost its table of cut points"
    return [
        CutPoint(float(minimum), None if label == "(no label)" else label)
        for minimum, label in rows
    ]


def test_methodology_documents_the_cut_points_the_bundled_layer_uses() -> None:
    layer = next(x for x in bundled_table().quality_layers if x.source.id == "lin2023")
    assert list(layer.source.cut_points) == _documented_cut_points()


def test_every_derived_factuality_follows_the_documented_cut_points() -> None:
    cuts = _documented_cut_points()
    derived = [o for o in bundled_table().outlets.values() if o.factuality_derived is not None]
    assert len(derived) > 5000
    for outlet in derived:
        assert outlet.quality is not None
        assert outlet.factuality is None, outlet.id  # only where we have no label of our own
        derived_label = outlet.factuality_derived
        assert derived_label is not None
        assert derived_label.label == derive_factuality(outlet.quality.score, cuts)
        assert "derived" in derived_label.basis


def _ratings(
    tmp_path: Path, rows: list[str], scores: list[str], manifest: dict[str, object] | None = None
) -> Path:
    root = tmp_path / "ratings"
    (root / "outlets").mkdir(parents=True)
    (root / "quality").mkdir()
    (root / "outlets" / "a.csv").write_text(
        HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8"
    )
    (root / "quality" / "testq.csv").write_text(
        "domain,score\n" + "\n".join(scores) + "\n", encoding="utf-8"
    )
    (root / "quality" / "testq.json").write_text(json.dumps(manifest or MANIFEST), encoding="utf-8")
    return root


OURS_HIGH = "ours.com,Ours,,newspaper,US,en,,,high,,,,record of corrections,medium,2026-12-01"
NO_LABEL = "bare.com,Bare,bare.net,digital-native,US,en,,,,,,,,low,2026-12-01"
SATIRE = "joke.com,Joke,,satire,US,en,,,,,,satire,,low,2026-12-01"


def test_an_imported_quality_never_overwrites_our_factuality(tmp_path: Path) -> None:
    root = _ratings(
        tmp_path, [NO_LABEL, SATIRE, OURS_HIGH], ["bare.net,0.1", "joke.com,0.1", "ours.com,0.05"]
    )
    table = load_table(root)
    ours = table.outlets["ours.com"]
    assert ours.factuality == "high" and ours.factuality_derived is None
    assert ours.quality is not None and ours.quality.score == 0.05
    assert ours.to_json()["factuality"] == {"label": "high", "derived": False}
    bare = table.outlets["bare.com"]  # scored through its alias
    assert bare.factuality is None and bare.factuality_derived is not None
    assert bare.factuality_derived.label == "low"
    assert table.outlets["joke.com"].factuality_derived is None  # satire claims no facts
    # An operator's newer release of the same layer replaces the bundled values, and still
    # leaves our label alone.
    newer = tmp_path / "override" / "testq.csv"
    newer.parent.mkdir()
    newer.write_text("domain,score\nbare.com,0.9\nours.com,0.0\n", encoding="utf-8")
    newer.with_suffix(".json").write_text(json.dumps(MANIFEST), encoding="utf-8")
    table = load_table(root, quality_overrides=[newer])
    assert table.outlets["ours.com"].factuality == "high"
    bare = table.outlets["bare.com"]
    assert bare.quality is not None and bare.quality.domain == "bare.com"
    assert bare.factuality_derived is not None and bare.factuality_derived.label == "high"


@pytest.mark.parametrize(
    ("scores", "manifest", "expected"),
    [
        (["bare.com,1.5"], None, "must be a number in [0, 1]"),
        (["bare.com,nan"], None, "must be a number in [0, 1]"),
        (["wvec–13newsnow.com,0.9"], None, "not a valid host name"),
        (["82.221.129.208,0.2"], None, "is an IP address"),
        (["z.com,0.5", "a.com,0.5"], None, "not sorted by domain"),
        (["bare.com,0.5"], {k: v for k, v in MANIFEST.items() if k != "year"}, "'year' is missing"),
        (
            ["bare.com,0.5"],
            {**MANIFEST, "factuality_cut_points": [[0.3, "high"], [0.6, "low"]]},
            "highest minimum",
        ),
        (["bare.com,0.5"], {**MANIFEST, "licence": "x"}, "unknown key"),
    ],
)
def test_quality_layer_problems_name_file_line_and_fix(
    tmp_path: Path, scores: list[str], manifest: dict[str, object] | None, expected: str
) -> None:
    root = _ratings(tmp_path, [NO_LABEL], scores, manifest)
    _, problems = check_ratings(root)
    assert any(expected in p.message for p in problems), problems


def test_a_layer_without_its_manifest_is_refused(tmp_path: Path) -> None:
    root = _ratings(tmp_path, [NO_LABEL], ["bare.com,0.5"])
    (root / "quality" / "testq.json").unlink()
    _, problems = check_ratings(root)
    assert any("needs its manifest" in p.message for p in problems)


def test_manifest_must_be_an_object_with_typed_fields() -> None:
    assert parse_manifest([])[0] is None
    source, problems = parse_manifest({**MANIFEST, "year": "2024"})
    assert source is None and any("'year' must be a number" in p for p in problems)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"year": ' + "9" * 5_000 + "}", "too long"),
    ],
)
def test_an_unreadable_manifest_is_a_problem_not_a_traceback(
    tmp_path: Path, text: str, says: str
) -> None:
    path = tmp_path / "deep.json"
    path.write_text(text, encoding="utf-8")
    source, problems = read_manifest(path)
    assert source is None and len(problems) == 1 and says in problems[0]


def test_a_band_without_a_label_derives_none() -> None:
    source, problems = parse_manifest(
        {**MANIFEST, "factuality_cut_points": [[0.6, "high"], [0.47, None], [0.3, "mixed"]]}
    )
    assert source is not None, problems
    assert [derive_factuality(x, source.cut_points) for x in (0.7, 0.5, 0.4, 0.1)] == [
        "high",
        None,
        "mixed",
        None,
    ]
    refused, problems = parse_manifest(
        {**MANIFEST, "factuality_cut_points": [[0.6, None], [0.5, None]]}
    )
    assert refused is None and problems


def test_fit_finds_monotone_bands_and_merges_thin_ones() -> None:
    pairs = [(0.1 + i / 1000, "low") for i in range(30)] + [
        (0.5 + i / 1000, "mixed") for i in range(30)
    ]
    pairs += [(0.8 + i / 1000, "high") for i in range(30)] + [(0.99, "very-high")]
    cuts, agreed = fit_cut_points(pairs)
    assert [c.label for c in cuts] == ["high", "mixed", "low"]  # one very-high outlet is no band
    assert cuts[0].minimum == pytest.approx(0.66, abs=0.005) and cuts[-1].minimum == 0.0
    assert agreed == 90


def test_score_shows_the_quality_in_words_with_its_source(client: FlaskClient) -> None:
    outlet = client.get("/v1/score?url=https://www.nytimes.com/2026/x.html").get_json()["outlet"]
    quality = outlet["quality"]
    assert re.fullmatch(
        r"news-quality score 0\.\d\d of 1, aggregate of six rating sets, 2023", quality["text"]
    )
    assert quality["year"] == 2023 and "PNAS Nexus" in quality["citation"] and quality["terms"]
    assert outlet["factuality"]["derived"] is False and outlet["factuality_derived"] is None


def test_a_domain_only_the_quality_list_knows_gets_a_score_and_derived_factuality(
    client: FlaskClient,
) -> None:
    outlet = client.get("/v1/score?url=https://bentontimes.com/stories/x").get_json()["outlet"]
    assert outlet["factuality"] is None and outlet["confidence"] == "low"
    assert outlet["quality"]["score"] < 0.47
    assert outlet["factuality_derived"]["derived"] is True
    assert "not a rating of our own" in outlet["factuality_derived"]["basis"]


def test_flags_and_kinds_come_with_words_a_reader_understands(client: FlaskClient) -> None:
    outlet = client.get("/v1/outlets/rt.com").get_json()
    assert "state-affiliated media" in outlet["flag_labels"]
    assert len(outlet["flag_labels"]) == len(outlet["flags"])
    assert set(FLAG_LABELS["questionable-sourcing"].split()) == {"questionable", "sourcing"}
    assert set(KIND_LABELS) == set(KINDS)


def test_export_carries_quality_with_its_source_and_stays_in_budget(client: FlaskClient) -> None:
    response = client.get("/v1/outlets/export", headers={"Accept-Encoding": "gzip"})
    assert len(response.data) <= 350 * 1024
    doc = json.loads(gzip.decompress(response.data))
    fields = doc["fields"]
    assert fields[:10] == [
        "id",
        "name",
        "kind",
        "country",
        "lean",
        "lean_score",
        "factuality",
        "owner",
        "owner_type",
        "flags",
    ]  # old clients read these by name
    rows = {row[0]: dict(zip(fields, row, strict=True)) for row in doc["outlets"]}
    nyt = rows["nytimes.com"]
    assert 0 < nyt["quality"] <= 1 and doc["quality_sources"][nyt["quality_source"]]["year"] == 2023
    assert rows["bentontimes.com"]["factuality"] is None
    assert rows["bentontimes.com"]["factuality_derived"] == "mixed"
    assert doc["flag_labels"]["questionable-sourcing"] == "questionable sourcing"
    assert doc["kind_labels"]["public-agency"] == "public agency"


def test_import_accepts_the_authors_file_format(tmp_path: Path) -> None:
    authors = tmp_path / "domain_pc1.csv"  # the authors' layout: sorted by score, one bad host
    authors.write_text(
        "domain,pc1\nreuters.com,1\nbentontimes.com,0.3\nwvec–13newsnow.com,0.9\n", encoding="utf-8"
    )
    manifest = default_ratings_dir() / "quality" / "lin2023.json"
    refused = CliRunner().invoke(
        main, ["ratings", "import", str(authors), "--data-dir", str(tmp_path / "d")]
    )
    assert refused.exit_code != 0 and "--quality-source" in refused.output
    args = [
        "ratings",
        "import",
        str(authors),
        "--quality-source",
        str(manifest),
        "--data-dir",
        str(tmp_path / "d"),
    ]
    strict = CliRunner().invoke(main, args)
    assert strict.exit_code != 0 and "--skip-invalid" in strict.output
    assert not (tmp_path / "d" / "ratings-overrides" / "quality" / "lin2023.csv").exists()
    result = CliRunner().invoke(main, [*args, "--skip-invalid"])
    assert result.exit_code == 0, result.output
    written = (tmp_path / "d" / "ratings-overrides" / "quality" / "lin2023.csv").read_text(
        encoding="utf-8"
    )
    assert written == "domain,pc1\nbentontimes.com,0.3\nreuters.com,1\n"
    table = load_table(
        quality_overrides=[tmp_path / "d" / "ratings-overrides" / "quality" / "lin2023.csv"]
    )
    reuters = table.outlets["reuters.com"]
    assert reuters.quality is not None and reuters.quality.score == 1.0
    assert table.outlets["nytimes.com"].quality is None  # the newer release replaces the layer


def test_stats_and_review_report_the_quality_layer(tmp_path: Path) -> None:
    stats = CliRunner().invoke(main, ["ratings", "stats"])
    assert stats.exit_code == 0
    assert "show a quality when a reader hovers" in stats.output
    assert "factuality derived from quality" in stats.output
    review = CliRunner().invoke(main, ["ratings", "review", "--all", "--limit", "500", "--json"])
    assert review.exit_code == 0
    items = [json.loads(line) for line in review.output.splitlines()]
    assert items and all(item["steps"] >= 2 for item in items)


def test_review_file_is_validated(tmp_path: Path) -> None:
    root = tmp_path / "ratings"
    shutil.copytree(default_ratings_dir(), root)
    (root / "quality" / "review.csv").write_text(
        "id,factuality,decision,note,reviewed\nnosuch.example,high,overrule,,2026\n",
        encoding="utf-8",
    )
    _, problems = check_ratings(root)
    messages = " ".join(p.message for p in problems)
    assert "not an id" in messages
