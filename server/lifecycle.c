/*
 * lifecycle.c - templates per kind, lesson fields, proposals, audit, and
 * the small helpers every lifecycle handler shares (loading a page,
 * reading an answer, opening challenges, finishing a request).
 *
 * The built-in templates are Oficio's own words; managers may replace
 * them per kind and language (page_templates). Their plain paragraphs are
 * questions for the writer, dropped from a new page if left as they are
 * (prompts.c), and shown beside an existing page's text in its editor.
 *
 * Invariant: a challenge exists only for a lesson that was published with
 * a rule bent and a procedure named; it is opened once per (procedure,
 * lesson) and, once answered (updated or dismissed), never reopened.
 */
#include "lifecycle.h"

#include "buf.h"
#include "db.h"
#include "http.h"
#include "pages.h"
#include "prompts.h"
#include "role.h"
#include "text.h"
#include "view.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *lifecycle_builtin_template(const char *kind, const char *lang)
{
	bool en = strcmp(lang, "en") == 0;

	/* The questions are guidance (prompts.c): never published. */
	if (strcmp(kind, "lesson") == 0)
		return en ? "## Situation\n\nWhat did the customer need? What made the case unusual?\n\n"
			    "## What I did\n\nWhat did you do, step by step? If you bent a rule for "
			    "the customer, which one, and why?\n\n"
			    "## Outcome\n\nHow did it end? How did the customer take it?\n\n"
			    "## What we learned\n\nWhat would you do again, or differently, next time? "
			    "Should the procedure change?\n\n"
			  : "## Situación\n\n¿Qué necesitaba el cliente? ¿Qué tenía de especial el caso?\n\n"
			    "## Qué hice\n\n¿Qué hiciste, paso a paso? Si te saltaste una norma a favor "
			    "del cliente, ¿cuál y por qué?\n\n"
			    "## Resultado\n\n¿Cómo acabó? ¿Cómo lo recibió el cliente?\n\n"
			    "## Lo que aprendimos\n\n¿Qué volverías a hacer, o harías distinto, la próxima "
			    "vez? ¿Habría que cambiar el procedimiento?\n\n";
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
	return md ? md : xstrdup(lifecycle_builtin_template(kind, lang));
}

