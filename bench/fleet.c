/* fleet.c - assessment of a synthetic fleet built from real package
 * universes, and its re-assessment after one new advisory.
 *
 *   fleet STORE HOSTS DEBIAN_PACKAGES_TSV ALMA_PACKAGES_TSV
 *
 * The TSV files list "package <TAB> fixed-version" lines (bench/fleet.sh
 * takes them from the Debian 11 DSA/DLA fixes and the AlmaLinux 9 OSV
 * fixes). Each host takes 600 packages of its
 * distribution's universe, each at the current or the older version (mixed
 * patch levels), so hosts share most (package, version) pairs as real
 * fleets do. Prints the CPU and wall time of the full assessment, of the
 * re-assessment after one new advisory, how many evaluations the memo
 * saved, the findings, and the peak resident set (VmHWM) before and after
 * the assessment.
 *
 * STORE is only read: the advisory is imported into a private copy
 * (VACUUM INTO a temporary file, removed at the end), so every run does
 * the same work.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "pw_fleet.h"
#include "pw_match.h"
#include "pw_store.h"

struct universe {
	char **name, **cur, **old;
	size_t n;
};

static double clock_ms(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static double now_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

static double cpu_ms(void)
{
	return clock_ms(CLOCK_PROCESS_CPUTIME_ID);
}

/* The process's peak resident set so far, KiB (VmHWM). */
static long peak_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

/* Copy the store at src into a new temporary file, written to *dst (to
 * unlink, with its -wal and -shm, when done); src is opened read-only. */
