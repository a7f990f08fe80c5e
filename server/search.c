/*
 * search.c - the search itself, "¿Quisiste decir…?", title suggestions
 * and indexing. Its neighbours: search_tokenize.c (words, stemming, the
 * FTS5 tokenizers and search_register), search_query.c (the query
 * language and the FTS5 expressions), search_snippet.c (snippets),
 * search_rank.c (ranking); search_int.h is what they share.
 *
 * A search tries every word, and from three words on, when that finds
 * few pages, every word but one (a page may say "archivo" where the user
 * typed "fichero"), then any word; search_rank.c ranks what matched, by
 * the ranking map search_query.c builds next to each FTS5 expression.
 * Snippets are cut from page_text (search_snippet.c), not by FTS5.
 *
 * Invariants: user text never reaches MATCH unparsed (every term is a
 * quoted string search_query.c built from scanned words); snippets are
 * escaped before the 0x01/0x02 markers become <mark> tags, and indexed
 * text has those two bytes replaced, so page text can never produce markup.
 *
 * Caveats: prepared statements, and the snippets' stemmer, are cached per
 * thread (see "statements" below for their lifetime and search_release).
 * A stemmer is not thread-safe (search_tokenize.c): each thread's snippet
 * maker owns one. search_run queues its search_log row (searchlog.h)
 * unless no_log is set.
 */
#include "search.h"
#include "search_int.h"

#include "buf.h"
#include "cache.h"
#include "db.h"
#include "role.h"
#include "text.h"
#include "searchlog.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RESULTS 100

/* ---- statements ------------------------------------------------------- */

/* Prepared statements are kept per thread for the thread's connection
 * (connections are per thread; see db.h), keyed by the address of their
 * SQL text, which is always one of this file's static strings. Preparing
 * the search query and the seven indexing statements on every call cost
 * more than running them (import: about a third of its time).
 *
 * Lifetime, the delicate part. A statement keeps its connection alive:
 * sqlite3_close() refuses and sqlite3_close_v2() leaves a zombie until
 * the last statement is finalized, so a cached statement never outlives
 * its connection's memory. The cache is emptied (statements finalized)
 * when the thread uses another connection, by search_release(), and when
 * the thread ends (a pthread key destructor; atexit for the main
 * thread), which also frees a connection closed with sqlite3_close_v2().
 * A connection closed with plain sqlite3_close() must be released first.
 * Statements are handed out reset and unbound, and stmt_done() resets
 * them, so none keeps a read transaction open between calls. */
#define STMT_SLOTS 32

/* The vocabulary words that start with one code point and their page
 * counts, as words_vocab has them, for "¿Quisiste decir…?". words_vocab
 * walks every word's list of pages to count them (7 to 25 ms for a common
 * letter in 20,000 pages), so each thread keeps the last VOCAB_BUCKETS
 * letters it read (a few MB at most), for its connection, until the next write
 * (cache_generation; search_index_page bumps it too) or CACHE_TTL
 * seconds (a write by another process). */
#define VOCAB_BUCKETS 16

struct vocab {
	char lead[5]; /* the code point, UTF-8; "" for an empty bucket */
	uint64_t gen, tick;
	int64_t at;
	size_t n, cap;
	struct vocab_term {
		size_t off; /* in pool */
		int len;
		long long docs;
	} *t;
	struct buf pool;
};

/* How many rows of pages_fts have each term, by its FTS5 phrase, for the
 * ranking's idf (search_rank.c takes them in the map). FTS5 keeps no such
 * count: it walks the term's whole list of rows, which for a common word
 * was a fifth of a search never seen before. Kept like the vocabulary,
 * until the next write or CACHE_TTL seconds; emptied when three quarters
 * full. */
#define DF_SLOTS 1024

struct df_cache {
	uint64_t gen;
	int64_t at;
	int n;
	struct df_entry {
		uint64_t hash;
		char *phrase; /* NULL: a free slot */
		long long rows;
	} e[DF_SLOTS];
};

/* The texts each of the last LAST_INDEXED pages indexed on this thread
 * was given, and their distinct words (search_words), for its next save:
 * words_fts is contentless, so taking a page's words out needs them, and
 * scanning the old text again for them was a sixteenth of a long page's
 * save. A remembered page is used only when its texts are exactly the
 * old row's (a save elsewhere, or a rolled-back one, makes them differ). */
#define LAST_INDEXED 4

struct indexed {
	long long id; /* 0: free */
	char *v[4];   /* title, headings, tags, body */
	char *words;
	uint64_t tick;
};

/* The ids of the published pages, a bit each, for searches without
 * filters: each match is checked against it (oficio_published) instead of
 * reading its row of pages, which was a fifth of ranking a common word's
 * thousands of matches. The other matches (drafts, pages in review,
 * archived: a few) are checked against pages as before. Kept while the
 * count of status changes (page_status_changes, schema 005: triggers move
 * it when a page is added, removed or changes status, by any connection)
 * stays what it was when the set was read, as seen from the search's own
 * read transaction, so the set is never older than the search's view of
 * pages. (Not the database's data version: the search log, written every
 * second, moves that.) */
struct published {
	bool valid;
	sqlite3_int64 version;
	unsigned char *bits;
	size_t n; /* ids below n have a bit */
};

struct stmt_cache {
	sqlite3 *db;                /* the connection the statements belong to */
	bool bulk;                  /* search_bulk_begin was called on db */
	struct tokenizer *snip_tok; /* the snippets' stemmer (any connection) */
	int n;
	struct {
		const char *sql; /* key: the address of a static string */
		sqlite3_stmt *st;
	} slot[STMT_SLOTS];
	struct vocab vocab[VOCAB_BUCKETS]; /* db's */
	uint64_t vocab_tick;
	struct df_cache df;   /* db's */
	struct published pub; /* db's */
	struct indexed last[LAST_INDEXED];
	uint64_t last_tick;
};

static pthread_key_t stmts_key;
static pthread_once_t stmts_once = PTHREAD_ONCE_INIT;

static void df_clear(struct df_cache *d)
{
	for (int k = 0; k < DF_SLOTS; k++) {
		free(d->e[k].phrase);
		d->e[k].phrase = NULL;
	}
	d->n = 0;
}

static void indexed_clear(struct indexed *e)
{
	for (int k = 0; k < 4; k++)
		free(e->v[k]);
	free(e->words);
	memset(e, 0, sizeof(*e));
}

