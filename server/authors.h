/*
 * authors.h - line authorship of each page's current text, summed per
 * person (page_authors), and the bus factor computed from such sums.
 *
 * revisions.authors holds, per revision, the author of every line as a
 * run-length list "id*count,..." (diff.h). Reports need the sums for the
 * current revision of thousands of pages at once, so pages_save keeps
 * page_authors in step inside its transaction through
 * authors_summary_update(); nothing recomputes authorship from history
 * on a request.
 */
#ifndef OFICIO_AUTHORS_H
#define OFICIO_AUTHORS_H

#include <stddef.h>

struct db;

/* One person's share of a text. */
struct author_lines {
	long long user_id;   /* 0: unknown (imported text) */
	long long lines;
};

/* Replace page_id's rows of page_authors with the sums of encoded (the
 * authors column of its new current revision). Must run inside the
 * caller's transaction (pages_save). Returns 0, or -1 when encoded is
 * malformed or the database refused (the caller rolls back). */
int authors_summary_update(struct db *db, long long page_id, const char *encoded);

/* Sum an encoded list per author into out[0..max), largest first; returns
 * how many distinct authors (at most max), or -1 on malformed input. */
int authors_sum(const char *encoded, struct author_lines *out, int max);

/* The bus factor of a text whose per-person line counts are lines[0..n)
 * (any order, each > 0): the smallest number of people who together wrote
 * more than half of all lines. 0 when there are no lines. Sorts lines
 * (descending) in place. */
int authors_bus_factor(long long *lines, size_t n);

#endif
