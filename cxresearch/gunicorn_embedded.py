"""gunicorn's configuration for the embedded set-up (`make run`): one process, several threads.

One worker process, because the embedded set-up keeps its Whoosh index in var/ and Whoosh has
one writer at a time: threads of one process share it. Threads (gthread) also keep
connections alive, which the browser reuses for the coding panel's requests.
"""

workers = 1
worker_class = "gthread"
threads = 4
timeout = 120
