/* test_rings.c - ring assignment and gates (pw_rings.h): the pilot ring
 * is the pilot group's hosts, the percentage rings cut the rest at
 * cumulative ceilings in an order fixed by the seed (the same on every
 * run, not id order), and the gate vectors of tests/data/rings/gates.data. */
#include "pw_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_rings.h"

static void test_parse(void **state)
{
	(void)state;
	int p[PW_RINGS_MAX];
	size_t n;
	struct pw_error e = { 0 };
	assert_int_equal(pw_rings_parse("5,25,100", p, &n, &e), PW_OK);
	assert_int_equal(n, 3);
	assert_int_equal(p[0], 5);
	assert_int_equal(p[2], 100);
	assert_int_equal(pw_rings_parse("100", p, &n, &e), PW_OK);
	assert_int_equal(n, 1);
	static const char *const bad[] = { "", "5,25", "25,5,100", "5,,100", "5,25,100,",
					   "0,100", "5,101", "a", "5,5,100", "1,2,3,4,5,6,7,8,100" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e.msg[0] = '\0';
		assert_int_equal(pw_rings_parse(bad[i], p, &n, &e), PW_ERR_INVALID);
		assert_true(strstr(e.msg, "rings") != NULL);
	}
}

static void test_assign_counts_and_pilot(void **state)
{
	(void)state;
	enum { N = 1000 };
	int64_t hosts[N];
	bool pilot[N];
	int ring[N];
	int pcts[] = { 5, 25, 100 };
	for (int i = 0; i < N; i++) {
		hosts[i] = i + 1;
		pilot[i] = i % 100 == 0; /* 10 pilot hosts */
	}
	pw_rings_assign(42, hosts, pilot, N, pcts, 3, ring);
	int count[4] = { 0 };
	for (int i = 0; i < N; i++) {
		assert_true(ring[i] >= 0 && ring[i] <= 3);
		assert_int_equal(ring[i] == 0, pilot[i]);
		count[ring[i]]++;
	}
	/* 990 others: ceil(49.5) = 50, ceil(247.5) = 248 cumulative */
	assert_int_equal(count[0], 10);
	assert_int_equal(count[1], 50);
	assert_int_equal(count[2], 198);
	assert_int_equal(count[3], 742);
	/* not id order: the first ring is spread over the fleet */
	int low = 0;
	for (int i = 0; i < N; i++)
		low += ring[i] == 1 && hosts[i] <= 500;
	assert_true(low > 5 && low < 45);
}

static void test_assign_is_deterministic(void **state)
{
	(void)state;
	enum { N = 200 };
	int64_t a[N], b[N];
	int ra[N], rb[N], rc[N];
	int pcts[] = { 5, 25, 100 };
	for (int i = 0; i < N; i++) {
		a[i] = 1000 + i * 7;
		b[N - 1 - i] = a[i]; /* the same hosts in another order */
	}
	pw_rings_assign(7, a, NULL, N, pcts, 3, ra);
	pw_rings_assign(7, b, NULL, N, pcts, 3, rb);
	for (int i = 0; i < N; i++)
		assert_int_equal(ra[i], rb[N - 1 - i]);
	pw_rings_assign(8, a, NULL, N, pcts, 3, rc);
	int differ = 0;
	for (int i = 0; i < N; i++)
		differ += ra[i] != rc[i];
	assert_true(differ > 0); /* another change, another order */
}

static void test_assign_few_hosts(void **state)
{
	(void)state;
	int64_t hosts[] = { 3, 9 };
	int ring[2];
	int pcts[] = { 5, 25, 100 };
	pw_rings_assign(1, hosts, NULL, 2, pcts, 3, ring);
	/* ceil(5% of 2) = 1, ceil(25% of 2) = 1: ring 2 is empty */
	assert_true((ring[0] == 1 && ring[1] == 3) || (ring[0] == 3 && ring[1] == 1));
	pw_rings_assign(1, hosts, NULL, 0, pcts, 3, ring);
}

static void test_gate_vectors(void **state)
{
	(void)state;
	FILE *f = fopen(PW_TEST_DATA "/rings/gates.data", "r");
	assert_non_null(f);
	char line[256];
	int n = 0;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		long long t, w, s, fl, hf, rb, last, soak, now;
		int pct, health;
		char verdict[16];
		assert_int_equal(sscanf(line, "%lld %lld %lld %lld %lld %lld %lld | %d %lld %d | %lld -> %15s",
					&t, &w, &s, &fl, &hf, &rb, &last, &pct, &soak, &health, &now,
					verdict),
				 12);
		struct pw_ring_outcome o = { t, w, s, fl, hf, rb, last };
		struct pw_gates g = { pct, soak, health != 0 };
		char reason[256];
		enum pw_gate_verdict v = pw_gate_check(&o, &g, now, reason, sizeof(reason));
		const char *got = v == PW_GATE_PASS ? "pass" : v == PW_GATE_FAIL ? "fail" : "wait";
		if (strcmp(got, verdict) != 0)
			fail_msg("gates.data: %s: got %s (%s)", line, got, reason);
		if (v == PW_GATE_FAIL)
			assert_true(strstr(reason, "gate") != NULL);
		n++;
	}
	fclose(f);
	assert_true(n >= 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_assign_counts_and_pilot),
		cmocka_unit_test(test_assign_is_deterministic),
		cmocka_unit_test(test_assign_few_hosts),
		cmocka_unit_test(test_gate_vectors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
