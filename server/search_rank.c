/*
 * search_rank.c - Oficio's ranking function for FTS5: BM25 with field
 * weights, a boost for the opening of the body, and a coverage factor.
 *
 *   oficio_rank(pages_fts, map)   the score, higher is better
 *   oficio_cover(pages_fts, map)  how many of the query's word groups the
 *                                 row has
 *
 * Why not the built-in bm25(): search.c builds expressions in which one
 * user word appears as several FTS5 phrases (the "all but one word"
 * expression repeats each word; neighbour phrases only rank), and bm25()
 * would count every copy. The map, written by search.c next to the
 * expression, says for each phrase in order what it stands for:
 *   "T.G"  query term T of word group G (an OR group holds several terms)
 *   "p"    a neighbour phrase that only ranks ("fuera de plazo")
 *   "x"    anything else (excluded terms): ignored
 * separated by single spaces. A phrase whose node is not on the current
 * row reports no instances even when its term is there (FTS5 advances
 * the losing side of an AND past the row), so a term's frequency is the
 * largest over its copies, never the sum.
 *
 * The score is BM25 (k1 1.2, b 0.75, the idf and lengths of FTS5's own
 * bm25) over the distinct terms and neighbour phrases, each occurrence
 * weighted by where it is: title 10, headings 4, tags 4, the first
 * LEAD_TOKENS words of the body 4 (the opening says what a page is for:
 * a procedure's purpose, a man page's NAME line), the rest of the body 1.
 * It is then multiplied by (groups present / groups asked)^2, so a page
 * missing one of four words can still beat a long page that mentions all
 * four in passing, but rarely one that has them all up front.
 *
 * Caveats: the map must match the expression (a mismatch, a bug, scores
 * 0 rather than failing the search). Per-query data (the idf of each
 * term) is computed on the first row and kept with xSetAuxdata.
 */
#include "search.h"

#include "buf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define K1 1.2
#define B 0.75
#define LEAD_TOKENS 40 /* the opening of the body, in words */

static const double col_weight[4] = {10.0, 4.0, 4.0, 1.0}; /* title headings tags body */
#define LEAD_WEIGHT 4.0

enum { PH_IGNORE, PH_TERM, PH_PAIR };

struct rank_data {
	int nphrase;
	int nterm;   /* terms are numbered 0..nterm-1 by search.c */
	int ngroup;
	int *kind;   /* per phrase: PH_* */
	int *term;   /* per phrase: its term (PH_TERM) */
	int *group;  /* per term: its group */
	int *first;  /* per term: its first phrase (for the idf) */
	double *idf; /* per phrase; for terms, at the first phrase */
	double avgdl;
	bool have_idf;
	/* scratch, per row */
	double *freq;  /* per phrase */
	double *tfreq; /* per term */
	bool *gseen;   /* per group */
};

static void rank_data_free(void *p)
{
	struct rank_data *d = p;

	if (!d)
		return;
	free(d->kind);
	free(d->term);
	free(d->group);
	free(d->first);
	free(d->idf);
	free(d->freq);
	free(d->tfreq);
	free(d->gseen);
	free(d);
}

/* Parse the map for an expression of nphrase phrases; NULL when it does
 * not fit. */
static struct rank_data *parse_map(const char *map, int nphrase)
{
	struct rank_data *d = xcalloc(1, sizeof(*d));
	const char *s = map ? map : "";
	int n = 0;

