/*
 * search_query.c - the search query language: what a user types, parsed
 * into terms (words, "phrases", -excluded terms, prefix*, OR), and the
 * FTS5 expressions built from them, each with its ranking map (what each
 * phrase of it stands for, read by search_rank.c): every word group,
 * every group but one, any word. Also the normalised query, which the log
 * keeps and a suggestion shows. search_parse documents the syntax.
 *
 * Invariants: user text never reaches MATCH unparsed: every term is a
 * quoted string built from words that search_scan_word (search.c) read,
 * the scanner the tokenizers use, so a term is never an empty or a split
 * phrase. The normalised query parses back to the same terms.
 *
 * Caveats: terms are folded, not stemmed (the tokenizer stems them inside
 * MATCH, prefixes excepted). Input past MAX_QUERY_BYTES and words past
 * MAX_TERMS are ignored. The stop words follow the stemming language.
 */
#include "search.h"
#include "search_int.h"

#include "buf.h"
#include "text.h"

#include <stdint.h>
#include <string.h>

#define MAX_QUERY_BYTES 2000 /* user text past this is ignored */

static const char *const stop_es[] = {
    "a", "al",   "con", "de",  "del", "e",  "el",  "en", "la", "las", "lo", "los",
    "o", "para", "por", "que", "se",  "su", "sus", "u",  "un", "una", "y",  NULL,
};
static const char *const stop_en[] = {
    "a", "an", "and", "at", "by", "for", "in", "is", "of", "on", "or", "the", "to", "with", NULL,
};

bool search_query_is_stop(const char *w)
{
	const char *const *list = strcmp(search_stem_algorithm, "english") ? stop_es : stop_en;

	/* The snippets ask for every short word of a passage: the first
	 * letter turns most away without a call. */
	for (; *list; list++)
		if ((*list)[0] == w[0] && !strcmp(*list, w))
			return true;
	return false;
}

void search_query_free(struct parsed *pq)
{
	for (int k = 0; k < pq->n; k++)
		buf_free(&pq->t[k].text);
	pq->n = 0;
}

