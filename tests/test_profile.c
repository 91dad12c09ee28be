/* suite/profile: device profiles. A complete profile with every field read
 * back, the shipped profiles and docs/vendors.md's example, a table of
 * broken profiles with their exact errors, and a table of suite cases
 * against a profile: whether each fits, and the reason when not. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/cipher.h"
#include "crypto/prf.h"
#include "suite/peercfg.h"
#include "suite/profile.h"
#include "tests.h"
#include "wire/msg.h"

/* Every key; cert, key and ca are made beside it (relative paths). */
static const char test_profile_full[] =
	"device: acme-gw_1.0\n"
	"address: 198.51.100.10\n"
	"reach:\n"
	"  interface: eth1\n"
	"  address: 198.51.100.1/24\n"
	"  mode: veth\n"
	"  gateway: 198.51.100.254\n"
	"accepts:\n"
	"  roles: [responder, initiator]\n"
	"  exchanges: [main, aggressive]\n"
	"  auth: [psk, rsa, ecdsa256]\n"
	"  psk: s3cret\n"
	"  cert: certs/harness.pem\n"
	"  key: certs/harness.key\n"
	"  ca: certs/ca.pem\n"
	"  local_id: fqdn:gw.example.org\n"
	"  remote_id: ipv4:198.51.100.1\n"
	"  accepted_ids: [\"fqdn:*.example.org\", \"dn:C=CH, CN=harness\", \"keyid:#00ff\"]\n"
	"  proposals: [aes128-sha256-modp2048, 3des-sha1-modp1024,\n"
	"              { encryption: aes256, hash: sha512, group: ecp384 }]\n"
	"  esp: [aes128-sha1, aes256-sha256-modp2048]\n"
	"  lifetime: 8h\n"
	"  child_lifetime: 1h\n"
	"  natt: true\n"
	"traffic:\n"
	"  device_ts: 10.2.0.0/24\n"
	"  harness_ts: 10.1.0.0/24\n"
	"  ping: 10.2.0.1\n"
	"rate: 50\n"
	"settle: 1500ms\n"
	"commands:\n"
	"  initiate: \"ssh gw vpn up ${name} ${harness}\"\n"
	"  reset: \"ssh gw vpn flush ${device}\"\n"
	"  sa_state: \"ssh gw vpn show\"\n"
	"  timeout: 30s\n";