static void stmts_clear(struct stmt_cache *c)
{
	for (int i = 0; i < c->n; i++)
		sqlite3_finalize(c->slot[i].st);
	for (int k = 0; k < VOCAB_BUCKETS; k++) {
		free(c->vocab[k].t);
		buf_free(&c->vocab[k].pool);
	}
	memset(c->vocab, 0, sizeof(c->vocab));
	df_clear(&c->df);
	free(c->pub.bits);
	memset(&c->pub, 0, sizeof(c->pub));
	for (int k = 0; k < LAST_INDEXED; k++)
		indexed_clear(&c->last[k]);
	c->n = 0;
	c->db = NULL;
	c->bulk = false;
}

static void stmts_free(void *p)
{
	struct stmt_cache *c = p;

	if (c) {
		stmts_clear(c);
		if (c->snip_tok)
			search_stemmer_free(c->snip_tok);
		free(c);
	}
}

static void stmts_at_exit(void)
{
	stmts_free(pthread_getspecific(stmts_key));
	pthread_setspecific(stmts_key, NULL);
}

static void stmts_init(void)
{
	if (pthread_key_create(&stmts_key, stmts_free) != 0 || atexit(stmts_at_exit) != 0) {
		fputs("oficio: cannot set up the statement cache\n", stderr);
		abort();
	}
}

static struct stmt_cache *stmts_get(void)
{
	struct stmt_cache *c;

	pthread_once(&stmts_once, stmts_init);
	c = pthread_getspecific(stmts_key);
	if (!c) {
		c = xcalloc(1, sizeof(*c));
		if (pthread_setspecific(stmts_key, c) != 0) {
			fputs("oficio: out of memory\n", stderr);
			abort();
		}
	}
	return c;
}

/* The cached statement for sql on db, reset and unbound; NULL when it
 * cannot be prepared (reported on stderr: a bug or a broken schema). */
static sqlite3_stmt *stmt_get(sqlite3 *db, const char *sql)
{
	struct stmt_cache *c = stmts_get();
	sqlite3_stmt *st = NULL;

	if (c->db != db) {
		stmts_clear(c);
		c->db = db;
	}
	for (int i = 0; i < c->n; i++) {
		if (c->slot[i].sql == sql) {
			sqlite3_reset(c->slot[i].st);
			sqlite3_clear_bindings(c->slot[i].st);
			return c->slot[i].st;
		}
	}
	if (c->n == STMT_SLOTS) {
		fputs("oficio: search: statement cache full\n", stderr); /* a bug */
		abort();
	}
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "oficio: search: %s\n", sqlite3_errmsg(db));
		return NULL;
	}
	c->slot[c->n].sql = sql;
	c->slot[c->n].st = st;
	c->n++;
	return st;
}

/* Done with a statement from stmt_get (NULL is fine). */
static void stmt_done(sqlite3_stmt *st)
{
	if (st)
		sqlite3_reset(st);
}

void search_release(sqlite3 *db)
{
	struct stmt_cache *c = stmts_get();

	if (c->db == db)
		stmts_clear(c);
}

/* The snippets' stemmer (search_snippet.c) lives with the statements, so
 * that it is freed when the thread ends. */
struct tokenizer *search_thread_stemmer(void)
{
	struct stmt_cache *c = stmts_get();

	if (!c->snip_tok)
		c->snip_tok = search_stemmer_new();
	return c->snip_tok;
}

/* ---- search ----------------------------------------------------------- */

/* Visibility and filters, shared by search and suggest. Parameters:
 * ?3 may see every draft (editor and up), ?4 user id, ?5 status filter,
 * ?6 kind, ?7 category, ?8 tag, ?9 may see archived (manager and up). */
#define VISIBLE                                                                                    \
	" AND (p.status = 'published'"                                                             \
	"  OR (p.status IN ('draft', 'in_review') AND (?3 OR (?4 > 0 AND"                          \
	"      (p.created_by = ?4 OR EXISTS (SELECT 1 FROM revisions r"                            \
	"       WHERE r.page_id = p.id AND r.author_id = ?4)))))"                                  \
	"  OR (p.status = 'archived' AND ?5 = 'archived' AND ?9))"                                 \
	" AND (?5 IS NULL OR p.status = ?5)"                                                       \
	" AND (?6 IS NULL OR p.kind = ?6)"                                                         \
	" AND (?7 IS NULL OR p.category = ?7)"                                                     \
	" AND (?8 IS NULL OR EXISTS (SELECT 1 FROM page_tags t"                                    \
	"      WHERE t.page_id = p.id AND t.tag = ?8))"

/* ?2 is the expression's ranking map (search_rank.c), which also puts an
 * exact title first. Every visible match is scored once, so the number
 * scored (search_rank_scored) is the total: a count(*) OVER () here kept
 * every match in a temporary table and doubled the cost of common words. */
static const char sql_search[] =
    "SELECT pages_fts.rowid AS id, oficio_rank(pages_fts, ?2) AS score"
    " FROM pages_fts JOIN pages p ON p.id = pages_fts.rowid"
    " WHERE pages_fts MATCH ?1" VISIBLE " ORDER BY score DESC, id LIMIT ?10 OFFSET ?11";

/* The same without filters (kind, category, tag, status), when the
 * search runs in its own read transaction: published matches pass by
 * oficio_published (?12, struct published), the others by VISIBLE. */
static const char sql_search_unfiltered[] =
    "SELECT pages_fts.rowid AS id, oficio_rank(pages_fts, ?2) AS score"
    " FROM pages_fts WHERE pages_fts MATCH ?1"
    " AND (oficio_published(pages_fts.rowid, ?12) OR EXISTS (SELECT 1 FROM pages p"
    "  WHERE p.id = pages_fts.rowid" VISIBLE "))"
    " ORDER BY score DESC, id LIMIT ?10 OFFSET ?11";

/* Where the published set is read from; the first statement also starts
 * the search's read transaction. */
static const char sql_status_changes[] = "SELECT n FROM page_status_changes WHERE id = 1";
static const char sql_max_id[] = "SELECT max(id) FROM pages";
static const char sql_published[] = "SELECT id FROM pages WHERE status = 'published'";

/* How many visible pages match, counting no further than 3: whether any
 * page has every word, and whether a suggestion is worth looking for. */
static const char sql_count[] =
    "SELECT count(*) FROM (SELECT 1 FROM pages_fts JOIN pages p ON p.id = pages_fts.rowid"
    " WHERE pages_fts MATCH ?1" VISIBLE " LIMIT 3)";

static const char sql_result[] = "SELECT p.slug, p.title, p.kind, p.category, p.verified_at,"
                                 " t.body, p.status FROM pages p"
                                 " LEFT JOIN page_text t ON t.id = p.id WHERE p.id = ?1";

