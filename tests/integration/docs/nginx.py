"""Run docs/deploy/nginx.conf for real: a full config around it with test paths and ports."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.conftest import REPO

CONF = REPO / "docs" / "deploy" / "nginx.conf"


def nginx_binary() -> str:
    """The nginx executable; a missing one fails in CI (CI=true) and skips elsewhere."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail("nginx is not installed in CI: `.ci/run` must apt-get install nginx")
    pytest.skip("nginx is not installed (apt-get install -y nginx)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that a test trusts directly, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kpfeed nginx test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _replace(text: str, old: str, new: str) -> str:
    # The test must notice when the committed config changes shape, not silently test less.
    assert old in text, f"docs/deploy/nginx.conf no longer contains {old!r}"
    return text.replace(old, new)


@dataclass(frozen=True)
class Site:
    """A full nginx configuration built around the committed server config."""

    root: Path
    config: Path
    public: Path
    https_port: int
    http_port: int
    upstream_port: int
    cert: Path

    def command(self, binary: str, *extra: str) -> list[str]:
        return [
            binary,
            *extra,
            "-p",
            f"{self.root}/",
            "-e",
            str(self.root / "error.log"),
            "-c",
            str(self.config),
        ]


def build_site(root: Path, public: Path, upstream_port: int) -> Site:
    """Write `root/nginx.conf`: the committed file with this test's paths, ports and certificate."""
    cert, key = self_signed_certificate(root)
    https_port, http_port = free_port(), free_port()
    text = CONF.read_text(encoding="utf-8")
    text = _replace(text, "/srv/kpfeed/public/", f"{public}/")
    text = _replace(text, "/etc/ssl/kpfeed/fullchain.pem", str(cert))
    text = _replace(text, "/etc/ssl/kpfeed/privkey.pem", str(key))
    text = _replace(text, "listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;")
    text = _replace(text, "listen 80;", f"listen 127.0.0.1:{http_port};")
    # The test machine may have no IPv6; the IPv4 lines above carry the checks.
    text = re.sub(r"\n\s*listen \[::\]:\d+[^;]*;", "", text)
    text, workers = re.subn(r"server 127\.0\.0\.1:800\d", f"server 127.0.0.1:{upstream_port}", text)
    assert workers == 2, "docs/deploy/nginx.conf should name two API workers"
    (root / "kpfeed.conf").write_text(text, encoding="utf-8")
    temp = {name: root / "tmp" / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for folder in temp.values():
        folder.mkdir(parents=True, exist_ok=True)
    # As root the workers would run as `nobody`, who cannot read pytest's private temp folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    config = root / "nginx.conf"
    config.write_text(
        f"{user}worker_processes 1;\ndaemon off;\npid {root / 'nginx.pid'};\n"
        f"error_log {root / 'error.log'} warn;\n"
        "events { worker_connections 64; }\n"
        "http {\n"
        f"    access_log {root / 'access.log'};\n"
        f"    client_body_temp_path {temp['body']};\n"
        f"    proxy_temp_path {temp['proxy']};\n"
        f"    fastcgi_temp_path {temp['fastcgi']};\n"
        f"    uwsgi_temp_path {temp['uwsgi']};\n"
        f"    scgi_temp_path {temp['scgi']};\n"
        f"    include {root / 'kpfeed.conf'};\n"
        "}\n",
        encoding="utf-8",
    )
    return Site(root, config, public, https_port, http_port, upstream_port, cert)


class EchoHandler(BaseHTTPRequestHandler):
    """Stands in for an API worker: answers with what reached it."""

    def do_GET(self) -> None:
        body = json.dumps(
            {
                "path": self.path,
                "host": self.headers.get("Host"),
                "x_forwarded_proto": self.headers.get("X-Forwarded-Proto"),
                "x_forwarded_for": self.headers.get("X-Forwarded-For"),
                "x_request_id": self.headers.get("X-Request-ID"),
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass


@contextmanager
def echo_upstream() -> Iterator[int]:
    """An HTTP server on 127.0.0.1 in a thread, stopped on exit; yields its port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), EchoHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextmanager
def running_nginx(binary: str, site: Site) -> Iterator[subprocess.Popen[bytes]]:
    """nginx in the foreground on the site's ports, stopped (SIGTERM, then SIGKILL) on exit."""
    log = (site.root / "nginx.out").open("wb")
    process = subprocess.Popen(site.command(binary), stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"nginx exited: {(site.root / 'error.log').read_text()}")
            try:
                socket.create_connection(("127.0.0.1", site.https_port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("nginx did not start listening") from None
                time.sleep(0.05)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        log.close()
