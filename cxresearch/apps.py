from django.apps import AppConfig


class CxresearchConfig(AppConfig):
    name = "cxresearch"

    def ready(self) -> None:
        from cxresearch import checks  # noqa: F401 - registers the deploy checks
