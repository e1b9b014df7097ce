/* cmd_audit.c - `patchwarden audit`: list the audit log, verify its hash
 * chain (see pw_audit.h). Reads the server's store directly.
 *
 * verify exits 0 when the chain is intact, 1 when an entry was edited,
 * removed, inserted or reordered (naming the first bad seq), or the newest
 * entries were cut off (against the sealed head and any checkpoints given:
 * see pw_audit_seal.h), 2 on error. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_audit.h"
#include "pw_audit_seal.h"
#include "pw_cli.h"
#include "pw_clock.h"
#include "pw_server.h"
#include "pw_server_cli.h"
#include "pw_store.h"
#include "pw_timearg.h"

#define VERB "audit"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: patchwarden audit list [--after SEQ] [--limit N] [--since WHEN] [--until WHEN]\n"
		"                              [--format table|json]\n"
		"       patchwarden audit verify [--checkpoint SEQ:HASH]... [--checkpoints FILE]\n"
		"                                [--format table|json]\n"
		"\n"
		"The audit log: every change (who, when, what, before and after), each\n"
		"entry chained to the one before by SHA-256.\n"
		"  --after SEQ   entries after this sequence number (default: from the start)\n"
		"  --limit N     at most N entries (default: all)\n"
		"  --since WHEN, --until WHEN  entries made in that range: a duration back\n"
		"                from now (30d), a date (2026-11-01) or an RFC 3339 time\n"
		"  --db PATH     the server's store (default $PATCHWARDEN_DB, else the\n"
		"                standard location)\n"
		"  --checkpoint SEQ:HASH  an entry known to exist (an earlier verify's\n"
		"                newest entry): cut off or rewritten, verify fails\n"
		"  --checkpoints FILE  every 'audit checkpoint seq=N hash=H mac=M' line in\n"
		"                FILE (the server logs them: journalctl -u patchwarden)\n"
		"verify exits 0 when the chain is intact, 1 when an entry was edited,\n"
		"removed or inserted (naming the first bad entry), or the newest entries\n"
		"were cut off (\"log truncated: head at N, expected at least M\", against\n"
		"the sealed head file next to the audit key or a checkpoint), 2 on error.\n");
}

static bool parse_count(const char *opt, const char *s, int64_t min, int64_t *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (*end || end == s || v < min) {
		pw_cli_error(VERB, "%s: '%s' is not a number of at least %lld", opt, s,
			     (long long)min);
		return false;
	}
	*out = v;
	return true;
}

struct list_ctx {
	enum pw_format fmt;
	json_t *items;
};

/* A JSON document as stored, embedded as JSON (a string when it does not
 * parse: the log shows what was written). */
static json_t *embedded(const char *doc)
{
	if (!doc)
		return json_null();
	json_t *j = json_loads(doc, JSON_DECODE_ANY, NULL);
	return j ? j : json_string(doc);
}

static pw_err list_row(void *ctx, const struct pw_audit_entry *a)
{
	struct list_ctx *l = ctx;
	char at[32];
	pw_clock_format(a->at, at, sizeof(at));
	if (l->fmt == PW_FORMAT_JSON) {
		json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:s?,s:o,s:o,s:s}", "seq", (json_int_t)a->seq,
				      "at", at, "actor", a->actor, "action", a->action, "object",
				      a->object, "before", embedded(a->before_json), "after",
				      embedded(a->after_json), "hash", a->hash);
		if (!o || json_array_append_new(l->items, o))
			return PW_ERR_NOMEM;
		return PW_OK;
	}
	printf("%-6lld %-20s %-24.24s %-20s %s\n", (long long)a->seq, at, a->actor, a->action,
	       a->object ? a->object : "-");
	return PW_OK;
}

