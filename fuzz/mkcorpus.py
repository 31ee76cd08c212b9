#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# mkcorpus.py: writes the seed corpus of every fuzz harness (fuzz/corpus/NAME/).
"""Writes fuzz/corpus/<harness>/<seed> for every harness of fuzz/.

The output is deterministic (fixed archive dates, gzip mtime 0), so running
it again changes nothing unless this script changed. Usage:
    python3 fuzz/mkcorpus.py [OUTDIR]      (default: the corpus/ beside it)
Seeds are small: the whole corpus stays well under 200 KiB.
"""
import base64
import bz2
import gzip
import hashlib
import io
import json
import os
import shutil
import struct
import sys
import tarfile
import xmlrpc.client
import zipfile

ZIP_DATE = (2024, 1, 1, 0, 0, 0)
TAR_MTIME = 1700000000

# The fixture users of fuzz_route.c (same hashes as there).
AUTH = {
    "alice": "Basic " + base64.b64encode(b"alice:secret").decode(),
    "bob": "Basic " + base64.b64encode(b"bob:hunter2").decode(),
    "carol": "Basic " + base64.b64encode(b"carol:pwc").decode(),
    "dave": "Basic " + base64.b64encode(b"dave:plaintext").decode(),
    "wrong": "Basic " + base64.b64encode(b"alice:wrong").decode(),
}
BOUNDARY = "6d2a1c7f0b9e4c1d8a3b5e7f9c0d2e4f"
PIP_ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"


def e2e_metadata():
    """The METADATA that tests/e2e/mkdist.py writes for a wheel with a few options."""
    sys.dont_write_bytecode = True
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
    import mkdist
    del sys.path[0]
    a = mkdist.argparse.Namespace(name="Demo.Pkg", version="1.0", summary=None, requires_python=">=3.8",
                                  requires_dist=["requests>=2", 'pytest; extra == "test"'],
                                  header=["Project-URL: Source, https://example.test/src",
                                          "Classifier: Programming Language :: Python :: 3",
                                          "Provides-Extra: test", "Description-Content-Type: text/markdown"],
                                  description="# Demo\n\nA *markdown* description.\n")
    return mkdist.metadata_text(a)


def metadata(name, version, extra=""):
    return "Metadata-Version: 2.1\nName: %s\nVersion: %s\n%s\nA description.\n" % (name, version, extra)


def make_zip(entries):
    """entries: list of (name, bytes) in order; stored deflated."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return out.getvalue()


def make_wheel(dist, version, md):
    di = "%s-%s.dist-info" % (dist, version)
    return make_zip([
        ("%s/__init__.py" % dist, b"x = 1\n"),
        ("%s/METADATA" % di, md.encode()),
        ("%s/WHEEL" % di, b"Wheel-Version: 1.0\nGenerator: mkcorpus\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
        ("%s/RECORD" % di, b""),
    ])


def make_tar(entries, fmt=tarfile.PAX_FORMAT):
    """entries: list of (name, bytes or None for a directory); uncompressed tar bytes."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=fmt) as t:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.mtime = TAR_MTIME
            info.uname = info.gname = "fuzz"
            if data is None:
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                t.addfile(info)
            else:
                info.size = len(data)
                info.mode = 0o644
                t.addfile(info, io.BytesIO(data))
    return out.getvalue()


