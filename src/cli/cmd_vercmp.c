/* cmd_vercmp.c - `patchwarden vercmp`: compare versions by a family's rules. */
#include "pw_cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "pw_version.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: patchwarden vercmp [--scheme deb|rpm|apk] [--] A B\n"
		"       patchwarden vercmp [--scheme deb|rpm|apk] --batch < pairs\n"
		"\n"
		"Compare two package versions by the rules of a package family and print\n"
		"one of '<', '=' or '>'.\n"
		"\n"
		"  -s, --scheme S  deb (dpkg's rules, the default), rpm (librpm's EVR\n"
		"                  rules) or apk (apk-tools' rules)\n"
		"  -b, --batch     read lines 'A B' (whitespace-separated; blank lines are\n"
		"                  skipped) on standard input and print one result per line;\n"
		"                  an invalid pair prints '!' and a message with its line\n"
		"                  number on standard error, and reading goes on\n"
		"  -h, --help      show this help\n"
		"\n"
		"Exit status: 0 when every version was valid; 2 when a version was invalid\n"
		"(the message names which one and why; with --batch, when any pair was\n"
		"invalid, after all pairs were compared), on a usage error or when\n"
		"standard input or output failed.\n");
}

static char result_char(int r)
{
	return r < 0 ? '<' : (r > 0 ? '>' : '=');
}

/* Split a batch line into two whitespace-separated fields, in place. */
static bool split_pair(char *line, char **a, char **b)
{
	char *p = line;
	while (*p == ' ' || *p == '\t')
		p++;
	*a = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	if (!*p)
		return false;
	*p++ = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	*b = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	char *end = p;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p || *b == end)
		return false;
	*end = '\0';
	return true;
}

static int run_batch(enum pw_scheme scheme)
{
	static char outbuf[1 << 16];
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0;
	int status = PW_EXIT_OK;
	while ((n = getline(&line, &cap, stdin)) != -1) {
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		char *a, *b;
		const char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			continue;
		if (!split_pair(line, &a, &b)) {
			putchar('!');
			putchar('\n');
			pw_cli_error("vercmp", "line %lu: expected two versions 'A B'", lineno);
			status = PW_EXIT_ERROR;
			continue;
		}
		int r;
		struct pw_error e;
		if (pw_version_compare(scheme, a, b, &r, &e)) {
			putchar('!');
			putchar('\n');
			pw_cli_error("vercmp", "line %lu: %s", lineno, e.msg);
			status = PW_EXIT_ERROR;
			continue;
		}
		putchar(result_char(r));
		putchar('\n');
	}
	free(line);
	if (ferror(stdin)) {
		pw_cli_error("vercmp", "reading standard input failed after line %lu", lineno);
		status = PW_EXIT_ERROR;
	}
	if (fflush(stdout) != 0) {
		pw_cli_error("vercmp", "writing standard output failed");
		return PW_EXIT_ERROR;
	}
	return status;
}

int cmd_vercmp(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "scheme", required_argument, NULL, 's' },
		{ "batch", no_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum pw_scheme scheme = PW_SCHEME_DEB;
	bool batch = false;
	int c;

	optind = 1;
	/* '+': stop at the first operand, so nothing after A is taken as an option */
	while ((c = getopt_long(argc, argv, "+s:bh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!pw_scheme_parse(optarg, &scheme)) {
				pw_cli_error("vercmp", "unknown scheme '%s' (expected deb, rpm or apk)",
					     optarg);
				return PW_EXIT_ERROR;
			}
			break;
		case 'b': batch = true; break;
		case 'h': usage(stdout); return PW_EXIT_OK;
		default: usage(stderr); return PW_EXIT_ERROR;
		}
	}
	if (batch) {
		if (optind != argc) {
			pw_cli_error("vercmp", "--batch reads pairs from standard input, not arguments");
			return PW_EXIT_ERROR;
		}
		return run_batch(scheme);
	}
	if (argc - optind != 2) {
		usage(stderr);
		return PW_EXIT_ERROR;
	}
	int r;
	struct pw_error e;
	if (pw_version_compare(scheme, argv[optind], argv[optind + 1], &r, &e)) {
		pw_cli_error("vercmp", "%s", e.msg);
		return PW_EXIT_ERROR;
	}
	printf("%c\n", result_char(r));
	return fflush(stdout) == 0 ? PW_EXIT_OK : PW_EXIT_ERROR;
}
