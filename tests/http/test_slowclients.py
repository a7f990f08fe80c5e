"""Slow clients (issue 8): a request's line and headers must be complete
within --header-timeout seconds of its first byte, or the connection is
closed without an answer; meanwhile everyone else is served. Only the
headers are timed: an idle connection, a slow body and the next request on
a kept-alive connection each get what they should.
Its own module: the server runs with --header-timeout 2.
"""
import http.client
import select
import socket
import threading
import time

import harness
from util import check, check_bad_serve_option

DEADLINE = 2.0


def make_server():
    return harness.Server(args=["--header-timeout", "%d" % DEADLINE])


def connect(srv):
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def closed_by_server(s):
    """True when the server has closed s (EOF or reset), without waiting."""
    if not select.select([s], [], [], 0)[0]:
        return False
    try:
        return s.recv(4096) == b""
    except ConnectionError:
        return True


def trickle(s, data, every, limit):
    """Send data one byte every `every` seconds until the server closes s or
    `limit` seconds pass; returns (seconds from the first byte to the close
    or None, everything the server sent)."""
    t0 = time.monotonic()
    got = b""
    i = 0
    while time.monotonic() - t0 < limit:
        try:
            s.send(data[i % len(data):i % len(data) + 1])
        except (BrokenPipeError, ConnectionError):
            return time.monotonic() - t0, got
        i += 1
        end = time.monotonic() + every
        while time.monotonic() < end:
            r, _, _ = select.select([s], [], [], max(0, end - time.monotonic()))
            if not r:
                continue
            try:
                chunk = s.recv(4096)
            except ConnectionError:
                return time.monotonic() - t0, got
            if not chunk:
                return time.monotonic() - t0, got
            got += chunk
    return None, got


_pending = {}  # socket -> bytes read past the last response (pipelining)


def read_response(s, timeout=10):
    """One HTTP response from s: (status, body); the body by Content-Length."""
    buf = _pending.pop(s, b"")
    s.settimeout(timeout)
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        check(chunk, "connection closed before a response (%r)", buf[:200])
        buf += chunk
    head, _, buf = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    while len(buf) < length:
        chunk = s.recv(65536)
        check(chunk, "connection closed in a response body")
        buf += chunk
    _pending[s] = buf[length:]
    return status, buf[:length]


def get(s, path="/healthz"):
    s.sendall(("GET %s HTTP/1.1\r\nHost: t\r\n\r\n" % path).encode())
    return read_response(s)


class Others(threading.Thread):
    """Normal clients on their own connections while a slow one trickles."""

    def __init__(self, srv):
        super().__init__(daemon=True)
        self.srv = srv
        self.stop = False
        self.lat = []
        self.bad = []

    def run(self):
        while not self.stop:
            t = time.monotonic()
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=10)
                c.request("GET", "/login")
                r = c.getresponse()
                r.read()
                c.close()
                if r.status != 200:
                    self.bad.append(r.status)
            except (OSError, http.client.HTTPException) as e:
                self.bad.append(repr(e))
            self.lat.append(time.monotonic() - t)
            time.sleep(0.05)


def test_trickled_headers_are_cut_others_served(srv):
    others = Others(srv)
    others.start()
    idle = connect(srv)                 # connected, sends nothing
    kept = connect(srv)                 # one request, then idle on keep-alive
    check(get(kept)[0] == 200, "keep-alive connection: first request not answered")
    slow = connect(srv)
    head = b"GET /healthz HTTP/1.1\r\nHost: t\r\n"
    fill = b"X-Slow: " + b"a" * 30 + b"\r\n"
    try:
        took, got = trickle(slow, head + fill * 100, 0.2, DEADLINE + 6)
    finally:
        others.stop = True
        others.join()
        slow.close()
    check(took is not None, "a client trickling headers was not closed in %.0f s", DEADLINE + 6)
    check(DEADLINE - 0.3 <= took <= DEADLINE + 2.5,
          "closed %.2f s after its first byte; the deadline is %.0f s", took, DEADLINE)
    check(got == b"", "the slow client got an answer: %r", got[:200])
    check(len(others.lat) >= 10 and not others.bad,
          "others: %d requests, failures %r", len(others.lat), others.bad[:5])
    check(max(others.lat) < 1.0, "others waited up to %.2f s", max(others.lat))
    # Idle is not slow: the deadline runs from a request's first byte, so
    # a silent connection and a kept-alive one outlive it and still serve.
    for name, s in (("idle", idle), ("kept-alive", kept)):
        check(not closed_by_server(s), "the %s connection was closed after %.1f s", name, took)
        status, body = get(s)
        check(status == 200 and b"ok" in body, "%s connection: %r %r", name, status, body[:100])
        s.close()


def test_next_request_on_kept_alive_connection_is_timed_too(srv):
    s = connect(srv)
    check(get(s)[0] == 200, "first request not answered")
    time.sleep(DEADLINE + 0.5)          # idle between requests: not counted
    took, got = trickle(s, b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: aaaaaaaaaa", 0.2,
                        DEADLINE + 6)
    s.close()
    check(took is not None and DEADLINE - 0.3 <= took <= DEADLINE + 2.5,
          "second request trickled: closed after %r s", took)
    check(got == b"", "the slow request got an answer: %r", got[:200])


def test_slow_body_is_not_cut(srv):
    # Complete headers, then a body sent a byte at a time for longer than
    # the deadline: the headers were in time, so the request is answered.
    body = b"username=nadie&password=incorrecta&next=%2F"
    s = connect(srv)
    s.sendall(b"POST /login HTTP/1.1\r\nHost: t\r\n"
              b"Content-Type: application/x-www-form-urlencoded\r\n"
              b"Content-Length: %d\r\n\r\n" % len(body))
    every = (DEADLINE + 1) / len(body)
    for i in range(len(body)):
        s.send(body[i:i + 1])
        time.sleep(every)
    status, page = read_response(s)
    s.close()
    check(status in (200, 303, 401, 403, 429), "slow body: %r %r", status, page[:200])


def test_pipelined_requests_are_all_answered(srv):
    s = connect(srv)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n" * 3)
    for i in range(3):
        status, _ = read_response(s)
        check(status == 200, "pipelined request %d: %r", i + 1, status)
    # And the connection still times the next request's headers.
    took, _ = trickle(s, b"GET /healthz HTTP/1.1\r\nX-Slow: a", 0.2, DEADLINE + 6)
    s.close()
    check(took is not None and took <= DEADLINE + 2.5, "after pipelining: closed after %r s",
          took)


def test_server_still_healthy(srv):
    c = srv.client()
    check(c.get("/healthz").status == 200, "healthz after the slow clients")
    check(srv.proc.poll() is None, "the server died")


def test_bad_header_timeout_is_refused(srv):
    # A value that is not 0..3600 whole seconds stops `serve` before it
    # opens (or creates) a database or listens anywhere.
    check_bad_serve_option(srv, "--header-timeout", ("-1", "3601", "abc", "2.5", ""),
                           "--header-timeout wants 0..3600 seconds")
