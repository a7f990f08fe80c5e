/*
 * search.c - the FTS5 tokenizers, the query builder, ranking, snippets,
 * "¿Quisiste decir…?" and title suggestions.
 *
 * Words are runs of letters and digits (any script; accents and combining
 * marks included); everything else separates them. The same scanner
 * (scan_word) serves the tokenizers and the query parser, so a word the
 * parser emits always tokenizes to exactly one token: the expressions we
 * build never hold an empty or a split phrase.
 *
 * The "oficio" tokenizer folds each word (case, diacritics) and stems it.
 * In documents it also emits the folded surface form as a colocated token
 * when it differs from the stem, so a prefix query (which is folded but not
 * stemmed) matches what the user sees: "devoluc"* finds "devolución",
 * whose stem is "devolu". Colocated tokens do not count towards document
 * length, so bm25 is unaffected.
 *
 * Spanish folding loses the written accent that Snowball relies on to tell
 * "devolución" (stem "devolu") from "devolucion" (no rule fires), while
 * the plural "devoluciones" carries none. Before stemming we therefore
 * strip the plural of the accent-shifting -nes/-eses words and restore the
 * accent of a final -ion, so both spellings and the plural meet.
 *
 * Invariants: user text never reaches MATCH unparsed (every term is a
 * quoted string we built from scanned words); snippets are escaped before
 * the 0x01/0x02 markers become <mark> tags, and indexed text has those two
 * bytes replaced, so page text can never produce markup.
 *
 * Caveats: statements are prepared and finalized per call until db.c's
 * cache can be reached from here (the public API takes a bare sqlite3*);
 * the cost is a few tens of microseconds per search. A stemmer is not
 * thread-safe: each tokenizer instance and each connection's SQL function
 * owns one, and connections are per thread. search_run writes search_log,
 * so it takes the write lock briefly unless no_log is set.
 */
#include "search.h"

#include "buf.h"
#include "role.h"
#include "text.h"

#include <libstemmer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_QUERY_BYTES 2000 /* user text past this is ignored */
#define MAX_TERMS 32         /* words in one query, phrase words included */
#define MAX_TOKEN 64         /* bytes of a folded word; longer is not indexed */
#define MAX_RESULTS 100
#define MAX_OFFSET 10000 /* deeper pages are never read; bounds the sort */

/* Written once at start-up (search_set_language), read-only afterwards. */
static const char *stem_algorithm = "spanish";

int search_set_language(const char *lang)
{
	if (!lang)
		return -1;
	if (!strcmp(lang, "es") || !strcmp(lang, "spanish"))
		stem_algorithm = "spanish";
	else if (!strcmp(lang, "en") || !strcmp(lang, "english"))
		stem_algorithm = "english";
	else
		return -1;
	return 0;
}

/* ---- words ------------------------------------------------------------ */

/* Combining marks (NFD accents), soft hyphens and zero-width characters:
 * dropped inside a word ("devolucio\u0301n", "devo\u00adlución"), so they
 * neither split nor change it. */
static bool is_ignorable(uint32_t c)
{
	return (c >= 0x300 && c <= 0x36F) || (c >= 0x1AB0 && c <= 0x1AFF) ||
	       (c >= 0x1DC0 && c <= 0x1DFF) || (c >= 0x20D0 && c <= 0x20FF) ||
	       (c >= 0xFE20 && c <= 0xFE2F) || c == 0xAD || (c >= 0x200B && c <= 0x200D) ||
	       c == 0x2060 || c == 0xFEFF;
}

/* Letters and digits. Outside Latin-1 we list what is *not* a word
 * (punctuation, symbols, spaces, emoji, U+FFFD for bad bytes), which keeps
 * every script's letters searchable without Unicode tables. */
static bool is_word(uint32_t c)
{
	if (c < 0x80)
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
	if (c < 0xC0)
		return false; /* C1 controls, Latin-1 punctuation, ª º */
	if (c == 0xD7 || c == 0xF7)
		return false;
	if (c < 0x2B0)
		return true;
	if (c < 0x370) /* modifier letters and marks (see is_ignorable) */
		return false;
	if ((c >= 0x2000 && c <= 0x2BFF) || (c >= 0x2E00 && c <= 0x2E7F) ||
	    (c >= 0x3000 && c <= 0x303F) || (c >= 0xD800 && c <= 0xF8FF) ||
	    (c >= 0xFE00 && c <= 0xFE1F) || (c >= 0xFE30 && c <= 0xFE6F) ||
	    (c >= 0xFF00 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20) ||
	    (c >= 0xFF3B && c <= 0xFF40) || (c >= 0xFF5B && c <= 0xFF65) ||
	    (c >= 0xFFF0 && c <= 0xFFFF) || c == 0xFEFF || (c >= 0x1F000 && c <= 0x1FAFF) ||
	    c >= 0xE0000 || c == 0x37E || c == 0x387 || c == 0x589 || c == 0x5BE || c == 0x5C0 ||
	    c == 0x5C3 || c == 0x5C6 || c == 0x5F3 || c == 0x5F4 || (c >= 0x60C && c <= 0x60D) ||
	    c == 0x61B || c == 0x61F || (c >= 0x66A && c <= 0x66D))
		return false;
	return true;
}

