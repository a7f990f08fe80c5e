/*
 * report_risk.c - /reports/risk: where know-how depends on too few
 * people.
 *
 * For every published procedure: who wrote its current text and in what
 * share (page_authors, kept by pages_save; never recomputed from history
 * here), the people who could carry it on (authors, owner and backup
 * owner who are active and not leaving), how many active people confirmed
 * its current version, when it was last verified. For every category: its
 * bus factor, the smallest number of people who together wrote more than
 * half of its current lines (text of unknown authorship left out).
 *
 * A procedure "depends on a single person" when at most one person could
 * carry it on. Its risk score (0-100, higher is worse) adds up:
 *   concentration   the main author's share of lines, scaled to 0-40
 *   carriers        none 35, one 25, two 10, more 0
 *   no backup       10 when there is no active backup owner
 *   unread          5 when nobody confirmed the current version
 *   unverified      10 when verification is overdue or never happened
 * The report sorts by score (then size). Only the first PAGE_ROWS rows are
 * drawn as HTML; JSON (?limit=) and CSV carry them all.
 *
 * Cost: four queries over indexed tables and arithmetic in C; no revision
 * text is read. 20,000 procedures take a few tens of milliseconds.
 */
#include "authors.h"
#include "buf.h"
#include "db.h"
#include "http.h"
#include "onboarding.h"
#include "reports.h"
#include "role.h"
#include "svg.h"
#include "view.h"

#include <stdlib.h>
#include <string.h>

#define PAGE_ROWS 100
#define TOP_AUTHORS 3

struct ruser {
	long long id;
	char *name;
	bool carries;   /* active and not leaving */
	bool active;
	char *departs_on;
};

struct rauthor {
	int user;       /* index into users; -1: unknown */
	long long lines;
};

struct rpage {
	long long id;
	char *slug, *title, *category;
	int owner, backup;     /* user indexes, -1: none */
	int64_t verified_at, created_at;
	int review_days;
	int cat;               /* category index */
	struct rauthor *a;     /* authors, most lines first */
	int na;
	long long lines;
	int bus;
	int carriers;
	long long confirmations;
	bool overdue, single;
	int score;
};

struct rcat {
	char *name;
	int pages, single, high;
	long long score_sum;
	long long lines, known;
	long long *by_user;    /* lines per user index */
	int bus;
};

struct risk {
	struct ruser *u;
	int nu;
	struct rpage *p;
	int np;
	struct rcat *c;
	int nc;
};

static int cmp_user(const void *a, const void *b)
{
	long long x = ((const struct ruser *)a)->id, y = ((const struct ruser *)b)->id;
	return x < y ? -1 : x > y;
}

