/* dsa_list.c - the Debian security tracker's DSA and DLA lists:
 *
 *   [29 Mar 2023] DSA-5380-1 xorg-server - security update
 *   	{CVE-2023-1393 CVE-2023-1394}
 *   	[bullseye] - xorg-server 2:1.20.11-1+deb11u6
 *   	[buster] - xorg-server <not-affected> (Vulnerable code not present)
 *   	NOTE: ...
 *
 * One record per advisory; one vulnerability per CVE, with the advisory as
 * its alias; one affected entry per (CVE, release line). An advisory without
 * CVEs (a regression update) still fixes its package: it becomes a
 * vulnerability named by the advisory itself. Release lines map to statuses:
 * a version is the fix, <not-affected> never produces a finding, <unfixed>
 * is vulnerable with no fix, <end-of-life> is end of life; <removed> (the
 * package left the release) is skipped with a reason.
 */
#include "pw_feeds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_arena.h"
#include "pw_clock.h"
#include "pw_distro.h"

struct release_line {
	const char *release, *package, *version;
	enum pw_affect_status status;
};

struct builder {
	struct pw_arena arena;
	const char *id, *title;
	int64_t date;
	const char **cves;
	size_t ncves, cap_cves;
	struct release_line *lines;
	size_t nlines, cap_lines;
	struct pw_vuln *vulns;
	struct pw_affected *affected;
	const char **alias; /* one alias each: the advisory */
};

static bool push(void **items, size_t *n, size_t *cap, size_t size)
{
	if (*n < *cap)
		return true;
	size_t ncap = *cap ? *cap * 2 : 16;
	void *p = realloc(*items, ncap * size);
	if (!p)
		return false;
	*items = p;
	*cap = ncap;
	return true;
}

static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* "[29 Mar 2023]" -> unix time; 0 when malformed */
static int64_t parse_date(struct pw_blob d)
{
	char buf[48];
	int day = 0, mon = -1, year = 0;
	if (d.len < 11 || d.len > 12)
		return 0;
	struct pw_blob dd, rest, mm, yy;
	if (!pw_blob_split(d, ' ', &dd, &rest) || !pw_blob_split(rest, ' ', &mm, &yy))
		return 0;
	unsigned long dv, yv;
	if (dd.len > 2 || yy.len != 4 || !pw_blob_to_ulong(dd, &dv) || !pw_blob_to_ulong(yy, &yv))
		return 0;
	day = (int)dv;
	year = (int)yv;
	for (int i = 0; i < 12; i++) {
		if (pw_blob_eq_cstr(mm, months[i]))
			mon = i;
	}
	if (mon < 0 || day < 1 || day > 31 || year < 1990 || year > 9999)
		return 0;
	snprintf(buf, sizeof(buf), "%04d-%02d-%02d", year, mon + 1, day);
	int64_t t;
	return pw_clock_parse(buf, &t) == 0 ? t : 0;
}

static pw_err emit(struct builder *b, const char *name, const struct pw_feed_sink *sink,
		   struct pw_error *e)
{
	if (!b->id)
		return PW_OK;
	size_t nv = b->ncves ? b->ncves : 1;
	size_t na = nv * b->nlines;
	b->vulns = pw_arena_alloc(&b->arena, nv * sizeof(*b->vulns));
	b->affected = pw_arena_alloc(&b->arena, (na ? na : 1) * sizeof(*b->affected));
	b->alias = pw_arena_alloc(&b->arena, sizeof(*b->alias));
	if (!b->vulns || !b->affected || !b->alias)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	b->alias[0] = b->id;
	for (size_t i = 0; i < nv; i++) {
		struct pw_vuln *v = &b->vulns[i];
		memset(v, 0, sizeof(*v));
		v->id = b->ncves ? b->cves[i] : b->id;
		v->aliases = b->ncves ? b->alias : NULL;
		v->naliases = b->ncves ? 1 : 0;
		v->summary = b->ncves ? NULL : b->title;
		v->published = b->date;
		v->cvss_score = -1;
	}
	size_t k = 0;
	for (size_t i = 0; i < nv; i++) {
		for (size_t j = 0; j < b->nlines; j++) {
			const struct release_line *l = &b->lines[j];
			struct pw_affected *a = &b->affected[k++];
			memset(a, 0, sizeof(*a));
			a->vuln_id = b->vulns[i].id;
			a->distro = "debian";
			a->release = l->release;
			a->package = l->package;
			a->status = l->status;
			a->fixed = l->version;
			a->advisory = b->id;
		}
	}
	if (b->nlines == 0) {
		if (sink->skip)
			sink->skip(sink->ctx, "advisory without release lines");
		return PW_OK;
	}
	struct pw_feed_record r = { .source = NULL, .id = b->id, .vulns = b->vulns, .nvulns = nv,
				    .affected = b->affected, .naffected = k };
	(void)name;
	return sink->record(sink->ctx, &r, e);
}

static void reset(struct builder *b)
{
	pw_arena_free(&b->arena);
	pw_arena_init(&b->arena);
	b->id = b->title = NULL;
	b->date = 0;
	b->ncves = b->nlines = 0;
}

