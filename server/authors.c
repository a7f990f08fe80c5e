/*
 * authors.c - per-page sums of line authorship (see authors.h).
 *
 * The encoding is diff.c's: "id*count" runs joined by ',', ids possibly
 * negative, counts positive. A page has a handful of authors, so the sums
 * live in a small array with linear lookup.
 */
#include "authors.h"

#include "buf.h"
#include "db.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_AUTHORS 512 /* distinct authors of one page we keep apart */

static int cmp_lines_desc(const void *a, const void *b)
{
	const struct author_lines *x = a, *y = b;

	if (x->lines != y->lines)
		return x->lines > y->lines ? -1 : 1;
	return x->user_id < y->user_id ? -1 : x->user_id > y->user_id;
}

int authors_sum(const char *s, struct author_lines *out, int max)
{
	int n = 0;

	if (!s)
		return -1;
	while (*s) {
		char *end;
		long long id, count;
		int i;

		/* strtoll would take blanks and a '+': the encoding has neither. */
		if (*s != '-' && (*s < '0' || *s > '9'))
			return -1;
		errno = 0;
		id = strtoll(s, &end, 10);
		if (errno || end == s || *end != '*')
			return -1;
		s = end + 1;
		if (*s < '0' || *s > '9')
			return -1;
		count = strtoll(s, &end, 10);
		if (errno || end == s || count <= 0)
			return -1;
		s = end;
		if (*s == ',') {
			if (!*++s)
				return -1; /* a trailing comma */
		} else if (*s) {
			return -1;
		}
		for (i = 0; i < n && out[i].user_id != id; i++)
			;
		if (i == n) {
			/* Past max, the rest is folded into "unknown": the sums
			 * stay right, only a page of 500+ authors loses detail. */
			if (n == max) {
				for (i = 0; i < n && out[i].user_id != 0; i++)
					;
				if (i == n)
					i = n - 1;
			} else {
				out[n].user_id = id;
				out[n].lines = 0;
				n++;
			}
		}
		out[i].lines += count;
	}
	qsort(out, (size_t)n, sizeof(*out), cmp_lines_desc);
	return n;
}

int authors_summary_update(struct db *db, long long page_id, const char *encoded)
{
	struct author_lines *a = xcalloc(MAX_AUTHORS, sizeof(*a));
	sqlite3_stmt *st;
	int n, rc = -1;

	n = authors_sum(encoded, a, MAX_AUTHORS);
	if (n < 0)
		goto out;
	st = db_stmt(db, "DELETE FROM page_authors WHERE page_id = ?1");
	if (!st)
		goto out;
	db_bind_int(st, 1, page_id);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		goto out;
	}
	sqlite3_reset(st);
	for (int i = 0; i < n; i++) {
		st = db_stmt(db, "INSERT INTO page_authors(page_id, user_id, lines) VALUES (?1, ?2, ?3)");
		if (!st)
			goto out;
		db_bind_int(st, 1, page_id);
		db_bind_int(st, 2, a[i].user_id);
		db_bind_int(st, 3, a[i].lines);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_reset(st);
			goto out;
		}
		sqlite3_reset(st);
	}
	rc = 0;
out:
	free(a);
	return rc;
}

static int cmp_ll_desc(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x > y ? -1 : x < y;
}

int authors_bus_factor(long long *lines, size_t n)
{
	long long total = 0, acc = 0;

	for (size_t i = 0; i < n; i++)
		total += lines[i];
	if (total <= 0)
		return 0;
	qsort(lines, n, sizeof(*lines), cmp_ll_desc);
	for (size_t i = 0; i < n; i++) {
		acc += lines[i];
		/* "more than half": 2*acc > total, in integers. */
		if (2 * acc > total)
			return (int)(i + 1);
	}
	return (int)n;
}
