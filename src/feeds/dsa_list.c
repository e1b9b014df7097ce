/* dsa_list.c - the Debian security tracker's advisory lists, data/DSA/list
 * and data/DLA/list:
 *
 *   [29 Mar 2023] DSA-5380-1 xorg-server - security update
 *   	{CVE-2023-1393 CVE-2023-1394}
 *   	[bullseye] - xorg-server 2:1.20.11-1+deb11u6
 *   	[buster] - xorg-server <not-affected> (Vulnerable code not present)
 *   	NOTE: free text
 *
 * One record per advisory (id "DSA-5380-1"); one vulnerability per CVE with
 * the advisory as its alias and the advisory date as its publication; one
 * affected entry per (CVE, release line), each naming the advisory.
 *
 * Decisions, and why:
 *  - An advisory without CVEs (a regression update such as DSA-2808-2, an
 *    end-of-life notice such as DSA-3699-1) still says something about its
 *    package: it becomes one vulnerability named by the advisory itself, so
 *    a host below the regression fix, or running the end-of-life package,
 *    is told so. Its title is that vulnerability's summary.
 *  - Release lines: a version is the fix; <not-affected> never produces a
 *    finding; <unfixed> is vulnerable with no fix (old DSAs shipped for one
 *    release and not another); <end-of-life> is end of support. The tags of
 *    the tracker's CVE list mean the same here as in the tracker JSON
 *    (debian_tracker.c): <no-dsa> and <postponed> are vulnerable (a fix may
 *    come in a point release, and debsecan reports them), <ignored> is
 *    won't-fix. <removed> (the package left the release) says nothing about
 *    a version anyone runs and is skipped with its reason.
 *  - A parenthesised note after the version is an explanation, except the
 *    old style "(high)"/"(medium)"/"(low)", which is the urgency.
 *  - NOTE: lines are free text for people, as the tracker itself treats
 *    them (a NOTE that looks like a release line is not one).
 *  - A malformed advisory line (date, id) is PW_ERR_PARSE naming file:line:
 *    without it the lines below belong to nothing. A malformed line inside
 *    an advisory (release line, CVE list item, anything unrecognised) is
 *    skipped with a reason and the advisory is kept.
 *  - A CVE list may continue over several lines until its '}'; one left
 *    open at the next advisory or the end is PW_ERR_PARSE.
 *
 * Memory: strings live in an arena emptied after each advisory; the arrays
 * are reused from one advisory to the next; an advisory whose CVEs times
 * release lines would exceed AFFECTED_MAX is refused (PW_ERR_LIMIT).
 */
#include "pw_feeds.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_arena.h"
#include "pw_distro.h"

#define AFFECTED_MAX ((size_t)1 << 20) /* per advisory; the largest real one has 400 */
#define CVES_MAX 16384                /* per advisory; the largest real one has 139 */
#define TOKEN_MAX 256                 /* package names and versions */

/* a string and where it stood, for sorting without losing the order */
struct ranked {
	const char *s;
	size_t i;
};

struct release_line {
	const char *release, *package, *version, *urgency;
	enum pw_affect_status status;
};

struct advisory {
	struct pw_arena arena;
	const char *id, *title;
	size_t lineno;       /* of the advisory line */
	int64_t date;
	const char **cves;   /* distinct, in order of appearance */
	size_t ncves, cap_cves;
	struct release_line *lines;
	size_t nlines, cap_lines;
	size_t open_list;    /* line of a '{' not yet closed, 0 when none */
	struct ranked *rank; /* scratch for distinct_cves() */
	size_t cap_rank;
	struct pw_vuln *vulns;
	size_t cap_vulns;
	struct pw_affected *affected;
	size_t cap_affected;
};

struct parser {
	const char *name;
	enum pw_feed_kind kind;
	const char *prefix; /* "DSA-" or "DLA-" */
	const struct pw_feed_sink *sink;
	struct advisory adv;
};

static void skip(const struct parser *p, const char *reason)
{
	if (p->sink->skip)
		p->sink->skip(p->sink->ctx, reason);
}

