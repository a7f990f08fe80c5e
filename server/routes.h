/*
 * routes.h - the route table (routes.c) and every handler it names.
 * Adding a page is one line in the table plus its handler.
 */
#ifndef OFICIO_ROUTES_H
#define OFICIO_ROUTES_H

struct server;
struct req;

/* Point srv at the table and the hooks (badges, per-thread timers). */
void routes_install(struct server *srv);
/* Flush what the loops kept in memory (page views). */
void routes_shutdown(void);

/* page_view.c */
int page_home(struct req *r);
int page_view(struct req *r);
int page_revision(struct req *r);
int page_history(struct req *r);
int page_diff(struct req *r);
int page_browse(struct req *r);
/* page_edit.c */
int page_new_form(struct req *r);
int page_new_save(struct req *r);
int page_edit_form(struct req *r);
int page_edit_save(struct req *r);
int page_restore(struct req *r);
/* session.c */
int session_login_form(struct req *r);
int session_login(struct req *r);
int session_logout(struct req *r);
int session_setup_form(struct req *r);
int session_setup(struct req *r);
/* me.c */
int me_page(struct req *r);
int me_settings(struct req *r);
/* admin.c */
int admin_users(struct req *r);
int admin_user_add(struct req *r);
int admin_user_update(struct req *r);
/* search_ui.c */
int search_page(struct req *r);
int api_search(struct req *r);
int api_suggest(struct req *r);
/* api.c */
int api_pages_list(struct req *r);
int api_page_get(struct req *r);
int api_page_put(struct req *r);
int api_revisions(struct req *r);
int api_revision(struct req *r);
/* ops.c */
int ops_healthz(struct req *r);
int ops_metrics(struct req *r);

/* lifecycle (issue 6): review.c, proposal.c, flags.c, challenges.c,
 * owners.c, inbox.c, feed.c, audit.c, admin_templates.c, me.c */
int review_page(struct req *r);
int review_api_queue(struct req *r);
int review_submit(struct req *r);
int review_decide(struct req *r);
int review_archive(struct req *r);
int review_unarchive(struct req *r);
int review_promote(struct req *r);
int proposal_view(struct req *r);
int proposal_sent(struct req *r);
int proposal_accept(struct req *r);
int proposal_reject(struct req *r);
int proposal_api_list(struct req *r);
int proposal_api_get(struct req *r);
int flags_create(struct req *r);
int flags_api_list(struct req *r);
int flags_resolve(struct req *r);
int challenges_api_list(struct req *r);
int challenges_dismiss(struct req *r);
int owners_verify(struct req *r);
int owners_form(struct req *r);
int owners_save(struct req *r);
int inbox_follow_page(struct req *r);
int inbox_follow_category(struct req *r);
int inbox_api_follows(struct req *r);
int inbox_api_follow(struct req *r);
int inbox_api(struct req *r);
int inbox_api_seen(struct req *r);
int feed_public(struct req *r);
int feed_user(struct req *r);
int audit_page(struct req *r);
int audit_api(struct req *r);
int admin_templates(struct req *r);
int admin_templates_save(struct req *r);
int me_seen(struct req *r);
int me_feed(struct req *r);
int review_events_api(struct req *r);

#endif
