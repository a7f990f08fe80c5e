/*
 * onboarding.h - onboarding paths, read confirmations and the managers'
 * reports (issue 7): the handlers the route table names, and the hooks
 * other modules call.
 *
 * Modules behind it, one concern each: paths.c (onboarding paths),
 * acks.c (read confirmations), report_risk.c (knowledge risk),
 * reports.c (stale, gaps, challenges, the CSV/JSON/HTML plumbing),
 * handover.c (departures), views.c (page view counts), svg.c (chart
 * geometry), authors.c (authorship sums), demo.c (the demo instance),
 * onboarding.c (the hooks below).
 */
#ifndef OFICIO_ONBOARDING_H
#define OFICIO_ONBOARDING_H

#include <jansson.h>

struct req;
struct db;
struct buf;

/* ---- hooks ---- */

/* page_view: count the view and append what this reader alone sees below
 * the article (the "Leído y entendido" button, "confirmed revision N",
 * "changed since you confirmed" with the diff, managers' read tools).
 * Anonymous readers cost no query; others one indexed query. */
void onboarding_tools(struct req *r, const char *slug, struct buf *out);

/* /me: add "my paths" (progress, what to read next) and pending
 * confirmations to the page context (template me_paths.html). */
void onboarding_me(struct req *r, json_t *ctx);

/* page_home: the path this reader should go on with, as ctx.my_path
 * {id, title, progress, next, read_text, more_text} for home_path.html:
 * of their paths not finished, the one due soonest, else the least done;
 * more_text counts the others (on /me). Nothing for anonymous readers or
 * people with no path to finish. Kept per person in the thread's cache
 * until the next write (a read confirmation is one), so most views of
 * the home page cost no query for it. */
void onboarding_home(struct req *r, json_t *ctx);

/* auth_create_user: assign every path marked for role to the new user
 * uid (in the caller's transaction, if any). Returns 0 or -1. */
int onboarding_auto_assign(struct db *db, long long uid, int role);

/* session_setup: fill a fresh instance with the demo team (demo.c).
 * Returns 0, or -1 with nothing kept. */
int demo_seed(struct db *db, long long admin_uid);

/* ---- shared by the modules above ---- */

/* An active user named by username, or by id written in decimal: the id,
 * or 0 when there is none. */
long long onboarding_user_id(struct db *db, const char *who);
long long onboarding_user_id_int(struct db *db, long long id);

/* ---- handlers (routes.c) ---- */

/* paths.c: each answers HTML, or JSON under /api/v1/ */
int paths_page(struct req *r);
int paths_create(struct req *r);
int path_page(struct req *r);
int path_update(struct req *r);
int path_assign(struct req *r);
int path_unassign(struct req *r);
/* acks.c */
int acks_confirm(struct req *r);          /* POST /p/{slug}/ack and the API */
int acks_require(struct req *r);          /* POST /p/{slug}/requires-ack */
int acks_readers(struct req *r);          /* GET /p/{slug}/readers */
/* reports.c, report_risk.c */
int reports_index(struct req *r);
int reports_risk(struct req *r);
int reports_stale(struct req *r);
int reports_gaps(struct req *r);
int reports_challenges(struct req *r);
/* handover.c */
int handover_page(struct req *r);
int handover_departure(struct req *r);
int handover_reassign(struct req *r);
int handover_checklist(struct req *r);

#endif
