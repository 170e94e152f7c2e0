"""Cursor pages in id order: stable while rows are added, and cheap at any depth."""

from __future__ import annotations

from django.conf import settings
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request


class IdCursorPagination(CursorPagination):
    ordering = "id"
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request: Request) -> int | None:
        self.page_size = settings.API_PAGE_SIZE
        return super().get_page_size(request)