size_t lifecycle_without_prompts(struct db *db, const char *md, struct buf *out)
{
	static const char *const kinds[] = {"procedure", "lesson", "reference"};
	static const char *const langs[] = {"es", "en"};
	struct prompts p = PROMPTS_INIT;
	size_t removed;

	/* Every kind's, in both languages, the managers' and the built-in
	 * ones: the kind select may have changed after the text was filled
	 * in, and a template may have changed while the form was open. A kind
	 * without a manager's template has the built-in one: read once. */
	for (size_t k = 0; k < 3; k++) {
		for (size_t l = 0; l < 2; l++) {
			const char *builtin = lifecycle_builtin_template(kinds[k], langs[l]);
			char *t = lifecycle_template(db, kinds[k], langs[l]);
			prompts_add(&p, t);
			if (strcmp(t, builtin) != 0)
				prompts_add(&p, builtin);
			free(t);
		}
	}
	removed = prompts_strip(&p, md, strlen(md), out);
	prompts_free(&p);
	return removed;
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

void lifecycle_auditf(struct req *r, const char *action, const char *target,
		      const char *fmt, ...)
{
	struct buf d = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&d, fmt, ap);
	va_end(ap);
	lifecycle_audit(r, action, target, d.data);
	buf_free(&d);
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

/* A lesson's day: a real day from 1900 to 2200. */
static bool date_ok(const char *d)
{
	int y, m, day;

	return text_day(d, strlen(d), &y, &m, &day) && y >= 1900 && y <= 2200;
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

int lifecycle_lesson_from_json(json_t *lesson, struct lesson_in *l)
{
	bool bad = false;

	memset(l, 0, sizeof(*l));
	if (!json_is_object(lesson))
		return lesson && !json_is_null(lesson) ? -1 : 0;
	l->given = true;
	l->procedure = http_json_text(lesson, "procedure", &bad);
	l->bent_rule = http_json_bool(lesson, "bent_rule", &bad);
	l->rule = http_json_text(lesson, "rule", &bad);
	l->outcome = http_json_text(lesson, "outcome", &bad);
	l->happened_on = http_json_text(lesson, "happened_on", &bad);
	return bad ? -1 : 0;
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
	if (strcmp(kind, "lesson") == 0) {
		save_lesson(r, page_id, l);
		lifecycle_challenge_sync(r, page_id);
	}
	lifecycle_event(r, page_id, "create", NULL, NULL, NULL, 1);
}

void lifecycle_after_save(struct req *r, json_t *page, int rev, long long lesson_id,
			  const struct lesson_in *l)
{
	long long id = json_integer_value(json_object_get(page, "id"));
	const char *kind = json_string_value(json_object_get(page, "kind"));
	const char *slug = json_string_value(json_object_get(page, "slug"));
	bool bad = false; /* the save's caller refused a comment that is not text */
	const char *comment = lifecycle_arg(r, "comment", &bad);
	bool resolve = http_form(r, "resolve_flags") != NULL ||
		       json_is_true(json_object_get(r->json, "resolve_flags"));

	if (kind && strcmp(kind, "lesson") == 0 && l && l->given) {
		save_lesson(r, id, l);
		lifecycle_challenge_sync(r, id);
	}
	if (lesson_id) {
		/* The procedure was updated from a challenging lesson: that
		 * answers the challenge. */
		sqlite3_stmt *st = db_stmt(r->db,
			"UPDATE challenges SET status = 'updated', decided_by = ?3, decided_at = ?4, rev = ?5 "
			"WHERE procedure_id = ?1 AND lesson_id = ?2 AND status = 'open'");
		if (st) {
			int changed;
			db_bind_int(st, 1, id);
			db_bind_int(st, 2, lesson_id);
			db_bind_int(st, 3, r->uid);
			db_bind_int(st, 4, db_now());
			db_bind_int(st, 5, rev);
			changed = db_step_changes(r->db, st);
			if (changed > 0) {
				lifecycle_event(r, id, "challenge_updated", NULL, NULL, comment, rev);
				lifecycle_auditf(r, "challenge.updated", slug, "lesson=%lld rev=%d",
						 lesson_id, rev);
			}
		}
	}
	if (resolve && (r->role >= ROLE_EDITOR || view_can_edit(r, page))) {
		struct buf res = BUF_INIT;
		if (comment && *comment)
			buf_puts(&res, comment);
		else
			view_count(&res, http_msg(r, "flag.resolved_by_rev"), rev);
		lifecycle_resolve_flags(r, id, slug, res.data, rev);
		buf_free(&res);
	}
}

/* The questions of the template of page's kind, in r's language, as the
 * editor's guide: f.questions = {open, lines}, open while the page is not
 * finished (a draft, or in review). Nothing when the template asks
 * nothing. The page's text is not looked at: its first save dropped the
 * questions left unanswered, and an answered one is still worth reading. */
static void template_questions(struct req *r, json_t *f, json_t *page)
{
	const char *kind = json_string_value(json_object_get(page, "kind"));
	const char *status = json_string_value(json_object_get(page, "status"));
	bool unfinished = status && (strcmp(status, "draft") == 0 || strcmp(status, "in_review") == 0);
	struct prompts q = PROMPTS_INIT;
	json_t *lines;
	char *tmpl;

	if (!kind)
		return;
	tmpl = lifecycle_template(r->db, kind, r->lang);
	prompts_add_questions(&q, tmpl);
	free(tmpl);
	if (q.n) {
		lines = json_array();
		for (size_t i = 0; i < q.n; i++)
			json_array_append_new(lines, json_string(q.line[i]));
		json_object_set_new(f, "questions",
				    json_pack("{s:b, s:o}", "open", unfinished, "lines", lines));
	}
	prompts_free(&q);
}

void lifecycle_edit_context(struct req *r, json_t *f, json_t *page)
{
	long long lesson = http_int(r, "lesson", 1, (long long)1 << 53, 0);
	sqlite3_stmt *st;

	if (page)
		template_questions(r, f, page);
	if (page && !json_is_true(json_object_get(f, "is_proposal"))) {
		/* A direct edit may resolve the page's open flags at once. */
		st = db_stmt(r->db, "SELECT count(*) FROM flags WHERE page_id = ?1 AND resolved_at IS NULL");
		if (st) {
			db_bind_int(st, 1, json_integer_value(json_object_get(page, "id")));
			if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0)
				json_object_set_new(f, "open_flags", json_integer(sqlite3_column_int(st, 0)));
			sqlite3_reset(st);
		}
		json_object_set_new(f, "resolve_flags", json_boolean(http_form(r, "resolve_flags") != NULL));
	}
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
	int cur = (int)json_integer_value(json_object_get(page, "current_rev")), status;
	struct buf loc = BUF_INIT;

	json_decref(f);
	if (!proposal_ok(title, md, comment))
		return http_error(r, 400, "bad_request", "err.title");
	if (base != cur)
		return http_error(r, 409, "conflict", "err.conflict");
	if (insert_proposal(r, page, base, title, md, comment) < 0)
		return http_error(r, 500, "error", "err.internal");
	/* Then a GET of the page that says so (proposal_sent): reloading it
	 * must not send the proposal again. */
	buf_puts(&loc, "/p/");
	buf_puts(&loc, json_string_value(json_object_get(page, "slug")));
	buf_puts(&loc, "/proposed");
	status = http_redirect(r, loc.data);
	buf_free(&loc);
	return status;
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

/* ---- shared helpers of the lifecycle handlers ---- */

int lifecycle_page(struct req *r, const char *slug, struct lc_page *p)
{
	sqlite3_stmt *st;
	int rc = -1;

	memset(p, 0, sizeof(*p));
	if (!slug || !text_slug_valid(slug, SLUG_MAX))
		return -1;
	st = db_stmt(r->db,
		"SELECT id, slug, kind, status, title, category, created_by, owner_id, "
		"backup_owner_id, current_rev, review_days FROM pages WHERE slug = ?1");
	if (!st)
		return -1;
	db_bind_text(st, 1, slug);
	if (sqlite3_step(st) == SQLITE_ROW) {
		p->id = sqlite3_column_int64(st, 0);
		snprintf(p->slug, sizeof(p->slug), "%s", db_col_text(st, 1));
		snprintf(p->kind, sizeof(p->kind), "%s", db_col_text(st, 2));
		snprintf(p->status, sizeof(p->status), "%s", db_col_text(st, 3));
		snprintf(p->title, sizeof(p->title), "%s", db_col_text(st, 4));
		snprintf(p->category, sizeof(p->category), "%s", db_col_text(st, 5));
		p->created_by = sqlite3_column_int64(st, 6);
		p->owner_id = sqlite3_column_int64(st, 7);
		p->backup_owner_id = sqlite3_column_int64(st, 8);
		p->current_rev = sqlite3_column_int(st, 9);
		p->review_days = sqlite3_column_int(st, 10);
		rc = 0;
	}
	sqlite3_reset(st);
	if (rc == 0 && !pages_visible(r->role, r->uid, p->status, p->created_by))
		rc = -1;
	return rc;
}

bool lifecycle_is_owner(struct req *r, const struct lc_page *p)
{
	return r->uid && (r->uid == p->owner_id || r->uid == p->backup_owner_id);
}

const char *lifecycle_arg(struct req *r, const char *name, bool *bad)
{
	if (!r->json)
		return http_form(r, name);
	if (!json_is_object(r->json)) {
		*bad = true;
		return NULL;
	}
	return http_json_text(r->json, name, bad);
}

bool lifecycle_text_ok(const char *s, size_t max, bool required)
{
	size_t n;

	if (!s)
		return !required;
	n = strlen(s);
	if (n > max || !text_utf8_valid(s, n))
		return false;
	for (const char *c = s; *c; c++)
		if (((unsigned char)*c < 0x20 && *c != '\t' && *c != '\n' && *c != '\r') ||
		    *c == 0x7f)
			return false;
	if (required) {
		size_t len = n;
		text_trim(s, &len);
		return len > 0;
	}
	return true;
}

void lifecycle_challenge_sync(struct req *r, long long lesson_id)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"INSERT OR IGNORE INTO challenges(procedure_id, lesson_id, created_at) "
		"SELECT l.procedure_id, l.page_id, ?2 FROM lessons l "
		"JOIN pages p ON p.id = l.page_id JOIN pages pr ON pr.id = l.procedure_id "
		"WHERE l.page_id = ?1 AND l.bent_rule AND p.status = 'published' "
		"AND p.kind = 'lesson' AND pr.kind = 'procedure'");
	int changed;

	if (!st)
		return;
	db_bind_int(st, 1, lesson_id);
	db_bind_int(st, 2, db_now());
	changed = db_step_changes(r->db, st);
	if (changed > 0) {
		/* Recorded on the procedure: it is what the challenge is about. */
		st = db_stmt(r->db, "SELECT procedure_id FROM lessons WHERE page_id = ?1");
		if (st) {
			long long proc = 0;
			db_bind_int(st, 1, lesson_id);
			if (sqlite3_step(st) == SQLITE_ROW)
				proc = sqlite3_column_int64(st, 0);
			sqlite3_reset(st);
			if (proc) {
				lifecycle_event(r, proc, "challenge", NULL, NULL, NULL, 0);
				lifecycle_auditf(r, "challenge.open", "", "lesson=%lld", lesson_id);
			}
		}
	}
}

