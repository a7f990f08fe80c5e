/*
 * view.c - shaping data for templates.
 */
#include "view.h"

#include "buf.h"
#include "cache.h"
#include "db.h"
#include "http.h"
#include "pages.h"
#include "role.h"
#include "text.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const months_es[] = {"ene", "feb", "mar", "abr", "may", "jun",
					"jul", "ago", "sep", "oct", "nov", "dic"};
static const char *const months_en[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* A day as people write it: "25 nov 2026", or "Nov 25, 2026" in English
 * (m is 1 to 12). */
static void put_day(struct buf *s, bool en, int y, int m, int d)
{
	if (en) {
		buf_puts(s, months_en[m - 1]);
		buf_putc(s, ' ');
		buf_int(s, d);
		buf_puts(s, ", ");
	} else {
		buf_int(s, d);
		buf_putc(s, ' ');
		buf_puts(s, months_es[m - 1]);
		buf_putc(s, ' ');
	}
	buf_int(s, y);
}

void view_date(int64_t t, char *out)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	/* strftime cannot overflow: the year of a 64-bit time_t we accept
	 * has four digits (dates come from our own clock). */
	if (strftime(out, 11, "%Y-%m-%d", &tm) == 0)
		out[0] = '\0';
}

void view_count(struct buf *out, const char *msg, long long n)
{
	const char *p = strstr(msg, "{n}");

	if (!p) {
		buf_puts(out, msg);
		return;
	}
	buf_append(out, msg, (size_t)(p - msg));
	buf_int(out, n);
	buf_puts(out, p + 3);
}

int view_percent(long long part, long long whole)
{
	long long pct;

	if (whole <= 0 || part <= 0)
		return 0;
	if (part >= whole)
		return 100;
	/* Counts of pages or lines never come near this; past it they lose
	 * low bits rather than overflow 200 * part. */
	while (whole > LLONG_MAX / 200) {
		part >>= 1;
		whole >>= 1;
	}
	pct = (200 * part + whole) / (2 * whole);
	if (pct < 1)
		return 1;
	if (pct > 99)
		return 99;
	return (int)pct;
}

/* obj[key + suffix] = s (valid UTF-8: our own words and digits). */
static void set_suffixed(json_t *obj, const char *key, const char *suffix, const struct buf *s)
{
	struct buf k = BUF_INIT;

	buf_puts(&k, key);
	buf_puts(&k, suffix);
	json_object_set_new(obj, k.data, json_stringn_nocheck(s->data, s->len));
	buf_free(&k);
}

void view_time(struct req *r, json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	struct buf s = BUF_INIT;
	time_t t;
	struct tm tm;
	int64_t ago;
	bool en = strcmp(r->lang, "en") == 0;

	if (!json_is_integer(v))
		return;
	t = (time_t)json_integer_value(v);
	gmtime_r(&t, &tm);
	/* Built by hand: this runs several times per page view. */
	put_day(&s, en, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	buf_puts(&s, ", ");
	buf_int_pad(&s, tm.tm_hour, 2);
	buf_putc(&s, ':');
	buf_int_pad(&s, tm.tm_min, 2);
	buf_puts(&s, " UTC");
	set_suffixed(obj, key, "_text", &s);

	ago = db_now() - (int64_t)t;
	buf_reset(&s);
	if (ago < 60)
		buf_puts(&s, http_msg(r, "time.now"));
	else if (ago < 3600)
		view_count(&s, http_msg(r, "time.minutes"), ago / 60);
	else if (ago < 86400)
		view_count(&s, http_msg(r, "time.hours"), ago / 3600);
	else if (ago < 60 * 86400)
		view_count(&s, http_msg(r, "time.days"), ago / 86400);
	else if (ago < 365 * 86400)
		view_count(&s, http_msg(r, "time.months"), ago / (30 * 86400));
	else if (ago < 2 * 365 * 86400)
		buf_puts(&s, http_msg(r, "time.year"));
	else
		view_count(&s, http_msg(r, "time.years"), ago / (365 * 86400));
	set_suffixed(obj, key, "_ago", &s);
	buf_free(&s);
}

void view_times(struct req *r, json_t *arr, const char *key)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		view_time(r, v, key);
}

void view_day(struct req *r, json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	struct buf s = BUF_INIT;
	int y, m, day;

	if (!json_is_string(v) ||
	    !text_day(json_string_value(v), json_string_length(v), &y, &m, &day))
		return;
	put_day(&s, strcmp(r->lang, "en") == 0, y, m, day);
	set_suffixed(obj, key, "_text", &s);
	buf_free(&s);
}

void view_days(struct req *r, json_t *arr, const char *key)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		view_day(r, v, key);
}

void view_labels(struct req *r, json_t *obj)
{
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	const char *status = json_string_value(json_object_get(obj, "status"));
	struct buf k = BUF_INIT;

	if (kind) {
		buf_puts(&k, "kind.");
		buf_puts(&k, kind);
		json_object_set_new(obj, "kind_label", json_string(http_msg(r, k.data)));
		json_object_set_new(obj, "is_procedure", json_boolean(strcmp(kind, "procedure") == 0));
		json_object_set_new(obj, "is_lesson", json_boolean(strcmp(kind, "lesson") == 0));
	}
	if (status) {
		buf_reset(&k);
		buf_puts(&k, "status.");
		buf_puts(&k, status);
		json_object_set_new(obj, "status_label", json_string(http_msg(r, k.data)));
		json_object_set_new(obj, "is_published", json_boolean(strcmp(status, "published") == 0));
		json_object_set_new(obj, "is_draft", json_boolean(strcmp(status, "draft") == 0));
		json_object_set_new(obj, "is_archived", json_boolean(strcmp(status, "archived") == 0));
		json_object_set_new(obj, "is_in_review", json_boolean(strcmp(status, "in_review") == 0));
	}
	buf_free(&k);
}

