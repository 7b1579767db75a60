"""Property-based API fuzzing from /openapi.json: no 5xx, every documented answer matches."""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from service.app import create_app
from service.coverage.engine import RawArticle
from service.coverage.runtime import engine

from .conftest import write_ratings

# Generated cases per operation and mode; with ~10 operations this is well over 2,000 cases.
EXAMPLES = int(os.environ.get("PARALLAX_FUZZ_EXAMPLES", "200"))
MIN_CASES = 2000


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("fuzz")
    app = create_app(
        {
            "TESTING": False,  # exceptions must become the JSON 500 a client would see
            "DATA_DIR": str(root / "data"),
            "RATINGS_DIR": str(write_ratings(root / "ratings")),
            "INGEST_ENABLED": False,
            "RATE_LIMIT": "",
            "STORE_SUBMITTED_ARTICLES": True,
        }
    )
    engine(app).ingest(
        [
            RawArticle(
                title="Harbor council approves flood barrier", url="https://leftpaper.com/a"
            ),
            RawArticle(title="Harbor council passes flood barrier", url="https://rightdaily.com/b"),
        ]
    )
    return app


def fuzz(operation: Any, mode: GenerationMode, failures: list[str]) -> int:
    """Runs generated cases of one operation in one mode; returns how many ran."""
    checks: list[Any] = [not_a_server_error]
    if mode is GenerationMode.POSITIVE:
        checks += [response_schema_conformance, content_type_conformance]
    ran = 0

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,  # the same cases on every run: a failure reproduces
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        nonlocal ran
        ran += 1
        # identity: the WSGI transport hands back bodies as sent, gzip included.
        response = case.call(headers={"Accept-Encoding": "identity"})
        assert response.status_code < 500, (case.method, case.path, response.text[:300])
        try:
            case.validate_response(response, checks=checks)
        except Exception as exc:  # collect, so one report names every broken operation
            failures.append(f"{operation.label} [{mode.value}]: {str(exc)[:400]}")
            raise

    try:
        run()
    except Unsatisfiable:
        pass  # no parameters to break: nothing negative to generate
    except Exception:
        if not failures:
            raise
    return ran


@pytest.mark.slow
def test_fuzz_every_operation(fuzz_app: Any) -> None:
    schema = schemathesis.openapi.from_wsgi("/openapi.json", fuzz_app)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 8
    cases = sum(
        fuzz(operation, mode, failures)
        for operation in operations
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    )
    assert not failures, "\n".join(dict.fromkeys(failures))
    print(f"schemathesis: {cases} cases over {len(operations)} operations, no failures")
    assert cases >= MIN_CASES, f"only {cases} cases were generated"


def test_the_document_lists_the_production_endpoints(fuzz_app: Any) -> None:
    spec = fuzz_app.test_client().get("/openapi.json").get_json()
    assert "/metrics" in spec["paths"]
