/*
 * reports.c - the managers' reports other than risk (report_risk.c) and
 * handover (handover.c): what is stale, where the know-how has gaps,
 * which lessons challenge a procedure; plus the plumbing they all share
 * (format choice, CSV).
 *
 * Every report answers three ways from one handler: HTML (the page),
 * JSON under /api/v1/reports/, and CSV with ?format=csv. HTML shows the
 * first HTML_ROWS rows with the total; JSON and CSV carry every row.
 * Rows are built while stepping the query, so a long report costs one
 * pass and no second count query.
 */
#include "reports.h"

#include "buf.h"
#include "db.h"
#include "http.h"
#include "onboarding.h"
#include "role.h"
#include "svg.h"
#include "view.h"
#include "searchlog.h"

#include <stdlib.h>
#include <string.h>

#define HTML_ROWS 200
#define FEW_HITS 2          /* a search "with few results" found at most this many;
			       the report counts the searches that did */
#define GAP_DAYS 90         /* the searches report looks this far back */
#define TREND_WEEKS 12

/* ---- plumbing ---- */

enum report_fmt report_format(struct req *r)
{
	const char *f = http_query(r, "format");

	if (!f || !*f)
		return r->api ? REPORT_JSON : REPORT_HTML;
	if (strcmp(f, "csv") == 0)
		return REPORT_CSV;
	if (strcmp(f, "json") == 0)
		return REPORT_JSON;
	if (strcmp(f, "html") == 0 && !r->api)
		return REPORT_HTML;
	return REPORT_BAD;
}

const char *report_category(struct req *r, int *bad)
{
	bool too_long = false;
	const char *c = http_param(r, "category", 80, &too_long);

	if (too_long)
		*bad = 1;
	return c && *c ? c : NULL;
}

int report_overdue(int64_t verified_at, int64_t created, int days, int64_t now)
{
	return (verified_at ? verified_at : created) + (int64_t)days * 86400 < now;
}

void report_csv_header(struct buf *out, const char *const cols[], size_t n)
{
	buf_puts(out, "\xEF\xBB\xBF");
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_putc(out, ',');
		buf_csv(out, cols[i], strlen(cols[i]));
	}
	buf_puts(out, "\r\n");
}

static void csv_value(struct buf *out, json_t *v)
{
	if (json_is_string(v)) {
		buf_csv(out, json_string_value(v), json_string_length(v));
	} else if (json_is_integer(v)) {
		buf_int(out, json_integer_value(v));
	} else if (json_is_real(v)) {
		buf_printf(out, "%g", json_real_value(v));
	} else if (json_is_boolean(v)) {
		buf_puts(out, json_is_true(v) ? "true" : "false");
	} else if (json_is_object(v)) {
		json_t *name = json_object_get(v, "name");
		if (json_is_string(name))
			buf_csv(out, json_string_value(name), json_string_length(name));
	} else if (json_is_array(v)) {
		struct buf joined = BUF_INIT;
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e) {
			json_t *s = json_is_object(e) ? json_object_get(e, "name") : e;
			if (!json_is_string(s))
				continue;
			if (joined.len)
				buf_puts(&joined, "; ");
			buf_puts(&joined, json_string_value(s));
		}
		buf_csv(out, joined.data, joined.len);
		buf_free(&joined);
	}
}

void report_csv_row(struct buf *out, json_t *row, const char *const cols[], size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_putc(out, ',');
		csv_value(out, json_object_get(row, cols[i]));
	}
	buf_puts(out, "\r\n");
}

int report_csv_send(struct req *r, struct buf *out, const char *name)
{
	struct buf cd = BUF_INIT;
	char day[11];
	int status;

	if (buf_error(out)) {
		buf_free(out);
		return http_error(r, 413, "too_large", "err.too_large");
	}
	view_date(db_now(), day);
	buf_printf(&cd, "attachment; filename=\"oficio-%s-%s.csv\"", name, day);
	http_set_header(r, "Content-Disposition", cd.data);
	status = http_bytes(r, 200, "text/csv; charset=utf-8", out->data, out->len);
	buf_free(&cd);
	buf_free(out);
	return status;
}

