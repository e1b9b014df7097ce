/* cmd_serve.c - `patchwarden serve`: run the server (server.c) in the
 * foreground until SIGTERM or SIGINT, logging to stderr. */
#include "pw_cli.h"
#include "pw_server_cli.h"

#include <getopt.h>
#include <string.h>

#include "pw_config.h"
#include "pw_server.h"

#define VERB "serve"

static const char usage[] =
	"usage: patchwarden serve [--config FILE] [--db PATH] [--listen ADDR:PORT]\n"
	"                         [--port-file FILE]\n"
	"\n"
	"Run the patchwarden server in the foreground: the REST API under /api/v1\n"
	"over HTTP, or HTTPS when [server] tls_cert and tls_key are set. Logs go to\n"
	"stderr, one line per event. SIGTERM or SIGINT stops it gracefully: no new\n"
	"connections, the requests in flight finish, the store is closed, exit 0.\n"
	"\n"
	"  --config FILE      configuration (default " PW_SYSCONFDIR "/patchwarden.conf,\n"
	"                     when present): the [server] and [store] sections\n"
	"  --db PATH          the store (default $PATCHWARDEN_DB, else [store] path,\n"
	"                     else /var/lib/patchwarden/patchwarden.db for root,\n"
	"                     ~/.local/share/patchwarden/patchwarden.db otherwise)\n"
	"  --listen ADDR:PORT where to listen, overriding [server] listen (default\n"
	"                     127.0.0.1:8080; [::1]:8080 for IPv6; port 0 picks a\n"
	"                     free one)\n"
	"  --port-file FILE   write the port listened on to FILE once serving\n"
	"\n"
	"[server] keys: listen, threads (default: the number of CPUs), max_body\n"
	"(default 16m), tls_cert, tls_key (PEM files), tls_priorities (GnuTLS;\n"
	"default TLS 1.2 and 1.3 only), access_log (true: one line\n"
	"per request), idle_timeout (s, default 60), max_connections (default\n"
	"4096), max_connections_per_address (default 256, 0: no limit),\n"
	"header_timeout (s from accept to the headers, default 10), body_timeout\n"
	"(s from the headers to the body's end, default 120), shutdown_timeout\n"
	"(s to finish requests in flight, default 30).\n"
	"\n"
	"Exit status: 0 stopped by a signal; 2 usage error, a bad setting, or the\n"
	"server could not start.\n";

int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "listen", required_argument, NULL, 'l' },
		{ "port-file", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pw_server_options o = { 0 };
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.config_path = optarg;
			break;
		case 'd':
			o.db_path = optarg;
			break;
		case 'l':
			o.listen = optarg;
			break;
		case 'p':
			o.port_file = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return PW_EXIT_OK;
		default:
			pw_cli_error(VERB, "unknown option or missing value: %s; see --help",
				     argv[optind - 1]);
			return PW_EXIT_ERROR;
		}
	}
	if (optind < argc) {
		pw_cli_error(VERB, "unexpected argument '%s'; see --help", argv[optind]);
		return PW_EXIT_ERROR;
	}
	struct pw_error e = { 0 };
	struct pw_server *srv = NULL;
	if (pw_server_load(&o, &srv, &e) || pw_server_run(srv, &e)) {
		pw_cli_report(VERB, &e);
		pw_server_free(srv);
		return PW_EXIT_ERROR;
	}
	pw_server_free(srv);
	return PW_EXIT_OK;
}
