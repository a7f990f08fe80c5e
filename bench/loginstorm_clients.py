"""Login storm for bench/loginstorm.sh: CLIENTS threads POST /login with
wrong passwords for SECONDS, each on its own keep-alive connection.

    python3 bench/loginstorm_clients.py URL SECONDS CLIENTS MODE USERS

USERS is a comma-separated list of user names the storm guesses at.
MODE says where the attempts come from:
  mixed    half the clients from this machine's address alone (the
           per-address throttle: 20 failures in 15 min), half with a new
           X-Forwarded-For address on every attempt (the server runs with
           --trust-proxy), so only the per-account throttle (5 failures
           per user name in 15 min) can stop them.
  spray    every attempt a new user name and a new address: no throttle
           applies, every attempt is an argon2id verification (the worst
           case, a distributed password spray).
Prints one JSON object: attempts, statuses, connection errors.
"""
import collections
import http.client
import json
import random
import sys
import threading
import time
import urllib.parse

url, seconds, clients, mode, users = (sys.argv[1], float(sys.argv[2]), int(sys.argv[3]),
                                      sys.argv[4], sys.argv[5].split(","))
u = urllib.parse.urlparse(url)
counts = collections.Counter()
lock = threading.Lock()
deadline = time.time() + seconds


def client(i):
    rng = random.Random(i)
    from_proxy = mode == "spray" or (mode == "mixed" and i % 2 == 1)
    conn = None
    local = collections.Counter()
    n = 0
    while time.time() < deadline:
        n += 1
        user = users[rng.randrange(len(users))]
        if mode == "spray":
            user = "spray%d-%d" % (i, n)
        body = urllib.parse.urlencode({"username": user, "password": "wrong-%d" % rng.getrandbits(40)})
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        if from_proxy:
            h["X-Forwarded-For"] = "10.%d.%d.%d" % (rng.randrange(256), rng.randrange(256),
                                                    rng.randrange(1, 255))
        try:
            if conn is None:
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
            conn.request("POST", "/login", body, h)
            r = conn.getresponse()
            r.read()
            local[("proxied " if from_proxy else "local ") + str(r.status)] += 1
            local[r.status] += 1
        except (OSError, http.client.HTTPException):
            local["connection errors"] += 1
            if conn:
                conn.close()
            conn = None
    if conn:
        conn.close()
    with lock:
        counts.update(local)


threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
out = {"attempts": sum(v for k, v in counts.items() if isinstance(k, int)),
       "status": {str(k): v for k, v in counts.items() if isinstance(k, int)},
       "by_origin": {k: v for k, v in counts.items() if isinstance(k, str)}}
print(json.dumps(out, sort_keys=True))
