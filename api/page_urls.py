"""The profile pages (cxresearch/urls.py mounts them under /profile/)."""

from django.urls import path

from api import pages

app_name = "profile"

# /profile/
urlpatterns = [
    path("tokens/", pages.token_list, name="tokens"),
    path("tokens/<int:token_id>/revoke/", pages.token_delete, name="token-revoke"),
]
