/* err.c - error codes and their messages. */
#include "pw_err.h"

#include <stdio.h>

const char *pw_strerror(pw_err code)
{
	switch (code) {
	case PW_OK: return "success";
	case PW_ERR_NOMEM: return "out of memory";
	case PW_ERR_IO: return "input/output error";
	case PW_ERR_PARSE: return "parse error";
	case PW_ERR_INVALID: return "invalid value";
	case PW_ERR_NOTFOUND: return "not found";
	case PW_ERR_EXEC: return "helper program failed";
	case PW_ERR_LIMIT: return "size limit exceeded";
	case PW_ERR_UNSUPPORTED: return "unsupported";
	case PW_ERR_USAGE: return "usage error";
	case PW_ERR_FULL: return "no space left";
	case PW_ERR_CORRUPT: return "damaged file";
	}
	return "unknown error";
}

pw_err pw_error_setv(struct pw_error *e, pw_err code, const char *fmt, va_list ap)
{
	if (!e)
		return code;
	e->code = code;
	int n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	if (n < 0)
		snprintf(e->msg, sizeof(e->msg), "%s", pw_strerror(code));
	return code;
}

pw_err pw_error_set(struct pw_error *e, pw_err code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pw_error_setv(e, code, fmt, ap);
	va_end(ap);
	return code;
}

void pw_error_clear(struct pw_error *e)
{
	if (!e)
		return;
	e->code = PW_OK;
	e->msg[0] = '\0';
}