static void test_profile_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_msg(f, "cannot write %s", path);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_profile_complete)
{
	char dir[] = "/tmp/ikec-profile-XXXXXX", path[256];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/certs", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	static const char *const files[] = { "certs/harness.pem", "certs/harness.key", "certs/ca.pem",
					     "acme.yaml" };
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		test_profile_write(path, i == 3 ? test_profile_full : "x\n");
	}
	struct profile p;
	struct yaml_error err = { 0 };
	ck_assert_msg(profile_load_file(path, &p, &err), "%s", err.text);
	char b[NETADDR_STRLEN], want[300];
	ck_assert_str_eq(p.file, path);
	ck_assert_str_eq(p.name, "acme-gw_1.0");
	ck_assert_str_eq(netaddr_str(&p.address, b, sizeof(b)), "198.51.100.10:500");
	ck_assert_int_eq(p.reach, PROFILE_REACH_VETH);
	ck_assert_str_eq(p.interface, "eth1");
	ck_assert_str_eq(netaddr_str(&p.local, b, sizeof(b)), "198.51.100.1:500");
	ck_assert_uint_eq(p.prefix_len, 24);
	ck_assert(p.has_gateway);
	ck_assert_str_eq(netaddr_str(&p.gateway, b, sizeof(b)), "198.51.100.254:500");
	ck_assert(p.role_initiator && p.role_responder);
	ck_assert(p.main_mode && p.aggressive);
	ck_assert_uint_eq(p.nauth, 3);
	ck_assert_uint_eq(p.auth[0], IKE_AUTH_PSK);
	ck_assert_uint_eq(p.auth[1], IKE_AUTH_RSA);
	ck_assert_uint_eq(p.auth[2], IKE_AUTH_ECDSA_256);
	ck_assert_str_eq(p.psk, "s3cret");
	snprintf(want, sizeof(want), "%s/certs/harness.pem", dir);
	ck_assert_str_eq(p.cert, want);
	snprintf(want, sizeof(want), "%s/certs/harness.key", dir);
	ck_assert_str_eq(p.key, want);
	snprintf(want, sizeof(want), "%s/certs/ca.pem", dir);
	ck_assert_str_eq(p.ca, want);
	ck_assert_uint_eq(p.local_id.type, 2); /* ID_FQDN */
	ck_assert_uint_eq(p.local_id.len, strlen("gw.example.org"));
	ck_assert_int_eq(memcmp(p.local_id.data, "gw.example.org", p.local_id.len), 0);
	ck_assert_uint_eq(p.remote_id.type, 1); /* ID_IPV4_ADDR */
	ck_assert_uint_eq(p.remote_id.len, 4);
	ck_assert_uint_eq(p.naccepted, 3);
	ck_assert_uint_eq(p.accepted_ids[0].type, 2);
	ck_assert_uint_eq(p.accepted_ids[0].len, strlen("*.example.org"));
	ck_assert_uint_eq(p.accepted_ids[1].type, 9);
	ck_assert_uint_eq(p.accepted_ids[2].type, 11);
	ck_assert_uint_eq(p.accepted_ids[2].len, 2);
	ck_assert_uint_eq(p.np1, 3);
	ck_assert_str_eq(ike_p1_str(&p.p1[0], b, sizeof(b)), "aes128-sha256-modp2048");
	ck_assert_str_eq(ike_p1_str(&p.p1[1], b, sizeof(b)), "3des-sha1-modp1024");
	ck_assert_uint_eq(p.p1[2].encr, CIPHER_AES);
	ck_assert_uint_eq(p.p1[2].keylen, 256);
	ck_assert_uint_eq(p.p1[2].hash, PRF_SHA2_512);
	ck_assert_uint_eq(p.p1[2].group, 20);
	ck_assert_uint_eq(p.np2, 2);
	ck_assert_str_eq(ike_p2_str(&p.p2[0], b, sizeof(b)), "aes128-sha1");
	ck_assert_str_eq(ike_p2_str(&p.p2[1], b, sizeof(b)), "aes256-sha256-modp2048");
	ck_assert_uint_eq(p.p2[1].group, 14);
	ck_assert_uint_eq(p.ike_life_sec, 28800);
	ck_assert_uint_eq(p.child_life_sec, 3600);
	ck_assert(p.natt);
	ck_assert(p.ts_device.set && p.ts_harness.set);
	ck_assert_uint_eq(p.ts_device.type, 4); /* ID_IPV4_ADDR_SUBNET */
	ck_assert_str_eq(p.ts_device_text, "10.2.0.0/24");
	ck_assert_str_eq(p.ts_harness_text, "10.1.0.0/24");
	ck_assert(p.has_ping);
	ck_assert_str_eq(netaddr_str(&p.ping, b, sizeof(b)), "10.2.0.1:500");
	ck_assert_uint_eq(p.rate_pps, 50);
	ck_assert_uint_eq(p.settle_ms, 1500);
	ck_assert_str_eq(p.cmd_initiate, "ssh gw vpn up ${name} ${harness}");
	ck_assert_str_eq(p.cmd_reset, "ssh gw vpn flush ${device}");
	ck_assert_str_eq(p.cmd_sa_state, "ssh gw vpn show");
	ck_assert_uint_eq(p.cmd_timeout_ms, 30000);
	profile_free(&p);
	ck_assert_ptr_null(p.psk);
	ck_assert_ptr_null(p.name);
	profile_free(&p); /* safe twice */
	test_rm_tree(dir);
}
END_TEST

/* The least a profile says, and the defaults of the rest. */
START_TEST(test_profile_defaults)
{
	struct profile p;
	struct yaml_error err = { 0 };
	ck_assert_msg(profile_load_string("t.yaml",
					  "device: d\naddress: 2001:db8::10\n"
					  "reach: { interface: eth0, address: 2001:db8::1/64 }\n"
					  "accepts: { psk: k, proposals: aes128-sha1-modp2048 }\n",
					  &p, &err), "%s", err.text);
	ck_assert_int_eq(p.address.family, AF_INET6);
	ck_assert_int_eq(p.reach, PROFILE_REACH_MACVLAN);
	ck_assert_uint_eq(p.prefix_len, 64);
	ck_assert(!p.has_gateway);
	ck_assert(p.role_responder && !p.role_initiator);
	ck_assert(p.main_mode && !p.aggressive);
	ck_assert(p.mode_tunnel && !p.mode_transport);
	ck_assert_uint_eq(p.nauth, 1);
	ck_assert_uint_eq(p.auth[0], IKE_AUTH_PSK);
	ck_assert_ptr_null(p.cert);
	ck_assert_ptr_null(p.key);
	ck_assert_ptr_null(p.ca);
	ck_assert_uint_eq(p.local_id.type, 0);
	ck_assert_uint_eq(p.remote_id.type, 0);
	ck_assert_uint_eq(p.naccepted, 0);
	ck_assert_uint_eq(p.np1, 1);
	ck_assert_uint_eq(p.np2, 0);
	ck_assert_uint_eq(p.ike_life_sec, 0);
	ck_assert_uint_eq(p.child_life_sec, 0);
	ck_assert(!p.natt);
	ck_assert(!p.ts_device.set && !p.ts_harness.set && !p.has_ping);
	ck_assert_ptr_null(p.ts_device_text);
	ck_assert_uint_eq(p.rate_pps, 20);
	ck_assert_uint_eq(p.settle_ms, 2000);
	ck_assert_ptr_null(p.cmd_initiate);
	ck_assert_ptr_null(p.cmd_reset);
	ck_assert_ptr_null(p.cmd_sa_state);
	ck_assert_uint_eq(p.cmd_timeout_ms, 10000);
	profile_free(&p);

	/* psk_env: the key comes from the environment */
	setenv("IKEC_TEST_PROFILE_PSK", "from-env", 1);
	ck_assert_msg(profile_load_string("t.yaml",
					  "device: d\naddress: 192.0.2.2\n"
					  "reach: { interface: eth0, address: 192.0.2.1/24 }\n"
					  "accepts: { psk_env: IKEC_TEST_PROFILE_PSK, proposals: [aes128-sha1-modp2048],\n"
					  "           esp: [] }\n"
					  "traffic: { device_ts: 10.2.0.0-10.2.0.9, harness_ts: 10.1.0.1, ping: 10.2.0.9 }\n",
					  &p, &err), "%s", err.text);
	ck_assert_str_eq(p.psk, "from-env");
	ck_assert_uint_eq(p.np2, 0);
	ck_assert_uint_eq(p.ts_device.type, 7); /* a range */
	profile_free(&p);
	unsetenv("IKEC_TEST_PROFILE_PSK");
}
END_TEST

