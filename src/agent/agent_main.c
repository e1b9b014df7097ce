/* agent_main.c - patchwarden-agent: enroll with a server, then check in
 * (`run`, a daemon, or `run --once`), handing jobs to the apply program.
 *
 * Commands parse their arguments here and call the modules of pw_agent.h;
 * only this file prints and exits.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pw_agent.h"
#include "pw_config.h"
#include "pw_jobrun.h"
#include "pw_hostfacts.h"
#include "pw_inventory.h"
#include "pw_text.h"

enum { EXIT_OK = 0, EXIT_ERROR = 2 };

void pw_agent_log(const char *level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* messages quote the server's answers and the host's files: the
	 * journal never gets a control character */
	struct pw_buf safe = PW_BUF_INIT;
	size_t used;
	bool ok = pw_text_escape(&safe, msg, strlen(msg), PW_TEXT_FINAL, &used) == PW_OK;
	fprintf(stderr, "patchwarden-agent: %s: %s\n", level,
		ok && safe.data ? safe.data : ok ? "" : "(a message that could not be escaped)");
	pw_buf_free(&safe);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: patchwarden-agent [--config FILE] [--state-dir DIR] COMMAND [options]\n"
		"\n"
		"commands:\n"
		"  enroll --server URL (--token T | --token-file F) [--ca-file F]\n"
		"                     join a server with an enrollment token; the credential it\n"
		"                     answers with is kept in STATE_DIR/credential (mode 0600)\n"
		"  run [--once]       check in every interval (with +-10%% jitter; backoff on\n"
		"                     errors); --once: one check-in, exit 0 when it succeeded,\n"
		"                     2 otherwise\n"
		"\n"
		"options (any command):\n"
		"  --config FILE      configuration (default %s)\n"
		"  --state-dir DIR    credential and state (default %s)\n"
		"  --root DIR         scan this root instead of the live host (tests, images)\n"
		"  --help, --version\n"
		"\n"
		"The agent never executes what the server sends; it uploads its inventory\n"
		"only when the server says the digest changed. With [agent] jobs = true it\n"
		"hands the server's jobs, parsed and checked, to patchwarden-agent-apply\n"
		"and reports their outcome (docs/agent.md, \"Jobs\").\n",
		PW_AGENT_DEFAULT_CONFIG, PW_AGENT_DEFAULT_STATE_DIR);
}

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop; /* no SA_RESTART: a sleep ends at once */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Sleep up to `secs`, returning early when asked to stop. */
static void sleep_interruptible(int64_t secs)
{
	struct timespec end, now;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += secs;
	while (!stop_requested) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec ||
		    (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
			return;
		struct timespec d = { end.tv_sec - now.tv_sec, end.tv_nsec - now.tv_nsec };
		if (d.tv_nsec < 0) {
			d.tv_sec--;
			d.tv_nsec += 1000000000L;
		}
		if (d.tv_sec > 1) /* wake up now and then: signals may race the check */
			d = (struct timespec){ 1, 0 };
		nanosleep(&d, NULL);
	}
}

/* secs scaled by a random factor in [0.9, 1.1]. */
static int64_t jitter(int64_t secs)
{
	int64_t span = secs / 5;
	if (span < 1)
		return secs;
	return secs - span / 2 + (int64_t)randombytes_uniform((uint32_t)(span > UINT32_MAX - 1 ? UINT32_MAX - 1 : span) + 1);
}

struct common {
	const char *config_path;
	bool config_required;
	const char *state_dir;
	const char *root;
	struct pw_agent_config cfg;
};

static bool valid_server_url(const char *url)
{
	return strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0;
}

/* ---- enroll ---- */