static const char sql_term_rows[] = "SELECT count(*) FROM pages_fts WHERE pages_fts MATCH ?1";

static const char sql_vocab_has[] = "SELECT 1 FROM words_vocab WHERE term = ?1";

static const char sql_vocab_lead[] =
    "SELECT term, doc FROM words_vocab WHERE term >= ?1 AND term < ?2";

static const char sql_suggest[] = "SELECT p.slug, p.title, p.kind"
                                  " FROM titles_fts JOIN pages p ON p.id = titles_fts.rowid"
                                  " WHERE titles_fts MATCH ?1" VISIBLE
                                  " ORDER BY oficio_key(p.title, 0) LIKE ?2 DESC, length(p.title),"
                                  "  bm25(titles_fts)"
                                  " LIMIT ?10";

/* Whether a filter was given: NULL and "" are none. */
static bool given(const char *s)
{
	return s && *s;
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (given(s))
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static void bind_visibility(sqlite3_stmt *st, const struct search_params *p)
{
	sqlite3_bind_int(st, 3, p->role >= ROLE_EDITOR);
	sqlite3_bind_int64(st, 4, p->user_id);
	bind_text(st, 5, p->status);
	bind_text(st, 6, p->kind);
	bind_text(st, 7, p->category);
	bind_text(st, 8, p->tag);
	sqlite3_bind_int(st, 9, p->role >= ROLE_MANAGER);
}

struct hit {
	long long id;
	double score;
};

#define PUBLISHED_PTR "oficio_published"

/* oficio_published(rowid, set): whether the page is in the set. */
void search_published_fn(sqlite3_context *ctx, int nval, sqlite3_value **val)
{
	const struct published *p = nval == 2 ? sqlite3_value_pointer(val[1], PUBLISHED_PTR) : NULL;
	sqlite3_int64 id = sqlite3_value_int64(val[0]);

	sqlite3_result_int(ctx, p && id >= 0 && (uint64_t)id < p->n &&
	                            (p->bits[id >> 3] >> (id & 7) & 1));
}

/* This thread's published set for db, read again if a page was added,
 * removed or changed status since; call inside the search's read
 * transaction. NULL on an SQLite error. */
static const struct published *published_get(sqlite3 *db)
{
	sqlite3_stmt *st = stmt_get(db, sql_status_changes);
	struct published *p = &stmts_get()->pub;
	sqlite3_int64 version = 0, max = 0;
	int rc;

	if (!st)
		return NULL;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		version = sqlite3_column_int64(st, 0);
	stmt_done(st);
	if (rc != SQLITE_ROW)
		return NULL;
	if (p->valid && p->version == version)
		return p;
	p->valid = false;
	if (!(st = stmt_get(db, sql_max_id)))
		return NULL;
	if (sqlite3_step(st) == SQLITE_ROW)
		max = sqlite3_column_int64(st, 0);
	stmt_done(st);
	if (max < 0)
		max = 0;
	if (p->n < (size_t)max + 1) {
		p->n = ((size_t)max + 1 + 4095) & ~(size_t)4095;
		p->bits = xrealloc(p->bits, p->n / 8);
	}
	memset(p->bits, 0, p->n / 8);
	if (!(st = stmt_get(db, sql_published)))
		return NULL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 id = sqlite3_column_int64(st, 0);
		if (id >= 0 && (uint64_t)id < p->n)
			p->bits[id >> 3] |= (unsigned char)(1u << (id & 7));
	}
	stmt_done(st);
	if (rc != SQLITE_DONE)
		return NULL;
	p->valid = true;
	p->version = version;
	return p;
}

/* The number of visible matches of expr, up to 3. Returns 0 or -1. */
static int count_matches(sqlite3 *db, const struct search_params *p, const char *expr,
                         long long *total)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	*total = 0;
	if (!(st = stmt_get(db, sql_count)))
		goto out;
	sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
	bind_visibility(st, p);
	if (sqlite3_step(st) != SQLITE_ROW)
		goto out;
	*total = sqlite3_column_int64(st, 0);
	rc = 0;
out:
	stmt_done(st);
	return rc;
}

/* A query as run: its FTS5 expression and ranking map. */
struct ranked {
	struct buf expr, map;
};

/* One ranked page of matches: up to limit hits from offset, and the
 * total; pub, when given, is the published set for an unfiltered search
 * (sql_search_unfiltered). Returns 0 or -1. */
static int run_query(sqlite3 *db, const struct search_params *p, const struct published *pub,
                     const struct ranked *q, int limit, int offset, struct hit *hits, int *nhits,
                     long long *total)
{
	sqlite3_stmt *st = NULL;
	int rc = -1, step;

	*nhits = 0;
	*total = 0;
	if (!(st = stmt_get(db, pub ? sql_search_unfiltered : sql_search)))
		goto out;
	if (pub)
		sqlite3_bind_pointer(st, 12, (void *)pub, PUBLISHED_PTR, NULL);
	sqlite3_bind_text(st, 1, q->expr.data, (int)q->expr.len, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, q->map.data, (int)q->map.len, SQLITE_STATIC);
	bind_visibility(st, p);
	sqlite3_bind_int(st, 10, limit);
	sqlite3_bind_int(st, 11, offset);
	search_rank_scored(true);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		bool exact;
		hits[*nhits].id = sqlite3_column_int64(st, 0);
		hits[*nhits].score = search_rank_exact(sqlite3_column_double(st, 1), &exact);
		(*nhits)++;
	}
	/* The sorter has scored every match before the first row. */
	*total = search_rank_scored(true);
	if (step == SQLITE_DONE)
		rc = 0;
out:
	stmt_done(st);
	return rc;
}

/* A JSON string that is always valid UTF-8 (jansson refuses otherwise). */
static json_t *jstr(const char *s)
{
	json_t *j;
	struct buf b = BUF_INIT;
	size_t n = s ? strlen(s) : 0;
	size_t i = 0;

	if (!s)
		return json_string("");
	if (text_utf8_valid(s, n))
		return json_stringn(s, n);
	while (i < n)
		text_utf8_put(&b, text_utf8_next(s, n, &i));
	j = json_stringn(b.data, b.len);
	buf_free(&b);
	return j;
}

