/*
 * svg.h - the numbers behind Oficio's small charts. The charts are inline
 * <svg> written by templates (svg_*.html partials); this module only
 * computes geometry and labels into JSON for them, so no markup is built
 * in C and every label goes through the template's escaping.
 *
 * Each chart object carries "label": a sentence that says what the
 * picture shows, for aria-label and <title> (role="img").
 */
#ifndef OFICIO_SVG_H
#define OFICIO_SVG_H

#include <jansson.h>

struct buf;

/* Append msg with each "{key}" of keys[0..n) replaced by vals[i]
 * (messages are data, never format strings). */
void svg_format(struct buf *out, const char *msg, size_t n, const char *const keys[],
		const long long vals[]);

/* A progress bar: {done,total,pct,width,label} where width is the filled
 * part on a 0..100 scale and label is label_msg with {done} {total}
 * {pct} filled in; pct is view_percent(done, total). */
json_t *svg_progress(long long done, long long total, const char *label_msg);

/* A horizontal bar chart of rows [{name, value}] (value 0..max) on a
 * 360-unit wide canvas, one labelled bar per row:
 * {height, label, rows:[{name, value, y, ty, w, tx}]} where y is the bar's
 * top, ty the baseline of its name above it, w its length and tx where its
 * value is written. Takes a reference to rows' strings only. */
json_t *svg_hbars(json_t *rows, long long max, const char *label);

/* A column chart of weekly counts, oldest first: rows [{week, total,
 * zero}] become {height, label, ymax, cols:[{x, w, h, y, zh, zy, week,
 * zero, total, show_label}]}: `total` bars behind and `zero` bars in front. */
json_t *svg_weeks(json_t *rows, const char *label);

#endif
