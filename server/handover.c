/*
 * handover.c - departures: a manager records that someone is leaving
 * (date, optional successor), sees everything that person owns, backs up
 * or alone wrote, moves the ownerships to others in one transaction, and
 * can create a handover checklist page for the person and the successor.
 *
 * "Alone wrote" is the authorship of the current text (page_authors): a
 * page every current line of which is theirs. Nothing here deletes: a
 * departure is two columns of users; deactivating (admin.c) ends the
 * person's sessions and tokens and keeps all they wrote.
 */
#include "buf.h"
#include "db.h"
#include "http.h"
#include "lifecycle.h"
#include "onboarding.h"
#include "pages.h"
#include "reports.h"
#include "role.h"
#include "text.h"
#include "view.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct person {
	long long id;
	char username[64];
	char name[256];
	char departs_on[16];      /* "" when not leaving */
	long long successor;      /* 0: none */
	char successor_name[256];
	bool active;
	const char *role;
};

/* Anyone (active or not) by id or username; false if unknown. */
static bool person_get(struct db *db, const char *who, struct person *p)
{
	sqlite3_stmt *st;
	bool found = false;
	long long id = 0;
	char *end;

	memset(p, 0, sizeof(*p));
	if (!who || !*who || strlen(who) > 40)
		return false;
	if (who[0] >= '0' && who[0] <= '9') {
		errno = 0;
		id = strtoll(who, &end, 10);
		if (errno || *end)
			id = 0;
	}
	st = db_stmt(db, "SELECT u.id, u.username, u.display_name, u.departs_on, u.successor_id, "
			 "s.display_name, u.active, u.role FROM users u "
			 "LEFT JOIN users s ON s.id = u.successor_id WHERE u.id = ?1 OR u.username = ?2 "
			 "ORDER BY u.id = ?1 DESC LIMIT 1");
	if (!st)
		return false;
	db_bind_int(st, 1, id);
	db_bind_text(st, 2, who);
	if (sqlite3_step(st) == SQLITE_ROW) {
		static const char *const roles[] = {"reader", "staff", "editor", "manager", "admin"};
		found = true;
		p->id = sqlite3_column_int64(st, 0);
		snprintf(p->username, sizeof(p->username), "%s", db_col_text(st, 1));
		snprintf(p->name, sizeof(p->name), "%s", db_col_text(st, 2));
		snprintf(p->departs_on, sizeof(p->departs_on), "%s", db_col_text(st, 3));
		p->successor = sqlite3_column_int64(st, 4);
		snprintf(p->successor_name, sizeof(p->successor_name), "%s", db_col_text(st, 5));
		p->active = sqlite3_column_int(st, 6) != 0;
		p->role = "reader";
		for (size_t i = 0; i < 5; i++)
			if (strcmp(db_col_text(st, 7), roles[i]) == 0)
				p->role = roles[i];
	}
	sqlite3_reset(st);
	return found;
}

static json_t *person_json(const struct person *p)
{
	json_t *j = json_pack("{s:I, s:s, s:s, s:b, s:s}", "id", (json_int_t)p->id,
			      "username", p->username, "name", p->name, "active", p->active,
			      "role", p->role);

	json_object_set_new(j, "departs_on", *p->departs_on ? json_string(p->departs_on) : json_null());
	json_object_set_new(j, "successor", p->successor
			    ? json_pack("{s:I, s:s}", "id", (json_int_t)p->successor, "name", p->successor_name)
			    : json_null());
	return j;
}

/* The pages of one relation: [{slug,title,kind,category,owner,backup_owner}]. */
enum relation { OWNER, BACKUP, SOLE };

