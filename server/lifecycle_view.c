/*
 * lifecycle_view.c - what page views and the navigation show of the
 * lifecycle: a page's facts (verification, flags, challenges, related
 * lessons, the last return or archive), the per-user tools below a page,
 * the navigation badges, a page's events for its history, the review
 * counts of the home page and the lesson filters of /browse.
 *
 * Invariants: lifecycle_view() adds only what is the same for every reader
 * of one role (it lands in the cached article, cache.h); anything that
 * depends on who asks (forms with the CSRF token, "you own this", follow
 * state) is rendered by lifecycle_tools() per request.
 *
 * Caveat: both per-request parts are memoised per thread: the tools HTML
 * per (page, language, user, session) and the badge counts per user. Each
 * entry is dropped when the global write generation moves (any successful
 * POST/PUT/DELETE, cache.h) or after a few seconds, so a count never lags
 * a write made through this server, and time-based facts ("overdue") lag
 * by seconds at most.
 */
#include "buf.h"
#include "cache.h"
#include "db.h"
#include "http.h"
#include "inbox.h"
#include "lifecycle.h"
#include "pages.h"
#include "role.h"
#include "template.h"
#include "text.h"
#include "view.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BADGE_TTL 10 /* seconds a memoised badge count may live */

/* ---- per-thread memory, freed at shutdown ---- */

struct thread_mem {
	struct cache *tools;      /* rendered tools per (page, lang, user, session) */
	struct thread_mem *next;  /* in the registry */
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct thread_mem *registry;
static _Thread_local struct thread_mem *mine;

static struct thread_mem *thread_mem(void)
{
	if (!mine) {
		mine = xcalloc(1, sizeof(*mine));
		mine->tools = cache_new(1024);
		pthread_mutex_lock(&reg_lock);
		mine->next = registry;
		registry = mine;
		pthread_mutex_unlock(&reg_lock);
	}
	return mine;
}

void lifecycle_shutdown(void)
{
	pthread_mutex_lock(&reg_lock);
	while (registry) {
		struct thread_mem *m = registry;
		registry = m->next;
		cache_free(m->tools);
		free(m);
	}
	pthread_mutex_unlock(&reg_lock);
}

/* ---- a page's facts (cached with the article) ---- */

static void label(struct req *r, json_t *o, const char *field, const char *prefix,
		  const char *value)
{
	struct buf k = BUF_INIT;

	buf_puts(&k, prefix);
	buf_puts(&k, value);
	json_object_set_new(o, field, json_string(http_msg(r, k.data)));
	buf_free(&k);
}

static void lesson_facts(struct req *r, json_t *page, long long id)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT p.slug, p.title, l.bent_rule, l.rule, l.outcome, l.happened_on, p.status "
		"FROM lessons l LEFT JOIN pages p ON p.id = l.procedure_id WHERE l.page_id = ?1");

	if (!st)
		return;
	db_bind_int(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		json_t *l = json_object();
		if (sqlite3_column_type(st, 0) != SQLITE_NULL &&
		    strcmp(db_col_text(st, 6), "archived") != 0)
			json_object_set_new(l, "procedure", json_pack("{s:o, s:o}",
				"slug", db_col_json(st, 0), "title", db_col_json(st, 1)));
		json_object_set_new(l, "bent_rule", json_boolean(sqlite3_column_int(st, 2)));
		json_object_set_new(l, "rule", db_col_json(st, 3));
		if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
			json_object_set_new(l, "outcome", db_col_json(st, 4));
			label(r, l, "outcome_label", "outcome.", db_col_text(st, 4));
		}
		if (sqlite3_column_type(st, 5) != SQLITE_NULL) {
			json_object_set_new(l, "happened_on", db_col_json(st, 5));
			view_day(r, l, "happened_on");
		}
		json_object_set_new(page, "lesson", l);
	}
	sqlite3_reset(st);
}