static int user_index(const struct risk *k, long long id)
{
	int lo = 0, hi = k->nu - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		if (k->u[mid].id == id)
			return mid;
		if (k->u[mid].id < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

static int page_index(const struct risk *k, long long id)
{
	int lo = 0, hi = k->np - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		if (k->p[mid].id == id)
			return mid;
		if (k->p[mid].id < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

static int cmp_author(const void *a, const void *b)
{
	const struct rauthor *x = a, *y = b;
	return x->lines > y->lines ? -1 : x->lines < y->lines;
}

static void risk_free(struct risk *k)
{
	for (int i = 0; i < k->nu; i++) {
		free(k->u[i].name);
		free(k->u[i].departs_on);
	}
	for (int i = 0; i < k->np; i++) {
		free(k->p[i].slug);
		free(k->p[i].title);
		free(k->p[i].category);
		free(k->p[i].a);
	}
	for (int i = 0; i < k->nc; i++) {
		free(k->c[i].name);
		free(k->c[i].by_user);
	}
	free(k->u);
	free(k->p);
	free(k->c);
}

static int cat_index(struct risk *k, const char *name)
{
	/* Few categories: a linear scan is fine (pages come category by
	 * category more often than not, so look at the last one first). */
	if (k->nc && strcmp(k->c[k->nc - 1].name, name) == 0)
		return k->nc - 1;
	for (int i = 0; i < k->nc; i++)
		if (strcmp(k->c[i].name, name) == 0)
			return i;
	k->c = xrealloc(k->c, sizeof(*k->c) * (size_t)(k->nc + 1));
	memset(&k->c[k->nc], 0, sizeof(*k->c));
	k->c[k->nc].name = xstrdup(name);
	k->c[k->nc].by_user = xcalloc((size_t)k->nu + 1, sizeof(long long));
	return k->nc++;
}

static int load(struct db *db, const char *category, struct risk *k)
{
	sqlite3_stmt *st;
	int64_t now = db_now();
	int cap = 0;

	memset(k, 0, sizeof(*k));
	st = db_stmt(db, "SELECT id, display_name, active, departs_on FROM users");
	if (!st)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (k->nu == cap) {
			cap = cap ? cap * 2 : 64;
			k->u = xrealloc(k->u, sizeof(*k->u) * (size_t)cap);
		}
		struct ruser *u = &k->u[k->nu++];
		u->id = sqlite3_column_int64(st, 0);
		u->name = xstrdup(db_col_text(st, 1));
		u->active = sqlite3_column_int(st, 2) != 0;
		u->departs_on = sqlite3_column_type(st, 3) == SQLITE_NULL ? NULL
									  : xstrdup(db_col_text(st, 3));
		u->carries = u->active && !u->departs_on;
	}
	sqlite3_reset(st);
	qsort(k->u, (size_t)k->nu, sizeof(*k->u), cmp_user);

	cap = 0;
	st = db_stmt(db, "SELECT id, slug, title, category, owner_id, backup_owner_id, "
			 "verified_at, created_at, review_days FROM pages "
			 "WHERE kind = 'procedure' AND status = 'published' "
			 "AND (?1 IS NULL OR category = ?1) ORDER BY id");
	if (!st)
		return -1;
	db_bind_text(st, 1, category);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (k->np == cap) {
			cap = cap ? cap * 2 : 256;
			k->p = xrealloc(k->p, sizeof(*k->p) * (size_t)cap);
		}
		struct rpage *p = &k->p[k->np++];
		memset(p, 0, sizeof(*p));
		p->id = sqlite3_column_int64(st, 0);
		p->slug = xstrdup(db_col_text(st, 1));
		p->title = xstrdup(db_col_text(st, 2));
		p->category = xstrdup(db_col_text(st, 3));
		p->owner = sqlite3_column_type(st, 4) == SQLITE_NULL ? -1
			 : user_index(k, sqlite3_column_int64(st, 4));
		p->backup = sqlite3_column_type(st, 5) == SQLITE_NULL ? -1
			  : user_index(k, sqlite3_column_int64(st, 5));
		p->verified_at = sqlite3_column_int64(st, 6);
		p->created_at = sqlite3_column_int64(st, 7);
		p->review_days = sqlite3_column_int(st, 8);
		p->overdue = report_overdue(p->verified_at, p->created_at, p->review_days, now);
	}
	sqlite3_reset(st);
	for (int i = 0; i < k->np; i++)
		k->p[i].cat = cat_index(k, k->p[i].category);

	st = db_stmt(db, "SELECT pa.page_id, pa.user_id, pa.lines FROM page_authors pa "
			 "JOIN pages p ON p.id = pa.page_id WHERE p.kind = 'procedure' "
			 "AND p.status = 'published' AND (?1 IS NULL OR p.category = ?1)");
	if (!st)
		return -1;
	db_bind_text(st, 1, category);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int pi = page_index(k, sqlite3_column_int64(st, 0));
		long long uid = sqlite3_column_int64(st, 1);
		struct rpage *p;
		if (pi < 0)
			continue;
		p = &k->p[pi];
		p->a = xrealloc(p->a, sizeof(*p->a) * (size_t)(p->na + 1));
		p->a[p->na].user = uid ? user_index(k, uid) : -1;
		p->a[p->na].lines = sqlite3_column_int64(st, 2);
		p->na++;
	}
	sqlite3_reset(st);

	st = db_stmt(db, "SELECT a.page_id, count(*) FROM acks a JOIN pages p ON p.id = a.page_id "
			 "JOIN users u ON u.id = a.user_id WHERE a.rev >= p.ack_rev AND u.active = 1 "
			 "AND p.kind = 'procedure' AND p.status = 'published' "
			 "AND (?1 IS NULL OR p.category = ?1) GROUP BY a.page_id");
	if (!st)
		return -1;
	db_bind_text(st, 1, category);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int pi = page_index(k, sqlite3_column_int64(st, 0));
		if (pi >= 0)
			k->p[pi].confirmations = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return 0;
}

static bool carries(const struct risk *k, int u)
{
	return u >= 0 && k->u[u].carries;
}

static void score_page(struct risk *k, struct rpage *p)
{
	long long known[64];
	int nk = 0, carriers = 0, seen[64 + 2], ns = 0, score = 0;
	long long top = 0;

	qsort(p->a, (size_t)p->na, sizeof(*p->a), cmp_author);
	for (int i = 0; i < p->na; i++) {
		p->lines += p->a[i].lines;
		if (p->a[i].user >= 0 && nk < 64)
			known[nk++] = p->a[i].lines;
		if (p->a[i].lines > top)
			top = p->a[i].lines;
	}
	p->bus = authors_bus_factor(known, (size_t)nk);
	/* Who could carry it on: distinct active, staying people among the
	 * authors, the owner and the backup owner. */
	for (int i = -2; i < p->na && ns < 64; i++) {
		int u = i == -2 ? p->owner : i == -1 ? p->backup : p->a[i].user;
		bool dup = false;
		if (!carries(k, u))
			continue;
		for (int j = 0; j < ns; j++)
			dup = dup || seen[j] == u;
		if (!dup)
			seen[ns++] = u;
	}
	carriers = ns;
	p->carriers = carriers;
	p->single = carriers <= 1;
	score += p->lines ? (int)(top * 40 / p->lines) : 40;
	score += carriers == 0 ? 35 : carriers == 1 ? 25 : carriers == 2 ? 10 : 0;
	score += carries(k, p->backup) ? 0 : 10;
	score += p->confirmations ? 0 : 5;
	score += p->overdue ? 10 : 0;
	p->score = score > 100 ? 100 : score;
}

static void score_all(struct risk *k)
{
	for (int i = 0; i < k->np; i++) {
		struct rpage *p = &k->p[i];
		struct rcat *c;
		score_page(k, p);
		c = &k->c[p->cat];
		c->pages++;
		c->single += p->single;
		c->high += p->score >= 70;
		c->score_sum += p->score;
		for (int j = 0; j < p->na; j++) {
			c->lines += p->a[j].lines;
			if (p->a[j].user >= 0) {
				c->known += p->a[j].lines;
				c->by_user[p->a[j].user] += p->a[j].lines;
			}
		}
	}
	for (int i = 0; i < k->nc; i++) {
		struct rcat *c = &k->c[i];
		long long *tmp = xcalloc((size_t)k->nu + 1, sizeof(*tmp));
		size_t n = 0;
		for (int u = 0; u < k->nu; u++)
			if (c->by_user[u] > 0)
				tmp[n++] = c->by_user[u];
		c->bus = authors_bus_factor(tmp, n);
		free(tmp);
	}
}

static int cmp_page_risk(const void *a, const void *b)
{
	const struct rpage *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->lines != y->lines)
		return x->lines > y->lines ? -1 : 1;
	return strcmp(x->title, y->title);
}