/* The shipped profiles, and the complete example of docs/vendors.md. */
START_TEST(test_profile_shipped)
{
	struct profile p;
	struct yaml_error err = { 0 };
	ck_assert_msg(profile_load_file(test_src_path("profiles/strongswan-device.yaml"), &p, &err),
		      "%s", err.text);
	ck_assert_str_eq(p.name, "strongswan-lab");
	ck_assert(p.role_initiator && p.role_responder && p.natt);
	ck_assert_uint_eq(p.np1, 3);
	ck_assert_uint_eq(p.np2, 2);
	ck_assert_ptr_nonnull(p.cmd_initiate);
	ck_assert_msg(p.cmd_sa_state && strstr(p.cmd_sa_state, "sa-state --name ikec"), "%s",
		      p.cmd_sa_state ? p.cmd_sa_state : "(none)");
	ck_assert_msg(p.cmd_reset && strstr(p.cmd_reset, "sa-state --ike-ids"), "%s",
		      p.cmd_reset ? p.cmd_reset : "(none)");
	profile_free(&p);

	setenv("ACME_GW_PSK", "example", 1);
	ck_assert_msg(profile_load_file(test_src_path("profiles/example-gateway.yaml"), &p, &err),
		      "%s", err.text);
	ck_assert_str_eq(p.name, "acme-gw200");
	ck_assert_str_eq(p.psk, "example");
	ck_assert(p.has_ping);
	ck_assert_uint_eq(p.np1, 4);
	profile_free(&p);

	/* the first ```yaml block of docs/vendors.md */
	FILE *f = fopen(test_src_path("docs/vendors.md"), "r");
	ck_assert_ptr_nonnull(f);
	char line[1024], *text = xmalloc(65536);
	size_t len = 0;
	int state = 0; /* 0 before the block, 1 in it, 2 after */
	while (state < 2 && fgets(line, sizeof(line), f)) {
		if (state == 0 && strncmp(line, "```yaml", 7) == 0)
			state = 1;
		else if (state == 1 && strncmp(line, "```", 3) == 0)
			state = 2;
		else if (state == 1 && len + strlen(line) < 65536)
			len += (size_t)snprintf(text + len, 65536 - len, "%s", line);
	}
	fclose(f);
	ck_assert_int_eq(state, 2);
	ck_assert_msg(profile_load_string("docs/vendors.md", text, &p, &err), "%s", err.text);
	ck_assert_str_eq(p.psk, "example");
	ck_assert(p.role_initiator && p.role_responder && p.main_mode && p.aggressive);
	ck_assert(p.has_ping && p.has_gateway && p.natt);
	ck_assert_uint_eq(p.naccepted, 2);
	ck_assert_uint_eq(p.accepted_ids[1].type, 9);
	ck_assert_ptr_nonnull(p.cmd_initiate);
	ck_assert_ptr_nonnull(p.cmd_reset);
	ck_assert_ptr_nonnull(p.cmd_sa_state);
	profile_free(&p);
	free(text);
	unsetenv("ACME_GW_PSK");
}
END_TEST

/* Broken profiles: the exact first error of each. H is a valid head,
 * A the start of a valid accepts block. */
