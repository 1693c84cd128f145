"""A private throwaway PostgreSQL cluster that a test may stop and start (never the shared SKILLBOT_TEST_PG_URL server).

Finds the server binaries like scripts/postgres.sh does; as root the cluster runs as the `postgres` system user.

    if (reason := missing()) is None:   # else skip with the reason
        with PgCluster(find_bindir()) as cluster:
            url = cluster.url         # postgresql://postgres@127.0.0.1:PORT/skillbot
            cluster.stop(); cluster.start()
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

import psycopg

from tests.support.webhook import free_port

OS_USER = "postgres"  # system account owning the cluster when the tests run as root
SUPERUSER = "postgres"
TIMEOUT = 60.0
SERVER_OPTIONS = "-c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off -c full_page_writes=off"


def _complete(dirname: str) -> bool:
    """True when the folder holds the three server programs."""
    return all(os.access(os.path.join(dirname, tool), os.X_OK) for tool in ("pg_ctl", "initdb", "postgres"))


def _major(bindir: str) -> int:
    """The major version of /usr/lib/postgresql/<major>/bin (0 when not a number)."""
    name = Path(bindir).parent.name
    return int(name) if name.isdigit() else 0


def find_bindir() -> str | None:
    """The folder holding pg_ctl, initdb and postgres (PATH first, then the newest Debian version), or None."""
    found = shutil.which("pg_ctl")
    if found:
        dirname = os.path.dirname(os.path.realpath(found))
        if _complete(dirname):
            return dirname
    for dirname in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_major, reverse=True):
        if _complete(dirname):
            return dirname
    return None


def _as_root() -> bool:
    """True when the tests run as root (the cluster must then run as the postgres system user)."""
    return os.geteuid() == 0


def missing() -> str | None:
    """Why no private cluster can be started here, or None when it can."""
    if find_bindir() is None:
        return "no PostgreSQL server binaries (pg_ctl, initdb, postgres) on PATH or in /usr/lib/postgresql/*/bin"
    if _as_root():
        try:
            pwd.getpwnam(OS_USER)
        except KeyError:
            return f"running as root without a {OS_USER!r} system user to own a PostgreSQL cluster"
        if shutil.which("runuser") is None:
            return "running as root without runuser to start PostgreSQL as another user"
    return None


class PgCluster:
    """initdb into a fresh folder, pg_ctl start/stop on a free loopback port; removed on exit."""

    def __init__(self, bindir: str, database: str = "skillbot") -> None:
        self.bindir = bindir
        self.database = database
        self.port = free_port()
        self.base = Path(tempfile.mkdtemp(prefix="skillbot-pg-"))  # not tmp_path: the postgres user must reach it
        self.data = self.base / "data"
        self.log = self.base / "server.log"

    @property
    def url(self) -> str:
        """The URL of the test database (trust authentication on loopback)."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{self.database}"

    def _run(self, *args: str) -> None:
        """Run a server tool as the cluster owner; raise with its output when it fails."""
        command = [os.path.join(self.bindir, args[0]), *args[1:]]
        if _as_root():
            command = ["runuser", "-u", OS_USER, "--", *command]
        done = subprocess.run(command, cwd="/", capture_output=True, text=True, timeout=TIMEOUT)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stdout[-2000:]}{done.stderr[-2000:]}")

    def init(self) -> None:
        """Create the cluster and the test database."""
        if _as_root():
            entry = pwd.getpwnam(OS_USER)
            os.chown(self.base, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync")
        self.start()
        with psycopg.connect(f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.database}"')

    def start(self) -> None:
        """pg_ctl start and wait until it accepts connections."""
        self._run("pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w", "-t", str(int(TIMEOUT)),
                  "-o", f"{SERVER_OPTIONS} -p {self.port}")

    def stop(self) -> None:
        """pg_ctl stop -m fast: open connections are terminated, the server is down when it returns."""
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w", "-t", str(int(TIMEOUT)))

    def running(self) -> bool:
        """True while the server is up."""
        command = [os.path.join(self.bindir, "pg_ctl"), "status", "-D", str(self.data)]
        if _as_root():
            command = ["runuser", "-u", OS_USER, "--", *command]
        return subprocess.run(command, cwd="/", capture_output=True, timeout=TIMEOUT).returncode == 0

    def close(self) -> None:
        """Stop the server if it runs and remove its folder."""
        try:
            if (self.data / "PG_VERSION").exists() and self.running():
                self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w", "-t", str(int(TIMEOUT)))
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> PgCluster:
        try:
            self.init()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *_exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()
