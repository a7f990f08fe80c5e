/*
 * inbox.h - what needs each person now (the inbox of /me, GET
 * /api/v1/me/inbox, the secret Atom feed and the navigation badge), and
 * following pages and categories.
 *
 * The inbox has sections: the review queue (editors and up), returned
 * drafts with the reviewer's comment, owned pages overdue for
 * verification, open flags and open challenges on owned pages, decisions
 * on one's own contributions since last looked (lessons approved or
 * archived, proposals accepted or rejected, challenges one's lesson raised
 * answered), and changes by others to followed pages and categories since
 * last looked (users.inbox_seen_at, moved by "mark as seen").
 *
 * The badge (inbox_count) counts everything but the review queue, which
 * has a badge of its own; "count" in inbox_build is the same number.
 */
#ifndef OFICIO_INBOX_H
#define OFICIO_INBOX_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct req;

/* Who the inbox is for (the request's user, or a feed token's owner). */
struct inbox_user {
	long long uid;
	int role;
	int64_t seen_at;   /* users.inbox_seen_at */
};

/* Fill u for r's user. 0, or -1 if r has no user. */
int inbox_user_of(struct req *r, struct inbox_user *u);

/* The number on the badge: a few indexed COUNTs in one statement. */
long long inbox_count(struct req *r);

/* The inbox as JSON (new reference): {count, seen_at, review: {lessons,
 * proposals, count} (editors+), returned, overdue, flags, challenges,
 * news, changes}; each item {type, id (stable, for feeds), slug, title,
 * at, at_text, at_ago, by, comment, url, label, ...}. Texts in r->lang. */
json_t *inbox_build(struct req *r, const struct inbox_user *u);

/* Set r's user's inbox_seen_at to now. 0 or -1. */
int inbox_mark_seen(struct req *r);

/* Does r's user follow this category? */
bool inbox_follows_category(struct req *r, const char *category);

#endif
