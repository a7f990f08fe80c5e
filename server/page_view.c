/*
 * page_view.c - reading: home, a page, an old revision, history, diff,
 * browse by category and tag.
 *
 * Pages a visitor may not see answer 404, the same as pages that do not
 * exist, so status and existence do not leak; but for one that was
 * published and has been archived (a bookmark, an old link), 410 and a
 * page that says so, with its title: it was public, and "this page does
 * not exist yet" sent people to write it again. Caveat: the 404 offers
 * staff to create the page only when /new would put it at the link's
 * slug, so it is not offered for a draft of someone else either; staff
 * learn as much from /new, which gives a taken slug's title another one.
 */
#include "buf.h"
#include "cache.h"
#include "db.h"
#include "diff.h"
#include "files.h"
#include "http.h"
#include "lifecycle.h"
#include "onboarding.h"
#include "pages.h"
#include "role.h"
#include "routes.h"
#include "template.h"
#include "text.h"
#include "view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "devolucion-fuera-de-plazo" -> "Devolucion fuera de plazo": a title to
 * offer when someone follows a link to a page that does not exist. */
static char *title_from_slug(const char *slug)
{
	char *t = xstrdup(slug);

	for (char *p = t; *p; p++)
		if (*p == '-')
			*p = ' ';
	if (t[0] >= 'a' && t[0] <= 'z')
		t[0] = (char)(t[0] - 32);
	return t;
}

static int not_found(struct req *r, const char *slug)
{
	json_t *c = json_object();
	bool valid = slug && text_slug_valid(slug, SLUG_MAX);
	bool can_create = false;

	json_object_set_new(c, "title", json_string(http_msg(r, "page.missing_title")));
	if (valid) {
		char *t = title_from_slug(slug);
		json_object_set_new(c, "slug", json_string(slug));
		json_object_set_new(c, "new_title", json_string(t));
		/* Offered only when it would make the page the link asks for:
		 * the slug is free (not a draft of someone else, not a revision
		 * past the last) and the title gives it back (not one cut at
		 * SLUG_MAX - 4). */
		can_create = r->role >= ROLE_STAFF && pages_new_slug_is(r->db, t, slug);
		free(t);
	}
	json_object_set_new(c, "can_create", json_boolean(can_create));
	return http_page(r, 404, "missing", c);
}

/* 410 for page p (archived, which r may not see) when it was published
 * before: its title then, when it was archived, a search for the title;
 * otherwise 404 as for a page that does not exist. */
static int gone(struct req *r, json_t *p, const char *slug)
{
	json_t *a = lifecycle_archived(r, json_integer_value(json_object_get(p, "id")));
	json_t *c;

	if (!a)
		return not_found(r, slug);
	c = json_object();
	json_object_set(c, "title", json_object_get(a, "title"));
	json_object_set(c, "kind", json_object_get(p, "kind"));
	json_object_set(c, "status", json_object_get(p, "status"));
	view_labels(r, c);
	json_object_set_new(c, "archived", a);
	return http_page(r, 410, "archived", c);
}

/* Load the page of the route, or NULL after answering 404 (or 410). */
static json_t *load(struct req *r, int rev, int *status)
{
	const char *slug = http_arg(r, 0);
	json_t *p = NULL;

	if (slug && text_slug_valid(slug, SLUG_MAX))
		p = pages_get(r->db, slug, rev);
	if (p && !view_can_see(r, p)) {
		const char *st = json_string_value(json_object_get(p, "status"));
		*status = st && strcmp(st, "archived") == 0 ? gone(r, p, slug) : not_found(r, slug);
		json_decref(p);
		return NULL;
	}
	if (!p)
		*status = not_found(r, slug);
	return p;
}

static json_t *page_ctx(struct req *r, json_t *p)
{
	json_t *c = json_object();

	view_time(r, p, "saved_at");
	view_time(r, p, "verified_at");
	view_time(r, p, "created_at");
	view_labels(r, p);
	json_object_set_new(p, "can_edit", json_boolean(view_can_edit(r, p)));
	json_object_set_new(p, "can_propose",
			    json_boolean(r->role >= ROLE_STAFF && !view_can_edit(r, p)));
	json_object_set_new(p, "has_toc", json_boolean(json_array_size(json_object_get(p, "toc")) >= 3));
	json_object_set(c, "title", json_object_get(p, "title"));
	json_object_set_new(c, "page", p);
	return c;
}