#define H "device: d\naddress: 192.0.2.2\nreach: { interface: eth0, address: 192.0.2.1/24 }\n"
#define A H "accepts:\n  psk: k\n  proposals: [aes128-sha1-modp2048]\n"
/* the rest of a valid profile, for rows about the lines before it */
#define R "reach: { interface: eth0, address: 192.0.2.1/24 }\n"
#define T "accepts: { psk: k, proposals: [aes128-sha1-modp2048] }\n"
static const struct {
	const char *text;
	const char *error;
} test_profile_broken[] = {
	{ "", "t.yaml:1:1: 'profile' must be a mapping, not empty" },
	{ "- a\n", "t.yaml:1:1: 'profile' must be a mapping, not a list" },
	/* unknown keys, with and without a near one */
	{ A "setle: 1s\n", "t.yaml:7:1: unknown key 'setle' (did you mean 'settle'?)" },
	{ A "colour: red\n", "t.yaml:7:1: unknown key 'colour' in 'profile'" },
	{ H "accepts: { psk: k, proposals: [aes128-sha1-modp2048], esp: [], natt: yes, lifetme: 1h }\n",
	  "t.yaml:4:75: unknown key 'lifetme' (did you mean 'lifetime'?)" },
	{ A "traffic: { device_ts: 10.2.0.0/24, harness_ts: 10.1.0.0/24, pnig: 10.2.0.1 }\n",
	  "t.yaml:7:61: unknown key 'pnig' (did you mean 'ping'?)" },
	{ A "commands: { intiate: x }\n",
	  "t.yaml:7:13: unknown key 'intiate' (did you mean 'initiate'?)" },
	/* missing keys */
	{ "address: 192.0.2.2\n", "t.yaml:1:1: missing key 'device' in 'profile'" },
	{ "device: d\naddress: 192.0.2.2\nreach: { address: 192.0.2.1/24 }\naccepts: { psk: k, proposals: [aes128-sha1-modp2048] }\n",
	  "t.yaml:3:8: missing key 'interface' in 'reach'" },
	{ "device: d\naddress: 192.0.2.2\nreach: { interface: eth0 }\naccepts: { psk: k, proposals: [aes128-sha1-modp2048] }\n",
	  "t.yaml:3:8: missing key 'address' in 'reach'" },
	{ H "accepts: { psk: k }\n", "t.yaml:4:10: missing key 'proposals' in 'accepts'" },
	{ A "traffic: { device_ts: 10.2.0.0/24 }\n",
	  "t.yaml:7:10: missing key 'harness_ts' in 'traffic'" },
	/* names and addresses */
	{ "device: acme gw\naddress: 192.0.2.2\n" R T,
	  "t.yaml:1:9: 'device' must be a name of letters, digits, '-', '_' and '.' (at most 64), not 'acme gw'" },
	{ "device: d\naddress: 192.0.2.300\n" R T,
	  "t.yaml:2:10: 'address' must be an IPv4 or IPv6 address, not '192.0.2.300'" },
	{ "device: d\naddress: 192.0.2.2:4500\n" R T,
	  "t.yaml:2:10: 'address' must be an IPv4 or IPv6 address, not '192.0.2.2:4500'" },
	{ "device: d\naddress: 192.0.2.2\nreach: { interface: eth0, address: 192.0.2.1 }\n" T,
	  "t.yaml:3:36: 'address' must be an address with its prefix length (198.51.100.1/24), not '192.0.2.1'" },
	{ "device: d\naddress: 192.0.2.2\nreach: { interface: eth0, address: 192.0.2.1/33 }\n" T,
	  "t.yaml:3:36: 'address' must be an address with its prefix length (198.51.100.1/24), not '192.0.2.1/33'" },
	{ "device: d\naddress: 192.0.2.2\nreach: { interface: a-very-long-interface, address: 192.0.2.1/24 }\n" T,
	  "t.yaml:3:21: 'interface' must be an interface name (at most 15 characters), not 'a-very-long-interface'" },
	{ "device: d\naddress: 192.0.2.2\nreach: { interface: eth0, address: 192.0.2.1/24, mode: bridge }\n" T,
	  "t.yaml:3:56: 'mode' must be one of macvlan, veth, not 'bridge'" },
	{ "device: d\naddress: 192.0.2.2\nreach: { interface: eth0, address: 2001:db8::1/64 }\n"
	  "accepts: { psk: k, proposals: [aes128-sha1-modp2048] }\n",
	  "t.yaml:3:36: 'address' in 'reach' is IPv6 but the device's is IPv4" },
	{ "device: d\naddress: 192.0.2.2\nreach: { interface: eth0, address: 192.0.2.1/24, gateway: 2001:db8::1 }\n"
	  "accepts: { psk: k, proposals: [aes128-sha1-modp2048] }\n",
	  "t.yaml:3:59: 'gateway' is IPv6 but the device's address is IPv4" },
	/* the pre-shared key */
	{ H "accepts: { psk: k, psk_env: HOME, proposals: [aes128-sha1-modp2048] }\n",
	  "t.yaml:4:29: 'psk' and 'psk_env' exclude each other: give one" },
	{ H "accepts: { psk_env: IKEC_TEST_PROFILE_UNSET, proposals: [aes128-sha1-modp2048] }\n",
	  "t.yaml:4:21: 'psk_env': the environment variable IKEC_TEST_PROFILE_UNSET is not set" },
	{ H "accepts: { proposals: [aes128-sha1-modp2048] }\n",
	  "t.yaml:4:10: missing key 'psk' or 'psk_env' in 'accepts': auth psk needs the device's pre-shared key" },
	{ H "accepts: { auth: [rsa], psk: k, proposals: [aes128-sha1-modp2048] }\n",
	  "t.yaml:4:30: 'psk' is only for auth psk" },
	{ H "accepts: { auth: rsa, proposals: [aes128-sha1-modp2048] }\n",
	  "t.yaml:4:10: missing key 'cert' in 'accepts': signature auth needs the harness's certificate" },
	{ H "accepts: { auth: [psk, rsa], psk: k, cert: /nonexistent/h.pem, proposals: [aes128-sha1-modp2048] }\n",
	  "t.yaml:4:44: 'cert': cannot read /nonexistent/h.pem: No such file or directory" },
	{ H "accepts: { auth: [psk, rsaa], psk: k, proposals: [aes128-sha1-modp2048] }\n",
	  "t.yaml:4:24: 'auth' must be one of psk, rsa, ecdsa, ecdsa256, ecdsa384, ecdsa521, dss, not 'rsaa' (did you mean 'rsa'?)" },
	/* IDs */
	{ A "  local_id: gw\n", "t.yaml:7:13: 'local_id': 'gw': not an address or a typed ID (fqdn:, ufqdn:, keyid:, dn:, ipv4:, ipv6:, subnet:, range:, id:, %any)" },
	{ A "  remote_id: \"%any\"\n",
	  "t.yaml:7:14: 'remote_id' names one ID, not %any (leave it out for the IKE address)" },
	{ A "  accepted_ids: []\n", "t.yaml:7:17: 'accepted_ids' must list at least one" },
	{ A "  accepted_ids: [fqdn:a.org, \"dn:#3\"]\n",
	  "t.yaml:7:30: 'accepted_ids': 'dn:#3': expected 1 to 256 bytes of hex after '#'" },
	{ A "  accepted_ids: [[fqdn:a.org]]\n",
	  "t.yaml:7:18: 'accepted_ids' must be a string, not a list" },
	{ A "  accepted_ids: [1.0.0.1, 1.0.0.2, 1.0.0.3, 1.0.0.4, 1.0.0.5, 1.0.0.6, 1.0.0.7, 1.0.0.8, "
	  "1.0.0.9, 1.0.0.10, 1.0.0.11, 1.0.0.12, 1.0.0.13, 1.0.0.14, 1.0.0.15, 1.0.0.16, 1.0.0.17]\n",
	  "t.yaml:7:169: more than 16 accepted IDs" },
	/* roles and exchanges */
	{ A "  roles: [initiator]\n",
	  "t.yaml:7:11: the device as initiator needs 'initiate' in 'commands' (the command that makes it start a negotiation)" },
	{ A "  roles: [responder, iniator]\n",
	  "t.yaml:7:22: 'roles' must be one of initiator, responder, not 'iniator' (did you mean 'initiator'?)" },
	{ A "  roles: []\n", "t.yaml:7:10: 'roles' must list at least one" },
	{ A "  exchanges: [main, agressive]\n",
	  "t.yaml:7:21: 'exchanges' must be one of main, aggressive, not 'agressive' (did you mean 'aggressive'?)" },
	/* proposals */
	{ H "accepts: { psk: k, proposals: [aes128-sha1-modp2048, aes128-sha3-modp2048] }\n",
	  "t.yaml:4:54: proposal 'aes128-sha3-modp2048': unknown hash 'sha3'" },
	{ H "accepts: { psk: k, proposals: [] }\n",
	  "t.yaml:4:31: 'proposals' must list at least one" },
	{ A "  esp: [aes128-sha1, aes128-sha1-modp9]\n",
	  "t.yaml:7:22: 'esp': 'aes128-sha1-modp9': unknown PFS group 'modp9'" },
	{ A "  lifetime: 1.5s\n", "t.yaml:7:13: 'lifetime' must be whole seconds, not '1.5s'" },
	{ A "  child_lifetime: forever\n",
	  "t.yaml:7:19: 'child_lifetime' must be a duration such as 30s, 500ms or 8h, not 'forever'" },
	{ A "  natt: maybe\n", "t.yaml:7:9: 'natt' must be one of false, true, forced, no, yes, off, on, not 'maybe'" },
	{ A "  natt: forcd\n", "t.yaml:7:9: 'natt' must be one of false, true, forced, no, yes, off, on, not 'forcd' (did you mean 'forced'?)" },
	{ A "  modes: [tunnel, transprot]\n",
	  "t.yaml:7:19: 'modes' must be one of tunnel, transport, not 'transprot' (did you mean 'transport'?)" },
	/* traffic */
	{ A "traffic: { device_ts: 10.2.0.0/24, harness_ts: 10.1.0.0/24, ping: 10.3.0.1 }\n",
	  "t.yaml:7:67: 'ping': 10.3.0.1 is not inside device_ts 10.2.0.0/24" },
	{ A "traffic: { device_ts: 10.2.0.0/24, harness_ts: 10.1.0.0/24, ping: 2001:db8::1 }\n",
	  "t.yaml:7:67: 'ping': 2001:db8::1 is not inside device_ts 10.2.0.0/24" },
	{ A "traffic: { device_ts: 10.2.0.0/40, harness_ts: 10.1.0.0/24 }\n",
	  "t.yaml:7:23: 'device_ts': '10.2.0.0/40': bad subnet" },
	/* pacing and commands */
	{ A "rate: 0\n", "t.yaml:7:7: 'rate' must be a number from 1 to 10000, not '0'" },
	{ A "rate: 20000\n", "t.yaml:7:7: 'rate' must be a number from 1 to 10000, not '20000'" },
	{ A "settle: soon\n", "t.yaml:7:9: 'settle' must be a duration such as 30s, 500ms or 8h, not 'soon'" },
	{ A "commands: { reset: \"\" }\n", "t.yaml:7:20: 'reset' must be a string, not ''" },
	{ A "commands: { timeout: 10ms }\n",
	  "t.yaml:7:22: 'timeout' must be a duration from 100ms to 1h, not '10ms'" },
};

