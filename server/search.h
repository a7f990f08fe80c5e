/*
 * search.h - Oficio's search: the FTS5 tokenizers, the query builder that
 * turns anything a user types into a safe FTS5 expression, the search
 * itself (ranking, snippets, filters, visibility), "¿Quisiste decir…?" and
 * title suggestions.
 *
 * Tokenizers registered on every connection (before the schema is read):
 *   "oficio"        case folding, diacritics removed, Snowball stem
 *                   (Spanish by default, English by --language en); in
 *                   documents the unstemmed folded word is also indexed
 *                   at the same position, for prefix queries
 *   "oficio_plain"  the same without the stem (the vocabulary that
 *                   spelling suggestions are drawn from)
 * the SQL functions oficio_key(text, stem) (the folded words of text,
 * single-spaced, stemmed when stem is true), used for title suggestions,
 * and oficio_words(text, ...) (the distinct folded words of its
 * arguments, in order, single-spaced: what words_fts indexes), and the
 * FTS5 ranking function oficio_rank() (search_rank.c).
 * A word is a run of letters and digits; words over 64 bytes are not
 * indexed. Changing the language, or the stemming (search.c's list of
 * Spanish verb stems), changes the index: search_rebuild.
 * Invariant: user text never reaches MATCH unparsed.
 *
 * Prepared statements are kept per thread for the thread's connection
 * (the API takes a bare sqlite3*, not db.c's cache): see search_release.
 * Every function here must be called on the connection's own thread.
 */
#ifndef OFICIO_SEARCH_H
#define OFICIO_SEARCH_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>

struct buf;

/* Set the stemming language for the process ("es" or "en"); call once
 * before any connection is opened. Returns -1 for an unknown language. */
int search_set_language(const char *lang);

/* Register both tokenizers, oficio_key() and oficio_rank() on db. Returns SQLITE_OK or an
 * SQLite code. */
int search_register(sqlite3 *db);

struct search_query {
	struct buf *all;  /* FTS5 expression, every term required ("" = no terms) */
	struct buf *any;  /* the same terms ORed: the fallback */
	struct buf *norm; /* normalised query for the log: folded, single-spaced */
	bool has_terms;   /* false when nothing searchable was typed */
};

/* Parse user text (any bytes; invalid UTF-8 is treated as separators):
 * words are ANDed, "quoted phrases" are phrases, -word and -"phrase"
 * exclude (after a space or at the start), word* is a prefix (3 letters or
 * more), OR in capitals between two terms is OR; every other character,
 * AND/NOT/NEAR included, is a word or a separator. Lone Spanish (or
 * English) stop words are left out unless nothing else is left; repeated
 * terms count once (words typed side by side rank higher together, in
 * oficio_rank, not in the expression). An all-negative query has no terms. Caps: 2,000 bytes of
 * input, 32 words. Every term in all/any is a quoted string built from scanned words. norm uses the
 * same syntax and parses back to itself. The three buffers must be initialised by the caller;
 * output is appended. Returns 0. */
int search_parse(const char *q, size_t len, struct search_query *out);

/* The expression search_run tries first, appended to out: from three to
 * six word groups (a word, a phrase, words joined by OR), pages having
 * every group but one ("a b c" -> (b AND c) OR (a AND c) OR (a AND b));
 * otherwise the same as search_parse's all. "" when nothing is
 * searchable. Returns 0. */
int search_parse_near(const char *q, size_t len, struct buf *out);

#define SEARCH_MAX_OFFSET 10000 /* deeper pages are never read: it bounds the sort */

struct search_params {
	const char *q;        /* the user's text */
	const char *kind;     /* filter or NULL */
	const char *category; /* filter or NULL */
	const char *tag;      /* filter or NULL */
	const char *status;   /* filter (e.g. "archived" for managers) or NULL */
	int limit;            /* 1..100 */
	int offset;
	int role;          /* the searcher's role (role.h) */
	long long user_id; /* the searcher, 0 for anonymous */
	bool log_user;     /* record user_id in search_log (serve --log-search-users) */
	bool no_log;       /* do not log at all (suggest, internal use) */
	struct buf *norm;  /* if set, gets the normalised query (as logged) */
};

/* Run a search. Returns a new object:
 * {"total":N, "results":[{"slug","title","kind","category","status",
 *   "snippet","score","verified_at"}], "fallback":bool, "suggestion":"..."|null}
 * where snippet is HTML-safe: the passage of the body (24 words) with the
 * most of the query's words, text escaped, matches in <mark> (one mark
 * over "fuera de plazo"); the start of the body when only title or tags
 * matched; the title when there is no body. score is search_rank.c's
 * (higher is better). status is the page's: published, or draft,
 * in_review, archived for those who may see such pages (see Visibility);
 * the search page marks the results that are not published.
 * Matches: pages with every word group (a word, a "phrase", words joined
 * by OR); from three groups to six, when fewer than 100 pages have them
 * all, also pages with all but one (see search_parse_near). When none of
 * those exists, pages with any word; when there are none either and the
 * last positive term is a word of 3 letters or more, every word again with
 * that one as a prefix (Enter pressed in the middle of "devol").
 * fallback is true when results were found but none has every group: the
 * page says "no page had all the words".
 * Order: oficio_rank(): an exact title (the query's words, stemmed) first,
 * then BM25 weighted by field (title, the opening of the body, headings,
 * tags, body), nearness of neighbouring words, times the share of the
 * query a page has (search_rank.c).
 * suggestion is the query with unknown words replaced by near vocabulary
 * words, offered when fewer than 3 pages had every group and the
 * suggestion has more. Visibility: drafts and in_review pages only to
 * their author (created_by or a revision's author) and to editors and up;
 * archived only when status="archived" is asked for by a manager or up.
 * limit is clamped to 1..100, offset to 0..10,000; total counts every
 * match, on every page of results.
 * Queues a search_log row (searchlog_add; written within a second, or by
 * searchlog_flush), unless no_log or nothing was typed: the time
 * (db_now()), the normalised query, user_id only when log_user, and hits =
 * total as answered, i.e. how many results the user was offered, near and
 * any-word matches included (0: the user found nothing, what the gaps
 * report looks for). NULL on an SQLite error (never for any user text); the caller
 * owns the object. */
