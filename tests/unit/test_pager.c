/*
 * test_pager.c - search_pager (search_ui.c), the previous and next buttons
 * of the search page: walked from the first page by "next" for every limit
 * and many totals, and asked for every offset a URL can hold, it must
 * number pages 1..M in step, never offer an offset the page would refuse
 * (over SEARCH_MAX_OFFSET) or one past the results, and always offer a
 * way back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "search.h"

#include <stdlib.h>

static long long part(const json_t *g, const char *k)
{
	json_t *v = json_object_get(g, k);

	if (!v)
		return -1;
	if (json_is_string(v)) {
		char *end;
		long long n = strtoll(json_string_value(v), &end, 10);
		assert_true(*end == '\0' && end != json_string_value(v));
		return n;
	}
	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

static const long long totals[] = {1,    2,    3,     19,    20,    21,    39,    40,
                                   41,   99,   100,   101,   105,   999,   9999,  10000,
                                   10001, 10019, 10020, 10021, 10030, 10100, 20000, 50000};

/* From the first page, "next" after "next": pages 1, 2, ... M, the last
 * holding the last results (or the deepest offset there is). */
static void test_walk_by_next(void **state)
{
	(void)state;
	for (int limit = 1; limit <= 100; limit++)
		for (size_t t = 0; t < sizeof(totals) / sizeof(totals[0]); t++) {
			long long total = totals[t], offset = 0, want = 1, pages = -1;
			for (;;) {
				json_t *g = search_pager(limit, (int)offset, total);
				long long page = g ? part(g, "page") : 1, n = g ? part(g, "pages") : 1;
				long long next = g ? part(g, "next") : -1, prev = g ? part(g, "prev") : -1;
				if (pages < 0)
					pages = n;
				assert_int_equal(page, want);
				assert_int_equal(n, pages);
				assert_int_equal(next >= 0, page < pages);
				if (offset > 0)
					assert_int_equal(prev, offset - limit);
				else
					assert_int_equal(prev, -1);
				json_decref(g);
				if (next < 0)
					break;
				assert_int_equal(next, offset + limit);
				assert_true(next <= SEARCH_MAX_OFFSET && next < total);
				offset = next;
				want++;
			}
			assert_true(offset + limit >= total || offset + limit > SEARCH_MAX_OFFSET);
		}
}

/* Any offset a URL can hold (0..SEARCH_MAX_OFFSET, a multiple of the
 * limit or not, past the end or not). */
static void test_any_offset(void **state)
{
	(void)state;
	for (int limit = 1; limit <= 100; limit += 3)
		for (size_t t = 0; t < sizeof(totals) / sizeof(totals[0]); t++)
			for (int off = 0; off <= SEARCH_MAX_OFFSET; off += off < 300 ? 1 : 97) {
				long long total = totals[t];
				json_t *g = search_pager(limit, off, total);
				long long page, n, next, prev;
				if (!g) {
					/* one page holds them all, asked for from the start */
					assert_int_equal(off, 0);
					assert_true(total <= limit);
					continue;
				}
				page = part(g, "page");
				n = part(g, "pages");
				next = part(g, "next");
				prev = part(g, "prev");
				if (off >= total) {
					/* past the end: only the way back, to a page with results */
					assert_int_equal(page, -1);
					assert_true(prev >= 0 && prev < total && prev <= SEARCH_MAX_OFFSET);
				} else {
					assert_true(page >= 1 && page <= n);
					assert_int_equal(next >= 0, page < n);
					assert_int_equal(prev >= 0, off > 0);
				}
				if (next >= 0)
					assert_true(next == off + limit && next < total &&
					            next <= SEARCH_MAX_OFFSET);
				if (prev >= 0)
					assert_true(prev < off);
				json_decref(g);
			}
}

static void test_examples(void **state)
{
	json_t *g;

	(void)state;
	/* 105 results, 20 a page, from the 11th: page 2 of 6, back to the first */
	g = search_pager(20, 10, 105);
	assert_int_equal(part(g, "page"), 2);
	assert_int_equal(part(g, "pages"), 6);
	assert_int_equal(part(g, "prev"), 0);
	assert_int_equal(part(g, "next"), 30);
	json_decref(g);
	/* 50,000 results, 30 a page: the last page starts at 9,990, page 334 */
	g = search_pager(30, 9990, 50000);
	assert_int_equal(part(g, "page"), 334);
	assert_int_equal(part(g, "pages"), 334);
	assert_int_equal(part(g, "next"), -1);
	json_decref(g);
	/* twenty results, twenty a page: no pager */
	assert_null(search_pager(20, 0, 20));
	assert_null(search_pager(20, 0, 0));
	/* past the end of 45 results: back to the third page */
	g = search_pager(20, 60, 45);
	assert_int_equal(part(g, "page"), -1);
	assert_int_equal(part(g, "prev"), 40);
	json_decref(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_examples),
	    cmocka_unit_test(test_walk_by_next),
	    cmocka_unit_test(test_any_offset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
