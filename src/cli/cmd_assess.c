/* cmd_assess.c - `patchwarden assess`: one host's vulnerabilities, ranked
 * by risk, offline. Exit 0: nothing at or above the threshold; 1: something
 * is; 2: error. The JSON output is documented in docs/assess-output.md. */
#include "pw_cli.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pw_buf.h"
#include "pw_clock.h"
#include "pw_config.h"
#include "pw_exec.h"
#include "pw_file.h"
#include "pw_inventory_json.h"
#include "pw_jsonw.h"
#include "pw_match.h"
#include "pw_policy.h"
#include "pw_risk.h"
#include "pw_scan.h"
#include "pw_store.h"

#define VERB "assess"
#define MAX_FEEDS 64
#define MAX_WARNINGS 20 /* printed; the JSON carries all */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: patchwarden assess [--root DIR | --inventory scan.json]\n"
		"                          [--db PATH | --feed FILE...] [--policy FILE]\n"
		"                          [--exposure internet|internal|isolated] [--criticality 1-5]\n"
		"                          [--environment NAME] [--format table|json|csv]\n"
		"                          [--min-priority P1..P4] [--only-fixable]\n"
		"                          [--kind vulnerability|update]\n"
		"\n"
		"Match a host's packages against the vulnerability feeds by its distribution's\n"
		"own rules (source packages and versions for Debian and Ubuntu, [E:]V-R of the\n"
		"binary rpm for the RHEL family, origins for Alpine; the host's own release\n"
		"only) and rank each finding by risk, with its reasons. A fixed or not-affected\n"
		"entry never makes a finding; vulnerabilities with no fix yet are listed apart.\n"
		"Available updates are findings of kind \"update\", listed apart: a pending\n"
		"update from the host's own security repositories that no advisory covers\n"
		"(class security, the repository as its evidence, ranked as a fix available of\n"
		"unknown severity), and bug-fix and enhancement errata (ALBA, ALEA, ...; class\n"
		"bugfix or enhancement, score 0, P4, never a reason for exit status 1).\n"
		"\n"
		"  --root DIR          assess an image or chroot (default: this host)\n"
		"  --inventory FILE    a document from 'patchwarden scan --format json'\n"
		"  --db PATH           the store with imported feeds (default: $PATCHWARDEN_DB,\n"
		"                      else the system or user database)\n"
		"  --feed FILE         import this feed (file, directory or zip) into a private\n"
		"                      in-memory store instead; repeatable, no database needed\n"
		"  --policy FILE       risk weights and priority thresholds (default\n"
		"                      " PW_POLICY_DEFAULT_PATH " if present, else the built-in\n"
		"                      defaults; see docs/risk.md)\n"
		"  --exposure E        the asset is internet-facing, internal or isolated\n"
		"  --criticality N     the asset's criticality, 1 (low) to 5 (critical)\n"
		"  --environment NAME  production, staging, dev, ...\n"
		"  --min-priority P    report only findings at P or more urgent (default P4)\n"
		"  --only-fixable      leave out vulnerabilities with no fix available\n"
		"  --kind K            report only vulnerabilities (advisories name them) or\n"
		"                      updates (see above)\n"
		"  --format F          table (default), json (docs/assess-output.md) or csv\n"
		"  -h, --help          show this help\n"
		"\n"
		"Exit status: 0 nothing of class security reported at or above the threshold,\n"
		"1 something is, 2 usage error, unknown OS, no package database (or one that\n"
		"could not be read), no advisories for the host's release, or a failure.\n");
}

struct opts {
	const char *root, *inventory, *db, *policy;
	const char *feeds[MAX_FEEDS];
	size_t nfeeds;
	struct pw_asset_context ctx;
	enum pw_format format;
	int min_priority;
	bool only_fixable;
	bool by_kind;
	enum pw_finding_kind kind;
};

