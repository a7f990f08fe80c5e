/*
 * test_search.c - search.c against a real in-memory database built from
 * the migrations in schema/ (run from the repository root): tokenizers, the
 * query builder, ranking, filters, visibility, snippets, suggestions,
 * re-indexing and the search log.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <glob.h>
#include <stdint.h>
#include <cmocka.h>

#include "buf.h"
#include "role.h"
#include "search.h"
#include "searchlog.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { U_READER = 1, U_STAFF = 2, U_EDITOR = 3, U_MANAGER = 4, U_OTHER = 5 };

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	return buf_detach(&b);
}

static void exec_ok(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &err);

	if (rc != SQLITE_OK)
		fprintf(stderr, "sql error: %s\n", err ? err : "?");
	sqlite3_free(err);
	assert_int_equal(rc, SQLITE_OK);
}

static long long count_rows(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	long long n = -1;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

struct page {
	long long id;
	const char *slug, *kind, *title, *category, *status;
	long long author;
	const char *tags; /* space-separated */
	const char *body;
};

static void add_page(sqlite3 *db, const struct page *p)
{
	static const char ins_page[] = "INSERT INTO pages (id, slug, kind, title, category, status,"
	                               " current_rev, created_by, created_at, updated_at)"
	                               " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, 0, 0)";
	static const char ins_rev[] =
	    "INSERT INTO revisions (page_id, n, title, markdown, html, text,"
	    " author_id, created_at) VALUES (?1, 1, ?2, ?3, '', ?3, ?4, 0)";
	static const char ins_tag[] = "INSERT INTO page_tags (page_id, tag) VALUES (?1, ?2)";
	sqlite3_stmt *st;
	char *tags = strdup(p->tags), *save = NULL;

	assert_int_equal(sqlite3_prepare_v2(db, ins_page, -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, p->id);
	sqlite3_bind_text(st, 2, p->slug, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, p->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, p->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, p->category, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, p->status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, p->author);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);

	assert_int_equal(sqlite3_prepare_v2(db, ins_rev, -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, p->id);
	sqlite3_bind_text(st, 2, p->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, p->body, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, p->author);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);

	for (char *t = strtok_r(tags, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		assert_int_equal(sqlite3_prepare_v2(db, ins_tag, -1, &st, NULL), SQLITE_OK);
		sqlite3_bind_int64(st, 1, p->id);
		sqlite3_bind_text(st, 2, t, -1, SQLITE_TRANSIENT);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		sqlite3_finalize(st);
	}
	free(tags);
	assert_int_equal(search_index_page(db, p->id, p->title, "", p->tags, p->body), 0);
}

/* search_index_page in a transaction of its own, ended by end ("COMMIT"
 * or "ROLLBACK"). */
static void index_in_transaction(sqlite3 *db, long long id, const char *title, const char *headings,
                                 const char *tags, const char *body, const char *end)
{
	exec_ok(db, "BEGIN");
	assert_int_equal(search_index_page(db, id, title, headings, tags, body), 0);
	exec_ok(db, end);
}

static const struct page pages[] = {
    {1, "devolucion-tardia", "procedure", "Devolución tardía de productos", "caja", "published",
     U_EDITOR, "devoluciones plazos",
     "Cuando el cliente trae un producto fuera de plazo (más de 30 días), "
     "el encargado puede aceptar la devolución con un vale. Revisar el "
     "ticket y anotar el motivo."},
    {2, "cambio-talla", "procedure", "Cambio de talla", "tienda", "published", U_EDITOR, "cambios",
     "Los cambios de talla se hacen sin ticket. La devolución del importe "
     "no procede en rebajas."},
    {3, "reembolso-tarjeta", "reference", "Reembolso con tarjeta", "caja", "published", U_EDITOR,
     "pagos",
     "El reembolso se hace a la misma tarjeta. <b>x</b> "
     "<script>alert(1)</script> & \"comillas\" 'simples'."},
    {4, "cliente-enfadado", "lesson", "Cliente enfadado en caja", "caja", "published", U_STAFF,
     "lecciones",
     "Un cliente quería la devolución de unas botas usadas. Le ofrecimos "
     "un vale y se fue contento."},
    {5, "borrador-garantia", "procedure", "Borrador garantía extendida", "caja", "draft", U_STAFF,
     "", "La garantía extendida cubre dos años."},
    {6, "garantia-revision", "procedure", "Garantía de electrodomésticos", "caja", "in_review",
     U_STAFF, "", "Garantía de tres años en hornos."},
    {7, "garantia-antigua", "procedure", "Garantía antigua", "caja", "archived", U_EDITOR, "",
     "La garantía antigua era de un año."},
    {8, "devoluciones", "reference", "Devoluciones", "caja", "published", U_EDITOR, "",
     "Índice de procedimientos."},
    {9, "cierre-caja", "procedure", "Cierre de caja", "caja", "published", U_EDITOR, "",
     "Anotar cada reembolso, cada reembolso parcial y el total de "
     "reembolsos del día en el cuaderno."},
};

/* Every migration in schema/, in order, as db.c applies them. */
static void apply_schema(sqlite3 *db)
{
	glob_t g;

	assert_int_equal(glob("schema/[0-9][0-9][0-9]_*.sql", 0, NULL, &g), 0);
	for (size_t k = 0; k < g.gl_pathc; k++) {
		char *sql = read_file(g.gl_pathv[k]);
		assert_non_null(sql);
		exec_ok(db, sql);
		free(sql);
	}
	globfree(&g);
}

/* A database at path (":memory:" for one of its own) with the schema,
 * the users and the pages. */
static sqlite3 *open_filled(const char *path)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(search_register(db), SQLITE_OK);
	apply_schema(db);
	exec_ok(db, "INSERT INTO users (id, username, display_name, role, created_at) VALUES"
	            " (1, 'lector', 'Lector', 'reader', 0),"
	            " (2, 'ana', 'Ana', 'staff', 0),"
	            " (3, 'eva', 'Eva', 'editor', 0),"
	            " (4, 'marta', 'Marta', 'manager', 0),"
	            " (5, 'otro', 'Otro', 'staff', 0)");
	exec_ok(db, "BEGIN");
	for (size_t k = 0; k < sizeof(pages) / sizeof(pages[0]); k++)
		add_page(db, &pages[k]);
	exec_ok(db, "COMMIT");
	return db;
}

static int setup(void **state)
{
	*state = open_filled(":memory:");
	return 0;
}

static int teardown(void **state)
{
	/* search.c keeps prepared statements for the connection: released,
	 * a plain sqlite3_close() succeeds (it refuses while any is left). */
	search_release(*state);
	assert_int_equal(sqlite3_close(*state), SQLITE_OK);
	return 0;
}

/* Search as role/user with optional filters; never NULL. */
static json_t *run(sqlite3 *db, const char *q, int role, long long user, const char *status)
{
	struct search_params p = {
	    .q = q, .limit = 20, .role = role, .user_id = user, .status = status};
	json_t *r = search_run(db, &p);

	assert_non_null(r);
	return r;
}

static long long total_of(json_t *r)
{
	return json_integer_value(json_object_get(r, "total"));
}

static const char *slug_at(json_t *r, size_t i)
{
	json_t *res = json_object_get(r, "results");

	if (i >= json_array_size(res))
		return "";
	return json_string_value(json_object_get(json_array_get(res, i), "slug"));
}

static bool has_slug(json_t *r, const char *slug)
{
	json_t *res = json_object_get(r, "results");

	for (size_t i = 0; i < json_array_size(res); i++)
		if (!strcmp(slug_at(r, i), slug))
			return true;
	return false;
}

