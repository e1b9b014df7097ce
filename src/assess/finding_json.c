/* finding_json.c - a stored finding as JSON (pw_finding_json.h). */
#include "pw_finding_json.h"

#include <stdio.h>
#include <string.h>

#include "pw_assessor.h"
#include "pw_clock.h"
#include "pw_findings.h"

/* Strings from inventories and feeds go out byte for byte (pw_jsonw.h). */
static json_t *str_or_null(const char *s)
{
	return s ? json_string_nocheck(s) : json_null();
}

static json_t *time_or_null(int64_t t)
{
	char buf[32];
	if (t <= 0)
		return json_null();
	return json_string(pw_clock_format(t, buf, sizeof(buf)));
}

static json_t *list_of(const char *csv)
{
	json_t *a = json_array();
	for (const char *p = csv; p && *p;) {
		size_t n = strcspn(p, ",");
		if (n)
			json_array_append_new(a, json_stringn_nocheck(p, n));
		p += n + (p[n] == ',');
	}
	return a;
}

json_t *pw_finding_json(const struct pw_finding_row *f)
{
	char prio[4];
	snprintf(prio, sizeof(prio), "P%d", f->priority);
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(f->id));
	json_object_set_new(o, "host_id", json_integer(f->host_id));
	json_object_set_new(o, "hostname", str_or_null(f->hostname));
	json_object_set_new(o, "kind", json_string(f->kind ? f->kind : "vulnerability"));
	json_object_set_new(o, "class", json_string(f->update_class ? f->update_class : "security"));
	json_object_set_new(o, "repository", str_or_null(f->repository));
	json_object_set_new(o, "vulnerability", str_or_null(f->vuln_id));
	json_object_set_new(o, "package", str_or_null(f->package));
	json_object_set_new(o, "binaries", list_of(f->binaries));
	json_object_set_new(o, "installed_version", str_or_null(f->installed));
	json_object_set_new(o, "fixed_version", str_or_null(f->fixed));
	json_object_set_new(o, "status", json_string(f->fixable ? "fixable" : "no_fix"));
	json_object_set_new(o, "affect_status", str_or_null(f->affect_status));
	json_object_set_new(o, "advisories", list_of(f->advisories));
	json_object_set_new(o, "patch_available", str_or_null(f->patch));
	json_object_set_new(o, "score", json_integer(f->score));
	json_object_set_new(o, "priority", json_string(prio));
	json_object_set_new(o, "cvss", f->cvss >= 0 ? json_real(f->cvss) : json_null());
	json_object_set_new(o, "epss", f->epss >= 0 ? json_real(f->epss) : json_null());
	json_object_set_new(o, "kev", json_boolean(f->kev));
	json_object_set_new(o, "reasons", str_or_null(f->reasons ? f->reasons : ""));
	json_object_set_new(o, "state", str_or_null(f->state));
	json_object_set_new(o, "first_seen", time_or_null(f->first_seen));
	json_object_set_new(o, "last_seen", time_or_null(f->last_seen));
	json_object_set_new(o, "fixed_at", time_or_null(f->fixed_at));
	json_object_set_new(o, "reopened_count", json_integer(f->reopened_count));
	/* accepted risk stays listed, marked, never hidden; a fixed finding
	 * has no risk left to accept */
	bool accepted = f->exception_id && f->state && strcmp(f->state, "open") == 0;
	json_object_set_new(o, "accepted_risk", json_boolean(accepted));
	json_object_set_new(o, "exception_id",
			    accepted ? json_integer(f->exception_id) : json_null());
	return o;
}

json_t *pw_assess_run_json(const struct pw_assess_run *x)
{
	char line[512];
	pw_assess_run_describe(x, line, sizeof(line));
	json_t *o = json_object();
	json_object_set_new(o, "hosts", json_integer((json_int_t)x->hosts));
	json_object_set_new(o, "changed_inventories", json_integer((json_int_t)x->changed));
	json_object_set_new(o, "touched_by_advisories", json_integer((json_int_t)x->touched));
	json_object_set_new(o, "rescored", json_integer((json_int_t)x->rescored));
	json_object_set_new(o, "at_start", json_integer((json_int_t)x->loaded));
	json_object_set_new(o, "devices", json_integer((json_int_t)x->devices));
	json_object_set_new(o, "skipped", json_integer((json_int_t)x->skipped));
	json_object_set_new(o, "advisory_keys", json_integer((json_int_t)x->advisory_keys));
	json_object_set_new(o, "evaluations", json_integer((json_int_t)x->evaluations));
	json_object_set_new(o, "findings_opened", json_integer((json_int_t)x->opened));
	json_object_set_new(o, "findings_fixed", json_integer((json_int_t)x->fixed));
	json_object_set_new(o, "findings_reopened", json_integer((json_int_t)x->reopened));
	json_object_set_new(o, "feeds_changed", json_boolean(x->feeds_changed));
	json_object_set_new(o, "feed_generation", json_integer(x->generation));
	json_object_set_new(o, "duration_ms", json_integer((json_int_t)x->ms));
	json_object_set_new(o, "summary", json_string(line));
	return o;
}
