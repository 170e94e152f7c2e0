"""gunicorn's configuration for the embedded set-up (`make run`): one process, several threads.

One worker process, because the embedded set-up keeps its Whoosh index in var/ and Whoosh has
one writer at a time: the worker starts that writer, a process of its own
(insights.search.writer), so no request waits for a Whoosh commit nor shares the GIL with one.
The worker also warms its searcher as it starts, so its first search does not open the index.
Threads (gthread) keep connections alive, which the browser reuses for the coding panel's
requests.
"""

workers = 1
worker_class = "gthread"
threads = 4
timeout = 120
# gunicorn's control socket has one default path per user: a second server on the machine
# (another checkout, the benchmarks) would take it over. make run needs none.
control_socket_disable = True


def post_worker_init(worker: object) -> None:
    """Index changes in a writer process (insights.search.writer), not in the request."""
    from insights.search.writer import start_writer

    start_writer()


def pre_request(worker: object, req: object) -> None:
    """The searcher is warmed only between requests (insights.search.writer.SearcherWarmer)."""
    from insights.search.writer import running_warmer

    if warmer := running_warmer():
        warmer.request_started()


def post_request(worker: object, req: object, environ: object, resp: object) -> None:
    from insights.search.writer import running_warmer

    if warmer := running_warmer():
        warmer.request_finished()


def worker_exit(server: object, worker: object) -> None:
    from insights.search.writer import stop_writer

    stop_writer()
