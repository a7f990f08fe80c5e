"""Replies go out as soon as they are made. Each used to wait for the
connection's write event, which fires on the loop's next turn, after the
loop has handled every request that arrived while it was busy: a reply
waited for the requests behind it.
Its own module: the server runs one loop (--threads 1), so that every
connection here is on it.
"""
import random
import socket
import struct
import time

import harness
from util import check, status

S = {}
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux's value


def make_server():
    return harness.Server(args=["--threads", "1"])


def setup(srv):
    srv.add_user("red", "editor")
    S["red"] = srv.token("red")
    # Linux turns its packet time stamps on a moment after the first
    # socket asks for them: one socket asks now, and stays open.
    S["stamps"] = socket.socket()
    S["stamps"].setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)


def connect(srv):
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    # The kernel stamps what arrives: when the test itself runs late on a
    # busy machine, the times are still those of the replies.
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    return s


def get(path):
    return ("GET %s HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer %s\r\n\r\n"
            % (path, S["red"])).encode()


def arrival(s):
    """The first bytes s receives: (the kernel's time of their arrival, in
    seconds, or None when it has none, and the bytes)."""
    data, anc, _, _ = s.recvmsg(65536, socket.CMSG_SPACE(16))
    for level, kind, value in anc:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
            sec, nsec = struct.unpack("qq", value[:16])
            return sec + nsec / 1e9, data
    return None, data


def test_a_reply_does_not_wait_for_the_next_request(srv):
    # A slow request: the diff of two long revisions that share no line
    # (tens of milliseconds of the loop's time).
    red = srv.client(token=S["red"])
    rnd = random.Random(7)
    one = "".join("- [ ] Paso %d: el tique %d\n" % (i, rnd.randrange(10 ** 6)) for i in range(12000))
    two = "".join("Línea %d con la referencia %d.\n\n" % (i, rnd.randrange(10 ** 6))
                  for i in range(10000))
    status(red.api("PUT", "/api/v1/pages/larga", {"title": "Larga", "markdown": one}), 201)
    status(red.api("PUT", "/api/v1/pages/larga", {"title": "Larga", "markdown": two,
                                                   "base_rev": 1}), 200)
    slow = get("/p/larga/diff?from=1&to=2")
    took = []
    for _ in range(3):
        t = time.monotonic()
        status(red.get("/p/larga/diff?from=1&to=2"), 200)
        took.append(time.monotonic() - t)
    d = min(took)
    gaps = []
    for _ in range(6):
        gap = one_then_another(slow, d, srv)
        if gap is not None:
            gaps.append(gap)
        if len(gaps) == 3:
            break
    check(gaps, "the kernel gave no arrival times")
    check(min(gaps) > d / 3,
          "a reply waited for the next request: it arrived %s ms before the next one's;"
          " a diff takes %.1f ms", ", ".join("%.1f" % (g * 1000) for g in gaps), d * 1000)


def one_then_another(slow, d, srv):
    """Seconds between the replies to two slow requests on two
    connections, the second sent while the loop makes the first (None
    without the kernel's times)."""
    socks = [connect(srv) for _ in range(2)]
    try:
        for s in socks:  # accepted, kept alive
            s.sendall(get("/healthz"))
            check(b" 200 " in arrival(s)[1].split(b"\r\n")[0], "/healthz failed")
        first, second = socks
        first.sendall(slow)
        time.sleep(d / 3)
        second.sendall(slow)
        t_first, head = arrival(first)
        check(b" 200 " in head.split(b"\r\n")[0], "the first diff failed: %r", head[:80])
        t_second, head = arrival(second)
        check(b" 200 " in head.split(b"\r\n")[0], "the second diff failed: %r", head[:80])
        return t_second - t_first if t_first and t_second else None
    finally:
        for s in socks:
            s.close()
