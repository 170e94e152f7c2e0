from django import template

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