/* 0 ok, 1 --help, -1 error (said) */
static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "inventory", required_argument, NULL, 'i' },
		{ "db", required_argument, NULL, 'd' },
		{ "feed", required_argument, NULL, 'F' },
		{ "policy", required_argument, NULL, 'p' },
		{ "exposure", required_argument, NULL, 'x' },
		{ "criticality", required_argument, NULL, 'c' },
		{ "environment", required_argument, NULL, 'E' },
		{ "format", required_argument, NULL, 'f' },
		{ "min-priority", required_argument, NULL, 'm' },
		{ "only-fixable", no_argument, NULL, 'o' },
		{ "kind", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': o->root = optarg; break;
		case 'i': o->inventory = optarg; break;
		case 'd': o->db = optarg; break;
		case 'F':
			if (o->nfeeds == MAX_FEEDS) {
				pw_cli_error(VERB, "at most %d --feed", MAX_FEEDS);
				return -1;
			}
			o->feeds[o->nfeeds++] = optarg;
			break;
		case 'p': o->policy = optarg; break;
		case 'x':
			if (!pw_exposure_parse(optarg, &o->ctx.exposure)) {
				pw_cli_error(VERB, "--exposure must be internet, internal or isolated, not '%s'", optarg);
				return -1;
			}
			break;
		case 'c':
			if (optarg[0] < '1' || optarg[0] > '5' || optarg[1]) {
				pw_cli_error(VERB, "--criticality must be 1 to 5, not '%s'", optarg);
				return -1;
			}
			o->ctx.criticality = optarg[0] - '0';
			break;
		case 'E':
			if (!optarg[0]) {
				pw_cli_error(VERB, "--environment needs a name");
				return -1;
			}
			o->ctx.environment = optarg;
			break;
		case 'f':
			if (!pw_cli_parse_format(optarg, 7, &o->format)) {
				pw_cli_error(VERB, "--format must be table, json or csv, not '%s'", optarg);
				return -1;
			}
			break;
		case 'm':
			if ((optarg[0] != 'P' && optarg[0] != 'p') || optarg[1] < '1' || optarg[1] > '4' ||
			    optarg[2]) {
				pw_cli_error(VERB, "--min-priority must be P1, P2, P3 or P4, not '%s'", optarg);
				return -1;
			}
			o->min_priority = optarg[1] - '0';
			break;
		case 'o': o->only_fixable = true; break;
		case 'k':
			if (!pw_finding_kind_parse(optarg, &o->kind)) {
				pw_cli_error(VERB, "--kind must be vulnerability or update, not '%s'", optarg);
				return -1;
			}
			o->by_kind = true;
			break;
		case 'h': return 1;
		default: usage(stderr); return -1;
		}
	}
	if (optind != argc) {
		pw_cli_error(VERB, "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (o->root && o->inventory) {
		pw_cli_error(VERB, "--root and --inventory exclude each other");
		return -1;
	}
	if (o->db && o->nfeeds) {
		pw_cli_error(VERB, "--db and --feed exclude each other");
		return -1;
	}
	return 0;
}

static pw_err load_policy(const struct opts *o, struct pw_policy *policy, const char **used,
			  struct pw_error *e)
{
	pw_policy_defaults(policy);
	*used = "built-in";
	if (o->policy) {
		*used = o->policy;
		return pw_policy_load(policy, o->policy, e);
	}
	pw_err rc = pw_policy_load(policy, PW_POLICY_DEFAULT_PATH, e);
	if (rc == PW_ERR_NOTFOUND)
		return PW_OK; /* no system policy: the defaults */
	if (rc == PW_OK)
		*used = PW_POLICY_DEFAULT_PATH;
	return rc;
}

static pw_err load_inventory(const struct opts *o, struct pw_inventory *inv, struct pw_error *e)
{
	if (!o->inventory) {
		struct pw_scan_options so = { .root = o->root };
		return pw_scan(inv, &so, e);
	}
	struct pw_file f;
	json_error_t je;
	pw_err rc = pw_file_read(&f, o->inventory, e);
	if (rc)
		return rc;
	json_t *doc = json_loadb(f.data.ptr, f.data.len, 0, &je);
	pw_file_close(&f);
	if (!doc)
		return pw_error_set(e, PW_ERR_PARSE, "%s:%d: %s", o->inventory, je.line, je.text);
	struct pw_error inner;
	rc = pw_inventory_from_json(inv, doc, &inner);
	json_decref(doc);
	if (rc)
		return pw_error_set(e, rc, "%s: %s", o->inventory, inner.msg);
	return PW_OK;
}

/* An inventory whose package database could not be read (or was not found)
 * says nothing of what is installed: assessing it would report a clean host. */
static pw_err check_package_db(const struct opts *o, const struct pw_inventory *inv,
			       struct pw_error *e)
{
	if (!inv->ndb_errors)
		return PW_OK;
	return pw_error_set(e, PW_ERR_INVALID,
			    "%s%scannot assess a host whose packages are unknown: %s%s",
			    o->inventory ? o->inventory : "", o->inventory ? ": " : "",
			    inv->db_errors[0], inv->ndb_errors > 1 ? " (and more)" : "");
}

