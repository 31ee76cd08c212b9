/* SPDX-License-Identifier: MIT */
/* suites.h: the list of unit-test suites, one per module of src/. */
#ifndef PF_SUITES_H
#define PF_SUITES_H

#include <check.h>

#define PF_SUITES(X)  \
    X(accept)         \
    X(acl)            \
    X(ascii)          \
    X(blake2b)        \
    X(bodyrate)       \
    X(buf)            \
    X(conf)           \
    X(digest)         \
    X(distfile)       \
    X(escape)         \
    X(filewatch)      \
    X(follow)         \
    X(form)           \
    X(fs)             \
    X(hmap)           \
    X(htpasswd)       \
    X(http)           \
    X(index)          \
    X(meta)           \
    X(mountinfo)      \
    X(multipart)      \
    X(name)           \
    X(page_files)     \
    X(page_rpc)       \
    X(pages)          \
    X(pkginfo)        \
    X(render_api)     \
    X(sidecar)        \
    X(upload)         \
    X(upstream)       \
    X(upstream_file)  \
    X(upstream_http)  \
    X(upstream_names) \
    X(upstream_page)  \
    X(upstream_store) \
    X(upstream_yank)  \
    X(urlpath)        \
    X(vec)            \
    X(version)        \
    X(welcome)        \
    X(xmlrpc)

#define PF_SUITE_DECL(n) Suite *suite_##n(void);
PF_SUITES(PF_SUITE_DECL)
#undef PF_SUITE_DECL

#endif
