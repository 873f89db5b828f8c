"""An nginx of a test's own (Debian's package): a round-robin load balancer on a free
loopback port in front of app instances, WebSockets proxied, as ``deploy/nginx.conf``
does for the compose profile. Each response names the instance that served it
(``X-Upstream``), so a test can see where its requests and sockets landed."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.servers import free_port


def nginx_binary() -> str:
    binary = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/bin/nginx") if os.path.exists(p)), None
    )
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("nginx (Debian's package) is required in CI")
        pytest.skip("nginx is not installed (apt-get install nginx)")
    return binary


def config(root: Path, port: int, upstreams: list[str]) -> str:
    servers = "\n".join(f"        server {u} max_fails=1 fail_timeout=5s;" for u in upstreams)
    temp = "\n".join(
        f"    {kind}_temp_path {root}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = "user root root;\n" if os.geteuid() == 0 else ""
    return f"""{user}worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
{temp}
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    upstream app {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_read_timeout 1h;
            proxy_next_upstream error timeout;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


@contextmanager
def nginx(upstreams: list[str]) -> Iterator[str]:
    """nginx balancing over ``upstreams`` (``host:port``); yields its base URL."""
    binary = nginx_binary()
    root = Path(tempfile.mkdtemp(prefix="it-nginx-"))
    port = free_port()
    (root / "nginx.conf").write_text(config(root, port, upstreams))
    proc = subprocess.Popen(
        [binary, "-p", str(root), "-c", str(root / "nginx.conf"), "-e", str(root / "error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            if proc.poll() is not None:
                log = (root / "error.log").read_text(errors="replace")
                raise RuntimeError(f"nginx exited with {proc.returncode}: {log}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError("nginx did not start listening") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()  # SIGTERM: nginx's fast shutdown
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(root, ignore_errors=True)
