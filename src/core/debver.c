/* debver.c - Debian version comparison, as dpkg does it.
 *
 * The order is dpkg's verrevcmp() (lib/dpkg/version.c); the split and the
 * validity rules are parseversion() (lib/dpkg/parsehelp.c) of dpkg 1.21.
 * Decisions where patchwarden differs from `dpkg --compare-versions` are in
 * tests/data/versions/decisions.md.
 */
#include "pw_debver.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* dpkg's order(): digits and the end sort as 0 (they end a non-digit run),
 * '~' before everything, letters before all other characters. dpkg passes a
 * plain char, signed on amd64, so a byte >= 0x80 lands between the letters
 * and the punctuation; such bytes are invalid, but the order stays dpkg's. */
static int order(char c)
{
	if (is_digit(c))
		return 0;
	if (is_alpha(c))
		return (unsigned char)c;
	if (c == '~')
		return -1;
	if (c)
		return (int)(signed char)c + 256;
	return 0;
}

/* dpkg's verrevcmp over [a, a_end) and [b, b_end). Digit runs are compared
 * as strings after their leading zeros, so any length works. */
static int verrevcmp(const char *a, const char *a_end, const char *b, const char *b_end)
{
#define AC (a < a_end ? *a : '\0')
#define BC (b < b_end ? *b : '\0')
	while (a < a_end || b < b_end) {
		int first_diff = 0;
		/* both sides advance together: equal orders are both non-zero,
		 * so neither side is at its end here */
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
	}
	return 0;
#undef AC
#undef BC
}

struct debver {
	const char *epoch, *epoch_end; /* empty range when no epoch */
	const char *upstream, *upstream_end;
	const char *revision, *revision_end; /* empty range when none */
	int has_epoch, has_revision;
};

/* Split as parseversion() does, without validating: blanks around the
 * version are ignored, the epoch ends at the first colon, the revision
 * starts after the last hyphen of what follows it. */
static void split(const char *v, struct debver *d)
{
	while (is_blank(*v))
		v++;
	size_t len = strlen(v);
	while (len && is_blank(v[len - 1]))
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

/* The epoch as dpkg's strtol() reads it: an optional sign, then digits;
 * anything else ends it (validation refuses that). Saturates instead of
 * overflowing, so a hostile epoch still compares consistently. */
static long long epoch_value(const struct debver *d)
{
	const char *p = d->epoch;
	int negative = 0;
	if (p < d->epoch_end && (*p == '+' || *p == '-'))
		negative = *p++ == '-';
	long long v = 0;
	for (; p < d->epoch_end && is_digit(*p); p++) {
		if (v > (LLONG_MAX - 9) / 10) {
			v = LLONG_MAX;
			break;
		}
		v = v * 10 + (*p - '0');
	}
	return negative ? -v : v;
}

int pw_debver_cmp(const char *a, const char *b)
{
	struct debver da, db;
	split(a, &da);
	split(b, &db);
	long long ea = epoch_value(&da), eb = epoch_value(&db);
	if (ea != eb)
		return ea > eb ? 1 : -1;
	int r = verrevcmp(da.upstream, da.upstream_end, db.upstream, db.upstream_end);
	if (r)
		return r > 0 ? 1 : -1;
	/* a missing revision compares as an empty one ("1.0" == "1.0-0") */
	r = verrevcmp(da.revision, da.revision_end, db.revision, db.revision_end);
	return r > 0 ? 1 : (r < 0 ? -1 : 0);
}

/* A character for a message: itself when printable, else \xNN. */
static const char *show_char(char c, char buf[8])
{
	unsigned char u = (unsigned char)c;
	if (u >= 0x20 && u < 0x7f)
		snprintf(buf, 8, "%c", c);
	else
		snprintf(buf, 8, "\\x%02x", u);
	return buf;
}

/* Messages quote the version, cut to keep them readable. */
#define VFMT "'%.100s%s'"
#define VARG(v) (v), (strlen(v) > 100 ? "..." : "")

pw_err pw_debver_validate(const char *v, struct pw_error *e)
{
	struct debver d;
	char cb[8];
	const char *p = v;
	while (is_blank(*p))
		p++;
	if (!*p)
		return pw_error_set(e, PW_ERR_INVALID, "version string is empty");
	split(v, &d);
	for (const char *q = p; q < d.revision_end; q++) {
		if (is_blank(*q))
			return pw_error_set(e, PW_ERR_INVALID, "version " VFMT " has embedded spaces",
					    VARG(v));
	}
	if (d.has_epoch) {
		/* dpkg reads the epoch with strtol(): a sign is allowed, and a
		 * negative value or one above INT_MAX is refused */
		const char *q = d.epoch;
		if (q < d.epoch_end && (*q == '+' || *q == '-'))
			q++;
		if (d.epoch == d.epoch_end)
			return pw_error_set(e, PW_ERR_INVALID, "epoch in " VFMT " is empty", VARG(v));
		if (q == d.epoch_end)
			return pw_error_set(e, PW_ERR_INVALID, "epoch in " VFMT " is not a number",
					    VARG(v));
		for (; q < d.epoch_end; q++) {
			if (!is_digit(*q))
				return pw_error_set(e, PW_ERR_INVALID,
						    "epoch in " VFMT " is not a number", VARG(v));
		}
		long long epoch = epoch_value(&d);
		if (epoch < 0)
			return pw_error_set(e, PW_ERR_INVALID, "epoch in " VFMT " is negative",
					    VARG(v));
		if (epoch > INT_MAX)
			return pw_error_set(e, PW_ERR_INVALID, "epoch in " VFMT " is too big", VARG(v));
		if (d.upstream == d.revision_end)
			return pw_error_set(e, PW_ERR_INVALID, "nothing after the colon in " VFMT,
					    VARG(v));
	}
	if (d.has_revision && d.revision == d.revision_end)
		return pw_error_set(e, PW_ERR_INVALID, "revision in " VFMT " is empty", VARG(v));
	if (d.upstream == d.upstream_end)
		return pw_error_set(e, PW_ERR_INVALID, "upstream version in " VFMT " is empty",
				    VARG(v));
	/* dpkg only warns when the upstream version does not start with a
	 * digit, and --compare-versions goes on: accepted here too. Characters
	 * outside dpkg's alphabet are refused (decisions.md says why). */
	for (const char *q = d.upstream; q < d.upstream_end; q++) {
		if (!is_digit(*q) && !is_alpha(*q) && !strchr(".-+~:", *q))
			return pw_error_set(e, PW_ERR_INVALID,
					    "invalid character '%s' in upstream version of " VFMT,
					    show_char(*q, cb), VARG(v));
	}
	for (const char *q = d.revision; q < d.revision_end; q++) {
		if (!is_digit(*q) && !is_alpha(*q) && !strchr(".+~", *q))
			return pw_error_set(e, PW_ERR_INVALID,
					    "invalid character '%s' in revision of " VFMT,
					    show_char(*q, cb), VARG(v));
	}
	return PW_OK;
}
