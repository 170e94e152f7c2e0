"""Schemathesis walks the OpenAPI schema against the app, positive and negative inputs alike:
no answer may be a server error, and every answer must match the schema.

It runs in-process (WSGI) on a study with one of everything (the world of
tests/test_permissions.py, plus staged quotes and metric values), as its lead, whose token
reaches every endpoint and every write. Examples are bounded so the whole walk stays short.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import hypothesis
import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from api.tokens import token_create
from insights.coding import HighlightFields, highlight_create
from insights.models import StageMetricValue
from tests.factories import make_participant

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 10


def openapi_document() -> dict:
    raw = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(raw))


@pytest.fixture
def lead_token(world: dict, lead: User, settings) -> str:
    """The lead's token, on a study with staged quotes and a metric reading besides the world."""
    settings.API_RATE_PER_TOKEN = "100000/minute"
    project = world["project"]
    stages = list(project.framework.stages.order_by("position"))
    for number, start in enumerate(range(0, 40, 8)):
        highlight_create(
            project=project,
            coder=lead,
            start=start,
            end=start + 6,
            fields=HighlightFields(stage=stages[number % len(stages)], sentiment=number % 3 - 1),
            transcript=world["transcript"],
        )
    make_participant()
    StageMetricValue.objects.create(
        project=project, metric=world["metric"], value=12, measured_on="2026-11-01"
    )
    _token, raw = token_create(user=lead, name="schemathesis")
    return raw


@pytest.fixture
def wsgi_app() -> Iterator[WSGIHandler]:
    """The site as WSGI, which keeps the test's database connection open between requests
    (as Django's test client does): closing it would end the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.openapi.from_dict(openapi_document())
schema.config.generation.update(max_examples=MAX_EXAMPLES, database="none")
# Random inputs, valid and invalid, within MAX_EXAMPLES; the coverage phase's exhaustive
# boundary cases would take minutes here.
schema.config.phases.update(phases=["examples", "fuzzing"])


# The world is made once per operation and shared by its examples on purpose: writes pile up
# on the same study, as they would for a real client.
@schema.parametrize()
@hypothesis.settings(suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture])
def test_the_api_keeps_to_its_schema_and_never_fails(
    case: schemathesis.Case, world: dict, lead_token: str, wsgi_app: WSGIHandler
) -> None:
    # Real ids, so the walk reaches the study's content rather than a 404 for each case.
    real = {
        "slug": world["project"].slug,
        "number": world["report"].number,
        "metric_id": world["metric"].pk,
        "enrollment_id": world["enrollment"].pk,
        "highlight_id": world["highlight"].pk,
    }
    for name in set(case.path_parameters or {}) & set(real):
        case.path_parameters[name] = real[name]
    case.call_and_validate(
        app=wsgi_app,
        headers={"Authorization": f"Bearer {lead_token}"},
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )


def test_the_schema_is_valid_openapi_and_documents_every_endpoint() -> None:
    document = openapi_document()
    assert document["openapi"].startswith("3.")
    paths = set(document["paths"])
    assert "/api/v1/projects/{slug}/highlights/" in paths
    assert len(paths) == 15  # the schema itself and the docs page are not in it
    security = document["components"]["securitySchemes"]
    assert security["personalToken"]["scheme"] == "bearer"
