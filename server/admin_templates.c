/*
 * admin_templates.c - /admin/templates (managers): the starting text of
 * "New procedure", "New lesson" and "New reference" per language. A saved
 * text replaces the built-in one (page_templates); "reset" goes back to
 * it. lifecycle_template() reads them.
 */
#include "buf.h"
#include "db.h"
#include "http.h"
#include "lifecycle.h"
#include "pages.h"
#include "role.h"
#include "routes.h"
#include "text.h"

#include <stdlib.h>
#include <string.h>

#define TEMPLATE_MAX (64 * 1024)

static const char *const kinds[] = {"procedure", "lesson", "reference"};
static const char *const langs[] = {"es", "en"};

static bool one_of(const char *s, const char *const *set, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcmp(s, set[i]) == 0)
			return true;
	return false;
}

static bool custom(struct req *r, const char *kind, const char *lang)
{
	sqlite3_stmt *st = db_stmt(r->db, "SELECT 1 FROM page_templates WHERE kind = ?1 AND lang = ?2");
	bool yes = false;

	if (!st)
		return false;
	db_bind_text(st, 1, kind);
	db_bind_text(st, 2, lang);
	yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return yes;
}

static int render(struct req *r, int status, const char *notice, const char *error)
{
	json_t *c = json_object(), *list = json_array();
	struct buf k = BUF_INIT, l = BUF_INIT;

	for (size_t i = 0; i < 3; i++) {
		for (size_t j = 0; j < 2; j++) {
			char *md = lifecycle_template(r->db, kinds[i], langs[j]);
			buf_reset(&k);
			buf_puts(&k, "kind.");
			buf_puts(&k, kinds[i]);
			buf_reset(&l);
			buf_puts(&l, "lang.");
			buf_puts(&l, langs[j]);
			json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:s}",
				"kind", kinds[i], "lang", langs[j], "kind_label", http_msg(r, k.data),
				"lang_label", http_msg(r, l.data), "markdown", md,
				"custom", custom(r, kinds[i], langs[j]), "lang_attr", langs[j]));
			free(md);
		}
	}
	json_object_set_new(c, "title", json_string(http_msg(r, "templates.title")));
	json_object_set_new(c, "templates", list);
	if (notice)
		json_object_set_new(c, "notice", json_string(http_msg(r, notice)));
	if (error)
		json_object_set_new(c, "error", json_string(http_msg(r, error)));
	buf_free(&k);
	buf_free(&l);
	return http_page(r, status, "admin_templates", c);
}

/* GET /admin/templates */
int admin_templates(struct req *r)
{
	const char *done = http_query(r, "done");

	return render(r, 200, done && strcmp(done, "saved") == 0 ? "templates.saved" :
			      done && strcmp(done, "reset") == 0 ? "templates.was_reset" : NULL, NULL);
}

/* POST /admin/templates  kind, lang, markdown, action=save|reset */
int admin_templates_save(struct req *r)
{
	const char *kind = http_form(r, "kind"), *lang = http_form(r, "lang");
	const char *md = http_form(r, "markdown"), *action = http_form(r, "action");
	bool reset = action && strcmp(action, "reset") == 0;
	sqlite3_stmt *st;
	struct buf d = BUF_INIT;
	int rc;

	if (!one_of(kind, kinds, 3) || !one_of(lang, langs, 2))
		return render(r, 400, NULL, "err.kind");
	if (!reset && (!md || strlen(md) > TEMPLATE_MAX || !text_utf8_valid(md, strlen(md))))
		return render(r, md && strlen(md) > TEMPLATE_MAX ? 413 : 400, NULL, "err.markdown");
	if (reset) {
		st = db_stmt(r->db, "DELETE FROM page_templates WHERE kind = ?1 AND lang = ?2");
	} else {
		st = db_stmt(r->db,
			"INSERT INTO page_templates(kind, lang, markdown, updated_by, updated_at) "
			"VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(kind, lang) DO UPDATE SET "
			"markdown = excluded.markdown, updated_by = excluded.updated_by, "
			"updated_at = excluded.updated_at");
	}
	if (!st)
		return http_error(r, 500, "error", "err.internal");
	db_bind_text(st, 1, kind);
	db_bind_text(st, 2, lang);
	if (!reset) {
		db_bind_text(st, 3, md);
		db_bind_int(st, 4, r->uid);
		db_bind_int(st, 5, db_now());
	}
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return http_error(r, 500, "error", "err.internal");
	buf_printf(&d, "%s/%s", kind, lang);
	lifecycle_audit(r, reset ? "template.reset" : "template.save", d.data, "");
	buf_free(&d);
	return http_redirect(r, reset ? "/admin/templates?done=reset" : "/admin/templates?done=saved");
}