/* The page: its article (cached or not) and, right after it, the tools
 * that depend on who asks (lifecycle_tools: its own small cache). */
static int with_tools(struct req *r, json_t *c, const char *slug, const char *article,
		      size_t len)
{
	struct buf tools = BUF_INIT;
	int status;

	/* Counts the view; nothing is appended for anonymous readers. The
	 * article goes into the reply once, not through a copy. */
	if (!r->uid) {
		onboarding_tools(r, slug, &tools);
		buf_free(&tools);
		return http_page_raw(r, 200, c, article, len);
	}
	lifecycle_tools(r, slug, &tools);    /* issue 6: verify, flag, follow */
	onboarding_tools(r, slug, &tools);   /* issue 7: read confirmation */
	status = http_page_parts(r, 200, c, article, len, tools.data, tools.len);
	buf_free(&tools);
	return status;
}

/* The article of a published page depends only on the page, the language
 * and the reader's role, so it is rendered once and served from the
 * thread's cache until anything is written (cache.h). Drafts and pages
 * in review are never cached: what they show depends on who asks. */
int page_view(struct req *r)
{
	int status = 404;
	const char *slug = http_arg(r, 0);
	struct buf key = BUF_INIT, title = BUF_INIT, article = BUF_INIT;
	uint64_t gen = cache_generation();
	int64_t now = db_now();
	struct cache_hit hit;
	json_t *p, *c;
	bool cacheable;

	if (slug && text_slug_valid(slug, SLUG_MAX)) {
		buf_puts(&key, slug);
		buf_putc(&key, '|');
		buf_puts(&key, r->lang);
		buf_putc(&key, '|');
		buf_int(&key, r->role);
		if (cache_get(http_cache(r), key.data, now, &hit)) {
			buf_free(&key);
			c = json_object();
			json_object_set_new(c, "title", json_stringn_nocheck(hit.title, hit.tlen));
			return with_tools(r, c, slug, hit.body, hit.blen);
		}
	}
	p = load(r, 0, &status);
	if (!p) {
		buf_free(&key);
		return status;
	}
	cacheable = key.len &&
		    strcmp(json_string_value(json_object_get(p, "status")), "published") == 0;
	json_object_set_new(p, "backlinks",
			    pages_backlinks(r->db, json_string_value(json_object_get(p, "slug"))));
	view_labels_all(r, json_object_get(p, "backlinks"));
	lifecycle_view(r, p);
	json_object_set_new(p, "attachments", files_view(r, p, true));
	c = page_ctx(r, p);
	buf_puts(&title, json_string_value(json_object_get(c, "title")));
	json_object_set_new(c, "lang", json_string(r->lang));
	if (tmpl_render(g_server->tmpl, "page_article", c, g_server->msgs, r->lang, &article) < 0) {
		json_decref(c);
		buf_free(&key);
		buf_free(&title);
		buf_free(&article);
		return http_error(r, 500, "error", "err.internal");
	}
	json_decref(c);
	if (cacheable)
		cache_put(http_cache(r), key.data, gen, now, title.data, title.len,
			  article.data, article.len);
	c = json_object();
	json_object_set_new(c, "title", json_stringn_nocheck(title.data, title.len));
	status = with_tools(r, c, slug, article.data, article.len);
	buf_free(&key);
	buf_free(&title);
	buf_free(&article);
	return status;
}

int page_revision(struct req *r)
{
	int status = 404;
	long long n;
	char *end;
	const char *ns = http_arg(r, 1);
	json_t *p, *c;

	n = strtoll(ns, &end, 10);
	if (*end || n < 1 || n > 1000000000)
		return not_found(r, http_arg(r, 0));
	p = load(r, (int)n, &status);
	if (!p)
		return status;
	c = page_ctx(r, p);
	json_object_set_new(c, "old_revision", json_true());
	return http_page(r, 200, "page", c);
}