START_TEST(test_profile_errors)
{
	unsetenv("IKEC_TEST_PROFILE_UNSET");
	for (size_t i = 0; i < sizeof(test_profile_broken) / sizeof(test_profile_broken[0]); i++) {
		struct profile p;
		struct yaml_error err = { 0 };
		bool ok = profile_load_string("t.yaml", test_profile_broken[i].text, &p, &err);
		ck_assert_msg(!ok, "broken profile %zu loaded", i);
		ck_assert_msg(strcmp(err.text, test_profile_broken[i].error) == 0,
			      "profile %zu:\n got: %s\nwant: %s", i, err.text, test_profile_broken[i].error);
		ck_assert_ptr_null(p.name);
		ck_assert_ptr_null(p.psk);
		profile_free(&p);
	}
	test_report("profile: %zu broken profiles refused with their exact errors",
		    sizeof(test_profile_broken) / sizeof(test_profile_broken[0]));
}
END_TEST

/* Cases against one profile: the device answers main mode in either role
 * with psk, two proposals, one ESP proposal without PFS, no NAT-T. */
static const char test_profile_fit_profile[] =
	"device: d\naddress: 192.0.2.2\nreach: { interface: eth0, address: 192.0.2.1/24 }\n"
	"accepts:\n"
	"  roles: [responder]\n"
	"  psk: k\n"
	"  proposals: [aes128-sha256-modp2048, 3des-sha1-modp1024]\n"
	"  esp: [aes128-sha1, aes256-sha256-modp2048]\n";

