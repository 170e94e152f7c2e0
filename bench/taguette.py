"""Side by side with Taguette over HTTP (issue 14): the same documents, the same highlights.

Taguette is installed from PyPI into a virtualenv of its own, var/taguette-venv (once: a later
run reuses it), and run in its single-user mode on a free port with a throw-away SQLite
database under var/. It is never imported here, only run: its own process, its own Python.

Each row times cxresearch (the figure, the `make run` server of bench.http) against Taguette
(the floor). bench.measure alternates the two call by call, so a busy machine slows both
alike, and the ratio is cxresearch's median over Taguette's.

- Import: the same generated 3,000-word interviews, a new one each call. cxresearch gets the
  .txt it imports itself; Taguette gets the same turns as .html, the one document type it
  stores without an outside converter (a .txt goes through calibre's ebook-convert).
- Highlight: one such interview imported into a new project of each app, then the same
  word-aligned spans, each with the same three codes (Taguette: tags).

Taguette fetches news from its web site at start-up; the launcher below turns that off, so
the process talks to no one but this client.
"""

from __future__ import annotations

import atexit
import html
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests
from django.urls import reverse

from bench import formats
from bench import http as bench_http
from bench.measure import Context, MaxP95, Trial, Unavailable, measurement, once_per_run
from bench.suite import (
    HTTP_HIGHLIGHT_P95_MS,
    HTTP_IMPORT_P95_MS,
    HTTP_IMPORT_WORDS,
    _http_calls,
    _http_done,
    _http_server,
    _settle,
    _user,
)
from bench.text import Talk, Turn
from interviews.models import Membership, ResearchProject, Transcript, Utterance

BASE_DIR = Path(__file__).resolve().parent.parent
TAGUETTE_SPEC = "taguette==1.5.2"
# Taguette 1.5.2 pins opentelemetry-api 1.10, which imports pkg_resources: setuptools 81
# dropped it, and a new virtualenv gets the newest setuptools.
SUPPORT_SPECS = ("setuptools<81",)
VENV_DIR = BASE_DIR / "var" / "taguette-venv"
LOG_PATH = BASE_DIR / "var" / "bench-http-taguette.log"
START_TIMEOUT_SECONDS = 60
INSTALL_TIMEOUT_SECONDS = 600
CODES = ("pricing", "onboarding", "single sign-on")
INTERVIEWER, PARTICIPANT = "Interviewer", "Respondent"

# Run by the Taguette virtualenv's Python, with Taguette's own command-line arguments.
# Taguette's Application.check_messages fetches a message list over the internet at start-up
# and daily; here it only says there are none, so nothing leaves the machine.
LAUNCHER = """
import sys
from taguette.web.base import Application
def no_messages(application):
    application.messages_event.set()
Application.check_messages = no_messages
from taguette.main import main
sys.argv[0] = "taguette"
main()
"""


# --- Installing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Installed:
    python: Path
    version: str


