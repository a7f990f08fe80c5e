/*
 * files_sniff.c - the pure half of files.h: deciding a file's type from
 * its bytes, the names it is stored and downloaded under, its hash.
 *
 * Kept apart from files.c (store and handlers) so that the parsers here
 * link without the HTTP server: the fuzz target (tests/fuzz/fuzz_sniff.c)
 * and the unit tests need only this file, text.c, buf.c and libsodium.
 *
 * The zip reader looks only at the End of Central Directory record, the
 * central directory and the stored "mimetype" entry of ODF files, every
 * offset checked against the input's length; it never inflates anything,
 * so a zip bomb costs nothing here.
 */
#include "files.h"

#include "buf.h"
#include "text.h"

#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- sniffing ---- */

static const char MIME_TEXT[] = "text/plain; charset=utf-8";
static const char MIME_CSV[] = "text/csv; charset=utf-8";
static const char MIME_DOCX[] =
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document";
static const char MIME_XLSX[] =
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
static const char MIME_PPTX[] =
	"application/vnd.openxmlformats-officedocument.presentationml.presentation";

/* The ODF types accepted, with their extensions. text-web (an HTML
 * template) is left out on purpose. */
static const struct {
	const char *mime;
	const char *ext;
} odf[] = {
	{"application/vnd.oasis.opendocument.text", "odt"},
	{"application/vnd.oasis.opendocument.text-template", "ott"},
	{"application/vnd.oasis.opendocument.text-master", "odm"},
	{"application/vnd.oasis.opendocument.spreadsheet", "ods"},
	{"application/vnd.oasis.opendocument.spreadsheet-template", "ots"},
	{"application/vnd.oasis.opendocument.presentation", "odp"},
	{"application/vnd.oasis.opendocument.presentation-template", "otp"},
	{"application/vnd.oasis.opendocument.graphics", "odg"},
	{"application/vnd.oasis.opendocument.graphics-template", "otg"},
	{"application/vnd.oasis.opendocument.chart", "odc"},
	{"application/vnd.oasis.opendocument.formula", "odf"},
	{"application/vnd.oasis.opendocument.image", "odi"},
	{"application/vnd.oasis.opendocument.database", "odb"},
};
#define NODF (sizeof(odf) / sizeof(odf[0]))

static unsigned rd16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* ASCII case-insensitive "name ends with suffix". */
static bool ends_with(const char *name, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && strncasecmp(name + n - k, suffix, k) == 0;
}

/* The type of an ODF or OOXML zip, or NULL. Reads the End of Central
 * Directory record and walks the central directory, every offset checked
 * against n. Zip64 archives are refused (no office document under the
 * upload cap needs one). */
