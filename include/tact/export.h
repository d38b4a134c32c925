/* SPDX-License-Identifier: MIT */
/** @file
 * Symbol visibility and C++ linkage for tact's public headers. */
#ifndef TACT_EXPORT_H
#define TACT_EXPORT_H

#if defined(__GNUC__) && !defined(TACT_STATIC_ONLY)
#  define TACT_API __attribute__((visibility("default")))
#else
#  define TACT_API
#endif

#ifdef __cplusplus
#  define TACT_BEGIN_DECLS extern "C" {
#  define TACT_END_DECLS   }
#else
#  define TACT_BEGIN_DECLS
#  define TACT_END_DECLS
#endif

#endif
