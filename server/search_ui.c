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

/* Run the search the request asks for: 200 and its answer, as jansson's
 * tree in *tree (the page) or as JSON text appended to text (the API);
 * otherwise the status of the error it answered (400).
 * The same search made again before any write is answered from the
 * thread's cache (cache.h: any write, a save or a status change, makes
 * every entry stale), and still counts in search_log and the metrics.
 * An entry is the JSON text, titled "TOTAL NORM" (the number of results
 * and the normalised query, for the log): the API sends it as it is, and
 * a search is dumped once, not once for the cache and again for the
 * reply (a dump is about 6 % of a search never seen; parsing and dumping
 * again cost a cached answer three quarters of its time). */
static int run(struct req *r, int limit_default, json_t **tree, struct buf *text)
{
	bool bad = false;
	struct search_params p;
	struct buf key = BUF_INIT, norm = BUF_INIT, meta = BUF_INIT, dump = BUF_INIT;
	struct cache_hit hit;
	json_t *res = NULL;
	char *log_users;
	uint64_t gen = cache_generation();
	int64_t now = db_now();
	long long total = 0;
	bool use_cache = !g_server->cfg.no_search_cache;
	int status = 200;

	memset(&p, 0, sizeof(p));
	p.q = http_param(r, "q", QUERY_MAX, &bad);
	p.kind = opt(r, "kind", 20, &bad);
	p.category = opt(r, "category", 80, &bad);
	p.tag = opt(r, "tag", 40, &bad);
	p.status = opt(r, "status", 20, &bad);
	if (bad)
		return http_error(r, 400, "bad_request", "err.query_too_long");
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
	if (use_cache && cache_get(http_cache(r), key.data, now, &hit)) {
		char *end;
		total = strtoll(hit.title, &end, 10);
		if (*end == ' ')
			end++;
		buf_append(&norm, end, hit.tlen - (size_t)(end - hit.title));
		if (text)
			buf_append(text, hit.body, hit.blen);
		else if (!(*tree = json_loadb(hit.body, hit.blen, 0, NULL)))
			status = http_error(r, 500, "error", "err.internal");
		search_log(&p, norm.data ? norm.data : "", total); /* as search_run would have */
	} else {
		p.norm = &norm;
		res = search_run(db_handle(r->db), &p);
		if (!res) {
			status = http_error(r, 500, "error", "err.internal");
			goto out;
		}
		total = json_integer_value(json_object_get(res, "total"));
		if (use_cache || text) {
			struct buf *into = text ? text : &dump;
			size_t at = into->len;
			if (http_json_dump(res, into) != 0) {
				if (text)
					status = http_error(r, 500, "error", "err.internal");
			} else if (use_cache) {
				buf_printf(&meta, "%lld %s", total, norm.data ? norm.data : "");
				cache_put(http_cache(r), key.data, gen, now, meta.data, meta.len,
					  into->data + at, into->len - at);
			}
		}
		if (tree)
			*tree = res;
		else
			json_decref(res);
	}
	if (status == 200 && *p.q)
		metrics_search(total == 0);
out:
	buf_free(&key);
	buf_free(&norm);
	buf_free(&meta);
	buf_free(&dump);
	return status;
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
		status = run(r, 20, &res, NULL);
		if (status != 200) {
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
	struct buf text = BUF_INIT;
	int status = run(r, 20, NULL, &text);

	if (status == 200)
		status = http_bytes(r, 200, "application/json", text.data, text.len);
	buf_free(&text);
	return status;
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