static int do_list(struct pw_store *s, int64_t after, const int64_t range[2], int64_t limit,
		   enum pw_format fmt)
{
	struct list_ctx l = { fmt, fmt == PW_FORMAT_JSON ? json_array() : NULL };
	struct pw_error e = { 0 };
	if (fmt == PW_FORMAT_JSON && !l.items) {
		pw_cli_error(VERB, "out of memory");
		return PW_EXIT_ERROR;
	}
	if (fmt != PW_FORMAT_JSON)
		printf("%-6s %-20s %-24s %-20s %s\n", "SEQ", "AT", "ACTOR", "ACTION", "OBJECT");
	if (pw_audit_each_range(s, after, range[0], range[1], limit, list_row, &l, &e)) {
		json_decref(l.items);
		pw_cli_report(VERB, &e);
		return PW_EXIT_ERROR;
	}
	if (fmt == PW_FORMAT_JSON) {
		json_dumpf(l.items, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(l.items);
	}
	return PW_EXIT_OK;
}

static pw_err last_hash(void *ctx, const struct pw_audit_entry *a)
{
	snprintf(ctx, 80, "%s", a->hash ? a->hash : "");
	return PW_OK;
}

#define CHECKPOINTS_MAX 64

struct checkpoints {
	size_t n;
	struct {
		int64_t seq;
		char hash[PW_AUDIT_HEX], mac[PW_AUDIT_HEX];
	} at[CHECKPOINTS_MAX];
};

static bool add_checkpoint(struct checkpoints *c, const char *text, const char *where)
{
	if (c->n == CHECKPOINTS_MAX) {
		pw_cli_error(VERB, "%s: more than %d checkpoints", where, CHECKPOINTS_MAX);
		return false;
	}
	if (!pw_audit_checkpoint_parse(text, &c->at[c->n].seq, c->at[c->n].hash, c->at[c->n].mac)) {
		pw_cli_error(VERB, "%s: '%.80s' is not SEQ:HASH (a sequence number and 64 hex digits)",
			     where, text);
		return false;
	}
	c->n++;
	return true;
}

/* The newest checkpoint line of a log (other lines are skipped): entry
 * SEQ's hash covers every entry before it, so the newest proves the most. */
static bool read_checkpoints(struct checkpoints *c, const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		pw_cli_error(VERB, "--checkpoints %s: %s", path, strerror(errno));
		return false;
	}
	char line[1024], where[PATH_MAX + 32];
	snprintf(where, sizeof(where), "--checkpoints %s", path);
	struct checkpoints one = { 0 };
	int64_t newest = 0;
	size_t slot = c->n;
	bool ok = true;
	while (ok && fgets(line, sizeof(line), f)) {
		if (!strstr(line, "audit checkpoint"))
			continue;
		one.n = 0;
		ok = add_checkpoint(&one, line, where);
		if (ok && one.at[0].seq > newest) {
			newest = one.at[0].seq;
			if (slot == CHECKPOINTS_MAX) {
				pw_cli_error(VERB, "%s: more than %d checkpoints", where,
					     CHECKPOINTS_MAX);
				ok = false;
				break;
			}
			c->at[slot] = one.at[0];
			c->n = slot + 1;
		}
	}
	fclose(f);
	if (ok && !newest) {
		pw_cli_error(VERB, "%s: no 'audit checkpoint' line in it", where);
		ok = false;
	}
	return ok;
}

/* Each checkpoint, after the chain verified: the first that fails is the
 * answer. */
static pw_err check_points(struct pw_store *s, const struct checkpoints *c, bool *ok,
			   struct pw_error *e)
{
	for (size_t i = 0; i < c->n && *ok; i++) {
		pw_err rc = pw_audit_verify_checkpoint(s, c->at[i].seq, c->at[i].hash, c->at[i].mac,
						      ok, e);
		if (rc)
			return rc;
	}
	return PW_OK;
}

