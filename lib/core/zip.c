/* zip.c — see zip.h. Field layouts cite PKWARE APPNOTE.TXT 6.3.10. */
#include "ig_autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"
#include "lib/core/zip.h"

#define SIG_LOCAL   0x04034b50u   /* 4.3.7 local file header */
#define SIG_DESC    0x08074b50u   /* 4.3.9.3 data descriptor */
#define SIG_CENTRAL 0x02014b50u   /* 4.3.12 central directory header */
#define SIG_END     0x06054b50u   /* 4.3.16 end of central directory */

#define FLAG_DESCRIPTOR 0x0008u   /* 4.4.4 bit 3: sizes in a data descriptor */
#define FLAG_UTF8       0x0800u   /* 4.4.4 bit 11: name is UTF-8 */
#define VERSION_NEEDED  20        /* 4.4.3.2: 2.0 for data descriptors */
#define VERSION_MADE_BY ((3 << 8) | 20)   /* 4.4.2: UNIX, spec 2.0 */
#define EXT_TIMESTAMP   0x5455u   /* 4.5.2 / Info-ZIP "UT" extended timestamp */

#define MAX_ENTRIES 0xFFFFu
/* 0xFFFFFFFF means "see ZIP64" in every 32-bit field, so stay below it. */
#define MAX_OFFSET  0xFFFFFFFEull
#define MAX_NAME    0xFFFFu

struct ig_zip {
	ig_zip_sink sink;
	void *ctx;
	int error;              /* sticky: first failure */
	int open;               /* an entry is being written */
	uint64_t off;           /* bytes written so far */
	unsigned nentries;
	ig_buf central;         /* the central directory, built as entries end */
	/* the open entry */
	char *name;
	size_t name_len;
	uint64_t local_off;
	uint32_t crc;
	uint64_t size;
	uint16_t dos_time, dos_date;
	uint32_t mtime;
};

/* Little-endian field writers (APPNOTE 4.4.1.1: all values little-endian). */
static unsigned char *
le16(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	return p + 2;
}

static unsigned char *
le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
	return p + 4;
}

/* Hand bytes to the sink, refusing any that would pass the 32-bit limit. */
static int
emit(ig_zip *z, const void *p, size_t n)
{
	if (z->error)
		return z->error;
	if (z->off + n > MAX_OFFSET)
		return z->error = IG_ZIP_ELIMIT;
	if (n > 0 && z->sink(z->ctx, p, n) != 0)
		return z->error = IG_ZIP_EIO;
	z->off += n;
	return 0;
}

/* MS-DOS date and time (APPNOTE 4.4.6) of t in UTC; clamped to the range
 * the format holds (1980..2107). */
static void
dos_time(time_t t, uint16_t *tm_out, uint16_t *date_out)
{
	struct tm tm;

	if (t < 315532800)      /* 1980-01-01T00:00:00Z */
		t = 315532800;
	gmtime_r(&t, &tm);
	if (tm.tm_year > 207) {
		tm.tm_year = 207;
		tm.tm_mon = 11;
		tm.tm_mday = 31;
		tm.tm_hour = 23;
		tm.tm_min = 59;
		tm.tm_sec = 58;
	}
	*tm_out = (uint16_t)((tm.tm_hour << 11) | (tm.tm_min << 5) | (tm.tm_sec / 2));
	*date_out = (uint16_t)(((tm.tm_year - 80) << 9) | ((tm.tm_mon + 1) << 5) | tm.tm_mday);
}

/* A name an extractor can write safely (APPNOTE 4.4.17.1: relative, forward
 * slashes only), so an archive of ours never carries a "zip slip" path. */
static int
name_ok(const char *name, size_t n)
{
	if (n == 0 || n > MAX_NAME || name[0] == '/' || strchr(name, '\\') != NULL)
		return 0;
	if (!ig_utf8_text(name, n))
		return 0;
	for (const char *p = name; *p;) {
		size_t seg = strcspn(p, "/");
		if ((seg == 2 && p[0] == '.' && p[1] == '.') || (seg == 0 && p[0] == '/'))
			return 0;
		p += seg;
		p += *p == '/';
	}
	return 1;
}

ig_zip *
ig_zip_new(ig_zip_sink sink, void *ctx)
{
	ig_zip *z = ig_xcalloc(1, sizeof(*z));

	z->sink = sink;
	z->ctx = ctx;
	return z;
}

void
ig_zip_free(ig_zip *z)
{
	if (z == NULL)
		return;
	ig_buf_free(&z->central);
	free(z->name);
	free(z);
}

