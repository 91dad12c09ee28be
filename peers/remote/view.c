/* A device's sa_state output (docs/vendors.md) into a view: key=value
 * lines (peers/state.c), pure. */
#include <stdio.h>
#include <string.h>

#include "peers/remote/remote.h"

/* The first established "sa ..." line: phase 1 and, when the device
 * tells, the NAT flags and its port. */
static void remote_view_sa(const char *one, struct peer_sa_view *out)
{
	out->present = true;
	out->encr = (uint16_t)peer_state_field(one, "encr");
	out->keylen = (uint16_t)peer_state_field(one, "keylen");
	out->hash = (uint16_t)peer_state_field(one, "hash");
	out->group = (uint16_t)peer_state_field(one, "group");
	out->life_sec = (uint32_t)peer_state_field(one, "life_sec");
	/* optional: who the device found behind a NAT, its port */
	out->nat_known = peer_state_has(one, "nat_device") ||
			 peer_state_has(one, "nat_harness") ||
			 peer_state_has(one, "nat_fake") || peer_state_has(one, "port");
	out->nat_local = peer_state_field(one, "nat_device") != 0;
	out->nat_remote = peer_state_field(one, "nat_harness") != 0;
	out->nat_fake = peer_state_field(one, "nat_fake") != 0;
	out->local_port = (uint16_t)peer_state_field(one, "port");
}

/* The first "child ..." line after it; counters and NAT-OA only when
 * the device prints them. */
static void remote_view_child(const char *one, struct peer_child_view *ch)
{
	ch->present = true;
	ch->transform = (uint16_t)peer_state_field(one, "transform");
	ch->keylen = (uint16_t)peer_state_field(one, "keylen");
	ch->auth = (uint16_t)peer_state_field(one, "auth");
	ch->group = (uint16_t)peer_state_field(one, "group");
	ch->encap = peer_state_field(one, "encap") != 0;
	ch->life_sec = (uint32_t)peer_state_field(one, "life_sec");
	peer_state_spi(one, "spi_in", ch->spi_in);
	peer_state_spi(one, "spi_out", ch->spi_out);
	ch->counters_unknown = !peer_state_has(one, "packets_in");
	ch->packets_in = peer_state_field(one, "packets_in");
	ch->packets_out = peer_state_field(one, "packets_out");
	ch->bytes_in = peer_state_field(one, "bytes_in");
	ch->bytes_out = peer_state_field(one, "bytes_out");
	ch->natoa_known = peer_state_has(one, "natoa");
	ch->natoa = peer_state_field(one, "natoa") != 0;
}

void remote_parse_state(const char *text, struct peer_sa_view *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->raw, sizeof(out->raw), "%s", text);
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		char one[512];
		size_t l = nl ? (size_t)(nl - line) : strlen(line);
		snprintf(one, sizeof(one), "%.*s", (int)(l < sizeof(one) ? l : sizeof(one) - 1), line);
		if (!out->present && !strncmp(one, "sa ", 3) && strstr(one, " state=established")) {
			remote_view_sa(one, out);
		} else if (out->present && !out->child.present && !strncmp(one, "child ", 6)) {
			remote_view_child(one, &out->child);
		}
		line = nl ? nl + 1 : NULL;
	}
}
