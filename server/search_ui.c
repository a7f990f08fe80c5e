/*
 * search_ui.c - the search page, /api/v1/search and /api/v1/suggest.
 *
 * The page works without JavaScript (a GET form); static/oficio.js adds
 * search-as-you-type on top through /api/v1/suggest.
 */
#include "buf.h"
#include "cache.h"
#include "db.h"
#include "pages.h"
#include "http.h"
#include "metrics.h"
#include "role.h"
#include "routes.h"
#include "search.h"
#include "template.h"
#include "view.h"


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUERY_MAX 2000
#define PAGE_RESULTS 20 /* results per page, and the API's default */

static const char *opt(struct req *r, const char *name, size_t max, bool *bad)
{
	const char *v = http_param(r, name, max, bad);
	return v && *v ? v : NULL;
}

/* The cache key of a search: everything its answer depends on (the text,
 * filters and page of results, and who may see what: the role, and for
 * those below editor the user, whose own drafts they see). Each text
 * comes with its length, so that no value can pass for two (a filter
 * holding the separator). */
static void search_key(struct buf *k, const struct search_params *p)
{
	const char *v[5] = {p->kind, p->category, p->tag, p->status, p->q};

	buf_printf(k, "search\x1f%d\x1f%lld\x1f%d\x1f%d", p->role,
		   p->role >= ROLE_EDITOR ? 0LL : p->user_id, p->limit, p->offset);
	for (int i = 0; i < 5; i++)
		buf_printf(k, "\x1f%zu:%s", v[i] ? strlen(v[i]) : 0, v[i] ? v[i] : "");
}

/* The search the request asks for into *p (its strings point into the
 * request): 200, or the status of the 400 it answered. */
static int params(struct req *r, struct search_params *p, int limit_default)
{
	bool bad = false;

	memset(p, 0, sizeof(*p));
	p->q = http_param(r, "q", QUERY_MAX, &bad);
	p->kind = opt(r, "kind", 20, &bad);
	p->category = opt(r, "category", 80, &bad);
	p->tag = opt(r, "tag", 40, &bad);
	p->status = opt(r, "status", 20, &bad);
	if (bad)
		return http_error(r, 400, "bad_request", "err.query_too_long");
	p->limit = (int)http_count(r, "limit", 1, 100, limit_default, &bad);
	p->offset = (int)http_count(r, "offset", 0, SEARCH_MAX_OFFSET, 0, &bad);
	if (bad)
		return http_error(r, 400, "bad_request", "err.number");
	p->role = r->role;
	p->user_id = r->uid;
	p->log_user = g_server->cfg.log_search_users;
	if (!p->q)
		p->q = "";
	return 200;
}

/* A search answered from the cache counts as one that ran: its
 * search_log row and the metrics. meta is its entry's title (cache.h
 * ends it with a NUL): "TOTAL NORM", the number of results and the
 * normalised query. */
static void count_cached(const struct search_params *p, const char *meta)
{
	char *end;
	long long total = strtoll(meta, &end, 10);

	search_log(p, end + (*end == ' '), total); /* as search_run would have */
	if (*p->q)
		metrics_search(total == 0);
}

/* Run search p, whose cache key is key: 200 and its answer, as jansson's
 * tree in *tree (the page) or as JSON text appended to text (the API),
 * and its entry's title in meta (when given); otherwise the status of
 * the error it answered.
 * The same search made again before any write is answered from the
 * thread's cache (cache.h: any write, a save or a status change, makes
 * every entry stale), and still counts in search_log and the metrics.
 * An entry is the JSON text, titled as count_cached reads it: the API
 * sends it as it is, and a search is dumped once, not once for the cache
 * and again for the reply (a dump is about 6 % of a search never seen;
 * parsing and dumping again cost a cached answer three quarters of its
 * time). Only the API stores one: the page keeps its own part, as HTML
 * (page_results), and would have dumped for an entry it never reads.
 * A search not in the cache returns HTTP_SHARE first: it is run on the
 * first loop free (http.h), the handler called again there. */
static int run(struct req *r, struct search_params *p, const char *key, json_t **tree,
	       struct buf *text, struct buf *meta)
{
	struct buf norm = BUF_INIT, title = BUF_INIT;
	struct cache_hit hit;
	json_t *res;
	uint64_t gen = cache_generation();
	int64_t now = db_now();
	long long total;
	bool use_cache = !g_server->cfg.no_search_cache;
	int status = 200;

