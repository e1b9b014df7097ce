/* pw_agent.h - patchwarden-agent's modules: configuration, state directory,
 * the HTTP client and one check-in.
 *
 * The agent reads the host (collect), talks to the server over HTTPS
 * (libcurl) and writes only its own state directory. It never executes
 * anything the server sends: it reads the response fields it knows and
 * ignores the rest.
 */
#ifndef PW_AGENT_H
#define PW_AGENT_H

#include <stdbool.h>
#include <stdint.h>

#include "pw_buf.h"
#include "pw_err.h"

#define PW_AGENT_DEFAULT_CONFIG PW_SYSCONFDIR "/agent.conf"
#define PW_AGENT_DEFAULT_STATE_DIR "/var/lib/patchwarden-agent"
#define PW_AGENT_DEFAULT_INTERVAL 900 /* seconds: 15 minutes */
#define PW_AGENT_DEFAULT_BACKOFF_MAX 3600
#define PW_AGENT_DEFAULT_APPLY_PROGRAM PW_LIBEXECDIR "/patchwarden-agent-apply"

/* ---- configuration (agent_config.c) ---- */

struct pw_agent_config {
	char server[512];     /* [agent] server: used by enroll when --server is absent */
	char state_dir[512];  /* [agent] state_dir */
	char ca_file[512];    /* [agent] ca_file: a private CA's certificate ("" system CAs) */
	char root[512];       /* [agent] root: the root to scan ("" the live host) */
	int64_t interval;     /* [agent] interval, seconds */
	int64_t backoff_max;  /* [agent] backoff_max, seconds */
	/* jobs (docs/agent.md, "Jobs") */
	bool jobs;                   /* [agent] jobs: run the server's jobs (default false) */
	char apply_mode[16];         /* [agent] apply_mode: "exec" or "spool" */
	char apply_program[512];     /* [agent] apply_program */
	char pre_hook[512];          /* [apply] pre_hook: absolute path, "" none */
	char health_hook[512];       /* [apply] health_hook */
	char reboot_command[512];    /* [apply] reboot_command */
	int64_t min_free_mb;         /* [apply] min_free_mb */
	int64_t apply_timeout;       /* [apply] timeout, seconds per command */
	bool require_rollback_cache; /* [apply] require_rollback_cache */
};

/* Defaults, then the file. A missing file is fine unless `required` (it was
 * named with --config). Errors name file:line. */
pw_err pw_agent_config_load(struct pw_agent_config *cfg, const char *path, bool required,
			    struct pw_error *e);

/* "900", "90s", "15m", "2h", "1d" -> seconds (> 0). */
bool pw_agent_parse_duration(const char *s, int64_t *out);

/* ---- state directory (agent_state.c) ----
 *   credential   the agent's credential, one line, mode 0600
 *   agent.json   {"server":..., "agent_id":..., "host_id":..., "ca_file":...,
 *                 "enrolled_at":...}, mode 0600
 * The directory is created (and kept) mode 0700. Files are replaced
 * atomically (a temporary file, fsync, rename). */

struct pw_agent_state {
	char server[512];
	char ca_file[512];
	char credential[128];
	int64_t agent_id;
	int64_t host_id;
};

pw_err pw_agent_state_save(const char *dir, const struct pw_agent_state *st, struct pw_error *e);
/* PW_ERR_NOTFOUND when the agent has not enrolled. */
pw_err pw_agent_state_load(const char *dir, struct pw_agent_state *st, struct pw_error *e);

/* ---- HTTP client (agent_http.c) ---- */

struct pw_agent_http;

/* One client per process: one connection kept alive across check-ins.
 * ca_file "" or NULL: the system's CAs. Certificates are always verified. */
pw_err pw_agent_http_new(const char *ca_file, struct pw_agent_http **out, struct pw_error *e);
void pw_agent_http_free(struct pw_agent_http *h);

struct pw_agent_reply {
	long status;         /* 0: no HTTP answer (network error, in e) */
	int64_t retry_after; /* seconds from Retry-After, 0 when none */
	struct pw_buf body;  /* at most 1 MiB */
};

/* method "POST" or "PUT"; body JSON; bearer may be NULL. PW_OK whenever an
 * HTTP answer came (whatever its status); PW_ERR_IO for network and TLS
 * failures. The caller frees reply->body. */
pw_err pw_agent_http_send(struct pw_agent_http *h, const char *method, const char *url,
			  const char *bearer, const char *body, size_t len,
			  struct pw_agent_reply *reply, struct pw_error *e);

/* ---- one check-in (checkin.c) ---- */

enum pw_checkin_outcome {
	PW_CHECKIN_OK,
	PW_CHECKIN_RETRY,    /* network error, 5xx, 429: back off and retry */
	PW_CHECKIN_REJECTED, /* 401/403: the credential was refused (revoked?) */
	PW_CHECKIN_PENDING,  /* 403 enrollment_pending: awaits approval, ask again */
	PW_CHECKIN_FAILED,   /* anything else: a local failure or a 4xx */
};

struct pw_checkin_result {
	enum pw_checkin_outcome outcome;
	bool uploaded;        /* the full inventory was sent */
	bool held;            /* ... and the server held it for review (202) */
	int64_t interval_s;   /* the server's interval (0: none given) */
	int64_t retry_after;  /* from Retry-After (0: none) */
	size_t jobs;          /* jobs the server listed */
	char digest[72];
};

/* Scan `root` ("" or NULL: the live host), send the digest, upload the
 * inventory when the server asks. Messages in e. */
struct pw_jobrun;
/* d NULL: jobs are counted and ignored. */
pw_err pw_agent_checkin(struct pw_agent_http *h, const struct pw_agent_state *st,
			const char *root, const struct pw_jobrun *d,
			struct pw_checkin_result *res, struct pw_error *e);

void pw_agent_log(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
