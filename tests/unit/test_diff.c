/*
 * test_diff.c - unit tests for the line diff (server/diff.c).
 *
 * Every script computed here is checked by applying it (check_script), so
 * a test that only looks at counts still proves the script valid. The
 * random tests use a fixed seed and a tiny alphabet of lines, to get many
 * repeated lines, and compare the script's length with a quadratic LCS.
 * Nothing here depends on time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diff.h"

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: small, deterministic, good enough to pick edits. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static bool same_line(const struct diff_lines *a, size_t i, const struct diff_lines *b, size_t j)
{
	return a->len[i] == b->len[j] &&
	       memcmp(a->text + a->start[i], b->text + b->start[j], a->len[i]) == 0;
}

/* Apply ops to a and check the result is b, and that the ops have the shape
 * diff.h promises. Returns the number of changed lines (DEL + ADD). */
static size_t check_script(const struct diff_lines *a, const struct diff_lines *b,
                           const struct diff_op *ops, size_t nops)
{
	size_t i = 0, j = 0, changed = 0;
	bool adding = false;

	for (size_t k = 0; k < nops; k++) {
		switch (ops[k].kind) {
		case DIFF_SAME:
			assert_int_equal(ops[k].a, i);
			assert_int_equal(ops[k].b, j);
			assert_true(i < a->n && j < b->n);
			assert_true(same_line(a, i, b, j));
			i++, j++;
			adding = false;
			break;
		case DIFF_DEL:
			assert_false(adding); /* DELs come before ADDs */
			assert_int_equal(ops[k].a, i);
			assert_int_equal(ops[k].b, j);
			assert_true(i < a->n);
			i++, changed++;
			break;
		case DIFF_ADD:
			assert_int_equal(ops[k].a, i);
			assert_int_equal(ops[k].b, j);
			assert_true(j < b->n);
			j++, changed++;
			adding = true;
			break;
		default:
			fail_msg("bad op kind %d", ops[k].kind);
		}
	}
	assert_int_equal(i, a->n);
	assert_int_equal(j, b->n);
	return changed;
}

/* Diff two strings, check the script, return its number of changes. */
static size_t diff_str(const char *sa, const char *sb)
{
	struct diff_lines a, b;
	struct diff_op *ops;
	size_t nops, changed;

	diff_lines_split(&a, sa, strlen(sa));
	diff_lines_split(&b, sb, strlen(sb));
	assert_int_equal(diff_compute(&a, &b, &ops, &nops), 0);
	assert_non_null(ops);
	changed = check_script(&a, &b, ops, nops);
	free(ops);
	diff_lines_free(&a);
	diff_lines_free(&b);
	return changed;
}

/* The ops as a string of kinds, e.g. " -+ ", for exact expectations. */
static void expect_kinds(const char *sa, const char *sb, const char *kinds)
{
	struct diff_lines a, b;
	struct diff_op *ops;
	size_t nops;
	char got[256];

	diff_lines_split(&a, sa, strlen(sa));
	diff_lines_split(&b, sb, strlen(sb));
	diff_compute(&a, &b, &ops, &nops);
	check_script(&a, &b, ops, nops);
	assert_true(nops < sizeof(got));
	for (size_t k = 0; k < nops; k++)
		got[k] = ops[k].kind;
	got[nops] = '\0';
	assert_string_equal(got, kinds);
	free(ops);
	diff_lines_free(&a);
	diff_lines_free(&b);
}

static size_t lcs(const struct diff_lines *a, const struct diff_lines *b)
{
	size_t w = b->n + 1, r;
	size_t *t = calloc((a->n + 1) * w, sizeof(*t));

	for (size_t i = a->n; i-- > 0;)
		for (size_t j = b->n; j-- > 0;)
			t[i * w + j] = same_line(a, i, b, j) ? t[(i + 1) * w + j + 1] + 1
			               : t[(i + 1) * w + j] > t[i * w + j + 1] ? t[(i + 1) * w + j]
			                                                       : t[i * w + j + 1];
	r = t[0];
	free(t);
	return r;
}

