/* report/seeds: a real Main Mode + Quick Mode exchange written as seeds,
 * read back file by file, written again, written by processes at once. */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "ike/engine.h"
#include "report/seeds.h"
#include "wire/msg.h"
#include "pair.h"
#include "tests.h"

static char sd_dir[64];

/* ---- the exchange ---- */

struct sd_pair {
	struct pair pair;
	const struct ike_result *r[2];
};

/* Main Mode PSK then Quick Mode, engine against engine on the memory hub. */
static void sd_run(struct sd_pair *p)
{
	memset(p, 0, sizeof(*p));
	pair_init(&p->pair, "aes128-sha256-modp2048", "aes128-sha1");
	pair_start(&p->pair, NULL, 0, NULL, 0);
	pair_run(&p->pair);
	p->r[0] = ike_engine_result(p->pair.ei);
	p->r[1] = ike_engine_result(p->pair.er);
	for (int i = 0; i < 2; i++) {
		ck_assert_msg(p->r[i]->finished && !p->r[i]->failed, "%s", p->r[i]->error);
		ck_assert(p->r[i]->established);
	}
	/* 6 + 3 messages each way round */
	ck_assert_uint_eq(p->r[0]->nevent, 9);
	ck_assert_uint_eq(p->r[1]->nevent, 9);
}

static void sd_free(struct sd_pair *p)
{
	pair_free(&p->pair);
}

/* ---- what the folder must hold, computed here independently ---- */

struct sd_want {
	char name[SEEDS_NAME_MAX];
	chunk_t bytes;         /* borrowed from the result */
	bool plain;
	enum ike_kind kind;
};

static void sd_hash16(chunk_t c, char out[17])
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	ck_assert(EVP_Digest(c.ptr, c.len, md, &n, EVP_sha256(), NULL));
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* Distinct seeds of both results; *total counts every non-empty one. */
static size_t sd_expect(const struct sd_pair *p, struct sd_want *w, size_t max, size_t *total)
{
	size_t n = 0;
	*total = 0;
	for (int s = 0; s < 2; s++) {
		for (size_t i = 0; i < p->r[s]->nevent; i++) {
			const struct ike_event *ev = &p->r[s]->event[i];
			for (int plain = 0; plain < 2; plain++) {
				chunk_t c = plain ? ev->plaintext : ev->datagram;
				if (!c.len)
					continue;
				(*total)++;
				char h[17], name[SEEDS_NAME_MAX];
				sd_hash16(c, h);
				ck_assert(ev->kind != IKE_K_NONE);
				snprintf(name, sizeof(name), "%s%s-%s.bin", ike_kind_name(ev->kind),
					 plain ? "-plain" : "", h);
				size_t j;
				for (j = 0; j < n && strcmp(w[j].name, name) != 0; j++)
					;
				if (j < n) {
					/* one name, one content */
					ck_assert(chunk_eq(w[j].bytes, c));
					continue;
				}
				ck_assert(n < max);
				snprintf(w[n].name, sizeof(w[n].name), "%s", name);
				w[n].bytes = c;
				w[n].plain = plain;
				w[n].kind = ev->kind;
				n++;
			}
		}
	}
	return n;
}

static int sd_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The folder's entries (dot files too), sorted; free with sd_list_free. */
static size_t sd_list(const char *dir, char ***out)
{
	DIR *d = opendir(dir);
	ck_assert_msg(d, "%s: %s", dir, strerror(errno));
	size_t n = 0, cap = 16;
	char **v = xmalloc(cap * sizeof(*v));
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap)
			v = xrealloc(v, (cap *= 2) * sizeof(*v));
		v[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(v, n, sizeof(*v), sd_cmp);
	*out = v;
	return n;
}

static void sd_list_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* dir/name into buf; a path too long fails the test. */
static void sd_join(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);
	ck_assert(n > 0 && (size_t)n < len);
}

static chunk_t sd_read(const char *path)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	uint8_t buf[65536];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return chunk_dup(buf, n);
}

static bool sd_name_ok(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '.' ||
		      *s == '-'))
			return false;
	return true;
}

