/*
 * http.h - the evented HTTP server, the router and the request helpers.
 *
 * Threads: one event loop per thread, each with its own evhttp and its own
 * database connection, all accepting on one shared listening socket. A
 * request is handled on the thread that accepted it, except a long read
 * whose handler asks to be shared (HTTP_SHARE: a search), which the first
 * loop free runs; work that must not block the loop (argon2id) runs on a
 * worker pool and resumes on the request's loop (http_resume). The reply
 * always leaves from the request's own loop.
 *
 * Life of a request: limits (evhttp) -> path and query decoded and checked
 * (400) -> route matched (404/405) -> session resolved -> permission and
 * CSRF checked by the router from the route's flags (401/403) -> body
 * parsed (400/413) -> handler -> response sent with security headers ->
 * one access-log line. Everything the request allocates hangs off
 * struct req and is freed in one place after the reply.
 */
#ifndef OFICIO_HTTP_H
#define OFICIO_HTTP_H

#include "buf.h"
#include "form.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct evhttp_request;
struct event_base;
struct db;
struct tmpl_set;
struct i18n;
struct worker;

/* Methods (a bit set, matching what routes accept). */
enum {
	M_GET = 1,
	M_POST = 2,
	M_PUT = 4,
	M_DELETE = 8,
};

/* Route flags, enforced by the router. */
enum {
	R_PUBLIC = 1 << 0,  /* no login needed, even without --public-read */
	R_API = 1 << 1,     /* JSON in and out; errors as {error,message} */
	R_NOCSRF = 1 << 2,  /* state-changing but exempt from CSRF (login) */
	R_UPLOAD = 1 << 3,  /* body may be up to --max-upload, not 2 MiB */
	R_RAWBODY = 1 << 4, /* keep the body as bytes; do not parse it */
};

struct req;
typedef int (*handler_fn)(struct req *r);

struct route {
	int methods;          /* M_GET | M_POST ... (HEAD is served as GET) */
	const char *pattern;  /* "/p/{slug}/r/{n}"; "{*}" at the end takes the rest */
	handler_fn handler;
	int flags;            /* R_* */
	int min_role;         /* role.h; ROLE_ANON means "as --public-read says" */
};

/* The server's configuration, fixed after start. */
struct config {
	const char *db_path;
	const char *listen;       /* "HOST:PORT" */
	const char *metrics_listen;
	const char *share_dir;    /* where templates/ static/ schema/ live */
	const char *language;     /* search stemming: "es" | "en" */
	const char *log_format;   /* "plain" | "json" */
	int threads;
	bool public_read;
	bool secure_cookies;
	bool trust_proxy;
	bool offer_demo;
	bool quiet;               /* no access log */
	size_t max_body;          /* default 2 MiB */
	size_t max_upload;        /* default 10 MiB */
	int timeout_s;            /* evhttp's: per read or write, so idle time */
	int header_timeout_s;     /* a request line and headers, first byte to last */
	bool no_search_cache;     /* run every search afresh (search_ui.c) */
	bool log_search_users;    /* search_log records who searched (search_ui.c) */
	int upkeep_idle_s;        /* merge the search index after this many quiet seconds; 0 never */
};

/* Read-only state shared by every thread. */
struct server {
	struct config cfg;
	struct tmpl_set *tmpl;
	struct i18n *msgs;
	const struct route *routes;
	size_t nroutes;
	/* Adds the navigation badges (review queue, inbox) to a page context. */
	void (*nav_badges)(struct req *r, json_t *ctx);
	/* Runs on each loop thread before it serves (timers, caches). */
	void (*worker_start)(struct event_base *base, struct db *db, int id);
};

extern struct server *g_server; /* set once before the threads start */

struct req {
	struct evhttp_request *ev;
	struct worker *w;
	struct db *db;            /* this thread's connection */
	int method;               /* M_GET... (HEAD maps to M_GET) */
	bool head;
	char *path;               /* decoded, validated UTF-8 */
	struct form query;
	struct form body;         /* urlencoded or multipart bodies */
	json_t *json;             /* application/json bodies */
	const char *raw;          /* the body bytes (R_RAWBODY), raw_len */
	size_t raw_len;
	const struct route *route;
	char *args[4];            /* route captures, decoded */
	int nargs;
	/* who is asking */
	long long uid;            /* 0: anonymous */
	int role;
	char *username;
	char *display_name;
	char *csrf;               /* the session's CSRF token; NULL for tokens */
	bool via_token;           /* Authorization: Bearer */
	bool api;                 /* under /api/: errors as JSON */
	const char *lang;         /* "es" | "en" */
	char addr[64];            /* client address (X-Forwarded-For if trusted) */
	/* the response */
	struct buf out;
	const char *content_type;
	int status;
	bool sent;
	uint64_t t0;              /* start, microseconds */
	void *defer;              /* handler state while deferred */
	bool shared;              /* called again from the loops' shared queue */
	struct req *next;         /* ... in which it waits (http.c) */
};

