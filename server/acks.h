/*
 * acks.h - read confirmations ("Leído y entendido") per revision: what
 * other issue-7 modules use (the handlers are in onboarding.h).
 *
 * acks holds, per (user, page), the latest revision the user confirmed.
 * A confirmation is current when its revision is at least pages.ack_rev,
 * the page's last significant revision; a significant save makes older
 * ones pending again, and the reader is shown the diff from the revision
 * they confirmed.
 */
#ifndef OFICIO_ACKS_H
#define OFICIO_ACKS_H

#include <jansson.h>

struct req;
struct buf;

/* Append r's own confirmation box for the page slug to out (nothing for
 * anonymous readers, unpublished pages, or pages that ask nothing of r).
 * One indexed query; the diff and the path's next page only when they
 * are shown. */
void acks_tools(struct req *r, const char *slug, struct buf *out);

/* uid's confirmations made pending by a significant change:
 * [{slug,title,rev,current_rev,ack_rev}], and the pages that require a
 * confirmation uid never gave: [{slug,title}]. */
json_t *acks_pending(struct req *r, long long uid);
json_t *acks_required(struct req *r, long long uid);

#endif
