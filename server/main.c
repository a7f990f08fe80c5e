/*
 * main.c - the `oficio` command: options, subcommands, start and stop.
 *
 *   oficio [serve] [--db PATH] [--listen HOST:PORT] [--threads N] ...
 *   oficio user add NAME --role ROLE [--name "Full Name"] [--password-stdin]
 *   oficio user passwd NAME [--password-stdin] | role NAME ROLE |
 *          deactivate NAME | list
 *   oficio token create NAME
 *   oficio import DIR | export DIR | backup FILE | check | demo
 *   oficio --version
 *
 * Every subcommand takes --db PATH (default $OFICIO_DB or ./data/oficio.db).
 * Errors go to stderr with exit status 1 (2 for usage errors).
 */
#include "auth.h"
#include "buf.h"
#include "cli.h"
#include "db.h"
#include "http.h"
#include "role.h"
#include "routes.h"
#include "search.h"
#include "static.h"
#include "template.h"

#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fputs("usage: oficio [serve] [--db PATH] [--listen HOST:PORT] [--threads N]\n"
	      "              [--public-read] [--secure-cookies] [--trust-proxy]\n"
	      "              [--language es|en] [--log-format plain|json] [--quiet]\n"
	      "              [--max-upload BYTES] [--header-timeout SECONDS]\n"
	      "              [--metrics-listen HOST:PORT] [--share DIR]\n"
	      "              [--no-search-cache] [--log-search-users] [--index-upkeep SECONDS]\n"
	      "       oficio user add NAME --role ROLE [--name \"Full Name\"] [--password-stdin]\n"
	      "       oficio user passwd NAME [--password-stdin]\n"
	      "       oficio user role NAME ROLE\n"
	      "       oficio user deactivate NAME\n"
	      "       oficio user list\n"
	      "       oficio token create NAME\n"
	      "       oficio import DIR | export DIR [--history] | backup FILE | check | demo\n"
	      "       oficio --version\n",
	      f);
}

static bool is_dir(const char *p)
{
	struct stat sb;
	return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* Where templates/, static/ and schema/ are: --share, $OFICIO_SHARE, the
 * installed PREFIX/share/oficio next to the binary, or the source tree
 * the binary was built in (build/oficio -> ..). */
static char *find_share(const char *opt)
{
	char exe[PATH_MAX], *slash;
	ssize_t n;
	struct buf p = BUF_INIT;
	const char *env = getenv("OFICIO_SHARE");

	if (opt)
		return xstrdup(opt);
	if (env && *env)
		return xstrdup(env);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			buf_printf(&p, "%s/../share/oficio/templates", exe);
			if (is_dir(p.data)) {
				buf_truncate(&p, p.len - strlen("/templates"));
				return buf_detach(&p);
			}
			buf_reset(&p);
			buf_printf(&p, "%s/../templates", exe);
			if (is_dir(p.data)) {
				buf_truncate(&p, p.len - strlen("/templates"));
				return buf_detach(&p);
			}
		}
	}
	buf_free(&p);
	return xstrdup(".");
}

struct opts {
	struct config cfg;
	const char *share_opt;
	bool password_stdin;
	bool history;
	const char *name;       /* --name */
	const char *role;       /* --role */
	char *args[8];          /* positional arguments */
	int nargs;
};

/* Option a's value v, a whole number of seconds from 0 to max; -1
 * (reported) otherwise. */
static int parse_seconds(const char *a, const char *v, long max)
{
	char *end;
	long t;

	errno = 0;
	t = strtol(v, &end, 10);
	if (errno || end == v || *end || t < 0 || t > max) {
		fprintf(stderr, "oficio: %s wants 0..%ld seconds\n", a, max);
		return -1;
	}
	return (int)t;
}

