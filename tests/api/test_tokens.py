"""Personal tokens: made and shown once on the profile page, stored as a hash, revoked there."""

from __future__ import annotations

import hashlib

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from api.models import ApiToken
from api.tokens import MAX_TOKENS_PER_USER, token_create

pytestmark = pytest.mark.django_db
PROJECTS = "/api/v1/projects/"


def bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_a_new_token_is_shown_once_and_only_its_hash_is_kept(
    lead_client: Client, lead: User
) -> None:
    response = lead_client.post(reverse("profile:tokens"), {"name": "Looker dashboard"})
    assert response.status_code == 200
    raw = response.context["new_token"]
    assert raw.startswith("cxr_") and raw in response.content.decode()
    token = ApiToken.objects.get(user=lead)
    assert token.name == "Looker dashboard"
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(ApiToken.objects.values_list().get())
    page = lead_client.get(reverse("profile:tokens")).content.decode()
    assert "Looker dashboard" in page and token.prefix in page and raw not in page
    assert "never" in page  # not used yet


def test_a_token_reads_as_its_user_and_records_its_last_use(lead: User, project) -> None:
    token, raw = token_create(user=lead, name="BI")
    response = bearer(raw).get(PROJECTS)
    assert response.status_code == 200
    assert [p["slug"] for p in response.json()["results"]] == [project.slug]
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_revoked_token_is_refused(lead_client: Client, lead: User) -> None:
    token, raw = token_create(user=lead, name="CRM")
    response = lead_client.post(reverse("profile:token-revoke", args=[token.pk]))
    assert response.status_code == 302
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    refused = bearer(raw).get(PROJECTS)
    assert refused.status_code == 401
    assert "not valid" in refused.json()["detail"]


def test_nobody_revokes_another_users_token(viewer_client: Client, lead: User) -> None:
    token, _raw = token_create(user=lead, name="CRM")
    assert viewer_client.post(reverse("profile:token-revoke", args=[token.pk])).status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer cxr_nonsense", "Bearer a b", "Bearer nottoken", "Bearer cxr_é"],
)
def test_bad_credentials_get_401_in_json(header: str) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(PROJECTS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["detail"]


def test_no_credentials_get_401_not_the_login_page() -> None:
    response = APIClient().get(PROJECTS)
    assert response.status_code == 401


def test_an_inactive_users_token_is_refused(lead: User) -> None:
    _token, raw = token_create(user=lead, name="BI")
    lead.is_active = False
    lead.save(update_fields=["is_active"])
    assert bearer(raw).get(PROJECTS).status_code == 401


def test_a_token_needs_a_name_and_there_is_a_limit(lead_client: Client, lead: User) -> None:
    response = lead_client.post(reverse("profile:tokens"), {"name": "   "})
    assert response.status_code == 400
    for number in range(MAX_TOKENS_PER_USER):
        token_create(user=lead, name=f"t{number}")
    response = lead_client.post(reverse("profile:tokens"), {"name": "one more"})
    assert response.status_code == 400
    assert "revoke one" in response.content.decode()
    assert ApiToken.objects.filter(user=lead).count() == MAX_TOKENS_PER_USER


def test_requests_beyond_the_rate_are_throttled(settings, lead: User, project) -> None:
    settings.API_RATE_PER_TOKEN = "2/minute"
    _token, raw = token_create(user=lead, name="BI")
    client = bearer(raw)
    assert [client.get(PROJECTS).status_code for _ in range(3)] == [200, 200, 429]
    # Another token of the same user has its own budget.
    _other, other_raw = token_create(user=lead, name="CRM")
    assert bearer(other_raw).get(PROJECTS).status_code == 200