/* --feed: a private store holding just these feeds, in a temporary
 * directory, filled by `patchwarden feed import` (the importers and their
 * libraries live in patchwarden-admin, so everyday assessments from a
 * store never load them). */
static pw_err import_feeds(const struct opts *o, const char *db, struct pw_error *e)
{
	char prog[4096];
	if (!pw_cli_program_path("patchwarden-admin", prog, sizeof(prog)))
		return pw_error_set(e, PW_ERR_LIMIT, "the path of patchwarden-admin is too long");
	const char *argv[MAX_FEEDS + 6] = { prog, "feed", "import", "--db", db };
	size_t n = 5;
	for (size_t i = 0; i < o->nfeeds; i++)
		argv[n++] = o->feeds[i];
	argv[n] = NULL;
	struct pw_buf out = PW_BUF_INIT, err = PW_BUF_INIT;
	int status = 0;
	pw_err rc = pw_exec_capture(argv, &out, &err, &status, e);
	if (rc == PW_OK && status != 0) {
		/* its message already names the feed and where it went wrong */
		const char *msg = err.len ? err.data : "failed";
		size_t len = strlen(msg);
		while (len && msg[len - 1] == '\n')
			len--;
		rc = pw_error_set(e, PW_ERR_PARSE, "importing --feed: %.*s", (int)len, msg);
	}
	pw_buf_free(&out);
	pw_buf_free(&err);
	return rc;
}

