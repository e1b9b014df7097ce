/* tz.c - TZif (RFC 8536) reader and UTC offset lookup; see pw_tz.h for why
 * the zone is parsed here instead of switching TZ with tzset(). */
#include "pw_tz.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pw_file.h"

#define TZ_MAX_TIMES 20000 /* real zones have < 300 */
#define TZ_MAX_TYPES 256

/* A POSIX TZ rule date: Jn, n or Mm.w.d, at `time` seconds local. */
struct rule_date {
	char kind; /* 'J', 'D' (zero-based day) or 'M' */
	int a, b, c;
	int32_t time;
};

struct pw_tz {
	size_t n;          /* transitions */
	int64_t *at;       /* instants, ascending */
	int32_t *off_after; /* offset from at[i] on */
	int32_t off_before; /* before the first transition (type 0) */
	bool has_rule;      /* a footer rule governs instants after the last one */
	int32_t std_off, dst_off; /* seconds east */
	bool rule_dst;
	struct rule_date start, end;
};

static const struct pw_tz utc_zone = { 0, NULL, NULL, 0, false, 0, 0, false, { 0, 0, 0, 0, 0 },
				       { 0, 0, 0, 0, 0 } };

const struct pw_tz *pw_tz_utc(void)
{
	return &utc_zone;
}

void pw_tz_free(struct pw_tz *tz)
{
	if (!tz || tz == &utc_zone)
		return;
	free(tz->at);
	free(tz->off_after);
	free(tz);
}

/* ---- civil dates (H. Hinnant's algorithms) ---- */

static int64_t floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int64_t pw_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void pw_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* ---- the footer's POSIX TZ string ---- */

struct scan {
	const char *p, *end;
};

static bool scan_name(struct scan *s)
{
	if (s->p < s->end && *s->p == '<') {
		const char *q = memchr(s->p, '>', (size_t)(s->end - s->p));
		if (!q || q - s->p < 4)
			return false;
		s->p = q + 1;
		return true;
	}
	const char *start = s->p;
	while (s->p < s->end && ((*s->p >= 'A' && *s->p <= 'Z') || (*s->p >= 'a' && *s->p <= 'z')))
		s->p++;
	return s->p - start >= 3;
}

static bool scan_num(struct scan *s, int max, int *out)
{
	int v = 0, digits = 0;
	while (s->p < s->end && *s->p >= '0' && *s->p <= '9' && digits < 4) {
		v = v * 10 + (*s->p - '0');
		s->p++;
		digits++;
	}
	if (!digits || v > max)
		return false;
	*out = v;
	return true;
}

/* [+-]hh[:mm[:ss]] in seconds, hours up to max_h. */
static bool scan_hms(struct scan *s, int max_h, int32_t *out)
{
	int sign = 1, h, m = 0, sec = 0;
	if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
		sign = *s->p++ == '-' ? -1 : 1;
	if (!scan_num(s, max_h, &h))
		return false;
	if (s->p < s->end && *s->p == ':') {
		s->p++;
		if (!scan_num(s, 59, &m))
			return false;
		if (s->p < s->end && *s->p == ':') {
			s->p++;
			if (!scan_num(s, 59, &sec))
				return false;
		}
	}
	*out = sign * (h * 3600 + m * 60 + sec);
	return true;
}

static bool scan_date(struct scan *s, struct rule_date *r)
{
	if (s->p < s->end && *s->p == 'J') {
		s->p++;
		r->kind = 'J';
		if (!scan_num(s, 365, &r->a) || r->a < 1)
			return false;
	} else if (s->p < s->end && *s->p == 'M') {
		s->p++;
		r->kind = 'M';
		if (!scan_num(s, 12, &r->a) || r->a < 1 || s->p >= s->end || *s->p++ != '.' ||
		    !scan_num(s, 5, &r->b) || r->b < 1 || s->p >= s->end || *s->p++ != '.' ||
		    !scan_num(s, 6, &r->c))
			return false;
	} else {
		r->kind = 'D';
		if (!scan_num(s, 365, &r->a))
			return false;
	}
	r->time = 2 * 3600;
	if (s->p < s->end && *s->p == '/') {
		s->p++;
		if (!scan_hms(s, 167, &r->time))
			return false;
	}
	return true;
}

