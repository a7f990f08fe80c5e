/*
 * test_files.c - files.c: type sniffing from magic bytes (and the zip
 * central directory of office documents), name/content mismatch, stored
 * file names, the BLAKE2b-256 hash.
 *
 * Refusals matter as much as acceptances: markup (HTML, SVG, XML) must
 * never pass as text or as an image, macros never as a document, and a
 * truncated or lying zip never as anything.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "files.h"

#include <sodium.h>

#define MIME_TEXT "text/plain; charset=utf-8"
#define MIME_CSV "text/csv; charset=utf-8"
#define MIME_DOCX "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#define MIME_XLSX "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#define MIME_PPTX "application/vnd.openxmlformats-officedocument.presentationml.presentation"
#define MIME_ODT "application/vnd.oasis.opendocument.text"
#define MIME_ODS "application/vnd.oasis.opendocument.spreadsheet"

static const char *sniff(const char *s, size_t n, const char *name)
{
	return files_sniff(s, n, name);
}

#define SNIFF(lit, name) sniff(lit, sizeof(lit) - 1, name)

static void expect(const char *got, const char *want)
{
	if (!want) {
		if (got)
			fail_msg("accepted as %s", got);
		return;
	}
	if (!got)
		fail_msg("refused, expected %s", want);
	assert_string_equal(got, want);
}

/* ---- a minimal zip writer: stored entries, CRCs left 0 (not checked) ---- */

struct zent {
	const char *name;
	const char *data;
	int method; /* 0 stored; 8 claims deflate (bytes stay as given) */
};

static void le16(struct buf *b, unsigned v)
{
	buf_putc(b, (char)(v & 0xff));
	buf_putc(b, (char)(v >> 8));
}

static void le32(struct buf *b, uint32_t v)
{
	le16(b, v & 0xffff);
	le16(b, v >> 16);
}

static void zip(struct buf *b, const struct zent *e, size_t n, const char *comment)
{
	size_t offs[16], cd;

	assert_true(n <= 16);
	for (size_t i = 0; i < n; i++) {
		size_t nl = strlen(e[i].name), dl = strlen(e[i].data);
		offs[i] = b->len;
		buf_append(b, "PK\x03\x04", 4);
		le16(b, 20);
		le16(b, 0);
		le16(b, (unsigned)e[i].method);
		le32(b, 0);
		le32(b, 0);
		le32(b, (uint32_t)dl);
		le32(b, (uint32_t)dl);
		le16(b, (unsigned)nl);
		le16(b, 0);
		buf_append(b, e[i].name, nl);
		buf_append(b, e[i].data, dl);
	}
	cd = b->len;
	for (size_t i = 0; i < n; i++) {
		size_t nl = strlen(e[i].name), dl = strlen(e[i].data);
		buf_append(b, "PK\x01\x02", 4);
		le16(b, 20);
		le16(b, 20);
		le16(b, 0);
		le16(b, (unsigned)e[i].method);
		le32(b, 0);
		le32(b, 0);
		le32(b, (uint32_t)dl);
		le32(b, (uint32_t)dl);
		le16(b, (unsigned)nl);
		le16(b, 0);
		le16(b, 0);
		le16(b, 0);
		le16(b, 0);
		le32(b, 0);
		le32(b, (uint32_t)offs[i]);
		buf_append(b, e[i].name, nl);
	}
	buf_append(b, "PK\x05\x06", 4);
	le16(b, 0);
	le16(b, 0);
	le16(b, (unsigned)n);
	le16(b, (unsigned)n);
	le32(b, (uint32_t)(b->len - cd - 12)); /* the central directory's size */
	le32(b, (uint32_t)cd);
	le16(b, comment ? (unsigned)strlen(comment) : 0);
	if (comment)
		buf_puts(b, comment);
}

static const char *zsniff(const struct zent *e, size_t n, const char *comment)
{
	static struct buf b = BUF_INIT;

	buf_reset(&b);
	zip(&b, e, n, comment);
	return files_sniff(b.data, b.len, NULL);
}

