/*
 * inbox.c - each person's inbox (see inbox.h) and following pages and
 * categories: POST /p/{slug}/follow, POST /follow (a category),
 * GET|POST /api/v1/me/follows, GET /api/v1/me/inbox,
 * POST /api/v1/me/inbox/seen.
 *
 * Invariant: the badge count and the lists come from the same WHERE
 * clauses (the *_SQL macros below), so the number in the navigation is
 * the number of items /me shows (lists are capped at LIST_MAX each; the
 * count is not).
 */
#include "buf.h"
#include "db.h"
#include "http.h"
#include "inbox.h"
#include "lifecycle.h"
#include "pages.h"
#include "review.h"
#include "role.h"
#include "routes.h"
#include "text.h"
#include "view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIST_MAX 100

/* ?1 the user, ?2 seen_at, ?3 now. */
#define RETURNED_SQL                                                                   \
	" FROM pages p JOIN page_events e ON e.id = (SELECT e2.id FROM page_events e2 "  \
	"WHERE e2.page_id = p.id ORDER BY e2.at DESC, e2.id DESC LIMIT 1) "              \
	"WHERE p.created_by = ?1 AND p.status = 'draft' AND e.action = 'return'"
#define OVERDUE_SQL                                                                    \
	" FROM pages p WHERE p.owner_id = ?1 AND p.status = 'published' "               \
	"AND p.kind <> 'lesson' AND coalesce(p.verified_at, p.created_at) + "            \
	"p.review_days * 86400 < ?3"
#define FLAGS_SQL                                                                      \
	" FROM pages p JOIN flags f ON f.page_id = p.id AND f.resolved_at IS NULL "      \
	"WHERE p.owner_id = ?1 AND p.status <> 'archived'"
#define CHALLENGES_SQL                                                                 \
	" FROM pages p JOIN challenges c ON c.procedure_id = p.id AND c.status = 'open' " \
	"JOIN pages l ON l.id = c.lesson_id WHERE p.owner_id = ?1 AND p.status <> 'archived'"
#define NEWS_EVENTS_SQL                                                                \
	" FROM pages p JOIN page_events e ON e.page_id = p.id WHERE p.created_by = ?1 "  \
	"AND e.action IN ('approve', 'archive', 'unarchive') AND e.at > ?2 "             \
	"AND (e.user_id IS NULL OR e.user_id <> ?1)"
#define NEWS_PROPOSALS_SQL                                                             \
	" FROM proposals x JOIN pages p ON p.id = x.page_id WHERE x.author_id = ?1 "     \
	"AND x.status IN ('accepted', 'rejected') AND x.decided_at > ?2 "                \
	"AND (x.decided_by IS NULL OR x.decided_by <> ?1)"
#define NEWS_CHALLENGES_SQL                                                            \
	" FROM challenges c JOIN pages l ON l.id = c.lesson_id "                         \
	"JOIN pages pr ON pr.id = c.procedure_id WHERE l.created_by = ?1 "               \
	"AND c.status IN ('updated', 'dismissed') AND c.decided_at > ?2 "                \
	"AND (c.decided_by IS NULL OR c.decided_by <> ?1)"
#define CHANGES_TAIL                                                                   \
	" JOIN revisions r ON r.page_id = p.id AND r.n = p.current_rev "                 \
	"LEFT JOIN users u ON u.id = r.author_id WHERE f.user_id = ?1 "                 \
	"AND p.status = 'published' AND p.updated_at > max(?2, f.created_at) "           \
	"AND (r.author_id IS NULL OR r.author_id <> ?1)"
#define CHANGES_PAGE_SQL " FROM follows f JOIN pages p ON p.id = f.page_id" CHANGES_TAIL
#define CHANGES_CAT_SQL                                                                \
	" FROM follows f JOIN pages p ON p.category = f.category AND f.category IS NOT NULL" \
	CHANGES_TAIL

