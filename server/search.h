/*
 * search.h - Oficio's search: the FTS5 tokenizers, the query builder that
 * turns anything a user types into a safe FTS5 expression, the search
 * itself (ranking, snippets, filters, visibility), "¿Quisiste decir…?" and
 * title suggestions.
 *
 * Tokenizers registered on every connection (before the schema is read):
 *   "oficio"        case folding, diacritics removed, Snowball stem
 *                   (Spanish by default, English by --language en)
 *   "oficio_plain"  the same without the stem (the vocabulary that
 *                   spelling suggestions are drawn from)
 * Invariant: user text never reaches MATCH unparsed.
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

/* Register both tokenizers on db. Returns SQLITE_OK or an SQLite code. */
int search_register(sqlite3 *db);

struct search_query {
	struct buf *all;      /* FTS5 expression, every term required ("" = no terms) */
	struct buf *any;      /* the same terms ORed: the fallback */
	struct buf *norm;     /* normalised query for the log: folded, single-spaced */
	bool has_terms;       /* false when nothing searchable was typed */
};

/* Parse user text (any bytes; invalid UTF-8 is treated as separators):
 * words are ANDed, "quoted phrases" are phrases, -word excludes, word* is a
 * prefix, OR between words is OR; other punctuation separates words. An
 * all-negative query has no terms. Caps: 2,000 bytes of input, 32 terms.
 * The three buffers must be initialised by the caller. Returns 0. */
int search_parse(const char *q, size_t len, struct search_query *out);

struct search_params {
	const char *q;        /* the user's text */
	const char *kind;     /* filter or NULL */
	const char *category; /* filter or NULL */
	const char *tag;      /* filter or NULL */
	const char *status;   /* filter (e.g. "archived" for managers) or NULL */
	int limit;            /* 1..100 */
	int offset;
	int role;             /* the searcher's role (role.h) */
	long long user_id;    /* the searcher, 0 for anonymous */
	bool log_user;        /* record user_id in search_log (admin setting) */
	bool no_log;          /* do not log at all (suggest, internal use) */
};

/* Run a search. Returns a new object:
 * {"total":N, "results":[{"slug","title","kind","category","snippet",
 *   "score","verified_at"}], "fallback":bool, "suggestion":"..."|null}
 * where snippet is HTML-safe (text escaped, matches in <mark>). Visibility:
 * drafts and in_review pages only to their author and to editors and up;
 * archived only when status="archived" is asked for by a manager or up.
 * Logs the normalised query and hit count in search_log. NULL on an
 * SQLite error (never for any user text). */
json_t *search_run(sqlite3 *db, const struct search_params *p);

/* Title suggestions for search-as-you-type: up to limit published pages
 * whose title matches the prefix: [{"slug","title","kind"}]. */
json_t *search_suggest(sqlite3 *db, const char *q, int limit, int role,
		       long long user_id);

/* Keep the index in step with a page's current text: call inside the
 * saving transaction. Replaces the page_text row and both FTS indexes. */
int search_index_page(sqlite3 *db, long long page_id, const char *title,
		      const char *headings, const char *tags, const char *body);

/* Rebuild every FTS index from page_text (after a language change). */
int search_rebuild(sqlite3 *db);

#endif