/* The folder holds exactly w[0..n), each file with its bytes. */
static void sd_check_dir(const char *dir, const struct sd_want *w, size_t n)
{
	char **names;
	size_t got = sd_list(dir, &names);
	for (size_t i = 0; i < got; i++) {
		ck_assert_msg(names[i][0] != '.', "%s: a temporary left behind: %s", dir, names[i]);
		ck_assert_msg(sd_name_ok(names[i]), "bad name %s", names[i]);
		size_t j;
		for (j = 0; j < n && strcmp(w[j].name, names[i]) != 0; j++)
			;
		ck_assert_msg(j < n, "%s: unexpected file %s", dir, names[i]);
	}
	ck_assert_uint_eq(got, n);
	for (size_t j = 0; j < n; j++) {
		char path[256];
		sd_join(path, sizeof(path), dir, w[j].name);
		chunk_t c = sd_read(path);
		ck_assert_msg(chunk_eq(c, w[j].bytes), "%s: not the event's bytes", w[j].name);
		chunk_free(&c);
	}
	sd_list_free(names, got);
}

static void sd_write_both(const struct sd_pair *p, const char *dir, struct seeds_stats *st)
{
	char err[512];
	for (int s = 0; s < 2; s++)
		ck_assert_msg(seeds_write_result(dir, p->r[s], NULL, st, err, sizeof(err)), "%s",
			      err);
}

/* ---- fixture: a temp folder, removed and checked gone ---- */

static void sd_setup(void)
{
	strcpy(sd_dir, "/tmp/ikec-seeds-XXXXXX");
	ck_assert_msg(mkdtemp(sd_dir), "mkdtemp: %s", strerror(errno));
}

static int sd_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	chmod(path, 0700);
	return remove(path);
}