static int cat_avg(const struct rcat *c)
{
	return c->pages ? (int)(c->score_sum / c->pages) : 0;
}

/* Categories by risk: bus factor 1 first (0, unknown, after), then by
 * average score. (Sorted after scoring, when pages no longer need their
 * category index.) */
static int cmp_cat_risk(const void *a, const void *b)
{
	const struct rcat *x = a, *y = b;
	int bx = x->bus ? x->bus : 1000, by = y->bus ? y->bus : 1000;

	if (bx != by)
		return bx < by ? -1 : 1;
	if (cat_avg(x) != cat_avg(y))
		return cat_avg(x) > cat_avg(y) ? -1 : 1;
	return strcmp(x->name, y->name);
}

static const char *level(int score)
{
	return score >= 70 ? "high" : score >= 40 ? "medium" : "low";
}

static json_t *user_json(const struct risk *k, int u)
{
	if (u < 0)
		return json_null();
	return json_pack("{s:I, s:s, s:b, s:b, s:o}", "id", (json_int_t)k->u[u].id, "name",
			 k->u[u].name, "active", k->u[u].active, "leaving",
			 k->u[u].departs_on != NULL, "departs_on",
			 k->u[u].departs_on ? json_string(k->u[u].departs_on) : json_null());
}

static json_t *page_json(struct req *r, const struct risk *k, const struct rpage *p)
{
	json_t *authors = json_array(), *o;
	struct buf lv = BUF_INIT;

	for (int i = 0; i < p->na; i++) {
		const struct rauthor *a = &p->a[i];
		json_t *au = a->user >= 0 ? user_json(k, a->user)
					  : json_pack("{s:n, s:s, s:b, s:b}", "id", "name",
						      http_msg(r, "risk.unknown_author"), "active", 0,
						      "leaving", 0);
		json_object_set_new(au, "lines", json_integer(a->lines));
		json_object_set_new(au, "share", json_integer(view_percent(a->lines, p->lines)));
		json_object_set_new(au, "shown", json_boolean(i < TOP_AUTHORS));
		json_array_append_new(authors, au);
	}
	buf_puts(&lv, "risk.level_");
	buf_puts(&lv, level(p->score));
	o = json_pack("{s:s, s:s, s:s, s:I, s:i, s:i, s:i, s:b, s:I, s:b, s:i, s:s, s:s, s:o, s:o, s:o}",
		"slug", p->slug, "title", p->title, "category", p->category,
		"lines", (json_int_t)p->lines, "bus_factor", p->bus, "people", p->carriers,
		"score", p->score, "single_person", p->single,
		"confirmations", (json_int_t)p->confirmations, "overdue", p->overdue,
		"authors_count", p->na, "level", level(p->score),
		"level_label", http_msg(r, lv.data), "owner", user_json(k, p->owner),
		"backup_owner", user_json(k, p->backup), "authors", authors);
	json_object_set_new(o, "verified_at", p->verified_at ? json_integer(p->verified_at) : json_null());
	json_object_set_new(o, "main_author", p->na ? json_string(json_string_value(
		json_object_get(json_array_get(authors, 0), "name"))) : json_null());
	json_object_set_new(o, "main_share", json_integer(p->na ? view_percent(p->a[0].lines, p->lines) : 0));
	buf_free(&lv);
	return o;
}

