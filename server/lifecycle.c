/*
 * lifecycle.c - templates per kind, lesson fields, proposals, audit.
 *
 * The built-in templates are Oficio's own words; managers may replace
 * them per kind and language (page_templates).
 */
#include "lifecycle.h"

#include "buf.h"
#include "db.h"
#include "http.h"
#include "pages.h"
#include "role.h"
#include "text.h"
#include "view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *builtin(const char *kind, const char *lang)
{
	bool en = strcmp(lang, "en") == 0;

	if (strcmp(kind, "lesson") == 0)
		return en ? "## Situation\n\nWhat did the customer need? What made the case unusual?\n\n"
			    "## What I did\n\n\n## Outcome\n\n\n## What we learned\n\n"
			  : "## Situación\n\n¿Qué necesitaba el cliente? ¿Qué tenía de especial el caso?\n\n"
			    "## Qué hice\n\n\n## Resultado\n\n\n## Lo que aprendimos\n\n";
	if (strcmp(kind, "procedure") == 0)
		return en ? "## When this applies\n\n\n## Steps\n\n- [ ] \n- [ ] \n- [ ] \n\n"
			    "## Exceptions\n\n\n## Related\n\n"
			  : "## Cuándo se aplica\n\n\n## Pasos\n\n- [ ] \n- [ ] \n- [ ] \n\n"
			    "## Excepciones\n\n\n## Relacionado\n\n";
	return "";
}

char *lifecycle_template(struct db *db, const char *kind, const char *lang)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT markdown FROM page_templates WHERE kind = ?1 AND lang = ?2");
	char *md = NULL;

	if (st) {
		db_bind_text(st, 1, kind);
		db_bind_text(st, 2, lang);
		if (sqlite3_step(st) == SQLITE_ROW)
			md = xstrdup(db_col_text(st, 0));
		sqlite3_reset(st);
	}
	return md ? md : xstrdup(builtin(kind, lang));
}

void lifecycle_audit(struct req *r, const char *action, const char *target,
		     const char *detail)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"INSERT INTO audit(at, user_id, action, target, detail, addr) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6)");

	if (!st)
		return;
	db_bind_int(st, 1, db_now());
	if (r->uid)
		db_bind_int(st, 2, r->uid);
	db_bind_text(st, 3, action);
	db_bind_text(st, 4, target ? target : "");
	db_bind_text(st, 5, detail ? detail : "");
	db_bind_text(st, 6, r->addr);
	sqlite3_step(st);
	sqlite3_reset(st);
}

void lifecycle_event(struct req *r, long long page_id, const char *action,
		     const char *from_status, const char *to_status,
		     const char *comment, int rev)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"INSERT INTO page_events(page_id, user_id, at, action, from_status, to_status, comment, rev) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");

	if (!st)
		return;
	db_bind_int(st, 1, page_id);
	if (r->uid)
		db_bind_int(st, 2, r->uid);
	db_bind_int(st, 3, db_now());
	db_bind_text(st, 4, action);
	db_bind_text(st, 5, from_status);
	db_bind_text(st, 6, to_status);
	db_bind_text(st, 7, comment ? comment : "");
	if (rev)
		db_bind_int(st, 8, rev);
	sqlite3_step(st);
	sqlite3_reset(st);
}

/* ---- lessons ---- */

static bool date_ok(const char *d)
{
	int y, m, day;
	char extra;

	return strlen(d) == 10 && sscanf(d, "%4d-%2d-%2d%c", &y, &m, &day, &extra) == 3 &&
	       y >= 1900 && y <= 2200 && m >= 1 && m <= 12 && day >= 1 && day <= 31;
}

static bool outcome_ok(const char *o)
{
	return strcmp(o, "positive") == 0 || strcmp(o, "negative") == 0 ||
	       strcmp(o, "mixed") == 0;
}

