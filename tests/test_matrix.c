/* The UDP matrix: engine against engine over real UDP on 127.0.0.1
 * (kernel-chosen ports), Main Mode + Quick Mode, across encryption
 * {DES, 3DES, AES-128, AES-192, AES-256} x hash {MD5, SHA-1, SHA2-256,
 * SHA2-384, SHA2-512} x DH groups 1-15 x auth {PSK, RSA signatures}.
 * Every case must be established with the expected transform on both sides
 * and the child SA's keys crossed. Quick Mode follows the row: the same
 * cipher, HMAC of the same hash. RSA rows authenticate moon and sun of the
 * run-time test PKI (RSA-2048 under an intermediate, CERT and CR sent) and
 * check that each side verified the other's certificate.
 *
 * The cases run in two worker processes (the machine has two cores; the
 * DH of groups 15 and 6-13 is what costs); each reports its failures
 * through a pipe, and one summary line gives the count and the time. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/addr.h"
#include "crypto/dh.h"
#include "ike/engine.h"
#include "ike/sa.h"
#include "pki/pki.h"
#include "tests.h"

static const char mx_psk[] = "ike-conform-matrix-psk";

static const char *const mx_enc[] = { "des", "3des", "aes128", "aes192", "aes256" };
static const char *const mx_hash[] = { "md5", "sha1", "sha256", "sha384", "sha512" };
enum { MX_NENC = 5, MX_NHASH = 5, MX_GFIRST = 1, MX_GLAST = 15,
       MX_NGROUP = MX_GLAST - MX_GFIRST + 1, MX_PER_AUTH = MX_NENC * MX_NHASH * MX_NGROUP };

enum mx_auth { MX_PSK, MX_RSA };
static const char *const mx_auth_name[] = { "psk", "rsa" };

static uint64_t mx_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static double mx_mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Case index -> its proposal strings. */
static void mx_case_names(size_t idx, char *p1, size_t l1, char *p2, size_t l2, uint16_t *group)
{
	size_t e = idx % MX_NENC, h = idx / MX_NENC % MX_NHASH;
	*group = (uint16_t)(MX_GFIRST + idx / (MX_NENC * MX_NHASH));
	snprintf(p1, l1, "%s-%s-%u", mx_enc[e], mx_hash[h], (unsigned)*group);
	snprintf(p2, l2, "%s-%s", mx_enc[e], mx_hash[h]);
}

/* Compare one side's result with the proposal; false with why. */
static bool mx_check_side(const char *who, const struct ike_result *r,
			  const struct ike_p1_xform *x, const struct ike_p2_xform *y,
			  char *why, size_t len)
{
	if (!r->finished || r->failed || !r->established) {
		snprintf(why, len, "%s: %.300s", who, r->failed ? r->error : "not finished/established");
		return false;
	}
	const struct ike_p1_xform *a = &r->p1;
	if (a->encr != x->encr || a->keylen != x->keylen || a->hash != x->hash ||
	    a->group != x->group || a->auth != x->auth) {
		char got[96], want[96];
		snprintf(why, len, "%s: phase 1 agreed %s (auth %u), want %s (auth %u)", who,
			 ike_p1_str(a, got, sizeof(got)), a->auth, ike_p1_str(x, want, sizeof(want)),
			 x->auth);
		return false;
	}
	if (r->nchild != 1) {
		snprintf(why, len, "%s: %zu child SAs", who, r->nchild);
		return false;
	}
	const struct ike_child *c = &r->child[0];
	if (c->xf.transform != y->transform || c->xf.keylen != y->keylen || c->xf.auth != y->auth) {
		char got[96], want[96];
		snprintf(why, len, "%s: ESP agreed %s, want %s", who,
			 ike_p2_str(&c->xf, got, sizeof(got)), ike_p2_str(y, want, sizeof(want)));
		return false;
	}
	if (c->enc_in.len != ike_esp_enc_len(y) || c->enc_out.len != ike_esp_enc_len(y) ||
	    c->int_in.len != ike_esp_int_len(y) || c->int_out.len != ike_esp_int_len(y)) {
		snprintf(why, len, "%s: KEYMAT lengths %zu/%zu/%zu/%zu, want %zu and %zu", who,
			 c->enc_in.len, c->enc_out.len, c->int_in.len, c->int_out.len,
			 ike_esp_enc_len(y), ike_esp_int_len(y));
		return false;
	}
	return true;
}

