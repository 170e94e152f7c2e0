"""Themes: the aggregation job, and researchers' curation of what it proposes.

evidence.py loads a study's coded highlights; aggregate.py is the job; curation.py and
recommendations.py are the researchers' edits.

`themes_aggregate` loads a study's coded highlights with a few values() queries, hands them
to insights.aggregation (pure), and swaps the result in with one short transaction. It
never changes what a researcher decided: status, name, summary, codes and picked quotes
stay; only figures are refreshed and new candidates added.

Curation services (theme_confirm, theme_reject, theme_rename, theme_update_summary,
theme_merge, theme_split, theme_pick_quotes) and recommendation_create/update each take
the version the researcher saw: an edit made on an older version is refused with
STALE_MESSAGE and changes nothing. A ThemeError's message is shown to the user as-is.
"""

from __future__ import annotations

MAX_NAME_LENGTH = 200
MAX_SUMMARY_LENGTH = 5000
MAX_STATEMENT_LENGTH = 2000
MAX_PICKED_QUOTES = 5
STALE_MESSAGE = (
    "Someone else changed this {what} after you opened it. Reload the page to see their "
    "changes, then make yours again."
)


class ThemeError(Exception):
    """A curation step was refused; the message says why in plain words."""
