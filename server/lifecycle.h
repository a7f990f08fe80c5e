/*
 * lifecycle.h - the know-how lifecycle around a save: starting templates
 * per kind, a lesson's structured fields, proposals from staff, and what
 * happens after a page is created or saved (lesson rows, challenges,
 * audit). Handlers of page_edit.c call these; the store (pages.c) knows
 * nothing of them.
 */
#ifndef OFICIO_LIFECYCLE_H
#define OFICIO_LIFECYCLE_H

#include <jansson.h>
#include <stdbool.h>

struct db;
struct req;

/* Starting Markdown for a new page of kind in lang: the managers' edited
 * template if there is one, else the built-in one. malloc'd. */
char *lifecycle_template(struct db *db, const char *kind, const char *lang);

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
 * happened_on) or from the API's "lesson" object (may be NULL). */
void lifecycle_lesson_from_form(struct req *r, struct lesson_in *l);
void lifecycle_lesson_from_json(json_t *lesson, struct lesson_in *l);

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

/* Extra context for the edit form (the lesson that prompted the edit). */
void lifecycle_edit_context(struct req *r, json_t *f, json_t *page);

/* A staff member's save of a page she may not edit directly: stored as a
 * pending proposal; answers 202 with a page saying so (or 409 when base
 * is stale). Returns the status. */
int lifecycle_propose(struct req *r, json_t *page, json_t *f, int base);

/* The same for the API: a page_save's fields; answers 202 JSON
 * {status:"pending", proposal:id}. The caller checked base_rev. */
struct page_save;
int lifecycle_propose_api(struct req *r, json_t *page, const struct page_save *in);

/* What a page view shows beside the text: a lesson's fields (procedure,
 * rule bent, outcome, date) as page.lesson. Same for every reader. */
void lifecycle_view(struct req *r, json_t *page);

/* Append to the audit log (who: r's user and address). */
void lifecycle_audit(struct req *r, const char *action, const char *target,
		     const char *detail);

/* Record a page event (shown in the page's history). */
void lifecycle_event(struct req *r, long long page_id, const char *action,
		     const char *from_status, const char *to_status,
		     const char *comment, int rev);

#endif
