/*
 * i18n.c - the message catalogues: i18n/<lang> files of "key = value"
 * lines, read at start-up, looked up by templates ({{@key}}, template.c)
 * and by code (i18n_get). The API is in template.h; template_int.h is
 * what this file shares with template.c.
 *
 * A catalogue is read whole; each line's key and value are cut in place
 * (NUL-terminated, escapes undone) and indexed by an open-addressing hash
 * table, so a message look-up is one hash and usually one compare.
 *
 * Invariants: Spanish ("es") is always loaded (i18n_load fails without
 * it) and is the fallback for a key another language lacks; a look-up
 * never fails (i18n_get returns the key itself as the last resort).
 *
 * Caveat: catalogues are immutable after load and are shared by every
 * thread.
 */
#include "template.h"
#include "template_int.h"

#include "buf.h"
#include "text.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const struct catalog *i18n_cat_find(const struct i18n *msgs, const char *lang)
{
	size_t i;

	if (!msgs || !lang)
		return NULL;
	for (i = 0; i < msgs->ncats; i++)
		if (strcmp(msgs->cats[i].lang, lang) == 0)
			return &msgs->cats[i];
	return NULL;
}

const char *i18n_cat_get(const struct catalog *c, const char *key)
{
	size_t h = text_hash(key, strlen(key)) & c->mask;
	const struct msg *m;

	while (c->slot[h]) {
		m = &c->msgs[c->slot[h] - 1];
		if (strcmp(m->key, key) == 0)
			return m->value;
		h = (h + 1) & c->mask;
	}
	return NULL;
}

/* Undo "\n" and "\\" in place; other backslashes stay as written. */
static void unescape(char *s, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n && (s[i + 1] == 'n' || s[i + 1] == '\\')) {
			s[o++] = s[i + 1] == 'n' ? '\n' : '\\';
			i++;
		} else {
			s[o++] = s[i];
		}
	}
	s[o] = '\0';
}

/* Cut c->text (len bytes) into messages and index them. */
static int parse_catalog(struct catalog *c, size_t len, struct buf *err)
{
	char *s = c->text;
	size_t i = 0, e, cap = 0, n, kn, vn, slots, h;
	const char *nl, *ln, *k, *eq;
	unsigned line = 0;
	int rc = 0;

	while (i < len) {
		nl = memchr(s + i, '\n', len - i);
		e = nl ? (size_t)(nl - s) : len;
		ln = s + i;
		n = e - i;
		i = e + 1;
		line++;
		if (n && ln[n - 1] == '\r')
			n--;
		if (!text_utf8_valid(ln, n)) {
			tmpl_perr(err, c->path, line, "invalid UTF-8 or NUL byte");
			rc = -1;
			continue;
		}
		ln = text_trim(ln, &n);
		if (n == 0 || ln[0] == '#')
			continue;
		eq = memchr(ln, '=', n);
		if (!eq) {
			tmpl_perr(err, c->path, line, "expected key = value");
			rc = -1;
			continue;
		}
		kn = (size_t)(eq - ln);
		k = text_trim(ln, &kn);
		if (!tmpl_valid_key(k, kn)) {
			if (kn)
				tmpl_perr_name(err, c->path, line, "bad key", k, kn);
			else
				tmpl_perr(err, c->path, line, "empty key");
			rc = -1;
			continue;
		}
		vn = n - (size_t)(eq + 1 - ln);
		eq = text_trim(eq + 1, &vn);
		if (c->nmsgs == cap) {
			cap = cap ? cap * 2 : 64;
			c->msgs = xrealloc(c->msgs, cap * sizeof *c->msgs);
		}
		/* Both ends are inside this line of our own copy: the byte
		 * after the key is a blank or '=', after the value a blank,
		 * '\r', '\n' or the final NUL. */
		s[(size_t)(k - s) + kn] = '\0';
		unescape(s + (eq - s), vn);
		c->msgs[c->nmsgs].key = k;
		c->msgs[c->nmsgs].value = eq;
		c->msgs[c->nmsgs].line = line;
		c->nmsgs++;
	}
	/* At most half full, so probes stay short. */
	for (slots = 8; slots < 2 * c->nmsgs; slots *= 2)
		;
	c->mask = slots - 1;
	c->slot = xcalloc(slots, sizeof *c->slot);
	for (i = 0; i < c->nmsgs; i++) {
		const struct msg *m = &c->msgs[i];
		for (h = text_hash(m->key, strlen(m->key)) & c->mask; c->slot[h]; h = (h + 1) & c->mask) {
			if (strcmp(c->msgs[c->slot[h] - 1].key, m->key) == 0)
				break;
		}
		if (c->slot[h]) {
			tmpl_perr(err, c->path, m->line, "duplicate key '%s' (first at line %u)", m->key,
			     c->msgs[c->slot[h] - 1].line);
			rc = -1;
			continue;
		}
		c->slot[h] = (uint32_t)i + 1;
	}
	return rc;
}

static bool lang_name(const char *s)
{
	return s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z' && s[2] == '\0';
}

struct i18n *i18n_load(const char *dir, struct buf *err)
{
	struct i18n *msgs = xcalloc(1, sizeof *msgs);
	char **names = NULL;
	size_t n = 0, cap = 0, i, len;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int rc = -1;

	d = opendir(dir);
	if (!d) {
		tmpl_perr(err, dir, 0, "%s", strerror(errno));
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		if (!lang_name(de->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			names = xrealloc(names, cap * sizeof *names);
		}
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, tmpl_cmp_str);
	msgs->cats = xcalloc(n, sizeof *msgs->cats);
	rc = 0;
	for (i = 0; i < n; i++) {
		struct catalog *c = &msgs->cats[msgs->ncats];
		struct buf path = BUF_INIT;

		buf_printf(&path, "%s/%s", dir, names[i]);
		if (stat(path.data, &st) < 0 || !S_ISREG(st.st_mode)) {
			buf_free(&path);
			continue;
		}
		memcpy(c->lang, names[i], 3);
		c->path = buf_detach(&path);
		msgs->ncats++;
		c->text = tmpl_read_all(c->path, &len, err);
		if (!c->text || parse_catalog(c, len, err) < 0)
			rc = -1;
	}
	if (rc == 0 && !i18n_cat_find(msgs, "es")) {
		tmpl_perr(err, dir, 0, "no catalogue 'es' (the fallback language)");
		rc = -1;
	}
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (rc < 0) {
		i18n_free(msgs);
		return NULL;
	}
	return msgs;
}

void i18n_free(struct i18n *msgs)
{
	size_t i;

	if (!msgs)
		return;
	for (i = 0; i < msgs->ncats; i++) {
		free(msgs->cats[i].path);
		free(msgs->cats[i].text);
		free(msgs->cats[i].msgs);
		free(msgs->cats[i].slot);
	}
	free(msgs->cats);
	free(msgs);
}

const char *i18n_get(const struct i18n *msgs, const char *lang, const char *key)
{
	const struct catalog *c = i18n_cat_find(msgs, lang);
	const char *v = NULL;

	if (c)
		v = i18n_cat_get(c, key);
	if (!v && (c = i18n_cat_find(msgs, "es")) != NULL)
		v = i18n_cat_get(c, key);
	return v ? v : key;
}

int i18n_has_lang(const struct i18n *msgs, const char *lang)
{
	return i18n_cat_find(msgs, lang) != NULL;
}
