"""Real database and queue servers for tests: own temporary data dirs, loopback, free ports, stopped after.

Never the system services: each server runs from Debian's binaries under a fresh temp dir.
As root, Postgres refuses to run, so initdb and postgres run as the `postgres` OS user.
"""

from __future__ import annotations

import asyncio
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path


class ServerMissing(RuntimeError):
    """The server's binaries are not installed here."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def postgres_bindir() -> Path:
    """The newest installed PostgreSQL server binaries (Debian's layout, or initdb on PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise ServerMissing("PostgreSQL server binaries not found (apt-get install postgresql)")


def _as_user() -> tuple[list[str], str | None]:
    """The command prefix that drops root to the `postgres` user, and that user's name."""
    if os.geteuid() != 0:
        return [], None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return ["runuser", "-u", name, "--"], name
    raise ServerMissing("running as root and no unprivileged user to run postgres as")


@dataclass
class PostgresServer:
    """A throwaway PostgreSQL cluster; `dsn` reaches its `postgres` database over TCP on loopback."""

    root: Path
    port: int
    bindir: Path
    prefix: list[str]

    @property
    def dsn(self) -> str:
        """The connection URL (trust auth on loopback, user postgres)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @classmethod
    def start(cls, *, durable: bool = False) -> PostgresServer:
        """initdb into a temp dir and start the server; waits until it accepts connections.

        Tests run without fsync; `durable` keeps fsync on, with synchronous_commit off (a commit
        survives the server process dying, as SQLite's WAL with synchronous=NORMAL does), for benchmarks.
        """
        bindir = postgres_bindir()
        prefix, user = _as_user()
        root = Path(tempfile.mkdtemp(prefix="avatar-pg-"))
        if user is not None:
            info = pwd.getpwnam(user)
            os.chown(root, info.pw_uid, info.pw_gid)
        data, sock = root / "data", root / "sock"
        run = [*prefix]
        subprocess.run(
            [*run, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
             "--locale=C", "--no-sync"],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        subprocess.run([*run, "mkdir", "-p", str(sock)], check=True)
        port = free_port()
        opts = (
            f"-h 127.0.0.1 -p {port} -k {sock} -F -c fsync=off -c full_page_writes=off -c max_connections=200"
        )
        subprocess.run(
            [*run, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w", "-t", "60", "-o", opts,
             "start"],
            check=True, capture_output=True, timeout=90,
        )  # fmt: skip
        return cls(root, port, bindir, prefix)

    def stop(self) -> None:
        """Stop the server and delete its data dir."""
        subprocess.run(
            [*self.prefix, str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "-w",
             "stop"],
            capture_output=True, timeout=60,
        )  # fmt: skip
        shutil.rmtree(self.root, ignore_errors=True)


def wait_port(port: int, timeout: float = 30.0) -> None:
    """Wait until something accepts TCP connections on 127.0.0.1:`port`."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@dataclass
class RedisServer:
    """A throwaway redis-server on loopback with no persistence; `url` reaches it."""

    root: Path
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        """The redis:// URL."""
        return f"redis://127.0.0.1:{self.port}/0"

    @classmethod
    def start(cls) -> RedisServer:
        """Start redis-server in a temp dir on a free port; waits until it accepts connections."""
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(binary).exists():
            raise ServerMissing("redis-server not found (apt-get install redis-server)")
        root = Path(tempfile.mkdtemp(prefix="avatar-redis-"))
        port = free_port()
        process = subprocess.Popen(
            [binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(root), "--save", "",
             "--appendonly", "no", "--protected-mode", "yes", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_port(port)
        return cls(root, port, process)

    def stop(self) -> None:
        """Stop the server and delete its dir."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


async def until(check: Callable[[], Awaitable[bool]], what: str, limit_s: float = 30.0) -> None:
    """Poll `check` until it is true; fail saying `what` was awaited after `limit_s`."""
    deadline = time.monotonic() + limit_s
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
