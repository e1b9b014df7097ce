/* cmd_assess.c - `patchwarden assess`: one host's vulnerabilities, ranked
 * by risk, offline. Exit 0: nothing at or above the threshold; 1: something
 * is; 2: error. */
#include "pw_cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "pw_buf.h"
#include "pw_config.h"
#include "pw_feeds.h"
#include "pw_file.h"
#include "pw_inventory_json.h"
#include "pw_jsonw.h"
#include "pw_match.h"
#include "pw_risk.h"
#include "pw_scan.h"
#include "pw_store.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: patchwarden assess [--root DIR | --inventory scan.json]\n"
		"                          [--db PATH | --feed FILE...] [--policy FILE]\n"
		"                          [--exposure internet|internal|isolated] [--criticality 1-5]\n"
		"                          [--environment NAME] [--format table|json|csv]\n"
		"                          [--min-priority P1..P4] [--only-fixable]\n"
		"\n"
		"Match a host's packages against the vulnerability feeds by its distribution's\n"
		"own rules (source packages and versions for Debian and Ubuntu, EVR for the\n"
		"RHEL family, origins for Alpine) and rank each finding by risk, with its\n"
		"reasons. Fixed and not-affected entries never produce a finding.\n"
		"\n"
		"  --root DIR          assess an image or chroot (default: this host)\n"
		"  --inventory FILE    a document from 'patchwarden scan --format json'\n"
		"  --db PATH           the store with imported feeds (default $PATCHWARDEN_DB)\n"
		"  --feed FILE         import this feed into a private in-memory store\n"
		"                      instead (repeatable; no database needed)\n"
		"  --policy FILE       risk weights (default /etc/patchwarden/policy.ini if\n"
		"                      present, else the built-in defaults: docs/risk.md)\n"
		"  --exposure E, --criticality N, --environment NAME   the asset's context\n"
		"  --min-priority P    report only findings at P or more urgent (default P4)\n"
		"  --only-fixable      leave out vulnerabilities with no fix yet\n"
		"  --format F          table (default), json or csv\n"
		"\n"
		"Exit status: 0 nothing at or above the threshold, 1 something is, 2 error.\n");
}

static int cmp_finding(const void *pa, const void *pb)
{
	const struct pw_finding *a = pa, *b = pb;
	if (a->fixable != b->fixable)
		return a->fixable ? -1 : 1;
	if (a->score != b->score)
		return b->score - a->score;
	int c = strcmp(a->pkg->name, b->pkg->name);
	return c ? c : strcmp(a->vuln_id, b->vuln_id);
}

static void csv_field(const char *s)
{
	putchar('"');
	for (const char *p = s ? s : ""; *p; p++) {
		if (*p == '"')
			putchar('"');
		putchar(*p);
	}
	putchar('"');
}

static void print_json(const struct pw_findings *fs, const struct pw_finding *const *sel, size_t n)
{
	struct pw_buf b = PW_BUF_INIT;
	struct pw_jsonw w;
	pw_jsonw_init(&w, &b, true);
	pw_jsonw_begin_object(&w);
	pw_jsonw_kstr(&w, "distro", fs->distro);
	pw_jsonw_kstr(&w, "release", fs->release);
	pw_jsonw_key(&w, "packages_checked");
	pw_jsonw_int(&w, (int64_t)fs->packages_checked);
	pw_jsonw_key(&w, "findings");
	pw_jsonw_begin_array(&w);
	for (size_t i = 0; i < n; i++) {
		const struct pw_finding *f = sel[i];
		char pr[4];
		snprintf(pr, sizeof(pr), "P%d", f->priority);
		pw_jsonw_begin_object(&w);
		pw_jsonw_kstr(&w, "vulnerability", f->vuln_id);
		pw_jsonw_kstr(&w, "package", f->pkg->name);
		pw_jsonw_kstr(&w, "source_package", f->pkg->source_name);
		pw_jsonw_kstr(&w, "installed_version", f->pkg->version);
		pw_jsonw_kstr(&w, "status", pw_affect_status_name(f->status));
		pw_jsonw_key(&w, "fixable");
		pw_jsonw_bool(&w, f->fixable);
		pw_jsonw_kstr(&w, "fixed_version", f->fixed);
		pw_jsonw_kstr(&w, "advisories", f->advisories);
		pw_jsonw_key(&w, "patch_available");
		pw_jsonw_bool(&w, f->patch_available);
		pw_jsonw_key(&w, "score");
		pw_jsonw_int(&w, f->score);
		pw_jsonw_kstr(&w, "priority", pr);
		pw_jsonw_key(&w, "kev");
		pw_jsonw_bool(&w, f->kev);
		pw_jsonw_kstr(&w, "reasons", f->reasons);
		pw_jsonw_end_object(&w);
	}
	pw_jsonw_end_array(&w);
	pw_jsonw_end_object(&w);
	if (pw_jsonw_finish(&w) == PW_OK)
		printf("%s\n", b.data);
	pw_buf_free(&b);
}