/* "[bullseye] - pkg version-or-<tag> (note)" */
static pw_err release_line(struct builder *b, struct pw_blob line, const char *name,
			   size_t lineno, const struct pw_feed_sink *sink, struct pw_error *e)
{
	struct pw_blob rel, rest, pkg, ver;
	if (!pw_blob_split(pw_blob(line.ptr + 1, line.len - 1), ']', &rel, &rest)) {
		if (sink->skip)
			sink->skip(sink->ctx, "malformed release line");
		return PW_OK;
	}
	rest = pw_blob_trim(rest);
	if (!pw_blob_starts_with(rest, "- ") ||
	    !pw_blob_split(pw_blob_trim(pw_blob(rest.ptr + 2, rest.len - 2)), ' ', &pkg, &ver)) {
		if (sink->skip)
			sink->skip(sink->ctx, "malformed release line");
		return PW_OK;
	}
	ver = pw_blob_trim(ver);
	struct pw_blob note;
	pw_blob_split(ver, ' ', &ver, &note); /* drop "(reason)" */
	char codename[32];
	snprintf(codename, sizeof(codename), "%.*s", PW_BLOB_PRINTF(rel));
	struct pw_distro_release dr;
	if (!pw_distro_normalize("debian", codename, &dr)) {
		if (sink->skip)
			sink->skip(sink->ctx, "unknown Debian release");
		return PW_OK;
	}
	enum pw_affect_status status = PW_AFFECT_FIXED;
	const char *version = NULL;
	if (pw_blob_eq_cstr(ver, "<not-affected>"))
		status = PW_AFFECT_NOT_AFFECTED;
	else if (pw_blob_eq_cstr(ver, "<unfixed>"))
		status = PW_AFFECT_VULNERABLE;
	else if (pw_blob_eq_cstr(ver, "<end-of-life>"))
		status = PW_AFFECT_EOL;
	else if (ver.len && ver.ptr[0] == '<') {
		if (sink->skip)
			sink->skip(sink->ctx, "release line with another tag (<removed>, <ignored>...)");
		return PW_OK;
	} else if (ver.len == 0) {
		if (sink->skip)
			sink->skip(sink->ctx, "release line without a version");
		return PW_OK;
	}
	if (status == PW_AFFECT_FIXED &&
	    pw_version_validate(PW_SCHEME_DEB, (version = pw_arena_blobdup(&b->arena, ver)), NULL)) {
		if (sink->skip)
			sink->skip(sink->ctx, "invalid fixed version");
		return PW_OK;
	}
	if (!push((void **)&b->lines, &b->nlines, &b->cap_lines, sizeof(*b->lines)))
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	struct release_line *l = &b->lines[b->nlines++];
	l->release = pw_arena_strdup(&b->arena, dr.release);
	l->package = pw_arena_blobdup(&b->arena, pkg);
	l->version = version;
	l->status = status;
	(void)name;
	(void)lineno;
	return PW_OK;
}

pw_err pw_feed_parse_dsa_list(struct pw_blob data, const char *name, enum pw_feed_kind kind,
			      const struct pw_feed_sink *sink, struct pw_error *e)
{
	struct builder b;
	memset(&b, 0, sizeof(b));
	pw_arena_init(&b.arena);
	struct pw_blob rest = data, line;
	size_t lineno = 0, advisories = 0;
	pw_err rc = PW_OK;
	const char *prefix = kind == PW_FEED_DLA ? "DLA-" : "DSA-";
	while (pw_blob_next_line(&rest, &line)) {
		lineno++;
		if (line.len && line.ptr[line.len - 1] == '\r')
			line.len--;
		if (line.len == 0)
			continue;
		if (line.ptr[0] == '[') {
			/* "[29 Mar 2023] DSA-5380-1 pkg - title" */
			struct pw_blob date, head, id, title;
			if (!pw_blob_split(pw_blob(line.ptr + 1, line.len - 1), ']', &date, &head)) {
				rc = pw_error_set(e, PW_ERR_PARSE, "%s:%zu: unterminated date", name, lineno);
				break;
			}
			if ((rc = emit(&b, name, sink, e)))
				break;
			reset(&b);
			head = pw_blob_trim(head);
			pw_blob_split(head, ' ', &id, &title);
			if (!pw_blob_starts_with(id, prefix)) {
				rc = pw_error_set(e, PW_ERR_PARSE, "%s:%zu: expected a %s advisory id, found '%.*s'",
						  name, lineno, prefix, (int)(id.len > 40 ? 40 : id.len), id.ptr);
				break;
			}
			advisories++;
			b.id = pw_arena_blobdup(&b.arena, id);
			b.title = pw_arena_blobdup(&b.arena, pw_blob_trim(title));
			b.date = parse_date(date);
			continue;
		}
		struct pw_blob t = pw_blob_trim(line);
		if (!b.id || t.len == 0 || pw_blob_starts_with(t, "NOTE:"))
			continue;
		if (t.ptr[0] == '{') {
			struct pw_blob list = pw_blob(t.ptr + 1, t.len - 1), item;
			if (list.len && list.ptr[list.len - 1] == '}')
				list.len--;
			while (list.len) {
				pw_blob_split(list, ' ', &item, &list);
				item = pw_blob_trim(item);
				if (!pw_blob_starts_with(item, "CVE-"))
					continue;
				if (!push((void **)&b.cves, &b.ncves, &b.cap_cves, sizeof(*b.cves))) {
					rc = pw_error_set(e, PW_ERR_NOMEM, "out of memory");
					break;
				}
				b.cves[b.ncves++] = pw_arena_blobdup(&b.arena, item);
			}
		} else if (t.ptr[0] == '[') {
			rc = release_line(&b, t, name, lineno, sink, e);
		} else if (sink->skip) {
			sink->skip(sink->ctx, "unrecognised line");
		}
		if (rc)
			break;
	}
	if (rc == PW_OK)
		rc = emit(&b, name, sink, e);
	if (rc == PW_OK && advisories == 0 && data.len > 0)
		rc = pw_error_set(e, PW_ERR_PARSE, "%s: no %s advisories found", name, prefix);
	pw_arena_free(&b.arena);
	free(b.cves);
	free(b.lines);
	return rc;
}
