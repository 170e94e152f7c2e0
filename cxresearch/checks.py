"""Deploy checks (`manage.py check --deploy`) for what Django's own cannot know."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register(Tags.security, deploy=True)
def check_throttling_cache(app_configs: object, **kwargs: object) -> list[Warning]:
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend in PER_PROCESS_CACHES:
        return [
            Warning(
                "The default cache is kept per process, so log-in throttling counts failures "
                "per process and does not throttle.",
                hint="Use Redis (REDIS_URL) or the database cache, as settings.py does.",
                id="cxresearch.W001",
            )
        ]
    return []
