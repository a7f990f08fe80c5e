/*
 * http.c - libevent glue: threads, limits, routing, responses, access log,
 * graceful shutdown. The header deadline for slow clients is conn.c's:
 * each worker has its struct conns, and every request passes through
 * conn_request before the router.
 *
 * Invariants: a struct req belongs to the loop thread that accepted it,
 * except while it is shared (its handler returned HTTP_SHARE): then it is
 * the queue's, then the loop's that runs it, which hands it back to its
 * own loop for the reply ("sharing" below). Only http_resume() may be
 * called from another thread, and it hands the request back to its loop.
 * Nothing here knows what a page is.
 *
 * Caveats: evhttp enforces the header and body size limits itself and
 * answers 400/413 before we see the request; everything after that is
 * ours. evhttp answers methods it does not know with 501 on its own, so
 * every method it does know is allowed at that level and the router
 * answers 405 for the wrong one.
 */
#include "http.h"

#include "auth.h"
#include "cache.h"
#include "conn.h"
#include "db.h"
#include "metrics.h"
#include "role.h"
#include "template.h"
#include "text.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <event2/util.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

struct server *g_server;

struct worker {
	int id;
	pthread_t thread;
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	struct db *db;
	struct buf log;             /* access log lines waiting to be written */
	struct event *tick;         /* flushes the log, drives shutdown */
	int inflight;               /* requests handed to other threads */
	bool stopping;
	int64_t stop_deadline;
	int listen_fd;
	struct cache *cache;        /* rendered fragments of this thread */
	struct evhttp *metrics;     /* --metrics-listen (thread 0 only) */
	struct conns *conns;        /* open connections: the header deadline (conn.h) */
	bool accepting;             /* its listener is enabled (balance) */
	struct event *rebalance;    /* another loop's count changed */
	struct event *runq;         /* take a request from the shared queue */
	struct event *done;         /* replies other loops made for this one */
	struct req *finished;       /* ... waiting for it (under runq_lock) */
	atomic_bool running;        /* running a request from the queue */
};

static int metrics_fd = -1;

static struct worker *workers;
static int nworkers;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

uint64_t http_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- the access log ---- */

static void log_flush(struct worker *w)
{
	if (w->log.len == 0)
		return;
	pthread_mutex_lock(&log_lock);
	fwrite(w->log.data, 1, w->log.len, stdout);
	fflush(stdout);
	pthread_mutex_unlock(&log_lock);
	buf_reset(&w->log);
}

/* A JSON string for the access log. Bytes that are not valid UTF-8 (a
 * request line can carry anything) are escaped one by one, so every log
 * line stays valid JSON. */
static void json_str(struct buf *b, const char *s)
{
	bool utf8 = text_utf8_valid(s, strlen(s));

	buf_putc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8))
			buf_printf(b, "\\u%04x", c);
		else
			buf_putc(b, (char)c);
	}
	buf_putc(b, '"');
}

static void access_log(struct req *r, size_t bytes)
{
	struct worker *w = r->w;
	uint64_t us = http_now_us() - r->t0;
	static const char *const names[] = {"GET", "POST", "PUT", "DELETE"};
	const char *m = r->head ? "HEAD" : "GET";
	const char *path = r->path ? r->path : evhttp_request_get_uri(r->ev);

	if (r->method == M_POST)
		m = names[1];
	else if (r->method == M_PUT)
		m = names[2];
	else if (r->method == M_DELETE)
		m = names[3];
	metrics_request(r->route ? (int)(r->route - g_server->routes) : (int)g_server->nroutes,
			r->status, us);
	if (g_server->cfg.quiet)
		return;
	if (strcmp(g_server->cfg.log_format, "json") == 0) {
		char ts[32];
		time_t t = time(NULL);
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
		buf_printf(&w->log, "{\"time\":\"%s\",\"method\":\"%s\",\"path\":", ts, m);
		json_str(&w->log, path ? path : "");
		buf_printf(&w->log,
			   ",\"status\":%d,\"bytes\":%zu,\"us\":%llu,\"user\":%lld,\"addr\":",
			   r->status, bytes, (unsigned long long)us, r->uid);
		json_str(&w->log, r->addr);
		buf_puts(&w->log, "}\n");
	} else {
		/* Plain lines too: control bytes from a client never reach a
		 * terminal raw. */
		buf_printf(&w->log, "%s %s ", r->addr, m);
		for (const char *p = path ? path : "-"; *p; p++) {
			unsigned char c = (unsigned char)*p;
			if (c < 0x20 || c == 0x7f || c == '\\')
				buf_printf(&w->log, "\\x%02x", c);
			else
				buf_putc(&w->log, (char)c);
		}
		buf_printf(&w->log, " %d %zu %lluus\n", r->status, bytes, (unsigned long long)us);
	}
	if (w->log.len > 16384)
		log_flush(w);
}

/* ---- accessors ---- */

const char *http_query(struct req *r, const char *name)
{
	return form_get(&r->query, name);
}

const char *http_form(struct req *r, const char *name)
{
	return form_get(&r->body, name);
}

const char *http_header(struct req *r, const char *name)
{
	return evhttp_find_header(evhttp_request_get_input_headers(r->ev), name);
}

const char *http_param(struct req *r, const char *name, size_t max, bool *too_long)
{
	const char *v = form_get(&r->body, name);

	if (!v)
		v = form_get(&r->query, name);
	if (v && strlen(v) > max) {
		if (too_long)
			*too_long = true;
	}
	return v;
}