static void parse_str(const char *q, struct buf *all, struct buf *any, struct buf *norm, bool *has)
{
	struct search_query sq = {all, any, norm, false};

	buf_reset(all);
	buf_reset(any);
	buf_reset(norm);
	assert_int_equal(search_parse(q, strlen(q), &sq), 0);
	*has = sq.has_terms;
}

static void near_str(const char *q, struct buf *out)
{
	buf_reset(out);
	assert_int_equal(search_parse_near(q, strlen(q), out), 0);
}

static void test_parse(void **state)
{
	struct buf all = BUF_INIT, any = BUF_INIT, norm = BUF_INIT;
	bool has;

	(void)state;
	parse_str("Devoluciónes  FUERA de plazo", &all, &any, &norm, &has);
	assert_true(has);
	/* Stop words dropped; neighbours as phrases for ranking only. */
	assert_string_equal(all.data, "\"devoluciones\" AND \"fuera\" AND \"plazo\"");
	assert_string_equal(any.data, "\"devoluciones\" OR \"fuera\" OR \"plazo\"");
	assert_string_equal(norm.data, "devoluciones fuera de plazo");

	parse_str("\"fuera de plazo\" devol* -tarjeta", &all, &any, &norm, &has);
	assert_string_equal(all.data, "(\"fuera de plazo\" AND \"devol\"*) NOT (\"tarjeta\")");
	assert_string_equal(norm.data, "\"fuera de plazo\" devol* -tarjeta");

	parse_str("talla OR tarjeta vale", &all, &any, &norm, &has);
	assert_string_equal(all.data, "(\"talla\" OR \"tarjeta\") AND \"vale\"");
	assert_string_equal(any.data, "\"talla\" OR \"tarjeta\" OR \"vale\"");
	assert_string_equal(norm.data, "talla OR tarjeta vale");
	parse_str("vale (ticket) caja*", &all, &any, &norm, &has);
	assert_string_equal(all.data, "\"vale\" AND \"ticket\" AND \"caja\"*");
	/* A prefix needs 3 letters (the prefix index's); shorter is a word. */
	parse_str("ca* caj* ñu*", &all, &any, &norm, &has);
	assert_string_equal(all.data, "\"ca\" AND \"caj\"* AND \"nu\"");

	/* Operators typed by users are words. */
	parse_str("NEAR -AND NOT", &all, &any, &norm, &has);
	assert_string_equal(all.data, "(\"near\" AND \"not\") NOT (\"and\")");

	/* Only stop words: they are searched rather than dropped. */
	parse_str("de la", &all, &any, &norm, &has);
	assert_string_equal(all.data, "\"de\" AND \"la\"");

	parse_str("-foo -\"bar baz\"", &all, &any, &norm, &has);
	assert_false(has);
	assert_string_equal(all.data, "");
	assert_string_equal(norm.data, "-foo -\"bar baz\"");

	/* Every word but one, from three word groups to six. */
	near_str("Devoluciónes  FUERA de plazo", &all);
	assert_string_equal(all.data, "(\"fuera\" AND \"plazo\") OR (\"devoluciones\" AND"
	                              " \"plazo\") OR (\"devoluciones\" AND \"fuera\")");
	near_str("talla OR tarjeta vale -x ticket", &all);
	assert_string_equal(all.data, "((\"vale\" AND \"ticket\") OR ((\"talla\" OR"
	                              " \"tarjeta\") AND \"ticket\") OR ((\"talla\" OR"
	                              " \"tarjeta\") AND \"vale\")) NOT (\"x\")");
	near_str("vale ticket", &all); /* two groups: all of them */
	assert_string_equal(all.data, "\"vale\" AND \"ticket\"");
	near_str("a1 a2 a3 a4 a5 a6 a7", &all); /* seven: all of them */
	assert_non_null(strstr(all.data, "\"a1\" AND \"a2\" AND \"a3\" AND \"a4\" AND"
	                                 " \"a5\" AND \"a6\" AND \"a7\""));
	near_str("-x", &all);
	assert_string_equal(all.data, "");

	parse_str("foo-bar", &all, &any, &norm, &has);
	assert_string_equal(any.data, "\"foo\" OR \"bar\"");
	parse_str("x* -\"y\"", &all, &any, &norm, &has);
	assert_string_equal(all.data, "(\"x\") NOT (\"y\")");

	/* Repeats are searched once; OR after a repeat binds nothing. */
	parse_str("caja CAJA cajá", &all, &any, &norm, &has);
	assert_string_equal(all.data, "\"caja\"");
	assert_string_equal(norm.data, "caja");
	parse_str("caja vale caja OR ticket", &all, &any, &norm, &has);
	assert_string_equal(any.data, "\"caja\" OR \"vale\" OR \"ticket\"");

	parse_str("", &all, &any, &norm, &has);
	assert_false(has);
	parse_str("OR", &all, &any, &norm, &has);
	assert_false(has);

	/* 40 words: capped at 32. */
	parse_str("a1 a2 a3 a4 a5 a6 a7 a8 a9 b1 b2 b3 b4 b5 b6 b7 b8 b9 c1 c2 "
	          "c3 c4 c5 c6 c7 c8 c9 d1 d2 d3 d4 d5 d6 d7 d8 d9 e1 e2 e3 e4",
	          &all, &any, &norm, &has);
	assert_non_null(strstr(any.data, "\"d5\""));
	assert_null(strstr(any.data, "\"d6\""));

	buf_free(&all);
	buf_free(&any);
	buf_free(&norm);
}

static void test_accents_and_plurals(void **state)
{
	sqlite3 *db = *state;
	json_t *r;

	r = run(db, "devoluciones fuera de plazo", ROLE_READER, U_READER, NULL);
	assert_string_equal(slug_at(r, 0), "devolucion-tardia");
	assert_false(json_is_true(json_object_get(r, "fallback")));
	json_decref(r);

	r = run(db, "DEVOLUCION TARDIA", ROLE_READER, U_READER, NULL);
	assert_string_equal(slug_at(r, 0), "devolucion-tardia");
	json_decref(r);

	r = run(db, "devolucion", ROLE_READER, U_READER, NULL);
	assert_true(has_slug(r, "devolucion-tardia"));
	assert_true(has_slug(r, "cambio-talla"));
	assert_true(has_slug(r, "cliente-enfadado"));
	json_decref(r);

	r = run(db, "dias", ROLE_READER, U_READER, NULL);
	assert_true(has_slug(r, "devolucion-tardia"));
	json_decref(r);

	r = run(db, "reembolsos", ROLE_READER, U_READER, NULL);
	assert_true(has_slug(r, "reembolso-tarjeta"));
	assert_true(has_slug(r, "cierre-caja"));
	json_decref(r);
}

static void test_prefix(void **state)
{
	sqlite3 *db = *state;
	json_t *r;

	r = run(db, "devol*", ROLE_READER, U_READER, NULL);
	assert_true(has_slug(r, "devolucion-tardia"));
	assert_true(has_slug(r, "devoluciones"));
	json_decref(r);

	/* Longer than the stem "devolu": matched on the surface form. */
	r = run(db, "devolucio*", ROLE_READER, U_READER, NULL);
	assert_true(has_slug(r, "devolucion-tardia"));
	assert_true(has_slug(r, "devoluciones"));
	json_decref(r);

	r = run(db, "tarj* reem*", ROLE_READER, U_READER, NULL);
	assert_int_equal(total_of(r), 1);
	assert_string_equal(slug_at(r, 0), "reembolso-tarjeta");
	json_decref(r);

	/* Enter pressed in the middle of the last word: when nothing has
	 * the words, the last one is read as a prefix. */
	r = run(db, "devol", ROLE_READER, U_READER, NULL);
	assert_true(has_slug(r, "devolucion-tardia"));
	assert_true(has_slug(r, "devoluciones"));
	assert_false(json_is_true(json_object_get(r, "fallback")));
	json_decref(r);
	/* Only the last word. */
	r = run(db, "reembol tarjetazo", ROLE_READER, U_READER, NULL);
	assert_int_equal(total_of(r), 0);
	json_decref(r);
}