/* Make room for n items of size in *items (capacity *cap). */
static bool reserve(void **items, size_t *cap, size_t n, size_t size)
{
	if (n <= *cap)
		return true;
	size_t ncap = *cap ? *cap : 16;
	while (ncap < n)
		ncap *= 2;
	void *q = realloc(*items, ncap * size);
	if (!q)
		return false;
	*items = q;
	*cap = ncap;
	return true;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool all_digits(struct pw_blob b)
{
	if (b.len == 0)
		return false;
	for (size_t i = 0; i < b.len; i++) {
		if (!is_digit(b.ptr[i]))
			return false;
	}
	return true;
}

/* "CVE-2023-1393": four digits of year, at least four of sequence. */
static bool is_cve_id(struct pw_blob b)
{
	if (b.len < 13 || b.len > 32 || !pw_blob_starts_with(b, "CVE-") || b.ptr[8] != '-')
		return false;
	return all_digits(pw_blob(b.ptr + 4, 4)) && all_digits(pw_blob(b.ptr + 9, b.len - 9));
}

/* "DSA-5380-1", "DSA-141", "DLA-3000-2" */
static bool is_advisory_id(struct pw_blob b, const char *prefix)
{
	if (b.len > 32 || !pw_blob_starts_with(b, prefix))
		return false;
	struct pw_blob num, rev;
	bool has_rev = pw_blob_split(pw_blob(b.ptr + 4, b.len - 4), '-', &num, &rev);
	return all_digits(num) && (!has_rev || all_digits(rev));
}

/* Debian source package names: lower case letters, digits, + - . (policy
 * 5.6.1), at least two characters, starting with a letter or digit. */
static bool is_package_name(struct pw_blob b)
{
	if (b.len < 2 || b.len > TOKEN_MAX)
		return false;
	for (size_t i = 0; i < b.len; i++) {
		char c = b.ptr[i];
		bool ok = (c >= 'a' && c <= 'z') || is_digit(c) ||
			  (i > 0 && (c == '+' || c == '-' || c == '.'));
		if (!ok)
			return false;
	}
	return true;
}

/* A fixed version dpkg accepts whose upstream part starts with a digit.
 * dpkg only warns about a letter there, but in an advisory it is a typo
 * (DSA-423 names "kernel-image-2.4.17-ia64" as a version) that would
 * sort above every real version and leave hosts "fixable" forever. */
static bool plausible_fix(const char *v)
{
	const char *colon = strchr(v, ':');
	const char *up = colon ? colon + 1 : v;
	return *up >= '0' && *up <= '9' && pw_version_validate(PW_SCHEME_DEB, v, NULL) == PW_OK;
}

/* Next space- or tab-separated token of *rest. */
static bool next_token(struct pw_blob *rest, struct pw_blob *tok)
{
	size_t i = 0;
	while (i < rest->len && (rest->ptr[i] == ' ' || rest->ptr[i] == '\t'))
		i++;
	size_t start = i;
	while (i < rest->len && rest->ptr[i] != ' ' && rest->ptr[i] != '\t')
		i++;
	*tok = pw_blob(rest->ptr + start, i - start);
	*rest = pw_blob(rest->ptr + i, rest->len - i);
	return tok->len > 0;
}

static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil), so no time zone or libc locale is involved. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3u : 9u)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* "29 Mar 2023" -> unix seconds at midnight UTC; false when malformed or
 * not a calendar date. */
static bool parse_date(struct pw_blob d, int64_t *out)
{
	struct pw_blob day, mon, year, rest = d;
	if (!next_token(&rest, &day) || !next_token(&rest, &mon) || !next_token(&rest, &year) ||
	    pw_blob_trim(rest).len != 0)
		return false;
	unsigned long dv, yv;
	if (day.len > 2 || year.len != 4 || !pw_blob_to_ulong(day, &dv) ||
	    !pw_blob_to_ulong(year, &yv))
		return false;
	unsigned m = 0;
	for (unsigned i = 0; i < 12; i++) {
		if (pw_blob_eq_cstr(mon, months[i]))
			m = i + 1;
	}
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m == 0 || dv < 1 || dv > mdays[m - 1])
		return false;
	bool leap = (yv % 4 == 0 && yv % 100 != 0) || yv % 400 == 0;
	if (m == 2 && dv == 29 && !leap)
		return false;
	*out = days_from_civil((int64_t)yv, m, (unsigned)dv) * 86400;
	return true;
}

static pw_err nomem(struct pw_error *e)
{
	return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
}

