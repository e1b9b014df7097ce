/* pw_import.h - an inventory arrives: the one home of "import an
 * inventory", whether an agent uploads its own host's, an agentless upload
 * comes over the API, or an admin runs `asset import-inventory`.
 *
 * The call owns its transaction: the host is found or registered, the
 * inventory offered through the collapse guard (pw_intake.h), the agent's
 * upload counted, the change audited, and all of it committed at once or
 * not at all. Callers only parse their input and render the result.
 */
#ifndef PW_IMPORT_H
#define PW_IMPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "pw_err.h"
#include "pw_intake.h"
#include "pw_inventory.h"
#include "pw_inventory_digest.h"

struct pw_store;

struct pw_import_request {
	const struct pw_inventory *inv;
	/* an agent's own host (agent_id > 0): host_id must be its host;
	 * else (an agentless import) the host is found by machine id, or
	 * "import:HOSTNAME" without one, and registered in group when new */
	int64_t agent_id;
	int64_t host_id;
	const char *group;        /* new agentless hosts; NULL: none */
	int max_loss_percent;     /* the collapse guard's limit */
	const char *actor;        /* as the audit log names it */
	int64_t now;
};

struct pw_import_result {
	int64_t host_id;
	bool created;                           /* an agentless host registered now */
	char digest[PW_INVENTORY_DIGEST_SIZE];
	struct pw_intake in;                    /* held (with reason), or applied (delta) */
};

/* PW_ERR_INVALID when an agentless inventory has neither a machine id nor
 * a hostname; store errors as they come, with nothing written. */
pw_err pw_import_inventory(struct pw_store *s, const struct pw_import_request *rq,
			   struct pw_import_result *out, struct pw_error *e);

#endif
