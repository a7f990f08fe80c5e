/*
 * checkpoint.c - WAL checkpoints on a thread of their own (see
 * checkpoint.h).
 *
 * An attached connection replaces SQLite's automatic checkpoint with a
 * WAL hook (sqlite3_wal_hook, which is how the automatic one works too):
 * after each commit it learns how many pages the WAL holds, and from
 * CHECKPOINT_WAKE_PAGES on it wakes the thread. The thread checkpoints
 * PASSIVE: it copies what no reader still needs and syncs the database;
 * the next writer then starts the WAL again from its beginning.
 * Invariant: a WAL never grows past CHECKPOINT_INLINE_PAGES through an
 * attached connection without a checkpoint being tried in that commit.
 *
 * The thread also keeps the search index tidy: once no write has
 * succeeded for upkeep_s seconds (cache_generation stays the same), after
 * the start or after writes, it merges the small segments saves left
 * (search_upkeep), step by step, stopping at the next write, then
 * checkpoints.
 */
#include "checkpoint.h"

#include "buf.h"
#include "cache.h"
#include "db.h"
#include "http.h"
#include "metrics.h"
#include "search.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#define CHECKPOINT_WAKE_PAGES 1000    /* SQLite's own threshold */
#define CHECKPOINT_INLINE_PAGES 16384 /* 64 MB: the thread is stuck */

static pthread_t thread;
static bool running, stopping, wanted;
static int upkeep_s; /* 0: no index upkeep */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static struct db *own;

static int wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	(void)arg;
	if (pages >= CHECKPOINT_INLINE_PAGES) {
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		return SQLITE_OK;
	}
	if (pages >= CHECKPOINT_WAKE_PAGES) {
		pthread_mutex_lock(&lock);
		wanted = true;
		pthread_cond_signal(&wake);
		pthread_mutex_unlock(&lock);
	}
	return SQLITE_OK;
}

/* search_upkeep goes on while no write has come and the server is not
 * stopping. */
static bool still_idle(void *arg)
{
	bool stop;

	pthread_mutex_lock(&lock);
	stop = stopping;
	pthread_mutex_unlock(&lock);
	return !stop && cache_generation() == *(uint64_t *)arg;
}

static void *thread_main(void *arg)
{
	sqlite3 *db = db_handle(arg);
	uint64_t seen = cache_generation(), changed = http_now_us();
	bool untidy = true, reported = false; /* saves before a restart count too */
	uint64_t gen;
	struct timespec at;

	pthread_mutex_lock(&lock);
	while (!stopping) {
		/* Woken by a commit, or each second to look for writes. */
		clock_gettime(CLOCK_REALTIME, &at);
		at.tv_sec += 1;
		if (!wanted)
			pthread_cond_timedwait(&wake, &lock, &at);
		if (stopping)
			break;
		pthread_mutex_unlock(&lock);
		gen = cache_generation();
		if (gen != seen) {
			seen = gen;
			changed = http_now_us();
			untidy = true;
		} else if (untidy && upkeep_s > 0 &&
		           http_now_us() - changed >= (uint64_t)upkeep_s * 1000000u) {
			int steps = search_upkeep(db, still_idle, &seen);
			if (steps < 0 && !reported) {
				fprintf(stderr, "oficio: search index upkeep: %s\n",
				        sqlite3_errmsg(db));
				reported = true;
			}
			/* Done unless a write stopped it (then: after the next lull). */
			untidy = cache_generation() != seen;
			if (steps > 0) {
				pthread_mutex_lock(&lock);
				wanted = true;
				pthread_mutex_unlock(&lock);
			}
		}
		pthread_mutex_lock(&lock);
		if (!wanted)
			continue;
		wanted = false;
		pthread_mutex_unlock(&lock);
		/* SQLITE_BUSY only means another checkpoint is running. */
		if (sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL) ==
		    SQLITE_OK)
			metrics_checkpoint();
		pthread_mutex_lock(&lock);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

int checkpoint_start(const char *db_path, int upkeep_idle_s)
{
	struct buf err = BUF_INIT;

	own = db_open(db_path, NULL, false, &err);
	if (!own) {
		fprintf(stderr, "oficio: checkpoints: %s\n", err.data ? err.data : "cannot open");
		buf_free(&err);
		return -1;
	}
	buf_free(&err);
	stopping = wanted = false;
	upkeep_s = upkeep_idle_s;
	if (pthread_create(&thread, NULL, thread_main, own) != 0) {
		db_close(own);
		own = NULL;
		return -1;
	}
	running = true;
	return 0;
}

void checkpoint_attach(sqlite3 *db)
{
	if (running)
		sqlite3_wal_hook(db, wal_hook, NULL);
}

void checkpoint_stop(void)
{
	if (!running)
		return;
	pthread_mutex_lock(&lock);
	stopping = true;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(thread, NULL);
	running = false;
	sqlite3_wal_checkpoint_v2(db_handle(own), NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	db_close(own);
	own = NULL;
}
