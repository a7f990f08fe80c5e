/*
 * search_snippet.c - the snippets of search results: the passage of a
 * page's text with the most of the query's words, as HTML, its matches in
 * <mark> (see "A snippet is" below for how it is chosen and why here).
 *
 * Invariants: the text is escaped before the 0x01/0x02 markers become
 * <mark> tags, and indexed text has those two bytes replaced (search.c's
 * search_index_page), so page text can never produce markup; marks are
 * always balanced. Words are read and stemmed as the index has them
 * (search_scan_word, search_stem_cached), so what matched is what is
 * marked.
 *
 * Caveats: the stemmer is the calling thread's (search_thread_stemmer):
 * a struct snipper does not leave its thread. An exact phrase is not
 * checked (its words are marked), and only the first SNIP_SCAN bytes of
 * a long page are searched.
 */
#include "search.h"
#include "search_int.h"

#include "buf.h"
#include "text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A snippet is the passage of SNIP_WORDS words with the most distinct
 * query words (then the most matches, then the earliest; the first with
 * every word ends the reading), its matches marked. It is cut from
 * page_text in C rather than with FTS5's snippet(), which re-ran the
 * MATCH for each result and tokenized the whole body: half of a search's
 * time. The words are recognised as the
 * index does (the same scanner and stemmer), so what matched is what is
 * marked; an exact phrase is not checked (its words are marked), and
 * only the first SNIP_SCAN bytes of a long page are searched. */
#define SNIP_WORDS 24
#define SNIP_BEFORE 3 /* words shown before the first match */
#define SNIP_SCAN 65536

/* Append s[0..n) as HTML text: escaped, invalid UTF-8 as U+FFFD, NULs and
 * other C0 controls dropped; with marks, 0x01/0x02 (from search_snippet) open
 * and close <mark>, always balanced. */
static void put_html(struct buf *b, const char *s, size_t n, bool marks)
{
	bool open = false;
	size_t i = 0, run = 0; /* s[run..) is text kept as it is, escaped at once */

	while (i < n) {
		size_t at = i;
		unsigned char byte = (unsigned char)s[i];
		uint32_t c;
		if (byte >= 0x20 && byte < 0x80) {
			i++;
			continue;
		}
		c = byte < 0x80 ? (i++, byte) : text_utf8_next(s, n, &i);
		if ((c >= 0xA0 && c != 0xFFFD) || c == '\t' || c == '\n')
			continue;
		buf_html(b, s + run, at - run);
		run = i;
		if (marks && c == 1 && !open) {
			buf_puts(b, "<mark>");
			open = true;
		} else if (marks && c == 2 && open) {
			buf_puts(b, "</mark>");
			open = false;
		} else if (c == 0xFFFD) {
			/* not the bytes as they are: c may stand for a bad byte */
			buf_puts(b, "\xef\xbf\xbd");
		}
		/* other C0 and C1 controls: dropped */
	}
	buf_html(b, s + run, n - run);
	if (open)
		buf_puts(b, "</mark>");
}

struct snip_word {
	size_t start, end; /* bytes */
	int term;          /* the query term it matches, -1 */
	bool in;           /* inside a mark */
};

/* Whether w is a stop word (which may sit inside a marked run). Asked
 * only of the passage's words. */
static bool snip_stop(const char *text, const struct snip_word *w, struct buf *word)
{
	size_t i = w->start;

	buf_reset(word);
	search_scan_word(text, w->end, &i, word);
	return word->len <= 4 && search_query_is_stop(word->data);
}

static void snip_add(struct snipper *sn, const char *w, size_t n, bool prefix)
{
	struct snip_term *t;
	struct buf b = BUF_INIT;

	if (sn->n == MAX_TERMS || n == 0 || n > MAX_TOKEN)
		return;
	t = &sn->t[sn->n];
	if (prefix)
		buf_append(&b, w, n);
	else
		search_stem_cached(sn->tok, w, n, &b);
	if (b.len < sizeof(t->key)) {
		memcpy(t->key, b.data, b.len + 1);
		t->prefix = prefix;
		sn->first[sn->n++] = b.data[0];
		sn->lead[(unsigned char)b.data[0]] = true;
	}
	buf_free(&b);
}

/* The words to mark: the positive terms the search used, a phrase's
 * words but its stop words. */
void search_snippet_init(struct snipper *sn, const struct parsed *pq)
{
	struct groups g;

	sn->tok = search_thread_stemmer();
	sn->n = 0;
	memset(sn->lead, 0, sizeof(sn->lead));
	search_query_groups(pq, &g);
	for (int k = 0; k < pq->n; k++) {
		const struct term *t = &pq->t[k];
		const char *w = t->text.data;
		if (g.tid[k] < 0)
			continue;
		if (t->op != T_PHRASE) {
			snip_add(sn, w, t->text.len, t->op == T_PREFIX);
			continue;
		}
		while (*w) {
			size_t n = strcspn(w, " ");
			char word[MAX_TOKEN + 1];
			if (n <= MAX_TOKEN) {
				memcpy(word, w, n);
				word[n] = '\0';
				if (!search_query_is_stop(word))
					snip_add(sn, w, n, false);
			}
			w += n + (w[n] == ' ');
		}
	}
}

/* The term folded word w matches, or -1. */
static int snip_match(struct snipper *sn, const char *w, size_t n, struct buf *stem)
{
	bool stemmed = false;

	for (int k = 0; k < sn->n; k++) {
		const struct snip_term *t = &sn->t[k];
		if (sn->first[k] != w[0])
			continue;
		if (t->prefix) {
			if (!strncmp(w, t->key, strlen(t->key)))
				return k;
			continue;
		}
		if (!stemmed) {
			buf_reset(stem);
			search_stem_cached(sn->tok, w, n, stem);
			stemmed = true;
		}
		if (!strcmp(stem->data, t->key))
			return k;
	}
	return -1;
}

