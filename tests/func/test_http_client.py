"""The agent's HTTP client (src/agent/http-client.c) against a scripted
server: keep-alive reuse, chunked and close-delimited bodies, a server that
drops idle connections, malformed and missing answers, timeouts, the
header hand-over, 401 retries with new credentials, host names, and https
with certificate and name verification.

Driven through build/tests/system/hclient-tool (NEUTRINO_HCLIENT_TOOL),
which prints one JSON line per request."""

import json
import os
import socket
import ssl
import subprocess
import threading
import time

import pytest

from conftest import REPO

TOOL = os.environ.get("NEUTRINO_HCLIENT_TOOL") or str(
    REPO / "build" / "tests" / "system" / "hclient-tool")

pytestmark = pytest.mark.skipif(not os.access(TOOL, os.X_OK),
                                reason="%s not built" % TOOL)


class Scripted:
    """A threaded HTTP/1.1 server whose answer depends on the path; it
    records every request (method, path, headers, body) and how many
    connections it accepted."""

    def __init__(self, tls_context=None):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.tls = tls_context
        self.connections = 0
        self.requests = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self):
        self.sock.close()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            if self.tls:
                conn = self.tls.wrap_socket(conn, server_side=True)
            f = conn.makefile("rb")
            while self._one(conn, f):
                pass
        except (OSError, ssl.SSLError):
            pass
        finally:
            conn.close()

    def _one(self, conn, f):
        line = f.readline()
        if not line:
            return False
        method, path, _ = line.decode().split(" ", 2)
        headers = {}
        while True:
            h = f.readline().decode()
            if h in ("\r\n", "\n", ""):
                break
            k, v = h.split(":", 1)
            headers[k.strip().lower()] = v.strip()
        body = f.read(int(headers.get("content-length", "0")))
        with self.lock:
            self.requests.append((method, path, headers, body))
        return self.answer(conn, method, path, headers, body)

    def answer(self, conn, method, path, headers, body):
        echo = json.dumps({"method": method, "path": path,
                           "body": body.decode() or None}).encode()
        if path == "/slow":
            time.sleep(0.3)  # So that concurrent requests overlap.
            path = "/json"
        if path == "/json":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\n\r\n%s" % (len(echo), echo))
        elif path == "/chunked":
            half = len(echo) // 2
            conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                         b"%x\r\n%s\r\n%x;x=y\r\n%s\r\n0\r\n\r\n"
                         % (half, echo[:half], len(echo) - half, echo[half:]))
        elif path == "/close":
            conn.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n"
                         b"Content-Length: %d\r\n\r\n%s" % (len(echo), echo))
            return False
        elif path == "/eof":
            conn.sendall(b"HTTP/1.0 200 OK\r\n\r\n" + echo)
            return False
        elif path == "/drop-idle":
            # Answers, then closes the connection as an idle timeout would,
            # without saying so.
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s"
                         % (len(echo), echo))
            time.sleep(0.2)
            return False
        elif path == "/garbage":
            conn.sendall(b"SSH-2.0-OpenSSH_9.2\r\n\r\n")
            return False
        elif path == "/hangup":
            return False
        elif path == "/silent":
            time.sleep(3)
            return False
        elif path == "/unavailable":
            conn.sendall(b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n"
                         b"Content-Length: 0\r\n\r\n")
        elif path == "/token":
            conn.sendall(b"HTTP/1.1 201 Created\r\nX-Subject-Token: gAAAA-tok\r\n"
                         b"Content-Length: 2\r\n\r\n{}")
        elif path == "/auth":
            ok = headers.get("x-auth-token") == "good"
            status = b"200 OK" if ok else b"401 Unauthorized"
            conn.sendall(b"HTTP/1.1 %s\r\nContent-Length: %d\r\n\r\n%s"
                         % (status, len(echo), echo))
        else:
            conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        return True


@pytest.fixture
def srv():
    s = Scripted()
    yield s
    s.close()


def run_tool(url, *requests, opts=(), env=None, timeout=30):
    argv = [TOOL] + list(opts) + [url]
    for method, path, body in requests:
        argv += [method, path, "-" if body is None else json.dumps(body)]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                       env=dict(os.environ, **(env or {})))
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[-1] == "pending 0", p.stdout
    return [json.loads(line) for line in lines[:-1]]


def test_json_kept_alive_and_reused(srv):
    url = "http://127.0.0.1:%d" % srv.port
    out = run_tool(url, ("GET", "/json", None), ("POST", "/json", {"a": 1}),
                   ("PUT", "/chunked", {"b": [1, 2]}), ("GET", "/json", None),
                   opts=["--seq"])
    assert [o["status"] for o in out] == [200] * 4
    assert out[1]["body"] == {"method": "POST", "path": "/json",
                              "body": '{"a":1}'}
    assert json.loads(out[2]["body"]["body"]) == {"b": [1, 2]}
    assert srv.connections == 1  # One kept-alive connection for all four.
    method, path, headers, _ = srv.requests[0]
    assert headers["host"] == "127.0.0.1:%d" % srv.port
    assert headers["accept"] == "application/json"
    assert srv.requests[1][2]["content-type"] == "application/json"


def test_concurrent_requests_each_get_a_connection(srv):
    url = "http://127.0.0.1:%d/" % srv.port
    out = run_tool(url, *[("GET", "/slow", None)] * 8)
    assert [o["status"] for o in out] == [200] * 8
    assert srv.connections == 8