static int cmd_enroll(struct common *c, const char *server, const char *token,
		      const char *token_file, const char *ca_file)
{
	struct pw_error e;
	char tokbuf[256];
	if (!server || !*server)
		server = c->cfg.server;
	if (!*server) {
		pw_agent_log("error", "enroll: --server URL is required (or [agent] server)");
		return EXIT_ERROR;
	}
	if (!valid_server_url(server)) {
		pw_agent_log("error", "enroll: --server '%s' is not an http:// or https:// URL", server);
		return EXIT_ERROR;
	}
	if (strncmp(server, "http://", 7) == 0)
		pw_agent_log("warning", "enroll: %s is not TLS: the credential travels in clear", server);
	if (token_file) {
		FILE *f = fopen(token_file, "r");
		if (!f || !fgets(tokbuf, sizeof(tokbuf), f)) {
			pw_agent_log("error", "enroll: --token-file %s: %s", token_file,
				     f ? "empty" : strerror(errno));
			if (f)
				fclose(f);
			return EXIT_ERROR;
		}
		fclose(f);
		tokbuf[strcspn(tokbuf, "\r\n")] = '\0';
		token = tokbuf;
	}
	if (!token || !*token) {
		pw_agent_log("error", "enroll: --token or --token-file is required");
		return EXIT_ERROR;
	}
	if (!ca_file)
		ca_file = c->cfg.ca_file;

	/* who this host is */
	struct pw_inventory inv;
	pw_inventory_init(&inv, c->root ? c->root : "/");
	if (pw_hostfacts_collect(&inv, &e)) {
		pw_agent_log("error", "enroll: %s", e.msg);
		pw_inventory_free(&inv);
		return EXIT_ERROR;
	}
	if (!inv.host.machine_id || !*inv.host.machine_id) {
		pw_agent_log("error", "enroll: this host has no machine-id (%s/etc/machine-id):"
				      " run systemd-machine-id-setup first",
			     c->root ? c->root : "");
		pw_inventory_free(&inv);
		return EXIT_ERROR;
	}
	json_t *body = json_pack("{s:s,s:s,s:s?,s:s?,s:s?,s:s}", "token", token, "machine_id",
				 inv.host.machine_id, "hostname", inv.host.hostname, "os_id",
				 inv.host.os_id, "os_version_id", inv.host.os_version_id,
				 "agent_version", PW_VERSION);
	pw_inventory_free(&inv);
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (!text) {
		pw_agent_log("error", "enroll: out of memory");
		return EXIT_ERROR;
	}

	struct pw_agent_http *h = NULL;
	struct pw_agent_reply reply = { 0 };
	char url[700];
	int rc = EXIT_ERROR;
	size_t n = strlen(server);
	while (n && server[n - 1] == '/')
		n--;
	snprintf(url, sizeof(url), "%.*s/api/v1/enroll", (int)n, server);
	if (pw_agent_http_new(ca_file, &h, &e) ||
	    pw_agent_http_send(h, "POST", url, NULL, text, strlen(text), &reply, &e)) {
		pw_agent_log("error", "enroll: %s", e.msg);
		goto out;
	}
	json_t *doc = json_loadb(reply.body.data, reply.body.len, 0, NULL);
	bool pending = reply.status == 202;
	if (reply.status != 201 && reply.status != 200 && !pending) {
		const char *msg = json_string_value(
			json_object_get(json_object_get(doc, "error"), "message"));
		pw_agent_log("error", "enroll: the server refused: HTTP %ld%s%.300s", reply.status,
			     msg ? ": " : "", msg ? msg : "");
		json_decref(doc);
		goto out;
	}
	struct pw_agent_state st = { 0 };
	const char *cred = json_string_value(json_object_get(doc, "credential"));
	st.agent_id = json_integer_value(json_object_get(doc, "agent_id"));
	st.host_id = json_integer_value(json_object_get(doc, "host_id"));
	if (!cred || strncmp(cred, "pwa_", 4) != 0 || strlen(cred) >= sizeof(st.credential) ||
	    st.agent_id <= 0) {
		pw_agent_log("error", "enroll: the server's answer holds no credential");
		json_decref(doc);
		goto out;
	}
	snprintf(st.credential, sizeof(st.credential), "%s", cred);
	snprintf(st.server, sizeof(st.server), "%.*s", (int)n, server);
	snprintf(st.ca_file, sizeof(st.ca_file), "%s", ca_file ? ca_file : "");
	json_decref(doc);
	if (pw_agent_state_save(c->state_dir, &st, &e)) {
		pw_agent_log("error", "enroll: %s", e.msg);
		sodium_memzero(st.credential, sizeof(st.credential));
		goto out;
	}
	sodium_memzero(st.credential, sizeof(st.credential));
	if (pending)
		pw_agent_log("warning",
			     "enrolled with %s as agent %lld, but host %lld already has an agent: "
			     "this enrollment awaits an admin's approval (patchwarden enrollment "
			     "approve %lld on the server); 'run' asks again every minute until "
			     "then. Credential in %s/credential",
			     st.server, (long long)st.agent_id, (long long)st.host_id,
			     (long long)st.agent_id, c->state_dir);
	else
		pw_agent_log("info",
			     "enrolled with %s as agent %lld (host %lld); credential in %s/credential",
			     st.server, (long long)st.agent_id, (long long)st.host_id, c->state_dir);
	rc = EXIT_OK;
out:
	sodium_memzero(text, strlen(text));
	free(text);
	pw_buf_free(&reply.body);
	pw_agent_http_free(h);
	return rc;
}

