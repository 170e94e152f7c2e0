"""The search index writer of `make run`: `manage.py index_writer`.

The web server starts it (insights.search.writer.start_writer) and wakes it by writing to its
standard input after each committed change; it indexes the search outbox, and exits when its
standard input closes. Run by hand, it drains on Enter and stops on Ctrl-D.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management.base import BaseCommand

from insights.search.writer import NICENESS, serve


class Command(BaseCommand):
    help = "Index the search outbox whenever standard input says so, until it closes."

    def handle(self, *args: Any, **options: Any) -> None:
        os.nice(NICENESS)
        serve(sys.stdin.fileno())
