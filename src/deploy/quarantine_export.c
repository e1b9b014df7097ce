/* quarantine_export.c - nftables, CSV and JSON of the quarantined hosts
 * (pw_quarantine_export.h). */
#include "pw_quarantine_export.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "pw_jsonw.h"
#include "pw_quarantine.h"

bool pw_export_format_parse(const char *s, enum pw_export_format *out)
{
	if (strcmp(s, "nft") == 0)
		*out = PW_EXPORT_NFT;
	else if (strcmp(s, "csv") == 0)
		*out = PW_EXPORT_CSV;
	else if (strcmp(s, "json") == 0)
		*out = PW_EXPORT_JSON;
	else
		return false;
	return true;
}

void pw_quarantine_write_json(struct pw_jsonw *w, const struct pw_quarantine *q)
{
	pw_jsonw_begin_object(w);
	pw_jsonw_key(w, "id");
	pw_jsonw_int(w, q->id);
	pw_jsonw_key(w, "host_id");
	pw_jsonw_int(w, q->host_id);
	pw_jsonw_kstr(w, "hostname", q->hostname);
	pw_jsonw_key(w, "address");
	if (q->address)
		pw_jsonw_string(w, q->address);
	else
		pw_jsonw_null(w);
	pw_jsonw_kstr(w, "reason", q->reason);
	pw_jsonw_key(w, "detail");
	if (q->detail)
		pw_jsonw_string(w, q->detail);
	else
		pw_jsonw_null(w);
	pw_jsonw_key(w, "since");
	pw_jsonw_int(w, q->since);
	pw_jsonw_key(w, "lifted_at");
	if (q->lifted_at)
		pw_jsonw_int(w, q->lifted_at);
	else
		pw_jsonw_null(w);
	pw_jsonw_key(w, "lift_reason");
	if (q->lift_reason)
		pw_jsonw_string(w, q->lift_reason);
	else
		pw_jsonw_null(w);
	pw_jsonw_end_object(w);
}

/* An address in canonical text (family 4 or 6), or 0 when it is none. */
static int canonical(const char *in, char out[INET6_ADDRSTRLEN])
{
	unsigned char a[16];
	if (!in)
		return 0;
	if (inet_pton(AF_INET, in, a) == 1)
		return inet_ntop(AF_INET, a, out, INET6_ADDRSTRLEN) ? 4 : 0;
	if (inet_pton(AF_INET6, in, a) != 1)
		return 0;
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (memcmp(a, mapped, 12) == 0)
		return inet_ntop(AF_INET, a + 12, out, INET6_ADDRSTRLEN) ? 4 : 0;
	return inet_ntop(AF_INET6, a, out, INET6_ADDRSTRLEN) ? 6 : 0;
}

struct ctx {
	enum pw_export_format f;
	struct pw_buf v4, v6, unknown, *out;
	struct pw_jsonw w;
	size_t n4, n6, n;
	pw_err rc;
};

/* A CSV field: quoted when it holds a comma, quote or line break; a leading
 * =, +, - or @ is prefixed with ' so a spreadsheet does not run it. */
static void csv_field(struct pw_buf *b, const char *s)
{
	if (!s)
		return;
	bool quote = strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		pw_buf_addc(b, '"');
	if (strchr("=+-@", s[0]) && s[0])
		pw_buf_addc(b, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			pw_buf_addc(b, '"');
		pw_buf_addc(b, *p);
	}
	if (quote)
		pw_buf_addc(b, '"');
}

static pw_err each_cb(void *vc, const struct pw_quarantine *q)
{
	struct ctx *c = vc;
	char addr[INET6_ADDRSTRLEN];
	int fam = canonical(q->address, addr);
	c->n++;
	switch (c->f) {
	case PW_EXPORT_NFT:
		if (fam == 4)
			c->rc = pw_buf_addf(&c->v4, "%s%s", c->n4++ ? ", " : "", addr);
		else if (fam == 6)
			c->rc = pw_buf_addf(&c->v6, "%s%s", c->n6++ ? ", " : "", addr);
		else /* host names are the register's, kept out of the syntax */
			c->rc = pw_buf_addf(&c->unknown, "# no address known: host %lld\n",
					    (long long)q->host_id);
		break;
	case PW_EXPORT_CSV:
		c->rc = pw_buf_addf(c->out, "%lld,", (long long)q->host_id);
		csv_field(c->out, q->hostname);
		if (!c->rc)
			c->rc = pw_buf_addf(c->out, ",%s,%s,", fam ? addr : "", q->reason);
		csv_field(c->out, q->detail);
		if (!c->rc)
			c->rc = pw_buf_addf(c->out, ",%lld\n", (long long)q->since);
		break;
	case PW_EXPORT_JSON:
		pw_quarantine_write_json(&c->w, q);
		break;
	}
	return c->rc;
}

pw_err pw_quarantine_export(struct pw_store *s, enum pw_export_format f, struct pw_buf *out,
			    struct pw_error *e)
{
	struct ctx c = { .f = f, .v4 = PW_BUF_INIT, .v6 = PW_BUF_INIT, .unknown = PW_BUF_INIT,
			 .out = out };
	if (f == PW_EXPORT_CSV)
		pw_buf_adds(out, "host_id,hostname,address,reason,detail,since\n");
	if (f == PW_EXPORT_JSON) {
		pw_jsonw_init(&c.w, out, true);
		pw_jsonw_begin_object(&c.w);
		pw_jsonw_key(&c.w, "quarantined");
		pw_jsonw_begin_array(&c.w);
	}
	pw_err rc = pw_quarantine_each(s, true, each_cb, &c, e);
	if (!rc && c.rc)
		rc = pw_error_set(e, c.rc, "quarantine export: out of memory");
	if (!rc && f == PW_EXPORT_JSON) {
		pw_jsonw_end_array(&c.w);
		pw_jsonw_end_object(&c.w);
		if ((rc = pw_jsonw_finish(&c.w)))
			pw_error_set(e, rc, "quarantine export: cannot write JSON");
		else
			pw_buf_addc(out, '\n');
	}
	if (!rc && f == PW_EXPORT_NFT) {
		/* add + flush: the table and sets exist after the first load and
		 * are emptied before the current addresses go in */
		pw_buf_addf(out,
			    "#!/usr/sbin/nft -f\n"
			    "# patchwarden: %zu quarantined host(s)\n"
			    "%s"
			    "add table inet patchwarden\n"
			    "add set inet patchwarden quarantine_v4 { type ipv4_addr; }\n"
			    "add set inet patchwarden quarantine_v6 { type ipv6_addr; }\n"
			    "flush set inet patchwarden quarantine_v4\n"
			    "flush set inet patchwarden quarantine_v6\n",
			    c.n, c.unknown.data ? c.unknown.data : "");
		if (c.n4)
			pw_buf_addf(out, "add element inet patchwarden quarantine_v4 { %s }\n",
				    c.v4.data);
		if (c.n6)
			pw_buf_addf(out, "add element inet patchwarden quarantine_v6 { %s }\n",
				    c.v6.data);
	}
	pw_buf_free(&c.v4);
	pw_buf_free(&c.v6);
	pw_buf_free(&c.unknown);
	return rc;
}
