"""The app's URLs, plus the floor page the page renders are compared with."""

from django.urls import path

from bench.views import floor_page
from cxresearch.urls import urlpatterns as app_urlpatterns

urlpatterns = [
    path("bench/floor/", floor_page, name="bench-floor"),
    *app_urlpatterns,
]