static void test_split(void **state)
{
	struct diff_lines l;
	(void)state;

	diff_lines_split(&l, "", 0);
	assert_int_equal(l.n, 0);
	diff_lines_free(&l);
	diff_lines_free(&l); /* twice is fine */

	diff_lines_split(&l, NULL, 0);
	assert_int_equal(l.n, 0);
	diff_lines_free(&l);

	diff_lines_split(&l, "a\n", 2);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.start[0], 0);
	assert_int_equal(l.len[0], 1);
	diff_lines_free(&l);

	diff_lines_split(&l, "a", 1);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.len[0], 1);
	diff_lines_free(&l);

	diff_lines_split(&l, "\n", 1);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.len[0], 0);
	diff_lines_free(&l);

	diff_lines_split(&l, "ab\n\ncd", 6);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.start[1], 3);
	assert_int_equal(l.len[1], 0);
	assert_int_equal(l.start[2], 4);
	assert_int_equal(l.len[2], 2);
	diff_lines_free(&l);

	diff_lines_split(&l, "a\r\nbc\r\n\r\nd\r", 11);
	assert_int_equal(l.n, 4);
	assert_int_equal(l.len[0], 1);
	assert_int_equal(l.len[1], 2);
	assert_int_equal(l.len[2], 0);
	assert_int_equal(l.len[3], 1);
	diff_lines_free(&l);

	/* Only one '\r' goes, and only at the end of the line. */
	diff_lines_split(&l, "a\r\r\n\rb\n", 7);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.len[0], 2);
	assert_int_equal(l.len[1], 2);
	diff_lines_free(&l);

	/* A NUL byte is just a byte. */
	diff_lines_split(&l, "a\0b\nc", 5);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.len[0], 3);
	diff_lines_free(&l);
}

static void test_empty(void **state)
{
	(void)state;
	expect_kinds("", "", "");
	expect_kinds("", "a\nb\n", "++");
	expect_kinds("a\nb\n", "", "--");
	expect_kinds("\n", "", "-");
}

static void test_identical(void **state)
{
	(void)state;
	expect_kinds("a\nb\nc\n", "a\nb\nc\n", "   ");
	expect_kinds("x\n", "x\n", " ");
}

static void test_insert(void **state)
{
	(void)state;
	expect_kinds("b\nc\n", "a\nb\nc\n", "+  ");
	expect_kinds("a\nc\n", "a\nb\nc\n", " + ");
	expect_kinds("a\nb\n", "a\nb\nc\n", "  +");
	expect_kinds("a\nd\n", "a\nb\nc\nd\n", " ++ ");
}

static void test_delete_replace(void **state)
{
	(void)state;
	expect_kinds("a\nb\nc\n", "b\nc\n", "-  ");
	expect_kinds("a\nb\nc\n", "a\nc\n", " - ");
	expect_kinds("a\nb\nc\n", "a\nb\n", "  -");
	expect_kinds("a\nb\nc\n", "a\nB\nc\n", " -+ ");
	expect_kinds("a\nb\nc\nd\n", "a\nX\nY\nZ\nd\n", " --+++ ");
	expect_kinds("a\nb\n", "c\nd\n", "--++");
}

static void test_repeated(void **state)
{
	(void)state;
	assert_int_equal(diff_str("x\nx\nx\n", "x\nx\n"), 1);
	assert_int_equal(diff_str("x\nx\n", "x\nx\nx\nx\n"), 2);
	assert_int_equal(diff_str("\n\n\na\n\n\n", "\n\na\n\n\n\n"), 2);
	assert_int_equal(diff_str("a\nb\na\nb\na\n", "b\na\nb\na\nb\n"), 2);
	/* Blank lines repeated both sides, content moved between them. */
	assert_int_equal(diff_str("a\n\nb\n\nc\n", "a\n\nc\n\nb\n"), 4);
}

static void test_line_endings(void **state)
{
	(void)state;
	/* CRLF against LF, and a missing final newline, are no difference. */
	expect_kinds("a\r\nb\r\nc\r\n", "a\nb\nc\n", "   ");
	expect_kinds("a\nb", "a\nb\n", "  ");
	expect_kinds("a\r\nb", "a\nb\n", "  ");
	expect_kinds("a\nb", "a\nc", " -+");
	/* But a '\r' inside a line is content. */
	expect_kinds("a\rb\n", "ab\n", "-+");
}

