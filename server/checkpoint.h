/*
 * checkpoint.h - WAL checkpoints on a thread of their own, off the path
 * of the request that commits.
 *
 * SQLite's automatic checkpoint runs inside the commit that takes the WAL
 * past 1,000 pages: that one request copies the WAL into the database and
 * syncs it (12 ms more for one 5,000-line save in three). A connection
 * given to checkpoint_attach instead wakes the checkpoint thread, which
 * runs a PASSIVE checkpoint on its own connection: it never waits for a
 * reader or the writer, and they never wait for it. The same thread
 * merges the search index's small segments when the server is quiet.
 */
#ifndef OFICIO_CHECKPOINT_H
#define OFICIO_CHECKPOINT_H

#include <sqlite3.h>

/* Start the thread with its own connection to db_path: 0, or -1 (then
 * connections keep SQLite's automatic checkpoint). After upkeep_idle_s
 * seconds without a write (0: never), it also merges the search index's
 * small segments (search_upkeep). */
int checkpoint_start(const char *db_path, int upkeep_idle_s);

/* Checkpoint db's WAL on the thread from now on, when it is running;
 * otherwise leave db as it is. If the thread falls far behind (the WAL
 * past CHECKPOINT_INLINE_PAGES), a commit on db checkpoints it itself, as
 * SQLite would. Call on db's thread, before it commits. */
void checkpoint_attach(sqlite3 *db);

/* Stop the thread (after a last checkpoint) and close its connection. */
void checkpoint_stop(void);

#endif
