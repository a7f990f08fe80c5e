/*
 * cli.h - the subcommands of `oficio` other than serve. Each returns the
 * process exit status (0 ok, 1 failure, 2 usage) and reports to stderr.
 */
#ifndef OFICIO_CLI_H
#define OFICIO_CLI_H

#include <stdbool.h>

struct db;

bool cli_username_ok(const char *name);
int cli_user_list(struct db *db);
int cli_user_passwd(struct db *db, const char *name, const char *pw);
int cli_user_role(struct db *db, const char *name, const char *role);
int cli_user_deactivate(struct db *db, const char *name);
/* Prints the token alone on its last line. */
int cli_token_create(struct db *db, const char *name);
/* Append an audit row done from the command line. */
void cli_audit(struct db *db, const char *action, const char *target, const char *detail);

/* With no user yet, make a one-time setup token and print its link. */
void cli_setup_link(struct db *db, const char *listen);
/* Rebuild the search index if the stemming language changed. */
int cli_language_check(struct db *db, const char *lang);

int cli_import(struct db *db, const char *dir);
int cli_export(struct db *db, const char *dir, bool history);
int cli_backup(struct db *db, const char *file);
int cli_check(struct db *db);
int cli_demo(struct db *db);

#endif
