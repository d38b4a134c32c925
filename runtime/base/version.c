/* SPDX-License-Identifier: MIT */
/* The library's own version string, fixed when it was built. */
#include <tact/version.h>

const char *tact_version(void)
{
    return TACT_VERSION_STRING;
}
