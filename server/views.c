/*
 * views.c - in-memory page view counters (see views.h).
 *
 * A thread's table is an open-addressing hash of slug -> count, made on
 * its first view and put on a global list (under a mutex, once per
 * thread) so that views_shutdown can reach it after the loops ended.
 * Invariants: only the owning thread touches a table while the server
 * runs; views_shutdown runs after every loop thread was joined.
 * Caveat: a slug renamed or archived between a view and the flush simply
 * counts for whatever page holds that slug then (or nothing).
 */
#include "views.h"

#include "buf.h"
#include "db.h"
#include "http.h"

#include <event2/event.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FLUSH_SECONDS 5
#define TABLE_SLOTS 4096     /* distinct pages per thread between flushes */

struct slot {
	char *slug;          /* NULL: free */
	uint64_t hash;
	long long count;
};

struct table {
	struct slot *s;
	size_t used;
	long long dropped;   /* views that found the table full */
	struct table *next;  /* the global list */
};

static _Thread_local struct table *mine;
static struct table *all;
static pthread_mutex_t all_lock = PTHREAD_MUTEX_INITIALIZER;

/* The loops' flush timers: made by views_worker_start, which the server
 * calls for each loop from the main thread before the loops run. */
#define MAX_TIMERS 256
static struct event *timers[MAX_TIMERS];
static int ntimers;

static uint64_t hash_of(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

static struct table *table_new(void)
{
	struct table *t = xcalloc(1, sizeof(*t));

	t->s = xcalloc(TABLE_SLOTS, sizeof(*t->s));
	pthread_mutex_lock(&all_lock);
	t->next = all;
	all = t;
	pthread_mutex_unlock(&all_lock);
	return t;
}

void views_count(const char *slug)
{
	uint64_t h = hash_of(slug);
	struct table *t = mine;

	if (!t)
		t = mine = table_new();
	for (size_t i = 0; i < TABLE_SLOTS; i++) {
		struct slot *s = &t->s[(h + i) & (TABLE_SLOTS - 1)];
		if (!s->slug) {
			/* Keep a quarter free so probes stay short. */
			if (t->used >= TABLE_SLOTS * 3 / 4)
				break;
			s->slug = xstrdup(slug);
			s->hash = h;
			s->count = 1;
			t->used++;
			return;
		}
		if (s->hash == h && strcmp(s->slug, slug) == 0) {
			s->count++;
			return;
		}
	}
	t->dropped++;
}

static int flush_table(struct db *db, struct table *t)
{
	sqlite3_stmt *st;

	if (!t || t->used == 0)
		return 0;
	if (db_begin(db) < 0)
		return -1;
	for (size_t i = 0; i < TABLE_SLOTS; i++) {
		struct slot *s = &t->s[i];
		if (!s->slug)
			continue;
		st = db_stmt(db, "INSERT INTO page_views(page_id, views) "
				 "SELECT id, ?2 FROM pages WHERE slug = ?1 "
				 "ON CONFLICT(page_id) DO UPDATE SET views = views + excluded.views");
		if (!st) {
			db_rollback(db);
			return -1;
		}
		db_bind_text(st, 1, s->slug);
		db_bind_int(st, 2, s->count);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_reset(st);
			db_rollback(db);
			return -1;
		}
		sqlite3_reset(st);
	}
	if (db_commit(db) < 0)
		return -1;
	for (size_t i = 0; i < TABLE_SLOTS; i++) {
		free(t->s[i].slug);
		t->s[i].slug = NULL;
	}
	t->used = 0;
	return 0;
}

int views_flush(struct db *db)
{
	return flush_table(db, mine);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	/* Runs on the loop's own thread: `mine` is this loop's table. */
	views_flush(arg);
}

void views_worker_start(struct event_base *base, struct db *db, int id)
{
	struct timeval tv = {FLUSH_SECONDS, 0};
	struct event *ev;

	(void)id;
	if (ntimers == MAX_TIMERS)
		return;
	ev = event_new(base, -1, EV_PERSIST, on_timer, db);
	if (!ev)
		return;
	event_add(ev, &tv);
	timers[ntimers++] = ev;
}

void views_shutdown(void)
{
	struct buf err = BUF_INIT;
	struct db *db = NULL;
	struct table *t, *next;

	if (g_server && g_server->cfg.db_path)
		db = db_open(g_server->cfg.db_path, NULL, false, &err);
	if (!db && err.len)
		fprintf(stderr, "oficio: page views not saved: %s\n", err.data);
	pthread_mutex_lock(&all_lock);
	for (t = all; t; t = next) {
		next = t->next;
		if (db && flush_table(db, t) < 0)
			fprintf(stderr, "oficio: page views not saved: %s\n", db_errmsg(db));
		for (size_t i = 0; i < TABLE_SLOTS; i++)
			free(t->s[i].slug);
		free(t->s);
		free(t);
	}
	all = NULL;
	pthread_mutex_unlock(&all_lock);
	/* The loops' bases are gone (event_base_free deleted the pending
	 * timers): what is left of each event is its memory. */
	for (int i = 0; i < ntimers; i++)
		free(timers[i]);
	ntimers = 0;
	db_close(db);
	buf_free(&err);
}