static const char test_profile_fit_suite[] =
	"suite: fit\npeer: remote\n"
	"defaults: { psk: k, proposal: aes128-sha256-modp2048, phase2: none }\n"
	"cases:\n"
	"  - { name: ok }\n"
	"  - { name: ok-3des, proposal: 3des-sha1-modp1024 }\n"
	"  - { name: ok-lifetime-ignored, proposal: { encryption: aes128, hash: sha256, group: 14, lifetime: 1h } }\n"
	"  - { name: p1-other, proposal: aes256-sha512-modp4096 }\n"
	"  - { name: p1-keylen, proposal: aes256-sha256-modp2048 }\n"
	"  - { name: role, role: responder }\n"
	"  - { name: aggressive, exchange: aggressive }\n"
	"  - { name: rsa, auth: rsa }\n"
	"  - { name: esp-ok, esp: aes128-sha1 }\n"
	"  - { name: esp-pfs-ok, esp: aes256-sha256, pfs: modp2048 }\n"
	"  - { name: esp-pfs-missing, esp: aes128-sha1, pfs: modp2048 }\n"
	"  - { name: esp-other, esp: 3des-md5 }\n"
	"  - { name: transport, esp: aes128-sha1, mode: transport }\n"
	"  - { name: nat, topology: nat-both }\n"
	"  - { name: natt-force, natt_force: true }\n"
	"  - { name: peer-config, peer_config: { ike_lifetime: 1h } }\n"
	"  - { name: malformed-p1, esp: 3des-md5, malformed: { mutation: nonce-short, at: mm3 } }\n"
	"  - { name: malformed-qm, esp: 3des-md5, malformed: { mutation: nonce-short, at: qm1 } }\n";