static int parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	if (*end == 'k' || *end == 'K')
		v *= 1024, end++;
	else if (*end == 'm' || *end == 'M')
		v *= 1024 * 1024, end++;
	if (*end || v == 0 || v > (1ull << 31))
		return -1;
	*out = (size_t)v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	const char *env_db = getenv("OFICIO_DB");
	long nproc = sysconf(_SC_NPROCESSORS_ONLN);

	memset(o, 0, sizeof(*o));
	o->cfg.db_path = env_db && *env_db ? env_db : "./data/oficio.db";
	o->cfg.listen = "127.0.0.1:8080";
	o->cfg.language = "es";
	o->cfg.log_format = "plain";
	o->cfg.threads = nproc > 0 ? (int)nproc : 2;
	o->cfg.max_body = 2 * 1024 * 1024;
	o->cfg.max_upload = 10 * 1024 * 1024;
	o->cfg.timeout_s = 20;
	o->cfg.header_timeout_s = 10;
	o->cfg.upkeep_idle_s = 30;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_VALUE                                                        \
	do {                                                              \
		if (!v) {                                                 \
			fprintf(stderr, "oficio: %s needs a value\n", a); \
			return -1;                                        \
		}                                                         \
		i++;                                                      \
	} while (0)
		if (strcmp(a, "--db") == 0) {
			NEED_VALUE;
			o->cfg.db_path = v;
		} else if (strcmp(a, "--listen") == 0) {
			NEED_VALUE;
			o->cfg.listen = v;
		} else if (strcmp(a, "--metrics-listen") == 0) {
			NEED_VALUE;
			o->cfg.metrics_listen = v;
		} else if (strcmp(a, "--threads") == 0) {
			NEED_VALUE;
			o->cfg.threads = atoi(v);
			if (o->cfg.threads < 1 || o->cfg.threads > 64) {
				fprintf(stderr, "oficio: --threads wants 1..64\n");
				return -1;
			}
		} else if (strcmp(a, "--language") == 0) {
			NEED_VALUE;
			if (strcmp(v, "es") != 0 && strcmp(v, "en") != 0) {
				fprintf(stderr, "oficio: --language wants es or en\n");
				return -1;
			}
			o->cfg.language = v;
		} else if (strcmp(a, "--log-format") == 0) {
			NEED_VALUE;
			if (strcmp(v, "plain") != 0 && strcmp(v, "json") != 0) {
				fprintf(stderr, "oficio: --log-format wants plain or json\n");
				return -1;
			}
			o->cfg.log_format = v;
		} else if (strcmp(a, "--max-upload") == 0) {
			NEED_VALUE;
			if (parse_size(v, &o->cfg.max_upload) < 0) {
				fprintf(stderr, "oficio: --max-upload wants a size like 10M\n");
				return -1;
			}
		} else if (strcmp(a, "--header-timeout") == 0) {
			NEED_VALUE;
			if ((o->cfg.header_timeout_s = parse_seconds(a, v, 3600)) < 0)
				return -1;
		} else if (strcmp(a, "--index-upkeep") == 0) {
			NEED_VALUE;
			if ((o->cfg.upkeep_idle_s = parse_seconds(a, v, 86400)) < 0)
				return -1;
		} else if (strcmp(a, "--share") == 0) {
			NEED_VALUE;
			o->share_opt = v;
		} else if (strcmp(a, "--name") == 0) {
			NEED_VALUE;
			o->name = v;
		} else if (strcmp(a, "--role") == 0) {
			NEED_VALUE;
			o->role = v;
		} else if (strcmp(a, "--public-read") == 0) {
			o->cfg.public_read = true;
		} else if (strcmp(a, "--no-search-cache") == 0) {
			o->cfg.no_search_cache = true;
		} else if (strcmp(a, "--log-search-users") == 0) {
			o->cfg.log_search_users = true;
		} else if (strcmp(a, "--secure-cookies") == 0) {
			o->cfg.secure_cookies = true;
		} else if (strcmp(a, "--trust-proxy") == 0) {
			o->cfg.trust_proxy = true;
		} else if (strcmp(a, "--offer-demo") == 0) {
			o->cfg.offer_demo = true;
		} else if (strcmp(a, "--quiet") == 0) {
			o->cfg.quiet = true;
		} else if (strcmp(a, "--password-stdin") == 0) {
			o->password_stdin = true;
		} else if (strcmp(a, "--history") == 0) {
			o->history = true;
		} else if (a[0] == '-' && a[1] == '-') {
			fprintf(stderr, "oficio: unknown option %s\n", a);
			return -1;
		} else if (o->nargs < 8) {
			o->args[o->nargs++] = argv[i];
		} else {
			fprintf(stderr, "oficio: too many arguments\n");
			return -1;
		}
#undef NEED_VALUE
	}
	return 0;
}

static struct db *open_db(struct opts *o, const char *share)
{
	struct buf err = BUF_INIT, schema = BUF_INIT;
	struct db *db;
	char *dir = xstrdup(o->cfg.db_path), *slash = strrchr(dir, '/');