/* Scan the word starting at s[*i] (a word character), appending its folded
 * form (ignorables dropped) to out; *i ends after the word. */
static void scan_word(const char *s, size_t n, size_t *i, struct buf *out)
{
	while (*i < n) {
		size_t at = *i;
		uint32_t c = text_utf8_next(s, n, i);
		if (is_ignorable(c))
			continue;
		if (!is_word(c)) {
			*i = at;
			break;
		}
		text_utf8_put(out, text_fold(c));
	}
}

static bool has_digit(const char *w, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (w[k] >= '0' && w[k] <= '9')
			return true;
	return false;
}

static bool is_vowel(char c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

/* ---- stemming --------------------------------------------------------- */

struct stemmer {
	struct sb_stemmer *sb; /* NULL: fold only */
	bool spanish;          /* apply the accent repair before Snowball */
};

static int stemmer_init(struct stemmer *st, const char *algorithm)
{
	st->spanish = !strcmp(algorithm, "spanish");
	st->sb = sb_stemmer_new(algorithm, "UTF_8");
	return st->sb ? 0 : -1;
}

/* Append the stem of the folded word w[0..n) to out. */
static void stem_append(struct stemmer *st, const char *w, size_t n, struct buf *out)
{
	char tmp[MAX_TOKEN + 2]; /* n <= MAX_TOKEN, and "ion" -> "ión" adds 1 */
	size_t len = n;
	const sb_symbol *r;

	if (!st->sb || n > MAX_TOKEN || has_digit(w, n)) {
		buf_append(out, w, n);
		return;
	}
	memcpy(tmp, w, n);
	if (st->spanish && len >= 5) {
		/* devoluciones -> devolucion, almacenes -> almacen, intereses
		 * -> interes: the singular's accent is lost by folding, so meet
		 * it there; then devolucion -> devolución for Snowball. */
		if ((!memcmp(tmp + len - 3, "nes", 3) && is_vowel(tmp[len - 4])) ||
		    !memcmp(tmp + len - 4, "eses", 4))
			len -= 2;
		if (len >= 5 && !memcmp(tmp + len - 3, "ion", 3)) {
			memcpy(tmp + len - 2, "\xc3\xb3n", 3);
			len++;
		}
	}
	r = sb_stemmer_stem(st->sb, (const sb_symbol *)tmp, (int)len);
	if (!r) {
		fputs("oficio: out of memory\n", stderr);
		abort();
	}
	if (sb_stemmer_length(st->sb) > 0)
		text_fold_str(out, (const char *)r, (size_t)sb_stemmer_length(st->sb));
	else
		buf_append(out, w, n);
}

/* ---- tokenizers ------------------------------------------------------- */

struct tokenizer {
	struct stemmer st;
};

static const bool tok_stem = true, tok_plain = false; /* user data */

/* Arguments: an optional language ("es", "en") overriding the process's. */
static int tok_create(void *ctx, const char **argv, int argc, Fts5Tokenizer **out)
{
	struct tokenizer *t;
	const char *algorithm = stem_algorithm;

	*out = NULL;
	if (argc > 1)
		return SQLITE_ERROR;
	if (argc == 1) {
		if (!strcmp(argv[0], "es"))
			algorithm = "spanish";
		else if (!strcmp(argv[0], "en"))
			algorithm = "english";
		else
			return SQLITE_ERROR;
	}
	t = xcalloc(1, sizeof(*t));
	if (*(const bool *)ctx && stemmer_init(&t->st, algorithm) != 0) {
		free(t);
		return SQLITE_ERROR;
	}
	*out = (Fts5Tokenizer *)t;
	return SQLITE_OK;
}

static void tok_delete(Fts5Tokenizer *p)
{
	struct tokenizer *t = (struct tokenizer *)p;

	if (t->st.sb)
		sb_stemmer_delete(t->st.sb);
	free(t);
}

/* Buffers are local, not in the tokenizer, so a nested call (FTS5 does not
 * make one today) could not clobber them; the stemmer's own buffer is
 * copied out before xToken runs. */
static int tok_tokenize(Fts5Tokenizer *p, void *ctx, int flags, const char *text, int ntext,
                        int (*xToken)(void *, int, const char *, int, int, int))
{
	struct tokenizer *t = (struct tokenizer *)p;
	struct buf word = BUF_INIT, stem = BUF_INIT;
	size_t n = ntext > 0 ? (size_t)ntext : 0, i = 0;
	bool document = flags & FTS5_TOKENIZE_DOCUMENT;
	/* snippet() and highlight() only count tokens and read their
	 * offsets, never their text: skip the stemmer there (most of a
	 * search's time otherwise). The same words are skipped, so the
	 * positions agree with the index. */
	bool fold_only = (flags & (FTS5_TOKENIZE_PREFIX | FTS5_TOKENIZE_AUX)) != 0;
	int rc = SQLITE_OK;

	while (i < n && rc == SQLITE_OK) {
		size_t start = i;
		uint32_t c = text_utf8_next(text, n, &i);
		if (!is_word(c))
			continue;
		i = start;
		buf_reset(&word);
		scan_word(text, n, &i, &word);
		if (word.len == 0 || word.len > MAX_TOKEN)
			continue;
		if (!t->st.sb || fold_only) {
			rc = xToken(ctx, 0, word.data, (int)word.len, (int)start, (int)i);
			continue;
		}
		buf_reset(&stem);
		stem_append(&t->st, word.data, word.len, &stem);
		rc = xToken(ctx, 0, stem.data, (int)stem.len, (int)start, (int)i);
		if (rc == SQLITE_OK && document &&
		    (stem.len != word.len || memcmp(stem.data, word.data, word.len)))
			rc = xToken(ctx, FTS5_TOKEN_COLOCATED, word.data, (int)word.len, (int)start,
			            (int)i);
	}
	buf_free(&word);
	buf_free(&stem);
	return rc;
}

/* oficio_key(text, stem): the folded words of text single-spaced, stemmed
 * when stem is true: "Devolución  tardía" -> "devolu tardi". Used to find
 * the exact title match and title prefixes. */
static void key_append(struct stemmer *st, const char *s, size_t n, bool stem, struct buf *out)
{
	struct buf word = BUF_INIT;
	size_t i = 0;

	while (i < n) {
		size_t start = i;
		if (!is_word(text_utf8_next(s, n, &i)))
			continue;
		i = start;
		buf_reset(&word);
		scan_word(s, n, &i, &word);
		if (word.len == 0 || word.len > MAX_TOKEN)
			continue;
		if (out->len)
			buf_putc(out, ' ');
		if (stem)
			stem_append(st, word.data, word.len, out);
		else
			buf_append(out, word.data, word.len);
	}
	buf_free(&word);
}

static void sql_key(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct buf out = BUF_INIT;
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	int n = sqlite3_value_bytes(argv[0]);

	(void)argc;
	if (s)
		key_append(sqlite3_user_data(ctx), s, (size_t)n, sqlite3_value_int(argv[1]) != 0,
		           &out);
	sqlite3_result_text(ctx, out.data, (int)out.len, SQLITE_TRANSIENT);
	buf_free(&out);
}

static void sql_key_free(void *p)
{
	struct stemmer *st = p;

	if (st && st->sb)
		sb_stemmer_delete(st->sb);
	free(st);
}

int search_register(sqlite3 *db)
{
	fts5_tokenizer tok = {tok_create, tok_delete, tok_tokenize}; /* copied */
	sqlite3_stmt *st = NULL;
	fts5_api *api = NULL;
	struct stemmer *fst;
	int rc;

	rc = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL);
	if (rc != SQLITE_OK)
		goto out;
	sqlite3_bind_pointer(st, 1, &api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	if (!api || api->iVersion < 2) {
		rc = SQLITE_ERROR;
		goto out;
	}
	rc = api->xCreateTokenizer(api, "oficio", (void *)&tok_stem, &tok, NULL);
	if (rc == SQLITE_OK)
		rc = api->xCreateTokenizer(api, "oficio_plain", (void *)&tok_plain, &tok, NULL);
	if (rc != SQLITE_OK)
		goto out;
	fst = xcalloc(1, sizeof(*fst));
	if (stemmer_init(fst, stem_algorithm) != 0) {
		free(fst);
		rc = SQLITE_ERROR;
		goto out;
	}
	/* SQLite calls sql_key_free on failure too. */
	rc = sqlite3_create_function_v2(db, "oficio_key", 2,
	                                SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, fst,
	                                sql_key, NULL, NULL, sql_key_free);
out:
	sqlite3_finalize(st);
	return rc;
}

/* ---- the query language ----------------------------------------------- */

enum term_op { T_WORD, T_PHRASE, T_PREFIX };

struct term {
	struct buf text; /* folded words, single-spaced */
	enum term_op op;
	bool neg;     /* -word: excluded */
	bool or_prev; /* joined to the previous positive term by OR */
	bool stop;    /* a lone stop word, dropped when others remain */
	bool next_to; /* typed right after the previous term (no repeat
	                 or overlong word dropped in between) */
};

struct parsed {
	struct term t[MAX_TERMS];
	int n;
};

static const char *const stop_es[] = {
    "a", "al",   "con", "de",  "del", "e",  "el",  "en", "la", "las", "lo", "los",
    "o", "para", "por", "que", "se",  "su", "sus", "u",  "un", "una", "y",  NULL,
};
static const char *const stop_en[] = {
    "a", "an", "and", "at", "by", "for", "in", "is", "of", "on", "or", "the", "to", "with", NULL,
};

static bool is_stop(const char *w)
{
	const char *const *list = strcmp(stem_algorithm, "english") ? stop_es : stop_en;

	for (; *list; list++)
		if (!strcmp(*list, w))
			return true;
	return false;
}

static void parsed_free(struct parsed *pq)
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
                     bool or_prev, bool quoted, bool *added)
{
	bool next_to = *added;
	struct term *t;

	for (int k = 0; k < pq->n; k++) {
		t = &pq->t[k];
		if (t->op == op && t->neg == neg && t->text.len == text->len &&
		    !memcmp(t->text.data, text->data, text->len))
			return *added = false;
	}
	t = &pq->t[pq->n++];
	buf_init(&t->text);
	buf_append(&t->text, text->data, text->len);
	t->op = op;
	t->neg = neg;
	t->or_prev = or_prev && !neg;
	t->stop = op == T_WORD && !neg && !quoted && is_stop(text->data);
	t->next_to = next_to;
	return *added = true;
}