const char *http_arg(struct req *r, int i)
{
	return i < r->nargs ? r->args[i] : NULL;
}

long long http_int(struct req *r, const char *name, long long min, long long max,
		   long long def)
{
	const char *v = http_param(r, name, 32, NULL);
	char *end;
	long long x;

	if (!v || !*v)
		return def;
	errno = 0;
	x = strtoll(v, &end, 10);
	if (errno || *end || x < min || x > max)
		return def;
	return x;
}

long long http_count(struct req *r, const char *name, long long min, long long max, long long def,
		     bool *bad)
{
	const char *v = http_param(r, name, 32, bad);
	long long x;

	if (!v || !*v)
		return def;
	/* Digits only: no sign, space or "0x" that strtoll would take. */
	if (v[strspn(v, "0123456789")]) {
		*bad = true;
		return def;
	}
	errno = 0;
	x = strtoll(v, NULL, 10);
	if (errno || x > max)
		return max; /* only ERANGE can happen here: too many digits */
	if (x < min) {
		*bad = true;
		return def;
	}
	return x;
}

const char *http_msg(struct req *r, const char *key)
{
	return i18n_get(g_server->msgs, r->lang, key);
}

/* ---- responses ---- */

void http_set_header(struct req *r, const char *name, const char *value)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(r->ev);

	evhttp_remove_header(h, name);
	evhttp_add_header(h, name, value);
}

int http_bytes(struct req *r, int status, const char *type, const void *p, size_t n)
{
	buf_reset(&r->out);
	buf_append(&r->out, p, n);
	r->content_type = type;
	return status;
}

json_t *http_ctx(struct req *r)
{
	json_t *c = json_object();

	json_object_set_new(c, "lang", json_string(r->lang));
	if (r->csrf)
		json_object_set_new(c, "csrf", json_string(r->csrf));
	if (r->uid) {
		json_t *u = json_object();
		json_object_set_new(u, "id", json_integer(r->uid));
		json_object_set_new(u, "username", json_string(r->username));
		json_object_set_new(u, "name", json_string(r->display_name));
		json_object_set_new(u, "role", json_string(role_name(r->role)));
		json_object_set_new(u, "is_staff", json_boolean(r->role >= ROLE_STAFF));
		json_object_set_new(u, "is_editor", json_boolean(r->role >= ROLE_EDITOR));
		json_object_set_new(u, "is_manager", json_boolean(r->role >= ROLE_MANAGER));
		json_object_set_new(u, "is_admin", json_boolean(r->role >= ROLE_ADMIN));
		json_object_set_new(c, "user", u);
	}
	json_object_set_new(c, "public_read", json_boolean(g_server->cfg.public_read));
	json_object_set_new(c, "version", json_string(OFICIO_VERSION));
	return c;
}

int http_page(struct req *r, int status, const char *tmpl, json_t *ctx)
{
	json_t *common = http_ctx(r);

	/* Page fields win over the common ones of the same name. */
	json_object_update_missing(ctx, common);
	json_decref(common);
	if (g_server->nav_badges)
		g_server->nav_badges(r, ctx);
	buf_reset(&r->out);
	if (tmpl_render(g_server->tmpl, tmpl, ctx, g_server->msgs, r->lang,
			&r->out) < 0) {
		fprintf(stderr, "oficio: cannot render template %s\n", tmpl);
		json_decref(ctx);
		buf_reset(&r->out);
		buf_puts(&r->out, "Internal error\n");
		r->content_type = "text/plain; charset=utf-8";
		return 500;
	}
	json_decref(ctx);
	r->content_type = "text/html; charset=utf-8";
	return status;
}

int http_page_raw(struct req *r, int status, json_t *ctx, const char *html, size_t len)
{
	return http_page_parts(r, status, ctx, html, len, NULL, 0);
}

int http_page_parts(struct req *r, int status, json_t *ctx, const char *html, size_t len,
		    const char *more, size_t more_len)
{
	json_t *common = http_ctx(r);

	json_object_update_missing(ctx, common);
	json_decref(common);
	if (g_server->nav_badges)
		g_server->nav_badges(r, ctx);
	buf_reset(&r->out);
	if (tmpl_render(g_server->tmpl, "header", ctx, g_server->msgs, r->lang, &r->out) < 0 ||
	    (buf_append(&r->out, html, len), buf_append(&r->out, more, more_len), 0) ||
	    tmpl_render(g_server->tmpl, "footer", ctx, g_server->msgs, r->lang, &r->out) < 0) {
		json_decref(ctx);
		buf_reset(&r->out);
		buf_puts(&r->out, "Internal error\n");
		r->content_type = "text/plain; charset=utf-8";
		return 500;
	}
	json_decref(ctx);
	r->content_type = "text/html; charset=utf-8";
	return status;
}

static int json_to_buf(const char *s, size_t n, void *out)
{
	buf_append(out, s, n);
	return 0;
}

int http_json_dump(json_t *j, struct buf *out)
{
	size_t at = out->len;

	if (json_dump_callback(j, json_to_buf, out, JSON_COMPACT) == 0) {
		buf_putc(out, '\n');
		return 0;
	}
	out->len = at;
	if (out->data)
		out->data[at] = '\0';
	return -1;
}

