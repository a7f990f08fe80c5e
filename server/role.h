/*
 * role.h - the roles, each including the ones before it (DESIGN.md).
 * ROLE_ANON is a visitor who is not logged in.
 */
#ifndef OFICIO_ROLE_H
#define OFICIO_ROLE_H

enum role {
	ROLE_ANON = 0,
	ROLE_READER = 1,  /* read, search, confirm reads, flag, follow */
	ROLE_STAFF = 2,   /* + lessons, drafts, proposals */
	ROLE_EDITOR = 3,  /* + edit and publish procedures, accept, review */
	ROLE_MANAGER = 4, /* + owners, verify, paths, reports, departures */
	ROLE_ADMIN = 5,   /* + users, roles, tokens, settings */
};

/* "reader".."admin" -> role, or -1 for anything else. */
int role_parse(const char *s);
/* role -> "anon", "reader".."admin". */
const char *role_name(int role);

#endif