static void test_phrase(void **state)
{
	sqlite3 *db = *state;
	json_t *r;

	r = run(db, "\"fuera de plazo\"", ROLE_READER, U_READER, NULL);
	assert_int_equal(total_of(r), 1);
	assert_string_equal(slug_at(r, 0), "devolucion-tardia");
	json_decref(r);

	r = run(db, "\"plazo fuera\"", ROLE_READER, U_READER, NULL);
	assert_int_equal(total_of(r), 0);
	assert_false(json_is_true(json_object_get(r, "fallback")));
	json_decref(r);
}

static void test_exclude_and_or(void **state)
{
	sqlite3 *db = *state;
	json_t *r;

	r = run(db, "devolucion -vale", ROLE_READER, U_READER, NULL);
	assert_true(has_slug(r, "cambio-talla"));
	assert_false(has_slug(r, "devolucion-tardia"));
	assert_false(has_slug(r, "cliente-enfadado"));
	json_decref(r);

	r = run(db, "talla OR tarjeta", ROLE_READER, U_READER, NULL);
	assert_int_equal(total_of(r), 2);
	assert_true(has_slug(r, "cambio-talla"));
	assert_true(has_slug(r, "reembolso-tarjeta"));
	json_decref(r);
}

static void test_fallback(void **state)
{
	sqlite3 *db = *state;
	json_t *r = run(db, "tarjeta zapatillas", ROLE_READER, U_READER, NULL);

	assert_true(json_is_true(json_object_get(r, "fallback")));
	assert_int_equal(total_of(r), 1);
	assert_string_equal(slug_at(r, 0), "reembolso-tarjeta");
	json_decref(r);

	/* Nothing for any word either: not a fallback. */
	r = run(db, "zapatillas deportivas", ROLE_READER, U_READER, NULL);
	assert_false(json_is_true(json_object_get(r, "fallback")));
	assert_int_equal(total_of(r), 0);
	json_decref(r);
}

static void test_ranking(void **state)
{
	sqlite3 *db = *state;
	json_t *r;

	/* Title beats three mentions in a body. */
	r = run(db, "reembolso", ROLE_READER, U_READER, NULL);
	assert_string_equal(slug_at(r, 0), "reembolso-tarjeta");
	assert_string_equal(slug_at(r, 1), "cierre-caja");
	assert_true(json_real_value(json_object_get(
	                json_array_get(json_object_get(r, "results"), 0), "score")) > 0);
	json_decref(r);

	/* The exact title (same words, any accent or number) comes first. */
	r = run(db, "devolución", ROLE_READER, U_READER, NULL);
	assert_string_equal(slug_at(r, 0), "devoluciones");
	json_decref(r);
	r = run(db, "cierre de caja", ROLE_READER, U_READER, NULL);
	assert_string_equal(slug_at(r, 0), "cierre-caja");
	json_decref(r);

	/* Pages that have the words apart, in titles too, rank below the
	 * one that says "fuera de plazo". */
	static const struct page rivals[] = {
	    {30, "devolucion-tarjeta", "procedure", "Devolución con tarjeta", "caja", "published",
	     U_EDITOR, "",
	     "La devolución con tarjeta se abona en la misma tarjeta. El plazo "
	     "del abono es de cinco días. Si la tarjeta es de fuera de la Unión "
	     "Europea, avisar al encargado. Devolución parcial: igual."},
	    {31, "devoluciones-online", "procedure", "Devoluciones online", "web", "published",
	     U_EDITOR, "",
	     "Los pedidos online se devuelven en tienda o por correo. Fuera de "
	     "la tienda, el plazo lo marca el transportista. Devoluciones de "
	     "pedidos online: ver plazo."},
	};
	for (size_t k = 0; k < sizeof(rivals) / sizeof(rivals[0]); k++)
		add_page(db, &rivals[k]);
	r = run(db, "devoluciones fuera de plazo", ROLE_READER, U_READER, NULL);
	assert_int_equal(total_of(r), 3);
	assert_string_equal(slug_at(r, 0), "devolucion-tardia");
	json_decref(r);
	r = run(db, "devolucion tardia", ROLE_READER, U_READER, NULL);
	assert_string_equal(slug_at(r, 0), "devolucion-tardia");
	json_decref(r);
}

/* The score of page id for the one-word expression expr, counted by the
 * ranking function itself (a map without the rows of each term). */
static double counted_score(sqlite3 *db, const char *expr, long long id)
{
	sqlite3_stmt *st;
	double score = -1;

	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT oficio_rank(pages_fts, 'w0 0.0') FROM pages_fts"
	                                    " WHERE pages_fts MATCH ?1 AND rowid = ?2",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		score = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	return score;
}

static double score_at(json_t *r, size_t i)
{
	return json_real_value(
	    json_object_get(json_array_get(json_object_get(r, "results"), i), "score"));
}

/* search.c hands the ranking the number of rows that have each term, kept
 * per thread until the next write: the scores are those the ranking gets
 * counting them itself, before and after a save changes the counts. */