static void test_images_and_pdf(void **state)
{
	(void)state;
	expect(SNIFF("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "a.png"), "image/png");
	expect(SNIFF("\xff\xd8\xff\xe0\0\x10JFIF", NULL), "image/jpeg");
	expect(SNIFF("GIF87a\1\0\1\0", NULL), "image/gif");
	expect(SNIFF("GIF89a\1\0\1\0", NULL), "image/gif");
	expect(SNIFF("RIFF\x1a\0\0\0WEBPVP8 ", NULL), "image/webp");
	expect(SNIFF("%PDF-1.7\n%%EOF\n", NULL), "application/pdf");
	/* Truncated or near-miss signatures are not images. */
	expect(SNIFF("\x89PN", NULL), NULL);
	expect(SNIFF("\xff\xd8", NULL), NULL);
	expect(SNIFF("RIFF\x1a\0\0\0WAVEfmt ", NULL), NULL);
	expect(SNIFF("GIF88a", NULL), "text/plain; charset=utf-8"); /* just text */
}

static void test_text(void **state)
{
	(void)state;
	expect(SNIFF("hola, mundo\n", "notas.txt"), MIME_TEXT);
	expect(SNIFF("año; €\r\n", NULL), MIME_TEXT);
	expect(SNIFF("\xEF\xBB\xBF" "con BOM\n", NULL), MIME_TEXT);
	expect(SNIFF("3 < 5 y 7 > 2\n", NULL), MIME_TEXT);
	expect(SNIFF("a;b\n1;2\n", "datos.csv"), MIME_CSV);
	expect(SNIFF("a;b\n1;2\n", "DATOS.CSV"), MIME_CSV);
	expect(SNIFF("a;b\n1;2\n", "datos.csv.txt"), MIME_TEXT);
	/* NUL, invalid UTF-8, overlong, empty: refused. */
	expect(sniff("a\0b", 3, NULL), NULL);
	expect(SNIFF("a\xf1o", NULL), NULL);
	expect(SNIFF("\xc0\xaf", NULL), NULL);
	expect(sniff("", 0, NULL), NULL);
	expect(files_sniff(NULL, 0, NULL), NULL);
}

static void test_markup_refused(void **state)
{
	(void)state;
	expect(SNIFF("<!DOCTYPE html><html></html>", "x.png"), NULL);
	expect(SNIFF("<html><script>alert(1)</script>", NULL), NULL);
	expect(SNIFF("  \r\n\t<p>hola</p>", NULL), NULL);
	expect(SNIFF("\xEF\xBB\xBF<html>", NULL), NULL);
	expect(SNIFF("<svg xmlns=\"http://www.w3.org/2000/svg\"/>", NULL), NULL);
	expect(SNIFF("<?xml version=\"1.0\"?><svg/>", NULL), NULL);
	expect(SNIFF("hola\n<SCRIPT>alert(1)</SCRIPT>", NULL), NULL);
	expect(SNIFF("texto y luego <!doctype html>", NULL), NULL);
	expect(SNIFF("texto <Svg onload=alert(1)>", NULL), NULL);
	expect(SNIFF("notas <iframe src=x>", NULL), NULL);
}

static void test_office(void **state)
{
	(void)state;
	{
		struct zent e[] = {{"[Content_Types].xml", "<Types/>", 0},
				   {"_rels/.rels", "<R/>", 0},
				   {"word/document.xml", "<w/>", 0}};
		expect(zsniff(e, 3, NULL), MIME_DOCX);
		expect(zsniff(e, 3, "un comentario"), MIME_DOCX);
	}
	{
		struct zent e[] = {{"[Content_Types].xml", "<Types/>", 0},
				   {"xl/workbook.xml", "<wb/>", 8}};
		expect(zsniff(e, 2, NULL), MIME_XLSX);
	}
	{
		struct zent e[] = {{"[Content_Types].xml", "<Types/>", 0},
				   {"ppt/presentation.xml", "<p/>", 8}};
		expect(zsniff(e, 2, NULL), MIME_PPTX);
	}
	{
		/* Macros. */
		struct zent e[] = {{"[Content_Types].xml", "<Types/>", 0},
				   {"word/document.xml", "<w/>", 0},
				   {"word/vbaProject.bin", "MZ", 0}};
		expect(zsniff(e, 3, NULL), NULL);
	}
	{
		/* Content types but no known part; two kinds at once. */
		struct zent a[] = {{"[Content_Types].xml", "<Types/>", 0}, {"x/y.xml", "", 0}};
		struct zent b[] = {{"[Content_Types].xml", "<Types/>", 0},
				   {"word/a.xml", "", 0}, {"xl/b.xml", "", 0}};
		expect(zsniff(a, 2, NULL), NULL);
		expect(zsniff(b, 3, NULL), NULL);
	}
	{
		struct zent e[] = {{"mimetype", MIME_ODT, 0}, {"content.xml", "<c/>", 8}};
		struct zent s[] = {{"mimetype", MIME_ODS, 0}, {"content.xml", "<c/>", 8}};
		struct zent late[] = {{"content.xml", "<c/>", 8}, {"mimetype", MIME_ODT, 0}};
		expect(zsniff(e, 2, NULL), MIME_ODT);
		expect(zsniff(s, 2, NULL), MIME_ODS);
		expect(zsniff(late, 2, NULL), MIME_ODT);
	}
	{
		/* ODF lies: an unknown or HTML-ish type, a compressed mimetype. */
		struct zent web[] = {{"mimetype", "application/vnd.oasis.opendocument.text-web", 0}};
		struct zent other[] = {{"mimetype", "text/html", 0}};
		struct zent deflated[] = {{"mimetype", MIME_ODT, 8}};
		expect(zsniff(web, 1, NULL), NULL);
		expect(zsniff(other, 1, NULL), NULL);
		expect(zsniff(deflated, 1, NULL), NULL);
	}
	{
		/* A plain zip. */
		struct zent e[] = {{"notas.txt", "hola", 0}};
		expect(zsniff(e, 1, NULL), NULL);
	}
}

static void test_broken_zips(void **state)
{
	struct buf b = BUF_INIT;
	struct zent e[] = {{"[Content_Types].xml", "<Types/>", 0}, {"word/document.xml", "<w/>", 0}};
	(void)state;

	expect(SNIFF("PK\x03\x04", NULL), NULL);
	zip(&b, e, 2, NULL);
	/* Every truncation of a valid docx is refused, and never read past. */
	for (size_t n = 0; n < b.len; n++) {
		char *copy = malloc(n ? n : 1);
		memcpy(copy, b.data, n);
		const char *m = files_sniff(copy, n, NULL);
		if (m && strcmp(m, MIME_DOCX) == 0)
			fail_msg("a docx cut at %zu bytes passed", n);
		free(copy);
	}
	/* A central directory offset past the end. */
	{
		size_t eocd = b.len - 22;
		b.data[eocd + 16] = (char)0xff;
		b.data[eocd + 17] = (char)0xff;
		expect(files_sniff(b.data, b.len, NULL), NULL);
	}
	/* Zip64 markers. */
	buf_reset(&b);
	zip(&b, e, 2, NULL);
	memset(b.data + b.len - 22 + 16, 0xff, 4);
	expect(files_sniff(b.data, b.len, NULL), NULL);
	buf_free(&b);
}

static void test_name_mismatch(void **state)
{
	(void)state;
	assert_false(files_name_mismatch("foto.png", "image/png"));
	assert_false(files_name_mismatch("foto.JPG", "image/jpeg"));
	assert_false(files_name_mismatch("foto.jpeg", "image/jpeg"));
	assert_false(files_name_mismatch("informe.pdf", "application/pdf"));
	assert_false(files_name_mismatch("datos.csv", MIME_CSV));
	assert_false(files_name_mismatch("notas.txt", MIME_TEXT));
	assert_false(files_name_mismatch("carta.docx", MIME_DOCX));
	assert_false(files_name_mismatch("carta.odt", MIME_ODT));
	assert_false(files_name_mismatch("README", MIME_TEXT));
	assert_false(files_name_mismatch("notas.md", MIME_TEXT));
	assert_false(files_name_mismatch(NULL, MIME_TEXT));
	assert_true(files_name_mismatch("foto.png", "application/pdf"));
	assert_true(files_name_mismatch("foto.png", MIME_TEXT));
	assert_true(files_name_mismatch("informe.pdf", MIME_TEXT));
	assert_true(files_name_mismatch("carta.docx", MIME_XLSX));
	assert_true(files_name_mismatch("dibujo.svg", "image/png"));
	assert_true(files_name_mismatch("pagina.html", MIME_TEXT));
	assert_true(files_name_mismatch("pagina.HTM", MIME_TEXT));
	assert_true(files_name_mismatch("codigo.js", MIME_TEXT));
}

static void clean(const char *in, const char *mime, const char *want)
{
	char *got = files_clean_name(in, in ? strlen(in) : 0, mime);
	assert_string_equal(got, want);
	free(got);
}

static void test_clean_name(void **state)
{
	char longname[400];
	char *got;
	(void)state;

	clean("foto.png", "image/png", "foto.png");
	clean("C:\\fakepath\\foto.png", "image/png", "foto.png");
	clean("../../etc/passwd", MIME_TEXT, "passwd");
	clean("..hidden.txt", MIME_TEXT, "hidden.txt");
	clean("  espacios.pdf  ", "application/pdf", "espacios.pdf");
	clean("con \"comillas\".pdf", "application/pdf", "con comillas.pdf");
	clean("tab\there\n.pdf", "application/pdf", "tabhere.pdf");
	clean("Política de devoluciones.pdf", "application/pdf", "Política de devoluciones.pdf");
	clean("evil\xe2\x80\xaegnp.exe", "image/png", "evilgnp.exe"); /* U+202E */
	clean("", "image/png", "file.png");
	clean(NULL, "application/pdf", "file.pdf");
	clean("dir/", MIME_CSV, "file.csv");
	clean("...", MIME_TEXT, "file.txt");
	/* 199 ASCII bytes then 'ñ' (2 bytes): cut before the ñ, at 199. */
	memset(longname, 'a', 199);
	strcpy(longname + 199, "\xc3\xb1zzzzz");
	got = files_clean_name(longname, strlen(longname), MIME_TEXT);
	assert_int_equal(strlen(got), 199);
	free(got);
	memset(longname, 'b', 300);
	longname[300] = '\0';
	got = files_clean_name(longname, 300, MIME_TEXT);
	assert_int_equal(strlen(got), FILES_NAME_MAX);
	free(got);
}

static void test_hash(void **state)
{
	char h[FILES_HASH_HEX + 1];
	(void)state;

	files_hash("", 0, h);
	assert_string_equal(h, "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
	files_hash("abc", 3, h);
	assert_string_equal(h, "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
	assert_true(files_hash_valid(h));
	h[0] = 'B';
	assert_false(files_hash_valid(h));
	assert_false(files_hash_valid("abc"));
	assert_false(files_hash_valid(NULL));
	assert_false(files_hash_valid(
		"bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d523190"));
	assert_false(files_hash_valid(
		"gddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319"));
}

static void test_ext_and_image(void **state)
{
	(void)state;
	assert_string_equal(files_ext("image/png"), "png");
	assert_string_equal(files_ext("image/jpeg"), "jpg");
	assert_string_equal(files_ext(MIME_TEXT), "txt");
	assert_string_equal(files_ext(MIME_CSV), "csv");
	assert_string_equal(files_ext(MIME_DOCX), "docx");
	assert_string_equal(files_ext(MIME_ODS), "ods");
	assert_string_equal(files_ext("application/x-unknown"), "bin");
	assert_string_equal(files_ext(NULL), "bin");
	assert_true(files_is_image("image/webp"));
	assert_false(files_is_image("application/pdf"));
	assert_false(files_is_image(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_images_and_pdf),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_markup_refused),
		cmocka_unit_test(test_office),
		cmocka_unit_test(test_broken_zips),
		cmocka_unit_test(test_name_mismatch),
		cmocka_unit_test(test_clean_name),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_ext_and_image),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
