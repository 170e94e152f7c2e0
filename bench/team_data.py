"""The team rows' data, made in the team set-up's own database: `python -m bench.team_data …`.

bench.team runs this in a process of its own, with the environment of the team's servers
(DATABASE_URL naming the database it created, REDIS_URL, DEBUG off): the bench process itself
stays connected to the bench database. Commands:

- `prepare USERNAME PASSWORD`: migrate, collect the static files (as `make serve` does) and
  add the user the client logs in as.
- `study SLUG USERNAME`: a new study with that user as a researcher.
- `highlight SLUG USERNAME CALLS`: a new study, the side-by-side rows' interview imported into
  it as a new session, and the CALLS request bodies of their spans (bench.taguette), printed
  as JSON on the last line of the output.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence


def main(argv: Sequence[str]) -> int:
    import django

    django.setup()

    command, *args = argv
    if command == "prepare":
        username, password = args
        prepare(username, password)
    elif command == "study":
        slug, username = args
        study(slug, username)
    elif command == "highlight":
        slug, username, calls = args
        print(json.dumps({"bodies": highlight_bodies(slug, username, int(calls))}))
    else:
        raise SystemExit(f"Unknown command {command!r}.")
    return 0


def prepare(username: str, password: str) -> None:
    from django.contrib.auth.models import User
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    user, _created = User.objects.get_or_create(
        username=username, defaults={"first_name": "Bench", "last_name": "Team"}
    )
    user.set_password(password)
    user.save()


def study(slug: str, username: str):  # noqa: ANN201 - a ResearchProject, imported late
    from django.contrib.auth.models import User

    from interviews.models import Membership, ResearchProject

    ResearchProject.objects.filter(slug=slug).delete()  # left by an earlier row
    project = ResearchProject.objects.create(title=f"Team set-up ({slug})", slug=slug)
    Membership.objects.create(
        project=project,
        user=User.objects.get(username=username),
        role=Membership.Role.RESEARCHER,
    )
    return project


def highlight_bodies(slug: str, username: str, calls: int) -> list[dict[str, object]]:
    """The side-by-side rows' interview in a new study, and the bodies coding.js would send."""
    from django.contrib.auth.models import User

    from bench import formats
    from bench.taguette import _cx_bodies, interview, spans
    from interviews.transcripts import transcripts_import_as_sessions

    project = study(slug, username)
    turns = interview("side-by-side-highlight")
    (outcome,) = transcripts_import_as_sessions(
        project=project,
        files=[("interview.txt", formats.txt(turns))],
        by=User.objects.get(username=username),
    )
    if outcome.transcript is None:
        raise SystemExit(f"The interview was not imported: {outcome.error}")
    return _cx_bodies(outcome.transcript, turns, spans(turns, calls))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
