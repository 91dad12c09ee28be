/* witness: tools we did not write judge our responder. ike-scan's Main
 * Mode probes must get a handshake naming the transform we chose (or our
 * NO-PROPOSAL-CHOSEN), its --showbackoff must see our retransmission
 * schedule, and psk-crack must recover the PSK from an Aggressive Mode
 * exchange with us (MD5 and SHA-1): an outside check of SKEYID and HASH_R.
 *
 *   ikecwit-s-PID  ws 192.0.2.2 ---- veth ---- 192.0.2.1 wr  ikecwit-r-PID
 *   (ike-scan, psk-crack)                      (ike-conform peer)
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "core/chunk.h"
#include "tests.h"

static char wit_ns_r[64], wit_ns_s[64], wit_dir[64];
static const char *wit_why;   /* set when the live tests cannot run here */

static void wit_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void wit_sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	char *out = NULL;
	int st = test_run(cmd, &out);
	ck_assert_msg(st == 0, "'%s' exited %d: %s", cmd, st, out);
	free(out);
}

/* The two namespaces and their link; in the runner's process, so the
 * teardown runs whatever a test did. */
static void wit_setup(void)
{
	if (geteuid() != 0) {
		wit_why = "needs root (network namespaces)";
		return;
	}
	char *out = NULL;
	int st = test_run("command -v ike-scan && command -v psk-crack", &out);
	free(out);
	if (st != 0) {
		wit_why = "ike-scan and psk-crack are not installed (Debian ike-scan; ci/deps.sh)";
		return;
	}
	snprintf(wit_ns_r, sizeof(wit_ns_r), "ikecwit-r-%d", (int)getpid());
	snprintf(wit_ns_s, sizeof(wit_ns_s), "ikecwit-s-%d", (int)getpid());
	snprintf(wit_dir, sizeof(wit_dir), "/tmp/ikecwit-XXXXXX");
	char cmd[2048];
	if (!mkdtemp(wit_dir)) {
		wit_why = "mkdtemp failed";
		return;
	}
	snprintf(cmd, sizeof(cmd), "ip netns add %s && ip netns add %s && "
		 "ip link add wr netns %s type veth peer name ws netns %s && "
		 "ip -n %s addr add 192.0.2.1/24 dev wr && ip -n %s addr add 192.0.2.2/24 dev ws && "
		 "ip -n %s link set wr up && ip -n %s link set ws up && "
		 "ip -n %s link set lo up && ip -n %s link set lo up",
		 wit_ns_r, wit_ns_s, wit_ns_r, wit_ns_s, wit_ns_r, wit_ns_s, wit_ns_r, wit_ns_s,
		 wit_ns_r, wit_ns_s);
	/* here, not an assertion: the runner's own process */
	if (test_run(cmd, &out) != 0) {
		fprintf(stderr, "witness: the namespaces: %s\n", out);
		wit_why = "the namespaces could not be made";
	}
	free(out);
}

static void wit_teardown(void)
{
	if (wit_why)
		return;
	char cmd[600], *out = NULL;
	snprintf(cmd, sizeof(cmd), "for n in %s %s; do ip netns pids $n | xargs -r kill -9; "
		 "ip netns del $n; done", wit_ns_r, wit_ns_s);
	test_run(cmd, &out);
	free(out);
	test_rm_tree(wit_dir);
}

/* Our responder in its namespace with this config; its pid. */
static pid_t wit_peer(const char *name, const char *config)
{
	const char *bin = getenv("IKEC_BIN");
	ck_assert_msg(bin && access(bin, X_OK) == 0, "IKEC_BIN is not an ike-conform binary");
	char path[300], cmd[1600], *out = NULL;
	snprintf(path, sizeof(path), "%s/%s.yaml", wit_dir, name);
	FILE *f = fopen(path, "w");
	ck_assert(f && fputs(config, f) >= 0 && fclose(f) == 0);
	snprintf(cmd, sizeof(cmd), "ip netns exec %s %s peer --config %s --log %s/%s.log "
		 "--state %s/%s.state > %s/%s.out 2>&1 & echo $!; "
		 "for i in $(seq 50); do grep -q 'listening on' %s/%s.out && exit 0; sleep 0.1; done; "
		 "cat %s/%s.out; exit 1",
		 wit_ns_r, bin, path, wit_dir, name, wit_dir, name, wit_dir, name, wit_dir, name,
		 wit_dir, name);
	int st = test_run(cmd, &out);
	ck_assert_msg(st == 0, "the responder did not start: %s", out);
	pid_t pid = (pid_t)atoi(out);
	free(out);
	ck_assert(pid > 0);
	return pid;
}