static bool is_space(uint32_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(' || c == 0xA0 ||
	       c == 0x3000 || (c >= 0x2000 && c <= 0x200B);
}

/* Append a term unless the same one is already there: a repeated word
 * adds nothing but cost ("or* or* or*..." is 32 prefix scans). Returns
 * true when added. */
static bool add_term(struct parsed *pq, const struct buf *text, enum term_op op, bool neg,
                     bool or_prev, bool quoted)
{
	struct term *t;

	for (int k = 0; k < pq->n; k++) {
		t = &pq->t[k];
		if (t->op == op && t->neg == neg && t->text.len == text->len &&
		    !memcmp(t->text.data, text->data, text->len))
			return false;
	}
	t = &pq->t[pq->n++];
	buf_init(&t->text);
	buf_append(&t->text, text->data, text->len);
	t->op = op;
	t->neg = neg;
	t->or_prev = or_prev && !neg;
	t->stop = op == T_WORD && !neg && !quoted && search_query_is_stop(text->data);
	return true;
}

/* The parser proper. Words count towards MAX_TERMS one by one, phrase words
 * and repeats included; words past the cap are ignored. OR joins the term
 * before it (when that one was kept and is positive) to the next. */
void search_query_parse(const char *s, size_t len, struct parsed *pq)
{
	size_t n = len < MAX_QUERY_BYTES ? len : MAX_QUERY_BYTES, i = 0;
	int words = 0;
	bool neg = false, or_next = false, after_space = true, last_pos = false;
	struct buf w = BUF_INIT, phrase = BUF_INIT;

	pq->n = 0;
	while (i < n && words < MAX_TERMS) {
		size_t at = i;
		uint32_t c = text_utf8_next(s, n, &i);

		if (c == '-' && after_space && i < n) {
			size_t j = i;
			uint32_t d = text_utf8_next(s, n, &j);
			neg = search_is_word(d) || d == '"';
			after_space = false;
			continue;
		}
		if (c == '"') {
			buf_reset(&phrase);
			while (i < n && words < MAX_TERMS) {
				size_t k = i;
				uint32_t d = text_utf8_next(s, n, &i);
				if (d == '"')
					break;
				if (!search_is_word(d))
					continue;
				i = k;
				buf_reset(&w);
				search_scan_word(s, n, &i, &w);
				if (w.len == 0 || w.len > MAX_TOKEN)
					continue;
				if (phrase.len)
					buf_putc(&phrase, ' ');
				buf_append(&phrase, w.data, w.len);
				words++;
			}
			last_pos =
			    phrase.len &&
			    add_term(pq, &phrase, strchr(phrase.data, ' ') ? T_PHRASE : T_WORD, neg,
			             or_next, true) &&
			    !neg;
			neg = or_next = after_space = false;
			continue;
		}
		if (!search_is_word(c)) {
			after_space = is_space(c);
			neg = false;
			continue;
		}
		i = at;
		buf_reset(&w);
		search_scan_word(s, n, &i, &w);
		after_space = false;
		if (w.len == 0 || w.len > MAX_TOKEN) {
			neg = last_pos = false;
			continue;
		}
		if (i - at == 2 && !memcmp(s + at, "OR", 2) && !neg && (i >= n || s[i] != '*')) {
			or_next = last_pos;
			last_pos = false;
			continue;
		}
		enum term_op op = T_WORD;
		if (i < n && s[i] == '*') {
			i++;
			if (text_utf8_len(w.data, w.len) >= MIN_PREFIX)
				op = T_PREFIX;
		}
		last_pos = add_term(pq, &w, op, neg, or_next, false) && !neg;
		words++;
		neg = or_next = false;
	}
	buf_free(&w);
	buf_free(&phrase);
}

/* Lone stop words are dropped from the expression unless nothing else
 * would be left ("de la" still searches). An OR group keeps its words. */
static bool dropped(const struct parsed *pq, int k, bool keep_stops)
{
	const struct term *t = &pq->t[k];
	bool grouped = t->or_prev || (k + 1 < pq->n && pq->t[k + 1].or_prev);

	return !keep_stops && t->stop && !grouped;
}

static bool only_stops(const struct parsed *pq)
{
	for (int k = 0; k < pq->n; k++)
		if (!pq->t[k].neg && !dropped(pq, k, false))
			return false;
	return true;
}

void search_query_put_term(struct buf *b, const struct term *t)
{
	buf_putc(b, '"');
	for (size_t k = 0; k < t->text.len; k++) {
		if (t->text.data[k] == '"')
			buf_putc(b, '"');
		buf_putc(b, t->text.data[k]);
	}
	buf_putc(b, '"');
	if (t->op == T_PREFIX)
		buf_putc(b, '*');
}

void search_query_groups(const struct parsed *pq, struct groups *g)
{
	bool keep = only_stops(pq);
	int terms = 0;

	g->n = 0;
	for (int k = 0; k < pq->n; k++) {
		const struct term *t = &pq->t[k];
		g->tid[k] = -1;
		if (t->neg || dropped(pq, k, keep))
			continue;
		g->tid[k] = terms++;
		if (t->or_prev && g->n > 0 && g->end[g->n - 1] == k - 1) {
			g->end[g->n - 1] = k;
		} else {
			g->start[g->n] = g->end[g->n] = k;
			g->n++;
		}
	}
}

/* One phrase of the ranking map (see search_rank.c). */
static void map_put(struct buf *map, const char *tok)
{
	if (map->len)
		buf_putc(map, ' ');
	buf_puts(map, tok);
}

static void emit_term(const struct parsed *pq, const struct groups *g, int k, int gi,
                      struct buf *out, struct buf *map)
{
	search_query_put_term(out, &pq->t[k]);
	if (map->len)
		buf_putc(map, ' ');
	buf_printf(map, "%d.%d", g->tid[k], gi);
}

/* A group: its term, or its terms ORed in parentheses. */
static void emit_group(const struct parsed *pq, const struct groups *g, int gi, struct buf *out,
                       struct buf *map)
{
	if (g->start[gi] == g->end[gi]) {
		emit_term(pq, g, g->start[gi], gi, out, map);
		return;
	}
	buf_putc(out, '(');
	for (int k = g->start[gi]; k <= g->end[gi]; k++) {
		if (k > g->start[gi])
			buf_puts(out, " OR ");
		emit_term(pq, g, k, gi, out, map);
	}
	buf_putc(out, ')');
}

/* The filtering part: every group ANDed (all), every group but one in
 * turn, ORed (near: "a b c" gives (b AND c) OR (a AND c) OR (a AND b)),
 * or every term ORed (any). */
static void put_core(const struct parsed *pq, const struct groups *g, enum expr_mode mode,
                     struct buf *out, struct buf *map)
{
	bool first = true;

	for (int j = 0; mode == EXPR_NEAR && j < g->n; j++) {
		if (j)
			buf_puts(out, " OR ");
		buf_putc(out, '(');
		first = true;
		for (int gi = 0; gi < g->n; gi++) {
			if (gi == j)
				continue;
			if (!first)
				buf_puts(out, " AND ");
			emit_group(pq, g, gi, out, map);
			first = false;
		}
		buf_putc(out, ')');
	}
	for (int gi = 0; mode == EXPR_ALL && gi < g->n; gi++) {
		if (gi)
			buf_puts(out, " AND ");
		emit_group(pq, g, gi, out, map);
	}
	for (int gi = 0; mode == EXPR_ANY && gi < g->n; gi++) {
		for (int k = g->start[gi]; k <= g->end[gi]; k++) {
			if (!first)
				buf_puts(out, " OR ");
			emit_term(pq, g, k, gi, out, map);
			first = false;
		}
	}
}

/* Whether the all-but-one-word expression applies: with two words it
 * would be any word; past NEAR_MAX groups the expression grows as n^2
 * and a long query is specific enough as it is. */
#define NEAR_MAX 6
static bool near_applies(const struct groups *g)
{
	return g->n >= 3 && g->n <= NEAR_MAX;
}

/* Build the FTS5 expression for mode, then NOT the excluded terms, and
 * its ranking map (see search_rank.c); both empty when no term is
 * positive. Near falls back to all when it does not apply. */
void search_query_build(const struct parsed *pq, enum expr_mode mode, struct buf *out,
                        struct buf *map)
{
	struct groups g;
	bool has_neg = false, first = true;

	search_query_groups(pq, &g);
	if (g.n == 0)
		return;
	if (mode == EXPR_NEAR && !near_applies(&g))
		mode = EXPR_ALL;
	for (int k = 0; k < pq->n; k++)
		has_neg |= pq->t[k].neg;
	if (has_neg)
		buf_putc(out, '(');
	put_core(pq, &g, mode, out, map);
	if (!has_neg)
		return;
	buf_puts(out, ") NOT (");
	for (int k = 0; k < pq->n; k++) {
		if (!pq->t[k].neg)
			continue;
		if (!first)
			buf_puts(out, " OR ");
		search_query_put_term(out, &pq->t[k]);
		map_put(map, "x");
		first = false;
	}
	buf_putc(out, ')');
}

/* The normalised query in our own syntax, folded and single-spaced: it is
 * what the log keeps and what a suggestion shows, and it parses back to
 * the same terms. repl[k], when set, replaces the text of term k. */
void search_query_norm(const struct parsed *pq, char *const *repl, struct buf *out)
{
	for (int k = 0; k < pq->n; k++) {
		const struct term *t = &pq->t[k];
		bool quote;
		if (k)
			buf_putc(out, ' ');
		if (t->or_prev)
			buf_puts(out, "OR ");
		if (t->neg)
			buf_putc(out, '-');
		/* A quoted stop word stays quoted, or it would be dropped. */
		quote = t->op == T_PHRASE || (t->op == T_WORD && !t->neg && !t->stop &&
		                              search_query_is_stop(t->text.data));
		if (quote)
			buf_putc(out, '"');
		buf_puts(out, repl && repl[k] ? repl[k] : t->text.data);
		if (quote)
			buf_putc(out, '"');
		if (t->op == T_PREFIX)
			buf_putc(out, '*');
	}
}

bool search_query_has_positive(const struct parsed *pq)
{
	for (int k = 0; k < pq->n; k++)
		if (!pq->t[k].neg)
			return true;
	return false;
}

int search_parse(const char *q, size_t len, struct search_query *out)
{
	struct buf map = BUF_INIT;
	struct parsed pq;

	search_query_parse(q ? q : "", q ? len : 0, &pq);
	out->has_terms = search_query_has_positive(&pq);
	if (out->has_terms) {
		search_query_build(&pq, EXPR_ALL, out->all, &map);
		search_query_build(&pq, EXPR_ANY, out->any, &map);
	}
	search_query_norm(&pq, NULL, out->norm);
	search_query_free(&pq);
	buf_free(&map);
	return 0;
}

int search_parse_near(const char *q, size_t len, struct buf *out)
{
	struct buf map = BUF_INIT;
	struct parsed pq;

	search_query_parse(q ? q : "", q ? len : 0, &pq);
	search_query_build(&pq, EXPR_NEAR, out, &map);
	search_query_free(&pq);
	buf_free(&map);
	return 0;
}
