/*
 * views.h - page views counted in memory and written to page_views in
 * batches, so reading a page never writes to the database.
 *
 * Each loop thread counts into its own table (no locks on the hot path);
 * a timer on each loop flushes that thread's counts every few seconds
 * with one short transaction, and views_shutdown() flushes what is left
 * once the loops have stopped. A count that cannot be written (the
 * database busy) stays in memory for the next flush.
 */
#ifndef OFICIO_VIEWS_H
#define OFICIO_VIEWS_H

struct event_base;
struct db;

/* Count one view of the page slug on the calling thread. */
void views_count(const char *slug);

/* server.worker_start: add the flush timer to a loop (db is its
 * connection, used only on that loop's thread). */
void views_worker_start(struct event_base *base, struct db *db, int id);

/* Write this thread's counts with db; 0, or -1 (counts kept). */
int views_flush(struct db *db);

/* After every loop stopped: flush every thread's counts through a
 * connection of its own to the server's database, free the tables. */
void views_shutdown(void);

#endif
