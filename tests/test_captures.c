/* ike-conform check-captures (cli/captures.c) and the ike.frames it reads
 * (report/timeline.c): the frame list of an exchange with a repeated
 * mutated message; the command over trees made from engine pairs (clean,
 * a corrupted datagram unmarked and marked as mutated, one cookie with
 * two keys, every refusal); and over a real run's --out tree against
 * self. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/rand.h"
#include "ike/engine.h"
#include "report/keys.h"
#include "report/timeline.h"
#include "pair.h"
#include "tests.h"

static const char *cc_bin(void)
{
	const char *b = getenv("IKEC_BIN");
	return b && *b ? b : NULL;
}

static bool cc_have_tshark(void)
{
	static int have = -1;
	if (have < 0)
		have = system("tshark --version >/dev/null 2>&1") == 0;
	return have;
}

/* Why the command tests cannot run here, or NULL. */
static const char *cc_why_not(void)
{
	if (!cc_bin())
		return "no ike-conform binary (IKEC_BIN; run through make check)";
	if (!cc_have_tshark())
		return "tshark is not installed (make deps installs it)";
	return NULL;
}

static void cc_mkdtemp(char *buf, size_t len)
{
	snprintf(buf, len, "/tmp/ikectest-captures-XXXXXX");
	ck_assert_msg(mkdtemp(buf), "mkdtemp: %s", strerror(errno));
}