/* ---- run ---- */

static int cmd_run(struct common *c, bool once)
{
	struct pw_error e;
	struct pw_agent_state st;
	if (pw_agent_state_load(c->state_dir, &st, &e)) {
		pw_agent_log("error", "run: %s", e.msg);
		return EXIT_ERROR;
	}
	const char *ca = c->cfg.ca_file[0] ? c->cfg.ca_file : st.ca_file;
	struct pw_agent_http *h = NULL;
	if (pw_agent_http_new(ca, &h, &e)) {
		pw_agent_log("error", "run: %s", e.msg);
		return EXIT_ERROR;
	}
	const char *root = c->root ? c->root : c->cfg.root;
	int64_t interval = c->cfg.interval;
	unsigned failures = 0;
	int rc = EXIT_OK;
	if (!once)
		pw_agent_log("info", "agent %lld checking in with %s every %llds",
			     (long long)st.agent_id, st.server, (long long)interval);
	struct pw_jobrun d = { .cfg = &c->cfg,
				 .config_path = c->config_required ? c->config_path : NULL,
				 .state_dir = c->state_dir, .root = root };
	while (!stop_requested) {
		struct pw_checkin_result res;
		pw_err err = pw_agent_checkin(h, &st, root, c->cfg.jobs ? &d : NULL, &res, &e);
		if (!err && res.outcome == PW_CHECKIN_OK && c->cfg.jobs) {
			/* reports the server has not taken yet, this check-in's included */
			size_t sent;
			struct pw_error re;
			if (pw_jobrun_report(&d, h, &st, &sent, &re))
				pw_agent_log("warning", "job reports: %s (sent again at the next "
					     "check-in)", re.msg);
		}
		int64_t delay;
		if (!err && res.outcome == PW_CHECKIN_OK) {
			failures = 0;
			if (res.interval_s >= 10 && res.interval_s <= 86400)
				interval = res.interval_s;
			if (!res.uploaded)
				pw_agent_log("info", "checked in: inventory unchanged (%.12s)", res.digest);
			delay = jitter(interval);
		} else {
			failures++;
			if (res.outcome == PW_CHECKIN_PENDING)
				pw_agent_log("info", "%s", e.msg);
			else if (res.outcome == PW_CHECKIN_REJECTED)
				pw_agent_log("error", "%s (was this agent revoked? enroll again)", e.msg);
			else
				pw_agent_log("error", "%s", e.msg);
			if (res.outcome == PW_CHECKIN_PENDING) {
				delay = 60; /* or the server's Retry-After, below */
			} else if (res.outcome == PW_CHECKIN_RETRY) {
				int64_t b = 30;
				for (unsigned i = 1; i < failures && b < c->cfg.backoff_max; i++)
					b *= 2;
				delay = jitter(b < c->cfg.backoff_max ? b : c->cfg.backoff_max);
			} else {
				delay = jitter(c->cfg.backoff_max);
			}
			if (res.retry_after > delay)
				delay = res.retry_after;
			rc = EXIT_ERROR;
		}
		if (once)
			break;
		rc = EXIT_OK;
		if (failures)
			pw_agent_log("info", "next attempt in %llds", (long long)delay);
		sleep_interruptible(delay);
	}
	if (!once)
		pw_agent_log("info", "stopping");
	sodium_memzero(st.credential, sizeof(st.credential));
	pw_agent_http_free(h);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "root", required_argument, NULL, 'r' },
		{ "server", required_argument, NULL, 's' },
		{ "token", required_argument, NULL, 't' },
		{ "token-file", required_argument, NULL, 'T' },
		{ "ca-file", required_argument, NULL, 'a' },
		{ "once", no_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct common c = { .config_path = PW_AGENT_DEFAULT_CONFIG };
	const char *server = NULL, *token = NULL, *token_file = NULL, *ca_file = NULL;
	bool once = false;
	int ch;
	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': c.config_path = optarg; c.config_required = true; break;
		case 'S': c.state_dir = optarg; break;
		case 'r': c.root = optarg; break;
		case 's': server = optarg; break;
		case 't': token = optarg; break;
		case 'T': token_file = optarg; break;
		case 'a': ca_file = optarg; break;
		case 'o': once = true; break;
		case 'h': usage(stdout); return EXIT_OK;
		case 'V': printf("patchwarden-agent %s\n", PW_VERSION); return EXIT_OK;
		default: usage(stderr); return EXIT_ERROR;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_ERROR;
	}
	const char *cmd = argv[optind++];
	/* options may follow the command too */
	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': c.config_path = optarg; c.config_required = true; break;
		case 'S': c.state_dir = optarg; break;
		case 'r': c.root = optarg; break;
		case 's': server = optarg; break;
		case 't': token = optarg; break;
		case 'T': token_file = optarg; break;
		case 'a': ca_file = optarg; break;
		case 'o': once = true; break;
		case 'h': usage(stdout); return EXIT_OK;
		case 'V': printf("patchwarden-agent %s\n", PW_VERSION); return EXIT_OK;
		default: usage(stderr); return EXIT_ERROR;
		}
	}
	if (optind < argc) {
		pw_agent_log("error", "unexpected argument '%s'", argv[optind]);
		return EXIT_ERROR;
	}
	struct pw_error e;
	if (pw_agent_config_load(&c.cfg, c.config_path, c.config_required, &e)) {
		pw_agent_log("error", "%s", e.msg);
		return EXIT_ERROR;
	}
	if (!c.state_dir)
		c.state_dir = c.cfg.state_dir;
	if (sodium_init() < 0) {
		pw_agent_log("error", "cannot initialise libsodium");
		return EXIT_ERROR;
	}
	install_signals();
	if (strcmp(cmd, "enroll") == 0) {
		if (once) {
			pw_agent_log("error", "enroll: --once belongs to run");
			return EXIT_ERROR;
		}
		return cmd_enroll(&c, server, token, token_file, ca_file);
	}
	if (strcmp(cmd, "run") == 0) {
		if (server || token || token_file || ca_file) {
			pw_agent_log("error", "run: --server, --token and --ca-file belong to enroll"
					      " (run uses what enroll stored)");
			return EXIT_ERROR;
		}
		return cmd_run(&c, once);
	}
	pw_agent_log("error", "unknown command '%s' (enroll, run)", cmd);
	return EXIT_ERROR;
}