/* The result objects for hits, in order. Returns 0 or -1. */
static int fill_results(sqlite3 *db, const struct parsed *pq, const struct hit *hits, int nhits,
                        json_t *results)
{
	sqlite3_stmt *st = NULL;
	struct buf html = BUF_INIT;
	struct snipper sn;
	int rc = -1;

	search_snippet_init(&sn, pq);
	for (int k = 0; k < nhits; k++) {
		const char *body, *title;
		json_t *r;
		if (!(st = stmt_get(db, sql_result)))
			goto out;
		sqlite3_bind_int64(st, 1, hits[k].id);
		if (sqlite3_step(st) != SQLITE_ROW)
			goto out;
		/* The body's best passage (its start when only the title or tags
		 * matched); the marked title when there is no body. */
		body = (const char *)sqlite3_column_text(st, 5);
		title = (const char *)sqlite3_column_text(st, 1);
		buf_reset(&html);
		if (body && *body)
			search_snippet(&sn, body, strlen(body), false, &html);
		else if (title)
			search_snippet(&sn, title, strlen(title), true, &html);
		r = json_object();
		json_object_set_new(r, "slug", jstr((const char *)sqlite3_column_text(st, 0)));
		json_object_set_new(r, "title", jstr(title));
		json_object_set_new(r, "kind", jstr((const char *)sqlite3_column_text(st, 2)));
		json_object_set_new(r, "category", jstr((const char *)sqlite3_column_text(st, 3)));
		json_object_set_new(r, "status", jstr((const char *)sqlite3_column_text(st, 6)));
		json_object_set_new(r, "snippet", json_stringn(html.data, html.len));
		json_object_set_new(r, "score", json_real(hits[k].score));
		json_object_set_new(r, "verified_at",
		                    sqlite3_column_type(st, 4) == SQLITE_NULL
		                        ? json_null()
		                        : json_integer(sqlite3_column_int64(st, 4)));
		json_array_append_new(results, r);
		stmt_done(st);
		st = NULL;
	}
	rc = 0;
out:
	stmt_done(st);
	buf_free(&html);
	return rc;
}

/* Restricted Damerau-Levenshtein (optimal string alignment) distance of two
 * words of at most MAX_TOKEN bytes; anything over max is reported as
 * max + 1 as soon as a whole row exceeds it. */
static int distance(const char *a, int na, const char *b, int nb, int max)
{
	int d[3][MAX_TOKEN + 1];

	if (na > MAX_TOKEN || nb > MAX_TOKEN || abs(na - nb) > max)
		return max + 1;
	for (int j = 0; j <= nb; j++)
		d[0][j] = j;
	for (int i = 1; i <= na; i++) {
		int *cur = d[i % 3], *prev = d[(i - 1) % 3], *prev2 = d[(i + 1) % 3];
		int row_min = cur[0] = i;
		for (int j = 1; j <= nb; j++) {
			int v = prev[j - 1] + (a[i - 1] != b[j - 1]);
			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			cur[j] = v;
			if (v < row_min)
				row_min = v;
		}
		if (row_min > max)
			return max + 1;
	}
	return d[na % 3][nb];
}

/* The vocabulary words starting with w's first code point (struct
 * vocab), read from words_vocab or kept from an earlier call; NULL on an
 * SQLite error. Valid until the next call. */
static const struct vocab *vocab_of(sqlite3 *db, const char *w, size_t n)
{
	/* The statement first: it empties the cache if db is another. */
	sqlite3_stmt *st = stmt_get(db, sql_vocab_lead);
	struct stmt_cache *c = stmts_get();
	uint64_t gen = cache_generation();
	int64_t now = db_now();
	struct vocab *v = NULL;
	size_t lead = 1;
	char hi[5];
	int step;

	if (!st)
		return NULL;
	/* [lead, lead + 1): UTF-8 lead and continuation bytes are below
	 * 0xFF, so + 1 cannot wrap. */
	while (lead < n && lead < 4 && ((unsigned char)w[lead] & 0xC0) == 0x80)
		lead++;
	for (int k = 0; k < VOCAB_BUCKETS; k++) {
		struct vocab *b = &c->vocab[k];
		if (b->lead[0] && strlen(b->lead) == lead && !memcmp(b->lead, w, lead) &&
		    cache_fresh(b->gen, b->at, now, CACHE_TTL)) {
			b->tick = ++c->vocab_tick;
			stmt_done(st);
			return b;
		}
		if (!v || b->tick < v->tick)
			v = b; /* the least recently used */
	}
	v->lead[0] = '\0';
	v->n = 0;
	buf_reset(&v->pool);
	memcpy(hi, w, lead);
	hi[lead - 1]++;
	sqlite3_bind_text(st, 1, w, (int)lead, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hi, (int)lead, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		int tn = sqlite3_column_bytes(st, 0);
		if (!t || tn > MAX_TOKEN || search_has_digit(t, (size_t)tn))
			continue;
		if (v->n == v->cap) {
			v->cap = v->cap ? 2 * v->cap : 1024;
			v->t = xrealloc(v->t, v->cap * sizeof(*v->t));
		}
		v->t[v->n++] = (struct vocab_term){v->pool.len, tn, sqlite3_column_int64(st, 1)};
		buf_append(&v->pool, t, (size_t)tn);
	}
	stmt_done(st);
	if (step != SQLITE_DONE)
		return NULL;
	memcpy(v->lead, w, lead);
	v->lead[lead] = '\0';
	v->gen = gen;
	v->at = now;
	v->tick = ++c->vocab_tick;
	return v;
}

/* The vocabulary word nearest to w (same first letter, at most 2 edits,
 * 1 for words of up to 4 letters; fewer edits first, then more pages), as
 * a malloc'd string; NULL when w is a known word or nothing is near. */
static char *nearest_word(sqlite3 *db, const char *w)
{
	size_t n = strlen(w);
	int max = text_utf8_len(w, n) <= 4 ? 1 : 2, best_d = max + 1;
	const struct vocab *v;
	const struct vocab_term *best = NULL;
	sqlite3_stmt *st = stmt_get(db, sql_vocab_has);
	bool known;

	/* A known word is one lookup; only unknown ones read a letter. */
	if (!st)
		return NULL;
	sqlite3_bind_text(st, 1, w, (int)n, SQLITE_STATIC);
	known = sqlite3_step(st) == SQLITE_ROW;
	stmt_done(st);
	if (known || !(v = vocab_of(db, w, n)))
		return NULL;
	for (size_t k = 0; k < v->n; k++) {
		const struct vocab_term *e = &v->t[k];
		const char *t = v->pool.data + e->off;
		int d;
		if ((size_t)e->len == n && !memcmp(t, w, n))
			return NULL; /* a known word */
		if (abs(e->len - (int)n) > max)
			continue;
		d = distance(w, (int)n, t, e->len, best_d < max ? best_d : max);
		if (d > max || d > best_d || (d == best_d && e->docs <= best->docs))
			continue;
		best = e;
		best_d = d;
	}
	return best ? xstrndup(v->pool.data + best->off, (size_t)best->len) : NULL;
}

