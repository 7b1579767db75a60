"""The batch pass of `parallax cluster` (service/coverage/regroup.py): undated stories cut
apart where their articles are not one group by average link, and parts joined where they
are; dated articles keep the online answer."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from service.cli import coverage as coverage_cli
from service.coverage import cluster as cluster_module
from service.coverage import regroup as regroup_module
from service.coverage.cluster import Clusterer, Doc
from service.coverage.regroup import RegroupSettings, regroup
from service.ingest.jsonl import cluster_jsonl
from tests.coverage.test_cluster import background_docs
from tests.coverage.test_consolidation import FARES, FARES_AGAIN, STREAM, STRICT, STRIKE

T0 = 1_741_000_000.0
# The strict join splits the two fare reports, and consolidation is off: only the batch pass
# can put them together.
SPLITTING = dataclasses.replace(STRICT, consolidate_link=None)


def lines(docs: list[Doc]) -> list[str]:
    rows: list[dict[str, Any]] = []
    for doc in docs:
        row: dict[str, Any] = {"id": doc.id, "title": doc.title, "text": doc.text}
        if doc.published is not None:
            row["published"] = doc.published
        rows.append(row)
    return [json.dumps(r) + "\n" for r in rows]


def stories_of(docs: list[Doc], regrouping: RegroupSettings | None) -> dict[str, str]:
    out = cluster_jsonl(lines(docs), SPLITTING, regrouping=regrouping)
    return {o["id"]: o["story"] for o in out}


def test_the_batch_pass_joins_split_reports_and_not_the_other_event() -> None:
    online = stories_of(STREAM, None)
    assert online["fares-1"] != online["fares-2"]  # what the pass is for
    batch = stories_of(STREAM, RegroupSettings())
    assert batch["fares-1"] == batch["fares-2"]
    assert batch["strike"] != batch["fares-1"]
    # The background's unrelated articles stay apart.
    background = [batch[d.id] for d in background_docs()]
    assert len(set(background)) == len(background)
    assert batch["fares-1"] not in background


def seeded_clusterer() -> Clusterer:
    clusterer = Clusterer(SPLITTING)
    for doc in [*background_docs(), FARES, STRIKE, FARES_AGAIN]:
        clusterer.add(doc)
    return clusterer


def test_a_story_of_two_events_is_cut_apart_and_the_part_gets_a_new_id() -> None:
    clusterer = seeded_clusterer()
    docs = [FARES, STRIKE, FARES_AGAIN]
    # As if the online pass had put all three into one story.
    out = regroup(clusterer, docs, ["s-9", "s-9", "s-9"], RegroupSettings(split_from=2))
    assert out[0] == out[2] == "s-9"  # the first article's part keeps the id
    assert out[1] == "s-9.1"
    # A story smaller than split_from is the online answer and stays whole.
    assert regroup(clusterer, docs, ["s-9", "s-9", "s-9"]) == ["s-9", "s-9", "s-9"]


def test_a_story_whose_articles_hold_together_stays_whole() -> None:
    clusterer = seeded_clusterer()
    out = regroup(clusterer, [FARES, FARES_AGAIN], ["s-3", "s-3"])
    assert out == ["s-3", "s-3"]


def test_dated_articles_keep_the_online_answer() -> None:
    dated = [dataclasses.replace(d, published=T0 + n * 60) for n, d in enumerate(STREAM)]
    clusterer = Clusterer(SPLITTING)
    online = [clusterer.add(d) for d in dated]
    assert regroup(clusterer, dated, online) == online
    # Through the command too: the same stories with the pass as without it.
    assert stories_of(dated, RegroupSettings()) == stories_of(dated, None)


def test_the_work_per_article_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = [0]
    original = cluster_module._dot

    def counted(a: dict[str, float], b: dict[str, float]) -> float:
        calls[0] += 1
        return float(original(a, b))

    monkeypatch.setattr(regroup_module, "_dot", counted)
    settings = RegroupSettings(neighbours=5, split_from=2, split_limit=4)
    words = [f"kestrel{i} ferry harbor fare" for i in range(40)]
    per_article = []
    for n in (200, 600):
        docs = [Doc(f"d{i}", f"{words[i % 40]} {words[(i * 7) % 40]}", "") for i in range(n)]
        clusterer = Clusterer(SPLITTING)
        # One story holding everything (left whole: above split_limit) and tiny ones.
        stories = [f"s-{i % 50}" if i % 3 else "s-big" for i in range(n)]
        for doc in docs:
            clusterer.add(doc)
        calls[0] = 0
        regroup(clusterer, docs, stories, settings)
        per_article.append(calls[0] / n)
    # Each article: at most `neighbours` graph cosines; its story's inner pairs (twice: the
    # split and the graph's in-story edges) only for stories within split_limit.
    bound = settings.neighbours + 2 * settings.split_limit
    assert all(0 < x <= bound for x in per_article), per_article


def test_the_same_file_gives_the_same_stories_every_time() -> None:
    first = stories_of(STREAM, RegroupSettings())
    assert stories_of(STREAM, RegroupSettings()) == first


def test_parallax_cluster_regroups_its_undated_articles_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[list[str], list[str]]] = []

    def spy(clusterer: Clusterer, docs: list[Doc], stories: list[str]) -> list[str]:
        asked.append(([d.id for d in docs], list(stories)))
        return [f"again-{s}" for s in stories]

    monkeypatch.setattr(coverage_cli, "regroup", spy)
    rows: list[dict[str, Any]] = [
        {"id": d.id, "title": d.title, "text": d.text} for d in [FARES, STRIKE, FARES_AGAIN]
    ]
    rows.append({"id": "dated", "title": FARES.title, "text": FARES.text, "published": T0})
    path = tmp_path / "a.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = CliRunner().invoke(coverage_cli.cluster, [str(path)])
    assert result.exit_code == 0, result.output
    printed = {o["id"]: o["story"] for o in map(json.loads, result.output.splitlines())}
    assert len(asked) == 1 and asked[0][0] == ["fares-1", "strike", "fares-2"]
    for doc_id, story in zip(asked[0][0], asked[0][1], strict=True):
        assert printed[doc_id] == f"again-{story}"
    assert not printed["dated"].startswith("again-")
