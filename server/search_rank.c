/*
 * search_rank.c - Oficio's ranking function for FTS5: BM25 with field
 * weights, the opening of the body weighing like the title, nearness of
 * the words typed side by side, and the share of the query a page has.
 *
 *   oficio_rank(pages_fts, map)   the score, higher is better
 *   oficio_cover(pages_fts, map)  how many of the query's word groups the
 *                                 row has
 *
 * Why not the built-in bm25(): search.c builds expressions in which one
 * user word appears as several FTS5 phrases (the "every word but one"
 * expression repeats each word), and bm25() would count every copy. The
 * map, written by search.c next to the expression, says for each phrase
 * in order what it stands for:
 *   "T.G"  query term T (0, 1, ... in query order) of word group G (an
 *          OR group holds several terms; groups are numbered in order)
 *   "x"    anything else (excluded terms, the neighbour phrases kept for
 *          the snippet's highlighting): ignored
 * separated by single spaces. A copy whose node is not on the current row
 * reports no instances even when its term is there (FTS5 moves the losing
 * side of an AND past the row), so a term's occurrences are counted once
 * per position over all its copies.
 *
 * The score, for the current row:
 *   - BM25 (k1 1.2, b 0.75; idf and lengths as FTS5's bm25() has them)
 *     over the distinct terms, each occurrence weighted by where it is:
 *     title 10, headings 4, tags 4, body 1, except that the first
 *     mention in the opening of the body (its first LEAD_TOKENS words)
 *     weighs 10: the opening sentence says what a page is for (a
 *     procedure's purpose, a man page's NAME line);
 *   - plus, for each two groups typed one after the other, BM25 of how
 *     often the second follows the first within NEAR_WORDS words in the
 *     same field (occurrence weight / distance), with the idf of the two:
 *     "ordena las líneas" counts for "ordenar lineas", and the order
 *     tells "espacios en tabulaciones" from "tabulaciones en espacios";
 *   - times the share of the query the row has, each group weighing
 *     1 + its idf: a page missing one common word of four can still
 *     beat a long page that has all four in passing.
 *
 * Caveats: the map must match the expression; a mismatch (a bug) scores
 * 0 rather than failing the search. Per-query data (the idf of each term)
 * is computed on the first row and kept with xSetAuxdata. The weights
 * were chosen on tests/http/test_search_relevance.py; change them with
 * that test at hand.
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

struct rank_data {
	int nphrase;
	int nterm; /* terms are numbered 0..nterm-1 by search.c */
	int ngroup;
	int *term;     /* per phrase: its term, -1 for an ignored phrase */
	int *group;    /* per term: its group */
	int *first;    /* per term: its first phrase (for the idf) */
	double *idf;   /* per term */
	double *gidf;  /* per group: the largest idf of its terms */
	double avgdl;
	bool have_idf;
	/* scratch, per row */
	double *tfreq; /* per term: weighted occurrences */
	double *prox;  /* per group g: weighted nearness of groups g and g + 1 */
	long long *tlast; /* per term: the last position counted */
	bool *tlead;      /* per term: the opening's mention was counted */
	long long *glast; /* per group: the last position seen */
	bool *gpresent;   /* per group: the row has one of its terms */
};

static void rank_data_free(void *p)
{
	struct rank_data *d = p;

	if (!d)
		return;
	free(d->term);
	free(d->group);
	free(d->first);
	free(d->idf);
	free(d->gidf);
	free(d->tfreq);
	free(d->prox);
	free(d->tlast);
	free(d->glast);
	free(d->gpresent);
	free(d->tlead);
	free(d);
}

/* Parse the map for an expression of nphrase phrases; NULL when it does
 * not fit. */
static struct rank_data *parse_map(const char *map, int nphrase)
{
	struct rank_data *d = xcalloc(1, sizeof(*d));
	size_t cap = (size_t)nphrase + 1; /* terms and groups are at most the phrases */
	const char *s = map ? map : "";
	int n = 0;

