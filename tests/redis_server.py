"""A real redis-server on a free loopback port, for the shared-store tests.

``redis_server`` (session scope) starts ``redis-server --port N --bind 127.0.0.1
--save '' --appendonly no``, waits until it answers PING and kills it at the
end; ``redis_url`` gives a fresh database number's URL per test, so tests never
see each other's keys. Tests are skipped, saying why, only when the binary is
missing. Use: ``from tests.redis_server import redis_server, redis_url  # noqa: F401``.
"""

from __future__ import annotations

import itertools
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass

import pytest

REDIS_BINARY = shutil.which("redis-server")
needs_redis = pytest.mark.skipif(REDIS_BINARY is None, reason="redis-server binary not found on PATH "
                                                                "(apt-get install redis-server)")


@dataclass
class RedisServer:
    port: int
    password: str | None
    process: subprocess.Popen

    def url(self, db: int = 0) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/{db}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis(password: str | None = None, startup_timeout: float = 20.0) -> RedisServer:
    import redis

    workdir = tempfile.mkdtemp(prefix="newscrawl-redis-")
    for _ in range(5):  # another process may take the port between probe and bind
        port = _free_port()
        args = [REDIS_BINARY, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", workdir, "--databases", "64"]
        if password:
            args += ["--requirepass", password]
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        client = redis.Redis(host="127.0.0.1", port=port, password=password, socket_connect_timeout=0.5)
        deadline = time.monotonic() + startup_timeout
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if client.ping():
                    client.close()
                    return RedisServer(port, password, proc)
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        stop_redis(proc)
    raise RuntimeError(f"redis-server did not answer PING on a free loopback port: {proc.stdout.read()!r}")


def stop_redis(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=10)
    if proc.stdout:
        proc.stdout.close()


@pytest.fixture(scope="session")
def redis_server():
    if REDIS_BINARY is None:
        pytest.skip("redis-server binary not found on PATH (apt-get install redis-server)")
    server = start_redis(password="s3cret-test-pw")
    try:
        yield server
    finally:
        stop_redis(server.process)


_databases = itertools.count(1)


@pytest.fixture
def redis_url(redis_server) -> str:
    """A URL (with password) to a database no other test uses."""
    db = next(_databases)
    if db >= 64:
        pytest.fail("more redis tests than databases: raise --databases in tests/redis_server.py")
    return redis_server.url(db)