int page_history(struct req *r)
{
	int status = 404;
	json_t *p = load(r, 0, &status), *c, *h;

	if (!p)
		return status;
	h = pages_history(r->db, json_integer_value(json_object_get(p, "id")));
	view_times(r, h, "saved_at");
	{
		/* Each row offers "compare with previous" and, for editors,
		 * "restore" on anything but the current revision. */
		size_t i;
		json_t *v;
		int cur = (int)json_integer_value(json_object_get(p, "current_rev"));
		json_array_foreach(h, i, v) {
			int n = (int)json_integer_value(json_object_get(v, "n"));
			json_object_set_new(v, "prev", n > 1 ? json_integer(n - 1) : json_null());
			json_object_set_new(v, "is_current", json_boolean(n == cur));
			json_object_set_new(v, "can_restore",
					    json_boolean(n != cur && r->role >= ROLE_EDITOR));
		}
	}
	c = page_ctx(r, p);
	json_object_set_new(c, "history", h);
	json_object_set_new(c, "events",
			    lifecycle_events(r, json_integer_value(json_object_get(p, "id"))));
	lifecycle_history_lessons(r, json_integer_value(json_object_get(p, "id")), h);
	return http_page(r, 200, "history", c);
}

int page_diff(struct req *r)
{
	int status = 404, from, to, cur, added = 0, removed = 0;
	json_t *p = load(r, 0, &status), *c, *hunks;
	long long id;
	char *a = NULL, *b = NULL;
	struct diff_lines la, lb;
	struct diff_op *ops = NULL;
	size_t nops = 0;
	bool bad = false;

	if (!p)
		return status;
	cur = (int)json_integer_value(json_object_get(p, "current_rev"));
	id = json_integer_value(json_object_get(p, "id"));
	to = (int)http_count(r, "to", 1, cur, cur, &bad);
	from = (int)http_count(r, "from", 1, cur, to > 1 ? to - 1 : 1, &bad);
	if (bad) {
		json_decref(p);
		return http_error(r, 400, "bad_request", "err.number");
	}
	a = pages_markdown(r->db, id, from);
	b = pages_markdown(r->db, id, to);
	if (!a || !b) {
		free(a);
		free(b);
		json_decref(p);
		return http_error(r, 400, "bad_request", "err.revision");
	}
	diff_lines_split(&la, a, strlen(a));
	diff_lines_split(&lb, b, strlen(b));
	diff_compute(&la, &lb, &ops, &nops);
	hunks = diff_hunks_json(&la, &lb, ops, nops, 3, &added, &removed);
	c = page_ctx(r, p);
	json_object_set_new(c, "from", json_integer(from));
	json_object_set_new(c, "to", json_integer(to));
	json_object_set_new(c, "hunks", hunks);
	json_object_set_new(c, "added", json_integer(added));
	json_object_set_new(c, "removed", json_integer(removed));
	json_object_set_new(c, "same", json_boolean(added == 0 && removed == 0));
	{
		/* The revision pickers of the form. */
		json_t *revs = json_array();
		for (int n = cur; n >= 1 && n > cur - 200; n--)
			json_array_append_new(revs, json_pack("{s:i, s:b, s:b}", "n", n,
				"is_from", n == from, "is_to", n == to));
		json_object_set_new(c, "revisions", revs);
	}
	free(ops);
	diff_lines_free(&la);
	diff_lines_free(&lb);
	free(a);
	free(b);
	return http_page(r, 200, "diff", c);
}

int page_home(struct req *r)
{
	json_t *c = json_object();
	json_t *recent = pages_recent(r->db, 15, r->role, r->uid);

	view_times(r, recent, "saved_at");
	view_labels_all(r, recent);
	json_object_set_new(c, "title", json_string(http_msg(r, "home.title")));
	json_object_set_new(c, "recent", recent);
	json_object_set_new(c, "categories", view_categories(r));
	json_object_set_new(c, "tags", view_tags(r));
	json_object_set_new(c, "is_home", json_true());
	lifecycle_home(r, c);
	onboarding_home(r, c);
	return http_page(r, 200, "home", c);
}

