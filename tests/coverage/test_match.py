"""The learned match: the shipped model, its checks, and what match() and add() do with it."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from service.coverage.cluster import Clusterer, ClusterSettings, Doc
from service.coverage.match import (
    FEATURES,
    MERGE_FEATURES,
    MERGE_MODEL_PATH,
    MODEL_PATH,
    MatchModelError,
    merge_model,
    model,
    read_model,
)
from tests.support.desks import DESK_EVENTS, DESK_OUTLETS

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


def test_the_shipped_merge_model_names_its_features_the_script_and_its_data() -> None:
    shipped = json.loads(MERGE_MODEL_PATH.read_text(encoding="utf-8"))
    assert shipped["features"] == list(MERGE_FEATURES)
    assert shipped["trained_by"] == "scripts/train_match.py"
    assert set(shipped["trained_on"]) == {"stories-dev.jsonl", "stories-dev-dated.jsonl"}
    assert shipped["cv_grouped_by_story_5_folds"]["ece"] < 0.05
    assert len(merge_model().weights) == len(MERGE_FEATURES)


# One event told three ways within the hour: the second report shares too few words with the
# first to join it, the third agrees with both (the bridge), and four other events stand by.
FLOOD = [
    Doc(
        "a",
        "Harbor council approves Eastside flood barrier",
        "The council voted 7-2 to fund the $40 million barrier after years of storms.",
        outlet="left.example",
        published=T0,
    ),
    Doc(
        "b",
        "Levee wins final vote",
        "Residents cheered as the storm wall cleared its last hurdle on Tuesday.",
        outlet="right.example",
        published=T0,
    ),
    Doc(
        "c",
        "Eastside flood barrier vote: storm wall cleared",
        "The council voted 7-2 for the flood barrier; residents cheered as the storm wall "
        "cleared its last hurdle.",
        outlet="center.example",
        published=T0,
    ),
]
BYSTANDERS = [
    Doc(f"o{i}", title, text, published=T0 - (i + 1) * HOUR)
    for i, (title, text) in enumerate(
        [
            ("Orchestra cancels spring tour", "The orchestra's arts grant fell through."),
            ("Museum reopens dinosaur hall", "A restored skeleton is on show after a renovation."),
            ("Governor signs school budget", "The budget adds teachers and raises rural pay."),
            ("Rail strike halts freight", "Unions walked out after talks over pay collapsed."),
        ]
    )
]


@pytest.mark.parametrize("learned_merge", [True, False])
def test_the_learned_merge_makes_an_events_two_halves_one_story(learned_merge: bool) -> None:
    clusterer = Clusterer(ClusterSettings(learned_merge=learned_merge))
    for doc in BYSTANDERS:
        clusterer.add(doc)
    first = clusterer.add(FLOOD[0])
    second = clusterer.add(FLOOD[1])
    assert second != first  # too few shared words to join
    assert clusterer.add(FLOOD[2]) == first
    if learned_merge:
        assert clusterer.drain_merges() == [(second, first)]
        assert {clusterer.story_of(d.id) for d in FLOOD} == {first}
    else:
        assert clusterer.drain_merges() == []
        assert clusterer.story_of("b") == second
    # The bystanders stay apart from the event and from each other.
    assert len({clusterer.story_of(d.id) for d in BYSTANDERS} | {first}) == len(BYSTANDERS) + 1


def test_the_learned_merge_asks_about_dated_stories_only(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[list[float]] = []

    def record(self: Clusterer, story: object, other: object, features: list[float]) -> bool:
        asked.append(features)
        return False

    monkeypatch.setattr(Clusterer, "_should_merge", record)
    for merge_undated in (False, True):
        asked.clear()
        clusterer = Clusterer(ClusterSettings(merge_undated=merge_undated))
        for doc in BYSTANDERS + FLOOD:
            clusterer.add(dataclasses.replace(doc, published=None))
        assert bool(asked) == merge_undated
    asked.clear()
    clusterer = Clusterer()
    for doc in BYSTANDERS + FLOOD:
        clusterer.add(doc)
    assert asked and all(features[MERGE_FEATURES.index("dated")] == 1.0 for features in asked)


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
    # Hostile files: nesting too deep, a number too long to read, an integer beyond any float.
    for hostile, said in (
        ("[" * 100_000 + "]" * 100_000, "cannot read"),
        ('{"intercept": ' + "1" * 5_000 + "}", "cannot read"),
        (json.dumps({**good, "intercept": 10**400}), "finite numbers"),
    ):
        path.write_text(hostile, encoding="utf-8")
        with pytest.raises(MatchModelError, match=said):
            read_model(path)
    # A match model is no merge model.
    path.write_text(json.dumps(good), encoding="utf-8")
    with pytest.raises(MatchModelError, match="retrain with scripts/train_match.py"):
        read_model(path, MERGE_FEATURES)


def test_a_model_files_undated_part_scores_the_pairs_without_dates(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    dated = FEATURES.index("dated")
    good = {
        "features": list(FEATURES),
        "weights": [0.0] * len(FEATURES),
        "intercept": 2.0,
        "undated": {"weights": [0.0] * len(FEATURES), "intercept": -2.0},
    }
    path.write_text(json.dumps(good), encoding="utf-8")
    split = read_model(path)
    with_dates = [0.0] * len(FEATURES)
    with_dates[dated] = 1.0
    assert split.probability(with_dates) > 0.85  # the top-level weights
    assert split.probability([0.0] * len(FEATURES)) < 0.15  # the undated part
    # Without an undated part, one set of weights scores both.
    path.write_text(json.dumps({k: v for k, v in good.items() if k != "undated"}), "utf-8")
    assert read_model(path).probability([0.0] * len(FEATURES)) > 0.85
    # A broken undated part is refused, naming it.
    for bad in ([1.0], "weights", {"weights": [float("nan")] * len(FEATURES), "intercept": 0.0}):
        path.write_text(json.dumps({**good, "undated": bad}), encoding="utf-8")
        with pytest.raises(MatchModelError, match="undated"):
            read_model(path)
    path.write_text(
        json.dumps({**good, "undated": {"weights": [0.0] * 3, "intercept": 0.0}}), "utf-8"
    )
    with pytest.raises(MatchModelError, match="weights \\(undated\\) must be"):
        read_model(path)


def test_the_shipped_model_scores_undated_pairs_with_their_own_weights() -> None:
    shipped = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert len(shipped["undated"]["weights"]) == len(FEATURES)
    assert model().undated is not None


# Three unrelated events reported by desks that stamp "Desk <n> reports:" on everything they file
# (tests/support/desks.py, as in test_two_workers' feeds): the shared line must not make them one story.


def desk_reports(desks: int) -> list[Doc]:
    return [
        Doc(
            f"{DESK_OUTLETS[desk % 4]}/f{desk}/e{number}",
            title,
            f"Desk {desk} reports: {text}",
            outlet=DESK_OUTLETS[desk % 4],
            published=T0 + desk * 60 + number,
        )
        for desk in range(desks)
        for number, (title, text) in enumerate(DESK_EVENTS)
    ]


def test_an_outlets_boilerplate_does_not_merge_unrelated_events() -> None:
    clusterer = Clusterer()  # the defaults: the learned match is on
    assert clusterer.settings.learned_match
    placed = {doc.id: clusterer.add(doc) for doc in desk_reports(12)}
    stories = {
        number: {clusterer.resolve(s) for key, s in placed.items() if key.endswith(f"/e{number}")}
        for number in range(len(DESK_EVENTS))
    }
    assert all(len(found) == 1 for found in stories.values()), stories
    assert len(set().union(*stories.values())) == len(DESK_EVENTS)
    # A desk's second report meets only its own first one: the story is that outlet's alone and
    # the texts agree on the boilerplate only, so the match scores it below the join cutoff.
    fresh = Clusterer()
    first, second = desk_reports(1)[:2]
    fresh.add(first)
    assert all(score < fresh.join_cutoff for _, score in fresh.match(second))
    named = dict(zip(FEATURES, fresh.candidate_features(second)[0][1], strict=True))
    assert named["own_outlet_only"] > 0.8 and named["recency"] > 0.99


def test_terms_an_outlet_repeats_across_stories_count_less_for_it() -> None:
    clusterer = Clusterer()
    docs = desk_reports(1)  # one desk, three events
    clusterer.add(docs[0])
    clusterer.add(docs[1])
    assert clusterer.story_of(docs[0].id) != clusterer.story_of(docs[1].id)
    third = docs[2]
    plain = clusterer._features(third)
    discounted = clusterer._without_boilerplate(third, plain)
    # "desk", "reports" and the desk number were in both earlier stories: they count 1/2.
    assert discounted.tf["desk"] == plain.tf["desk"] / 2
    assert discounted.tf["#0"] == plain.tf["#0"] / 2
    assert discounted.tf["transit"] == plain.tf["transit"]
    # Another outlet's article with the same words is read as it is.
    other = Doc("x", third.title, third.text, outlet="elsewhere.example", published=third.published)
    assert clusterer._without_boilerplate(other, plain) is plain
    # Off, nothing is remembered.
    off = Clusterer(ClusterSettings(boilerplate_memory=0))
    for doc in docs:
        off.add(doc)
    assert not off._outlet_recent


def test_stories_outside_the_window_do_not_crowd_the_candidates_out() -> None:
    # Twenty older stories, four days apart (so each stays a story of its own), carry the new
    # report's very words, closer than the one report of its event from this morning; none of
    # them can be joined (the window is 3 days). The candidates must still include the story
    # that can: the report joins it instead of starting a new story.
    later = Doc(
        "today-2",
        "Harbor council passes Eastside flood barrier funding",
        "Harbor council members voted to fund the Eastside flood barrier plan.",
        outlet="right.example",
        published=T0 + HOUR,
    )
    clusterer = Clusterer()
    for n in range(20):
        clusterer.add(
            dataclasses.replace(
                later,
                id=f"old-{n}",
                outlet=f"old{n}.example",
                published=T0 - (5 + 4 * n) * 24 * HOUR,
            )
        )
    story = clusterer.add(
        Doc(
            "today-1",
            "Harbor council approves Eastside flood barrier funding",
            "The harbor council voted to fund the Eastside flood barrier on Tuesday.",
            outlet="left.example",
            published=T0,
        )
    )
    assert story not in {clusterer.story_of(f"old-{n}") for n in range(20)}
    assert clusterer.add(later) == story