static void test_term_rows_follow_edits(void **state)
{
	sqlite3 *db = *state;
	json_t *r;
	double before, after = 0;

	r = run(db, "reembolso", ROLE_READER, U_READER, NULL);
	assert_string_equal(slug_at(r, 0), "reembolso-tarjeta");
	before = score_at(r, 0);
	assert_true(before > 0);
	assert_true(fabs(before - counted_score(db, "\"reembolso\"", 3)) < 1e-9);
	json_decref(r);

	/* Two more pages say it: the word is commoner, its weight smaller. */
	exec_ok(db, "BEGIN");
	assert_int_equal(search_index_page(db, 2, "Cambio de talla", "", "",
	                                   "Sin reembolso en rebajas."),
	                 0);
	assert_int_equal(search_index_page(db, 4, "Cliente enfadado en caja", "", "",
	                                   "Pidió un reembolso."),
	                 0);
	exec_ok(db, "COMMIT");
	r = run(db, "reembolso", ROLE_READER, U_READER, NULL);
	assert_int_equal(total_of(r), 4);
	for (size_t i = 0; i < 4; i++) {
		if (strcmp(slug_at(r, i), "reembolso-tarjeta"))
			continue;
		after = score_at(r, i);
		assert_true(fabs(after - counted_score(db, "\"reembolso\"", 3)) < 1e-9);
		assert_true(after < before);
		after = -1;
	}
	assert_true(after == -1); /* found */
	json_decref(r);

	/* A map whose counts do not fit scores 0 rather than failing. */
	assert_true(counted_score(db, "\"reembolso\"", 3) > 0);
	{
		sqlite3_stmt *st;
		assert_int_equal(
		    sqlite3_prepare_v2(db,
		                       "SELECT oficio_rank(pages_fts, 'w0 0.0 | x'),"
		                       " oficio_rank(pages_fts, 'w0 0.0 |'),"
		                       " oficio_rank(pages_fts, 'w0 0.0 | 1 2')"
		                       " FROM pages_fts WHERE pages_fts MATCH 'reembolso' AND rowid = 3",
		                       -1, &st, NULL),
		    SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		for (int c = 0; c < 3; c++)
			assert_true(sqlite3_column_double(st, c) == 0.0);
		sqlite3_finalize(st);
	}
}

static void test_filters(void **state)
{
	sqlite3 *db = *state;
	struct search_params p = {
	    .q = "devolucion", .limit = 20, .role = ROLE_READER, .user_id = U_READER};
	json_t *r;

	p.kind = "lesson";
	r = search_run(db, &p);
	assert_int_equal(total_of(r), 1);
	assert_string_equal(slug_at(r, 0), "cliente-enfadado");
	json_decref(r);

	p.kind = NULL;
	p.category = "tienda";
	r = search_run(db, &p);
	assert_int_equal(total_of(r), 1);
	assert_string_equal(slug_at(r, 0), "cambio-talla");
	json_decref(r);

	p.category = NULL;
	p.tag = "plazos";
	r = search_run(db, &p);
	assert_int_equal(total_of(r), 1);
	assert_string_equal(slug_at(r, 0), "devolucion-tardia");
	json_decref(r);

	/* Pagination: total stays the count of every match. */
	p.tag = NULL;
	p.limit = 1;
	p.offset = 1;
	r = search_run(db, &p);
	assert_int_equal(total_of(r), 4);
	assert_int_equal(json_array_size(json_object_get(r, "results")), 1);
	json_decref(r);
	p.offset = 50;
	r = search_run(db, &p);
	assert_int_equal(total_of(r), 4);
	assert_int_equal(json_array_size(json_object_get(r, "results")), 0);
	json_decref(r);
}

static void test_visibility(void **state)
{
	sqlite3 *db = *state;
	json_t *r;

	r = run(db, "garantia", ROLE_ANON, 0, NULL);
	assert_int_equal(total_of(r), 0);
	json_decref(r);
	r = run(db, "garantia", ROLE_READER, U_READER, NULL);
	assert_int_equal(total_of(r), 0);
	json_decref(r);
	r = run(db, "garantia", ROLE_STAFF, U_OTHER, NULL);
	assert_int_equal(total_of(r), 0);
	json_decref(r);

	/* The author sees her draft and the page she submitted. */
	r = run(db, "garantia", ROLE_STAFF, U_STAFF, NULL);
	assert_int_equal(total_of(r), 2);
	assert_true(has_slug(r, "borrador-garantia"));
	assert_true(has_slug(r, "garantia-revision"));
	json_decref(r);

	r = run(db, "garantia", ROLE_EDITOR, U_EDITOR, NULL);
	assert_int_equal(total_of(r), 2);
	assert_false(has_slug(r, "garantia-antigua"));
	json_decref(r);

	/* Archived: only when asked for, and only by a manager. */
	r = run(db, "garantia", ROLE_MANAGER, U_MANAGER, NULL);
	assert_false(has_slug(r, "garantia-antigua"));
	json_decref(r);
	r = run(db, "garantia", ROLE_EDITOR, U_EDITOR, "archived");
	assert_int_equal(total_of(r), 0);
	json_decref(r);
	r = run(db, "garantia", ROLE_MANAGER, U_MANAGER, "archived");
	assert_int_equal(total_of(r), 1);
	assert_string_equal(slug_at(r, 0), "garantia-antigua");
	json_decref(r);
	r = run(db, "garantia", ROLE_READER, U_READER, "draft");
	assert_int_equal(total_of(r), 0);
	json_decref(r);
}

/* Every '<' of a snippet opens or closes a <mark>. */
static void assert_only_marks(const char *s)
{
	for (const char *p = strchr(s, '<'); p; p = strchr(p + 1, '<'))
		assert_true(!strncmp(p, "<mark>", 6) || !strncmp(p, "</mark>", 7));
}

static void test_snippets(void **state)
{
	sqlite3 *db = *state;
	json_t *r = run(db, "tarjeta", ROLE_READER, U_READER, NULL);
	const char *snip = json_string_value(
	    json_object_get(json_array_get(json_object_get(r, "results"), 0), "snippet"));

	assert_non_null(snip);
	assert_null(strstr(snip, "<b>"));
	assert_null(strstr(snip, "<script"));
	assert_non_null(strstr(snip, "&lt;b&gt;x&lt;/b&gt;"));
	assert_non_null(strstr(snip, "&lt;script&gt;"));
	assert_non_null(strstr(snip, "&amp; &quot;comillas&quot; &#39;simples&#39;"));
	assert_non_null(strstr(snip, "<mark>tarjeta</mark>"));
	assert_only_marks(snip);
	json_decref(r);

	/* The original (accented) word is highlighted. */
	r = run(db, "devoluciones fuera de plazo", ROLE_READER, U_READER, NULL);
	snip = json_string_value(
	    json_object_get(json_array_get(json_object_get(r, "results"), 0), "snippet"));
	assert_non_null(strstr(snip, "<mark>devolución</mark>"));
	assert_non_null(strstr(snip, "<mark>fuera de plazo</mark>"));
	assert_only_marks(snip);
	json_decref(r);

	/* Page text cannot forge markers. */
	assert_int_equal(
	    search_index_page(db, 20, "Marcas", "", "", "texto \x01<b>marcado\x02 falso"), 0);
	exec_ok(db, "INSERT INTO pages (id, slug, kind, title, created_at, updated_at)"
	            " VALUES (20, 'marcas', 'reference', 'Marcas', 0, 0)");
	r = run(db, "marcado", ROLE_READER, U_READER, NULL);
	snip = json_string_value(
	    json_object_get(json_array_get(json_object_get(r, "results"), 0), "snippet"));
	assert_non_null(strstr(snip, "&lt;b&gt;<mark>marcado</mark>"));
	assert_only_marks(snip);
	json_decref(r);

	/* Words that start in ASCII and go on past it are read whole, as
	 * the index reads them: "xaño" and "s\u00ADaño" (a soft hyphen) are
	 * not "año". */
	assert_int_equal(search_index_page(db, 21, "Plazos", "", "", "xaño año s\xc2\xad" "año fin"),
	                 0);
	exec_ok(db, "INSERT INTO pages (id, slug, kind, title, created_at, updated_at)"
	            " VALUES (21, 'plazos', 'reference', 'Plazos', 0, 0)");
	r = run(db, "año", ROLE_READER, U_READER, NULL);
	snip = json_string_value(
	    json_object_get(json_array_get(json_object_get(r, "results"), 0), "snippet"));
	assert_string_equal(snip, "xaño <mark>año</mark> s\xc2\xad" "año fin");
	json_decref(r);
}

static void test_hostile(void **state)
{
	sqlite3 *db = *state;
	static const char *const qs[] = {
	    "",
	    " ",
	    "\"",
	    "\"\"",
	    "\"devolucion",
	    "devolucion\"",
	    "(",
	    ")",
	    "(devolucion",
	    "devolucion)",
	    ":",
	    "title:devolucion",
	    "{title}:x",
	    "^devolucion",
	    "*",
	    "**",
	    "devolucion**",
	    "-",
	    "--",
	    "- -",
	    "-*",
	    "NEAR",
	    "NEAR(a b)",
	    "AND",
	    "OR",
	    "NOT",
	    "a AND",
	    "OR OR OR",
	    "devolucion OR",
	    "OR devolucion",
	    "a OR -b",
	    "\xff\xfe",
	    "dev\xc3olucion",
	    "\xc3",
	    "caf\xc3\xa9\x80",
	    "\xe2\x80\xa8",
	    "x\x01y\x02z",
	    "'; DROP TABLE pages; --",
	    "\xf0\x9f\x98\x80 devolucion",
	    "devoluci\xcc\x81n",
	};
	char big[2100];
	json_t *r;

	for (size_t k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
		r = run(db, qs[k], ROLE_READER, U_READER, NULL);
		assert_true(json_is_integer(json_object_get(r, "total")));
		assert_true(json_is_array(json_object_get(r, "results")));
		json_decref(r);
	}
	for (size_t k = 0; k < sizeof(big) - 1; k++)
		big[k] = "\"()*:^-{}"[k % 9];
	big[sizeof(big) - 1] = '\0';
	r = run(db, big, ROLE_READER, U_READER, NULL);
	assert_int_equal(total_of(r), 0);
	json_decref(r);
	for (size_t k = 0; k < sizeof(big) - 1; k++)
		big[k] = k % 3 == 2 ? ' ' : 'a' + (char)(k % 26);
	r = run(db, big, ROLE_READER, U_READER, NULL);
	json_decref(r);

	/* Soft hyphens, zero-width spaces and a BOM do not split words. */
	r = run(db,
	        "\xef\xbb\xbf"
	        "devo\xc2\xad"
	        "luci\xc3\xb3n tar\xe2\x80\x8b"
	        "d\xc3\xad"
	        "a",
	        ROLE_READER, U_READER, NULL);
	assert_string_equal(slug_at(r, 0), "devolucion-tardia");
	json_decref(r);

	/* NFD input (macOS) folds like NFC. */
	r = run(db,
	        "devoluci\xcc\x81n tardi\xcc\x81"
	        "a",
	        ROLE_READER, U_READER, NULL);
	assert_string_equal(slug_at(r, 0), "devolucion-tardia");
	json_decref(r);
}

static void test_reindex(void **state)
{
	sqlite3 *db = *state;
	json_t *r;

	r = run(db, "importe", ROLE_READER, U_READER, NULL);
	assert_int_equal(total_of(r), 1);
	json_decref(r);

	index_in_transaction(db, 2, "Cambio de talla", "Zapatos", "cambios",
	                     "Los cambios de zapatos necesitan la caja.", "COMMIT");
	r = run(db, "importe", ROLE_READER, U_READER, NULL);
	assert_int_equal(total_of(r), 0);
	json_decref(r);
	r = run(db, "zapato", ROLE_READER, U_READER, NULL);
	assert_int_equal(total_of(r), 1);
	assert_string_equal(slug_at(r, 0), "cambio-talla");
	json_decref(r);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM words_vocab WHERE term = 'importe'"),
	                 0);

	assert_int_equal(search_rebuild(db), 0);
	exec_ok(db, "INSERT INTO pages_fts (pages_fts) VALUES ('integrity-check')");
	r = run(db, "zapatos", ROLE_READER, U_READER, NULL);
	assert_int_equal(total_of(r), 1);
	json_decref(r);
}

