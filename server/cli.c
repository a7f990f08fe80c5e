/*
 * cli.c - user and token administration from the command line, the
 * first-admin setup link, backup and check.
 *
 * Import, export and the demo live in their own files (import.c,
 * export.c, demo.c); this file is the small administrative verbs.
 */
#include "cli.h"

#include "auth.h"
#include "buf.h"
#include "db.h"
#include "role.h"
#include "search.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

bool cli_username_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 40)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!isalnum(c) && c != '.' && c != '-' && c != '_')
			return false;
	}
	return true;
}

void cli_audit(struct db *db, const char *action, const char *target, const char *detail)
{
	sqlite3_stmt *st = db_stmt(db,
		"INSERT INTO audit(at, user_id, action, target, detail, addr) "
		"VALUES (?1, NULL, ?2, ?3, ?4, 'cli')");

	if (!st)
		return;
	db_bind_int(st, 1, db_now());
	db_bind_text(st, 2, action);
	db_bind_text(st, 3, target);
	db_bind_text(st, 4, detail ? detail : "");
	sqlite3_step(st);
	sqlite3_reset(st);
}

static long long user_id(struct db *db, const char *name)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT id FROM users WHERE username = ?1");
	long long id = 0;

	if (!st)
		return 0;
	db_bind_text(st, 1, name);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (!id)
		fprintf(stderr, "oficio: no user %s\n", name);
	return id;
}

int cli_user_list(struct db *db)
{
	sqlite3_stmt *st = db_stmt(db,
		"SELECT username, role, active, display_name FROM users ORDER BY username");

	if (!st)
		return 1;
	while (sqlite3_step(st) == SQLITE_ROW)
		printf("%-20s %-8s %-8s %s\n", db_col_text(st, 0), db_col_text(st, 1),
		       sqlite3_column_int(st, 2) ? "active" : "inactive", db_col_text(st, 3));
	sqlite3_reset(st);
	return 0;
}

static int exec_user(struct db *db, const char *sql, long long id, const char *value)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return -1;
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, value);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int cli_user_passwd(struct db *db, const char *name, const char *pw)
{
	long long id = user_id(db, name);
	char *hash;
	int rc;

	if (!id)
		return 1;
	hash = auth_hash_password(pw);
	if (!hash)
		return 1;
	rc = exec_user(db, "UPDATE users SET pw_hash = ?2 WHERE id = ?1", id, hash);
	free(hash);
	if (rc < 0)
		return 1;
	cli_audit(db, "user.passwd", name, "");
	printf("password changed for %s\n", name);
	return 0;
}

int cli_user_role(struct db *db, const char *name, const char *role)
{
	long long id = user_id(db, name);

	if (!id || exec_user(db, "UPDATE users SET role = ?2 WHERE id = ?1", id, role) < 0)
		return 1;
	cli_audit(db, "user.role", name, role);
	printf("%s is now %s\n", name, role);
	return 0;
}

int cli_user_deactivate(struct db *db, const char *name)
{
	long long id = user_id(db, name);

	if (!id || db_begin(db) < 0)
		return 1;
	if (exec_user(db, "UPDATE users SET active = 0 WHERE id = ?1 AND ?2 IS NULL", id, NULL) < 0 ||
	    auth_end_all(db, id) < 0) {
		db_rollback(db);
		return 1;
	}
	cli_audit(db, "user.deactivate", name, "");
	if (db_commit(db) < 0)
		return 1;
	printf("%s deactivated: sessions and tokens ended, everything written kept\n", name);
	return 0;
}

int cli_token_create(struct db *db, const char *name)
{
	long long id = user_id(db, name);
	char tok[AUTH_TOKEN_LEN + 1];
	unsigned char hash[32];
	sqlite3_stmt *st;
	int rc;

	if (!id)
		return 1;
	auth_new_token(tok);
	auth_token_hash(tok, hash);
	st = db_stmt(db, "INSERT INTO api_tokens(token_hash, user_id, created_at) VALUES (?1, ?2, ?3)");
	if (!st)
		return 1;
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	db_bind_int(st, 2, id);
	db_bind_int(st, 3, db_now());
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "oficio: %s\n", db_errmsg(db));
		return 1;
	}
	cli_audit(db, "token.create", name, "");
	printf("API token for %s (shown once; keep it secret):\n%s\n", name, tok);
	return 0;
}

void cli_setup_link(struct db *db, const char *listen)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT count(*) FROM users");
	char tok[AUTH_TOKEN_LEN + 1];
	unsigned char hash[32];
	long long n = 1;

	if (st && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	if (st)
		sqlite3_reset(st);
	if (n > 0)
		return;
	auth_new_token(tok);
	auth_token_hash(tok, hash);
	db_exec(db, "DELETE FROM setup_tokens");
	st = db_stmt(db, "INSERT INTO setup_tokens(token_hash, expires_at) VALUES (?1, ?2)");
	if (!st)
		return;
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	db_bind_int(st, 2, db_now() + 86400);
	sqlite3_step(st);
	sqlite3_reset(st);
	printf("\nNo user yet. Create the first administrator here (the link works once, for 24 hours):\n"
	       "  http://%s/setup?token=%s\n\n",
	       strncmp(listen, "0.0.0.0:", 8) == 0 ? listen + 0 : listen, tok);
	fflush(stdout);
}