const char *http_json_text(json_t *obj, const char *key, bool *bad)
{
	json_t *v = json_object_get(obj, key);

	if (v && !json_is_string(v) && !json_is_null(v))
		*bad = true;
	return json_string_value(v);
}

bool http_json_bool(json_t *obj, const char *key, bool *bad)
{
	json_t *v = json_object_get(obj, key);

	if (v && !json_is_boolean(v) && !json_is_null(v))
		*bad = true;
	return json_is_true(v);
}

int http_json(struct req *r, int status, json_t *j)
{
	buf_reset(&r->out);
	/* Straight into the response: json_dumps made a string of its own,
	 * which was then copied. */
	http_json_dump(j, &r->out);
	json_decref(j);
	r->content_type = "application/json";
	return status;
}

int http_error(struct req *r, int status, const char *code, const char *msgkey)
{
	if (r->api || (r->route && (r->route->flags & R_API))) {
		json_t *j = json_pack("{s:s, s:s}", "error", code, "message",
				      http_msg(r, msgkey));
		return http_json(r, status, j);
	}
	if (!g_server->tmpl || !tmpl_exists(g_server->tmpl, "error")) {
		return http_bytes(r, status, "text/plain; charset=utf-8",
				  http_msg(r, msgkey), strlen(http_msg(r, msgkey)));
	}
	json_t *c = json_object();
	json_object_set_new(c, "status", json_integer(status));
	json_object_set_new(c, "code", json_string(code));
	json_object_set_new(c, "message", json_string(http_msg(r, msgkey)));
	json_object_set_new(c, "title", json_string(http_msg(r, msgkey)));
	return http_page(r, status, "error", c);
}

int http_redirect(struct req *r, const char *url)
{
	/* Only local targets: "/..." but not "//host". */
	if (url[0] != '/' || url[1] == '/' || url[1] == '\\')
		url = "/";
	http_set_header(r, "Location", url);
	buf_reset(&r->out);
	r->content_type = "text/plain; charset=utf-8";
	return 303;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default: return status >= 500 ? "Internal Server Error" : "OK";
	}
}

static void free_out(const void *data, size_t len, void *arg)
{
	(void)len;
	(void)arg;
	free((void *)data);
}

static bool accepts_gzip(struct req *r)
{
	const char *ae = http_header(r, "Accept-Encoding");
	return ae && strstr(ae, "gzip");
}

/* Compress r->out in place (level 1: cheap, and most of the gain). */
static bool gzip_out(struct req *r)
{
	z_stream z;
	struct buf o = BUF_INIT;
	int rc;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return false;
	if (buf_grow(&o, deflateBound(&z, r->out.len)) < 0) {
		deflateEnd(&z);
		return false;
	}
	z.next_in = (Bytef *)r->out.data;
	z.avail_in = (uInt)r->out.len;
	z.next_out = (Bytef *)o.data;
	z.avail_out = (uInt)(o.cap - 1);
	rc = deflate(&z, Z_FINISH);
	if (rc != Z_STREAM_END) {
		deflateEnd(&z);
		buf_free(&o);
		return false;
	}
	o.len = z.total_out;
	deflateEnd(&z);
	buf_free(&r->out);
	r->out = o;
	return true;
}

static void req_free(struct req *r)
{
	form_free(&r->query);
	form_free(&r->body);
	json_decref(r->json);
	for (int i = 0; i < r->nargs; i++)
		free(r->args[i]);
	free(r->path);
	free(r->username);
	free(r->display_name);
	free(r->csrf);
	buf_free(&r->out);
	free(r);
}

/* Write a reply that evhttp has queued on evcon at once, as far as the
 * socket takes it. evhttp leaves it to the connection's write event,
 * which fires on the loop's next turn, after every other request read in
 * this turn has been handled: each reply waited for the whole batch
 * (strace under 16 clients: seven requests read, about 8 ms of searches,
 * then the seven replies). The event still fires: it writes what is left
 * and tells evhttp the reply is out (bufferevent_writecb calls the write
 * callback even when nothing was left to write). A socket bufferevent
 * keeps its output's start frozen for everyone but itself. */
static void write_now(struct evhttp_connection *evcon)
{
	struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
	struct evbuffer *out = bev ? bufferevent_get_output(bev) : NULL;
	evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;

	if (!out || fd < 0 || evbuffer_get_length(out) == 0)
		return;
	evbuffer_unfreeze(out, 1);
	evbuffer_write(out, fd);
	evbuffer_freeze(out, 1);
}

static void send_reply(struct req *r)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(r->ev);
	struct evhttp_connection *evcon = evhttp_request_get_connection(r->ev);
	struct evbuffer *eb;
	size_t n;

	if (r->status < 100 || r->status > 599)
		r->status = 500;
	evhttp_add_header(h, "Content-Security-Policy",
			  "default-src 'self'; img-src 'self' data:; "
			  "frame-ancestors 'none'; base-uri 'self'; form-action 'self'");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Referrer-Policy", "same-origin");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	if (!evhttp_find_header(h, "Cache-Control"))
		evhttp_add_header(h, "Cache-Control", "no-store");
	if (r->content_type && !evhttp_find_header(h, "Content-Type"))
		evhttp_add_header(h, "Content-Type", r->content_type);
	if (r->out.len > 1024 && !evhttp_find_header(h, "Content-Encoding") &&
	    r->content_type &&
	    (strncmp(r->content_type, "text/", 5) == 0 ||
	     strncmp(r->content_type, "application/json", 16) == 0 ||
	     strncmp(r->content_type, "application/atom", 16) == 0) &&
	    accepts_gzip(r) && gzip_out(r)) {
		evhttp_add_header(h, "Content-Encoding", "gzip");
		evhttp_add_header(h, "Vary", "Accept-Encoding");
	}
	n = r->out.len;
	eb = evbuffer_new();
	if (n) {
		char *data = buf_detach(&r->out);
		evbuffer_add_reference(eb, data, n, free_out, NULL);
	}
	evhttp_send_reply(r->ev, r->status, reason(r->status), eb);
	evbuffer_free(eb);
	write_now(evcon);
	r->sent = true;
	access_log(r, n);
}