static bool parse_rule(struct pw_tz *tz, const char *text, size_t len)
{
	struct scan s = { text, text + len };
	int32_t off;
	if (!scan_name(&s) || !scan_hms(&s, 24, &off))
		return false;
	tz->std_off = -off; /* POSIX counts west of Greenwich */
	tz->has_rule = true;
	if (s.p == s.end)
		return true; /* a fixed offset */
	if (!scan_name(&s))
		return false;
	tz->dst_off = tz->std_off + 3600;
	if (s.p < s.end && *s.p != ',') {
		if (!scan_hms(&s, 24, &off))
			return false;
		tz->dst_off = -off;
	}
	if (s.p >= s.end || *s.p++ != ',' || !scan_date(&s, &tz->start) || s.p >= s.end ||
	    *s.p++ != ',' || !scan_date(&s, &tz->end) || s.p != s.end)
		return false;
	tz->rule_dst = true;
	return true;
}

/* The local day (days since the epoch) a rule date falls on in year y. */
static int64_t rule_day(const struct rule_date *r, int64_t y)
{
	int64_t jan1 = pw_days_from_civil(y, 1, 1);
	if (r->kind == 'J')
		return jan1 + r->a - 1 + (is_leap(y) && r->a >= 60 ? 1 : 0);
	if (r->kind == 'D')
		return jan1 + r->a;
	int64_t first = pw_days_from_civil(y, (unsigned)r->a, 1);
	int64_t next = r->a == 12 ? pw_days_from_civil(y + 1, 1, 1)
				  : pw_days_from_civil(y, (unsigned)r->a + 1, 1);
	int64_t wd = ((first + 4) % 7 + 7) % 7; /* 1970-01-01 was a Thursday */
	int64_t day = first + (r->c - wd + 7) % 7 + (int64_t)(r->b - 1) * 7;
	while (day >= next)
		day -= 7;
	return day;
}

/* UTC instants DST starts and ends in year y. */
static void rule_year(const struct pw_tz *tz, int64_t y, int64_t *start, int64_t *end)
{
	*start = rule_day(&tz->start, y) * 86400 + tz->start.time - tz->std_off;
	*end = rule_day(&tz->end, y) * 86400 + tz->end.time - tz->dst_off;
}

static int32_t rule_offset(const struct pw_tz *tz, int64_t t)
{
	if (!tz->rule_dst)
		return tz->std_off;
	int64_t y;
	unsigned m, d;
	pw_civil_from_days(floordiv(t + tz->std_off, 86400), &y, &m, &d);
	int64_t s, e;
	rule_year(tz, y, &s, &e);
	bool dst = s < e ? (t >= s && t < e) : !(t >= e && t < s);
	return dst ? tz->dst_off : tz->std_off;
}

