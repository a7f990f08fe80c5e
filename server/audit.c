/*
 * audit.c - browsing the audit log (admins): GET /admin/audit and
 * GET /api/v1/audit, filtered by action, user and date range, newest
 * first, AUDIT_PAGE lines a page. The log itself is appended by
 * lifecycle_audit() (every transition, verification, flag, role change,
 * login and login failure) and never changed.
 */
#include "buf.h"
#include "db.h"
#include "http.h"
#include "lifecycle.h"
#include "role.h"
#include "routes.h"
#include "text.h"
#include "view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define AUDIT_PAGE 50

struct audit_filter {
	const char *action;   /* exact action, or NULL */
	const char *user;     /* username, or NULL */
	const char *from;     /* YYYY-MM-DD (inclusive), or NULL */
	const char *to;       /* YYYY-MM-DD (inclusive), or NULL */
	int64_t t0, t1;       /* [t0, t1) */
	int page;             /* 1.. */
};

/* "YYYY-MM-DD" -> Unix time of its midnight UTC; -1 if malformed. */
static int64_t day_start(const char *d)
{
	int y, m, day;
	char extra;
	struct tm tm;

	if (strlen(d) != 10 || sscanf(d, "%4d-%2d-%2d%c", &y, &m, &day, &extra) != 3 ||
	    y < 1970 || y > 2200 || m < 1 || m > 12 || day < 1 || day > 31)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = day;
	return (int64_t)timegm(&tm);
}

static const char *opt(struct req *r, const char *name, size_t max, bool *bad)
{
	const char *v = http_param(r, name, max, bad);
	return v && *v ? v : NULL;
}

/* Read the filter from the query: NULL or a catalogue key for a 400. */
static const char *read_filter(struct req *r, struct audit_filter *f)
{
	bool bad = false;

	memset(f, 0, sizeof(*f));
	f->action = opt(r, "action", 60, &bad);
	f->user = opt(r, "user", 40, &bad);
	f->from = opt(r, "from", 10, &bad);
	f->to = opt(r, "to", 10, &bad);
	if (bad)
		return "err.bad_request";
	f->page = (int)http_count(r, "page", 1, 100000, 1, &bad);
	if (bad)
		return "err.number";
	f->t0 = 0;
	f->t1 = (int64_t)1 << 62;
	if (f->from && (f->t0 = day_start(f->from)) < 0)
		return "err.date";
	if (f->to) {
		int64_t t = day_start(f->to);
		if (t < 0)
			return "err.date";
		f->t1 = t + 86400;
	}
	return NULL;
}

/* Up to AUDIT_PAGE + 1 lines (the extra one says there is a next page). */
static json_t *lines(struct req *r, const struct audit_filter *f)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT a.id, a.at, u.username, u.display_name, a.action, a.target, a.detail, a.addr "
		"FROM audit a LEFT JOIN users u ON u.id = a.user_id "
		"WHERE (?1 IS NULL OR a.action = ?1) "
		"AND (?2 IS NULL OR a.user_id = (SELECT id FROM users WHERE username = ?2)) "
		"AND a.at >= ?3 AND a.at < ?4 ORDER BY a.at DESC, a.id DESC LIMIT ?5 OFFSET ?6");
	json_t *a = json_array();

	if (!st)
		return a;
	db_bind_text(st, 1, f->action);
	db_bind_text(st, 2, f->user);
	db_bind_int(st, 3, f->t0);
	db_bind_int(st, 4, f->t1);
	db_bind_int(st, 5, AUDIT_PAGE + 1);
	db_bind_int(st, 6, (long long)(f->page - 1) * AUDIT_PAGE);
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *o = json_pack("{s:I, s:I, s:o, s:o, s:o, s:o, s:o}",
			"id", (json_int_t)sqlite3_column_int64(st, 0),
			"at", (json_int_t)sqlite3_column_int64(st, 1),
			"action", db_col_json(st, 4), "target", db_col_json(st, 5),
			"detail", db_col_json(st, 6), "addr", db_col_json(st, 7),
			"user", sqlite3_column_type(st, 2) == SQLITE_NULL ? json_null()
									  : db_col_json(st, 2));
		if (sqlite3_column_type(st, 3) != SQLITE_NULL)
			json_object_set_new(o, "name", db_col_json(st, 3));
		json_array_append_new(a, o);
	}
	sqlite3_reset(st);
	return a;
}

static json_t *actions(struct req *r, const char *selected)
{
	sqlite3_stmt *st = db_stmt(r->db, "SELECT DISTINCT action FROM audit ORDER BY action");
	json_t *a = json_array();

	if (!st)
		return a;
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(a, json_pack("{s:o, s:b}", "name", db_col_json(st, 0),
			"selected", selected && strcmp(selected, db_col_text(st, 0)) == 0));
	sqlite3_reset(st);
	return a;
}

/* GET /admin/audit */
int audit_page(struct req *r)
{
	struct audit_filter f;
	const char *err = read_filter(r, &f);
	json_t *c, *l;
	bool more;

	if (err)
		return http_error(r, 400, "bad_request", err);
	l = lines(r, &f);
	more = json_array_size(l) > AUDIT_PAGE;
	if (more)
		json_array_remove(l, AUDIT_PAGE);
	view_times(r, l, "at");
	c = json_object();
	json_object_set_new(c, "title", json_string(http_msg(r, "audit.title")));
	json_object_set_new(c, "lines", l);
	json_object_set_new(c, "actions", actions(r, f.action));
	json_object_set_new(c, "f", json_pack("{s:s, s:s, s:s, s:s}", "action", f.action ? f.action : "",
		"user", f.user ? f.user : "", "from", f.from ? f.from : "", "to", f.to ? f.to : ""));
	if (f.page > 1 || more) {
		json_t *keep = json_array();
		char prev[16], next[16];
		struct buf where = BUF_INIT;
		view_keep(keep, "action", f.action);
		view_keep(keep, "user", f.user);
		view_keep(keep, "from", f.from);
		view_keep(keep, "to", f.to);
		snprintf(prev, sizeof(prev), "%d", f.page - 1);
		snprintf(next, sizeof(next), "%d", f.page + 1);
		buf_printf(&where, "%s %d", http_msg(r, "audit.page"), f.page);
		json_object_set_new(c, "pager", view_pager(r, "audit", "/admin/audit", "page", keep,
			f.page > 1 ? prev : NULL, more ? next : NULL, where.data));
		buf_free(&where);
	}
	return http_page(r, 200, "audit", c);
}

/* GET /api/v1/audit?action=&user=&from=&to=&page= */
int audit_api(struct req *r)
{
	struct audit_filter f;
	const char *err = read_filter(r, &f);
	json_t *l;
	bool more;

	if (err)
		return http_error(r, 400, "bad_request", err);
	l = lines(r, &f);
	more = json_array_size(l) > AUDIT_PAGE;
	if (more)
		json_array_remove(l, AUDIT_PAGE);
	return http_json(r, 200, json_pack("{s:o, s:i, s:b}", "audit", l, "page", f.page,
					   "more", more));
}
