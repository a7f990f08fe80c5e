"""Page saves through the API, one after the other: p50 and p99 latency."""
import http.client
import json
import sys
import time
import urllib.parse

url, user, pw = sys.argv[1], sys.argv[2], sys.argv[3]
host, port = urllib.parse.urlparse(url).hostname, urllib.parse.urlparse(url).port
conn = http.client.HTTPConnection(host, port)
conn.request("POST", "/login", urllib.parse.urlencode({"username": user, "password": pw}),
             {"Content-Type": "application/x-www-form-urlencoded"})
r = conn.getresponse()
r.read()
cookie = r.getheader("Set-Cookie").split(";")[0]
conn.request("GET", "/", headers={"Cookie": cookie})
body = conn.getresponse().read().decode()
csrf = body.split('name="csrf" value="')[1].split('"')[0]
h = {"Cookie": cookie, "X-CSRF-Token": csrf, "Content-Type": "application/json"}
base = 0
text = "## Pasos\n\n" + "".join("- [ ] Paso %d: comprobar el ticket y la fecha de compra\n" % i for i in range(60))
times = []
for i in range(300):
    body = {"title": "Página de prueba de guardado", "markdown": text + "\nCambio %d\n" % i,
            "base_rev": base}
    t = time.perf_counter()
    conn.request("PUT", "/api/v1/pages/prueba-guardado", json.dumps(body), h)
    r = conn.getresponse()
    data = r.read()
    times.append((time.perf_counter() - t) * 1000)
    if r.status not in (200, 201):
        print("save failed:", r.status, data[:200])
        sys.exit(1)
    base = json.loads(data)["rev"]
times.sort()
print("page save (60-line page, API) n=%d      p50 %.2fms   p99 %.2fms" %
      (len(times), times[len(times) // 2], times[int(len(times) * 0.99) - 1]))
