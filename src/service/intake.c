/* intake.c - an inventory through the collapse guard (pw_intake.h). */
#include "pw_intake.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_audit.h"
#include "pw_buf.h"
#include "pw_inventory_digest.h"
#include "pw_inventory_json.h"

static pw_err hold(struct pw_store *s, int64_t host_id, const struct pw_inventory *inv,
		   const char *digest, int64_t now, const char *actor, const char *reason,
		   struct pw_error *e)
{
	struct pw_buf doc = PW_BUF_INIT;
	pw_err rc = pw_inventory_write_json(inv, &doc, false);
	if (rc)
		rc = pw_error_set(e, rc, "out of memory writing the held inventory");
	else
		rc = pw_inventory_hold_put(s, host_id, digest, doc.data, inv->npkgs, reason, now,
					   actor, e);
	pw_buf_free(&doc);
	return rc;
}

static pw_err audit_superseded(struct pw_store *s, int64_t host_id, const char *digest,
			       const char *actor, struct pw_error *e)
{
	char object[32], after[128];
	snprintf(object, sizeof(object), "host:%lld", (long long)host_id);
	snprintf(after, sizeof(after), "{\"by_digest\":\"%.64s\"}", digest);
	return pw_audit_append(s, actor, "host.held_inventory_superseded", object, NULL, after, e);
}

pw_err pw_intake_inventory(struct pw_store *s, int64_t host_id, const struct pw_inventory *inv,
			   const char *digest, int64_t now, int max_loss_percent,
			   const char *actor, struct pw_intake *out, struct pw_error *e)
{
	memset(out, 0, sizeof(*out));
	pw_err rc = pw_inventory_hold_check(s, host_id, inv, max_loss_percent, &out->held,
					    out->reason, e);
	if (rc)
		return rc;
	if (out->held)
		return hold(s, host_id, inv, digest, now, actor, out->reason, e);
	if ((rc = pw_registry_put_inventory(s, host_id, inv, digest, now, &out->d, e)) ||
	    (rc = pw_inventory_hold_drop(s, host_id, &out->superseded, e)))
		return rc;
	return out->superseded ? audit_superseded(s, host_id, digest, actor, e) : PW_OK;
}

static pw_err audit_accepted(struct pw_store *s, int64_t host_id,
			     const struct pw_inventory_held *h, const struct pw_inventory_delta *d,
			     const char *actor, struct pw_error *e)
{
	json_t *after = json_pack("{s:s,s:s,s:I,s:I,s:I}", "reason", h->reason, "digest",
				  h->digest, "added", (json_int_t)d->added, "removed",
				  (json_int_t)d->removed, "changed", (json_int_t)d->changed);
	char *text = after ? json_dumps(after, JSON_COMPACT) : NULL;
	json_decref(after);
	if (!text)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	char object[32];
	snprintf(object, sizeof(object), "host:%lld", (long long)host_id);
	pw_err rc = pw_audit_append(s, actor, "host.accept_inventory", object, NULL, text, e);
	free(text);
	return rc;
}

pw_err pw_intake_accept_held(struct pw_store *s, int64_t host_id, int64_t now,
			     const char *actor, struct pw_inventory_delta *d, struct pw_error *e)
{
	struct pw_inventory_held h;
	char *text = NULL;
	bool found = false;
	struct pw_inventory inv;
	pw_inventory_init(&inv, "/");
	json_t *doc = NULL;
	pw_err rc = pw_inventory_hold_get(s, host_id, &h, &text, &found, e);
	if (rc)
		goto out;
	if (!found) {
		rc = pw_error_set(e, PW_ERR_NOTFOUND, "host %lld has no inventory held for review",
				  (long long)host_id);
		goto out;
	}
	json_error_t je;
	char digest[PW_INVENTORY_DIGEST_SIZE];
	if (!(doc = json_loads(text, 0, &je))) {
		rc = pw_error_set(e, PW_ERR_PARSE, "the held inventory of host %lld: %s",
				  (long long)host_id, je.text);
		goto out;
	}
	if ((rc = pw_inventory_from_json(&inv, doc, e)) || (rc = pw_inventory_digest(&inv, digest, e)) ||
	    (rc = pw_registry_put_inventory(s, host_id, &inv, digest, now, d, e)) ||
	    (rc = pw_inventory_hold_drop(s, host_id, NULL, e)))
		goto out;
	rc = audit_accepted(s, host_id, &h, d, actor, e);
out:
	json_decref(doc);
	pw_inventory_free(&inv);
	free(text);
	return rc;
}
