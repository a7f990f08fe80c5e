/*
 * fmatter.h - flat YAML front matter, read and written.
 *
 *   ---
 *   title: "Devolución fuera de plazo"
 *   tags: [caja, devoluciones]
 *   ---
 *
 * Values: plain scalars (trimmed), "double-quoted" strings with \" \\ \n
 * escapes, 'single-quoted' with '' for a quote, and [a, "b", c] inline
 * lists (returned joined by ", "). Anything else (nesting, block
 * scalars, anchors) is an error, reported, never guessed.
 */
#ifndef OFICIO_FMATTER_H
#define OFICIO_FMATTER_H

struct buf;

struct fmatter {
	char **keys;
	char **values;
	int n;
	char error[120];   /* set when fmatter_parse fails */
};

/* Parse front matter at the start of text (if any). *body is set to the
 * text after it (or to text when there is none). 0, or -1 with fm->error.
 * Free with fmatter_free in either case. */
int fmatter_parse(struct fmatter *fm, const char *text, const char **body);
void fmatter_free(struct fmatter *fm);
/* The value of key, or NULL. */
const char *fmatter_get(const struct fmatter *fm, const char *key);

/* Append `key: "value"\n` with the value quoted and escaped. */
void fmatter_put(struct buf *out, const char *key, const char *value);

#endif
