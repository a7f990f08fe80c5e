/*
 * test_view.c - view_percent (server/view.c), the one place a count
 * becomes the percentage beside a progress bar or an author's share:
 * rounded to the nearest, never 100 before the end, never 0 after the
 * start, and for every part of every whole up to 1,000 in step with the
 * exact quotient.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>

#include "view.h"

static void rounds_to_nearest(void **state)
{
	(void)state;
	assert_int_equal(view_percent(4, 6), 67);   /* was 66: floored */
	assert_int_equal(view_percent(2, 3), 67);
	assert_int_equal(view_percent(1, 3), 33);
	assert_int_equal(view_percent(1, 6), 17);
	assert_int_equal(view_percent(1, 2), 50);
	assert_int_equal(view_percent(1, 8), 13);   /* 12.5: halves go up */
	assert_int_equal(view_percent(3, 8), 38);
	assert_int_equal(view_percent(7, 9), 78);
}

static void never_done_before_the_end(void **state)
{
	(void)state;
	assert_int_equal(view_percent(199, 200), 99);
	assert_int_equal(view_percent(999, 1000), 99);
	assert_int_equal(view_percent(5, 5), 100);
	assert_int_equal(view_percent(1, 1), 100);
	assert_int_equal(view_percent(7, 5), 100);   /* more than asked: done */
}

static void never_zero_once_started(void **state)
{
	(void)state;
	assert_int_equal(view_percent(1, 300), 1);
	assert_int_equal(view_percent(1, 201), 1);
	assert_int_equal(view_percent(1, 1000000), 1);
	assert_int_equal(view_percent(0, 300), 0);
}

static void nothing_to_do(void **state)
{
	(void)state;
	assert_int_equal(view_percent(0, 0), 0);
	assert_int_equal(view_percent(3, 0), 0);
	assert_int_equal(view_percent(3, -2), 0);
	assert_int_equal(view_percent(-1, 10), 0);
}

/* Every fraction up to 1,000: the nearest whole percent of the exact
 * value (halves up), moved to 1 or 99 only at the two ends. */
static void every_fraction(void **state)
{
	(void)state;
	for (long long whole = 1; whole <= 1000; whole++) {
		int last = 0;
		for (long long part = 0; part <= whole; part++) {
			int p = view_percent(part, whole);
			double exact = 100.0 * (double)part / (double)whole;
			long long near = (200 * part + whole) / (2 * whole);

			if (part == 0)
				assert_int_equal(p, 0);
			else if (part == whole)
				assert_int_equal(p, 100);
			else {
				assert_true(p >= 1 && p <= 99);
				if (near >= 1 && near <= 99)
					assert_int_equal(p, near);
				assert_true(p - exact < 1.0 && exact - p <= 1.0);
			}
			assert_true(p >= last); /* more done never reads as less */
			last = p;
		}
	}
}

static void huge_counts(void **state)
{
	(void)state;
	assert_int_equal(view_percent(LLONG_MAX / 3, LLONG_MAX), 33);
	assert_int_equal(view_percent(LLONG_MAX - 1, LLONG_MAX), 99);
	assert_int_equal(view_percent(1, LLONG_MAX), 1);
	assert_int_equal(view_percent(LLONG_MAX, LLONG_MAX), 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rounds_to_nearest),
		cmocka_unit_test(never_done_before_the_end),
		cmocka_unit_test(never_zero_once_started),
		cmocka_unit_test(nothing_to_do),
		cmocka_unit_test(every_fraction),
		cmocka_unit_test(huge_counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
