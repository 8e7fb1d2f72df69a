import os
from typing import Any

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
application: Any = get_wsgi_application()

if os.environ.get("BENCH_WORKER_PROFILE"):
    # A CPU-time profile of every request this worker serves, written when it stops
    # (bench/out/worker-<pid>.txt): where a served request's time goes, beside bench_inprocess's.
    import atexit
    import cProfile
    import pstats
    import time
    from pathlib import Path

    _profiler = cProfile.Profile(time.process_time)
    _app = application

    def application(environ: dict, start_response: Any) -> list[bytes]:
        _profiler.enable()
        try:
            result = _app(environ, start_response)
            body = b"".join(result)
            result.close()
            return [body]
        finally:
            _profiler.disable()

    @atexit.register
    def _write() -> None:
        out = Path(__file__).with_name("out") / f"worker-{os.getpid()}.txt"
        out.parent.mkdir(exist_ok=True)
        with out.open("w") as stream:
            stats = pstats.Stats(_profiler, stream=stream)
            stats.sort_stats("cumulative").print_stats(60)
            stats.sort_stats("tottime").print_stats(30)
