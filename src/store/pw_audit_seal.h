/* pw_audit_seal.h - the audit log's sealed head, kept apart from the store.
 *
 * The hash chain and the store's own head row find an entry edited or
 * removed in the middle, but not the newest entries cut off together with
 * the head row, nor the whole log emptied: whoever can write the store can
 * do both. So after each commit that appended entries, the newest (seq,
 * hash) is also written to a small head file next to a key, with an
 * HMAC-SHA256 under that key: a writer of the store who cannot read the key
 * cannot make a head file that verifies, and the head file only moves
 * forward.
 *
 *   key file   [audit] key_file (pw_audit_seal_configure), else
 *              $PATCHWARDEN_AUDIT_KEY, else STORE.audit-key: 32 random bytes
 *              as hex, mode 0600, created at first use
 *   head file  KEY.head: "patchwarden-audit-head v1 SEQ HASH MAC\n",
 *              rewritten in place under an exclusive lock on the key file
 *              (a fixed-length record, read under the same lock);
 *              never moved back (compare-and-advance), since the CLI's verbs
 *              and the server append to the same store
 *
 * A checkpoint is the same triple written elsewhere (the server logs one
 * when the log has grown, see pw_audit_checkpoint_line): given back to
 * `patchwarden audit verify --checkpoint`, it proves entries up to SEQ
 * existed even if the head file is lost with the store.
 */
#ifndef PW_AUDIT_SEAL_H
#define PW_AUDIT_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pw_err.h"

struct pw_store;

#define PW_AUDIT_HEX 65 /* SHA-256 or HMAC-SHA256 as hex + NUL */

/* The key file for every store this process opens (NULL: the default
 * above). Call before any store is used (the server, from its
 * configuration). The string is copied. */
void pw_audit_seal_configure(const char *key_file);

/* The key file of store s, into buf; false when there is none to use (an
 * in-memory store and nothing configured). */
bool pw_audit_seal_key_path(struct pw_store *s, char *buf, size_t size);

/* pw_audit_append: the newest entry of the transaction under way. */
void pw_audit_seal_note(struct pw_store *s, int64_t seq, const char *hash);
/* pw_store_commit / pw_store_rollback: seal what the committed transaction
 * appended (errors are not the commit's: the head file then lags, which
 * verify does not take for truncation), or forget it. */
void pw_audit_seal_committed(struct pw_store *s);
void pw_audit_seal_forget(struct pw_store *s);

struct pw_audit_head_seal {
	int64_t seq;
	char hash[PW_AUDIT_HEX];
	char mac[PW_AUDIT_HEX];
};

/* The sealed head of s. *found=false when there is no key or no head file
 * yet; PW_ERR_INVALID naming the file when the head file is malformed or
 * its MAC does not verify. */
pw_err pw_audit_seal_read(struct pw_store *s, struct pw_audit_head_seal *out, bool *found,
			  struct pw_error *e);

/* The MAC of (seq, hash) under s's key; false when the key cannot be read
 * (or made). */
bool pw_audit_seal_mac(struct pw_store *s, int64_t seq, const char *hash, char mac[PW_AUDIT_HEX]);

/* Check a checkpoint against the log: entry seq must exist with this hash
 * (and mac, when given and the key is readable, must verify). ok=false with
 * the reason in e ("log truncated: head at N, expected at least M"). */
pw_err pw_audit_verify_checkpoint(struct pw_store *s, int64_t seq, const char *hash,
				  const char *mac, bool *ok, struct pw_error *e);

/* Parse "SEQ:HASH" or a log line holding "seq=SEQ hash=HASH [mac=MAC]";
 * false when it holds none. mac is "" when absent. */
bool pw_audit_checkpoint_parse(const char *text, int64_t *seq, char hash[PW_AUDIT_HEX],
			       char mac[PW_AUDIT_HEX]);

#endif