static json_t *pages_of(struct req *r, long long uid, enum relation rel)
{
	static const char *const sql[] = {
		"SELECT p.slug, p.title, p.kind, p.category, uo.display_name, ub.display_name "
		"FROM pages p LEFT JOIN users uo ON uo.id = p.owner_id "
		"LEFT JOIN users ub ON ub.id = p.backup_owner_id "
		"WHERE p.owner_id = ?1 AND p.status <> 'archived' ORDER BY p.title COLLATE NOCASE",
		"SELECT p.slug, p.title, p.kind, p.category, uo.display_name, ub.display_name "
		"FROM pages p LEFT JOIN users uo ON uo.id = p.owner_id "
		"LEFT JOIN users ub ON ub.id = p.backup_owner_id "
		"WHERE p.backup_owner_id = ?1 AND p.status <> 'archived' ORDER BY p.title COLLATE NOCASE",
		"SELECT p.slug, p.title, p.kind, p.category, uo.display_name, ub.display_name "
		"FROM page_authors a JOIN pages p ON p.id = a.page_id "
		"LEFT JOIN users uo ON uo.id = p.owner_id LEFT JOIN users ub ON ub.id = p.backup_owner_id "
		"WHERE a.user_id = ?1 AND p.status <> 'archived' AND NOT EXISTS "
		"(SELECT 1 FROM page_authors b WHERE b.page_id = a.page_id AND b.user_id <> ?1) "
		"ORDER BY p.title COLLATE NOCASE",
	};
	static const char *const names[] = {"owner", "backup_owner", "sole_author"};
	sqlite3_stmt *st = db_stmt(r->db, sql[rel]);
	json_t *a = json_array();

	if (!st)
		return a;
	db_bind_int(st, 1, uid);
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:s}", "slug", db_col_json(st, 0),
			"title", db_col_json(st, 1), "kind", db_col_json(st, 2),
			"category", db_col_json(st, 3), "relation", names[rel]);
		json_object_set_new(o, "owner", sqlite3_column_type(st, 4) == SQLITE_NULL
				    ? json_null() : db_col_json(st, 4));
		json_object_set_new(o, "backup_owner", sqlite3_column_type(st, 5) == SQLITE_NULL
				    ? json_null() : db_col_json(st, 5));
		json_array_append_new(a, o);
	}
	sqlite3_reset(st);
	return a;
}

/* Everyone, for the pickers: [{id,username,name,active,departs_on,
 * selected}]; leaving people first. */
static json_t *everyone(struct req *r, long long selected, bool active_only)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT id, username, display_name, active, departs_on FROM users "
		"WHERE active = 1 OR ?1 = 0 ORDER BY departs_on IS NULL, active DESC, "
		"display_name COLLATE NOCASE");
	json_t *a = json_array();

	if (!st)
		return a;
	db_bind_int(st, 1, active_only);
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *o = json_pack("{s:I, s:o, s:o, s:b, s:b}", "id",
			(json_int_t)sqlite3_column_int64(st, 0), "username", db_col_json(st, 1),
			"name", db_col_json(st, 2), "active", sqlite3_column_int(st, 3),
			"selected", sqlite3_column_int64(st, 0) == selected);
		json_object_set_new(o, "departs_on", sqlite3_column_type(st, 4) == SQLITE_NULL
				    ? json_null() : db_col_json(st, 4));
		json_array_append_new(a, o);
	}
	sqlite3_reset(st);
	return a;
}

static const char *const csv_cols[] = {"relation", "slug", "title", "kind", "category",
				       "owner", "backup_owner"};

