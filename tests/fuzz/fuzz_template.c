/*
 * fuzz_template.c - libFuzzer target for the template parser and renderer.
 *
 * The input is split at NUL bytes into up to four templates named a, b, c
 * and d (so {{>b}} and partial cycles are reachable); each one that parses
 * is rendered against a fixed context holding every kind of JSON value,
 * in Spanish and English, with a small catalogue loaded once. A template
 * may fail to load or to render; it must never crash, leak or hang.
 */
#include "buf.h"
#include "template.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_TEMPLATES 4

static const char context[] =
    "{\"s\": \"<b>\\\"x\\\" & 'y'</b>\", \"e\": \"\", \"i\": 42, \"z\": 0,"
    " \"r\": 2.5, \"w\": 3.0, \"t\": true, \"f\": false, \"n\": null,"
    " \"o\": {\"s\": \"inner\", \"o\": {\"i\": 7}, \"a\": [1, 2]},"
    " \"a\": [{\"s\": \"one\", \"i\": 1}, {\"s\": \"two\", \"a\": []}, 3, \"four\"],"
    " \"aa\": [[1, 2], [], [[3]]], \"ea\": [], \"eo\": {},"
    " \"x\": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]}";

static json_t *ctx;
static struct i18n *msgs;

/* Write dir/name, or remove it when text is NULL. */
static void put_file(const char *dir, const char *name, const char *text)
{
	struct buf path = BUF_INIT;
	FILE *f;

	buf_printf(&path, "%s/%s", dir, name);
	if (text) {
		f = fopen(path.data, "wb");
		if (!f || fputs(text, f) < 0 || fclose(f) != 0)
			abort();
	} else {
		unlink(path.data);
	}
	buf_free(&path);
}

/* Build the context and catalogues once. Catalogues are read whole at
 * load, so their files can go right after. */
static void setup(void)
{
	char dir[] = "/tmp/oficio-fuzz-XXXXXX";
	struct buf err = BUF_INIT;

	ctx = json_loads(context, 0, NULL);
	if (!ctx || !mkdtemp(dir))
		abort();
	put_file(dir, "es", "k = <es>\nm = uno\\ndos\na.b = ab\n");
	put_file(dir, "en", "k = <en>\n");
	msgs = i18n_load(dir, &err);
	put_file(dir, "es", NULL);
	put_file(dir, "en", NULL);
	rmdir(dir);
	if (!msgs)
		abort();
	buf_free(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[MAX_TEMPLATES] = {"a", "b", "c", "d"};
	struct tmpl_source src[MAX_TEMPLATES];
	struct buf err = BUF_INIT, out = BUF_INIT;
	const char *p = (const char *)data, *end = p + size, *nul;
	struct tmpl_set *set;
	size_t n = 0, i;

	if (!ctx)
		setup();
	while (n < MAX_TEMPLATES) {
		nul = n + 1 < MAX_TEMPLATES && p < end ? memchr(p, '\0', (size_t)(end - p)) : NULL;
		src[n].name = names[n];
		src[n].path = NULL;
		src[n].text = p;
		src[n].len = nul ? (size_t)(nul - p) : (size_t)(end - p);
		n++;
		if (!nul)
			break;
		p = nul + 1;
	}
	set = tmpl_parse(src, n, &err);
	if (!set) {
		if (err.len == 0)
			abort(); /* a failed load must say why */
		buf_free(&err);
		return 0;
	}
	for (i = 0; i < n; i++) {
		tmpl_render(set, names[i], ctx, msgs, i % 2 ? "en" : "es", &out);
		buf_reset(&out);
	}
	tmpl_render(set, "a", NULL, NULL, NULL, &out);
	tmpl_free(set);
	buf_free(&out);
	buf_free(&err);
	return 0;
}
