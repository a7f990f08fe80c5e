"""Login throttling against attempts sent in parallel, with real argon2id
parameters (no OFICIO_WEAK_HASH): while one verification is hashing, the
others must already see it counted.
"""
import threading

import harness
from harness import PASSWORD
from util import check, status


def make_server():
    srv = harness.Server()
    del srv.env["OFICIO_WEAK_HASH"]
    return srv


def setup(srv):
    srv.add_user("paralela", "staff", display="Paralela")


def test_parallel_attempts_cannot_outrun_the_throttle(srv):
    # Ten wrong passwords for one account sent at once: each attempt is
    # counted before its verification, so five are verified and the rest
    # are refused without hashing, as if they came one after another.
    clients = [srv.client() for _ in range(10)]
    for c in clients:
        c.get("/login")
    got = [None] * len(clients)

    def attempt(i):
        got[i] = clients[i].post("/login", {"username": "paralela", "password": "mala-%d" % i,
                                            "next": "/"}).status

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    check(sorted(set(got)) == [401, 429] and got.count(401) == 5,
          "statuses of parallel attempts: %r", sorted(got))
    r = srv.client()
    r.get("/login")
    status(r.post("/login", {"username": "paralela", "password": PASSWORD, "next": "/"}), 429)
    check(srv.scalar("SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id "
                     "WHERE u.username = 'paralela'") == 0, "a session was created for paralela")
