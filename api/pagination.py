"""Cursor pages in id order: stable while rows are added, and cheap at any depth."""

from __future__ import annotations

from django.conf import settings
from rest_framework.pagination import CursorPagination


class IdCursorPagination(CursorPagination):
    ordering = "id"
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):  # noqa: ANN001, ANN201 - DRF's signature
        self.page_size = settings.API_PAGE_SIZE
        return super().get_page_size(request)