/* "¿Quisiste decir…?": the query with each unknown word replaced by its
 * nearest known word, when that finds more pages with all the words than
 * the query did (total); counting under the searcher's visibility keeps
 * words of pages they may not see out of it. A malloc'd string or NULL. */
static char *suggestion(sqlite3 *db, const struct search_params *p, const struct parsed *pq,
                        long long total)
{
	char *repl[MAX_TERMS] = {NULL};
	struct buf text = BUF_INIT, all = BUF_INIT, map = BUF_INIT;
	struct parsed fixed = {.n = 0};
	long long found = 0;
	char *result = NULL;
	bool changed = false;

	for (int k = 0; k < pq->n; k++) {
		const struct term *t = &pq->t[k];
		if (t->neg || t->stop || t->op != T_WORD ||
		    text_utf8_len(t->text.data, t->text.len) < 3 ||
		    search_has_digit(t->text.data, t->text.len))
			continue;
		repl[k] = nearest_word(db, t->text.data);
		changed |= repl[k] != NULL;
	}
	if (!changed)
		goto out;
	search_query_norm(pq, repl, &text);
	search_query_parse(text.data, text.len, &fixed);
	search_query_build(&fixed, EXPR_ALL, &all, &map);
	if (!all.len || count_matches(db, p, all.data, &found) != 0)
		goto out;
	if (found > total)
		result = buf_detach(&text);
out:
	for (int k = 0; k < pq->n; k++)
		free(repl[k]);
	search_query_free(&fixed);
	buf_free(&text);
	buf_free(&all);
	buf_free(&map);
	return result;
}

/* The words an exact title has: the positive words typed, stop words
 * included ("cierre de caja": 3). */
static int title_words(const struct parsed *pq)
{
	int n = 0;

	for (int k = 0; k < pq->n; k++) {
		if (pq->t[k].neg)
			continue;
		n++;
		for (const char *c = pq->t[k].text.data; *c; c++)
			n += *c == ' ';
	}
	return n;
}

void search_log(const struct search_params *p, const char *norm, long long hits)
{
	if (p->no_log || !*norm)
		return;
	/* Queued, written within a second by the server's timer (searchlog.h):
	 * a search never takes the write lock. */
	searchlog_add(db_now(), norm, hits, p->log_user ? p->user_id : 0);
}

/* The last positive term when it is a single word of MIN_PREFIX letters
 * or more, which may be one not finished; NULL otherwise. */
static struct term *word_being_typed(struct parsed *pq)
{
	for (int k = pq->n - 1; k >= 0; k--) {
		struct term *t = &pq->t[k];
		if (t->neg)
			continue;
		if (t->op != T_WORD || memchr(t->text.data, ' ', t->text.len) ||
		    text_utf8_len(t->text.data, t->text.len) < MIN_PREFIX)
			return NULL;
		return t;
	}
	return NULL;
}

/* Pages with every word: fewer, and pages with all but one are looked at
 * too. */
#define NEAR_BELOW 100

/* The rows of pages_fts that have the FTS5 phrase p[0..n) (struct
 * df_cache). Returns 0 or -1. */
static int term_rows(sqlite3 *db, const char *p, size_t n, long long *rows)
{
	/* The statement first: it empties the cache if db is another. */
	sqlite3_stmt *st = stmt_get(db, sql_term_rows);
	struct df_cache *d = &stmts_get()->df;
	uint64_t gen = cache_generation(), h = text_hash(p, n);
	int64_t now = db_now();
	size_t k = h % DF_SLOTS;
	int rc = -1;

	if (!st)
		return -1;
	if (!cache_fresh(d->gen, d->at, now, CACHE_TTL) || d->n >= DF_SLOTS * 3 / 4) {
		df_clear(d);
		d->gen = gen;
		d->at = now;
	}
	for (; d->e[k].phrase; k = (k + 1) % DF_SLOTS) {
		if (d->e[k].hash == h && !strncmp(d->e[k].phrase, p, n) && !d->e[k].phrase[n]) {
			*rows = d->e[k].rows;
			stmt_done(st);
			return 0;
		}
	}
	sqlite3_bind_text(st, 1, p, (int)n, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*rows = sqlite3_column_int64(st, 0);
		d->e[k] = (struct df_entry){h, xstrndup(p, n), *rows};
		d->n++;
		rc = 0;
	}
	stmt_done(st);
	return rc;
}

static void ranked_build(sqlite3 *db, struct ranked *q, const struct parsed *pq,
                         enum expr_mode mode)
{
	struct groups g;
	struct buf phrase = BUF_INIT, rows = BUF_INIT;

	buf_reset(&q->expr);
	buf_reset(&q->map);
	buf_printf(&q->map, "w%d", title_words(pq));
	search_query_build(pq, mode, &q->expr, &q->map);
	/* Each term's rows, in term order (search_query_groups numbers
	 * them by their place in the query); without them, the ranking
	 * counts them itself. */
	search_query_groups(pq, &g);
	for (int k = 0; k < pq->n; k++) {
		long long n;
		if (g.tid[k] < 0)
			continue;
		buf_reset(&phrase);
		search_query_put_term(&phrase, &pq->t[k]);
		if (term_rows(db, phrase.data, phrase.len, &n) != 0)
			goto out;
		buf_printf(&rows, " %lld", n);
	}
	if (rows.len) {
		buf_puts(&q->map, " |");
		buf_append(&q->map, rows.data, rows.len);
	}
out:
	buf_free(&phrase);
	buf_free(&rows);
}

static const char sql_begin[] = "BEGIN";
static const char sql_commit[] = "COMMIT";

/* One read transaction for the whole search, unless the caller has one:
 * the queries, the result rows and the suggestion then see one state of
 * the index, and take the file's locks once instead of some twenty
 * times. Returns whether it began one (for read_end). */
static bool read_begin(sqlite3 *db)
{
	sqlite3_stmt *st;
	bool began;

	if (!sqlite3_get_autocommit(db) || !(st = stmt_get(db, sql_begin)))
		return false;
	began = sqlite3_step(st) == SQLITE_DONE;
	stmt_done(st);
	return began;
}

