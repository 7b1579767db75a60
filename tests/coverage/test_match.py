"""The learned match: the shipped model, its checks, and what match() and add() do with it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.coverage.cluster import Clusterer, ClusterSettings, Doc
from service.coverage.match import FEATURES, MODEL_PATH, MatchModelError, model, read_model

T0 = 1_700_000_000.0
HOUR = 3600.0

EVENT = [
    Doc(
        "a",
        "Harbor council approves Eastside flood barrier",
        "The council voted 7-2 to fund the $40 million Eastside flood barrier.",
        outlet="left.example",
        published=T0,
    ),
    Doc(
        "b",
        "Harbor council passes Eastside flood barrier plan",
        "Council members voted 7-2 for the $40 million Eastside flood barrier.",
        outlet="right.example",
        published=T0 + HOUR,
    ),
]
OTHER = Doc(
    "c",
    "Orchestra cancels twelve-city spring tour",
    "The state orchestra cancelled its spring tour after an arts grant fell through.",
    published=T0 + 2 * HOUR,
)


def test_the_shipped_model_names_the_features_the_script_and_its_data() -> None:
    shipped = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert shipped["features"] == list(FEATURES)
    assert shipped["trained_by"] == "scripts/train_match.py"
    assert set(shipped["trained_on"]) == {"stories-dev.jsonl", "stories-dev-dated.jsonl"}
    assert shipped["cv_grouped_by_story_5_folds"]["ece"] < 0.05
    assert len(model().weights) == len(FEATURES)


def test_match_scores_are_the_probability_add_joins_on() -> None:
    clusterer = Clusterer(ClusterSettings(learned_match=True))
    first = clusterer.add(EVENT[0])
    clusterer.add(OTHER)
    ranked = clusterer.match(EVENT[1])
    assert ranked and ranked[0][0] == first
    assert all(0.0 <= score <= 1.0 for _, score in ranked)
    assert ranked[0][1] >= clusterer.join_cutoff == 0.5
    assert clusterer.add(EVENT[1]) == first
    # An unrelated article scores low against the event and does not join it.
    stranger = Doc("d", "Museum reopens dinosaur hall", "A restored skeleton is on show.")
    assert all(score < 0.5 for story, score in clusterer.match(stranger) if story == first)
    assert clusterer.add(stranger) != first


def test_candidate_features_describe_each_front_runner() -> None:
    clusterer = Clusterer(ClusterSettings(learned_match=True))
    clusterer.add(EVENT[0])
    clusterer.add(OTHER)
    rows = clusterer.candidate_features(EVENT[1])
    assert rows and all(len(features) == len(FEATURES) for _, features in rows)
    named = dict(zip(FEATURES, rows[0][1], strict=True))
    assert named["dated"] == 1.0 and named["recency"] > 0.8 and named["numbers"] > 0.5
    assert named["same_outlet"] == 0.0 and named["log_size"] == 0.0


def test_the_threshold_rule_is_still_there_when_the_model_is_off() -> None:
    clusterer = Clusterer(ClusterSettings(learned_match=False))
    first = clusterer.add(EVENT[0])
    assert clusterer.join_cutoff == 0.35
    assert clusterer.add(EVENT[1]) == first


def test_a_bad_model_file_says_what_to_fix(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    good = {"features": list(FEATURES), "weights": [0.0] * len(FEATURES), "intercept": 0.0}
    path.write_text(json.dumps(good), encoding="utf-8")
    assert read_model(path).probability([1.0] * len(FEATURES)) == 0.5
    path.write_text(json.dumps({**good, "features": ["centroid"]}), encoding="utf-8")
    with pytest.raises(MatchModelError, match="retrain with scripts/train_match.py"):
        read_model(path)
    path.write_text(
        json.dumps({**good, "weights": [float("nan")] * len(FEATURES)}), encoding="utf-8"
    )
    with pytest.raises(MatchModelError, match="finite numbers"):
        read_model(path)
    path.write_text("{", encoding="utf-8")
    with pytest.raises(MatchModelError, match="cannot read"):
        read_model(path)