/* Remove the temporary store of --feed (SQLite's side files too). */
static void remove_feed_store(char *dir)
{
	static const char *const names[] = { "feeds.db", "feeds.db-wal", "feeds.db-shm",
					     "feeds.db-journal" };
	char path[4096];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* The table's sections, in order: fixable vulnerabilities, vulnerabilities
 * with no fix, available updates (kind update). */
enum { SECTION_FIXABLE, SECTION_NO_FIX, SECTION_UPDATES, NSECTIONS };

static int section_of(const struct pw_finding *f)
{
	if (f->kind == PW_KIND_UPDATE)
		return SECTION_UPDATES;
	return f->fixable ? SECTION_FIXABLE : SECTION_NO_FIX;
}

static int cmp_finding(const void *pa, const void *pb)
{
	const struct pw_finding *a = *(const struct pw_finding *const *)pa;
	const struct pw_finding *b = *(const struct pw_finding *const *)pb;
	int sa = section_of(a), sb = section_of(b);
	if (sa != sb)
		return sa - sb;
	if (a->score != b->score)
		return b->score - a->score;
	int c = strcmp(a->pkg->name, b->pkg->name);
	return c ? c : strcmp(a->vuln_id, b->vuln_id);
}

/* ---- output ---- */

static const char *host_name(const struct pw_findings *fs)
{
	return fs->host ? fs->host : "this host";
}

static void print_table(const struct pw_findings *fs, const struct pw_finding *const *sel,
			size_t n, size_t total)
{
	size_t all[5] = { 0 }, fix[5] = { 0 }, nfix = 0, nupd = 0;
	for (size_t i = 0; i < n; i++) {
		all[sel[i]->priority]++;
		fix[sel[i]->priority] += sel[i]->fixable;
		nfix += sel[i]->fixable;
		nupd += sel[i]->kind == PW_KIND_UPDATE;
	}
	printf("Host %s (%s %s): %zu packages checked, %zu finding%s: %zu fixable, %zu with no fix "
	       "available", host_name(fs), fs->distro, fs->release, fs->packages_checked, n,
	       n == 1 ? "" : "s", nfix, n - nfix);
	if (nupd)
		printf(", %zu of the fixable available update%s (kind update)", nupd,
		       nupd == 1 ? "" : "s");
	if (total > n)
		printf(" (%zu more below the threshold)", total - n);
	printf("\n");
	for (int p = 1; p <= 4; p++)
		printf("P%d  %5zu  (%zu fixable, %zu no fix)\n", p, all[p], fix[p], all[p] - fix[p]);
	int wv = 13, wp = 7, wi = 9, wf = 8;
	for (size_t i = 0; i < n; i++) {
		const struct pw_finding *f = sel[i];
		int l;
		if ((l = (int)strlen(f->vuln_id)) > wv)
			wv = l;
		l = (int)strlen(f->pkg->name);
		if (strcmp(f->pkg->name, f->match_name) != 0)
			l += (int)strlen(f->match_name) + 3;
		if (l > wp)
			wp = l;
		if ((l = (int)strlen(f->pkg->version)) > wi)
			wi = l;
		if ((l = (int)strlen(f->fixable ? f->fixed : pw_affect_status_name(f->status))) > wf)
			wf = l;
	}
	wv = wv > 24 ? 24 : wv;
	wp = wp > 36 ? 36 : wp;
	wi = wi > 28 ? 28 : wi;
	wf = wf > 28 ? 28 : wf;
	static const char *const titles[NSECTIONS] = {
		[SECTION_FIXABLE] = "Fixable:", [SECTION_NO_FIX] = "No fix available:",
		[SECTION_UPDATES] = "Available updates (kind update):",
	};
	for (int section = 0; section < NSECTIONS; section++) {
		bool fixable = section != SECTION_NO_FIX, header = false;
		for (size_t i = 0; i < n; i++) {
			const struct pw_finding *f = sel[i];
			if (section_of(f) != section)
				continue;
			if (!header) {
				printf("\n%s\n", titles[section]);
				printf("PRI  SCORE  %-*s  %-*s  %-*s  %-*s  %s\n", wv, "VULNERABILITY", wp,
				       "PACKAGE", wi, "INSTALLED", wf, fixable ? "FIXED IN" : "STATUS",
				       "WHY");
				header = true;
			}
			char pkg[256];
			if (strcmp(f->pkg->name, f->match_name) != 0)
				snprintf(pkg, sizeof(pkg), "%s (%s)", f->pkg->name, f->match_name);
			else
				snprintf(pkg, sizeof(pkg), "%s", f->pkg->name);
			printf("P%d   %5d  %-*s  %-*s  %-*s  %-*s  %s\n", f->priority, f->score, wv,
			       f->vuln_id, wp, pkg, wi, f->pkg->version, wf,
			       fixable ? f->fixed : pw_affect_status_name(f->status), f->reasons);
		}
	}
}

/* The JSON document is written as it goes, one finding at a time, through
 * the streaming writer (pw_jsonw.h): building it as a jansson tree first
 * cost more than the whole assessment. Members come in the order
 * docs/assess-output.md lists them. Strings from inventories and feeds go
 * out byte for byte: a bad UTF-8 byte in a package's version must not
 * drop the whole document. */

/* Written to stdout whenever this much is buffered. */
#define JSON_FLUSH_AT (64 * 1024)

static void put_str(struct pw_jsonw *w, const char *key, const char *s)
{
	pw_jsonw_key(w, key);
	if (s)
		pw_jsonw_string(w, s);
	else
		pw_jsonw_null(w);
}

/* A real as jansson wrote it with 5 significant digits: "%.5g", a ".0"
 * when that reads as an integer, no '+' nor leading zeros in the exponent. */
/* Reals in their shortest form that reads back the same, as every other
 * JSON patchwarden writes. */
static void put_real(struct pw_jsonw *w, double v)
{
	pw_jsonw_real(w, v);
}

static void put_num(struct pw_jsonw *w, const char *key, double v)
{
	pw_jsonw_key(w, key);
	if (v >= 0)
		put_real(w, v);
	else
		pw_jsonw_null(w);
}

static void put_date(struct pw_jsonw *w, const char *key, int64_t t)
{
	char buf[32];
	pw_jsonw_key(w, key);
	if (!t) {
		pw_jsonw_null(w);
		return;
	}
	pw_clock_format(t, buf, sizeof(buf));
	buf[10] = '\0';
	pw_jsonw_string(w, buf);
}

static void put_bool(struct pw_jsonw *w, const char *key, bool v)
{
	pw_jsonw_key(w, key);
	pw_jsonw_bool(w, v);
}

static void put_int(struct pw_jsonw *w, const char *key, int64_t v)
{
	pw_jsonw_key(w, key);
	pw_jsonw_int(w, v);
}

/* "DSA-1,DLA-2" as an array of its parts */
static void put_advisories(struct pw_jsonw *w, const char *list)
{
	char part[256];
	pw_jsonw_key(w, "advisories");
	pw_jsonw_begin_array(w);
	for (const char *p = list; p && *p;) {
		size_t n = strcspn(p, ",");
		if (n < sizeof(part)) {
			memcpy(part, p, n);
			part[n] = '\0';
			pw_jsonw_string(w, part);
		} else {
			struct pw_buf long_part = PW_BUF_INIT;
			if (pw_buf_add(&long_part, p, n) == PW_OK)
				pw_jsonw_string(w, long_part.data);
			else
				w->err = w->err ? w->err : PW_ERR_NOMEM;
			pw_buf_free(&long_part);
		}
		p += n + (p[n] == ',');
	}
	pw_jsonw_end_array(w);
}

static void put_finding(struct pw_jsonw *w, const struct pw_finding *f)
{
	char pr[4];
	snprintf(pr, sizeof(pr), "P%d", f->priority);
	pw_jsonw_begin_object(w);
	put_str(w, "vulnerability", f->vuln_id);
	put_str(w, "package", f->pkg->name);
	put_str(w, "version", f->pkg->version);
	put_str(w, "source_package", f->pkg->source_name);
	put_str(w, "source_version", f->pkg->source_version);
	put_str(w, "status", pw_affect_status_name(f->status));
	put_bool(w, "fixable", f->fixable);
	put_str(w, "fixed_version", f->fixed);
	put_advisories(w, f->advisories);
	put_str(w, "urgency", f->urgency);
	put_str(w, "patch_available", pw_patch_name(f->patch));
	put_str(w, "patch_origin", f->patch_origin);
	put_str(w, "patch_version", f->patch_version);
	put_int(w, "score", f->score);
	put_str(w, "priority", pr);
	put_num(w, "cvss", f->cvss);
	put_num(w, "epss", f->epss);
	put_num(w, "epss_percentile", f->epss_percentile);
	put_bool(w, "kev", f->kev);
	put_date(w, "kev_date_added", f->kev_added);
	put_date(w, "kev_due_date", f->kev_due);
	put_bool(w, "ransomware", f->ransomware);
	put_str(w, "reasons", f->reasons ? f->reasons : "");
	put_str(w, "kind", pw_finding_kind_name(f->kind));
	put_str(w, "class", pw_update_class_name(f->update_class));
	put_str(w, "repository", f->repository);
	pw_jsonw_end_object(w);
}

/* Out with what is buffered once there is enough of it (or at the end). */
static int put_flush(struct pw_jsonw *w, struct pw_buf *out, bool last)
{
	if (w->err)
		return -1;
	if (!last && out->len < JSON_FLUSH_AT)
		return 0;
	if (out->len && fwrite(out->data, 1, out->len, stdout) != out->len)
		return -1;
	pw_buf_reset(out);
	return 0;
}

static int print_json(const struct pw_findings *fs, const struct pw_finding *const *sel, size_t n,
		      size_t total, const struct opts *o, const char *policy)
{
	size_t by[5] = { 0 }, nfix = 0, nupd = 0;
	for (size_t i = 0; i < n; i++) {
		by[sel[i]->priority]++;
		nfix += sel[i]->fixable;
		nupd += sel[i]->kind == PW_KIND_UPDATE;
	}
	struct pw_buf out = PW_BUF_INIT;
	struct pw_jsonw w;
	char min_priority[3] = { 'P', (char)('0' + o->min_priority), '\0' };
	pw_jsonw_init(&w, &out, true);
	pw_jsonw_begin_object(&w);
	put_int(&w, "schema_version", 1);
	pw_jsonw_key(&w, "host");
	pw_jsonw_begin_object(&w);
	put_str(&w, "name", fs->host);
	put_str(&w, "distro", fs->distro);
	put_str(&w, "release", fs->release);
	pw_jsonw_end_object(&w);
	pw_jsonw_key(&w, "settings");
	pw_jsonw_begin_object(&w);
	put_str(&w, "policy", policy);
	put_str(&w, "exposure", o->ctx.exposure ? pw_exposure_name(o->ctx.exposure) : NULL);
	pw_jsonw_key(&w, "criticality");
	if (o->ctx.criticality)
		pw_jsonw_int(&w, o->ctx.criticality);
	else
		pw_jsonw_null(&w);
	put_str(&w, "min_priority", min_priority);
	put_bool(&w, "only_fixable", o->only_fixable);
	put_str(&w, "environment", o->ctx.environment);
	put_str(&w, "kind", o->by_kind ? pw_finding_kind_name(o->kind) : NULL);
	pw_jsonw_end_object(&w);
	pw_jsonw_key(&w, "summary");
	pw_jsonw_begin_object(&w);
	put_int(&w, "packages_checked", (int64_t)fs->packages_checked);
	put_int(&w, "findings", (int64_t)n);
	put_int(&w, "fixable", (int64_t)nfix);
	put_int(&w, "no_fix", (int64_t)(n - nfix));
	put_int(&w, "below_threshold", (int64_t)(total - n));
	pw_jsonw_key(&w, "by_priority");
	pw_jsonw_begin_object(&w);
	put_int(&w, "P1", (int64_t)by[1]);
	put_int(&w, "P2", (int64_t)by[2]);
	put_int(&w, "P3", (int64_t)by[3]);
	put_int(&w, "P4", (int64_t)by[4]);
	pw_jsonw_end_object(&w);
	put_int(&w, "updates", (int64_t)nupd);
	pw_jsonw_end_object(&w);
	pw_jsonw_key(&w, "warnings");
	pw_jsonw_begin_array(&w);
	for (size_t i = 0; i < fs->nwarnings; i++)
		pw_jsonw_string(&w, fs->warnings[i]);
	pw_jsonw_end_array(&w);
	pw_jsonw_key(&w, "findings");
	pw_jsonw_begin_array(&w);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		put_finding(&w, sel[i]);
		rc = put_flush(&w, &out, false);
	}
	pw_jsonw_end_array(&w);
	pw_jsonw_end_object(&w);
	if (rc == 0 && (pw_jsonw_finish(&w) != PW_OK || pw_buf_addc(&out, '\n') != PW_OK ||
			put_flush(&w, &out, true) != 0))
		rc = -1;
	pw_buf_free(&out);
	return rc;
}

