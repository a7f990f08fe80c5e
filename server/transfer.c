/*
 * transfer.c - placeholder entry points for export and demo until
 * their modules land; each says plainly that it is not available yet.
 */
#include "cli.h"

#include <stdio.h>

int cli_export(struct db *db, const char *dir, bool history)
{
	(void)db;
	(void)history;
	fprintf(stderr, "oficio: export %s: not available in this build yet\n", dir);
	return 1;
}

int cli_demo(struct db *db)
{
	(void)db;
	fprintf(stderr, "oficio: demo: not available in this build yet\n");
	return 1;
}