def install(
    spec: str = TAGUETTE_SPEC,
    venv: Path = VENV_DIR,
    *,
    support: Sequence[str] = SUPPORT_SPECS,
    python: str = sys.executable,
) -> Installed:
    """Taguette in its own virtualenv, installed the first time; Unavailable if it cannot be."""
    wanted = spec.partition("==")[2]
    venv_python = venv / "bin" / "python"
    found = installed_version(venv_python)
    if found is None or (wanted and found != wanted):
        try:
            if not venv_python.exists():
                _call([python, "-m", "venv", str(venv)])
            pip = [
                str(venv_python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ]
            _call([*pip, spec, *support])
        except subprocess.CalledProcessError as error:
            raise Unavailable(
                f"n/a: pip install {spec} failed: {pip_error(error.stderr)}"
            ) from None
        except (OSError, subprocess.TimeoutExpired) as error:
            raise Unavailable(f"n/a: {spec} could not be installed: {error}") from None
        found = installed_version(venv_python)
        if found is None or (wanted and found != wanted):
            raise Unavailable(f"n/a: {spec} does not import in {venv} after pip install")
    return Installed(python=venv_python, version=found)


def installed_version(venv_python: Path) -> str | None:
    """Taguette's version in that virtualenv, if its web application imports there."""
    if not venv_python.exists():
        return None
    probe = subprocess.run(  # noqa: S603 - our own command
        [
            str(venv_python),
            "-W",
            "ignore",
            "-c",
            "import importlib.metadata as m, taguette.web; print(m.version('taguette'))",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return probe.stdout.strip() if probe.returncode == 0 else None


def _call(command: list[str]) -> None:
    subprocess.run(  # noqa: S603 - our own commands
        command, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_SECONDS, check=True
    )


def pip_error(stderr: str | None) -> str:
    """pip's own error line, not the warnings it prints first."""
    lines = [line.strip() for line in (stderr or "").splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR:")]
    return (errors or lines or ["no output"])[0 if errors else -1]


def installed(ctx: Context) -> Installed:
    """Install once per bench run: a failed install is not tried again by the next row."""
    return once_per_run(ctx, "taguette", install, Installed)


# --- Running ----------------------------------------------------------------------------------


@dataclass
class TaguetteServer:
    base: str
    process: subprocess.Popen
    directory: Path
    http: requests.Session = field(default_factory=requests.Session)

    def url(self, path: str) -> str:
        return self.base + path

    @property
    def xsrf(self) -> str:
        token = self.http.cookies.get("_xsrf")
        assert token is not None, "open a page first: Taguette sets the _xsrf cookie"
        return token

    def api(self, path: str, payload: dict[str, object]) -> dict[str, object]:
        """POST JSON to Taguette's API, as its own JavaScript does."""
        response = self.http.post(
            self.url(path),
            data=json.dumps(payload),
            headers={"Content-Type": "application/json", "X-XSRFToken": self.xsrf},
            timeout=30,
        )
        if response.status_code != 200:
            raise AssertionError(f"Taguette POST {path} answered {response.status_code}")
        answer: dict[str, object] = response.json()
        return answer

    def new_project(self, name: str) -> int:
        response = self.http.post(
            self.url("/project/new"),
            data={"name": name, "description": "", "_xsrf": self.xsrf},
            allow_redirects=False,
            timeout=30,
        )
        match = re.search(r"/project/(\d+)$", response.headers.get("Location", ""))
        if response.status_code not in (302, 303) or match is None:
            raise AssertionError(f"Taguette did not create the project ({response.status_code})")
        return int(match.group(1))

    def new_tag(self, project: int, path: str) -> int:
        return int(
            str(
                self.api(f"/api/project/{project}/tag/new", {"path": path, "description": ""})["id"]
            )
        )

    def add_document(self, project: int, name: str, body: bytes) -> int:
        response = self.http.post(
            self.url(f"/api/project/{project}/document/new"),
            data={"name": name, "description": ""},
            files={"file": (f"{name}.html", body, "text/html")},
            headers={"X-XSRFToken": self.xsrf},
            timeout=60,
        )
        if response.status_code != 200:
            raise AssertionError(f"Taguette document upload answered {response.status_code}")
        return int(response.json()["created"])

    def stop(self) -> None:
        atexit.unregister(self.stop)
        self.http.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


def start(taguette: Installed) -> TaguetteServer:
    """Taguette single-user on a free port with a new database, and a client logged in."""
    (BASE_DIR / "var").mkdir(exist_ok=True)
    directory = Path(tempfile.mkdtemp(prefix="bench-taguette-", dir=BASE_DIR / "var"))
    port = bench_http._free_port()
    command = [
        str(taguette.python),
        "-c",
        LAUNCHER,
        *("--no-browser", "--bind", "127.0.0.1", "--port", str(port)),
        *("--database", str(directory / "taguette.sqlite3")),
    ]
    with open(LOG_PATH, "wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own command
            command, cwd=directory, stdout=log, stderr=subprocess.STDOUT
        )
    server = TaguetteServer(base=f"http://127.0.0.1:{port}", process=process, directory=directory)
    # A bench run that dies of an error elsewhere must not leave Taguette running.
    atexit.register(server.stop)
    with _setting_up(f"Taguette did not start (see {LOG_PATH.name})", server.stop):
        token = _wait_for_token(server)
        # The link Taguette prints logs the browser in, then the index page sets _xsrf.
        server.http.get(server.url(f"/?token={token}"), timeout=30).raise_for_status()
        if "user" not in server.http.cookies:
            raise RuntimeError("Taguette did not log the client in with its token.")
        server.http.get(server.url("/project/new"), timeout=30).raise_for_status()
    return server


@contextmanager
def _setting_up(what: str, undo: Callable[[], object]) -> Iterator[None]:
    """Undo what a setup started if it fails, and report the failure as the row's reason:
    bench.measure records an Unavailable setup and runs the next row."""
    try:
        yield
    except BaseException as error:
        undo()
        if isinstance(error, Unavailable) or not isinstance(error, Exception):
            raise
        raise Unavailable(f"failed: {what}: {type(error).__name__}: {error}") from error


def _wait_for_token(server: TaguetteServer) -> str:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        token = login_token(LOG_PATH.read_text(errors="replace"))
        if token is not None:
            return token
        if server.process.poll() is not None:
            raise RuntimeError(f"Taguette exited; see {LOG_PATH.relative_to(BASE_DIR)}.")
        if time.monotonic() > deadline:
            raise RuntimeError("Taguette did not start in time.")
        time.sleep(0.2)


def login_token(output: str) -> str | None:
    """The single-user token in the link Taguette prints once it listens."""
    match = re.search(r"https?://\S+/\?token=([0-9a-f]+)", output)
    return match.group(1) if match else None


# --- The same documents and spans for both --------------------------------------------------


def interview(seed: str, words: int = HTTP_IMPORT_WORDS) -> list[Turn]:
    return Talk(random.Random(seed)).interview(  # noqa: S311 - reproducible
        words, interviewer=INTERVIEWER, participant=PARTICIPANT
    )


def paragraphs(turns: Sequence[Turn]) -> list[str]:
    """Each turn as both apps show it: "Speaker: what they said"."""
    return [f"{turn.speaker}: {turn.text}" for turn in turns]


def as_html(turns: Sequence[Turn]) -> bytes:
    """The interview as an HTML page, a paragraph a turn, nothing between them."""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs(turns))
    head = "<!DOCTYPE html><html><head><title>Interview</title></head>"
    return f"{head}<body>{body}</body></html>".encode()


@dataclass(frozen=True)
class Span:
    """A selection inside one turn's words, in code points of turn.text."""

    turn: int
    start: int
    end: int


def spans(turns: Sequence[Turn], count: int, *, seed: str = "side-by-side") -> list[Span]:
    """`count` different word-aligned spans of 3 to 12 words, in the longer turns."""
    rng = random.Random(seed)  # noqa: S311 - reproducible
    long_turns = [n for n, turn in enumerate(turns) if len(turn.text.split(" ")) >= 15]
    if not long_turns:
        raise ValueError("No turn has 15 words or more to select spans in.")
    chosen: list[Span] = []
    seen: set[Span] = set()
    while len(chosen) < count:
        number = long_turns[len(chosen) % len(long_turns)]
        words = turns[number].text.split(" ")
        first = rng.randrange(len(words) - 3)
        last = min(len(words), first + rng.randint(3, 12))
        start = sum(len(word) + 1 for word in words[:first])
        span = Span(number, start, start + len(" ".join(words[first:last])))
        if span not in seen:
            seen.add(span)
            chosen.append(span)
    return chosen


def taguette_offsets(turns: Sequence[Turn], span: Span) -> tuple[int, int]:
    """Taguette counts UTF-8 bytes of the document's text, tags left out (its extract module)."""
    before = sum(len(p.encode()) for p in paragraphs(turns)[: span.turn])
    text = turns[span.turn].text
    head = before + len(f"{turns[span.turn].speaker}: ".encode())
    return head + len(text[: span.start].encode()), head + len(text[: span.end].encode())


def _utf16(text: str, offset: int) -> int:
    return len(text[:offset].encode("utf-16-le")) // 2


# --- cxresearch's side ------------------------------------------------------------------------


def _cx_project(ctx: Context, slug: str) -> ResearchProject:
    ResearchProject.objects.filter(slug=slug).delete()  # a run that died left it
    project = ResearchProject.objects.create(title=f"Taguette comparison ({slug})", slug=slug)
    Membership.objects.create(project=project, user=_user(ctx), role=Membership.Role.RESEARCHER)
    return project


def _cx_server(ctx: Context) -> bench_http.Server:
    with _setting_up("the cxresearch server did not start", lambda: None):
        return _http_server(ctx)


def _cx_import(server: bench_http.Server, project: ResearchProject, name: str, body: bytes) -> None:
    url = server.url(reverse("interviews:transcript-import", args=[project.slug]))
    response = server.http.post(
        url,
        data={"csrfmiddlewaretoken": server.csrf},
        files={"files": (f"{name}.txt", body, "text/plain")},
        headers={"Referer": server.base + "/"},
        allow_redirects=False,
        timeout=60,
    )
    if response.status_code != 302 or "/jobs/" in response.headers.get("Location", ""):
        raise AssertionError(f"POST {url} answered {response.status_code}: not imported")


def _cx_bodies(
    transcript: Transcript, turns: Sequence[Turn], chosen: Sequence[Span]
) -> list[dict[str, object]]:
    """The highlight-create bodies coding.js would send for the spans, checked against the text."""
    utterances = list(
        Utterance.objects.filter(transcript=transcript).only("start", "text").order_by("position")
    )
    if [u.text for u in utterances] != [t.text for t in turns]:
        raise AssertionError("The imported transcript's turns are not the document's.")
    text = transcript.text
    bodies = []
    for span in chosen:
        start, end = (
            utterances[span.turn].start + span.start,
            utterances[span.turn].start + span.end,
        )
        if text[start:end] != turns[span.turn].text[span.start : span.end]:
            raise AssertionError(f"Span {span} does not fall on the same words in cxresearch.")
        bodies.append(
            {
                "source": "transcript",
                "sourceId": transcript.pk,
                "start16": _utf16(text, start),
                "end16": _utf16(text, end),
                "text": text[start:end],
                "codes": list(CODES),
            }
        )
    return bodies


# --- The rows -----------------------------------------------------------------------------------
# Registered after bench.suite's rows (bench.run imports this module after it): they add a
# project of their own to the bench database, and delete it when done.

HIGHLIGHT_CALLS = 200
IMPORT_CALLS = 60


@measurement(
    "floor: Taguette highlight POST over HTTP",
    is_floor=True,
    repetitions=_http_calls(HIGHLIGHT_CALLS),
    warmup=lambda scale: 5,
    count_queries=False,
)
def taguette_highlight(ctx: Context) -> Trial:
    """POST /api/project/P/document/D/highlight/new, as Taguette's JavaScript does."""
    taguette = installed(ctx)
    turns = interview("side-by-side-highlight")
    chosen = spans(turns, ctx.calls)
    server = start(taguette)
    with _setting_up("Taguette set-up", server.stop):
        project = server.new_project("Taguette comparison")
        tags = [server.new_tag(project, name) for name in CODES]
        document = server.add_document(project, "interview", as_html(turns))
    path = f"/api/project/{project}/document/{document}/highlight/new"
    payloads = [
        dict(
            zip(("start_offset", "end_offset"), taguette_offsets(turns, span), strict=True),
            tags=tags,
        )
        for span in chosen
    ]

    def run(i: int) -> None:
        server.api(path, payloads[i])

    info: dict[str, object] = {"taguette": taguette.version}
    return Trial(run, before=_settle, teardown=server.stop, info=info)


@measurement(
    "HTTP side by side: highlight POST — cxresearch vs Taguette",
    floor="floor: Taguette highlight POST over HTTP",
    targets=(MaxP95(HTTP_HIGHLIGHT_P95_MS),),
    repetitions=_http_calls(HIGHLIGHT_CALLS),
    warmup=lambda scale: 5,
    count_queries=False,  # the server is another process
)
def cx_highlight(ctx: Context) -> Trial:
    """POST insights:highlight-create on the same spans of the same interview."""
    turns = interview("side-by-side-highlight")
    chosen = spans(turns, ctx.calls)
    project = _cx_project(ctx, "taguette-comparison-highlight")
    server = _cx_server(ctx)

    def teardown() -> None:
        _http_done(ctx, server)
        project.delete()

    with _setting_up("cxresearch set-up", teardown):
        _cx_import(server, project, "interview", formats.txt(turns))
        transcript = Transcript.objects.get(session__project=project)
        bodies = _cx_bodies(transcript, turns, chosen)
    url = server.url(reverse("insights:highlight-create", args=[project.slug]))
    headers = {
        "X-CSRFToken": server.csrf,
        "Referer": server.base + "/",
        "Content-Type": "application/json",
    }

    def run(i: int) -> None:
        response = server.http.post(url, data=json.dumps(bodies[i]), headers=headers, timeout=30)
        if response.status_code != 201:
            raise AssertionError(f"POST {url} answered {response.status_code}: {response.text}")

    return Trial(run, before=_settle, teardown=teardown, info={"server": server.kind})


@measurement(
    "floor: Taguette document import over HTTP, 3,000 words",
    is_floor=True,
    repetitions=_http_calls(IMPORT_CALLS),
    warmup=lambda scale: 3,
    count_queries=False,
)
def taguette_import(ctx: Context) -> Trial:
    """POST /api/project/P/document/new with one new .html interview a call."""
    taguette = installed(ctx)
    bodies = [as_html(interview(f"side-by-side-{i}")) for i in range(ctx.calls)]
    server = start(taguette)
    with _setting_up("Taguette set-up", server.stop):
        project = server.new_project("Taguette comparison")

    def run(i: int) -> None:
        server.add_document(project, f"interview-{i}", bodies[i])

    info: dict[str, object] = {
        "taguette": taguette.version,
        "words": HTTP_IMPORT_WORDS,
        "format": "html",
    }
    return Trial(run, before=_settle, teardown=server.stop, info=info)


@measurement(
    "HTTP side by side: transcript import, 3,000 words — cxresearch vs Taguette",
    floor="floor: Taguette document import over HTTP, 3,000 words",
    targets=(MaxP95(HTTP_IMPORT_P95_MS),),
    repetitions=_http_calls(IMPORT_CALLS),
    warmup=lambda scale: 3,
    count_queries=False,
)
def cx_import(ctx: Context) -> Trial:
    """POST interviews:transcript-import with the same interviews as .txt, one a call."""
    bodies = [formats.txt(interview(f"side-by-side-{i}")) for i in range(ctx.calls)]
    project = _cx_project(ctx, "taguette-comparison-import")
    server = _cx_server(ctx)

    def run(i: int) -> None:
        _cx_import(server, project, f"interview-{i}", bodies[i])

    def teardown() -> None:
        _http_done(ctx, server)
        project.delete()

    info: dict[str, object] = {"server": server.kind, "words": HTTP_IMPORT_WORDS, "format": "txt"}
    return Trial(run, before=_settle, teardown=teardown, info=info)
