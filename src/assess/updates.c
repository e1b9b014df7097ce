/* updates.c - pending security updates as findings (pw_findings_add_updates
 * in pw_match.h) and the names of finding kinds.
 *
 * A feed snapshot can be older than the host's release (a 2023 DSA list
 * knows nothing of what bookworm-security shipped since), so "no advisory"
 * is not "no fix": an update the host's own security repository offers is
 * a fix the host lacks, and is reported as one, with that repository as
 * its evidence. */
#include "pw_match.h"

#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {
	[PW_KIND_VULNERABILITY] = "vulnerability",
	[PW_KIND_UPDATE] = "update",
};

const char *pw_finding_kind_name(enum pw_finding_kind k)
{
	return (unsigned)k < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[k] : "unknown";
}

bool pw_finding_kind_parse(const char *s, enum pw_finding_kind *out)
{
	for (size_t i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++) {
		if (strcmp(s, kind_names[i]) == 0) {
			*out = (enum pw_finding_kind)i;
			return true;
		}
	}
	return false;
}

/* Does finding f say the update of its package is already accounted for? */
static bool covers(const struct pw_finding *f)
{
	return f->kind == PW_KIND_VULNERABILITY && f->fixable && f->patch != PW_PATCH_NO;
}

static bool pending_security_update(const struct pw_package *p)
{
	return p->state == PW_STATE_INSTALLED && p->candidate_version && *p->candidate_version &&
	       p->candidate_security;
}

pw_err pw_findings_add_updates(struct pw_findings *out, const struct pw_inventory *inv,
			       enum pw_scheme scheme, struct pw_error *e)
{
	size_t pending = 0;
	for (size_t i = 0; i < inv->npkgs; i++)
		pending += pending_security_update(&inv->pkgs[i]);
	if (!pending)
		return PW_OK;
	/* findings point into inv->pkgs: a flag per package says it is covered */
	bool *covered = calloc(inv->npkgs, sizeof(*covered));
	if (!covered)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < out->n; i++) {
		const struct pw_finding *f = &out->items[i];
		if (f->pkg >= inv->pkgs && f->pkg < inv->pkgs + inv->npkgs && covers(f))
			covered[f->pkg - inv->pkgs] = true;
	}
	pw_err rc = pw_findings_reserve(out, pending, e);
	const char *host = inv->host.hostname ? inv->host.hostname : inv->host.machine_id;
	for (size_t i = 0; !rc && i < inv->npkgs; i++) {
		const struct pw_package *p = &inv->pkgs[i];
		const char *name, *version;
		if (covered[i] || !pending_security_update(p) ||
		    !pw_match_package_key(p, scheme, &name, &version))
			continue;
		out->items[out->n++] = (struct pw_finding){
			.kind = PW_KIND_UPDATE, .update_class = PW_CLASS_SECURITY,
			.repository = p->candidate_origin,
			.host = host, .pkg = p, .match_name = name, .match_version = version,
			.vuln_id = PW_UPDATE_SECURITY_ID, .status = PW_AFFECT_FIXED, .fixable = true,
			.fixed = p->candidate_version, .patch = PW_PATCH_YES,
			.patch_origin = p->candidate_origin, .patch_version = p->candidate_version,
			.cvss = -1, .epss = -1, .epss_percentile = -1,
		};
	}
	free(covered);
	return rc;
}
