/* pw_err.h - one error enum for the whole library, plus a context message.
 *
 * Library functions return a pw_err and, when given a struct pw_error, fill
 * it with a sentence naming what went wrong and where (file:line, field, id).
 * Commands print that sentence once, at their top (curl's CURLcode pattern).
 */
#ifndef PW_ERR_H
#define PW_ERR_H

#include <stdarg.h>

typedef enum pw_err {
	PW_OK = 0,
	PW_ERR_NOMEM,       /* allocation failed */
	PW_ERR_IO,          /* a file or pipe could not be read or written */
	PW_ERR_PARSE,       /* input is malformed */
	PW_ERR_INVALID,     /* a value is not acceptable (e.g. an invalid version) */
	PW_ERR_NOTFOUND,    /* a file, record or key does not exist */
	PW_ERR_EXEC,        /* a helper program failed or could not run */
	PW_ERR_LIMIT,       /* a size limit was exceeded */
	PW_ERR_UNSUPPORTED, /* a format or option this build does not handle */
	PW_ERR_USAGE,       /* a caller passed wrong arguments */
	PW_ERR_FULL,        /* the disk holding a file (the store) is full */
	PW_ERR_CORRUPT,     /* a file (the store) is damaged or not what it should be */
} pw_err;

#define PW_ERROR_MSG_MAX 512

struct pw_error {
	pw_err code;
	char msg[PW_ERROR_MSG_MAX];
};

/* Short fixed text for a code ("parse error"). Never NULL. */
const char *pw_strerror(pw_err code);

/* Record code and a printf-style message in e (e may be NULL); returns code
 * so callers can write `return pw_error_set(e, PW_ERR_PARSE, "...")`. */
pw_err pw_error_set(struct pw_error *e, pw_err code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
pw_err pw_error_setv(struct pw_error *e, pw_err code, const char *fmt, va_list ap);

/* Reset e to PW_OK with an empty message. */
void pw_error_clear(struct pw_error *e);

#endif