static void print_table(const struct pw_findings *fs, const struct pw_finding *const *sel, size_t n)
{
	size_t counts[5] = { 0 }, fixable = 0;
	for (size_t i = 0; i < n; i++) {
		counts[sel[i]->priority]++;
		fixable += sel[i]->fixable;
	}
	printf("Host: %s %s, %zu packages checked; %zu findings (%zu fixable, %zu with no fix yet)\n",
	       fs->distro, fs->release, fs->packages_checked, n, fixable, n - fixable);
	printf("By priority: P1 %zu, P2 %zu, P3 %zu, P4 %zu\n", counts[1], counts[2], counts[3], counts[4]);
	bool header_fix = false, header_nofix = false;
	for (size_t i = 0; i < n; i++) {
		const struct pw_finding *f = sel[i];
		if (f->fixable && !header_fix) {
			printf("\nFixable:\n%-3s %5s  %-18s %-28s %-24s %-24s %s\n", "PRI", "SCORE", "VULNERABILITY",
			       "PACKAGE", "INSTALLED", "FIXED IN", "WHY");
			header_fix = true;
		}
		if (!f->fixable && !header_nofix) {
			printf("\nNo fix available:\n%-3s %5s  %-18s %-28s %-24s %-24s %s\n", "PRI", "SCORE",
			       "VULNERABILITY", "PACKAGE", "INSTALLED", "STATUS", "WHY");
			header_nofix = true;
		}
		printf("P%d  %5d  %-18s %-28s %-24s %-24s %s\n", f->priority, f->score, f->vuln_id,
		       f->pkg->name, f->pkg->version, f->fixable ? f->fixed : pw_affect_status_name(f->status),
		       f->reasons);
	}
}