/* Verified, or overdue since when: from the page JSON, no query. */
static void verify_facts(struct req *r, json_t *page, json_t *lc)
{
	json_t *va = json_object_get(page, "verified_at");
	int64_t base = json_is_integer(va) ? json_integer_value(va)
					   : json_integer_value(json_object_get(page, "created_at"));
	int64_t days = json_integer_value(json_object_get(page, "review_days"));
	int64_t due = base + days * 86400, now = db_now();
	json_t *v = json_object();
	char date[11];

	view_date(due, date);
	json_object_set_new(v, "due_on", json_string(date));
	view_day(r, v, "due_on");
	json_object_set_new(v, "days", json_integer(days));
	json_object_set_new(v, "overdue", json_boolean(due < now));
	json_object_set_new(v, "never", json_boolean(!json_is_integer(va)));
	json_object_set(lc, "verify", v);
	json_decref(v);
}

static json_t *open_flags(struct req *r, long long id)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT f.id, f.reason, f.comment, f.created_at, u.display_name FROM flags f "
		"LEFT JOIN users u ON u.id = f.user_id "
		"WHERE f.page_id = ?1 AND f.resolved_at IS NULL ORDER BY f.created_at, f.id LIMIT 100");
	json_t *a = json_array();

	if (!st)
		return a;
	db_bind_int(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *o = json_pack("{s:I, s:o, s:o, s:I, s:o}",
			"id", (json_int_t)sqlite3_column_int64(st, 0), "reason", db_col_json(st, 1),
			"comment", db_col_json(st, 2), "created_at", (json_int_t)sqlite3_column_int64(st, 3),
			"by", db_col_json(st, 4));
		label(r, o, "reason_label", "flag.reason.", db_col_text(st, 1));
		json_array_append_new(a, o);
	}
	sqlite3_reset(st);
	view_times(r, a, "created_at");
	return a;
}

static json_t *open_challenges(struct req *r, long long id)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT c.id, l.id, l.slug, l.title, ls.rule, u.display_name, c.created_at "
		"FROM challenges c JOIN pages l ON l.id = c.lesson_id "
		"LEFT JOIN lessons ls ON ls.page_id = l.id LEFT JOIN users u ON u.id = l.created_by "
		"WHERE c.procedure_id = ?1 AND c.status = 'open' ORDER BY c.created_at, c.id");
	json_t *a = json_array();

	if (!st)
		return a;
	db_bind_int(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(a, json_pack("{s:I, s:I, s:o, s:o, s:o, s:o, s:I}",
			"id", (json_int_t)sqlite3_column_int64(st, 0),
			"lesson_id", (json_int_t)sqlite3_column_int64(st, 1),
			"slug", db_col_json(st, 2), "title", db_col_json(st, 3),
			"rule", db_col_json(st, 4), "author", db_col_json(st, 5),
			"created_at", (json_int_t)sqlite3_column_int64(st, 6)));
	sqlite3_reset(st);
	view_times(r, a, "created_at");
	return a;
}

static json_t *related_lessons(struct req *r, long long id)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT l.slug, l.title, ls.outcome, ls.bent_rule, ls.happened_on "
		"FROM lessons ls JOIN pages l ON l.id = ls.page_id "
		"WHERE ls.procedure_id = ?1 AND l.status = 'published' AND l.kind = 'lesson' "
		"ORDER BY coalesce(ls.happened_on, '') DESC, l.id DESC LIMIT 100");
	json_t *a = json_array();

	if (!st)
		return a;
	db_bind_int(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *o = json_pack("{s:o, s:o, s:b}", "slug", db_col_json(st, 0),
				      "title", db_col_json(st, 1), "bent_rule", sqlite3_column_int(st, 3));
		if (sqlite3_column_type(st, 2) != SQLITE_NULL)
			label(r, o, "outcome_label", "outcome.", db_col_text(st, 2));
		if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
			json_object_set_new(o, "happened_on", db_col_json(st, 4));
			view_day(r, o, "happened_on");
		}
		json_array_append_new(a, o);
	}
	sqlite3_reset(st);
	return a;
}

/* The lesson a procedure grew from, and what a lesson grew into. */
static void promotions(struct req *r, json_t *lc, long long id)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT 'from', f.slug, f.title FROM pages p JOIN pages f ON f.id = p.promoted_from "
		"WHERE p.id = ?1 AND f.status = 'published' "
		"UNION ALL SELECT 'to', slug, title FROM pages WHERE promoted_from = ?1 "
		"AND status = 'published'");
	json_t *to = json_array();

	if (!st) {
		json_decref(to);
		return;
	}
	db_bind_int(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *o = json_pack("{s:o, s:o}", "slug", db_col_json(st, 1),
				      "title", db_col_json(st, 2));
		if (strcmp(db_col_text(st, 0), "from") == 0)
			json_object_set_new(lc, "promoted_from", o);
		else
			json_array_append_new(to, o);
	}
	sqlite3_reset(st);
	json_object_set_new(lc, "promoted_to", to);
}

