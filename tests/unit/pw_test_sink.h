/* pw_test_sink.h - a feed sink for tests: counts what importers emit and
 * keeps copies of chosen affected entries and vulnerabilities. */
#ifndef PW_TEST_SINK_H
#define PW_TEST_SINK_H

#include <stdio.h>
#include <string.h>

#include "pw_feeds.h"

struct test_sink {
	long records, vulns, affected, cpes, kev, epss, skips;
	long by_status[PW_AFFECT_EOL + 1];
	char skip_reasons[8][96];
	/* a record of interest, recorded when its id matches */
	const char *watch_id;
	char watched[512][200]; /* "vuln distro release package status fixed advisory" */
	int nwatched;
	struct pw_kev last_kev;
	char last_kev_cve[32];
	double epss_of_watch;
	const char *watch_cve;
	double cvss_of_watch;
	char vector_of_watch[160];
};

static pw_err ts_record(void *ctx, const struct pw_feed_record *r, struct pw_error *e)
{
	(void)e;
	struct test_sink *s = ctx;
	s->records++;
	s->vulns += (long)r->nvulns;
	s->affected += (long)r->naffected;
	s->cpes += (long)r->ncpes;
	for (size_t i = 0; i < r->naffected; i++)
		s->by_status[r->affected[i].status]++;
	for (size_t i = 0; s->watch_cve && i < r->nvulns; i++) {
		if (strcmp(r->vulns[i].id, s->watch_cve) == 0) {
			s->cvss_of_watch = r->vulns[i].cvss_score;
			snprintf(s->vector_of_watch, sizeof(s->vector_of_watch), "%s",
				 r->vulns[i].cvss_vector ? r->vulns[i].cvss_vector : "");
		}
	}
	if (s->watch_id && strcmp(r->id, s->watch_id) == 0) {
		for (size_t i = 0; i < r->naffected && s->nwatched < 512; i++) {
			const struct pw_affected *a = &r->affected[i];
			snprintf(s->watched[s->nwatched++], 200, "%s %s %s %s %s %s %s", a->vuln_id,
				 a->distro, a->release, a->package, pw_affect_status_name(a->status),
				 a->fixed ? a->fixed : "-", a->advisory ? a->advisory : "-");
		}
	}
	return PW_OK;
}

static pw_err ts_kev(void *ctx, const struct pw_kev *k, struct pw_error *e)
{
	(void)e;
	struct test_sink *s = ctx;
	s->kev++;
	if (s->watch_cve && strcmp(k->cve, s->watch_cve) == 0) {
		s->last_kev = *k;
		snprintf(s->last_kev_cve, sizeof(s->last_kev_cve), "%s", k->cve);
	}
	return PW_OK;
}

static pw_err ts_epss(void *ctx, const struct pw_epss *x, struct pw_error *e)
{
	(void)e;
	struct test_sink *s = ctx;
	s->epss++;
	if (s->watch_cve && strcmp(x->cve, s->watch_cve) == 0)
		s->epss_of_watch = x->score;
	return PW_OK;
}

static void ts_skip(void *ctx, const char *reason)
{
	struct test_sink *s = ctx;
	if (s->skips < 8)
		snprintf(s->skip_reasons[s->skips], 96, "%s", reason);
	s->skips++;
}

static inline struct pw_feed_sink ts_sink(struct test_sink *s)
{
	memset(s->by_status, 0, sizeof(s->by_status));
	struct pw_feed_sink sink = { .ctx = s, .record = ts_record, .kev = ts_kev, .epss = ts_epss,
				     .skip = ts_skip };
	return sink;
}

static inline bool ts_watched(const struct test_sink *s, const char *line)
{
	for (int i = 0; i < s->nwatched; i++) {
		if (strcmp(s->watched[i], line) == 0)
			return true;
	}
	return false;
}

#endif
