"""Where a model of one app is read in another: the project, which installs both, says.

interviews (the evidence) never names insights (the analysis); a transcript is read in the
analysis app's reader, so its get_absolute_url is set here (settings.ABSOLUTE_URL_OVERRIDES).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse

if TYPE_CHECKING:
    from interviews.models import Transcript


def transcript_reader_url(transcript: Transcript) -> str:
    return reverse(
        "insights:transcript-detail",
        args=[transcript.session.project.slug, transcript.session_id, transcript.pk],
    )