/* Why a draft came back, why a page was archived, when it was submitted. */
static void last_transition(struct req *r, json_t *lc, long long id, const char *status)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT e.action, e.comment, e.at, u.display_name FROM page_events e "
		"LEFT JOIN users u ON u.id = e.user_id WHERE e.page_id = ?1 "
		"AND e.action IN ('submit', 'approve', 'return', 'archive', 'unarchive') "
		"ORDER BY e.at DESC, e.id DESC LIMIT 1");
	const char *want = strcmp(status, "draft") == 0 ? "return" :
			   strcmp(status, "archived") == 0 ? "archive" :
			   strcmp(status, "in_review") == 0 ? "submit" : NULL;
	const char *field = strcmp(status, "draft") == 0 ? "returned" :
			    strcmp(status, "archived") == 0 ? "archived" : "submitted";

	if (!want || !st)
		return;
	db_bind_int(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW && strcmp(db_col_text(st, 0), want) == 0) {
		json_t *o = json_pack("{s:o, s:I, s:o}", "comment", db_col_json(st, 1),
				      "at", (json_int_t)sqlite3_column_int64(st, 2),
				      "by", db_col_json(st, 3));
		view_time(r, o, "at");
		json_object_set_new(lc, field, o);
	}
	sqlite3_reset(st);
}

/* The lesson that prompted the current revision, if any. */
static void from_lesson(struct req *r, json_t *lc, long long id, int rev)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT l.slug, l.title FROM revisions v JOIN pages l ON l.id = v.lesson_id "
		"WHERE v.page_id = ?1 AND v.n = ?2 AND l.status = 'published'");

	if (!st)
		return;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, rev);
	if (sqlite3_step(st) == SQLITE_ROW)
		json_object_set_new(lc, "from_lesson", json_pack("{s:o, s:o}", "slug", db_col_json(st, 0),
								  "title", db_col_json(st, 1)));
	sqlite3_reset(st);
}

void lifecycle_history_lessons(struct req *r, long long page_id, json_t *history)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT v.n, l.slug, l.title FROM revisions v JOIN pages l ON l.id = v.lesson_id "
		"WHERE v.page_id = ?1 AND v.lesson_id IS NOT NULL AND l.status <> 'archived'");
	size_t i;
	json_t *h;

	if (!st)
		return;
	db_bind_int(st, 1, page_id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int n = sqlite3_column_int(st, 0);
		json_array_foreach(history, i, h) {
			if (json_integer_value(json_object_get(h, "n")) == n)
				json_object_set_new(h, "lesson", json_pack("{s:o, s:o}",
					"slug", db_col_json(st, 1), "title", db_col_json(st, 2)));
		}
	}
	sqlite3_reset(st);
}

void lifecycle_view(struct req *r, json_t *page)
{
	const char *kind = json_string_value(json_object_get(page, "kind"));
	const char *status = json_string_value(json_object_get(page, "status"));
	long long id = json_integer_value(json_object_get(page, "id"));
	json_t *lc = json_object(), *flags;
	bool lesson = kind && strcmp(kind, "lesson") == 0;
	bool procedure = kind && strcmp(kind, "procedure") == 0;
	bool published = status && strcmp(status, "published") == 0;

	if (!kind || !status) {
		json_decref(lc);
		return;
	}
	if (lesson)
		lesson_facts(r, page, id);
	if (!lesson && published)
		verify_facts(r, page, lc);
	flags = open_flags(r, id);
	{
		size_t n = json_array_size(flags);
		struct buf t = BUF_INIT;
		view_count(&t, http_msg(r, n == 1 ? "flag.open_one" : "flag.open_many"), (long long)n);
		json_object_set_new(lc, "flags_text", json_string(t.data));
		buf_free(&t);
	}
	json_object_set_new(lc, "flags_count", json_integer((json_int_t)json_array_size(flags)));
	json_object_set_new(lc, "flags", flags);
	if (procedure) {
		json_t *ch = open_challenges(r, id);
		size_t n = json_array_size(ch);
		struct buf t = BUF_INIT;
		view_count(&t, http_msg(r, n == 1 ? "challenge.one" : "challenge.many"), (long long)n);
		json_object_set_new(lc, "challenges_text", json_string(t.data));
		buf_free(&t);
		json_object_set_new(lc, "challenges_count", json_integer((json_int_t)n));
		json_object_set_new(lc, "challenges", ch);
		json_t *ls = related_lessons(r, id);
		json_object_set_new(lc, "has_lessons", json_boolean(json_array_size(ls) > 0));
		json_object_set_new(lc, "lessons", ls);
		json_object_set_new(lc, "can_update", json_boolean(r->role >= ROLE_EDITOR));
	}
	promotions(r, lc, id);
	from_lesson(r, lc, id, (int)json_integer_value(json_object_get(page, "current_rev")));
	last_transition(r, lc, id, status);
	json_object_set_new(page, "lc", lc);
}

