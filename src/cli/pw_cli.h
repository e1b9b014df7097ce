/* pw_cli.h - what every command shares: the verb table, output formats,
 * exit codes and error printing. Only commands print and exit.
 */
#ifndef PW_CLI_H
#define PW_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "pw_err.h"

/* Exit codes, documented in patchwarden(1). */
enum {
	PW_EXIT_OK = 0,
	PW_EXIT_FOUND = 1,  /* assess: something at or above the threshold */
	PW_EXIT_ERROR = 2,  /* usage error, invalid input, or a failure */
};

enum pw_format {
	PW_FORMAT_TABLE,
	PW_FORMAT_JSON,
	PW_FORMAT_CSV,
};

/* Parse "table", "json" or "csv"; false (and a message) when unknown or not
 * in `allowed` (a bit set of 1 << PW_FORMAT_*). */
bool pw_cli_parse_format(const char *s, unsigned allowed, enum pw_format *out);

/* Print "patchwarden VERB: message" to stderr, control characters escaped. */
void pw_cli_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print one line to stderr as it is, but for control characters, escaped
 * (as in pw_cli_error()). */
void pw_cli_message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print a pw_error once, prefixed by the verb. */
void pw_cli_report(const char *verb, const struct pw_error *e);

/* The path of a patchwarden program (e.g. "patchwarden-server"): beside the
 * running program (a build tree, or a relocated install) when there, else in
 * the install's libexec directory. false when the path does not fit. */
bool pw_cli_program_path(const char *name, char *path, size_t size);

/* Make stdout escape control characters (pw_text.h) before they reach the
 * terminal or file: called first by each program's main(). */
void pw_cli_safe_stdout(void);
/* Print CSV rows made by pw_csv.h (CRLF line ends) with LF ends: the
 * stdout filter above would escape every CR. */
struct pw_buf;
void pw_cli_put_csv(const struct pw_buf *rows);
/* Print a JSON document to stdout with jansson's `flags`, then a newline;
 * reals in their shortest form that reads back the same (8.8, not
 * 8.8000000000000007). -1 when it cannot be encoded or written. */
int pw_cli_print_json(const json_t *doc, size_t flags);

int cmd_vercmp(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_assess(int argc, char **argv);

#endif
