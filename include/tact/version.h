/* SPDX-License-Identifier: MIT */
/** @file
 * tact's version: the one place it is written. CMake reads it from here for the soname, the
 * CMake package and pkg-config's tact.pc, so all of them agree with tact_version(). */
#ifndef TACT_VERSION_H
#define TACT_VERSION_H

#include <tact/export.h>

#define TACT_VERSION_MAJOR 0
#define TACT_VERSION_MINOR 2
#define TACT_VERSION_PATCH 0

#define TACT__VERSION_STR2(x) #x
#define TACT__VERSION_STR(x) TACT__VERSION_STR2(x)
/** "0.2.0": the headers' version. */
#define TACT_VERSION_STRING                                                              \
    TACT__VERSION_STR(TACT_VERSION_MAJOR) "." TACT__VERSION_STR(TACT_VERSION_MINOR) "." \
        TACT__VERSION_STR(TACT_VERSION_PATCH)
/** One number to compare: 0x00MMmmpp. */
#define TACT_VERSION_NUMBER \
    ((TACT_VERSION_MAJOR << 16) | (TACT_VERSION_MINOR << 8) | TACT_VERSION_PATCH)

TACT_BEGIN_DECLS

/** The version of the library running ("0.2.0"), which may differ from the headers' when a
 * program runs against a newer shared library: compare it with TACT_VERSION_STRING. Never
 * NULL; static storage. */
TACT_API const char *tact_version(void);

TACT_END_DECLS

#endif
