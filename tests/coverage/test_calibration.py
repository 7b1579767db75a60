"""The join-level calibration of the match (tables/match_calibration.json): the shipped map, its
checks at start-up, and the mapped number that match_calibrated() and the engine give."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import pytest

from service.core.ratings import RatingsTable
from service.coverage.cluster import Clusterer, ClusterSettings, Doc
from service.coverage.engine import Engine, RawArticle
from service.coverage.match import (
    CALIBRATION_FEATURES,
    CALIBRATION_PATH,
    MERGE_MODEL_PATH,
    MODEL_PATH,
    MatchModelError,
    calibration,
    calibration_features,
    read_calibration,
)
from service.store.sqlite import SQLiteStore

T0 = 1_700_000_000.0
HOUR = 3600.0
BARRIER = "The council voted 7-2 to fund the $40 million Eastside flood barrier."
EVENT = [
    Doc("a", "Harbor council approves Eastside flood barrier", BARRIER, "left.example", T0),
    Doc(
        "b",
        "Harbor council passes Eastside flood barrier plan",
        BARRIER,
        "right.example",
        T0 + HOUR,
    ),
]
ASKED = Doc(
    "q", "Eastside flood barrier wins Harbor council vote", BARRIER, "center.example", T0 + 2 * HOUR
)


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def write(path: Path, dated: object, undated: object, **extra: object) -> Path:
    path.write_text(
        json.dumps(
            {"features": list(CALIBRATION_FEATURES), "dated": dated, "undated": undated, **extra},
            indent=1,
        ),
        encoding="utf-8",
    )
    return path


def test_the_shipped_map_names_its_script_data_and_the_models_it_was_fitted_for() -> None:
    shipped = json.loads(CALIBRATION_PATH.read_text(encoding="utf-8"))
    assert shipped["features"] == list(CALIBRATION_FEATURES)
    assert shipped["trained_by"] == "scripts/calibrate_match.py"
    assert set(shipped["trained_on"]) == {"stories-dev.jsonl", "stories-dev-dated.jsonl"}
    # A refitted match or merge model changes what the clusterer scores: its map must be refitted
    # with it (python scripts/calibrate_match.py), or this fails.
    for path in (MODEL_PATH, MERGE_MODEL_PATH):
        assert shipped["fitted_for"][path.name] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert "held_out_halves" in shipped


def test_the_shipped_map_is_monotone_in_the_raw_probability() -> None:
    mapping = calibration()
    grid = [i / 100 for i in range(1, 100)]
    for dated in (True, False):
        for other in (0.0, 0.3, 0.7, 0.99):
            for best in (True, False):
                shown = []
                for p in grid:
                    scores = [p, other] if best else [max(p, other), p]
                    shown.append(
                        mapping.probability(calibration_features(scores, 0 if best else 1), dated)
                    )
                assert shown == sorted(shown), (dated, other, best)
                assert all(0.0 < s < 1.0 for s in shown)


def test_match_calibrated_maps_the_raw_score_and_the_join_still_reads_the_raw_one(
    tmp_path: Path,
) -> None:
    # A map that shifts every dated logit down by 2: what is shown is the raw probability mapped,
    # what the clusterer joins on is not.
    path = write(
        tmp_path / "cal.json",
        {"weights": [1.0, 0.0, 0.0], "intercept": -2.0},
        {"weights": [1.0, 0.0, 0.0], "intercept": 0.0},
    )
    plain = Clusterer()
    mapped = Clusterer(ClusterSettings(match_calibration=str(path)))
    for clusterer in (plain, mapped):
        first = clusterer.add(EVENT[0])
        assert clusterer.add(EVENT[1]) == first
    raw = mapped.match(ASKED)
    assert raw == plain.match(ASKED)  # the raw scores do not depend on the map
    shown = mapped.match_calibrated(ASKED)
    assert [(s, r) for s, _, r in shown] == raw
    story, probability, score = shown[0]
    assert score >= mapped.join_cutoff
    p = min(max(score, 1e-4), 1 - 1e-4)
    assert probability == pytest.approx(sigmoid(math.log(p / (1 - p)) - 2.0), abs=0.005)
    assert probability < score


def test_without_dates_the_undated_map_is_used(tmp_path: Path) -> None:
    path = write(
        tmp_path / "cal.json",
        {"weights": [1.0, 0.0, 0.0], "intercept": 0.0},
        {"weights": [0.5, 0.0, 0.0], "intercept": -1.0},
    )
    clusterer = Clusterer(ClusterSettings(match_calibration=str(path)))
    for doc in EVENT:
        clusterer.add(Doc(doc.id, doc.title, doc.text, doc.outlet))
    for _, probability, score in clusterer.match_calibrated(Doc("q", ASKED.title, ASKED.text)):
        p = min(max(score, 1e-4), 1 - 1e-4)
        assert probability == pytest.approx(sigmoid(0.5 * math.log(p / (1 - p)) - 1.0), abs=0.005)


def test_another_model_gets_no_map_unless_given_one(tmp_path: Path) -> None:
    clusterer = Clusterer(ClusterSettings(match_model=str(MODEL_PATH)))
    clusterer.add(EVENT[0])
    clusterer.add(EVENT[1])
    assert [(s, r) for s, _, r in clusterer.match_calibrated(ASKED)] == clusterer.match(ASKED)
    assert all(p == r for _, p, r in clusterer.match_calibrated(ASKED))


def test_the_engine_returns_the_mapped_probability(tmp_path: Path) -> None:
    engine = Engine(SQLiteStore(tmp_path / "db.sqlite"), RatingsTable([], [], "none"))
    engine.ingest(
        [
            RawArticle(EVENT[0].title, BARRIER, "https://leftpaper.com/barrier", published=T0),
            RawArticle(
                EVENT[1].title, BARRIER, "https://rightdaily.com/barrier", published=T0 + HOUR
            ),
        ]
    )
    found = engine.match(ASKED.title, BARRIER, ASKED.published)
    shown = engine.clusterer.match_calibrated(
        Doc("\x00query", ASKED.title, BARRIER, published=ASKED.published)
    )
    assert found and [p for _, p in found] == [p for _, p, _ in shown]
    # The shipped map moves the number (the old code returned the raw score).
    assert [p for _, p in found] != [r for _, _, r in shown]


def test_a_bad_calibration_fails_at_start_up_naming_the_file_and_line(tmp_path: Path) -> None:
    good = {"weights": [1.0, 0.0, 0.0], "intercept": 0.0}
    path = write(tmp_path / "cal.json", good, good)
    assert read_calibration(path).probability([0.0, 1.0, 0.0], True) == 0.5
    cases: list[tuple[str, str]] = [
        ('{\n "features": ["logit", "best", "other"],\n "dated": {\n', f"{path}:4: cannot read"),
        ("[1, 2]", f"{path}:1: expected a JSON object"),
    ]
    for text, said in cases:
        path.write_text(text, encoding="utf-8")
        with pytest.raises(MatchModelError, match=said):
            Clusterer(ClusterSettings(match_calibration=str(path)))
    # A map that would show a higher raw probability as a lower one is refused, naming its line.
    write(path, good, {"weights": [-0.5, 0.0, 0.0], "intercept": 0.0})
    with pytest.raises(
        MatchModelError, match=f"{path}:15: the undated map's weight of 'logit' must be positive"
    ):
        read_calibration(path)
    write(path, good, {"weights": [1.0, 0.0], "intercept": 0.0})
    with pytest.raises(MatchModelError, match=rf"{path}:15: weights \(undated\) must be 3 finite"):
        read_calibration(path)
    write(path, {"weights": [1.0, float("nan"), 0.0], "intercept": 0.0}, good)
    with pytest.raises(MatchModelError, match=f"{path}:7: .*finite numbers"):
        read_calibration(path)
    path.write_text(json.dumps({"features": ["logit"], "dated": good, "undated": good}), "utf-8")
    with pytest.raises(MatchModelError, match="rebuild|retrain"):
        read_calibration(path)
    path.write_text(json.dumps({"features": list(CALIBRATION_FEATURES), "dated": good}), "utf-8")
    with pytest.raises(MatchModelError, match="no 'undated' map"):
        read_calibration(path)
    for hostile in ("[" * 100_000 + "]" * 100_000, '{"dated": ' + "1" * 5_000 + "}", "\xff"):
        path.write_bytes(
            hostile.encode("utf-8", "surrogateescape") if hostile != "\xff" else b"\xff"
        )
        with pytest.raises(MatchModelError, match=f"{path}:1: cannot read"):
            read_calibration(path)
