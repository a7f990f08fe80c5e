/*
 * template_int.h - what template.c (the templates) and i18n.c (the message
 * catalogues) share, and nothing else: the catalogues' structures, which
 * template.c reads to render {{@key}} and to check the catalogues against
 * the templates (tmpl_check_messages), and template.c's error and file
 * reading helpers, which i18n_load uses too. The API is template.h.
 *
 * Invariant: every error appended to an err buffer is one line,
 * "path:line: message\n" (or "path: message\n" without a line).
 */
#ifndef OFICIO_TEMPLATE_INT_H
#define OFICIO_TEMPLATE_INT_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct msg {
	const char *key;   /* NUL-terminated, inside the catalogue's text */
	const char *value; /* unescaped, NUL-terminated, inside the text */
	unsigned line;
};

struct catalog {
	char lang[3];     /* "es" */
	char *path;       /* shown in errors */
	char *text;       /* the file; keys and values are cut in place */
	struct msg *msgs; /* in file order */
	size_t nmsgs;
	uint32_t *slot; /* msgs index + 1, or 0 for an empty slot */
	size_t mask;    /* slot count - 1; the count is a power of two */
};

struct i18n {
	struct catalog *cats; /* sorted by lang */
	size_t ncats;
};

/* ---- template.c: errors and reading ---- */

/* Append "path:line: " (or "path: " when line is 0), the formatted
 * message and a newline to err. */
void tmpl_perr(struct buf *err, const char *path, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Append "path:line: what 'name'\n" to err, the name s[0..n) quoted, its
 * control bytes as '?', cut short. */
void tmpl_perr_name(struct buf *err, const char *path, unsigned line, const char *what,
                    const char *s, size_t n);

/* Whether s[0..n) is a template, partial or message name:
 * [A-Za-z0-9_.-]+. */
bool tmpl_valid_key(const char *s, size_t n);

/* Read a whole file (at most 4 MiB), NUL-terminated, its length in *len;
 * the caller frees it. NULL, with the reason appended to err, on failure. */
char *tmpl_read_all(const char *path, size_t *len, struct buf *err);

/* qsort comparison of two char * (strcmp). */
int tmpl_cmp_str(const void *a, const void *b);

/* ---- i18n.c: look-ups ---- */

/* The catalogue for lang in msgs; NULL when there is none (or msgs or
 * lang is NULL). */
const struct catalog *i18n_cat_find(const struct i18n *msgs, const char *lang);

/* The message for key in c, or NULL. */
const char *i18n_cat_get(const struct catalog *c, const char *key);

#endif