	/* The folder of the database is created on first use. */
	if (slash && slash != dir) {
		*slash = '\0';
		if (!is_dir(dir) && mkdir(dir, 0750) < 0 && errno != EEXIST)
			fprintf(stderr, "oficio: cannot create %s: %s\n", dir, strerror(errno));
	}
	free(dir);
	buf_printf(&schema, "%s/schema", share);
	db = db_open(o->cfg.db_path, schema.data, true, &err);
	if (!db)
		fprintf(stderr, "oficio: %s\n", err.data);
	buf_free(&err);
	buf_free(&schema);
	return db;
}

/* Read a password: one line from stdin with --password-stdin, else from
 * the terminal without echo. malloc'd, or NULL. */
static char *read_password(bool from_stdin)
{
	struct termios old, quiet;
	bool tty = !from_stdin && isatty(STDIN_FILENO);
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!from_stdin && !tty) {
		fprintf(stderr, "oficio: no terminal: use --password-stdin\n");
		return NULL;
	}
	if (tty) {
		fputs("Password: ", stderr);
		tcgetattr(STDIN_FILENO, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	n = getline(&line, &cap, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (n < 0) {
		free(line);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (n < 8) {
		fprintf(stderr, "oficio: a password needs at least 8 characters\n");
		free(line);
		return NULL;
	}
	return line;
}

static int cmd_user(struct opts *o, struct db *db)
{
	const char *sub = o->nargs > 1 ? o->args[1] : NULL;
	const char *name = o->nargs > 2 ? o->args[2] : NULL;
	int rc = 1;

	if (!sub) {
		usage(stderr);
		return 2;
	}
	if (strcmp(sub, "list") == 0)
		return cli_user_list(db);
	if (!name) {
		usage(stderr);
		return 2;
	}
	if (strcmp(sub, "add") == 0) {
		int role = role_parse(o->role ? o->role : "");
		char *pw = NULL;
		long long id;
		if (role < 0) {
			fprintf(stderr, "oficio: --role wants reader, staff, editor, manager or admin\n");
			return 2;
		}
		if (!cli_username_ok(name)) {
			fprintf(stderr, "oficio: a user name is 1-40 letters, digits, '.', '-' or '_'\n");
			return 2;
		}
		if (o->password_stdin || isatty(STDIN_FILENO)) {
			pw = read_password(o->password_stdin);
			if (!pw)
				return 1;
		}
		id = auth_create_user(db, name, o->name, role, pw);
		free(pw);
		if (id == -2)
			fprintf(stderr, "oficio: user %s exists already\n", name);
		else if (id < 0)
			fprintf(stderr, "oficio: cannot add %s: %s\n", name, db_errmsg(db));
		else {
			printf("added %s (%s)\n", name, role_name(role));
			cli_audit(db, "user.add", name, role_name(role));
			rc = 0;
		}
	} else if (strcmp(sub, "passwd") == 0) {
		char *pw = read_password(o->password_stdin);
		if (pw) {
			rc = cli_user_passwd(db, name, pw);
			free(pw);
		}
	} else if (strcmp(sub, "role") == 0) {
		if (o->nargs < 4 || role_parse(o->args[3]) < 0) {
			fprintf(stderr, "oficio: user role NAME reader|staff|editor|manager|admin\n");
			return 2;
		}
		rc = cli_user_role(db, name, o->args[3]);
	} else if (strcmp(sub, "deactivate") == 0) {
		rc = cli_user_deactivate(db, name);
	} else {
		usage(stderr);
		return 2;
	}
	return rc;
}

static int serve(struct opts *o, const char *share)
{
	struct server srv;
	struct buf err = BUF_INIT, dir = BUF_INIT;
	struct db *db;
	int rc = 1;

	http_block_signals(); /* before any thread */
	memset(&srv, 0, sizeof(srv));
	srv.cfg = o->cfg;
	srv.cfg.share_dir = share;
	buf_printf(&dir, "%s/templates", share);
	srv.tmpl = tmpl_load(dir.data, &err);
	buf_printf(&dir, "/i18n");
	if (srv.tmpl)
		srv.msgs = i18n_load(dir.data, &err);
	if (!srv.tmpl || !srv.msgs || tmpl_check_messages(srv.tmpl, srv.msgs, &err) < 0) {
		fprintf(stderr, "oficio: templates: %s\n", err.data);
		goto out;
	}
	buf_reset(&dir);
	buf_printf(&dir, "%s/static", share);
	if (static_load(dir.data, &err) < 0) {
		fprintf(stderr, "oficio: static files: %s\n", err.data);
		goto out;
	}
	db = open_db(o, share);
	if (!db)
		goto out;
	if (cli_language_check(db, o->cfg.language) < 0) {
		db_close(db);
		goto out;
	}
	cli_setup_link(db, o->cfg.listen);
	db_close(db);
	routes_install(&srv);
	if (auth_init(o->cfg.threads > 1 ? 2 : 1) < 0) {
		fprintf(stderr, "oficio: cannot initialise libsodium\n");
		goto out;
	}
	rc = http_serve(&srv);
	routes_shutdown();
	auth_shutdown();
out:
	static_free();
	tmpl_free(srv.tmpl);
	i18n_free(srv.msgs);
	buf_free(&err);
	buf_free(&dir);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o;
	const char *cmd;
	char *share;
	struct db *db = NULL;
	int rc = 1;

	if (argc > 1 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0)) {
		share = find_share(NULL);
		struct buf s = BUF_INIT;
		buf_printf(&s, "%s/schema", share);
		printf("oficio %s (schema %d)\n", OFICIO_VERSION, db_latest_migration(s.data));
		buf_free(&s);
		free(share);
		return 0;
	}
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0)) {
		usage(stdout);
		return 0;
	}
	if (parse_opts(argc, argv, &o) < 0) {
		usage(stderr);
		return 2;
	}
	cmd = o.nargs ? o.args[0] : "serve";
	/* A save of a long page allocates a few MB in blocks of a few
	 * hundred kB (the request, the HTML, the text) and frees them.
	 * glibc gave them back to the kernel each time and took them again
	 * page by page: page faults were about a tenth of a save. Blocks under
	 * 16 MB now come from the heap, and a thread's heap keeps up to
	 * 32 MB free (argon2id's 64 MB are still mapped and unmapped). */
	mallopt(M_MMAP_THRESHOLD, 16 << 20);
	mallopt(M_TRIM_THRESHOLD, 32 << 20);
	/* SQLite counts the memory it allocates under one process-wide
	 * mutex; Oficio never reads the count, and under load the loops'
	 * threads queued on that mutex at every allocation. Before any
	 * other SQLite call (sqlite3_config's rule). */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	share = find_share(o.share_opt);
	if (search_set_language(o.cfg.language) < 0) {
		fprintf(stderr, "oficio: no stemmer for %s\n", o.cfg.language);
		free(share);
		return 1;
	}
	if (strcmp(cmd, "serve") == 0) {
		rc = serve(&o, share);
		free(share);
		return rc;
	}
	if (auth_init(0) < 0) {
		fprintf(stderr, "oficio: cannot initialise libsodium\n");
		free(share);
		return 1;
	}
	if (strcmp(cmd, "user") != 0 && strcmp(cmd, "token") != 0 &&
	    strcmp(cmd, "import") != 0 && strcmp(cmd, "export") != 0 &&
	    strcmp(cmd, "backup") != 0 && strcmp(cmd, "check") != 0 &&
	    strcmp(cmd, "demo") != 0) {
		fprintf(stderr, "oficio: unknown command %s\n", cmd);
		usage(stderr);
		rc = 2;
		goto out;
	}
	db = open_db(&o, share);
	if (!db)
		goto out;
	/* Commands that index pages record what the index is built with, as
	 * serve does, or the next start would rebuild an index made right. */
	if ((strcmp(cmd, "import") == 0 || strcmp(cmd, "demo") == 0) &&
	    cli_language_check(db, o.cfg.language) < 0)
		goto out;
	if (strcmp(cmd, "user") == 0) {
		rc = cmd_user(&o, db);
	} else if (strcmp(cmd, "token") == 0) {
		if (o.nargs < 3 || strcmp(o.args[1], "create") != 0) {
			usage(stderr);
			rc = 2;
		} else {
			rc = cli_token_create(db, o.args[2]);
		}
	} else if (strcmp(cmd, "import") == 0) {
		rc = o.nargs < 2 ? (usage(stderr), 2) : cli_import(db, o.args[1]);
	} else if (strcmp(cmd, "export") == 0) {
		rc = o.nargs < 2 ? (usage(stderr), 2) : cli_export(db, o.args[1], o.history);
	} else if (strcmp(cmd, "backup") == 0) {
		rc = o.nargs < 2 ? (usage(stderr), 2) : cli_backup(db, o.args[1]);
	} else if (strcmp(cmd, "check") == 0) {
		rc = cli_check(db);
	} else if (strcmp(cmd, "demo") == 0) {
		rc = cli_demo(db);
	}
out:
	db_close(db);
	auth_shutdown();
	free(share);
	return rc;
}