/* ---- routing ---- */

/* Match path against pattern; captures go to r->args. */
static bool route_match(const char *pattern, const char *path, struct req *r)
{
	const char *p = pattern, *s = path;
	int nargs = 0;
	char *args[4];

	while (*p) {
		if (p[0] == '{' && p[1] == '*') {
			if (nargs < 4)
				args[nargs++] = xstrdup(s);
			s += strlen(s);
			p += strcspn(p, "}") + 1;
			continue;
		}
		if (*p == '{') {
			size_t n = strcspn(s, "/");
			if (n == 0 || nargs >= 4)
				goto fail;
			args[nargs++] = xstrndup(s, n);
			s += n;
			p += strcspn(p, "}");
			if (*p)
				p++;
			continue;
		}
		if (*p != *s)
			goto fail;
		p++;
		s++;
	}
	if (*s)
		goto fail;
	for (int i = 0; i < nargs; i++)
		r->args[i] = args[i];
	r->nargs = nargs;
	return true;
fail:
	for (int i = 0; i < nargs; i++)
		free(args[i]);
	return false;
}

static int method_bit(enum evhttp_cmd_type t, bool *head)
{
	*head = false;
	switch (t) {
	case EVHTTP_REQ_GET: return M_GET;
	case EVHTTP_REQ_HEAD: *head = true; return M_GET;
	case EVHTTP_REQ_POST: return M_POST;
	case EVHTTP_REQ_PUT: return M_PUT;
	case EVHTTP_REQ_DELETE: return M_DELETE;
	default: return 0;
	}
}

static void allow_header(struct req *r, int methods)
{
	struct buf a = BUF_INIT;

	if (methods & M_GET)
		buf_puts(&a, "GET, HEAD, ");
	if (methods & M_POST)
		buf_puts(&a, "POST, ");
	if (methods & M_PUT)
		buf_puts(&a, "PUT, ");
	if (methods & M_DELETE)
		buf_puts(&a, "DELETE, ");
	if (a.len >= 2)
		buf_truncate(&a, a.len - 2);
	http_set_header(r, "Allow", a.data);
	buf_free(&a);
}

static void client_addr(struct req *r)
{
	struct evhttp_connection *c = evhttp_request_get_connection(r->ev);
	const char *host = NULL;
	ev_uint16_t port = 0;

	if (g_server->cfg.trust_proxy) {
		const char *xff = http_header(r, "X-Forwarded-For");
		if (xff && *xff) {
			size_t n = strcspn(xff, ",");
			const char *t = xff;
			if (!text_utf8_valid(t, n))
				n = 0;
			snprintf(r->addr, sizeof(r->addr), "%.*s", (int)n, t);
			return;
		}
	}
	if (c)
		evhttp_connection_get_peer(c, (char **)&host, &port);
	snprintf(r->addr, sizeof(r->addr), "%s", host ? host : "-");
}

static const char *content_type_of(struct req *r)
{
	const char *ct = http_header(r, "Content-Type");
	return ct ? ct : "";
}

/* Read and parse the body per Content-Type. Returns 0 or an HTTP status. */
static int read_body(struct req *r)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(r->ev);
	size_t n = evbuffer_get_length(in);
	size_t cap = (r->route->flags & R_UPLOAD) ? g_server->cfg.max_upload + 65536
						    : g_server->cfg.max_body;
	const char *ct = content_type_of(r);
	const char *data;

	if (n > cap)
		return 413;
	data = (const char *)evbuffer_pullup(in, -1);
	if (n == 0)
		data = "";
	if (r->route->flags & R_RAWBODY) {
		r->raw = data;
		r->raw_len = n;
		return 0;
	}
	if (strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0) {
		if (form_parse_urlencoded(&r->body, data, n) < 0)
			return 400;
	} else if (strncasecmp(ct, "multipart/form-data", 19) == 0) {
		if (form_parse_multipart(&r->body, ct, data, n) < 0)
			return 400;
	} else if (strncasecmp(ct, "application/json", 16) == 0) {
		json_error_t e;
		r->json = json_loadb(data, n, JSON_REJECT_DUPLICATES, &e);
		if (!r->json)
			return 400;
	} else if (n > 0) {
		return 415;
	}
	return 0;
}

static const char *pick_lang(struct req *r)
{
	static const char *const have[] = {"es", "en", NULL};
	const char *q = form_get(&r->query, "lang");

	if (q && (strcmp(q, "es") == 0 || strcmp(q, "en") == 0))
		return strcmp(q, "es") == 0 ? "es" : "en";
	return form_accept_language(http_header(r, "Accept-Language"), have, "es");
}

static void share(struct req *r);
static int handle_shared(struct req *r);