static void test_minimal_known(void **state)
{
	(void)state;
	/* Myers' paper example: ABCABBA -> CBABAC has D = 5. */
	assert_int_equal(diff_str("A\nB\nC\nA\nB\nB\nA\n", "C\nB\nA\nB\nA\nC\n"), 5);
	assert_int_equal(diff_str("a\nb\nc\nd\ne\n", "e\nd\nc\nb\na\n"), 8);
	assert_int_equal(diff_str("a\nb\nc\n", "b\nc\na\n"), 2);
	assert_int_equal(diff_str("a\nb\nc\nd\n", "a\nc\nb\nd\n"), 2);
	assert_int_equal(diff_str("a\nx\nb\nx\nc\n", "x\na\nx\nb\nx\nc\nx\n"), 2);
}

/* Text of n lines picked from a small alphabet (so lines repeat). */
static void random_text(struct buf *t, size_t n, unsigned alphabet)
{
	for (size_t i = 0; i < n; i++) {
		unsigned w = (unsigned)(rnd() % alphabet);
		if (w == 0)
			buf_puts(t, "\n");
		else
			buf_printf(t, "line %u\n", w);
	}
}

/* b from a by random inserts, deletes and replacements of lines. */
static void random_edit(struct buf *out, const struct diff_lines *a, unsigned alphabet)
{
	for (size_t i = 0; i <= a->n; i++) {
		unsigned r = (unsigned)(rnd() % 10);
		if (r == 0)
			random_text(out, 1 + rnd() % 3, alphabet);
		if (i == a->n)
			break;
		if (r == 1)
			continue; /* deleted */
		if (r == 2) {
			random_text(out, 1, alphabet);
			continue;
		}
		buf_append(out, a->text + a->start[i], a->len[i]);
		buf_putc(out, '\n');
	}
}

static void test_random_property(void **state)
{
	(void)state;
	rng_state = 0x0f1c10d1ffULL;
	for (int round = 0; round < 4000; round++) {
		struct buf ta = BUF_INIT, tb = BUF_INIT;
		struct diff_lines a, b;
		struct diff_op *ops;
		size_t nops, changed;
		unsigned alphabet = 2 + (unsigned)(rnd() % 6);

		random_text(&ta, rnd() % 40, alphabet);
		diff_lines_split(&a, ta.data, ta.len);
		if (round % 4 == 0)
			random_text(&tb, rnd() % 40, alphabet); /* unrelated */
		else
			random_edit(&tb, &a, alphabet);
		diff_lines_split(&b, tb.data, tb.len);

		diff_compute(&a, &b, &ops, &nops);
		changed = check_script(&a, &b, ops, nops);
		assert_int_equal(changed, a.n + b.n - 2 * lcs(&a, &b));

		free(ops);
		diff_lines_free(&a);
		diff_lines_free(&b);
		buf_free(&ta);
		buf_free(&tb);
	}
}