int
ig_zip_begin_entry(ig_zip *z, const char *name, time_t mtime)
{
	unsigned char h[30 + 9], *p = h;
	size_t n = strlen(name);
	int rc;

	if (z->error)
		return z->error;
	if (z->open)
		return IG_ZIP_ESTATE;
	if (!name_ok(name, n))
		return IG_ZIP_ENAME;
	if (z->nentries >= MAX_ENTRIES)
		return z->error = IG_ZIP_ELIMIT;
	free(z->name);
	z->name = ig_xstrndup(name, n);
	z->name_len = n;
	z->local_off = z->off;
	z->crc = 0;
	z->size = 0;
	z->mtime = mtime < 0 ? 0 : (uint32_t)mtime;
	dos_time(mtime, &z->dos_time, &z->dos_date);

	/* 4.3.7: CRC and sizes are zero here, per bit 3. */
	p = le32(p, SIG_LOCAL);
	p = le16(p, VERSION_NEEDED);
	p = le16(p, FLAG_DESCRIPTOR | FLAG_UTF8);
	p = le16(p, 0);                 /* stored */
	p = le16(p, z->dos_time);
	p = le16(p, z->dos_date);
	p = le32(p, 0);
	p = le32(p, 0);
	p = le32(p, 0);
	p = le16(p, (uint32_t)n);
	p = le16(p, 9);
	/* Extended timestamp, local form: flags (bit 0: mtime), mtime. */
	p = le16(p, EXT_TIMESTAMP);
	p = le16(p, 5);
	*p++ = 1;
	p = le32(p, z->mtime);
	/* 4.3.7: the fixed part, the name, then the extra field. */
	if ((rc = emit(z, h, 30)) != 0 || (rc = emit(z, name, n)) != 0 ||
	    (rc = emit(z, h + 30, (size_t)(p - h) - 30)) != 0)
		return rc;
	z->open = 1;
	return 0;
}

int
ig_zip_write(ig_zip *z, const void *p, size_t n)
{
	int rc;

	if (z->error)
		return z->error;
	if (!z->open)
		return IG_ZIP_ESTATE;
	if ((rc = emit(z, p, n)) != 0)
		return rc;
	z->crc = ig_crc32(z->crc, p, n);
	z->size += n;
	return 0;
}

int
ig_zip_end_entry(ig_zip *z)
{
	unsigned char d[16], c[46 + 9], *p = d;
	int rc;

	if (z->error)
		return z->error;
	if (!z->open)
		return IG_ZIP_ESTATE;
	/* 4.3.9: signature, CRC-32, compressed and uncompressed size (equal:
	 * stored). emit() kept every offset, hence every size, below 4 GiB. */
	p = le32(p, SIG_DESC);
	p = le32(p, z->crc);
	p = le32(p, (uint32_t)z->size);
	p = le32(p, (uint32_t)z->size);
	if ((rc = emit(z, d, sizeof(d))) != 0)
		return rc;
	z->open = 0;

	/* 4.3.12: this entry's central directory header, kept for finish. */
	p = c;
	p = le32(p, SIG_CENTRAL);
	p = le16(p, VERSION_MADE_BY);
	p = le16(p, VERSION_NEEDED);
	p = le16(p, FLAG_DESCRIPTOR | FLAG_UTF8);
	p = le16(p, 0);
	p = le16(p, z->dos_time);
	p = le16(p, z->dos_date);
	p = le32(p, z->crc);
	p = le32(p, (uint32_t)z->size);
	p = le32(p, (uint32_t)z->size);
	p = le16(p, (uint32_t)z->name_len);
	p = le16(p, 9);
	p = le16(p, 0);                 /* comment length */
	p = le16(p, 0);                 /* disk number start */
	p = le16(p, 0);                 /* internal attributes */
	p = le32(p, 0100644u << 16);    /* external: a regular file, rw-r--r-- */
	p = le32(p, (uint32_t)z->local_off);
	p = le16(p, EXT_TIMESTAMP);
	p = le16(p, 5);
	*p++ = 1;
	p = le32(p, z->mtime);
	ig_buf_append(&z->central, c, 46);
	ig_buf_append(&z->central, z->name, z->name_len);
	ig_buf_append(&z->central, c + 46, 9);
	z->nentries++;
	return 0;
}

int
ig_zip_finish(ig_zip *z)
{
	unsigned char e[22], *p = e;
	uint64_t cd_off = z->off;
	int rc;

	if (z->error)
		return z->error;
	if (z->open)
		return IG_ZIP_ESTATE;
	if ((rc = emit(z, z->central.data, z->central.len)) != 0)
		return rc;
	/* 4.3.16: single disk; entry counts, directory size and offset. */
	p = le32(p, SIG_END);
	p = le16(p, 0);
	p = le16(p, 0);
	p = le16(p, z->nentries);
	p = le16(p, z->nentries);
	p = le32(p, (uint32_t)z->central.len);
	p = le32(p, (uint32_t)cd_off);
	p = le16(p, 0);
	return emit(z, e, sizeof(e));
}

uint64_t
ig_zip_bytes(const ig_zip *z)
{
	return z->off;
}

const char *
ig_zip_strerror(int code)
{
	switch (code) {
	case 0: return "success";
	case IG_ZIP_EIO: return "the output failed";
	case IG_ZIP_ELIMIT: return "more than 65535 entries or 4 GiB (no ZIP64)";
	case IG_ZIP_ENAME: return "unusable entry name";
	case IG_ZIP_ESTATE: return "call out of order";
	default: return "unknown error";
	}
}
