/*
 * search_rank.c - Oficio's ranking function for FTS5, oficio_rank(): BM25
 * with field weights, the opening of the body weighing like the title,
 * nearness of the words typed side by side, the share of the query a page
 * has, and an exact title first.
 *
 *   oficio_rank(pages_fts, map)   the score, higher is better
 *
 * Why not the built-in bm25(): search.c builds expressions in which one
 * user word appears as several FTS5 phrases (the "every word but one"
 * expression repeats each word), and bm25() would count every copy. The
 * map, written by search.c next to the expression, is "wN" (the words of
 * an exact title, 0 for no such test), then for each phrase in order:
 *   "T.G"  query term T (0, 1, ... in query order) of word group G (an
 *          OR group holds several terms; groups are numbered in order)
 *   "x"    an excluded term: ignored
 * separated by single spaces; then, optionally, "|" and the number of
 * rows that have each term, in term order (search.c keeps them from one
 * search to the next: counting a common word's rows is a walk through
 * all of them, a fifth of a search). Without them, each term's rows are
 * counted on the first row. A copy whose node is not on the current row
 * reports no occurrences even when its term is there (FTS5 moves the
 * losing side of an AND past the row), so a term is read from the first
 * of its copies that has any.
 *
 * The score, for the current row:
 *   - BM25 (k1 1.2, b 0.75; idf and lengths as FTS5's bm25() has them)
 *     over the distinct terms, each occurrence weighted by where it is:
 *     title 10, headings 4, tags 4, body 1, except that the first
 *     mention in the opening of the body (its first LEAD_TOKENS words)
 *     weighs 10: the opening sentence says what a page is for (a
 *     procedure's purpose, a man page's NAME line). Only a term's first
 *     MAX_OCC occurrences are read: the rest would change little, and
 *     cost in long pages;
 *   - plus, for each two groups typed one after the other, BM25 of how
 *     often the second follows the first within NEAR_WORDS words in the
 *     same field (occurrence weight / distance), with the idf of the two:
 *     "ordena las líneas" counts for "ordenar lineas", and the order
 *     tells "espacios en tabulaciones" from "tabulaciones en espacios";
 *   - times the share of the query the row has, each group weighing
 *     1 + its idf: a page missing one common word of four can still
 *     beat a long page that has all four in passing;
 *   - times TITLE_ALL when the title has every group: at a counter
 *     people type one or two words, and the page titled with them
 *     ("Cierre y arqueo de caja" for "cierre") must come before one
 *     that says them early and often (a glossary);
 *   - plus EXACT_TITLE when the title has every group and as many words
 *     as were typed: "Cierre de caja" for "cierre de caja" comes first
 *     (search_rank_exact takes it off again for display).
 *
 * Caveats: the map must match the expression; a mismatch (a bug) scores
 * 0 rather than failing the search. Per-query data (the idf of each term)
 * is computed on the first row and kept with xSetAuxdata; row lengths are
 * cached per connection (see struct len_cache). The weights were chosen
 * on tests/http/test_search_relevance.py; change them with that test at
 * hand.
 */
#include "search.h"

#include "buf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define K1 1.2           /* BM25 term-frequency saturation */
#define B 0.75           /* BM25 length normalisation */
#define LEAD_TOKENS 20   /* the opening of the body, in words */
#define LEAD_WEIGHT 10.0 /* ... weighs like the title */
#define NEAR_WORDS 4     /* how far apart two neighbouring words still count as near */

static const double col_weight[4] = {10.0, 4.0, 4.0, 1.0}; /* title headings tags body */

/* Occurrences of a term read per row: BM25 has about saturated by then
 * (for a page of average length, 16 body mentions give 2.05 of the 2.2
 * any number can). 16 instead of 32: the same first page, top 3 and top
 * 20 for the 87 benchmark queries on 20,184 pages and the same relevance
 * test, in 3 % fewer instructions. */
#define MAX_OCC 16
#define EXACT_TITLE 1e6 /* added to the score of an exact title (search_rank_exact) */
#define TITLE_ALL 2.0   /* times the score of a row whose title has every word group */