static char *cc_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	char *buf = xmalloc(1 << 16);
	size_t n = fread(buf, 1, (1 << 16) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void cc_spit(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_msg(f && fputs(text, f) >= 0 && fclose(f) == 0, "%s: %s", path, strerror(errno));
}

/* ---- engine pairs as case folders ---- */

/* Main Mode then Quick Mode over the memory hub (the initiator's mm1
 * step with mut when given), from a seeded generator when seed is not 0. */
static void cc_pair_run(struct pair *p, const struct ike_mutation *mut, uint64_t seed,
			const char *psk)
{
	if (seed)
		ck_assert(crypto_rand_seed_for(seed, "captures"));
	pair_init(p, "aes128-sha1-modp2048", "aes128-sha1");
	if (psk) {
		p->ci.psk = CHUNK_FROM(psk, strlen(psk));
		p->cr.psk = p->ci.psk;
	}
	struct ike_step st[IKE_MAX_STEPS];
	size_t n = ike_script_default(&p->ci, st, IKE_MAX_STEPS);
	ck_assert_uint_gt(n, 0);
	ck_assert(st[0].op == IKE_STEP_SEND && st[0].kind == IKE_K_MM1);
	if (mut) {
		st[0].mut = mut;
		st[0].nmut = 1;
	}
	pair_start(p, st, n, NULL, 0);
	pair_run(p);
	crypto_rand_unseed();
	ck_assert(ike_engine_result(p->ei)->established);
}

/* The initiator's record as a case folder: ike.pcap, ike.frames and
 * wireshark/ (what case/artifacts.c writes); the frames written. */
static size_t cc_write_case(const struct pair *p, const char *dir)
{
	char path[4200], err[512];
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	struct timeline_opts o;
	ck_assert(timeline_opts_from_engine(p->ei, &o));
	const struct ike_result *r = ike_engine_result(p->ei);
	size_t n = 0;
	snprintf(path, sizeof(path), "%s/ike.pcap", dir);
	ck_assert_msg(timeline_write_pcap(path, r, &o, &n, err, sizeof(err)), "%s", err);
	snprintf(path, sizeof(path), "%s/" TIMELINE_FRAMES_FILE, dir);
	ck_assert_msg(timeline_write_frames(path, r, &o, err, sizeof(err)), "%s", err);
	snprintf(path, sizeof(path), "%s/wireshark", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	struct ike_sa *sa = ike_engine_sa(p->ei);
	ck_assert_msg(keytab_write_dir(path, &sa, 1, err, sizeof(err)), "%s", err);
	return n;
}

/* ---- 1. ike.frames ---- */

/* The frames of Main Mode + Quick Mode with mm1 repeated at once: what
 * each line must say (the message IDs of Quick Mode are random). */
static const struct {
	const char *head;  /* "FRAME\tDIR\tMESSAGE\t" */
	const char *flags;
	bool phase1;       /* message ID 0 */
} cc_frames_want[] = {
	{ "1\tsent\tmm1\t", "mutated", true },
	{ "2\tsent\tmm1\t", "mutated,copy=1", true },
	{ "3\trecv\tmm2\t", "-", true },  /* the repeat ignored as a duplicate */
	{ "4\tsent\tmm3\t", "-", true },
	{ "5\trecv\tmm4\t", "-", true },
	{ "6\tsent\tmm5\t", "enc", true },
	{ "7\trecv\tmm6\t", "enc", true },
	{ "8\tsent\tqm1\t", "enc", false },
	{ "9\trecv\tqm2\t", "enc", false },
	{ "10\tsent\tqm3\t", "enc", false },
};
#define CC_NFRAMES (sizeof(cc_frames_want) / sizeof(cc_frames_want[0]))

START_TEST(test_captures_frames)
{
	static const struct ike_mutation repeat = { .op = IKE_MUT_REPEAT };
	struct pair p;
	cc_pair_run(&p, &repeat, 0, NULL);
	char dir[64], sub[128], path[256];
	cc_mkdtemp(dir, sizeof(dir));
	snprintf(sub, sizeof(sub), "%s/case", dir);
	size_t n = cc_write_case(&p, sub);
	snprintf(path, sizeof(path), "%s/" TIMELINE_FRAMES_FILE, sub);
	char *text = cc_slurp(path), *save = NULL;
	ck_assert_msg(n == CC_NFRAMES, "%zu frames:\n%s", n, text);
	char *line = strtok_r(text, "\n", &save);
	ck_assert_msg(line && line[0] == '#', "no comment line first: %s", text);
	for (size_t i = 0; i < CC_NFRAMES; i++) {
		line = strtok_r(NULL, "\n", &save);
		ck_assert_msg(line, "frame %zu missing", i + 1);
		size_t hl = strlen(cc_frames_want[i].head);
		ck_assert_msg(!strncmp(line, cc_frames_want[i].head, hl), "frame %zu: '%s'", i + 1,
			      line);
		const char *id = line + hl, *tab = strchr(id, '\t');
		ck_assert_msg(tab && tab - id == 8, "frame %zu: msgid in '%s'", i + 1, line);
		ck_assert_msg(!strncmp(id, "00000000", 8) == cc_frames_want[i].phase1,
			      "frame %zu: msgid in '%s'", i + 1, line);
		ck_assert_msg(!strcmp(tab + 1, cc_frames_want[i].flags), "frame %zu: '%s', want %s",
			      i + 1, line, cc_frames_want[i].flags);
	}
	ck_assert_msg(!strtok_r(NULL, "\n", &save), "more lines than frames");
	free(text);
	pair_free(&p);
	test_rm_tree(dir);
}
END_TEST

/* ---- 2. the command over trees of engine pairs ---- */

/* The command with TMPDIR=tmp: its exit status and output (*out). Its
 * temporary folder must be gone after it. */
static int cc_check(const char *tmp, const char *args, char **out)
{
	char cmd[2048];
	mkdir(tmp, 0700);
	snprintf(cmd, sizeof(cmd), "TMPDIR='%s' '%s' check-captures %s", tmp, cc_bin(), args);
	int st = test_run(cmd, out);
	char ls[600], *left = NULL;
	snprintf(ls, sizeof(ls), "ls -A '%s'", tmp);
	ck_assert_int_eq(test_run(ls, &left), 0);
	ck_assert_msg(!left[0], "left in TMPDIR after '%s': %s", args, left);
	free(left);
	return st;
}

#define cc_expect(tmp, args, rc, want)                                                       \
	do {                                                                                 \
		char *o_ = NULL;                                                             \
		int st_ = cc_check(tmp, args, &o_);                                          \
		ck_assert_msg(st_ == (rc) && strstr(o_, want), "check-captures %s: exit %d, " \
			      "want %d and '%s':\n%s", args, st_, rc, want, o_);             \
		free(o_);                                                                    \
	} while (0)

/* Frame 1 (mm1, its first payload the SA) with that payload's length
 * set to 1: pcap header 24, record header 16, IPv4 20, UDP 8, then the
 * ISAKMP header (28) and the payload's length at 2. */
static void cc_corrupt_frame1(const char *pcap)
{
	FILE *f = fopen(pcap, "r+b");
	ck_assert_msg(f, "%s: %s", pcap, strerror(errno));
	uint8_t np[2] = { 0, 0 }, len[2] = { 0, 1 };
	ck_assert(fseek(f, 24 + 16 + 20 + 8 + 16, SEEK_SET) == 0 && fread(np, 1, 1, f) == 1);
	ck_assert_uint_eq(np[0], 1);  /* the first payload is the SA */
	ck_assert(fseek(f, 24 + 16 + 20 + 8 + 28 + 2, SEEK_SET) == 0 && fwrite(len, 1, 2, f) == 2);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_captures_check)
{
	const char *why = cc_why_not();
	if (why) {
		test_skip("check-captures", why);
		return;
	}
	struct pair p;
	cc_pair_run(&p, NULL, 0, NULL);
	char dir[64], tree[128], sub[192], tmp[128], args[400], path[300];
	cc_mkdtemp(dir, sizeof(dir));
	snprintf(tree, sizeof(tree), "%s/out", dir);
	snprintf(tmp, sizeof(tmp), "%s/tmp", dir);
	ck_assert_int_eq(mkdir(tree, 0700), 0);
	snprintf(sub, sizeof(sub), "%s/pair", tree);
	ck_assert_uint_eq(cc_write_case(&p, sub), 9);
	snprintf(args, sizeof(args), "'%s'", tree);
	cc_expect(tmp, args, 0, "check-captures: 1 captures, 9 frames (0 sent mutated); tshark "
	      "flagged 0: 0 offending");

	/* frame 1 corrupted, not marked: an offender, named */
	snprintf(path, sizeof(path), "%s/ike.pcap", sub);
	cc_corrupt_frame1(path);
	cc_expect(tmp, args, 1, "pair frame 1 (sent mm1, msgid 00000000): Payload (bogus, length "
	      "is 1, must be at least 4)");
	cc_expect(tmp, args, 1, "tshark flagged 1: 1 offending");

	/* the same marked as sent mutated: skipped, said with -v */
	snprintf(path, sizeof(path), "%s/" TIMELINE_FRAMES_FILE, sub);
	char *fr = cc_slurp(path), *l1 = strstr(fr, "\n1\tsent\tmm1\t00000000\t-\n");
	ck_assert_msg(l1, "%s", fr);
	char marked[8192];
	snprintf(marked, sizeof(marked), "%.*s\n1\tsent\tmm1\t00000000\tmutated\n%s",
		 (int)(l1 - fr), fr, l1 + strlen("\n1\tsent\tmm1\t00000000\t-\n"));
	cc_spit(path, marked);
	cc_expect(tmp, args, 0, "(1 sent mutated); tshark flagged 1: 0 offending, skipped 1 "
	      "mutated on purpose");
	snprintf(args, sizeof(args), "-v '%s'", tree);
	cc_expect(tmp, args, 0, "pair frame 1 (sent mm1, msgid 00000000): skipped, sent mutated on "
	      "purpose: Payload (bogus, length is 1");
	free(fr);
	pair_free(&p);
	test_rm_tree(dir);
}
END_TEST

/* Two exchanges with the same initiator cookie (one seed) and other keys
 * (other PSKs): one key table could decrypt only one of them, so they go
 * to two tshark runs and both are clean. */
START_TEST(test_captures_cookie_twice)
{
	const char *why = cc_why_not();
	if (why) {
		test_skip("check-captures cookies", why);
		return;
	}
	struct pair a, b;
	cc_pair_run(&a, NULL, 42, "first-psk");
	cc_pair_run(&b, NULL, 42, "second-psk");
	ck_assert(!memcmp(ike_engine_sa(a.ei)->icookie, ike_engine_sa(b.ei)->icookie, 8));
	char dir[64], tree[128], sub[192], tmp[128], args[300];
	cc_mkdtemp(dir, sizeof(dir));
	snprintf(tree, sizeof(tree), "%s/out", dir);
	snprintf(tmp, sizeof(tmp), "%s/tmp", dir);
	ck_assert_int_eq(mkdir(tree, 0700), 0);
	snprintf(sub, sizeof(sub), "%s/a", tree);
	cc_write_case(&a, sub);
	snprintf(sub, sizeof(sub), "%s/b", tree);
	cc_write_case(&b, sub);
	snprintf(args, sizeof(args), "'%s'", tree);
	cc_expect(tmp, args, 0, "2 captures, 18 frames (0 sent mutated); tshark flagged 0: 0 "
	      "offending, skipped 0 mutated on purpose, 0 copies, 0 after a mutation; 2 tshark runs");
	pair_free(&a);
	pair_free(&b);
	test_rm_tree(dir);
}
END_TEST

/* What the command refuses, each with the file or the reason named. */
static const struct {
	const char *what;
	const char *prep;  /* shell, in the tree's case folder "c" (%s: the tree) */
	const char *env;   /* before the command */
	int rc;
	const char *want;
} cc_refusals[] = {
	{ "no ike.frames", "rm '%s/c/ike.frames'", "", 2, "/c/ike.frames: No such file or directory" },
	{ "a frame short", "sed -i '$d' '%s/c/ike.frames'", "", 2,
	  "/c/ike.pcap: 9 frames, but ike.frames lists 8" },
	{ "a bad line", "sed -i '2s/sent/sideways/' '%s/c/ike.frames'", "", 2,
	  "/c/ike.frames:2: not a frame line (frame 1)" },
	{ "not a pcap", "echo nothing > '%s/c/ike.pcap'", "", 2, "/c/ike.pcap: " },
	{ "no captures", "rm -r '%s/c'", "", 2, "no ike.pcap below it" },
	{ "no tshark", "true", "PATH=/nonexistent ", 3, "tshark cannot run" },
};
#define CC_NREFUSALS (sizeof(cc_refusals) / sizeof(cc_refusals[0]))

START_TEST(test_captures_refusals)
{
	const char *why = cc_why_not();
	if (why) {
		test_skip("check-captures refusals", why);
		return;
	}
	struct pair p;
	cc_pair_run(&p, NULL, 0, NULL);
	for (size_t i = 0; i < CC_NREFUSALS; i++) {
		char dir[64], tree[128], sub[192], tmp[128], cmd[1200], *out = NULL;
		cc_mkdtemp(dir, sizeof(dir));
		snprintf(tree, sizeof(tree), "%s/out", dir);
		snprintf(tmp, sizeof(tmp), "%s/tmp", dir);
		ck_assert_int_eq(mkdir(tree, 0700), 0);
		ck_assert_int_eq(mkdir(tmp, 0700), 0);
		snprintf(sub, sizeof(sub), "%s/c", tree);
		cc_write_case(&p, sub);
		snprintf(cmd, sizeof(cmd), cc_refusals[i].prep, tree);
		ck_assert_int_eq(test_run(cmd, &out), 0);
		free(out);
		snprintf(cmd, sizeof(cmd), "%sTMPDIR='%s' '%s' check-captures '%s'", cc_refusals[i].env,
			 tmp, cc_bin(), tree);
		int st = test_run(cmd, &out);
		ck_assert_msg(st == cc_refusals[i].rc && strstr(out, cc_refusals[i].want),
			      "%s: exit %d, want %d and '%s':\n%s", cc_refusals[i].what, st,
			      cc_refusals[i].rc, cc_refusals[i].want, out);
		free(out);
		ck_assert_int_eq(rmdir(tmp), 0);  /* empty: the temporary folder went */
		test_rm_tree(dir);
	}
	char *out = NULL;
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "'%s' check-captures", cc_bin());
	ck_assert_int_eq(test_run(cmd, &out), 2);
	ck_assert_msg(strstr(out, "usage: ike-conform check-captures"), "%s", out);
	free(out);
	pair_free(&p);
	test_report("check-captures: %zu refusals with their files named", CC_NREFUSALS);
}
END_TEST

/* ---- 3. a real run's --out tree ---- */

/* What check-captures -v must say of the run's malformed cases: their
 * mutated datagrams, and the self peer's reply resent for a repeat. */
static const char *const cc_run_lines[] = {
	"malformed@self/am1-hdr-major-version frame 1 (sent am1, msgid 00000000): skipped, sent "
	"mutated on purpose: Payload (bogus, length is 1, must be at least 4)\n",
	"malformed@self/attr-tlv-past-end-mm1 frame 1 (sent mm1, msgid 00000000): skipped, sent "
	"mutated on purpose: Malformed Packet",
	"malformed@self/msg-repeated-qm1 frame 8 (sent qm1, msgid ",
	"malformed@self/msg-repeated-qm1 frame 10 (recv none, msgid ",
	"): skipped, a copy of frame 9, judged there: ",
};

START_TEST(test_captures_run)
{
	const char *why = cc_why_not();
	if (!why && geteuid() != 0)
		why = "not root (the runner needs network namespaces)";
	if (why) {
		test_skip("check-captures run", why);
		return;
	}
	char dir[64], out[128], tmp[128], cmd[2048], *text = NULL;
	cc_mkdtemp(dir, sizeof(dir));
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(tmp, sizeof(tmp), "%s/tmp", dir);
	snprintf(cmd, sizeof(cmd), "'%s' '%s' '%s' --filter 'smoke@self/*' --filter "
		 "'malformed@self/am1-hdr-major-version' --filter 'malformed@self/attr-tlv-past-end-mm1' "
		 "--filter 'malformed@self/msg-repeated-qm1' -j 2 -q --out '%s'", cc_bin(),
		 test_src_path("suites/smoke.yaml"), test_src_path("suites/malformed.yaml"), out);
	int st = test_run(cmd, &text);
	ck_assert_msg(st == 0 && strstr(text, "11 passed, 0 failed"), "run: exit %d:\n%s", st, text);
	free(text);
	snprintf(cmd, sizeof(cmd), "find '%s' -name ike.pcap | wc -l", out);
	ck_assert_int_eq(test_run(cmd, &text), 0);
	unsigned npcap = (unsigned)strtoul(text, NULL, 10);
	free(text);
	ck_assert_uint_ge(npcap, 11);
	char args[300], want[200];
	snprintf(args, sizeof(args), "-v '%s'", out);
	st = cc_check(tmp, args, &text);
	snprintf(want, sizeof(want), "check-captures: %u captures, ", npcap);
	ck_assert_msg(st == 0 && strstr(text, want) && strstr(text, " 0 offending, skipped 3 "
		      "mutated on purpose, 1 copies, 0 after a mutation; 1 tshark run"),
		      "exit %d, want 0 and '%s':\n%s", st, want, text);
	for (size_t i = 0; i < sizeof(cc_run_lines) / sizeof(cc_run_lines[0]); i++)
		ck_assert_msg(strstr(text, cc_run_lines[i]), "no '%s' in:\n%s", cc_run_lines[i], text);
	ck_assert_msg(!strstr(text, "smoke@"), "a smoke case flagged:\n%s", text);
	test_report("check-captures: smoke and 3 malformed cases against self: %u captures clean "
		    "but their mutations", npcap);
	free(text);
	test_rm_tree(dir);
}
END_TEST

Suite *suite_captures(void)
{
	Suite *s = suite_create("captures");
	TCase *tc = tcase_create("captures");
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, test_captures_frames);
	tcase_add_test(tc, test_captures_check);
	tcase_add_test(tc, test_captures_cookie_twice);
	tcase_add_test(tc, test_captures_refusals);
	tcase_add_test(tc, test_captures_run);
	suite_add_tcase(s, tc);
	return s;
}