/* Route and run r. Returns true when r went to the shared queue: from
 * then on it belongs to the loop that runs it and must not be touched. */
static bool dispatch(struct req *r)
{
	struct evhttp_request *ev = r->ev;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(ev);
	const char *rawpath = uri ? evhttp_uri_get_path(uri) : NULL;
	const char *rawq = uri ? evhttp_uri_get_query(uri) : NULL;
	int allowed = 0, status;
	size_t plen;

	r->lang = "es";
	client_addr(r);
	r->method = method_bit(evhttp_request_get_command(ev), &r->head);
	if (!rawpath || !*rawpath)
		rawpath = "/";
	if (form_decode(rawpath, strlen(rawpath), false, &r->path, &plen) < 0 ||
	    (rawq && form_parse_urlencoded(&r->query, rawq, strlen(rawq)) < 0)) {
		r->api = strncmp(rawpath, "/api/", 5) == 0;
		r->status = http_error(r, 400, "bad_request", "err.bad_request");
		return false;
	}
	r->api = strncmp(r->path, "/api/", 5) == 0;
	r->lang = pick_lang(r);
	for (size_t i = 0; i < g_server->nroutes; i++) {
		const struct route *rt = &g_server->routes[i];
		if (!route_match(rt->pattern, r->path, r))
			continue;
		if (rt->methods & r->method) {
			r->route = rt;
			break;
		}
		allowed |= rt->methods;
		for (int k = 0; k < r->nargs; k++)
			free(r->args[k]);
		r->nargs = 0;
	}
	if (!r->route) {
		if (allowed) {
			allow_header(r, allowed);
			r->status = http_error(r, 405, "method_not_allowed",
					       "err.method");
		} else {
			auth_resolve(r);
			r->status = http_error(r, 404, "not_found", "err.not_found");
		}
		return false;
	}
	auth_resolve(r);
	if (!r->uid && !(r->route->flags & R_PUBLIC) &&
	    (r->route->min_role > ROLE_ANON || !g_server->cfg.public_read)) {
		if (r->api || r->method != M_GET) {
			r->status = http_error(r, 401, "unauthorized", "err.login_needed");
		} else {
			struct buf loc = BUF_INIT;
			const char *uristr = evhttp_request_get_uri(ev);
			buf_puts(&loc, "/login?next=");
			buf_url(&loc, uristr, strlen(uristr));
			r->status = http_redirect(r, loc.data);
			buf_free(&loc);
		}
		return false;
	}
	if (r->role < r->route->min_role) {
		r->status = http_error(r, 403, "forbidden", "err.forbidden");
		return false;
	}
	if (r->method != M_GET) {
		status = read_body(r);
		if (status) {
			r->status = http_error(r, status,
					       status == 413 ? "too_large" :
					       status == 415 ? "unsupported_media_type" :
							       "bad_request",
					       status == 413 ? "err.too_large" :
					       status == 415 ? "err.media_type" :
							       "err.bad_request");
			return false;
		}
		if (!(r->route->flags & R_NOCSRF) && !auth_csrf_ok(r)) {
			r->status = http_error(r, 403, "csrf", "err.csrf");
			return false;
		}
	}
	r->status = r->route->handler(r);
	if (r->status == HTTP_SHARE && nworkers > 1 && r->method == M_GET) {
		r->status = HTTP_DEFERRED;
		r->w->inflight++;
		share(r);
		return true;
	}
	if (r->status == HTTP_SHARE)
		r->status = handle_shared(r); /* one loop: at once */
	return false;
}

struct cache *http_cache(struct req *r)
{
	return r->w->cache;
}

/* A write that succeeded makes every thread's rendered fragments stale. */
static void after_handler(struct req *r)
{
	if (r->method != M_GET && r->status >= 200 && r->status < 400)
		cache_bump();
}

static void on_request(struct evhttp_request *ev, void *arg)
{
	struct worker *w = arg;
	struct req *r = xcalloc(1, sizeof(*r));

	conn_request(w->conns, ev);
	r->t0 = http_now_us();
	r->ev = ev;
	r->w = w;
	r->db = w->db;
	buf_init(&r->out);
	if (dispatch(r))
		return;
	if (r->status == HTTP_DEFERRED) {
		w->inflight++;
		return;
	}
	after_handler(r);
	send_reply(r);
	req_free(r);
}

/* --metrics-listen: a second address that answers /metrics (and
 * /healthz) without a login, for a Prometheus on a private network; the
 * main address keeps /metrics for admins. */
static void on_metrics(struct evhttp_request *ev, void *arg)
{
	struct worker *w = arg;
	const char *uri = evhttp_request_get_uri(ev);
	struct evbuffer *eb = evbuffer_new();
	struct buf out = BUF_INIT;

	conn_request(w->conns, ev);
	if (strcmp(uri, "/metrics") == 0 || strcmp(uri, "/healthz") == 0) {
		if (uri[1] == 'm')
			metrics_render(&out, w->db, g_server->cfg.db_path);
		else
			buf_puts(&out, "{\"status\":\"ok\"}\n");
		evhttp_add_header(evhttp_request_get_output_headers(ev), "Content-Type",
				  uri[1] == 'm' ? "text/plain; version=0.0.4; charset=utf-8"
						: "application/json");
		evbuffer_add(eb, out.data, out.len);
		evhttp_send_reply(ev, 200, "OK", eb);
	} else {
		evbuffer_add_printf(eb, "not found\n");
		evhttp_send_reply(ev, 404, "Not Found", eb);
	}
	evbuffer_free(eb);
	buf_free(&out);
}

