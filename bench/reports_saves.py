"""Saves of a 5,000-line page through the API, one after the other (each
changes a few lines, so authorship is carried through the diff and the
page_authors summary rewritten): p50 and p99 latency.

    python3 bench/reports_saves.py URL USER PASSWORD [N]
"""
import http.client
import json
import random
import sys
import time
import urllib.parse

url, user, pw = sys.argv[1], sys.argv[2], sys.argv[3]
n = int(sys.argv[4]) if len(sys.argv) > 4 else 200
u = urllib.parse.urlparse(url)
conn = http.client.HTTPConnection(u.hostname, u.port)
conn.request("POST", "/login", urllib.parse.urlencode({"username": user, "password": pw}),
             {"Content-Type": "application/x-www-form-urlencoded"})
r = conn.getresponse()
r.read()
cookie = r.getheader("Set-Cookie").split(";")[0]
conn.request("GET", "/", headers={"Cookie": cookie})
body = conn.getresponse().read().decode()
csrf = body.split('name="csrf" value="')[1].split('"')[0]
h = {"Cookie": cookie, "X-CSRF-Token": csrf, "Content-Type": "application/json"}
rnd = random.Random(3)
lines = ["- [ ] Paso %d: comprobar el ticket y la fecha de compra\n" % i for i in range(5000)]
base, times = 0, []
for i in range(n + 1):
    if i:
        for _ in range(3):
            lines[rnd.randrange(len(lines))] = "- [ ] Cambio %d: revisar el estado del producto\n" % i
    body = {"title": "Manual completo de mostrador", "markdown": "".join(lines), "base_rev": base}
    t = time.perf_counter()
    conn.request("PUT", "/api/v1/pages/manual-completo", json.dumps(body), h)
    r = conn.getresponse()
    data = r.read()
    if i:
        times.append((time.perf_counter() - t) * 1000)
    if r.status not in (200, 201):
        print("save failed:", r.status, data[:200])
        sys.exit(1)
    base = json.loads(data)["rev"]
times.sort()
print("save of a 5,000-line page (API, authorship incl.) n=%d  p50 %.1f ms  p99 %.1f ms  max %.1f ms" %
      (len(times), times[len(times) // 2], times[max(0, int(len(times) * 0.99) - 1)], times[-1]))