static int by_text_then_place(const void *pa, const void *pb)
{
	const struct ranked *x = pa, *y = pb;
	int c = strcmp(x->s, y->s);
	return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* Drop repeated CVEs, keeping each where it first stood. Sorting keeps
 * this O(n log n) however long a hostile list is. */
static pw_err distinct_cves(struct advisory *a, struct pw_error *e)
{
	if (a->ncves < 2)
		return PW_OK;
	if (!reserve((void **)&a->rank, &a->cap_rank, a->ncves, sizeof(*a->rank)))
		return nomem(e);
	for (size_t i = 0; i < a->ncves; i++)
		a->rank[i] = (struct ranked){ a->cves[i], i };
	qsort(a->rank, a->ncves, sizeof(*a->rank), by_text_then_place);
	for (size_t k = 1; k < a->ncves; k++) {
		if (strcmp(a->rank[k].s, a->rank[k - 1].s) == 0)
			a->cves[a->rank[k].i] = NULL;
	}
	size_t n = 0;
	for (size_t i = 0; i < a->ncves; i++) {
		if (a->cves[i])
			a->cves[n++] = a->cves[i];
	}
	a->ncves = n;
	return PW_OK;
}

static void advisory_reset(struct advisory *a)
{
	pw_arena_free(&a->arena);
	pw_arena_init(&a->arena);
	a->id = a->title = NULL;
	a->lineno = 0;
	a->date = 0;
	a->ncves = a->nlines = 0;
	a->open_list = 0;
}

/* Hand the advisory being built to the sink. */
static pw_err emit(struct parser *p, struct pw_error *e)
{
	struct advisory *a = &p->adv;
	if (!a->id)
		return PW_OK;
	if (a->open_list)
		return pw_error_set(e, PW_ERR_PARSE, "%s:%zu: CVE list of %s not closed with '}'",
				    p->name, a->open_list, a->id);
	if (a->nlines == 0) {
		/* announcements (key changes, end-of-life notices written only
		 * as NOTEs, advisories without data) */
		skip(p, "advisory without release lines");
		return PW_OK;
	}
	pw_err rc = distinct_cves(a, e);
	if (rc)
		return rc;
	size_t nv = a->ncves ? a->ncves : 1;
	if (nv > AFFECTED_MAX / a->nlines)
		return pw_error_set(e, PW_ERR_LIMIT, "%s:%zu: %s has %zu CVEs on %zu release lines, "
				    "more than %zu affected entries", p->name, a->lineno, a->id,
				    a->ncves, a->nlines, AFFECTED_MAX);
	size_t na = nv * a->nlines;
	const char **alias = pw_arena_alloc(&a->arena, sizeof(*alias));
	if (!alias || !reserve((void **)&a->vulns, &a->cap_vulns, nv, sizeof(*a->vulns)) ||
	    !reserve((void **)&a->affected, &a->cap_affected, na, sizeof(*a->affected)))
		return nomem(e);
	alias[0] = a->id;
	size_t k = 0;
	for (size_t i = 0; i < nv; i++) {
		struct pw_vuln *v = &a->vulns[i];
		*v = (struct pw_vuln){ .published = a->date, .cvss_score = -1 };
		if (a->ncves) {
			v->id = a->cves[i];
			v->aliases = alias;
			v->naliases = 1;
		} else {
			v->id = a->id;
			v->summary = a->title;
		}
		for (size_t j = 0; j < a->nlines; j++) {
			const struct release_line *l = &a->lines[j];
			a->affected[k++] = (struct pw_affected){
				.vuln_id = v->id, .distro = "debian", .release = l->release,
				.package = l->package, .status = l->status, .fixed = l->version,
				.urgency = l->urgency, .advisory = a->id,
			};
		}
	}
	struct pw_feed_record r = { .source = pw_feed_kind_name(p->kind), .id = a->id,
				    .vulns = a->vulns, .nvulns = nv, .affected = a->affected,
				    .naffected = k };
	return p->sink->record(p->sink->ctx, &r, e);
}

/* "[29 Mar 2023] DSA-5380-1 xorg-server - security update" */
static pw_err advisory_line(struct parser *p, struct pw_blob line, size_t lineno,
			    struct pw_error *e)
{
	struct pw_blob date, head, id, title;
	if (!pw_blob_split(pw_blob(line.ptr + 1, line.len - 1), ']', &date, &head) || date.len > 16)
		return pw_error_set(e, PW_ERR_PARSE, "%s:%zu: advisory line without a '[date]'",
				    p->name, lineno);
	int64_t t;
	if (!parse_date(date, &t))
		return pw_error_set(e, PW_ERR_PARSE, "%s:%zu: malformed date '%.*s' (expected "
				    "'29 Mar 2023')", p->name, lineno, PW_BLOB_PRINTF(date));
	if (!next_token(&head, &id) || !is_advisory_id(id, p->prefix))
		return pw_error_set(e, PW_ERR_PARSE, "%s:%zu: expected a %sNNNN-N advisory id, found "
				    "'%.*s'", p->name, lineno, p->prefix,
				    (int)(id.len > 40 ? 40 : id.len), id.ptr);
	title = pw_blob_trim(head);
	struct advisory *a = &p->adv;
	a->id = pw_arena_blobdup(&a->arena, id);
	a->title = title.len ? pw_arena_blobdup(&a->arena, title) : NULL;
	if (!a->id || (title.len && !a->title))
		return nomem(e);
	a->lineno = lineno;
	a->date = t;
	return PW_OK;
}

/* Items of a CVE list, "{CVE-1 CVE-2}" or a part of one spanning lines. */
static pw_err cve_items(struct parser *p, struct pw_blob t, size_t lineno, struct pw_error *e)
{
	struct advisory *a = &p->adv;
	if (t.len && t.ptr[0] == '{') {
		if (a->open_list)
			return pw_error_set(e, PW_ERR_PARSE, "%s:%zu: '{' inside the CVE list opened "
					    "at line %zu", p->name, lineno, a->open_list);
		a->open_list = lineno;
		t = pw_blob(t.ptr + 1, t.len - 1);
	}
	struct pw_blob tok;
	while (next_token(&t, &tok)) {
		bool closes = tok.ptr[tok.len - 1] == '}';
		if (closes)
			tok.len--;
		if (tok.len) {
			if (memchr(tok.ptr, '{', tok.len) || memchr(tok.ptr, '}', tok.len))
				return pw_error_set(e, PW_ERR_PARSE, "%s:%zu: stray brace in the CVE "
						    "list", p->name, lineno);
			if (!is_cve_id(tok)) {
				skip(p, "reference in an advisory's {} list that is not a CVE id");
			} else {
				/* repeats are dropped when the advisory is complete */
				if (a->ncves == CVES_MAX)
					return pw_error_set(e, PW_ERR_LIMIT, "%s:%zu: more than %d CVEs in "
							    "%s", p->name, lineno, CVES_MAX, a->id);
				const char *s = pw_arena_blobdup(&a->arena, tok);
				if (!s || !reserve((void **)&a->cves, &a->cap_cves, a->ncves + 1,
						   sizeof(*a->cves)))
					return nomem(e);
				a->cves[a->ncves++] = s;
			}
		}
		if (closes) {
			a->open_list = 0;
			if (pw_blob_trim(t).len)
				skip(p, "text after an advisory's {} list");
			return PW_OK;
		}
	}
	return PW_OK;
}

struct tag {
	const char *text;
	enum pw_affect_status status;
	const char *skip_reason; /* non-NULL: not an affected entry */
};

static const struct tag tags[] = {
	{ "<not-affected>", PW_AFFECT_NOT_AFFECTED, NULL },
	{ "<unfixed>", PW_AFFECT_VULNERABLE, NULL },
	{ "<end-of-life>", PW_AFFECT_EOL, NULL },
	{ "<no-dsa>", PW_AFFECT_VULNERABLE, NULL },
	{ "<postponed>", PW_AFFECT_VULNERABLE, NULL },
	{ "<ignored>", PW_AFFECT_WONT_FIX, NULL },
	{ "<removed>", PW_AFFECT_NOT_AFFECTED, "release line <removed> (package left the release)" },
	{ "<undetermined>", PW_AFFECT_VULNERABLE, NULL },
};

/* "[bullseye] - xorg-server 2:1.20.11-1+deb11u6 (note)" */
static pw_err release_line(struct parser *p, struct pw_blob t, struct pw_error *e)
{
	struct advisory *a = &p->adv;
	struct pw_blob codename, rest, dash, pkg, ver;
	if (!pw_blob_split(pw_blob(t.ptr + 1, t.len - 1), ']', &codename, &rest) ||
	    codename.len == 0 || codename.len >= PW_DISTRO_KEY_MAX) {
		skip(p, "malformed release line (no [release])");
		return PW_OK;
	}
	if (!next_token(&rest, &dash) || !pw_blob_eq_cstr(dash, "-") || !next_token(&rest, &pkg) ||
	    !next_token(&rest, &ver)) {
		skip(p, "malformed release line (expected '[release] - package version')");
		return PW_OK;
	}
	char cn[PW_DISTRO_KEY_MAX];
	memcpy(cn, codename.ptr, codename.len);
	cn[codename.len] = '\0';
	struct pw_distro_release dr;
	if (!pw_distro_normalize("debian", cn, &dr)) {
		skip(p, "release line for an unknown Debian release");
		return PW_OK;
	}
	if (!is_package_name(pkg)) {
		skip(p, "release line with an invalid source package name");
		return PW_OK;
	}
	/* what follows the version: nothing, or one "(note)" */
	struct pw_blob note = pw_blob_trim(rest);
	const char *urgency = NULL;
	if (note.len) {
		if (note.ptr[0] != '(' || note.ptr[note.len - 1] != ')') {
			skip(p, "malformed release line (text after the version)");
			return PW_OK;
		}
		struct pw_blob word = pw_blob(note.ptr + 1, note.len - 2);
		if (pw_blob_eq_cstr(word, "high") || pw_blob_eq_cstr(word, "medium") ||
		    pw_blob_eq_cstr(word, "low"))
			urgency = word.ptr[0] == 'h' ? "high" : word.ptr[0] == 'm' ? "medium" : "low";
	}
	struct release_line l = { .urgency = urgency, .status = PW_AFFECT_FIXED };
	if (ver.ptr[0] == '<') {
		const struct tag *tg = NULL;
		for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]) && !tg; i++) {
			if (pw_blob_eq_cstr(ver, tags[i].text))
				tg = &tags[i];
		}
		if (!tg) {
			skip(p, "release line with an unknown <tag>");
			return PW_OK;
		}
		if (tg->skip_reason) {
			skip(p, tg->skip_reason);
			return PW_OK;
		}
		l.status = tg->status;
	} else {
		if (ver.len > TOKEN_MAX) {
			skip(p, "invalid fixed version");
			return PW_OK;
		}
		if (!(l.version = pw_arena_blobdup(&a->arena, ver)))
			return nomem(e);
		/* a NUL inside the token would shorten the copy: refuse it too */
		if (strlen(l.version) != ver.len || !plausible_fix(l.version)) {
			skip(p, "invalid fixed version");
			return PW_OK;
		}
	}
	l.release = pw_arena_strdup(&a->arena, dr.release);
	l.package = pw_arena_blobdup(&a->arena, pkg);
	if (!l.release || !l.package ||
	    !reserve((void **)&a->lines, &a->cap_lines, a->nlines + 1, sizeof(*a->lines)))
		return nomem(e);
	a->lines[a->nlines++] = l;
	return PW_OK;
}

