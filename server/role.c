/* role.c - role names. */
#include "role.h"

#include <string.h>

static const char *const names[] = {"anon", "reader", "staff", "editor", "manager", "admin"};

int role_parse(const char *s)
{
	if (!s)
		return -1;
	for (int i = ROLE_READER; i <= ROLE_ADMIN; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

const char *role_name(int role)
{
	if (role < ROLE_ANON || role > ROLE_ADMIN)
		return "anon";
	return names[role];
}
