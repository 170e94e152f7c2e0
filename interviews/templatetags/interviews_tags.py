from django import template

from interviews import evidence
from interviews.access import ProjectAccess
from interviews.models import Session

register = template.Library()


@register.filter
def ms_timestamp(milliseconds: int | None) -> str:
    """12:03 under an hour, 1:02:03 past it; empty when the format had no times."""
    if milliseconds is None:
        return ""
    seconds = int(milliseconds) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{minutes:02d}:{seconds:02d}"


@register.filter
def session_name(session: Session, access: ProjectAccess) -> str:
    """{{ session|session_name:access }}: the session as this reader may call it
    (interviews.evidence.session_name)."""
    return evidence.session_name(session, access.audience)
