/*
 * fuzz_search_query.c - libFuzzer target for the search-query builder.
 *
 * Whatever bytes arrive, search_parse must give FTS5 expressions that
 * parse: both the all-words and the fallback expression are run against an
 * in-memory FTS5 table using the "oficio" tokenizer, and any SQLite error
 * aborts. The input is also indexed as a document (the tokenizer on
 * arbitrary bytes), and the normalised query must parse back to itself.
 *
 * Build: make fuzz FUZZ_TARGETS=search_query (tests/fuzz/run.sh links
 *        the server's objects as a static archive).
 */
#include "buf.h"
#include "search.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sqlite3 *db;
static sqlite3_stmt *match, *insert;

static void die(const char *what)
{
	fprintf(stderr, "%s: %s\n", what, db ? sqlite3_errmsg(db) : "?");
	abort();
}

static void open_db(void)
{
	if (sqlite3_open(":memory:", &db) != SQLITE_OK || search_register(db) != SQLITE_OK)
		die("open");
	if (sqlite3_exec(db,
	                 "CREATE VIRTUAL TABLE t USING fts5(title, headings, tags,"
	                 " body, tokenize='oficio', prefix='2 3');"
	                 "INSERT INTO t VALUES ('Devolución tardía de productos', '',"
	                 " 'devoluciones', 'Fuera de plazo: vale y ticket. NEAR AND OR');"
	                 "INSERT INTO t VALUES ('Cambio de talla', 'Zapatos', '',"
	                 " 'El cliente \"siempre\" -primero- (casi) * : ^');",
	                 NULL, NULL, NULL) != SQLITE_OK)
		die("schema");
	if (sqlite3_prepare_v2(db,
	                       "SELECT rowid, bm25(t, 10.0, 4.0, 4.0, 1.0),"
	                       " snippet(t, 3, X'01', X'02', '...', 24)"
	                       " FROM t WHERE t MATCH ?1 ORDER BY 2",
	                       -1, &match, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO t (rowid, body) VALUES (3, ?1)", -1, &insert,
	                       NULL) != SQLITE_OK)
		die("prepare");
}

static void run_match(const char *expr)
{
	int rc;

	sqlite3_reset(match);
	sqlite3_bind_text(match, 1, expr, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(match)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "expression: %s\n", expr);
		die("match");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf all = BUF_INIT, any = BUF_INIT, norm = BUF_INIT;
	struct buf all2 = BUF_INIT, any2 = BUF_INIT, norm2 = BUF_INIT;
	struct search_query q = {&all, &any, &norm, false};
	struct search_query q2 = {&all2, &any2, &norm2, false};

	if (!db)
		open_db();
	search_parse((const char *)data, size, &q);
	if (q.has_terms != (all.len > 0) || q.has_terms != (any.len > 0))
		abort();
	if (q.has_terms) {
		run_match(all.data);
		run_match(any.data);
	}
	/* The normalised form (the log, a suggestion) is a fixed point with
	 * the same terms. (Its expression may rank differently: a repeat or
	 * an overlong word dropped from it no longer parts its neighbours.) */
	if (norm.len <= 2000) {
		search_parse(norm.data, norm.len, &q2);
		if (strcmp(norm.data, norm2.data) || q.has_terms != q2.has_terms) {
			fprintf(stderr, "norm '%s' -> '%s'\n", norm.data, norm2.data);
			abort();
		}
		if (q2.has_terms)
			run_match(all2.data);
	}

	/* The tokenizer on arbitrary bytes, as a document. */
	if (sqlite3_exec(db, "SAVEPOINT doc", NULL, NULL, NULL) != SQLITE_OK)
		die("savepoint");
	sqlite3_reset(insert);
	sqlite3_bind_text(insert, 1, (const char *)data, (int)size, SQLITE_STATIC);
	if (sqlite3_step(insert) != SQLITE_DONE)
		die("insert");
	if (q.has_terms)
		run_match(all.data);
	if (sqlite3_exec(db, "ROLLBACK TO doc; RELEASE doc", NULL, NULL, NULL) != SQLITE_OK)
		die("rollback");

	buf_free(&all);
	buf_free(&any);
	buf_free(&norm);
	buf_free(&all2);
	buf_free(&any2);
	buf_free(&norm2);
	return 0;
}