def test_close_and_eof_delimited(srv):
    url = "http://localhost:%d" % srv.port  # A name: getaddrinfo_a.
    out = run_tool(url, ("GET", "/close", None), ("GET", "/eof", None),
                   ("GET", "/json", None), opts=["--seq"])
    assert [o["status"] for o in out] == [200] * 3
    assert out[1]["body"]["path"] == "/eof"
    assert srv.connections == 3


def test_stale_idle_connection_is_retried(srv):
    url = "http://127.0.0.1:%d" % srv.port
    out = run_tool(url, ("GET", "/drop-idle", None), ("GET", "/json", None),
                   opts=["--seq"])
    assert [o["status"] for o in out] == [200, 200]


def test_bad_answers_fail_cleanly(srv):
    url = "http://127.0.0.1:%d" % srv.port
    out = run_tool(url, ("GET", "/garbage", None), ("GET", "/hangup", None),
                   ("GET", "/silent", None), ("GET", "/json", None),
                   opts=["--timeout", "1000"])
    assert [o["status"] for o in out] == [0, 0, 0, 200]
    # Nobody listening, and a name that does not resolve.
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    out = run_tool("http://127.0.0.1:%d" % port, ("GET", "/json", None))
    assert out[0]["status"] == 0
    out = run_tool("http://no-such-host.invalid", ("GET", "/json", None))
    assert out[0]["status"] == 0


def test_header_handed_over(srv):
    url = "http://127.0.0.1:%d" % srv.port
    out = run_tool(url, ("POST", "/token", {"auth": {}}),
                   opts=["--want", "X-Subject-Token"])
    assert out[0] == {"status": 201, "body": {}, "value": "gAAAA-tok"}


def test_401_retried_once_with_next_credentials(srv):
    url = "http://127.0.0.1:%d" % srv.port
    out = run_tool(url, ("GET", "/auth", None),
                   opts=["--auth", "X-Auth-Token: bad", "--auth",
                         "X-Auth-Token: good"])
    assert out[0]["status"] == 200
    tokens = [h.get("x-auth-token") for _, _, h, _ in srv.requests]
    assert tokens == ["bad", "good"]
    # Refused twice: the second 401 is the answer.
    srv.requests.clear()
    out = run_tool(url, ("GET", "/auth", None),
                   opts=["--auth", "X-Auth-Token: bad", "--auth",
                         "X-Auth-Token: worse", "--auth", "X-Auth-Token: good"])
    assert out[0]["status"] == 401
    assert [h.get("x-auth-token") for _, _, h, _ in srv.requests] == [
        "bad", "worse"]


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost",
                    "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem")],
                   check=True, capture_output=True, timeout=120)
    return d


def test_https_verified(cert):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert / "cert.pem", cert / "key.pem")
    srv = Scripted(ctx)
    try:
        trust = {"SSL_CERT_FILE": str(cert / "cert.pem")}
        ok = run_tool("https://localhost:%d" % srv.port, ("GET", "/json", None),
                      ("GET", "/chunked", None), opts=["--seq"], env=trust)
        assert [o["status"] for o in ok] == [200, 200]
        assert ok[1]["body"]["path"] == "/chunked"
        # Not trusted, or trusted but not the name in the certificate.
        bad = run_tool("https://localhost:%d" % srv.port, ("GET", "/json", None),
                       env={"SSL_CERT_FILE": "/dev/null"})
        assert bad[0]["status"] == 0
        bad = run_tool("https://127.0.0.1:%d" % srv.port, ("GET", "/json", None),
                       env=trust)
        assert bad[0]["status"] == 0
    finally:
        srv.close()


def dead_url():
    """A 127.0.0.1 URL nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return "http://127.0.0.1:%d" % s.getsockname()[1]


def test_failover_to_the_next_server(srv):
    """Several servers: the first cannot be reached, so every request goes
    to the second, which the client then keeps using."""
    urls = "%s, http://127.0.0.1:%d" % (dead_url(), srv.port)
    out = run_tool(urls, ("GET", "/json", None), ("POST", "/json", {"a": 1}),
                   ("GET", "/json", None), opts=["--seq"])
    assert [o["status"] for o in out] == [200] * 3
    assert [r[0] for r in srv.requests] == ["GET", "POST", "GET"]
    assert srv.connections == 1  # Kept with the second server.


def test_failover_on_503_and_each_server_once(srv):
    """A 503 moves a request (and the client) on to the next server; a
    request that every server fails ends with what the last one said."""
    other = Scripted()
    try:
        urls = "http://127.0.0.1:%d,http://127.0.0.1:%d" % (srv.port, other.port)
        out = run_tool(urls, ("GET", "/unavailable", None),
                       ("GET", "/json", None), opts=["--seq"])
        # Both servers answered 503 to the first; the second kept the
        # client, so the next request went there only.
        assert [o["status"] for o in out] == [503, 200]
        assert [r[1] for r in srv.requests] == ["/unavailable"]
        assert [r[1] for r in other.requests] == ["/unavailable", "/json"]
        # Nobody anywhere: each server tried once, then status 0.
        out = run_tool("%s,%s" % (dead_url(), dead_url()),
                       ("GET", "/json", None))
        assert [o["status"] for o in out] == [0]
    finally:
        other.close()


def test_a_server_list_with_a_bad_url_is_refused(srv):
    out = run_tool("http://127.0.0.1:%d,ftp://x" % srv.port,
                   ("GET", "/json", None))
    assert [o["status"] for o in out] == [0]
    assert srv.requests == []
