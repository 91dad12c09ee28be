/* Fuzzing seeds: content-named files, written atomically (seeds.h). */
#include "report/seeds.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

static void seeds_seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void seeds_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

const char *seeds_kind(enum ike_kind k)
{
	/* "none" reads like a kind of its own; "unknown" says what it is */
	if (k == IKE_K_NONE || (unsigned)k >= IKE_K_COUNT)
		return "unknown";
	return ike_kind_name(k);
}

/* in folded into [a-z0-9.-] (seeds.h); out holds SEEDS_LABEL_MAX + 1. */
static void seeds_fold(const char *in, char *out)
{
	size_t n = 0;
	for (const char *s = in ? in : ""; *s && n < SEEDS_LABEL_MAX; s++) {
		char c = *s;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.'))
			c = '-';
		/* nothing hidden, no leading dash (a name read as an option) */
		if (n == 0 && (c == '-' || c == '.'))
			continue;
		if (c == '-' && out[n - 1] == '-')
			continue;
		out[n++] = c;
	}
	while (n > 0 && out[n - 1] == '-')
		n--;
	out[n] = '\0';
}

bool seeds_name(const char *kind, const char *label, const uint8_t *p, size_t len, char *buf,
		size_t buflen)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	if (!EVP_Digest(len ? p : (const uint8_t *)"", len, md, &mdlen, EVP_sha256(), NULL) ||
	    mdlen < 8)
		return false;
	char k[SEEDS_LABEL_MAX + 1], l[SEEDS_LABEL_MAX + 2];
	seeds_fold(kind, k);
	seeds_fold(label, l + 1);
	const char *lp = l + 1;
	/* keep "-plain-" after the kind meaning a plaintext only */
	if (strcmp(lp, "plain") == 0 || strncmp(lp, "plain-", 6) == 0) {
		l[0] = 'x';
		lp = l;
	}
	int n = snprintf(buf, buflen, "%s%s%s-%02x%02x%02x%02x%02x%02x%02x%02x.bin",
			 *k ? k : "unknown", *lp ? "-" : "", lp, md[0], md[1], md[2], md[3],
			 md[4], md[5], md[6], md[7]);
	return n > 0 && (size_t)n < buflen;
}

/* mkdir -p: each missing component made; one that exists is fine. */
static bool seeds_mkdirs(const char *dir, char *err, size_t errlen)
{
	char path[4096];
	if (!dir || !*dir) {
		seeds_seterr(err, errlen, "seeds: no folder given");
		return false;
	}
	int n = snprintf(path, sizeof(path), "%s", dir);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		seeds_seterr(err, errlen, "%s: path too long", dir);
		return false;
	}
	for (char *s = path + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		/* another worker may make it at the same moment: EEXIST is fine */
		if (mkdir(path, 0755) != 0 && errno != EEXIST) {
			seeds_seterr(err, errlen, "%s: %s", path, strerror(errno));
			return false;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	struct stat sb;
	if (stat(path, &sb) != 0) {
		seeds_seterr(err, errlen, "%s: %s", path, strerror(errno));
		return false;
	}
	if (!S_ISDIR(sb.st_mode)) {
		seeds_seterr(err, errlen, "%s: %s", path, strerror(ENOTDIR));
		return false;
	}
	return true;
}

static bool seeds_write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		p += w;
		len -= (size_t)w;
	}
	return true;
}

/* One seed into an existing dir. */
static bool seeds_put(const char *dir, const char *kind, const char *label, const uint8_t *p,
		      size_t len, struct seeds_stats *st, char *err, size_t errlen)
{
	if (len == 0)
		return true;
	char name[SEEDS_NAME_MAX], path[4096 + SEEDS_NAME_MAX], tmp[4096 + 32];
	if (!seeds_name(kind, label, p, len, name, sizeof(name))) {
		seeds_seterr(err, errlen, "%s: SHA-256 of a %s seed failed", dir, kind);
		return false;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	/* the common case in a long run: seen before, nothing to write */
	struct stat sb;
	if (lstat(path, &sb) == 0) {
		if (st)
			st->duplicates++;
		return true;
	}
	if (errno != ENOENT) {
		seeds_seterr(err, errlen, "%s: %s", path, strerror(errno));
		return false;
	}
	snprintf(tmp, sizeof(tmp), "%s/.seeds-tmp-XXXXXX", dir);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		seeds_seterr(err, errlen, "%s: %s", dir, strerror(errno));
		return false;
	}
	bool ok = seeds_write_all(fd, p, len) && fchmod(fd, 0644) == 0;
	int e = errno;
	if (close(fd) != 0 && ok) {
		ok = false;
		e = errno;
	}
	if (!ok) {
		unlink(tmp);
		seeds_seterr(err, errlen, "%s: write failed: %s", tmp, strerror(e));
		return false;
	}
	/* link never replaces: exactly one writer of a name wins */
	bool dup = false;
	if (link(tmp, path) != 0) {
		e = errno;
		if (e == EEXIST) {
			dup = true;
		} else if (e == EPERM || e == EOPNOTSUPP || e == ENOSYS || e == EMLINK) {
			/* no hard links here: rename is atomic too, and the bytes
			 * under one name are the same whoever wins */
			if (rename(tmp, path) != 0) {
				e = errno;
				unlink(tmp);
				seeds_seterr(err, errlen, "%s: %s", path, strerror(e));
				return false;
			}
		} else {
			unlink(tmp);
			seeds_seterr(err, errlen, "%s: %s", path, strerror(e));
			return false;
		}
	}
	unlink(tmp); /* ENOENT after a rename: nothing to do */
	if (st) {
		if (dup)
			st->duplicates++;
		else
			st->written++;
	}
	return true;
}

bool seeds_write_one(const char *dir, const char *kind, const char *label, const uint8_t *p,
		     size_t len, struct seeds_stats *st, char *err, size_t errlen)
{
	if (len == 0)
		return true;
	return seeds_mkdirs(dir, err, errlen) &&
	       seeds_put(dir, kind, label, p, len, st, err, errlen);
}

bool seeds_write_result(const char *dir, const struct ike_result *r, const char *label,
			struct seeds_stats *st, char *err, size_t errlen)
{
	if (!seeds_mkdirs(dir, err, errlen))
		return false;
	for (size_t i = 0; r && i < r->nevent; i++) {
		const struct ike_event *ev = &r->event[i];
		/* the same bytes as an earlier event, under no kind of their own */
		if (ev->retransmit || ev->duplicate)
			continue;
		const char *kind = seeds_kind(ev->kind);
		/* the label names what made a datagram malformed: only those */
		const char *lb = ev->mutated ? label : NULL;
		if (!seeds_put(dir, kind, lb, ev->datagram.ptr, ev->datagram.len, st, err,
			       errlen))
			return false;
		if (ev->plaintext.len) {
			char pk[SEEDS_LABEL_MAX + 8];
			snprintf(pk, sizeof(pk), "%s-plain", kind);
			if (!seeds_put(dir, pk, lb, ev->plaintext.ptr, ev->plaintext.len, st,
				       err, errlen))
				return false;
		}
	}
	return true;
}