/* lifecycle.h. The archive event says which revision was current when
 * the page was archived and from which status: from published, that
 * revision's title was public then (to every reader, and to visitors with
 * --public-read). A page archived as a draft or in review never was, and
 * gets nothing here. The last archive event decides: a page once
 * published never goes back to draft or review (review.c), so each of its
 * archive events after that is from published. Pages imported as
 * archived have no event: nothing either, as we cannot tell. */
json_t *lifecycle_archived(struct req *r, long long page_id)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT e.from_status, e.at, v.title FROM page_events e "
		"JOIN revisions v ON v.page_id = e.page_id AND v.n = e.rev "
		"WHERE e.page_id = ?1 AND e.action = 'archive' "
		"ORDER BY e.at DESC, e.id DESC LIMIT 1");
	json_t *o = NULL;

	if (!st)
		return NULL;
	db_bind_int(st, 1, page_id);
	if (sqlite3_step(st) == SQLITE_ROW && strcmp(db_col_text(st, 0), "published") == 0) {
		o = json_pack("{s:o, s:I}", "title", db_col_json(st, 2),
			      "archived_at", (json_int_t)sqlite3_column_int64(st, 1));
		view_time(r, o, "archived_at");
	}
	sqlite3_reset(st);
	return o;
}

/* ---- the per-user tools below a page ---- */

struct tools_page {
	long long id, created_by, owner, backup;
	char kind[12], status[12];
	int rev;
	bool following;
	long long flags, challenges, proposals;
};

static int tools_page(struct req *r, const char *slug, struct tools_page *t)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT p.id, p.kind, p.status, p.created_by, p.owner_id, p.backup_owner_id, "
		"p.current_rev, "
		"EXISTS (SELECT 1 FROM follows f WHERE f.user_id = ?2 AND f.page_id = p.id), "
		"(SELECT count(*) FROM flags f WHERE f.page_id = p.id AND f.resolved_at IS NULL), "
		"(SELECT count(*) FROM challenges c WHERE c.procedure_id = p.id AND c.status = 'open'), "
		"(SELECT count(*) FROM proposals x WHERE x.status = 'pending' AND x.page_id = p.id) "
		"FROM pages p WHERE p.slug = ?1");
	int rc = -1;

	if (!st)
		return -1;
	db_bind_text(st, 1, slug);
	db_bind_int(st, 2, r->uid);
	if (sqlite3_step(st) == SQLITE_ROW) {
		t->id = sqlite3_column_int64(st, 0);
		snprintf(t->kind, sizeof(t->kind), "%s", db_col_text(st, 1));
		snprintf(t->status, sizeof(t->status), "%s", db_col_text(st, 2));
		t->created_by = sqlite3_column_int64(st, 3);
		t->owner = sqlite3_column_int64(st, 4);
		t->backup = sqlite3_column_int64(st, 5);
		t->rev = sqlite3_column_int(st, 6);
		t->following = sqlite3_column_int(st, 7);
		t->flags = sqlite3_column_int64(st, 8);
		t->challenges = sqlite3_column_int64(st, 9);
		t->proposals = sqlite3_column_int64(st, 10);
		rc = 0;
	}
	sqlite3_reset(st);
	return rc;
}

/* Open flags, open challenges and pending proposals of the page that r
 * may act on, in one query. */
