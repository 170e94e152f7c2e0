"""gunicorn's configuration for the embedded set-up (`make run`): one process, several threads.

One worker process, because the embedded set-up keeps its Whoosh index in var/ and Whoosh has
one writer at a time: threads of one process share it. Threads (gthread) also keep
connections alive, which the browser reuses for the coding panel's requests. The worker
runs the search index writer (insights.search.writer), so no request waits for a Whoosh commit,
and the writer warms the searcher as the worker starts, so neither does its first search.
"""

workers = 1
worker_class = "gthread"
threads = 4
timeout = 120
# gunicorn's control socket has one default path per user: a second server on the machine
# (another checkout, the benchmarks) would take it over. make run needs none.
control_socket_disable = True


def post_worker_init(worker: object) -> None:
    """Index changes in a thread of the worker (insights.search.writer), not in the request."""
    from insights.search.writer import start_writer

    start_writer()


def worker_exit(server: object, worker: object) -> None:
    from insights.search.writer import stop_writer

    stop_writer()