	d->nphrase = nphrase;
	d->kind = xcalloc((size_t)nphrase + 1, sizeof(int));
	d->term = xcalloc((size_t)nphrase + 1, sizeof(int));
	/* Terms and groups are at most the phrases. */
	d->group = xcalloc((size_t)nphrase + 1, sizeof(int));
	d->first = xcalloc((size_t)nphrase + 1, sizeof(int));
	for (int k = 0; k <= nphrase; k++)
		d->first[k] = -1;
	while (*s) {
		char *end;
		long t, g;
		if (n >= nphrase)
			goto bad;
		if (*s == 'p' || *s == 'x') {
			d->kind[n] = *s == 'p' ? PH_PAIR : PH_IGNORE;
			s++;
		} else {
			t = strtol(s, &end, 10);
			if (end == s || *end != '.' || t < 0 || t >= nphrase)
				goto bad;
			s = end + 1;
			g = strtol(s, &end, 10);
			if (end == s || g < 0 || g >= nphrase)
				goto bad;
			s = end;
			d->kind[n] = PH_TERM;
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
	d->idf = xcalloc((size_t)nphrase + 1, sizeof(double));
	d->freq = xcalloc((size_t)nphrase + 1, sizeof(double));
	d->tfreq = xcalloc((size_t)d->nterm + 1, sizeof(double));
	d->gseen = xcalloc((size_t)d->ngroup + 1, sizeof(bool));
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

/* The idf of every scored phrase and the average row length, as FTS5's
 * bm25() computes them. */
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
	for (int i = 0; i < d->nphrase && rc == SQLITE_OK; i++) {
		sqlite3_int64 hits = 0;
		double idf;
		if (d->kind[i] == PH_IGNORE || (d->kind[i] == PH_TERM && d->first[d->term[i]] != i))
			continue;
		rc = api->xQueryPhrase(fts, i, &hits, count_cb);
		idf = log(((double)nrow - (double)hits + 0.5) / ((double)hits + 0.5));
		d->idf[i] = idf > 1e-6 ? idf : 1e-6;
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

/* Weighted frequencies of the current row into d->freq/tfreq/gseen;
 * returns the number of groups present. */
static int row_freqs(const Fts5ExtensionApi *api, Fts5Context *fts, struct rank_data *d, int *rc)
{
	int ninst = 0, groups = 0;

	memset(d->freq, 0, (size_t)d->nphrase * sizeof(double));
	memset(d->tfreq, 0, (size_t)d->nterm * sizeof(double));
	memset(d->gseen, 0, (size_t)d->ngroup * sizeof(bool));
	*rc = api->xInstCount(fts, &ninst);
	for (int k = 0; k < ninst && *rc == SQLITE_OK; k++) {
		int ph, col, off;
		*rc = api->xInst(fts, k, &ph, &col, &off);
		if (*rc != SQLITE_OK || ph < 0 || ph >= d->nphrase || col < 0 || col > 3)
			continue;
		d->freq[ph] += col == 3 && off < LEAD_TOKENS ? LEAD_WEIGHT : col_weight[col];
	}
	for (int i = 0; i < d->nphrase; i++) {
		int t = d->term[i];
		if (d->kind[i] != PH_TERM || d->freq[i] <= d->tfreq[t])
			continue;
		d->tfreq[t] = d->freq[i];
		if (!d->gseen[d->group[t]]) {
			d->gseen[d->group[t]] = true;
			groups++;
		}
	}
	return groups;
}

static void rank_fn(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nval,
                    sqlite3_value **val)
{
	struct rank_data *d;
	double score = 0, norm, cover;
	int rc = SQLITE_OK, dl = 0, groups;

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
		groups = row_freqs(api, fts, d, &rc);
	if (rc != SQLITE_OK) {
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	norm = K1 * (1.0 - B + B * (double)dl / d->avgdl);
	for (int i = 0; i < d->nphrase; i++) {
		double f;
		if (d->kind[i] == PH_PAIR)
			f = d->freq[i];
		else if (d->kind[i] == PH_TERM && d->first[d->term[i]] == i)
			f = d->tfreq[d->term[i]];
		else
			continue;
		if (f > 0)
			score += d->idf[i] * f * (K1 + 1.0) / (f + norm);
	}
	cover = d->ngroup ? (double)groups / (double)d->ngroup : 1.0;
	sqlite3_result_double(ctx, score * cover * cover);
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