static void tools_items(struct req *r, json_t *t, const struct tools_page *p, bool flags,
			bool challenges, bool proposals)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT 'flag', f.id, f.reason, f.comment, f.created_at, u.display_name, 0 "
		"FROM flags f LEFT JOIN users u ON u.id = f.user_id "
		"WHERE ?2 AND f.page_id = ?1 AND f.resolved_at IS NULL "
		"UNION ALL SELECT 'challenge', c.id, l.slug, l.title, c.created_at, '', 0 "
		"FROM challenges c JOIN pages l ON l.id = c.lesson_id "
		"WHERE ?3 AND c.procedure_id = ?1 AND c.status = 'open' "
		"UNION ALL SELECT 'proposal', x.id, x.comment, '', x.created_at, u.display_name, x.base_rev "
		"FROM proposals x LEFT JOIN users u ON u.id = x.author_id "
		"WHERE ?4 AND x.status = 'pending' AND x.page_id = ?1");
	json_t *fa = json_array(), *ca = json_array(), *pa = json_array();

	if (st) {
		db_bind_int(st, 1, p->id);
		db_bind_int(st, 2, flags);
		db_bind_int(st, 3, challenges);
		db_bind_int(st, 4, proposals);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *what = db_col_text(st, 0);
			json_int_t id = sqlite3_column_int64(st, 1);
			json_int_t at = sqlite3_column_int64(st, 4);
			if (strcmp(what, "flag") == 0) {
				json_t *o = json_pack("{s:I, s:o, s:I, s:o}", "id", id,
					"comment", db_col_json(st, 3), "created_at", at,
					"by", db_col_json(st, 5));
				label(r, o, "reason_label", "flag.reason.", db_col_text(st, 2));
				json_array_append_new(fa, o);
			} else if (strcmp(what, "challenge") == 0) {
				json_array_append_new(ca, json_pack("{s:I, s:o, s:o, s:I}", "id", id,
					"slug", db_col_json(st, 2), "title", db_col_json(st, 3),
					"created_at", at));
			} else {
				int base = sqlite3_column_int(st, 6);
				json_array_append_new(pa, json_pack("{s:I, s:o, s:o, s:I, s:i, s:b}",
					"id", id, "comment", db_col_json(st, 2), "by", db_col_json(st, 5),
					"created_at", at, "base_rev", base, "stale", base != p->rev));
			}
		}
		sqlite3_reset(st);
	}
	view_times(r, fa, "created_at");
	view_times(r, ca, "created_at");
	view_times(r, pa, "created_at");
	json_object_set_new(t, "has_flags", json_boolean(json_array_size(fa) > 0));
	json_object_set_new(t, "has_challenges", json_boolean(json_array_size(ca) > 0));
	json_object_set_new(t, "has_proposals", json_boolean(json_array_size(pa) > 0));
	json_object_set_new(t, "flags", fa);
	json_object_set_new(t, "challenges", ca);
	json_object_set_new(t, "proposals", pa);
}

static json_t *tools_json(struct req *r, const struct tools_page *p)
{
	json_t *t = json_object();
	bool author = r->uid && r->uid == p->created_by;
	bool owner = r->uid && (r->uid == p->owner || r->uid == p->backup);
	bool lesson = strcmp(p->kind, "lesson") == 0;
	bool draft = strcmp(p->status, "draft") == 0;
	bool review = strcmp(p->status, "in_review") == 0;
	bool published = strcmp(p->status, "published") == 0;
	bool archived = strcmp(p->status, "archived") == 0;
	bool editor = r->role >= ROLE_EDITOR, manager = r->role >= ROLE_MANAGER;
	bool resolve = p->flags > 0 && (owner || editor);
	bool dismiss = p->challenges > 0 && manager;
	bool props = p->proposals > 0 && editor;

	json_object_set_new(t, "can_submit", json_boolean(draft && r->role >= ROLE_STAFF &&
							  (author || editor)));
	json_object_set_new(t, "can_review", json_boolean(review && editor));
	json_object_set_new(t, "can_publish", json_boolean(draft && editor));
	json_object_set_new(t, "can_verify", json_boolean(published && !lesson && (owner || manager)));
	json_object_set_new(t, "is_owner", json_boolean(owner && !lesson));
	json_object_set_new(t, "can_settings", json_boolean(manager && !lesson && !archived));
	json_object_set_new(t, "can_promote", json_boolean(lesson && published &&
							   r->role >= ROLE_STAFF));
	json_object_set_new(t, "can_publish_promoted", json_boolean(editor));
	json_object_set_new(t, "can_follow", json_boolean(published));
	json_object_set_new(t, "following", json_boolean(p->following));
	json_object_set_new(t, "can_flag", json_boolean(published));
	json_object_set_new(t, "can_archive", json_boolean(editor && (draft || published)));
	json_object_set_new(t, "can_unarchive", json_boolean(editor && archived));
	if (resolve || dismiss || props)
		tools_items(r, t, p, resolve, dismiss, props);
	return t;
}