/* words_fts holds each page's distinct words (oficio_words): the
 * vocabulary's page counts follow edits and rebuilds exactly, and the
 * contentless index stays consistent through the 'delete' of old rows. */
static void test_vocabulary_follows_edits(void **state)
{
	sqlite3 *db = *state;
	sqlite3_stmt *st;
	const char *vale = "SELECT doc FROM words_vocab WHERE term = 'vale'";
	int before = count_rows(db, vale);

	assert_true(before >= 1);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT oficio_words('Vale, vale  VALE', 'Devolución"
	                                        " del vale; devolucion', NULL, '')",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "vale devolucion del");
	sqlite3_finalize(st);

	/* A new page with the word many times counts once; editing it away
	 * takes it off again. */
	index_in_transaction(db, 50, "Vale y vale", "", "", "vale vale vale, otro vale y zurcido",
	                     "COMMIT");
	assert_int_equal(count_rows(db, vale), before + 1);
	assert_int_equal(count_rows(db, "SELECT doc FROM words_vocab WHERE term = 'zurcido'"), 1);
	index_in_transaction(db, 50, "Arreglos", "", "", "zurcido de bolsillos", "COMMIT");
	assert_int_equal(count_rows(db, vale), before);
	assert_int_equal(count_rows(db, "SELECT doc FROM words_vocab WHERE term = 'zurcido'"), 1);
	exec_ok(db, "INSERT INTO words_fts (words_fts) VALUES ('integrity-check')");
	assert_int_equal(search_rebuild(db), 0);
	assert_int_equal(count_rows(db, vale), before);
	assert_int_equal(count_rows(db, "SELECT doc FROM words_vocab WHERE term = 'bolsillos'"), 1);
	exec_ok(db, "INSERT INTO words_fts (words_fts) VALUES ('integrity-check')");
	exec_ok(db, "INSERT INTO pages_fts (pages_fts) VALUES ('integrity-check')");
}

/* The vocabulary as "term:pages,...": what words_vocab says now. */
static char *vocabulary(sqlite3 *db)
{
	sqlite3_stmt *st;
	char *v;

	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT coalesce(group_concat(term || ':' || doc, ','), '')"
	                                    " FROM (SELECT term, doc FROM words_vocab ORDER BY term)",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

/* The indexes as saves leave them are the indexes a rebuild makes. */
static void assert_indexes_exact(sqlite3 *db)
{
	char *kept = vocabulary(db), *rebuilt;

	exec_ok(db, "INSERT INTO pages_fts (pages_fts, rank) VALUES ('integrity-check', 1)");
	exec_ok(db, "INSERT INTO titles_fts (titles_fts, rank) VALUES ('integrity-check', 1)");
	exec_ok(db, "BEGIN");
	assert_int_equal(search_rebuild(db), 0);
	rebuilt = vocabulary(db);
	exec_ok(db, "ROLLBACK");
	assert_string_equal(kept, rebuilt);
	free(kept);
	free(rebuilt);
}

/* A page saved again and again: search.c remembers the texts it indexed
 * last, to take their words out of words_fts without reading them again,
 * and leaves words_fts and titles_fts alone when the words or the title
 * stay the same. The indexes stay exactly what a rebuild gives, also when
 * a save was rolled back (the remembered texts are then not the stored
 * ones) and when the page changed behind this connection's back. */
static void test_resaves_keep_indexes_exact(void **state)
{
	sqlite3 *db = *state;

	index_in_transaction(db, 60, "Caja rápida", "", "", "Abrir la caja.", "COMMIT");
	assert_indexes_exact(db);
	index_in_transaction(db, 60, "Caja rápida", "", "", "Abrir la caja. Abrir la caja.",
	                     "COMMIT");
	assert_indexes_exact(db);
	index_in_transaction(db, 60, "Caja lenta", "", "", "Cerrar la caja.", "COMMIT");
	assert_indexes_exact(db);
	index_in_transaction(db, 60, "Caja perdida", "", "", "Denunciar el robo.", "ROLLBACK");
	assert_indexes_exact(db);
	index_in_transaction(db, 60, "Caja lenta", "", "", "Cerrar la caja y contar.", "COMMIT");
	assert_indexes_exact(db);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM titles_fts WHERE titles_fts MATCH 'le*'"
	                                " AND rowid = 60"),
	                 1);
	/* Another connection (here: plain SQL, as a rebuild would) changes
	 * the page: the next save must not trust what it remembers. */
	exec_ok(db, "BEGIN");
	exec_ok(db, "INSERT INTO pages_fts (pages_fts, rowid, title, headings, tags, body)"
	            " SELECT 'delete', id, title, headings, tags, body FROM page_text WHERE id = 60");
	exec_ok(db, "INSERT INTO words_fts (words_fts, rowid, words) SELECT 'delete', id,"
	            " oficio_words(title, headings, tags, body) FROM page_text WHERE id = 60");
	exec_ok(db, "INSERT INTO titles_fts (titles_fts, rowid, title)"
	            " SELECT 'delete', id, title FROM page_text WHERE id = 60");
	exec_ok(db, "UPDATE page_text SET title = 'Caja fuerte', body = 'Guardar la llave.'"
	            " WHERE id = 60");
	exec_ok(db, "INSERT INTO pages_fts (rowid, title, headings, tags, body)"
	            " SELECT id, title, headings, tags, body FROM page_text WHERE id = 60");
	exec_ok(db, "INSERT INTO words_fts (rowid, words) SELECT id,"
	            " oficio_words(title, headings, tags, body) FROM page_text WHERE id = 60");
	exec_ok(db, "INSERT INTO titles_fts (rowid, title) SELECT id, title FROM page_text"
	            " WHERE id = 60");
	exec_ok(db, "COMMIT");
	assert_indexes_exact(db);
	index_in_transaction(db, 60, "Caja lenta", "", "", "Cerrar la caja y contar.", "COMMIT");
	assert_indexes_exact(db);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM pages_fts WHERE pages_fts MATCH 'llave'"),
	                 0);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM pages_fts WHERE pages_fts MATCH 'contar'"),
	                 1);
}