	if (use_cache && cache_get(http_cache(r), key, now, &hit)) {
		if (meta)
			buf_append(meta, hit.title, hit.tlen);
		count_cached(p, hit.title);
		if (text)
			buf_append(text, hit.body, hit.blen);
		else if (!(*tree = json_loadb(hit.body, hit.blen, 0, NULL)))
			status = http_error(r, 500, "error", "err.internal");
		return status;
	}
	/* Not in the cache: run by the first loop free (http.h). */
	if (!r->shared)
		return HTTP_SHARE;
	p->norm = &norm;
	res = search_run(db_handle(r->db), p);
	p->norm = NULL;
	if (!res) {
		buf_free(&norm);
		return http_error(r, 500, "error", "err.internal");
	}
	total = json_integer_value(json_object_get(res, "total"));
	buf_printf(&title, "%lld %s", total, norm.data ? norm.data : "");
	if (meta)
		buf_append(meta, title.data, title.len);
	if (text) {
		size_t at = text->len;
		if (http_json_dump(res, text) != 0)
			status = http_error(r, 500, "error", "err.internal");
		else if (use_cache)
			cache_put(http_cache(r), key, gen, now, title.data, title.len,
				  text->data + at, text->len - at);
	}
	if (tree && status == 200)
		*tree = res;
	else
		json_decref(res);
	if (status == 200 && *p->q)
		metrics_search(total == 0);
	buf_free(&norm);
	buf_free(&title);
	return status;
}

/* The filters of search p as hidden fields of the results' forms
 * (keep.html: the suggested spelling, the pager): only those given, and
 * the number of results when not the page's 20. */
static json_t *filters(const struct search_params *p)
{
	json_t *keep = json_array();
	const char *v[4] = {p->kind, p->category, p->tag, p->status};
	const char *name[4] = {"kind", "category", "tag", "status"};
	char n[16];

	for (int i = 0; i < 4; i++)
		view_keep(keep, name[i], v[i]);
	if (p->limit != PAGE_RESULTS) {
		snprintf(n, sizeof(n), "%d", p->limit);
		view_keep(keep, "limit", n);
	}
	return keep;
}

/* c.pager for the results of p (search_pager's pages), its forms keeping
 * the query and c.keep. */
static void results_pager(struct req *r, const struct search_params *p, json_t *c, long long total)
{
	json_t *g = search_pager(p->limit, p->offset, total), *keep;
	struct buf where = BUF_INIT;

	if (!g)
		return;
	keep = json_array();
	view_keep(keep, "q", p->q);
	json_array_extend(keep, json_object_get(c, "keep"));
	if (json_object_get(g, "page"))
		buf_printf(&where, "%s %lld %s %lld", http_msg(r, "search.page"),
			   (long long)json_integer_value(json_object_get(g, "page")),
			   http_msg(r, "search.of"),
			   (long long)json_integer_value(json_object_get(g, "pages")));
	json_object_set_new(c, "pager", view_pager(r, "search", "/search", "offset", keep,
		json_string_value(json_object_get(g, "prev")),
		json_string_value(json_object_get(g, "next")), where.len ? where.data : NULL));
	buf_free(&where);
	json_decref(g);
}

/* search.h */
json_t *search_pager(int limit_, int offset_, long long total)
{
	long long limit = limit_, offset = offset_, page, pages, after, reach;
	json_t *g;

	if (total <= 0 || limit <= 0 || offset < 0)
		return NULL;
	if (offset >= total) {
		long long last = (total - 1) / limit * limit;
		if (last > SEARCH_MAX_OFFSET / limit * limit)
			last = SEARCH_MAX_OFFSET / limit * limit;
		return json_pack("{s:o}", "prev", json_sprintf("%lld", last));
	}
	page = (offset + limit - 1) / limit + 1;
	after = (total - offset + limit - 1) / limit;     /* this page and those after */
	reach = (SEARCH_MAX_OFFSET - offset) / limit + 1; /* ... that can be asked for */
	pages = page - 1 + (after < reach ? after : reach);
	if (pages <= 1)
		return NULL;
	g = json_pack("{s:I, s:I}", "page", (json_int_t)page, "pages", (json_int_t)pages);
	if (offset > 0)
		json_object_set_new(g, "prev", json_sprintf("%lld", offset > limit ? offset - limit : 0));
	if (page < pages)
		json_object_set_new(g, "next", json_sprintf("%lld", offset + limit));
	return g;
}

/* The results part of the search page (search_results.html) appended to
 * html: 200, or the status of the error it answered. It is kept in the
 * thread's cache like the API's JSON, by language too (labels and "hace 3
 * días" are in it; an entry lives a minute at most): parsing the cached
 * JSON was half of the time of a repeated search page. */
static int page_results(struct req *r, struct buf *html)
{
	struct search_params p;
	struct buf key = BUF_INIT, pkey = BUF_INIT, meta = BUF_INIT;
	struct cache_hit hit;
	uint64_t gen = cache_generation();
	int64_t now = db_now();
	bool use_cache = !g_server->cfg.no_search_cache;
	json_t *res = NULL, *c;
	int status = params(r, &p, PAGE_RESULTS);

	if (status != 200)
		return status;
	search_key(&key, &p);
	buf_printf(&pkey, "page\x1f%s\x1f%s", r->lang, key.data);
	if (use_cache && cache_get(http_cache(r), pkey.data, now, &hit)) {
		count_cached(&p, hit.title);
		buf_append(html, hit.body, hit.blen);
		goto out;
	}
	status = run(r, &p, key.data, &res, NULL, &meta);
	if (status != 200)
		goto out;
	view_labels_all(r, json_object_get(res, "results"));
	view_times(r, json_object_get(res, "results"), "verified_at");
	c = json_pack("{s:s, s:b, s:o, s:{s:b}, s:o}", "q", p.q, "searched", 1, "res", res,
		      "user", "is_staff", r->role >= ROLE_STAFF, "keep", filters(&p));
	if (c)
		results_pager(r, &p, c, json_integer_value(json_object_get(res, "total")));
	if (!c || tmpl_render(g_server->tmpl, "search_results", c, g_server->msgs, r->lang,
			      html) < 0)
		status = http_error(r, 500, "error", "err.internal");
	else if (use_cache)
		cache_put(http_cache(r), pkey.data, gen, now, meta.data, meta.len, html->data,
			  html->len);
	json_decref(c);
out:
	buf_free(&key);
	buf_free(&pkey);
	buf_free(&meta);
	return status;
}

