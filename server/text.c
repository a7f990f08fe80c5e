/*
 * text.c - UTF-8 validation, decoding, folding and slugs.
 *
 * The fold table maps Latin-1 Supplement and Latin Extended-A letters to
 * their base lowercase ASCII letter; that is what users mean when they type
 * "devolucion" for "devolución" or "senal" for "señal".
 */
#include "text.h"

#include "buf.h"

#include <string.h>

bool text_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		unsigned c = p[i];
		size_t len;
		uint32_t cp;

		/* Eight ASCII bytes, none of them NUL, at a time: most text. */
		while (n - i >= 8) {
			uint64_t v;
			memcpy(&v, p + i, 8);
			/* No high bit; then adding 0x7F to each byte carries
			 * into its high bit unless the byte is 0. */
			if ((v & 0x8080808080808080ULL) ||
			    ((v + 0x7F7F7F7F7F7F7F7FULL) & 0x8080808080808080ULL) !=
			        0x8080808080808080ULL)
				break; /* a byte with the high bit, or a NUL */
			i += 8;
		}
		if (i == n)
			break;
		c = p[i];
		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			len = 2;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			len = 3;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			len = 4;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (n - i < len)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3F);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += len;
	}
	return true;
}

uint32_t text_utf8_next(const char *s, size_t n, size_t *i)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned c = p[*i];
	size_t len;
	uint32_t cp;

	if (c < 0x80) {
		(*i)++;
		return c;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		cp = c & 0x07;
	} else {
		(*i)++;
		return 0xFFFD;
	}
	if (n - *i < len) {
		(*i)++;
		return 0xFFFD;
	}
	for (size_t k = 1; k < len; k++) {
		if ((p[*i + k] & 0xC0) != 0x80) {
			(*i)++;
			return 0xFFFD;
		}
		cp = (cp << 6) | (p[*i + k] & 0x3F);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
		(*i)++;
		return 0xFFFD;
	}
	*i += len;
	return cp;
}

void text_utf8_put(struct buf *b, uint32_t c)
{
	char o[4];

	if (c < 0x80) {
		o[0] = (char)c;
		buf_append(b, o, 1);
	} else if (c < 0x800) {
		o[0] = (char)(0xC0 | (c >> 6));
		o[1] = (char)(0x80 | (c & 0x3F));
		buf_append(b, o, 2);
	} else if (c < 0x10000) {
		o[0] = (char)(0xE0 | (c >> 12));
		o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		o[2] = (char)(0x80 | (c & 0x3F));
		buf_append(b, o, 3);
	} else {
		o[0] = (char)(0xF0 | (c >> 18));
		o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
		o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
		o[3] = (char)(0x80 | (c & 0x3F));
		buf_append(b, o, 4);
	}
}

/* U+00C0..U+00FF folded; 0 means "not a letter to fold, keep as is". */
static const char latin1[64] = {
	'a', 'a', 'a', 'a', 'a', 'a', 'a', 'c', /* C0-C7 ÀÁÂÃÄÅÆÇ */
	'e', 'e', 'e', 'e', 'i', 'i', 'i', 'i', /* C8-CF */
	'd', 'n', 'o', 'o', 'o', 'o', 'o', 0,   /* D0-D7 ÐÑÒÓÔÕÖ× */
	'o', 'u', 'u', 'u', 'u', 'y', 't', 's', /* D8-DF ØÙÚÛÜÝÞß */
	'a', 'a', 'a', 'a', 'a', 'a', 'a', 'c', /* E0-E7 */
	'e', 'e', 'e', 'e', 'i', 'i', 'i', 'i', /* E8-EF */
	'd', 'n', 'o', 'o', 'o', 'o', 'o', 0,   /* F0-F7 ÷ */
	'o', 'u', 'u', 'u', 'u', 'y', 't', 'y', /* F8-FF */
};

/* U+0100..U+017F (Latin Extended-A), pairs of upper/lower mostly. */
static const char latinA[128] =
	"aaaaaaccccccccdd" /* 0100-010F */
	"ddeeeeeeeeeegggg" /* 0110-011F */
	"gggghhhhiiiiiiii" /* 0120-012F */
	"iiiijjkkklllllll" /* 0130-013F */
	"lllnnnnnnnnnoooo" /* 0140-014F */
	"oooorrrrrrssssss" /* 0150-015F */
	"ssttttttuuuuuuuu" /* 0160-016F */
	"uuuuwwyyyzzzzzzs"; /* 0170-017F */

uint32_t text_fold(uint32_t c)
{
	if (c < 0x80) {
		if (c >= 'A' && c <= 'Z')
			return c + 32;
		return c;
	}
	if (c >= 0xC0 && c <= 0xFF) {
		char f = latin1[c - 0xC0];
		return f ? (uint32_t)f : c;
	}
	if (c >= 0x100 && c <= 0x17F)
		return (uint32_t)latinA[c - 0x100];
	/* Greek and Cyrillic capitals: lowercase only. */
	if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2)
		return c + 32;
	if (c >= 0x410 && c <= 0x42F)
		return c + 32;
	return c;
}

void text_fold_str(struct buf *out, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n)
		text_utf8_put(out, text_fold(text_utf8_next(s, n, &i)));
}

size_t text_utf8_len(const char *s, size_t n)
{
	size_t i = 0, count = 0;

	while (i < n) {
		text_utf8_next(s, n, &i);
		count++;
	}
	return count;
}

void text_slugify(struct buf *out, const char *s, size_t n, size_t max)
{
	size_t start = out->len, i = 0;
	bool dash = false;

	while (i < n && out->len - start < max) {
		uint32_t c = text_fold(text_utf8_next(s, n, &i));
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			if (dash && out->len > start && out->len - start + 1 < max)
				buf_putc(out, '-');
			else if (dash && out->len > start)
				break;
			dash = false;
			buf_putc(out, (char)c);
		} else {
			dash = true;
		}
	}
	if (out->len == start)
		buf_puts(out, "pagina");
}

/* The n digits at s as a number, or -1 if one of them is not a digit. */
static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

bool text_day(const char *s, size_t n, int *y, int *m, int *d)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int yy, mm, dd;

	/* By hand, not with sscanf: "%4d" takes "2026-1-5", signs and
	 * spaces. */
	if (!s || n != 10 || s[4] != '-' || s[7] != '-')
		return false;
	yy = digits(s, 4);
	mm = digits(s + 5, 2);
	dd = digits(s + 8, 2);
	if (yy < 1 || mm < 1 || mm > 12 || dd < 1 || dd > mdays[mm - 1])
		return false;
	if (mm == 2 && dd == 29 && (yy % 4 != 0 || (yy % 100 == 0 && yy % 400 != 0)))
		return false;
	*y = yy;
	*m = mm;
	*d = dd;
	return true;
}

bool text_slug_valid(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '-') {
			if (s[i + 1] == '-')
				return false;
		} else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
			return false;
		}
	}
	return true;
}

const char *text_trim(const char *s, size_t *n)
{
	while (*n && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) {
		s++;
		(*n)--;
	}
	while (*n && (s[*n - 1] == ' ' || s[*n - 1] == '\t' ||
		      s[*n - 1] == '\n' || s[*n - 1] == '\r'))
		(*n)--;
	return s;
}
