/*
 * conn.c - slow clients: the header deadline, for http.c.
 *
 * evhttp's timeout (cfg.timeout_s) counts from the last byte read, so a
 * client that sends one header byte a second keeps its connection, and a
 * file descriptor, for ever. Here a request's line and headers must be
 * complete within cfg.header_timeout_s of its first byte, or the
 * connection is closed. libevent 2.1 has no "a request begins" callback
 * (2.2's evhttp_set_newreqcb), so each connection gets a struct conn:
 *  - evhttp_set_bevcb lets us make the connection's bufferevent. The conn
 *    keeps one reference to it, so it outlives evhttp's use of it, and is
 *    found by it (evhttp_connection_get_bufferevent) from a request;
 *  - a callback on its input buffer sees every byte before evhttp parses
 *    it: a request's first byte arms the timer, the empty line that ends
 *    its headers disarms it. A body, the handler and the reply are left to
 *    evhttp's timeout, and so is an idle keep-alive connection;
 *  - the evhttp_connection exists only once the bevcb has returned; the
 *    conn finds it on the loop's next turn (the bufferevent's callback
 *    argument, while its callbacks are evhttp's: bufferevent_free resets
 *    them) and asks for its close callback, which frees the conn when
 *    evhttp frees the connection, so the timer never outlives it;
 *  - the router marks a request's headers as done (even if the scan did
 *    not see the end), and the reply's completion waits for the next one.
 * Caveat: it relies on evhttp passing the evhttp_connection as the
 * callback argument of the bufferevent it was given, as 2.1 does.
 *
 * Threads: a struct conns, and every conn in it, belongs to one event
 * loop; every function here runs on that loop's thread, except
 * conns_open, which any thread may call.
 */
#include "conn.h"

#include "buf.h"
#include "http.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/util.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

#define CONN_BITS 10 /* 1,024 chains a thread: short up to a few thousand connections */
#define CONN_BUCKETS (1 << CONN_BITS)

struct conn;

struct conns {
	int header_timeout_s;              /* cfg.header_timeout_s */
	struct conn *bucket[CONN_BUCKETS]; /* open connections, by bufferevent */
	atomic_int open;                   /* how many (read by other loops) */
	void (*changed)(void *arg);        /* conns_on_change */
	void *changed_arg;
};

enum { PH_IDLE, PH_HEAD, PH_REST };

struct conn {
	struct conns *cs;           /* the table it is in */
	struct bufferevent *bev;    /* the key; one reference is ours */
	struct evbuffer_cb_entry *incb; /* on the bufferevent's input */
	struct event *timer;        /* first the adoption, then the deadline */
	struct conn *next;          /* hash chain */
	uint64_t deadline;          /* microseconds (http_now_us), in PH_HEAD */
	int phase;                  /* PH_IDLE: no request; PH_HEAD: reading its
				     * headers; PH_REST: body, handler, reply */
	int eol;                    /* header scan: 0 inside a line, 1 at the
				     * start of one, 2 after a '\r' there */
	bool adopted;               /* the close callback is set */
};

static struct conn **conn_slot(struct conns *cs, struct bufferevent *bev)
{
	uint64_t h = (uint64_t)(uintptr_t)bev * 0x9e3779b97f4a7c15u;
	struct conn **p = &cs->bucket[h >> (64 - CONN_BITS)];

	while (*p && (*p)->bev != bev)
		p = &(*p)->next;
	return p;
}

/* A connection of cs opened (+1) or closed (-1): count it, and tell. */
static void conns_count(struct conns *cs, int delta)
{
	atomic_fetch_add_explicit(&cs->open, delta, memory_order_relaxed);
	if (cs->changed)
		cs->changed(cs->changed_arg);
}

static void conn_free(struct conn *c)
{
	struct conns *cs = c->cs;
	struct conn **p = conn_slot(cs, c->bev);

	if (*p == c)
		*p = c->next;
	evbuffer_remove_cb_entry(bufferevent_get_input(c->bev), c->incb);
	event_free(c->timer);
	bufferevent_decref(c->bev);
	free(c);
	conns_count(cs, -1);
}

static void on_conn_close(struct evhttp_connection *evcon, void *arg)
{
	(void)evcon;
	conn_free(arg);
}

/* The connection evhttp built on c->bev, or NULL once evhttp has let go
 * of it (or never took it); the first time, ask for its close callback. */
static struct evhttp_connection *conn_evcon(struct conn *c)
{
	bufferevent_event_cb eventcb = NULL;
	void *arg = NULL;
	struct evhttp_connection *evcon;

	bufferevent_getcb(c->bev, NULL, NULL, &eventcb, &arg);
	evcon = arg;
	if (!eventcb || !evcon || evhttp_connection_get_bufferevent(evcon) != c->bev)
		return NULL;
	if (!c->adopted) {
		evhttp_connection_set_closecb(evcon, on_conn_close, c);
		c->adopted = true;
	}
	return evcon;
}

static void conn_arm(struct conn *c, uint64_t us)
{
	struct timeval tv = {(time_t)(us / 1000000u), (suseconds_t)(us % 1000000u)};

	event_add(c->timer, &tv);
}

static void on_conn_timer(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct evhttp_connection *evcon = conn_evcon(c);
	uint64_t now = http_now_us();

	(void)fd;
	(void)what;
	if (!evcon) {
		conn_free(c);
		return;
	}
	if (c->phase != PH_HEAD)
		return; /* it was the adoption */
	if (now < c->deadline) {
		conn_arm(c, c->deadline - now);
		return;
	}
	/* Closes the socket and frees the half-read request, which was never
	 * the router's; the close callback frees c. */
	evhttp_connection_free(evcon);
}

