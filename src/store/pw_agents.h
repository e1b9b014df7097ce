/* pw_agents.h - enrollment tokens and agent credentials.
 *
 * An admin creates an enrollment token (scoped to a group, with an expiry
 * and a use limit); an agent presents it once and receives its own
 * credential ("pwa_" + 256 random bits, base64url), of which the store keeps
 * only a hash. Revoking an agent makes its credential fail at once.
 */
#ifndef PW_AGENTS_H
#define PW_AGENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "pw_err.h"

struct pw_store;

pw_err pw_agents_migrate(struct pw_store *s, struct pw_error *e);

struct pw_agent_identity {
	int64_t agent_id;
	int64_t host_id;
};

/* Check an agent credential (the bearer token as sent). found=false for an
 * unknown, revoked or malformed one. Constant-time in the secret. */
pw_err pw_agents_verify(struct pw_store *s, const char *credential, struct pw_agent_identity *out,
			bool *found, struct pw_error *e);

#endif