int inbox_user_of(struct req *r, struct inbox_user *u)
{
	sqlite3_stmt *st;

	memset(u, 0, sizeof(*u));
	if (!r->uid)
		return -1;
	u->uid = r->uid;
	u->role = r->role;
	st = db_stmt(r->db, "SELECT inbox_seen_at FROM users WHERE id = ?1");
	if (st) {
		db_bind_int(st, 1, r->uid);
		if (sqlite3_step(st) == SQLITE_ROW)
			u->seen_at = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	return 0;
}

long long inbox_count(struct req *r)
{
	struct inbox_user u;
	sqlite3_stmt *st;
	long long n = 0;

	if (inbox_user_of(r, &u) < 0)
		return 0;
	st = db_stmt(r->db,
		"SELECT (SELECT count(*)" RETURNED_SQL ") + (SELECT count(*)" OVERDUE_SQL ") + "
		"(SELECT count(*)" FLAGS_SQL ") + (SELECT count(*)" CHALLENGES_SQL ") + "
		"(SELECT count(*)" NEWS_EVENTS_SQL ") + (SELECT count(*)" NEWS_PROPOSALS_SQL ") + "
		"(SELECT count(*)" NEWS_CHALLENGES_SQL ") + "
		"(SELECT count(*) FROM (SELECT p.id" CHANGES_PAGE_SQL " UNION SELECT p.id"
		CHANGES_CAT_SQL "))");
	if (!st)
		return 0;
	db_bind_int(st, 1, u.uid);
	db_bind_int(st, 2, u.seen_at);
	db_bind_int(st, 3, db_now());
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

/* One inbox item: the fields every section shares. */
static json_t *item(struct req *r, const char *type, const char *id, sqlite3_stmt *st,
		    int slug_col, int title_col, int64_t at)
{
	json_t *o = json_object();
	struct buf k = BUF_INIT, url = BUF_INIT;

	buf_puts(&k, "inbox.type.");
	buf_puts(&k, type);
	buf_puts(&url, "/p/");
	buf_puts(&url, db_col_text(st, slug_col));
	json_object_set_new(o, "type", json_string(type));
	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "label", json_string(http_msg(r, k.data)));
	json_object_set_new(o, "slug", db_col_json(st, slug_col));
	json_object_set_new(o, "title", db_col_json(st, title_col));
	json_object_set_new(o, "url", json_string(url.data));
	json_object_set_new(o, "at", json_integer(at));
	view_time(r, o, "at");
	buf_free(&k);
	buf_free(&url);
	return o;
}

static void bind_user(sqlite3_stmt *st, const struct inbox_user *u)
{
	db_bind_int(st, 1, u->uid);
	db_bind_int(st, 2, u->seen_at);
	db_bind_int(st, 3, db_now());
}

static json_t *returned(struct req *r, const struct inbox_user *u)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT p.slug, p.title, p.id, e.at, e.comment, "
		"(SELECT display_name FROM users WHERE id = e.user_id)" RETURNED_SQL
		" ORDER BY e.at DESC LIMIT 100");
	json_t *a = json_array();
	char id[64];

	if (!st)
		return a;
	bind_user(st, u);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t at = sqlite3_column_int64(st, 3);
		json_t *o;
		snprintf(id, sizeof(id), "returned-%lld-%lld",
			 (long long)sqlite3_column_int64(st, 2), (long long)at);
		o = item(r, "returned", id, st, 0, 1, at);
		json_object_set_new(o, "comment", db_col_json(st, 4));
		json_object_set_new(o, "by", db_col_json(st, 5));
		json_array_append_new(a, o);
	}
	sqlite3_reset(st);
	return a;
}

static json_t *overdue(struct req *r, const struct inbox_user *u)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT p.slug, p.title, p.id, coalesce(p.verified_at, p.created_at) + "
		"p.review_days * 86400 AS due, p.verified_at" OVERDUE_SQL
		" ORDER BY due LIMIT 100");
	json_t *a = json_array();
	char id[64], date[11];

	if (!st)
		return a;
	bind_user(st, u);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t due = sqlite3_column_int64(st, 3);
		json_t *o;
		snprintf(id, sizeof(id), "overdue-%lld-%lld", (long long)sqlite3_column_int64(st, 2),
			 (long long)due);
		o = item(r, "overdue", id, st, 0, 1, due);
		view_date(due, date);
		json_object_set_new(o, "due_text", json_string(date));
		json_object_set_new(o, "comment", json_string(""));
		json_array_append_new(a, o);
	}
	sqlite3_reset(st);
	return a;
}

