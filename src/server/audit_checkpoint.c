/* audit_checkpoint.c - the server writes the audit log's sealed head to its
 * own log (stderr: the journal under systemd) whenever the log has grown:
 *
 *   audit checkpoint seq=N hash=H mac=M
 *
 * A copy outside both the store and the head file: `patchwarden audit
 * verify --checkpoints FILE` holds the log to the newest such line, so
 * cutting entries off is found even by someone who replaced the head file
 * and the key along with the store. See pw_audit_seal.h.
 */
#include <stdio.h>

#include "pw_audit_seal.h"
#include "pw_server.h"

void pw_audit_checkpoint_task(struct pw_server *srv, struct pw_store *store);

void pw_audit_checkpoint_task(struct pw_server *srv, struct pw_store *store)
{
	(void)srv;
	static int64_t logged; /* the task thread only */
	struct pw_audit_head_seal h;
	bool found = false;
	struct pw_error e = { 0 };
	if (pw_audit_seal_read(store, &h, &found, &e)) {
		pw_server_log("warning", "audit checkpoint: %s", e.msg);
		return;
	}
	if (!found || h.seq == logged)
		return;
	logged = h.seq;
	pw_server_log("info", "audit checkpoint seq=%lld hash=%s mac=%s", (long long)h.seq, h.hash,
		      h.mac);
}