/* ---- deferred requests ---- */

struct resume {
	struct req *r;
	handler_fn fn;
};

static void on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct resume *rs = arg;
	struct req *r = rs->r;

	(void)fd;
	(void)what;
	r->w->inflight--;
	r->status = rs->fn(r);
	free(rs);
	if (r->status == HTTP_DEFERRED) {
		r->w->inflight++;
		return;
	}
	after_handler(r);
	send_reply(r);
	req_free(r);
}

void http_resume(struct req *r, handler_fn fn)
{
	http_resume_after(r, fn, 0);
}

void http_resume_after(struct req *r, handler_fn fn, int ms)
{
	struct resume *rs = xmalloc(sizeof(*rs));
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	rs->r = r;
	rs->fn = fn;
	if (event_base_once(r->w->base, -1, EV_TIMEOUT, on_resume, rs, &tv) < 0) {
		fprintf(stderr, "oficio: cannot resume a request\n");
		abort();
	}
}

/* ---- sharing long requests between the loops ----
 *
 * A connection stays on the loop that accepted it, and a loop runs one
 * request at a time: a search of 5 ms held up the seven other clients of
 * its loop while the other loop might have had less to do. A request
 * whose handler asks for it (HTTP_SHARE: a search not in the cache) goes
 * instead to one queue for all the loops, oldest first: the next free
 * loop runs the oldest, with its own database connection and caches, and
 * the request's own loop sends the reply (evhttp is not thread-safe).
 * No thread is woken for a request its own loop runs, the common case;
 * a reply made by another loop waits for its loop to finish what it is
 * running, which it had to anyway before. Between two requests from the
 * queue, a loop reads its sockets (a timer of 0 s fires after the poll),
 * so every request read enters the queue before the next is run. A
 * shared request must not be deferred (HTTP_DEFERRED) then: it runs on a
 * loop that is not its own. A search in its own loop's cache is answered
 * at once by that loop (queueing it cost a tenth of its time); the cache
 * is the loop's that ran the search, so a search run by another loop may
 * be queued once more, and answered from that loop's cache. */
static pthread_mutex_t runq_lock = PTHREAD_MUTEX_INITIALIZER;
static struct req *runq_head, **runq_tail = &runq_head;
static int runq_len;

static int runq_length(void)
{
	int n;

	pthread_mutex_lock(&runq_lock);
	n = runq_len;
	pthread_mutex_unlock(&runq_lock);
	return n;
}

static void runq_kick(struct worker *w)
{
	static const struct timeval now = {0, 0};

	event_add(w->runq, &now);
}

/* Queue r; from then on, r is the queue's (own is its loop). */
static void share(struct req *r)
{
	struct worker *own = r->w;
	int n;

	r->next = NULL;
	pthread_mutex_lock(&runq_lock);
	*runq_tail = r;
	runq_tail = &r->next;
	n = ++runq_len;
	pthread_mutex_unlock(&runq_lock);
	runq_kick(own);
	/* More than this loop will take next: wake the loops that are not
	 * running a request (one that is looks at the queue when done). */
	if (n > 1)
		for (int i = 0; i < nworkers; i++)
			if (&workers[i] != own && !atomic_load(&workers[i].running))
				runq_kick(&workers[i]);
}

static struct req *runq_pop(void)
{
	struct req *r;

	pthread_mutex_lock(&runq_lock);
	r = runq_head;
	if (r) {
		runq_head = r->next;
		if (!runq_head)
			runq_tail = &runq_head;
		runq_len--;
	}
	pthread_mutex_unlock(&runq_lock);
	return r;
}

static void finish(struct req *r)
{
	r->w->inflight--;
	after_handler(r);
	send_reply(r);
	req_free(r);
}

/* The second call of a handler that returned HTTP_SHARE. */
static int handle_shared(struct req *r)
{
	int status;

	r->shared = true;
	status = r->route->handler(r);
	if (status == HTTP_SHARE) {
		fprintf(stderr, "oficio: %s asked to be shared twice\n", r->route->pattern);
		status = http_error(r, 500, "error", "err.internal");
	}
	return status;
}

static void on_runq(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg, *own;
	struct req *r;

	(void)fd;
	(void)what;
	r = runq_pop();
	if (!r)
		return;
	atomic_store(&w->running, true);
	own = r->w;
	r->w = w;
	r->db = w->db;
	r->status = handle_shared(r);
	if (r->status == HTTP_DEFERRED) {
		/* It would resume on this loop, not its own. */
		fprintf(stderr, "oficio: a shared request was deferred\n");
		abort();
	}
	r->w = own;
	r->db = own->db;
	metrics_shared(own != w);
	/* Not running before looking: a loop that queues a request
	 * meanwhile then either sees this one idle or is seen. */
	atomic_store(&w->running, false);
	if (runq_length() > 0)
		runq_kick(w);
	if (own == w) {
		finish(r);
		return;
	}
	pthread_mutex_lock(&runq_lock);
	r->next = own->finished;
	own->finished = r;
	pthread_mutex_unlock(&runq_lock);
	event_active(own->done, EV_TIMEOUT, 1);
}