static long long segments(sqlite3 *db, const char *table)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "SELECT count(DISTINCT segid) FROM %s_idx", table);
	return count_rows(db, sql);
}

/* The JSON answers to n queries (as an editor), for comparing before and
 * after a change that must not alter them. */
static void dump_searches(sqlite3 *db, const char *const *queries, size_t n, char **out)
{
	for (size_t q = 0; q < n; q++) {
		json_t *r = run(db, queries[q], ROLE_EDITOR, U_EDITOR, NULL);
		out[q] = json_dumps(r, JSON_SORT_KEYS);
		json_decref(r);
	}
}

/* The n queries answer what dump_searches recorded (which it frees). */
static void assert_same_searches(sqlite3 *db, const char *const *queries, size_t n, char **before)
{
	for (size_t q = 0; q < n; q++) {
		char *after;
		dump_searches(db, &queries[q], 1, &after);
		assert_string_equal(before[q], after);
		free(after);
		free(before[q]);
	}
}

/* A page saved at a time leaves several index segments; search_optimize
 * merges each index into one, and every search answers as before. */
static void test_optimize_merges_segments(void **state)
{
	static const char *const queries[] = {"devolucion fuera de plazo", "caja", "ticket OR vale",
	                                      "cambi*", "\"con un vale\"", "devolucion -botas"};
	static const char *const tables[] = {"pages_fts", "titles_fts", "words_fts"};
	sqlite3 *db = *state;
	char *before[6];
	char body[128], title[64];
	long long vale;

	for (int i = 0; i < 30; i++) {
		snprintf(title, sizeof(title), "Nota de caja %d", i);
		snprintf(body, sizeof(body), "El vale número %d se anota en el ticket del cliente.", i);
		index_in_transaction(db, 100 + i, title, "", "", body, "COMMIT");
	}
	for (size_t t = 0; t < 3; t++)
		assert_true(segments(db, tables[t]) > 1);
	vale = count_rows(db, "SELECT count(*) FROM pages_fts WHERE pages_fts MATCH 'vale'");
	assert_true(vale >= 30);
	dump_searches(db, queries, 6, before);
	assert_int_equal(search_optimize(db), 0);
	for (size_t t = 0; t < 3; t++)
		assert_int_equal(segments(db, tables[t]), 1);
	assert_same_searches(db, queries, 6, before);
	assert_indexes_exact(db);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM pages_fts WHERE pages_fts MATCH 'vale'"),
	                 vale);
}

static bool never(void *arg)
{
	(void)arg;
	return false;
}

/* Pages saved one at a time leave small segments; search_upkeep merges
 * them (down to about one per level) in steps it stops when asked, and
 * every search answers the same. */
static void test_upkeep_merges_small_segments(void **state)
{
	static const char *const queries[] = {"nota de caja", "vale OR ticket", "anot*"};
	static const char *const tables[] = {"pages_fts", "titles_fts", "words_fts"};
	sqlite3 *db = *state;
	char *before[3];
	char body[128], title[64];
	long long segs[3];

	for (int i = 0; i < 30; i++) {
		snprintf(title, sizeof(title), "Nota de caja %d", i);
		snprintf(body, sizeof(body), "El vale número %d se anota en el ticket.", i);
		index_in_transaction(db, 200 + i, title, "", "", body, "COMMIT");
	}
	for (size_t t = 0; t < 3; t++) {
		segs[t] = segments(db, tables[t]);
		assert_true(segs[t] > 2);
	}
	dump_searches(db, queries, 3, before);
	/* Asked to stop before the first step: nothing merged. */
	assert_int_equal(search_upkeep(db, never, NULL), 0);
	for (size_t t = 0; t < 3; t++)
		assert_int_equal(segments(db, tables[t]), segs[t]);
	assert_true(search_upkeep(db, NULL, NULL) > 0);
	for (size_t t = 0; t < 3; t++)
		assert_true(segments(db, tables[t]) <= 2);
	assert_int_equal(search_upkeep(db, NULL, NULL), 0); /* nothing left to merge */
	assert_same_searches(db, queries, 3, before);
	assert_indexes_exact(db);
}

static bool finds(sqlite3 *db, const char *q, const char *slug)
{
	json_t *r = run(db, q, ROLE_READER, U_READER, NULL);
	bool found = has_slug(r, slug);

	json_decref(r);
	return found;
}

/* Close db, a database in the file path, and remove the file with its
 * WAL and shared memory. */
