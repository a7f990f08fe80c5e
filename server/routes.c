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

#include "files.h"
#include "http.h"
#include "role.h"
#include "static.h"

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
};

void routes_install(struct server *srv)
{
	srv->routes = table;
	srv->nroutes = sizeof(table) / sizeof(table[0]);
}

void routes_shutdown(void)
{
}
