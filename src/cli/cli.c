/* cli.c - helpers shared by the commands. */
#include "pw_cli.h"

#include <stdarg.h>
#include <string.h>
#include <unistd.h>

bool pw_cli_parse_format(const char *s, unsigned allowed, enum pw_format *out)
{
	static const char *names[] = { "table", "json", "csv" };
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i]) == 0 && (allowed & (1u << i))) {
			*out = (enum pw_format)i;
			return true;
		}
	}
	return false;
}

void pw_cli_error(const char *verb, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "patchwarden %s: ", verb);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void pw_cli_report(const char *verb, const struct pw_error *e)
{
	pw_cli_error(verb, "%s", e->msg[0] ? e->msg : pw_strerror(e->code));
}

bool pw_cli_stdout_is_tty(void)
{
	return isatty(STDOUT_FILENO) == 1;
}
