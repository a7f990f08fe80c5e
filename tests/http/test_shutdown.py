"""SIGTERM stops the server cleanly (exit status 0), and a restart on the
same database finds everything: pages, every revision, users, sessions.
Its own module: it stops and restarts the server.
"""
from util import check, redirect_to, status

S = {}
MD1 = "Primera versión.\n"
MD2 = "Segunda versión.\n\n- [x] guardada antes de parar\n"


def setup(srv):
    srv.add_user("edu", "editor", display="Eduardo")


def test_data_before_stopping(srv):
    e = srv.client(token=srv.token("edu"))
    status(e.api("PUT", "/api/v1/pages/persistente", {"title": "Persistente", "markdown": MD1}),
           201)
    status(e.api("PUT", "/api/v1/pages/persistente", {"title": "Persistente", "markdown": MD2,
                                                      "base_rev": 1}), 200)
    c = srv.client()
    redirect_to(c.login("edu"), "/")
    S["token"] = e.token
    S["cookies"] = dict(c.cookies)


def test_sigterm_exits_0(srv):
    pid = srv.proc.pid
    code = srv.stop()
    log = srv.read_log()
    check(code == 0, "SIGTERM: exit status %r\n%s", code, log[-2000:])
    check(srv.proc.poll() is not None, "process %d still running", pid)
    # Each loop stops listening on its own copy of the socket: the first to
    # stop used to close the one they shared, and the others then logged
    # libevent's "Bad file descriptor" as they polled it.
    check("Bad file descriptor" not in log and "[warn]" not in log and "[err]" not in log,
          "libevent complained while stopping:\n%s", log[-2000:])


def test_restart_keeps_everything(srv):
    srv.start()
    e = srv.client(token=S["token"])
    r = status(e.api("GET", "/api/v1/pages/persistente"), 200)
    check(r.json()["rev"] == 2 and r.json()["markdown"] == MD2, "after restart: %r", r.json())
    r = status(e.api("GET", "/api/v1/pages/persistente/revisions/1"), 200)
    check(r.json()["markdown"] == MD1, "revision 1 lost")
    # A restart does not log people out.
    c = srv.client()
    c.cookies = dict(S["cookies"])
    r = status(c.get("/p/persistente"), 200)
    check("guardada antes de parar" in r.text, "the page is not shown after restart")
    redirect_to(srv.client().login("edu"), "/")
    check(srv.scalar("PRAGMA integrity_check") == "ok", "the database is damaged")


def test_sigterm_again_while_idle_connections_are_open(srv):
    import socket
    socks = [socket.create_connection(("127.0.0.1", srv.port)) for _ in range(3)]
    try:
        code = srv.stop()
    finally:
        for s in socks:
            s.close()
    check(code == 0, "SIGTERM with idle connections: exit status %r", code)
    log = srv.read_log()
    check("Bad file descriptor" not in log and "[warn]" not in log and "[err]" not in log,
          "libevent complained while stopping:\n%s", log[-2000:])
