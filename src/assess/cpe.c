/* cpe.c - CPE 2.3 names and matching against NVD criteria (pw_cpe.h). */
#include "pw_cpe.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

pw_err pw_cpe_parse(const char *s, struct pw_cpe *out, struct pw_error *e)
{
	static const char prefix[] = "cpe:2.3:";
	memset(out->attr, 0, sizeof(out->attr));
	if (strncmp(s, prefix, sizeof(prefix) - 1) != 0)
		return pw_error_set(e, PW_ERR_PARSE, "'%.80s' is not a CPE 2.3 name (cpe:2.3:...)",
				    s);
	const char *p = s + sizeof(prefix) - 1;
	size_t w = 0, n = 0;
	out->attr[n] = out->buf;
	for (;; p++) {
		if (w + 2 > sizeof(out->buf))
			return pw_error_set(e, PW_ERR_LIMIT, "CPE name longer than %d bytes", PW_CPE_MAX);
		if (*p == '\\') {
			if (!p[1])
				return pw_error_set(e, PW_ERR_PARSE, "'%.80s': dangling '\\' at the end", s);
			out->buf[w++] = *++p;
			continue;
		}
		if (*p != ':' && *p) {
			out->buf[w++] = *p;
			continue;
		}
		if (out->attr[n] == out->buf + w)
			return pw_error_set(e, PW_ERR_PARSE, "'%.80s': attribute %zu is empty", s, n + 1);
		out->buf[w++] = '\0';
		if (!*p)
			break;
		if (++n == PW_CPE_ATTRS)
			return pw_error_set(e, PW_ERR_PARSE, "'%.80s': more than %d attributes", s,
					    PW_CPE_ATTRS);
		out->attr[n] = out->buf + w;
	}
	if (n + 1 != PW_CPE_ATTRS)
		return pw_error_set(e, PW_ERR_PARSE, "'%.80s': %zu attributes, a CPE 2.3 name has %d",
				    s, n + 1, PW_CPE_ATTRS);
	const char *part = out->attr[PW_CPE_PART];
	if (strlen(part) != 1 || !strchr("aoh*", part[0]))
		return pw_error_set(e, PW_ERR_PARSE, "'%.80s': part must be a, o or h, not '%s'", s,
				    part);
	return PW_OK;
}

static bool is_any(const char *v)
{
	return strcmp(v, "*") == 0;
}

static bool is_na(const char *v)
{
	return strcmp(v, "-") == 0;
}

/* One segment: a run of digits or of letters; *num says which. Skips
 * separators before it. false at the end. */
static bool segment(const char **p, const char **start, size_t *len, bool *num)
{
	const char *s = *p;
	while (*s && !isalnum((unsigned char)*s))
		s++;
	if (!*s)
		return false;
	*start = s;
	*num = isdigit((unsigned char)*s) != 0;
	while (*s && isalnum((unsigned char)*s) && (isdigit((unsigned char)*s) != 0) == *num)
		s++;
	*len = (size_t)(s - *start);
	*p = s;
	return true;
}

int pw_cpe_version_cmp(const char *a, const char *b)
{
	const char *pa = a, *pb = b;
	for (;;) {
		const char *sa, *sb;
		size_t la, lb;
		bool na, nb;
		bool ha = segment(&pa, &sa, &la, &na), hb = segment(&pb, &sb, &lb, &nb);
		if (!ha && !hb)
			return 0;
		if (!ha) /* a ended: older unless b goes on with a pre-release tag */
			return nb ? -1 : 1;
		if (!hb)
			return na ? 1 : -1;
		if (na != nb) /* a number outranks letters ("1.1" > "1.a") */
			return na ? 1 : -1;
		if (na) {
			while (la > 1 && *sa == '0')
				sa++, la--;
			while (lb > 1 && *sb == '0')
				sb++, lb--;
			if (la != lb)
				return la < lb ? -1 : 1;
			int c = memcmp(sa, sb, la);
			if (c)
				return c < 0 ? -1 : 1;
		} else {
			size_t l = la < lb ? la : lb;
			for (size_t i = 0; i < l; i++) {
				int x = tolower((unsigned char)sa[i]), y = tolower((unsigned char)sb[i]);
				if (x != y)
					return x < y ? -1 : 1;
			}
			if (la != lb)
				return la < lb ? -1 : 1;
		}
	}
}

static bool attr_eq(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

static bool has_range(const struct pw_cpe_match *m)
{
	return m->version_start_including || m->version_start_excluding ||
	       m->version_end_including || m->version_end_excluding;
}

bool pw_cpe_matches(const struct pw_cpe *device, const struct pw_cpe *criterion,
		    const struct pw_cpe_match *m)
{
	for (int i = PW_CPE_PART; i <= PW_CPE_PRODUCT; i++) {
		const char *c = criterion->attr[i], *d = device->attr[i];
		if (!is_any(c) && !attr_eq(c, d))
			return false;
	}
	for (int i = PW_CPE_UPDATE; i < PW_CPE_ATTRS; i++) {
		const char *c = criterion->attr[i], *d = device->attr[i];
		if (!is_any(c) && !is_any(d) && !attr_eq(c, d))
			return false;
	}
	const char *cv = criterion->attr[PW_CPE_VERSION], *dv = device->attr[PW_CPE_VERSION];
	bool unknown = is_any(dv) || is_na(dv);
	if (is_na(cv))
		return is_na(dv);
	if (!is_any(cv))
		return !unknown && pw_cpe_version_cmp(dv, cv) == 0;
	if (!has_range(m))
		return true;
	if (unknown)
		return false;
	if (m->version_start_including && pw_cpe_version_cmp(dv, m->version_start_including) < 0)
		return false;
	if (m->version_start_excluding && pw_cpe_version_cmp(dv, m->version_start_excluding) <= 0)
		return false;
	if (m->version_end_including && pw_cpe_version_cmp(dv, m->version_end_including) > 0)
		return false;
	if (m->version_end_excluding && pw_cpe_version_cmp(dv, m->version_end_excluding) >= 0)
		return false;
	return true;
}
