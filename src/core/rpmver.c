/* rpmver.c - RPM version comparison, as librpm 4.18 does it: rpmvercmp()
 * (lib/rpmvercmp.c) on each field, and rpmverCmp() (rpmio/rpmver.c) with
 * parseEVR() for whole "[E:]V[-R]" strings. */
#include "pw_rpmver.h"

#include <string.h>

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int sign(int v)
{
	return v > 0 ? 1 : (v < 0 ? -1 : 0);
}

/* rpmvercmp over [a, ae) and [b, be); no copies, no mutation. */
static int vercmp_range(const char *a, const char *ae, const char *b, const char *be)
{
	if (ae - a == be - b && memcmp(a, b, (size_t)(ae - a)) == 0)
		return 0;
	while (a < ae || b < be) {
		while (a < ae && !is_digit(*a) && !is_alpha(*a) && *a != '~' && *a != '^')
			a++;
		while (b < be && !is_digit(*b) && !is_alpha(*b) && *b != '~' && *b != '^')
			b++;
		/* tilde sorts before everything else */
		if ((a < ae && *a == '~') || (b < be && *b == '~')) {
			if (!(a < ae && *a == '~'))
				return 1;
			if (!(b < be && *b == '~'))
				return -1;
			a++;
			b++;
			continue;
		}
		/* caret: like tilde, but a base version that ends is lower */
		if ((a < ae && *a == '^') || (b < be && *b == '^')) {
			if (a == ae)
				return -1;
			if (b == be)
				return 1;
			if (*a != '^')
				return 1;
			if (*b != '^')
				return -1;
			a++;
			b++;
			continue;
		}
		if (!(a < ae && b < be))
			break;
		const char *sa = a, *sb = b;
		int isnum = is_digit(*a);
		if (isnum) {
			while (a < ae && is_digit(*a))
				a++;
			while (b < be && is_digit(*b))
				b++;
		} else {
			while (a < ae && is_alpha(*a))
				a++;
			while (b < be && is_alpha(*b))
				b++;
		}
		/* segments of different types: numeric is newer */
		if (sb == b)
			return isnum ? 1 : -1;
		if (isnum) {
			while (sa < a && *sa == '0')
				sa++;
			while (sb < b && *sb == '0')
				sb++;
			if (a - sa != b - sb)
				return a - sa > b - sb ? 1 : -1;
		}
		size_t la = (size_t)(a - sa), lb = (size_t)(b - sb);
		int r = memcmp(sa, sb, la < lb ? la : lb);
		if (r)
			return sign(r);
		if (la != lb)
			return la > lb ? 1 : -1;
	}
	if (a == ae && b == be)
		return 0;
	return a == ae ? -1 : 1;
}

int pw_rpmver_segcmp(const char *a, const char *b)
{
	return vercmp_range(a, a + strlen(a), b, b + strlen(b));
}

struct evr {
	const char *e, *ee; /* NULL e: no epoch ("0") */
	const char *v, *ve;
	const char *r, *re; /* NULL r: no release */
};

/* librpm's parseEVR: an epoch is a leading digit run ended by ':'; the
 * release follows the last '-'. */
static void parse_evr(const char *s, struct evr *x)
{
	const char *end = s + strlen(s);
	const char *p = s;
	while (p < end && is_digit(*p))
		p++;
	const char *rest = p;
	if (p < end && *p == ':') {
		x->e = s;
		x->ee = p;
		rest = p + 1;
	} else {
		x->e = x->ee = NULL;
		rest = s;
	}
	const char *hyphen = NULL;
	for (const char *q = (x->e ? rest : p); q < end; q++) {
		if (*q == '-')
			hyphen = q;
	}
	x->v = rest;
	if (hyphen) {
		x->ve = hyphen;
		x->r = hyphen + 1;
		x->re = end;
	} else {
		x->ve = end;
		x->r = x->re = NULL;
	}
}

int pw_rpmver_cmp(const char *a, const char *b)
{
	static const char zero[] = "0";
	struct evr x, y;
	parse_evr(a, &x);
	parse_evr(b, &y);
	const char *xe = x.e && x.e != x.ee ? x.e : zero, *xee = x.e && x.e != x.ee ? x.ee : zero + 1;
	const char *ye = y.e && y.e != y.ee ? y.e : zero, *yee = y.e && y.e != y.ee ? y.ee : zero + 1;
	int r = vercmp_range(xe, xee, ye, yee);
	if (r)
		return r;
	r = vercmp_range(x.v, x.ve, y.v, y.ve);
	if (r)
		return r;
	/* librpm 4.18's rpmverCmp() (rpm.ver() in lua) and python's
	 * labelCompare(): a missing release sorts before any release, even
	 * an empty one ("1 < 1-"); rpmdsCompare's "no release matches any"
	 * is a dependency rule, not an order */
	if (x.r && y.r)
		return vercmp_range(x.r, x.re, y.r, y.re);
	if (x.r || y.r)
		return x.r ? 1 : -1;
	return 0;
}

/* Messages quote the version, cut to keep them readable. */
#define VFMT "'%.100s%s'"
#define VARG(v) (v), (strlen(v) > 100 ? "..." : "")

pw_err pw_rpmver_validate(const char *v, struct pw_error *e)
{
	if (!*v)
		return pw_error_set(e, PW_ERR_INVALID, "version string is empty");
	for (const char *p = v; *p; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return pw_error_set(e, PW_ERR_INVALID,
					    "version " VFMT " has a space or control character",
					    VARG(v));
	}
	struct evr x;
	parse_evr(v, &x);
	if (x.v == x.ve)
		return pw_error_set(e, PW_ERR_INVALID, "version part of " VFMT " is empty", VARG(v));
	return PW_OK;
}
