/*
 * search_tokenize.c - words, stemming and the FTS5 tokenizers: the word
 * scanner every part of the search shares (search_scan_word), the
 * Snowball stemmer with its Spanish repairs and its cache, the "oficio"
 * and "oficio_plain" tokenizers, the oficio_key() SQL function, and
 * search_register, which installs them (and search_rank.c's ranking
 * function) on a connection. search.c runs the searches; search_int.h is
 * what the files of the search share.
 *
 * Words are runs of letters and digits (any script; accents and combining
 * marks included); everything else separates them. The same scanner
 * (search_scan_word) serves the tokenizers, the query parser and the
 * snippets, so a word the parser emits always tokenizes to exactly one
 * token: the expressions we build never hold an empty or a split phrase.
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
 * accent of a final -ion, so both spellings and the plural meet. After
 * Snowball, the stems of common stem-changing verbs ("muestra", "cierra",
 * "devuelve") are mapped to their infinitive's ("mostrar"...).
 *
 * Invariant: a word is what search_scan_word reads, everywhere; words
 * longer than MAX_TOKEN bytes are never indexed.
 *
 * Caveats: a stemmer is not thread-safe: each tokenizer instance, each
 * connection's SQL function and each thread's snippet maker owns one
 * (search.c keeps the snippets' stemmer with its per-thread statement
 * cache, made and freed here by search_stemmer_new/search_stemmer_free).
 * search_stem_algorithm is written only at start-up (search_set_language).
 */
#include "search.h"
#include "search_int.h"

#include "buf.h"
#include "text.h"

#include <libstemmer.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Written once at start-up (search_set_language), read-only afterwards. */
const char *search_stem_algorithm = "spanish";

int search_set_language(const char *lang)
{
	if (!lang)
		return -1;
	if (!strcmp(lang, "es") || !strcmp(lang, "spanish"))
		search_stem_algorithm = "spanish";
	else if (!strcmp(lang, "en") || !strcmp(lang, "english"))
		search_stem_algorithm = "english";
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
bool search_is_word(uint32_t c)
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

/* Byte classes of the word scanners: BYTE_WORD an ASCII letter or digit,
 * BYTE_UPPER a capital (with BYTE_WORD), BYTE_HIGH not ASCII. */
enum { BYTE_WORD = 1, BYTE_UPPER = 2, BYTE_HIGH = 4 };
static const unsigned char byte_class[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
	0, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 0, 0, 0, 0,
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
};

static bool is_ascii_word(unsigned char b)
{
	return byte_class[b] & BYTE_WORD;
}

/* Append s[0..n), ASCII letters and digits, lowered, to out. Returns
 * buf_grow's result. */
static int append_ascii_lower(struct buf *out, const unsigned char *s, size_t n)
{
	if (buf_grow(out, n) != 0)
		return -1;
	for (size_t k = 0; k < n; k++)
		out->data[out->len++] = (char)(byte_class[s[k]] & BYTE_UPPER ? s[k] + 32 : s[k]);
	out->data[out->len] = '\0';
	return 0;
}

size_t search_ascii_run(const char *s, size_t n, size_t i)
{
	while (i < n && is_ascii_word((unsigned char)s[i]))
		i++;
	return i;
}

/* Scan the word starting at s[*i] (a word character), appending its folded
 * form (ignorables dropped) to out; *i ends after the word. */
void search_scan_word(const char *s, size_t n, size_t *i, struct buf *out)
{
	while (*i < n) {
		/* Runs of ASCII letters and digits, most of any Spanish text,
		 * are folded in one go (indexing time). */
		size_t at = *i, run = search_ascii_run(s, n, at);
		uint32_t c;
		if (run > at) {
			append_ascii_lower(out, (const unsigned char *)s + at, run - at);
			*i = run;
			if (run == n || (unsigned char)s[run] < 0x80)
				break; /* ASCII punctuation or space */
		}
		at = *i;
		c = text_utf8_next(s, n, i);
		if (is_ignorable(c))
			continue;
		if (!search_is_word(c)) {
			*i = at;
			break;
		}
		text_utf8_put(out, text_fold(c));
	}
}

bool search_next_word(const char *s, size_t n, size_t *i, size_t *start, struct buf *word)
{
	while (*i < n) {
		size_t at = *i;
		unsigned char b = (unsigned char)s[at];
		/* ASCII spaces and punctuation, most separators, in one step. */
		if (b < 0x80 && !is_ascii_word(b)) {
			(*i)++;
			continue;
		}
		if (!search_is_word(text_utf8_next(s, n, i)))
			continue;
		*i = at;
		buf_reset(word);
		search_scan_word(s, n, i, word);
		if (word->len == 0 || word->len > MAX_TOKEN)
			continue;
		if (start)
			*start = at;
		return true;
	}
	return false;
}

/* search_next_word for the indexing hot paths: a run of ASCII letters
 * and digits that ends in ASCII (most words of Spanish text) is folded
 * here: in place, without a copy, when it has no capital, else lowered
 * into buf; any other word is scanned into buf by search_next_word. The
 * word is *w, *wn bytes; words over MAX_TOKEN are skipped as
 * search_next_word skips them. */
static bool next_word_in_place(const char *s, size_t n, size_t *i, size_t *start,
                               struct buf *buf, const char **w, size_t *wn)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t at = *i, j;

	for (;; at = j) {
		unsigned upper = 0;
		/* ASCII spaces and punctuation, most separators. */
		while (at < n && !byte_class[p[at]])
			at++;
		for (j = at; j < n && (byte_class[p[j]] & BYTE_WORD); j++)
			upper |= byte_class[p[j]];
		if (j == at || (j < n && (byte_class[p[j]] & BYTE_HIGH)))
			break; /* the end, or a word with more than ASCII */
		if (j - at > MAX_TOKEN)
			continue;
		*i = j;
		*start = at;
		*wn = j - at;
		if (!(upper & BYTE_UPPER)) {
			*w = s + at;
			return true;
		}
		buf_reset(buf);
		if (append_ascii_lower(buf, p + at, j - at) != 0)
			return false;
		*w = buf->data;
		return true;
	}
	*i = at;
	if (!search_next_word(s, n, i, start, buf))
		return false;
	*w = buf->data;
	*wn = buf->len;
	return true;
}

