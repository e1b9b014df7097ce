/* list_csv.c - the finding and host lists as CSV (pw_list_csv.h). */
#include "pw_list_csv.h"

#include <stdio.h>
#include <string.h>

#include "pw_clock.h"
#include "pw_csv.h"
#include "pw_findings.h"
#include "pw_registry.h"

pw_err pw_finding_csv_header(struct pw_buf *b)
{
	return pw_buf_adds(b, "id,priority,score,host_id,hostname,vulnerability,package,binaries,"
			   "installed,fixed,status,patch_available,kev,state,first_seen,fixed_at,"
			   "reopened_count,reasons,kind,class,repository,accepted_risk,"
			   "exception_id\r\n");
}

static const char *when(int64_t t, char buf[32])
{
	return t > 0 ? pw_clock_format(t, buf, 32) : "";
}

pw_err pw_finding_csv_row(struct pw_buf *b, const struct pw_finding_row *f)
{
	char prio[8], first[32], fixed[32];
	snprintf(prio, sizeof(prio), "P%d", f->priority);
	bool accepted = f->exception_id && f->state && strcmp(f->state, "open") == 0;
	pw_err rc;
	if ((rc = pw_csv_int(b, f->id, false)) || (rc = pw_csv_text(b, prio, false)) ||
	    (rc = pw_csv_int(b, f->score, false)) || (rc = pw_csv_int(b, f->host_id, false)) ||
	    (rc = pw_csv_text(b, f->hostname, false)) || (rc = pw_csv_text(b, f->vuln_id, false)) ||
	    (rc = pw_csv_text(b, f->package, false)) || (rc = pw_csv_text(b, f->binaries, false)) ||
	    (rc = pw_csv_text(b, f->installed, false)) || (rc = pw_csv_text(b, f->fixed, false)) ||
	    (rc = pw_csv_text(b, f->fixable ? "fixable" : "no_fix", false)) ||
	    (rc = pw_csv_text(b, f->patch, false)) ||
	    (rc = pw_csv_text(b, f->kev ? "yes" : "no", false)) ||
	    (rc = pw_csv_text(b, f->state, false)) ||
	    (rc = pw_csv_text(b, when(f->first_seen, first), false)) ||
	    (rc = pw_csv_text(b, when(f->fixed_at, fixed), false)) ||
	    (rc = pw_csv_int(b, f->reopened_count, false)) ||
	    (rc = pw_csv_text(b, f->reasons, false)) ||
	    (rc = pw_csv_text(b, f->kind ? f->kind : "vulnerability", false)) ||
	    (rc = pw_csv_text(b, f->update_class ? f->update_class : "security", false)) ||
	    (rc = pw_csv_text(b, f->repository, false)) ||
	    (rc = pw_csv_text(b, accepted ? "yes" : "no", false)))
		return rc;
	if (accepted)
		return pw_csv_int(b, f->exception_id, true);
	return pw_csv_text(b, NULL, true);
}

pw_err pw_host_csv_header(struct pw_buf *b)
{
	return pw_buf_adds(b, "id,hostname,origin,machine_id,os,release,arch,owner,environment,"
			   "criticality,exposure,site,tags,first_seen,last_seen,packages,"
			   "reboot_required\r\n");
}

pw_err pw_host_csv_row(struct pw_buf *b, const struct pw_host *h)
{
	char first[32], last[32], tags[1024] = "";
	size_t w = 0;
	for (size_t i = 0; i < h->ntags; i++) {
		int n = snprintf(tags + w, sizeof(tags) - w, "%s%s", i ? " " : "", h->tags[i]);
		if (n < 0 || (size_t)n >= sizeof(tags) - w)
			break; /* a cell of tags is bounded; the JSON has them all */
		w += (size_t)n;
	}
	pw_err rc;
	if ((rc = pw_csv_int(b, h->id, false)) || (rc = pw_csv_text(b, h->hostname, false)) ||
	    (rc = pw_csv_text(b, pw_host_origin_name(h->origin), false)) ||
	    (rc = pw_csv_text(b, h->machine_id, false)) || (rc = pw_csv_text(b, h->os_id, false)) ||
	    (rc = pw_csv_text(b, h->os_version_id, false)) || (rc = pw_csv_text(b, h->arch, false)) ||
	    (rc = pw_csv_text(b, h->owner, false)) || (rc = pw_csv_text(b, h->environment, false)))
		return rc;
	if (h->criticality)
		rc = pw_csv_int(b, h->criticality, false);
	else
		rc = pw_csv_text(b, NULL, false);
	if (rc || (rc = pw_csv_text(b, h->exposure, false)) ||
	    (rc = pw_csv_text(b, h->site, false)) || (rc = pw_csv_text(b, tags, false)) ||
	    (rc = pw_csv_text(b, when(h->first_seen, first), false)) ||
	    (rc = pw_csv_text(b, when(h->last_seen, last), false)) ||
	    (rc = pw_csv_int(b, h->npackages, false)))
		return rc;
	return pw_csv_text(b, h->reboot_required ? "yes" : "no", true);
}
