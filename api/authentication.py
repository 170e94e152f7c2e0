"""`Authorization: Bearer cxr_…`: a personal token (api.tokens) acting as its user."""

from __future__ import annotations

from django.contrib.auth.models import User
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from api.models import ApiToken
from api.tokens import token_user


class PersonalTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None  # not ours: the session may still sign the request in
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the token as “Authorization: Bearer <token>”, with no spaces in it."
            )
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("That token is not valid.") from None
        found = token_user(raw)
        if found is None:
            raise exceptions.AuthenticationFailed("That token is not valid or was revoked.")
        return found

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class PersonalTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]  # drf-spectacular's registering __init_subclass__ is unannotated
    target_class = "api.authentication.PersonalTokenAuthentication"
    name = "personalToken"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal token made on your profile page (Profile → API tokens).",
        }
