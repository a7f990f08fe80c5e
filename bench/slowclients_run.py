"""Slow clients for bench/slowclients.sh (slowloris): CONNS connections
that each send one header byte per second, while a probe keeps viewing a
page on fresh connections.

    python3 bench/slowclients_run.py HOST PORT COOKIE [CONNS] [TRICKLE] [SILENT] [PAGE] [DEADLINE]

Phases:
  baseline  5 s of probe views alone (for comparison);
  trickle   up to TRICKLE seconds (60): every slow connection sends one more
            byte of an endless request header each second; probe views go
            on. The server closes each one DEADLINE seconds (its
            --header-timeout, 10) after its first byte; the phase ends early
            once all are closed, and probe views are counted apart while
            slow connections are open and once they are all closed;
  silent    those still open stop sending; how long until the server closes
            them (its connection timeout is 20 s of inactivity)? At most
            SILENT seconds (40) are waited.
The probe opens a new connection for every view (like a new browser tab),
about 20 a second, and must keep being answered 200.
"""
import http.client
import selectors
import socket
import statistics
import sys
import threading
import time

host, port, cookie = sys.argv[1], int(sys.argv[2]), sys.argv[3]
CONNS = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
TRICKLE = float(sys.argv[5]) if len(sys.argv) > 5 else 60
SILENT = float(sys.argv[6]) if len(sys.argv) > 6 else 40
PAGE = sys.argv[7] if len(sys.argv) > 7 else "/p/bash-1"
DEADLINE = float(sys.argv[8]) if len(sys.argv) > 8 else 10

# What each slow connection sends, one byte a second: a request line,
# then header lines that never end (a classic slowloris).
HEAD = b"GET " + PAGE.encode() + b" HTTP/1.1\r\nHost: " + host.encode() + b"\r\n"
FILL = b"X-Slow: " + b"a" * 40 + b"\r\n"


def slow_byte(i):
    return HEAD[i:i + 1] if i < len(HEAD) else FILL[(i - len(HEAD)) % len(FILL):][:1]


class Probe(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.phase = "baseline"
        self.lat = {}      # phase -> [ms]
        self.fail = {}     # phase -> count
        self.stop = False

    def run(self):
        while not self.stop:
            phase = self.phase
            t = time.perf_counter()
            ok = False
            try:
                c = http.client.HTTPConnection(host, port, timeout=10)
                c.request("GET", PAGE, headers={"Cookie": cookie})
                r = c.getresponse()
                r.read()
                ok = r.status == 200
                c.close()
            except (OSError, http.client.HTTPException):
                pass
            ms = (time.perf_counter() - t) * 1000
            if ok:
                self.lat.setdefault(phase, []).append(ms)
            else:
                self.fail[phase] = self.fail.get(phase, 0) + 1
            time.sleep(max(0, 0.05 - ms / 1000))

    def report(self, phase, label):
        lat = sorted(self.lat.get(phase, []))
        fails = self.fail.get(phase, 0)
        if not lat and not fails:
            return  # the phase did not happen
        if not lat:
            print("  %-30s no view answered (%d failed)" % (label, fails))
            return
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
        print("  %-30s %5d views answered 200, %d failed; p50 %.2f ms, p99 %.2f ms, max %.2f ms" % (
            label, len(lat), fails, statistics.median(lat), p99, lat[-1]))


def main():
    probe = Probe()
    probe.start()
    time.sleep(5)

    sel = selectors.DefaultSelector()
    conns = {}  # socket -> [opened_at, bytes_sent, closed_at or None, how, first_byte_at]
    refused = 0
    t0 = time.time()
    for _ in range(CONNS):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect((host, port))
        except BlockingIOError:
            pass
        except OSError:
            refused += 1
            s.close()
            continue
        conns[s] = [time.time(), 0, None, None, None]
        sel.register(s, selectors.EVENT_READ)
    probe.phase = "trickle"

    def closed(s, how):
        st = conns[s]
        if st[2] is None:
            st[2] = time.time()
            st[3] = how
            sel.unregister(s)
            s.close()

    def poll(until):
        while True:
            left = until - time.time()
            if left <= 0:
                return
            for key, _ in sel.select(min(left, 0.2)):
                s = key.fileobj
                try:
                    data = s.recv(4096)
                    closed(s, "answered %s" % data.split(b"\r\n")[0].decode("latin-1")
                           if data else "closed")
                except OSError as e:
                    closed(s, "reset (%s)" % e.__class__.__name__)

    tick = time.time()
    while time.time() - t0 < TRICKLE:
        if all(st[2] is not None for st in conns.values()):
            break
        for s, st in list(conns.items()):
            if st[2] is not None:
                continue
            try:
                if s.send(slow_byte(st[1])) == 1:
                    if st[1] == 0:
                        st[4] = time.time()
                    st[1] += 1
            except (BlockingIOError, InterruptedError):
                pass
            except OSError as e:
                closed(s, "reset (%s)" % e.__class__.__name__)
        tick += 1
        poll(tick)
        if probe.phase == "trickle" and all(st[2] is not None for st in conns.values()):
            probe.phase = "cut"
    trickle_end = time.time()
    if probe.phase == "cut":
        time.sleep(5)  # views once the server has closed them all
    open_after = [st for st in conns.values() if st[2] is None]
    closed_during = [st for st in conns.values() if st[2] is not None]
    probe.phase = "silent"
    deadline = trickle_end + SILENT
    while time.time() < deadline and any(st[2] is None for st in conns.values()):
        poll(min(deadline, time.time() + 1))
    probe.stop = True
    probe.join()

    print("slow clients: %d connections sending one header byte a second (%d could not connect); "
          "probe views %s" % (len(conns), refused, PAGE))
    probe.report("baseline", "views before the flood:")
    probe.report("trickle", "views while they trickle:")
    probe.report("cut", "views once all are closed:")
    probe.report("silent", "views while they idle:")
    sent = sorted(st[1] for st in conns.values())
    print("  trickling for %.0f s: %d still open at the end, %d closed by the server meanwhile;"
          " up to %d header bytes sent on one connection" % (
              trickle_end - t0, len(open_after), len(closed_during), sent[-1] if sent else 0))
    if closed_during:
        ages = sorted(st[2] - (st[4] or st[0]) for st in closed_during)
        hows = {}
        for st in closed_during:
            hows[st[3]] = hows.get(st[3], 0) + 1
        print("    closed while trickling, after their first byte: %.1f s (min), %.1f s (median), "
              "%.1f s (max); header deadline %.0f s: %s" % (
                  ages[0], statistics.median(ages), ages[-1], DEADLINE, hows))
    silent = [st for st in open_after if st[2] is not None]
    if silent:
        waits = sorted(st[2] - trickle_end for st in silent)
        hows = {}
        for st in silent:
            hows[st[3]] = hows.get(st[3], 0) + 1
        print("  after they stopped sending: %d closed by the server %.1f s (median), %.1f s (max) "
              "after their last byte: %s" % (len(silent), statistics.median(waits), waits[-1], hows))
    still = sum(1 for st in conns.values() if st[2] is None)
    if still:
        print("  %d still open %.0f s after their last byte" % (still, SILENT))
    if open_after:
        print("  note: %d connections kept trickling to the end: %s" % (
            len(open_after), "the %.0f s header deadline did not close them" % DEADLINE
            if DEADLINE > 0 else "no header deadline (--header-timeout 0)"))
    for s in conns:
        if conns[s][2] is None:
            s.close()


main()
