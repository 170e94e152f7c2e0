from django.contrib.auth.models import User
from django.http import HttpRequest


class AuthenticatedHttpRequest(HttpRequest):
    """A request that passed LoginRequiredMiddleware: `user` is a real User."""

    user: User
