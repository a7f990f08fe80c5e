/*
 * review.h - the review queue (review.c): pages in review and pending
 * proposals, oldest first. Shared by /review, the inbox and the API.
 */
#ifndef OFICIO_REVIEW_H
#define OFICIO_REVIEW_H

#include <jansson.h>

struct req;

/* {lessons: [{slug,title,kind,kind_label,author,submitted_at(+_text,_ago),
 * comment,lesson:{procedure,bent_rule,rule,outcome_label}}], proposals:
 * [{id,slug,title,author,created_at(+_text,_ago),comment,base_rev,
 * current_rev,stale}], count}. At most limit of each. New reference. */
json_t *review_queue(struct req *r, int limit);

#endif