/* Rows of a table for the answer: CSV lines straight into csv (when not
 * NULL), else JSON objects into rows, at most `keep` of them. */
struct sink {
	struct buf *csv;
	json_t *rows;
	const char *const *cols;
	size_t ncols;
	long long keep, total;
};

static void sink_add(struct sink *s, json_t *row)
{
	s->total++;
	if (s->csv)
		report_csv_row(s->csv, row, s->cols, s->ncols);
	if (!s->csv && s->total <= s->keep) {
		json_array_append_new(s->rows, row);
		return;
	}
	json_decref(row);
}

static json_t *user_or_null(sqlite3_stmt *st, int id_col, int name_col, int active_col)
{
	if (sqlite3_column_type(st, id_col) == SQLITE_NULL)
		return json_null();
	return json_pack("{s:I, s:o, s:b}", "id", (json_int_t)sqlite3_column_int64(st, id_col),
			 "name", db_col_json(st, name_col), "active",
			 sqlite3_column_int(st, active_col));
}

static json_t *int_or_null(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? json_null()
							    : json_integer(sqlite3_column_int64(st, col));
}

static json_t *base_ctx(struct req *r, const char *title_key)
{
	json_t *c = json_object();

	json_object_set_new(c, "title", json_string(http_msg(r, title_key)));
	return c;
}

/* ---- index ---- */

int reports_index(struct req *r)
{
	return http_page(r, 200, "reports_index", base_ctx(r, "reports.title"));
}

/* ---- stale ---- */

static const char *const stale_cols[] = {
	"slug", "title", "category", "owner", "verified_at", "due_on", "days_overdue",
	"never_verified", "overdue", "open_flags", "open_challenges"};

static void stale_rows(struct req *r, const char *category, struct sink *s)
{
	int64_t now = db_now();
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT * FROM (SELECT p.slug, p.title, p.category, p.owner_id, uo.display_name, "
		"uo.active, p.verified_at, coalesce(p.verified_at, p.created_at) + p.review_days * 86400 "
		"AS due, (SELECT count(*) FROM flags f WHERE f.page_id = p.id AND f.resolved_at IS NULL) "
		"AS flags, (SELECT count(*) FROM challenges c WHERE c.procedure_id = p.id "
		"AND c.status = 'open') AS challenges FROM pages p LEFT JOIN users uo ON uo.id = p.owner_id "
		"WHERE p.kind = 'procedure' AND p.status = 'published' AND (?1 IS NULL OR p.category = ?1)) "
		"WHERE due < ?2 OR verified_at IS NULL OR flags > 0 OR challenges > 0 "
		"ORDER BY (due < ?2) DESC, due, title");

	if (!st)
		return;
	db_bind_text(st, 1, category);
	db_bind_int(st, 2, now);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t due = sqlite3_column_int64(st, 7);
		char d[11];
		json_t *o;

		view_date(due, d);
		o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:s, s:I, s:b, s:b, s:i, s:i}",
			"slug", db_col_json(st, 0), "title", db_col_json(st, 1),
			"category", db_col_json(st, 2), "owner", user_or_null(st, 3, 4, 5),
			"verified_at", int_or_null(st, 6), "due_on", d,
			"days_overdue", (json_int_t)(due < now ? (now - due) / 86400 : 0),
			"never_verified", sqlite3_column_type(st, 6) == SQLITE_NULL,
			"overdue", due < now, "open_flags", sqlite3_column_int(st, 8),
			"open_challenges", sqlite3_column_int(st, 9));
		sink_add(s, o);
	}
	sqlite3_reset(st);
}

/* "1 aviso abierto", "2 avisos abiertos": each row's counts as the page
 * says them, in flags_text and challenges_text (none when zero). */