static void read_end(sqlite3 *db, bool began)
{
	sqlite3_stmt *st;

	if (!began || sqlite3_get_autocommit(db) || !(st = stmt_get(db, sql_commit)))
		return;
	sqlite3_step(st);
	stmt_done(st);
}

json_t *search_run(sqlite3 *db, const struct search_params *p)
{
	struct buf norm = BUF_INIT;
	struct ranked q = {BUF_INIT, BUF_INIT}, near = {BUF_INIT, BUF_INIT};
	struct hit hits[MAX_RESULTS];
	struct parsed pq = {.n = 0};
	int limit = p->limit, offset = p->offset, nhits = 0;
	long long total = 0, full = 0;
	bool fallback = false, began = false;
	struct term *typing;
	const struct published *pub = NULL;
	json_t *res = NULL, *results = json_array();
	char *sugg = NULL;

	if (limit < 1)
		limit = 1;
	if (limit > MAX_RESULTS)
		limit = MAX_RESULTS;
	if (offset < 0)
		offset = 0;
	if (offset > SEARCH_MAX_OFFSET)
		offset = SEARCH_MAX_OFFSET;
	search_query_parse(p->q ? p->q : "", p->q ? strlen(p->q) : 0, &pq);
	search_query_norm(&pq, NULL, &norm);
	if (p->norm)
		buf_append(p->norm, norm.data, norm.len);
	if (search_query_has_positive(&pq)) {
		began = read_begin(db);
		/* Without filters, in a read transaction of its own: the
		 * published set (never one read with this connection's writes
		 * pending, which a rollback could undo). */
		if (began && !given(p->kind) && !given(p->category) && !given(p->tag) &&
		    !given(p->status))
			pub = published_get(db);
		/* Every word. */
		ranked_build(db, &q, &pq, EXPR_ALL);
		if (run_query(db, p, pub, &q, limit, offset, hits, &nhits, &total) != 0)
			goto out;
		full = total < 3 ? total : 3;
		/* From three words on, when few pages have them all, every word
		 * but one: the pages with all of them rank first unless another
		 * has the rest where it counts (search_rank.c). With many, the
		 * user has enough to look at, and those pages are the most
		 * expensive to rank (most of the index, for common words). */
		if (total < NEAR_BELOW) {
			ranked_build(db, &near, &pq, EXPR_NEAR);
			if (strcmp(near.expr.data, q.expr.data) &&
			    run_query(db, p, pub, &near, limit, offset, hits, &nhits, &total) != 0)
				goto out;
		}
		fallback = total > 0 && full == 0;
		if (total == 0) {
			/* Not even that: any word will do. */
			ranked_build(db, &q, &pq, EXPR_ANY);
			if (run_query(db, p, pub, &q, limit, offset, hits, &nhits, &total) != 0)
				goto out;
			fallback = total > 0;
		}
		if (total == 0 && (typing = word_being_typed(&pq))) {
			/* Enter pressed in the middle of a word ("devol"): the
			 * last word as a prefix, the others as they are. */
			typing->op = T_PREFIX;
			ranked_build(db, &q, &pq, EXPR_ALL);
			if (run_query(db, p, pub, &q, limit, offset, hits, &nhits, &total) != 0)
				goto out;
			if (total == 0)
				typing->op = T_WORD; /* for the suggestion */
		}
		if (fill_results(db, &pq, hits, nhits, results) != 0)
			goto out;
		if (full < 3)
			sugg = suggestion(db, p, &pq, full);
	}
	search_log(p, norm.data, total);
	res = json_object();
	json_object_set_new(res, "total", json_integer(total));
	json_object_set_new(res, "results", results);
	results = NULL;
	json_object_set_new(res, "fallback", json_boolean(fallback));
	json_object_set_new(res, "suggestion", sugg ? jstr(sugg) : json_null());
out:
	read_end(db, began);
	json_decref(results);
	free(sugg);
	search_query_free(&pq);
	buf_free(&q.expr);
	buf_free(&q.map);
	buf_free(&near.expr);
	buf_free(&near.map);
	buf_free(&norm);
	return res;
}

/* ---- suggest ---------------------------------------------------------- */

#define SUGGEST_WORDS 8

json_t *search_suggest(sqlite3 *db, const char *q, int limit, int role, long long user_id)
{
	struct search_params p = {.role = role, .user_id = user_id};
	struct buf expr = BUF_INIT, like = BUF_INIT, w = BUF_INIT;
	size_t n = q ? strlen(q) : 0, i = 0;
	sqlite3_stmt *st = NULL;
	json_t *res = json_array(), *out = NULL;
	int words = 0, step;

	if (n > 200)
		n = 200;
	if (limit < 1 || limit > 20)
		limit = limit < 1 ? 1 : 20;
	buf_puts(&expr, "(");
	while (words < SUGGEST_WORDS && search_next_word(q, n, &i, NULL, &w)) {
		if (like.len)
			buf_putc(&like, ' ');
		buf_append(&like, w.data, w.len);
		/* The word being typed is a prefix, from 2 letters on (titles_fts
		 * has a prefix index for 2 and 3; until then it only orders the
		 * titles); finished ones are words. */
		if (i >= n && text_utf8_len(w.data, w.len) < 2)
			break;
		if (words++)
			buf_puts(&expr, " AND ");
		buf_putc(&expr, '"');
		buf_append(&expr, w.data, w.len);
		buf_putc(&expr, '"');
		if (i >= n)
			buf_putc(&expr, '*');
	}
	buf_puts(&expr, ")");
	buf_putc(&like, '%');
	if (words == 0) {
		out = res; /* too little typed: nothing to suggest yet */
		res = NULL;
		goto out;
	}
	if (!(st = stmt_get(db, sql_suggest)))
		goto out;
	sqlite3_bind_text(st, 1, expr.data, (int)expr.len, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, like.data, (int)like.len, SQLITE_STATIC);
	bind_visibility(st, &p);
	sqlite3_bind_int(st, 10, limit);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *r = json_object();
		json_object_set_new(r, "slug", jstr((const char *)sqlite3_column_text(st, 0)));
		json_object_set_new(r, "title", jstr((const char *)sqlite3_column_text(st, 1)));
		json_object_set_new(r, "kind", jstr((const char *)sqlite3_column_text(st, 2)));
		json_array_append_new(res, r);
	}
	if (step == SQLITE_DONE) {
		out = res;
		res = NULL;
	}
out:
	stmt_done(st);
	json_decref(res);
	buf_free(&expr);
	buf_free(&like);
	buf_free(&w);
	return out;
}

/* ---- indexing --------------------------------------------------------- */

