/* pw_quarantine_export.h - the quarantined hosts for the systems that act
 * on them: an nftables script, CSV, or JSON.
 *
 * nft: a script for `nft -f` that (re)defines table inet patchwarden with
 * the named sets quarantine_v4 (ipv4_addr) and quarantine_v6 (ipv6_addr)
 * holding the quarantined hosts' addresses; loading it again replaces the
 * sets' contents, so a timer can load it as it is. A firewall rule of the
 * operator's refers to the sets (`ip saddr @quarantine_v4 drop`). Only
 * addresses that parse as IPv4 or IPv6 go in; an IPv4-mapped IPv6 address
 * goes in as IPv4. Hosts without a known address are listed in a comment.
 */
#ifndef PW_QUARANTINE_EXPORT_H
#define PW_QUARANTINE_EXPORT_H

#include <stdbool.h>

#include "pw_buf.h"
#include "pw_err.h"

struct pw_store;

enum pw_export_format {
	PW_EXPORT_NFT,
	PW_EXPORT_CSV,
	PW_EXPORT_JSON,
};

/* "nft", "csv", "json"; false for anything else. */
bool pw_export_format_parse(const char *s, enum pw_export_format *out);

/* The active quarantines in format f, appended to out. */
pw_err pw_quarantine_export(struct pw_store *s, enum pw_export_format f, struct pw_buf *out,
			    struct pw_error *e);

/* One quarantine as a JSON object (the API's Quarantine schema). */
struct pw_jsonw;
struct pw_quarantine;
void pw_quarantine_write_json(struct pw_jsonw *w, const struct pw_quarantine *q);

#endif