struct occ {
	int col, off;
	double w; /* the occurrence's weight */
};

struct rank_data {
	int nphrase;
	int nterm; /* terms are numbered 0..nterm-1 by search.c */
	int ngroup;
	int title_words; /* words of an exact title; 0: no such test */
	int *term;       /* per phrase: its term, -1 for an ignored phrase */
	int *group;      /* per term: its group */
	int *first;      /* per term: its first phrase (for the idf) */
	int *copies;     /* per term, MAX_COPIES phrases: where to read it */
	int *ncopies;    /* per term */
	long long *df;   /* per term: rows that have it, from the map; NULL: count */
	double *idf;     /* per term */
	double *gidf;    /* per group: the largest idf of its terms */
	double avgdl;
	bool have_idf;
	/* scratch, per row */
	struct occ *occ; /* per term, MAX_OCC */
	int *nocc;       /* per term */
	double *tfreq;   /* per term: weighted occurrences */
	double *prox;    /* per group g: weighted nearness of g and g + 1 */
	bool *gpresent;  /* per group: the row has one of its terms */
	bool *gtitle;    /* per group: ... in its title */
};

/* Row lengths, per connection (the function's context): reading a row's
 * length from the FTS5 docsize table was a fifth of a search's time. The
 * cache is emptied whenever the index's row count or total length has
 * changed since it was filled: an edit that changes a page's length
 * changes the total. (Two edits that exactly compensate between two
 * searches would leave two lengths stale until the next change: a ranking
 * nuance, never a wrong result.) */
#define LEN_MAX_ROWID 4000000 /* rows past this are not cached */

struct len_cache {
	sqlite3_int64 nrow, ntok; /* the index's, when filled */
	int *len;                 /* by rowid: length + 1, 0 unknown */
	size_t cap;
};

static void len_cache_free(void *p)
{
	struct len_cache *c = p;

	if (c) {
		free(c->len);
		free(c);
	}
}

static void len_cache_check(struct len_cache *c, sqlite3_int64 nrow, sqlite3_int64 ntok)
{
	if (c->nrow == nrow && c->ntok == ntok)
		return;
	if (c->len)
		memset(c->len, 0, c->cap * sizeof(int));
	c->nrow = nrow;
	c->ntok = ntok;
}

/* The current row's length in tokens (all columns). */
static int row_length(const Fts5ExtensionApi *api, Fts5Context *fts, struct len_cache *c, int *dl)
{
	sqlite3_int64 id = api->xRowid(fts);
	int rc;

	if (id > 0 && id < LEN_MAX_ROWID && (size_t)id < c->cap && c->len[id]) {
		*dl = c->len[id] - 1;
		return SQLITE_OK;
	}
	rc = api->xColumnSize(fts, -1, dl);
	if (rc != SQLITE_OK || id <= 0 || id >= LEN_MAX_ROWID)
		return rc;
	if ((size_t)id >= c->cap) {
		size_t cap = c->cap ? c->cap : 1024;
		while (cap <= (size_t)id)
			cap *= 2;
		c->len = xrealloc(c->len, cap * sizeof(int));
		memset(c->len + c->cap, 0, (cap - c->cap) * sizeof(int));
		c->cap = cap;
	}
	c->len[id] = *dl + 1;
	return SQLITE_OK;
}

#define MAX_COPIES 8 /* phrases of one term in an expression (near: n - 1 <= 5, +1) */

static void rank_data_free(void *p)
{
	struct rank_data *d = p;

	if (!d)
		return;
	free(d->term);
	free(d->group);
	free(d->first);
	free(d->copies);
	free(d->ncopies);
	free(d->df);
	free(d->idf);
	free(d->gidf);
	free(d->occ);
	free(d->nocc);
	free(d->tfreq);
	free(d->prox);
	free(d->gpresent);
	free(d->gtitle);
	free(d);
}