/* The parser proper. Words count towards MAX_TERMS one by one, phrase words
 * and repeats included; words past the cap are ignored. OR joins the term
 * before it (when that one was kept and is positive) to the next. */
static void parse(const char *s, size_t len, struct parsed *pq)
{
	size_t n = len < MAX_QUERY_BYTES ? len : MAX_QUERY_BYTES, i = 0;
	int words = 0;
	bool neg = false, or_next = false, after_space = true, last_pos = false;
	bool added = false; /* the last word or phrase typed was kept */
	struct buf w = BUF_INIT, phrase = BUF_INIT;

	pq->n = 0;
	while (i < n && words < MAX_TERMS) {
		size_t at = i;
		uint32_t c = text_utf8_next(s, n, &i);

		if (c == '-' && after_space && i < n) {
			size_t j = i;
			uint32_t d = text_utf8_next(s, n, &j);
			neg = is_word(d) || d == '"';
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
				if (!is_word(d))
					continue;
				i = k;
				buf_reset(&w);
				scan_word(s, n, &i, &w);
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
			             or_next, true, &added) &&
			    !neg;
			neg = or_next = after_space = false;
			continue;
		}
		if (!is_word(c)) {
			after_space = is_space(c);
			neg = false;
			continue;
		}
		i = at;
		buf_reset(&w);
		scan_word(s, n, &i, &w);
		after_space = false;
		if (w.len == 0 || w.len > MAX_TOKEN) {
			neg = last_pos = added = false;
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
			if (text_utf8_len(w.data, w.len) >= 2)
				op = T_PREFIX;
		}
		last_pos = add_term(pq, &w, op, neg, or_next, false, &added) && !neg;
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

static void put_term(struct buf *b, const struct term *t)
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

/* The positive terms: groups ANDed (all) or every term ORed (any).
 * Returns false when there is none. */
static bool put_positive(const struct parsed *pq, bool any, struct buf *out)
{
	bool keep = only_stops(pq), first = true;

	for (int k = 0; k < pq->n; k++) {
		const struct term *t = &pq->t[k];
		bool next_or = k + 1 < pq->n && pq->t[k + 1].or_prev;
		if (t->neg || dropped(pq, k, keep))
			continue;
		if (!first)
			buf_puts(out, any || t->or_prev ? " OR " : " AND ");
		if (!any && !t->or_prev && next_or)
			buf_putc(out, '(');
		put_term(out, t);
		if (!any && t->or_prev && !next_or)
			buf_putc(out, ')');
		first = false;
	}
	return !first;
}

#define MAX_PAIRS 4 /* neighbour phrases added for ranking */
#define MAX_GAP 2   /* stop words a neighbour phrase may span */

/* Neighbouring words as typed, as phrases ORed: "devoluciones fuera de
 * plazo" gives "devoluciones fuera" OR "fuera de plazo". Only plain
 * positive words take part; anything else breaks the run. Returns how
 * many phrases were appended. */
static int put_pairs(const struct parsed *pq, struct buf *out)
{
	int prev = -1, gap = 0, pairs = 0;

	for (int k = 0; k < pq->n && pairs < MAX_PAIRS; k++) {
		const struct term *t = &pq->t[k];
		bool plain = t->op == T_WORD && !t->neg && !t->or_prev &&
		             !(k + 1 < pq->n && pq->t[k + 1].or_prev);
		if (!t->next_to)
			prev = -1;
		if (!plain) {
			prev = -1;
			continue;
		}
		if (t->stop) {
			if (++gap > MAX_GAP)
				prev = -1;
			continue;
		}
		if (prev >= 0) {
			buf_puts(out, pairs ? " OR \"" : "\"");
			for (int j = prev; j <= k; j++) {
				buf_append(out, pq->t[j].text.data, pq->t[j].text.len);
				buf_putc(out, j < k ? ' ' : '"');
			}
			pairs++;
		}
		prev = k;
		gap = 0;
	}
	return pairs;
}

/* Build the FTS5 expression, all or any, then NOT the excluded terms;
 * empty when no term is positive. Neighbour phrases only rank: in "any"
 * they are ORed (each implies its words); in "all" they sit in
 * "M AND (pairs OR M)", which matches exactly what M matches and gives
 * every term of M the same (doubled) weight. */
static void build_expr(const struct parsed *pq, bool any, struct buf *out)
{
	struct buf pos = BUF_INIT, pairs = BUF_INIT;
	bool has_neg = false, first = true;

	for (int k = 0; k < pq->n; k++)
		has_neg |= pq->t[k].neg;
	if (!put_positive(pq, any, &pos))
		goto out;
	if (has_neg)
		buf_putc(out, '(');
	if (put_pairs(pq, &pairs) == 0)
		buf_append(out, pos.data, pos.len);
	else if (any)
		buf_printf(out, "%s OR %s", pos.data, pairs.data);
	else
		buf_printf(out, "(%s) AND (%s OR (%s))", pos.data, pairs.data, pos.data);
	if (!has_neg)
		goto out;
	buf_puts(out, ") NOT (");
	for (int k = 0; k < pq->n; k++) {
		if (!pq->t[k].neg)
			continue;
		if (!first)
			buf_puts(out, " OR ");
		put_term(out, &pq->t[k]);
		first = false;
	}
	buf_putc(out, ')');
out:
	buf_free(&pos);
	buf_free(&pairs);
}

/* The normalised query in our own syntax, folded and single-spaced: it is
 * what the log keeps and what a suggestion shows, and it parses back to
 * the same terms. repl[k], when set, replaces the text of term k. */
static void render_norm(const struct parsed *pq, char *const *repl, struct buf *out)
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
		quote = t->op == T_PHRASE ||
		        (t->op == T_WORD && !t->neg && !t->stop && is_stop(t->text.data));
		if (quote)
			buf_putc(out, '"');
		buf_puts(out, repl && repl[k] ? repl[k] : t->text.data);
		if (quote)
			buf_putc(out, '"');
		if (t->op == T_PREFIX)
			buf_putc(out, '*');
	}
}