static void close_file(sqlite3 *db, const char *path)
{
	char side[64];

	search_release(db);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

/* A search without filters checks matches against a set of published
 * pages kept per connection: a commit by another connection, one by this
 * connection, and a change pending in the caller's own transaction are
 * all seen by the next search, and a set is never kept from a transaction
 * that was rolled back. */
static void test_published_set_follows_commits(void **state)
{
	static const char q[] = "devolucion tardia", slug[] = "devolucion-tardia";
	char path[] = "/tmp/oficio-unit-XXXXXX";
	int fd = mkstemp(path);
	sqlite3 *a, *b;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	a = open_filled(path);
	exec_ok(a, "PRAGMA journal_mode=WAL");
	assert_int_equal(sqlite3_open(path, &b), SQLITE_OK);
	assert_int_equal(search_register(b), SQLITE_OK); /* plain SQL only: no statement cache */
	assert_true(finds(a, q, slug));
	exec_ok(b, "UPDATE pages SET status = 'draft' WHERE id = 1");
	assert_false(finds(a, q, slug));
	exec_ok(b, "UPDATE pages SET status = 'published' WHERE id = 1");
	assert_true(finds(a, q, slug));
	exec_ok(a, "UPDATE pages SET status = 'archived' WHERE id = 1");
	assert_false(finds(a, q, slug));
	exec_ok(a, "UPDATE pages SET status = 'published' WHERE id = 1");
	assert_true(finds(a, q, slug));
	exec_ok(a, "BEGIN");
	exec_ok(a, "UPDATE pages SET status = 'in_review' WHERE id = 1");
	assert_false(finds(a, q, slug));
	exec_ok(a, "ROLLBACK");
	assert_true(finds(a, q, slug));
	/* A draft published in a transaction that is rolled back; then one
	 * change by another connection brings the count of status changes
	 * where the rolled-back one had it. */
	exec_ok(a, "BEGIN");
	exec_ok(a, "UPDATE pages SET status = 'published' WHERE id = 5");
	assert_true(finds(a, "garantia extendida", "borrador-garantia"));
	exec_ok(a, "ROLLBACK");
	exec_ok(b, "UPDATE pages SET status = 'archived' WHERE id = 2");
	assert_false(finds(a, "garantia extendida", "borrador-garantia"));
	exec_ok(b, "UPDATE pages SET status = 'published' WHERE id = 2");
	/* A page added by another connection is found once published. */
	exec_ok(b, "INSERT INTO pages (id, slug, kind, title, category, status, current_rev,"
	           " created_by, created_at, updated_at) SELECT 900, 'devolucion-900', kind,"
	           " title, category, 'draft', 1, created_by, 0, 0 FROM pages WHERE id = 1");
	exec_ok(b, "INSERT INTO page_text (id, title, headings, tags, body)"
	           " SELECT 900, title, headings, tags, body FROM page_text WHERE id = 1");
	exec_ok(b, "INSERT INTO pages_fts (rowid, title, headings, tags, body)"
	           " SELECT id, title, headings, tags, body FROM page_text WHERE id = 900");
	assert_false(finds(a, q, "devolucion-900"));
	exec_ok(b, "UPDATE pages SET status = 'published' WHERE id = 900");
	assert_true(finds(a, q, "devolucion-900"));
	assert_int_equal(sqlite3_close(b), SQLITE_OK);
	close_file(a, path);
}

static void test_suggestion(void **state)
{
	sqlite3 *db = *state;
	json_t *r;

	r = run(db, "devolucoin", ROLE_READER, U_READER, NULL);
	assert_int_equal(total_of(r), 0);
	assert_string_equal(json_string_value(json_object_get(r, "suggestion")), "devolucion");
	json_decref(r);

	r = run(db, "reenbolso tarjeta", ROLE_READER, U_READER, NULL);
	assert_string_equal(json_string_value(json_object_get(r, "suggestion")),
	                    "reembolso tarjeta");
	json_decref(r);

	/* Short words: one edit at most. */
	r = run(db, "vael", ROLE_READER, U_READER, NULL);
	assert_string_equal(json_string_value(json_object_get(r, "suggestion")), "vale");
	json_decref(r);

	/* Nothing near; known words need no correction. */
	r = run(db, "xyzzyq", ROLE_READER, U_READER, NULL);
	assert_true(json_is_null(json_object_get(r, "suggestion")));
	json_decref(r);
	r = run(db, "reembolso", ROLE_READER, U_READER, NULL);
	assert_true(json_is_null(json_object_get(r, "suggestion")));
	json_decref(r);

	/* The vocabulary each thread keeps per letter follows a save: a
	 * word the index did not have is offered once a page has it. */
	r = run(db, "zurcidp", ROLE_READER, U_READER, NULL);
	assert_true(json_is_null(json_object_get(r, "suggestion")));
	json_decref(r);
	index_in_transaction(db, 9, "Cierre de caja", "", "", "Anotar el zurcido de la bolsa.",
	                     "COMMIT");
	r = run(db, "zurcidp", ROLE_READER, U_READER, NULL);
	assert_string_equal(json_string_value(json_object_get(r, "suggestion")), "zurcido");
	json_decref(r);

	/* A word only a draft has is not offered to a reader. */
	r = run(db, "estendida", ROLE_READER, U_READER, NULL);
	assert_true(json_is_null(json_object_get(r, "suggestion")));
	json_decref(r);
	r = run(db, "estendida", ROLE_STAFF, U_STAFF, NULL);
	assert_string_equal(json_string_value(json_object_get(r, "suggestion")), "extendida");
	json_decref(r);
}

/* search_suggest for q as role and user: n titles, the first of them
 * first (when not NULL). */
static void assert_suggests(sqlite3 *db, const char *q, int role, long long user, size_t n,
                            const char *first)
{
	json_t *r = search_suggest(db, q, 10, role, user);

	assert_non_null(r);
	assert_int_equal(json_array_size(r), n);
	if (first)
		assert_string_equal(
		    json_string_value(json_object_get(json_array_get(r, 0), "slug")), first);
	json_decref(r);
}

static void test_suggest(void **state)
{
	sqlite3 *db = *state;
	json_t *r;

	/* Titles that start with the typed text first, shorter first. */
	assert_suggests(db, "devol", ROLE_READER, U_READER, 2, "devoluciones");
	assert_suggests(db, "Devolució", ROLE_READER, U_READER, 2, NULL);
	assert_suggests(db, "devolucion tar", ROLE_READER, U_READER, 1, "devolucion-tardia");

	/* Body words are not titles. */
	assert_suggests(db, "vale", ROLE_READER, U_READER, 0, NULL);

	assert_suggests(db, "borr", ROLE_READER, U_READER, 0, NULL);
	assert_suggests(db, "borr", ROLE_STAFF, U_STAFF, 1, NULL);

	/* Two letters are a prefix (titles_fts has their index); one is
	 * too little, and a short word still being typed after finished
	 * ones only orders. */
	assert_suggests(db, "ta", ROLE_READER, U_READER, 3, NULL); /* tardía, talla, tarjeta */
	assert_suggests(db, "cierre d", ROLE_READER, U_READER, 1, "cierre-caja");

	/* A renamed page is suggested by its new title only. */
	index_in_transaction(db, 9, "Arqueo de caja", "", "", "Contar el efectivo.", "COMMIT");
	assert_suggests(db, "cierre", ROLE_READER, U_READER, 0, NULL);
	assert_suggests(db, "arq", ROLE_READER, U_READER, 1, NULL);
	exec_ok(db, "INSERT INTO titles_fts (titles_fts) VALUES ('integrity-check')");

	static const char *const qs[] = {"", "d", "\"", "*", "(", "\xff", "OR", "-"};
	for (size_t k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
		r = search_suggest(db, qs[k], 10, ROLE_READER, U_READER);
		assert_non_null(r);
		assert_true(json_is_array(r));
		json_decref(r);
	}
}

static void test_log(void **state)
{
	sqlite3 *db = *state;
	struct search_params p = {
	    .q = "Devolución  TARDÍA", .limit = 5, .role = ROLE_READER, .user_id = U_READER};
	json_t *r;

	/* What earlier tests queued goes first. */
	assert_int_equal(searchlog_flush(db), 0);
	exec_ok(db, "DELETE FROM search_log");
	r = search_run(db, &p);
	json_decref(r);
	/* Queued, not written yet. */
	assert_int_equal(count_rows(db, "SELECT count(*) FROM search_log"), 0);
	assert_int_equal(searchlog_flush(db), 0);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM search_log WHERE"
	                                " query = 'devolucion tardia' AND hits = 1"
	                                " AND user_id IS NULL"),
	                 1);

	p.q = "zzzz nada";
	p.log_user = true;
	r = search_run(db, &p);
	json_decref(r);
	assert_int_equal(searchlog_flush(db), 0);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM search_log WHERE"
	                                " query = 'zzzz nada' AND hits = 0 AND user_id = 1"),
	                 1);

	p.no_log = true;
	r = search_run(db, &p);
	json_decref(r);
	assert_int_equal(searchlog_flush(db), 0);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM search_log"), 2);
}

/* The writer does not wait for its ten-second timer when searches pile
 * up (thousands a second): the 16,384th waiting wakes it. */
static void test_log_writer_early_when_many(void **state)
{
	char path[] = "/tmp/oficio-unit-XXXXXX";
	int fd = mkstemp(path);
	long long n = 0;
	sqlite3 *db;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	db = open_filled(path);
	exec_ok(db, "PRAGMA journal_mode=WAL");
	assert_int_equal(searchlog_flush(db), 0); /* what earlier tests queued */
	exec_ok(db, "DELETE FROM search_log");
	assert_int_equal(searchlog_start(path), 0);
	for (int i = 0; i < 16383; i++)
		searchlog_add(1700000000, "consulta repetida", 1, 0);
	usleep(300000);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM search_log"), 0); /* the timer's */
	searchlog_add(1700000000, "consulta repetida", 1, 0);
	for (int k = 0; k < 100 && n < 16384; k++) { /* up to 5 s, not 10 */
		usleep(50000);
		n = count_rows(db, "SELECT count(*) FROM search_log");
	}
	assert_int_equal(n, 16384);
	searchlog_stop();
	close_file(db, path);
}