/* External-content FTS5 tables do not follow page_text: the old row must
 * be deleted from each index with exactly the values it was indexed with,
 * before page_text changes. Each statement writes one row from bound
 * values: an INSERT ... SELECT opens a statement savepoint, and FTS5
 * writes out what it has pending at every savepoint, so the old row's
 * deletion and the new row were two segments of every term (a seventh of
 * a long page's save). Together they are one. */
static const char sql_old_text[] =
    "SELECT title, headings, tags, body FROM page_text WHERE id = ?1";

static const char sql_pages_delete[] =
    "INSERT INTO pages_fts (pages_fts, rowid, title, headings, tags, body)"
    " VALUES ('delete', ?1, ?2, ?3, ?4, ?5)";
static const char sql_pages_insert[] =
    "INSERT INTO pages_fts (rowid, title, headings, tags, body) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_text_upsert[] =
    "INSERT INTO page_text (id, title, headings, tags, body)"
    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO UPDATE SET"
    " title = excluded.title, headings = excluded.headings,"
    " tags = excluded.tags, body = excluded.body";
/* ?2: the words (search_words). */
static const char sql_words_delete[] =
    "INSERT INTO words_fts (words_fts, rowid, words) VALUES ('delete', ?1, ?2)";
static const char sql_words_insert[] = "INSERT INTO words_fts (rowid, words) VALUES (?1, ?2)";
static const char sql_titles_delete[] =
    "INSERT INTO titles_fts (titles_fts, rowid, title) VALUES ('delete', ?1, ?2)";
static const char sql_titles_insert[] = "INSERT INTO titles_fts (rowid, title) VALUES (?1, ?2)";

/* Bulk mode (search_bulk_begin): page_text is kept in step at once, the
 * FTS indexes at search_bulk_flush. A page waiting for them is in
 * temp.search_pending, which rolls back with the caller's savepoints,
 * and its old entries are deleted only the first time (the indexes do
 * not have what it was given since). */
static const char *const sql_index_bulk[] = {
    "INSERT INTO pages_fts (pages_fts, rowid, title, headings, tags, body)"
    " SELECT 'delete', id, title, headings, tags, body FROM page_text"
    " WHERE id = ?1 AND id NOT IN (SELECT id FROM temp.search_pending)",
    "INSERT INTO words_fts (words_fts, rowid, words)"
    " SELECT 'delete', id, oficio_words(title, headings, tags, body) FROM page_text"
    " WHERE id = ?1 AND id NOT IN (SELECT id FROM temp.search_pending)",
    "INSERT INTO titles_fts (titles_fts, rowid, title)"
    " SELECT 'delete', id, title FROM page_text"
    " WHERE id = ?1 AND id NOT IN (SELECT id FROM temp.search_pending)",
    "INSERT INTO page_text (id, title, headings, tags, body)"
    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO UPDATE SET"
    " title = excluded.title, headings = excluded.headings,"
    " tags = excluded.tags, body = excluded.body",
    "INSERT OR IGNORE INTO temp.search_pending (id) VALUES (?1)",
};

static const char *const sql_flush[] = {
    "INSERT INTO pages_fts (rowid, title, headings, tags, body)"
    " SELECT id, title, headings, tags, body FROM page_text"
    " WHERE id IN (SELECT id FROM temp.search_pending)",
    "INSERT INTO words_fts (rowid, words)"
    " SELECT id, oficio_words(title, headings, tags, body) FROM page_text"
    " WHERE id IN (SELECT id FROM temp.search_pending)",
    "INSERT INTO titles_fts (rowid, title)"
    " SELECT id, title FROM page_text WHERE id IN (SELECT id FROM temp.search_pending)",
    "DELETE FROM temp.search_pending",
};

/* Run sql with ?1 id and, when it has them, ?2..?5 the four texts.
 * Returns 0 or -1. */