static void sd_teardown(void)
{
	chmod(sd_dir, 0700);
	ck_assert_int_eq(nftw(sd_dir, sd_rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
	ck_assert_int_eq(access(sd_dir, F_OK), -1);
}

static const char *sd_path(const char *rel)
{
	static char paths[4][256];
	static unsigned next;
	char *p = paths[next++ % 4];
	snprintf(p, sizeof(paths[0]), "%s/%s", sd_dir, rel);
	return p;
}

/* ---- tests ---- */

/* One file per distinct datagram and plaintext, named by rule, with its
 * bytes; every datagram parses; the folder made with its parents. */
START_TEST(test_seeds_exchange)
{
	struct sd_pair p;
	sd_run(&p);
	struct sd_want w[64];
	size_t total, n = sd_expect(&p, w, 64, &total);
	/* 9 datagrams, each seen by both sides; mm5, mm6, qm1-qm3 encrypted */
	size_t ndgram = 0, nplain = 0;
	for (size_t i = 0; i < n; i++)
		w[i].plain ? nplain++ : ndgram++;
	ck_assert_uint_eq(ndgram, 9);
	ck_assert_uint_ge(nplain, 5);
	test_report("seeds: Main Mode + Quick Mode: %zu datagrams, %zu plaintexts from %zu events",
		    ndgram, nplain, total);
	const char *dir = sd_path("a/b/seeds");
	struct seeds_stats st = { 0, 0 };
	sd_write_both(&p, dir, &st);
	ck_assert_uint_eq(st.written, n);
	ck_assert_uint_eq(st.duplicates, total - n);
	sd_check_dir(dir, w, n);

	/* every kind of the exchange is there once, and every datagram parses */
	static const enum ike_kind kinds[] = { IKE_K_MM1, IKE_K_MM2, IKE_K_MM3, IKE_K_MM4,
					       IKE_K_MM5, IKE_K_MM6, IKE_K_QM1, IKE_K_QM2,
					       IKE_K_QM3 };
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		size_t found = 0;
		for (size_t i = 0; i < n; i++)
			found += !w[i].plain && w[i].kind == kinds[k];
		ck_assert_msg(found == 1, "%s: %zu seeds", ike_kind_name(kinds[k]), found);
	}
	for (size_t i = 0; i < n; i++) {
		char path[256];
		sd_join(path, sizeof(path), dir, w[i].name);
		chunk_t c = sd_read(path);
		if (!w[i].plain) {
			struct wire_msg *m = NULL;
			struct wire_err we;
			ck_assert_msg(wire_parse(c.ptr, c.len, &m, &we), "%s: %s", w[i].name,
				      we.msg);
			ck_assert_uint_eq(m->hdr.length, c.len);
			ck_assert_int_eq(m->hdr.version, 0x10);
			bool enc = ike_kind_quick(w[i].kind) || w[i].kind == IKE_K_MM5 ||
				   w[i].kind == IKE_K_MM6;
			ck_assert_int_eq(m->encrypted, enc);
			wire_msg_free(m);
		}
		chunk_free(&c);
	}
	/* each encrypted event's plaintext is on file under its kind */
	for (int s = 0; s < 2; s++) {
		for (size_t i = 0; i < p.r[s]->nevent; i++) {
			const struct ike_event *ev = &p.r[s]->event[i];
			bool enc = ev->datagram.len >= 28 && (ev->datagram.ptr[19] & 1);
			ck_assert_int_eq(ev->plaintext.len > 0, enc);
			if (!enc)
				continue;
			char h[17], path[256];
			sd_hash16(ev->plaintext, h);
			int pn = snprintf(path, sizeof(path), "%s/%s-plain-%s.bin", dir,
					  ike_kind_name(ev->kind), h);
			ck_assert(pn > 0 && (size_t)pn < sizeof(path));
			chunk_t c = sd_read(path);
			ck_assert(chunk_eq(c, ev->plaintext));
			chunk_free(&c);
		}
	}
	sd_free(&p);
}
END_TEST

/* Written again: no new file, every seed a duplicate. */
START_TEST(test_seeds_again)
{
	struct sd_pair p;
	sd_run(&p);
	struct sd_want w[64];
	size_t total, n = sd_expect(&p, w, 64, &total);
	const char *dir = sd_path("seeds");
	struct seeds_stats st = { 0, 0 };
	sd_write_both(&p, dir, &st);
	ck_assert_uint_eq(st.written, n);
	struct seeds_stats st2 = { 0, 0 };
	sd_write_both(&p, dir, &st2);
	ck_assert_uint_eq(st2.written, 0);
	ck_assert_uint_eq(st2.duplicates, total);
	sd_check_dir(dir, w, n);
	sd_free(&p);
}
END_TEST

#define SD_WORKERS 4

/* Processes writing one folder at once leave the same set, no temporary,
 * and each new name was counted written by exactly one of them. */
START_TEST(test_seeds_concurrent)
{
	struct sd_pair p;
	sd_run(&p);
	struct sd_want w[64];
	size_t total, n = sd_expect(&p, w, 64, &total);
	const char *dir = sd_path("shared");
	int go[2], back[2];
	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_eq(pipe(back), 0);
	pid_t pid[SD_WORKERS];
	for (int k = 0; k < SD_WORKERS; k++) {
		pid[k] = fork();
		ck_assert_int_ge(pid[k], 0);
		if (pid[k] == 0) {
			close(go[1]);
			char c;
			/* all start when the parent closes the pipe */
			if (read(go[0], &c, 1) != 0)
				_exit(3);
			struct seeds_stats st = { 0, 0 };
			char err[512];
			bool ok = true;
			for (int rep = 0; rep < 20 && ok; rep++)
				for (int s = 0; s < 2 && ok; s++)
					ok = seeds_write_result(dir, p.r[s], NULL, &st, err,
								sizeof(err));
			if (!ok)
				fprintf(stderr, "worker %d: %s\n", k, err);
			ssize_t wr = write(back[1], &st, sizeof(st));
			_exit(ok && wr == (ssize_t)sizeof(st) ? 0 : 1);
		}
	}
	close(go[0]);
	close(back[1]);
	close(go[1]);
	struct seeds_stats sum = { 0, 0 };
	for (int k = 0; k < SD_WORKERS; k++) {
		int status;
		ck_assert_int_eq(waitpid(pid[k], &status, 0), pid[k]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "worker %d: %#x", k,
			      status);
		struct seeds_stats st;
		ck_assert_int_eq(read(back[0], &st, sizeof(st)), (ssize_t)sizeof(st));
		sum.written += st.written;
		sum.duplicates += st.duplicates;
	}
	close(back[0]);
	ck_assert_uint_eq(sum.written, n);
	ck_assert_uint_eq(sum.written + sum.duplicates, SD_WORKERS * 20 * total);
	sd_check_dir(dir, w, n);

	/* the same set as one process writing alone */
	const char *alone = sd_path("alone");
	struct seeds_stats st = { 0, 0 };
	sd_write_both(&p, alone, &st);
	char **a, **b;
	size_t na = sd_list(dir, &a), nb = sd_list(alone, &b);
	ck_assert_uint_eq(na, nb);
	for (size_t i = 0; i < na; i++)
		ck_assert_str_eq(a[i], b[i]);
	sd_list_free(a, na);
	sd_list_free(b, nb);
	sd_free(&p);
}
END_TEST

/* Labels and kinds folded into [a-z0-9.-]; empty seeds skipped. */
START_TEST(test_seeds_names)
{
	static const struct {
		const char *kind, *label, *want_prefix;
	} t[] = {
		{ "mm3", NULL, "mm3-" },
		{ "mm3", "", "mm3-" },
		{ "mm3", "ke-length", "mm3-ke-length-" },
		{ "mm3", "KE length", "mm3-ke-length-" },
		{ "qm1", "sa.proposal[0].transform[1].id", "qm1-sa.proposal-0-.transform-1-.id-" },
		{ "mm1", "--../../etc/passwd", "mm1-etc-passwd-" },
		{ "mm1", "a__b--c  ", "mm1-a-b-c-" },
		{ "mm5", "plain", "mm5-xplain-" },
		{ "mm5", "Plain text", "mm5-xplain-text-" },
		{ "mm5", "plaintext", "mm5-plaintext-" },
		{ "mm5-plain", "ke", "mm5-plain-ke-" },
		{ NULL, NULL, "unknown-" },
		{ "", "x", "unknown-x-" },
		{ "///", NULL, "unknown-" },
		{ "DPD-ACK", NULL, "dpd-ack-" },
	};
	static const uint8_t data[] = { 1, 2, 3 };
	char h[17];
	sd_hash16(CHUNK_FROM(data, sizeof(data)), h);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char name[SEEDS_NAME_MAX], want[SEEDS_NAME_MAX];
		ck_assert(seeds_name(t[i].kind, t[i].label, data, sizeof(data), name, sizeof(name)));
		snprintf(want, sizeof(want), "%s%s.bin", t[i].want_prefix, h);
		ck_assert_str_eq(name, want);
		ck_assert(sd_name_ok(name));
	}
	/* a long label is cut, the name stays within its bound */
	char lab[300], name[SEEDS_NAME_MAX];
	memset(lab, 'Z', sizeof(lab) - 1);
	lab[sizeof(lab) - 1] = '\0';
	ck_assert(seeds_name(lab, lab, data, sizeof(data), name, sizeof(name)));
	ck_assert_uint_eq(strlen(name), 2 * SEEDS_LABEL_MAX + 1 + 1 + 16 + 4);
	char small[20];
	ck_assert(!seeds_name("mm1", NULL, data, sizeof(data), small, sizeof(small)));
	ck_assert_str_eq(seeds_kind(IKE_K_NONE), "unknown");
	ck_assert_str_eq(seeds_kind(IKE_K_QM4), "qm4");
	ck_assert_str_eq(seeds_kind(IKE_K_COUNT), "unknown");

	/* through the writer: a label on disk, an empty seed skipped */
	const char *dir = sd_path("one");
	struct seeds_stats st = { 0, 0 };
	char err[512], path[256];
	ck_assert_msg(seeds_write_one(dir, "mm3", "KE length", data, sizeof(data), &st, err,
				      sizeof(err)), "%s", err);
	ck_assert(seeds_write_one(dir, "mm3", NULL, data, 0, &st, err, sizeof(err)));
	ck_assert(seeds_write_one(dir, "mm3", NULL, NULL, 0, NULL, err, sizeof(err)));
	ck_assert_uint_eq(st.written, 1);
	ck_assert_uint_eq(st.duplicates, 0);
	snprintf(path, sizeof(path), "%s/mm3-ke-length-%s.bin", dir, h);
	chunk_t c = sd_read(path);
	ck_assert(chunk_eq(c, CHUNK_FROM(data, sizeof(data))));
	chunk_free(&c);
	struct stat sb;
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 0777, 0644);
	char **v;
	size_t nv = sd_list(dir, &v);
	ck_assert_uint_eq(nv, 1);
	sd_list_free(v, nv);
	/* the label is part of the name: the same bytes without it, a new seed */
	ck_assert(seeds_write_one(dir, "mm3", NULL, data, sizeof(data), &st, err, sizeof(err)));
	ck_assert_uint_eq(st.written, 2);
}
END_TEST

