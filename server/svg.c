/*
 * svg.c - chart geometry for the templates (see svg.h).
 *
 * Canvases are 360 units wide: on a phone the SVG is drawn about 1:1, so
 * 13-unit text reads as 13 px; wider screens and print scale it up to the
 * CSS max-width. Bars are at least 1 unit long when their value is not
 * zero, so a small value stays visible.
 */
#include "svg.h"

#include "buf.h"
#include "view.h"

#include <string.h>

#define CANVAS_W 360
#define ROW_H 38      /* one hbar row: name line + bar */
#define BAR_H 14
#define VALUE_W 44    /* room right of the longest bar for its value */

void svg_format(struct buf *out, const char *msg, size_t n, const char *const keys[],
		const long long vals[])
{
	const char *p = msg;

	while (*p) {
		const char *open = strchr(p, '{');
		size_t i;

		if (!open) {
			buf_puts(out, p);
			return;
		}
		buf_append(out, p, (size_t)(open - p));
		for (i = 0; i < n; i++) {
			size_t kl = strlen(keys[i]);
			if (strncmp(open + 1, keys[i], kl) == 0 && open[1 + kl] == '}') {
				buf_int(out, vals[i]);
				p = open + kl + 2;
				break;
			}
		}
		if (i == n) {
			buf_putc(out, '{');
			p = open + 1;
		}
	}
}

json_t *svg_progress(long long done, long long total, const char *label_msg)
{
	static const char *const keys[] = {"done", "total", "pct"};
	long long pct = view_percent(done, total);
	long long vals[3];
	struct buf l = BUF_INIT;
	json_t *j;

	vals[0] = done;
	vals[1] = total;
	vals[2] = pct;
	svg_format(&l, label_msg, 3, keys, vals);
	j = json_pack("{s:I, s:I, s:I, s:I, s:s, s:b}", "done", (json_int_t)done,
		      "total", (json_int_t)total, "pct", (json_int_t)pct,
		      "width", (json_int_t)pct, "label", l.data, "complete",
		      total > 0 && done >= total);
	buf_free(&l);
	return j;
}

json_t *svg_hbars(json_t *rows, long long max, const char *label)
{
	json_t *out = json_array(), *v;
	size_t i;
	long long span = CANVAS_W - VALUE_W;

	if (max <= 0)
		max = 1;
	json_array_foreach(rows, i, v) {
		long long val = json_integer_value(json_object_get(v, "value"));
		long long w = val * span / max;
		long long y = (long long)i * ROW_H + 18;

		if (val > 0 && w < 1)
			w = 1;
		json_array_append_new(out, json_pack("{s:O, s:I, s:I, s:I, s:I, s:I}",
			"name", json_object_get(v, "name"), "value", (json_int_t)val,
			"y", (json_int_t)y, "ty", (json_int_t)(y - 4), "w", (json_int_t)w,
			"tx", (json_int_t)(w + 6)));
	}
	return json_pack("{s:I, s:s, s:o}", "height",
			 (json_int_t)(json_array_size(rows) * ROW_H + 4), "label", label,
			 "rows", out);
}

json_t *svg_weeks(json_t *rows, const char *label)
{
	const long long top = 16, plot_h = 110, left = 30, base = top + plot_h;
	json_t *cols = json_array(), *v;
	size_t i, n = json_array_size(rows);
	long long ymax = 1, colw;

	json_array_foreach(rows, i, v) {
		long long t = json_integer_value(json_object_get(v, "total"));
		if (t > ymax)
			ymax = t;
	}
	colw = n ? (CANVAS_W - left) / (long long)n : CANVAS_W;
	json_array_foreach(rows, i, v) {
		long long t = json_integer_value(json_object_get(v, "total"));
		long long z = json_integer_value(json_object_get(v, "zero"));
		long long h = t * plot_h / ymax, zh = z * plot_h / ymax;

		if (t > 0 && h < 1)
			h = 1;
		if (z > 0 && zh < 1)
			zh = 1;
		json_array_append_new(cols, json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:O, s:O, s:I, s:I, s:b}",
			"x", (json_int_t)(left + (long long)i * colw + 2), "w", (json_int_t)(colw - 4),
			"cx", (json_int_t)(left + (long long)i * colw + colw / 2),
			"h", (json_int_t)h, "y", (json_int_t)(base - h),
			"zh", (json_int_t)zh, "zy", (json_int_t)(base - zh),
			"week", json_object_get(v, "week"), "short", json_object_get(v, "short"),
			"zero", (json_int_t)z,
			"total", (json_int_t)t, "show_label", i % 2 == (n - 1) % 2));
	}
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:s, s:I, s:o}", "height", (json_int_t)(base + 22),
			 "base", (json_int_t)base, "top", (json_int_t)top, "left", (json_int_t)left,
			 "ly", (json_int_t)(base + 16), "label", label, "ymax", (json_int_t)ymax,
			 "cols", cols);
}
