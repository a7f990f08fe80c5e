/*
 * template.h - the logic-less template engine and the message catalogues.
 *
 * Syntax (a Mustache subset, parsed once at start):
 *   {{name}}        value, HTML-escaped (text and attribute safe)
 *   {{a.b.c}}       dotted lookup; {{.}} is the current item
 *   {{{name}}}      raw: only for HTML Oficio rendered itself (cmark-gfm,
 *                   safe mode); the triple braces are the loud marker
 *   {{#name}}..{{/name}}  section: an array repeats it per item (the item
 *                   becomes the innermost context), an object pushes it,
 *                   any other truthy value renders it once
 *   {{^name}}..{{/name}}  inverted: renders when missing/false/null/0/""/[]
 *   {{>partial}}    another template of the set, same context
 *   {{@key}}        message `key` from the catalogue of the render's
 *                   language, HTML-escaped
 *   {{!comment}}
 * Lookup walks the context stack outwards as in Mustache: the first segment
 * of a dotted name is looked up in the innermost object that has it, the
 * rest inside what it found. Truthiness: null, false, 0, 0.0, "" and [] are
 * false. Strings print as they are, integers as %lld, reals without
 * decimals when they are integers (else %g), true/false as "true"/"false";
 * null, missing, objects and arrays print nothing. Context values are
 * jansson json_t, only read, never changed.
 *
 * Whitespace is output as written, except that a line holding only a
 * section, inverted, closing or comment tag (and blanks) is dropped whole,
 * so block tags on lines of their own leave no blank lines behind.
 *
 * Limits, checked at load: sections and partials nest at most 32 deep
 * (counting through partials), a partial may not include itself directly
 * or indirectly, a template file is at most 4 MiB. Names are [A-Za-z0-9_-]
 * segments joined by '.'; partial, template and message names are
 * [A-Za-z0-9_.-]. There is no {{=..=}} and no {{&name}}.
 */
#ifndef OFICIO_TEMPLATE_H
#define OFICIO_TEMPLATE_H

#include <jansson.h>

struct buf;
struct tmpl_set;
struct i18n;

/* Parse every *.html file of dir (name = file name without .html; files in
 * sub-folders and dot-files are not read). Returns NULL on error with "file:line: what"
 * appended to err. Partials are resolved at load: an unknown partial is
 * an error. The set is immutable after load and safe to share across
 * threads. */
struct tmpl_set *tmpl_load(const char *dir, struct buf *err);
void tmpl_free(struct tmpl_set *set);

/* One template given in memory rather than as a file. */
struct tmpl_source {
	const char *name; /* template name, as {{>name}} and tmpl_render use it */
	const char *path; /* shown in errors; NULL means name */
	const char *text; /* the source; need not be NUL-terminated */
	size_t len;       /* bytes of text */
};

/* Parse n templates from memory into a set, exactly as tmpl_load would
 * parse files of those names (for tests and the fuzzer). The texts are
 * copied; the caller keeps its own. NULL on error with "path:line: what"
 * lines appended to err. */
struct tmpl_set *tmpl_parse(const struct tmpl_source *src, size_t n, struct buf *err);

/* Render template `name` with ctx into out (appending). ctx may be NULL (an
 * empty context). msgs/lang select the catalogue for {{@key}}, with the
 * fallbacks of i18n_get; msgs may be NULL (keys print as themselves).
 * Allocates nothing but the growth of out. Returns 0, or -1 if the template
 * does not exist, out overflowed, or the render passed its budget (4M node
 * visits or 32 MiB of output: nested sections over arrays multiply); after
 * -1, out may hold part of the page and should be discarded. */
int tmpl_render(const struct tmpl_set *set, const char *name, json_t *ctx, const struct i18n *msgs,
                const char *lang, struct buf *out);

/* True if the set has a template of that name. */
int tmpl_exists(const struct tmpl_set *set, const char *name);

/* Load the catalogues dir/es and dir/en (and any other file named by two
 * lowercase letters): UTF-8 lines `key = value`, '#' comments, blank lines
 * ignored; key and value are trimmed; "\n" in a value is a newline and
 * "\\" a backslash. dir/es must exist (it is the fallback). NULL on error
 * (missing es, a line without '=', a bad or duplicate key, bad UTF-8) with
 * "file:line: what" lines appended to err. Immutable after load and safe
 * to share across threads. */
struct i18n *i18n_load(const char *dir, struct buf *err);
void i18n_free(struct i18n *msgs);

/* The message for key in lang, falling back to Spanish, then to the key.
 * msgs and lang may be NULL. The result is owned by msgs (or is key itself)
 * and lives as long as they do. One hash and, usually, one compare. */
const char *i18n_get(const struct i18n *msgs, const char *lang, const char *key);

/* True if lang has a catalogue ("es", "en"). */
int i18n_has_lang(const struct i18n *msgs, const char *lang);

/* Check that every {{@key}} used by the set exists in every catalogue and
 * that every catalogue has the same keys. Returns 0, or -1 with the
 * problems appended to err (one per line). */
int tmpl_check_messages(const struct tmpl_set *set, const struct i18n *msgs, struct buf *err);

#endif
