/*
 * buf.h - the one growable byte buffer used everywhere.
 *
 * Invariants: b->data is never NULL and is always NUL-terminated, so a
 * buffer can be handed to any C string API at any time. Growth is geometric
 * with an overflow check and a hard maximum (BUF_MAX); going past the
 * maximum sets the sticky error flag instead of growing, so callers append
 * freely and check buf_error() once at the end (SQLite's StrAccum, cmark's
 * cmark_strbuf). Out of memory aborts, as in cmark and Redis.
 *
 * A zeroed struct is not valid: use BUF_INIT or buf_init().
 */
#ifndef OFICIO_BUF_H
#define OFICIO_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#define BUF_MAX ((size_t)256 * 1024 * 1024) /* hard cap on any one buffer */

struct buf {
	char *data;   /* NUL-terminated; points at buf_empty until first growth */
	size_t len;   /* bytes used, not counting the terminating NUL */
	size_t cap;   /* bytes allocated; 0 while data is the static empty string */
	bool err;     /* sticky: set when an append would pass BUF_MAX */
};

extern char buf_empty[1];
#define BUF_INIT {buf_empty, 0, 0, false}

/* Initialise an empty buffer (no allocation). */
void buf_init(struct buf *b);
/* Release the memory and reset to empty; safe to call twice. */
void buf_free(struct buf *b);
/* Forget the contents but keep the allocation. Clears the error flag. */
void buf_reset(struct buf *b);
/* Make room for at least n more bytes; returns -1 (and sets err) past BUF_MAX. */
int buf_grow(struct buf *b, size_t n);
/* Append bytes; on overflow sets err and appends nothing. */
void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Append a decimal integer (no printf machinery: hot paths use it). */
void buf_int(struct buf *b, long long v);
/* Append an integer zero-padded to at least width digits (width <= 20). */
void buf_int_pad(struct buf *b, long long v, int width);
/* Shorten to n bytes (n <= len). */
void buf_truncate(struct buf *b, size_t n);
/* Hand the bytes to the caller (who frees them with free()); b becomes empty.
 * Always returns a malloc'd, NUL-terminated string, even when empty. */
char *buf_detach(struct buf *b);
/* True if an append was refused since the last reset. */
static inline bool buf_error(const struct buf *b) { return b->err; }

/* Escaping appenders: the only way text reaches HTML, attributes, URLs, CSV. */
void buf_html(struct buf *b, const char *s, size_t n);   /* text and attributes */
void buf_url(struct buf *b, const char *s, size_t n);    /* one URL component */
void buf_csv(struct buf *b, const char *s, size_t n);    /* one RFC 4180 cell, formula-safe */

/* Allocation helpers that abort on out-of-memory. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