	d->nphrase = nphrase;
	d->term = xcalloc(cap, sizeof(int));
	d->group = xcalloc(cap, sizeof(int));
	d->first = xcalloc(cap, sizeof(int));
	for (size_t k = 0; k < cap; k++)
		d->first[k] = -1;
	while (*s) {
		char *end;
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
	d->idf = xcalloc(cap, sizeof(double));
	d->gidf = xcalloc(cap, sizeof(double));
	d->tfreq = xcalloc(cap, sizeof(double));
	d->prox = xcalloc(cap, sizeof(double));
	d->tlast = xcalloc(cap, sizeof(long long));
	d->glast = xcalloc(cap, sizeof(long long));
	d->gpresent = xcalloc(cap, sizeof(bool));
	d->tlead = xcalloc(cap, sizeof(bool));
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
	d->avgdl = nrow > 0 ? (double)ntok / (double)nrow : 1.0;
	if (d->avgdl <= 0)
		d->avgdl = 1.0;
	for (int t = 0; t < d->nterm && rc == SQLITE_OK; t++) {
		sqlite3_int64 hits = 0;
		double idf;
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
static struct rank_data *get_data(const Fts5ExtensionApi *api, Fts5Context *fts,
                                  sqlite3_value *map)
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

/* The weighted occurrences of each term in the current row, and how near
 * neighbouring groups are to each other. Instances come in position
 * order; a term's copies at one position count once. Returns the number
 * of groups present. */
static int row_freqs(const Fts5ExtensionApi *api, Fts5Context *fts, struct rank_data *d, int *rc)
{
	int ninst = 0, groups = 0;

	memset(d->tfreq, 0, (size_t)d->nterm * sizeof(double));
	memset(d->prox, 0, (size_t)d->ngroup * sizeof(double));
	memset(d->tlead, 0, (size_t)d->nterm * sizeof(bool));
	for (int t = 0; t < d->nterm; t++)
		d->tlast[t] = -1;
	for (int g = 0; g < d->ngroup; g++)
		d->glast[g] = -1;
	*rc = api->xInstCount(fts, &ninst);
	for (int k = 0; k < ninst && *rc == SQLITE_OK; k++) {
		int ph, col, off, t, g;
		long long pos;
		double w;
		*rc = api->xInst(fts, k, &ph, &col, &off);
		if (*rc != SQLITE_OK || ph < 0 || ph >= d->nphrase || col < 0 || col > 3)
			continue;
		if ((t = d->term[ph]) < 0)
			continue;
		pos = (long long)col << 32 | (unsigned)off;
		if (d->tlast[t] == pos)
			continue;
		d->tlast[t] = pos;
		g = d->group[t];
		/* The opening mentioning a word is what counts, once: saying it
		 * three times there must not outrank the title. */
		w = col_weight[col];
		if (col == 3 && off < LEAD_TOKENS && !d->tlead[t]) {
			w = LEAD_WEIGHT;
			d->tlead[t] = true;
		}
		d->tfreq[t] += w;
		/* Nearness: this word a few words after the previous group's
		 * last one, in the same field and the order typed ("ordena las
		 * líneas" for "ordenar lineas"; "espacios en tabulaciones" is
		 * not "tabulaciones en espacios"). */
		if (g > 0 && d->glast[g - 1] >= 0) {
			long long dist = pos - d->glast[g - 1];
			if (dist >= 1 && dist <= NEAR_WORDS)
				d->prox[g - 1] += w / (double)dist;
		}
		d->glast[g] = pos;
	}
	memset(d->gpresent, 0, (size_t)d->ngroup * sizeof(bool));
	for (int t = 0; t < d->nterm; t++) {
		if (d->tfreq[t] > 0 && !d->gpresent[d->group[t]]) {
			d->gpresent[d->group[t]] = true;
			groups++;
		}
	}
	return groups;
}

static double saturate(double f, double norm)
{
	return f > 0 ? f * (K1 + 1.0) / (f + norm) : 0.0;
}

static void rank_fn(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nval,
                    sqlite3_value **val)
{
	struct rank_data *d;
	double score = 0, norm, have = 0, all = 0;
	int rc = SQLITE_OK, dl = 0;

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
		rc = api->xColumnSize(fts, -1, &dl);
	if (rc == SQLITE_OK)
		row_freqs(api, fts, d, &rc);
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
	for (int g = 0; g < d->ngroup; g++) {
		all += 1.0 + d->gidf[g];
		have += d->gpresent[g] ? 1.0 + d->gidf[g] : 0.0;
	}
	sqlite3_result_double(ctx, all > 0 ? score * have / all : score);
}

static void cover_fn(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nval,
                     sqlite3_value **val)
{
	struct rank_data *d;
	int rc = SQLITE_OK, groups;

	if (nval != 1) {
		sqlite3_result_error(ctx, "oficio_cover: one argument (the map)", -1);
		return;
	}
	d = get_data(api, fts, val[0]);
	if (!d) {
		sqlite3_result_int(ctx, 0);
		return;
	}
	groups = row_freqs(api, fts, d, &rc);
	if (rc != SQLITE_OK)
		sqlite3_result_error_code(ctx, rc);
	else
		sqlite3_result_int(ctx, groups);
}

int search_rank_register(fts5_api *api)
{
	int rc = api->xCreateFunction(api, "oficio_rank", NULL, rank_fn, NULL);

	if (rc == SQLITE_OK)
		rc = api->xCreateFunction(api, "oficio_cover", NULL, cover_fn, NULL);
	return rc;
}