static void test_hunks(void **state)
{
	struct buf ta = BUF_INIT, tb = BUF_INIT;
	struct diff_lines a, b;
	struct diff_op *ops;
	size_t nops;
	json_t *h, *lines, *l;
	int added = -1, removed = -1;
	(void)state;

	/* 20 lines; line 5 replaced, line 15 deleted. */
	for (int i = 1; i <= 20; i++) {
		buf_printf(&ta, "l%d\n", i);
		if (i == 5)
			buf_puts(&tb, "<b>five</b> & more\n");
		else if (i != 15)
			buf_printf(&tb, "l%d\n", i);
	}
	diff_lines_split(&a, ta.data, ta.len);
	diff_lines_split(&b, tb.data, tb.len);
	diff_compute(&a, &b, &ops, &nops);

	h = diff_hunks_json(&a, &b, ops, nops, 3, &added, &removed);
	assert_int_equal(added, 1);
	assert_int_equal(removed, 2);
	assert_int_equal(json_array_size(h), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(h, 0), "header")),
	                    "@@ -2,7 +2,7 @@");
	assert_string_equal(json_string_value(json_object_get(json_array_get(h, 1), "header")),
	                    "@@ -12,7 +12,6 @@");
	lines = json_object_get(json_array_get(h, 0), "lines");
	assert_int_equal(json_array_size(lines), 8);
	l = json_array_get(lines, 0);
	assert_string_equal(json_string_value(json_object_get(l, "op")), "same");
	assert_string_equal(json_string_value(json_object_get(l, "text")), "l2");
	assert_int_equal(json_integer_value(json_object_get(l, "old")), 2);
	assert_int_equal(json_integer_value(json_object_get(l, "new")), 2);
	l = json_array_get(lines, 3);
	assert_string_equal(json_string_value(json_object_get(l, "op")), "del");
	assert_string_equal(json_string_value(json_object_get(l, "text")), "l5");
	assert_int_equal(json_integer_value(json_object_get(l, "old")), 5);
	assert_true(json_is_null(json_object_get(l, "new")));
	l = json_array_get(lines, 4);
	assert_string_equal(json_string_value(json_object_get(l, "op")), "add");
	/* As-is: escaping is the template's job. */
	assert_string_equal(json_string_value(json_object_get(l, "text")), "<b>five</b> & more");
	assert_true(json_is_null(json_object_get(l, "old")));
	assert_int_equal(json_integer_value(json_object_get(l, "new")), 5);
	l = json_array_get(json_object_get(json_array_get(h, 1), "lines"), 3);
	assert_string_equal(json_string_value(json_object_get(l, "op")), "del");
	assert_int_equal(json_integer_value(json_object_get(l, "old")), 15);
	json_decref(h);

	/* 9 unchanged lines between the changes: merged at context 5, not 4. */
	h = diff_hunks_json(&a, &b, ops, nops, 5, NULL, NULL);
	assert_int_equal(json_array_size(h), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(h, 0), "header")),
	                    "@@ -1,20 +1,19 @@");
	json_decref(h);
	h = diff_hunks_json(&a, &b, ops, nops, 4, NULL, NULL);
	assert_int_equal(json_array_size(h), 2);
	json_decref(h);

	/* Context 0 (and negative), one line each side: no ",1". */
	h = diff_hunks_json(&a, &b, ops, nops, -7, NULL, NULL);
	assert_int_equal(json_array_size(h), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(h, 0), "header")),
	                    "@@ -5 +5 @@");
	assert_string_equal(json_string_value(json_object_get(json_array_get(h, 1), "header")),
	                    "@@ -15 +14,0 @@");
	json_decref(h);

	/* Huge context: one hunk, no overflow. */
	h = diff_hunks_json(&a, &b, ops, nops, INT_MAX, NULL, NULL);
	assert_int_equal(json_array_size(h), 1);
	assert_int_equal(json_array_size(json_object_get(json_array_get(h, 0), "lines")), 21);
	json_decref(h);
	free(ops);

	/* Equal texts: no hunks. */
	diff_compute(&a, &a, &ops, &nops);
	h = diff_hunks_json(&a, &a, ops, nops, 3, &added, &removed);
	assert_int_equal(json_array_size(h), 0);
	assert_int_equal(added, 0);
	assert_int_equal(removed, 0);
	json_decref(h);
	free(ops);

	diff_lines_free(&a);
	diff_lines_free(&b);
	buf_free(&ta);
	buf_free(&tb);
}

/* The header of the first hunk of the diff from sa to sb. */
static void expect_header(const char *sa, const char *sb, int context, const char *want)
{
	struct diff_lines a, b;
	struct diff_op *ops;
	size_t nops;
	json_t *h;

	diff_lines_split(&a, sa, strlen(sa));
	diff_lines_split(&b, sb, strlen(sb));
	diff_compute(&a, &b, &ops, &nops);
	h = diff_hunks_json(&a, &b, ops, nops, context, NULL, NULL);
	assert_string_equal(json_string_value(json_object_get(json_array_get(h, 0), "header")),
	                    want);
	json_decref(h);
	free(ops);
	diff_lines_free(&a);
	diff_lines_free(&b);
}