/* Parse the map for an expression of nphrase phrases; NULL when it does
 * not fit. */
static struct rank_data *parse_map(const char *map, int nphrase)
{
	struct rank_data *d = xcalloc(1, sizeof(*d));
	size_t cap = (size_t)nphrase + 1; /* terms and groups are at most the phrases */
	const char *s = map ? map : "";
	char *end;
	int n = 0;

	d->nphrase = nphrase;
	d->term = xcalloc(cap, sizeof(int));
	d->group = xcalloc(cap, sizeof(int));
	d->first = xcalloc(cap, sizeof(int));
	d->copies = xcalloc(cap * MAX_COPIES, sizeof(int));
	d->ncopies = xcalloc(cap, sizeof(int));
	for (size_t k = 0; k < cap; k++)
		d->first[k] = -1;
	if (*s != 'w')
		goto bad;
	d->title_words = (int)strtol(s + 1, &end, 10);
	if (end == s + 1 || d->title_words < 0)
		goto bad;
	s = *end == ' ' ? end + 1 : end;
	while (*s && *s != '|') {
		long t, g;
		if (n >= nphrase)
			goto bad;
		if (*s == 'x') {
			d->term[n] = -1;
			s++;
		} else {
			t = strtol(s, &end, 10);
			if (end == s || *end != '.' || t < 0 || t >= nphrase)
				goto bad;
			s = end + 1;
			g = strtol(s, &end, 10);
			if (end == s || g < 0 || g > t)
				goto bad;
			s = end;
			d->term[n] = (int)t;
			d->group[t] = (int)g;
			if (d->first[t] < 0)
				d->first[t] = n;
			if (d->ncopies[t] < MAX_COPIES)
				d->copies[t * MAX_COPIES + d->ncopies[t]++] = n;
			if (t + 1 > d->nterm)
				d->nterm = (int)t + 1;
			if (g + 1 > d->ngroup)
				d->ngroup = (int)g + 1;
		}
		n++;
		if (*s == ' ')
			s++;
		else if (*s)
			goto bad;
	}
	if (n != nphrase)
		goto bad;
	for (int t = 0; t < d->nterm; t++)
		if (d->first[t] < 0)
			goto bad; /* numbering with a hole */
	if (*s == '|') {
		/* "| N N ...": one count per term. */
		d->df = xcalloc(cap, sizeof(long long));
		s++;
		for (int t = 0; t < d->nterm; t++) {
			if (s[0] != ' ' || s[1] < '0' || s[1] > '9')
				goto bad;
			d->df[t] = strtoll(s + 1, &end, 10);
			s = end;
		}
		if (*s)
			goto bad;
	}
	d->idf = xcalloc(cap, sizeof(double));
	d->gidf = xcalloc(cap, sizeof(double));
	d->occ = xcalloc(cap * MAX_OCC, sizeof(struct occ));
	d->nocc = xcalloc(cap, sizeof(int));
	d->tfreq = xcalloc(cap, sizeof(double));
	d->prox = xcalloc(cap, sizeof(double));
	d->gpresent = xcalloc(cap, sizeof(bool));
	d->gtitle = xcalloc(cap, sizeof(bool));
	return d;
bad:
	rank_data_free(d);
	return NULL;
}

static int count_cb(const Fts5ExtensionApi *api, Fts5Context *fts, void *user)
{
	(void)api;
	(void)fts;
	(*(sqlite3_int64 *)user)++;
	return SQLITE_OK;
}

/* The idf of every term and the average row length, as FTS5's bm25()
 * computes them. */