/* Mark value chosen in a list of categories or tags ({name, ...}); one
 * no visible page has (a link kept from before an edit) is added, so
 * that the form shows the filter the results were narrowed by. */
static void choose(json_t *list, const char *value)
{
	size_t i;
	json_t *v;

	view_mark_selected(list, value);
	if (!value)
		return;
	json_array_foreach(list, i, v)
		if (json_is_true(json_object_get(v, "selected")))
			return;
	json_array_append_new(list, json_pack("{s:s, s:i, s:b}", "name", value, "count", 0,
					      "selected", 1));
}

/* How many of the search form's filters (c's lists) show a choice. */
static int chosen(json_t *c)
{
	json_t *lists[4] = {json_object_get(c, "kinds"), json_object_get(c, "categories"),
			    json_object_get(c, "tags"),
			    json_object_get(json_object_get(c, "statuses"), "options")};
	int n = 0;

	for (int i = 0; i < 4; i++) {
		size_t k;
		json_t *v;
		json_array_foreach(lists[i], k, v)
			if (json_is_true(json_object_get(v, "selected"))) {
				n++;
				break;
			}
	}
	return n;
}

/* The status filter's choices for r's user: drafts and pages in review
 * (their own, or every one from editor up), and archived pages for
 * managers (search.c's VISIBLE decides what each finds). */
static json_t *status_options(struct req *r, const char *selected)
{
	/* archived last: managers only */
	static const char *const st[] = {"published", "draft", "in_review", "archived"};

	return json_pack("{s:o}", "options",
			 view_options(r, "status.", st, r->role >= ROLE_MANAGER ? 4 : 3, selected));
}

int search_page(struct req *r)
{
	const char *q = http_param(r, "q", QUERY_MAX, NULL);
	json_t *c = json_object();

	json_object_set_new(c, "title", json_string(http_msg(r, "search.title")));
	json_object_set_new(c, "q", json_string(q ? q : ""));
	json_object_set_new(c, "is_search", json_true());
	if (q && *q) {
		struct buf html = BUF_INIT;
		int status = page_results(r, &html);
		if (status != 200) {
			buf_free(&html);
			json_decref(c);
			return status;
		}
		json_object_set_new(c, "results_html",
				    json_stringn_nocheck(html.data ? html.data : "", html.len));
		buf_free(&html);
	}
	{
		bool bad = false;
		const char *kind = opt(r, "kind", 20, &bad);
		const char *cat = opt(r, "category", 80, &bad);
		const char *tag = opt(r, "tag", 40, &bad);
		const char *st = opt(r, "status", 20, &bad);
		json_t *cats = view_categories(r), *tags = view_tags(r);
		choose(cats, cat);
		choose(tags, tag);
		json_object_set_new(c, "kinds", view_kind_options(r, kind));
		json_object_set_new(c, "categories", cats);
		json_object_set_new(c, "tags", tags);
		if (r->role >= ROLE_STAFF)
			json_object_set_new(c, "statuses", status_options(r, st));
		/* The filters fold away (a phone shows results sooner) unless
		 * the form shows some set: "Filtros (2)". */
		json_object_set_new(c, "filtered", json_integer(chosen(c)));
	}
	return http_page(r, 200, "search", c);
}

int api_search(struct req *r)
{
	struct search_params p;
	struct buf key = BUF_INIT, text = BUF_INIT;
	int status = params(r, &p, PAGE_RESULTS);

	if (status != 200)
		return status;
	search_key(&key, &p);
	status = run(r, &p, key.data, NULL, &text, NULL);
	if (status == 200)
		status = http_bytes(r, 200, "application/json", text.data, text.len);
	buf_free(&key);
	buf_free(&text);
	return status;
}

int api_suggest(struct req *r)
{
	bool bad = false;
	const char *q = http_param(r, "q", 200, &bad);
	int limit;
	json_t *res;

	if (bad)
		return http_error(r, 400, "bad_request", "err.query_too_long");
	limit = (int)http_count(r, "limit", 1, 20, 8, &bad);
	if (bad)
		return http_error(r, 400, "bad_request", "err.number");
	res = search_suggest(db_handle(r->db), q ? q : "", limit, r->role, r->uid);
	if (!res)
		return http_error(r, 500, "error", "err.internal");
	return http_json(r, 200, json_pack("{s:o}", "results", res));
}