int32_t pw_tz_offset(const struct pw_tz *tz, int64_t t)
{
	if (tz->n == 0 || t < tz->at[0])
		return tz->n == 0 && tz->has_rule ? rule_offset(tz, t) : tz->off_before;
	if (t >= tz->at[tz->n - 1] && tz->has_rule)
		return rule_offset(tz, t);
	size_t lo = 0, hi = tz->n; /* the last at[i] <= t */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (tz->at[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return tz->off_after[lo];
}

int64_t pw_tz_next_change(const struct pw_tz *tz, int64_t after)
{
	int64_t best = INT64_MAX;
	size_t lo = 0, hi = tz->n; /* the first at[i] > after */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (tz->at[mid] <= after)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < tz->n)
		best = tz->at[lo];
	if (tz->rule_dst) {
		int64_t from = tz->n && tz->at[tz->n - 1] > after ? tz->at[tz->n - 1] : after;
		int64_t y;
		unsigned m, d;
		pw_civil_from_days(floordiv(from, 86400), &y, &m, &d);
		for (int64_t yy = y - 1; yy <= y + 1; yy++) {
			int64_t s, e;
			rule_year(tz, yy, &s, &e);
			if (s > from && s < best)
				best = s;
			if (e > from && e < best)
				best = e;
		}
	}
	return best;
}

/* ---- TZif ---- */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct header {
	uint32_t isut, isstd, leap, time, type, chars;
};

static bool read_header(const unsigned char *p, size_t len, struct header *h)
{
	if (len < 44 || memcmp(p, "TZif", 4) != 0)
		return false;
	h->isut = be32(p + 20);
	h->isstd = be32(p + 24);
	h->leap = be32(p + 28);
	h->time = be32(p + 32);
	h->type = be32(p + 36);
	h->chars = be32(p + 40);
	return h->time <= TZ_MAX_TIMES && h->type >= 1 && h->type <= TZ_MAX_TYPES &&
	       h->chars <= 65536 && h->leap <= 65536 && h->isut <= h->type && h->isstd <= h->type;
}

static size_t block_size(const struct header *h, size_t tsize)
{
	return (size_t)h->time * tsize + h->time + (size_t)h->type * 6 + h->chars +
	       (size_t)h->leap * (tsize + 4) + h->isstd + h->isut;
}

pw_err pw_tz_parse(const unsigned char *data, size_t len, const char *what, struct pw_tz **out,
		   struct pw_error *e)
{
	struct header h;
	if (!read_header(data, len, &h))
		return pw_error_set(e, PW_ERR_PARSE, "%s: not a TZif file", what);
	size_t tsize = 4, pos = 44;
	if (data[4] >= '2') { /* skip the 32-bit block, use the 64-bit one */
		pos += block_size(&h, 4);
		if (pos > len || !read_header(data + pos, len - pos, &h))
			return pw_error_set(e, PW_ERR_PARSE, "%s: TZif version 2 header missing", what);
		pos += 44;
		tsize = 8;
	}
	if (len - pos < block_size(&h, tsize))
		return pw_error_set(e, PW_ERR_PARSE, "%s: TZif data truncated", what);
	const unsigned char *times = data + pos;
	const unsigned char *idx = times + (size_t)h.time * tsize;
	const unsigned char *types = idx + h.time;
	struct pw_tz *tz = calloc(1, sizeof(*tz));
	if (!tz)
		return pw_error_set(e, PW_ERR_NOMEM, "%s: out of memory", what);
	if (h.time) {
		tz->at = malloc(h.time * sizeof(*tz->at));
		tz->off_after = malloc(h.time * sizeof(*tz->off_after));
		if (!tz->at || !tz->off_after) {
			pw_tz_free(tz);
			return pw_error_set(e, PW_ERR_NOMEM, "%s: out of memory", what);
		}
	}
	for (uint32_t i = 0; i < h.time; i++) {
		int64_t t = tsize == 8 ? be64(times + (size_t)i * 8)
				       : (int64_t)(int32_t)be32(times + (size_t)i * 4);
		if (idx[i] >= h.type || (i && t <= tz->at[i - 1])) {
			pw_tz_free(tz);
			return pw_error_set(e, PW_ERR_PARSE, "%s: TZif transition %u is invalid", what,
					    i);
		}
		tz->at[i] = t;
		tz->off_after[i] = (int32_t)be32(types + (size_t)idx[i] * 6);
	}
	tz->n = h.time;
	tz->off_before = (int32_t)be32(types);
	for (uint32_t i = 0; i <= h.type; i++) {
		int32_t o = i < h.type ? (int32_t)be32(types + (size_t)i * 6) : 0;
		if (o < -25 * 3600 || o > 26 * 3600) {
			pw_tz_free(tz);
			return pw_error_set(e, PW_ERR_PARSE, "%s: TZif offset %d out of range", what, o);
		}
	}
	pos += block_size(&h, tsize);
	if (tsize == 8 && pos < len && data[pos] == '\n') {
		const char *f = (const char *)data + pos + 1;
		const char *nl = memchr(f, '\n', len - pos - 1);
		if (!nl) {
			pw_tz_free(tz);
			return pw_error_set(e, PW_ERR_PARSE, "%s: TZif footer not terminated", what);
		}
		if (nl > f && !parse_rule(tz, f, (size_t)(nl - f))) {
			pw_tz_free(tz);
			return pw_error_set(e, PW_ERR_PARSE, "%s: TZif footer '%.*s' is not a POSIX TZ "
					    "rule", what, (int)(nl - f > 64 ? 64 : nl - f), f);
		}
	}
	*out = tz;
	return PW_OK;
}

static bool zone_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 200 || name[0] == '/' || strstr(name, ".."))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '/' || c == '_' || c == '+' || c == '-'))
			return false;
	}
	return true;
}

pw_err pw_tz_load(const char *name, struct pw_tz **out, struct pw_error *e)
{
	if (!zone_name_ok(name))
		return pw_error_set(e, PW_ERR_INVALID, "'%s' is not an IANA time zone name", name);
	const char *dir = getenv("TZDIR");
	if (!dir || !*dir)
		dir = "/usr/share/zoneinfo";
	char *path = pw_path_join(dir, name);
	if (!path)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	struct pw_file f;
	struct pw_error fe;
	pw_err rc = pw_file_read(&f, path, &fe);
	if (rc != PW_OK) {
		rc = pw_error_set(e, rc == PW_ERR_NOTFOUND ? PW_ERR_NOTFOUND : rc,
				  "unknown time zone '%s' (%s)", name, fe.msg);
		free(path);
		return rc;
	}
	rc = pw_tz_parse((const unsigned char *)f.data.ptr, f.data.len, path, out, e);
	pw_file_close(&f);
	free(path);
	return rc;
}