/* A folder that cannot be written or made: false, the path and errno text. */
/* The label goes on the datagrams the engine sent mutated (and their
 * plaintexts) only: a malformed case's corpus says which bytes are broken
 * and by what. */
START_TEST(test_seeds_labelled)
{
	static uint8_t d1[] = { 1, 2, 3, 4 }, d2[] = { 5, 6, 7, 8 }, d3[] = { 9, 10, 11, 12 },
		       p3[] = { 0xaa, 0xbb };
	struct ike_event ev[3] = {
		{ .sent = true, .kind = IKE_K_MM1, .datagram = CHUNK_FROM(d1, 4) },
		{ .sent = false, .kind = IKE_K_MM2, .datagram = CHUNK_FROM(d2, 4) },
		{ .sent = true, .kind = IKE_K_MM5, .datagram = CHUNK_FROM(d3, 4),
		  .plaintext = CHUNK_FROM(p3, 2), .mutated = true },
	};
	struct ike_result r = { .event = ev, .nevent = 3 };
	char err[300];
	struct seeds_stats st = { 0, 0 };
	ck_assert_msg(seeds_write_result(sd_dir, &r, "ke-zero", &st, err, sizeof(err)), "%s", err);
	struct sd_want w[4];
	memset(w, 0, sizeof(w));
	ck_assert(seeds_name("mm1", NULL, d1, 4, w[0].name, sizeof(w[0].name)));
	ck_assert(seeds_name("mm2", NULL, d2, 4, w[1].name, sizeof(w[1].name)));
	ck_assert(seeds_name("mm5", "ke-zero", d3, 4, w[2].name, sizeof(w[2].name)));
	ck_assert(seeds_name("mm5-plain", "ke-zero", p3, 2, w[3].name, sizeof(w[3].name)));
	w[0].bytes = CHUNK_FROM(d1, 4);
	w[1].bytes = CHUNK_FROM(d2, 4);
	w[2].bytes = CHUNK_FROM(d3, 4);
	w[3].bytes = CHUNK_FROM(p3, 2);
	ck_assert_msg(strstr(w[2].name, "mm5-ke-zero-") == w[2].name, "%s", w[2].name);
	sd_check_dir(sd_dir, w, 4);
	ck_assert_uint_eq(st.written, 4);
}
END_TEST