int handover_page(struct req *r)
{
	enum report_fmt fmt = report_format(r);
	const char *who = http_query(r, "user");
	struct person p;
	json_t *owned, *backup, *sole, *c;

	if (fmt == REPORT_BAD)
		return http_error(r, 400, "bad_request", "err.bad_request");
	if (!who || !*who) {
		if (fmt != REPORT_HTML)
			return http_error(r, 400, "user_required", "handover.err_user");
		c = json_object();
		json_object_set_new(c, "title", json_string(http_msg(r, "handover.title")));
		json_object_set_new(c, "people", everyone(r, 0, false));
		view_days(r, json_object_get(c, "people"), "departs_on");
		return http_page(r, 200, "handover", c);
	}
	if (!person_get(r->db, who, &p))
		return http_error(r, 404, "not_found", "handover.err_user");
	owned = pages_of(r, p.id, OWNER);
	backup = pages_of(r, p.id, BACKUP);
	sole = pages_of(r, p.id, SOLE);
	if (fmt == REPORT_CSV) {
		struct buf csv = BUF_INIT, name = BUF_INIT;
		json_t *lists[] = {owned, backup, sole}, *v;
		size_t i;
		report_csv_header(&csv, csv_cols, sizeof(csv_cols) / sizeof(*csv_cols));
		for (int k = 0; k < 3; k++)
			json_array_foreach(lists[k], i, v)
				report_csv_row(&csv, v, csv_cols, sizeof(csv_cols) / sizeof(*csv_cols));
		json_decref(owned);
		json_decref(backup);
		json_decref(sole);
		buf_printf(&name, "traspaso-%s", p.username);
		i = (size_t)report_csv_send(r, &csv, name.data);
		buf_free(&name);
		return (int)i;
	}
	if (fmt == REPORT_JSON)
		return http_json(r, 200, json_pack("{s:o, s:o, s:o, s:o}", "user", person_json(&p),
						   "owned", owned, "backup", backup, "sole_author", sole));
	c = json_object();
	{
		struct buf t = BUF_INIT;
		buf_printf(&t, "%s: %s", http_msg(r, "handover.title"), p.name);
		json_object_set_new(c, "title", json_string(t.data));
		buf_free(&t);
	}
	view_labels_all(r, owned);
	view_labels_all(r, backup);
	view_labels_all(r, sole);
	json_object_set_new(c, "person", person_json(&p));
	view_day(r, json_object_get(c, "person"), "departs_on");
	json_object_set_new(c, "n_owned", json_integer((json_int_t)json_array_size(owned)));
	json_object_set_new(c, "n_backup", json_integer((json_int_t)json_array_size(backup)));
	json_object_set_new(c, "n_sole", json_integer((json_int_t)json_array_size(sole)));
	json_object_set_new(c, "owned", owned);
	json_object_set_new(c, "backup", backup);
	json_object_set_new(c, "sole", sole);
	json_object_set_new(c, "people", everyone(r, p.id, false));
	view_days(r, json_object_get(c, "people"), "departs_on");
	json_object_set_new(c, "successors", everyone(r, p.successor, true));
	json_object_set_new(c, "has_ownerships",
			    json_boolean(json_array_size(owned) + json_array_size(backup) > 0));
	{
		const char *done = http_query(r, "done");
		if (done && (strcmp(done, "departure") == 0 || strcmp(done, "reassigned") == 0)) {
			struct buf k = BUF_INIT;
			buf_printf(&k, "handover.done_%s", done);
			json_object_set_new(c, "notice", json_string(http_msg(r, k.data)));
			buf_free(&k);
		}
	}
	return http_page(r, 200, "handover", c);
}

/* A departure: a real day, this century or the next two. */
static bool date_ok(const char *d)
{
	int y, m, day;

	return text_day(d, strlen(d), &y, &m, &day) && y >= 2000 && y <= 2200;
}

static int back_to(struct req *r, long long uid, const char *done)
{
	struct buf loc = BUF_INIT;
	int status;

	buf_printf(&loc, "/reports/handover?user=%lld&done=%s", uid, done);
	status = http_redirect(r, loc.data);
	buf_free(&loc);
	return status;
}

