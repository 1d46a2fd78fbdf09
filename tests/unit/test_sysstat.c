/*
 * test_sysstat.c — lib/core/sysstat (the figures of system-stats) and the
 * shared metrics block's CPU sample and hand-over. Each test names the bug
 * it guards.
 */
#include "ig_autoconf.h"

#include <check.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/core/metrics.h"
#include "lib/core/sysstat.h"
#include "tests/unit/ut.h"

/* iowait counted as busy would report a disk-bound idle host as loaded;
 * steal left out would hide a starved VM. */
START_TEST(cpu_line_parsed)
{
	ig_cpu_times t;

	ck_assert_int_eq(ig_sys_cpu_parse("cpu  10 2 3 100 50 1 1 3 0 0\ncpu0 1 1 1 1\n", &t), 0);
	ck_assert_uint_eq(t.busy, 10 + 2 + 3 + 1 + 1 + 3);
	ck_assert_uint_eq(t.total, 20 + 100 + 50);
	/* Only the aggregate line counts, and old kernels have 4 fields. */
	ck_assert_int_eq(ig_sys_cpu_parse("cpu0 1 2 3 4\n", &t), -1);
	ck_assert_int_eq(ig_sys_cpu_parse("cpu  1 2 3 4\n", &t), 0);
	ck_assert_uint_eq(t.total, 10);
	ck_assert_int_eq(ig_sys_cpu_parse("cpu  x\n", &t), -1);
	ck_assert_int_eq(ig_sys_cpu_parse("", &t), -1);
}
END_TEST

/* A percentage outside 0–100 (counters reset, no time passed) must never
 * reach a client. */
START_TEST(cpu_percent_bounded)
{
	ig_cpu_times a = { 100, 1000 }, b = { 150, 1100 }, c = { 10, 50 };

	ck_assert(ig_sys_cpu_percent(&a, &b) > 49.9 && ig_sys_cpu_percent(&a, &b) < 50.1);
	ck_assert(ig_sys_cpu_percent(&a, &a) < 0);
	ck_assert(ig_sys_cpu_percent(&a, &c) < 0);
}
END_TEST

/* MemFree instead of MemAvailable would call page cache "used". */
START_TEST(meminfo_uses_available)
{
	uint64_t total = 0;
	double p = ig_sys_mem_parse("MemTotal:       1000 kB\nMemFree:          10 kB\n"
	    "MemAvailable:    250 kB\n", &total);

	ck_assert(p > 74.9 && p < 75.1);
	ck_assert_uint_eq(total, 1000 * 1024);
	ck_assert(ig_sys_mem_parse("MemTotal: 1000 kB\n", NULL) < 0);
	/* The real file parses too, within bounds. */
	p = ig_sys_mem_percent(NULL);
	ck_assert(p >= 0 && p <= 100);
}
END_TEST

START_TEST(disk_and_load)
{
	uint64_t fr, tot;
	double l[3];

	ck_assert_int_eq(ig_sys_disk("/", &fr, &tot), 0);
	ck_assert(tot > 0 && fr <= tot);
	ck_assert_int_eq(ig_sys_disk("/nonexistent/path/x", &fr, &tot), -1);
	ck_assert_int_eq(ig_sys_loadavg(l), 0);
	ck_assert(l[0] >= 0 && l[1] >= 0 && l[2] >= 0);
}
END_TEST

/* The first sample has nothing to compare with: it must not publish a
 * figure; the second does, within 0–100. */
START_TEST(cpu_sample_needs_two_readings)
{
	ig_metrics *m = ig_metrics_local();
	ig_cpu_times prev = { 0 };

	ig_metrics_cpu_sample(m, &prev);
	ck_assert_int_eq(m->cpu_sampled_at, 0);
	ck_assert_uint_gt(prev.total, 0);
	usleep(50 * 1000);
	prev.total -= 1;    /* make sure time "passed" even on an idle tick */
	ig_metrics_cpu_sample(m, &prev);
	ck_assert_int_gt(m->cpu_sampled_at, 0);
	ck_assert(m->cpu_centi >= 0 && m->cpu_centi <= 10000);
	free(m);
}
END_TEST

/* SIGHUP from an older master hands over a smaller block: refusing it
 * would leave the service without a master; it is grown instead. */
START_TEST(handover_grows_older_block)
{
	int fd = memfd_create("t", MFD_CLOEXEC);
	ig_metrics *m;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)offsetof(ig_metrics, cpu_centi)), 0);
	m = ig_metrics_map_fd(fd);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(m->cpu_sampled_at, 0);
	m->cpu_centi = 5;
	munmap(m, sizeof(*m));
	close(fd);
}
END_TEST

static Suite *
sysstat_suite(void)
{
	Suite *s = suite_create("sysstat");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, cpu_line_parsed);
	tcase_add_test(tc, cpu_percent_bounded);
	tcase_add_test(tc, meminfo_uses_available);
	tcase_add_test(tc, disk_and_load);
	tcase_add_test(tc, cpu_sample_needs_two_readings);
	tcase_add_test(tc, handover_grows_older_block);
	suite_add_tcase(s, tc);
	return s;
}

UT_MAIN(sysstat_suite)