START_TEST(test_seeds_unwritable)
{
	static const uint8_t data[] = { 1, 2, 3 };
	char err[512];
	struct seeds_stats st = { 0, 0 };

	/* under a regular file: cannot be made */
	const char *file = sd_path("file");
	FILE *f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	const char *under = sd_path("file/seeds");
	ck_assert(!seeds_write_one(under, "mm1", NULL, data, sizeof(data), &st, err,
				   sizeof(err)));
	ck_assert_msg(strstr(err, under) && strstr(err, strerror(ENOTDIR)), "%s", err);
	/* the folder itself a file */
	ck_assert(!seeds_write_one(file, "mm1", NULL, data, sizeof(data), &st, err,
				   sizeof(err)));
	ck_assert_msg(strstr(err, file) && strstr(err, strerror(ENOTDIR)), "%s", err);
	ck_assert(!seeds_write_one("", "mm1", NULL, data, sizeof(data), &st, err, sizeof(err)));

	/* read-only: root ignores the mode, so the child gives up root first */
	const char *ro = sd_path("ro");
	ck_assert_int_eq(mkdir(ro, 0555), 0);
	ck_assert_int_eq(chmod(ro, 0555), 0);
	ck_assert_int_eq(chmod(sd_dir, 0755), 0);
	int fd[2];
	ck_assert_int_eq(pipe(fd), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fd[0]);
		if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
			_exit(2);
		char e[512] = "";
		struct seeds_stats s = { 0, 0 };
		bool ok = seeds_write_one(ro, "mm1", NULL, data, sizeof(data), &s, e, sizeof(e));
		ssize_t wr = write(fd[1], e, strlen(e) + 1);
		_exit(!ok && wr > 0 && s.written == 0 ? 0 : 1);
	}
	close(fd[1]);
	char got[512] = "";
	ssize_t r = read(fd[0], got, sizeof(got) - 1);
	close(fd[0]);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child: %#x (%s)", status,
		      got);
	ck_assert_int_gt(r, 0);
	ck_assert_msg(strstr(got, ro) && strstr(got, strerror(EACCES)), "%s", got);
	ck_assert_uint_eq(st.written, 0);
	/* nothing written anywhere, no temporary */
	char **v;
	size_t nv = sd_list(ro, &v);
	ck_assert_uint_eq(nv, 0);
	sd_list_free(v, nv);
}
END_TEST

Suite *suite_seeds(void)
{
	Suite *s = suite_create("seeds");
	TCase *tc = tcase_create("seeds");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, sd_setup, sd_teardown);
	tcase_add_test(tc, test_seeds_exchange);
	tcase_add_test(tc, test_seeds_again);
	tcase_add_test(tc, test_seeds_concurrent);
	tcase_add_test(tc, test_seeds_names);
	tcase_add_test(tc, test_seeds_labelled);
	tcase_add_test(tc, test_seeds_unwritable);
	suite_add_tcase(s, tc);
	return s;
}