#define BROWSE_PAGE 100            /* rows on a page of /browse */
#define BROWSE_MAX_OFFSET 1000000 /* ... the deepest a link may ask for */

/* c.pages holds up to BROWSE_PAGE + 1 rows from offset: keep a page of
 * them, and set c.pager (view_pager) when there is a page before or
 * after. Its forms keep the list's filters as the request gave them (the
 * next request checks them again). */
static void browse_pager(struct req *r, json_t *c, long long offset)
{
	static const char *const names[] = {"kind", "category", "tag", "status",
					    "procedure", "bent_rule", "outcome"};
	json_t *list = json_object_get(c, "pages"), *keep;
	bool more = json_array_size(list) > BROWSE_PAGE;
	char prev[24], next[24];
	struct buf where = BUF_INIT;

	if (more)
		json_array_remove(list, BROWSE_PAGE);
	if (!more && offset == 0)
		return;
	keep = json_array();
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		bool bad = false;
		const char *v = http_param(r, names[i], 600, &bad);
		if (!bad)
			view_keep(keep, names[i], v);
	}
	/* Back one page; from past the end (a link kept while pages were
	 * archived), back to the first, which has rows if any page does. */
	snprintf(prev, sizeof(prev), "%lld",
		 offset > BROWSE_PAGE && json_array_size(list) > 0 ? offset - BROWSE_PAGE : 0);
	snprintf(next, sizeof(next), "%lld", offset + BROWSE_PAGE);
	buf_printf(&where, "%s %lld", http_msg(r, "browse.page"), offset / BROWSE_PAGE + 1);
	json_object_set_new(c, "pager", view_pager(r, "browse", "/browse", "offset", keep,
		offset > 0 ? prev : NULL,
		more && offset + BROWSE_PAGE <= BROWSE_MAX_OFFSET ? next : NULL, where.data));
	buf_free(&where);
}

int page_browse(struct req *r)
{
	bool too_long = false;
	const char *kind = http_param(r, "kind", 20, &too_long);
	const char *cat = http_param(r, "category", CATEGORY_MAX, &too_long);
	const char *tag = http_param(r, "tag", 40, &too_long);
	const char *status = http_param(r, "status", 20, &too_long);
	json_t *c, *list;
	long long offset;
	bool bad_number = false;

	if (too_long)
		return http_error(r, 400, "bad_request", "err.bad_request");
	if (kind && !*kind)
		kind = NULL;
	if (cat && !*cat)
		cat = NULL;
	if (tag && !*tag)
		tag = NULL;
	/* Archived pages are listed for managers only. */
	if (status && (strcmp(status, "archived") != 0 || r->role < ROLE_MANAGER))
		status = NULL;
	offset = http_count(r, "offset", 0, BROWSE_MAX_OFFSET, 0, &bad_number);
	if (bad_number)
		return http_error(r, 400, "bad_request", "err.number");
	/* One row more than a page shows: whether there is a next page. */
	list = pages_list(r->db, kind, cat, tag, status, r->role, r->uid, BROWSE_PAGE + 1,
			  (int)offset);
	view_labels_all(r, list);
	view_times(r, list, "updated_at");
	view_times(r, list, "verified_at");
	c = json_object();
	json_object_set_new(c, "title", json_string(cat ? cat : tag ? tag : http_msg(r, "browse.title")));
	json_object_set_new(c, "pages", list);
	json_object_set_new(c, "category", cat ? json_string(cat) : json_null());
	json_object_set_new(c, "tag", tag ? json_string(tag) : json_null());
	json_object_set_new(c, "categories", view_categories(r));
	json_object_set_new(c, "tags", view_tags(r));
	json_object_set_new(c, "kinds", view_kind_options(r, kind));
	view_mark_selected(json_object_get(c, "categories"), cat);
	view_mark_selected(json_object_get(c, "tags"), tag);
	lifecycle_browse(r, c, kind, cat, BROWSE_PAGE + 1, (int)offset);
	browse_pager(r, c, offset);
	return http_page(r, 200, "browse", c);
}
