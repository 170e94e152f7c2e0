"""Template filters of the analysis pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def figure(value: float | None, places: int = 1) -> str:
    """A mean as the pages print it: one decimal, a true minus sign, "—" when there is none."""
    if value is None:
        return "—"
    text = f"{value:.{places}f}"
    return text.replace("-", "−") if text.strip("-0.") else text.lstrip("-")
