/* inventory_inproc.c - the dpkg reader's own cost, without process start:
 * read and parse ROOT's dpkg database N times in one process and print the
 * median milliseconds per inventory.
 *   inventory_inproc N ROOT
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pw_dpkg.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: inventory_inproc N ROOT\n");
		return 2;
	}
	int n = atoi(argv[1]);
	if (n < 1)
		n = 1;
	double *t = calloc((size_t)n, sizeof(*t));
	size_t pkgs = 0;
	for (int i = 0; i < n; i++) {
		struct timespec a, b;
		struct pw_inventory inv;
		struct pw_error e;
		clock_gettime(CLOCK_MONOTONIC, &a);
		pw_inventory_init(&inv, argv[2]);
		if (pw_dpkg_collect(&inv, &e) != PW_OK) {
			fprintf(stderr, "inventory_inproc: %s\n", e.msg);
			return 2;
		}
		pw_inventory_sort(&inv);
		pkgs = inv.npkgs;
		pw_inventory_free(&inv);
		clock_gettime(CLOCK_MONOTONIC, &b);
		t[i] = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	}
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	printf("%.3f %zu\n", t[n / 2], pkgs);
	free(t);
	return 0;
}
