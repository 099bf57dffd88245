"""A real S3 server for tests: moto's, over HTTP on loopback, and a proxy in front of it.

moto's ThreadedMotoServer keeps its buckets in this process, so a server stopped and started
again on the same port still has them (a network outage, not data loss). The proxy forwards
every request unchanged except those a test asks it to answer itself: moto never answers 409
ConditionalRequestConflict or 403 AccessDenied on its own, so those two answers are made by
the proxy, over the same real HTTP connection boto3 uses.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tracker.io.project import loads_song
from tracker.model import Song

ACCESS_KEY = "AKIATRACKERTEST00001"
SECRET_KEY = "tracker-test-secret-7f3a9c1e5b"
"""Looked for in every output and file a test leaves: it must never be written anywhere."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class MotoServer:
    """moto's S3 on 127.0.0.1:<port>; stop() and start() again keep the buckets."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self._server: ThreadedMotoServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def song(self, bucket: str, key: str = "song.json") -> Song:
        """The project stored at `key`, read by another client."""
        data = admin_client(self.url).get_object(Bucket=bucket, Key=key)["Body"].read()
        return loads_song(data)

    def keys(self, bucket: str) -> list[str]:
        listed = admin_client(self.url).list_objects_v2(Bucket=bucket)
        return sorted(entry["Key"] for entry in listed.get("Contents", []))


@contextmanager
def moto_server() -> Iterator[MotoServer]:
    server = MotoServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def s3_server() -> Iterator[MotoServer]:
    """The test module's S3 server; tests make a bucket each."""
    with moto_server() as server:
        yield server


@pytest.fixture
def s3_env(
    s3_server: MotoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """This process's environment pointed at s3_server, with test credentials and nothing
    of the user's (profile, bucket, prefix)."""
    variables = aws_environment(tmp_path, s3_server.url)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "TRACKER_S3_BUCKET", "TRACKER_S3_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    return variables


def aws_environment(tmp: Path, endpoint_url: str) -> dict[str, str]:
    """Credentials and the endpoint as a user would give them; no shared config files."""
    return {
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_S3": endpoint_url,
        "AWS_CONFIG_FILE": str(tmp / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp / "no-aws-credentials"),
    }


def admin_client(endpoint_url: str) -> Any:
    """A second S3 client, as another machine or the person running the bucket."""
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1",
    )


@dataclass
class Fault:
    """Answer the next `times` requests with `method` whose path ends with `suffix`."""

    method: str
    suffix: str
    status: int
    code: str
    times: int = 1


@dataclass
class FaultProxy:
    """An HTTP proxy to `upstream` that answers some requests itself (see the docstring)."""

    upstream_port: int
    faults: list[Fault] = field(default_factory=list)
    answered: list[tuple[str, str, int]] = field(default_factory=list)
    port: int = 0
    delay_s: float = 0.0
    """Each request waits this long before it is answered (a slow link)."""
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail(self, method: str, suffix: str, status: int, code: str, times: int = 1) -> None:
        self.faults.append(Fault(method, suffix, status, code, times))

    def start(self) -> None:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _relay(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if proxy.delay_s:
                    time.sleep(proxy.delay_s)
                fault = proxy._take(self.command, self.path.split("?")[0])
                if fault is not None:
                    proxy.answered.append((self.command, self.path, fault.status))
                    xml = (
                        f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{fault.code}</Code>'
                        f"<Message>injected by the test proxy</Message></Error>"
                    ).encode()
                    self.send_response(fault.status)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(xml)))
                    self.end_headers()
                    self.wfile.write(xml)
                    return
                upstream = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=30)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                    headers["Host"] = f"127.0.0.1:{proxy.upstream_port}"
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    answer = upstream.getresponse()
                    data = answer.read()
                    self.send_response(answer.status)
                    for name, value in answer.getheaders():
                        if name.lower() not in (
                            "content-length",
                            "transfer-encoding",
                            "connection",
                        ):
                            self.send_header(name, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(data)
                finally:
                    upstream.close()

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _relay

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _take(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.times > 0 and fault.method == method and path.endswith(fault.suffix):
                fault.times -= 1
                return fault
        return None