static void test_english(void **state)
{
	sqlite3 *db;
	json_t *r;

	(void)state;
	assert_int_equal(search_set_language("fr"), -1);
	assert_int_equal(search_set_language("en"), 0);
	assert_int_equal(setup((void **)&db), 0);
	r = run(db, "refund cards", ROLE_READER, U_READER, NULL);
	assert_int_equal(total_of(r), 0);
	json_decref(r);
	exec_ok(db, "INSERT INTO pages (id, slug, kind, title, created_at, updated_at)"
	            " VALUES (40, 'refunds', 'procedure', 'Refunding a card', 0, 0)");
	assert_int_equal(search_index_page(db, 40, "Refunding a card", "", "",
	                                   "Refunds go back to the same card."),
	                 0);
	r = run(db, "refund cards", ROLE_READER, U_READER, NULL);
	assert_int_equal(total_of(r), 1);
	assert_string_equal(slug_at(r, 0), "refunds");
	json_decref(r);
	teardown((void **)&db);
	assert_int_equal(search_set_language("es"), 0);
}

/* Three words or more: a page with all but one is found too, below the
 * pages with every word unless it has the rest where it counts. */
static void test_near(void **state)
{
	sqlite3 *db = *state;
	json_t *r;

	/* No page has all three; two pages have two of them. */
	r = run(db, "vale ticket zapatos", ROLE_READER, U_READER, NULL);
	assert_true(json_is_true(json_object_get(r, "fallback")));
	assert_int_equal(total_of(r), 1);
	assert_string_equal(slug_at(r, 0), "devolucion-tardia");
	json_decref(r);

	/* Every word on one page: it comes first, not a fallback. */
	r = run(db, "vale ticket motivo", ROLE_READER, U_READER, NULL);
	assert_false(json_is_true(json_object_get(r, "fallback")));
	assert_string_equal(slug_at(r, 0), "devolucion-tardia");
	json_decref(r);
	r = run(db, "devolucion vale botas", ROLE_READER, U_READER, NULL);
	assert_string_equal(slug_at(r, 0), "cliente-enfadado");
	assert_true(has_slug(r, "devolucion-tardia")); /* two of three */
	assert_false(json_is_true(json_object_get(r, "fallback")));
	json_decref(r);

	/* Two words: both are needed (one would be any word). */
	r = run(db, "talla tarjeta", ROLE_READER, U_READER, NULL);
	assert_true(json_is_true(json_object_get(r, "fallback"))); /* the any-word one */
	json_decref(r);
}

/* What the procedure says it does ("devuelve", "muestra", "compara")
 * is found by what the user wants to do. */
static void test_verbs(void **state)
{
	sqlite3 *db = *state;
	static const struct page more[] = {
	    {40, "vale-regalo", "procedure", "Vale regalo", "caja", "published", U_EDITOR, "",
	     "El cajero devuelve el importe en un vale y muestra al cliente el saldo. "
	     "Compara la fecha del ticket con la del vale y cierra la operación. "
	     "Tener en cuenta el saldo."},
	};
	static const char *const qs[] = {"devolver importe", "mostrar saldo", "comparar fecha",
	                                 "cerrar operacion", "devuelven importe"};
	json_t *r;

	add_page(db, &more[0]);
	for (size_t k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
		r = run(db, qs[k], ROLE_READER, U_READER, NULL);
		if (strcmp(slug_at(r, 0), "vale-regalo"))
			fail_msg("%s: %s", qs[k], slug_at(r, 0));
		json_decref(r);
	}
	/* "cuenta" stays the noun: not "contar". */
	r = run(db, "contar", ROLE_READER, U_READER, NULL);
	assert_int_equal(total_of(r), 0);
	json_decref(r);
}

/* The opening of a page and words near each other, in the order typed. */
static void test_ranking_opening_and_order(void **state)
{
	sqlite3 *db = *state;
	static const struct page more[] = {
	    {41, "expand", "reference", "expand", "", "published", U_EDITOR, "",
	     "expand convierte tabulaciones en espacios. Lee cada archivo y escribe el "
	     "resultado en la salida estandar; sin archivo lee la entrada."},
	    {42, "unexpand", "reference", "unexpand", "", "published", U_EDITOR, "",
	     "unexpand convierte espacios en tabulaciones. Lee cada archivo y escribe el "
	     "resultado en la salida estandar; sin archivo lee la entrada."},
	    {43, "manual-largo", "reference", "Manual del terminal", "", "published", U_EDITOR, "",
	     "Este manual explica el terminal de caja: encendido, apagado, conexiones, "
	     "idioma, pantallas y teclas. Hay muchas cosas que contar de él. Entre otras, "
	     "las tabulaciones del teclado y los espacios entre columnas del ticket se "
	     "configuran en el menú de impresión."},
	};
	json_t *r;

	for (size_t k = 0; k < sizeof(more) / sizeof(more[0]); k++)
		add_page(db, &more[k]);
	r = run(db, "convertir espacios en tabulaciones", ROLE_READER, U_READER, NULL);
	assert_string_equal(slug_at(r, 0), "unexpand");
	assert_string_equal(slug_at(r, 1), "expand");
	json_decref(r);
	r = run(db, "convertir tabulaciones en espacios", ROLE_READER, U_READER, NULL);
	assert_string_equal(slug_at(r, 0), "expand");
	json_decref(r);
	/* The page whose opening says it beats one that mentions it later. */
	r = run(db, "tabulaciones espacios", ROLE_READER, U_READER, NULL);
	assert_string_equal(slug_at(r, 2), "manual-largo");
	json_decref(r);
}

static void test_statements_follow_the_connection(void **state)
{
	sqlite3 *db = *state, *other;
	json_t *r;

	/* Another connection on this thread: the cache moves to it, and back. */
	assert_int_equal(sqlite3_open(":memory:", &other), SQLITE_OK);
	assert_int_equal(search_register(other), SQLITE_OK);
	exec_ok(other, "CREATE TABLE pages (id INTEGER PRIMARY KEY)");
	assert_int_equal(search_index_page(other, 1, "x", "", "", "y"), -1); /* no tables */
	r = run(db, "reembolso", ROLE_READER, U_READER, NULL);
	assert_string_equal(slug_at(r, 0), "reembolso-tarjeta");
	json_decref(r);
	search_release(other);
	assert_int_equal(sqlite3_close(other), SQLITE_OK);
	search_release(other); /* not this thread's connection any more: a no-op */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test_setup_teardown(test_accents_and_plurals, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_prefix, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_phrase, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_exclude_and_or, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fallback, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ranking, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_term_rows_follow_edits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_visibility, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_snippets, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reindex, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_suggestion, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_suggest, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_log, setup, teardown),
	    cmocka_unit_test(test_english),
	    cmocka_unit_test_setup_teardown(test_near, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_verbs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ranking_opening_and_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_statements_follow_the_connection, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vocabulary_follows_edits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_resaves_keep_indexes_exact, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_optimize_merges_segments, setup, teardown),
	    cmocka_unit_test(test_published_set_follows_commits),
	    cmocka_unit_test(test_log_writer_early_when_many),
	    cmocka_unit_test_setup_teardown(test_upkeep_merges_small_segments, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
