/*
 * fmatter.c - flat front matter (see fmatter.h for the accepted subset).
 */
#include "fmatter.h"

#include "buf.h"
#include "text.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FM_MAX_KEYS 64

static void add(struct fmatter *fm, const char *k, size_t kn, char *v)
{
	fm->keys = xrealloc(fm->keys, sizeof(char *) * (size_t)(fm->n + 1));
	fm->values = xrealloc(fm->values, sizeof(char *) * (size_t)(fm->n + 1));
	fm->keys[fm->n] = xstrndup(k, kn);
	fm->values[fm->n] = v;
	fm->n++;
}

/* One scalar at s[0..n): quoted or plain. NULL on a malformed quote. */
static char *scalar(const char *s, size_t n)
{
	struct buf b = BUF_INIT;

	s = text_trim(s, &n);
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		for (size_t i = 1; i + 1 < n; i++) {
			if (s[i] == '\\' && i + 2 < n) {
				i++;
				buf_putc(&b, s[i] == 'n' ? '\n' : s[i] == 't' ? '\t' : s[i]);
			} else if (s[i] == '"') {
				buf_free(&b);
				return NULL;
			} else {
				buf_putc(&b, s[i]);
			}
		}
	} else if (n >= 2 && s[0] == '\'' && s[n - 1] == '\'') {
		for (size_t i = 1; i + 1 < n; i++) {
			if (s[i] == '\'' && s[i + 1] == '\'')
				i++;
			buf_putc(&b, s[i]);
		}
	} else if (n && (s[0] == '"' || s[0] == '\'')) {
		return NULL;
	} else {
		buf_append(&b, s, n);
	}
	return buf_detach(&b);
}

/* [a, "b", c] -> "a, b, c". NULL when malformed. */
static char *list(const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	size_t i = 1;

	n--; /* the closing ']' */
	while (i < n) {
		size_t start = i;
		char q = 0;
		while (i < n && (q || s[i] != ',')) {
			if (!q && (s[i] == '"' || s[i] == '\''))
				q = s[i];
			else if (q && s[i] == q)
				q = 0;
			i++;
		}
		if (q) {
			buf_free(&b);
			return NULL;
		}
		char *item = scalar(s + start, i - start);
		if (!item) {
			buf_free(&b);
			return NULL;
		}
		if (*item) {
			if (b.len)
				buf_puts(&b, ", ");
			buf_puts(&b, item);
		}
		free(item);
		i++;
	}
	return buf_detach(&b);
}

int fmatter_parse(struct fmatter *fm, const char *text, const char **body)
{
	const char *p = text, *end;
	int line = 1;

	memset(fm, 0, sizeof(*fm));
	*body = text;
	if (strncmp(p, "---\n", 4) != 0 && strncmp(p, "---\r\n", 5) != 0)
		return 0;
	p += p[3] == '\r' ? 5 : 4;
	for (;;) {
		size_t n = strcspn(p, "\n");
		size_t ln = n;
		const char *colon;

		line++;
		if (ln && p[ln - 1] == '\r')
			ln--;
		if (!p[0]) {
			snprintf(fm->error, sizeof(fm->error), "no closing --- line");
			return -1;
		}
		if ((ln == 3 && strncmp(p, "---", 3) == 0) || (ln == 3 && strncmp(p, "...", 3) == 0)) {
			end = p + n + (p[n] == '\n');
			*body = end;
			return 0;
		}
		if (ln == 0 || p[0] == '#') {
			p += n + (p[n] == '\n');
			continue;
		}
		if (p[0] == ' ' || p[0] == '\t' || p[0] == '-') {
			snprintf(fm->error, sizeof(fm->error),
				 "line %d: nested values are not supported", line);
			return -1;
		}
		colon = memchr(p, ':', ln);
		if (!colon || colon == p) {
			snprintf(fm->error, sizeof(fm->error), "line %d: expected key: value", line);
			return -1;
		}
		for (const char *k = p; k < colon; k++) {
			if (!isalnum((unsigned char)*k) && *k != '_' && *k != '-') {
				snprintf(fm->error, sizeof(fm->error), "line %d: bad key", line);
				return -1;
			}
		}
		{
			const char *v = colon + 1;
			size_t vn = (size_t)(p + ln - v);
			const char *t = text_trim(v, &vn);
			char *val;
			if (vn && (t[0] == '|' || t[0] == '>' || t[0] == '&' || t[0] == '*' ||
				   t[0] == '{')) {
				snprintf(fm->error, sizeof(fm->error),
					 "line %d: only plain, quoted or [list] values", line);
				return -1;
			}
			val = vn && t[0] == '[' && t[vn - 1] == ']' ? list(t, vn) : scalar(t, vn);
			if (!val) {
				snprintf(fm->error, sizeof(fm->error), "line %d: bad quoting", line);
				return -1;
			}
			if (fm->n >= FM_MAX_KEYS) {
				free(val);
				snprintf(fm->error, sizeof(fm->error), "too many keys");
				return -1;
			}
			add(fm, p, (size_t)(colon - p), val);
		}
		p += n + (p[n] == '\n');
	}
}

void fmatter_free(struct fmatter *fm)
{
	for (int i = 0; i < fm->n; i++) {
		free(fm->keys[i]);
		free(fm->values[i]);
	}
	free(fm->keys);
	free(fm->values);
	fm->keys = fm->values = NULL;
	fm->n = 0;
}

const char *fmatter_get(const struct fmatter *fm, const char *key)
{
	for (int i = 0; i < fm->n; i++)
		if (strcmp(fm->keys[i], key) == 0)
			return fm->values[i];
	return NULL;
}

void fmatter_put(struct buf *out, const char *key, const char *value)
{
	buf_printf(out, "%s: \"", key);
	for (const char *p = value; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_putc(out, '\\');
		if (*p == '\n')
			buf_puts(out, "\\n");
		else if (*p == '\t')
			buf_puts(out, "\\t");
		else
			buf_putc(out, *p);
	}
	buf_puts(out, "\"\n");
}