int cmd_assess(int argc, char **argv)
{
	static const struct option opts[] = {
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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *root = NULL, *inventory = NULL, *db = NULL, *policy_path = NULL;
	const char *feeds[64];
	size_t nfeeds = 0;
	struct pw_asset_context ctx = { 0 };
	enum pw_format format = PW_FORMAT_TABLE;
	int min_priority = 4;
	bool only_fixable = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': root = optarg; break;
		case 'i': inventory = optarg; break;
		case 'd': db = optarg; break;
		case 'F':
			if (nfeeds == 64) {
				pw_cli_error("assess", "at most 64 --feed");
				return PW_EXIT_ERROR;
			}
			feeds[nfeeds++] = optarg;
			break;
		case 'p': policy_path = optarg; break;
		case 'x':
			if (!pw_exposure_parse(optarg, &ctx.exposure)) {
				pw_cli_error("assess", "--exposure must be internet, internal or isolated");
				return PW_EXIT_ERROR;
			}
			break;
		case 'c':
			ctx.criticality = atoi(optarg);
			if (ctx.criticality < 1 || ctx.criticality > 5) {
				pw_cli_error("assess", "--criticality must be 1 to 5");
				return PW_EXIT_ERROR;
			}
			break;
		case 'E': ctx.environment = optarg; break;
		case 'f':
			if (!pw_cli_parse_format(optarg, 7, &format)) {
				pw_cli_error("assess", "--format must be table, json or csv");
				return PW_EXIT_ERROR;
			}
			break;
		case 'm':
			if ((optarg[0] != 'P' && optarg[0] != 'p') || optarg[1] < '1' || optarg[1] > '4' || optarg[2]) {
				pw_cli_error("assess", "--min-priority must be P1, P2, P3 or P4");
				return PW_EXIT_ERROR;
			}
			min_priority = optarg[1] - '0';
			break;
		case 'o': only_fixable = true; break;
		case 'h': usage(stdout); return PW_EXIT_OK;
		default: usage(stderr); return PW_EXIT_ERROR;
		}
	}
	if (optind != argc || (root && inventory) || (db && nfeeds)) {
		pw_cli_error("assess", "%s", optind != argc ? "unexpected argument" :
			     root && inventory ? "--root and --inventory exclude each other" :
						 "--db and --feed exclude each other");
		return PW_EXIT_ERROR;
	}

	int status = PW_EXIT_ERROR;
	struct pw_error e;
	struct pw_policy policy;
	struct pw_inventory inv;
	struct pw_store *store = NULL;
	struct pw_vulndb *vdb = NULL;
	struct pw_findings fs;
	const struct pw_finding **sel = NULL;
	pw_findings_init(&fs);
	pw_inventory_init(&inv, root);
	pw_policy_defaults(&policy);
	if (policy_path && pw_policy_load(&policy, policy_path, &e)) {
		pw_cli_report("assess", &e);
		goto out;
	}
	if (!policy_path) {
		FILE *f = fopen(PW_SYSCONFDIR "/policy.ini", "r");
		if (f) {
			fclose(f);
			if (pw_policy_load(&policy, PW_SYSCONFDIR "/policy.ini", &e)) {
				pw_cli_report("assess", &e);
				goto out;
			}
		}
	}

	/* the inventory */
	if (inventory) {
		struct pw_file f;
		json_error_t je;
		if (pw_file_read(&f, inventory, &e)) {
			pw_cli_report("assess", &e);
			goto out;
		}
		json_t *doc = json_loadb(f.data.ptr, f.data.len, 0, &je);
		pw_file_close(&f);
		if (!doc) {
			pw_cli_error("assess", "%s:%d: %s", inventory, je.line, je.text);
			goto out;
		}
		pw_err rc = pw_inventory_from_json(&inv, doc, &e);
		json_decref(doc);
		if (rc) {
			pw_cli_error("assess", "%s: %s", inventory, e.msg);
			goto out;
		}
	} else {
		struct pw_scan_options so = { .root = root };
		if (pw_scan(&inv, &so, &e)) {
			pw_cli_report("assess", &e);
			goto out;
		}
	}

	/* the advisories */
	if (nfeeds) {
		if (pw_store_open(":memory:", &store, &e)) {
			pw_cli_report("assess", &e);
			goto out;
		}
		for (size_t i = 0; i < nfeeds; i++) {
			enum pw_feed_kind kind;
			struct pw_feed_sink sink;
			struct pw_import_stats st;
			if (!pw_feed_detect_path(feeds[i], &kind)) {
				pw_cli_error("assess", "%s: cannot tell which feed this is", feeds[i]);
				goto out;
			}
			if (pw_store_import_begin(store, pw_feed_kind_name(kind), &sink, &st, &e) ||
			    pw_feed_import_path(feeds[i], kind, &sink, &e)) {
				pw_store_import_abort(store);
				pw_cli_report("assess", &e);
				goto out;
			}
			if (pw_store_import_commit(store, &e)) {
				pw_cli_report("assess", &e);
				goto out;
			}
		}
	} else {
		char *path = db ? strdup(db) : pw_store_default_path();
		pw_err rc = pw_store_open(path, &store, &e);
		free(path);
		if (rc) {
			pw_cli_report("assess", &e);
			goto out;
		}
	}
	if (pw_vulndb_new(&vdb, &e)) {
		pw_cli_report("assess", &e);
		goto out;
	}
	struct pw_distro_release dr;
	const struct pw_host_facts *h = &inv.host;
	if (pw_distro_from_os_release(h->os_id, h->os_id_like, h->os_version_id, h->os_codename, &dr) &&
	    pw_vulndb_load(vdb, store, dr.distro, dr.release, &e)) {
		pw_cli_report("assess", &e);
		goto out;
	}
	if (pw_match_inventory(vdb, &inv, &fs, &e)) {
		pw_cli_report("assess", &e);
		goto out;
	}
	for (size_t i = 0; i < fs.n; i++) {
		if (pw_risk_score(&fs.items[i], store, &policy, &ctx, &e)) {
			pw_cli_report("assess", &e);
			goto out;
		}
	}
	if (fs.n > 1)
		qsort(fs.items, fs.n, sizeof(*fs.items), cmp_finding);
	sel = calloc(fs.n + 1, sizeof(*sel));
	size_t nsel = 0;
	for (size_t i = 0; sel && i < fs.n; i++) {
		const struct pw_finding *f = &fs.items[i];
		if (f->priority <= min_priority && (!only_fixable || f->fixable))
			sel[nsel++] = f;
	}
	if (format == PW_FORMAT_JSON) {
		print_json(&fs, sel, nsel);
	} else if (format == PW_FORMAT_CSV) {
		printf("priority,score,vulnerability,package,source_package,installed_version,status,fixed_version,advisories,patch_available,kev,reasons\n");
		for (size_t i = 0; i < nsel; i++) {
			const struct pw_finding *f = sel[i];
			printf("P%d,%d,", f->priority, f->score);
			csv_field(f->vuln_id); putchar(',');
			csv_field(f->pkg->name); putchar(',');
			csv_field(f->pkg->source_name); putchar(',');
			csv_field(f->pkg->version); putchar(',');
			csv_field(pw_affect_status_name(f->status)); putchar(',');
			csv_field(f->fixed); putchar(',');
			csv_field(f->advisories); putchar(',');
			printf("%s,%s,", f->patch_available ? "yes" : "no", f->kev ? "yes" : "no");
			csv_field(f->reasons);
			putchar('\n');
		}
	} else {
		print_table(&fs, sel, nsel);
	}
	status = nsel ? PW_EXIT_FOUND : PW_EXIT_OK;
	if (fflush(stdout) != 0)
		status = PW_EXIT_ERROR;
out:
	free(sel);
	pw_findings_free(&fs);
	pw_vulndb_free(vdb);
	pw_store_close(store);
	pw_inventory_free(&inv);
	return status;
}