static int do_verify(struct pw_store *s, const struct checkpoints *cps, enum pw_format fmt)
{
	bool ok = false;
	int64_t bad = 0, checked = 0;
	struct pw_error e = { 0 };
	if (pw_audit_verify(s, &ok, &bad, &checked, &e) ||
	    (ok && check_points(s, cps, &ok, &e))) {
		pw_cli_report(VERB, &e);
		return PW_EXIT_ERROR;
	}
	if (!ok && !bad)
		bad = checked + 1;
	/* the newest entry's hash: kept elsewhere, it pins everything before it */
	char head[80] = "";
	if (ok && checked > 0 && pw_audit_each(s, checked - 1, 1, last_hash, head, &e)) {
		pw_cli_report(VERB, &e);
		return PW_EXIT_ERROR;
	}
	if (fmt == PW_FORMAT_JSON) {
		json_t *doc = json_pack("{s:b,s:I}", "ok", ok, "checked", (json_int_t)checked);
		if (doc && ok && head[0]) {
			json_object_set_new(doc, "last_seq", json_integer(checked));
			json_object_set_new(doc, "last_hash", json_string(head));
		}
		if (doc && !ok) {
			json_object_set_new(doc, "first_bad_seq", json_integer(bad));
			json_object_set_new(doc, "message", json_string(e.msg));
		}
		if (doc) {
			json_dumpf(doc, stdout, JSON_INDENT(2));
			putchar('\n');
			json_decref(doc);
		}
	} else if (ok) {
		printf("audit log intact: %lld entr%s verified\n", (long long)checked,
		       checked == 1 ? "y" : "ies");
		if (head[0])
			printf("newest entry: %lld, hash %s\n", (long long)checked, head);
	} else {
		printf("%s (first bad entry: %lld)\n", e.msg, (long long)bad);
	}
	return ok ? PW_EXIT_OK : PW_EXIT_FOUND;
}

int cmd_audit(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "after", required_argument, NULL, 'a' },
		{ "limit", required_argument, NULL, 'l' },
		{ "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },
		{ "format", required_argument, NULL, 'f' },
		{ "db", required_argument, NULL, 'd' },
		{ "checkpoint", required_argument, NULL, 'c' },
		{ "checkpoints", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct checkpoints cps;
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? PW_EXIT_ERROR : PW_EXIT_OK;
	}
	const char *sub = argv[1];
	const char *db = NULL;
	int64_t after = 0, limit = 0, range[2] = { 0, 0 };
	enum pw_format fmt = PW_FORMAT_TABLE;
	optind = 1;
	int c;
	while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (!parse_count("--after", optarg, 0, &after))
				return PW_EXIT_ERROR;
			break;
		case 'l':
			if (!parse_count("--limit", optarg, 1, &limit))
				return PW_EXIT_ERROR;
			break;
		case 'S':
		case 'U':
			if (!pw_timearg_parse(optarg, pw_clock_now(), PW_TIMEARG_PAST,
					      &range[c == 'U'])) {
				pw_cli_error(VERB, "--%s: a duration (30d), a date (2026-11-01) or an "
					     "RFC 3339 time, not '%s'", c == 'S' ? "since" : "until",
					     optarg);
				return PW_EXIT_ERROR;
			}
			break;
		case 'f':
			if (!pw_cli_parse_format(optarg, 1u << PW_FORMAT_TABLE | 1u << PW_FORMAT_JSON,
						 &fmt)) {
				pw_cli_error(VERB, "--format: '%s' is not table or json", optarg);
				return PW_EXIT_ERROR;
			}
			break;
		case 'd': db = optarg; break;
		case 'c':
			if (!add_checkpoint(&cps, optarg, "--checkpoint"))
				return PW_EXIT_ERROR;
			break;
		case 'C':
			if (!read_checkpoints(&cps, optarg))
				return PW_EXIT_ERROR;
			break;
		case 'h': usage(stdout); return PW_EXIT_OK;
		default: usage(stderr); return PW_EXIT_ERROR;
		}
	}
	int nargs = argc - 1 - optind;
	bool is_list = strcmp(sub, "list") == 0, is_verify = strcmp(sub, "verify") == 0;
	if (!is_list && !is_verify) {
		pw_cli_error(VERB, "unknown command '%s' (list, verify)", sub);
		return PW_EXIT_ERROR;
	}
	if (nargs) {
		pw_cli_error(VERB, "unexpected argument '%s'", argv[1 + optind]);
		return PW_EXIT_ERROR;
	}
	struct pw_store *s = NULL;
	int rc = pw_server_cli_open_existing_store(VERB, db, &s);
	if (rc)
		return rc;
	if (is_list && cps.n) {
		pw_cli_error(VERB, "--checkpoint belongs to verify");
		pw_store_close(s);
		return PW_EXIT_ERROR;
	}
	if (is_verify && (range[0] || range[1])) {
		pw_cli_error(VERB, "--since and --until belong to list");
		pw_store_close(s);
		return PW_EXIT_ERROR;
	}
	rc = is_list ? do_list(s, after, range, limit, fmt) : do_verify(s, &cps, fmt);
	pw_store_close(s);
	return rc;
}
