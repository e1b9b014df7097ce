/* debver.c - Debian version comparison, as dpkg does it. */
#include "pw_debver.h"

#include <limits.h>
#include <string.h>

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* dpkg's order(): digits and the end sort as 0 (they end a non-digit run),
 * '~' before everything, letters before all other characters. */
static int order(char c)
{
	if (is_digit(c))
		return 0;
	if (is_alpha(c))
		return (unsigned char)c;
	if (c == '~')
		return -1;
	if (c)
		return (unsigned char)c + 256;
	return 0;
}

/* dpkg's verrevcmp over [a, a_end) and [b, b_end). */
static int verrevcmp(const char *a, const char *a_end, const char *b, const char *b_end)
{
#define AC (a < a_end ? *a : '\0')
#define BC (b < b_end ? *b : '\0')
	while (a < a_end || b < b_end) {
		int first_diff = 0;
		while ((AC && !is_digit(AC)) || (BC && !is_digit(BC))) {
			int ac = order(AC), bc = order(BC);
			if (ac != bc)
				return ac - bc;
			a++;
			b++;
		}
		while (AC == '0')
			a++;
		while (BC == '0')
			b++;
		while (is_digit(AC) && is_digit(BC)) {
			if (!first_diff)
				first_diff = AC - BC;
			a++;
			b++;
		}
		if (is_digit(AC))
			return 1;
		if (is_digit(BC))
			return -1;
		if (first_diff)
			return first_diff;
		/* a NUL inside the range (never in C strings) must not loop */
		if ((a < a_end && !*a) || (b < b_end && !*b))
			break;
	}
	return 0;
#undef AC
#undef BC
}

struct debver {
	const char *epoch, *epoch_end;     /* empty range when no epoch */
	const char *upstream, *upstream_end;
	const char *revision, *revision_end; /* empty range when none */
	int has_epoch, has_revision;
};

/* Split without validating: leading/trailing blanks are ignored as dpkg does. */
static void split(const char *v, struct debver *d)
{
	while (*v == ' ' || *v == '\t')
		v++;
	size_t len = strlen(v);
	while (len && (v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	const char *end = v + len;
	const char *colon = memchr(v, ':', len);
	d->has_epoch = colon != NULL;
	d->epoch = v;
	d->epoch_end = colon ? colon : v;
	d->upstream = colon ? colon + 1 : v;
	const char *hyphen = NULL;
	for (const char *p = d->upstream; p < end; p++) {
		if (*p == '-')
			hyphen = p;
	}
	d->has_revision = hyphen != NULL;
	d->upstream_end = hyphen ? hyphen : end;
	d->revision = hyphen ? hyphen + 1 : end;
	d->revision_end = end;
}

/* The epoch as a number; non-digits end it (dpkg would have refused). */
static long epoch_value(const struct debver *d)
{
	long v = 0;
	for (const char *p = d->epoch; p < d->epoch_end && is_digit(*p); p++) {
		if (v > (LONG_MAX - 9) / 10)
			return LONG_MAX;
		v = v * 10 + (*p - '0');
	}
	return v;
}

int pw_debver_cmp(const char *a, const char *b)
{
	struct debver da, db;
	split(a, &da);
	split(b, &db);
	long ea = epoch_value(&da), eb = epoch_value(&db);
	if (ea != eb)
		return ea > eb ? 1 : -1;
	int r = verrevcmp(da.upstream, da.upstream_end, db.upstream, db.upstream_end);
	if (r)
		return r > 0 ? 1 : -1;
	/* a missing revision compares as an empty one ("1.0" == "1.0-0") */
	r = verrevcmp(da.revision, da.revision_end, db.revision, db.revision_end);
	return r > 0 ? 1 : (r < 0 ? -1 : 0);
}

pw_err pw_debver_validate(const char *v, struct pw_error *e)
{
	struct debver d;
	const char *p = v;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return pw_error_set(e, PW_ERR_INVALID, "version string is empty");
	split(v, &d);
	for (const char *q = p; q < d.revision_end; q++) {
		if (*q == ' ' || *q == '\t')
			return pw_error_set(e, PW_ERR_INVALID, "version '%s' has embedded spaces", v);
	}
	if (d.has_epoch) {
		if (d.epoch == d.epoch_end)
			return pw_error_set(e, PW_ERR_INVALID, "epoch in version '%s' is empty", v);
		for (const char *q = d.epoch; q < d.epoch_end; q++) {
			if (!is_digit(*q))
				return pw_error_set(e, PW_ERR_INVALID,
						    "epoch in version '%s' is not a number", v);
		}
		if (d.epoch_end - d.epoch > 9 && epoch_value(&d) > INT_MAX)
			return pw_error_set(e, PW_ERR_INVALID, "epoch in version '%s' is too big", v);
		if (d.upstream == d.revision_end)
			return pw_error_set(e, PW_ERR_INVALID, "nothing after colon in version '%s'", v);
	}
	if (d.upstream == d.upstream_end)
		return pw_error_set(e, PW_ERR_INVALID, "upstream version in '%s' is empty", v);
	if (d.has_revision && d.revision == d.revision_end)
		return pw_error_set(e, PW_ERR_INVALID, "revision in version '%s' is empty", v);
	for (const char *q = d.upstream; q < d.upstream_end; q++) {
		if (!is_digit(*q) && !is_alpha(*q) && !strchr(".-+~:", *q))
			return pw_error_set(e, PW_ERR_INVALID,
					    "invalid character '%c' in upstream version of '%s'", *q, v);
	}
	for (const char *q = d.revision; q < d.revision_end; q++) {
		if (!is_digit(*q) && !is_alpha(*q) && !strchr(".+~", *q))
			return pw_error_set(e, PW_ERR_INVALID,
					    "invalid character '%c' in revision of '%s'", *q, v);
	}
	return PW_OK;
}
