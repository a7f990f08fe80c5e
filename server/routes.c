/*
 * routes.c - the route table: method, pattern, handler, flags, role.
 *
 * The router enforces the flags and the minimum role before a handler
 * runs, so no handler can forget a permission check; handlers still
 * decide finer rules (a staff member may edit her own draft only).
 * ROLE_ANON in the last column means "readers, or anyone with
 * --public-read". First match wins.
 */
#include "routes.h"

#include "checkpoint.h"
#include "db.h"
#include "files.h"
#include "http.h"
#include "lifecycle.h"
#include "onboarding.h"
#include "role.h"
#include "static.h"
#include "searchlog.h"
#include "views.h"

#include <stdio.h>

static const struct route table[] = {
	{M_GET, "/", page_home, 0, ROLE_ANON},
	{M_GET, "/search", search_page, 0, ROLE_ANON},
	{M_GET, "/browse", page_browse, 0, ROLE_ANON},
	{M_GET, "/p/{slug}", page_view, 0, ROLE_ANON},
	{M_GET, "/p/{slug}/edit", page_edit_form, 0, ROLE_STAFF},
	{M_POST, "/p/{slug}/edit", page_edit_save, 0, ROLE_STAFF},
	{M_GET, "/p/{slug}/history", page_history, 0, ROLE_ANON},
	{M_GET, "/p/{slug}/r/{n}", page_revision, 0, ROLE_ANON},
	{M_GET, "/p/{slug}/diff", page_diff, 0, ROLE_ANON},
	{M_POST, "/p/{slug}/restore", page_restore, 0, ROLE_EDITOR},
	{M_GET, "/new", page_new_form, 0, ROLE_STAFF},
	{M_POST, "/new", page_new_save, 0, ROLE_STAFF},
	{M_GET, "/me", me_page, 0, ROLE_READER},
	{M_POST, "/me", me_settings, 0, ROLE_READER},
	{M_GET, "/admin/users", admin_users, 0, ROLE_ADMIN},
	{M_POST, "/admin/users", admin_user_add, 0, ROLE_ADMIN},
	{M_POST, "/admin/users/{id}", admin_user_update, 0, ROLE_ADMIN},
	{M_GET, "/login", session_login_form, R_PUBLIC, ROLE_ANON},
	{M_POST, "/login", session_login, R_PUBLIC | R_NOCSRF, ROLE_ANON},
	{M_POST, "/logout", session_logout, R_PUBLIC, ROLE_ANON},
	{M_GET, "/setup", session_setup_form, R_PUBLIC, ROLE_ANON},
	{M_POST, "/setup", session_setup, R_PUBLIC | R_NOCSRF, ROLE_ANON},
	{M_GET, "/static/{*}", static_serve, R_PUBLIC, ROLE_ANON},
	{M_GET, "/healthz", ops_healthz, R_PUBLIC, ROLE_ANON},
	{M_GET, "/metrics", ops_metrics, 0, ROLE_ADMIN},

	{M_GET, "/api/v1/pages", api_pages_list, R_API, ROLE_ANON},
	{M_GET, "/api/v1/pages/{slug}", api_page_get, R_API, ROLE_ANON},
	{M_PUT, "/api/v1/pages/{slug}", api_page_put, R_API, ROLE_STAFF},
	{M_GET, "/api/v1/pages/{slug}/revisions", api_revisions, R_API, ROLE_ANON},
	{M_GET, "/api/v1/pages/{slug}/revisions/{n}", api_revision, R_API, ROLE_ANON},
	{M_GET, "/api/v1/search", api_search, R_API, ROLE_ANON},
	{M_GET, "/api/v1/suggest", api_suggest, R_API, ROLE_ANON},

	/* attachments (files.c) */
	{M_GET, "/files/{hash}", files_serve, 0, ROLE_ANON},
	{M_POST, "/p/{slug}/files", files_upload_form, R_UPLOAD, ROLE_STAFF},
	{M_GET, "/api/v1/pages/{slug}/attachments", files_list_api, R_API, ROLE_ANON},
	{M_POST, "/api/v1/pages/{slug}/attachments", files_upload_api,
	 R_API | R_UPLOAD | R_RAWBODY, ROLE_STAFF},

	/* lifecycle (issue 6) */
	{M_GET, "/review", review_page, 0, ROLE_EDITOR},
	{M_POST, "/p/{slug}/submit", review_submit, 0, ROLE_STAFF},
	{M_POST, "/p/{slug}/review", review_decide, 0, ROLE_EDITOR},
	{M_POST, "/p/{slug}/archive", review_archive, 0, ROLE_EDITOR},
	{M_POST, "/p/{slug}/unarchive", review_unarchive, 0, ROLE_EDITOR},
	{M_POST, "/p/{slug}/promote", review_promote, 0, ROLE_STAFF},
	{M_GET, "/p/{slug}/proposals/{n}", proposal_view, 0, ROLE_STAFF},
	{M_GET, "/p/{slug}/proposed", proposal_sent, 0, ROLE_STAFF},
	{M_POST, "/p/{slug}/proposals/{n}/accept", proposal_accept, 0, ROLE_EDITOR},
	{M_POST, "/p/{slug}/proposals/{n}/reject", proposal_reject, 0, ROLE_EDITOR},
	{M_POST, "/p/{slug}/verify", owners_verify, 0, ROLE_READER},
	{M_GET, "/p/{slug}/settings", owners_form, 0, ROLE_MANAGER},
	{M_POST, "/p/{slug}/settings", owners_save, 0, ROLE_MANAGER},
	{M_POST, "/p/{slug}/flag", flags_create, 0, ROLE_READER},
	{M_POST, "/flags/{id}/resolve", flags_resolve, 0, ROLE_READER},
	{M_POST, "/challenges/{id}/dismiss", challenges_dismiss, 0, ROLE_MANAGER},
	{M_POST, "/p/{slug}/follow", inbox_follow_page, 0, ROLE_READER},
	{M_POST, "/follow", inbox_follow_category, 0, ROLE_READER},
	{M_POST, "/me/seen", me_seen, 0, ROLE_READER},
	{M_POST, "/me/feed", me_feed, 0, ROLE_READER},
	{M_GET, "/feed.atom", feed_public, 0, ROLE_ANON},
	{M_GET, "/feed/{token}", feed_user, R_PUBLIC, ROLE_ANON},
	{M_GET, "/admin/audit", audit_page, 0, ROLE_ADMIN},
	{M_GET, "/admin/templates", admin_templates, 0, ROLE_MANAGER},
	{M_POST, "/admin/templates", admin_templates_save, 0, ROLE_MANAGER},
	{M_POST, "/api/v1/pages/{slug}/submit", review_submit, R_API, ROLE_STAFF},
	{M_POST, "/api/v1/pages/{slug}/review", review_decide, R_API, ROLE_EDITOR},
	{M_POST, "/api/v1/pages/{slug}/archive", review_archive, R_API, ROLE_EDITOR},
	{M_POST, "/api/v1/pages/{slug}/unarchive", review_unarchive, R_API, ROLE_EDITOR},
	{M_POST, "/api/v1/pages/{slug}/promote", review_promote, R_API, ROLE_STAFF},
	{M_GET, "/api/v1/pages/{slug}/proposals", proposal_api_list, R_API, ROLE_STAFF},
	{M_GET, "/api/v1/pages/{slug}/proposals/{n}", proposal_api_get, R_API, ROLE_STAFF},
	{M_POST, "/api/v1/pages/{slug}/proposals/{n}/accept", proposal_accept, R_API, ROLE_EDITOR},
	{M_POST, "/api/v1/pages/{slug}/proposals/{n}/reject", proposal_reject, R_API, ROLE_EDITOR},
	{M_POST, "/api/v1/pages/{slug}/verify", owners_verify, R_API, ROLE_READER},
	{M_POST, "/api/v1/pages/{slug}/settings", owners_save, R_API, ROLE_MANAGER},
	{M_GET, "/api/v1/pages/{slug}/flags", flags_api_list, R_API, ROLE_ANON},
	{M_POST, "/api/v1/pages/{slug}/flags", flags_create, R_API, ROLE_READER},
	{M_POST, "/api/v1/flags/{id}/resolve", flags_resolve, R_API, ROLE_READER},
	{M_GET, "/api/v1/pages/{slug}/challenges", challenges_api_list, R_API, ROLE_ANON},
	{M_POST, "/api/v1/challenges/{id}/dismiss", challenges_dismiss, R_API, ROLE_MANAGER},
	{M_GET, "/api/v1/pages/{slug}/events", review_events_api, R_API, ROLE_ANON},
	{M_GET, "/api/v1/review", review_api_queue, R_API, ROLE_EDITOR},
	{M_GET, "/api/v1/me/inbox", inbox_api, R_API, ROLE_READER},
	{M_POST, "/api/v1/me/inbox/seen", inbox_api_seen, R_API, ROLE_READER},
	{M_GET, "/api/v1/me/follows", inbox_api_follows, R_API, ROLE_READER},
	{M_POST, "/api/v1/me/follows", inbox_api_follow, R_API, ROLE_READER},
	{M_GET, "/api/v1/audit", audit_api, R_API, ROLE_ADMIN},

	/* onboarding and reports (issue 7) */
	{M_GET, "/paths", paths_page, 0, ROLE_READER},
	{M_POST, "/paths", paths_create, 0, ROLE_MANAGER},
	{M_GET, "/paths/{id}", path_page, 0, ROLE_READER},
	{M_POST, "/paths/{id}", path_update, 0, ROLE_MANAGER},
	{M_POST, "/paths/{id}/assign", path_assign, 0, ROLE_MANAGER},
	{M_POST, "/paths/{id}/unassign", path_unassign, 0, ROLE_MANAGER},
	{M_POST, "/p/{slug}/ack", acks_confirm, 0, ROLE_READER},
	{M_POST, "/p/{slug}/requires-ack", acks_require, 0, ROLE_MANAGER},
	{M_GET, "/p/{slug}/readers", acks_readers, 0, ROLE_MANAGER},
	{M_GET, "/reports", reports_index, 0, ROLE_MANAGER},
	{M_GET, "/reports/risk", reports_risk, 0, ROLE_MANAGER},
	{M_GET, "/reports/stale", reports_stale, 0, ROLE_MANAGER},
	{M_GET, "/reports/gaps", reports_gaps, 0, ROLE_MANAGER},
	{M_GET, "/reports/challenges", reports_challenges, 0, ROLE_MANAGER},
	{M_GET, "/reports/handover", handover_page, 0, ROLE_MANAGER},
	{M_POST, "/reports/handover/departure", handover_departure, 0, ROLE_MANAGER},
	{M_POST, "/reports/handover/reassign", handover_reassign, 0, ROLE_MANAGER},
	{M_POST, "/reports/handover/checklist", handover_checklist, 0, ROLE_MANAGER},
	{M_GET, "/api/v1/paths", paths_page, R_API, ROLE_READER},
	{M_POST, "/api/v1/paths", paths_create, R_API, ROLE_MANAGER},
	{M_GET, "/api/v1/paths/{id}", path_page, R_API, ROLE_READER},
	{M_POST, "/api/v1/paths/{id}", path_update, R_API, ROLE_MANAGER},
	{M_POST, "/api/v1/paths/{id}/assign", path_assign, R_API, ROLE_MANAGER},
	{M_POST, "/api/v1/paths/{id}/unassign", path_unassign, R_API, ROLE_MANAGER},
	{M_POST, "/api/v1/pages/{slug}/ack", acks_confirm, R_API, ROLE_READER},
	{M_POST, "/api/v1/pages/{slug}/requires-ack", acks_require, R_API, ROLE_MANAGER},
	{M_GET, "/api/v1/pages/{slug}/readers", acks_readers, R_API, ROLE_MANAGER},
	{M_GET, "/api/v1/reports/risk", reports_risk, R_API, ROLE_MANAGER},
	{M_GET, "/api/v1/reports/stale", reports_stale, R_API, ROLE_MANAGER},
	{M_GET, "/api/v1/reports/gaps", reports_gaps, R_API, ROLE_MANAGER},
	{M_GET, "/api/v1/reports/challenges", reports_challenges, R_API, ROLE_MANAGER},
	{M_GET, "/api/v1/reports/handover", handover_page, R_API, ROLE_MANAGER},
};

/* Each loop's connection, before its first request. */
static void worker_start(struct event_base *base, struct db *db, int id)
{
	checkpoint_attach(db_handle(db));
	views_worker_start(base, db, id);
}

void routes_install(struct server *srv)
{
	srv->routes = table;
	srv->nroutes = sizeof(table) / sizeof(table[0]);
	srv->nav_badges = lifecycle_nav_badges;
	srv->worker_start = worker_start;
	if (searchlog_start(srv->cfg.db_path) < 0)
		fprintf(stderr, "oficio: searches are logged only when the gaps report is viewed\n");
	if (checkpoint_start(srv->cfg.db_path, srv->cfg.upkeep_idle_s) < 0)
		fprintf(stderr, "oficio: saves checkpoint the WAL themselves\n");
}

void routes_shutdown(void)
{
	lifecycle_shutdown();
	views_shutdown();
	searchlog_stop();
	checkpoint_stop();
}
