/*
 * ops.c - /healthz and /metrics: what an operator's tools poll.
 */
#include "buf.h"
#include "db.h"
#include "http.h"
#include "metrics.h"
#include "routes.h"

int ops_healthz(struct req *r)
{
	sqlite3_stmt *st = db_stmt(r->db, "SELECT count(*) FROM sqlite_schema");
	int ok = st && sqlite3_step(st) == SQLITE_ROW;

	if (st)
		sqlite3_reset(st);
	r->api = true;
	if (!ok)
		return http_json(r, 503, json_pack("{s:s}", "status", "database unavailable"));
	return http_json(r, 200, json_pack("{s:s, s:s, s:i}", "status", "ok", "version",
					   OFICIO_VERSION, "schema", db_schema_version(r->db)));
}

int ops_metrics(struct req *r)
{
	buf_reset(&r->out);
	metrics_render(&r->out, r->db, g_server->cfg.db_path);
	r->content_type = "text/plain; version=0.0.4; charset=utf-8";
	return 200;
}
