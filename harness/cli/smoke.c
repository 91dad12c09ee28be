/* ike-conform smoke: the smoke cases (case/smoke.h) against
 * strongSwan and against ourselves, in namespaces built for the run; one
 * line per case, a summary, artifacts under --out. What `make run` runs
 * until suite files (a later issue) take over. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "esp/xfrm.h"
#include "netns/netns.h"
#include "case/case.h"
#include "case/smoke.h"
#include "peers/self/self.h"
#include "peers/strongswan/strongswan.h"

static void smoke_usage(FILE *f)
{
	fprintf(f, "usage: ike-conform smoke [--peer strongswan|self|both] [--out DIR] [--prefix P]\n"
		   "\n"
		   "Runs Main Mode PSK, Aggressive Mode PSK and Main Mode RSA (each with Quick\n"
		   "Mode, harness as initiator and as responder) and a proposal mismatch\n"
		   "(refused with NO-PROPOSAL-CHOSEN) against each peer, in a `direct`\n"
		   "topology; every established case is cross-checked with the peer's own view.\n"
		   "\n"
		   "  --peer P   strongswan, self, or both (default)\n"
		   "  --out DIR  keep the artifacts there (peer configs and logs, the test PKI);\n"
		   "             without it they go to a temporary folder that is removed\n"
		   "  --prefix P the namespaces' names start with P (default ikec and 4 hex\n"
		   "             digits of the process id, so runs side by side do not meet)\n"
		   "\n"
		   "Exit status: 0 every case passed, 1 a case failed, 2 usage, 3 environment\n"
		   "(not root, strongSwan missing, a namespace that cannot be built).\n");
}

/* Ctrl-C and the like: the namespaces go (netns), and so does our
 * temporary folder; fork and exec are safe in a handler, nftw is not. */
static char smoke_tmp[PATH_MAX];

static void smoke_on_signal(int sig)
{
	netns_cleanup_all();
	if (smoke_tmp[0])
		cli_rm_rf(smoke_tmp);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* One peer's cases; returns the failures. */
static unsigned smoke_peer(struct case_env *v, struct peer *peer, bool force_encap,
			   bool traffic, unsigned *done, unsigned total)
{
	unsigned failed = 0;
	for (size_t i = 0; i < case_nsmoke; i++) {
		const struct case_smoke *c = &case_smokes[i];
		struct case_spec sp = case_smoke_spec(c, v, force_encap);
		sp.traffic = traffic;
		struct case_result *r = calloc(1, sizeof(*r));
		char err[600], why[2100];
		if (!r) {
			fprintf(stderr, "ike-conform smoke: out of memory\n");
			exit(3);
		}
		bool ok = case_run(peer, &v->net, &sp, r, err, sizeof(err));
		if (!ok)
			snprintf(why, sizeof(why), "could not run: %s", err);
		else
			ok = case_smoke_judge(c, r, why, sizeof(why));
		bool restarted = false;
		if (!peer->ops->alive(peer, &restarted, err, sizeof(err))) {
			ok = false;
			snprintf(why, sizeof(why), "the peer is gone and could not be restarted: %s", err);
		} else if (restarted) {
			ok = false;
			snprintf(why, sizeof(why), "the peer died during the case and was restarted");
		}
		printf("[%3u/%u] %s %s/%s %" PRIu64 " ms%s%s\n", ++*done, total, ok ? "PASS" : "FAIL",
		       peer->ops->name, c->name, r->ms, ok && r->traffic.ok ? ", traffic: " : "",
		       ok && r->traffic.ok ? r->traffic.why : "");
		if (!ok) {
			printf("        %s\n", why);
			failed++;
		}
		fflush(stdout);
		free(r);
	}
	return failed;
}

/* The options into *out and the peers; -1 to go on, else the exit status. */
static int smoke_args(int argc, char **argv, const char **out, bool *with_ss, bool *with_self,
		      char prefix[24])
{
	const char *which = "both";
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--out") && i + 1 < argc) {
			*out = argv[++i];
		} else if (!strcmp(argv[i], "--prefix") && i + 1 < argc) {
			if (strlen(argv[++i]) >= 24) {
				fprintf(stderr, "ike-conform smoke: --prefix '%s' is longer than 23\n",
					argv[i]);
				return 2;
			}
			snprintf(prefix, 24, "%s", argv[i]);
		} else if (!strcmp(argv[i], "--peer") && i + 1 < argc) {
			which = argv[++i];
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			smoke_usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "ike-conform smoke: unexpected argument '%s'\n", argv[i]);
			smoke_usage(stderr);
			return 2;
		}
	}
	*with_ss = !strcmp(which, "strongswan") || !strcmp(which, "both");
	*with_self = !strcmp(which, "self") || !strcmp(which, "both");
	if (!*with_ss && !*with_self) {
		fprintf(stderr, "ike-conform smoke: --peer must be strongswan, self or both, not '%s'\n",
			which);
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "ike-conform smoke: needs root (it builds network namespaces)\n");
		return 3;
	}
	if (*with_ss && !strongswan_available()) {
		fprintf(stderr, "ike-conform smoke: strongSwan (charon, swanctl) is not installed; "
			"make deps installs it\n");
		return 3;
	}
	return -1;
}

