/* cmd_db.c - `patchwarden db migrate|backup`: the server's store. */
#include "pw_cli.h"
#include "pw_server_cli.h"

#include <getopt.h>
#include <string.h>

#include "pw_config.h"
#include "pw_migrations.h"
#include "pw_server.h"
#include "pw_store.h"

#define VERB "db"

static const char usage[] =
	"usage: patchwarden db migrate [--db PATH] [--config FILE]\n"
	"       patchwarden db backup [--db PATH] [--config FILE] DEST\n"
	"\n"
	"migrate: bring the store to this version's schema (the feed tables and\n"
	"each server module's); running it again changes nothing. `serve` does the\n"
	"same at start.\n"
	"backup: copy the store to DEST, a new file (0600; an existing DEST is\n"
	"refused), consistently and online: the server keeps serving and writing\n"
	"meanwhile. The copy is a complete store: `patchwarden serve --db DEST`\n"
	"runs on it.\n"
	"\n"
	"  --db PATH      the store (default $PATCHWARDEN_DB, else [store] path of\n"
	"                 the configuration, else the standard location)\n"
	"  --config FILE  configuration (default " PW_SYSCONFDIR "/patchwarden.conf,\n"
	"                 when present)\n"
	"\n"
	"Exit status: 0 done; 2 usage error or failure.\n";

static pw_err print_component(void *ctx, const char *name, int64_t version)
{
	printf(" %s %lld", name, (long long)version);
	return PW_OK;
}

int cmd_db(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pw_server_options o = { 0 };
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? PW_EXIT_ERROR : PW_EXIT_OK;
	}
	const char *sub = argv[1];
	bool migrate = strcmp(sub, "migrate") == 0, backup = strcmp(sub, "backup") == 0;
	if (!migrate && !backup) {
		pw_cli_error(VERB, "unknown subcommand '%s'; see --help", sub);
		return PW_EXIT_ERROR;
	}
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.config_path = optarg;
			break;
		case 'd':
			o.db_path = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return PW_EXIT_OK;
		default:
			pw_cli_error(VERB, "unknown option or missing value: %s; see --help",
				     argv[optind]);
			return PW_EXIT_ERROR;
		}
	}
	int rest = argc - 1 - optind;
	char **args = argv + 1 + optind;
	if (migrate && rest != 0) {
		pw_cli_error(VERB, "migrate takes no arguments; see --help");
		return PW_EXIT_ERROR;
	}
	if (backup && rest != 1) {
		pw_cli_error(VERB, "backup takes one argument, the destination file; see --help");
		return PW_EXIT_ERROR;
	}
	struct pw_error e = { 0 };
	struct pw_server *srv = NULL;
	struct pw_store *store = NULL;
	int status = PW_EXIT_ERROR;
	if (pw_server_load(&o, &srv, &e)) {
		pw_cli_report(VERB, &e);
		goto out;
	}
	if (backup) {
		/* not opened as a store: no migration, so no wait for the write
		 * lock a running import may hold */
		if (pw_store_backup_path(pw_server_db_path(srv), args[0], &e)) {
			pw_cli_report(VERB, &e);
			goto out;
		}
		printf("%s: backed up to %s\n", pw_server_db_path(srv), args[0]);
		status = PW_EXIT_OK;
		goto out;
	}
	if (pw_store_open(pw_server_db_path(srv), &store, &e) || pw_migrations_run(store, &e)) {
		pw_cli_report(VERB, &e);
		goto out;
	}
	{
		printf("%s: schema: store %d", pw_server_db_path(srv),
		       pw_store_schema_version(store));
		if (pw_store_each_component(store, print_component, NULL, &e)) {
			putchar('\n');
			pw_cli_report(VERB, &e);
			goto out;
		}
		putchar('\n');
	}
	status = PW_EXIT_OK;
out:
	pw_store_close(store);
	pw_server_free(srv);
	return status;
}
