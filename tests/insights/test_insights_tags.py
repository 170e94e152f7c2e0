"""The analysis pages' template filters."""

from __future__ import annotations

import pytest

from insights.templatetags.insights_tags import figure


@pytest.mark.parametrize(
    ("value", "shown"),
    [(None, "—"), (-1.25, "−1.2"), (2.667, "2.7"), (-0.01, "0.0"), (0, "0.0"), (1.0, "1.0")],
)
def test_figure_prints_one_decimal_with_a_true_minus(value: float | None, shown: str) -> None:
    assert figure(value) == shown
