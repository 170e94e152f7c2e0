"""Peak memory of one spreadsheet export, in a process of its own (bench.suite runs it).

`python -m bench.export_memory SLUG USER_ID` exports the study as its export job does (the
ids through the quote list's filter, every sheet, to a temporary file) and prints two
figures in MB: how far the export raised the resident set size above where it started,
and the process's peak resident set size (Django and every module loaded included).

Resident memory, unlike tracemalloc, counts what lxml, SQLite and the database driver
allocate in C. Linux keeps the peak (VmHWM in /proc/self/status, what getrusage reports as
ru_maxrss) and lets a process reset it to the current size (writing 5 to
/proc/self/clear_refs), so the first figure is the export's alone, not the imports' peak.
The environment (DATABASE_URL, DJANGO_SETTINGS_MODULE) is the bench run's.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

STATUS = Path("/proc/self/status")


def memory_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process, in MB."""
    for line in STATUS.read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024  # kB
    raise RuntimeError(f"{STATUS} has no {field}: this needs Linux")


def reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def main(argv: Sequence[str]) -> None:
    import django

    django.setup()
    from django.contrib.auth.models import User

    from insights.exports.rows import ExportOptions
    from insights.exports.service import export_highlight_ids, export_write
    from insights.visibility import evidence_reader
    from interviews.models import ResearchProject

    slug, user_id = argv
    project = ResearchProject.objects.get(slug=slug)
    user = User.objects.get(pk=int(user_id))
    reset_peak()
    before = memory_mb("VmRSS")
    reader = evidence_reader(project=project, user=user)
    ids = export_highlight_ids(reader, {})
    with tempfile.TemporaryFile() as out:
        export_write(
            reader=reader, user=user, ids=ids, fmt="xlsx", options=ExportOptions(), out=out
        )
    peak = memory_mb("VmHWM")
    print(f"{peak - before:.1f} {peak:.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