static void test_hunk_headers(void **state)
{
	(void)state;
	/* The same numbers diff -u and git print. */
	expect_header("", "a\nb\n", 3, "@@ -0,0 +1,2 @@");
	expect_header("a\nb\nc\n", "", 3, "@@ -1,3 +0,0 @@");
	expect_header("a\n", "b\n", 3, "@@ -1 +1 @@");
	expect_header("a\nb\n", "x\na\nb\n", 0, "@@ -0,0 +1 @@");
	expect_header("a\nb\n", "a\nx\nb\n", 0, "@@ -1,0 +2 @@");
	expect_header("a\nb\n", "a\nb\nx\n", 1, "@@ -2 +2,2 @@");
	expect_header("a\nb\nc\nd\n", "a\nc\nd\n", 1, "@@ -1,3 +1,2 @@");
}

static void test_hunks_bad_utf8(void **state)
{
	struct diff_lines a, b;
	struct diff_op *ops;
	size_t nops;
	json_t *h, *l;
	(void)state;

	diff_lines_split(&a, "caf\xc3\xa9\n", 6);
	diff_lines_split(&b, "caf\xe9 \xed\xa0\x80 \xc3\n", 11);
	diff_compute(&a, &b, &ops, &nops);
	h = diff_hunks_json(&a, &b, ops, nops, 3, NULL, NULL);
	l = json_array_get(json_object_get(json_array_get(h, 0), "lines"), 0);
	assert_string_equal(json_string_value(json_object_get(l, "text")), "caf\xc3\xa9");
	l = json_array_get(json_object_get(json_array_get(h, 0), "lines"), 1);
	assert_string_equal(json_string_value(json_object_get(l, "text")),
	                    "caf\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd");
	json_decref(h);
	free(ops);
	diff_lines_free(&a);
	diff_lines_free(&b);
}

/* Authors of text after the save, from the authors before. */
static long long *carry(const char *before, const long long *authors, const char *after,
                        long long who, size_t *n)
{
	struct diff_lines a, b;
	long long *out;

	diff_lines_split(&a, before, strlen(before));
	diff_lines_split(&b, after, strlen(after));
	out = diff_carry_authors(&a, authors, &b, who);
	*n = b.n;
	diff_lines_free(&a);
	diff_lines_free(&b);
	return out;
}

static void expect_authors(const long long *got, size_t n, const char *want)
{
	struct buf b = BUF_INIT;

	diff_authors_encode(&b, got, n);
	assert_string_equal(b.data, want);
	buf_free(&b);
}

static void test_authors_sequence(void **state)
{
	const char *r1 = "title\nintro\nstep 1\nstep 2\nend\n";
	const char *r2 = "title\nintro\nstep 1\nstep 1b\nstep 2\nend\n";
	const char *r3 = "title\nbetter intro\nstep 1\nstep 1b\nstep 2\nend\n";
	const char *r4 = "title\nbetter intro\nstep 1b\nstep 2\nend\nnotes\n";
	long long *a1, *a2, *a3, *a4;
	size_t n;
	(void)state;

	a1 = carry("", NULL, r1, 1, &n);
	expect_authors(a1, n, "1*5");
	a2 = carry(r1, a1, r2, 2, &n);
	expect_authors(a2, n, "1*3,2*1,1*2");
	a3 = carry(r2, a2, r3, 3, &n);
	expect_authors(a3, n, "1*1,3*1,1*1,2*1,1*2");
	a4 = carry(r3, a3, r4, 1, &n);
	expect_authors(a4, n, "1*1,3*1,2*1,1*3");
	free(a1);
	free(a2);
	free(a3);
	free(a4);

	/* CRLF re-save changes nobody's lines. */
	a1 = carry("", NULL, "a\nb\n", 4, &n);
	a2 = carry("a\nb\n", a1, "a\r\nb\r\n", 5, &n);
	expect_authors(a2, n, "4*2");
	free(a1);
	free(a2);
}

static void test_authors_revert(void **state)
{
	const char *r1 = "one\ntwo\nthree\nfour\n";
	const char *r2 = "one\nTWO!\nthree\n"; /* by 2: edits two, drops four */
	long long *a1, *a2, *a3;
	size_t n;
	(void)state;

	a1 = carry("", NULL, r1, 1, &n);
	a2 = carry(r1, a1, r2, 2, &n);
	expect_authors(a2, n, "1*1,2*1,1*1");
	/* 3 reverts to r1: the lines that came back are 3's, the rest keep
	 * their author, like git blame on a revert commit. */
	a3 = carry(r2, a2, r1, 3, &n);
	expect_authors(a3, n, "1*1,3*1,1*1,3*1");
	free(a1);
	free(a2);
	free(a3);
}

