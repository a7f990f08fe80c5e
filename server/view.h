/*
 * view.h - small helpers that shape store data for templates: dates in
 * the reader's language, "3 days ago", and permission facts a template
 * needs to show or hide a button (the router still enforces them).
 */
#ifndef OFICIO_VIEW_H
#define OFICIO_VIEW_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct req;

/* obj[key] is a Unix time (or null): add key+"_text" ("23 nov 2026,
 * 14:05") and key+"_ago" ("hace 3 días") in r's language. */
void view_time(struct req *r, json_t *obj, const char *key);
/* The same for every element of an array of objects. */
void view_times(struct req *r, json_t *arr, const char *key);
/* obj[key] is a day, "YYYY-MM-DD" (a due date, a departure): add
 * key+"_text" as people write it in r's language, "25 nov 2026" or
 * "Nov 25, 2026", for a template to put in <time datetime="{{key}}">.
 * Anything else (not a string, not exactly that shape, no such day, as
 * "2026-02-30") leaves obj as it was. The JSON API keeps the ISO day:
 * call this on the HTML path only. */
void view_day(struct req *r, json_t *obj, const char *key);
/* The same for every element of an array of objects. */
void view_days(struct req *r, json_t *arr, const char *key);
/* Add "kind_label" (catalogue kind.procedure...) and "status_label". */
void view_labels(struct req *r, json_t *obj);
void view_labels_all(struct req *r, json_t *arr);

/* May r edit this page directly (without a proposal)? */
bool view_can_edit(struct req *r, json_t *page);
/* May r see this page at all? */
bool view_can_see(struct req *r, json_t *page);

/* Append msg with its "{n}" replaced by n (messages are data, never
 * format strings). */
struct buf;
void view_count(struct buf *out, const char *msg, long long n);

/* part of whole as the whole percentage people read beside a progress
 * bar or a share: rounded to the nearest (halves up), except that it is
 * 100 only when part >= whole and 0 only when part is 0, so nearly done
 * never reads as done nor started as not started (4 of 6 is 67, 199 of
 * 200 is 99, 1 of 300 is 1). 0 when whole <= 0 or part <= 0. The one
 * place Oficio turns a count into a percentage. */
int view_percent(long long part, long long whole);

/* [{value,label,selected}] for the three kinds. */
json_t *view_kind_options(struct req *r, const char *selected);
/* Options of a select, [{value, label, selected}]: each of the n values,
 * labelled by the message prefix + value ("status.draft"). */
json_t *view_options(struct req *r, const char *prefix, const char *const *values, size_t n,
		     const char *selected);
/* Set "selected" on the element of [{name,...}] whose name is value. */
void view_mark_selected(json_t *arr, const char *value);

/* What fill(r) makes, kept as JSON in the thread's fragment cache under
 * key until the next write or CACHE_TTL (cache.h): for what a hot page
 * shows on every view and only a write changes. key must name everything
 * the result depends on (role, user, language). A new reference the
 * caller owns; fill must return an object or an array. */
json_t *view_cached(struct req *r, const char *key, json_t *(*fill)(struct req *r));

/* The pager of a list (templates/pager.html): GET forms to action that
 * ask for param = prev or next (each NULL for none), with the list's
 * parameters keep ([{name, value}], taken) as hidden fields; where says
 * which page this is (NULL: nothing). Its words are the catalogue's
 * <words>.pages (the navigation's name), <words>.prev and <words>.next. */
json_t *view_pager(struct req *r, const char *words, const char *action, const char *param,
		   json_t *keep, const char *prev, const char *next, const char *where);
/* Append {name, value} to keep when value is set and not empty. */
void view_keep(json_t *keep, const char *name, const char *value);

/* pages_categories and pages_tags for r's role and user, kept in the
 * thread's cache until the next write; a new array the caller owns. */
json_t *view_categories(struct req *r);
json_t *view_tags(struct req *r);

/* "YYYY-MM-DD" of a Unix time, into out[11]. */
void view_date(int64_t t, char *out);

#endif
