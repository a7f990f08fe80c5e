/*
 * transfer.c - placeholder entry point for the demo until
 * their modules land; each says plainly that it is not available yet.
 */
#include "cli.h"

#include <stdio.h>

int cli_demo(struct db *db)
{
	(void)db;
	fprintf(stderr, "oficio: demo: not available in this build yet\n");
	return 1;
}