void view_labels_all(struct req *r, json_t *arr)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		view_labels(r, v);
}

bool view_can_see(struct req *r, json_t *page)
{
	json_t *cb = json_object_get(page, "created_by");

	return pages_visible(r->role, r->uid,
			     json_string_value(json_object_get(page, "status")),
			     json_is_integer(cb) ? json_integer_value(cb) : 0);
}

bool view_can_edit(struct req *r, json_t *page)
{
	const char *status = json_string_value(json_object_get(page, "status"));
	json_t *cb = json_object_get(page, "created_by");
	long long author = json_is_integer(cb) ? json_integer_value(cb) : 0;

	if (r->role >= ROLE_EDITOR)
		return true;
	/* Staff edit their own drafts and returned lessons directly. */
	return r->role >= ROLE_STAFF && author == r->uid && status &&
	       strcmp(status, "draft") == 0;
}

json_t *view_options(struct req *r, const char *prefix, const char *const *values, size_t n,
		     const char *selected)
{
	json_t *a = json_array();
	struct buf k = BUF_INIT;

	for (size_t i = 0; i < n; i++) {
		buf_reset(&k);
		buf_puts(&k, prefix);
		buf_puts(&k, values[i]);
		json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "value", values[i],
			"label", http_msg(r, k.data), "selected",
			selected && strcmp(selected, values[i]) == 0));
	}
	buf_free(&k);
	return a;
}

json_t *view_kind_options(struct req *r, const char *selected)
{
	static const char *const kinds[] = {"procedure", "lesson", "reference"};

	return view_options(r, "kind.", kinds, 3, selected);
}

void view_mark_selected(json_t *arr, const char *value)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v) {
		const char *name = json_string_value(json_object_get(v, "name"));
		json_object_set_new(v, "selected",
				    json_boolean(value && name && strcmp(name, value) == 0));
	}
}

json_t *view_cached(struct req *r, const char *key, json_t *(*fill)(struct req *r))
{
	struct cache_hit hit;
	uint64_t gen = cache_generation();
	int64_t now = db_now();
	json_t *v = NULL;
	char *js;

	if (cache_get(http_cache(r), key, now, &hit))
		v = json_loadb(hit.body, hit.blen, 0, NULL);
	if (!v) {
		v = fill(r);
		js = json_dumps(v, JSON_COMPACT);
		if (js)
			cache_put(http_cache(r), key, gen, now, "", 0, js, strlen(js));
		free(js);
	}
	return v;
}

/* A list pages.c counts over every visible page, from the thread's cache
 * until the next write: the home, browse and search pages show the
 * categories and tags on every view, and counting them read all 20,000
 * pages of a large instance (1.5 ms, a search's whole time). The key
 * holds what visibility depends on: the role, and below editor the user,
 * who sees their own drafts. */
static json_t *cached_counts(struct req *r, const char *what,
			     json_t *(*fill)(struct req *r))
{
	struct buf key = BUF_INIT;
	json_t *a;

	buf_printf(&key, "%s\x1f%d\x1f%lld", what, r->role,
		   r->role >= ROLE_EDITOR ? 0LL : r->uid);
	a = view_cached(r, key.data, fill);
	buf_free(&key);
	return a;
}

static json_t *categories(struct req *r)
{
	return pages_categories(r->db, r->role, r->uid);
}

static json_t *tags(struct req *r)
{
	return pages_tags(r->db, r->role, r->uid);
}

json_t *view_categories(struct req *r)
{
	return cached_counts(r, "categories", categories);
}

json_t *view_tags(struct req *r)
{
	return cached_counts(r, "tags", tags);
}

void view_keep(json_t *keep, const char *name, const char *value)
{
	if (value && *value)
		json_array_append_new(keep, json_pack("{s:s, s:s}", "name", name, "value", value));
}

/* One button of a pager: where it goes and its words. */
static json_t *pager_button(struct req *r, const char *words, const char *which, const char *at)
{
	struct buf key = BUF_INIT;
	json_t *b;

	buf_printf(&key, "%s.%s", words, which);
	b = json_pack("{s:s, s:s}", "at", at, "text", http_msg(r, key.data));
	buf_free(&key);
	return b;
}

json_t *view_pager(struct req *r, const char *words, const char *action, const char *param,
		   json_t *keep, const char *prev, const char *next, const char *where)
{
	struct buf key = BUF_INIT;
	json_t *g;

	buf_printf(&key, "%s.pages", words);
	g = json_pack("{s:s, s:s, s:s, s:o}", "label", http_msg(r, key.data), "action", action,
		      "param", param, "keep", keep);
	buf_free(&key);
	if (prev)
		json_object_set_new(g, "prev", pager_button(r, words, "prev", prev));
	if (next)
		json_object_set_new(g, "next", pager_button(r, words, "next", next));
	if (where)
		json_object_set_new(g, "where", json_string(where));
	return g;
}