def gz(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


def make_sdist(top, md):
    return gz(make_tar([
        (top, None),
        ("%s/setup.py" % top, b"from setuptools import setup\nsetup()\n"),
        ("%s/PKG-INFO" % top, md.encode()),
    ]))


# ---- multipart bodies (twine's shape) ----

def field(name, value):
    return ("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" % (BOUNDARY, name, value)).encode()


def content(filename, data, ctype="application/octet-stream"):
    head = "--%s\r\nContent-Disposition: form-data; name=\"content\"; filename=\"%s\"\r\nContent-Type: %s\r\n\r\n" % (
        BOUNDARY, filename, ctype)
    return head.encode() + data + b"\r\n"


def close():
    return ("--%s--\r\n" % BOUNDARY).encode()


def twine_body(name, version, filename, data, filetype, digest="sha256", bad_digest=False, fields_first=True):
    sha = hashlib.sha256(data).hexdigest()
    if bad_digest:
        sha = "0" * 64
    fields = [
        ("metadata_version", "2.1"), ("name", name), ("version", version), ("summary", ""),
        ("filetype", filetype), ("pyversion", "py3" if filetype == "bdist_wheel" else "source"),
        ("md5_digest", hashlib.md5(data).hexdigest() if digest == "md5" else ""),
        ("sha256_digest", sha if digest == "sha256" else ""),
        ("blake2_256_digest", hashlib.blake2b(data, digest_size=32).hexdigest() if digest == "blake2" else ""),
        (":action", "file_upload"), ("protocol_version", "1"),
    ]
    form = b"".join(field(k, v) for k, v in fields)
    file_part = content(filename, data)
    return (form + file_part if fields_first else file_part + form) + close()


def form_body(pairs):
    return b"".join(field(k, v) for k, v in pairs) + close()


# ---- route requests ----

def request(env, body=None):
    text = "".join("%s\n" % kv for kv in env).encode()
    if body is not None:
        text += b"\n" + body
    return text


def join_requests(reqs):
    return b"\n~~~~\n".join(reqs)


def get(uri, *extra, method="GET", script_name=""):
    return request(["REQUEST_METHOD=%s" % method, "REQUEST_URI=%s" % uri, "SCRIPT_NAME=%s" % script_name] +
                   list(extra))


def post(body, *extra, uri="/legacy/", user="alice"):
    env = ["REQUEST_METHOD=POST", "REQUEST_URI=%s" % uri, "SCRIPT_NAME=",
           "CONTENT_TYPE=multipart/form-data; boundary=%s" % BOUNDARY, "CONTENT_LENGTH=%d" % len(body)]
    if user:
        env.append("HTTP_AUTHORIZATION=%s" % AUTH[user])
    return request(env + list(extra), body)


def bare_body(filename, data):
    """pypiserver's upload: the action and the file, nothing else."""
    return field(":action", "file_upload") + content(filename, data) + close()


def corpus():
    c = {}
    up_md = metadata("upload-demo", "1.0", "Requires-Python: >=3.8\n")
    up_wheel = make_wheel("upload_demo", "1.0", up_md)
    up_sdist = make_sdist("upload_demo-1.0", metadata("upload-demo", "1.0"))
    open_wheel = make_wheel("open_thing", "2.0", metadata("open-thing", "2.0"))

    # accept: real clients' headers and edge cases.
    c["accept"] = {
        "pip": PIP_ACCEPT,
        "uv": "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01",
        "browser": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
        "curl": "*/*",
        "empty": "",
        "latest": "application/vnd.pypi.simple.latest+json",
        "latest-html": "application/vnd.pypi.simple.latest+html;q=0.5, text/*;q=0.4",
        "wildcards": "text/*;q=0.5, application/*;q=0, */*;q=0.1",
        "none": "application/json, image/png",
        "excluded": "text/html;q=0, application/vnd.pypi.simple.v1+html;q=0",
        "qvalues": "text/html; q=1.000, application/vnd.pypi.simple.v1+json; q=0.999; level=1",
        "malformed": "text/html;q=2, application/vnd.pypi.simple.v1+json;q=abc, /html, text/, ;q=1,,",
        "case": "TEXT/HTML;Q=0.5, Application/VND.PYPI.SIMPLE.V1+JSON",
    }

    # urlpath: request paths, good and hostile.
    c["urlpath"] = {
        "simple": "/simple/demo-pkg/",
        "file": "/packages/demo-pkg/demo_pkg-1.0-py3-none-any.whl",
        "metadata": "/packages/demo-pkg/demo_pkg-1.0-py3-none-any.whl.metadata",
        "dotdot": "/packages/../../etc/passwd",
        "enc-dotdot": "/packages/%2e%2e/%2E%2E/etc/passwd",
        "enc-slash": "/packages/a%2Fb/c%5cd",
        "nul": "/packages/a%00b",
        "underscore": "/simple/Demo%5FPkg/",
        "prefix": "/pypi/simple/",
        "query": "/simple/foo/?x=1&y=%zz#frag",
        "deep": "/packages/a/b/c/d/e/f/g/h/i/j/k-1.0.tar.gz",
        "dotfile": "/packages/demo-pkg/.pypi-fcgi/demo_pkg-1.0.tar.gz.rec",
        "backup": "/packages/x-1.0.tar.gz~",
        "utf8": "/simple/%C3%A9t%C3%A9/",
        "bad-escape": "/simple/%4",
        "rel": "demo-pkg/demo_pkg-1.0.tar.gz",
        "plus": "/packages/foo/foo-1.0+local-py3-none-any.whl",
    }

    # route: whole requests; several per input separated by "~~~~".
    up_body = twine_body("upload-demo", "1.0", "upload_demo-1.0-py3-none-any.whl", up_wheel, "bdist_wheel")
    c["route"] = {
        "welcome": get("/"),
        "health": get("/health"),
        "simple-pip": get("/simple/", "HTTP_ACCEPT=" + PIP_ACCEPT),
        "project-json": get("/simple/demo-pkg/", "HTTP_ACCEPT=application/vnd.pypi.simple.v1+json"),
        "project-html": get("/simple/demo-pkg/", "HTTP_ACCEPT=text/html"),
        "redirect": get("/simple/Demo_Pkg"),
        "not-acceptable": get("/simple/other/", "HTTP_ACCEPT=image/png"),
        "head-etag": get("/simple/demo-pkg/", "HTTP_IF_NONE_MATCH=W/\"x\", *", method="HEAD"),
        "file": get("/packages/demo-pkg/demo_pkg-1.0-py3-none-any.whl"),
        "file-head": get("/packages/demo-pkg/demo_pkg-1.0.tar.gz", method="HEAD"),
        "metadata": get("/packages/demo-pkg/demo_pkg-1.0-py3-none-any.whl.metadata"),
        "x-sendfile": get("/packages/nested/a/b/deep_one-3.0.tar.gz", "FUZZ_CONF=sendfile=x-sendfile"),
        "x-accel": get("/packages/demo-pkg/demo_pkg-1.1-py3-none-any.whl",
                       "FUZZ_CONF=sendfile=x-accel-redirect:/_pkgs/"),
        "prefix": get("/pypi/simple/other/", script_name="/pypi"),
        "url-prefix": get("/mirror/simple/", "FUZZ_CONF=url-prefix=/mirror", "PATH_INFO=/simple/"),
        "path-info": request(["REQUEST_METHOD=GET", "SCRIPT_NAME=/pypi", "PATH_INFO=/simple/flat-project/"]),
        "traversal": get("/packages/%2e%2e/htpasswd"),
        "root-project": join_requests([
            get("/Demo_Pkg/?x=1"), get("/demo-pkg", method="HEAD"), get("/legacy"),
            get("/pypi/Other/", script_name="/pypi"),
        ]),
        "root-not-a-name": join_requests([get("/a%3Cb/"), get("/health/"), get("/demo-pkg/1.0/")]),
        "packages-listing": join_requests([
            get("/packages/"), get("/packages/", "HTTP_IF_NONE_MATCH=W/\"x\", *", method="HEAD"),
            get("/packages"), get("/packages/", method="POST"),
        ]),
        "packages-login": get("/packages/", "FUZZ_CONF=authenticate=list"),
        "method": get("/simple/", method="DELETE"),
        "post-simple": get("/simple/", method="POST"),
        "login-list": get("/simple/", "FUZZ_CONF=authenticate=update,download,list",
                          "HTTP_AUTHORIZATION=" + AUTH["carol"]),
        "login-missing": get("/packages/demo-pkg/demo_pkg-1.0.tar.gz", "FUZZ_CONF=authenticate=download"),
        "upload-wheel": join_requests([
            post(up_body),
            get("/simple/upload-demo/", "HTTP_ACCEPT=application/vnd.pypi.simple.v1+json"),
            get("/packages/upload-demo/upload_demo-1.0-py3-none-any.whl.metadata"),
            post(form_body([(":action", "remove_pkg"), ("name", "upload_demo"), ("version", "1.0")])),
        ]),
        "upload-sdist-chunked": post(
            twine_body("upload-demo", "1.0", "upload_demo-1.0.tar.gz", up_sdist, "sdist", digest="md5",
                       fields_first=False), "FUZZ_CHUNK=7", user="bob"),
        "upload-twice": join_requests([post(up_body), post(up_body, "FUZZ_CONF=overwrite=yes")]),
        "upload-bad-digest": post(twine_body("upload-demo", "1.0", "upload_demo-1.0-py3-none-any.whl", up_wheel,
                                             "bdist_wheel", bad_digest=True)),
        "upload-blake2": post(twine_body("upload-demo", "1.0", "upload_demo-1.0-py3-none-any.whl", up_wheel,
                                         "bdist_wheel", digest="blake2")),
        "upload-remote-user": post(
            twine_body("open-thing", "2.0", "open_thing-2.0-py3-none-any.whl", open_wheel, "bdist_wheel"),
            "REMOTE_USER=someone", "FUZZ_CONF=trust-remote-user=yes", user=None),
        "upload-no-auth": post(up_body, user=None),
        "upload-wrong-password": post(up_body, user="wrong"),
        "upload-refused-user": post(up_body, user="dave"),
        "upload-fixture-project": post(twine_body("demo-pkg", "9.0", "demo_pkg-9.0-py3-none-any.whl",
                                                  make_wheel("demo_pkg", "9.0", metadata("demo-pkg", "9.0")),
                                                  "bdist_wheel")),
        "remove-fixture": post(form_body([(":action", "remove_pkg"), ("name", "demo-pkg"), ("version", "1.0")])),
        "upload-cut": post(up_body, "FUZZ_CUT=300", "FUZZ_CHUNK=100"),
        "upload-too-large": post(up_body, "FUZZ_CONF=max-upload-size=100"),
        "upload-no-length": request(["REQUEST_METHOD=POST", "REQUEST_URI=/", "SCRIPT_NAME=",
                                     "CONTENT_TYPE=multipart/form-data; boundary=%s" % BOUNDARY,
                                     "HTTP_AUTHORIZATION=" + AUTH["alice"]], up_body),
        "submit": post(form_body([(":action", "submit"), ("name", "upload-demo")])),
        "remove-urlencoded": request(["REQUEST_METHOD=POST", "REQUEST_URI=/", "SCRIPT_NAME=",
                                      "CONTENT_TYPE=application/x-www-form-urlencoded",
                                      "HTTP_AUTHORIZATION=" + AUTH["alice"]],
                                     b":action=remove_pkg&name=demo%2Dpkg&version=1.0"),
        "upload-bare": post(bare_body("upload_demo-1.0-py3-none-any.whl", up_wheel)),
        "bad-content-type": request(["REQUEST_METHOD=POST", "REQUEST_URI=/legacy", "SCRIPT_NAME=",
                                     "CONTENT_TYPE=application/x-www-form-urlencoded", "CONTENT_LENGTH=3",
                                     "HTTP_AUTHORIZATION=" + AUTH["alice"]], b"a=b"),
        "rpc-search": join_requests([
            request(["REQUEST_METHOD=POST", "REQUEST_URI=%s" % uri, "SCRIPT_NAME=", "CONTENT_TYPE=text/xml"] + extra,
                    xmlrpc.client.dumps(({"name": ["demo"], "summary": ["demo"]}, "or"), "search").encode())
            for uri, extra in (("/RPC2", []), ("/", []), ("/RPC2", ["FUZZ_CONF=authenticate=list"]))
        ] + [get("/RPC2")]),
    }

    # multipart: two control bytes, the Content-Type line, the body.
    def mp(ct, body, c0=0x12, c1=0x34):
        return bytes([c0, c1]) + ct.encode() + b"\n" + body

    ct = "multipart/form-data; boundary=%s" % BOUNDARY
    c["multipart"] = {
        "twine-wheel": mp(ct, up_body),
        "twine-sdist": mp(ct, twine_body("upload-demo", "1.0", "upload_demo-1.0.tar.gz", up_sdist, "sdist",
                                         fields_first=False), 0x00, 0x07),
        "remove": mp(ct, form_body([(":action", "remove_pkg"), ("name", "x"), ("version", "1")]), 0xff, 0x01),
        "quoted": mp('multipart/form-data; charset=utf-8; boundary="a b:c"',
                     b"--a b:c\r\nContent-Disposition: form-data; name=x\r\n\r\n1\r\n--a b:c--"),
        "preamble": mp("Multipart/Form-Data;boundary=XyZ",
                       b"preamble\r\n--XyZ  \t\r\ncontent-disposition: form-data; name=\"f\"; filename=\"\"\r\n"
                       b"content-type: text/plain\r\nX-Other: 1\r\n\r\n\r\n--Xy\r\n--XyZ--\r\nepilogue"),
        "reject": mp("multipart/form-data; boundary=b",
                     b"--b\r\nContent-Disposition: form-data; name=\"fuzz-reject\"\r\n\r\nx\r\n--b--\r\n"),
        "truncated": mp("multipart/form-data; boundary=b",
                        b"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nabc\r\n--"),
        "bad-headers": mp("multipart/form-data; boundary=b",
                          b"--b\r\nContent-Disposition: attachment; name=a\r\n Folded: x\r\n\r\n--b--"),
        "dup": mp("multipart/form-data; boundary=b",
                  b"--b\r\nContent-Disposition: form-data; name=a; name=b\r\n\r\n\r\n--b--"),
        "no-boundary": mp("multipart/form-data", b"--\r\n"),
        "empty-parts": mp("multipart/form-data; boundary=b", b"--b\r\n\r\n\r\n--b\r\n--b--"),
    }

    # form: one control byte (the cap on a value: 1 + byte * 8), the body.
    c["form"] = {
        "remove": b"\x80:action=remove_pkg&name=foo&version=1.0",
        "escaped": b"\x10%3Aaction=remove_pkg&name=Foo%5FBar&version=1.0%2Blocal&comment=a+b+c",
        "empty-pairs": b"\x01&&a&=&b=&&=c&",
        "semicolon": b"\x02a=1;b=2&c=3",
        "bad-escape": b"\x20name=%zz",
        "truncated-escape": b"\x20name=ok&version=1.0%4",
        "nul": b"\x20name=a%00b&x=\x00",
        "non-ascii": b"\xffname=caf\xc3\xa9&v=%C3%A9%ff",
        "repeated": b"\x08name=a&name=b&name=a",
        "long-value": b"\x00v=" + b"x" * 4000,
        "long-name": b"\x00" + b"%6e" * 1100 + b"=1",
        "many-fields": b"\x00" + b"&".join(b"f%d=%d" % (i, i) for i in range(1030)),
        "content-type": b"\x00 Application/X-WWW-Form-URLEncoded ; charset=utf-8",
    }

    # xmlrpc: XML-RPC calls as pip sends them, and hostile ones.
    def rpc_call(spec, op=None, method="search"):
        return xmlrpc.client.dumps((spec,) if op is None else (spec, op), method)

    lol = "".join('<!ENTITY l%d "%s">' % (i + 1, "&l%d;" % i * 10) for i in range(6))
    c["xmlrpc"] = {
        "pip": rpc_call({"name": ["foo", "bar"], "summary": ["foo", "bar"]}, "or"),
        "and": rpc_call({"name": "Foo_Bar", "summary": "a & <b>"}),
        "untyped": "<methodCall><methodName>search</methodName><params><param><value><struct><member>"
                   "<name>name</name><value> x\r\n</value></member></struct></value></param></params></methodCall>",
        "other-method": rpc_call(["a"], method="list_packages"),
        "cdata": "<methodCall><methodName>search</methodName><params><param><value><string><![CDATA[<&>]]>"
                 "&#x10FFFF;&#13;</string></value></param></params></methodCall>",
        "int": rpc_call({"name": ["a"]}, 3),
        "billion-laughs": '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY l0 "lol">' + lol + ']>'
                          '<methodCall><methodName>&l6;</methodName></methodCall>',
        "external": '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                    '<methodCall><methodName>&x;</methodName></methodCall>',
        "deep": "<methodCall>" + "<value>" * 40,
        "latin1": b"<?xml version='1.0' encoding='ISO-8859-1'?><methodCall><methodName>caf\xe9</methodName>"
                  b"</methodCall>",
        "controls": b"\x01\x1f\xff\xed\xa0\x80\xef\xbf\xbe<&>\r",
    }

    # upstream_page: an upstream's project pages, one control byte (low bit:
    # 0 JSON, 1 HTML) then the page, as PyPI serves them and hostile ones.
    h1, h2 = hashlib.sha256(b"whl").hexdigest(), hashlib.sha256(b"sdist").hexdigest()
    hm = hashlib.sha256(b"METADATA").hexdigest()
    up_json = {
        "meta": {"_last-serial": 20513520, "api-version": "1.1"}, "name": "demo-pkg", "versions": ["1.0", "1.1rc1"],
        "files": [
            {"core-metadata": {"sha256": hm}, "data-dist-info-metadata": {"sha256": hm},
             "filename": "demo_pkg-1.0-py3-none-any.whl", "hashes": {"sha256": h1}, "requires-python": ">=3.8",
             "size": 4821, "upload-time": "2023-01-01T00:00:00.123456Z", "yanked": False,
             "url": "https://files.example/packages/ab/cd/demo_pkg-1.0-py3-none-any.whl"},
            {"core-metadata": False, "filename": "demo-pkg-1.0.tar.gz", "hashes": {"sha256": h2.upper(), "md5": "0"},
             "requires-python": None, "size": 3100, "upload-time": "2023-01-01T01:00:00+01:00",
             "url": "../../packages/demo-pkg-1.0.tar.gz#sha256=" + h2, "yanked": "broken build"},
            {"dist-info-metadata": True, "filename": "Demo.Pkg-1.1rc1.zip", "hashes": {}, "url": "/f/Demo.Pkg-1.1rc1.zip",
             "yanked": True},
        ]}

    def up(fmt, page):
        return bytes([fmt]) + (page.encode() if isinstance(page, str) else page)

    def anchor(href, text, attrs=""):
        return '<a href="%s"%s>%s</a><br />\n' % (href, attrs, text)

    up_html = ('<!DOCTYPE html>\n<html>\n<head>\n<meta name="pypi:repository-version" content="1.1">\n'
               "<title>Links for demo-pkg</title>\n</head>\n<body>\n<h1>Links for demo-pkg</h1>\n" +
               anchor("https://files.example/packages/demo_pkg-1.0-py3-none-any.whl#sha256=" + h1,
                      "demo_pkg-1.0-py3-none-any.whl",
                      ' data-requires-python="&gt;=3.8" data-dist-info-metadata="sha256=%s" '
                      'data-core-metadata="sha256=%s"' % (hm, hm)) +
               anchor("../../packages/demo-pkg-1.0.tar.gz#sha256=" + h2, "demo-pkg-1.0.tar.gz",
                      ' data-requires-python="&gt;=3.6,&lt;4" data-yanked="broken &amp; bad"') +
               anchor("/f/Demo.Pkg-1.1rc1.zip#md5=00", "Demo.Pkg-1.1rc1.zip", ' data-yanked="" data-core-metadata="true"') +
               anchor("demo_pkg-2.0%2B1-py3-none-any.whl?x=1#egg=x&amp;sha256=" + h1, "") +
               "</body>\n</html>\n<!--SERIAL 20513520-->\n")
    lol = "".join('<!ENTITY l%d "%s">' % (i + 1, "&l%d;" % i * 10) for i in range(6))
    c["upstream_page"] = {
        "json-pypi": up(0, json.dumps(up_json)),
        "json-min": up(0, '{"meta":{"api-version":"1.0"},"files":[]}'),
        "json-v2": up(0, '{"meta":{"api-version":"2.0"},"files":[]}'),
        "json-dup-key": up(0, '{"meta":{"api-version":"1.0"},"files":[],"files":[]}'),
        "json-types": up(0, '{"meta":{"api-version":"1.0"},"name":"Demo_Pkg","files":[{"filename":"demo-pkg-1.0.zip",'
                            '"url":"x","hashes":{"sha256":"' + h1 + '"},"yanked":1,"size":"1"}]}'),
        "json-hostile": up(0, json.dumps({"meta": {"api-version": "1.0"}, "files": [
            {"filename": "../demo-pkg-1.0.tar.gz", "url": "x"},
            {"filename": "other-1.0.tar.gz", "url": "x"},
            {"filename": "demo-pkg-1.0.tar.gz", "url": "javascript:alert(1)"},
            {"filename": "demo-pkg-1.0.tar.gz", "url": "https://h/a", "hashes": {"sha256": "abc"}},
            {"filename": "demo-pkg-1.0.tar.gz", "url": "b"},
            {"filename": "demo-pkg-1.0.tar.gz", "url": "c"}]})),
        "json-deep": up(0, '{"meta":{"api-version":"1.0"},"files":[],"x":' + "[" * 40 + "]" * 40 + "}"),
        "json-truncated": up(0, json.dumps(up_json)[:200]),
        "html-pypi": up(1, up_html),
        "html-hostile": up(1, "<html><head><script>'<a href=\"demo-pkg-6.0.tar.gz\">x</a>'</script>"
                              '<base href="https://cdn.example/x/"></head><body><!-- <a href="y">y</a> -->'
                              "<![CDATA[<a href=\"z\">]]>" + anchor("javascript:alert(1)", "x") +
                              anchor("x/..%2Fdemo-pkg-1.0.tar.gz", "") + anchor("demo-pkg-1.0.tar.gz%00.zip", "") +
                              anchor("demo-pkg-1.0.tar.gz#sha256=xyz", "") + "</body></html>"),
        "html-laughs": up(1, '<!DOCTYPE html [<!ENTITY l0 "lol">' + lol + '<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                             '<html><body><a href="demo-pkg-1.0.tar.gz" data-yanked="&l6;&x;">x</a></body></html>'),
        "html-v2": up(1, '<html><head><meta name="pypi:repository-version" content="2.0"></head></html>'),
        "html-latin1": up(1, b'<a href="demo-pkg-1.0.tar.gz" data-yanked="caf\xe9">x</a>'),
        "content-type": b"application/vnd.pypi.simple.v1+json; charset=utf-8",
    }

    # distfile: real and odd distribution filenames (seed files are numbered:
    # a filename as the file's name could pass tar's 99-byte path limit).
    c["distfile"] = {"%02d" % i: n for i, n in enumerate([
        "demo_pkg-1.0-py3-none-any.whl",
        "numpy-1.26.4-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "pip-24.0-py3-none-any.whl",
        "zope.interface-6.2-cp311-cp311-win_amd64.whl",
        "foo-1.0-1build-py3-none-any.whl",
        "typing_extensions-4.9.0-py3-none-any.whl",
        "requests-2.31.0.tar.gz",
        "Django-5.0.2.tar.gz",
        "backports.zoneinfo-0.2.1.tar.gz",
        "legacy-name-with-dashes-1.0.zip",
        "foo-1.0.post1.dev2+local.7.tar.bz2",
        "Pillow-10.2.0.tar.xz",
        "x-1.0.tgz",
        "UPPER-1.0.TAR.GZ",
        "foo-1!2.0rc1.tar.lzma",
        "bad__name-1.0-py3-none-any.whl",
        "foo-1.0-py3-none.whl",
        "Demo.Pkg_-1.0.tar.gz",
    ])}

    # version: PEP 440 edge cases; three per line are compared.
    c["version"] = {
        "simple": "1.0", "v-prefix": "v1.0", "epoch": "1!2.0", "alpha": "1.0.alpha.1", "a": "1.0a1",
        "rc": "1.0-RC-2", "c": "1.0c1", "pre": "1.0pre2", "preview": "1.0preview3", "post": "1.0.post",
        "implicit-post": "1.0-1", "rev": "1.0rev3", "r": "1.0-r4", "dev": "1.0.dev0", "local": "1.0+local.7.ABC",
        "local-seps": "1.0+a-b_c.01", "spaces": " \t1.0\n", "zeros": "01.02.003",
        "many": ".".join(["0"] * 24), "everything": "1!1.0a1.post2.dev3+x.1",
        "underscores": "1.0_post_3", "bad": "1.0.", "big": "99999999999999999999999999999.0",
        "cmp-zeros": "1.0\n1.0.0\n1", "cmp-pre": "1.0.dev0\n1.0a1\n1.0", "cmp-post": "1.0.post1\n1.0-1\n1.0.post1.dev0",
        "cmp-local": "1.0+abc\n1.0+ABC\n1.0+1", "cmp-epoch": "1!0.1\n2.0\n0!3.0",
    }

    # htpasswd: user line, password line, then the file: every scheme.
    lines = [
        "# a comment",
        "alice:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=",
        "bob:$apr1$fuzzsalt$YNQDlAvWHR.Ncc2k/1m1R0",
        "carol:$2y$04$3vX2uZ3igUZqntPqDuAUn.RO2X0akDmfpYH7IwEu8OI61IcIv80Jm",
        "erin:$2a$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW",
        "frank:$5$fuzzsalt$y/.D.t/pOKTV87QAMAOZhN2D4zsKV8x7LFyEn.kTvv3",
        "grace:$6$fuzzsalt$iDTMfLlIWXnU0u/ucN8Rvel1jyy/OslJpB.sv1b7aqQg/Na4Y9B47sFqgSiQ4wv/4SbFVVCnHAGIJVpklv8Rc.",
        "heidi:$6$rounds=1000$fuzzsalt$VaozQpX6.rHlYgQ8XkQuQwnkNdGdaeCOvmZC4qxWknLh/eg/UKI7XrlNFcouj7rjYRe."
        "I0VJYPdKlgC8OexQQ0",
        "ivan:$5$rounds=1000$fuzzsalt$qGCc4JvvMNwwgoU2eJ4FMcZ.jSqNaOPBoUN0Jv2w9O2",
        "judy:abNANd1rDfiNc",
        "mallory:plaintext",
        "oscar:$1$salt$qJH7.N4xYta3aEG/dfqo/0",
    ]
    pw = "\n".join(lines) + "\n"
    c["htpasswd"] = {
        "alice": "alice\nsecret\n" + pw,
        "bob": "bob\nhunter2\n" + pw,
        "carol": "carol\npwc\n" + pw,
        "erin": "erin\npwc\n" + pw,
        "frank": "frank\nsecret\n" + pw,
        "heidi": "heidi\nsecret\n" + pw,
        "judy": "judy\nsecret\n" + pw,
        "unknown": "nobody\nsecret\n" + pw,
        "crlf-dups": "alice\nsecret\r\n\r\n  alice:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=  \r\nalice:{SHA}xxx\r\n:nouser\r\nnocolon\r\n"
                     "alice:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=:extra:fields\n",
        "malformed": "x\ny\nx:$2y$99$abc\nx:$5$rounds=$a$b\nx:$apr1$toolongsalt$abc\nx:{SHA}short\nx:\n",
    }

    # acl: user line, project line, then the ACL file.
    acl = ("# upload rules\n"
           "alice: upload-* scratch   # alice's projects\n"
           "bob:upload_demo,bob-*\n"
           "carol : up?oad-[a-z]* [!x]yz\n"
           "*: open-*\r\n"
           "bad line without colon\n"
           ": no-user\n"
           "eve: b@d\n")
    c["acl"] = {
        "alice": "alice\nUpload.Demo\n" + acl,
        "bob": "bob\nupload-demo\n" + acl,
        "carol": "carol\nupload-zz\n" + acl,
        "anyone": "zed\nopen-thing\n" + acl,
        "denied": "alice\ndemo-pkg\n" + acl,
        "invalid-project": "alice\n-upload-\n" + acl,
    }

    # upstream_names: a name line, then a claims file.
    claims = ("# names that are ours: never looked up upstream\n"
              "acme-*\n"
              "  Internal_Tools  \n"
              "secret.project\r\n"
              "\n"
              "zz?\n"
              "acme-exact\n")
    c["upstream_names"] = {
        "claimed-glob": "Acme_Foo\n" + claims,
        "claimed-exact": "internal-tools\n" + claims,
        "claimed-wild": "zzz\n" + claims,
        "free": "requests\n" + claims,
        "invalid-name": "-acme\n" + claims,
        "star": "anything\n*\n",
        "empty": "name\n",
        "comments-only": "x\n# a\n  # b\n\t\n\r\n",
        "bad-char": "acme\nacme\nbad/name\n",
        "bad-space": "acme\nacme # trailing\n",
        "nul": "acme\nac\0me\n",
        "lone-cr": "acme\nacme\rother\r",
        "edge-sep": "acme\n-acme\n",
        "long-line": "acme\n" + "a" * 201 + "\n",
        "many-globs": "a-b-c-d-e-f-g-h\n" + "".join("*%s*?\n" % chr(97 + i) for i in range(26)),
    }

    # conf: config files.
    c["conf"] = {
        "full": ("# pypi-fcgi.conf\nroot = /srv/packages\nroot = /srv/mirror\nthreads = 8\n"
                 "listen = unix:/run/pypi-fcgi.sock\nsendfile = x-accel-redirect:/_pkgs/\nurl-prefix = /pypi\n"
                 "log-level = debug\nrescan-interval = 0\ncache-size = 64\nmax-upload-size = 100M\n"
                 "overwrite = yes\nhtpasswd = /etc/pypi-fcgi/htpasswd\nauthenticate = update,download\n"
                 "trust-remote-user = no\nupload-acl = /etc/pypi-fcgi/acl\n"),
        "tcp": "listen=tcp:127.0.0.1:9000\r\nsendfile=x-sendfile\r\nauthenticate=.\r\n",
        "sizes": "max-upload-size = 1G\nmax-upload-size = 512k\nmax-upload-size = 7T\n",
        "bad-key": "root = /a\nbogus = 1\n",
        "bad-value": "threads = 0\n",
        "no-equals": "root /srv\n",
        "comments": "   # only comments\n\n\t\n# root = /x\nurl-prefix =   # empty\n",
        # Read as a command line too: pypiserver's spellings.
        "pypiserver-run": "run -P /etc/h -a update,download,list -o --disable-fallback -vv /srv/p\n",
        "pypiserver-base-url": "--server-base-url pypi/ --hash-algo sha256 -t -- run\n",
        "pypiserver-refused": "-p 8080 --fallback-url https://pypi.org/simple/ /srv/p\n",
        "upstream": ("root = /srv/p\nupstream = https://pypi.org/simple\nupstream-ca = /etc/ca.pem\n"
                     "upstream-netrc = /etc/pypi-fcgi/netrc\nupstream-cache = /var/cache/up\nupstream-ttl = 15m\n"
                     "upstream-min-age = 3d\nupstream-fetches = 8\nupstream-timeout = 20\n"
                     "upstream-allow = django*\nupstream-allow = req?ests\nupstream-deny = acme-*\n"
                     "upstream-claims = /etc/pypi-fcgi/claims\n"),
        "upstream-args": ("--upstream http://[::1]:3141/root/pypi/ --upstream-ttl=90 --upstream-allow a* "
                          "--upstream-allow=b --upstream-deny c? --upstream-min-age 12h /srv/p\n"),
        "upstream-bad": "upstream = https://u:p@h/\nupstream-ttl = 31d\nupstream-allow = a b\n",
    }

    # meta: archives as uploaded.
    two_di = make_zip([
        ("demo_pkg-1.0.dist-info/METADATA", metadata("demo-pkg", "1.0").encode()),
        ("Demo.Pkg-1.0.dist-info/METADATA", metadata("demo-pkg", "1.0").encode()),
    ])
    big_md = make_zip([("demo_pkg-1.0.dist-info/METADATA", b"Name: demo-pkg\n" + b"\0" * (5 << 20))])
    bomb = gz(make_tar([("demo_pkg-1.0/filler", b"\0" * (8 << 20)),
                        ("demo_pkg-1.0/PKG-INFO", metadata("demo-pkg", "1.0").encode())]))
    longname = make_tar([("demo_pkg-1.0/" + "d" * 300 + "/x", b"x"),
                         ("demo_pkg-1.0/PKG-INFO", metadata("demo-pkg", "1.0").encode())],
                        fmt=tarfile.GNU_FORMAT)
    c["meta"] = {
        "wheel": make_wheel("demo_pkg", "1.0", metadata("demo-pkg", "1.0", "Requires-Python: >=3.8\n")),
        "sdist-tgz": make_sdist("demo_pkg-1.0", metadata("demo-pkg", "1.0", "Requires-Python: >=3.9\n")),
        "sdist-zip": make_zip([("demo_pkg-1.0/PKG-INFO", metadata("demo-pkg", "1.0").encode()),
                               ("demo_pkg-1.0/setup.py", b"")]),
        "sdist-bz2": bz2.compress(make_tar([("./demo_pkg-1.0/PKG-INFO", metadata("demo-pkg", "1.0").encode())])),
        "two-dist-info": two_di,
        "big-metadata": big_md,
        "gzip-bomb": bomb,
        "gnu-longname": longname,
        "overlapping": overlapping_zip(),
        # Caps before the work: a first member declaring 8 GiB (refused at
        # its header), the same with a GNU realsize or pax
        # GNU.sparse.realsize of 1 (the skip stops at the scan cap), and
        # fake wheels whose directory holds more records than the end
        # record counts, or more than the entry cap.
        "tar-skip-bomb": gz(tar_header("demo_pkg-1.0/zeros", 8 << 30) + bytes(4096)),
        "tar-gnu-realsize": gz(tar_header("demo_pkg-1.0/zeros", 8 << 30, realsize=1) + bytes(4096)),
        "tar-pax-realsize": gz(pax_header({"size": str(8 << 30), "GNU.sparse.realsize": "1"}) +
                               tar_header("demo_pkg-1.0/zeros", 0) + bytes(4096)),
        "wheel-entries-lie": many_entries_wheel(300, count16=1),
        "wheel-entries-zip64": many_entries_wheel(300, count64=1500001),
        "wheel-zip64": many_entries_wheel(0, count64=1),
    }

    # pkginfo: METADATA / PKG-INFO bytes as kept beside a distribution.
    c["pkginfo"] = {
        "metadata-2.1": e2e_metadata(),
        "pkg-info-1.1": "\n".join([
            "Metadata-Version: 1.1", "Name: Demo.Pkg", "Version: 1.0", "Summary: A summary folded",
            "        onto two lines", "Home-page: https://example.test/", "Author: A. Author",
            "Author-email: a@example.test", "License: MIT", "Description: Demo",
            "        ====", "        ", "        Setuptools' 8 spaces.", "       |distutils' 7 and a bar.",
            "        ", "            indented code", "Keywords: demo,pkg", "Platform: UNKNOWN",
            "Classifier: Programming Language :: Python :: 3", "Classifier: License :: OSI Approved :: MIT License",
            "Requires: other", ""]),
        "crlf": ("Metadata-Version: 2.1\r\nName: demo-pkg\r\nVersion: 1.0\r\nSummary: crlf\r\n  folded\r\n"
                 "Project-URL: Home,\r\n https://example.test/\r\n\r\nBody\r\n\r\n"),
        # Every string a page prints, hostile: quotes, backslashes, control
        # bytes, </script>, invalid UTF-8, NULs; Project-URL labels that are
        # the same once unfolded or once invalid bytes are replaced.
        "hostile": (b"Metadata-Version: 2.4\nName: \"demo\\pkg\x00\nVersion: 1.0\nName: second\n"
                    b"Summary: </script><script>alert(1)</script>\nAuthor: \x01\x1f\x7f\xff\xc3(\xed\xa0\x80\n"
                    b"Classifier: a & b\nRequires-Dist: x; extra == \"y\"\nDynamic: Summary\n"
                    b"Project-URL: Home, https://a.test/\nProject-URL: Home,https://b.test/\n"
                    b"Project-URL: Two\n  words, https://c.test/\nProject-URL: Two words, https://d.test/\n"
                    b"Project-URL: \xff, https://e.test/\nProject-URL: \xfe, https://f.test/\n"
                    b"Project-URL: no comma\nLicense-File: LICENSE\n junk: continuation\nno colon\n"
                    b"\n  body \"q\" \\ \x00 <b>&amp;\r\n \t\n"),
        "many-values": "Name: many\n" + "".join("Classifier: C %d\nProject-URL: L%d, https://x.test/%d\n" % (i, i % 7, i)
                                                 for i in range(60)),
        "only-body": "\nJust a body, no fields.\n",
        # Project-URL labels that are all empty: nothing to sort them by.
        "empty-labels": "Name: e\nProject-URL: , https://a.test/\nProject-URL: ,https://b.test/\nProject-URL:\n",
    }

    # mountinfo: a first line with the mount ID to look for, then a /proc/self/mountinfo table.
    mi_root = "29 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro\n"
    mi_nfs4 = ("98 29 0:52 / /srv/pypi rw,relatime shared:60 - nfs4 10.77.0.1:/export/pypi rw,vers=4.2,"
               "rsize=1048576,wsize=1048576,namlen=255,hard,proto=tcp,timeo=600,retrans=2,sec=sys,"
               "clientaddr=10.77.0.2,local_lock=none,addr=10.77.0.1\n")
    mi_nfs3 = ("98 29 0:53 / /srv/v3 rw,relatime shared:61 - nfs 10.77.0.1:/export rw,vers=3,rsize=1048576,"
               "wsize=1048576,namlen=255,hard,nolock,proto=tcp,timeo=600,retrans=2,sec=sys,mountaddr=10.77.0.1,"
               "mountvers=3,mountport=20048,mountproto=udp,local_lock=all,addr=10.77.0.1\n")
    c["mountinfo"] = {
        "ext4": "29\n" + mi_root,
        "tmpfs": "24\n" + mi_root + "24 23 0:22 / /dev/shm rw,nosuid,nodev shared:3 - tmpfs tmpfs rw,inode64\n",
        "nfs4": "98\n" + mi_root + mi_nfs4,
        "nfs3-local-lock-all": "98\n" + mi_root + mi_nfs3,
        "nfs3-nolock": "98\n" + mi_root + mi_nfs3.replace(",local_lock=all", ""),
        "nfs4-flock": "98\n" + mi_nfs4.replace("local_lock=none", "local_lock=flock") + mi_root,
        "nfs4-cache": "98\n" + mi_nfs4.replace("hard,", "hard,nocto,noac,actimeo=1,lookupcache=positive,"
                                                "acregmin=99999999999999,acdirmax=0,"),
        "sshfs": "120\n" + mi_root + ("120 29 0:60 / /mnt/ssh rw,nosuid,nodev,relatime shared:70 - fuse.sshfs "
                                       "user@host:/srv rw,user_id=1000,group_id=1000\n"),
        "9p": "130\n130 29 0:61 / /mnt/9p rw,relatime - 9p hostshare rw,sync,dirsync,access=client,trans=virtio\n",
        "cluster": ("7\n7 29 253:3 / /mnt/gfs rw - gfs2 /dev/vg/gfs rw,localflocks\n"
                    "8 29 0:70 / /mnt/ceph rw - ceph 10.0.0.1:6789:/ rw,name=admin\n"),
        "escapes": "40\n40 29 8:1 /a\\040b /mnt/my\\040dir\\011tab\\134back\\012nl rw - ext4 /dev/x\\377 rw\n",
        "optional-fields": "61\n61 29 0:30 / /mnt rw shared:5 master:1 propagate_from:2 unbindable - tmpfs  rw\n",
        "no-separator": "98\n98 29 0:52 / /srv rw tmpfs tmpfs rw\n",
        "truncated": "98\n" + mi_root + mi_nfs4[:80],
        "bad-escape": "98\n98 29 0:52 / /a\\04x rw - tmpfs tmpfs rw\n98 29 0:52 / /a\\000 rw - tmpfs tmpfs rw\n",
        "nul": b"98\n98 29 0:52 / /s\x00rv rw - tmpfs tmpfs rw\n",
        "bad-ids": "x\n-1 29 0:52 / /srv rw - tmpfs tmpfs rw\n18446744073709551616 1 0:5:2 / / rw - t t rw\n",
        "dup-other-id": ("7\n7 29 253:3 / /mnt/gfs rw - gfs2 /dev/vg/gfs rw\n8 29 0:70 / /a rw - ceph c rw\n"
                         "8 29 0:70 / /b rw - ceph c rw\n"),
        "long-line": "98\n98 29 0:52 / /" + "a" * 5000 + " rw - tmpfs tmpfs rw\n",
    }

    # sidecar: records; first byte even = "end" line appended by the harness.
    def rec(body, keep_end=False):
        if keep_end:
            return b"\x01" + body + b"end " + hashlib.sha256(body).hexdigest().encode() + b"\n"
        return b"\x00" + body

    base = (b"pypi-fcgi-sidecar 1\nsize 1234\nmtime 1700000000.000000001\nsha256 " + b"ab" * 32 +
            b"\nfirst-seen 1700000000000000\nyanked 0\n")
    c["sidecar"] = {
        "minimal": rec(base),
        "minimal-end": rec(base, keep_end=True),
        "full": rec(base.replace(b"yanked 0", b"yanked 1") + b"requires-python >=3.8%2c%20<4\n"
                    b"yank-reason broken%20build\nuploader alice\nmetadata 321 " + b"cd" * 32 + b"\n"),
        "ident": rec(base + b"ident 1234567 1700000000.000000002\n", keep_end=True),
        "ident-dup": rec(base + b"ident 1 1.000000000\nident 1 1.000000000\n"),
        "dup": rec(base + b"size 1\n"),
        "unknown-key": rec(base + b"color blue\n"),
        "bad-escape": rec(base + b"uploader a%0\n"),
        "garbage": b"\x01pypi-fcgi-sidecar 1\nend 00\n",
    }
    # upstream_store: the upstream cache's page records; first byte even =
    # "end" line appended by the harness (see fuzz_upstream_store.c).
    def page_rec(body, keep_end=False):
        body = b"pypi-fcgi-upstream-page 1\n" + body
        if keep_end:
            return b"\x01" + body + b"end " + hashlib.sha256(body).hexdigest().encode() + b"\n"
        return b"\x00" + body

    whl, tgz = b"demo_pkg-1.0-py3-none-any.whl", b"demo-pkg-1.0.tar.gz"
    page_head = (b"name demo-pkg\npage-url https://pypi.org/simple/demo-pkg/\netag \"a1b2\"\n"
                 b"last-modified Sat,%2005%20Dec%202026%2010:00:00%20GMT\nfetched 1796551200\nchecked 1796554800\n")
    page_full = (page_head + b"skipped 1 file%202:%20its%20filename%20is%20another%20project's%20(\"x-1.0.tar.gz\")\n"
                 b"files 2\nfile " + whl + b" https://f.example/" + whl + b" sha256=" + h1.encode() +
                 b" rp=>=3.8 meta=" + hm.encode() + b" size=4821 time=1672531200123456\n"
                 b"file " + tgz + b" https://f.example/" + tgz + b" yanked=broken%20build meta\n"
                 b"versions 2\nversion 1.0\nversion 1.1rc1\n")
    c["upstream_store"] = {
        "full": page_rec(page_full),
        "full-end": page_rec(page_full, keep_end=True),
        "minimal": page_rec(b"name a\npage-url x\nfetched 0\nchecked 0\nskipped 0\nfiles 0\n"),
        "versions-empty": page_rec(page_head + b"skipped 0\nfiles 0\nversions 0\n"),
        "escapes": page_rec(page_head + b"skipped 0\nfiles 1\nfile " + tgz + b" https://f.example/a%25b rp=%09%0a%c3%a9 "
                            b"yanked=\nversions 2\nversion %20\nversion %f0%9f%90%8d\n"),
        "bad-escape": page_rec(page_head + b"skipped 0\nfiles 1\nfile " + tgz + b" https://f.example/x rp=%41\n"),
        "misplaced": page_rec(page_head + b"skipped 0\nfiles 1\nfile " + tgz + b" https://f.example/x size=1 yanked\n"),
        "other-project": page_rec(page_head + b"skipped 0\nfiles 1\nfile other-1.0.tar.gz https://f.example/x\n"),
        "count": page_rec(page_head + b"skipped 0\nfiles 3\nfile " + tgz + b" https://f.example/x\n"),
        "garbage": b"\x01pypi-fcgi-upstream-page 1\nend 00\n",
    }
    # upstream_yank: this index's yanks of upstream files, the list of demo-pkg (see fuzz_upstream_yank.c).
    yank_head = b"pypi-fcgi-upstream-yanked 1\nname demo-pkg\n"
    zipf = b"Demo.Pkg-1.1rc1.zip"
    c["upstream_yank"] = {
        "full": yank_head + b"file " + zipf + b" 100%25%20caf%c3%a9\nfile " + tgz + b"\nfile " + whl +
                b" broken%20build\nend\n",
        "empty": yank_head + b"end\n",
        "escapes": yank_head + b"file " + tgz + b" %25%0a%09%0d%7f%20%c3%a9%f0%9f%90%8d"
                   b"\"quoted\"!#&'()*+,-./:;<=>?@[\\]^_`{|}~\nend\n",
        "many": yank_head + b"".join(b"file demo-pkg-1.%d.tar.gz%s\n" % (i, b" r%%20%d" % i if i % 2 else b"")
                                     for i in range(10, 60)) + b"end\n",
        "bad-escape": yank_head + b"file " + tgz + b" %41%2A%4\nend\n",
        "not-utf8": yank_head + b"file " + tgz + b" %ff%c3(\nend\n",
        "empty-reason": yank_head + b"file " + tgz + b" \nend\n",
        "order": yank_head + b"file " + whl + b"\nfile " + tgz + b"\nfile " + tgz + b"\nend\n",
        "other-project": yank_head + b"file other-1.0.tar.gz\nfile demo-pkg.txt\nend\n",
        "other-name": b"pypi-fcgi-upstream-yanked 1\nname other\nend\n",
        "after-end": yank_head + b"end\nfile " + tgz + b"\n",
        "cut": yank_head + b"file " + tgz,
    }
    # upstream_http: the header lines of an upstream's answers.
    c["upstream_http"] = {
        "pypi": "HTTP/2 200\r\ncontent-type: application/vnd.pypi.simple.v1+json\r\netag: \"Tx5XH3rO1Kv3g\"\r\n"
                "last-modified: Sat, 05 Dec 2026 10:00:00 GMT\r\nx-pypi-last-serial: 123\r\n\r\n",
        "not-modified": "HTTP/1.1 304 Not Modified\r\nETag: W/\"abc\"\r\n\r\n",
        "redirect": "HTTP/1.1 301 Moved Permanently\r\nLocation: ../bar/\r\nETag: \"old\"\r\n\r\n"
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n",
        "continue": "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nETag: \"x\"\r\n\r\n",
        "control": "HTTP/1.1 200 OK\r\nETag: \"a\x01b\"\r\n",
        "tab": "HTTP/1.1 200 OK\r\nContent-Type:\t text/html;\tcharset=utf-8 \t\r\n",
        "repeated": "HTTP/1.1 200 OK\r\nETag: \"1\"\r\netag: \"2\"\r\nETAG:\r\n",
        "long-value": "HTTP/1.1 200 OK\r\nETag: \"" + "e" * 1030 + "\"\r\n",
        "many-lines": "HTTP/1.1 200 OK\r\n" + "".join("X-Filler-%d: %s\r\n" % (i, "f" * 100) for i in range(700)),
        "bare-lf": "HTTP/1.0 200 OK\nLast-Modified: Sat, 05 Dec 2026 10:00:00 GMT\n\n",
        "no-colon": "HTTP/1.1 200 OK\r\nnot a header\r\n:\r\nETag\r\n",
    }

    return c


def tar_header(name, size, typ=b"0", realsize=0):
    """A 512-byte tar header, the size in base 256 (GNU) so that it can pass 8 GiB; GNU magic and its
    realsize field when realsize is given."""
    h = bytearray(512)
    h[0:len(name)] = name.encode()
    h[100:124] = b"0000644\0" + b"0000000\0" * 2
    h[124:136] = bytes([0x80]) + size.to_bytes(11, "big")
    h[136:148] = b"%011o\0" % TAR_MTIME
    h[156:157] = typ
    if realsize:
        h[257:265] = b"ustar  \0"
        h[483:495] = bytes([0x80]) + realsize.to_bytes(11, "big")
    else:
        h[257:265] = b"ustar\x0000"
    h[148:156] = b"        "
    h[148:156] = b"%06o\0 " % sum(h)
    return bytes(h)


def pax_header(records):
    body = b""
    for key, value in records.items():
        rec = " %s=%s\n" % (key, value)
        n = len(rec) + 1
        while len(str(n)) + len(rec) != n:
            n += 1
        body += (str(n) + rec).encode()
    return tar_header("PaxHeaders/x", len(body), b"x") + body + bytes(-len(body) % 512)


def many_entries_wheel(records, count16=None, count64=None):
    """METADATA, then records central-directory records of one-byte names pointing at its local header
    (the shape of a fake wheel of 1.5 million entries). The end record counts count16 (default: all);
    with count64, zip64 end records that count count64."""
    md = metadata("demo-pkg", "1.0").encode()
    name = b"demo_pkg-1.0.dist-info/METADATA"
    crc = zipfile.crc32(md) & 0xffffffff
    local = struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, 0, 0, 0, 0x21, crc, len(md), len(md), len(name), 0) + name + md
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 20, 20, 0, 0, 0, 0x21, crc, len(md), len(md),
                          len(name), 0, 0, 0, 0, 0o644 << 16, 0) + name
    central += (struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 20, 20, 0, 0, 0, 0x21, 0, 0, 0, 1, 0, 0, 0, 0,
                            0o644 << 16, 0) + b"x") * records
    total = records + 1
    tail = b""
    if count64 is not None:
        end64 = len(local) + len(central)
        tail = struct.pack("<IQHHIIQQQQ", 0x06064b50, 44, 45, 45, 0, 0, count64, count64, len(central), len(local))
        tail += struct.pack("<IIQI", 0x07064b50, 0, end64, 1)
        count16, size32, off32 = 0xffff, 0xffffffff, 0xffffffff
    else:
        count16, size32, off32 = total if count16 is None else count16, len(central), len(local)
    tail += struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, count16, count16, size32, off32, 0)
    return local + central + tail


def overlapping_zip():
    """A zip whose two central-directory entries point at one local entry."""
    md = metadata("demo-pkg", "1.0").encode()
    name = b"demo_pkg-1.0.dist-info/METADATA"
    crc = zipfile.crc32(md) & 0xffffffff
    local = struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, 0, 0, 0, 0x21, crc, len(md), len(md), len(name), 0) + name + md
    central = b""
    for _ in range(2):
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 20, 20, 0, 0, 0, 0x21, crc, len(md), len(md),
                               len(name), 0, 0, 0, 0, 0o644 << 16, 0) + name
    end = struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, 2, 2, len(central), len(local), 0)
    return local + central + end


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    for harness, seeds in sorted(corpus().items()):
        d = os.path.join(out, harness)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        for name, data in sorted(seeds.items()):
            with open(os.path.join(d, name), "wb") as f:
                f.write(data.encode() if isinstance(data, str) else data)


if __name__ == "__main__":
    main()
