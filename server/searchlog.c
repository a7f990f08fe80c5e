/*
 * searchlog.c - the search log's queue (see searchlog.h).
 *
 * One array under a mutex: a search appends one entry; whoever flushes
 * (the writer thread every FLUSH_EVERY_S, the gaps report, shutdown)
 * takes the whole array and writes it in one transaction, so any thread
 * can write every thread's searches. The writer has a thread and a
 * connection of its own: a flush is a synced commit, and on a loop it
 * held every request of that loop (search p99 at 16 clients 5 ms ->
 * 31 ms).
 * Invariant: queued <= QUEUE_MAX; entries keep their order.
 */
#include "searchlog.h"

#include "buf.h"
#include "db.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define QUEUE_MAX 65536 /* searches waiting to be written */

/* How often the writer writes the queue. Each write makes every other
 * connection drop its map of the file at its next read (SQLite unmaps a
 * reader's whole map when another connection has written), and the
 * unmap and the page faults after it stall every thread of the process:
 * never-seen searches at 16 clients over 20 s had p99 24 and 29 ms
 * written every second, 22 and 17 ms every ten seconds. A crash loses
 * at most that many seconds of the log; the gaps report writes the queue
 * first. */
#define FLUSH_EVERY_S 10
#define FLUSH_AT 16384 /* ... or as soon as this many are waiting */

static void writer_nudge(void);

struct logged {
	int64_t at;
	long long hits, user_id;
	char *query;
};

static struct logged *queue;
static size_t queued, queue_cap;
static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;

void searchlog_add(int64_t at, const char *query, long long hits, long long user_id)
{
	char *q = xstrdup(query);
	bool wake;

	pthread_mutex_lock(&queue_lock);
	if (queued == QUEUE_MAX) {
		pthread_mutex_unlock(&queue_lock);
		free(q);
		return;
	}
	if (queued == queue_cap) {
		queue_cap = queue_cap ? queue_cap * 2 : 256;
		queue = xrealloc(queue, queue_cap * sizeof(*queue));
	}
	queue[queued++] = (struct logged){at, hits, user_id > 0 ? user_id : 0, q};
	wake = queued == FLUSH_AT;
	pthread_mutex_unlock(&queue_lock);
	if (wake)
		writer_nudge(); /* thousands a second: do not wait for the timer */
}

static int write_searches(sqlite3 *db, const struct logged *e, size_t n)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db, "INSERT INTO search_log (at, query, hits, user_id)"
				   " VALUES (?1, ?2, ?3, ?4)", -1, &st, NULL) != SQLITE_OK)
		goto out;
	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_int64(st, 1, e[i].at);
		sqlite3_bind_text(st, 2, e[i].query, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, e[i].hits);
		if (e[i].user_id > 0)
			sqlite3_bind_int64(st, 4, e[i].user_id);
		else
			sqlite3_bind_null(st, 4);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
		sqlite3_reset(st);
	}
	rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
out:
	sqlite3_finalize(st);
	if (rc < 0) {
		fprintf(stderr, "oficio: search log: %s\n", sqlite3_errmsg(db));
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	}
	return rc;
}

int searchlog_flush(sqlite3 *db)
{
	struct logged *batch;
	size_t n;
	int rc;

	pthread_mutex_lock(&queue_lock);
	batch = queue;
	n = queued;
	queue = NULL;
	queued = queue_cap = 0;
	pthread_mutex_unlock(&queue_lock);
	if (n == 0) {
		free(batch);
		return 0;
	}
	rc = write_searches(db, batch, n);
	if (rc < 0) {
		/* Kept for the next flush, ahead of what came meanwhile. */
		pthread_mutex_lock(&queue_lock);
		size_t keep = queued + n > QUEUE_MAX ? QUEUE_MAX - n : queued;
		for (size_t i = keep; i < queued; i++)
			free(queue[i].query);
		batch = xrealloc(batch, (n + keep) * sizeof(*batch));
		if (keep)
			memcpy(batch + n, queue, keep * sizeof(*batch));
		free(queue);
		queue = batch;
		queued = queue_cap = n + keep;
		pthread_mutex_unlock(&queue_lock);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		free(batch[i].query);
	free(batch);
	return 0;
}

/* Forget what is queued (at exit, after the last flush). */
static void searchlog_free(void)
{
	pthread_mutex_lock(&queue_lock);
	for (size_t i = 0; i < queued; i++)
		free(queue[i].query);
	free(queue);
	queue = NULL;
	queued = queue_cap = 0;
	pthread_mutex_unlock(&queue_lock);
}

/* ---- the writer thread ---- */

static pthread_t writer;
static bool writer_running, writer_stop;
static pthread_mutex_t writer_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t writer_wake = PTHREAD_COND_INITIALIZER;

static void *writer_main(void *arg)
{
	struct db *db = arg;
	struct timespec at;

	pthread_mutex_lock(&writer_lock);
	while (!writer_stop) {
		clock_gettime(CLOCK_REALTIME, &at);
		at.tv_sec += FLUSH_EVERY_S;
		pthread_cond_timedwait(&writer_wake, &writer_lock, &at);
		pthread_mutex_unlock(&writer_lock);
		searchlog_flush(db_handle(db));
		pthread_mutex_lock(&writer_lock);
	}
	pthread_mutex_unlock(&writer_lock);
	return NULL;
}

static struct db *writer_db;

/* Wake the writer now (it writes the queue and goes back to waiting). */
static void writer_nudge(void)
{
	pthread_mutex_lock(&writer_lock);
	pthread_cond_signal(&writer_wake);
	pthread_mutex_unlock(&writer_lock);
}

int searchlog_start(const char *db_path)
{
	struct buf err = BUF_INIT;

	writer_db = db_open(db_path, NULL, false, &err);
	if (!writer_db) {
		fprintf(stderr, "oficio: search log: %s\n", err.data ? err.data : "cannot open");
		buf_free(&err);
		return -1;
	}
	buf_free(&err);
	writer_stop = false;
	if (pthread_create(&writer, NULL, writer_main, writer_db) != 0) {
		db_close(writer_db);
		writer_db = NULL;
		return -1;
	}
	writer_running = true;
	return 0;
}

void searchlog_stop(void)
{
	if (!writer_running) {
		searchlog_free();
		return;
	}
	pthread_mutex_lock(&writer_lock);
	writer_stop = true;
	pthread_cond_signal(&writer_wake);
	pthread_mutex_unlock(&writer_lock);
	pthread_join(writer, NULL);
	writer_running = false;
	if (searchlog_flush(db_handle(writer_db)) < 0)
		fprintf(stderr, "oficio: searches not logged: %s\n", db_errmsg(writer_db));
	db_close(writer_db);
	writer_db = NULL;
	searchlog_free();
}