static pw_err parse_lines(struct parser *p, struct pw_blob data, struct pw_error *e)
{
	struct pw_blob rest = data, line;
	size_t lineno = 0, advisories = 0;
	uint64_t total = data.len;
	pw_err rc = PW_OK;
	while (rc == PW_OK && pw_blob_next_line(&rest, &line)) {
		lineno++;
		if (line.len && line.ptr[line.len - 1] == '\r')
			line.len--;
		struct pw_blob t = pw_blob_trim(line);
		if (t.len == 0)
			continue;
		if (line.ptr[0] == '[') {
			/* an advisory starts at column 0; its lines are indented */
			if ((rc = emit(p, e)))
				break;
			advisory_reset(&p->adv);
			rc = advisory_line(p, line, lineno, e);
			advisories++;
			if (p->sink->progress && (advisories & 1023) == 0)
				p->sink->progress(p->sink->ctx, (uint64_t)(rest.ptr - data.ptr), total);
			continue;
		}
		if (!p->adv.id) {
			rc = pw_error_set(e, PW_ERR_PARSE, "%s:%zu: text before the first advisory",
					  p->name, lineno);
			break;
		}
		if (p->adv.open_list || t.ptr[0] == '{')
			rc = cve_items(p, t, lineno, e);
		else if (t.ptr[0] == '[')
			rc = release_line(p, t, e);
		else if (!pw_blob_starts_with(t, "NOTE:"))
			skip(p, "unrecognised line in an advisory");
	}
	if (rc == PW_OK)
		rc = emit(p, e);
	if (rc == PW_OK && advisories == 0)
		rc = pw_error_set(e, PW_ERR_PARSE, "%s: no %s advisories found", p->name, p->prefix);
	return rc;
}

pw_err pw_feed_parse_dsa_list(struct pw_blob data, const char *name, enum pw_feed_kind kind,
			      const struct pw_feed_sink *sink, struct pw_error *e)
{
	if (kind != PW_FEED_DSA && kind != PW_FEED_DLA)
		return pw_error_set(e, PW_ERR_USAGE, "%s: not a DSA or DLA list kind", name);
	struct parser p = { .name = name, .kind = kind, .sink = sink,
			    .prefix = kind == PW_FEED_DLA ? "DLA-" : "DSA-" };
	pw_arena_init(&p.adv.arena);
	pw_err rc = parse_lines(&p, data, e);
	pw_arena_free(&p.adv.arena);
	free(p.adv.cves);
	free(p.adv.lines);
	free(p.adv.vulns);
	free(p.adv.affected);
	free(p.adv.rank);
	return rc;
}