static bool has_positive(const struct parsed *pq)
{
	for (int k = 0; k < pq->n; k++)
		if (!pq->t[k].neg)
			return true;
	return false;
}

int search_parse(const char *q, size_t len, struct search_query *out)
{
	struct parsed pq;

	parse(q ? q : "", q ? len : 0, &pq);
	out->has_terms = has_positive(&pq);
	if (out->has_terms) {
		build_expr(&pq, false, out->all);
		build_expr(&pq, true, out->any);
	}
	render_norm(&pq, NULL, out->norm);
	parsed_free(&pq);
	return 0;
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

/* bm25() cannot sit in a window query, so the ranked matches are a
 * subquery and the outer query counts them. An exact title (the query's
 * words, stemmed, in order) comes first; stemming every matching title
 * costs more than the rest of the query, so only titles of a plausible
 * length (?12..?13 characters) are compared. */
static const char sql_search[] =
    "SELECT id, score, exact, count(*) OVER () FROM ("
    " SELECT pages_fts.rowid AS id,"
    "  bm25(pages_fts, 10.0, 4.0, 4.0, 1.0) AS score,"
    "  CASE WHEN length(p.title) BETWEEN ?12 AND ?13"
    "   THEN oficio_key(p.title, 1) = oficio_key(?2, 1) ELSE 0 END AS exact"
    " FROM pages_fts JOIN pages p ON p.id = pages_fts.rowid"
    " WHERE pages_fts MATCH ?1" VISIBLE ") ORDER BY exact DESC, score, id LIMIT ?10 OFFSET ?11";

static const char sql_count[] =
    "SELECT count(*) FROM pages_fts JOIN pages p ON p.id = pages_fts.rowid"
    " WHERE pages_fts MATCH ?1" VISIBLE;

static const char sql_snippet[] = "SELECT p.slug, p.title, p.kind, p.category, p.verified_at,"
                                  " snippet(pages_fts, 3, X'01', X'02', '\xe2\x80\xa6', 24),"
                                  " highlight(pages_fts, 0, X'01', X'02')"
                                  " FROM pages_fts JOIN pages p ON p.id = pages_fts.rowid"
                                  " WHERE pages_fts MATCH ?1 AND pages_fts.rowid = ?2";

static const char sql_log[] =
    "INSERT INTO search_log (at, query, hits, user_id) VALUES (?1, ?2, ?3, ?4)";

static const char sql_vocab_has[] = "SELECT 1 FROM words_vocab WHERE term = ?1";

static const char sql_vocab_near[] =
    "SELECT term, doc FROM words_vocab WHERE term >= ?1 AND term < ?2"
    " AND length(term) BETWEEN ?3 AND ?4";

static const char sql_suggest[] = "SELECT p.slug, p.title, p.kind"
                                  " FROM pages_fts JOIN pages p ON p.id = pages_fts.rowid"
                                  " WHERE pages_fts MATCH ?1" VISIBLE
                                  " ORDER BY oficio_key(p.title, 0) LIKE ?2 DESC, length(p.title),"
                                  "  bm25(pages_fts, 1.0, 0.0, 0.0, 0.0)"
                                  " LIMIT ?10";

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s && *s)
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