static json_t *cat_json(struct req *r, const struct risk *k, const struct rcat *c)
{
	json_t *top = json_array();
	int idx[TOP_AUTHORS] = {-1, -1, -1};

	/* The three who wrote most of it. */
	for (int u = 0; u < k->nu; u++) {
		if (c->by_user[u] <= 0)
			continue;
		for (int s = 0; s < TOP_AUTHORS; s++) {
			if (idx[s] < 0 || c->by_user[u] > c->by_user[idx[s]]) {
				for (int t = TOP_AUTHORS - 1; t > s; t--)
					idx[t] = idx[t - 1];
				idx[s] = u;
				break;
			}
		}
	}
	for (int s = 0; s < TOP_AUTHORS && idx[s] >= 0; s++) {
		json_t *au = user_json(k, idx[s]);
		json_object_set_new(au, "lines", json_integer(c->by_user[idx[s]]));
		json_object_set_new(au, "share", json_integer(view_percent(c->by_user[idx[s]], c->lines)));
		json_array_append_new(top, au);
	}
	return json_pack("{s:s, s:s, s:i, s:I, s:I, s:i, s:b, s:i, s:i, s:i, s:o}",
		"category", c->name, "name", *c->name ? c->name : http_msg(r, "risk.no_category"),
		"pages", c->pages, "lines", (json_int_t)c->lines,
		"unknown_lines", (json_int_t)(c->lines - c->known), "bus_factor", c->bus,
		"bus_factor_one", c->bus == 1, "single_person_pages", c->single,
		"high_risk_pages", c->high, "average_score", cat_avg(c), "top_authors", top);
}

static const char *const page_cols[] = {
	"slug", "title", "category", "score", "level", "single_person", "bus_factor", "people",
	"main_author", "main_share", "authors_count", "lines", "owner", "backup_owner",
	"confirmations", "verified_at", "overdue"};
static const char *const cat_cols[] = {
	"category", "pages", "lines", "unknown_lines", "bus_factor", "single_person_pages",
	"high_risk_pages", "average_score"};