/* Is any tool offered? (An empty box helps nobody.) */
static bool any_tool(json_t *t)
{
	const char *k;
	json_t *v;

	json_object_foreach(t, k, v) {
		if (strncmp(k, "can_", 4) == 0 && json_is_true(v) && strcmp(k, "can_publish_promoted") != 0)
			return true;
		if (strncmp(k, "has_", 4) == 0 && json_is_true(v))
			return true;
	}
	return false;
}

void lifecycle_tools(struct req *r, const char *slug, struct buf *out)
{
	struct thread_mem *m;
	struct buf key = BUF_INIT, html = BUF_INIT;
	struct tools_page p;
	struct cache_hit hit;
	uint64_t gen = cache_generation();
	int64_t now = db_now();
	json_t *c;

	if (!r->uid || !slug)
		return;
	m = thread_mem();
	buf_puts(&key, slug);
	buf_putc(&key, '|');
	buf_puts(&key, r->lang);
	buf_putc(&key, '|');
	buf_int(&key, r->uid);
	buf_putc(&key, '|');
	buf_int(&key, r->role);
	buf_putc(&key, '|');
	buf_puts(&key, r->csrf ? r->csrf : "");
	if (cache_get(m->tools, key.data, now, &hit)) {
		buf_append(out, hit.body, hit.blen);
		buf_free(&key);
		return;
	}
	memset(&p, 0, sizeof(p));
	if (tools_page(r, slug, &p) < 0 ||
	    !pages_visible(r->role, r->uid, p.status, p.created_by)) {
		buf_free(&key);
		return;
	}
	c = json_object();
	json_object_set_new(c, "slug", json_string(slug));
	json_object_set_new(c, "rev", json_integer(p.rev));
	json_object_set_new(c, "lang", json_string(r->lang));
	if (r->csrf)
		json_object_set_new(c, "csrf", json_string(r->csrf));
	{
		json_t *t = tools_json(r, &p);
		if (any_tool(t))
			json_object_set_new(c, "tools", t);
		else
			json_decref(t);
	}
	if (tmpl_render(g_server->tmpl, "page_tools", c, g_server->msgs, r->lang, &html) == 0) {
		cache_put(m->tools, key.data, gen, now, "", 0, html.data, html.len);
		buf_append(out, html.data, html.len);
	}
	json_decref(c);
	buf_free(&key);
	buf_free(&html);
}

/* ---- navigation badges ---- */

struct badge_memo {
	long long uid;
	int role;
	uint64_t gen;
	int64_t at;
	long long inbox;
};

#define MEMO_SLOTS 64
static _Thread_local struct badge_memo memo[MEMO_SLOTS];
static _Thread_local struct {
	uint64_t gen;
	int64_t at;
	long long n;
} review_memo;

static long long review_count(struct req *r)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT (SELECT count(*) FROM pages WHERE status = 'in_review'), "
		"(SELECT count(*) FROM proposals WHERE status = 'pending')");
	long long n = 0;

	if (!st)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0) + sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	return n;
}

void lifecycle_nav_badges(struct req *r, json_t *ctx)
{
	uint64_t gen = cache_generation();
	int64_t now = db_now();
	struct badge_memo *m;
	json_t *b;

	if (!r->uid)
		return;
	b = json_object();
	if (r->role >= ROLE_EDITOR) {
		if (!cache_fresh(review_memo.gen, review_memo.at, now, BADGE_TTL)) {
			review_memo.n = review_count(r);
			review_memo.gen = gen;
			review_memo.at = now;
		}
		json_object_set_new(b, "review", json_integer(review_memo.n));
	}
	m = &memo[(unsigned long long)r->uid % MEMO_SLOTS];
	if (m->uid != r->uid || m->role != r->role || !cache_fresh(m->gen, m->at, now, BADGE_TTL)) {
		m->inbox = inbox_count(r);
		m->uid = r->uid;
		m->role = r->role;
		m->gen = gen;
		m->at = now;
	}
	json_object_set_new(b, "inbox", json_integer(m->inbox));
	json_object_set_new(ctx, "badges", b);
}

