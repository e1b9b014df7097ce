/* pw_server_cli.h - the verbs of patchwarden-server, the program that runs
 * the server and administers its store. `patchwarden VERB` hands these
 * verbs to it (main.c), so the everyday commands (scan, assess, vercmp)
 * never load the HTTP, TLS and crypto libraries.
 */
#ifndef PW_SERVER_CLI_H
#define PW_SERVER_CLI_H

#include <stddef.h>
#include <stdint.h>

int cmd_feed(int argc, char **argv);       /* cmd_feed.c: import, sync, status */
int cmd_serve(int argc, char **argv);      /* cmd_serve.c */
int cmd_db(int argc, char **argv);         /* cmd_db.c: backup, migrate */
int cmd_user(int argc, char **argv);       /* cmd_user.c: add, list, passwd, disable */
int cmd_token(int argc, char **argv);      /* cmd_token.c: API tokens */
int cmd_audit(int argc, char **argv);      /* cmd_audit.c: list, verify */
int cmd_host(int argc, char **argv);       /* cmd_host.c: list, show, set */
int cmd_group(int argc, char **argv);      /* cmd_group.c: static and dynamic groups */
int cmd_finding(int argc, char **argv);    /* cmd_finding.c: list the server's findings */
int cmd_asset(int argc, char **argv);      /* cmd_asset.c: import-inventory, import-devices */
int cmd_enrollment(int argc, char **argv); /* cmd_enrollment.c: enrollment tokens */
int cmd_policy(int argc, char **argv);     /* cmd_policy.c: show, check the deployment policy */
int cmd_quarantine(int argc, char **argv); /* cmd_quarantine.c: list, export, evaluate */
int cmd_change(int argc, char **argv);     /* cmd_change.c: changes, approvals, rings */
int cmd_exception(int argc, char **argv);  /* cmd_exception.c: risk acceptance */
int cmd_baseline(int argc, char **argv);   /* cmd_baseline.c: known-good baselines, drift */
int cmd_kpi(int argc, char **argv);        /* cmd_kpi.c: the KPIs */

/* server_cli.c: shared by the verbs above. */
struct pw_store;
/* The audit log's name for this command's user: "local:alice". */
void pw_server_cli_actor(char *out, size_t size);
/* Open the store (path NULL: the default) with every server module's
 * migrations applied; PW_EXIT_ERROR (reported as `verb`) on failure. */
int pw_server_cli_open_store(const char *verb, const char *path, struct pw_store **s);
/* The same for a command that only reads, or changes what must exist: a
 * store that does not exist is refused (PW_EXIT_ERROR, the path named) and
 * no file is left behind. */
int pw_server_cli_open_existing_store(const char *verb, const char *path, struct pw_store **s);
/* A host by id, hostname or machine id; 0 (reported: "no host with id or
 * name 'X'") when none or several. */
int64_t pw_server_cli_resolve_host(const char *verb, struct pw_store *s, const char *arg);

#endif