static int load_idf(const Fts5ExtensionApi *api, Fts5Context *fts, struct rank_data *d)
{
	sqlite3_int64 nrow = 0, ntok = 0;
	int rc = api->xRowCount(fts, &nrow);

	if (rc == SQLITE_OK)
		rc = api->xColumnTotalSize(fts, -1, &ntok);
	if (rc != SQLITE_OK)
		return rc;
	len_cache_check(api->xUserData(fts), nrow, ntok);
	d->avgdl = nrow > 0 ? (double)ntok / (double)nrow : 1.0;
	if (d->avgdl <= 0)
		d->avgdl = 1.0;
	for (int t = 0; t < d->nterm && rc == SQLITE_OK; t++) {
		sqlite3_int64 hits = 0;
		double idf;
		if (d->df)
			hits = d->df[t];
		else
			rc = api->xQueryPhrase(fts, d->first[t], &hits, count_cb);
		idf = log(((double)nrow - (double)hits + 0.5) / ((double)hits + 0.5));
		d->idf[t] = idf > 1e-6 ? idf : 1e-6;
		if (d->idf[t] > d->gidf[d->group[t]])
			d->gidf[d->group[t]] = d->idf[t];
	}
	d->have_idf = rc == SQLITE_OK;
	return rc;
}

/* The map's data for this query, parsed on the first row. */
static struct rank_data *get_data(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_value *map)
{
	struct rank_data *d = api->xGetAuxdata(fts, 0);

	if (d)
		return d;
	d = parse_map((const char *)sqlite3_value_text(map), api->xPhraseCount(fts));
	if (!d)
		return NULL;
	if (api->xSetAuxdata(fts, d, rank_data_free) != SQLITE_OK)
		return NULL; /* freed by FTS5 */
	return d;
}

/* The weighted occurrences of each term in the current row (its first
 * MAX_OCC, read from one copy of it that is on the row), which groups the
 * row has, in the title too, and how near neighbouring groups are.
 * Returns an SQLite code. */
static int row_freqs(const Fts5ExtensionApi *api, Fts5Context *fts, struct rank_data *d)
{
	memset(d->prox, 0, (size_t)d->ngroup * sizeof(double));
	memset(d->gpresent, 0, (size_t)d->ngroup * sizeof(bool));
	memset(d->gtitle, 0, (size_t)d->ngroup * sizeof(bool));
	for (int t = 0; t < d->nterm; t++) {
		struct occ *o = &d->occ[t * MAX_OCC];
		double tf = 0;
		bool lead = false;
		int n = 0;
		for (int c = 0; c < d->ncopies[t] && n == 0; c++) {
			Fts5PhraseIter it;
			int col, off, rc;
			rc = api->xPhraseFirst(fts, d->copies[t * MAX_COPIES + c], &it, &col, &off);
			if (rc != SQLITE_OK)
				return rc;
			while (col >= 0) {
				double w = col < 4 ? col_weight[col] : 1.0;
				/* The opening mentioning a word is what counts, once:
				 * saying it three times there must not outrank the
				 * title. */
				if (col == 3 && off < LEAD_TOKENS && !lead) {
					w = LEAD_WEIGHT;
					lead = true;
				}
				o[n].col = col;
				o[n].off = off;
				o[n].w = w;
				tf += w;
				if (++n == MAX_OCC)
					break;
				api->xPhraseNext(fts, &it, &col, &off);
			}
		}
		d->tfreq[t] = tf;
		d->nocc[t] = n;
		if (n) {
			d->gpresent[d->group[t]] = true;
			d->gtitle[d->group[t]] |= o[0].col == 0;
		}
	}
	/* Nearness: a word of group g a few words after one of group g - 1,
	 * in the same field and the order typed ("ordena las líneas" for
	 * "ordenar lineas"; "espacios en tabulaciones" is not "tabulaciones
	 * en espacios"), weighted by the word's weight over the distance. */
	for (int t = 0; t < d->nterm; t++) {
		int g = d->group[t], best[MAX_OCC];
		const struct occ *a = &d->occ[t * MAX_OCC];
		if (g == 0 || !d->gpresent[g] || !d->gpresent[g - 1])
			continue;
		for (int i = 0; i < d->nocc[t]; i++)
			best[i] = NEAR_WORDS + 1;
		/* Occurrences come in (column, offset) order: for each of t's,
		 * the nearest before it of each term u of the group before is
		 * found walking both lists once. */
		for (int u = 0; u < d->nterm; u++) {
			const struct occ *b = &d->occ[u * MAX_OCC];
			int j = 0;
			if (d->group[u] != g - 1)
				continue;
			for (int i = 0; i < d->nocc[t]; i++) {
				while (j < d->nocc[u] && (b[j].col < a[i].col ||
				                          (b[j].col == a[i].col && b[j].off < a[i].off)))
					j++;
				if (j > 0 && b[j - 1].col == a[i].col && a[i].off - b[j - 1].off < best[i])
					best[i] = a[i].off - b[j - 1].off;
			}
		}
		for (int i = 0; i < d->nocc[t]; i++)
			if (best[i] <= NEAR_WORDS)
				d->prox[g - 1] += a[i].w / (double)best[i];
	}
	return SQLITE_OK;
}

