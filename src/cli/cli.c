/* cli.c - helpers shared by the commands. */
#include "pw_cli.h"
#include "pw_config.h"
#include "pw_jsonw.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pw_buf.h"
#include "pw_text.h"

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

/* Print one line to stderr, escaped: messages quote input and stored values. */
static void vline(const char *prefix, const char *fmt, va_list ap)
{
	char msg[2048];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	struct pw_buf safe = PW_BUF_INIT;
	size_t used;
	bool ok = pw_text_escape(&safe, msg, strlen(msg), PW_TEXT_FINAL, &used) == PW_OK;
	fprintf(stderr, "%s%s\n", prefix, ok && safe.data ? safe.data : ok ? "" : "(unprintable)");
	pw_buf_free(&safe);
}

void pw_cli_error(const char *verb, const char *fmt, ...)
{
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "patchwarden %s: ", verb);
	va_list ap;
	va_start(ap, fmt);
	vline(prefix, fmt, ap);
	va_end(ap);
}

void pw_cli_message(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vline("", fmt, ap);
	va_end(ap);
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

/* ---- stdout safe for a terminal ----
 *
 * Tables print host names, package names and versions that came from
 * hosts, imports and older stores: rather than trust every printf of every
 * verb to escape them, stdout itself escapes control characters (pw_text.h)
 * on their way to the file descriptor. Lines and tabs pass; JSON passes
 * unchanged, as its writers never emit raw C0 and DEL or C1 become the
 * JSON escape of the same character. stderr is left alone, for progress
 * lines that use '\r'; pw_cli_error() escapes its messages itself. */

struct safe_out {
	int fd;
	char held[4]; /* the start of a UTF-8 sequence cut between two writes */
	size_t nheld;
};

static bool write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		p += k;
		n -= (size_t)k;
	}
	return true;
}

/* true when data is printable ASCII, lines and tabs: written as it is */
static bool plain(const char *data, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)data[i];
		if ((c < 0x20 && c != '\n' && c != '\t') || c >= 0x7f)
			return false;
	}
	return true;
}

static ssize_t safe_write(void *cookie, const char *data, size_t n)
{
	struct safe_out *so = cookie;
	if (!so->nheld && plain(data, n))
		return write_all(so->fd, data, n) ? (ssize_t)n : -1;
	struct pw_buf in = PW_BUF_INIT, out = PW_BUF_INIT;
	size_t used = 0;
	bool ok = pw_buf_add(&in, so->held, so->nheld) == PW_OK &&
		  pw_buf_add(&in, data, n) == PW_OK &&
		  pw_text_escape(&out, in.data, in.len, PW_TEXT_KEEP_LINES | PW_TEXT_JSON_BYTES,
				 &used) == PW_OK &&
		  in.len - used <= sizeof(so->held) && write_all(so->fd, out.data, out.len);
	if (ok) {
		so->nheld = in.len - used;
		memcpy(so->held, in.data + used, so->nheld);
	}
	pw_buf_free(&in);
	pw_buf_free(&out);
	return ok ? (ssize_t)n : -1;
}

static struct safe_out safe_stdout = { .fd = STDOUT_FILENO };

/* At exit: output that ends inside a UTF-8 sequence still gets out,
 * escaped, after the rest (exit() runs this before it flushes streams). */
static void flush_held(void)
{
	fflush(stdout);
	struct pw_buf out = PW_BUF_INIT;
	size_t used;
	if (safe_stdout.nheld &&
	    pw_text_escape(&out, safe_stdout.held, safe_stdout.nheld,
			   PW_TEXT_FINAL | PW_TEXT_JSON_BYTES, &used) ==
		    PW_OK)
		write_all(safe_stdout.fd, out.data, out.len);
	safe_stdout.nheld = 0;
	pw_buf_free(&out);
}

void pw_cli_safe_stdout(void)
{
	cookie_io_functions_t io = { .write = safe_write };
	FILE *f = fopencookie(&safe_stdout, "w", io);
	if (!f || atexit(flush_held) != 0)
		return; /* out of memory at start: the plain stream still works */
	setvbuf(f, NULL, isatty(STDOUT_FILENO) == 1 ? _IOLBF : _IOFBF, BUFSIZ);
	/* one thread writes stdout (the server's threads log to stderr): no
	 * lock per putchar, which cost vercmp --batch a fifth of its time */
	__fsetlocking(f, FSETLOCKING_BYCALLER);
	stdout = f;
}

void pw_cli_put_csv(const struct pw_buf *rows)
{
	const char *p = rows->data, *end = p ? p + rows->len : p;
	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		size_t keep = n && p[n - 1] == '\r' ? n - 1 : n; /* the row end's CR */
		fwrite(p, 1, keep, stdout);
		if (nl)
			putchar('\n');
		p += n + (nl != NULL);
	}
}
