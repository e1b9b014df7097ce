/* test_feed_sync.c - the feed sync library (pw_feed_sync.h) on a real
 * SQLite file: the configuration over the compiled-in feeds (override,
 * off, defaults = no, errors naming file:line), a sync of a DSA list through
 * file:// (imported, its outcome kept per feed with who asked, the hooks
 * told), a feed not configured refused before anything is fetched, a stop
 * asked for before the first feed, and the outcomes table on its own (one
 * row per feed, replaced). */
#include "pw_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pw_feed_dates.h"
#include "pw_feed_sync.h"
#include "pw_feed_syncs.h"
#include "pw_migrations.h"
#include "pw_store.h"

struct fixture {
	char dir[64];
	char db[96];
	struct pw_store *s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/pw-test-feed-sync-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/pw.db", f->dir);
	struct pw_error e = { 0 };
	assert_int_equal(pw_store_open(f->db, &f->s, &e), PW_OK);
	assert_int_equal(pw_migrations_run(f->s, &e), PW_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[160];
	pw_store_close(f->s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *out = fopen(path, "w");
	assert_non_null(out);
	fputs(text, out);
	assert_int_equal(fclose(out), 0);
}

static void test_config_over_the_defaults(void **state)
{
	struct fixture *f = *state;
	char conf[128];
	struct pw_error e = { 0 };
	struct pw_feed_sync_config *cfg = calloc(1, sizeof(*cfg));
	snprintf(conf, sizeof(conf), "%s/patchwarden.conf", f->dir);

	/* no file: the compiled-in upstreams */
	assert_int_equal(pw_feed_sync_config_load(cfg, NULL, false, &e), PW_OK);
	size_t ndefaults = cfg->n;
	assert_true(ndefaults > 10);
	const struct pw_feed_sync_feed *dsa = pw_feed_sync_find(cfg, "dsa");
	assert_non_null(dsa);
	assert_int_equal(dsa->kind, PW_FEED_DSA);
	assert_int_equal(cfg->max_data_age, PW_FEED_SYNC_DEFAULT_MAX_DATA_AGE);

	/* override one, turn one off, add one whose kind comes from its name */
	write_file(conf, "[feeds]\ndsa = https://mirror.example/DSA/list\nkev = off\n"
			 "osv-mine = https://mirror.example/mine.zip\nmax_data_age = 3d\n"
			 "[sync]\nnvd_delay = 1\n[server]\nthreads = 2\n");
	assert_int_equal(pw_feed_sync_config_load(cfg, conf, true, &e), PW_OK);
	assert_int_equal(cfg->n, ndefaults + 1);
	assert_string_equal(pw_feed_sync_find(cfg, "dsa")->url, "https://mirror.example/DSA/list");
	assert_true(pw_feed_sync_find(cfg, "kev")->off);
	assert_int_equal(pw_feed_sync_find(cfg, "osv-mine")->kind, PW_FEED_OSV);
	assert_int_equal(cfg->max_data_age, 3 * 86400);
	assert_true(cfg->nvd_delay == 1.0);

	/* defaults = no: only the file's */
	write_file(conf, "[sync]\ndefaults = no\n[feeds]\nmine = dla file:///srv/DLA-list\n");
	assert_int_equal(pw_feed_sync_config_load(cfg, conf, true, &e), PW_OK);
	assert_int_equal(cfg->n, 1);
	assert_int_equal(cfg->feeds[0].kind, PW_FEED_DLA);

	/* errors name file:line */
	write_file(conf, "[feeds]\n\nmine = https://mirror.example/x\n");
	assert_int_equal(pw_feed_sync_config_load(cfg, conf, true, &e), PW_ERR_PARSE);
	assert_non_null(strstr(e.msg, "patchwarden.conf:3: feed mine: cannot tell its kind"));
	write_file(conf, "[sync]\ntimeout = soon\n");
	assert_int_equal(pw_feed_sync_config_load(cfg, conf, true, &e), PW_ERR_PARSE);
	assert_non_null(strstr(e.msg, ":2: [sync] timeout: bad value 'soon'"));
	unlink(conf);
	assert_int_equal(pw_feed_sync_config_load(cfg, conf, false, &e), PW_OK); /* absent: fine */
	assert_int_equal(pw_feed_sync_config_load(cfg, conf, true, &e), PW_ERR_IO);
	free(cfg);
}

struct seen {
	size_t done, failed;
	char last[256];
	bool stop;
};

static void on_done(void *ctx, const struct pw_feed_sync_result *r)
{
	struct seen *s = ctx;
	s->done++;
	s->failed += r->rc != PW_OK;
	snprintf(s->last, sizeof(s->last), "%s", r->name);
}

static bool on_cancelled(void *ctx)
{
	return ((struct seen *)ctx)->stop;
}

struct outcomes {
	size_t n;
	struct pw_feed_sync_outcome last;
	char outcome[32], via[16], error[256];
};

static pw_err collect(void *ctx, const struct pw_feed_sync_outcome *o, struct pw_error *e)
{
	struct outcomes *c = ctx;
	c->n++;
	c->last = *o;
	snprintf(c->outcome, sizeof(c->outcome), "%s", o->outcome ? o->outcome : "");
	snprintf(c->via, sizeof(c->via), "%s", o->via ? o->via : "");
	snprintf(c->error, sizeof(c->error), "%s", o->error ? o->error : "");
	return PW_OK;
}

static void test_sync_a_file_url_and_keep_its_outcome(void **state)
{
	struct fixture *f = *state;
	char list[128], conf[128], text[512];
	struct pw_error e = { 0 };
	snprintf(list, sizeof(list), "%s/DSA-list", f->dir);
	snprintf(conf, sizeof(conf), "%s/patchwarden.conf", f->dir);
	write_file(list, "[10 Jan 2026] DSA-9001-1 zlib - security update\n"
			 "\t{CVE-2026-90001}\n"
			 "\t[bullseye] - zlib 1:1.2.11.dfsg-2+deb11u9\n");
	snprintf(text, sizeof(text), "[sync]\ndefaults = no\n[feeds]\ndsa = file://%s\n"
		 "gone = dla file://%s/nothing-here\n", list, f->dir);
	write_file(conf, text);
	struct pw_feed_sync_config *cfg = calloc(1, sizeof(*cfg));
	assert_int_equal(pw_feed_sync_config_load(cfg, conf, true, &e), PW_OK);
	struct pw_feed_sync_result res[2];
	size_t n = 0, failed = 0;
	struct seen seen = { 0 };
	struct pw_feed_sync_hooks h = { .ctx = &seen, .done = on_done, .cancelled = on_cancelled };

	/* a feed nobody configured: refused, nothing fetched */
	const char *only[] = { "nvd" };
	assert_int_equal(pw_feed_sync(f->s, cfg, only, 1, "test", "cli", &h, res, &n, &failed, &e),
			 PW_ERR_NOTFOUND);
	assert_int_equal(n, 0);
	assert_int_equal(seen.done, 0);

	/* both: the DSA list imported, the missing file failed, the others go on */
	assert_int_equal(pw_feed_sync(f->s, cfg, NULL, 0, "test", "schedule", &h, res, &n, &failed,
				      &e),
			 PW_OK);
	assert_int_equal(n, 2);
	assert_int_equal(failed, 1);
	assert_int_equal(seen.done, 2);
	assert_string_equal(res[0].name, "dsa");
	assert_string_equal(res[0].outcome, "imported");
	assert_int_equal(res[0].rc, PW_OK);
	assert_int_equal(res[0].stats.added, 1);
	assert_string_equal(res[1].outcome, "failed");
	assert_true(strstr(res[1].error, "nothing-here") != NULL);
	assert_int_equal(pw_store_count_source(f->s, "dsa"), 1);

	/* the outcomes, one row per feed, with who asked */
	struct outcomes c = { 0 };
	assert_int_equal(pw_feed_syncs_each(f->s, collect, &c, &e), PW_OK);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.last.feed, "gone"); /* by name: dsa, gone */
	assert_string_equal(c.outcome, "failed");
	assert_string_equal(c.via, "schedule");
	assert_true(strstr(c.error, "nothing-here") != NULL);

	/* the feed's state and data date came with the import */
	struct pw_feed_state st;
	bool found = false;
	assert_int_equal(pw_store_feed_state_get(f->s, "dsa", &st, &found, &e), PW_OK);
	assert_true(found);
	assert_int_equal(st.records, 1);
	struct pw_feed_date d;
	assert_int_equal(pw_feed_dates_get(f->s, "dsa", &d, &found, &e), PW_OK);
	assert_true(found);

	/* asked to stop: no feed is started */
	seen = (struct seen){ .stop = true };
	assert_int_equal(pw_feed_sync(f->s, cfg, NULL, 0, "test", "schedule", &h, res, &n, &failed,
				      &e),
			 PW_OK);
	assert_int_equal(n, 0);
	assert_int_equal(seen.done, 0);
	free(cfg);
}

static void test_outcomes_are_replaced_per_feed(void **state)
{
	struct fixture *f = *state;
	struct pw_error e = { 0 };
	struct pw_feed_sync_outcome o = { .feed = "kev", .started = 100, .finished = 130,
					  .outcome = "failed", .error = "HTTP status 500",
					  .via = "schedule" };
	assert_int_equal(pw_feed_syncs_put(f->s, &o, &e), PW_OK);
	o = (struct pw_feed_sync_outcome){ .feed = "kev", .started = 200, .finished = 210,
					   .outcome = "imported", .via = "cli", .read = 7,
					   .added = 5, .updated = 1, .unchanged = 1, .bytes = 4096 };
	assert_int_equal(pw_feed_syncs_put(f->s, &o, &e), PW_OK);
	struct outcomes c = { 0 };
	assert_int_equal(pw_feed_syncs_each(f->s, collect, &c, &e), PW_OK);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.last.started, 200);
	assert_string_equal(c.outcome, "imported");
	assert_string_equal(c.error, ""); /* NULL again: the failure is gone with its row */
	assert_int_equal(c.last.added, 5);
	assert_int_equal(c.last.bytes, 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config_over_the_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_a_file_url_and_keep_its_outcome, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_outcomes_are_replaced_per_feed, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