static void stale_counts(struct req *r, json_t *rows)
{
	static const char *const what[2][3] = {
		{"open_flags", "stale.flags_one", "stale.flags_many"},
		{"open_challenges", "stale.challenges_one", "stale.challenges_many"}};
	static const char *const key[2] = {"flags_text", "challenges_text"};
	struct buf t = BUF_INIT;
	size_t i;
	json_t *o;

	json_array_foreach(rows, i, o)
		for (int k = 0; k < 2; k++) {
			json_int_t n = json_integer_value(json_object_get(o, what[k][0]));
			if (n <= 0)
				continue;
			buf_reset(&t);
			view_count(&t, http_msg(r, what[k][n == 1 ? 1 : 2]), n);
			json_object_set_new(o, key[k], json_stringn(t.data, t.len));
		}
	buf_free(&t);
}

int reports_stale(struct req *r)
{
	int bad = 0;
	const char *category = report_category(r, &bad);
	enum report_fmt fmt = report_format(r);
	struct buf csv = BUF_INIT;
	struct sink s = {NULL, NULL, stale_cols, sizeof(stale_cols) / sizeof(*stale_cols), 0, 0};
	json_t *c;

	if (bad || fmt == REPORT_BAD)
		return http_error(r, 400, "bad_request", "err.bad_request");
	if (fmt == REPORT_CSV) {
		s.csv = &csv;
		report_csv_header(&csv, s.cols, s.ncols);
		stale_rows(r, category, &s);
		return report_csv_send(r, &csv, "caducados");
	}
	s.rows = json_array();
	s.keep = fmt == REPORT_HTML ? HTML_ROWS : 1000000;
	stale_rows(r, category, &s);
	c = base_ctx(r, "stale.title");
	json_object_set_new(c, "total", json_integer(s.total));
	json_object_set_new(c, "category", category ? json_string(category) : json_null());
	if (fmt == REPORT_JSON) {
		json_object_del(c, "title");
		json_object_set_new(c, "pages", s.rows);
		return http_json(r, 200, c);
	}
	view_times(r, s.rows, "verified_at");
	view_days(r, s.rows, "due_on");
	stale_counts(r, s.rows);
	json_object_set_new(c, "pages", s.rows);
	json_object_set_new(c, "shown", json_integer((json_int_t)json_array_size(s.rows)));
	json_object_set_new(c, "more", json_boolean(s.total > (long long)json_array_size(s.rows)));
	return http_page(r, 200, "reports_stale", c);
}

/* ---- gaps ---- */

static const char *const search_cols[] = {"query", "searches", "zero_hits", "max_hits", "last_at"};
static const char *const viewed_cols[] = {"slug", "title", "views", "owner", "verified_at", "due_on"};
static const char *const lesson_cols[] = {"slug", "title", "author", "submitted_at"};
static const char *const week_cols[] = {"week", "total", "zero"};

static void gap_searches(struct req *r, int64_t since, struct sink *s)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT lower(trim(query)) AS q, count(*), sum(hits = 0), max(hits), max(at) "
		"FROM search_log WHERE hits <= ?2 AND at >= ?1 AND trim(query) <> '' GROUP BY q "
		"ORDER BY count(*) DESC, q LIMIT 500");

	if (!st)
		return;
	db_bind_int(st, 1, since);
	db_bind_int(st, 2, FEW_HITS);
	while (sqlite3_step(st) == SQLITE_ROW)
		sink_add(s, json_pack("{s:o, s:i, s:i, s:i, s:I}", "query", db_col_json(st, 0),
			"searches", sqlite3_column_int(st, 1), "zero_hits", sqlite3_column_int(st, 2),
			"max_hits", sqlite3_column_int(st, 3),
			"last_at", (json_int_t)sqlite3_column_int64(st, 4)));
	sqlite3_reset(st);
}