static const char *sniff_zip(const unsigned char *p, size_t n)
{
	size_t eocd = 0, off, end;
	unsigned count;
	bool found = false, types = false, word = false, xl = false, ppt = false;
	const char *odf_mime = NULL;

	if (n < 22)
		return NULL;
	/* The record is 22 bytes plus a comment of at most 65535. */
	for (size_t i = n - 22;; i--) {
		if (p[i] == 'P' && p[i + 1] == 'K' && p[i + 2] == 5 && p[i + 3] == 6) {
			eocd = i;
			found = true;
			break;
		}
		if (i == 0 || n - i >= 22 + 65535)
			break;
	}
	if (!found)
		return NULL;
	count = rd16(p + eocd + 10);
	off = rd32(p + eocd + 16);
	end = off + (size_t)rd32(p + eocd + 12);
	if (count == 0xffff || rd32(p + eocd + 16) == 0xffffffffu || end > eocd || off > end)
		return NULL;
	for (unsigned k = 0; k < count; k++) {
		const unsigned char *h = p + off;
		size_t nl, el, cl, lo;
		const char *name;

		if (off + 46 > end || rd32(h) != 0x02014b50)
			return NULL;
		nl = rd16(h + 28);
		el = rd16(h + 30);
		cl = rd16(h + 32);
		if (off + 46 + nl + el + cl > end)
			return NULL;
		name = (const char *)h + 46;
		if (nl == 19 && memcmp(name, "[Content_Types].xml", 19) == 0)
			types = true;
		else if (nl > 5 && memcmp(name, "word/", 5) == 0)
			word = true;
		else if (nl > 3 && memcmp(name, "xl/", 3) == 0)
			xl = true;
		else if (nl > 4 && memcmp(name, "ppt/", 4) == 0)
			ppt = true;
		if (ends_with(name, nl, "vbaProject.bin"))
			return NULL; /* macros: not on the list */
		if (nl == 8 && memcmp(name, "mimetype", 8) == 0) {
			/* ODF: a stored (method 0) entry whose bytes are the type. */
			size_t size = rd32(h + 20), lnl, lel, data;
			lo = rd32(h + 42);
			if (rd16(h + 10) != 0 || size == 0 || size > 80 || lo + 30 > n ||
			    rd32(p + lo) != 0x04034b50)
				return NULL;
			lnl = rd16(p + lo + 26);
			lel = rd16(p + lo + 28);
			data = lo + 30 + lnl + lel;
			if (data + size > n)
				return NULL;
			for (size_t i = 0; i < NODF; i++)
				if (strlen(odf[i].mime) == size &&
				    memcmp(p + data, odf[i].mime, size) == 0)
					odf_mime = odf[i].mime;
			if (!odf_mime)
				return NULL;
		}
		off += 46 + nl + el + cl;
	}
	if (odf_mime)
		return odf_mime;
	if (!types)
		return NULL;
	if (word + xl + ppt != 1)
		return NULL;
	return word ? MIME_DOCX : xl ? MIME_XLSX : MIME_PPTX;
}

/* Does text look like markup a browser would run (HTML, SVG, XML)? */
static bool looks_like_markup(const char *s, size_t n)
{
	static const char *const tags[] = {"<html", "<!doctype", "<svg", "<script",
					   "<body", "<head", "<iframe", "<?xml"};
	size_t i = 0, scan;

	if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n' ||
			 s[i] == '\f'))
		i++;
	if (i < n && s[i] == '<')
		return true;
	scan = n < 1024 ? n : 1024;
	for (size_t j = 0; j < scan; j++) {
		if (s[j] != '<')
			continue;
		for (size_t t = 0; t < sizeof(tags) / sizeof(tags[0]); t++) {
			size_t k = strlen(tags[t]);
			if (j + k <= n && strncasecmp(s + j, tags[t], k) == 0)
				return true;
		}
	}
	return false;
}

const char *files_sniff(const void *data, size_t n, const char *filename)
{
	const unsigned char *p = data;

	if (!p || n == 0)
		return NULL;
	if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return "image/jpeg";
	if (n >= 6 && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0))
		return "image/gif";
	if (n >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
		return "image/webp";
	if (n >= 5 && memcmp(p, "%PDF-", 5) == 0)
		return "application/pdf";
	if (n >= 4 && memcmp(p, "PK\x03\x04", 4) == 0)
		return sniff_zip(p, n);
	if (text_utf8_valid(data, n) && !looks_like_markup(data, n)) {
		if (filename && ends_with(filename, strlen(filename), ".csv"))
			return MIME_CSV;
		return MIME_TEXT;
	}
	return NULL;
}

const char *files_ext(const char *mime)
{
	static const struct {
		const char *mime, *ext;
	} map[] = {
		{"image/png", "png"},       {"image/jpeg", "jpg"}, {"image/gif", "gif"},
		{"image/webp", "webp"},     {"application/pdf", "pdf"},
		{MIME_TEXT, "txt"},         {MIME_CSV, "csv"},     {MIME_DOCX, "docx"},
		{MIME_XLSX, "xlsx"},        {MIME_PPTX, "pptx"},
	};

	if (!mime)
		return "bin";
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(mime, map[i].mime) == 0)
			return map[i].ext;
	for (size_t i = 0; i < NODF; i++)
		if (strcmp(mime, odf[i].mime) == 0)
			return odf[i].ext;
	return "bin";
}