/* A request's first byte: its headers have header_timeout_s from now. */
static void conn_head(struct conn *c)
{
	uint64_t t = (uint64_t)c->cs->header_timeout_s * 1000000u;

	c->phase = PH_HEAD;
	c->eol = 0;
	c->deadline = http_now_us() + t;
	conn_evcon(c);
	conn_arm(c, t);
}

/* Feed the header scan with the bytes of in from offset from on. A
 * request's headers end with an empty line, "\r\n" or "\n" as evhttp
 * reads it; a request's first line is never taken for that empty line. */
static void conn_scan(struct conn *c, struct evbuffer *in, size_t from)
{
	size_t len = evbuffer_get_length(in);
	struct evbuffer_iovec v[4];
	struct evbuffer_ptr p;

	while (from < len && c->phase != PH_REST) {
		int n;

		if (evbuffer_ptr_set(in, &p, from, EVBUFFER_PTR_SET) < 0)
			return;
		n = evbuffer_peek(in, (ev_ssize_t)(len - from), &p, v, 4);
		if (n <= 0)
			return;
		for (int i = 0; i < n && i < 4 && c->phase != PH_REST; i++) {
			const unsigned char *b = v[i].iov_base;
			for (size_t k = 0; k < v[i].iov_len; k++) {
				if (c->phase == PH_IDLE)
					conn_head(c);
				if (b[k] == '\n' && c->eol) {
					c->phase = PH_REST;
					event_del(c->timer);
					break;
				}
				c->eol = b[k] == '\n' ? 1 : b[k] == '\r' && c->eol == 1 ? 2 : 0;
			}
			from += v[i].iov_len;
		}
	}
}

static void on_conn_input(struct evbuffer *in, const struct evbuffer_cb_info *info, void *arg)
{
	struct conn *c = arg;
	size_t len = evbuffer_get_length(in);

	/* Called at once for each change (the buffer defers nothing): the
	 * bytes just read are the last n_added, not yet seen by evhttp. */
	if (info->n_added == 0 || c->phase == PH_REST)
		return;
	conn_scan(c, in, info->n_added < len ? len - info->n_added : 0);
}

/* evhttp_set_bevcb: a connection was accepted. */
static struct bufferevent *on_conn_new(struct event_base *base, void *arg)
{
	static const struct timeval next_turn = {0, 0};
	struct conns *cs = arg;
	struct bufferevent *bev = bufferevent_socket_new(base, -1, 0);
	struct conn *c, **p;

	if (!bev)
		return NULL; /* evhttp tries its own; that one has no deadline */
	c = xcalloc(1, sizeof(*c));
	c->cs = cs;
	c->bev = bev;
	bufferevent_incref(bev);
	c->timer = event_new(base, -1, 0, on_conn_timer, c);
	c->incb = evbuffer_add_cb(bufferevent_get_input(bev), on_conn_input, c);
	if (!c->timer || !c->incb) {
		fprintf(stderr, "oficio: out of memory\n");
		abort();
	}
	p = conn_slot(cs, bev);
	c->next = *p;
	*p = c;
	event_add(c->timer, &next_turn);
	conns_count(cs, 1);
	return bev;
}

/* The router has a request: its headers are in. Once its reply is sent,
 * the connection waits for the next request's first byte (which may be
 * there already). */
static void on_conn_reply_sent(struct evhttp_request *ev, void *arg)
{
	struct conn *c = arg;

	(void)ev;
	c->phase = PH_IDLE;
	conn_scan(c, bufferevent_get_input(c->bev), 0);
}

void conn_request(struct conns *cs, struct evhttp_request *ev)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(ev);
	struct conn *c;

	if (!evcon)
		return;
	c = *conn_slot(cs, evhttp_connection_get_bufferevent(evcon));
	if (!c)
		return;
	conn_evcon(c);
	c->phase = PH_REST;
	event_del(c->timer);
	evhttp_request_set_on_complete_cb(ev, on_conn_reply_sent, c);
}

bool conns_sending(const struct conns *cs)
{
	if (!cs)
		return false;
	for (size_t i = 0; i < CONN_BUCKETS; i++)
		for (const struct conn *c = cs->bucket[i]; c; c = c->next)
			if (evbuffer_get_length(bufferevent_get_output(c->bev)) > 0)
				return true;
	return false;
}

void conns_free(struct conns *cs)
{
	if (!cs)
		return;
	for (size_t i = 0; i < CONN_BUCKETS; i++)
		while (cs->bucket[i])
			conn_free(cs->bucket[i]);
	free(cs);
}

struct conns *conns_new(int header_timeout_s)
{
	struct conns *cs = xcalloc(1, sizeof(*cs));

	cs->header_timeout_s = header_timeout_s;
	return cs;
}

void conns_watch(struct conns *cs, struct evhttp *http)
{
	evhttp_set_bevcb(http, on_conn_new, cs);
}

void conns_on_change(struct conns *cs, void (*fn)(void *arg), void *arg)
{
	cs->changed = fn;
	cs->changed_arg = arg;
}

int conns_open(const struct conns *cs)
{
	return atomic_load_explicit(&cs->open, memory_order_relaxed);
}