/* Start the server: bind, spawn cfg->threads loops, serve until SIGTERM or
 * SIGINT, then stop accepting, let in-flight requests finish, close the
 * databases. Returns the process exit status. */
int http_serve(struct server *srv);
/* Block SIGTERM and SIGINT (http_serve waits for them) and ignore
 * SIGPIPE, in this thread and every thread it creates after: call it
 * before the first thread (the search log's, the checkpointer's, the
 * password pool's), or a stop signal may land in one of those and kill
 * the process, or arrive before the loops run (a client can connect as
 * soon as the socket listens) and do the same. */
void http_block_signals(void);

/* Request accessors: the only way handlers read input. Each returns NULL
 * when absent; values are already valid UTF-8 without NUL. */
const char *http_query(struct req *r, const char *name);
const char *http_form(struct req *r, const char *name);
const char *http_header(struct req *r, const char *name);
/* A query or form value capped at max bytes: NULL when absent, and sets
 * *too_long (when not NULL) if longer. */
const char *http_param(struct req *r, const char *name, size_t max, bool *too_long);
/* Route capture i (0-based). */
const char *http_arg(struct req *r, int i);
/* Integer query/form value within [min,max], or def when absent/invalid. */
long long http_int(struct req *r, const char *name, long long min, long long max,
		   long long def);
/* A count or an offset the request asks for (limit=, offset=, page=):
 * def when absent or empty, max when above max (more than is served is
 * cut to it); not a whole number, or below min: sets *bad (the handler
 * answers 400) and gives def. */
long long http_count(struct req *r, const char *name, long long min, long long max, long long def,
		     bool *bad);

/* Response helpers. Each returns the status to return from the handler. */
void http_set_header(struct req *r, const char *name, const char *value);
/* Render template tmpl with ctx (adds the common fields: user, csrf, lang,
 * badges) as an HTML page. Takes ownership of ctx. */
int http_page(struct req *r, int status, const char *tmpl, json_t *ctx);
/* The same page made of pre-rendered HTML between the "header" and
 * "footer" templates (the fragment cache's hits): no copy into JSON. */
int http_page_raw(struct req *r, int status, json_t *ctx, const char *html, size_t len);
/* The same with two fragments one after the other (an article and the
 * reader's own tools), appended straight into the reply. */
int http_page_parts(struct req *r, int status, json_t *ctx, const char *html, size_t len,
		    const char *more, size_t more_len);
/* Reply JSON (takes ownership of j). */
int http_json(struct req *r, int status, json_t *j);
/* Append j as compact JSON and a newline, as http_json sends it: 0, or
 * -1 with out as it was. */
int http_json_dump(json_t *j, struct buf *out);
/* A member of a JSON request body (obj may be NULL or not an object):
 * as text, NULL when absent or null; as true or false, false when absent
 * or null. A member of another type sets *bad (the handler answers 400
 * err.json rather than act as if it had not been sent) and reads as
 * absent. */
const char *http_json_text(json_t *obj, const char *key, bool *bad);
bool http_json_bool(json_t *obj, const char *key, bool *bad);
/* An error: JSON {error,message} on the API, else the error page. code is
 * a short machine word ("not_found"); msgkey a catalogue key. */
int http_error(struct req *r, int status, const char *code, const char *msgkey);
/* 303 See Other to a local URL. */
int http_redirect(struct req *r, const char *url);
/* Plain bytes with a content type. */
int http_bytes(struct req *r, int status, const char *type, const void *p, size_t n);

/* The common template fields (user, csrf, lang, nav badges), as a new
 * object to add page fields to. */
json_t *http_ctx(struct req *r);

/* A handler that returns HTTP_DEFERRED has handed r to other work, which
 * must later call http_resume(r, fn) from any thread; fn then runs on the
 * request's own loop and returns the status as a handler would. */
#define HTTP_DEFERRED 0
void http_resume(struct req *r, handler_fn fn);
/* The same after ms milliseconds (a timer on r's loop: costs nothing
 * meanwhile). */
void http_resume_after(struct req *r, handler_fn fn, int ms);
/* A GET handler that returns HTTP_SHARE, having done nothing yet, is
 * called again on the first loop to be free, with r->shared set (http.c,
 * "sharing"): for long reads (a search not in the cache). It must not
 * defer then, nor share again (a 500). Not a status, nor a mistaken -1. */
#define HTTP_SHARE 1

/* This thread's fragment cache (cache.h). */
struct cache;
struct cache *http_cache(struct req *r);

/* A message from the catalogue in the request's language. */
const char *http_msg(struct req *r, const char *key);

/* The event loops (0 before the server starts) and the connections open
 * on loop i (counted with the header deadline on; see http.c, "spreading
 * connections"). Any thread. */
int http_loops(void);
int http_loop_connections(int i);

/* Microseconds since an arbitrary start (monotonic). */
uint64_t http_now_us(void);


#endif
