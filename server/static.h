/*
 * static.h - the files of static/, loaded into memory at start with an
 * ETag and a gzip copy, served from memory.
 */
#ifndef OFICIO_STATIC_H
#define OFICIO_STATIC_H

struct buf;
struct req;

/* Load every regular file under dir (recursively). 0 or -1 with err. */
int static_load(const char *dir, struct buf *err);
void static_free(void);

/* Handler for GET /static/{*}. */
int static_serve(struct req *r);

#endif