static json_t *flags(struct req *r, const struct inbox_user *u)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT p.slug, p.title, f.id, f.created_at, f.comment, f.reason, "
		"(SELECT display_name FROM users WHERE id = f.user_id)" FLAGS_SQL
		" ORDER BY f.created_at, f.id LIMIT 100");
	json_t *a = json_array();
	char id[64];
	struct buf k = BUF_INIT;

	if (!st)
		return a;
	bind_user(st, u);
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *o;
		snprintf(id, sizeof(id), "flag-%lld", (long long)sqlite3_column_int64(st, 2));
		o = item(r, "flag", id, st, 0, 1, sqlite3_column_int64(st, 3));
		json_object_set_new(o, "flag_id", json_integer(sqlite3_column_int64(st, 2)));
		json_object_set_new(o, "comment", db_col_json(st, 4));
		json_object_set_new(o, "reason", db_col_json(st, 5));
		buf_reset(&k);
		buf_puts(&k, "flag.reason.");
		buf_puts(&k, db_col_text(st, 5));
		json_object_set_new(o, "reason_label", json_string(http_msg(r, k.data)));
		json_object_set_new(o, "by", db_col_json(st, 6));
		json_array_append_new(a, o);
	}
	sqlite3_reset(st);
	buf_free(&k);
	return a;
}

static json_t *challenges(struct req *r, const struct inbox_user *u)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT p.slug, p.title, c.id, c.created_at, l.slug, l.title, l.id, "
		"(SELECT rule FROM lessons WHERE page_id = l.id)" CHALLENGES_SQL
		" ORDER BY c.created_at, c.id LIMIT 100");
	json_t *a = json_array();
	char id[64];

	if (!st)
		return a;
	bind_user(st, u);
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *o;
		snprintf(id, sizeof(id), "challenge-%lld", (long long)sqlite3_column_int64(st, 2));
		o = item(r, "challenge", id, st, 0, 1, sqlite3_column_int64(st, 3));
		json_object_set_new(o, "challenge_id", json_integer(sqlite3_column_int64(st, 2)));
		json_object_set_new(o, "lesson", json_pack("{s:o, s:o, s:I}", "slug", db_col_json(st, 4),
			"title", db_col_json(st, 5), "id", (json_int_t)sqlite3_column_int64(st, 6)));
		json_object_set_new(o, "comment", db_col_json(st, 7));
		json_array_append_new(a, o);
	}
	sqlite3_reset(st);
	return a;
}

/* Decisions on one's contributions since last looked. */
static json_t *news(struct req *r, const struct inbox_user *u)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT 'event', e.action, p.slug, p.title, e.comment, e.at, "
		"(SELECT display_name FROM users WHERE id = e.user_id), e.rev, e.id, NULL, NULL"
		NEWS_EVENTS_SQL
		" UNION ALL SELECT 'proposal', x.status, p.slug, p.title, coalesce(x.decision_comment, ''), "
		"x.decided_at, (SELECT display_name FROM users WHERE id = x.decided_by), x.rev, x.id, "
		"NULL, NULL" NEWS_PROPOSALS_SQL
		" UNION ALL SELECT 'challenge', c.status, pr.slug, pr.title, coalesce(c.reason, ''), "
		"c.decided_at, (SELECT display_name FROM users WHERE id = c.decided_by), c.rev, c.id, "
		"l.slug, l.title" NEWS_CHALLENGES_SQL
		" ORDER BY 6 DESC LIMIT 100");
	json_t *a = json_array();
	char id[80];

	if (!st)
		return a;
	bind_user(st, u);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *what = db_col_text(st, 0), *how = db_col_text(st, 1);
		char type[40];
		json_t *o;
		snprintf(type, sizeof(type), "%s_%s", what, how);
		snprintf(id, sizeof(id), "%s-%lld", type, (long long)sqlite3_column_int64(st, 8));
		o = item(r, type, id, st, 2, 3, sqlite3_column_int64(st, 5));
		json_object_set_new(o, "comment", db_col_json(st, 4));
		json_object_set_new(o, "by", db_col_json(st, 6));
		if (sqlite3_column_type(st, 7) != SQLITE_NULL)
			json_object_set_new(o, "rev", json_integer(sqlite3_column_int(st, 7)));
		if (sqlite3_column_type(st, 9) != SQLITE_NULL)
			json_object_set_new(o, "lesson", json_pack("{s:o, s:o}", "slug",
				db_col_json(st, 9), "title", db_col_json(st, 10)));
		json_array_append_new(a, o);
	}
	sqlite3_reset(st);
	return a;
}