static void gap_viewed(struct req *r, struct sink *s)
{
	int64_t now = db_now();
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT p.slug, p.title, v.views, p.owner_id, uo.display_name, uo.active, p.verified_at, "
		"coalesce(p.verified_at, p.created_at) + p.review_days * 86400 FROM page_views v "
		"JOIN pages p ON p.id = v.page_id LEFT JOIN users uo ON uo.id = p.owner_id "
		"WHERE p.kind = 'procedure' AND p.status = 'published' "
		"AND coalesce(p.verified_at, p.created_at) + p.review_days * 86400 < ?1 "
		"ORDER BY v.views DESC LIMIT 50");

	if (!st)
		return;
	db_bind_int(st, 1, now);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char d[11];
		view_date(sqlite3_column_int64(st, 7), d);
		sink_add(s, json_pack("{s:o, s:o, s:I, s:o, s:o, s:s}", "slug", db_col_json(st, 0),
			"title", db_col_json(st, 1), "views", (json_int_t)sqlite3_column_int64(st, 2),
			"owner", user_or_null(st, 3, 4, 5), "verified_at", int_or_null(st, 6),
			"due_on", d));
	}
	sqlite3_reset(st);
}

static void gap_lessons(struct req *r, struct sink *s)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT p.slug, p.title, u.display_name, p.updated_at FROM pages p "
		"LEFT JOIN users u ON u.id = p.created_by WHERE p.kind = 'lesson' "
		"AND p.status = 'in_review' ORDER BY p.updated_at LIMIT 200");

	if (!st)
		return;
	while (sqlite3_step(st) == SQLITE_ROW)
		sink_add(s, json_pack("{s:o, s:o, s:o, s:I}", "slug", db_col_json(st, 0),
			"title", db_col_json(st, 1), "author", db_col_json(st, 2),
			"submitted_at", (json_int_t)sqlite3_column_int64(st, 3)));
	sqlite3_reset(st);
}

/* Searches per week for the last TREND_WEEKS weeks, oldest first:
 * [{week:"YYYY-MM-DD" (its first day), total, zero}]. */
static json_t *gap_weeks(struct req *r)
{
	/* Weeks end now: the last one is (now - 7 days, now]. */
	int64_t now = db_now(), start = now - (int64_t)TREND_WEEKS * 7 * 86400 + 1;
	long long total[TREND_WEEKS] = {0}, zero[TREND_WEEKS] = {0};
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT (at - ?1) / 604800, count(*), sum(hits = 0) FROM search_log "
		"WHERE at >= ?1 AND at < ?2 GROUP BY 1");
	json_t *a = json_array();

	if (st) {
		db_bind_int(st, 1, start);
		db_bind_int(st, 2, now + 1);
		while (sqlite3_step(st) == SQLITE_ROW) {
			long long w = sqlite3_column_int64(st, 0);
			if (w >= 0 && w < TREND_WEEKS) {
				total[w] += sqlite3_column_int64(st, 1);
				zero[w] += sqlite3_column_int64(st, 2);
			}
		}
		sqlite3_reset(st);
	}
	for (int w = 0; w < TREND_WEEKS; w++) {
		char d[11];
		view_date(start + (int64_t)w * 7 * 86400, d);
		char dm[6] = {d[8], d[9], '/', d[5], d[6], '\0'}; /* "dd/mm" under the column */
		json_array_append_new(a, json_pack("{s:s, s:s, s:I, s:I}", "week", d,
			"short", dm, "total", (json_int_t)total[w], "zero", (json_int_t)zero[w]));
	}
	return a;
}