/* Our own binary (the self peer, the probes), the signal cleanup, and the
 * run's folder: --out, or a temporary one removed on a signal. False when
 * the machine lacks something (said on stderr). */
static bool smoke_setup(const char *out, char bin[PATH_MAX], char dir[PATH_MAX])
{
	char err[600];
	ssize_t n = readlink("/proc/self/exe", bin, PATH_MAX - 1);
	if (n <= 0) {
		fprintf(stderr, "ike-conform smoke: /proc/self/exe: %s\n", strerror(errno));
		return false;
	}
	bin[n] = '\0';
	if (!netns_install_signal_cleanup(err, sizeof(err))) {
		fprintf(stderr, "ike-conform smoke: %s\n", err);
		return false;
	}
	if (out) {
		if ((mkdir(out, 0755) != 0 && errno != EEXIST) || !realpath(out, dir)) {
			fprintf(stderr, "ike-conform smoke: --out %s: %s\n", out, strerror(errno));
			return false;
		}
	} else if (!mkdtemp(dir)) {
		fprintf(stderr, "ike-conform smoke: mkdtemp: %s\n", strerror(errno));
		return false;
	} else {
		snprintf(smoke_tmp, sizeof(smoke_tmp), "%s", dir);
		static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			signal(sigs[i], smoke_on_signal);
	}
	return true;
}

/* Each chosen peer's cases in turn; 0, or 3 when a peer cannot start. */
static int smoke_peers(struct case_env *v, const char *bin, const char *dir, bool with_ss,
		       bool with_self, unsigned *done, unsigned *failed)
{
	char err[600];
	unsigned total = (unsigned)case_nsmoke * ((with_ss ? 1u : 0u) + (with_self ? 1u : 0u));
	for (int k = 0; k < 2; k++) {
		if ((k == 0 && !with_ss) || (k == 1 && !with_self))
			continue;
		char pdir[PATH_MAX + 16];
		snprintf(pdir, sizeof(pdir), "%s/%s", dir, k == 0 ? "strongswan" : "self");
		mkdir(pdir, 0755);
		const char *ns = netns_topo_ns(v->topo, NETNS_ROLE_PEER);
		struct peer *p = k == 0 ? strongswan_new(ns, pdir, err, sizeof(err))
				       : self_peer_new(bin, ns, pdir, err, sizeof(err));
		if (!p) {
			fprintf(stderr, "ike-conform smoke: %s peer: %s\n", k ? "self" : "strongSwan", err);
			return 3;
		}
		/* ESP in UDP for strongSwan's kernel-libipsec, which knows nothing
		   else; raw ESP between ourselves (no NAT, nothing forced) */
		*failed += smoke_peer(v, p, k == 0 && !strongswan_kernel_esp(), true, done, total);
		p->ops->stop(p);
	}
	return 0;
}

int cli_smoke(int argc, char **argv)
{
	const char *out = NULL;
	bool with_ss, with_self;
	char prefix[24];
	snprintf(prefix, sizeof(prefix), "ikec%04x", (unsigned)getpid() & 0xffff);
	int rc = smoke_args(argc, argv, &out, &with_ss, &with_self, prefix);
	if (rc >= 0)
		return rc;
	char bin[PATH_MAX], err[600], dir[PATH_MAX] = "/tmp/ikec-smoke-XXXXXX";
	if (!smoke_setup(out, bin, dir))
		return 3;
	struct case_env v;
	if (!case_env_up(&v, dir, prefix, err, sizeof(err))) {
		fprintf(stderr, "ike-conform smoke: %s\n", err);
		if (!out)
			cli_rm_rf(dir);
		return 3;
	}
	v.net.probe_bin = bin;  /* UDP probes at the peer's end */
	char why[200] = "";
	if (esp_xfrm_supported(why, sizeof(why)))
		printf("data plane: the kernel's ESP (xfrm)\n");
	else
		printf("data plane: userspace ESP over TUN (the kernel cannot: %s)\n", why);
	unsigned done = 0, failed = 0;
	rc = smoke_peers(&v, bin, dir, with_ss, with_self, &done, &failed);
	if (!case_env_down(&v, err, sizeof(err))) {
		fprintf(stderr, "ike-conform smoke: teardown: %s\n", err);
		rc = rc ? rc : 3;
	}
	if (!rc)
		printf("smoke: %u cases, %u passed, %u failed%s%s\n", done, done - failed, failed,
		       out ? "; artifacts in " : "", out ? dir : "");
	if (!out)
		cli_rm_rf(dir);
	smoke_tmp[0] = '\0';
	return rc ? rc : failed ? 1 : 0;
}
