/*
 * lifecycle.h - the know-how lifecycle around a save: starting templates
 * per kind, a lesson's structured fields, proposals from staff, and what
 * happens after a page is created or saved (lesson rows, challenges,
 * audit). Handlers of page_edit.c call these; the store (pages.c) knows
 * nothing of them.
 */
#ifndef OFICIO_LIFECYCLE_H
#define OFICIO_LIFECYCLE_H

#include "pages.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct buf;
struct db;
struct req;

/* Starting Markdown for a new page of kind in lang: the managers' edited
 * template if there is one, else the built-in one. malloc'd. */
char *lifecycle_template(struct db *db, const char *kind, const char *lang);
/* The built-in starting text (static; "" for kinds without one). */
const char *lifecycle_builtin_template(const char *kind, const char *lang);

/* Append md to out without the lines any template left as guidance for
 * the writer (prompts.h): what a new page's first save stores. Lines the
 * writer typed are kept byte for byte. Returns how many lines went. */
size_t lifecycle_without_prompts(struct db *db, const char *md, struct buf *out);

/* A lesson's structured fields as submitted (form or JSON). */
struct lesson_in {
	bool given;              /* any lesson field was submitted */
	const char *procedure;   /* slug or title of the procedure, or NULL */
	bool bent_rule;
	const char *rule;        /* which rule was bent */
	const char *outcome;     /* positive|negative|mixed or NULL */
	const char *happened_on; /* YYYY-MM-DD or NULL */
};

/* Read the fields from a form (procedure, bent_rule, rule, outcome,
 * happened_on) or from the API's "lesson" object (may be NULL). The JSON
 * one returns 0, or -1 when lesson is neither an object nor null, or one
 * of its fields is of another type (text; bent_rule true or false). */
void lifecycle_lesson_from_form(struct req *r, struct lesson_in *l);
int lifecycle_lesson_from_json(json_t *lesson, struct lesson_in *l);

/* Add the lesson fields to an edit form f: from page (its lesson row)
 * when page is not NULL and f does not carry them yet. */
void lifecycle_lesson_form(struct req *r, json_t *f, json_t *page);

/* Check lesson fields for a page of kind (procedure exists, outcome,
 * date). NULL when fine or not a lesson, else a catalogue key. */
const char *lifecycle_lesson_check(struct req *r, const char *kind,
				   const struct lesson_in *l);

/* After a page is created by r (lesson row, audit). */
void lifecycle_after_create(struct req *r, long long page_id, const char *kind,
			    const struct lesson_in *l);

/* After r saved revision rev of page (lesson fields, a challenge answered
 * by this revision when lesson_id is set, audit). */
void lifecycle_after_save(struct req *r, json_t *page, int rev, long long lesson_id,
			  const struct lesson_in *l);

/* Extra context for the edit form of page (NULL: none), set in f: the
 * lesson that prompted the edit, the page's open flags (a direct edit),
 * and its kind's template questions as a guide (f.questions). */
void lifecycle_edit_context(struct req *r, json_t *f, json_t *page);

/* A staff member's save of a page she may not edit directly: stored as a
 * pending proposal; answers 303 to /p/{slug}/proposed, the page saying so
 * (proposal_sent), or 409 when base is stale. Returns the status. */
int lifecycle_propose(struct req *r, json_t *page, json_t *f, int base);

/* The same for the API: a page_save's fields; answers 202 JSON
 * {status:"pending", proposal:id}. The caller checked base_rev. */
struct page_save;
int lifecycle_propose_api(struct req *r, json_t *page, const struct page_save *in);

/* What a page view shows beside the text, the same for every reader of
 * one role (lifecycle_view.c): a lesson's fields (procedure, rule bent,
 * outcome, date) as page.lesson, and page.lc = {verify: {overdue, due_on,
 * due_on_text, never, days}, flags: [...], flags_count, challenges: [...],
 * challenges_count, lessons: [...], promoted_from, promoted_to, returned,
 * archived, submitted}. A few small indexed queries: run on a cache miss. */
void lifecycle_view(struct req *r, json_t *page);

/* Append to the audit log (who: r's user and address). */
void lifecycle_audit(struct req *r, const char *action, const char *target,
		     const char *detail);

