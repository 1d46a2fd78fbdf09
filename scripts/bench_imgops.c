/*
 * bench_imgops.c — scripts/bench's image-processing figures (issue 12
 * "Bars"), at library level, one thread:
 *
 *   bench_imgops make OUT.png            a 1024×1024 builtin render
 *   bench_imgops upscale IN.png OUT.png  decode, 2× Lanczos-3, encode PNG
 *   bench_imgops chain IN.png [RUNS]     resize, rotate, filter, watermark,
 *                                        convert (JPEG): median and worst ms
 *   bench_imgops run CMD [ARG…]          run CMD, print "wall_ms cpu_ms peak_rss_kb"
 *
 * `run` measures our upscale and `vips resize … --kernel lanczos3` the same
 * way (fork, exec, wait4's ru_maxrss). Built and run by scripts/bench only.
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/imaging/ops.h"
#include "lib/imaging/render.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (buf = malloc((size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "bench_imgops: cannot read %s\n", path);
		exit(1);
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void
spit(const char *path, const unsigned char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "bench_imgops: cannot write %s\n", path);
		exit(1);
	}
}

static gdImagePtr
load(const char *path)
{
	size_t len;
	unsigned char *buf = slurp(path, &len);
	ig_img_format fmt;
	gdImagePtr im;
	ig_err err;

	if (ig_img_decode(buf, len, 1L << 26, &fmt, &im, &err) != 0) {
		fprintf(stderr, "bench_imgops: %s: %s\n", path, err.message);
		exit(1);
	}
	free(buf);
	return im;
}

static gdImagePtr
check(gdImagePtr im, const ig_err *err, const char *what)
{
	if (im == NULL) {
		fprintf(stderr, "bench_imgops: %s: %s\n", what, err->message);
		exit(1);
	}
	return im;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One chain as POST /api/image/process would run it, bytes to bytes. */
static double
chain(const unsigned char *in, size_t len, const char *font)
{
	double t0 = now_ms();
	ig_img_format fmt;
	gdImagePtr a, b;
	ig_err err;
	unsigned char *out;
	size_t outlen;

	if (ig_img_decode(in, len, 1L << 26, &fmt, &a, &err) != 0)
		check(NULL, &err, "decode");
	b = check(ig_img_resize(a, 800, 800, "cover", IG_KERNEL_LANCZOS3, 1L << 26, &err), &err, "resize");
	gdImageDestroy(a);
	a = check(ig_img_rotate(b, 90, NULL, 1L << 26, &err), &err, "rotate");
	gdImageDestroy(b);
	b = check(ig_img_filter(a, "sepia", IG_IMG_DEFAULT, &err), &err, "filter");
	gdImageDestroy(a);
	a = check(ig_img_watermark(b, "imagegen 水印", "bottom-right", 0.6, font, &err), &err,
	    "watermark");
	gdImageDestroy(b);
	if (ig_img_encode(a, IG_IMG_JPEG, 85, &out, &outlen, &err) != 0)
		check(NULL, &err, "encode");
	gdImageDestroy(a);
	free(out);
	return now_ms() - t0;
}

int
main(int argc, char **argv)
{
	ig_err err;

	if (argc == 3 && strcmp(argv[1], "make") == 0) {
		unsigned char *png;
		size_t len;
		if (ig_render_builtin("mountains at sunset over a lake, detailed", NULL, 7, 1024, 1024,
		    &png, &len, NULL) != 0)
			return 1;
		spit(argv[2], png, len);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "upscale") == 0) {
		double t0 = now_ms(), t1, t2, t3;
		gdImagePtr src = load(argv[2]), up;
		unsigned char *out;
		size_t len;
		t1 = now_ms();
		up = check(ig_img_upscale(src, 2, "lanczos", 1L << 26, &err), &err, "upscale");
		gdImageDestroy(src);
		t2 = now_ms();
		if (ig_img_encode(up, IG_IMG_PNG, 0, &out, &len, &err) != 0)
			check(NULL, &err, "encode");
		gdImageDestroy(up);
		t3 = now_ms();
		spit(argv[3], out, len);
		free(out);
		if (getenv("IG_BENCH_VERBOSE") != NULL)
			fprintf(stderr, "decode %.0f ms, upscale %.0f ms, encode %.0f ms\n", t1 - t0,
			    t2 - t1, t3 - t2);
		return 0;
	}
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "chain") == 0) {
		size_t len;
		unsigned char *in = slurp(argv[2], &len);
		const char *font = getenv("IG_FONT_PATH");
		int runs = argc == 4 ? atoi(argv[3]) : 20;
		double *t = calloc((size_t)(runs > 0 ? runs : 1), sizeof(double));
		if (font == NULL || *font == 0)
			font = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";
		chain(in, len, font);       /* warm: font cache, page faults */
		for (int i = 0; i < runs; i++)
			t[i] = chain(in, len, font);
		qsort(t, (size_t)runs, sizeof(double), cmp);
		printf("%.1f %.1f\n", t[runs / 2], t[runs - 1]);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "run") == 0) {
		double t0 = now_ms();
		struct rusage ru;
		int status;
		pid_t pid = fork();
		if (pid == 0) {
			execvp(argv[2], argv + 2);
			_exit(127);
		}
		if (pid < 0 || wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0) {
			fprintf(stderr, "bench_imgops: %s failed\n", argv[2]);
			return 1;
		}
		printf("%.0f %.0f %ld\n", now_ms() - t0,
		    ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3 + ru.ru_stime.tv_sec * 1e3 +
		    ru.ru_stime.tv_usec / 1e3, ru.ru_maxrss);
		return 0;
	}
	fprintf(stderr, "usage: bench_imgops make OUT | upscale IN OUT | chain IN [RUNS] | "
	    "run CMD [ARG...]\n");
	return 2;
}