bool search_has_digit(const char *w, size_t n)
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

/* Stem-changing verbs: Snowball stems "muestra" to "muestr" and "mostrar"
 * to "mostr", so a search for what to do ("mostrar", "devolver",
 * "cerrar la caja") missed the page that says what it does ("muestra",
 * "devuelve", "cierra"). The stems of the changed forms of the common
 * ones are mapped to the infinitive's stem. A list rather than a rule
 * (ue -> o, ie -> e): the rule would also merge "tienda" with "tender"
 * and "puerta" with "portar"; and not "cuenta", mostly the noun ("la
 * cuenta del cliente", "tener en cuenta"), not "contar". Snowball also
 * takes the present of the -arar verbs for an -ara subjunctive
 * ("compara" -> "comp", "comparar" -> "compar"): those four are here
 * too. Sorted by the first column (bsearch). */
static const char *const verb_stems[][2] = {
    {"acuerd", "acord"},     {"acuest", "acost"},     {"adviert", "advert"},
    {"almuerz", "almorz"},   {"atiend", "atend"},     {"calient", "calent"},
    {"cierr", "cerr"},       {"comienz", "comenz"},   {"comp", "compar"},
    {"consig", "consegu"},   {"conviert", "convert"}, {"corrig", "correg"},
    {"cuest", "cost"},       {"decl", "declar"},      {"defiend", "defend"},
    {"demuestr", "demostr"}, {"despid", "desped"},    {"despiert", "despert"},
    {"devuelv", "devolv"},   {"duerm", "dorm"},       {"elig", "eleg"},
    {"empiez", "empez"},     {"enciend", "encend"},   {"encuentr", "encontr"},
    {"entiend", "entend"},   {"extiend", "extend"},   {"impid", "imped"},
    {"jueg", "jug"},         {"mid", "med"},          {"mient", "ment"},
    {"muestr", "mostr"},     {"muev", "mov"},         {"nieg", "neg"},
    {"pid", "ped"},          {"piens", "pens"},       {"pierd", "perd"},
    {"prefier", "prefer"},   {"prep", "prepar"},      {"prueb", "prob"},
    {"pued", "pod"},         {"quier", "quer"},       {"recuerd", "record"},
    {"refier", "refer"},     {"repit", "repet"},      {"requier", "requer"},
    {"resuelv", "resolv"},   {"sep", "separ"},        {"sient", "sent"},
    {"sig", "segu"},         {"sirv", "serv"},        {"tien", "ten"},
    {"vien", "ven"},         {"vuelv", "volv"},
};

