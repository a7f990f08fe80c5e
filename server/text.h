/*
 * text.h - UTF-8 and the small amount of Unicode Oficio needs.
 *
 * Folding covers what Spanish, Portuguese, Catalan, French, German and
 * English text use (Basic Latin, Latin-1 Supplement, Latin Extended-A and
 * the common Greek/Cyrillic case pairs are not folded beyond lowercasing
 * ASCII-like ranges). Anything outside is passed through unchanged, which
 * is the safe choice for search and slugs alike.
 */
#ifndef OFICIO_TEXT_H
#define OFICIO_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

/* True if s[0..n) is well-formed UTF-8 (no overlongs, surrogates, or
 * code points past U+10FFFF) and contains no NUL byte. */
bool text_utf8_valid(const char *s, size_t n);

/* Decode one code point at s[*i] (s has n bytes), advancing *i.
 * Malformed input yields U+FFFD and advances one byte. */
uint32_t text_utf8_next(const char *s, size_t n, size_t *i);

/* Append code point c as UTF-8. */
void text_utf8_put(struct buf *b, uint32_t c);

/* Case fold and strip diacritics: 'Á' -> 'a', 'ñ' -> 'n', 'ß' -> 's' (one
 * code point in, one out; ligatures are not expanded). */
uint32_t text_fold(uint32_t c);

/* Append the folded form of s[0..n) (text_fold on each code point). */
void text_fold_str(struct buf *out, const char *s, size_t n);

/* Number of code points in s[0..n). */
size_t text_utf8_len(const char *s, size_t n);

/* FNV-1a (32 bits) of s[0..n): the hash of the small tables keyed by
 * words and message keys. Inline: it runs once per indexed word. */
static inline uint32_t text_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t k = 0; k < n; k++)
		h = (h ^ (unsigned char)s[k]) * 16777619u;
	return h;
}

/* Make a URL slug: folded, [a-z0-9] runs joined by '-', at most max bytes,
 * never empty ("pagina" when nothing is left). Appends to out. */
void text_slugify(struct buf *out, const char *s, size_t n, size_t max);

/* True if s is a well-formed slug: 1..max bytes of [a-z0-9-], not starting
 * or ending with '-', no "--". */
bool text_slug_valid(const char *s, size_t max);

/* True if s[0..n) is a day, "YYYY-MM-DD": exactly that shape, digits
 * only (no sign, no space), a month 1 to 12 and a day that month has
 * (2026-02-29 and 2030-04-31 are not days). Sets *y, *m, *d when true. */
bool text_day(const char *s, size_t n, int *y, int *m, int *d);

/* Trim ASCII white space from both ends: returns the start, sets *n. */
const char *text_trim(const char *s, size_t *n);

#endif
