/* csv.c - RFC 4180 cells, formula-injection safe (pw_csv.h). */
#include "pw_csv.h"

static pw_err end(struct pw_buf *b, bool last)
{
	return last ? pw_buf_add(b, "\r\n", 2) : pw_buf_addc(b, ',');
}

pw_err pw_csv_text(struct pw_buf *b, const char *s, bool last)
{
	pw_err rc = pw_buf_addc(b, '"');
	if (!rc && s && (*s == '=' || *s == '+' || *s == '-' || *s == '@' || *s == '\t' ||
			 *s == '\r'))
		rc = pw_buf_addc(b, '\'');
	for (const char *p = s; !rc && p && *p; p++) {
		if (*p == '"')
			rc = pw_buf_addc(b, '"');
		if (!rc)
			rc = pw_buf_addc(b, *p);
	}
	if (!rc)
		rc = pw_buf_addc(b, '"');
	return rc ? rc : end(b, last);
}

pw_err pw_csv_int(struct pw_buf *b, int64_t v, bool last)
{
	pw_err rc = pw_buf_addf(b, "%lld", (long long)v);
	return rc ? rc : end(b, last);
}