void lifecycle_lesson_from_form(struct req *r, struct lesson_in *l)
{
	memset(l, 0, sizeof(*l));
	l->procedure = http_form(r, "procedure");
	l->bent_rule = http_form(r, "bent_rule") != NULL;
	l->rule = http_form(r, "rule");
	l->outcome = http_form(r, "outcome");
	l->happened_on = http_form(r, "happened_on");
	l->given = l->procedure || l->bent_rule || l->rule || l->outcome || l->happened_on;
}

static const char *json_str_or_null(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

void lifecycle_lesson_from_json(json_t *lesson, struct lesson_in *l)
{
	memset(l, 0, sizeof(*l));
	if (!json_is_object(lesson))
		return;
	l->given = true;
	l->procedure = json_str_or_null(lesson, "procedure");
	l->bent_rule = json_is_true(json_object_get(lesson, "bent_rule"));
	l->rule = json_str_or_null(lesson, "rule");
	l->outcome = json_str_or_null(lesson, "outcome");
	l->happened_on = json_str_or_null(lesson, "happened_on");
}

/* The procedure a lesson names: a slug or a title. 0 when none given,
 * -1 when given but unknown. */
static long long procedure_of(struct req *r, const struct lesson_in *l)
{
	const char *p = l->procedure;
	struct buf slug = BUF_INIT;
	sqlite3_stmt *st;
	long long id = -1;

	if (!p || !*p)
		return 0;
	st = db_stmt(r->db, "SELECT id FROM pages WHERE (slug = ?1 OR title = ?2) "
			    "AND kind = 'procedure' AND status <> 'archived'");
	if (!st)
		return -1;
	if (text_slug_valid(p, SLUG_MAX))
		buf_puts(&slug, p);
	else
		text_slugify(&slug, p, strlen(p), SLUG_MAX);
	db_bind_text(st, 1, slug.data);
	db_bind_text(st, 2, p);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	buf_free(&slug);
	return id;
}

const char *lifecycle_lesson_check(struct req *r, const char *kind,
				   const struct lesson_in *l)
{
	const char *outcome = l->outcome;
	const char *date = l->happened_on;
	const char *rule = l->rule;

	if (!kind || strcmp(kind, "lesson") != 0)
		return NULL;
	if (procedure_of(r, l) < 0)
		return "err.procedure";
	if (outcome && *outcome && !outcome_ok(outcome))
		return "err.outcome";
	if (date && *date && !date_ok(date))
		return "err.date";
	if (rule && strlen(rule) > 300)
		return "err.rule";
	return NULL;
}

static void save_lesson(struct req *r, long long page_id, const struct lesson_in *l)
{
	const char *outcome = l->outcome;
	const char *date = l->happened_on;
	const char *rule = l->rule;
	long long proc = procedure_of(r, l);
	sqlite3_stmt *st = db_stmt(r->db,
		"INSERT INTO lessons(page_id, procedure_id, bent_rule, rule, outcome, happened_on) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(page_id) DO UPDATE SET "
		"procedure_id = excluded.procedure_id, bent_rule = excluded.bent_rule, "
		"rule = excluded.rule, outcome = excluded.outcome, happened_on = excluded.happened_on");

	if (!st)
		return;
	db_bind_int(st, 1, page_id);
	if (proc > 0)
		db_bind_int(st, 2, proc);
	db_bind_int(st, 3, l->bent_rule);
	db_bind_text(st, 4, rule ? rule : "");
	db_bind_text(st, 5, outcome && *outcome ? outcome : NULL);
	db_bind_text(st, 6, date && *date ? date : NULL);
	sqlite3_step(st);
	sqlite3_reset(st);
}

void lifecycle_lesson_form(struct req *r, json_t *f, json_t *page)
{
	const char *kind = json_string_value(json_object_get(f, "kind"));
	static const char *const outcomes[] = {"positive", "negative", "mixed"};
	const char *have;
	json_t *opts = json_array();
	struct buf k = BUF_INIT;

	json_object_set_new(f, "is_lesson", json_boolean(kind && strcmp(kind, "lesson") == 0));
	if (page && !json_object_get(f, "outcome")) {
		sqlite3_stmt *st = db_stmt(r->db,
			"SELECT p.slug, l.bent_rule, l.rule, l.outcome, l.happened_on "
			"FROM lessons l LEFT JOIN pages p ON p.id = l.procedure_id WHERE l.page_id = ?1");
		if (st) {
			db_bind_int(st, 1, json_integer_value(json_object_get(page, "id")));
			if (sqlite3_step(st) == SQLITE_ROW) {
				json_object_set_new(f, "procedure", json_string(db_col_text(st, 0)));
				json_object_set_new(f, "bent_rule", json_boolean(sqlite3_column_int(st, 1)));
				json_object_set_new(f, "rule", json_string(db_col_text(st, 2)));
				json_object_set_new(f, "outcome", json_string(db_col_text(st, 3)));
				json_object_set_new(f, "happened_on", json_string(db_col_text(st, 4)));
			}
			sqlite3_reset(st);
		}
	}
	have = json_string_value(json_object_get(f, "outcome"));
	for (size_t i = 0; i < 3; i++) {
		buf_reset(&k);
		buf_printf(&k, "outcome.%s", outcomes[i]);
		json_array_append_new(opts, json_pack("{s:s, s:s, s:b}", "value", outcomes[i],
			"label", http_msg(r, k.data), "selected", have && strcmp(have, outcomes[i]) == 0));
	}
	json_object_set_new(f, "outcomes", opts);
	buf_free(&k);
}

void lifecycle_after_create(struct req *r, long long page_id, const char *kind,
			    const struct lesson_in *l)
{
	if (strcmp(kind, "lesson") == 0)
		save_lesson(r, page_id, l);
	lifecycle_event(r, page_id, "create", NULL, NULL, NULL, 1);
}

void lifecycle_after_save(struct req *r, json_t *page, int rev, long long lesson_id,
			  const struct lesson_in *l)
{
	long long id = json_integer_value(json_object_get(page, "id"));
	const char *kind = json_string_value(json_object_get(page, "kind"));

	if (kind && strcmp(kind, "lesson") == 0 && l && l->given)
		save_lesson(r, id, l);
	if (lesson_id) {
		/* The procedure was updated from a challenging lesson: that
		 * answers the challenge. */
		sqlite3_stmt *st = db_stmt(r->db,
			"UPDATE challenges SET status = 'updated', decided_by = ?3, decided_at = ?4, rev = ?5 "
			"WHERE procedure_id = ?1 AND lesson_id = ?2 AND status = 'open'");
		if (st) {
			db_bind_int(st, 1, id);
			db_bind_int(st, 2, lesson_id);
			db_bind_int(st, 3, r->uid);
			db_bind_int(st, 4, db_now());
			db_bind_int(st, 5, rev);
			sqlite3_step(st);
			sqlite3_reset(st);
		}
	}
}

void lifecycle_edit_context(struct req *r, json_t *f, json_t *page)
{
	long long lesson = http_int(r, "lesson", 1, (long long)1 << 53, 0);
	sqlite3_stmt *st;

	(void)page;
	if (!lesson)
		return;
	st = db_stmt(r->db, "SELECT slug, title FROM pages WHERE id = ?1 AND kind = 'lesson'");
	if (!st)
		return;
	db_bind_int(st, 1, lesson);
	if (sqlite3_step(st) == SQLITE_ROW)
		json_object_set_new(f, "lesson", json_pack("{s:I, s:s, s:s}", "id", (json_int_t)lesson,
			"slug", db_col_text(st, 0), "title", db_col_text(st, 1)));
	sqlite3_reset(st);
}

/* Store a pending proposal; its id, or -1. */
static long long insert_proposal(struct req *r, json_t *page, int base, const char *title,
				 const char *md, const char *comment)
{
	long long id = json_integer_value(json_object_get(page, "id"));
	sqlite3_stmt *st = db_stmt(r->db,
		"INSERT INTO proposals(page_id, base_rev, title, markdown, comment, author_id, created_at) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
	long long pid;
	int rc;

	if (!st)
		return -1;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, base);
	db_bind_text(st, 3, title);
	db_bind_text(st, 4, md);
	db_bind_text(st, 5, comment ? comment : "");
	db_bind_int(st, 6, r->uid);
	db_bind_int(st, 7, db_now());
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;
	pid = sqlite3_last_insert_rowid(db_handle(r->db));
	lifecycle_event(r, id, "propose", NULL, NULL, comment, base);
	lifecycle_audit(r, "page.propose", json_string_value(json_object_get(page, "slug")), "");
	return pid;
}

static bool proposal_ok(const char *title, const char *md, const char *comment)
{
	return pages_title_ok(title) && md && strlen(md) <= MARKDOWN_MAX &&
	       text_utf8_valid(md, strlen(md)) && (!comment || strlen(comment) <= COMMENT_MAX);
}

int lifecycle_propose(struct req *r, json_t *page, json_t *f, int base)
{
	const char *title = http_form(r, "title"), *md = http_form(r, "markdown");
	const char *comment = http_form(r, "comment");
	int cur = (int)json_integer_value(json_object_get(page, "current_rev"));
	json_t *c;

	json_decref(f);
	if (!proposal_ok(title, md, comment))
		return http_error(r, 400, "bad_request", "err.title");
	if (base != cur)
		return http_error(r, 409, "conflict", "err.conflict");
	if (insert_proposal(r, page, base, title, md, comment) < 0)
		return http_error(r, 500, "error", "err.internal");
	c = json_object();
	json_object_set_new(c, "title", json_string(http_msg(r, "proposal.sent_title")));
	json_object_set(c, "page", page);
	return http_page(r, 202, "proposal_sent", c);
}

int lifecycle_propose_api(struct req *r, json_t *page, const struct page_save *in)
{
	long long pid;

	if (!proposal_ok(in->title, in->markdown, in->comment))
		return http_error(r, 400, "invalid", "err.title");
	pid = insert_proposal(r, page, in->base_rev, in->title, in->markdown, in->comment);
	if (pid < 0)
		return http_error(r, 500, "error", "err.internal");
	return http_json(r, 202, json_pack("{s:s, s:I, s:s, s:i}", "status", "pending",
					   "proposal", (json_int_t)pid, "slug",
					   json_string_value(json_object_get(page, "slug")),
					   "base_rev", in->base_rev));
}

void lifecycle_view(struct req *r, json_t *page)
{
	const char *kind = json_string_value(json_object_get(page, "kind"));
	sqlite3_stmt *st;
	struct buf k = BUF_INIT;

	if (!kind || strcmp(kind, "lesson") != 0)
		return;
	st = db_stmt(r->db,
		"SELECT p.slug, p.title, l.bent_rule, l.rule, l.outcome, l.happened_on "
		"FROM lessons l LEFT JOIN pages p ON p.id = l.procedure_id WHERE l.page_id = ?1");
	if (!st)
		return;
	db_bind_int(st, 1, json_integer_value(json_object_get(page, "id")));
	if (sqlite3_step(st) == SQLITE_ROW) {
		json_t *l = json_object();
		if (sqlite3_column_type(st, 0) != SQLITE_NULL)
			json_object_set_new(l, "procedure", json_pack("{s:o, s:o}",
				"slug", db_col_json(st, 0), "title", db_col_json(st, 1)));
		json_object_set_new(l, "bent_rule", json_boolean(sqlite3_column_int(st, 2)));
		json_object_set_new(l, "rule", db_col_json(st, 3));
		if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
			buf_puts(&k, "outcome.");
			buf_puts(&k, db_col_text(st, 4));
			json_object_set_new(l, "outcome", db_col_json(st, 4));
			json_object_set_new(l, "outcome_label", json_string(http_msg(r, k.data)));
		}
		if (sqlite3_column_type(st, 5) != SQLITE_NULL)
			json_object_set_new(l, "happened_on", db_col_json(st, 5));
		json_object_set_new(page, "lesson", l);
	}
	sqlite3_reset(st);
	buf_free(&k);
}