/* A command in the scanner's namespace: its exit status, output in *out. */
static int wit_scan(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int wit_scan(char **out, const char *fmt, ...)
{
	char args[1200], cmd[1400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "cd %s && ip netns exec %s %s", wit_dir, wit_ns_s, args);
	return test_run(cmd, out);
}

static const char wit_mm_config[] =
	"role: responder\nexchange: main\npsk: witness-secret\nlisten: [192.0.2.1]\n"
	"proposals: [3des-sha1-modp1024, aes128-sha1-modp2048, 3des-md5-modp1024]\n";

/* ike-scan's transforms (--trans=ENC[/BITS],HASH,AUTH,GROUP; none: its
 * default set) and what it must report of our answer. */
static const struct {
	const char *trans;
	const char *want;
} wit_mm_rows[] = {
	{ NULL, "Main Mode Handshake returned HDR=(CKY-R=" },
	{ NULL, "SA=(Enc=3DES Hash=SHA1 Auth=PSK Group=2:modp1024 " },
	{ "7/128,2,1,14", "SA=(Enc=AES KeyLength=128 Hash=SHA1 Auth=PSK Group=14:modp2048 " },
	{ "5,1,1,2", "SA=(Enc=3DES Hash=MD5 Auth=PSK Group=2:modp1024 " },
	{ "7/256,4,1,14", "Notify message 14 (NO-PROPOSAL-CHOSEN)" },
	{ "5,2,1,5", "Notify message 14 (NO-PROPOSAL-CHOSEN)" },
};

START_TEST(test_witness_main_mode)
{
	if (wit_why)
		return test_skip("witness", wit_why);
	pid_t pid = wit_peer("mm", wit_mm_config);
	for (size_t i = 0; i < sizeof(wit_mm_rows) / sizeof(wit_mm_rows[0]); i++) {
		char *out = NULL, trans[64] = "";
		if (wit_mm_rows[i].trans)
			snprintf(trans, sizeof(trans), "--trans=%s", wit_mm_rows[i].trans);
		int st = wit_scan(&out, "ike-scan --retry=2 %s 192.0.2.1", trans);
		bool notify = strstr(wit_mm_rows[i].want, "Notify") != NULL;
		ck_assert_msg(st == 0 && strstr(out, wit_mm_rows[i].want) &&
			      strstr(out, notify ? "0 returned handshake; 1 returned notify"
					    : "1 returned handshake; 0 returned notify"),
			      "ike-scan %s: want '%s', got:\n%s", trans, wit_mm_rows[i].want, out);
		free(out);
	}
	kill(pid, SIGTERM);
}
END_TEST

/* "192.0.2.1	2	1796674117.510287	0.498885": the deltas of the
 * packets ike-scan saw, in seconds; how many. */
static size_t wit_backoff(const char *out, double *delta, size_t max)
{
	size_t n = 0;
	for (const char *l = out; l && *l && n < max; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		unsigned no;
		double t, d;
		if (sscanf(l, "192.0.2.1 %u %lf %lf", &no, &t, &d) == 3 && no == n + 1)
			delta[n++] = d;
	}
	return n;
}

/* Our retransmission schedule as ike-scan sees it: tries sends of mm2,
 * the first timeout, then doubling. Ratios, so a busy machine passes. */
START_TEST(test_witness_backoff)
{
	if (wit_why)
		return test_skip("witness", wit_why);
	static const char cfg[] =
		"role: responder\nexchange: main\npsk: witness-secret\nlisten: [192.0.2.1]\n"
		"proposals: [3des-sha1-modp1024]\n"
		"retransmit: { timeout: 300ms, tries: 4, max: 4s, responder: true }\n";
	pid_t pid = wit_peer("backoff", cfg);
	char *out = NULL;
	int st = wit_scan(&out, "ike-scan --showbackoff=5 192.0.2.1");
	double d[16];
	size_t n = wit_backoff(out, d, 16);
	ck_assert_msg(st == 0 && n == 4, "want 4 packets (mm2 and 3 retransmissions), got %zu:\n%s",
		      n, out);
	ck_assert_msg(d[0] == 0.0 && d[1] > 0.15 && d[1] < 1.2, "first retransmission after "
		      "%.3f s, want about 0.3 s:\n%s", d[1], out);
	for (size_t i = 2; i < n; i++)
		ck_assert_msg(d[i] / d[i - 1] > 1.4 && d[i] / d[i - 1] < 2.8, "interval %zu is %.3f s "
			      "after %.3f s, want about twice:\n%s", i, d[i], d[i - 1], out);
	free(out);
	kill(pid, SIGTERM);
	/* by default our responder only answers a repeated request */
	pid = wit_peer("backoff-off", wit_mm_config);
	st = wit_scan(&out, "ike-scan --showbackoff=2 192.0.2.1");
	ck_assert_msg(st == 0 && wit_backoff(out, d, 16) == 1, "want mm2 once:\n%s", out);
	free(out);
	kill(pid, SIGTERM);
}
END_TEST

/* Aggressive Mode with the hash psk-crack must match HASH_R with. */
static const struct {
	int hash;                /* ike-scan's: 1 MD5, 2 SHA1 */
	const char *name;
} wit_am_rows[] = { { 1, "MD5" }, { 2, "SHA1" } };

START_TEST(test_witness_psk_crack)
{
	if (wit_why)
		return test_skip("witness", wit_why);
	static const char cfg[] =
		"role: responder\nexchange: aggressive\npsk: witness-secret\nlisten: [192.0.2.1]\n"
		"proposals: [3des-sha1-modp1024, 3des-md5-modp1024]\n";
	pid_t pid = wit_peer("am", cfg);
	wit_sh("printf 'alpha\\nwitness\\nwitness-secre\\nwitness-secret\\ngamma\\n' > %s/dict && "
	       "printf 'alpha\\nwitness\\nwitness-secre\\n' > %s/nodict", wit_dir, wit_dir);
	for (size_t i = 0; i < sizeof(wit_am_rows) / sizeof(wit_am_rows[0]); i++) {
		char *out = NULL, want[120];
		int h = wit_am_rows[i].hash;
		int st = wit_scan(&out, "ike-scan --aggressive --id=client@example.org "
				  "--trans=5,%d,1,2 --pskcrack=am%d.txt 192.0.2.1", h, h);
		ck_assert_msg(st == 0 && strstr(out, "Aggressive Mode Handshake returned") &&
			      strstr(out, "1 returned handshake"), "ike-scan: %s", out);
		free(out);
		st = wit_scan(&out, "psk-crack -d dict am%d.txt", h);
		snprintf(want, sizeof(want), "key \"witness-secret\" matches %s hash",
			 wit_am_rows[i].name);
		ck_assert_msg(st == 0 && strstr(out, want), "psk-crack: want '%s':\n%s", want, out);
		free(out);
		/* the negative control: no word of this list is the key */
		wit_scan(&out, "psk-crack -d nodict am%d.txt", h);
		ck_assert_msg(strstr(out, "no match found") && !strstr(out, "matches"),
			      "psk-crack without the key: %s", out);
		free(out);
	}
	kill(pid, SIGTERM);
}
END_TEST

Suite *suite_witness(void)
{
	Suite *s = suite_create("witness");
	TCase *tc = tcase_create("live");
	tcase_add_unchecked_fixture(tc, wit_setup, wit_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_witness_main_mode);
	tcase_add_test(tc, test_witness_backoff);
	tcase_add_test(tc, test_witness_psk_crack);
	suite_add_tcase(s, tc);
	return s;
}
