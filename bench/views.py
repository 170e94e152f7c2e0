"""The floor for page renders: 50 rows of one table, a tiny template, the same middleware."""

from __future__ import annotations

from functools import cache

from django.http import HttpRequest, HttpResponse
from django.template import engines

from interviews.models import Participant

FLOOR_ROWS = 50
FLOOR_TEMPLATE = """<!doctype html>
<title>Floor</title>
<table>
{% for row in rows %}<tr><td>{{ row.pseudonym }}</td><td>{{ row.persona }}</td>\
<td>{{ row.get_segment_display }}</td><td>{{ row.get_region_display }}</td>\
<td>{{ row.get_tier_display }}</td></tr>
{% endfor %}</table>
"""


@cache
def _template():  # noqa: ANN202 - the engine's template
    # Compiled once, as the cached template loader does for file templates with DEBUG off.
    return engines["django"].from_string(FLOOR_TEMPLATE)


def floor_page(request: HttpRequest) -> HttpResponse:
    rows = Participant.objects.order_by("pseudonym")[:FLOOR_ROWS]
    return HttpResponse(_template().render({"rows": rows}, request))