int reports_gaps(struct req *r)
{
	enum report_fmt fmt = report_format(r);
	bool bad = false;
	int64_t since = db_now() - (int64_t)http_count(r, "days", 1, 3650, GAP_DAYS, &bad) * 86400;
	const char *table = http_query(r, "table");
	struct sink q = {NULL, NULL, search_cols, 5, 50, 0};
	struct sink v = {NULL, NULL, viewed_cols, 6, 50, 0};
	struct sink l = {NULL, NULL, lesson_cols, 4, 200, 0};
	json_t *c, *weeks;

	if (fmt == REPORT_BAD)
		return http_error(r, 400, "bad_request", "err.bad_request");
	if (bad)
		return http_error(r, 400, "bad_request", "err.number");
	/* The searches not yet written too (a failure leaves them queued
	 * for the timer, and the report misses them). */
	searchlog_flush(db_handle(r->db));
	if (fmt == REPORT_CSV) {
		struct buf csv = BUF_INIT;
		const char *name = "busquedas-sin-resultado";
		if (!table || strcmp(table, "searches") == 0) {
			q.csv = &csv;
			report_csv_header(&csv, q.cols, q.ncols);
			gap_searches(r, since, &q);
		} else if (strcmp(table, "viewed") == 0) {
			v.csv = &csv;
			name = "mas-vistos-caducados";
			report_csv_header(&csv, v.cols, v.ncols);
			gap_viewed(r, &v);
		} else if (strcmp(table, "lessons") == 0) {
			l.csv = &csv;
			name = "lecciones-en-revision";
			report_csv_header(&csv, l.cols, l.ncols);
			gap_lessons(r, &l);
		} else if (strcmp(table, "weeks") == 0) {
			json_t *w = gap_weeks(r), *e;
			size_t i;
			name = "busquedas-por-semana";
			report_csv_header(&csv, week_cols, 3);
			json_array_foreach(w, i, e)
				report_csv_row(&csv, e, week_cols, 3);
			json_decref(w);
		} else {
			return http_error(r, 400, "bad_request", "err.bad_request");
		}
		return report_csv_send(r, &csv, name);
	}
	q.rows = json_array();
	v.rows = json_array();
	l.rows = json_array();
	gap_searches(r, since, &q);
	gap_viewed(r, &v);
	gap_lessons(r, &l);
	weeks = gap_weeks(r);
	c = base_ctx(r, "gaps.title");
	if (fmt == REPORT_JSON) {
		json_object_del(c, "title");
		json_object_set_new(c, "searches", q.rows);
		json_object_set_new(c, "most_viewed_overdue", v.rows);
		json_object_set_new(c, "lessons_in_review", l.rows);
		json_object_set_new(c, "weeks", weeks);
		return http_json(r, 200, c);
	}
	view_times(r, q.rows, "last_at");
	{
		/* The search link of each query, encoded as a URL component. */
		size_t i;
		json_t *e;
		json_array_foreach(q.rows, i, e) {
			struct buf u = BUF_INIT;
			const char *qs = json_string_value(json_object_get(e, "query"));
			buf_puts(&u, "/search?q=");
			buf_url(&u, qs, strlen(qs));
			json_object_set_new(e, "url", json_string(u.data));
			buf_free(&u);
		}
	}
	view_times(r, l.rows, "submitted_at");
	view_days(r, v.rows, "due_on");
	view_days(r, weeks, "week");
	{
		long long zero = 0;
		size_t i;
		json_t *e;
		json_array_foreach(weeks, i, e)
			zero += json_integer_value(json_object_get(e, "zero"));
		struct buf lab = BUF_INIT;
		static const char *const keys[] = {"weeks", "n"};
		long long vals[2] = {TREND_WEEKS, zero};
		svg_format(&lab, http_msg(r, "gaps.chart_label"), 2, keys, vals);
		json_object_set_new(c, "chart", svg_weeks(weeks, lab.data));
		buf_free(&lab);
	}
	json_object_set_new(c, "weeks", weeks);
	json_object_set_new(c, "searches", q.rows);
	json_object_set_new(c, "viewed", v.rows);
	json_object_set_new(c, "lessons", l.rows);
	json_object_set_new(c, "few", json_integer(FEW_HITS));
	return http_page(r, 200, "reports_gaps", c);
}

/* ---- challenges ---- */

static const char *const challenge_cols[] = {
	"id", "status", "procedure_slug", "procedure_title", "lesson_slug", "lesson_title", "rule",
	"outcome", "owner", "created_at", "decided_at", "decided_by", "reason"};