static const struct {
	const char *name;
	const char *why; /* NULL: fits */
} test_profile_fits[] = {
	{ "ok", NULL },
	{ "ok-3des", NULL },
	{ "ok-lifetime-ignored", NULL },
	{ "p1-other", "the device does not accept aes256-sha512-modp4096 (the profile accepts aes128-sha256-modp2048, 3des-sha1-modp1024)" },
	{ "p1-keylen", "the device does not accept aes256-sha256-modp2048 (the profile accepts aes128-sha256-modp2048, 3des-sha1-modp1024)" },
	{ "role", "the device does not play initiator (the profile accepts responder)" },
	{ "aggressive", "the device does not accept aggressive mode (the profile accepts main)" },
	{ "rsa", "the device does not accept auth rsa (the profile accepts psk)" },
	{ "esp-ok", NULL },
	{ "esp-pfs-ok", NULL },
	{ "esp-pfs-missing", "the device does not accept ESP aes128-sha1-modp2048 (the profile accepts aes128-sha1, aes256-sha256-modp2048)" },
	{ "esp-other", "the device does not accept ESP 3des-md5 (the profile accepts aes128-sha1, aes256-sha256-modp2048)" },
	{ "transport", "the device does not take transport mode (the profile accepts tunnel)" },
	{ "nat", "the case puts a NAT in the path (topology nat-both) and the device does not do NAT-T (the profile says natt: false)" },
	{ "natt-force", "the case forces NAT-T and the device does not do it (the profile says natt: false)" },
	{ "peer-config", "the case changes the peer's configuration (peer_config) and the device's configuration is fixed" },
	/* aimed at phase 1, the case never reaches Quick Mode: its ESP does not matter */
	{ "malformed-p1", NULL },
	{ "malformed-qm", "the device does not accept ESP 3des-md5 (the profile accepts aes128-sha1, aes256-sha256-modp2048)" },
};

START_TEST(test_profile_case_fits)
{
	struct profile p, pn;
	struct suite s;
	struct yaml_error err = { 0 };
	ck_assert_msg(profile_load_string("p.yaml", test_profile_fit_profile, &p, &err), "%s", err.text);
	ck_assert_msg(suite_load_string("s.yaml", test_profile_fit_suite, &s, &err), "%s", err.text);
	size_t n = sizeof(test_profile_fits) / sizeof(test_profile_fits[0]);
	ck_assert_uint_eq(s.ncases, n);
	for (size_t i = 0; i < n; i++) {
		const struct suite_case *c = suite_find_case(&s, test_profile_fits[i].name);
		ck_assert_msg(c, "no case %s", test_profile_fits[i].name);
		char why[512] = "junk";
		bool fits = profile_case_fits(&p, c, why, sizeof(why));
		if (!test_profile_fits[i].why) {
			ck_assert_msg(fits, "%s: refused: %s", c->name, why);
			ck_assert_str_eq(why, "");
		} else {
			ck_assert_msg(!fits, "%s fits", c->name);
			ck_assert_msg(strcmp(why, test_profile_fits[i].why) == 0,
				      "%s:\n got: %s\nwant: %s", c->name, why, test_profile_fits[i].why);
		}
	}

	/* the same profile with NAT-T, aggressive mode, rsa and the device
	 * initiating: the refusals about them go away */
	char dir[] = "/tmp/ikec-profile-XXXXXX", path[256], text[2048];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/h.pem", dir);
	test_profile_write(path, "x\n");
	snprintf(text, sizeof(text),
		 "device: d\naddress: 192.0.2.2\nreach: { interface: eth0, address: 192.0.2.1/24 }\n"
		 "accepts:\n"
		 "  roles: [initiator, responder]\n"
		 "  exchanges: [aggressive, main]\n"
		 "  auth: [psk, rsa]\n"
		 "  psk: k\n  cert: %s\n  key: %s\n"
		 "  proposals: [aes128-sha256-modp2048]\n"
		 "  natt: true\n"
		 "commands: { initiate: \"true\" }\n", path, path);
	ck_assert_msg(profile_load_string("q.yaml", text, &pn, &err), "%s", err.text);
	static const char *const now_fit[] = { "ok", "role", "aggressive", "rsa", "nat", "natt-force" };
	for (size_t i = 0; i < sizeof(now_fit) / sizeof(now_fit[0]); i++) {
		char why[512];
		ck_assert_msg(profile_case_fits(&pn, suite_find_case(&s, now_fit[i]), why, sizeof(why)),
			      "%s: %s", now_fit[i], why);
	}
	char why[512];
	ck_assert(!profile_case_fits(&pn, suite_find_case(&s, "esp-ok"), why, sizeof(why)));
	ck_assert_str_eq(why, "the device does no phase 2 (the profile lists no esp)");
	/* a short buffer: cut, still terminated */
	char small[16];
	ck_assert(!profile_case_fits(&p, suite_find_case(&s, "p1-other"), small, sizeof(small)));
	ck_assert_str_eq(small, "the device does");
	/* no buffer at all: only the answer */
	ck_assert(!profile_case_fits(&p, suite_find_case(&s, "p1-other"), NULL, 0));
	ck_assert(profile_case_fits(&p, suite_find_case(&s, "ok"), NULL, 0));
	test_report("profile: %zu cases judged against a profile", n);
	profile_free(&pn);
	profile_free(&p);
	suite_free(&s);
	test_rm_tree(dir);
}
END_TEST

/* The harness IDs a device takes: remote_id (or, without it, the
 * harness's address), and what accepted_ids matches; the rest refused
 * with the reason that lists them. */