static bool mx_check_crossed(const struct ike_result *ri, const struct ike_result *rr,
			     char *why, size_t len)
{
	const struct ike_child *a = &ri->child[0], *b = &rr->child[0];
	const char *bad = NULL;
	if (memcmp(a->spi_in, b->spi_out, 4) || memcmp(a->spi_out, b->spi_in, 4))
		bad = "SPIs not crossed";
	else if (!chunk_eq(a->enc_out, b->enc_in) || !chunk_eq(a->enc_in, b->enc_out))
		bad = "encryption keys not crossed";
	else if (!chunk_eq(a->int_out, b->int_in) || !chunk_eq(a->int_in, b->int_out))
		bad = "integrity keys not crossed";
	else if (chunk_eq(a->enc_in, a->enc_out) || chunk_eq(a->int_in, a->int_out))
		bad = "the two directions share a key";
	if (bad)
		snprintf(why, len, "%s", bad);
	return !bad;
}

/* RSA rows: moon (initiator) and sun (responder) of the run-time test PKI,
 * RSA-2048 keys under an RSA intermediate; the default IDs (the
 * certificates' subject DNs); CERT, chain and CR sent. */
static void mx_sig_creds(struct ike_config *c, const struct pki_testpki *k, const char *host)
{
	const struct pki_cred *cr = pki_testpki_host(k, host);
	ck_assert_msg(cr, "test PKI has no host %s", host);
	c->psk = CHUNK_EMPTY;
	c->key = cr->key;
	c->cert = cr->cert;
	c->chain = k->intermediates;
	c->trusted = k->trusted;
}

/* One case over UDP on loopback. False with why. */
static bool mx_run_case(enum mx_auth auth, const struct pki_testpki *pki, size_t idx, char *why,
			size_t len)
{
	char err[256], p1[64], p2[64];
	uint16_t group;
	mx_case_names(idx, p1, sizeof(p1), p2, sizeof(p2), &group);
	struct ike_p1_xform x;
	struct ike_p2_xform y;
	if (!ike_p1_parse(p1, &x, err, sizeof(err)) || !ike_p2_parse(p2, &y, err, sizeof(err))) {
		snprintf(why, len, "%s", err);
		return false;
	}
	if (auth == MX_RSA)
		x.auth = IKE_AUTH_RSA;   /* the parser's default is PSK */
	struct transport_udp_config uc = { .natt_port = 0 };
	if (!netaddr_parse("127.0.0.1:0", 0, &uc.local, err, sizeof(err))) {
		snprintf(why, len, "%s", err);
		return false;
	}
	struct transport *ti = transport_udp_new(&uc, err, sizeof(err));
	struct transport *tr = ti ? transport_udp_new(&uc, err, sizeof(err)) : NULL;
	if (!ti || !tr) {
		snprintf(why, len, "UDP: %s", err);
		if (ti)
			transport_free(ti);
		return false;
	}
	struct netaddr ar;
	transport_local(tr, TRANSPORT_PORT_IKE, &ar);
	struct ike_config ci, cr;
	struct ike_config *cs[2] = { &ci, &cr };
	for (int k = 0; k < 2; k++) {
		ike_config_init(cs[k]);
		cs[k]->role = k ? IKE_RESPONDER : IKE_INITIATOR;
		cs[k]->psk = CHUNK_FROM(mx_psk, strlen(mx_psk));
		ike_config_add_p1(cs[k], x);
		ike_config_add_p2(cs[k], y);
		if (auth == MX_RSA)
			mx_sig_creds(cs[k], pki, k ? "sun" : "moon");
	}
	struct ike_engine *ei = ike_engine_new(&ci, ti, &ar, NULL, 0, "init");
	struct ike_engine *er = ike_engine_new(&cr, tr, NULL, NULL, 0, "resp");
	uint64_t t0 = mx_mono_ms();
	while (!(ike_engine_done(ei) && ike_engine_done(er))) {
		uint64_t now = mx_mono_ms() - t0;
		if (now > 20000)
			break;
		uint64_t d1 = ike_engine_tick(ei, now), d2 = ike_engine_tick(er, now);
		uint64_t d = d1 < d2 ? d1 : d2;
		int wait = d == IKE_NEVER ? 50 : d > now ? (int)(d - now) : 0;
		struct pollfd fds[2] = { { transport_fd(ti), POLLIN, 0 },
					 { transport_fd(tr), POLLIN, 0 } };
		poll(fds, 2, wait > 50 ? 50 : wait);
		now = mx_mono_ms() - t0;
		ike_engine_poll(ei, now);
		ike_engine_poll(er, now);
	}
	const struct ike_result *ri = ike_engine_result(ei), *rr = ike_engine_result(er);
	char w[400];
	bool ok = mx_check_side("initiator", ri, &x, &y, w, sizeof(w)) &&
		  mx_check_side("responder", rr, &x, &y, w, sizeof(w)) &&
		  mx_check_crossed(ri, rr, w, sizeof(w));
	if (ok && auth == MX_RSA) {
		/* each side authenticated the other's certificate */
		struct ike_sa *si = ike_engine_sa(ei), *sr = ike_engine_sa(er);
		if (!si->peer_cert || X509_cmp(si->peer_cert, cr.cert) != 0 ||
		    !sr->peer_cert || X509_cmp(sr->peer_cert, ci.cert) != 0) {
			snprintf(w, sizeof(w), "the peers' certificates were not the ones verified");
			ok = false;
		}
	}
	if (!ok)
		snprintf(why, len, "%s-%s: %.400s", p1, mx_auth_name[auth], w);
	ike_engine_free(ei);
	ike_engine_free(er);
	transport_free(ti);
	transport_free(tr);
	return ok;
}

