/* cli.c - helpers shared by the commands. */
#include "pw_cli.h"
#include "pw_config.h"
#include "pw_jsonw.h"

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
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

bool pw_cli_program_path(const char *name, char *path, size_t size)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			int k = snprintf(path, size, "%s/%s", self, name);
			if (k > 0 && (size_t)k < size && access(path, X_OK) == 0)
				return true;
		}
	}
	int k = snprintf(path, size, "%s/%s", PW_LIBEXECDIR, name);
	return k > 0 && (size_t)k < size;
}

int pw_cli_print_json(const json_t *doc, size_t flags)
{
	char *text = json_dumps(doc, flags);
	if (!text)
		return -1;
	pw_json_shortest_reals(text);
	int rc = fputs(text, stdout) < 0 || putchar('\n') == EOF ? -1 : 0;
	free(text);
	return rc;
}

bool pw_cli_stdout_is_tty(void)
{
	return isatty(STDOUT_FILENO) == 1;
}