static json_t *changes(struct req *r, const struct inbox_user *u)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT p.slug, p.title, p.id, p.updated_at, r.comment, u.display_name, p.current_rev"
		CHANGES_PAGE_SQL
		" UNION SELECT p.slug, p.title, p.id, p.updated_at, r.comment, u.display_name, "
		"p.current_rev" CHANGES_CAT_SQL " ORDER BY 4 DESC LIMIT 100");
	json_t *a = json_array();
	char id[64];

	if (!st)
		return a;
	bind_user(st, u);
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *o;
		snprintf(id, sizeof(id), "change-%lld-%d", (long long)sqlite3_column_int64(st, 2),
			 sqlite3_column_int(st, 6));
		o = item(r, "change", id, st, 0, 1, sqlite3_column_int64(st, 3));
		json_object_set_new(o, "comment", db_col_json(st, 4));
		json_object_set_new(o, "by", db_col_json(st, 5));
		json_object_set_new(o, "rev", json_integer(sqlite3_column_int(st, 6)));
		json_array_append_new(a, o);
	}
	sqlite3_reset(st);
	return a;
}

json_t *inbox_build(struct req *r, const struct inbox_user *u)
{
	json_t *j = json_object();
	static const char *const sections[] = {"returned", "overdue", "flags", "challenges",
					       "news", "changes"};
	size_t total = 0;

	json_object_set_new(j, "returned", returned(r, u));
	json_object_set_new(j, "overdue", overdue(r, u));
	json_object_set_new(j, "flags", flags(r, u));
	json_object_set_new(j, "challenges", challenges(r, u));
	json_object_set_new(j, "news", news(r, u));
	json_object_set_new(j, "changes", changes(r, u));
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		total += json_array_size(json_object_get(j, sections[i]));
	json_object_set_new(j, "count", json_integer((json_int_t)total));
	json_object_set_new(j, "seen_at", json_integer(u->seen_at));
	if (u->role >= ROLE_EDITOR)
		json_object_set_new(j, "review", review_queue(r, 20));
	return j;
}

/* ---- following ---- */

bool inbox_follows_category(struct req *r, const char *category)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT 1 FROM follows WHERE user_id = ?1 AND category = ?2");
	bool yes = false;

	if (!st)
		return false;
	db_bind_int(st, 1, r->uid);
	db_bind_text(st, 2, category);
	yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return yes;
}

/* Follow (on) or stop following a page (page_id) or a category. */
static int set_follow(struct req *r, long long page_id, const char *category, bool on)
{
	sqlite3_stmt *st;
	int rc;

	if (on)
		st = db_stmt(r->db, "INSERT OR IGNORE INTO follows(user_id, page_id, category, created_at) "
				    "VALUES (?1, ?2, ?3, ?4)");
	else
		st = db_stmt(r->db, "DELETE FROM follows WHERE user_id = ?1 "
				    "AND coalesce(page_id, 0) = coalesce(?2, 0) "
				    "AND coalesce(category, '') = coalesce(?3, '')");
	if (!st)
		return -1;
	db_bind_int(st, 1, r->uid);
	if (page_id)
		db_bind_int(st, 2, page_id);
	db_bind_text(st, 3, category);
	if (on)
		db_bind_int(st, 4, db_now());
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(st);
	return rc;
}

static bool category_ok(const char *c)
{
	return c && *c && strlen(c) <= CATEGORY_MAX && lifecycle_text_ok(c, CATEGORY_MAX, true) &&
	       !strpbrk(c, "\t\r\n");
}

/* POST /p/{slug}/follow  (action=unfollow to stop) */
int inbox_follow_page(struct req *r)
{
	struct lc_page p;
	const char *action = http_form(r, "action");
	bool on = !action || strcmp(action, "unfollow") != 0;

	if (lifecycle_page(r, http_arg(r, 0), &p) < 0 || strcmp(p.status, "published") != 0)
		return http_error(r, 404, "not_found", "err.not_found");
	if (set_follow(r, p.id, NULL, on) < 0)
		return http_error(r, 500, "error", "err.internal");
	return lifecycle_done(r, 200, NULL, NULL, p.slug);
}