/* ---- history, home, browse ---- */

json_t *lifecycle_events(struct req *r, long long page_id)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT e.action, e.at, u.display_name, e.from_status, e.to_status, e.comment, e.rev "
		"FROM page_events e LEFT JOIN users u ON u.id = e.user_id WHERE e.page_id = ?1 "
		"ORDER BY e.at DESC, e.id DESC LIMIT 500");
	json_t *a = json_array();

	if (!st)
		return a;
	db_bind_int(st, 1, page_id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *o = json_pack("{s:o, s:I, s:o, s:o}", "action", db_col_json(st, 0),
			"at", (json_int_t)sqlite3_column_int64(st, 1), "user", db_col_json(st, 2),
			"comment", db_col_json(st, 5));
		label(r, o, "label", "event.", db_col_text(st, 0));
		if (sqlite3_column_type(st, 3) != SQLITE_NULL && sqlite3_column_type(st, 4) != SQLITE_NULL) {
			label(r, o, "from_label", "status.", db_col_text(st, 3));
			label(r, o, "to_label", "status.", db_col_text(st, 4));
		}
		if (sqlite3_column_type(st, 6) != SQLITE_NULL)
			json_object_set_new(o, "rev", json_integer(sqlite3_column_int(st, 6)));
		json_array_append_new(a, o);
	}
	sqlite3_reset(st);
	view_times(r, a, "at");
	return a;
}

void lifecycle_home(struct req *r, json_t *ctx)
{
	sqlite3_stmt *st;

	if (r->role < ROLE_EDITOR)
		return;
	st = db_stmt(r->db,
		"SELECT (SELECT count(*) FROM pages WHERE status = 'in_review'), "
		"(SELECT count(*) FROM proposals WHERE status = 'pending')");
	if (!st)
		return;
	if (sqlite3_step(st) == SQLITE_ROW) {
		long long l = sqlite3_column_int64(st, 0), p = sqlite3_column_int64(st, 1);
		struct buf a = BUF_INIT, b = BUF_INIT;
		view_count(&a, http_msg(r, l == 1 ? "home.review_lessons_one" : "home.review_lessons"), l);
		view_count(&b, http_msg(r, p == 1 ? "home.review_proposals_one" : "home.review_proposals"), p);
		json_object_set_new(ctx, "review_counts", json_pack("{s:I, s:I, s:s, s:s}",
			"lessons", (json_int_t)l, "proposals", (json_int_t)p,
			"lessons_text", a.data, "proposals_text", b.data));
		buf_free(&a);
		buf_free(&b);
	}
	sqlite3_reset(st);
}

