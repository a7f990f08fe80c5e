/*
 * conn.h - the header deadline for slow clients (conn.c): a request's
 * line and headers must arrive within header_timeout_s of its first byte,
 * or its connection is closed; evhttp's own timeout counts from the last
 * byte read.
 *
 * Threads: a struct conns belongs to one event loop (an http.c worker);
 * it, and the evhttps it watches, are used on that loop's thread only.
 */
#ifndef OFICIO_CONN_H
#define OFICIO_CONN_H

#include <stdbool.h>

struct evhttp;
struct evhttp_request;
struct conns;

/* An empty table of one loop's connections, whose requests will have
 * header_timeout_s seconds (> 0) for their line and headers. Aborts when
 * out of memory; free with conns_free. */
struct conns *conns_new(int header_timeout_s);

/* Give every connection http accepts from now on the header deadline
 * (evhttp_set_bevcb: call before http accepts). */
void conns_watch(struct conns *cs, struct evhttp *http);

/* Call first in the evhttp's request callback: the request's headers are
 * in, so its deadline is lifted, and once its reply is sent the
 * connection waits for the next request's first byte. Does nothing for a
 * connection cs does not watch. */
void conn_request(struct conns *cs, struct evhttp_request *ev);

/* Call fn(arg) on cs's loop whenever a connection cs watches opens
 * (as it is accepted, before the next is) or closes; conns_open is how
 * many are open (any thread may ask). */
void conns_on_change(struct conns *cs, void (*fn)(void *arg), void *arg);
int conns_open(const struct conns *cs);

/* True while a reply is still being written to one of cs's connections
 * (shutdown waits for it: a reply handed to evhttp is not yet sent). */
bool conns_sending(const struct conns *cs);

/* Free cs and the connections left in it (those evhttp freed before
 * they were adopted): call after evhttp_free on every evhttp it watches,
 * before event_base_free. NULL is fine. */
void conns_free(struct conns *cs);

#endif