static void test_authors_codec(void **state)
{
	long long in[] = {3, 3, 3, 7, 7, -1, 0, LLONG_MAX, LLONG_MIN, LLONG_MIN};
	long long out[10];
	struct buf b = BUF_INIT;
	(void)state;

	diff_authors_encode(&b, in, 10);
	assert_false(buf_error(&b));
	assert_string_equal(b.data,
	                    "3*3,7*2,-1*1,0*1,9223372036854775807*1,-9223372036854775808*2");
	assert_int_equal(diff_authors_decode(b.data, out, 10), 0);
	assert_memory_equal(in, out, sizeof(in));
	buf_reset(&b);
	diff_authors_encode(&b, in, 0);
	assert_string_equal(b.data, "");
	assert_int_equal(diff_authors_decode("", out, 0), 0);
	buf_free(&b);

	assert_int_equal(diff_authors_decode("3*12,7*2", NULL, 0), -1);
	assert_int_equal(diff_authors_decode("5*2", out, 2), 0);
	assert_int_equal(out[0], 5);
	assert_int_equal(out[1], 5);

	static const char *const bad[] = {
	    NULL,
	    "",
	    "5",
	    "5*",
	    "*2",
	    "5*0",
	    "5*-1",
	    "5*+2",
	    "+5*2",
	    "-0*2",
	    "05*2",
	    "5*02",
	    " 5*2",
	    "5*2 ",
	    "5 *2",
	    "5*2,",
	    ",5*2",
	    "5*1,,5*1",
	    "5*3",
	    "5*1",
	    "5*1;5*1",
	    "x*2",
	    "5*2*2",
	    "--5*2",
	    "9223372036854775808*2",
	    "-9223372036854775809*2",
	    "5*18446744073709551617",
	    "5*18446744073709551616",
	    "5*1,5*18446744073709551615",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(diff_authors_decode(bad[i], out, 2), -1);
	assert_int_equal(diff_authors_decode("5*1", out, 0), -1);
}

/* Many repeats of two lines in random order: a huge edit distance with no
 * line unique to one side, so the search really has to work and hits its
 * bounds. The script must still be valid. */
static void test_degrade(void **state)
{
	struct buf ta = BUF_INIT, tb = BUF_INIT;
	struct diff_lines a, b;
	struct diff_op *ops;
	size_t nops, changed;
	(void)state;

	rng_state = 42;
	random_text(&ta, 60000, 2);
	random_text(&tb, 60000, 2);
	diff_lines_split(&a, ta.data, ta.len);
	diff_lines_split(&b, tb.data, tb.len);
	diff_compute(&a, &b, &ops, &nops);
	changed = check_script(&a, &b, ops, nops);
	assert_true(changed > 0 && changed <= a.n + b.n);
	free(ops);

	/* Completely different texts are linear and still exact. */
	buf_reset(&tb);
	for (size_t i = 0; i < 200000; i++)
		buf_printf(&tb, "other %zu\n", i);
	diff_lines_free(&b);
	diff_lines_split(&b, tb.data, tb.len);
	diff_compute(&a, &b, &ops, &nops);
	assert_int_equal(check_script(&a, &b, ops, nops), a.n + b.n);
	free(ops);

	diff_lines_free(&a);
	diff_lines_free(&b);
	buf_free(&ta);
	buf_free(&tb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_split),
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_identical),
	    cmocka_unit_test(test_insert),
	    cmocka_unit_test(test_delete_replace),
	    cmocka_unit_test(test_repeated),
	    cmocka_unit_test(test_line_endings),
	    cmocka_unit_test(test_minimal_known),
	    cmocka_unit_test(test_random_property),
	    cmocka_unit_test(test_hunks),
	    cmocka_unit_test(test_hunk_headers),
	    cmocka_unit_test(test_hunks_bad_utf8),
	    cmocka_unit_test(test_authors_sequence),
	    cmocka_unit_test(test_authors_revert),
	    cmocka_unit_test(test_authors_codec),
	    cmocka_unit_test(test_degrade),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