int reports_risk(struct req *r)
{
	int bad = 0, status;
	const char *category = report_category(r, &bad);
	enum report_fmt fmt = report_format(r);
	struct risk k;
	long long limit;
	bool bad_number = false;
	json_t *pages, *cats, *c;

	if (bad || fmt == REPORT_BAD)
		return http_error(r, 400, "bad_request", "err.bad_request");
	limit = http_count(r, "limit", 1, 1000000, fmt == REPORT_HTML ? PAGE_ROWS : 1000000,
			   &bad_number);
	if (bad_number)
		return http_error(r, 400, "bad_request", "err.number");
	if (load(r->db, category, &k) < 0) {
		risk_free(&k);
		return http_error(r, 500, "error", "err.internal");
	}
	score_all(&k);
	qsort(k.p, (size_t)k.np, sizeof(*k.p), cmp_page_risk);
	qsort(k.c, (size_t)k.nc, sizeof(*k.c), cmp_cat_risk);

	if (fmt == REPORT_CSV) {
		struct buf out = BUF_INIT;
		const char *kind = http_query(r, "table");
		bool by_cat = kind && strcmp(kind, "categories") == 0;
		if (by_cat) {
			report_csv_header(&out, cat_cols, sizeof(cat_cols) / sizeof(*cat_cols));
			for (int i = 0; i < k.nc; i++) {
				json_t *row = cat_json(r, &k, &k.c[i]);
				report_csv_row(&out, row, cat_cols, sizeof(cat_cols) / sizeof(*cat_cols));
				json_decref(row);
			}
		} else {
			report_csv_header(&out, page_cols, sizeof(page_cols) / sizeof(*page_cols));
			for (int i = 0; i < k.np; i++) {
				json_t *row = page_json(r, &k, &k.p[i]);
				report_csv_row(&out, row, page_cols, sizeof(page_cols) / sizeof(*page_cols));
				json_decref(row);
			}
		}
		risk_free(&k);
		return report_csv_send(r, &out, by_cat ? "riesgo-categorias" : "riesgo");
	}

	pages = json_array();
	for (int i = 0; i < k.np && i < limit; i++)
		json_array_append_new(pages, page_json(r, &k, &k.p[i]));
	cats = json_array();
	for (int i = 0; i < k.nc; i++)
		json_array_append_new(cats, cat_json(r, &k, &k.c[i]));
	c = json_object();
	{
		int single = 0;
		json_t *one = json_array();
		for (int i = 0; i < k.np; i++)
			single += k.p[i].single;
		for (int i = 0; i < k.nc; i++)
			if (k.c[i].bus == 1)
				json_array_append_new(one, json_string(k.c[i].name));
		json_object_set_new(c, "total_pages", json_integer(k.np));
		json_object_set_new(c, "single_person_total", json_integer(single));
		json_object_set_new(c, "bus_factor_one", one);
	}
	risk_free(&k);
	json_object_set_new(c, "category", category ? json_string(category) : json_null());
	if (fmt == REPORT_JSON) {
		size_t i;
		json_t *v;
		json_array_foreach(pages, i, v)
			json_object_del(v, "level_label");
		json_object_set_new(c, "pages", pages);
		json_object_set_new(c, "categories", cats);
		return http_json(r, 200, c);
	}
	/* HTML: the chart, the filter, the tables. */
	{
		json_t *bars = json_array(), *v, *opts = json_array();
		size_t i;
		struct buf lab = BUF_INIT;
		json_array_foreach(cats, i, v)
			json_array_append_new(bars, json_pack("{s:O, s:O}", "name", json_object_get(v, "name"),
				"value", json_object_get(v, "average_score")));
		buf_puts(&lab, http_msg(r, "risk.chart_label"));
		json_object_set_new(c, "chart", svg_hbars(bars, 100, lab.data));
		json_decref(bars);
		buf_free(&lab);
		view_times(r, pages, "verified_at");
		json_array_foreach(cats, i, v)
			view_days(r, json_object_get(v, "top_authors"), "departs_on");
		/* The filter lists every category, not just the filtered one. */
		sqlite3_stmt *st = db_stmt(r->db, "SELECT DISTINCT category FROM pages WHERE kind = "
						  "'procedure' AND status = 'published' ORDER BY category");
		if (st) {
			while (sqlite3_step(st) == SQLITE_ROW) {
				const char *name = db_col_text(st, 0);
				json_array_append_new(opts, json_pack("{s:s, s:s, s:b}", "value", name,
					"name", *name ? name : http_msg(r, "risk.no_category"),
					"selected", category && strcmp(category, name) == 0));
			}
			sqlite3_reset(st);
		}
		json_object_set_new(c, "options", opts);
	}
	json_object_set_new(c, "shown", json_integer((json_int_t)json_array_size(pages)));
	json_object_set_new(c, "pages", pages);
	json_object_set_new(c, "categories", cats);
	json_object_set_new(c, "title", json_string(http_msg(r, "risk.title")));
	{
		struct buf q = BUF_INIT;
		if (category) {
			buf_puts(&q, "&category=");
			buf_url(&q, category, strlen(category));
		}
		json_object_set_new(c, "filter_query", json_string(q.data));
		buf_free(&q);
	}
	status = http_page(r, 200, "reports_risk", c);
	return status;
}