/* The same with the detail formatted printf-style. */
void lifecycle_auditf(struct req *r, const char *action, const char *target,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Record a page event (shown in the page's history). */
void lifecycle_event(struct req *r, long long page_id, const char *action,
		     const char *from_status, const char *to_status,
		     const char *comment, int rev);

/* ---- the lifecycle around a page (issue 6) ---- */


/* A page as the lifecycle actions need it (one small query). */
struct lc_page {
	long long id;
	char slug[SLUG_MAX + 1];
	char kind[12];                    /* procedure|lesson|reference */
	char status[12];                  /* draft|in_review|published|archived */
	char title[4 * TITLE_MAX + 1];
	char category[CATEGORY_MAX + 1];
	long long created_by;             /* 0: unknown */
	long long owner_id, backup_owner_id;
	int current_rev;
	int review_days;
};

/* Load the page slug if it exists and r may see it: 0, else -1 (the
 * caller answers 404, the same for "missing" and "not yours"). */
int lifecycle_page(struct req *r, const char *slug, struct lc_page *p);

/* Is r the page's owner or backup owner? */
bool lifecycle_is_owner(struct req *r, const struct lc_page *p);

/* An input field of r by name: the JSON body's string member when the
 * body is JSON, else the form field. NULL when absent (or JSON null). A
 * JSON body that is not an object, or a member of another type, sets *bad
 * and gives NULL: the handler answers 400 (err.json) rather than act as
 * if the field had not been sent. */
const char *lifecycle_arg(struct req *r, const char *name, bool *bad);

/* A free-text answer (comment, reason): valid UTF-8, 1..max bytes after
 * trimming (when required), and no control characters but tab and line
 * breaks (they would break the Atom feed). */
bool lifecycle_text_ok(const char *s, size_t max, bool required);
#define LC_TEXT_MAX 2000

/* A published lesson that bent a rule challenges its procedure: open the
 * challenge if there is none yet for this pair (never reopens one that
 * was answered). Call after a lesson is published or saved. */
void lifecycle_challenge_sync(struct req *r, long long lesson_id);

/* Resolve every open flag of page_id (editing with "resolve flags"). */
void lifecycle_resolve_flags(struct req *r, long long page_id, const char *slug,
			     const char *resolution, int rev);

/* The finish of a handler that changed something: JSON j for the API (200,
 * or status), else a 303 to back (a local path; NULL: /p/{slug}). Takes j. */
int lifecycle_done(struct req *r, int status, json_t *j, const char *back, const char *slug);

/* ---- what a page view shows (lifecycle_view.c) ---- */

/* Per-user controls below a page view (submit, review, verify, flag,
 * follow, resolve, dismiss, promote, archive), rendered from
 * templates/page_tools.html and appended to out. Nothing for visitors who
 * are not logged in. Cached per (page, language, user, session) in this
 * thread until any write. */
void lifecycle_tools(struct req *r, const char *slug, struct buf *out);

/* The navigation badges: ctx.badges = {review (editors+), inbox}.
 * Memoised per thread and user for a few seconds, and until any write. */
void lifecycle_nav_badges(struct req *r, json_t *ctx);

/* The page's events for its history: [{action, label, user, at, at_text,
 * at_ago, from_label, to_label, comment, rev}] newest first. */
json_t *lifecycle_events(struct req *r, long long page_id);

/* An archived page as it may be shown to someone who may not see archived
 * pages (below editor), when it was published before it was archived:
 * {title, archived_at, archived_at_text, archived_at_ago}, the title the
 * page had then; NULL when it never was published, or nothing says so.
 * The caller owns the object. */
json_t *lifecycle_archived(struct req *r, long long page_id);

/* Mark the revisions of a history ([{n,...}]) that a lesson prompted:
 * h.lesson = {slug, title}. */
void lifecycle_history_lessons(struct req *r, long long page_id, json_t *history);

/* Home page counts for editors+: ctx.review_counts = {lessons, proposals}. */
void lifecycle_home(struct req *r, json_t *ctx);

/* Browse: the lesson filters (procedure, bent_rule, outcome) when the
 * list shows lessons, a category's follow state; replaces ctx.pages when a
 * lesson filter is given, with up to limit lessons from offset. */
void lifecycle_browse(struct req *r, json_t *ctx, const char *kind, const char *category,
		      int limit, int offset);

/* Lessons matching the filters, visible to r: [{slug,title,kind,category,
 * status,rev,updated_at,procedure,bent_rule,rule,outcome,happened_on}].
 * bent: -1 any, 0 no, 1 yes. NULL filters are ignored. */
json_t *lifecycle_lessons(struct req *r, const char *procedure, int bent,
			  const char *outcome, const char *category, int limit, int offset);

/* Free the per-thread caches (after the loops stopped). */
void lifecycle_shutdown(void);

#endif