json_t *lifecycle_lessons(struct req *r, const char *procedure, int bent,
			  const char *outcome, const char *category, int limit, int offset)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT p.slug, p.title, p.kind, p.category, p.status, p.current_rev, p.updated_at, "
		"pr.slug, pr.title, l.bent_rule, l.rule, l.outcome, l.happened_on, p.verified_at "
		"FROM lessons l JOIN pages p ON p.id = l.page_id "
		"LEFT JOIN pages pr ON pr.id = l.procedure_id "
		"WHERE p.kind = 'lesson' AND (p.status = 'published' OR (p.status IN ('draft','in_review') "
		"AND (?5 >= 3 OR p.created_by = ?6))) "
		"AND (?1 IS NULL OR pr.slug = ?1 OR pr.title = ?9) AND (?2 < 0 OR l.bent_rule = ?2) "
		"AND (?3 IS NULL OR l.outcome = ?3) AND (?4 IS NULL OR p.category = ?4) "
		"ORDER BY p.title COLLATE NOCASE LIMIT ?7 OFFSET ?8");
	json_t *a = json_array();
	struct buf slug = BUF_INIT;

	if (!st)
		return a;
	if (procedure && *procedure) {
		if (text_slug_valid(procedure, SLUG_MAX))
			buf_puts(&slug, procedure);
		else
			text_slugify(&slug, procedure, strlen(procedure), SLUG_MAX);
		db_bind_text(st, 1, slug.data);
		db_bind_text(st, 9, procedure);
	}
	db_bind_int(st, 2, bent);
	db_bind_text(st, 3, outcome && *outcome ? outcome : NULL);
	db_bind_text(st, 4, category && *category ? category : NULL);
	db_bind_int(st, 5, r->role);
	db_bind_int(st, 6, r->uid);
	db_bind_int(st, 7, limit);
	db_bind_int(st, 8, offset);
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:i, s:I, s:b, s:o}",
			"slug", db_col_json(st, 0), "title", db_col_json(st, 1),
			"kind", db_col_json(st, 2), "category", db_col_json(st, 3),
			"status", db_col_json(st, 4), "rev", sqlite3_column_int(st, 5),
			"updated_at", (json_int_t)sqlite3_column_int64(st, 6),
			"bent_rule", sqlite3_column_int(st, 9), "rule", db_col_json(st, 10));
		json_object_set_new(o, "procedure", sqlite3_column_type(st, 7) == SQLITE_NULL
			? json_null() : json_pack("{s:o, s:o}", "slug", db_col_json(st, 7),
						  "title", db_col_json(st, 8)));
		json_object_set_new(o, "outcome", sqlite3_column_type(st, 11) == SQLITE_NULL
			? json_null() : db_col_json(st, 11));
		json_object_set_new(o, "happened_on", sqlite3_column_type(st, 12) == SQLITE_NULL
			? json_null() : db_col_json(st, 12));
		json_object_set_new(o, "verified_at", json_null());
		json_array_append_new(a, o);
	}
	sqlite3_reset(st);
	buf_free(&slug);
	return a;
}

void lifecycle_browse(struct req *r, json_t *ctx, const char *kind, const char *category,
		      int limit, int offset)
{
	static const char *const outcomes[] = {"positive", "negative", "mixed"};
	bool too_long = false;
	const char *proc = http_param(r, "procedure", 600, &too_long);
	const char *bent = http_param(r, "bent_rule", 4, &too_long);
	const char *outcome = http_param(r, "outcome", 20, &too_long);
	bool filtered, valid_outcome = false;
	json_t *f, *opts;

	if (category && r->uid)
		json_object_set_new(ctx, "follow_category", json_pack("{s:s, s:b}", "name", category,
			"following", inbox_follows_category(r, category)));
	if (too_long)
		proc = bent = outcome = NULL;
	if (proc && !*proc)
		proc = NULL;
	if (bent && strcmp(bent, "1") != 0 && strcmp(bent, "0") != 0)
		bent = NULL;
	for (size_t i = 0; outcome && i < 3; i++)
		valid_outcome |= strcmp(outcome, outcomes[i]) == 0;
	if (!valid_outcome)
		outcome = NULL;
	filtered = proc || bent || outcome;
	if (!filtered && !(kind && strcmp(kind, "lesson") == 0))
		return;
	f = json_object();
	json_object_set_new(f, "procedure", json_string(proc ? proc : ""));
	json_object_set_new(f, "bent_yes", json_boolean(bent && strcmp(bent, "1") == 0));
	json_object_set_new(f, "bent_no", json_boolean(bent && strcmp(bent, "0") == 0));
	opts = json_array();
	for (size_t i = 0; i < 3; i++) {
		json_t *o = json_pack("{s:s, s:b}", "value", outcomes[i],
				      "selected", outcome && strcmp(outcome, outcomes[i]) == 0);
		label(r, o, "label", "outcome.", outcomes[i]);
		json_array_append_new(opts, o);
	}
	json_object_set_new(f, "outcomes", opts);
	if (category)
		json_object_set_new(f, "category", json_string(category));
	json_object_set_new(ctx, "lesson_filters", f);
	if (filtered) {
		json_t *list = lifecycle_lessons(r, proc, bent ? atoi(bent) : -1, outcome, category,
						 limit, offset);
		view_labels_all(r, list);
		view_times(r, list, "updated_at");
		json_object_set_new(ctx, "pages", list);
	}
}
