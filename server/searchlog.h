/*
 * searchlog.h - searches queued in memory and written to search_log in
 * batches (every ten seconds, or as soon as 16,384 wait, by a writer
 * thread with its own connection), so a search never waits for the write
 * lock nor for the disk. A crash loses at most the last ten seconds'
 * rows, never a page.
 */
#ifndef OFICIO_SEARCHLOG_H
#define OFICIO_SEARCHLOG_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

/* Queue one search_log row (any thread; user_id 0 for none). When the
 * queue is full (the database stuck for a long time) the row is dropped. */
void searchlog_add(int64_t at, const char *query, long long hits, long long user_id);

/* Write every queued search in one transaction on db (no transaction may
 * be open on it); 0, or -1 (the rows stay queued). The gaps report calls
 * it first, so it counts the searches not yet written too. */
int searchlog_flush(sqlite3 *db);

/* The server: start the writer on its own connection to db_path (0 or
 * -1), and at shutdown stop it, write what is left and free the queue. */
int searchlog_start(const char *db_path);
void searchlog_stop(void);

#endif