void lifecycle_resolve_flags(struct req *r, long long page_id, const char *slug,
			     const char *resolution, int rev)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"UPDATE flags SET resolved_by = ?2, resolved_at = ?3, resolution = ?4 "
		"WHERE page_id = ?1 AND resolved_at IS NULL");
	int n;

	if (!st)
		return;
	db_bind_int(st, 1, page_id);
	db_bind_int(st, 2, r->uid);
	db_bind_int(st, 3, db_now());
	db_bind_text(st, 4, resolution);
	n = db_step_changes(r->db, st);
	if (n > 0) {
		lifecycle_event(r, page_id, "resolve", NULL, NULL, resolution, rev);
		lifecycle_auditf(r, "flag.resolve", slug, "flags=%d rev=%d", n, rev);
	}
}

int lifecycle_done(struct req *r, int status, json_t *j, const char *back, const char *slug)
{
	struct buf loc = BUF_INIT;
	int rc;

	if (r->api)
		return http_json(r, status, j ? j : json_object());
	json_decref(j);
	if (back && back[0] == '/' && back[1] != '/' && back[1] != '\\') {
		buf_puts(&loc, back);
	} else {
		buf_puts(&loc, "/p/");
		buf_puts(&loc, slug);
	}
	rc = http_redirect(r, loc.data);
	buf_free(&loc);
	return rc;
}