/* What the search index was built with: the stemming language and the
 * version of the tokenizer (bump TOKENIZER_VERSION whenever search.c
 * changes what a word becomes, so existing indexes are rebuilt at start). */
#define TOKENIZER_VERSION "4"

int cli_language_check(struct db *db, const char *lang)
{
	char *have = db_setting(db, "search_language");
	struct buf want = BUF_INIT;
	int rc = 0;

	buf_printf(&want, "%s:%s", lang, TOKENIZER_VERSION);
	if (!have || strcmp(have, want.data) != 0) {
		if (have)
			printf("oficio: search index built with %s, now %s: rebuilding it\n",
			       have, want.data);
		if (db_begin(db) < 0 || search_rebuild(db_handle(db)) != 0 ||
		    db_set_setting(db, "search_language", want.data) < 0 || db_commit(db) < 0) {
			fprintf(stderr, "oficio: cannot rebuild the search index: %s\n", db_errmsg(db));
			db_rollback(db);
			rc = -1;
		}
	}
	free(have);
	buf_free(&want);
	return rc;
}

/* Integrity of the database file and of every FTS index. */
static int check_db(sqlite3 *h, const char *label)
{
	sqlite3_stmt *st;
	int bad = 0;
	static const char *const fts[] = {
		"INSERT INTO pages_fts(pages_fts, rank) VALUES ('integrity-check', 1)",
		"INSERT INTO words_fts(words_fts, rank) VALUES ('integrity-check', 1)",
		"INSERT INTO titles_fts(titles_fts, rank) VALUES ('integrity-check', 1)",
	};

	if (sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "oficio: %s: %s\n", label, sqlite3_errmsg(h));
		return -1;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *m = (const char *)sqlite3_column_text(st, 0);
		if (!m || strcmp(m, "ok") != 0) {
			fprintf(stderr, "oficio: %s: integrity: %s\n", label, m ? m : "?");
			bad = 1;
		}
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < sizeof(fts) / sizeof(fts[0]); i++) {
		char *msg = NULL;
		if (sqlite3_exec(h, fts[i], NULL, NULL, &msg) != SQLITE_OK) {
			fprintf(stderr, "oficio: %s: search index: %s\n", label, msg ? msg : "?");
			bad = 1;
		}
		sqlite3_free(msg);
	}
	if (sqlite3_prepare_v2(h, "PRAGMA foreign_key_check", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW) {
			fprintf(stderr, "oficio: %s: foreign key violations in %s\n", label,
				sqlite3_column_text(st, 0));
			bad = 1;
		}
		sqlite3_finalize(st);
	}
	return bad ? -1 : 0;
}

static void print_counts(sqlite3 *h, const char *path)
{
	sqlite3_stmt *st;
	struct stat sb;

	if (stat(path, &sb) == 0)
		printf("size: %lld bytes\n", (long long)sb.st_size);
	if (sqlite3_prepare_v2(h,
		"SELECT (SELECT count(*) FROM pages), (SELECT count(*) FROM revisions), "
		"(SELECT count(*) FROM users), (SELECT count(*) FROM attachments)",
		-1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			printf("pages: %lld, revisions: %lld, users: %lld, attachments: %lld\n",
			       sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
			       sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3));
		sqlite3_finalize(st);
	}
}

int cli_check(struct db *db)
{
	if (check_db(db_handle(db), "database") < 0)
		return 1;
	print_counts(db_handle(db), sqlite3_db_filename(db_handle(db), "main"));
	printf("check: ok\n");
	return 0;
}

int cli_backup(struct db *db, const char *file)
{
	struct stat sb;
	sqlite3_stmt *st;
	sqlite3 *copy = NULL;
	int rc = 1;

	if (stat(file, &sb) == 0) {
		fprintf(stderr, "oficio: %s exists; choose a new file name\n", file);
		return 1;
	}
	/* VACUUM INTO reads one consistent snapshot while writers go on (WAL),
	 * and writes a compact copy. */
	if (sqlite3_prepare_v2(db_handle(db), "VACUUM INTO ?1", -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "oficio: %s\n", db_errmsg(db));
		return 1;
	}
	sqlite3_bind_text(st, 1, file, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		fprintf(stderr, "oficio: backup failed: %s\n", db_errmsg(db));
		sqlite3_finalize(st);
		return 1;
	}
	sqlite3_finalize(st);
	if (sqlite3_open_v2(file, &copy, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    search_register(copy) != SQLITE_OK) {
		fprintf(stderr, "oficio: cannot open the backup %s\n", file);
		goto out;
	}
	if (check_db(copy, file) < 0)
		goto out;
	printf("backup: %s\n", file);
	print_counts(copy, file);
	printf("backup: checked, ok\n");
	rc = 0;
out:
	sqlite3_close(copy);
	return rc;
}
