/*
 * db.c - connections, migrations, statement cache, clock.
 *
 * The statement cache is a small open-addressing table keyed by the SQL
 * string's address (statements are literals), so a lookup is a pointer
 * hash and a compare: no string hashing on the hot path.
 */
#include "db.h"

#include "buf.h"
#include "search.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define STMT_SLOTS 512 /* power of two; Oficio has a few hundred statements */

struct stmt_slot {
	const char *sql;   /* key: the literal's address */
	sqlite3_stmt *st;
};

struct db {
	sqlite3 *h;
	struct stmt_slot slots[STMT_SLOTS];
	int nstmts;
	int depth;         /* open transactions: 1 = BEGIN, >1 = savepoints inside */
};

sqlite3 *db_handle(struct db *db)
{
	return db->h;
}

const char *db_errmsg(struct db *db)
{
	return sqlite3_errmsg(db->h);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Migration files "NNN_name.sql" of dir, sorted; *n set. Caller frees. */
static char **list_migrations(const char *dir, int *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	int cap = 0;

	*n = 0;
	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 8 || strcmp(e->d_name + len - 4, ".sql") != 0 ||
		    e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			names = xrealloc(names, sizeof(*names) * (size_t)cap);
		}
		names[(*n)++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (*n)
		qsort(names, (size_t)*n, sizeof(*names), cmp_names);
	return names;
}

int db_latest_migration(const char *schema_dir)
{
	int n, latest = 0;
	char **names = list_migrations(schema_dir, &n);

	for (int i = 0; i < n; i++) {
		int v = atoi(names[i]);
		if (v > latest)
			latest = v;
		free(names[i]);
	}
	free(names);
	return latest;
}

static int read_file(const char *path, struct buf *out)
{
	FILE *f = fopen(path, "rb");
	char chunk[8192];
	size_t got;

	if (!f)
		return -1;
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(out, chunk, got);
	fclose(f);
	return buf_error(out) ? -1 : 0;
}

static int migrate(struct db *db, const char *dir, struct buf *err)
{
	int n, rc = -1, have = db_schema_version(db);
	char **names = list_migrations(dir, &n);
	struct buf sql = BUF_INIT, path = BUF_INIT;
	char *msg = NULL;

	if (n == 0) {
		buf_printf(err, "no migrations found in %s", dir);
		goto out;
	}
	if (have > atoi(names[n - 1])) {
		/* An older binary must not write to a newer schema it does not
		 * know: refuse rather than risk the data. */
		buf_printf(err, "the database is at schema %d, newer than this oficio (%d): "
			   "install the newer oficio", have, atoi(names[n - 1]));
		goto out;
	}
	for (int i = 0; i < n; i++) {
		int v = atoi(names[i]);
		if (v <= have)
			continue;
		buf_reset(&sql);
		buf_reset(&path);
		buf_printf(&path, "%s/%s", dir, names[i]);
		if (read_file(path.data, &sql) < 0) {
			buf_printf(err, "%s: cannot read", path.data);
			goto out;
		}
		buf_printf(&sql, ";\nPRAGMA user_version = %d;", v);
		if (db_begin(db) < 0) {
			buf_printf(err, "%s: %s", names[i], db_errmsg(db));
			goto out;
		}
		if (sqlite3_exec(db->h, sql.data, NULL, NULL, &msg) != SQLITE_OK) {
			buf_printf(err, "%s: %s", path.data, msg ? msg : "error");
			db_rollback(db);
			goto out;
		}
		if (db_commit(db) < 0) {
			buf_printf(err, "%s: commit: %s", names[i], db_errmsg(db));
			goto out;
		}
	}
	rc = 0;
out:
	sqlite3_free(msg);
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	buf_free(&sql);
	buf_free(&path);
	return rc;
}

struct db *db_open(const char *path, const char *schema_dir, bool migrate_now,
		   struct buf *err)
{
	struct db *db = xcalloc(1, sizeof(*db));
	char *msg = NULL;

	if (sqlite3_open_v2(path, &db->h,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				    SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		buf_printf(err, "%s: %s", path,
			   db->h ? sqlite3_errmsg(db->h) : "cannot open");
		goto fail;
	}
	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_busy_timeout(db->h, 5000);
	if (search_register(db->h) != SQLITE_OK) {
		buf_printf(err, "%s: cannot register the search tokenizers", path);
		goto fail;
	}
	/* WAL lets readers go on while one writer saves; FULL makes an
	 * acknowledged save survive power loss, not just a process crash.
	 * Reads map the file (up to 1 GB; SQLite's build caps it at 2):
	 * a search reads the index and page texts from the kernel's page
	 * cache, shared by every connection, with no copy per page (a
	 * cold search about a fifth faster than through the 16 MB cache). */
	if (sqlite3_exec(db->h,
			 "PRAGMA journal_mode=WAL;"
			 "PRAGMA synchronous=FULL;"
			 "PRAGMA foreign_keys=ON;"
			 "PRAGMA temp_store=MEMORY;"
			 "PRAGMA cache_size=-16000;"
			 "PRAGMA mmap_size=1073741824;",
			 NULL, NULL, &msg) != SQLITE_OK) {
		buf_printf(err, "%s: %s", path, msg ? msg : "cannot configure");
		sqlite3_free(msg);
		goto fail;
	}
	if (migrate_now && migrate(db, schema_dir, err) < 0)
		goto fail;
	return db;
fail:
	db_close(db);
	return NULL;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	if (db->h)
		search_release(db->h);  /* search.c's statements on this connection */
	for (int i = 0; i < STMT_SLOTS; i++)
		if (db->slots[i].st)
			sqlite3_finalize(db->slots[i].st);
	if (db->h)
		sqlite3_close_v2(db->h);
	free(db);
}

sqlite3_stmt *db_stmt(struct db *db, const char *sql)
{
	uintptr_t k = (uintptr_t)sql;
	size_t i = (size_t)((k >> 3) * 2654435761u) & (STMT_SLOTS - 1);

	for (;;) {
		struct stmt_slot *s = &db->slots[i];
		if (s->sql == sql) {
			sqlite3_reset(s->st);
			sqlite3_clear_bindings(s->st);
			return s->st;
		}
		if (!s->sql)
			break;
		i = (i + 1) & (STMT_SLOTS - 1);
	}
	if (db->nstmts >= STMT_SLOTS * 3 / 4) {
		fprintf(stderr, "oficio: statement cache full\n");
		abort();
	}
	if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT,
			       &db->slots[i].st, NULL) != SQLITE_OK) {
		fprintf(stderr, "oficio: prepare failed: %s\n  in: %s\n",
			sqlite3_errmsg(db->h), sql);
		db->slots[i].st = NULL;
		return NULL;
	}
	db->slots[i].sql = sql;
	db->nstmts++;
	return db->slots[i].st;
}