static int verb_cmp(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

/* Replace the stem at out->data + start with its infinitive's stem. */
static void unify_verb(struct buf *out, size_t start)
{
	const char *const *hit;
	size_t n = sizeof(verb_stems) / sizeof(verb_stems[0]);

	if (out->len - start > 8)
		return;
	hit = bsearch(out->data + start, verb_stems, n, sizeof(verb_stems[0]), verb_cmp);
	if (!hit)
		return;
	buf_truncate(out, start);
	buf_puts(out, hit[1]);
}

/* Append the stem of the folded word w[0..n) to out. */
static void stem_append(struct stemmer *st, const char *w, size_t n, struct buf *out)
{
	char tmp[MAX_TOKEN + 2]; /* n <= MAX_TOKEN, and "ion" -> "ión" adds 1 */
	size_t len = n, start;
	const sb_symbol *r;

	if (!st->sb || n > MAX_TOKEN || search_has_digit(w, n)) {
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
		/* repetidamente -> repetida, as Snowball stems the adjective
		 * ("repet") but cuts the adverb elsewhere ("repetid"). */
		if (len >= 9 && !memcmp(tmp + len - 6, "amente", 6))
			len -= 5;
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
	if (sb_stemmer_length(st->sb) <= 0) {
		buf_append(out, w, n);
		return;
	}
	start = out->len;
	text_fold_str(out, (const char *)r, (size_t)sb_stemmer_length(st->sb));
	if (st->spanish)
		unify_verb(out, start);
}

/* ---- tokenizers ------------------------------------------------------- */

/* Stems of recent words: indexing a page stems every word, and most are
 * words seen moments ago ("el", "archivo", "cliente"); Snowball was a
 * fifth of an import's time. Direct-mapped by a hash of the word; words
 * longer than STEM_WORD bytes are stemmed every time. */
#define STEM_SLOTS 2048
#define STEM_WORD 31

struct stem_slot {
	unsigned char wlen, slen; /* wlen 0: empty */
	char w[STEM_WORD];
	char s[STEM_WORD + 8]; /* the verb table can lengthen a stem by 2 */
};

struct tokenizer {
	struct stemmer st;
	struct stem_slot *cache; /* STEM_SLOTS, when stemming */
};

/* Append the stem of the folded word w[0..n) to out, through the cache. */
void search_stem_cached(struct tokenizer *t, const char *w, size_t n, struct buf *out)
{
	struct stem_slot *e;
	size_t start = out->len;

	if (n > STEM_WORD) {
		stem_append(&t->st, w, n, out);
		return;
	}
	e = &t->cache[text_hash(w, n) & (STEM_SLOTS - 1)];
	if (e->wlen == n && !memcmp(e->w, w, n)) {
		buf_append(out, e->s, e->slen);
		return;
	}
	stem_append(&t->st, w, n, out);
	if (out->len - start <= sizeof(e->s)) {
		e->wlen = (unsigned char)n;
		memcpy(e->w, w, n);
		e->slen = (unsigned char)(out->len - start);
		memcpy(e->s, out->data + start, e->slen);
	}
}

static const bool tok_stem = true, tok_plain = false; /* user data */

/* Arguments: an optional language ("es", "en") overriding the process's. */
static int tok_create(void *ctx, const char **argv, int argc, Fts5Tokenizer **out)
{
	struct tokenizer *t;
	const char *algorithm = search_stem_algorithm;

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
	if (*(const bool *)ctx) {
		if (stemmer_init(&t->st, algorithm) != 0) {
			free(t);
			return SQLITE_ERROR;
		}
		t->cache = xcalloc(STEM_SLOTS, sizeof(*t->cache));
	}
	*out = (Fts5Tokenizer *)t;
	return SQLITE_OK;
}

static void tok_delete(Fts5Tokenizer *p)
{
	struct tokenizer *t = (struct tokenizer *)p;

	if (t->st.sb)
		sb_stemmer_delete(t->st.sb);
	free(t->cache);
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
	size_t start, wn;
	const char *w;

	while (rc == SQLITE_OK && next_word_in_place(text, n, &i, &start, &word, &w, &wn)) {
		if (!t->st.sb || fold_only) {
			rc = xToken(ctx, 0, w, (int)wn, (int)start, (int)i);
			continue;
		}
		buf_reset(&stem);
		search_stem_cached(t, w, wn, &stem);
		rc = xToken(ctx, 0, stem.data, (int)stem.len, (int)start, (int)i);
		if (rc == SQLITE_OK && document && (stem.len != wn || memcmp(stem.data, w, wn)))
			rc = xToken(ctx, FTS5_TOKEN_COLOCATED, w, (int)wn, (int)start, (int)i);
	}
	buf_free(&word);
	buf_free(&stem);
	return rc;
}

/* oficio_key(text, stem): the folded words of text single-spaced, stemmed
 * when stem is true: "Devolución  tardía" -> "devolu tardi". Used to find
 * title prefixes (search_suggest). */
static void key_append(struct stemmer *st, const char *s, size_t n, bool stem, struct buf *out)
{
	struct buf word = BUF_INIT;
	size_t i = 0;

	while (search_next_word(s, n, &i, NULL, &word)) {
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

/* oficio_words(text, ...): the distinct folded words of its arguments,
 * in the order they first appear, single-spaced. words_fts indexes that
 * instead of the text (search.c): the vocabulary and its page counts are
 * the same, for a tenth of the tokens of a long page. Deterministic: the
 * 'delete' of the old row passes the same words again. */
#define WORDS_MIN_SLOTS 1024

/* An open-addressing set of the distinct words written to out: offset +
 * 1 in out (0: empty), length and hash. */
struct word_set {
	struct word_slot {
		uint32_t off, len, hash;
	} *slot;
	size_t cap, used;
	struct buf out;
	struct buf word; /* next_word_in_place's scratch */
};

/* Append w to the set's out (space-separated) unless it is there. */
static void word_set_add(struct word_set *ws, const char *w, size_t n)
{
	uint32_t h = text_hash(w, n);
	size_t k;

	for (k = h & (ws->cap - 1); ws->slot[k].off; k = (k + 1) & (ws->cap - 1))
		if (ws->slot[k].hash == h && ws->slot[k].len == n &&
		    !memcmp(ws->out.data + ws->slot[k].off - 1, w, n))
			return; /* seen */
	if (ws->out.len)
		buf_putc(&ws->out, ' ');
	ws->slot[k] = (struct word_slot){(uint32_t)ws->out.len + 1, (uint32_t)n, h};
	buf_append(&ws->out, w, n);
	if (++ws->used * 2 > ws->cap) {
		/* Grow: every word kept, in its new place. */
		struct word_slot *old = ws->slot;
		size_t ocap = ws->cap;
		ws->cap *= 2;
		ws->slot = xcalloc(ws->cap, sizeof(*ws->slot));
		for (size_t o = 0; o < ocap; o++) {
			if (!old[o].off)
				continue;
			k = old[o].hash & (ws->cap - 1);
			while (ws->slot[k].off)
				k = (k + 1) & (ws->cap - 1);
			ws->slot[k] = old[o];
		}
		free(old);
	}
}

static void word_set_init(struct word_set *ws)
{
	*ws = (struct word_set){.cap = WORDS_MIN_SLOTS, .out = BUF_INIT, .word = BUF_INIT};
	ws->slot = xcalloc(ws->cap, sizeof(*ws->slot));
}

static void word_set_free(struct word_set *ws)
{
	free(ws->slot);
	buf_free(&ws->out);
	buf_free(&ws->word);
}

/* Add the words of s[0..n) (none when s is NULL) to ws. */
static void word_set_scan(struct word_set *ws, const char *s, size_t n)
{
	size_t i = 0, start, wn;
	const char *w;

	while (s && next_word_in_place(s, n, &i, &start, &ws->word, &w, &wn))
		word_set_add(ws, w, wn);
}

void search_words(const char *const *texts, int ntexts, struct buf *out)
{
	struct word_set ws;

	word_set_init(&ws);
	for (int a = 0; a < ntexts; a++)
		word_set_scan(&ws, texts[a], texts[a] ? strlen(texts[a]) : 0);
	buf_append(out, ws.out.data ? ws.out.data : "", ws.out.len);
	word_set_free(&ws);
}

static void sql_words(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct word_set ws;

	word_set_init(&ws);
	for (int a = 0; a < argc; a++)
		word_set_scan(&ws, (const char *)sqlite3_value_text(argv[a]),
		              (size_t)sqlite3_value_bytes(argv[a]));
	sqlite3_result_text(ctx, ws.out.len ? ws.out.data : "", (int)ws.out.len, SQLITE_TRANSIENT);
	word_set_free(&ws);
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
	if (rc == SQLITE_OK)
		rc = search_rank_register(api);
	if (rc != SQLITE_OK)
		goto out;
	fst = xcalloc(1, sizeof(*fst));
	if (stemmer_init(fst, search_stem_algorithm) != 0) {
		free(fst);
		rc = SQLITE_ERROR;
		goto out;
	}
	/* SQLite calls sql_key_free on failure too. */
	rc = sqlite3_create_function_v2(db, "oficio_key", 2,
	                                SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, fst,
	                                sql_key, NULL, NULL, sql_key_free);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_function_v2(db, "oficio_words", -1,
		                                SQLITE_UTF8 | SQLITE_DETERMINISTIC |
		                                    SQLITE_INNOCUOUS,
		                                NULL, sql_words, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_function_v2(db, "oficio_published", 2,
		                                SQLITE_UTF8 | SQLITE_INNOCUOUS, NULL,
		                                search_published_fn, NULL, NULL, NULL);
out:
	sqlite3_finalize(st);
	return rc;
}

/* ---- the snippets' stemmer -------------------------------------------- */

struct tokenizer *search_stemmer_new(void)
{
	struct tokenizer *t = xcalloc(1, sizeof(*t));

	if (stemmer_init(&t->st, search_stem_algorithm) != 0) {
		fputs("oficio: no stemmer\n", stderr);
		abort();
	}
	t->cache = xcalloc(STEM_SLOTS, sizeof(*t->cache));
	return t;
}

void search_stemmer_free(struct tokenizer *t)
{
	tok_delete((Fts5Tokenizer *)t);
}