int handover_departure(struct req *r)
{
	struct person p;
	const char *date = http_form(r, "departs_on");
	const char *succ = http_form(r, "successor");
	long long sid = 0;
	sqlite3_stmt *st;
	int rc;

	if (!person_get(r->db, http_form(r, "user"), &p))
		return http_error(r, 400, "unknown_user", "handover.err_user");
	if (date && *date && !date_ok(date))
		return http_error(r, 400, "bad_date", "err.date");
	if (succ && *succ) {
		sid = onboarding_user_id(r->db, succ);
		if (!sid || sid == p.id)
			return http_error(r, 400, "bad_successor", "handover.err_successor");
	}
	st = db_stmt(r->db, "UPDATE users SET departs_on = ?2, successor_id = ?3 WHERE id = ?1");
	if (!st)
		return http_error(r, 500, "error", "err.internal");
	db_bind_int(st, 1, p.id);
	db_bind_text(st, 2, date && *date ? date : NULL);
	if (sid)
		db_bind_int(st, 3, sid);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return http_error(r, 500, "error", "err.internal");
	lifecycle_audit(r, date && *date ? "user.departure" : "user.departure_cleared", p.username,
			date ? date : "");
	return back_to(r, p.id, "departure");
}

static int run(struct db *db, const char *sql, long long a, long long b)
{
	sqlite3_stmt *st = db_stmt(db, sql);

	if (!st)
		return -1;
	db_bind_int(st, 1, a);
	db_bind_int(st, 2, b);
	return db_step_changes(db, st);
}

int handover_reassign(struct req *r)
{
	struct person p;
	const char *to = http_form(r, "to"), *bto = http_form(r, "backup_to");
	long long tid, bid;
	int owned, backups;
	struct buf d = BUF_INIT;

	if (!person_get(r->db, http_form(r, "user"), &p))
		return http_error(r, 400, "unknown_user", "handover.err_user");
	tid = onboarding_user_id(r->db, to);
	bid = bto && *bto ? onboarding_user_id(r->db, bto) : tid;
	if (!tid || !bid || tid == p.id || bid == p.id)
		return http_error(r, 400, "bad_successor", "handover.err_successor");
	/* One transaction: every ownership moves, or none does. */
	if (db_begin(r->db) < 0)
		return http_error(r, 500, "error", "err.internal");
	owned = run(r->db, "UPDATE pages SET owner_id = ?2 WHERE owner_id = ?1 "
			   "AND status <> 'archived'", p.id, tid);
	backups = owned < 0 ? -1 : run(r->db, "UPDATE pages SET backup_owner_id = ?2 "
			   "WHERE backup_owner_id = ?1 AND status <> 'archived'", p.id, bid);
	/* Nobody backs themselves up. */
	if (backups < 0 || run(r->db, "UPDATE pages SET backup_owner_id = NULL "
			   "WHERE owner_id = ?1 AND backup_owner_id = ?2", tid, tid) < 0 ||
	    run(r->db, "UPDATE pages SET backup_owner_id = NULL "
		       "WHERE owner_id = ?1 AND backup_owner_id = ?2", bid, bid) < 0) {
		db_rollback(r->db);
		return http_error(r, 500, "error", "err.internal");
	}
	buf_printf(&d, "%d owned to %lld, %d backups to %lld", owned, tid, backups, bid);
	lifecycle_audit(r, "handover.reassign", p.username, d.data);
	buf_free(&d);
	if (db_commit(r->db) < 0)
		return http_error(r, 500, "error", "err.internal");
	return back_to(r, p.id, "reassigned");
}

/* Replace "{from}" and "{to}" in msg. */
static void names_in(struct buf *out, const char *msg, const char *from, const char *to)
{
	for (const char *p = msg; *p;) {
		if (strncmp(p, "{from}", 6) == 0) {
			buf_puts(out, from);
			p += 6;
		} else if (strncmp(p, "{to}", 4) == 0) {
			buf_puts(out, to);
			p += 4;
		} else {
			buf_putc(out, *p++);
		}
	}
}

/* "- [ ] [[slug|Title]]" for each page; the title loses the characters
 * that would end the link. */
static void task_list(struct buf *md, json_t *pages, const char *suffix)
{
	size_t i;
	json_t *v;

	json_array_foreach(pages, i, v) {
		buf_puts(md, "- [ ] [[");
		buf_puts(md, json_string_value(json_object_get(v, "slug")));
		buf_putc(md, '|');
		for (const char *t = json_string_value(json_object_get(v, "title")); *t; t++)
			buf_putc(md, *t == '|' || *t == '[' || *t == ']' ? ' ' : *t);
		buf_puts(md, "]]");
		if (suffix && *suffix) {
			buf_puts(md, " — ");
			buf_puts(md, suffix);
		}
		buf_putc(md, '\n');
	}
}

