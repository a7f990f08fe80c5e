/*
 * db.h - SQLite connections, migrations and the statement cache.
 *
 * One connection per thread (each event loop owns one; the CLI owns one).
 * A connection is opened with WAL, synchronous=FULL, foreign keys on and a
 * busy timeout, with Oficio's FTS5 tokenizers registered before the schema
 * is read. Statements are static strings prepared once per connection and
 * reused: db_stmt() looks them up by the string's address, so callers must
 * pass string literals or other storage that lives as long as the process.
 *
 * Caveats: a statement from db_stmt() is reset (and its bindings cleared)
 * when it is handed out, not when the caller is done; callers that keep
 * a read statement open across another db_stmt() of the same SQL would be
 * surprised, so don't.
 */
#ifndef OFICIO_DB_H
#define OFICIO_DB_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

struct buf;

struct db;

/* Open (creating if needed) the database at path and, when migrate is
 * true, apply the migrations in schema_dir that are newer than
 * PRAGMA user_version, each in its own transaction. NULL on failure with
 * the reason appended to err. */
struct db *db_open(const char *path, const char *schema_dir, bool migrate,
		   struct buf *err);
/* Finalize every cached statement and close. Safe on NULL. */
void db_close(struct db *db);

/* The raw handle, for code that needs the SQLite API directly. */
sqlite3 *db_handle(struct db *db);

/* A cached prepared statement for sql (a string literal), reset and with
 * bindings cleared. NULL on a prepare error (logged to stderr: a bug). */
sqlite3_stmt *db_stmt(struct db *db, const char *sql);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. Return 0 or -1. */
int db_begin(struct db *db);
int db_commit(struct db *db);
void db_rollback(struct db *db);

/* Step a bound write statement once and reset it: the number of rows it
 * changed, or -1 on an error. For "change exactly one row, else 409". */
int db_step_changes(struct db *db, sqlite3_stmt *st);

/* Run a statement without results (sql is a literal); returns 0 or -1. */
int db_exec(struct db *db, const char *sql);

/* Schema version the binary knows (highest migration file) and the
 * version of an open database. */
int db_schema_version(struct db *db);
int db_latest_migration(const char *schema_dir);

/* Settings table helpers. db_setting returns a malloc'd copy or NULL. */
char *db_setting(struct db *db, const char *key);
int db_set_setting(struct db *db, const char *key, const char *value);

/* Bind helpers: text may be NULL (binds NULL). */
void db_bind_text(sqlite3_stmt *st, int i, const char *s);
void db_bind_int(sqlite3_stmt *st, int i, long long v);

/* The column as a const char* ("" for NULL). */
const char *db_col_text(sqlite3_stmt *st, int i);

/* The column as a new JSON string. Text in the database went through
 * UTF-8 validation on the way in, so it is not validated again here (that
 * check was a measurable part of every page view). */
#include <jansson.h>
json_t *db_col_json(sqlite3_stmt *st, int i);

/* Wall clock in Unix seconds. Tests move it with OFICIO_CLOCK_FILE: a file
 * holding an offset in seconds, re-read on every call. */
int64_t db_now(void);

/* Last error message of the connection. */
const char *db_errmsg(struct db *db);

#endif