static const struct {
	const char *accepted;  /* the profile's accepted_ids line, NULL: none */
	const char *remote;    /* its remote_id, NULL: none */
	const char *id;        /* the case's harness ID, NULL: none */
	const char *why;       /* NULL: fits */
} test_profile_id_rows[] = {
	{ NULL, NULL, NULL, NULL },
	{ NULL, NULL, "%any", NULL },
	{ NULL, NULL, "192.0.2.1", NULL },    /* the harness's address */
	{ NULL, NULL, "192.0.2.9", "the device does not accept the harness ID ipv4:192.0.2.9 "
	  "(the profile accepts ipv4:192.0.2.1)" },
	{ NULL, "fqdn:moon.example.org", "fqdn:MOON.example.org", NULL },
	{ NULL, "fqdn:moon.example.org", "192.0.2.1", "the device does not accept the harness ID "
	  "ipv4:192.0.2.1 (the profile accepts fqdn:moon.example.org)" },
	{ "[\"fqdn:*.example.org\"]", NULL, "fqdn:sun.example.org", NULL },
	{ "[\"fqdn:*.example.org\"]", NULL, "fqdn:example.com", "the device does not accept the "
	  "harness ID fqdn:example.com (the profile accepts ipv4:192.0.2.1, fqdn:*.example.org)" },
	{ "[\"fqdn:*.example.org\"]", NULL, "ufqdn:sun@example.org", "the device does not accept "
	  "the harness ID ufqdn:sun@example.org (the profile accepts ipv4:192.0.2.1, "
	  "fqdn:*.example.org)" },
	{ "[\"dn:C=CH, CN=moon\", \"keyid:#00ff\"]", "fqdn:moon.example.org", "dn:C=CH, CN=moon",
	  NULL },
	/* a DN in another RDN order is another DN */
	{ "[\"dn:C=CH, CN=moon\"]", NULL, "dn:CN=moon, C=CH", "the device does not accept the "
	  "harness ID dn:#301c310d300b06035504030c046d6f6f6e310b3009060355040613024348 (the profile "
	  "accepts ipv4:192.0.2.1, dn:#301c310b3009060355040613024348310d300b06035504030c046d6f6f6e)" },
	{ "[\"keyid:#00ff\"]", NULL, "keyid:#00ff", NULL },
	{ "[\"keyid:#00ff\"]", NULL, "keyid:#00fe", "the device does not accept the harness ID "
	  "keyid:#00fe (the profile accepts ipv4:192.0.2.1, keyid:#00ff)" },
	{ "[\"%any\"]", "fqdn:moon.example.org", "keyid:anything", NULL },
};

START_TEST(test_profile_id_fits)
{
	char text[1024], err[200], why[512] = "junk";
	struct profile p;
	struct yaml_error yerr = { 0 };
	struct ike_id id;
	snprintf(text, sizeof(text), H "accepts:\n  psk: k\n  proposals: [aes128-sha1-modp2048]\n"
		 "%s%s%s%s%s%s", test_profile_id_rows[_i].accepted ? "  accepted_ids: " : "",
		 test_profile_id_rows[_i].accepted ? test_profile_id_rows[_i].accepted : "",
		 test_profile_id_rows[_i].accepted ? "\n" : "",
		 test_profile_id_rows[_i].remote ? "  remote_id: \"" : "",
		 test_profile_id_rows[_i].remote ? test_profile_id_rows[_i].remote : "",
		 test_profile_id_rows[_i].remote ? "\"\n" : "");
	ck_assert_msg(profile_load_string("t.yaml", text, &p, &yerr), "%s", yerr.text);
	const struct ike_id *idp = NULL;
	if (test_profile_id_rows[_i].id) {
		ck_assert(peercfg_id_read(test_profile_id_rows[_i].id, &id, err, sizeof(err)));
		idp = &id;
	}
	bool fits = profile_id_fits(&p, idp, why, sizeof(why));
	if (!test_profile_id_rows[_i].why) {
		ck_assert_msg(fits, "refused: %s", why);
		ck_assert_str_eq(why, "");
	} else {
		ck_assert_msg(!fits, "%s fits", test_profile_id_rows[_i].id);
		ck_assert_str_eq(why, test_profile_id_rows[_i].why);
		ck_assert(!profile_id_fits(&p, idp, NULL, 0));
	}
	profile_free(&p);
}
END_TEST

Suite *suite_profile(void)
{
	Suite *s = suite_create("profile");
	TCase *tc = tcase_create("profile");
	tcase_add_test(tc, test_profile_complete);
	tcase_add_test(tc, test_profile_defaults);
	tcase_add_test(tc, test_profile_shipped);
	tcase_add_test(tc, test_profile_errors);
	tcase_add_test(tc, test_profile_case_fits);
	tcase_add_loop_test(tc, test_profile_id_fits, 0,
			    (int)(sizeof(test_profile_id_rows) / sizeof(test_profile_id_rows[0])));
	suite_add_tcase(s, tc);
	return s;
}