static double saturate(double f, double norm)
{
	return f > 0 ? f * (K1 + 1.0) / (f + norm) : 0.0;
}

/* Rows scored on this thread (search_rank_scored). */
static _Thread_local long long scored;

long long search_rank_scored(bool reset)
{
	long long n = scored;

	if (reset)
		scored = 0;
	return n;
}

static void rank_fn(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nval,
                    sqlite3_value **val)
{
	struct rank_data *d;
	double score = 0, norm, have = 0, all = 0;
	int rc = SQLITE_OK, dl = 0, title = 0;
	bool exact, intitle;

	scored++;
	if (nval != 1) {
		sqlite3_result_error(ctx, "oficio_rank: one argument (the map)", -1);
		return;
	}
	d = get_data(api, fts, val[0]);
	if (!d) {
		sqlite3_result_double(ctx, 0.0);
		return;
	}
	if (!d->have_idf)
		rc = load_idf(api, fts, d);
	if (rc == SQLITE_OK)
		rc = row_length(api, fts, api->xUserData(fts), &dl);
	if (rc == SQLITE_OK)
		rc = row_freqs(api, fts, d);
	if (rc != SQLITE_OK) {
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	norm = K1 * (1.0 - B + B * (double)dl / d->avgdl);
	for (int t = 0; t < d->nterm; t++)
		score += d->idf[t] * saturate(d->tfreq[t], norm);
	/* Two neighbouring words near each other weigh what the two words
	 * weigh (as a phrase does in Lucene). */
	for (int g = 0; g + 1 < d->ngroup; g++)
		score += (d->gidf[g] + d->gidf[g + 1]) * saturate(d->prox[g], norm);
	/* The share of the query the row has, each word group weighing one
	 * plus its idf: missing "fichero" (on half the pages) costs less
	 * than missing "tabulaciones". */
	intitle = d->ngroup > 0;
	for (int g = 0; g < d->ngroup; g++) {
		all += 1.0 + d->gidf[g];
		have += d->gpresent[g] ? 1.0 + d->gidf[g] : 0.0;
		intitle &= d->gtitle[g];
	}
	if (all > 0)
		score = score * have / all;
	/* Every word typed in the title: "Cierre y arqueo de caja" for
	 * "cierre", above pages that say "cierre" often or early. */
	if (intitle)
		score *= TITLE_ALL;
	exact = d->title_words > 0 && intitle;
	/* An exact title: every group in it, and as many words as the query
	 * (stop words included). Read only then: it costs a lookup. */
	if (exact && api->xColumnSize(fts, 0, &title) == SQLITE_OK && title == d->title_words)
		score += EXACT_TITLE;
	sqlite3_result_double(ctx, score);
}

double search_rank_exact(double score, bool *exact)
{
	*exact = score >= EXACT_TITLE;
	return *exact ? score - EXACT_TITLE : score;
}

int search_rank_register(fts5_api *api)
{
	/* One length cache per connection: FTS5 frees it with the
	 * connection. (If registering fails, which is out of memory, it
	 * leaks: 40 bytes.) */
	return api->xCreateFunction(api, "oficio_rank", xcalloc(1, sizeof(struct len_cache)),
	                            rank_fn, len_cache_free);
}