/* After the loops have stopped: the requests a loop left behind when it
 * stopped at its deadline with requests in flight, still queued or run by
 * another loop for it (their connections close unanswered). */
static void runq_drop(void)
{
	struct req *r;

	while ((r = runq_pop()))
		req_free(r);
	for (int i = 0; i < nworkers; i++)
		while ((r = workers[i].finished)) {
			workers[i].finished = r->next;
			req_free(r);
		}
}

static void on_done(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct req *list, *r, *rev = NULL;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&runq_lock);
	list = w->finished;
	w->finished = NULL;
	pthread_mutex_unlock(&runq_lock);
	while ((r = list)) { /* oldest first */
		list = r->next;
		r->next = rev;
		rev = r;
	}
	while ((r = rev)) {
		rev = r->next;
		finish(r);
	}
}

/* ---- spreading connections over the loops ----
 *
 * The loops take connections from one listening socket, and the first to
 * wake takes every one waiting (libevent accepts until none is left):
 * sixteen keep-alive clients were found split 16/0, 12/4 or 9/9 from one
 * run to the next, and a loop holding twelve serves them one after the
 * other while the other core idles (never-seen searches at 16 clients:
 * 1,300 instead of 2,300 req/s). So a loop accepts only while it has no
 * more open connections than the least busy loop has; each change of its
 * count wakes the others to look again, and so does every tick. Counted
 * by conn.c: without the header deadline, every loop accepts. */
static void balance(struct worker *w)
{
	int min = INT_MAX;
	bool accept;

	if (!w->bound)
		return;
	for (int i = 0; i < nworkers; i++) {
		int n = conns_open(workers[i].conns);
		if (n < min)
			min = n;
	}
	accept = conns_open(w->conns) <= min;
	if (accept != w->accepting) {
		struct evconnlistener *l = evhttp_bound_socket_get_listener(w->bound);
		if ((accept ? evconnlistener_enable(l) : evconnlistener_disable(l)) == 0)
			w->accepting = accept;
	}
}

static void on_rebalance(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	balance(arg);
}

/* conn.c: one of w's connections opened or closed (on w's loop). */
static void on_conns_change(void *arg)
{
	struct worker *w = arg;

	balance(w);
	for (int i = 0; i < nworkers; i++)
		if (&workers[i] != w)
			event_active(workers[i].rebalance, EV_TIMEOUT, 1);
}

int http_loops(void)
{
	return nworkers;
}

int http_loop_connections(int i)
{
	return conns_open(workers[i].conns);
}

/* ---- threads and shutdown ---- */

static atomic_int stop_requested; /* set by the main thread, read by the loops */

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;

	(void)fd;
	(void)what;
	log_flush(w);
	balance(w);
	/* A request left in the queue by a loop that has stopped. */
	if (runq_length() > 0)
		runq_kick(w);
	if (stop_requested && !w->stopping) {
		/* Stop accepting: this loop's copy of the socket closes, the
		 * others keep theirs (listen_on) until main closes it. */
		w->stopping = true;
		w->stop_deadline = (int64_t)time(NULL) + 10;
		if (w->bound)
			evhttp_del_accept_socket(w->http, w->bound);
		w->bound = NULL;
	}
	/* Done when no request is in flight and every reply handed to evhttp
	 * has left (with the header deadline off, connections are not known:
	 * then only the former), or at the deadline. */
	if (w->stopping && ((w->inflight == 0 && !conns_sending(w->conns)) ||
			    (int64_t)time(NULL) > w->stop_deadline))
		event_base_loopexit(w->base, NULL);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	event_base_dispatch(w->base);
	log_flush(w);
	return NULL;
}

/* Accept on fd with a copy of it: libevent closes a listener's socket
 * when it is freed, and the first loop to stop frees its own (the others
 * then failed to poll a closed socket, and main closed a number that may
 * have been reused). */
static struct evhttp_bound_socket *listen_on(struct evhttp *http, int fd)
{
	struct evhttp_bound_socket *b;
	int copy = dup(fd);

	if (copy < 0)
		return NULL;
	evutil_make_socket_closeonexec(copy);
	b = evhttp_accept_socket_with_handle(http, copy);
	if (!b)
		close(copy);
	return b;
}

