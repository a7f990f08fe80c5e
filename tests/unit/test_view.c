/*
 * test_view.c - view_percent (server/view.c), the one place a count
 * becomes the percentage beside a progress bar or an author's share:
 * rounded to the nearest, never 100 before the end, never 0 after the
 * start, and for every part of every whole up to 1,000 in step with the
 * exact quotient. And view_day, a day "YYYY-MM-DD" as people write it
 * ("25 nov 2026", "Nov 25, 2026"), which leaves anything that is not
 * exactly a real day as it was.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>

#include "http.h"
#include "view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* view_day of value (a new reference, taken) in lang: the "d_text" it
 * added (a new string the caller frees), or NULL when it added nothing;
 * either way "d" itself is left as it was. */
static char *day_text(const char *lang, json_t *value)
{
	struct req r;
	json_t *o = json_object(), *t;
	char *out = NULL;

	memset(&r, 0, sizeof(r));
	r.lang = lang;
	json_object_set(o, "d", value);
	view_day(&r, o, "d");
	assert_ptr_equal(json_object_get(o, "d"), value);
	t = json_object_get(o, "d_text");
	if (t) {
		assert_true(json_is_string(t));
		out = strdup(json_string_value(t));
	}
	assert_int_equal(json_object_size(o), t ? 2 : 1);
	json_decref(value);
	json_decref(o);
	return out;
}

static void assert_day(const char *lang, const char *iso, const char *want)
{
	char *got = day_text(lang, json_string(iso));

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void days_in_spanish(void **state)
{
	(void)state;
	assert_day("es", "2026-11-25", "25 nov 2026");
	assert_day("es", "2026-01-01", "1 ene 2026");
	assert_day("es", "2026-12-31", "31 dic 2026");
	assert_day("es", "2027-01-31", "31 ene 2027");
	assert_day("es", "2026-12-01", "1 dic 2026");
	assert_day("es", "2024-02-29", "29 feb 2024");   /* a leap year */
	assert_day("es", "2000-02-29", "29 feb 2000");   /* so is 2000 */
}

static void days_in_english(void **state)
{
	(void)state;
	assert_day("en", "2026-11-25", "Nov 25, 2026");
	assert_day("en", "2026-01-01", "Jan 1, 2026");
	assert_day("en", "2026-12-31", "Dec 31, 2026");
	assert_day("en", "2027-01-31", "Jan 31, 2027");
	assert_day("en", "2026-12-01", "Dec 1, 2026");
}

/* Every month's name in both languages, the day and year as written. */
static void every_month(void **state)
{
	static const char *const es[] = {"ene", "feb", "mar", "abr", "may", "jun",
					  "jul", "ago", "sep", "oct", "nov", "dic"};
	static const char *const en[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	char iso[32], want[32];

	(void)state;
	for (int m = 1; m <= 12; m++) {
		snprintf(iso, sizeof(iso), "2031-%02d-09", m);
		snprintf(want, sizeof(want), "9 %s 2031", es[m - 1]);
		assert_day("es", iso, want);
		snprintf(want, sizeof(want), "%s 9, 2031", en[m - 1]);
		assert_day("en", iso, want);
	}
}

/* Not a day, or not exactly "YYYY-MM-DD": no text, the value untouched. */
static void not_days_add_nothing(void **state)
{
	static const char *const bad[] = {
		"2026-13-01", "2026-00-10", "2026-1-5", "2026-01-5", "2026-1-05", "",
		"2026-11-25 ", " 2026-11-25", "2026-11-25T10:00", "2026/11/25", "25-11-2026",
		"2026-11-32", "2026-11-00", "2026-04-31", "2026-02-29", "1900-02-29",
		"2026-02-30", "0000-01-01", "+026-11-25", "2026-+1-25", "2026-11- 5",
		"20261125", "2026-11-2x", "abcd-ef-gh", "2026-11-25\n"};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *got = day_text("es", json_string(bad[i]));
		if (got)
			fail_msg("%s gave %s", bad[i], got);
	}
	/* "2026-11-25" and a NUL: the length says it is not the day. */
	assert_null(day_text("es", json_stringn("2026-11-25\0x", 12)));
	assert_null(day_text("es", json_integer(20261125)));
	assert_null(day_text("es", json_null()));
	assert_null(day_text("en", json_true()));
	assert_null(day_text("en", json_pack("{s:s}", "d", "2026-11-25")));
	assert_null(day_text("en", json_pack("[s]", "2026-11-25")));
	{
		/* No such key: nothing added. */
		struct req r;
		json_t *o = json_object();
		memset(&r, 0, sizeof(r));
		r.lang = "es";
		view_day(&r, o, "d");
		assert_int_equal(json_object_size(o), 0);
		json_decref(o);
	}
}

/* view_days: each object of the array, the others left alone. */
static void days_of_an_array(void **state)
{
	struct req r;
	json_t *a = json_pack("[{s:s}, {s:s}, {s:n}, {}]", "d", "2026-03-02", "d", "2026-3-2", "d");

	(void)state;
	memset(&r, 0, sizeof(r));
	r.lang = "es";
	view_days(&r, a, "d");
	assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "d_text")),
			    "2 mar 2026");
	assert_null(json_object_get(json_array_get(a, 1), "d_text"));
	assert_null(json_object_get(json_array_get(a, 2), "d_text"));
	assert_int_equal(json_object_size(json_array_get(a, 3)), 0);
	json_decref(a);
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
		cmocka_unit_test(days_in_spanish),
		cmocka_unit_test(days_in_english),
		cmocka_unit_test(every_month),
		cmocka_unit_test(not_days_add_nothing),
		cmocka_unit_test(days_of_an_array),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