static void csv_field(const char *s, char sep)
{
	putchar('"');
	for (const char *p = s ? s : ""; *p; p++) {
		if (*p == '"')
			putchar('"');
		putchar(*p);
	}
	putchar('"');
	putchar(sep);
}

static void csv_number(double v, char sep)
{
	if (v >= 0)
		printf("%g", v);
	putchar(sep);
}

static void print_csv(const struct pw_finding *const *sel, size_t n)
{
	printf("priority,score,vulnerability,package,version,source_package,source_version,status,"
	       "fixable,fixed_version,advisories,patch_available,cvss,epss,epss_percentile,kev,"
	       "ransomware,reasons,kind,class,repository\n");
	for (size_t i = 0; i < n; i++) {
		const struct pw_finding *f = sel[i];
		printf("P%d,%d,", f->priority, f->score);
		csv_field(f->vuln_id, ',');
		csv_field(f->pkg->name, ',');
		csv_field(f->pkg->version, ',');
		csv_field(f->pkg->source_name, ',');
		csv_field(f->pkg->source_version, ',');
		printf("%s,%s,", pw_affect_status_name(f->status), f->fixable ? "yes" : "no");
		csv_field(f->fixed, ',');
		csv_field(f->advisories, ',');
		printf("%s,", pw_patch_name(f->patch));
		csv_number(f->cvss, ',');
		csv_number(f->epss, ',');
		csv_number(f->epss_percentile, ',');
		printf("%s,%s,", f->kev ? "yes" : "no", f->ransomware ? "yes" : "no");
		csv_field(f->reasons, ',');
		printf("%s,%s,", pw_finding_kind_name(f->kind), pw_update_class_name(f->update_class));
		csv_field(f->repository, '\n');
	}
}