json_t *search_run(sqlite3 *db, const struct search_params *p);

/* (search_ui.c) The pager of a page of search results: limit results from offset (which
 * need not be a multiple of limit) of total. NULL when one page holds them
 * all; otherwise {"page": N, "pages": M, "prev": "OFFSET", "next": "OFFSET"},
 * each part only when there is one (the offsets are strings: "0" is a page,
 * and a template's 0 is false). Pages are counted from the offset asked for,
 * and only as far as an offset search_run reads (SEARCH_MAX_OFFSET). An
 * offset past the end (a link kept while pages were archived) gets only
 * "prev", the last page. */
json_t *search_pager(int limit, int offset, long long total);

/* Queue the search_log row search_run queues for p, given its normalised
 * query (p->norm) and hits: for a search answered without running it
 * again (search_ui.c's cache). Nothing when no_log or norm is empty. */
void search_log(const struct search_params *p, const char *norm, long long hits);

/* Title suggestions for search-as-you-type: up to limit (1..20) visible
 * pages (the rules of search_run, never archived) whose title has every
 * finished word (stemmed) and a word starting with the last one when it is
 * still being typed (no trailing space): [{"slug","title","kind"}]. Titles
 * that start with the typed text come first, then shorter titles. Only the
 * first 200 bytes and 8 words count; the word being typed counts from 2
 * letters on, so a lone shorter word gives []. Reads titles_fts, the titles
 * with a prefix index (schema 003). NULL on
 * an SQLite error; the caller owns the array. */
json_t *search_suggest(sqlite3 *db, const char *q, int limit, int role, long long user_id);

/* Keep the index in step with a page's current text: call inside the
 * saving transaction (it uses a savepoint, so it is also atomic alone).
 * Replaces the page_text row and the FTS indexes (the old row is deleted
 * from them with its old values first). NULL strings are empty; bytes
 * 0x01 and 0x02 become spaces. Returns 0, or -1 with nothing changed. */
int search_index_page(sqlite3 *db, long long page_id, const char *title, const char *headings,
                      const char *tags, const char *body);

/* Bulk loading (oficio import), on this thread's connection db: between
 * begin and end, search_index_page updates page_text at once and the FTS
 * indexes at search_bulk_flush, for every page saved since. FTS5 writes
 * an index segment at every SAVEPOINT once it has pending data, so
 * indexing page by page inside per-file savepoints wrote one segment per
 * page; this writes one per flush. Call search_bulk_flush before each
 * COMMIT (searches in between do not see the pending pages), end at the
 * last (it flushes). Each returns 0 or -1 (an SQLite error: roll back). */
int search_bulk_begin(sqlite3 *db);
int search_bulk_flush(sqlite3 *db);
int search_bulk_end(sqlite3 *db);

/* Rebuild every FTS index from page_text (after a language change), then
 * optimize them. Returns 0 or -1. */
int search_rebuild(sqlite3 *db);

/* Merge each FTS index into a single segment (FTS5's 'optimize'), all or
 * nothing. A bulk load leaves an index in several large segments, and a
 * search reads every segment for every word: at 20,000 pages, ten
 * segments made a search 40 % slower than one. The cost is a rewrite of
 * the index (1.5 s at 20,000 pages), holding the write lock: for bulk
 * loads; the small segments saves add are search_upkeep's. Returns 0 or
 * -1. */
int search_optimize(sqlite3 *db);

/* Merge the small segments that saves leave in each FTS index, so that a
 * busy instance reads few of them (five hundred saves left eleven, and
 * searches 10 to 20 % slower): FTS5's 'merge' with usermerge 2, which
 * merges any level holding two segments or more, leaving about one per
 * level, without rewriting the big segment an import left alone at its
 * level (half a second after 500 saves at 20,000 pages, against 1.5 s for
 * search_optimize). Runs in steps of a few hundred pages, each its own
 * transaction (call outside one), and asks more(arg) before each (NULL:
 * to the end). Returns the number of steps that merged anything, or -1
 * on an SQLite error. */
int search_upkeep(sqlite3 *db, bool (*more)(void *), void *arg);

/* Finalize the statements this thread keeps for db (search.c caches
 * its prepared statements per thread, for the thread's connection). Call
 * before sqlite3_close(); sqlite3_close_v2() works without it but leaves
 * the connection open until the thread ends. Safe for any db. */
void search_release(sqlite3 *db);

/* Internal to search.c (defined in search_rank.c): register the FTS5
 * auxiliary function oficio_rank() with api. Returns SQLITE_OK or an
 * SQLite code. */
int search_rank_register(fts5_api *api);

/* oficio_rank() adds a constant to an exact title's score so that it sorts
 * first: the score without it, and whether it was there. */
double search_rank_exact(double score, bool *exact);

/* How many rows oficio_rank() has scored on this thread since the last
 * call with reset true (which starts the count again). A ranked search
 * scores each visible match once: its total, without counting twice. */
long long search_rank_scored(bool reset);

#endif
