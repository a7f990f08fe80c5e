/*
 * metrics.c - Prometheus counters and latency histograms.
 *
 * Invariants: every counter is a relaxed atomic (exact totals, no
 * ordering needed); the label set is bounded (route patterns from the
 * route table, status codes 100..599), so /metrics cannot be blown up by
 * clients inventing paths.
 */
#include "metrics.h"

#include "buf.h"
#include "db.h"
#include "http.h"

#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_ROUTES 160
#define NBUCKETS 12

static const double bucket_s[NBUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
					  0.05, 0.1, 0.25, 0.5, 1, 2.5};

struct route_stats {
	_Atomic unsigned long long status[500];       /* index status - 100 */
	_Atomic unsigned long long bucket[NBUCKETS];  /* cumulative at render */
	_Atomic unsigned long long count;
	_Atomic unsigned long long sum_us;
};

static struct route_stats stats[MAX_ROUTES + 1];
static _Atomic unsigned long long logins_ok, logins_failed, searches,
	searches_zero, saves, checkpoints, shared[2];

void metrics_request(int route, int status, uint64_t us)
{
	struct route_stats *s;

	if (route < 0 || route > MAX_ROUTES)
		route = MAX_ROUTES;
	s = &stats[route];
	if (status >= 100 && status <= 599)
		atomic_fetch_add_explicit(&s->status[status - 100], 1, memory_order_relaxed);
	for (int i = 0; i < NBUCKETS; i++) {
		if ((double)us <= bucket_s[i] * 1e6) {
			atomic_fetch_add_explicit(&s->bucket[i], 1, memory_order_relaxed);
			break;
		}
	}
	atomic_fetch_add_explicit(&s->count, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->sum_us, us, memory_order_relaxed);
}

void metrics_login(bool ok)
{
	atomic_fetch_add_explicit(ok ? &logins_ok : &logins_failed, 1, memory_order_relaxed);
}

void metrics_search(bool zero_hits)
{
	atomic_fetch_add_explicit(&searches, 1, memory_order_relaxed);
	if (zero_hits)
		atomic_fetch_add_explicit(&searches_zero, 1, memory_order_relaxed);
}

void metrics_save(void)
{
	atomic_fetch_add_explicit(&saves, 1, memory_order_relaxed);
}

void metrics_checkpoint(void)
{
	atomic_fetch_add_explicit(&checkpoints, 1, memory_order_relaxed);
}

void metrics_shared(bool other)
{
	atomic_fetch_add_explicit(&shared[other], 1, memory_order_relaxed);
}

static const char *route_label(int i)
{
	if (i < (int)g_server->nroutes && i < MAX_ROUTES)
		return g_server->routes[i].pattern;
	return "none";
}

static long long count_of(struct db *db, const char *sql)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	long long n = 0;

	if (st && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	if (st)
		sqlite3_reset(st);
	return n;
}

static long long file_size(const char *path, const char *suffix)
{
	struct buf p = BUF_INIT;
	struct stat sb;
	long long n = 0;

	buf_printf(&p, "%s%s", path, suffix);
	if (stat(p.data, &sb) == 0)
		n = (long long)sb.st_size;
	buf_free(&p);
	return n;
}