int cmd_assess(int argc, char **argv)
{
	struct opts o = { .format = PW_FORMAT_TABLE, .min_priority = 4 };
	int a = parse_args(argc, argv, &o);
	if (a > 0) {
		usage(stdout);
		return PW_EXIT_OK;
	}
	if (a < 0)
		return PW_EXIT_ERROR;

	int status = PW_EXIT_ERROR;
	struct pw_error e;
	struct pw_policy policy;
	const char *policy_used;
	struct pw_inventory inv;
	struct pw_store *store = NULL;
	struct pw_vulndb *vdb = NULL;
	struct pw_findings fs;
	struct pw_distro_release dr;
	const struct pw_finding **sel = NULL;
	char *db_path = NULL;
	struct pw_buf feed_dir = PW_BUF_INIT;
	pw_error_clear(&e);
	pw_findings_init(&fs);
	pw_inventory_init(&inv, o.root);

	if (load_policy(&o, &policy, &policy_used, &e) || load_inventory(&o, &inv, &e) ||
	    check_package_db(&o, &inv, &e) || pw_match_host(&inv, &dr, &e))
		goto fail;
	if (o.nfeeds) {
		const char *tmp = getenv("TMPDIR");
		if (pw_buf_addf(&feed_dir, "%s/patchwarden-assess-XXXXXX", tmp && *tmp ? tmp : "/tmp") ||
		    !mkdtemp(feed_dir.data) || !(db_path = malloc(feed_dir.len + 16))) {
			pw_error_set(&e, PW_ERR_IO, "cannot make a temporary directory: %s",
				     strerror(errno));
			goto fail;
		}
		sprintf(db_path, "%s/feeds.db", feed_dir.data);
		if (import_feeds(&o, db_path, &e) || pw_store_open(db_path, &store, &e))
			goto fail;
	} else {
		db_path = o.db ? strdup(o.db) : pw_store_default_path();
		if (!db_path) {
			pw_error_set(&e, PW_ERR_NOMEM, "out of memory");
			goto fail;
		}
		/* assess only reads the store: one that is not there is not made */
		if (pw_store_open_existing(db_path, &store, &e))
			goto fail;
	}
	/* one snapshot and one lock for every read of the assessment */
	bool any = false;
	if (pw_store_read_begin(store, &e) ||
	    pw_store_has_affected(store, dr.distro, dr.release, &any, &e))
		goto fail;
	if (!any) {
		/* no data is not "no vulnerabilities" */
		pw_cli_error(VERB, "%s holds no advisories for %s %s: import that release's feeds "
			     "first (patchwarden feed import), or pass them with --feed",
			     o.nfeeds ? "the given --feed inputs" : db_path, dr.distro, dr.release);
		goto out;
	}
	if (pw_vulndb_new(&vdb, &e) || pw_vulndb_load_host(vdb, store, &inv, &e) ||
	    pw_match_inventory(vdb, &inv, &fs, &e))
		goto fail;
	if (pw_risk_score_findings(&fs, store, &policy, &o.ctx, &e))
		goto fail;
	pw_store_read_end(store);
	for (size_t i = 0; i < fs.nwarnings && i < MAX_WARNINGS; i++)
		pw_cli_error(VERB, "warning: %s", fs.warnings[i]);
	if (fs.nwarnings > MAX_WARNINGS)
		pw_cli_error(VERB, "warning: %zu more warnings (all are in --format json)",
			     fs.nwarnings - MAX_WARNINGS);

	sel = calloc(fs.n + 1, sizeof(*sel));
	if (!sel) {
		pw_error_set(&e, PW_ERR_NOMEM, "out of memory");
		goto fail;
	}
	size_t nsel = 0;
	for (size_t i = 0; i < fs.n; i++) {
		const struct pw_finding *f = &fs.items[i];
		if (f->priority <= o.min_priority && (!o.only_fixable || f->fixable) &&
		    (!o.by_kind || f->kind == o.kind))
			sel[nsel++] = f;
	}
	if (nsel > 1)
		qsort(sel, nsel, sizeof(*sel), cmp_finding);
	if (o.format == PW_FORMAT_JSON) {
		if (print_json(&fs, sel, nsel, fs.n, &o, policy_used) != 0) {
			pw_cli_error(VERB, "cannot write the JSON output");
			goto out;
		}
	} else if (o.format == PW_FORMAT_CSV) {
		print_csv(sel, nsel);
	} else {
		print_table(&fs, sel, nsel, fs.n);
	}
	/* bug-fix and enhancement updates are listed, never a reason to fail */
	status = PW_EXIT_OK;
	for (size_t i = 0; i < nsel; i++) {
		if (sel[i]->update_class == PW_CLASS_SECURITY)
			status = PW_EXIT_FOUND;
	}
	if (fflush(stdout) != 0) {
		pw_cli_error(VERB, "writing the output: %s", strerror(errno));
		status = PW_EXIT_ERROR;
	}
	goto out;
fail:
	pw_cli_report(VERB, &e);
out:
	free(sel);
	free(db_path);
	pw_findings_free(&fs);
	pw_vulndb_free(vdb);
	pw_store_close(store);
	if (feed_dir.len)
		remove_feed_store(feed_dir.data);
	pw_buf_free(&feed_dir);
	pw_inventory_free(&inv);
	return status;
}
