/*
 * metrics.h - counters and histograms for /metrics (Prometheus text).
 *
 * Updates are lock-free atomics, so counting costs nanoseconds on the hot
 * path. Routes are counted by their pattern, never by the raw path, so the
 * label set stays bounded whatever clients send.
 */
#ifndef OFICIO_METRICS_H
#define OFICIO_METRICS_H

#include <stdbool.h>
#include <stdint.h>

struct buf;
struct db;

/* A request answered: route index in g_server->routes (nroutes for
 * "no route"), status, latency in microseconds. */
void metrics_request(int route, int status, uint64_t us);
/* Named events. */
void metrics_login(bool ok);
void metrics_search(bool zero_hits);
void metrics_save(void);
void metrics_checkpoint(void); /* one WAL checkpoint done (checkpoint.c) */
/* A request from the loops' shared queue run (http.c), by another loop
 * than its own or not. */
void metrics_shared(bool other);

/* Append the Prometheus exposition (including database figures read with
 * db) to out. */
void metrics_render(struct buf *out, struct db *db, const char *db_path);

#endif