int db_exec(struct db *db, const char *sql)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Transactions nest: the outermost is BEGIN IMMEDIATE (the write lock is
 * taken at once, so a save never fails half-way on a busy lock), inner
 * ones are savepoints, so a store function that opens its own transaction
 * can run inside a caller's (import: one transaction per file). */
int db_step_changes(struct db *db, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? sqlite3_changes(db->h) : -1;
}

int db_begin(struct db *db)
{
	int rc = db_exec(db, db->depth ? "SAVEPOINT oficio" : "BEGIN IMMEDIATE");

	if (rc == 0)
		db->depth++;
	return rc;
}

int db_commit(struct db *db)
{
	if (db->depth <= 0)
		return -1;
	if (db_exec(db, db->depth > 1 ? "RELEASE oficio" : "COMMIT") == 0) {
		db->depth--;
		return 0;
	}
	db_rollback(db);
	return -1;
}

void db_rollback(struct db *db)
{
	if (db->depth > 1) {
		db_exec(db, "ROLLBACK TO oficio");
		db_exec(db, "RELEASE oficio");
		db->depth--;
	} else if (db->depth == 1) {
		if (!sqlite3_get_autocommit(db->h))
			db_exec(db, "ROLLBACK");
		db->depth = 0;
	}
}

int db_schema_version(struct db *db)
{
	sqlite3_stmt *st = db_stmt(db, "PRAGMA user_version");
	int v = 0;

	if (st && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	if (st)
		sqlite3_reset(st);
	return v;
}

char *db_setting(struct db *db, const char *key)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT value FROM settings WHERE key = ?1");
	char *v = NULL;

	if (!st)
		return NULL;
	db_bind_text(st, 1, key);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = xstrdup(db_col_text(st, 0));
	sqlite3_reset(st);
	return v;
}

int db_set_setting(struct db *db, const char *key, const char *value)
{
	sqlite3_stmt *st = db_stmt(db,
		"INSERT INTO settings(key, value) VALUES (?1, ?2) "
		"ON CONFLICT(key) DO UPDATE SET value = excluded.value");
	int rc;

	if (!st)
		return -1;
	db_bind_text(st, 1, key);
	db_bind_text(st, 2, value);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

void db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

void db_bind_int(sqlite3_stmt *st, int i, long long v)
{
	sqlite3_bind_int64(st, i, v);
}

const char *db_col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? (const char *)s : "";
}

json_t *db_col_json(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	if (!s)
		return json_stringn_nocheck("", 0);
	return json_stringn_nocheck((const char *)s, (size_t)sqlite3_column_bytes(st, i));
}

int64_t db_now(void)
{
	/* The offset file is for tests only (read on every call, so a test's
	 * change is seen at once); without it this is time(). */
	const char *file = getenv("OFICIO_CLOCK_FILE");
	long long off = 0;

	if (file) {
		FILE *f = fopen(file, "r");
		if (f) {
			if (fscanf(f, "%lld", &off) != 1)
				off = 0;
			fclose(f);
		}
	}
	return (int64_t)time(NULL) + off;
}
