/*
 * test_authors.c - unit tests for authorship sums and the bus factor
 * (server/authors.c), and the CSV cell escaping the reports rely on
 * (buf_csv in server/buf.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "authors.h"
#include "buf.h"
#include "diff.h"

static void sums_of_runs(void **state)
{
	struct author_lines a[8];
	int n;

	(void)state;
	n = authors_sum("3*12,7*2,3*5,0*1", a, 8);
	assert_int_equal(n, 3);
	assert_true(a[0].user_id == 3 && a[0].lines == 17);
	assert_true(a[1].user_id == 7 && a[1].lines == 2);
	assert_true(a[2].user_id == 0 && a[2].lines == 1);
	assert_int_equal(authors_sum("", a, 8), 0);
	assert_int_equal(authors_sum("-4*2", a, 8), 1);
	assert_true(a[0].user_id == -4 && a[0].lines == 2);
}

static void malformed_runs(void **state)
{
	struct author_lines a[8];
	static const char *const bad[] = {"3", "3*", "*4", "3*0", "3*-1", "3*2,", "3*2;4*1",
					  "x*1", "3*2 ", "3**2"};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(authors_sum(bad[i], a, 8), -1);
}

static void sums_match_what_diff_encodes(void **state)
{
	long long authors[] = {1, 1, 2, 2, 2, 1, 3};
	struct buf enc = BUF_INIT;
	struct author_lines a[8];

	(void)state;
	diff_authors_encode(&enc, authors, 7);
	assert_int_equal(authors_sum(enc.data, a, 8), 3);
	assert_true(a[0].user_id == 1 && a[0].lines == 3);
	assert_true(a[1].user_id == 2 && a[1].lines == 3);
	buf_free(&enc);
}

static void bus_factor(void **state)
{
	long long one[] = {100};
	long long five[] = {20, 20, 20, 20, 20};
	long long half[] = {50, 50};
	long long skew[] = {10, 60, 30};
	long long none[] = {0};

	(void)state;
	assert_int_equal(authors_bus_factor(one, 1), 1);
	/* More than half: 3 of 5 equal authors. */
	assert_int_equal(authors_bus_factor(five, 5), 3);
	/* Exactly half is not more than half. */
	assert_int_equal(authors_bus_factor(half, 2), 2);
	assert_int_equal(authors_bus_factor(skew, 3), 1);
	assert_int_equal(authors_bus_factor(none, 0), 0);
}

static void csv_cells(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	buf_csv(&b, "=HYPERLINK(\"http://x\",\"y\")", 26);
	assert_string_equal(b.data, "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
	buf_reset(&b);
	for (const char *s = "+-@"; *s; s++) {
		char cell[3] = {*s, '1', '\0'};
		buf_reset(&b);
		buf_csv(&b, cell, 2);
		assert_int_equal(b.data[1], '\'');
	}
	buf_reset(&b);
	buf_csv(&b, "a,b\nc", 5);
	assert_string_equal(b.data, "\"a,b\nc\"");
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sums_of_runs),
		cmocka_unit_test(malformed_runs),
		cmocka_unit_test(sums_match_what_diff_encodes),
		cmocka_unit_test(bus_factor),
		cmocka_unit_test(csv_cells),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
