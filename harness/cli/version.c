#include <openssl/crypto.h>
#include <pcap/pcap.h>
#include <stdio.h>

#include "cli/cli.h"

int cli_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("ike-conform %s (%s, %s)\n", IKEC_VERSION, OpenSSL_version(OPENSSL_VERSION),
	       pcap_lib_version());
	return 0;
}