static void challenge_rows(struct req *r, bool all, struct sink *s)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT c.id, c.status, pr.slug, pr.title, l.slug, l.title, le.rule, le.outcome, "
		"pr.owner_id, uo.display_name, uo.active, c.created_at, c.decided_at, ud.display_name, "
		"c.reason FROM challenges c JOIN pages pr ON pr.id = c.procedure_id "
		"JOIN pages l ON l.id = c.lesson_id LEFT JOIN lessons le ON le.page_id = c.lesson_id "
		"LEFT JOIN users uo ON uo.id = pr.owner_id LEFT JOIN users ud ON ud.id = c.decided_by "
		"WHERE ?1 OR c.status = 'open' ORDER BY c.status = 'open' DESC, c.created_at DESC");

	if (!st)
		return;
	db_bind_int(st, 1, all);
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *o = json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:o, s:b}",
			"id", (json_int_t)sqlite3_column_int64(st, 0), "status", db_col_json(st, 1),
			"procedure_slug", db_col_json(st, 2), "procedure_title", db_col_json(st, 3),
			"lesson_slug", db_col_json(st, 4), "lesson_title", db_col_json(st, 5),
			"rule", db_col_json(st, 6), "outcome",
			sqlite3_column_type(st, 7) == SQLITE_NULL ? json_null() : db_col_json(st, 7),
			"owner", user_or_null(st, 8, 9, 10),
			"created_at", (json_int_t)sqlite3_column_int64(st, 11),
			"decided_at", int_or_null(st, 12),
			"decided_by", sqlite3_column_type(st, 13) == SQLITE_NULL ? json_null() : db_col_json(st, 13),
			"reason", sqlite3_column_type(st, 14) == SQLITE_NULL ? json_null() : db_col_json(st, 14),
			"is_open", strcmp(db_col_text(st, 1), "open") == 0);
		sink_add(s, o);
	}
	sqlite3_reset(st);
}

int reports_challenges(struct req *r)
{
	enum report_fmt fmt = report_format(r);
	const char *which = http_query(r, "status");
	bool all = which && strcmp(which, "all") == 0;
	struct sink s = {NULL, NULL, challenge_cols, sizeof(challenge_cols) / sizeof(*challenge_cols),
			 0, 0};
	json_t *c;

	if (fmt == REPORT_BAD || (which && !all && strcmp(which, "open") != 0))
		return http_error(r, 400, "bad_request", "err.bad_request");
	if (fmt == REPORT_CSV) {
		struct buf csv = BUF_INIT;
		s.csv = &csv;
		report_csv_header(&csv, s.cols, s.ncols);
		challenge_rows(r, all, &s);
		return report_csv_send(r, &csv, "desafios");
	}
	s.rows = json_array();
	s.keep = fmt == REPORT_HTML ? HTML_ROWS : 1000000;
	challenge_rows(r, all, &s);
	c = base_ctx(r, "challenges.title");
	json_object_set_new(c, "total", json_integer(s.total));
	if (fmt == REPORT_JSON) {
		size_t i;
		json_t *v;
		json_array_foreach(s.rows, i, v)
			json_object_del(v, "is_open");
		json_object_del(c, "title");
		json_object_set_new(c, "challenges", s.rows);
		return http_json(r, 200, c);
	}
	view_times(r, s.rows, "created_at");
	view_times(r, s.rows, "decided_at");
	{
		size_t i;
		json_t *e;
		json_array_foreach(s.rows, i, e) {
			struct buf k = BUF_INIT;
			buf_puts(&k, "challenges.st_");
			buf_puts(&k, json_string_value(json_object_get(e, "status")));
			json_object_set_new(e, "status_label", json_string(http_msg(r, k.data)));
			buf_free(&k);
		}
	}
	json_object_set_new(c, "challenges", s.rows);
	json_object_set_new(c, "all", json_boolean(all));
	return http_page(r, 200, "reports_challenges", c);
}
