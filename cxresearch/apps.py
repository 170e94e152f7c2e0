from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class CxresearchConfig(AppConfig):
    name = "cxresearch"

    def ready(self) -> None:
        from cxresearch import checks  # noqa: F401 - registers the deploy checks
        from cxresearch.database import refresh_sqlite_statistics

        # post_migrate is sent once per app with models, after every migration has run;
        # this app has none, so the statistics are refreshed on the analysis app's signal.
        post_migrate.connect(refresh_sqlite_statistics, sender=apps.get_app_config("insights"))
