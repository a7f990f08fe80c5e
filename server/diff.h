/*
 * diff.h - line diff (Myers' O(ND) algorithm, linear-space variant) for the
 * history view, read-confirmation "what changed", proposals, and line
 * authorship (blame carried forward at each save).
 *
 * Lines are compared byte for byte, without their line ending; a missing
 * final newline is not a difference, nor is a "\r\n" against a "\n". The
 * cost is bounded: past a limit of edit distance and of total work the diff
 * degrades to a correct but coarser script, never to unbounded time. Below
 * the limit the script is minimal (fewest deleted plus added lines).
 */
#ifndef OFICIO_DIFF_H
#define OFICIO_DIFF_H

#include <jansson.h>
#include <stddef.h>

struct buf;

struct diff_lines {
	const char *text; /* the whole text (not owned) */
	size_t n;         /* number of lines */
	size_t *start;    /* start[i], len[i]: line i, without "\n" or "\r\n" */
	size_t *len;
};

enum diff_op_kind { DIFF_SAME = ' ', DIFF_DEL = '-', DIFF_ADD = '+' };

struct diff_op {
	char kind;   /* DIFF_SAME, DIFF_DEL, DIFF_ADD */
	size_t a, b; /* line index in a (SAME, DEL) and b (SAME, ADD);
	                an ADD's a and a DEL's b count the lines before
	                it on the other side */
};

/* Split text[0..len) into lines on '\n', dropping one '\r' before each
 * '\n' (and at the very end); a final line without '\n' is a line, so ""
 * has 0 lines and "a\n" and "a" have 1. l->text points into text, which
 * must outlive l. Free with diff_lines_free (safe on a zeroed struct, and
 * twice). */
void diff_lines_split(struct diff_lines *l, const char *text, size_t len);
void diff_lines_free(struct diff_lines *l);

/* Shortest (or, past the bound, a valid) edit script from a to b: applying
 * the ops in order (SAME copies a[op.a], ADD inserts b[op.b], DEL skips
 * a[op.a]) yields b. Every line of a appears once as SAME or DEL and every
 * line of b once as SAME or ADD, both in increasing order; between two SAME
 * ops the DELs come before the ADDs. *ops is malloc'd (caller frees, never
 * NULL), *nops its length. Returns 0. */
int diff_compute(const struct diff_lines *a, const struct diff_lines *b, struct diff_op **ops,
                 size_t *nops);

/* Hunks for a template: [{"header":"@@ -a,n +b,m @@","lines":[{"op":"add"|
 * "del"|"same","text":..,"old":N|null,"new":N|null}]}], with `context`
 * unchanged lines around each change (1-based line numbers; a negative
 * context is 0). Changes at most 2*context unchanged lines apart share a hunk.
 * The header follows diff -u and git: ",n" is left out when n is 1, and an
 * empty side reads "-k,0" with k the line before the hunk (0 at the top).
 * "text" is the line as-is (the template escapes it); bytes that are not
 * UTF-8, which JSON cannot carry, become U+FFFD. An empty array when a and
 * b are equal. Also sets *added and *removed (whole script) when not NULL.
 * New reference (caller decrefs). */
json_t *diff_hunks_json(const struct diff_lines *a, const struct diff_lines *b,
                        const struct diff_op *ops, size_t nops, int context, int *added,
                        int *removed);

/* Line authorship carried forward: given a's per-line author ids (a->n
 * entries), return b's (malloc'd, b->n entries, never NULL): kept lines keep
 * their author, added lines get new_author. As with git blame, a line that
 * comes back in a revert is new again and goes to the reverter. */
long long *diff_carry_authors(const struct diff_lines *a, const long long *a_authors,
                              const struct diff_lines *b, long long new_author);

/* Compact encoding of per-line authors for storage: run-length "id*count"
 * comma separated, e.g. "3*12,7*2"; "" when n is 0. Appended to out (check
 * buf_error). decode accepts exactly what encode writes (ids may be
 * negative, counts are positive, no spaces, signs or leading zeros) and
 * returns -1 on malformed input, on overflow, or when the counts do not add
 * up to n; authors[] is then partly written and must not be used. */
void diff_authors_encode(struct buf *out, const long long *authors, size_t n);
int diff_authors_decode(const char *s, long long *authors, size_t n);

#endif