/* POST /follow  category=...&action=follow|unfollow */
int inbox_follow_category(struct req *r)
{
	const char *cat = http_form(r, "category");
	const char *action = http_form(r, "action");
	struct buf back = BUF_INIT;
	int status;

	if (!category_ok(cat))
		return http_error(r, 400, "bad_request", "err.category");
	if (set_follow(r, 0, cat, !action || strcmp(action, "unfollow") != 0) < 0)
		return http_error(r, 500, "error", "err.internal");
	buf_puts(&back, "/browse?category=");
	buf_url(&back, cat, strlen(cat));
	status = http_redirect(r, back.data);
	buf_free(&back);
	return status;
}

static json_t *follows_json(struct req *r)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT p.slug, p.title, f.category, f.created_at FROM follows f "
		"LEFT JOIN pages p ON p.id = f.page_id WHERE f.user_id = ?1 ORDER BY f.created_at, f.id");
	json_t *pages = json_array(), *cats = json_array();

	if (st) {
		db_bind_int(st, 1, r->uid);
		while (sqlite3_step(st) == SQLITE_ROW) {
			if (sqlite3_column_type(st, 2) != SQLITE_NULL)
				json_array_append_new(cats, db_col_json(st, 2));
			else if (sqlite3_column_type(st, 0) != SQLITE_NULL)
				json_array_append_new(pages, json_pack("{s:o, s:o}", "slug",
					db_col_json(st, 0), "title", db_col_json(st, 1)));
		}
		sqlite3_reset(st);
	}
	return json_pack("{s:o, s:o}", "pages", pages, "categories", cats);
}

/* GET /api/v1/me/follows */
int inbox_api_follows(struct req *r)
{
	return http_json(r, 200, follows_json(r));
}

/* POST /api/v1/me/follows  {slug | category, follow: true|false} */
int inbox_api_follow(struct req *r)
{
	json_t *b = r->json;
	json_t *slug = json_object_get(b, "slug"), *cat = json_object_get(b, "category");
	json_t *follow = json_object_get(b, "follow");
	bool on = !follow || json_is_true(follow);
	struct lc_page p;

	if (!json_is_object(b) || (follow && !json_is_boolean(follow)) ||
	    (slug ? 1 : 0) + (cat ? 1 : 0) != 1)
		return http_error(r, 400, "bad_request", "err.follow");
	if (slug) {
		if (!json_is_string(slug) ||
		    lifecycle_page(r, json_string_value(slug), &p) < 0 ||
		    strcmp(p.status, "published") != 0)
			return http_error(r, 404, "not_found", "err.not_found");
		if (set_follow(r, p.id, NULL, on) < 0)
			return http_error(r, 500, "error", "err.internal");
	} else {
		if (!json_is_string(cat) || !category_ok(json_string_value(cat)))
			return http_error(r, 400, "bad_request", "err.category");
		if (set_follow(r, 0, json_string_value(cat), on) < 0)
			return http_error(r, 500, "error", "err.internal");
	}
	return http_json(r, 200, follows_json(r));
}

/* ---- the inbox over the API ---- */

/* GET /api/v1/me/inbox */
int inbox_api(struct req *r)
{
	struct inbox_user u;

	if (inbox_user_of(r, &u) < 0)
		return http_error(r, 401, "unauthorized", "err.login_needed");
	return http_json(r, 200, inbox_build(r, &u));
}

int inbox_mark_seen(struct req *r)
{
	sqlite3_stmt *st = db_stmt(r->db, "UPDATE users SET inbox_seen_at = ?2 WHERE id = ?1");
	int rc;

	if (!st)
		return -1;
	db_bind_int(st, 1, r->uid);
	db_bind_int(st, 2, db_now());
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(st);
	return rc;
}

/* POST /api/v1/me/inbox/seen */
int inbox_api_seen(struct req *r)
{
	struct inbox_user u;

	if (inbox_mark_seen(r) < 0)
		return http_error(r, 500, "error", "err.internal");
	inbox_user_of(r, &u);
	return http_json(r, 200, inbox_build(r, &u));
}