int handover_checklist(struct req *r)
{
	struct person p;
	const char *succ = http_form(r, "successor");
	long long sid = 0;
	char sname[256] = "";
	struct buf title = BUF_INIT, md = BUF_INIT, loc = BUF_INIT;
	struct page_save in;
	struct save_result res;
	struct lesson_in none;
	json_t *lists[3];
	static const char *const heads[] = {"handover.md_owned", "handover.md_backup",
					    "handover.md_sole"};
	static const char *const tasks[] = {"handover.md_task_owned", "handover.md_task_backup",
					    "handover.md_task_sole"};
	int status;

	if (!person_get(r->db, http_form(r, "user"), &p))
		return http_error(r, 400, "unknown_user", "handover.err_user");
	sid = succ && *succ ? onboarding_user_id(r->db, succ) : p.successor;
	if (succ && *succ && !sid)
		return http_error(r, 400, "bad_successor", "handover.err_successor");
	if (sid) {
		struct person s;
		char idtext[32];
		snprintf(idtext, sizeof(idtext), "%lld", sid);
		if (person_get(r->db, idtext, &s))
			snprintf(sname, sizeof(sname), "%s", s.name);
	}
	if (!*sname)
		snprintf(sname, sizeof(sname), "%s", http_msg(r, "handover.md_nobody"));
	lists[0] = pages_of(r, p.id, OWNER);
	lists[1] = pages_of(r, p.id, BACKUP);
	lists[2] = pages_of(r, p.id, SOLE);
	names_in(&title, http_msg(r, "handover.md_title"), p.name, sname);
	names_in(&md, http_msg(r, "handover.md_intro"), p.name, sname);
	buf_puts(&md, "\n\n");
	if (*p.departs_on) {
		buf_puts(&md, http_msg(r, "handover.md_date"));
		buf_printf(&md, " %s.\n\n", p.departs_on);
	}
	for (int k = 0; k < 3; k++) {
		struct buf t = BUF_INIT;
		buf_puts(&md, "## ");
		names_in(&md, http_msg(r, heads[k]), p.name, sname);
		buf_puts(&md, "\n\n");
		names_in(&t, http_msg(r, tasks[k]), p.name, sname);
		if (json_array_size(lists[k]))
			task_list(&md, lists[k], t.data);
		else
			buf_printf(&md, "%s\n", http_msg(r, "handover.md_none"));
		buf_putc(&md, '\n');
		buf_free(&t);
		json_decref(lists[k]);
	}
	buf_puts(&md, "## ");
	buf_puts(&md, http_msg(r, "handover.md_end"));
	buf_puts(&md, "\n\n");
	names_in(&md, http_msg(r, "handover.md_end_tasks"), p.name, sname);
	buf_putc(&md, '\n');

	memset(&in, 0, sizeof(in));
	memset(&none, 0, sizeof(none));
	in.title = title.data;
	in.markdown = md.data;
	in.kind = "reference";
	in.category = http_msg(r, "handover.category");
	in.comment = http_msg(r, "handover.md_comment");
	in.status = "published";
	in.base_rev = 0;
	in.author_id = r->uid;
	pages_save(r->db, &in, &res);
	if (res.status != SAVE_CREATED) {
		buf_free(&title);
		buf_free(&md);
		return http_error(r, res.status == SAVE_INVALID ? 400 : 500, "error",
				  res.err_key ? res.err_key : "err.internal");
	}
	lifecycle_after_create(r, res.page_id, "reference", &none);
	lifecycle_audit(r, "handover.checklist", p.username, res.slug);
	buf_printf(&loc, "/p/%s", res.slug);
	status = http_redirect(r, loc.data);
	buf_free(&loc);
	buf_free(&title);
	buf_free(&md);
	return status;
}
