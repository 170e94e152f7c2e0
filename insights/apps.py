from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "insights"
    verbose_name = "Insights"

    def ready(self) -> None:
        # Keeps the search index in step with transcripts, notes, highlights and codes.
        from insights.search import signals  # noqa: F401
