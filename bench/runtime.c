/* runtime.c - time a command precisely: run it N times (stdout and stderr
 * to /dev/null) and print the median wall time of one run in milliseconds.
 * The shell's `date` costs a fork per sample, as much as a small command
 * itself; this measures only the command.
 *   runtime [-a] N command [args...]
 * With -a it prints three figures: the median wall and the median CPU
 * (user + system) milliseconds, and the greatest peak resident set (KiB)
 * of a run, from the kernel's accounting of the finished child (wait4).
 * CPU time is the steadier figure on a machine shared with other work.
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double tv_ms(struct timeval t)
{
	return (double)t.tv_sec * 1e3 + (double)t.tv_usec / 1e3;
}

static double median(double *t, int n)
{
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	return t[n / 2];
}

int main(int argc, char **argv)
{
	int all = argc > 1 && strcmp(argv[1], "-a") == 0;
	argv += all;
	argc -= all;
	if (argc < 3) {
		fprintf(stderr, "usage: runtime [-a] N command [args...]\n");
		return 2;
	}
	int n = atoi(argv[1]);
	if (n < 1)
		n = 1;
	double *wall = calloc((size_t)n, sizeof(*wall));
	double *cpu = calloc((size_t)n, sizeof(*cpu));
	long peak_kib = 0;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	for (int i = 0; i < n; i++) {
		struct timespec a, b;
		struct rusage ru;
		pid_t pid;
		int status;
		clock_gettime(CLOCK_MONOTONIC, &a);
		if (posix_spawnp(&pid, argv[2], &fa, NULL, argv + 2, environ) != 0) {
			perror(argv[2]);
			return 2;
		}
		wait4(pid, &status, 0, &ru);
		clock_gettime(CLOCK_MONOTONIC, &b);
		wall[i] = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
		cpu[i] = tv_ms(ru.ru_utime) + tv_ms(ru.ru_stime);
		if (ru.ru_maxrss > peak_kib)
			peak_kib = ru.ru_maxrss;
	}
	if (all)
		printf("%.3f %.3f %ld\n", median(wall, n), median(cpu, n), peak_kib);
	else
		printf("%.3f\n", median(wall, n));
	free(wall);
	free(cpu);
	return 0;
}
