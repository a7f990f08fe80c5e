/*
 * search_int.h - what the files of the search share, and nothing else
 * includes: the word scanner and the stemmer (search_tokenize.c), the
 * per-thread snippet stemmer (search.c), the parsed query and the expressions built from it (search_query.c), and
 * the snippet maker (search_snippet.c). The search API is search.h.
 *
 * Invariant: a word is what search_scan_word reads, in the tokenizers,
 * the query parser and the snippets alike: a word the parser emits
 * tokenizes to exactly one token, and what matched is what is marked.
 *
 * Caveat: a struct tokenizer (a stemmer) is not thread-safe; the one
 * search_thread_stemmer returns, and any struct snipper holding it,
 * belongs to the calling thread.
 */
#ifndef OFICIO_SEARCH_INT_H
#define OFICIO_SEARCH_INT_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAX_TERMS 32 /* words in one query, phrase words included */
#define MAX_TOKEN 64 /* bytes of a folded word; longer is not indexed */
/* Letters a prefix (pala*) needs: pages_fts has no prefix index (schema
 * 003), and FTS5 merges every word the prefix starts; with fewer letters,
 * most of the vocabulary. */
#define MIN_PREFIX 3

/* ---- search_tokenize.c: words and stems ---- */

/* The Snowball algorithm, "spanish" or "english": written once at
 * start-up (search_set_language), read-only afterwards. */
extern const char *search_stem_algorithm;

/* Whether code point c belongs to a word (letters and digits, any
 * script). */
bool search_is_word(uint32_t c);

/* Scan the word starting at s[*i] (a word character, search_is_word),
 * appending its folded form (case and diacritics removed, combining marks
 * and zero-width characters dropped) to out; *i ends after the word. */
void search_scan_word(const char *s, size_t n, size_t *i, struct buf *out);

/* The end of the run of ASCII letters and digits from s[i]: where
 * search_scan_word would stop when the byte there is ASCII (or i == n). */
size_t search_ascii_run(const char *s, size_t n, size_t i);

/* The next indexed word of s[0..n) from *i on: what is not a word is
 * skipped, and so are words of more than MAX_TOKEN bytes; word gets the
 * folded word (search_scan_word), *start (if not NULL) its first byte and
 * *i the byte after it. False at the end of s. */
bool search_next_word(const char *s, size_t n, size_t *i, size_t *start, struct buf *word);

/* Whether the n bytes at w hold an ASCII digit (such words are not
 * stemmed, nor corrected). */
bool search_has_digit(const char *w, size_t n);

/* Append the distinct folded words of the ntexts texts (NULL ones
 * skipped) to out, single-spaced, in order of first appearance: what
 * oficio_words() returns for them. */
void search_words(const char *const *texts, int ntexts, struct buf *out);

struct tokenizer; /* a stemmer with a cache of recent stems */

/* Append the stem of the folded word w[0..n) to out, as the "oficio"
 * tokenizer indexes it. */
void search_stem_cached(struct tokenizer *t, const char *w, size_t n, struct buf *out);

/* A new stemmer for search_stem_algorithm, with its cache; aborts when
 * the language has no stemmer. Free it with search_stemmer_free. */
struct tokenizer *search_stemmer_new(void);

/* Free t (from search_stemmer_new). */
void search_stemmer_free(struct tokenizer *t);

/* ---- search.c: the snippets' stemmer ---- */

/* This thread's stemmer for the snippets, made on first use (aborts when
 * the language has no stemmer) and freed when the thread ends. */
struct tokenizer *search_thread_stemmer(void);

/* ---- search_query.c: the query language ---- */

enum term_op { T_WORD, T_PHRASE, T_PREFIX };
enum expr_mode { EXPR_ALL, EXPR_NEAR, EXPR_ANY };

struct term {
	struct buf text; /* folded words, single-spaced */
	enum term_op op;
	bool neg;     /* -word: excluded */
	bool or_prev; /* joined to the previous positive term by OR */
	bool stop;    /* a lone stop word, dropped when others remain */
};

struct parsed {
	struct term t[MAX_TERMS];
	int n;
};

/* The word groups of a query: the positive terms the expression keeps,
 * an OR group counting as one. tid numbers the kept terms densely (the
 * ranking map's term numbers). */
struct groups {
	int n;
	int start[MAX_TERMS], end[MAX_TERMS]; /* term indexes, inclusive */
	int tid[MAX_TERMS];                   /* per term index; -1 when not kept */
};

/* Parse user text s[0..len) (any bytes; the syntax is search_parse's)
 * into pq, which need not be initialised; free it with
 * search_query_free. */
void search_query_parse(const char *s, size_t len, struct parsed *pq);

/* Free the terms of pq and empty it (pq itself is the caller's). */
void search_query_free(struct parsed *pq);

/* Whether the folded word w is a stop word of the stemming language. */
bool search_query_is_stop(const char *w);

/* The word groups of pq into g. */
void search_query_groups(const struct parsed *pq, struct groups *g);

/* Append term t as one FTS5 phrase ("word", "two words", "pref"*). */
void search_query_put_term(struct buf *b, const struct term *t);

/* Append the FTS5 expression for mode to out and its ranking map (see
 * search_rank.c) to map: nothing when no term is positive. EXPR_NEAR
 * falls back to EXPR_ALL outside three to six groups. */
void search_query_build(const struct parsed *pq, enum expr_mode mode, struct buf *out,
                        struct buf *map);

/* Append the normalised query (what the log keeps; it parses back to the
 * same terms) to out. repl is NULL or has an entry per term of pq:
 * repl[k], when set, replaces the text of term k. */
void search_query_norm(const struct parsed *pq, char *const *repl, struct buf *out);

/* Whether pq has a term that is not excluded. */
bool search_query_has_positive(const struct parsed *pq);

/* ---- search_snippet.c: snippets ---- */

struct snip_term {
	char key[MAX_TOKEN + 8]; /* the stem, or for a prefix the folded prefix */
	bool prefix;
};

struct snipper {
	struct tokenizer *tok; /* this thread's stemmer */
	struct snip_term t[MAX_TERMS];
	int n;
	char first[MAX_TERMS]; /* first bytes of the keys: most words need no stem */
	bool lead[256];        /* ... as a set: most words need no folding either */
};

/* The SQL function oficio_published(rowid, set) (search.c), registered
 * by search_register: whether page rowid is in the published set bound
 * as set (a pointer of type "oficio_published"); 0 without one. */
void search_published_fn(sqlite3_context *ctx, int nval, sqlite3_value **val);

/* Set sn up to mark the words of pq that the search used. sn holds no
 * memory of its own (nothing to free) but the thread's stemmer. */
void search_snippet_init(struct snipper *sn, const struct parsed *pq);

/* Append the snippet of text[0..n) to html: the passage with the most of
 * the query's words, escaped, matches in <mark>. whole: the entire text
 * (a title), not a passage. */
void search_snippet(struct snipper *sn, const char *text, size_t n, bool whole, struct buf *html);

#endif