void metrics_render(struct buf *out, struct db *db, const char *db_path)
{
	int nroutes = (int)g_server->nroutes;

	if (nroutes > MAX_ROUTES)
		nroutes = MAX_ROUTES;
	buf_puts(out, "# HELP oficio_http_requests_total HTTP requests answered, by route and status.\n"
		      "# TYPE oficio_http_requests_total counter\n");
	for (int i = 0; i <= MAX_ROUTES; i++) {
		if (i >= nroutes && i != MAX_ROUTES)
			continue;
		for (int st = 0; st < 500; st++) {
			unsigned long long v = atomic_load_explicit(&stats[i].status[st], memory_order_relaxed);
			if (v)
				buf_printf(out, "oficio_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
					   route_label(i), st + 100, v);
		}
	}
	buf_puts(out, "# HELP oficio_http_request_duration_seconds Time to answer a request, by route.\n"
		      "# TYPE oficio_http_request_duration_seconds histogram\n");
	for (int i = 0; i <= MAX_ROUTES; i++) {
		unsigned long long cum = 0, count;
		if (i >= nroutes && i != MAX_ROUTES)
			continue;
		count = atomic_load_explicit(&stats[i].count, memory_order_relaxed);
		if (!count)
			continue;
		for (int b = 0; b < NBUCKETS; b++) {
			cum += atomic_load_explicit(&stats[i].bucket[b], memory_order_relaxed);
			buf_printf(out, "oficio_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
				   route_label(i), bucket_s[b], cum);
		}
		buf_printf(out, "oficio_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
			   route_label(i), count);
		buf_printf(out, "oficio_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n",
			   route_label(i),
			   (double)atomic_load_explicit(&stats[i].sum_us, memory_order_relaxed) / 1e6);
		buf_printf(out, "oficio_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
			   route_label(i), count);
	}
	buf_printf(out,
		   "# HELP oficio_logins_total Login attempts by result.\n"
		   "# TYPE oficio_logins_total counter\n"
		   "oficio_logins_total{result=\"ok\"} %llu\n"
		   "oficio_logins_total{result=\"failed\"} %llu\n"
		   "# HELP oficio_searches_total Searches run.\n"
		   "# TYPE oficio_searches_total counter\n"
		   "oficio_searches_total %llu\n"
		   "# HELP oficio_searches_zero_hits_total Searches that found nothing.\n"
		   "# TYPE oficio_searches_zero_hits_total counter\n"
		   "oficio_searches_zero_hits_total %llu\n"
		   "# HELP oficio_saves_total Page revisions saved.\n"
		   "# TYPE oficio_saves_total counter\n"
		   "oficio_saves_total %llu\n"
		   "# HELP oficio_wal_checkpoints_total WAL checkpoints run by the checkpoint thread.\n"
		   "# TYPE oficio_wal_checkpoints_total counter\n"
		   "oficio_wal_checkpoints_total %llu\n",
		   (unsigned long long)logins_ok, (unsigned long long)logins_failed,
		   (unsigned long long)searches, (unsigned long long)searches_zero,
		   (unsigned long long)saves, (unsigned long long)checkpoints);
	if (http_loops() > 0) {
		buf_puts(out, "# HELP oficio_loop_connections Open connections on each event loop.\n"
			      "# TYPE oficio_loop_connections gauge\n");
		for (int i = 0; i < http_loops(); i++)
			buf_printf(out, "oficio_loop_connections{loop=\"%d\"} %d\n", i,
				   http_loop_connections(i));
	}
	buf_printf(out,
		   "# HELP oficio_shared_requests_total Searches taken from the loops' shared queue"
		   " (not in the cache of the loop that read them), by the loop that ran them: the"
		   " request's own or another.\n"
		   "# TYPE oficio_shared_requests_total counter\n"
		   "oficio_shared_requests_total{ran_on=\"own\"} %llu\n"
		   "oficio_shared_requests_total{ran_on=\"other\"} %llu\n",
		   (unsigned long long)shared[0], (unsigned long long)shared[1]);
	buf_printf(out,
		   "# HELP oficio_database_bytes Size of the database file.\n"
		   "# TYPE oficio_database_bytes gauge\n"
		   "oficio_database_bytes %lld\n"
		   "# HELP oficio_wal_bytes Size of the write-ahead log.\n"
		   "# TYPE oficio_wal_bytes gauge\n"
		   "oficio_wal_bytes %lld\n",
		   file_size(db_path, ""), file_size(db_path, "-wal"));
	buf_printf(out,
		   "# HELP oficio_pages Pages by status.\n"
		   "# TYPE oficio_pages gauge\n"
		   "oficio_pages{status=\"published\"} %lld\n"
		   "oficio_pages{status=\"draft\"} %lld\n"
		   "oficio_pages{status=\"in_review\"} %lld\n"
		   "oficio_pages{status=\"archived\"} %lld\n"
		   "# HELP oficio_users Active user accounts.\n"
		   "# TYPE oficio_users gauge\n"
		   "oficio_users %lld\n",
		   count_of(db, "SELECT count(*) FROM pages WHERE status = 'published'"),
		   count_of(db, "SELECT count(*) FROM pages WHERE status = 'draft'"),
		   count_of(db, "SELECT count(*) FROM pages WHERE status = 'in_review'"),
		   count_of(db, "SELECT count(*) FROM pages WHERE status = 'archived'"),
		   count_of(db, "SELECT count(*) FROM users WHERE active = 1"));
}