/* Run cases [0, n) of one auth in `workers` processes (case i in worker
 * i % workers). Each worker writes one line per failure to a pipe, then
 * "done <count>". Returns the number of cases that passed; the failure
 * lines go into fails (at most a few kept). */
static size_t mx_run_all(enum mx_auth auth, const struct pki_testpki *pki, size_t n, int workers, char *fails, size_t flen,
			 size_t *nfail)
{
	int fd[2];
	ck_assert_int_eq(pipe(fd), 0);
	pid_t pid[8];
	for (int w = 0; w < workers; w++) {
		pid[w] = fork();
		ck_assert_int_ge(pid[w], 0);
		if (pid[w] == 0) {
			close(fd[0]);
			FILE *out = fdopen(fd[1], "w");
			size_t passed = 0;
			for (size_t i = (size_t)w; i < n; i += (size_t)workers) {
				char why[600];
				if (mx_run_case(auth, pki, i, why, sizeof(why)))
					passed++;
				else
					fprintf(out, "FAIL %s\n", why);
				fflush(out);
			}
			fprintf(out, "done %zu\n", passed);
			fclose(out);
			_exit(0);
		}
	}
	close(fd[1]);
	FILE *in = fdopen(fd[0], "r");
	char line[1024];
	size_t passed = 0, dones = 0;
	*nfail = 0;
	fails[0] = '\0';
	while (fgets(line, sizeof(line), in)) {
		size_t p;
		if (sscanf(line, "done %zu", &p) == 1) {
			passed += p;
			dones++;
		} else if (!strncmp(line, "FAIL ", 5)) {
			if (*nfail < 8 && strlen(fails) + strlen(line) < flen)
				strcat(fails, line + 5);
			(*nfail)++;
		}
	}
	fclose(in);
	for (int w = 0; w < workers; w++) {
		int st = 0;
		while (waitpid(pid[w], &st, 0) < 0 && errno == EINTR)
			;
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "matrix worker %d died (status %d)",
			      w, st);
	}
	ck_assert_msg(dones == (size_t)workers, "only %zu of %d workers finished", dones, workers);
	return passed;
}

static int mx_workers(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n >= 2 ? 2 : 1;
}

START_TEST(test_matrix_udp)
{
	enum mx_auth auth = (enum mx_auth)_i;
	/* every group of the range is implemented */
	for (uint16_t g = MX_GFIRST; g <= MX_GLAST; g++)
		ck_assert_msg(dh_group_get(g), "group %u is not implemented", g);
	struct pki_testpki *pki = NULL;
	if (auth == MX_RSA) {
		struct pki_err pe;
		pki = pki_testpki_create(NULL, NULL, &pe);
		ck_assert_msg(pki, "test PKI: %s", pe.msg);
	}
	double t0 = mx_mono_s();
	char fails[4096];
	size_t nfail = 0;
	int workers = mx_workers();
	size_t passed = mx_run_all(auth, pki, MX_PER_AUTH, workers, fails, sizeof(fails), &nfail);
	double t = mx_mono_s() - t0;
	if (pki)
		pki_testpki_free(pki);
	test_report("matrix: UDP loopback, Main Mode + Quick Mode, %s: %zu/%d cases established "
		    "(5 ciphers x 5 hashes x groups 1-15), %.1f s in %d workers",
		    mx_auth_name[auth], passed, MX_PER_AUTH, t, workers);
	ck_assert_msg(nfail == 0 && passed == MX_PER_AUTH, "%zu of %d %s cases failed, first:\n%s",
		      nfail, MX_PER_AUTH, mx_auth_name[auth], fails);
}
END_TEST

Suite *suite_matrix(void)
{
	Suite *s = suite_create("matrix");
	TCase *tc = tcase_create("udp");
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_matrix_udp, MX_PSK, MX_RSA + 1);
	suite_add_tcase(s, tc);
	return s;
}
