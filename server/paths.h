/*
 * paths.h - onboarding paths: the store functions other issue-7 modules
 * use (the handlers are in onboarding.h).
 *
 * A path is an ordered list of pages with optional due days, assigned to
 * people. An item is done for a person when they confirmed its current
 * significant revision (acks.rev >= pages.ack_rev); archived pages drop
 * out of a path's items.
 */
#ifndef OFICIO_PATHS_H
#define OFICIO_PATHS_H

#include <jansson.h>
#include <stdint.h>

struct db;
struct req;

/* Every path assigned to uid: [{id, title, description, done, total,
 * progress:{svg_progress}, next:{slug,title,due_on,overdue}|absent,
 * items:[{slug,title,kind,state,due_on,overdue}]}], in title order.
 * Labels and due_on_text ("25 nov 2026", view_day) in r's language: for
 * pages, not the API. */
json_t *paths_mine(struct req *r, long long uid);

/* The item after page_id in the first path of uid that holds it, for the
 * "next" link under a confirmed page: {path_id, path_title, done, total,
 * next_slug, next_title} (next_* absent at the end), or NULL. */
json_t *paths_context(struct req *r, long long uid, long long page_id);

/* Assign the paths marked for role to uid. 0 or -1. */
int paths_auto_assign(struct db *db, long long uid, const char *role, int64_t now);

#endif