/* The number of visible matches of expr. Returns 0 or -1. */
static int count_matches(sqlite3 *db, const struct search_params *p, const char *expr,
                         long long *total)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	*total = 0;
	if (sqlite3_prepare_v2(db, sql_count, -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
	bind_visibility(st, p);
	if (sqlite3_step(st) != SQLITE_ROW)
		goto out;
	*total = sqlite3_column_int64(st, 0);
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

/* One ranked page of matches for expr (key: the words an exact title
 * has): up to limit hits from offset, and the total. Returns 0 or -1. */
static int run_query(sqlite3 *db, const struct search_params *p, const char *expr, const char *key,
                     int limit, int offset, struct hit *hits, int *nhits, long long *total)
{
	sqlite3_stmt *st = NULL;
	size_t chars = text_utf8_len(key, strlen(key)), words = 1;
	int rc = -1, step;

	for (const char *k = key; *k; k++)
		words += *k == ' ';
	*nhits = 0;
	*total = 0;
	if (sqlite3_prepare_v2(db, sql_search, -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	bind_visibility(st, p);
	sqlite3_bind_int(st, 10, limit);
	sqlite3_bind_int(st, 11, offset);
	/* A word's inflections differ by a few letters ("reclamar",
	 * "reclamaciones"); punctuation and spaces add some more. */
	sqlite3_bind_int64(st, 12, (long long)chars - 6 * (long long)words);
	sqlite3_bind_int64(st, 13, (long long)(chars + 6 * words + 10));
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		*total = sqlite3_column_int64(st, 3);
		hits[*nhits].id = sqlite3_column_int64(st, 0);
		hits[*nhits].score = -sqlite3_column_double(st, 1);
		(*nhits)++;
	}
	if (step != SQLITE_DONE)
		goto out;
	/* Past the last page the outer query has no row to count on. */
	if (*nhits == 0 && offset > 0 && count_matches(db, p, expr, total) != 0)
		goto out;
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

/* Append s[0..n) as HTML text: escaped, invalid UTF-8 as U+FFFD, NULs and
 * other C0 controls dropped; with marks, 0x01/0x02 (from snippet()) open
 * and close <mark>, always balanced. */
static void put_html(struct buf *b, const char *s, size_t n, bool marks)
{
	bool open = false;
	size_t i = 0;

	while (i < n) {
		size_t at = i;
		uint32_t c = text_utf8_next(s, n, &i);
		if (marks && c == 1 && !open) {
			buf_puts(b, "<mark>");
			open = true;
		} else if (marks && c == 2 && open) {
			buf_puts(b, "</mark>");
			open = false;
		} else if (c == 0xFFFD || (c >= 0x80 && c < 0xA0)) {
			/* not a bare text_utf8_put: c may stand for a bad byte */
			if (c == 0xFFFD)
				buf_puts(b, "\xef\xbf\xbd");
		} else if (c >= 0x20 || c == '\t' || c == '\n') {
			buf_html(b, s + at, i - at);
		}
	}
	if (open)
		buf_puts(b, "</mark>");
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
static int fill_results(sqlite3 *db, const char *expr, const struct hit *hits, int nhits,
                        json_t *results)
{
	sqlite3_stmt *st = NULL;
	struct buf html = BUF_INIT;
	int rc = -1;

	if (sqlite3_prepare_v2(db, sql_snippet, -1, &st, NULL) != SQLITE_OK)
		goto out;
	for (int k = 0; k < nhits; k++) {
		const char *snip;
		json_t *r;
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, hits[k].id);
		if (sqlite3_step(st) != SQLITE_ROW)
			goto out;
		/* The body's best passage (its start when only the title or tags
		 * matched); the highlighted title when there is no body. */
		snip = (const char *)sqlite3_column_text(st, 5);
		if (!snip || !*snip)
			snip = (const char *)sqlite3_column_text(st, 6);
		buf_reset(&html);
		if (snip)
			put_html(&html, snip, strlen(snip), true);
		r = json_object();
		json_object_set_new(r, "slug", jstr((const char *)sqlite3_column_text(st, 0)));
		json_object_set_new(r, "title", jstr((const char *)sqlite3_column_text(st, 1)));
		json_object_set_new(r, "kind", jstr((const char *)sqlite3_column_text(st, 2)));
		json_object_set_new(r, "category", jstr((const char *)sqlite3_column_text(st, 3)));
		json_object_set_new(r, "snippet", json_stringn(html.data, html.len));
		json_object_set_new(r, "score", json_real(hits[k].score));
		json_object_set_new(r, "verified_at",
		                    sqlite3_column_type(st, 4) == SQLITE_NULL
		                        ? json_null()
		                        : json_integer(sqlite3_column_int64(st, 4)));
		json_array_append_new(results, r);
	}
	rc = 0;
out:
	sqlite3_finalize(st);
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

/* The vocabulary word nearest to w (same first letter, at most 2 edits,
 * 1 for words of up to 4 letters; fewer edits first, then more pages), as
 * a malloc'd string; NULL when w is a known word or nothing is near. */
static char *nearest_word(sqlite3 *db, const char *w)
{
	sqlite3_stmt *st = NULL;
	size_t n = strlen(w), lead = 1;
	int max = text_utf8_len(w, n) <= 4 ? 1 : 2, best_d = max + 1;
	long long best_docs = 0;
	char *best = NULL, hi[8];
	bool known;

	if (sqlite3_prepare_v2(db, sql_vocab_has, -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, w, (int)n, SQLITE_STATIC);
	known = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	st = NULL;
	if (known)
		goto out;
	/* Every term sharing w's first code point: [lead, lead + 1). UTF-8
	 * lead and continuation bytes are below 0xFF, so + 1 cannot wrap. */
	while (lead < n && ((unsigned char)w[lead] & 0xC0) == 0x80)
		lead++;
	memcpy(hi, w, lead);
	hi[lead - 1]++;
	if (sqlite3_prepare_v2(db, sql_vocab_near, -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, w, (int)lead, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hi, (int)lead, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, (int)n - max);
	sqlite3_bind_int(st, 4, (int)n + max);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		int tn = sqlite3_column_bytes(st, 0);
		long long docs = sqlite3_column_int64(st, 1);
		int d;
		if (!t || has_digit(t, (size_t)tn))
			continue;
		d = distance(w, (int)n, t, tn, best_d < max ? best_d : max);
		if (d > max || d > best_d || (d == best_d && docs <= best_docs))
			continue;
		free(best);
		best = xstrndup(t, (size_t)tn);
		best_d = d;
		best_docs = docs;
	}
out:
	sqlite3_finalize(st);
	return best;
}

/* "¿Quisiste decir…?": the query with each unknown word replaced by its
 * nearest known word, when that finds more pages with all the words than
 * the query did (total); counting under the searcher's visibility keeps
 * words of pages they may not see out of it. A malloc'd string or NULL. */
static char *suggestion(sqlite3 *db, const struct search_params *p, const struct parsed *pq,
                        long long total)
{
	char *repl[MAX_TERMS] = {NULL};
	struct buf text = BUF_INIT, all = BUF_INIT;
	struct parsed fixed = {.n = 0};
	long long found = 0;
	char *result = NULL;
	bool changed = false;

	for (int k = 0; k < pq->n; k++) {
		const struct term *t = &pq->t[k];
		if (t->neg || t->stop || t->op != T_WORD ||
		    text_utf8_len(t->text.data, t->text.len) < 3 ||
		    has_digit(t->text.data, t->text.len))
			continue;
		repl[k] = nearest_word(db, t->text.data);
		changed |= repl[k] != NULL;
	}
	if (!changed)
		goto out;
	render_norm(pq, repl, &text);
	parse(text.data, text.len, &fixed);
	build_expr(&fixed, false, &all);
	if (!all.len || count_matches(db, p, all.data, &found) != 0)
		goto out;
	if (found > total)
		result = buf_detach(&text);
out:
	for (int k = 0; k < pq->n; k++)
		free(repl[k]);
	parsed_free(&fixed);
	buf_free(&text);
	buf_free(&all);
	return result;
}

/* The positive words in order: what an exact title match is compared to. */
static void title_key(const struct parsed *pq, struct buf *out)
{
	for (int k = 0; k < pq->n; k++) {
		if (pq->t[k].neg)
			continue;
		if (out->len)
			buf_putc(out, ' ');
		buf_append(out, pq->t[k].text.data, pq->t[k].text.len);
	}
}

static void log_search(sqlite3 *db, const struct search_params *p, const char *norm, long long hits)
{
	sqlite3_stmt *st = NULL;

	if (p->no_log || !*norm)
		return;
	/* A search that cannot be logged (busy writer, read-only file) still
	 * answers: the log is a report's input, not the user's business. */
	if (sqlite3_prepare_v2(db, sql_log, -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)time(NULL));
	sqlite3_bind_text(st, 2, norm, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, hits);
	if (p->log_user && p->user_id > 0)
		sqlite3_bind_int64(st, 4, p->user_id);
	if (sqlite3_step(st) != SQLITE_DONE)
		fprintf(stderr, "oficio: search log: %s\n", sqlite3_errmsg(db));
	sqlite3_finalize(st);
}

json_t *search_run(sqlite3 *db, const struct search_params *p)
{
	struct buf all = BUF_INIT, any = BUF_INIT, norm = BUF_INIT, key = BUF_INIT;
	struct hit hits[MAX_RESULTS];
	struct parsed pq = {.n = 0};
	int limit = p->limit, offset = p->offset, nhits = 0;
	long long total = 0, total_all = 0;
	bool fallback = false;
	json_t *res = NULL, *results = json_array();
	char *sugg = NULL;

	if (limit < 1)
		limit = 1;
	if (limit > MAX_RESULTS)
		limit = MAX_RESULTS;
	if (offset < 0)
		offset = 0;
	if (offset > MAX_OFFSET)
		offset = MAX_OFFSET;
	parse(p->q ? p->q : "", p->q ? strlen(p->q) : 0, &pq);
	render_norm(&pq, NULL, &norm);
	if (has_positive(&pq)) {
		build_expr(&pq, false, &all);
		build_expr(&pq, true, &any);
		title_key(&pq, &key);
		if (run_query(db, p, all.data, key.data, limit, offset, hits, &nhits, &total) != 0)
			goto out;
		total_all = total;
		if (total == 0 && strcmp(all.data, any.data)) {
			if (run_query(db, p, any.data, key.data, limit, offset, hits, &nhits,
			              &total) != 0)
				goto out;
			fallback = total > 0;
		}
		if (fill_results(db, fallback ? any.data : all.data, hits, nhits, results) != 0)
			goto out;
		if (total_all < 3)
			sugg = suggestion(db, p, &pq, total_all);
	}
	log_search(db, p, norm.data, total);
	res = json_object();
	json_object_set_new(res, "total", json_integer(total));
	json_object_set_new(res, "results", results);
	results = NULL;
	json_object_set_new(res, "fallback", json_boolean(fallback));
	json_object_set_new(res, "suggestion", sugg ? jstr(sugg) : json_null());
out:
	json_decref(results);
	free(sugg);
	parsed_free(&pq);
	buf_free(&all);
	buf_free(&any);
	buf_free(&norm);
	buf_free(&key);
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
	buf_puts(&expr, "{title} : (");
	while (i < n && words < SUGGEST_WORDS) {
		size_t at = i;
		if (!is_word(text_utf8_next(q, n, &i)))
			continue;
		i = at;
		buf_reset(&w);
		scan_word(q, n, &i, &w);
		if (w.len == 0 || w.len > MAX_TOKEN)
			continue;
		if (words++)
			buf_puts(&expr, " AND ");
		buf_putc(&expr, '"');
		buf_append(&expr, w.data, w.len);
		buf_putc(&expr, '"');
		/* The word being typed is a prefix; finished ones are words. */
		if (i >= n)
			buf_putc(&expr, '*');
		if (like.len)
			buf_putc(&like, ' ');
		buf_append(&like, w.data, w.len);
	}
	buf_puts(&expr, ")");
	buf_putc(&like, '%');
	if (words == 0 || (words == 1 && text_utf8_len(w.data, w.len) < 2)) {
		out = res; /* too little typed: nothing to suggest yet */
		res = NULL;
		goto out;
	}
	if (sqlite3_prepare_v2(db, sql_suggest, -1, &st, NULL) != SQLITE_OK)
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
	sqlite3_finalize(st);
	json_decref(res);
	buf_free(&expr);
	buf_free(&like);
	buf_free(&w);
	return out;
}

/* ---- indexing --------------------------------------------------------- */

/* External-content FTS5 tables do not follow page_text: the old row must
 * be deleted from each index with exactly the values it was indexed with,
 * before page_text changes. */
static const char *const sql_index[] = {
    "SAVEPOINT search_index",
    "INSERT INTO pages_fts (pages_fts, rowid, title, headings, tags, body)"
    " SELECT 'delete', id, title, headings, tags, body FROM page_text"
    " WHERE id = ?1",
    "INSERT INTO words_fts (words_fts, rowid, title, headings, tags, body)"
    " SELECT 'delete', id, title, headings, tags, body FROM page_text"
    " WHERE id = ?1",
    "INSERT INTO page_text (id, title, headings, tags, body)"
    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO UPDATE SET"
    " title = excluded.title, headings = excluded.headings,"
    " tags = excluded.tags, body = excluded.body",
    "INSERT INTO pages_fts (rowid, title, headings, tags, body)"
    " SELECT id, title, headings, tags, body FROM page_text WHERE id = ?1",
    "INSERT INTO words_fts (rowid, title, headings, tags, body)"
    " SELECT id, title, headings, tags, body FROM page_text WHERE id = ?1",
    "RELEASE search_index",
};

/* A copy of s with the snippet marker bytes 0x01 and 0x02 made spaces. */
static char *unmarked(const char *s)
{
	char *c = xstrdup(s ? s : "");

	for (char *p = c; *p; p++)
		if (*p == 1 || *p == 2)
			*p = ' ';
	return c;
}

int search_index_page(sqlite3 *db, long long page_id, const char *title, const char *headings,
                      const char *tags, const char *body)
{
	char *v[4] = {unmarked(title), unmarked(headings), unmarked(tags), unmarked(body)};
	size_t nsql = sizeof(sql_index) / sizeof(sql_index[0]);
	sqlite3_stmt *st = NULL;
	int rc = -1;

	for (size_t k = 0; k < nsql; k++) {
		int nparams;
		if (sqlite3_prepare_v2(db, sql_index[k], -1, &st, NULL) != SQLITE_OK)
			goto out;
		nparams = sqlite3_bind_parameter_count(st);
		if (nparams >= 1)
			sqlite3_bind_int64(st, 1, page_id);
		for (int j = 2; j <= nparams && j <= 5; j++)
			sqlite3_bind_text(st, j, v[j - 2], -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
		sqlite3_finalize(st);
		st = NULL;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	if (rc != 0) {
		/* Undo our part only; the caller's transaction decides the rest. */
		sqlite3_exec(db, "ROLLBACK TO search_index; RELEASE search_index", NULL, NULL,
		             NULL);
	}
	for (int k = 0; k < 4; k++)
		free(v[k]);
	return rc;
}

int search_rebuild(sqlite3 *db)
{
	return sqlite3_exec(db,
	                    "SAVEPOINT search_rebuild;"
	                    "INSERT INTO pages_fts (pages_fts) VALUES ('rebuild');"
	                    "INSERT INTO words_fts (words_fts) VALUES ('rebuild');"
	                    "RELEASE search_rebuild",
	                    NULL, NULL, NULL) == SQLITE_OK
	           ? 0
	           : -1;
}