/* Append the snippet of text[0..n) to html (escaped, matches in <mark>).
 * whole: the entire text (a title), not a passage. */
void search_snippet(struct snipper *sn, const char *text, size_t n, bool whole, struct buf *html)
{
	struct snip_word *w = NULL;
	struct buf word = BUF_INIT, stem = BUF_INIT, raw = BUF_INIT;
	size_t nw = 0, cap = 0, i = 0, best = 0, from, to, enough = SIZE_MAX;
	int best_distinct = 0, best_hits = 0;
	bool cut = false;

	while (i < n) {
		size_t start = i;
		unsigned char b = (unsigned char)text[i];
		/* ASCII separators, most of what lies between words, one byte
		 * at a time without decoding. */
		if (b < 0x80) {
			if (!search_is_word(b)) {
				i++;
				continue;
			}
		} else if (!search_is_word(text_utf8_next(text, n, &i))) {
			continue;
		}
		if (!whole && (start >= SNIP_SCAN || nw >= enough)) {
			cut = true;
			break;
		}
		if (nw == cap) {
			cap = cap ? cap * 2 : 256;
			w = xrealloc(w, cap * sizeof(*w));
		}
		w[nw].start = start;
		w[nw].term = -1;
		/* Most words start with a letter no term starts with (folded,
		 * an ASCII letter is its lower case): when such a word is ASCII
		 * to its end, it is passed over without folding or stemming. */
		i = b < 0x80 && !sn->lead[b >= 'A' && b <= 'Z' ? b + 32 : b]
		        ? search_ascii_run(text, n, start)
		        : start;
		if (i == start || (i < n && (unsigned char)text[i] >= 0x80)) {
			i = start;
			buf_reset(&word);
			search_scan_word(text, n, &i, &word);
			if (word.len && word.len <= MAX_TOKEN)
				w[nw].term = snip_match(sn, word.data, word.len, &stem);
		}
		w[nw].end = i;
		nw++;
		/* A passage with every term: no better one can follow (the
		 * earliest wins ties), so read only what it shows. */
		if (w[nw - 1].term >= 0 && enough == SIZE_MAX) {
			bool seen[MAX_TERMS] = {false};
			size_t first = nw - 1;
			int distinct = 0;
			for (size_t j = nw; j-- > 0 && nw - j <= SNIP_WORDS - SNIP_BEFORE;) {
				if (w[j].term < 0)
					continue;
				first = j;
				if (!seen[w[j].term]) {
					seen[w[j].term] = true;
					distinct++;
				}
			}
			if (distinct == sn->n)
				enough =
				    (first < SNIP_BEFORE ? 0 : first - SNIP_BEFORE) + SNIP_WORDS;
		}
	}
	/* The passage: for each match, the window starting a little before
	 * it; ranked by distinct terms, then matches. */
	for (size_t k = 0; k < nw && !whole; k++) {
		bool seen[MAX_TERMS] = {false};
		int distinct = 0, hits = 0;
		if (w[k].term < 0)
			continue;
		for (size_t j = k; j < nw && j < k + SNIP_WORDS - SNIP_BEFORE; j++) {
			if (w[j].term < 0)
				continue;
			hits++;
			if (!seen[w[j].term]) {
				seen[w[j].term] = true;
				distinct++;
			}
		}
		if (distinct > best_distinct || (distinct == best_distinct && hits > best_hits)) {
			best_distinct = distinct;
			best_hits = hits;
			best = k;
		}
	}
	from = whole || best < SNIP_BEFORE ? 0 : best - SNIP_BEFORE;
	to = whole || from + SNIP_WORDS > nw ? nw : from + SNIP_WORDS;
	/* "fuera de plazo": one mark over up to two stop words between two
	 * marked words, when only spaces separate them. */
	for (size_t k = from; k < to; k++)
		w[k].in = w[k].term >= 0;
	for (size_t k = from + 1; k < to; k++) {
		size_t j = k;
		bool bridge = w[k - 1].in && !w[k].in;
		while (bridge && j < to && !w[j].in && j - k < 2)
			bridge = snip_stop(text, &w[j++], &word);
		if (!bridge || j == to || !w[j].in)
			continue;
		for (size_t m = k - 1; bridge && m < j; m++)
			for (size_t b = w[m].end; bridge && b < w[m + 1].start; b++)
				bridge = text[b] == ' ';
		for (size_t m = k; bridge && m < j; m++)
			w[m].in = true;
	}
	if (from > 0)
		buf_puts(&raw, "\xe2\x80\xa6");
	else if (nw)
		buf_append(&raw, text, w[0].start); /* "¿", a quote */
	for (size_t k = from; k < to; k++) {
		if (k > from && w[k - 1].in && !w[k].in)
			buf_putc(&raw, '\x02');
		if (k > from)
			buf_append(&raw, text + w[k - 1].end, w[k].start - w[k - 1].end);
		if (w[k].in && (k == from || !w[k - 1].in))
			buf_putc(&raw, '\x01');
		buf_append(&raw, text + w[k].start, w[k].end - w[k].start);
	}
	if (to > from && w[to - 1].in)
		buf_putc(&raw, '\x02');
	if (to > from && (to < nw || cut))
		buf_puts(&raw, "\xe2\x80\xa6");
	else if (to > from)
		buf_append(&raw, text + w[to - 1].end, n - w[to - 1].end); /* the last "." */
	put_html(html, raw.data, raw.len, true);
	free(w);
	buf_free(&word);
	buf_free(&stem);
	buf_free(&raw);
}