bool files_name_mismatch(const char *filename, const char *mime)
{
	const char *dot;
	static const struct {
		const char *ext, *mime; /* mime prefix the extension promises */
	} claims[] = {
		{"png", "image/png"},   {"jpg", "image/jpeg"},  {"jpeg", "image/jpeg"},
		{"jpe", "image/jpeg"},  {"gif", "image/gif"},   {"webp", "image/webp"},
		{"pdf", "application/pdf"},
		{"txt", "text/"},       {"csv", "text/"},
		{"docx", MIME_DOCX},    {"xlsx", MIME_XLSX},    {"pptx", MIME_PPTX},
		{"odt", "application/vnd.oasis.opendocument."},
		{"ods", "application/vnd.oasis.opendocument."},
		{"odp", "application/vnd.oasis.opendocument."},
		{"odg", "application/vnd.oasis.opendocument."},
		/* Names that promise something a browser would run. */
		{"svg", "-"}, {"svgz", "-"}, {"html", "-"}, {"htm", "-"}, {"xhtml", "-"},
		{"shtml", "-"}, {"xml", "-"}, {"js", "-"}, {"mjs", "-"},
	};

	if (!filename || !mime || !(dot = strrchr(filename, '.')))
		return false;
	dot++;
	for (size_t i = 0; i < sizeof(claims) / sizeof(claims[0]); i++)
		if (strcasecmp(dot, claims[i].ext) == 0)
			return strncmp(mime, claims[i].mime, strlen(claims[i].mime)) != 0;
	return false;
}

bool files_is_image(const char *mime)
{
	return mime && strncmp(mime, "image/", 6) == 0;
}

void files_hash(const void *data, size_t n, char out[FILES_HASH_HEX + 1])
{
	unsigned char h[32];

	crypto_generichash(h, sizeof(h), data, n, NULL, 0);
	sodium_bin2hex(out, FILES_HASH_HEX + 1, h, sizeof(h));
}

bool files_hash_valid(const char *s)
{
	size_t i;

	if (!s)
		return false;
	for (i = 0; i < FILES_HASH_HEX; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[i] == '\0';
}

char *files_clean_name(const char *name, size_t n, const char *mime)
{
	struct buf b = BUF_INIT;
	size_t i = 0, start = 0;

	for (size_t k = 0; name && k < n; k++)
		if (name[k] == '/' || name[k] == '\\')
			start = k + 1;
	i = start;
	while (name && i < n) {
		size_t at = i;
		uint32_t c = text_utf8_next(name, n, &i);
		/* Controls, quotes, U+FFFD (bad bytes), bidi overrides. */
		if (c < 0x20 || c == 0x7f || c == '"' || c == 0xfffd ||
		    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069))
			continue;
		/* No hidden files on download: no leading dots or blanks. */
		if (b.len == 0 && (c == '.' || c == ' '))
			continue;
		if (b.len + (i - at) > FILES_NAME_MAX)
			break;
		buf_append(&b, name + at, i - at);
	}
	while (b.len && (b.data[b.len - 1] == ' ' || b.data[b.len - 1] == '.'))
		buf_truncate(&b, b.len - 1);
	if (b.len == 0)
		buf_printf(&b, "file.%s", files_ext(mime));
	return buf_detach(&b);
}

const char *files_known_type(const char *mime)
{
	static const char *const known[] = {
		"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf",
		MIME_TEXT, MIME_CSV, MIME_DOCX, MIME_XLSX, MIME_PPTX,
	};

	if (!mime)
		return NULL;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(mime, known[i]) == 0)
			return known[i];
	for (size_t i = 0; i < NODF; i++)
		if (strcmp(mime, odf[i].mime) == 0)
			return odf[i].mime;
	return NULL;
}