static int copy_store(const char *src, char *dst, size_t len)
{
	const char *dir = getenv("TMPDIR");
	snprintf(dst, len, "%s/fleet-XXXXXX", dir && *dir ? dir : "/tmp");
	int fd = mkstemp(dst);
	if (fd < 0) {
		perror(dst);
		return -1;
	}
	close(fd);
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_open_v2(src, &db, SQLITE_OPEN_READONLY, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, "VACUUM INTO ?1", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 1, dst, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_DONE)
		rc = SQLITE_OK;
	if (rc != SQLITE_OK)
		fprintf(stderr, "fleet: copying %s: %s\n", src, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

static char store_copy[4096];

/* At exit, on every path: the copy and its -wal and -shm are removed. */
static void remove_copy(void)
{
	char side[4200];
	const char *path = store_copy;
	if (!*path)
		return;
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

/* Read "package <TAB> fixed" lines (sorted by package); keep per package
 * the greatest fix and the one before it, by the scheme's own order. */
static void load(const char *path, struct universe *u, enum pw_scheme scheme)
{
	FILE *f = fopen(path, "r");
	char line[1024], name[512] = "";
	char *best = NULL, *second = NULL;
	size_t cap = 0;
	if (!f) {
		perror(path);
		exit(2);
	}
	for (bool more = true; more;) {
		char *a = NULL, *b = NULL;
		more = fgets(line, sizeof(line), f) != NULL;
		if (more) {
			a = strtok(line, "\t\n");
			b = strtok(NULL, "\t\n");
			if (!a || !b)
				continue;
		}
		if (!more || strcmp(a, name) != 0) {
			if (best) {
				if (u->n == cap) {
					cap = cap ? cap * 2 : 1024;
					u->name = realloc(u->name, cap * sizeof(char *));
					u->cur = realloc(u->cur, cap * sizeof(char *));
					u->old = realloc(u->old, cap * sizeof(char *));
				}
				u->name[u->n] = strdup(name);
				u->cur[u->n] = best;
				if (!second) {
					second = malloc(strlen(best) + 2);
					sprintf(second, "%s~", best); /* below the only fix */
				}
				u->old[u->n] = second;
				u->n++;
			}
			best = second = NULL;
			if (!more)
				break;
			snprintf(name, sizeof(name), "%s", a);
		}
		if (!best || pw_version_cmp(scheme, b, best) > 0) {
			free(second);
			second = best;
			best = strdup(b);
		} else if (pw_version_cmp(scheme, b, best) < 0 &&
			   (!second || pw_version_cmp(scheme, b, second) > 0)) {
			free(second);
			second = strdup(b);
		}
	}
	fclose(f);
}

static void make_host(struct pw_inventory *inv, const struct universe *u, bool alma, unsigned seed)
{
	pw_inventory_init(inv, NULL);
	inv->host.os_id = alma ? "almalinux" : "debian";
	inv->host.os_version_id = alma ? "9.4" : "11";
	inv->host.os_codename = alma ? NULL : "bullseye";
	size_t take = u->n < 600 ? u->n : 600;
	size_t start = (seed * 7919u) % u->n;
	for (size_t i = 0; i < take; i++) {
		size_t k = (start + i) % u->n;
		struct pw_package *p = pw_inventory_add_package(inv, alma ? PW_FAMILY_RPM : PW_FAMILY_DEB);
		/* about one package in eight lags behind, varying by host */
		bool lag = ((seed >> (i % 13)) ^ (unsigned)k) % 8 == 0;
		p->name = u->name[k];
		p->source_name = u->name[k];
		p->version = p->source_version = lag ? u->old[k] : u->cur[k];
		p->state = PW_STATE_INSTALLED;
	}
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: fleet STORE HOSTS DEBIAN_TSV ALMA_TSV\n");
		return 2;
	}
	int hosts = atoi(argv[2]);
	struct universe deb = { 0 }, alma = { 0 };
	load(argv[3], &deb, PW_SCHEME_DEB);
	load(argv[4], &alma, PW_SCHEME_RPM);
	printf("universes: %zu Debian 11 and %zu AlmaLinux 9 packages\n", deb.n, alma.n);
	char *copy = store_copy;
	atexit(remove_copy);
	if (copy_store(argv[1], copy, sizeof(store_copy)))
		return 2;
	struct pw_store *s;
	struct pw_error e;
	if (pw_store_open(copy, &s, &e)) {
		fprintf(stderr, "fleet: %s\n", e.msg);
		return 2;
	}
	struct pw_vulndb *db;
	double t0 = now_ms();
	if (pw_vulndb_new(&db, &e) || pw_vulndb_load(db, s, NULL, NULL, &e)) {
		fprintf(stderr, "fleet: %s\n", e.msg);
		return 2;
	}
	double t_index = now_ms() - t0;

	long kib_index = peak_kib();

	struct pw_inventory *inv = calloc((size_t)hosts, sizeof(*inv));
	size_t pkgs = 0;
	for (int h = 0; h < hosts; h++) {
		make_host(&inv[h], h % 2 ? &alma : &deb, h % 2, (unsigned)h * 2654435761u);
		pkgs += inv[h].npkgs;
	}
	long kib_inventories = peak_kib();
	/* the full assessment, as the server keeps it: one fleet, one memo */
	struct pw_fleet *fleet;
	if (pw_fleet_new(db, &fleet, &e)) {
		fprintf(stderr, "fleet: %s\n", e.msg);
		return 2;
	}
	t0 = now_ms();
	double c0 = cpu_ms();
	for (int h = 0; h < hosts; h++) {
		size_t id;
		if (pw_fleet_add(fleet, &inv[h], &id, &e)) {
			fprintf(stderr, "fleet: host %d: %s\n", h, e.msg);
			return 2;
		}
	}
	double t_full = now_ms() - t0, c_full = cpu_ms() - c0;
	long kib_full = peak_kib();
	size_t findings = 0;
	for (int h = 0; h < hosts; h++) {
		struct pw_fleet_summary sum;
		pw_fleet_summary(fleet, (size_t)h, &sum);
		findings += sum.fixable + sum.nofix;
	}
	uint64_t evaluated, hits;
	pw_vulndb_stats(db, &evaluated, &hits);

	/* one new advisory for one Debian package, through the store as a feed
	 * import writes it; then the incremental path: the index catches up
	 * with the store, and only the hosts having the touched key are
	 * evaluated again */
	const char *touched_pkg = deb.name[0];
	int64_t seen = pw_store_generation(s);
	struct pw_vuln v = { .id = "CVE-2099-0001", .cvss_score = -1 };
	struct pw_affected a = { .vuln_id = "CVE-2099-0001", .distro = "debian", .release = "11",
				 .package = touched_pkg, .status = PW_AFFECT_FIXED,
				 .fixed = "999:0", .advisory = "DSA-9999-1" };
	struct pw_feed_record rec = { .source = "dsa", .id = "DSA-9999-1", .vulns = &v, .nvulns = 1,
				      .affected = &a, .naffected = 1 };
	struct pw_feed_sink sink;
	struct pw_import_stats st;
	t0 = now_ms();
	c0 = cpu_ms();
	if (pw_store_import_begin(s, "dsa", &sink, &st, &e) || sink.record(sink.ctx, &rec, &e) ||
	    pw_store_import_commit(s, &e)) {
		fprintf(stderr, "fleet: importing the advisory: %s\n", e.msg);
		return 2;
	}
	double t_import = now_ms() - t0;
	struct pw_keyset touched;
	pw_keyset_init(&touched);
	size_t rehosts = 0;
	t0 = now_ms();
	if (pw_vulndb_refresh(db, s, seen, &touched, &e)) {
		fprintf(stderr, "fleet: refresh: %s\n", e.msg);
		return 2;
	}
	double t_refresh = now_ms() - t0;
	t0 = now_ms();
	if (pw_fleet_update(fleet, &touched, &rehosts, &e)) {
		fprintf(stderr, "fleet: update: %s\n", e.msg);
		return 2;
	}
	double t_again = now_ms() - t0;
	double c_advisory = cpu_ms() - c0;
	size_t findings2 = 0;
	for (int h = 0; h < hosts; h++) {
		struct pw_fleet_summary sum;
		pw_fleet_summary(fleet, (size_t)h, &sum);
		findings2 += sum.fixable + sum.nofix;
	}
	uint64_t evaluated2, hits2;
	pw_vulndb_stats(db, &evaluated2, &hits2);

	double t_advisory = t_import + t_refresh + t_again;
	printf("index: %.0f ms to load the store's affected entries; peak RSS %.1f MiB\n", t_index,
	       kib_index / 1024.0);
	printf("inventories: %d hosts, %zu packages; peak RSS %.1f MiB (%.0f bytes a host)\n", hosts,
	       pkgs, kib_inventories / 1024.0, (kib_inventories - kib_index) * 1024.0 / hosts);
	printf("full assessment: %d hosts, %zu findings, %.0f ms CPU (%.1f us a host), %.0f ms wall; "
	       "%llu distinct package versions evaluated, %llu answered from the memo; "
	       "peak RSS %.1f MiB (the fleet's own %.1f MiB, %.0f bytes a host)\n",
	       hosts, findings, c_full, c_full * 1e3 / hosts, t_full, (unsigned long long)evaluated,
	       (unsigned long long)hits, kib_full / 1024.0, (kib_full - kib_inventories) / 1024.0,
	       (kib_full - kib_inventories) * 1024.0 / hosts);
	printf("one new advisory for %s: %.1f ms wall, %.1f ms CPU in all: %.1f ms to import it, "
	       "%.1f ms for the index to catch up (%zu key(s) touched), %.1f ms to re-assess the "
	       "%zu hosts that have it (%llu evaluation(s), %zd new findings)\n",
	       touched_pkg, t_advisory, c_advisory, t_import, t_refresh, touched.n, t_again, rehosts,
	       (unsigned long long)(evaluated2 - evaluated), (ssize_t)(findings2 - findings));
	printf("process: %.0f ms CPU in all (index, inventories, assessment, advisory)\n", cpu_ms());
	printf("summary: hosts %d findings %zu cpu_ms %.0f peak_mib %.1f fleet_mib %.1f "
	       "advisory_ms %.1f catchup_ms %.1f rehosts %zu new_findings %zd\n",
	       hosts, findings, c_full, kib_full / 1024.0, (kib_full - kib_inventories) / 1024.0,
	       t_advisory, t_refresh + t_again, rehosts, (ssize_t)(findings2 - findings));
	pw_keyset_free(&touched);
	pw_fleet_free(fleet);
	for (int h = 0; h < hosts; h++)
		pw_inventory_free(&inv[h]);
	free(inv);
	pw_vulndb_free(db);
	pw_store_close(s);
	return 0;
}
