/* import.c - an inventory into the register, in one transaction (pw_import.h). */
#include "pw_import.h"

#include <stdio.h>
#include <string.h>

#include "pw_agents.h"
#include "pw_audit.h"
#include "pw_registry.h"
#include "pw_store.h"

struct import {
	const struct pw_import_request *rq;
	struct pw_import_result *out;
	const char *key; /* agentless: the machine id, or "import:HOSTNAME" */
};

/* The audit entry of an applied inventory. Agents' and imports' entries
 * keep the fields they have always had, so the log reads the same. */
static pw_err audit_applied(struct pw_store *s, const struct import *im, struct pw_error *e)
{
	const struct pw_import_result *r = im->out;
	const struct pw_inventory_delta *d = &r->in.d;
	char object[32], after[256];
	snprintf(object, sizeof(object), "host:%lld", (long long)r->host_id);
	if (im->rq->agent_id > 0) {
		snprintf(after, sizeof(after),
			 "{\"digest\":\"%s\",\"added\":%llu,\"removed\":%llu,\"changed\":%llu}",
			 r->digest, (unsigned long long)d->added, (unsigned long long)d->removed,
			 (unsigned long long)d->changed);
		return pw_audit_append(s, im->rq->actor, "host.inventory", object, NULL, after, e);
	}
	snprintf(after, sizeof(after),
		 "{\"created\":%s,\"added\":%llu,\"removed\":%llu,\"changed\":%llu,"
		 "\"unchanged\":%llu}",
		 r->created ? "true" : "false", (unsigned long long)d->added,
		 (unsigned long long)d->removed, (unsigned long long)d->changed,
		 (unsigned long long)d->unchanged);
	return pw_audit_append(s, im->rq->actor, "host.import_inventory", object, NULL, after, e);
}

static pw_err import_tx(struct pw_store *s, void *ctx, struct pw_error *e)
{
	struct import *im = ctx;
	const struct pw_import_request *rq = im->rq;
	struct pw_import_result *r = im->out;
	pw_err rc;
	r->created = false;
	if (rq->agent_id > 0) {
		r->host_id = rq->host_id;
	} else if ((rc = pw_registry_host_ensure(s, PW_HOST_IMPORT, im->key, rq->inv->host.hostname,
						 rq->group, rq->now, &r->host_id, &r->created,
						 e))) {
		return rc;
	}
	if ((rc = pw_intake_inventory(s, r->host_id, rq->inv, r->digest, rq->now,
				      rq->max_loss_percent, rq->actor, &r->in, e)))
		return rc;
	if (rq->agent_id > 0 && (rc = pw_agents_count_upload(s, rq->agent_id, rq->now, e)))
		return rc;
	return r->in.held ? PW_OK : audit_applied(s, im, e); /* holding audits itself */
}

pw_err pw_import_inventory(struct pw_store *s, const struct pw_import_request *rq,
			   struct pw_import_result *out, struct pw_error *e)
{
	memset(out, 0, sizeof(*out));
	const struct pw_host_facts *h = &rq->inv->host;
	char key[300];
	struct import im = { .rq = rq, .out = out, .key = h->machine_id };
	if (rq->agent_id <= 0 && (!h->machine_id || !*h->machine_id)) {
		/* no machine id (an image, a container): the hostname names the host */
		if (!h->hostname || !*h->hostname)
			return pw_error_set(e, PW_ERR_INVALID,
					    "the inventory has neither host.machine_id nor host.hostname");
		snprintf(key, sizeof(key), "import:%s", h->hostname);
		im.key = key;
	}
	pw_err rc = pw_inventory_digest(rq->inv, out->digest, e);
	if (rc)
		return rc;
	return pw_store_write(s, import_tx, &im, e);
}