static int worker_init(struct worker *w, int id, int fd)
{
	struct buf err = BUF_INIT;
	struct timeval tick = {0, 200000};
	const struct config *cfg = &g_server->cfg;

	w->id = id;
	w->listen_fd = fd;
	buf_init(&w->log);
	w->conns = conns_new(cfg->header_timeout_s);
	w->base = event_base_new();
	w->http = w->base ? evhttp_new(w->base) : NULL;
	if (!w->http)
		return -1;
	w->db = db_open(cfg->db_path, NULL, false, &err);
	if (!w->db) {
		fprintf(stderr, "oficio: %s\n", err.data);
		buf_free(&err);
		return -1;
	}
	evhttp_set_max_headers_size(w->http, 16384);
	evhttp_set_max_body_size(w->http,
				 (ev_ssize_t)(cfg->max_upload > cfg->max_body ?
							  cfg->max_upload + 65536 :
							  cfg->max_body));
	evhttp_set_timeout(w->http, cfg->timeout_s);
	evhttp_set_allowed_methods(w->http,
				   EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
					   EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
					   EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH |
					   EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT);
	evhttp_set_default_content_type(w->http, "text/html; charset=utf-8");
	evhttp_set_gencb(w->http, on_request, w);
	w->rebalance = event_new(w->base, -1, 0, on_rebalance, w);
	w->runq = event_new(w->base, -1, 0, on_runq, w);
	w->done = event_new(w->base, -1, 0, on_done, w);
	if (!w->rebalance || !w->runq || !w->done)
		return -1;
	if (cfg->header_timeout_s > 0) {
		conns_watch(w->conns, w->http);
		conns_on_change(w->conns, on_conns_change, w);
	}
	w->bound = listen_on(w->http, fd);
	if (!w->bound)
		return -1;
	w->accepting = true;
	w->cache = cache_new(2048);
	if (id == 0 && metrics_fd >= 0) {
		w->metrics = evhttp_new(w->base);
		if (!w->metrics || !listen_on(w->metrics, metrics_fd))
			return -1;
		evhttp_set_timeout(w->metrics, cfg->timeout_s);
		evhttp_set_allowed_methods(w->metrics, EVHTTP_REQ_GET);
		evhttp_set_gencb(w->metrics, on_metrics, w);
		if (cfg->header_timeout_s > 0)
			conns_watch(w->conns, w->metrics);
	}
	w->tick = event_new(w->base, -1, EV_PERSIST, on_tick, w);
	event_add(w->tick, &tick);
	if (g_server->worker_start)
		g_server->worker_start(w->base, w->db, id);
	return 0;
}

static int listen_socket(const char *hostport)
{
	char host[256];
	const char *colon = strrchr(hostport, ':');
	struct addrinfo hints, *res = NULL;
	int fd = -1, one = 1;

	if (!colon || (size_t)(colon - hostport) >= sizeof(host)) {
		fprintf(stderr, "oficio: --listen wants HOST:PORT, not %s\n", hostport);
		return -1;
	}
	memcpy(host, hostport, (size_t)(colon - hostport));
	host[colon - hostport] = '\0';
	if (host[0] == '[') { /* [::1]:8080 */
		memmove(host, host + 1, strlen(host));
		host[strcspn(host, "]")] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if (getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &res) != 0 || !res) {
		fprintf(stderr, "oficio: cannot resolve %s\n", hostport);
		return -1;
	}
	fd = socket(res->ai_family, SOCK_STREAM, 0);
	/* TCP_NODELAY is inherited by accepted sockets on Linux: without it a
	 * reply's last partial segment waits for a delayed ACK (40 ms). */
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 1024) < 0) {
		fprintf(stderr, "oficio: cannot listen on %s: %s\n", hostport,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	} else {
		evutil_make_socket_nonblocking(fd);
		evutil_make_socket_closeonexec(fd);
	}
	freeaddrinfo(res);
	return fd;
}

static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* The signals that stop the server, taken by the main thread alone with
 * sigwait (http_serve). */
static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
}

void http_block_signals(void)
{
	sigset_t set;

	stop_signals(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int http_serve(struct server *srv)
{
	sigset_t set;
	int fd, sig, rc = 0;

	g_server = srv;
	raise_fd_limit();
	if (evthread_use_pthreads() < 0) {
		fprintf(stderr, "oficio: libevent has no thread support\n");
		return 1;
	}
	http_block_signals(); /* for a caller that did not */
	stop_signals(&set);
	fd = listen_socket(srv->cfg.listen);
	if (fd < 0)
		return 1;
	if (srv->cfg.metrics_listen) {
		metrics_fd = listen_socket(srv->cfg.metrics_listen);
		if (metrics_fd < 0)
			return 1;
	}

	nworkers = srv->cfg.threads;
	workers = xcalloc((size_t)nworkers, sizeof(*workers));
	for (int i = 0; i < nworkers; i++) {
		if (worker_init(&workers[i], i, fd) < 0) {
			fprintf(stderr, "oficio: cannot start thread %d\n", i);
			return 1;
		}
	}
	for (int i = 0; i < nworkers; i++)
		pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
	printf("oficio %s listening on http://%s/ (%d threads)\n", OFICIO_VERSION,
	       srv->cfg.listen, nworkers);
	fflush(stdout);

	while (sigwait(&set, &sig) != 0)
		;
	printf("oficio: %s, finishing requests in flight\n",
	       sig == SIGTERM ? "SIGTERM" : "SIGINT");
	fflush(stdout);
	stop_requested = 1;
	for (int i = 0; i < nworkers; i++)
		pthread_join(workers[i].thread, NULL);
	runq_drop();
	/* evhttp_free closes connections: no loop may wake a freed one. */
	for (int i = 0; i < nworkers; i++)
		conns_on_change(workers[i].conns, NULL, NULL);
	close(fd);
	if (metrics_fd >= 0)
		close(metrics_fd);
	for (int i = 0; i < nworkers; i++) {
		struct worker *w = &workers[i];
		if (w->tick)
			event_free(w->tick);
		if (w->rebalance)
			event_free(w->rebalance);
		if (w->runq)
			event_free(w->runq);
		if (w->done)
			event_free(w->done);
		if (w->metrics)
			evhttp_free(w->metrics);
		evhttp_free(w->http);
		conns_free(w->conns); /* those evhttp freed before they were adopted */
		event_base_free(w->base);
		db_close(w->db);
		cache_free(w->cache);
		buf_free(&w->log);
	}
	free(workers);
	workers = NULL;
	nworkers = 0;
	printf("oficio: stopped\n");
	fflush(stdout);
	return rc;
}
