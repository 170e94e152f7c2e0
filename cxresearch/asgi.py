import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxresearch.settings")

application = get_asgi_application()

from cxresearch.lib.startup import settle_after_startup  # noqa: E402 - needs Django set up

settle_after_startup()
