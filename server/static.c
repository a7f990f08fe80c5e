/*
 * static.c - static files from memory.
 *
 * Files are read once at start; each gets a strong ETag (BLAKE2b of the
 * bytes, so it changes exactly when the content does) and, for text, a
 * gzip copy made once. URLs carry no version, so caching is "revalidate
 * with ETag" (304s are cheap) rather than immutable.
 */
#include "static.h"

#include "buf.h"
#include "http.h"

#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

struct sfile {
	char *path;        /* relative to static/, e.g. "oficio.css" */
	char *data;
	size_t len;
	char *gz;          /* NULL when not worth it */
	size_t gzlen;
	char etag[40];
	const char *type;
};

static struct sfile *files;
static size_t nfiles;

static const char *type_of(const char *path)
{
	const char *dot = strrchr(path, '.');
	static const char *const map[][2] = {
		{".css", "text/css; charset=utf-8"},
		{".js", "text/javascript; charset=utf-8"},
		{".svg", "image/svg+xml"},
		{".png", "image/png"},
		{".ico", "image/x-icon"},
		{".woff2", "font/woff2"},
		{".txt", "text/plain; charset=utf-8"},
		{".json", "application/json"},
		{".webmanifest", "application/manifest+json"},
	};

	if (dot)
		for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if (strcmp(dot, map[i][0]) == 0)
				return map[i][1];
	return "application/octet-stream";
}

static void gzip_copy(struct sfile *f)
{
	uLongf cap;
	z_stream z;

	if (strncmp(f->type, "text/", 5) != 0 && strcmp(f->type, "image/svg+xml") != 0)
		return;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
		return;
	cap = deflateBound(&z, f->len);
	f->gz = xmalloc(cap);
	z.next_in = (Bytef *)f->data;
	z.avail_in = (uInt)f->len;
	z.next_out = (Bytef *)f->gz;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END || z.total_out >= f->len) {
		free(f->gz);
		f->gz = NULL;
	} else {
		f->gzlen = z.total_out;
	}
	deflateEnd(&z);
}

static int load_dir(const char *root, const char *rel, struct buf *err)
{
	struct buf path = BUF_INIT;
	DIR *d;
	struct dirent *e;
	int rc = 0;

	buf_printf(&path, "%s%s%s", root, *rel ? "/" : "", rel);
	d = opendir(path.data);
	if (!d) {
		buf_printf(err, "cannot open %s", path.data);
		buf_free(&path);
		return -1;
	}
	while (rc == 0 && (e = readdir(d))) {
		struct buf full = BUF_INIT, name = BUF_INIT;
		struct stat sb;

		if (e->d_name[0] == '.')
			continue;
		buf_printf(&name, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		buf_printf(&full, "%s/%s", root, name.data);
		if (stat(full.data, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			rc = load_dir(root, name.data, err);
		} else if (S_ISREG(sb.st_mode)) {
			FILE *f = fopen(full.data, "rb");
			struct sfile *sf;
			unsigned char h[16];
			if (!f) {
				buf_printf(err, "cannot read %s", full.data);
				rc = -1;
			} else {
				files = xrealloc(files, sizeof(*files) * (nfiles + 1));
				sf = &files[nfiles++];
				memset(sf, 0, sizeof(*sf));
				sf->path = buf_detach(&name);
				sf->len = (size_t)sb.st_size;
				sf->data = xmalloc(sf->len + 1);
				if (fread(sf->data, 1, sf->len, f) != sf->len) {
					buf_printf(err, "cannot read %s", full.data);
					rc = -1;
				}
				fclose(f);
				sf->type = type_of(sf->path);
				crypto_generichash(h, sizeof(h), (unsigned char *)sf->data,
						   sf->len, NULL, 0);
				sf->etag[0] = '"';
				sodium_bin2hex(sf->etag + 1, 33, h, sizeof(h));
				sf->etag[33] = '"';
				sf->etag[34] = '\0';
				gzip_copy(sf);
			}
		}
		buf_free(&full);
		buf_free(&name);
	}
	closedir(d);
	buf_free(&path);
	return rc;
}

int static_load(const char *dir, struct buf *err)
{
	return load_dir(dir, "", err);
}

void static_free(void)
{
	for (size_t i = 0; i < nfiles; i++) {
		free(files[i].path);
		free(files[i].data);
		free(files[i].gz);
	}
	free(files);
	files = NULL;
	nfiles = 0;
}

int static_serve(struct req *r)
{
	const char *p = http_arg(r, 0);
	const char *inm, *ae;

	for (size_t i = 0; p && i < nfiles; i++) {
		struct sfile *f = &files[i];
		if (strcmp(f->path, p) != 0)
			continue;
		http_set_header(r, "ETag", f->etag);
		http_set_header(r, "Cache-Control", "public, max-age=3600, must-revalidate");
		if (f->gz)
			http_set_header(r, "Vary", "Accept-Encoding");
		inm = http_header(r, "If-None-Match");
		if (inm && strcmp(inm, f->etag) == 0)
			return http_bytes(r, 304, NULL, "", 0);
		ae = http_header(r, "Accept-Encoding");
		if (f->gz && ae && strstr(ae, "gzip")) {
			http_set_header(r, "Content-Encoding", "gzip");
			return http_bytes(r, 200, f->type, f->gz, f->gzlen);
		}
		return http_bytes(r, 200, f->type, f->data, f->len);
	}
	return http_error(r, 404, "not_found", "err.not_found");
}
