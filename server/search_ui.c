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
#include "view.h"


#include <stdlib.h>
#include <string.h>

#define QUERY_MAX 2000

static const char *opt(struct req *r, const char *name, size_t max, bool *bad)
{
	const char *v = http_param(r, name, max, bad);
	return v && *v ? v : NULL;
}

/* The cache key of a search: everything its answer depends on (the text,
 * filters and page of results, and who may see what: the role, and for
 * those below editor the user, whose own drafts they see). */
static void search_key(struct buf *k, const struct search_params *p)
{
	buf_printf(k, "search\x1f%d\x1f%lld\x1f%d\x1f%d\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s", p->role,
		   p->role >= ROLE_EDITOR ? 0LL : p->user_id, p->limit, p->offset,
		   p->kind ? p->kind : "", p->category ? p->category : "", p->tag ? p->tag : "",
		   p->status ? p->status : "", p->q);
}

/* Run the search the request asks for; NULL after answering 400.
 * The same search made again before any write is answered from the
 * thread's cache (cache.h: any write, a save or a status change, makes
 * every entry stale), and still counts in search_log and the metrics. */
static json_t *run(struct req *r, int *status, int limit_default)
{
	bool bad = false;
	struct search_params p;
	struct buf key = BUF_INIT, norm = BUF_INIT;
	struct cache_hit hit;
	json_t *res = NULL;
	char *log_users;
	uint64_t gen = cache_generation();
	int64_t now = db_now();
	long long total;
	bool use_cache = !g_server->cfg.no_search_cache, cached;

	memset(&p, 0, sizeof(p));
	p.q = http_param(r, "q", QUERY_MAX, &bad);
	p.kind = opt(r, "kind", 20, &bad);
	p.category = opt(r, "category", 80, &bad);
	p.tag = opt(r, "tag", 40, &bad);
	p.status = opt(r, "status", 20, &bad);
	if (bad) {
		*status = http_error(r, 400, "bad_request", "err.query_too_long");
		return NULL;
	}
	p.limit = (int)http_int(r, "limit", 1, 100, limit_default);
	p.offset = (int)http_int(r, "offset", 0, 10000, 0);
	p.role = r->role;
	p.user_id = r->uid;
	log_users = db_setting(r->db, "search_log_users");
	p.log_user = log_users && strcmp(log_users, "1") == 0;
	free(log_users);
	if (!p.q)
		p.q = "";
	search_key(&key, &p);
	if (use_cache && cache_get(http_cache(r), key.data, now, &hit))
		res = json_loadb(hit.body, hit.blen, 0, NULL);
	cached = res != NULL;
	if (!cached) {
		p.norm = &norm;
		res = search_run(db_handle(r->db), &p);
		if (!res) {
			*status = http_error(r, 500, "error", "err.internal");
			goto out;
		}
		if (use_cache) {
			char *js = json_dumps(res, JSON_COMPACT);
			if (js)
				cache_put(http_cache(r), key.data, gen, now, norm.data ? norm.data : "",
					  norm.len, js, strlen(js));
			free(js);
		}
	}
	total = json_integer_value(json_object_get(res, "total"));
	if (cached)
		search_log(&p, hit.title, total); /* as search_run would have */
	if (*p.q)
		metrics_search(total == 0);
out:
	buf_free(&key);
	buf_free(&norm);
	return res;
}

int search_page(struct req *r)
{
	int status = 200;
	const char *q = http_param(r, "q", QUERY_MAX, NULL);
	json_t *c = json_object(), *res = NULL;

	json_object_set_new(c, "title", json_string(http_msg(r, "search.title")));
	json_object_set_new(c, "q", json_string(q ? q : ""));
	json_object_set_new(c, "is_search", json_true());
	if (q && *q) {
		res = run(r, &status, 20);
		if (!res) {
			json_decref(c);
			return status;
		}
		view_labels_all(r, json_object_get(res, "results"));
		view_times(r, json_object_get(res, "results"), "verified_at");
		json_object_set_new(c, "searched", json_true());
		json_object_set_new(c, "res", res);
	}
	{
		bool bad = false;
		const char *kind = opt(r, "kind", 20, &bad);
		const char *cat = opt(r, "category", 80, &bad);
		json_t *cats = view_categories(r);
		view_mark_selected(cats, cat);
		json_object_set_new(c, "kinds", view_kind_options(r, kind));
		json_object_set_new(c, "categories", cats);
	}
	return http_page(r, 200, "search", c);
}

int api_search(struct req *r)
{
	int status = 200;
	json_t *res = run(r, &status, 20);

	if (!res)
		return status;
	return http_json(r, 200, res);
}

int api_suggest(struct req *r)
{
	bool bad = false;
	const char *q = http_param(r, "q", 200, &bad);
	json_t *res;

	if (bad)
		return http_error(r, 400, "bad_request", "err.query_too_long");
	res = search_suggest(db_handle(r->db), q ? q : "", (int)http_int(r, "limit", 1, 20, 8),
			     r->role, r->uid);
	if (!res)
		return http_error(r, 500, "error", "err.internal");
	return http_json(r, 200, json_pack("{s:o}", "results", res));
}
