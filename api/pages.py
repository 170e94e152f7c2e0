"""The profile page where a user makes and revokes their personal API tokens."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from api.models import ApiToken
from api.tokens import TokenError, token_create, token_revoke
from cxresearch.lib.http import AuthenticatedHttpRequest


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=80, help_text="What will use it, e.g. “Looker dashboard” or “CRM sync”."
    )


def token_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Your tokens; a POST makes one and shows it on this response only."""
    form = TokenForm(request.POST or None)
    new_token = ""
    if request.method == "POST" and form.is_valid():
        try:
            token, new_token = token_create(user=request.user, name=form.cleaned_data["name"])
        except TokenError as refusal:
            form.add_error("name", str(refusal))
        else:
            form = TokenForm()
            messages.success(request, f"Token “{token.name}” made.")
    context = {
        "form": form,
        "new_token": new_token,
        "tokens": ApiToken.objects.filter(user=request.user),
    }
    return render(request, "api/tokens.html", context, status=400 if form.errors else 200)


@require_POST
def token_delete(request: AuthenticatedHttpRequest, token_id: int) -> HttpResponse:
    if not token_revoke(user=request.user, token_id=token_id):
        raise Http404("You have no such token.")
    messages.success(request, "Token revoked: anything using it is refused from now on.")
    return redirect("profile:tokens")
