"""The demo set behind `parallax demo`: invented articles on five invented events, written by the
project for the first run, filed under real rated outlets so the distributions mean something.

Every demo article's key starts with DEMO_KEY_PREFIX (they have no URL: the events never
happened, so no outlet's address may be named for them). The API marks them `"demo": true`, the
pages say so on every story, and `parallax demo --clear` removes exactly those rows."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from service.coverage.engine import Engine, RawArticle
from service.coverage.summary import DEMO_ID_PREFIX, DEMO_KEY_PREFIX
from service.store.base import Batch, Store

DEMO_CURSOR = "demo:stories"

# (event, outlet id, hours before now, title, text). Every name, place and figure is invented.
DEMO_ARTICLES: tuple[tuple[str, str, float, str, str], ...] = (
    # 1. Covered from every side, a little more from the right: the seed's kind of story.
    (
        "barrier",
        "reuters.com",
        20.0,
        "Port Veldmark closes its new tidal flood barrier for the first time as storm surge nears",
        "Engineers in Port Veldmark lowered the twelve steel gates of the Veldmark tidal flood "
        "barrier on Tuesday night as a storm surge of nearly three metres approached the estuary.",
    ),
    (
        "barrier",
        "cnn.com",
        18.5,
        "Veldmark flood barrier holds back record storm surge, sparing 40,000 homes",
        "The Port Veldmark tidal flood barrier held overnight against a record storm surge, "
        "officials said, protecting about 40,000 homes along the Veldmark estuary.",
    ),
    (
        "barrier",
        "nytimes.com",
        17.0,
        "A $2 Billion Tidal Barrier Gets Its First Real Test in Port Veldmark",
        "The Veldmark tidal flood barrier, a decade in the making and $2 billion over its first "
        "budget, faced its first real storm surge this week in Port Veldmark.",
    ),
    (
        "barrier",
        "foxnews.com",
        16.0,
        "Port Veldmark flood barrier works, but taxpayers still paying for years of overruns",
        "The Port Veldmark tidal flood barrier kept the storm surge out, but critics say "
        "taxpayers are still paying for years of cost overruns on the Veldmark estuary project.",
    ),
    (
        "barrier",
        "theguardian.com",
        15.0,
        "Veldmark tidal barrier shows why climate adaptation cannot wait, say scientists",
        "Scientists said the Port Veldmark tidal flood barrier, closed against this week's storm "
        "surge, shows how rising seas will force more estuary cities to build defences.",
    ),
    (
        "barrier",
        "wsj.com",
        14.0,
        "Port Veldmark Barrier Passes Storm Test; Insurers Weigh Lower Flood Premiums",
        "Insurers are weighing lower flood premiums for Port Veldmark after the city's tidal "
        "flood barrier held back the storm surge on the Veldmark estuary.",
    ),
    (
        "barrier",
        "thehill.com",
        12.0,
        "Lawmakers cite Veldmark flood barrier in debate over coastal infrastructure funding",
        "Lawmakers from both parties pointed to the Port Veldmark tidal flood barrier, which held "
        "against a storm surge, in this week's debate over coastal infrastructure funding.",
    ),
    (
        "barrier",
        "nypost.com",
        11.0,
        "Port Veldmark's pricey flood barrier finally earns its keep as surge hits estuary",
        "Port Veldmark's long-delayed tidal flood barrier finally earned its keep when the storm "
        "surge hit the Veldmark estuary overnight, city officials said.",
    ),
    (
        "barrier",
        "npr.org",
        9.0,
        "Residents near the Veldmark estuary exhale as the tidal barrier holds",
        "Residents of low-lying Port Veldmark neighbourhoods said they slept through the storm "
        "surge for the first time after the new tidal flood barrier held.",
    ),
    (
        "barrier",
        "nationalreview.com",
        8.0,
        "The Veldmark Barrier Proves Infrastructure Works When Government Sticks to Basics",
        "The Port Veldmark tidal flood barrier's success against the storm surge shows what "
        "government can do when it builds flood defences instead of chasing fashions.",
    ),
    (
        "barrier",
        "ft.com",
        6.0,
        "Port Veldmark barrier test lifts shares of flood defence engineering groups",
        "Shares in flood defence engineering groups rose after the Port Veldmark tidal flood "
        "barrier held back this week's storm surge on the Veldmark estuary.",
    ),
    (
        "barrier",
        "washingtonexaminer.com",
        4.0,
        "Port Veldmark mayor takes credit for flood barrier her party once tried to cancel",
        "The mayor of Port Veldmark praised the tidal flood barrier after it held back the storm "
        "surge, though her party once voted to cancel the Veldmark estuary project.",
    ),
    # 2. A blindspot for the left: covered almost only by sources on the right.
    (
        "audit",
        "foxnews.com",
        30.0,
        "Calloway County clerk resigns after 14 ballot boxes found in storage unit",
        "The Calloway County clerk resigned on Monday after an audit found 14 sealed ballot boxes "
        "from the spring municipal election in a rented storage unit.",
    ),
    (
        "audit",
        "nypost.com",
        29.0,
        "Calloway County ballot boxes sat in storage unit for months, audit finds",
        "Fourteen sealed Calloway County ballot boxes sat in a storage unit for months before an "
        "audit found them, prompting the county clerk to resign.",
    ),
    (
        "audit",
        "breitbart.com",
        28.0,
        "Calloway County Clerk Quits as Auditors Find Missing Ballot Boxes in Storage",
        "Auditors found 14 missing Calloway County ballot boxes in a storage unit, and the county "
        "clerk quit hours later, county commissioners said.",
    ),
    (
        "audit",
        "dailywire.com",
        27.0,
        "Calloway County audit: 14 ballot boxes, one storage unit, and a resigning clerk",
        "A Calloway County audit of the spring election found 14 ballot boxes in a storage unit; "
        "the county clerk has resigned and a recount of the affected precincts is planned.",
    ),
    (
        "audit",
        "washingtonexaminer.com",
        26.0,
        "Calloway County recount ordered after missing ballot boxes turn up in storage unit",
        "Calloway County commissioners ordered a recount of four precincts after the ballot "
        "boxes missing since the spring election turned up in a storage unit.",
    ),
    (
        "audit",
        "newsmax.com",
        25.0,
        "Calloway County ballot box discovery fuels calls for statewide election audits",
        "The discovery of 14 Calloway County ballot boxes in a storage unit, and the county "
        "clerk's resignation, fuelled calls for statewide election audits.",
    ),
    (
        "audit",
        "reuters.com",
        22.0,
        "Calloway County clerk resigns; recount set after ballot boxes found in storage",
        "The Calloway County clerk resigned and a recount was set for four precincts after an "
        "audit found 14 ballot boxes from the spring election in a storage unit.",
    ),
    # 3. A blindspot for the right: covered almost only by sources on the left.
    (
        "insulin",
        "huffpost.com",
        40.0,
        "Norrland Pharma agrees to cap insulin at $25 a month in landmark settlement",
        "Norrland Pharma agreed to cap the price of its insulin pens at $25 a month for "
        "uninsured patients in a settlement with eleven state attorneys general.",
    ),
    (
        "insulin",
        "cnn.com",
        39.0,
        "Norrland Pharma insulin settlement: what the $25 price cap means for patients",
        "The Norrland Pharma settlement caps insulin at $25 a month for uninsured patients; "
        "here is what the price cap covers and when it starts.",
    ),
    (
        "insulin",
        "vox.com",
        38.0,
        "Why the Norrland Pharma insulin deal could reset drug prices",
        "The Norrland Pharma insulin settlement with state attorneys general could reset how "
        "insulin prices are set, health economists say, if other makers follow the price cap.",
    ),
    (
        "insulin",
        "motherjones.com",
        37.0,
        "Patients who rationed insulin say the Norrland Pharma price cap came years too late",
        "Patients who rationed Norrland Pharma insulin said the $25 price cap agreed with state "
        "attorneys general came years too late for people they lost.",
    ),
    (
        "insulin",
        "npr.org",
        36.0,
        "Norrland Pharma settles with 11 states, capping insulin costs for the uninsured",
        "Norrland Pharma settled with eleven states, capping monthly insulin costs at $25 for "
        "uninsured patients and paying $310 million to state health programmes.",
    ),
    (
        "insulin",
        "theguardian.com",
        35.0,
        "Norrland Pharma insulin price cap welcomed by diabetes charities",
        "Diabetes charities welcomed the Norrland Pharma insulin price cap, agreed in a "
        "settlement with state attorneys general, and urged other makers to match it.",
    ),
    (
        "insulin",
        "slate.com",
        34.0,
        "The Norrland Pharma insulin settlement is a win. It is also a warning.",
        "The Norrland Pharma insulin settlement caps prices at $25 for the uninsured, but the "
        "deal with state attorneys general shows how little federal law does on insulin prices.",
    ),
    (
        "insulin",
        "thehill.com",
        33.0,
        "State attorneys general announce Norrland Pharma insulin price cap settlement",
        "Eleven state attorneys general announced a settlement in which Norrland Pharma caps "
        "insulin prices at $25 a month for uninsured patients.",
    ),
    # 4. Mostly the centre and the wires.
    (
        "satellite",
        "reuters.com",
        50.0,
        "Astrid-7 weather satellite reaches orbit after two scrubbed launches",
        "The Astrid-7 weather satellite reached orbit on Sunday after two scrubbed launches, the "
        "Nordvik Space Agency said, and will begin sending storm data within weeks.",
    ),
    (
        "satellite",
        "apnews.com",
        49.0,
        "Astrid-7 satellite launch succeeds on third try",
        "The Nordvik Space Agency's Astrid-7 weather satellite lifted off on its third launch "
        "attempt and reached orbit, agency officials said.",
    ),
    (
        "satellite",
        "bloomberg.com",
        48.0,
        "Nordvik Space Agency's Astrid-7 launch boosts satellite weather data market",
        "The successful Astrid-7 launch gives the Nordvik Space Agency a second weather "
        "satellite in orbit and lifts hopes for its commercial storm data service.",
    ),
    (
        "satellite",
        "wsj.com",
        47.0,
        "Astrid-7 Weather Satellite Reaches Orbit After Launch Delays",
        "The Astrid-7 weather satellite reached orbit after launch delays that had cost the "
        "Nordvik Space Agency two weeks, officials said.",
    ),
    (
        "satellite",
        "ft.com",
        46.0,
        "Astrid-7 satellite in orbit as Nordvik Space Agency seeks commercial partners",
        "With the Astrid-7 weather satellite in orbit, the Nordvik Space Agency is seeking "
        "commercial partners for its storm forecasting data.",
    ),
    (
        "satellite",
        "foxnews.com",
        45.0,
        "Astrid-7 weather satellite launches after two scrubs, promising better storm warnings",
        "The Astrid-7 weather satellite launched after two scrubs; the Nordvik Space Agency says "
        "its instruments will give earlier storm warnings.",
    ),
    # 5. A small story from both sides.
    (
        "strike",
        "washingtonpost.com",
        60.0,
        "Brennholt teachers strike over class sizes, closing 31 schools",
        "Teachers in the Brennholt school district went on strike over class sizes and pay, "
        "closing 31 schools and leaving 19,000 students at home.",
    ),
    (
        "strike",
        "nationalreview.com",
        59.0,
        "The Brennholt Teachers' Strike Leaves 19,000 Students Without School",
        "The Brennholt teachers' strike has left 19,000 students without school while the union "
        "and the school district argue over class sizes.",
    ),
    (
        "strike",
        "usatoday.com",
        58.0,
        "Brennholt teachers' strike: schools closed as talks over class sizes stall",
        "Brennholt schools stayed closed as talks between the teachers' union and the school "
        "district over class sizes and pay stalled for a second day.",
    ),
    (
        "strike",
        "dailycaller.com",
        57.0,
        "Brennholt school district parents scramble as teachers strike for second day",
        "Parents in the Brennholt school district scrambled for childcare as teachers stayed on "
        "strike over class sizes for a second day.",
    ),
    (
        "strike",
        "cbsnews.com",
        56.0,
        "Brennholt teachers strike enters second day as district offers smaller class sizes",
        "The Brennholt school district offered smaller class sizes as the teachers' strike "
        "entered its second day, closing 31 schools.",
    ),
)


@dataclass
class DemoResult:
    """What loading the demo did."""

    added: int = 0
    already: int = 0
    stories: dict[str, str] = field(default_factory=dict)  # event -> story id
    split_events: list[str] = field(default_factory=list)  # events not in exactly one story

    def to_json(self) -> dict[str, object]:
        return {
            "added": self.added,
            "already_loaded": self.already,
            "stories": self.stories,
            "split_events": self.split_events,
        }


def demo_articles(now: float) -> list[tuple[str, RawArticle]]:
    """(event, article) of the demo set, dated relative to `now` so it shows as recent news."""
    out: list[tuple[str, RawArticle]] = []
    for number, (event, outlet, hours, title, text) in enumerate(DEMO_ARTICLES, start=1):
        out.append(
            (
                event,
                RawArticle(
                    title=title,
                    text=text,
                    outlet=outlet,
                    published=now - hours * 3600.0,
                    ext_id=f"{DEMO_ID_PREFIX}{event}-{number:02d}",
                ),
            )
        )
    return out


def load_demo(engine: Engine, now: float) -> DemoResult:
    """Ingests the demo set (articles already stored are skipped) and remembers its stories."""
    pairs = demo_articles(now)
    ingested = engine.ingest([raw for _, raw in pairs])
    result = DemoResult(added=ingested.added, already=ingested.duplicates)
    by_event: dict[str, set[str]] = {}
    for event, raw in pairs:
        stored = engine.store.article_by_key(f"id:{raw.ext_id}")
        if stored is not None and stored.story_id is not None:
            survivor = engine.store.resolve_story(stored.story_id) or stored.story_id
            by_event.setdefault(event, set()).add(survivor)
    for event, stories in by_event.items():
        if len(stories) == 1:
            result.stories[event] = next(iter(stories))
        else:
            result.split_events.append(event)
    ids = sorted({s for stories in by_event.values() for s in stories})
    engine.store.commit(Batch(cursors=[(DEMO_CURSOR, json.dumps(ids))]))
    return result


def clear_demo(store: Store) -> int:
    """Removes every demo article (and the stories left empty); returns how many went."""
    removed = store.delete_articles(DEMO_KEY_PREFIX)
    store.commit(Batch(cursors=[(DEMO_CURSOR, "[]")]))
    return removed


def demo_story_ids(store: Store) -> frozenset[str]:
    """The stories the demo filed its articles under (after merges), to mark them in lists."""
    raw = store.cursor(DEMO_CURSOR)
    if not raw:
        return frozenset()
    try:
        ids = json.loads(raw)
    except ValueError:
        return frozenset()
    if not isinstance(ids, list):
        return frozenset()
    out: set[str] = set()
    for story in ids:
        if isinstance(story, str):
            out.add(story)
            survivor = store.resolve_story(story)
            if survivor is not None:
                out.add(survivor)
    return frozenset(out)