static int run_bound(sqlite3 *db, const char *sql, long long id, const char *const v[4])
{
	sqlite3_stmt *st = stmt_get(db, sql);
	int nparams, rc = -1;

	if (!st)
		return -1;
	nparams = sqlite3_bind_parameter_count(st);
	if (nparams >= 1)
		sqlite3_bind_int64(st, 1, id);
	for (int j = 2; j <= nparams && j <= 5; j++)
		sqlite3_bind_text(st, j, v[j - 2], -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
	stmt_done(st);
	return rc;
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

int search_bulk_begin(sqlite3 *db)
{
	struct stmt_cache *c = stmts_get();

	if (sqlite3_exec(db,
	                 "CREATE TEMP TABLE IF NOT EXISTS search_pending"
	                 " (id INTEGER PRIMARY KEY)",
	                 NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	if (c->db != db) {
		stmts_clear(c);
		c->db = db;
	}
	c->bulk = true;
	return 0;
}

int search_bulk_flush(sqlite3 *db)
{
	struct stmt_cache *c = stmts_get();

	if (c->db != db || !c->bulk)
		return 0;
	for (size_t k = 0; k < NELEM(sql_flush); k++)
		if (run_bound(db, sql_flush[k], 0, NULL) < 0)
			return -1;
	return 0;
}

int search_bulk_end(sqlite3 *db)
{
	struct stmt_cache *c = stmts_get();
	int rc = search_bulk_flush(db);

	if (c->db == db)
		c->bulk = false;
	return rc;
}

/* A copy of s with the snippet marker bytes 0x01 and 0x02 made spaces. */
static char *unmarked(const char *s)
{
	char *c = xstrdup(s ? s : "");

	for (char *p = c; *p; p++)
		if (*p == 1 || *p == 2)
			*p = ' ';
	return c;
}

/* The remembered entry of page id whose texts are exactly was, or NULL. */
static struct indexed *remembered(struct stmt_cache *c, long long id, const char *const was[4])
{
	for (int e = 0; e < LAST_INDEXED; e++) {
		struct indexed *x = &c->last[e];
		int k = 0;
		if (x->id != id)
			continue;
		while (k < 4 && !strcmp(x->v[k], was[k] ? was[k] : ""))
			k++;
		return k == 4 ? x : NULL;
	}
	return NULL;
}

/* Remember that page id now has the texts v and the words words. */
static void remember(struct stmt_cache *c, long long id, char *const v[4], const char *words)
{
	struct indexed *x = NULL;

	for (int e = 0; e < LAST_INDEXED; e++) {
		struct indexed *y = &c->last[e];
		if (y->id == id) {
			x = y;
			break;
		}
		if (!x || y->tick < x->tick)
			x = y; /* a free or the least recently used entry */
	}
	indexed_clear(x);
	x->id = id;
	for (int k = 0; k < 4; k++)
		x->v[k] = xstrdup(v[k]);
	x->words = xstrdup(words);
	x->tick = ++c->last_tick;
}

/* Index page id's texts v, out of bulk mode: take its old row out of the
 * indexes and put v in. words_fts and titles_fts are left alone when the
 * page's words or title have not changed. Returns 0 or -1. */
static int index_one(sqlite3 *db, struct stmt_cache *c, long long id, char *const v[4])
{
	sqlite3_stmt *old = stmt_get(db, sql_old_text);
	struct buf words = BUF_INIT, was_words = BUF_INIT;
	const char *was[4] = {NULL}, *w, *ww = NULL;
	bool had = false, title_same = false;
	int rc = -1;

	if (!old)
		return -1;
	search_words((const char *const *)v, 4, &words);
	w = words.data ? words.data : "";
	/* The old row, read before page_text changes; its texts stay valid
	 * until old is reset. */
	sqlite3_bind_int64(old, 1, id);
	switch (sqlite3_step(old)) {
	case SQLITE_ROW: {
		struct indexed *x;
		had = true;
		for (int k = 0; k < 4; k++)
			was[k] = (const char *)sqlite3_column_text(old, k);
		if ((x = remembered(c, id, was))) {
			ww = x->words;
		} else {
			search_words(was, 4, &was_words);
			ww = was_words.data ? was_words.data : "";
		}
		title_same = !strcmp(was[0] ? was[0] : "", v[0]);
		if (run_bound(db, sql_pages_delete, id, was) < 0 ||
		    (strcmp(ww, w) &&
		     run_bound(db, sql_words_delete, id, (const char *[4]){ww}) < 0) ||
		    (!title_same && run_bound(db, sql_titles_delete, id, was) < 0))
			goto out;
		break;
	}
	case SQLITE_DONE:
		break; /* a new page */
	default:
		goto out;
	}
	stmt_done(old); /* was is gone; ww is a copy */
	old = NULL;
	if (run_bound(db, sql_text_upsert, id, (const char *const *)v) < 0 ||
	    run_bound(db, sql_pages_insert, id, (const char *const *)v) < 0 ||
	    ((!had || strcmp(ww, w)) &&
	     run_bound(db, sql_words_insert, id, (const char *[4]){w}) < 0) ||
	    ((!had || !title_same) &&
	     run_bound(db, sql_titles_insert, id, (const char *const *)v) < 0))
		goto out;
	remember(c, id, v, w);
	rc = 0;
out:
	stmt_done(old);
	buf_free(&words);
	buf_free(&was_words);
	return rc;
}

int search_index_page(sqlite3 *db, long long page_id, const char *title, const char *headings,
                      const char *tags, const char *body)
{
	char *v[4] = {unmarked(title), unmarked(headings), unmarked(tags), unmarked(body)};
	struct stmt_cache *c = stmts_get();
	bool bulk = c->db == db && c->bulk;
	int rc = -1;

	if (run_bound(db, "SAVEPOINT search_index", page_id, NULL) < 0)
		goto free;
	if (bulk) {
		for (size_t k = 0; k < NELEM(sql_index_bulk); k++)
			if (run_bound(db, sql_index_bulk[k], page_id, (const char *const *)v) < 0)
				goto out;
	} else if (index_one(db, c, page_id, v) < 0) {
		goto out;
	}
	if (run_bound(db, "RELEASE search_index", page_id, NULL) == 0)
		rc = 0;
	/* The vocabulary kept for suggestions (vocab_of) is out of date. */
	cache_bump();
out:
	if (rc != 0) {
		/* Undo our part only; the caller's transaction decides the rest. */
		sqlite3_exec(db, "ROLLBACK TO search_index; RELEASE search_index", NULL, NULL,
		             NULL);
	}
free:
	for (int k = 0; k < 4; k++)
		free(v[k]);
	return rc;
}

static const char sql_optimize[] = "INSERT INTO pages_fts (pages_fts) VALUES ('optimize');"
                                   "INSERT INTO titles_fts (titles_fts) VALUES ('optimize');"
                                   "INSERT INTO words_fts (words_fts) VALUES ('optimize');";

int search_rebuild(sqlite3 *db)
{
	return sqlite3_exec(db,
	                    "SAVEPOINT search_rebuild;"
	                    "INSERT INTO pages_fts (pages_fts) VALUES ('rebuild');"
	                    "INSERT INTO titles_fts (titles_fts) VALUES ('rebuild');"
	                    "INSERT INTO words_fts (words_fts) VALUES ('delete-all');"
	                    "INSERT INTO words_fts (rowid, words)"
	                    " SELECT id, oficio_words(title, headings, tags, body) FROM page_text;"
	                    "RELEASE search_rebuild",
	                    NULL, NULL, NULL) == SQLITE_OK &&
	               search_optimize(db) == 0
	           ? 0
	           : -1;
}

int search_optimize(sqlite3 *db)
{
	if (sqlite3_exec(db, "SAVEPOINT search_optimize", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_exec(db, sql_optimize, NULL, NULL, NULL) == SQLITE_OK &&
	    sqlite3_exec(db, "RELEASE search_optimize", NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	sqlite3_exec(db, "ROLLBACK TO search_optimize; RELEASE search_optimize", NULL, NULL, NULL);
	return -1;
}

/* A merge step: about this many pages written, in one transaction. */
#define UPKEEP_PAGES 256

int search_upkeep(sqlite3 *db, bool (*more)(void *), void *arg)
{
	static const char *const tables[] = {"pages_fts", "titles_fts", "words_fts"};
	char sql[128];
	int steps = 0;

	for (size_t t = 0; t < NELEM(tables); t++) {
		/* 'merge' takes levels with usermerge segments or more (4 by
		 * default, as saves' automerge does): 2 leaves one per level. */
		snprintf(sql, sizeof(sql), "INSERT INTO %s (%s, rank) VALUES ('usermerge', 2)",
		         tables[t], tables[t]);
		if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
			return -1;
		snprintf(sql, sizeof(sql), "INSERT INTO %s (%s, rank) VALUES ('merge', %d)", tables[t],
		         tables[t], UPKEEP_PAGES);
		for (;;) {
			int before;
			if (more && !more(arg))
				return steps;
			before = sqlite3_total_changes(db);
			if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
				return -1;
			/* FTS5: a step that merged anything changes 2 rows or more. */
			if (sqlite3_total_changes(db) - before < 2)
				break;
			steps++;
		}
	}
	return steps;
}
